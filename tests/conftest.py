"""Shared fixtures: the real corpora (skipped with a message where absent), generated batches, and the
hypothesis profiles (``ci`` by default; ``HYPOTHESIS_PROFILE=expensive`` for long runs)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from batchkit.corpora import batches, generate_batch, load_all, load_jsonl, shared_corpora_dir

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("expensive", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CORPORA = shared_corpora_dir()
NO_CORPORA = "the shared corpora (../shared/corpora or $BATCHKIT_CORPORA) are not present"


def corpus_files():
    if CORPORA is None:
        return []
    return sorted(p for p in CORPORA.glob("*.jsonl"))


@pytest.fixture(scope="session")
def corpus_raws() -> list[bytes]:
    if CORPORA is None:
        pytest.skip(NO_CORPORA)
    return load_all()


@pytest.fixture(scope="session")
def corpus_batches(corpus_raws) -> list[list[bytes]]:
    return batches(corpus_raws, 120_000)


@pytest.fixture(scope="session")
def mainnet_raws() -> list[bytes]:
    """Every transaction of ``ethereum-mainnet-recent.jsonl``, in order."""
    if CORPORA is None or not (CORPORA / "ethereum-mainnet-recent.jsonl").is_file():
        pytest.skip(NO_CORPORA)
    return [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(CORPORA / "ethereum-mainnet-recent.jsonl")]


@pytest.fixture(scope="session")
def mainnet_batches(mainnet_raws) -> list[list[bytes]]:
    """Consecutive batches of 2 KB to 600 KB of raw transactions (seeded): payloads of about 1 KB to 200 KB,
    some far smaller than a blob, some spanning two."""
    import random
    rng = random.Random(11)
    out, i = [], 0
    while i < len(mainnet_raws):
        goal, size, j = rng.choice([2_000, 20_000, 120_000, 300_000, 600_000]), 0, i
        while j < len(mainnet_raws) and (j == i or size + len(mainnet_raws[j]) <= goal):
            size += len(mainnet_raws[j])
            j += 1
        out.append(mainnet_raws[i:j])
        i = j
    return out


@pytest.fixture(scope="session")
def generated() -> list:
    """A deterministic generated batch with every envelope type (GeneratedTx: raw, sender)."""
    return generate_batch(600, seed=7)


@pytest.fixture(scope="session")
def generated_raws(generated) -> list[bytes]:
    return [t.raw for t in generated]


@pytest.fixture(scope="session")
def generated_senders(generated) -> list[bytes]:
    return [t.sender for t in generated]


__all__ = ["corpus_files", "load_jsonl", "NO_CORPORA", "CORPORA"]
