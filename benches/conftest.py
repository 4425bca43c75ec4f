"""Fixtures for the pytest-benchmark suites, and the hook that collects ``bench_*.py`` here.

The project's pytest config keeps ``testpaths = ["tests"]`` and ``--benchmark-disable``, so these run only
when asked: ``pytest benches/ --benchmark-enable`` (see README.md in this folder).

Every bench runs over two batches of about 120 KB of raw transactions: ``real`` (the first such batch of the
shared corpora, skipped where they are absent) and ``generated`` (a deterministic generated batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from batchkit.coerce import sender_labels
from batchkit.corpora import batches, generate_batch, load_all, shared_corpora_dir
from batchkit.senders import recover_senders

BATCH_BYTES = 120_000
LEVELS = ("fast", "default", "max")


def pytest_collect_file(file_path, parent):
    """Collect ``bench_*.py`` in this folder as test modules (pytest's default pattern is ``test_*.py``)."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@dataclass(frozen=True)
class Batch:
    name: str
    raws: list[bytes]
    senders: list[bytes]
    """20-byte senders, recovered once."""
    sender_ids: list[int]
    """The labels ``batchkit.compress`` derives from the senders (what ``core.disassemble`` takes)."""

    @property
    def raw_bytes(self) -> int:
        return sum(map(len, self.raws))


def _real() -> list[bytes] | None:
    if shared_corpora_dir() is None:
        return None
    return batches(load_all(), BATCH_BYTES)[0]


def _generated() -> list[bytes]:
    out, size = [], 0
    for tx in generate_batch(2_000, seed=5):
        if size + len(tx.raw) > BATCH_BYTES:
            break
        out.append(tx.raw)
        size += len(tx.raw)
    return out


@pytest.fixture(scope="session", params=["real", "generated"])
def batch(request) -> Batch:
    raws = _real() if request.param == "real" else _generated()
    if raws is None:
        pytest.skip("the shared corpora (../shared/corpora or $BATCHKIT_CORPORA) are not present")
    senders = recover_senders(raws)
    return Batch(request.param, raws, senders, sender_labels(senders, len(raws)))


@pytest.fixture(params=LEVELS)
def level(request) -> str:
    return request.param


def record(benchmark, batch: Batch, **extra) -> None:
    """Put the batch's size next to the timing in the saved results."""
    benchmark.extra_info.update({"batch": batch.name, "txs": len(batch.raws), "raw_bytes": batch.raw_bytes,
                                 **extra})
