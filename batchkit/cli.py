"""The command line: ``batchkit compress | decompress | verify | inspect | estimate | bench``.

Errors are caught once, here: one line on stderr, a non-zero exit (2 for bad input or usage, 1 when
``verify`` finds a difference), no traceback, and no partial output file left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from .errors import BatchkitError, InputError, VerificationError

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


# --- output that is never left half-written ---------------------------------------------------------------

@contextlib.contextmanager
def atomic_output(path: str | None, *, binary: bool) -> Iterator:
    """Yield a file to write; on success it replaces ``path`` (``-``/None: stdout), on error nothing is left."""
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the mode open() would
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_payload(path: str) -> bytes:
    from .limits import MAX_PAYLOAD_BYTES
    if path == "-":
        data = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
    else:
        with open(path, "rb") as f:
            data = f.read(MAX_PAYLOAD_BYTES + 1)
    if len(data) > MAX_PAYLOAD_BYTES:
        from .errors import LimitExceededError
        raise LimitExceededError("payload size", len(data), MAX_PAYLOAD_BYTES)
    return data


def _read_any_payload(path: str) -> bytes:
    """A payload file, stdin, a directory of blobs written by ``compress --to blobs``, or calldata frames
    written by ``compress --to calldata`` (PREFIX, or PREFIX.000, PREFIX.001, ... when split)."""
    from . import calldata
    if path != "-" and Path(path).is_dir():
        from .blob import read_blob_dir
        return read_blob_dir(path)
    if path != "-" and not Path(path).exists() and Path(f"{path}.000").exists():
        names = []
        while Path(f"{path}.{len(names):03d}").exists() and len(names) <= calldata.MAX_FRAMES:
            names.append(f"{path}.{len(names):03d}")
        return calldata.unframe([read_payload(name) for name in names])
    data = read_payload(path)
    if data[:1] and data[0] & 0x7F == calldata.CALLDATA_VERSION:  # a calldata frame, never the payload magic
        return calldata.unframe([data])
    return data


# --- commands ------------------------------------------------------------------------------------------------

def cmd_compress(args) -> int:
    from .api import compress
    from .inputs import read_transactions
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    if txs.skipped:
        print(f"skipped {txs.skipped} unsupported transaction(s)", file=sys.stderr)
    if not txs.raws:
        raise InputError("no transactions in the input")
    senders = txs.senders
    if senders is None and not args.no_recover:
        from .senders import recover_senders
        senders = recover_senders(txs.raws)
    if args.target_blobs is not None:
        return _compress_to_targets(args, txs.raws, senders)
    payload = compress(txs.raws, level=args.level, senders=senders, verify=not args.no_verify,
                       recover=False)
    if args.to == "payload":
        with atomic_output(args.output, binary=True) as f:
            f.write(payload)
    elif args.to == "calldata":
        from .calldata import frame
        frames = frame(payload)
        if args.output in (None, "-"):
            raise InputError("--to calldata writes files: give -o PREFIX")
        for i, data in enumerate(frames):
            name = args.output if len(frames) == 1 else f"{args.output}.{i:03d}"
            with atomic_output(name, binary=True) as f:
                f.write(data)
    else:
        from .blob import write_blob_dir
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
    from .builder import build_payloads
    if args.output in (None, "-"):
        raise InputError("--target-blobs writes several payloads: give -o PREFIX (files PREFIX.000, ...)")
    payloads = build_payloads(raws, senders=senders, target_blobs=args.target_blobs, level=args.level,
                              verify=not args.no_verify)
    written = []
    try:
        for i, payload in enumerate(payloads):
            name = f"{args.output}.{i:03d}"
            if args.to == "blobs":
                from .blob import write_blob_dir
                write_blob_dir(payload, name, proofs=args.proofs)
            else:
                with atomic_output(name, binary=True) as f:
                    f.write(payload)
            written.append(name)
    except BaseException:
        import shutil
        for name in written:
            shutil.rmtree(name, ignore_errors=True) if Path(name).is_dir() else Path(name).unlink(missing_ok=True)
        raise
    sizes = ", ".join(str(len(p)) for p in payloads)
    print(f"{len(raws)} transactions -> {len(payloads)} payloads ({sizes} bytes)", file=sys.stderr)
    return EXIT_OK


def cmd_decompress(args) -> int:
    from .api import decompress
    from .tx import keccak256
    txs = decompress(_read_any_payload(args.input))
    with atomic_output(args.output, binary=False) as f:
        for raw in txs:
            f.write(json.dumps({"raw": "0x" + raw.hex(), "hash": "0x" + keccak256(raw).hex()}) + "\n")
    return EXIT_OK


def cmd_verify(args) -> int:
    from .api import verify
    from .inputs import read_transactions
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    try:
        verify(txs.raws, _read_any_payload(args.payload))
    except VerificationError as exc:
        print(f"batchkit: different: {exc}", file=sys.stderr)
        return EXIT_DIFFERENT
    print(f"ok: the payload decodes to the {len(txs.raws)} transactions", file=sys.stderr)
    return EXIT_OK


def cmd_inspect(args) -> int:
    from .inspect import inspect_payload, render
    report = inspect_payload(_read_any_payload(args.payload))
    with atomic_output(None, binary=False) as f:
        f.write(json.dumps(report, indent=2) + "\n" if args.json else render(report))
    return EXIT_OK


def cmd_estimate(args) -> int:
    from .estimate import main_estimate
    return main_estimate(args)


def cmd_bench(args) -> int:
    from .bench import main_bench
    return main_bench(args)


COMMANDS: dict[str, Callable] = {
    "compress": cmd_compress,
    "decompress": cmd_decompress,
    "verify": cmd_verify,
    "inspect": cmd_inspect,
    "estimate": cmd_estimate,
    "bench": cmd_bench,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="batchkit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"batchkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compress", help="transactions (JSONL, hex lines, JSON-RPC blocks, Parquet) -> payload")
    p.add_argument("input", help="input file, or - for stdin")
    p.add_argument("-o", "--output", help="output file (default stdout); a directory with --to blobs")
    p.add_argument("--level", default="default", help="fast, default, max, or a zstd level 1-22")
    p.add_argument("--to", choices=("payload", "blobs", "calldata"), default="payload",
                   help="write the bare payload, EIP-4844 blobs with a manifest, or calldata frames")
    p.add_argument("--proofs", action="store_true", help="with --to blobs: also compute KZG proofs")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="skip transactions of types batchkit does not carry (e.g. OP deposits) and say how many")
    p.add_argument("--no-recover", action="store_true",
                   help="do not recover senders from signatures (nonces are then stored whole)")
    p.add_argument("--no-verify", action="store_true", help="skip decoding the payload back before writing it")
    p.add_argument("--target-blobs", type=int, metavar="N",
                   help="cut the input into payloads that each fill N blobs (files PREFIX.000, PREFIX.001, ...)")

    p = sub.add_parser("decompress", help="payload (file, -, blob directory or calldata frames) -> JSONL")
    p.add_argument("input")
    p.add_argument("-o", "--output", help="output JSONL (default stdout)")

    p = sub.add_parser("verify", help="check that PAYLOAD decodes to exactly the transactions of IN")
    p.add_argument("input")
    p.add_argument("payload")
    p.add_argument("--skip-unsupported", action="store_true")

    p = sub.add_parser("inspect", help="header, per-column sizes and bytes per transaction of a payload")
    p.add_argument("payload")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("estimate", help="what posting the batch costs, as calldata and as blobs")
    p.add_argument("input", help="transactions (as for compress) or a payload; - for stdin")
    p.add_argument("--level", default="default")
    p.add_argument("--base-fee", default="12gwei", help="execution base fee (units: wei, gwei, eth)")
    fee = p.add_mutually_exclusive_group()
    fee.add_argument("--blob-base-fee", help="blob base fee (units: wei, gwei, eth)")
    fee.add_argument("--excess-blob-gas", type=int, help="derive the blob base fee from the excess blob gas")
    p.add_argument("--fork", default="bpo2", help="cancun, prague, osaka, bpo1, bpo2 (default)")
    p.add_argument("--eth-usd", type=float, help="ETH price in USD, to show costs in USD")
    p.add_argument("--skip-unsupported", action="store_true")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("bench", help="batchkit against today's production formats on the same batches")
    p.add_argument("corpus", nargs="*", help="JSONL / JSON-RPC / Parquet files (default: ../shared/corpora, "
                                             "else a generated corpus)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--batch-bytes", type=int, help="cut batches of about N raw transaction bytes (default 120000)")
    size.add_argument("--target-blobs", type=int, help="cut batches that fill N blobs")
    p.add_argument("--formats", help="comma-separated format names (default: all)")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the results as JSON")
    p.add_argument("--plot", metavar="DIR", help="write PNG plots into DIR")
    p.add_argument("--base-fee", default="12gwei")
    p.add_argument("--blob-base-fee", default="1gwei")
    p.add_argument("--limit", type=int, help="use at most N transactions")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (BatchkitError, ValueError, OSError) as exc:
        print(f"batchkit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("batchkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
