"""Partitioned inputs and the work done on one partition, on any :class:`~batchkit.parallel.Executor`.

A *partition* is one file of a directory (cryo Parquet tables, JSONL shards, or any shape
:func:`batchkit.readers.read_transactions` reads), in name order. It is the unit of distributed work: the
worker that runs it reads the file itself (only its path travels), so inputs are read where they lie (a
shared or network file system the workers see). Payloads never span two partitions, so the output of a
partition is the same on whichever executor ran it: the single-process path runs exactly these functions.

:class:`PartitionFailed` is what a failed partition yields (instead of raising) when the caller wants the
other partitions' results (``batchkit compress DIR`` reports it by name and keeps the rest).
"""

from __future__ import annotations

import os
import resource
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from .builder import build_payloads
from .cluster import named
from .errors import BatchkitError, InputError
from .format.v2 import parse_header
from .limits import MAX_PARTITIONS
from .readers import read_transactions
from .senders import recover_senders
from .stream import StreamEncoder

__all__ = ["list_partitions", "CompressJob", "PartitionResult", "PartitionFailed", "compress_partition",
           "guarded", "peak_rss_bytes", "SegmentJob", "encode_segment", "check_segment"]


def list_partitions(directory: str | os.PathLike) -> list[Path]:
    """The partitions of ``directory``: its regular, non-hidden files, in name order."""
    d = Path(directory)
    try:
        files = sorted(p for p in d.iterdir() if not p.name.startswith(".") and p.is_file())
    except OSError as exc:
        raise InputError(f"cannot list the partitions of {d}: {exc}") from None
    if not files:
        raise InputError(f"{d} holds no partition files")
    if len(files) > MAX_PARTITIONS:
        raise InputError(f"{d} holds {len(files)} files, more than {MAX_PARTITIONS} partitions")
    return files


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass(frozen=True)
class CompressJob:
    """``compress --target-blobs`` of one partition: what travels to the worker (a path, not the data)."""
    path: str
    target_blobs: int
    level: str | int = "default"
    verify: bool = True
    recover: bool = True
    skip_unsupported: bool = False


@dataclass
class PartitionResult:
    name: str
    txs: int
    raw_bytes: int
    payloads: list[bytes] = field(repr=False)
    skipped: int = 0
    seconds: float = 0.0
    """Wall time of the work on the worker (reading included)."""
    worker: str = ""
    """``host:pid`` of the process that ran it."""
    peak_rss: int = 0
    """That process's peak resident memory when it finished (bytes)."""


@dataclass(frozen=True)
class PartitionFailed:
    name: str
    error: str
    """``Type: message`` of what it raised."""


def compress_partition(job: CompressJob) -> PartitionResult:
    """Read one partition and cut it into payloads of ``job.target_blobs`` blobs (as ``compress --target-blobs``
    does for one file). Errors name the partition (:func:`batchkit.cluster.named` style)."""
    t0 = time.perf_counter()
    name = Path(job.path).name
    try:
        txs = read_transactions(job.path, skip_unsupported=job.skip_unsupported)
        if not txs.raws:
            raise InputError("no transactions in the partition")
        senders = txs.senders
        if senders is None and job.recover:
            senders = recover_senders(txs.raws, workers=1, strict=False)  # no pool inside a worker
        payloads = build_payloads(txs.raws, senders=senders, target_blobs=job.target_blobs, level=job.level,
                                  verify=job.verify)
    except BatchkitError as exc:
        raise named(exc, f"partition {name}") from None
    return PartitionResult(name, len(txs.raws), sum(map(len, txs.raws)), payloads, txs.skipped,
                           time.perf_counter() - t0, f"{socket.gethostname()}:{os.getpid()}", peak_rss_bytes())


def guarded(job: CompressJob) -> PartitionResult | PartitionFailed:
    """:func:`compress_partition`, returning a :class:`PartitionFailed` for a partition that raises a
    :class:`~batchkit.errors.BatchkitError` or ``OSError`` (bad data, an unreadable file) instead of raising,
    so one bad partition does not cost the others' results. Anything else (a bug, memory) still raises."""
    try:
        return compress_partition(job)
    except (BatchkitError, OSError, ValueError) as exc:
        return PartitionFailed(Path(job.path).name, f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class SegmentJob:
    """One segment of a ``compress --stream``: the batches from one keyframe to the next (the batches travel)."""
    index: int
    batches: list[list[bytes]] = field(repr=False)
    senders: list[list[bytes]] | None = field(repr=False)
    level: str | int = "default"
    verify: bool = True
    keyframe_every: int = 128


def check_segment(payloads: list[bytes], where: str) -> None:
    """Raise unless ``payloads`` are one whole segment: a keyframe, then payloads 1, 2, ... of it. A
    segment the encoder closed early (its bodies reached :data:`batchkit.limits.MAX_SEGMENT_BYTES`) moves
    every later keyframe, so its stream cannot be cut at fixed batch counts: that is an error here, not other
    bytes."""
    for i, payload in enumerate(payloads):
        if parse_header(payload).seq != i:
            raise InputError(f"{where}: the encoder started a new segment at payload {i} of {len(payloads)} "
                             "(the segment reached its byte limit): encode this stream in one process, or "
                             "with a smaller --keyframe-every")


def encode_segment(job: SegmentJob) -> list[bytes]:
    """The payloads of one segment, encoded by a fresh :class:`~batchkit.stream.StreamEncoder`: a keyframe
    starts from the state a fresh encoder has, so these are the bytes one encoder over the whole stream
    writes for these batches (checked by :func:`check_segment`)."""
    enc = StreamEncoder(job.level, verify=job.verify, keyframe_every=job.keyframe_every)
    where = f"segment {job.index}"
    try:
        out = [enc.compress(b, None if job.senders is None else job.senders[i], recover=False)
               for i, b in enumerate(job.batches)]
        check_segment(out, where)
    except BatchkitError as exc:
        raise named(exc, where) from None
    return out
