"""Many batches at once, on several cores: :func:`compress_many` and :func:`decompress_many`.

Each batch is compressed (or decoded) alone by :func:`batchkit.compress` (:func:`batchkit.decompress`), so
the output is exactly the serial run's, in the same order, whatever the executor (:mod:`batchkit.parallel`).
An error names the batch it came from (the first failing batch in order) and keeps its type.

Example::

    >>> payloads = batchkit.compress_many(batches, jobs=2)          # doctest: +SKIP
    >>> batchkit.decompress_many(payloads) == batches               # doctest: +SKIP
    True
"""

from __future__ import annotations

import copy
from typing import Iterable, Iterator, Sequence

from .api import compress, decompress, normalize
from .errors import BatchkitError, InputError
from .parallel import Executor, get_executor
from .senders import recover_senders


def _compress_job(job: tuple) -> bytes:
    index, raws, senders, level, verify, recover = job
    try:
        if senders is None and recover and raws:
            senders = recover_senders(raws, workers=1, strict=False)  # no pool inside a worker
        return compress(raws, level=level, senders=senders, verify=verify, recover=False)
    except BaseException as exc:
        raise _in_batch(exc, index) from None


def _raws(index: int, batch: Iterable) -> list[bytes]:
    """Batch ``index`` as raw bytes, taken as :func:`batchkit.compress` takes it (bytes-like or hex; anything
    else an InputError naming the batch and the transaction)."""
    try:
        return normalize(batch)
    except BatchkitError as exc:
        raise _in_batch(exc, index) from None


def _decompress_job(job: tuple) -> list[bytes]:
    index, payload = job
    try:
        return decompress(payload)
    except BaseException as exc:
        raise _in_batch(exc, index) from None


def _in_batch(exc: BaseException, index: int) -> BaseException:
    """``exc`` with the batch named in its message, of the same type and attributes."""
    if not isinstance(exc, BatchkitError):
        return exc
    out = copy.copy(exc)
    out.args = (f"batch {index}: {exc}",)
    return out


#: The local executor each direction uses by default: the faster one measured on the real corpora
#: (``benches/parallel_executors.py``; :mod:`batchkit.parallel` has the figures). Compressing holds the GIL
#: in the column kernel and the verification, so it needs processes; decoding a batch is cheap next to
#: shipping its transactions back from a process, and threads overlap its zstd and kernel work.
COMPRESS_KIND = "processes"
DECOMPRESS_KIND = "threads"


def _run(executor: Executor | None, jobs: int | None, kind: str, fn, items: Iterable, progress) -> Iterator:
    own = executor is None
    ex = get_executor(jobs, kind) if own else executor
    try:
        for result in ex.map(fn, items):
            if progress is not None:
                progress(1)
            yield result
    finally:
        if own:
            ex.close()


def compress_many(batches: Iterable[Sequence], *, level: str | int = "default",
                  senders: Sequence[Sequence | None] | None = None, verify: bool = True, recover: bool = True,
                  jobs: int | None = None, executor: Executor | None = None, progress=None) -> list[bytes]:
    """:func:`batchkit.compress` of every batch in ``batches``, on ``jobs`` processes (default: one per
    core; ``1``: in this thread) or on ``executor`` (any :class:`batchkit.parallel.Executor`, left open;
    one kept across calls saves starting the workers each time).

    ``senders``: one list of senders per batch (or None). ``progress``: called with 1 after each batch.
    The payloads are those of the serial run, in order. Errors are those of :func:`batchkit.compress`,
    the message starting with ``batch <i>:``.
    """
    batches = [_raws(i, batch) for i, batch in enumerate(batches)]
    if senders is not None and len(senders) != len(batches):
        raise InputError(f"{len(senders)} sender lists for {len(batches)} batches")
    jobs_ = ((i, b, None if senders is None else senders[i], level, verify, recover) for i, b in enumerate(batches))
    return list(_run(executor, jobs, COMPRESS_KIND, _compress_job, jobs_, progress))


def decompress_many(payloads: Iterable, *, jobs: int | None = None, executor: Executor | None = None,
                    progress=None) -> list[list[bytes]]:
    """:func:`batchkit.decompress` of every payload, in order, on ``jobs`` threads or ``executor`` (as
    :func:`compress_many`). Raises :class:`DecodeError` naming the first payload (in order) that fails."""
    items = ((i, bytes(p)) for i, p in enumerate(payloads))
    return list(_run(executor, jobs, DECOMPRESS_KIND, _decompress_job, items, progress))


__all__ = ["compress_many", "decompress_many"]
