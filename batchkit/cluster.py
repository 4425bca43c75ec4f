"""The :class:`~batchkit.parallel.Executor` contract on a Dask cluster (``dask.distributed``; issue 15).

:class:`DaskExecutor` runs each work item as one Dask task, on an existing cluster (``scheduler="tcp://host:8786"``)
or on a :class:`distributed.LocalCluster` of ``workers`` processes (one thread each: the codec holds the GIL)
that it starts and stops. Dask is an optional dependency (``pip install "batchkit[dask]"``): it is imported
when an executor is made, never by ``import batchkit``.

Invariants (those of :mod:`batchkit.parallel`):

- ``map(fn, items)`` yields ``fn(item)`` for every item, in item order, as soon as that item and every one
  before it are done (tasks finish in any order: the finished ones wait in a buffer);
- at most ``jobs * ahead_per_worker`` tasks are in flight or finished-but-not-yielded, so neither the client
  nor the cluster holds more than that many items and results at once, whatever the corpus size;
- an item that raises makes ``map`` raise at that item's turn, after the earlier results, with the item named:
  a :class:`~batchkit.errors.BatchkitError` is re-raised as a copy of the same type whose message starts with
  ``<name>:``; any other exception keeps its type and message and gets a note naming the item. The tasks
  still queued are cancelled;
- ``fn`` and the items travel by (cloud)pickle: top-level functions of an importable module and plain data.
  The workers of an external cluster must have the same batchkit (and libzstd) installed, or the bytes differ.
"""

from __future__ import annotations

import copy
import itertools
import logging
import uuid
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from .errors import BatchkitError, InputError
from .parallel import AHEAD_PER_WORKER

T = TypeVar("T")
R = TypeVar("R")

#: Seconds to wait for an external scheduler to answer, and for the workers of a cluster to be there.
CONNECT_TIMEOUT_S = 30


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise InputError('running on Dask needs dask.distributed: pip install "batchkit[dask]"') from exc
    return distributed


def named(exc: BaseException, name: str) -> BaseException:
    """``exc`` naming the item it came from (see the module docstring)."""
    if isinstance(exc, BatchkitError):
        out = copy.copy(exc)
        out.args = (f"{name}: {exc}",)
        return out
    if hasattr(exc, "add_note"):
        exc.add_note(f"in {name}")
    return exc


class DaskExecutor:
    """Work items as Dask tasks; results in item order. Give ``scheduler`` (an address) or ``workers``
    (the size of a local cluster of processes), not both. ``jobs``: the cluster's worker threads."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *,
                 ahead_per_worker: int = AHEAD_PER_WORKER):
        if (scheduler is None) == (workers is None):
            raise InputError("give a Dask scheduler address or a number of local workers (one of the two)")
        if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
            raise InputError(f"workers must be a positive integer, not {workers!r}")
        if not isinstance(ahead_per_worker, int) or ahead_per_worker < 1:
            raise InputError(f"ahead_per_worker must be a positive integer, not {ahead_per_worker!r}")
        distributed = _distributed()
        self._ahead = ahead_per_worker
        self._cluster = None
        try:
            if scheduler is not None:
                self._client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            else:
                self._cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                         dashboard_address=":0", silence_logs=logging.CRITICAL)
                self._client = distributed.Client(self._cluster, timeout=CONNECT_TIMEOUT_S)
                self._client.wait_for_workers(workers, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            where = scheduler if scheduler is not None else f"a local cluster of {workers} workers"
            raise InputError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        self.address = self._client.scheduler.address

    @property
    def jobs(self) -> int:
        """Worker threads of the cluster now (at least 1)."""
        info = self._client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(self, fn: Callable[[T], R], items: Iterable[T], names: Sequence[str] | None = None) -> Iterator[R]:
        """``fn(item)`` for each item, in order (see the module docstring). ``names``: what an error calls
        each item (default ``item <i>``)."""
        distributed = _distributed()
        client = self._client
        window = max(1, self.jobs * self._ahead)
        tag = f"batchkit-{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex[:12]}"
        source = enumerate(items)
        index_of: dict[str, int] = {}
        finished: dict[int, Any] = {}
        running = distributed.as_completed()
        live: list = []

        def submit(n: int) -> None:
            for i, item in itertools.islice(source, n):
                future = client.submit(fn, item, key=f"{tag}-{i}", pure=False, retries=0)
                index_of[future.key] = i
                live.append(future)
                running.add(future)

        def name(i: int) -> str:
            return names[i] if names is not None else f"item {i}"

        submit(window)
        turn = 0
        try:
            while index_of:
                while turn not in finished:
                    future = next(running)
                    finished[index_of[future.key]] = future
                future = finished.pop(turn)
                del index_of[future.key]
                live.remove(future)
                if future.status == "error":
                    raise named(future.exception(), name(turn))
                result = future.result()
                future.release()
                turn += 1
                submit(1)
                yield result
        finally:
            if live:  # an error, or the caller stopped early: drop what is queued or running
                client.cancel(live)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["DaskExecutor", "named", "CONNECT_TIMEOUT_S"]
