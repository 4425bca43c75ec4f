"""The commands of ``batchkit``: one function per subcommand, taking the parsed arguments and returning the
exit status (``decompress`` is in :mod:`.decode`, which imports only the decoders; ``derive`` and ``post`` in
their own modules). Errors propagate to :func:`batchkit.cli.main.main`, which reports them once."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..l1 import cost
from ..api import compress, validity_senders, verify
from ..l1.blob import write_blob_dir
from ..l1.blobstream import BlobStreamEncoder, StreamDirWriter, read_stream_dir
from ..l1.blobstream import is_stream_dir as is_blob_stream_dir
from ..builder import BatchBuilder
from ..l1.calldata import frame
from ..corpora import batches
from ..errors import FileError, InputError, VerificationError
from ..estimate import estimate
from ..format._backend import core
from ..format.v2 import Decoder as V2Decoder
from ..format.validity import ValidityTx
from ..files import atomic_output
from ..inspection import inspect_payload, render
from ..limits import MAX_INPUT_BYTES
from ..parallel import default_jobs, get_executor, start_fork_server
from ..progress import Stages
from ..progress import bar as progress_bar
from ..readers import Transactions, iter_transactions, read_node, read_transactions
from ..readers.node import display_url
from ..senders import recover_senders, recover_stream
from ..tx import keccak256
from ..stream import KEYFRAME_EVERY, ParentMismatchError, StreamDecoder, StreamEncoder
from ..l1.prices import BENCH_BLOB_BASE_FEE, ESTIMATE_BLOB_BASE_FEE
from ..l1.prices import resolve as resolve_prices
from ..corpora import shared_corpora_dir
from .output import EXIT_DIFFERENT, EXIT_ERROR, EXIT_OK, check_output_file, plural, refuse_binary_to_terminal
from .payloads import (is_payload_stream_dir, is_stream, payload_parts, read_file, read_posted, read_stream_tail,
                       stream_files)

#: Raw transaction bytes per payload of ``compress --stream`` unless ``--batch-bytes`` says (about one blob
#: of payload at ``default`` on recent mainnet data with history).
STREAM_BATCH_BYTES = 350_000
#: Keyframe interval of ``compress --blob-stream`` (v2 payloads with history). zstd's history is its 8 MiB
#: window, which 32 one-blob payloads cover (on recent mainnet: 16% smaller than independent payloads, 2.7%
#: smaller than a keyframe every 16, the same as every 128); the encoder holds one segment's columns (about
#: 2.5 MB a 6-blob payload: 128 made a 1.1 GB input peak at 475 MiB), and a node that joins the stream
#: decodes from the next keyframe.
BLOB_STREAM_KEYFRAME_EVERY = 32
#: Payload size of ``compress --blob-stream`` without ``--target-blobs``: the blobs one L1 transaction carries
#: (EIP-7594), so a node can decode each payload once one blob transaction has landed. Larger payloads
#: compress better (on recent mainnet, 6-blob payloads are 11% smaller than 1-blob ones); a stream pays
#: nothing for payloads that do not fill their blobs, so the choice is latency against size.
BLOB_STREAM_TARGET_BLOBS = 6

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

# --- input: a file or a node ------------------------------------------------------------------------------

def _from_node(args, prices: bool = False) -> bool:
    """Whether the transactions come from ``--rpc URL --blocks A:B`` (else from the file argument); without
    ``--rpc``, ``--blocks`` takes the node of ``$ETH_RPC_URL``. ``prices``: ``--rpc`` without ``--blocks`` is
    allowed (the node gives the fees only)."""
    if args.rpc is None and args.blocks is not None and os.environ.get(RPC_URL_VARIABLE):
        args.rpc = os.environ[RPC_URL_VARIABLE]
    if args.rpc is None:
        if args.blocks is not None:
            raise InputError(f"--blocks goes with --rpc URL (or ${RPC_URL_VARIABLE})")
        return False
    if args.blocks is None:
        if prices:
            return False
        raise InputError("--rpc needs --blocks A:B (blocks A to B-1; A:+N, A, A: and latest work too)")
    return True


#: The environment variable naming the node when ``--blocks`` is given without ``--rpc`` (as cast and cryo).
RPC_URL_VARIABLE = "ETH_RPC_URL"


def _notify(message: str) -> None:
    print(f"batchkit: {message}", file=sys.stderr, flush=True)


def _read_node(args, *, skip_unsupported: bool) -> Transactions:
    return read_node(args.rpc, args.blocks, skip_unsupported=skip_unsupported, blocks_per_request=args.rpc_batch,
                     concurrency=args.rpc_concurrency, timeout=args.rpc_timeout,
                     requests_per_second=args.rpc_rps, notify=_notify)


#: Input files smaller than this hold too few transactions for sender recovery to start worker processes.
_WARM_AT_BYTES = 256 * 1024


def _warm_workers(args) -> None:
    """Start the fork server of the recovery workers while the input is read, when recovery will likely
    need them (an input that is not a small file)."""
    if args.no_recover:
        return
    if args.input not in (None, "-"):
        try:
            if os.path.getsize(args.input) < _WARM_AT_BYTES:
                return
        except OSError:
            return
    start_fork_server()


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
    args.to = args.to or ("blobs" if args.blob_stream else "payload")
    # Checked before any work: a bad -o fails at once, not after the compression.
    if args.stream or args.blob_stream or (args.to == "blobs" and args.target_blobs is None):
        check_output_file(args.output, directory=True)
    elif args.target_blobs is not None and args.output not in (None, "-"):
        check_output_file(f"{args.output}.000")  # a prefix: its directory must exist
    else:
        check_output_file(args.output)
    if args.input is not None and args.input != "-" and Path(args.input).is_dir():
        return _compress_partitions(args)
    if args.proofs and args.to != "blobs":
        raise InputError("--proofs needs --to blobs (KZG proofs are computed for blobs only)")
    if args.stream and (args.blob_stream or args.target_blobs is not None):
        raise InputError("--stream cuts payloads by --batch-bytes: --blob-stream and --target-blobs do not go with it")
    if args.blob_stream or args.target_blobs is not None:
        if args.profile == "validity":
            raise InputError("--target-blobs and --blob-stream do not go with --profile validity (the builder cuts "
                             "full-profile payloads); use --stream --batch-bytes or one payload")
        if (args.resume and not args.blob_stream) or args.batch_bytes is not None:
            raise InputError("--resume goes with --stream or --blob-stream, --batch-bytes with --stream")
        if _from_node(args):
            raise InputError("--target-blobs and --blob-stream read a file (or stdin); with --rpc use --stream or "
                             "one payload")
        if args.scheduler is not None or args.workers is not None:
            raise InputError("--scheduler/--workers run the partitions of a directory (with --target-blobs) or the "
                             "segments of --stream: the payload cuts of one file depend on each other")
        return _compress_builder(args, args.to)
    if args.to == "payload":
        refuse_binary_to_terminal(args.output, args.force)
    elif args.output in (None, "-"):
        raise InputError(f"--to {args.to} writes " + ("files: give -o PREFIX" if args.to == "calldata"
                                                      else "a directory: give -o DIR"))
    on_dask = args.scheduler is not None or args.workers is not None
    if on_dask and not args.stream:
        raise InputError("--scheduler/--workers run the partitions of a directory (with --target-blobs) or the "
                         "segments of --stream: the payload cuts of one file depend on each other")
    _warm_workers(args)
    txs = _read_input(args)
    if txs.skipped:
        print(f"skipped {plural(txs.skipped, 'unsupported transaction')}", file=sys.stderr)
    if not txs.raws:
        raise InputError("no transactions in the input")
    senders = txs.senders
    validity = args.profile == "validity"
    if validity and args.no_recover and senders is None:
        raise InputError("--profile validity carries every sender: the input gives none, so they must be "
                         "recovered (drop --no-recover)")
    if args.stream:
        if senders is None and not args.no_recover and not validity:
            senders = recover_senders(txs.raws, strict=False)
        return _compress_stream(args, txs.raws, senders)
    if args.resume or args.keyframe_every is not None or args.batch_bytes is not None:
        raise InputError("--resume, --keyframe-every and --batch-bytes go with --stream")
    steps = (["recover senders"] if senders is None and not args.no_recover and not validity else []) + \
        [f"compress ({args.level})"] + ([] if args.no_verify else ["verify"]) + \
        ([] if args.to == "payload" else [f"write {args.to}"])
    note = None
    with Stages(steps, "compress") as stage:
        if validity:
            stage.step(f"compress ({args.level})")
            senders = validity_senders(txs.raws, senders)  # strict: a sender is the payload's content
            payload = compress(txs.raws, level=args.level, senders=senders, verify=False, profile="validity")
        else:
            if senders is None and not args.no_recover:
                stage.step("recover senders")
                senders = recover_senders(txs.raws, strict=False)
            stage.step(f"compress ({args.level})")
            payload = compress(txs.raws, level=args.level, senders=senders, verify=False, recover=False)
        if not args.no_verify:
            stage.step("verify")
            verify(txs.raws, payload, senders=senders)
        if args.to != "payload":
            stage.step(f"write {args.to}")
            note = _write_posted(args, payload)
    if note:
        print(note, file=sys.stderr)
    if args.to == "payload":
        with atomic_output(args.output, binary=True) as f:
            f.write(payload)
    n = len(txs.raws)
    raw_bytes = sum(map(len, txs.raws))
    print(f"{plural(n, 'transaction')}, {raw_bytes} bytes -> {len(payload)} bytes ({len(payload) / n:.1f} B/tx, "
          f"ratio {raw_bytes / len(payload):.2f})", file=sys.stderr)
    return EXIT_OK


def _write_posted(args, payload: bytes) -> str | None:
    """``--to calldata`` frames or ``--to blobs`` directory of one payload; returns what to tell the user."""
    if args.to == "calldata":
        frames = frame(payload)
        if args.output in (None, "-"):
            raise InputError("--to calldata writes files: give -o PREFIX")
        for i, data in enumerate(frames):
            name = args.output if len(frames) == 1 else f"{args.output}.{i:03d}"
            with atomic_output(name, binary=True) as f:
                f.write(data)
        return None
    else:
        if args.output in (None, "-"):
            raise InputError("--to blobs writes a directory: give -o DIR")
        manifest = _write_blob_dir(payload, args.output, args.proofs)
        return f"{plural(len(manifest['blobs']), 'blob')} in {args.output}"


def _write_blob_dir(payload: bytes, out: str, proofs: bool) -> dict:
    try:
        return write_blob_dir(payload, out, proofs=proofs)
    except FileExistsError:
        raise
    except OSError as exc:  # it names the temporary sibling directory: name the user's path
        raise FileError("write", out, exc) from None


def _write_target(job: tuple) -> str:
    """Worker: one payload of ``--target-blobs`` as a blob directory or a payload file; returns its name."""
    payload, name, to, proofs = job
    if to == "blobs":
        _write_blob_dir(payload, name, proofs)
    else:
        with atomic_output(name, binary=True) as f:
            f.write(payload)
    return name


def _executor(args, jobs: int | None, kind: str):
    """The Dask executor of ``--scheduler``/``--workers``, else the local one of ``--jobs``."""
    if args.scheduler is not None or args.workers is not None:
        from ..cluster import DaskExecutor  # dask is optional and slow to import
        return DaskExecutor(args.scheduler, args.workers)
    return get_executor(jobs, kind)


def _remove(name: str) -> None:
    shutil.rmtree(name, ignore_errors=True) if Path(name).is_dir() else Path(name).unlink(missing_ok=True)


def _compress_partitions(args) -> int:
    """Every file of the input directory cut alone into ``--target-blobs`` payloads, written as
    ``PREFIX.<file stem>.000``, ... The partitions run on the executor (Dask, or ``--jobs`` processes), each
    read by its worker; results come back in partition order and are written as they come, so the client
    holds a bounded window of them. A partition that fails is reported by name after the others are written
    (exit 2); the payloads of the others are complete and stay."""
    from ..partitions import CompressJob, PartitionFailed, guarded, list_partitions, peak_rss_bytes

    if args.target_blobs is None:
        raise InputError("a directory of partitions goes with --target-blobs N (each file cut into payloads)")
    if args.stream or args.resume or args.keyframe_every is not None or args.batch_bytes is not None:
        raise InputError("--stream goes with one input file, not a directory of partitions")
    if args.output in (None, "-"):
        raise InputError("--target-blobs writes several payloads: give -o PREFIX (files PREFIX.<part>.000, ...)")
    files = list_partitions(args.input)
    jobs = [CompressJob(str(f), args.target_blobs, args.level, not args.no_verify, not args.no_recover,
                        args.skip_unsupported) for f in files]
    failed: list[PartitionFailed] = []
    workers: dict[str, list[int]] = {}
    txs = payloads = total = skipped = 0
    written: list[str] = []
    try:
        with _executor(args, min(args.jobs or default_jobs(), len(jobs)), "processes") as pool, \
                progress_bar(len(jobs), "partitions", unit="part") as bar:
            for result in pool.map(guarded, jobs):
                bar.update(1)
                if isinstance(result, PartitionFailed):
                    failed.append(result)
                    continue
                stem = Path(result.name).stem
                for i, payload in enumerate(result.payloads):
                    name = f"{args.output}.{stem}.{i:03d}"
                    written.append(name)
                    _write_target((payload, name, args.to, args.proofs))
                    total += len(payload)
                txs += result.txs
                payloads += len(result.payloads)
                skipped += result.skipped
                w = workers.setdefault(result.worker, [0, 0])
                w[0] += 1
                w[1] = max(w[1], result.peak_rss)
    except BaseException:
        for name in written:  # interrupted, or a bug: no partial output
            _remove(name)
        raise
    if skipped:
        print(f"skipped {plural(skipped, 'unsupported transaction')}", file=sys.stderr)
    print(f"{plural(len(files) - len(failed), 'partition')}, {plural(txs, 'transaction')} -> "
          f"{plural(payloads, 'payload')} ({total} bytes)", file=sys.stderr)
    for worker, (n, rss) in sorted(workers.items()):
        print(f"worker {worker}: {plural(n, 'partition')}, peak memory {rss / 2**20:.0f} MiB", file=sys.stderr)
    print(f"client {socket.gethostname()}:{os.getpid()}: peak memory {peak_rss_bytes() / 2**20:.0f} MiB",
          file=sys.stderr)
    for f in failed:
        print(f"batchkit: partition {f.name} failed: {f.error}", file=sys.stderr)
    if failed:
        print(f"batchkit: error: {len(failed)} of {plural(len(files), 'partition')} failed (the others' "
              "payloads are written)", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _stream_segments(args, raws: list[bytes], senders, batch_bytes: int, keyframe_every: int):
    """The payloads of ``compress --stream`` one segment at a time on Dask: the batches are grouped by
    ``keyframe_every`` (a fresh encoder writes a segment's bytes) and each group is encoded on a worker."""
    from ..partitions import SegmentJob, encode_segment

    if args.resume:
        raise InputError("--resume continues one encoder: it does not go with --scheduler/--workers")

    def jobs():
        group, group_senders, start, index = [], [], 0, 0
        for batch in batches(raws, batch_bytes):
            group.append(batch)
            group_senders.append(senders[start:start + len(batch)] if senders is not None else None)
            start += len(batch)
            if len(group) == keyframe_every:
                yield SegmentJob(index, group, group_senders if senders is not None else None, args.level,
                                 not args.no_verify, keyframe_every)
                group, group_senders, index = [], [], index + 1
        if group:
            yield SegmentJob(index, group, group_senders if senders is not None else None, args.level,
                             not args.no_verify, keyframe_every)

    n_segments = -(-len(list(batches(raws, batch_bytes))) // keyframe_every)
    with _executor(args, None, "processes") as pool, progress_bar(n_segments, "segments", unit="segment") as bar:
        for segment in pool.map(encode_segment, jobs()):
            bar.update(1)
            yield from segment


def _compress_stream(args, raws: list[bytes], senders) -> int:
    """Consecutive batches of ``--batch-bytes`` raw bytes as the payloads of one v2 stream, written as
    ``DIR/000000.bk``, ``DIR/000001.bk``, ...; ``--resume`` continues the stream already in ``DIR``."""
    if args.output in (None, "-"):
        raise InputError("--stream writes a directory of payloads: give -o DIR")
    if args.to != "payload" or args.target_blobs is not None:
        raise InputError("--stream writes payload files: --to and --target-blobs do not go with it")
    out = Path(args.output)
    existing = stream_files(out) if out.is_dir() else []
    if existing and not args.resume:
        raise InputError(f"{out} already holds a stream ({len(existing)} payloads): pass --resume to continue it")
    kwargs = {} if args.keyframe_every is None else {"keyframe_every": args.keyframe_every}
    enc = StreamEncoder(args.level, verify=not args.no_verify, profile=args.profile, **kwargs)
    if existing:
        replayed = enc.resume(read_stream_tail(existing))
        print(f"resumed after {len(existing)} payloads ({replayed} replayed since the last keyframe)",
              file=sys.stderr)
        raws, senders = _not_held(raws, senders, _held_keys(StreamDecoder(), (read_file(str(n)) for n in existing)),
                                  args.profile == "validity")
        if not raws:
            print("nothing to add: the stream already holds every transaction of the input", file=sys.stderr)
            return EXIT_OK
    out.mkdir(parents=True, exist_ok=True)
    batch_bytes = args.batch_bytes if args.batch_bytes is not None else STREAM_BATCH_BYTES
    written, total = [], 0
    on_dask = args.scheduler is not None or args.workers is not None
    if on_dask:
        made = _stream_segments(args, raws, senders, batch_bytes, kwargs.get("keyframe_every", KEYFRAME_EVERY))
    else:
        made = _stream_serial(enc, raws, senders, batch_bytes)
    try:
        for payload in made:
            name = out / f"{len(existing) + len(written):06d}.bk"
            with atomic_output(str(name), binary=True) as f:
                f.write(payload)
            written.append(name)
            total += len(payload)
    except BaseException:
        for name in written:
            name.unlink(missing_ok=True)
        raise
    print(f"{len(raws)} transactions -> {len(written)} stream payloads in {out} ({total} bytes, "
          f"{total / len(raws):.1f} B/tx)", file=sys.stderr)
    return EXIT_OK


def _compress_builder(args, to: str) -> int:
    """An input of any size, read as a stream: payloads cut by the builder (``--target-blobs`` each) and written
    as they are sealed: files PREFIX.000, ..., blob directories PREFIX.000/, ..., or one blob stream."""
    if args.blob_stream and to != "blobs":
        raise InputError("--blob-stream writes blobs: use it with --to blobs")
    if args.output in (None, "-"):
        raise InputError("--blob-stream writes a directory: give -o DIR" if args.blob_stream else
                         "--target-blobs writes several payloads: give -o PREFIX (files PREFIX.000, ...)")
    target = args.target_blobs if args.target_blobs is not None else BLOB_STREAM_TARGET_BLOBS
    if args.keyframe_every is not None and not args.blob_stream:
        raise InputError("--keyframe-every applies to --blob-stream (per-payload blobs carry independent payloads)")
    # v2 payloads: keyframes as plain compress writes them; in a blob stream, with history (a keyframe every
    # --keyframe-every): the stream delivers them in order, as their decoder needs.
    keyframe_every = (args.keyframe_every if args.keyframe_every is not None else BLOB_STREAM_KEYFRAME_EVERY) \
        if args.blob_stream else 1
    builder = BatchBuilder(target_blobs=target, level=args.level, verify=not args.no_verify,
                           stream=args.blob_stream, version=2, keyframe_every=keyframe_every)
    held: set[bytes] = set()
    append = bool(args.resume) and is_blob_stream_dir(args.output)
    if append:
        posted = [c.data for c in read_stream_dir(args.output)]
        held = _held_keys(StreamDecoder(), posted)
        tail = _since_keyframe(posted)
        replayed = builder.resume(tail) if tail else 0
        print(f"resumed after {plural(len(posted), 'payload')} ({replayed} replayed since the last keyframe)",
              file=sys.stderr)
    sink = (_StreamSink(args.output, args.blobs_per_tx, args.proofs, not args.no_verify, append)
            if args.blob_stream else _FilesSink(args.output, to == "blobs", args.proofs, args.jobs))
    _warm_workers(args)
    txs = iter_transactions(args.input, skip_unsupported=args.skip_unsupported)
    pairs = iter(txs) if args.no_recover else recover_stream(txs, strict=False)
    skipped = 0
    if held:
        def new_only(pairs):
            nonlocal skipped
            for raw, sender in pairs:
                if keccak256(raw) in held:
                    skipped += 1
                else:
                    yield raw, sender
        pairs = new_only(iter(txs))  # held ones need no sender: recover the rest only
        if not args.no_recover:
            pairs = recover_stream(pairs, strict=False)
    n = raw_bytes = 0
    try:
        with progress_bar(None, "build payloads", unit="tx") as bar:
            for raw, sender in pairs:
                n += 1
                raw_bytes += len(raw)
                bar.update(1)
                while not builder.add(raw, sender):
                    sink.put(builder.seal())
        while len(builder):
            sink.put(builder.seal())
        if txs.skipped:
            print(f"skipped {plural(txs.skipped, 'unsupported transaction')}", file=sys.stderr)
        if skipped:
            print(f"skipped {plural(skipped, 'transaction')} the stream already holds (same hash)", file=sys.stderr)
        if n == 0 and skipped:
            sink.abort()
            print("nothing to add: the stream already holds every transaction of the input", file=sys.stderr)
            return EXIT_OK
        if n == 0:
            raise InputError("no transactions in the input")
        where = sink.close()
    except BaseException:
        sink.abort()
        raise
    print(f"{plural(n, 'transaction')}, {raw_bytes} bytes -> {plural(sink.payloads, 'payload')} of {sink.bytes} bytes in all "
          f"({sink.bytes / n:.1f} B/tx) -> {where}", file=sys.stderr)
    return EXIT_OK


class _FilesSink:
    """Each payload in a file of its own (PREFIX.000, ...), or in blobs of its own (directories PREFIX.000/),
    written by ``jobs`` threads (KZG commitments release the GIL) as payloads are sealed, at most
    ``2 * jobs`` waiting, byte for byte what one thread writes."""

    def __init__(self, prefix: str, blobs: bool, proofs: bool, jobs: int | None = 1):
        self.prefix, self.blobs, self.proofs = prefix, blobs, proofs
        self.written: list[str] = []
        self.payloads = self.bytes = self.blob_count = 0
        jobs = default_jobs() if jobs is None else jobs
        self.pool = ThreadPoolExecutor(jobs) if jobs > 1 else None
        self.pending: deque = deque()
        self.limit = 2 * jobs

    def _write(self, payload: bytes, name: str) -> int:
        if self.blobs:
            return len(_write_blob_dir(payload, name, self.proofs)["blobs"])
        with atomic_output(name, binary=True) as f:
            f.write(payload)
        return 0

    def put(self, payload: bytes) -> None:
        name = f"{self.prefix}.{len(self.written):03d}"
        self.written.append(name)
        self.payloads += 1
        self.bytes += len(payload)
        if self.pool is None:
            self.blob_count += self._write(payload, name)
            return
        self.pending.append(self.pool.submit(self._write, payload, name))
        while len(self.pending) > self.limit:
            self.blob_count += self.pending.popleft().result()

    def close(self) -> str:
        while self.pending:
            self.blob_count += self.pending.popleft().result()
        if self.pool is not None:
            self.pool.shutdown()
        what = f"{self.blob_count} blobs in " if self.blobs else ""
        return f"{what}{self.prefix}.000 .. {self.written[-1]}"

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)  # waits for the writes under way
        for name in self.written:
            shutil.rmtree(name, ignore_errors=True) if Path(name).is_dir() else Path(name).unlink(missing_ok=True)


class _StreamSink:
    """Every payload into one blob stream directory, blobs written as they fill."""

    def __init__(self, out_dir: str, blobs_per_tx: int, proofs: bool, verify: bool, append: bool = False):
        self.out_dir = out_dir
        self.writer = StreamDirWriter(out_dir, blobs_per_tx=blobs_per_tx, proofs=proofs, append=append)
        self.encoder = BlobStreamEncoder(first_blob=self.writer.next_blob, first_payload=self.writer.next_payload,
                                         verify=verify)
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


def _since_keyframe(payloads: list[bytes]) -> list[bytes]:
    """The v2 payloads at the end of ``payloads`` back to their last keyframe ([] if the last is not v2)."""
    out: list[bytes] = []
    for p in reversed(payloads):
        if p[2:3] != b"\x02":
            break
        out.append(p)
        if p[4:5] == b"\x00":  # seq 0: a keyframe
            return out[::-1]
    return []


def _tx_key(tx) -> bytes:
    """What identifies a transaction a stream holds: its hash (keccak256 of the signed bytes); for a validity
    record, its signing hash (the profile carries no signature)."""
    return tx.signing_hash if isinstance(tx, ValidityTx) else keccak256(tx)


def _held_keys(decoder, payloads) -> set[bytes]:
    """The keys (:func:`_tx_key`) of every transaction of ``payloads``, a stream decoded in order from its
    start (payloads before its first keyframe, whose history is gone, are passed over)."""
    held: set[bytes] = set()
    for payload in payloads:
        try:
            txs = decoder.decompress(payload)
        except ParentMismatchError:
            if decoder.head is not None:
                raise
            continue
        held.update(_tx_key(tx) for tx in txs)
    return held


def _not_held(raws: list[bytes], senders, held: set[bytes], validity: bool):
    """``raws`` (and their ``senders``) less the transactions the stream already holds, said on stderr: a
    resumed run given input already posted (all of it, or a prefix) appends only what is new."""
    def key(i: int, raw: bytes) -> bytes:
        return keccak256(core.signing_parts(raw, i)[0]) if validity else keccak256(raw)
    keep = [i for i, raw in enumerate(raws) if key(i, raw) not in held]
    if len(keep) == len(raws):
        return raws, senders
    print(f"skipped {plural(len(raws) - len(keep), 'transaction')} the stream already holds (same hash)",
          file=sys.stderr)
    return [raws[i] for i in keep], (None if senders is None else [senders[i] for i in keep])


def _stream_serial(enc: StreamEncoder, raws: list[bytes], senders, batch_bytes: int):
    start = 0
    for batch in batches(raws, batch_bytes):
        part = senders[start:start + len(batch)] if senders is not None else None
        start += len(batch)
        yield enc.compress(batch, part, recover=False)


def cmd_verify(args) -> int:
    txs = read_transactions(args.input, skip_unsupported=args.skip_unsupported)
    try:
        verify(txs.raws, _posted_or_stream(args.payload), senders=txs.senders)
    except VerificationError as exc:
        print(f"batchkit: different: {exc}", file=sys.stderr)
        return EXIT_DIFFERENT
    print(f"ok: the payload decodes to the {plural(len(txs.raws), 'transaction')}", file=sys.stderr)
    return EXIT_OK


def _posted_or_stream(path: str):
    """One payload in any posting form, or the payloads of a stream directory or blob stream (a list, in
    order)."""
    if is_stream(path):
        return [carried.data for carried in read_stream_dir(path)]
    if is_payload_stream_dir(path):
        return [read_file(str(name)) for name in stream_files(Path(path))]
    parts = payload_parts(path)
    if parts is not None:
        return [read_posted(name) for name in parts]
    return read_posted(path)


def cmd_inspect(args) -> int:
    posted = _posted_or_stream(args.payload)
    if isinstance(posted, list):
        decoder = V2Decoder()
        reports = [inspect_payload(p, decoder) for p in posted]
        text = json.dumps(reports, indent=2) + "\n" if args.json else "\n".join(map(render, reports))
    else:
        report = inspect_payload(posted)
        text = json.dumps(report, indent=2) + "\n" if args.json else render(report)
    with atomic_output(None, binary=False) as f:
        f.write(text)
    return EXIT_OK


def cmd_estimate(args) -> int:
    if args.target_blobs < 0:
        raise InputError(f"--target-blobs must be 0 (skip) or more, not {args.target_blobs}")
    from_node = _from_node(args, prices=args.input is not None)
    if from_node and args.input is not None:
        raise InputError("give an input file or --rpc URL --blocks A:B, not both (--rpc alone with a file: "
                         "the node's fees)")
    if not from_node and args.input is None:
        raise InputError("give an input file or payload (- for stdin), or --rpc URL --blocks A:B")
    # The fees first (a bad --base-fee fails before the work; with a node: its current prices).
    fees = resolve_prices(args.base_fee, args.blob_base_fee, rpc=args.rpc, fork=args.fork,
                          need_blob=args.excess_blob_gas is None, timeout=args.rpc_timeout, notify=_notify)
    if from_node:
        data: bytes | Transactions = _read_node(args, skip_unsupported=args.skip_unsupported)
    else:
        # Transactions or a payload in any posting form: a plain file is read up to the larger limit.
        data = read_posted(args.input, MAX_INPUT_BYTES, "input size")
    with Stages([f"estimate ({args.level})"], "estimate") as stage:
        stage.step(f"estimate ({args.level})")
        result = estimate(data, level=args.level, base_fee=fees.base_fee, blob_base_fee=fees.blob_base_fee,
                          excess_blob_gas=args.excess_blob_gas, fork=args.fork, eth_usd=args.eth_usd,
                          skip_unsupported=args.skip_unsupported, target_blobs=args.target_blobs or None,
                          blobs_per_tx=args.blobs_per_tx, include_op=not args.no_op,
                          keyframe_every=args.keyframe_every or None)
    if result.skipped:
        print(f"skipped {plural(result.skipped, 'unsupported transaction')}", file=sys.stderr)
    blob_source = fees.blob_base_fee_source or {
        "eip7918-reserve": f"default: {ESTIMATE_BLOB_BASE_FEE}, no node, none given",
        "minimum": "default: the minimum, 1 wei (no node, none given)",
        "excess_blob_gas": f"from --excess-blob-gas {args.excess_blob_gas}"}.get(
        result.comparison.blob_base_fee_source, result.comparison.blob_base_fee_source)
    if args.json:
        out = result.comparison.to_dict()
        out["fee_sources"] = {"base_fee": fees.base_fee_source, "blob_base_fee": blob_source}
        if result.posting is not None:
            out["posting"] = result.posting.to_dict()
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(render_estimate(result.comparison))
        sys.stdout.write(f"fees: base fee {fees.base_fee_source}; blob base fee {blob_source}\n")
        if result.posting is not None:
            from ..bench import render_posting  # the bench package only when asked for (its imports are heavy)
            sys.stdout.write("\n" + render_posting(result.posting.to_dict()))
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
    lines = [f"{plural(c.n_txs, 'transaction')}, fork {c.fork}, base fee {c.base_fee} wei, blob base fee "
             f"{c.blob_base_fee} wei ({c.blob_base_fee_source})"]
    lines += [f"{a:<{w0}}  {b:>{w1}}  {d}" for a, b, d in rows]
    lines.append(f"cheaper: {c.cheaper}")
    return "\n".join(lines) + "\n"


def cmd_bench(args) -> int:
    from .. import bench  # the baselines and the corpus generator: slow imports no other command needs

    if args.list_formats:
        sys.stdout.write("\n".join(bench.known_formats()) + "\n")
        return EXIT_OK
    for out in (args.json_out, args.html):
        check_output_file(out)
    formats = bench.select_formats(args.formats)
    from_node = _from_node(args, prices=bool(args.corpus))
    if from_node and args.corpus:
        raise InputError("give corpus files or --rpc URL --blocks A:B, not both (--rpc alone with files: the "
                         "node's fees)")
    fees = resolve_prices(args.base_fee, args.blob_base_fee, rpc=args.rpc, default_blob_base_fee=BENCH_BLOB_BASE_FEE,
                          timeout=args.rpc_timeout, notify=_notify)
    base_fee, blob_base_fee = fees.base_fee, fees.blob_base_fee
    if from_node:
        corpus = bench.corpus_of(_read_node(args, skip_unsupported=True),
                                 f"blocks {args.blocks} of {display_url(args.rpc)}")
        corpus_files = None
    else:
        corpus = bench.load_corpus(args.corpus or [])
        shared = shared_corpora_dir()
        corpus_files = list(args.corpus) if args.corpus else \
            ([str(p) for p in sorted(shared.glob("*.jsonl"))] if shared is not None else None)
    reports = []
    for _ in range(args.repeats):
        if args.scheduler is not None or args.workers is not None:
            with _executor(args, None, "processes") as pool:
                reports.append(bench.run(corpus, formats, batch_bytes=args.batch_bytes,
                                         target_blobs=args.target_blobs, base_fee=base_fee,
                                         blob_base_fee=blob_base_fee, limit=args.limit, executor=pool))
        else:
            reports.append(bench.run(corpus, formats, batch_bytes=args.batch_bytes, target_blobs=args.target_blobs,
                                     base_fee=base_fee, blob_base_fee=blob_base_fee, limit=args.limit,
                                     jobs=args.jobs))
    report = bench.merge_repeats(reports)
    report["meta"]["fee_sources"] = {"base_fee": fees.base_fee_source, "blob_base_fee": fees.blob_base_fee_source}
    if args.html:
        from ..bench.classes import class_results
        from ..bench.html import write_html
        raws = corpus.raws if args.limit is None else corpus.raws[:args.limit]
        classes = class_results(raws, formats, batch_bytes=report["meta"]["batch_bytes"], base_fee=base_fee,
                                blob_base_fee=blob_base_fee, jobs=args.jobs or default_jobs())
        report["classes"] = classes
        write_html(args.html, report, classes=classes, corpus_files=corpus_files,
                   fees=report["meta"]["fee_sources"])
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
    if args.html:
        out.write(f"html: {args.html}\n")
    if args.json_out:
        out.write(f"json: {args.json_out}\n")
    out.flush()
    return EXIT_OK
