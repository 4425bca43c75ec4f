"""The commands of ``batchkit``: one function per subcommand, taking the parsed arguments and returning the
exit status. Errors propagate to :func:`batchkit.cli.main.main`, which reports them once."""

from __future__ import annotations

import json
import shutil
import sys
from binascii import hexlify
from pathlib import Path

from .. import cost
from ..api import compress, decompress, verify
from ..blob import write_blob_dir
from ..builder import build_payloads
from ..calldata import frame
from ..errors import InputError, VerificationError
from ..estimate import estimate
from ..files import atomic_output
from ..inspection import inspect_payload, render
from ..limits import MAX_INPUT_BYTES
from ..readers import read_transactions
from ..senders import recover_senders
from ..tx import keccak256
from .payloads import read_posted

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2

#: ``decompress`` writes its JSONL this many transactions at a time (memory stays a chunk, not the batch).
_RECORDS_PER_WRITE = 4096


# --- commands ------------------------------------------------------------------------------------------------

def cmd_compress(args) -> int:
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
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
    with atomic_output(args.output, binary=True) as f:
        for start in range(0, len(txs), _RECORDS_PER_WRITE):
            f.write(jsonl_records(txs[start:start + _RECORDS_PER_WRITE]))
    return EXIT_OK


def jsonl_records(raws: list[bytes]) -> bytes:
    """One JSONL record ``{"raw": "0x...", "hash": "0x..."}`` per transaction, byte for byte what
    ``json.dumps`` writes for it: hex digits need no escaping, so the line is formatted directly."""
    return b"".join([b'{"raw": "0x%s", "hash": "0x%s"}\n' % (hexlify(raw), hexlify(keccak256(raw)))
                     for raw in raws])


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
    from .. import bench  # the baselines and the corpus generator: slow imports no other command needs

    base_fee = cost.parse_wei(args.base_fee)
    blob_base_fee = cost.parse_wei(args.blob_base_fee)
    formats = bench.select_formats(args.formats)
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
