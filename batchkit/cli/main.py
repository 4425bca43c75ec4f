"""The command line: ``batchkit compress | decompress | verify | inspect | estimate | bench``.

Errors are caught once, here: one line on stderr, a non-zero exit (2 for bad input or usage, 1 when
``verify`` finds a difference), no traceback, and no partial output file left behind.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable

from .._version import __version__
from ..errors import BatchkitError
from .output import EXIT_BROKEN_PIPE, EXIT_ERROR, silence_stdout
from .signals import catch_signals, interrupted

DESCRIPTION = ("Batches of signed Ethereum transactions into the smallest L1 payloads (calldata, EIP-4844 "
               "blobs), and back.")
POSTED = ("a payload file, - for stdin, a blob directory (compress --to blobs), calldata frames "
          "(compress --to calldata: PREFIX, or PREFIX.000, PREFIX.001, ... when split), a blob stream directory "
          "(compress --blob-stream) or a stream directory (compress --stream: DIR/*.bk), decoded in order")

LEVEL_HELP = ("compression level: fast (zstd 3), default (zstd 9 on the small streams, 7 on the bulk ones), max "
              "(zstd 19), or a zstd level 1-22 (default: default)")

#: Each subcommand: its line in the top-level help, the function that runs it and the one that adds its
#: arguments (``module:function``, a module of this package). A command's module, and whatever the help texts
#: of its arguments need, are imported only when it is the one run (or the full parser is built): a new
#: process decoding one payload imports the decoder, not the readers, node clients and bench.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "compress": ("transactions (JSONL, hex lines, JSON-RPC blocks, Parquet, a node) -> payload",
                 "commands:cmd_compress", "main:_compress_arguments"),
    "decompress": ("payload (file, -, blob directory, calldata frames, a blob stream or a stream directory) -> "
                   "JSONL", "decode:cmd_decompress", "main:_decompress_arguments"),
    "verify": ("check that PAYLOAD decodes to exactly the transactions of INPUT",
               "commands:cmd_verify", "main:_verify_arguments"),
    "inspect": ("header, per-column sizes and bytes per transaction of a payload",
                "commands:cmd_inspect", "main:_inspect_arguments"),
    "estimate": ("what posting the batch costs, as calldata and as blobs",
                 "commands:cmd_estimate", "main:_estimate_arguments"),
    "bench": ("batchkit against today's production formats on the same batches",
              "commands:cmd_bench", "main:_bench_arguments"),
    "derive": ("the rollup's transactions read back from L1 (batcher -> inbox, blobs from a beacon node) -> JSONL",
               "derive:cmd_derive", "derive:add_derive_arguments"),
    "post": ("post transactions to an L1 inbox as blob or calldata transactions",
             "post:cmd_post", "main:_post_arguments"),
}


def _function(where: str) -> Callable:
    """The function named by ``module:function`` (a module of this package), imported now."""
    module, name = where.split(":")
    return getattr(importlib.import_module(f".{module}", __package__), name)


def _add_node_arguments(p: argparse.ArgumentParser) -> None:
    from ..readers.node import DEFAULT_BLOCKS_PER_REQUEST, DEFAULT_CONCURRENCY, DEFAULT_RETRIES, DEFAULT_TIMEOUT
    g = p.add_argument_group("reading from a node (instead of a file)")
    g.add_argument("--rpc", metavar="URL", help="JSON-RPC endpoint of a node (http://, https://, or host:port for "
                                                "http); default with --blocks: $ETH_RPC_URL")
    g.add_argument("--blocks", metavar="A:B", help="blocks A to B-1; also A:+N (N blocks), A (one), A: (to the head); "
                                                   "numbers as 21000000, 21M, 0x..., or latest (A:latest: through it)")
    g.add_argument("--rpc-batch", type=int, default=DEFAULT_BLOCKS_PER_REQUEST, metavar="N",
                   help=f"blocks per JSON-RPC batch request (default {DEFAULT_BLOCKS_PER_REQUEST}; 1: no batches)")
    g.add_argument("--rpc-concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                   help=f"requests in flight (default {DEFAULT_CONCURRENCY})")
    g.add_argument("--rpc-rps", type=_positive_float, metavar="N",
                   help="at most N requests per second (a provider's rate limit; default: no cap)")
    g.add_argument("--rpc-timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds for one request, connecting to the last byte (default {DEFAULT_TIMEOUT:g}); "
                        f"retried {DEFAULT_RETRIES} times")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of the command line. ``command``: only that subcommand gets its arguments (the others are
    still listed, by name and help line; ``""``: none does), for a start that builds no more than it parses."""
    parser = argparse.ArgumentParser(prog="batchkit", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"batchkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_line, _, add_arguments) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_line)
        if command is None or command == name:
            _function(add_arguments)(p)
    parser.subcommands = sub.choices
    for p in (parser, *sub.choices.values()):
        p.allow_abbrev = False  # a shortened or mistyped flag is an error, never taken as the flag it starts
    return parser


def _compress_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", nargs="?", help="input file, or - for stdin (or --rpc URL --blocks A:B); with "
                                            "--target-blobs also a directory of partitions (each file cut "
                                            "alone into PREFIX.<file stem>.000, ...)")
    p.add_argument("-o", "--output", help="output file (default stdout); a directory with --to blobs, --stream or "
                                          "--blob-stream; a prefix with --target-blobs")
    p.add_argument("--level", default="default", type=_level, help=LEVEL_HELP)
    p.add_argument("--to", choices=("payload", "blobs", "calldata"),
                   help="write the bare payload (default), EIP-4844 blobs with a manifest, or calldata frames")
    p.add_argument("--proofs", action="store_true", help="with --to blobs: also compute KZG proofs")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="skip transactions of types batchkit does not carry (e.g. OP deposits) and say how many")
    p.add_argument("--no-recover", action="store_true",
                   help="do not recover senders from signatures (nonces are then stored whole)")
    p.add_argument("--no-verify", action="store_true", help="skip decoding the payload back before writing it")
    p.add_argument("--profile", choices=("full", "validity"), default="full",
                   help="full (default): the signed transactions, byte for byte; validity: each sender and "
                        "unsigned transaction, no signatures (for validity rollups: decompress then gives "
                        "sender, unsigned, signing_hash, not the signed bytes or their hash)")
    p.add_argument("--target-blobs", type=int, metavar="N",
                   help="cut the input into payloads that each fill N blobs (files PREFIX.000, PREFIX.001, ...); "
                        "the input is read as a stream, payloads are written as they are sealed")
    p.add_argument("--blob-stream", action="store_true",
                   help="lay the payloads end to end in one blob stream, every blob full but the last (-o DIR; "
                        "payloads of about --target-blobs blobs, default 6; v2 with history)")
    p.add_argument("--blobs-per-tx", type=int, default=6, metavar="N",
                   help="with --blob-stream: blobs per L1 blob transaction in the manifest, 1-6 (default 6)")
    p.add_argument("--stream", action="store_true",
                   help="write consecutive v2 payloads that use the ones before them into -o DIR "
                        "(DIR/000000.bk, ...), one per --batch-bytes of input")
    p.add_argument("--batch-bytes", type=int, metavar="N", help="with --stream: raw bytes per payload "
                                                                 "(default 350000)")
    p.add_argument("--keyframe-every", type=int, metavar="K",
                   help="with --stream: a keyframe (a payload that decodes alone) every K payloads (default 128); "
                        "with --blob-stream: the same for its payloads (default 32; 1: every payload independent)")
    p.add_argument("--resume", action="store_true",
                   help="with --stream or --blob-stream: continue the stream already in DIR (the next payload is "
                        "the one an encoder that never stopped would write; input the stream holds is skipped)")
    _add_node_arguments(p)

    _jobs_argument(p, "with --target-blobs: workers that write the payloads (blobs: KZG commitments); with a "
                      "directory: processes running its partitions")
    _dask_arguments(p, "the partitions of a directory (--target-blobs), or the segments of --stream")
    p.add_argument("--force", action="store_true", help="write a binary payload to stdout even if it is a terminal")


