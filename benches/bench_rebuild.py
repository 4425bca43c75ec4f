"""Stage 5: ``core.assemble``, rebuilding the signed transactions from decompressed columns."""

import batchkit
from batchkit.format._backend import core
from batchkit.format import v1

from conftest import record


def test_assemble(benchmark, batch):
    parsed = v1.parse(batchkit.compress(batch.raws, senders=batch.senders, verify=False))
    record(benchmark, batch)
    txs, _ = benchmark(core.assemble, parsed.n, parsed.chain, parsed.streams)
    assert txs == batch.raws
