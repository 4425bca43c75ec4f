"""The re-sealing fuzz targets (fuzz/fuzz_stream_sealed.py, fuzz_validity.py, fuzz_blobstream_sealed.py):
they import, pass their seeds and mutated seeds, and a planted bug that only a payload past its checksum
reaches is found by the re-sealing target and missed by the plain one."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

from batchkit.format import v2  # noqa: E402

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
SEEDS = FUZZ / "seeds"
sys.path.insert(0, str(FUZZ))
import _common  # noqa: E402 - the fuzz helpers, on the path just set
from hostile_helpers import join_stream_input, reseal_blobstream, reseal_stream, split_stream_input  # noqa: E402


def _target(name: str):
    spec = importlib.util.spec_from_file_location(f"target_{name}", FUZZ / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(3)
        if op == 0 and b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            del b[rng.randrange(len(b))]
        else:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
    return bytes(b)


@pytest.mark.parametrize("name, seeds, runs", [("fuzz_stream_sealed", "stream", 40), ("fuzz_validity", "validity", 40),
                                               ("fuzz_blobstream_sealed", "blobstream", 6)])
def test_the_targets_run_their_seeds_and_mutations(name, seeds, runs):
    target = _target(name)
    files = sorted((SEEDS / seeds).iterdir())
    assert files
    rng = random.Random(21)
    for f in files:
        target.TestOneInput(f.read_bytes())
    for _ in range(runs):
        target.TestOneInput(_mutate(rng.choice(files).read_bytes(), rng))


def test_resealing_fixes_checksum_and_parent_so_payloads_decode_again():
    data = sorted((SEEDS / "stream").iterdir())[0].read_bytes()
    payloads = split_stream_input(data)
    assert reseal_stream(payloads) == payloads  # well-formed input is left as it is
    broken = [payloads[0]] + [p[:-1] + bytes([p[-1] ^ 1]) for p in payloads[1:]]
    assert reseal_stream(broken) == payloads
    bs = sorted((SEEDS / "blobstream").iterdir())[0].read_bytes()
    datas = _common.split_blobs(bs[1:])  # the blob stream targets' cutting
    assert reseal_blobstream(datas) == datas


def _stream_seed(validity: bool) -> list[bytes]:
    for f in sorted((SEEDS / ("validity" if validity else "stream")).iterdir()):
        payloads = split_stream_input(f.read_bytes())
        if len(payloads) >= 3 and all(v2.parse_header(p).seq == i for i, p in enumerate(payloads[:3])):
            return payloads
    raise AssertionError("no seed with a keyframe and two children")


@pytest.mark.parametrize("validity", [False, True], ids=["stream", "validity"])
def test_a_planted_bug_past_the_checksum_is_found_only_by_the_resealing_target(monkeypatch, validity):
    payloads = _stream_seed(validity)
    h = v2.parse_header(payloads[1])
    bad = bytearray(payloads[1])
    bad[h.header_len + h.len_a + h.len_b - 1] ^= 0x55  # the last block of body_b; the CRC now fails
    data = join_stream_input([payloads[0], bytes(bad), payloads[1], payloads[2]])
    sealed = _target("fuzz_validity" if validity else "fuzz_stream_sealed")
    plain = _target("fuzz_stream")
    sealed.TestOneInput(data)
    if not validity:
        plain.TestOneInput(data)
    real = v2._Segment.ready_decoders

    def no_rebuild(self):
        if self.decoders is None:
            self.decoders = self.fresh_decoders()  # planted bug: a rejected payload's blocks stay fed
        return real(self)

    monkeypatch.setattr(v2._Segment, "ready_decoders", no_rebuild)
    with pytest.raises(AssertionError, match="changed the decoder's state|re-encode|escaped"):
        sealed.TestOneInput(data)
    if not validity:
        plain.TestOneInput(data)  # stops at the checksum: the plain target cannot see the bug