def _decompress_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Decode a payload back into its signed transactions, one JSONL line each (raw and hash), in "
                     "order. INPUT is " + POSTED + "; blobs are checked against the versioned hashes of their "
                     "manifest.")
    p.add_argument("input", help=POSTED + "; or the payloads PREFIX.000, PREFIX.001, ... of compress "
                                          "--target-blobs -o PREFIX, given as PREFIX")
    p.add_argument("-o", "--output", help="output JSONL (default stdout)")
    p.add_argument("--raw-blobs", action="store_true",
                   help="INPUT is a raw blob file, or a directory of blob-*.bin files without manifest.json: "
                        "decode them in name order (no versioned hash to check them against)")


def _verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="the transactions (JSONL, hex lines, JSON-RPC blocks, Parquet), or - for stdin")
    p.add_argument("payload", help=POSTED)
    p.add_argument("--skip-unsupported", action="store_true",
                   help="leave out transactions of types batchkit does not carry, as compress did")


def _inspect_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("payload", help=POSTED)
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _estimate_arguments(p: argparse.ArgumentParser) -> None:
    from ..l1.prices import DEFAULT_BASE_FEE, ESTIMATE_BLOB_BASE_FEE
    p.add_argument("input", nargs="?", help="transactions (as for compress) or a payload; - for stdin "
                                            "(or --rpc URL --blocks A:B)")
    p.add_argument("--level", default="default", type=_level, help=LEVEL_HELP)
    p.add_argument("--base-fee", help="execution base fee (units: wei, gwei, eth); default: the latest block's "
                                      f"baseFeePerGas with --rpc, else {DEFAULT_BASE_FEE}")
    fee = p.add_mutually_exclusive_group()
    fee.add_argument("--blob-base-fee", help="blob base fee (units: wei, gwei, eth); default: the node's "
                                             f"eth_blobBaseFee with --rpc, else {ESTIMATE_BLOB_BASE_FEE}")
    fee.add_argument("--excess-blob-gas", type=int, help="derive the blob base fee from the excess blob gas")
    p.add_argument("--fork", default="bpo2", help="cancun, prague, osaka, bpo1, bpo2 (default)")
    p.add_argument("--eth-usd", type=float, help="ETH price in USD, to show costs in USD")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="leave out transactions of types batchkit does not carry (e.g. OP deposits) and say how many")
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
    _add_node_arguments(p)


