"""The command line: ``batchkit compress | decompress | verify | inspect | estimate | bench``.

Errors are caught once, here: one line on stderr, a non-zero exit (2 for bad input or usage, 1 when
``verify`` finds a difference), no traceback, and no partial output file left behind.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from .._version import __version__
from ..errors import BatchkitError
from .commands import (EXIT_ERROR, cmd_bench, cmd_compress, cmd_decompress, cmd_estimate, cmd_inspect,
                       cmd_verify)

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
    p.add_argument("-o", "--output", help="output file (default stdout); a directory with --to blobs; a prefix "
                                          "with --target-blobs")
    p.add_argument("--level", default="default", help="fast, default, max, or a zstd level 1-22")
    p.add_argument("--to", choices=("payload", "blobs", "calldata"),
                   help="write the bare payload (default), EIP-4844 blobs with a manifest, or calldata frames")
    p.add_argument("--proofs", action="store_true", help="with --to blobs: also compute KZG proofs")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="skip transactions of types batchkit does not carry (e.g. OP deposits) and say how many")
    p.add_argument("--no-recover", action="store_true",
                   help="do not recover senders from signatures (nonces are then stored whole)")
    p.add_argument("--no-verify", action="store_true", help="skip decoding the payload back before writing it")
    p.add_argument("--target-blobs", type=int, metavar="N",
                   help="cut the input into payloads that each fill N blobs (files PREFIX.000, PREFIX.001, ...); "
                        "the input is read as a stream, payloads are written as they are sealed")
    p.add_argument("--blob-stream", action="store_true",
                   help="with --to blobs: lay the payloads end to end in one blob stream, every blob full but the "
                        "last (-o DIR; payloads of about --target-blobs blobs, default 6)")
    p.add_argument("--blobs-per-tx", type=int, default=6, metavar="N",
                   help="with --blob-stream: blobs per L1 blob transaction in the manifest, 1-6 (default 6)")
    p.add_argument("--keyframe-every", type=int, metavar="K",
                   help="with --blob-stream: payloads form a v2 stream with history, a keyframe every K payloads "
                        "(default 32; 1: every payload independent)")

    p = sub.add_parser("decompress", help="payload (file, -, blob directory, blob stream directory or calldata "
                                          "frames) -> JSONL")
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
    p.add_argument("--target-blobs", type=int, default=6, metavar="N",
                   help="transactions input: also price them as payloads of about N blobs (default 6), laid into "
                        "a blob stream, into per-payload blobs and into OP frames; 0 to skip")
    p.add_argument("--blobs-per-tx", type=int, metavar="N",
                   help="blobs per blob transaction (default: the fork's most)")
    p.add_argument("--no-op", action="store_true", help="leave OP frames out of the posting comparison (it is slow)")
    p.add_argument("--keyframe-every", type=int, default=32, metavar="K",
                   help="posting comparison: also price a blob stream of v2 payloads with history, a keyframe "
                        "every K (default 32, as compress --blob-stream; 0 to skip)")
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
