"""``python -m batchkit.corpora generate -n 1000 --seed 1 -o out.jsonl``: write a generated batch as JSONL in
the shape of the shared corpus (``chain``, ``chain_id``, ``block``, ``index``, ``raw``, ``hash``) plus ``from``.

``--partitions P -o DIR`` writes ``DIR/part-00000.jsonl`` ... ``DIR/part-<P-1>.jsonl`` instead: ``-n`` split
into P shards (the first ``n % P`` one larger), shard ``i`` generated with seed ``seed + i`` (each shard is a
deterministic corpus of its own, its blocks numbered after the previous shard's), on ``--jobs`` processes.
A directory of shards is what ``batchkit compress``/``bench`` read as partitions (one unit of work each)."""

from __future__ import annotations

import argparse
import os
import sys

from ..parallel import get_executor
from .generate import generate_batch, jsonl_records, write_jsonl_shard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m batchkit.corpora", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write a deterministic synthetic batch as JSONL")
    gen.add_argument("-n", type=int, default=1000, help="number of transactions (default 1000)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--chain-id", type=int, default=1)
    gen.add_argument("--block-size", type=int, default=200,
                     help="transactions per synthetic block, for the block/index fields (default 200)")
    gen.add_argument("-o", "--output", default="-", help="output file, or - for stdout (default); "
                                                         "a directory with --partitions")
    gen.add_argument("--partitions", type=int, metavar="P",
                     help="write P JSONL shards DIR/part-00000.jsonl ... into the directory -o DIR")
    gen.add_argument("--jobs", type=int, default=1, metavar="N", help="with --partitions: processes (default 1)")
    args = parser.parse_args(argv)
    if args.n < 0 or args.block_size < 1:
        parser.error("-n must be >= 0 and --block-size >= 1")
    if args.partitions is not None:
        if args.partitions < 1 or args.jobs < 1:
            parser.error("--partitions and --jobs must be at least 1")
        if args.output == "-":
            parser.error("--partitions writes a directory: give -o DIR")
        return _generate_shards(args)
    try:
        batch = generate_batch(args.n, seed=args.seed, chain_id=args.chain_id)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        out.writelines(jsonl_records(batch, args.chain_id, args.block_size, 0))
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _generate_shards(args) -> int:
    os.makedirs(args.output, exist_ok=True)
    p = args.partitions
    sizes = [args.n // p + (i < args.n % p) for i in range(p)]
    width = max(5, len(str(p - 1)))
    jobs, first = [], 0
    for i, n in enumerate(sizes):
        # Blocks continue across shards: shard i starts at the block after shard i-1's last one.
        jobs.append((os.path.join(args.output, f"part-{i:0{width}d}.jsonl"), n, args.seed + i, args.chain_id,
                     args.block_size, first))
        first += -(-n // args.block_size) * args.block_size
    try:
        with get_executor(min(args.jobs, p), "processes") as pool:
            for path in pool.map(write_jsonl_shard, jobs):
                print(path, file=sys.stderr)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