def _bench_arguments(p: argparse.ArgumentParser) -> None:
    from ..l1.prices import BENCH_BLOB_BASE_FEE, DEFAULT_BASE_FEE
    p.add_argument("corpus", nargs="*", help="JSONL / JSON-RPC / Parquet files, or --rpc URL --blocks A:B "
                                             "(default: ../shared/corpora/ethereum-mainnet-recent.jsonl, the corpus the "
                                             "shipped prior was not trained on; else a generated corpus)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--batch-bytes", type=int, help="cut batches of about N raw transaction bytes (default 120000)")
    size.add_argument("--target-blobs", type=int, help="cut batches that fill N blobs")
    p.add_argument("--formats", help="comma-separated format names (default: all; --list-formats lists them)")
    p.add_argument("--list-formats", action="store_true", help="list the format names and exit")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the results as JSON")
    p.add_argument("--plot", metavar="DIR", help="write PNG plots into DIR")
    p.add_argument("--html", metavar="OUT", help="write one self-contained HTML page (charts inline): rows grouped "
                                                 "like for like, bytes per column and per transaction class")
    p.add_argument("--repeats", type=_jobs, default=1, metavar="N",
                   help="run the bench N times: speeds are medians, the page shows their range (default 1)")
    p.add_argument("--base-fee", help="execution base fee for the cost column (units: wei, gwei, eth); default: "
                                      f"the latest block's baseFeePerGas with --rpc, else {DEFAULT_BASE_FEE}")
    p.add_argument("--blob-base-fee", help="blob base fee for the cost column; default: the node's "
                                           f"eth_blobBaseFee with --rpc, else {BENCH_BLOB_BASE_FEE}")
    p.add_argument("--limit", type=int, help="use at most N transactions")
    _jobs_argument(p, "processes running the formats side by side (each call still timed alone)")
    _dask_arguments(p, "every format over chunks of 128 batches (the stream rows: one segment each)")
    _add_node_arguments(p)


def _post_arguments(p: argparse.ArgumentParser) -> None:
    from .post import add_post_arguments
    add_post_arguments(p, _add_node_arguments)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _level(text: str) -> str:
    """A compression level, checked when the arguments are read (not after the input)."""
    from ..errors import InputError
    from ..format.v2 import resolve_level
    try:
        resolve_level(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.reason if hasattr(exc, "reason") else str(exc)) from None
    return text


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < x < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return x


def _jobs_argument(p: argparse.ArgumentParser, what: str) -> None:
    from ..parallel import default_jobs
    p.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                   help=f"{what}; default: the cores ({default_jobs()})")


def _dask_arguments(p: argparse.ArgumentParser, what: str) -> None:
    g = p.add_argument_group('on a Dask cluster (pip install "batchkit[dask]")').add_mutually_exclusive_group()
    g.add_argument("--scheduler", metavar="ADDRESS", help=f"run {what} on the Dask cluster at ADDRESS "
                                                         "(tcp://host:8786; its workers need batchkit)")
    g.add_argument("--workers", type=_jobs, metavar="N", help=f"run {what} on a local Dask cluster of N processes")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # No top-level option takes a value, so the first argument naming a subcommand is the subcommand parsed
    # (before it: --help, --version or an error, which need no subcommand's arguments): only its arguments
    # are built.
    parser = build_parser(next((a for a in argv if a in SUBCOMMANDS), ""))
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # a mistyped flag: the subcommand's usage, not the top-level one
        parser.subcommands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    restore = catch_signals()
    try:
        return _function(SUBCOMMANDS[args.command][1])(args)
    except BrokenPipeError:  # the reader of stdout is done (``| head``): stop quietly, as cat does
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except (BatchkitError, ValueError, OSError) as exc:
        print(f"batchkit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as exc:  # SIGINT or SIGTERM (.signals): one line, 130 or 143
        parallel = sys.modules.get("batchkit.parallel")
        if parallel is not None:  # not imported: no pool was started
            parallel.stop_all_pools()
        return interrupted(exc)
    finally:
        restore()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
