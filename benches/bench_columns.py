"""Stage 2: columns. ``v1.pack_columns`` alone, and ``core.disassemble`` then ``v1.pack_columns``."""

from batchkit.format._backend import core
from batchkit.format import v1

from conftest import record


def test_pack_columns(benchmark, batch):
    _, streams = core.disassemble(batch.raws, batch.sender_ids)
    record(benchmark, batch)
    columns = benchmark(v1.pack_columns, streams)
    benchmark.extra_info["column_bytes"] = len(columns)


def test_disassemble_and_pack(benchmark, batch):
    record(benchmark, batch)
    columns = benchmark(lambda: v1.pack_columns(core.disassemble(batch.raws, batch.sender_ids)[1]))
    benchmark.extra_info["column_bytes"] = len(columns)
