"""Golden validity-profile payloads decode forever, alone and as streams from every keyframe.

The files under ``tests/golden/validity`` were written once by ``tests/golden/make_golden_validity.py``; these
tests only read them. A failure here means the decoder changed what committed bytes mean: that is a new
format version, not a reason to regenerate the vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import batchkit
from batchkit.format import v2

from golden_checks import check_stream_from_every_keyframe

GOLDEN = Path(__file__).parent / "golden" / "validity"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())
STREAMS = sorted({name.split(".")[0] for name in EXPECTED if name.count(".") == 2})


def _seen(records):
    return {"senders": ["0x" + r.sender.hex() for r in records],
            "signing_hashes": ["0x" + r.signing_hash.hex() for r in records]}


def _want(name):
    return {k: EXPECTED[name][k] for k in ("senders", "signing_hashes")}


def test_golden_files_are_the_recorded_ones():
    assert {p.name for p in GOLDEN.glob("*.bk")} == set(EXPECTED)
    for name, exp in EXPECTED.items():
        assert hashlib.sha256((GOLDEN / name).read_bytes()).hexdigest() == exp["sha256"], name
        assert v2.parse_header((GOLDEN / name).read_bytes()).validity, name
    assert {"generated-stream"} <= set(STREAMS)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.count(".") == 1))
def test_golden_independent_payload_decodes(name):
    assert _seen(batchkit.decompress((GOLDEN / name).read_bytes())) == _want(name)


@pytest.mark.parametrize("stream", STREAMS)
def test_golden_stream_decodes_in_order_and_from_every_keyframe(stream):
    check_stream_from_every_keyframe(GOLDEN, EXPECTED, stream, _seen, _want)


#: Levels whose zstd parameters changed after the files were written (``default``: v2.TUNING, issue 22): the
#: committed file still decodes (the tests above); this is the sha256 of what the encoder makes today.
CHANGED_SINCE = {"default": "831d5124a13086a6085f601c24087968250ffd33a231fa5edefc753d24c0a829"}


def test_golden_generated_payloads_are_what_the_encoder_makes_today():
    """Determinism: the same batch, senders and level give the committed bytes."""
    from batchkit.corpora import generate_batch
    g = generate_batch(120, seed=5)
    for level in ("fast", "default", "max"):
        payload = batchkit.compress([t.raw for t in g], level=level, senders=[t.sender for t in g],
                                    profile="validity")
        if level in CHANGED_SINCE:
            assert hashlib.sha256(payload).hexdigest() == CHANGED_SINCE[level], level
        else:
            assert payload == (GOLDEN / f"generated-all-types-{level}.bk").read_bytes(), level
