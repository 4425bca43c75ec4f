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
from ..blobstream import BlobStreamEncoder, StreamDirWriter, read_stream_dir
from ..builder import BatchBuilder
from ..calldata import frame
from ..errors import InputError, VerificationError
from ..estimate import estimate
from ..files import atomic_output
from ..inspection import inspect_payload, render
from ..limits import MAX_INPUT_BYTES
from ..readers import iter_transactions, read_transactions
from ..senders import recover_senders, recover_stream
from ..tx import keccak256
from .payloads import is_stream, read_posted, stream_transactions

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2
#: Keyframe interval of ``compress --blob-stream`` (v2 payloads with history). zstd's history is its 8 MiB
#: window, which 32 one-blob payloads cover (on recent mainnet: 16% smaller than independent payloads, 2.7%
#: smaller than a keyframe every 16, the same as every 128); the encoder holds one segment's columns (about
#: 2.5 MB a 6-blob payload: 128 made a 1.1 GB input peak at 475 MiB), and a node that joins the stream
#: decodes from the next keyframe.
DEFAULT_STREAM_KEYFRAME_EVERY = 32
#: Payload size of ``compress --blob-stream`` without ``--target-blobs``: the blobs one L1 transaction carries
#: (EIP-7594), so a node can decode each payload once one blob transaction has landed. Larger payloads
#: compress better (on recent mainnet, 6-blob payloads are 11% smaller than 1-blob ones); a stream pays
#: nothing for payloads that do not fill their blobs, so the choice is latency against size.
DEFAULT_STREAM_TARGET_BLOBS = 6


# --- commands ------------------------------------------------------------------------------------------------

def cmd_compress(args) -> int:
    to = args.to or ("blobs" if args.blob_stream else "payload")
    if args.blob_stream or args.target_blobs is not None:
        return _compress_stream(args, to)
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    if txs.skipped:
        print(f"skipped {txs.skipped} unsupported transaction(s)", file=sys.stderr)
    if not txs.raws:
        raise InputError("no transactions in the input")
    senders = txs.senders
    if senders is None and not args.no_recover:
        senders = recover_senders(txs.raws)
    payload = compress(txs.raws, level=args.level, senders=senders, verify=not args.no_verify,
                       recover=False)
    if to == "payload":
        with atomic_output(args.output, binary=True) as f:
            f.write(payload)
    elif to == "calldata":
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


def _compress_stream(args, to: str) -> int:
    """An input of any size, read as a stream: payloads cut by the builder (``--target-blobs`` each) and written
    as they are sealed: files PREFIX.000, ..., blob directories PREFIX.000/, ..., or one blob stream."""
    if args.blob_stream and to != "blobs":
        raise InputError("--blob-stream writes blobs: use it with --to blobs")
    if args.output in (None, "-"):
        raise InputError("--blob-stream writes a directory: give -o DIR" if args.blob_stream else
                         "--target-blobs writes several payloads: give -o PREFIX (files PREFIX.000, ...)")
    target = args.target_blobs if args.target_blobs is not None else DEFAULT_STREAM_TARGET_BLOBS
    if args.keyframe_every is not None and not args.blob_stream:
        raise InputError("--keyframe-every applies to --blob-stream (per-payload blobs carry independent payloads)")
    # v2 payloads: keyframes as plain compress writes them; in a blob stream, with history (a keyframe every
    # --keyframe-every): the stream delivers them in order, as their decoder needs.
    keyframe_every = (args.keyframe_every if args.keyframe_every is not None else DEFAULT_STREAM_KEYFRAME_EVERY) \
        if args.blob_stream else 1
    builder = BatchBuilder(target_blobs=target, level=args.level, verify=not args.no_verify,
                           stream=args.blob_stream, version=2, keyframe_every=keyframe_every)
    sink = (_StreamSink(args.output, args.blobs_per_tx, args.proofs, not args.no_verify) if args.blob_stream
            else _FilesSink(args.output, to == "blobs", args.proofs))
    txs = iter_transactions(args.input, skip_unsupported=args.skip_unsupported)
    pairs = iter(txs) if args.no_recover else recover_stream(txs)
    n = raw_bytes = 0
    try:
        for raw, sender in pairs:
            n += 1
            raw_bytes += len(raw)
            while not builder.add(raw, sender):
                sink.put(builder.seal())
        while len(builder):
            sink.put(builder.seal())
        if txs.skipped:
            print(f"skipped {txs.skipped} unsupported transaction(s)", file=sys.stderr)
        if n == 0:
            raise InputError("no transactions in the input")
        where = sink.close()
    except BaseException:
        sink.abort()
        raise
    print(f"{n} transactions, {raw_bytes} bytes -> {sink.payloads} payloads of {sink.bytes} bytes in all "
          f"({sink.bytes / n:.1f} B/tx) -> {where}", file=sys.stderr)
    return EXIT_OK


