"""Golden v2 payloads decode forever: independent payloads alone, streams in order and from any keyframe.

The files under ``tests/golden/v2`` were written once by ``tests/golden/make_golden_v2.py``; these tests only
read them. A failure here means the decoder changed what committed bytes mean: that is a new format version,
not a reason to regenerate the vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import batchkit
from batchkit.tx import keccak256

from golden_checks import check_stream_from_every_keyframe

GOLDEN = Path(__file__).parent / "golden" / "v2"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())
STREAMS = sorted({name.split(".")[0] for name in EXPECTED if name.count(".") == 2})


def _hashes(txs):
    return ["0x" + keccak256(t).hex() for t in txs]


def test_golden_files_are_the_recorded_ones():
    assert {p.name for p in GOLDEN.glob("*.bk")} == set(EXPECTED)
    for name, exp in EXPECTED.items():
        assert hashlib.sha256((GOLDEN / name).read_bytes()).hexdigest() == exp["sha256"], name
    assert {"generated-stream"} <= set(STREAMS)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.count(".") == 1))
def test_golden_independent_payload_decodes(name):
    assert _hashes(batchkit.decompress((GOLDEN / name).read_bytes())) == EXPECTED[name]["tx_hashes"]


@pytest.mark.parametrize("stream", STREAMS)
def test_golden_stream_decodes_in_order_and_from_every_keyframe(stream):
    check_stream_from_every_keyframe(GOLDEN, EXPECTED, stream, _hashes, lambda name: EXPECTED[name]["tx_hashes"])
