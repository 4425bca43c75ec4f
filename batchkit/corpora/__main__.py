"""``python -m batchkit.corpora generate -n 1000 --seed 1 -o out.jsonl``: write a generated batch as JSONL in
the shape of the shared corpus (``chain``, ``chain_id``, ``block``, ``index``, ``raw``, ``hash``) plus ``from``."""

from __future__ import annotations

import argparse
import json
import sys

from .generate import generate_batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m batchkit.corpora", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write a deterministic synthetic batch as JSONL")
    gen.add_argument("-n", type=int, default=1000, help="number of transactions (default 1000)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--chain-id", type=int, default=1)
    gen.add_argument("--block-size", type=int, default=200,
                     help="transactions per synthetic block, for the block/index fields (default 200)")
    gen.add_argument("-o", "--output", default="-", help="output file, or - for stdout (default)")
    args = parser.parse_args(argv)
    if args.n < 0 or args.block_size < 1:
        parser.error("-n must be >= 0 and --block-size >= 1")
    try:
        batch = generate_batch(args.n, seed=args.seed, chain_id=args.chain_id)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    try:
        for i, tx in enumerate(batch):
            record = {"chain": "synthetic", "chain_id": args.chain_id, "block": 1 + i // args.block_size,
                      "index": i % args.block_size, "raw": "0x" + tx.raw.hex(), "hash": "0x" + tx.hash.hex(),
                      "from": "0x" + tx.sender.hex()}
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