class _FilesSink:
    """Each payload in a file of its own (PREFIX.000, ...), or in blobs of its own (directories PREFIX.000/)."""

    def __init__(self, prefix: str, blobs: bool, proofs: bool):
        self.prefix, self.blobs, self.proofs = prefix, blobs, proofs
        self.written: list[str] = []
        self.payloads = self.bytes = self.blob_count = 0

    def put(self, payload: bytes) -> None:
        name = f"{self.prefix}.{len(self.written):03d}"
        if self.blobs:
            self.blob_count += len(write_blob_dir(payload, name, proofs=self.proofs)["blobs"])
        else:
            with atomic_output(name, binary=True) as f:
                f.write(payload)
        self.written.append(name)
        self.payloads += 1
        self.bytes += len(payload)

    def close(self) -> str:
        what = f"{self.blob_count} blobs in " if self.blobs else ""
        return f"{what}{self.prefix}.000 .. {self.written[-1]}"

    def abort(self) -> None:
        for name in self.written:
            shutil.rmtree(name, ignore_errors=True) if Path(name).is_dir() else Path(name).unlink(missing_ok=True)


class _StreamSink:
    """Every payload into one blob stream directory, blobs written as they fill."""

    def __init__(self, out_dir: str, blobs_per_tx: int, proofs: bool, verify: bool):
        self.out_dir = out_dir
        self.encoder = BlobStreamEncoder(verify=verify)
        self.writer = StreamDirWriter(out_dir, blobs_per_tx=blobs_per_tx, proofs=proofs)
        self.payloads = self.bytes = 0

    def put(self, payload: bytes) -> None:
        for b in self.encoder.add(payload):
            self.writer.write(b)
        self.payloads += 1
        self.bytes += len(payload)

    def close(self) -> str:
        for b in self.encoder.flush():
            self.writer.write(b)
        m = self.writer.close()
        txs = -(-m["blob_count"] // m["blobs_per_tx"])
        return (f"{m['blob_count']} blobs ({txs} blob transactions of up to {m['blobs_per_tx']}, every blob full "
                f"but the last) in {self.out_dir}")

    def abort(self) -> None:
        self.writer.abort()


def cmd_decompress(args) -> int:
    batches = stream_transactions(args.input) if is_stream(args.input) else [decompress(read_posted(args.input))]
    with atomic_output(args.output, binary=False) as f:
        for txs in batches:
            for raw in txs:
                f.write(json.dumps({"raw": "0x" + raw.hex(), "hash": "0x" + keccak256(raw).hex()}) + "\n")
    return EXIT_OK


def cmd_verify(args) -> int:
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    try:
        if is_stream(args.payload):  # every payload of the stream, decoded in order
            verify(txs.raws, [carried.data for carried in read_stream_dir(args.payload)])
        else:
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
    if args.target_blobs < 0:
        raise InputError(f"--target-blobs must be 0 (skip) or more, not {args.target_blobs}")
    result = estimate(data, level=args.level, base_fee=args.base_fee, blob_base_fee=args.blob_base_fee,
                      excess_blob_gas=args.excess_blob_gas, fork=args.fork, eth_usd=args.eth_usd,
                      skip_unsupported=args.skip_unsupported, target_blobs=args.target_blobs or None,
                      blobs_per_tx=args.blobs_per_tx, include_op=not args.no_op,
                      keyframe_every=args.keyframe_every or None)
    if result.skipped:
        print(f"skipped {result.skipped} unsupported transaction(s)", file=sys.stderr)
    if args.json:
        out = result.comparison.to_dict()
        if result.posting is not None:
            out["posting"] = result.posting.to_dict()
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(render_estimate(result.comparison))
        if result.posting is not None:
            sys.stdout.write("\n" + bench.render_posting(result.posting.to_dict()))
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
    if "posting" in report:
        out.write("\n" + bench.render_posting(report["posting"]))
        out.write("\n" + bench.render_builder_time(report["builder_time"]))
    for p in plots:
        out.write(f"plot: {p}\n")
    if args.json_out:
        out.write(f"json: {args.json_out}\n")
    out.flush()
    return EXIT_OK
