"""Running independent work items on several cores: one small interface and its local implementations.

An :class:`Executor` maps a function over work items and yields the results *in the order of the items*,
as they become available, so a caller can show progress and write results one at a time. The output is
the serial run's output whatever the executor: each item is computed alone, by the same function.

- :class:`SerialExecutor`: in this thread (``jobs=1``).
- :class:`ThreadExecutor`: a thread pool.
- :class:`ProcessExecutor`: a process pool (:func:`process_pool`). Functions and items must be picklable:
  top-level functions, plain data.

Every process pool batchkit starts (these executors, sender recovery in :mod:`batchkit.senders`) comes from
:func:`process_pool`: one start method, ``forkserver`` (forking a process that runs threads can deadlock the
child), and workers that ignore SIGINT and SIGTERM (Ctrl-C reaches the whole process group; the parent
decides, and a worker prints no traceback) and exit as soon as the process that made the pool is gone,
however it went (a thread waits on its ``pidfd``): a parent killed outright, even by SIGKILL, leaves no
worker behind, and the fork server then exits too. A pool left early (an error, an interrupt) is
stopped by :func:`stop_pool`, which kills its workers instead of waiting for their work.

Which is faster for the codec, measured with ``benches/parallel_executors.py`` (all the real corpora: 33,496
transactions, 18.2 MB in 165 batches of 120 KB; 2 workers; median of 5 runs, 1 at ``max``; the 2 cores were
shared with other jobs, load average 6, so no executor could reach 2x)::

    seconds             serial  threads         processes
    compress fast        0.324  0.360 (0.90x)   0.240 (1.35x)
    compress default     1.097  1.692 (0.65x)   0.917 (1.20x)
    compress max        30.05  33.97  (0.88x)  29.29  (1.03x)
    decompress fast      0.088  0.094 (0.94x)   0.247 (0.36x)
    decompress default   0.077  0.068 (1.12x)   0.143 (0.53x)
    decompress max       0.663  0.462 (1.43x)   0.683 (0.97x)

Compressing: processes. The column kernel and the verification hold the GIL, so threads only add switching;
LZMA releases it but the CPU had no idle core to give. Decompressing: threads. A decode is so cheap that
shipping the decoded transactions back from a process costs more than the decode itself.
``batchkit.many`` uses these defaults; :func:`get_executor` builds processes unless told otherwise.

Another engine is one more class with the same two methods: ``map`` (submit every item, yield the results
in item order) and ``close``; :class:`batchkit.cluster.DaskExecutor` runs the items on a Dask cluster
(issue 15). The contract each keeps:

- ``map(fn, items)`` yields ``fn(item)`` for every item, in item order; an item that raises makes ``map``
  raise that exception (its type kept) when that item's turn comes, after the earlier results;
- nothing the function returns depends on which worker ran it (the functions here are pure).
"""

from __future__ import annotations

import contextlib
import os
import weakref
import signal
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol, TypeVar

if TYPE_CHECKING:  # concurrent.futures (with logging) is imported where an executor is made
    from concurrent.futures import Future, ProcessPoolExecutor

from .errors import InputError

T = TypeVar("T")
R = TypeVar("R")

#: Kinds :func:`get_executor` builds.
KINDS = ("serial", "threads", "processes")
#: At most this many items are submitted ahead of the one being yielded: bounds the results held in
#: memory while the caller consumes them in order, per worker.
AHEAD_PER_WORKER = 4


#: The start method of every process pool (see the module docstring).
START_METHOD = "forkserver"
#: Imported by the fork server before it forks any worker.
_PRELOAD = ["batchkit", "batchkit.senders", "batchkit.parallel", "batchkit.many", "batchkit.partitions"]
_PR_SET_PDEATHSIG = 1


def _worker_init(owner: int) -> None:
    """Run first in every worker: ignore SIGINT and SIGTERM, and exit as soon as ``owner`` (the process that
    made the pool; the worker's parent is the fork server) is gone, however it went."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):  # the fork server going (it goes once no worker holds it) kills us too
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    import threading
    threading.Thread(target=_exit_with, args=(owner,), name="batchkit-owner-watch", daemon=True).start()


def _exit_with(owner: int) -> None:
    """Block until process ``owner`` ends, then end this one (a worker must not outlive the pool's owner: it
    would wait for work forever)."""
    try:
        fd = os.pidfd_open(owner)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        import select
        select.select([fd], [], [])
    else:
        import time
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            time.sleep(0.5)
    os._exit(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, started as every batchkit pool is (see the module docstring)."""
    import multiprocessing  # with ProcessPoolExecutor: a slow import that only process pools need
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(START_METHOD)
    # The fork server imports batchkit once; every worker then starts from that state (forked), in
    # milliseconds instead of importing it again.
    context.set_forkserver_preload(_PRELOAD)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                               initargs=(os.getpid(),))
    _LIVE_POOLS.add(pool)
    return pool


