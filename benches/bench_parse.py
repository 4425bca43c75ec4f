"""Stage 1: reading transactions. ``tx.parse_tx`` (the strict Python model) and ``core.disassemble``
(the compiled envelope walk into columns) over the whole batch."""

from batchkit.format._backend import core
from batchkit.tx import parse_tx

from conftest import record


def test_parse_tx(benchmark, batch):
    record(benchmark, batch)
    parsed = benchmark(lambda: [parse_tx(raw) for raw in batch.raws])
    assert len(parsed) == len(batch.raws)


def test_disassemble(benchmark, batch):
    record(benchmark, batch)
    chain, streams = benchmark(core.disassemble, batch.raws, batch.sender_ids)
    assert len(streams) == len(core.STREAMS)
