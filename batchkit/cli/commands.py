"""The commands of ``batchkit``: one function per subcommand, taking the parsed arguments and returning the
exit status. Errors propagate to :func:`batchkit.cli.main.main`, which reports them once."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .. import bench, cost
from ..api import compress, decompress, verify
from ..blob import write_blob_dir
from ..builder import build_payloads
from ..calldata import frame
from ..errors import InputError, VerificationError
from ..estimate import estimate
from ..files import atomic_output
from ..inspection import inspect_payload, render
from ..limits import MAX_INPUT_BYTES
from ..readers import Transactions, read_node, read_transactions
from ..readers.node import display_url
from ..senders import recover_senders
from ..tx import keccak256
from .payloads import read_posted

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


# --- input: a file or a node ------------------------------------------------------------------------------

def _from_node(args) -> bool:
    """Whether the transactions come from ``--rpc URL --blocks A:B`` (else from the file argument)."""
    if args.rpc is None:
        if args.blocks is not None:
            raise InputError("--blocks goes with --rpc URL")
        return False
    if args.blocks is None:
        raise InputError("--rpc needs --blocks A:B (blocks A to B-1; A:+N, A and A: work too)")
    return True


def _read_node(args, *, skip_unsupported: bool) -> Transactions:
    return read_node(args.rpc, args.blocks, skip_unsupported=skip_unsupported, blocks_per_request=args.rpc_batch,
                     concurrency=args.rpc_concurrency)


def _read_input(args) -> Transactions:
    """The transactions of the file argument, or of ``--rpc URL --blocks A:B``."""
    if not _from_node(args):
        if args.input is None:
            raise InputError("give an input file (- for stdin), or --rpc URL --blocks A:B")
        return read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    if args.input is not None:
        raise InputError("give an input file or --rpc URL, not both")
    return _read_node(args, skip_unsupported=args.skip_unsupported)


# --- commands ------------------------------------------------------------------------------------------------

def cmd_compress(args) -> int:
    txs = _read_input(args)
    if txs.skipped:
        print(f"skipped {txs.skipped} unsupported transaction(s)", file=sys.stderr)
    if not txs.raws:
        raise InputError("no transactions in the input")
    senders = txs.senders
    if senders is None and not args.no_recover:
        senders = recover_senders(txs.raws)
    if args.target_blobs is not None:
        return _compress_to_targets(args, txs.raws, senders)
    payload = compress(txs.raws, level=args.level, senders=senders, verify=not args.no_verify,
                       recover=False)
    if args.to == "payload":
        with atomic_output(args.output, binary=True) as f:
            f.write(payload)
    elif args.to == "calldata":
        frames = frame(payload)
        if args.output in (None, "-"):
            raise InputError("--to calldata writes files: give -o PREFIX")
        for i, data in enumerate(frames):
            name = args.output if len(frames) == 1 else f"{args.output}.{i:03d}"
            with atomic_output(name, binary=True) as f:
                f.write(data)
    else:
        if args.output in (None, "-"):
            raise InputError("--to blobs writes a directory: give -o DIR")
        manifest = write_blob_dir(payload, args.output, proofs=args.proofs)
        print(f"{len(manifest['blobs'])} blob(s) in {args.output}", file=sys.stderr)
    n = len(txs.raws)
    raw_bytes = sum(map(len, txs.raws))
    print(f"{n} transactions, {raw_bytes} bytes -> {len(payload)} bytes ({len(payload) / n:.1f} B/tx, "
          f"ratio {raw_bytes / len(payload):.2f})", file=sys.stderr)
    return EXIT_OK


def _compress_to_targets(args, raws: list[bytes], senders) -> int:
    """A long input as a sequence of payloads, each filling ``--target-blobs`` blobs (the last may not)."""
    if args.output in (None, "-"):
        raise InputError("--target-blobs writes several payloads: give -o PREFIX (files PREFIX.000, ...)")
    payloads = build_payloads(raws, senders=senders, target_blobs=args.target_blobs, level=args.level,
                              verify=not args.no_verify)
    written = []
    try:
        for i, payload in enumerate(payloads):
            name = f"{args.output}.{i:03d}"
            if args.to == "blobs":
                write_blob_dir(payload, name, proofs=args.proofs)
            else:
                with atomic_output(name, binary=True) as f:
                    f.write(payload)
            written.append(name)
    except BaseException:
        for name in written:
            shutil.rmtree(name, ignore_errors=True) if Path(name).is_dir() else Path(name).unlink(missing_ok=True)
        raise
    sizes = ", ".join(str(len(p)) for p in payloads)
    print(f"{len(raws)} transactions -> {len(payloads)} payloads ({sizes} bytes)", file=sys.stderr)
    return EXIT_OK


def cmd_decompress(args) -> int:
    txs = decompress(read_posted(args.input))
    with atomic_output(args.output, binary=False) as f:
        for raw in txs:
            f.write(json.dumps({"raw": "0x" + raw.hex(), "hash": "0x" + keccak256(raw).hex()}) + "\n")
    return EXIT_OK


def cmd_verify(args) -> int:
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    try:
        verify(txs.raws, read_posted(args.payload))
    except VerificationError as exc:
        print(f"batchkit: different: {exc}", file=sys.stderr)
        return EXIT_DIFFERENT
    print(f"ok: the payload decodes to the {len(txs.raws)} transactions", file=sys.stderr)
    return EXIT_OK


def cmd_inspect(args) -> int:
    report = inspect_payload(read_posted(args.payload))
    with atomic_output(None, binary=False) as f:
        f.write(json.dumps(report, indent=2) + "\n" if args.json else render(report))
    return EXIT_OK


def cmd_estimate(args) -> int:
    if _from_node(args):
        if args.input is not None:
            raise InputError("give an input file or --rpc URL, not both")
        data: bytes | Transactions = _read_node(args, skip_unsupported=args.skip_unsupported)
    elif args.input is None:
        raise InputError("give an input file or payload (- for stdin), or --rpc URL --blocks A:B")
    else:
        # Transactions or a payload in any posting form: a plain file is read up to the larger limit.
        data = read_posted(args.input, MAX_INPUT_BYTES, "input size")
    result = estimate(data, level=args.level, base_fee=args.base_fee, blob_base_fee=args.blob_base_fee,
                      excess_blob_gas=args.excess_blob_gas, fork=args.fork, eth_usd=args.eth_usd,
                      skip_unsupported=args.skip_unsupported)
    if result.skipped:
        print(f"skipped {result.skipped} unsupported transaction(s)", file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps(result.comparison.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_estimate(result.comparison))
    return EXIT_OK


def render_estimate(c: cost.Comparison) -> str:
    """The comparison as a plain-text table."""
    def eth(wei: int) -> str:
        return f"{cost.wei_to_eth(wei):.9f}".rstrip("0").rstrip(".") + " ETH"

    def usd(wei: int) -> str:
        if c.eth_usd is None:
            return ""
        return f"${cost.wei_to_eth(wei) * c.eth_usd:,.6f}"

    rows = [
        ("", "calldata", "blobs"),
        ("payload bytes", str(c.payload_bytes), str(c.payload_bytes)),
        ("L1 transactions", str(c.calldata_frames), str(c.blob_txs)),
        ("blobs", "-", str(c.blobs)),
        ("gas", f"{c.calldata_gas:,}", f"{c.blob_tx_gas:,} + {c.blob_gas:,} blob gas"),
        ("cost per batch", eth(c.calldata_wei), eth(c.blob_wei)),
        ("cost per transaction", eth(c.calldata_wei_per_tx), eth(c.blob_wei_per_tx)),
    ]
    if c.eth_usd is not None:
        rows += [("USD per batch", usd(c.calldata_wei), usd(c.blob_wei)),
                 ("USD per transaction", usd(c.calldata_wei_per_tx), usd(c.blob_wei_per_tx))]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{c.n_txs} transactions, fork {c.fork}, base fee {c.base_fee} wei, blob base fee "
             f"{c.blob_base_fee} wei ({c.blob_base_fee_source})"]
    lines += [f"{a:<{w0}}  {b:>{w1}}  {d}" for a, b, d in rows]
    lines.append(f"cheaper: {c.cheaper}")
    return "\n".join(lines) + "\n"


def cmd_bench(args) -> int:
    base_fee = cost.parse_wei(args.base_fee)
    blob_base_fee = cost.parse_wei(args.blob_base_fee)
    formats = bench.select_formats(args.formats)
    if _from_node(args):
        if args.corpus:
            raise InputError("give corpus files or --rpc URL, not both")
        corpus = bench.corpus_of(_read_node(args, skip_unsupported=True),
                                 f"blocks {args.blocks} of {display_url(args.rpc)}")
    else:
        corpus = bench.load_corpus(args.corpus or [])
    report = bench.run(corpus, formats, batch_bytes=args.batch_bytes, target_blobs=args.target_blobs,
                       base_fee=base_fee, blob_base_fee=blob_base_fee, limit=args.limit)
    if args.json_out:
        with atomic_output(args.json_out, binary=False) as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    plots = (bench.write_plots(args.plot, report["results"], report["batchkit_columns"], report["meta"])
             if args.plot else [])
    out = sys.stdout
    out.write(bench.render_meta(report["meta"]) + "\n")
    out.write(bench.render_table(report["results"]))
    if report["batchkit_columns"]:
        out.write("\n" + bench.render_columns(report["batchkit_columns"]))
    for p in plots:
        out.write(f"plot: {p}\n")
    if args.json_out:
        out.write(f"json: {args.json_out}\n")
    out.flush()
    return EXIT_OK
