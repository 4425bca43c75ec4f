"""Golden v1 payloads decode forever (rows 18-19), and encoding is deterministic across hash seeds.

The payloads under ``tests/golden/v1`` were written once by ``tests/golden/make_golden.py``; these tests only
read them. A failure here means the decoder changed what committed bytes mean: that is a new format version,
not a reason to regenerate the vectors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import batchkit
from batchkit.format import _pure
from batchkit.format._backend import core
from batchkit.format import v1
from batchkit.tx import keccak256

from hostile_helpers import ROOT, _core, payload_oracle

GOLDEN = Path(__file__).parent / "golden" / "v1"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())


def test_golden_set_is_complete():
    names = {p.name for p in GOLDEN.glob("*.bk")}
    assert names == set(EXPECTED)
    assert {"generated-all-types-fast.bk", "generated-all-types-default.bk"} <= names


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_payload_decodes_to_the_recorded_transactions(name):
    payload = (GOLDEN / name).read_bytes()
    assert hashlib.sha256(payload).hexdigest() == EXPECTED[name]["sha256"], "a golden file was modified"
    txs = batchkit.decompress(payload)
    assert ["0x" + keccak256(t).hex() for t in txs] == EXPECTED[name]["tx_hashes"]
    backends = [_pure] + ([_core] if _core is not None else [])
    p = v1.parse(payload)
    for backend in backends:
        out, groups = backend.assemble(p.n, p.chain, p.streams)
        assert out == txs
        assert payload_oracle(payload, v1.decode, v1.parse, backend.disassemble) is None


def test_golden_vectors_cover_every_envelope_type():
    types = set()
    for name in EXPECTED:
        for t in batchkit.decompress((GOLDEN / name).read_bytes()):
            types.add(t[0] if t[0] < 0xC0 else 0)
    assert types == {0, 1, 2, 3, 4}


ENCODE_SNIPPET = """
import hashlib, sys
from batchkit.corpora import generate_batch
import batchkit
g = generate_batch(150, seed=9)
txs = [t.raw for t in g]
out = []
for level in ("fast", "default", "max"):
    out.append(hashlib.sha256(batchkit.compress(txs, level=level)).hexdigest())
print(" ".join(out))
"""


def test_encoding_is_identical_under_different_hash_seeds():
    digests = set()
    for seed in ("0", "1", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": ROOT}
        proc = subprocess.run([sys.executable, "-c", ENCODE_SNIPPET], capture_output=True, text=True, env=env,
                              timeout=120, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-2000:]
        digests.add(proc.stdout.strip())
    assert len(digests) == 1, digests


def test_both_backends_encode_identical_bytes():
    from batchkit.corpora import generate_batch
    txs = [t.raw for t in generate_batch(150, seed=9)]
    labels = list(range(len(txs)))
    assert _pure.disassemble(txs, labels) == core.disassemble(txs, labels)
