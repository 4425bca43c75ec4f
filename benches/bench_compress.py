"""Stage 3: ``batchkit.compress`` at each level, senders supplied (as a batcher that knows them would call
it) and ``verify=False``; bytes per transaction and ratio are recorded next to the time."""

import batchkit

from conftest import record


def test_compress(benchmark, batch, level):
    payload = benchmark(batchkit.compress, batch.raws, level=level, senders=batch.senders, verify=False)
    record(benchmark, batch, level=level, payload_bytes=len(payload),
           bytes_per_tx=round(len(payload) / len(batch.raws), 2), ratio=round(batch.raw_bytes / len(payload), 4))
    assert batchkit.decompress(payload) == batch.raws
