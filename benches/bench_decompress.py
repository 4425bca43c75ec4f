"""Stage 4: ``batchkit.decompress`` of each level's payload."""

import batchkit

from conftest import record


def test_decompress(benchmark, batch, level):
    payload = batchkit.compress(batch.raws, level=level, senders=batch.senders, verify=False)
    record(benchmark, batch, level=level, payload_bytes=len(payload),
           bytes_per_tx=round(len(payload) / len(batch.raws), 2))
    assert benchmark(batchkit.decompress, payload) == batch.raws