#: Every pool :func:`process_pool` made that is still referenced: what :func:`stop_all_pools` kills.
_LIVE_POOLS: "weakref.WeakSet[ProcessPoolExecutor]" = weakref.WeakSet()


def stop_all_pools() -> None:
    """Kill the workers of every live pool at once (a command leaving on SIGINT or SIGTERM). A pool still held
    by a suspended generator or a traceback would otherwise be joined at exit, after its queued work: the
    workers ignore the signals."""
    for pool in list(_LIVE_POOLS):
        stop_pool(pool, now=True)


def start_fork_server() -> None:
    """Start the fork server now, without waiting for it: its imports then overlap the caller's own work
    (reading the input) instead of delaying the first pool. It exits with this process."""
    import multiprocessing

    multiprocessing.get_context(START_METHOD).set_forkserver_preload(_PRELOAD)
    from multiprocessing import forkserver
    forkserver.ensure_running()


def stop_pool(pool: ProcessPoolExecutor, *, now: bool) -> None:
    """Shut ``pool`` down: after the work under way (``now=False``), or at once, killing the workers
    (``now=True``: the caller is leaving on an error or an interrupt and wants none of their results)."""
    if now:
        # Work still buffered for the workers may fill the call pipe: once they are killed nobody reads it,
        # and the queue's feeder thread would block the pool's shutdown (and the interpreter's exit) for ever.
        queue = getattr(pool, "_call_queue", None)
        if queue is not None:
            with contextlib.suppress(Exception):
                queue.cancel_join_thread()
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Executor(Protocol):
    """Map a function over work items on some workers; results in item order."""

    jobs: int

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        ...

    def close(self) -> None:
        ...


class SerialExecutor:
    """Every item in the calling thread, one after the other."""

    jobs = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)

    def close(self) -> None:
        pass

    def __enter__(self) -> "SerialExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _PoolExecutor:
    """An executor over a ``concurrent.futures`` pool, submitting a bounded window of items ahead."""

    jobs: int
    _pool: Any

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        window = max(1, self.jobs * AHEAD_PER_WORKER)
        pending: list[Future] = []
        it = iter(items)
        try:
            for item in it:
                pending.append(self._pool.submit(fn, item))
                if len(pending) >= window:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()
        finally:
            for future in pending:  # an error, or the caller stopped early: drop what is queued
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.abort()
        else:
            self.close()

    def abort(self) -> None:
        """Stop at once (an interrupt): queued items are dropped and running ones not waited for."""
        self.close()


class ThreadExecutor(_PoolExecutor):
    """A pool of ``jobs`` threads: worth it where the work releases the GIL (LZMA, zstd, KZG)."""

    def __init__(self, jobs: int):
        self.jobs = _check_jobs(jobs)
        from concurrent.futures import ThreadPoolExecutor
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="batchkit")


class ProcessExecutor(_PoolExecutor):
    """A pool of ``jobs`` processes (:func:`process_pool`: started once, reused for every ``map``)."""

    def __init__(self, jobs: int):
        self.jobs = _check_jobs(jobs)
        self._pool = process_pool(self.jobs)

    def abort(self) -> None:
        stop_pool(self._pool, now=True)


def _check_jobs(jobs: int) -> int:
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InputError(f"jobs must be a positive integer, not {jobs!r}")
    return jobs


def get_executor(jobs: int | None = None, kind: str = "processes") -> Executor:
    """The local executor for ``jobs`` workers (default: one per core). ``jobs=1`` is always serial;
    ``kind``: ``processes`` (the default: faster for the codec, see the module docstring), ``threads``
    or ``serial``."""
    if jobs is None:
        jobs = default_jobs()
    _check_jobs(jobs)
    if kind not in KINDS:
        raise InputError(f"unknown executor kind {kind!r}: use {', '.join(KINDS)}")
    if jobs == 1 or kind == "serial":
        return SerialExecutor()
    if kind == "threads":
        return ThreadExecutor(jobs)
    return ProcessExecutor(jobs)


__all__ = ["Executor", "SerialExecutor", "ThreadExecutor", "ProcessExecutor", "get_executor", "default_jobs",
           "KINDS", "START_METHOD", "process_pool", "start_fork_server", "stop_pool"]
