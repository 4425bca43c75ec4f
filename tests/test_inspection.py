"""``inspect_payload``: the header figures, and per-column estimates that add up to each body as stored."""

from __future__ import annotations

import pytest

import batchkit
from batchkit.format import v1
from batchkit.format.streams import BULK_STREAMS, STREAMS
from batchkit.inspection import inspect_payload


@pytest.mark.parametrize("level", ["fast", "default", "max", 1])
def test_columns_add_up_to_each_body(generated_raws, generated_senders, level):
    payload = batchkit.compress(generated_raws[:400], senders=generated_senders[:400], level=level, version=1)
    report = inspect_payload(payload)
    parsed = v1.parse(payload)
    columns = {c["name"]: c for c in report["columns"]}
    bulk = {STREAMS[i] for i in BULK_STREAMS}
    body_b = sum(c["compressed_bytes"] for name, c in columns.items() if name in bulk)
    body_a = sum(c["compressed_bytes"] for name, c in columns.items() if name not in bulk | {"sig"})
    assert body_a == pytest.approx(parsed.body_a_len, abs=0.1 * len(STREAMS))
    assert body_b == pytest.approx(parsed.body_len - parsed.body_a_len, abs=0.1 * len(STREAMS))
    assert columns["sig"]["compressed_bytes"] == columns["sig"]["raw_bytes"] == 64 * 400
    assert [c["raw_bytes"] for c in report["columns"]] == [len(s) for s in parsed.streams]
    assert report["transactions"] == 400 and report["payload_bytes"] == len(payload)
    assert report["raw_transaction_bytes"] == sum(map(len, generated_raws[:400]))
    assert report["method"] == v1.METHODS[parsed.method]


def test_a_stored_payload_reports_raw_sizes(generated_raws):
    raws = generated_raws[:3]
    chain, streams = v1.core.disassemble(raws, None)
    # Force the stored method: a payload whose bodies are the raw sections.
    raw_a, raw_b = v1.pack_sections(streams)
    header = b"".join([v1.MAGIC, bytes([v1.VERSION]), bytes([3]), bytes([len(chain)]), chain,
                       bytes([v1.METHOD_STORED]), v1.uvarint(len(raw_a)), v1.uvarint(len(raw_b))])
    payload = header + raw_a + raw_b + streams[STREAMS.index("sig")]
    assert batchkit.decompress(payload) == raws
    report = inspect_payload(payload)
    assert report["method"] == "stored"
    for c, s in zip(report["columns"], streams):
        assert c["raw_bytes"] == len(s)
    assert sum(c["compressed_bytes"] for c in report["columns"]) == pytest.approx(len(payload) - len(header), abs=2)
