"""Every public entry point from 8 threads at once, each output compared with the serial run's (issue 12).

Each entry is a *factory*: called once per thread, it returns that thread's callable, so stateful objects
(``BatchBuilder``, the v2 stream objects) are one object per thread, as the
thread-safety promise is stated. The threads start together (a barrier) and run every entry over every
batch in a thread-specific shuffled order, so different entry points overlap.

Marked ``threads`` and kept to a few seconds, so CI can repeat it cheaply (``for i in 1 2 3 4 5; do
pytest -m threads -q || exit 1; done``); ``BATCHKIT_THREAD_ROUNDS`` runs more rounds in one go.

The v2 stream objects are there as ``_stream`` factories (one encoder and one decoder per thread).
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Callable

import pytest

import batchkit
from batchkit.l1 import blob, calldata
from batchkit.estimate import estimate
from batchkit.inspection import inspect_payload
from batchkit.parallel import ThreadExecutor
from batchkit.senders import recover_senders

pytestmark = pytest.mark.threads

THREADS = 8
ROUNDS = int(os.environ.get("BATCHKIT_THREAD_ROUNDS", "1"))


def _builder() -> Callable:
    builder = batchkit.BatchBuilder(target_bytes=9_000, level="default")  # one per thread, reused

    def run(batch: list[bytes]) -> list[bytes]:
        out = []
        for raw in batch:
            if not builder.add(raw):
                out.append(builder.seal())
                assert builder.add(raw)
        out.append(builder.seal())
        return out
    return run


def _stream(level: str) -> Callable:
    """One StreamEncoder and one StreamDecoder per thread, kept across calls. Each call rewinds the encoder to
    a new segment (so its output does not depend on the order the thread sees batches in), adds a keyframe and
    a payload that uses it, decodes both in order, and returns the payloads."""
    enc, dec = batchkit.StreamEncoder(level, keyframe_every=4), batchkit.StreamDecoder()

    def run(batch: list[bytes]) -> tuple:
        enc.rewind(None)
        payloads = (enc.compress(batch, recover=False), enc.compress(batch[::-1], recover=False))
        assert [dec.decompress(p) for p in payloads] == [batch, batch[::-1]]
        return payloads
    return run


def _blob_roundtrip(batch: list[bytes]) -> tuple:
    payload = batchkit.compress(batch, level="fast", recover=False)
    blobs = blob.encode_blobs(payload)
    assert blob.decode_blobs(blobs) == payload
    return tuple(blobs)


def _commitments(batch: list[bytes]) -> tuple:
    return tuple(blob.commitment(b) for b in blob.encode_blobs(batchkit.compress(batch, recover=False)))


def _calldata_roundtrip(batch: list[bytes]) -> tuple:
    payload = batchkit.compress(batch, recover=False)
    frames = calldata.frame(payload)
    assert calldata.unframe(frames) == payload
    return tuple(frames)


def _verify(batch: list[bytes]) -> bool:
    batchkit.verify(batch, batchkit.compress(batch, level="fast"))
    return True


def _verify_rejects(batch: list[bytes]) -> str:
    with pytest.raises(batchkit.VerificationError) as info:
        batchkit.verify(batch[:-1], batchkit.compress(batch, level="fast", recover=False))
    return str(info.value)


def _decode_rejects(batch: list[bytes]) -> str:
    payload = batchkit.compress(batch, level="fast", recover=False)
    with pytest.raises(batchkit.DecodeError) as info:
        batchkit.decompress(payload[:-7])
    return str(info.value)


def _thread_pool_many() -> Callable:
    pool = ThreadExecutor(2)  # one pool per thread: compress_many inside threads

    def run(batch: list[bytes]) -> list[bytes]:
        halves = [batch[: len(batch) // 2], batch[len(batch) // 2:]]
        payloads = batchkit.compress_many(halves, executor=pool)
        assert batchkit.decompress_many(payloads, executor=pool) == halves
        return payloads
    return run


def _validity(batch: list[bytes]) -> tuple:
    payload = batchkit.compress(batch, level="fast", profile="validity")
    batchkit.verify(batch, payload)
    return payload, tuple(batchkit.decompress(payload))


def _validity_stream() -> Callable:
    enc, dec = batchkit.StreamEncoder("fast", keyframe_every=4, profile="validity"), batchkit.StreamDecoder()

    def run(batch: list[bytes]) -> tuple:
        enc.rewind(None)
        payloads = (enc.compress(batch), enc.compress(batch[::-1]))
        return payloads, tuple(tuple(dec.decompress(p)) for p in payloads)
    return run


#: (name, factory): the factory is called once per thread and returns ``fn(batch) -> output``.
ENTRY_POINTS: list[tuple[str, Callable[[], Callable]]] = [
    ("compress fast", lambda: lambda b: batchkit.compress(b, level="fast")),
    ("compress default", lambda: lambda b: batchkit.compress(b)),
    ("compress max", lambda: lambda b: batchkit.compress(b, level="max")),  # LZMA: releases the GIL
    ("compress zstd 19, no recovery", lambda: lambda b: batchkit.compress(b, level=19, recover=False)),
    ("decompress", lambda: lambda b: batchkit.decompress(batchkit.compress(b, level="fast", recover=False))),
    ("verify", lambda: _verify),
    ("verify rejects", lambda: _verify_rejects),
    ("decode rejects", lambda: _decode_rejects),
    ("recover senders", lambda: lambda b: recover_senders(b, workers=1)),
    ("inspect", lambda: lambda b: inspect_payload(batchkit.compress(b, recover=False))),
    ("estimate", lambda: lambda b: estimate(batchkit.compress(b, recover=False)).comparison.to_dict()),
    ("builder (one per thread)", _builder),
    ("build_payloads", lambda: lambda b: batchkit.build_payloads(b, target_bytes=9_000)),
    ("blobs encode/decode", lambda: _blob_roundtrip),
    ("KZG commitments", lambda: _commitments),
    ("calldata frame/unframe", lambda: _calldata_roundtrip),
    ("compress_many on threads", _thread_pool_many),
    ("stream encoder and decoder fast (one per thread)", lambda: _stream("fast")),
    ("stream encoder and decoder default (one per thread)", lambda: _stream("default")),
    ("validity compress, decompress, verify", lambda: _validity),
    ("validity stream (one per thread)", _validity_stream),
]


@pytest.fixture(scope="module")
def work(request) -> list[list[bytes]]:
    from conftest import CORPORA
    from batchkit.corpora import batches, generate_batch, load_all
    if CORPORA is not None:
        raws = [r for r in load_all() if r[0] not in (0x03, 0x7E)]
        picked = batches(raws, 12_000)
        return [picked[i] for i in range(0, len(picked), max(1, len(picked) // 3))][:3]
    raws = [t.raw for t in generate_batch(200, seed=5)]
    return [raws[i:i + 50] for i in range(0, 150, 50)]


def _serial(work) -> dict:
    out = {}
    for name, factory in ENTRY_POINTS:
        fn = factory()
        for i, batch in enumerate(work):
            out[name, i] = fn(batch)
    return out


def test_every_entry_point_from_8_threads_matches_the_serial_run(work):
    expected = _serial(work)
    for _ in range(ROUNDS):
        barrier = threading.Barrier(THREADS)
        results: list[dict] = [{} for _ in range(THREADS)]
        failures: list[BaseException] = []

        def thread(t: int) -> None:
            try:
                fns = {name: factory() for name, factory in ENTRY_POINTS}
                tasks = [(name, i) for name in fns for i in range(len(work))]
                random.Random(t).shuffle(tasks)
                barrier.wait()
                for name, i in tasks:
                    results[t][name, i] = fns[name](work[i])
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=thread, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not failures, failures[0]
        for t in range(THREADS):
            assert results[t].keys() == expected.keys()
            bad = [key for key in expected if results[t][key] != expected[key]]
            assert not bad, f"thread {t}: {bad[:5]} differ from the serial run"


def test_the_comparison_catches_a_thread_unsafe_entry(work):
    """The oracle can fail: an entry sharing one unsynchronised buffer between threads gives outputs that
    differ from the serial run's."""
    shared = bytearray()

    def racy(batch: list[bytes]) -> bytes:
        shared.clear()
        for raw in batch:
            shared.extend(raw)
            time.sleep(0)  # let another thread run between the steps, as a C library releasing the GIL does
        return bytes(shared)

    expected = [racy(b) for b in work]
    barrier = threading.Barrier(THREADS)
    out: list = [None] * THREADS

    def thread(t: int) -> None:
        barrier.wait()
        out[t] = [racy(b) for b in work]

    threads = [threading.Thread(target=thread, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert any(o != expected for o in out)
