"""batchkit.l1.blob: layout, strict decoding, KZG, blob directories."""

from __future__ import annotations

import hashlib
import json
import os
import random

import ckzg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchkit.l1 import blob
from batchkit.l1.blob import (
    BLOB_CAPACITY,
    BLOB_SIZE,
    BLS_MODULUS,
    MAX_BLOBS,
    MAX_BLOB_PAYLOAD_BYTES,
    USABLE_BYTES_PER_BLOB,
    blobs_needed,
    decode_blobs,
    encode_blobs,
)
from batchkit.errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError

THREE_BLOBS = 2 * USABLE_BYTES_PER_BLOB - 4 + 1  # one byte more than two blobs carry


def payload_of(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def mutated(blobs: list[bytes], index: int, offset: int, value: int) -> list[bytes]:
    out = [bytearray(b) for b in blobs]
    out[index][offset] = value
    return [bytes(b) for b in out]


def rejects(blobs, error=DecodeError, *, column=None, offset=None, match=None):
    with pytest.raises(error, match=match) as info:
        decode_blobs(blobs)
    if column is not None:
        assert info.value.column == column
    if offset is not None:
        assert info.value.offset == offset
    return info.value


# ----------------------------------------------------------------------------------------- constants

def test_capacity_constants_follow_from_254_bits_per_element():
    assert BLOB_SIZE == 4096 * 32 == 131072
    # 254 bits x 4096 elements / 8 = 130,048 bytes; 127 bytes per 4 elements x 1024 groups is the same.
    assert USABLE_BYTES_PER_BLOB == 254 * 4096 // 8 == 127 * 1024 == 130048
    assert BLOB_CAPACITY == 130048 - 4 == 130044 >= 130_000
    assert MAX_BLOBS == 64
    assert MAX_BLOB_PAYLOAD_BYTES == 64 * 130048 - 4 == 8_323_068 < 2**24


@pytest.mark.parametrize("n, expected", [
    (0, 1), (1, 1), (BLOB_CAPACITY, 1), (BLOB_CAPACITY + 1, 2),
    (2 * 130048 - 4, 2), (2 * 130048 - 3, 3), (MAX_BLOB_PAYLOAD_BYTES, 64),
])
def test_blobs_needed_at_the_edges(n, expected):
    assert blobs_needed(n) == expected


@pytest.mark.parametrize("bad", [-1, MAX_BLOB_PAYLOAD_BYTES + 1, 1.5, "3", True])
def test_blobs_needed_rejects_bad_sizes(bad):
    with pytest.raises(InputError):
        blobs_needed(bad)


# ------------------------------------------------------------------------------------------ round trip

@pytest.mark.parametrize("n", [0, 1, 30, 31, 127, 128, BLOB_CAPACITY, BLOB_CAPACITY + 1, THREE_BLOBS,
                               3 * USABLE_BYTES_PER_BLOB - 4])
def test_round_trip_on_bytes_bytearray_and_memoryview(n):
    p = payload_of(n, n)
    blobs = encode_blobs(p)
    assert len(blobs) == blobs_needed(n)
    assert all(isinstance(b, bytes) and len(b) == BLOB_SIZE for b in blobs)
    assert decode_blobs(blobs) == p
    assert decode_blobs([bytearray(b) for b in blobs]) == p
    assert decode_blobs(tuple(memoryview(b) for b in blobs)) == p
    sliced = [memoryview(b"\xee" + b + b"\xee")[1:-1] for b in blobs]
    assert decode_blobs(sliced) == p


def test_three_blob_payload_uses_three_blobs():
    assert len(encode_blobs(payload_of(THREE_BLOBS))) == 3


def test_encode_accepts_bytearray_and_memoryview_and_rejects_non_bytes():
    p = payload_of(500)
    assert encode_blobs(bytearray(p)) == encode_blobs(memoryview(p)) == encode_blobs(p)
    with pytest.raises(InputError):
        encode_blobs("text")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        encode_blobs(bytes(MAX_BLOB_PAYLOAD_BYTES + 1))


def test_layout_of_the_first_round_matches_the_docstring():
    # stream = 01 | 00 00 7b (length 123) | payload 01 02 .. 7b: exactly one 127-byte round.
    p = bytes(range(1, 124))
    b = encode_blobs(p)[0]
    stream = bytes([1, 0, 0, 123]) + p
    for j in range(4):
        assert b[32 * j + 1:32 * j + 32] == stream[31 * j:31 * j + 31]
    x = (stream[124] << 16) | (stream[125] << 8) | stream[126]  # = 121 << 16 | 122 << 8 | 123
    assert x == 0x797A7B
    assert [b[0], b[32], b[64], b[96]] == [(x >> 18) & 63, (x >> 12) & 63, (x >> 6) & 63, x & 63]
    assert [b[0], b[32], b[64], b[96]] == [0b011110, 0b010111, 0b101001, 0b111011]
    assert b[1] == blob.BLOB_VERSION == 1 and b[2:5] == b"\x00\x00\x7b"
    assert b[128:] == bytes(BLOB_SIZE - 128)


def test_every_element_is_a_canonical_field_element_even_for_ff_payloads():
    for b in encode_blobs(b"\xff" * (BLOB_CAPACITY + 10)):
        tops = b[0::32]
        assert max(tops) <= 0x3F
        assert all(int.from_bytes(b[i:i + 32], "big") < BLS_MODULUS for i in range(0, BLOB_SIZE, 32))


def test_encoding_is_deterministic():
    p = payload_of(200_000, 7)
    assert encode_blobs(p) == encode_blobs(bytes(p))


# --------------------------------------------------------------------------------------- rejections

def test_high_bits_set_is_rejected():
    blobs = encode_blobs(payload_of(1000))
    err = rejects(mutated(blobs, 0, 32 * 5, 0x40), column="blob[0]", offset=160, match="high bits")
    assert err.column == "blob[0]"
    rejects(mutated(blobs, 0, 32 * 4095, 0x72), offset=32 * 4095, match="high bits")  # < 0x73ed..: below p


def test_high_bits_in_a_later_blob_is_rejected_with_that_blob_named():
    blobs = encode_blobs(payload_of(THREE_BLOBS))
    rejects(mutated(blobs, 2, 32 * 9, 0x41), column="blob[2]", offset=32 * 9, match="high bits")


@pytest.mark.parametrize("value", [BLS_MODULUS, BLS_MODULUS + 1, 2**256 - 1])
def test_element_at_or_above_the_modulus_is_rejected(value):
    blobs = [bytearray(b) for b in encode_blobs(payload_of(10))]
    blobs[0][32 * 7:32 * 8] = value.to_bytes(32, "big")
    rejects([bytes(b) for b in blobs], column="blob[0]", offset=224, match="BLS modulus")


def test_nonzero_body_byte_after_the_payload_is_rejected():
    blobs = encode_blobs(payload_of(10))  # stream bytes 0..13 used
    # raw byte 40 = element 1, body byte 7 = stream byte 31 + 7 = 38.
    rejects(mutated(blobs, 0, 40, 1), column="blob[0]", offset=40, match="non-zero byte after")
    # the very last raw byte of the blob = element 4095 byte 31 = stream byte 127 * 1023 + 123.
    rejects(mutated(blobs, 0, BLOB_SIZE - 1, 1), offset=BLOB_SIZE - 1, match="non-zero byte after")


def test_nonzero_spare_bits_after_the_payload_are_rejected():
    blobs = encode_blobs(payload_of(10))
    # element 4*5+3 carries the low 6 bits of stream byte 127*5+126 of round 5.
    rejects(mutated(blobs, 0, 128 * 5 + 96, 0x01), column="blob[0]", match="non-zero byte after")
    # element 0 of round 0 carries the top 6 bits of stream byte 124, which is past a 10-byte payload.
    rejects(mutated(blobs, 0, 0, 0x01), offset=0, match="non-zero byte after")


def test_nonzero_byte_right_after_the_payload_in_the_last_blob_is_rejected():
    n = BLOB_CAPACITY + 5  # second blob carries 5 stream bytes
    blobs = encode_blobs(payload_of(n))
    assert decode_blobs(mutated(blobs, 1, 5, 0x99)) != payload_of(n)  # inside the payload: accepted
    rejects(mutated(blobs, 1, 6, 0x99), column="blob[1]", offset=6, match="non-zero byte after")


def test_trailing_empty_blob_is_rejected():
    blobs = encode_blobs(payload_of(100))
    empty = bytes(BLOB_SIZE)
    rejects(blobs + [empty], column="blob[1]", match="carries no payload")
    full = encode_blobs(payload_of(BLOB_CAPACITY))
    rejects(full + [empty], column="blob[1]", match="carries no payload")


@pytest.mark.parametrize("size", [0, 1, BLOB_SIZE - 1, BLOB_SIZE + 1, 2 * BLOB_SIZE])
def test_wrong_blob_size_is_rejected(size):
    good = encode_blobs(payload_of(BLOB_CAPACITY + 1))
    rejects([good[0], bytes(size)], column="blob[1]", match="exactly 131072")
    rejects([bytes(size)], column="blob[0]", match="exactly 131072")


@pytest.mark.parametrize("version", [0x00, 0x02, 0x3F])
def test_unknown_version_is_its_own_error(version):
    blobs = encode_blobs(payload_of(50))
    err = rejects(mutated(blobs, 0, 1, version), UnsupportedVersionError, column="blob[0]", offset=1)
    assert f"version {version}" in str(err)


def test_all_zero_blob_is_an_unknown_version():
    rejects([bytes(BLOB_SIZE)], UnsupportedVersionError)


def test_length_header_larger_than_the_blobs_is_rejected():
    one = encode_blobs(payload_of(10))
    # raw bytes 2..4 hold the u24 length (stream bytes 1..3).
    too_long = bytearray(one[0])
    too_long[2:5] = (BLOB_CAPACITY + 1).to_bytes(3, "big")
    rejects([bytes(too_long)], column="blob[0]", offset=2, match="declares 130045")
    over_limit = bytearray(one[0])
    over_limit[2:5] = b"\xff\xff\xff"
    err = rejects([bytes(over_limit)], LimitExceededError, offset=2)
    assert (err.value, err.limit) == (2**24 - 1, MAX_BLOB_PAYLOAD_BYTES)


def test_dropping_the_last_blob_is_rejected():
    blobs = encode_blobs(payload_of(THREE_BLOBS))
    rejects(blobs[:2], match="declares")
    rejects(blobs[:1], match="declares")


def test_reordered_blobs_are_rejected():
    blobs = encode_blobs(payload_of(THREE_BLOBS))
    with pytest.raises(DecodeError):
        decode_blobs([blobs[1], blobs[0], blobs[2]])


@pytest.mark.parametrize("bad", [[], b"\x00" * BLOB_SIZE, None, 5, "x", {0: b""}])
def test_non_lists_and_empty_lists_are_rejected(bad):
    with pytest.raises(DecodeError):
        decode_blobs(bad)


def test_non_bytes_items_are_rejected():
    rejects([12345], column="blob[0]", match="bytes-like")
    rejects(["a" * BLOB_SIZE], column="blob[0]")


def test_too_many_blobs_is_rejected_before_any_blob_is_read():
    # 65 objects that are not even blobs: the count is checked first.
    err = rejects([None] * (MAX_BLOBS + 1), LimitExceededError)
    assert (err.value, err.limit) == (65, 64)


def test_max_blobs_round_trip_and_bijection_at_the_limit():
    p = payload_of(MAX_BLOB_PAYLOAD_BYTES, 3)
    blobs = encode_blobs(p)
    assert len(blobs) == MAX_BLOBS
    assert decode_blobs(blobs) == p


# -------------------------------------------------------------------------------------------- property

_BASE = encode_blobs(payload_of(300, 11)) + []
_BASE2 = encode_blobs(payload_of(BLOB_CAPACITY + 300, 12))


def _check_bijective(blobs: list[bytes], decoder=decode_blobs) -> None:
    try:
        payload = decoder(blobs)
    except DecodeError:
        return
    assert encode_blobs(payload) == [bytes(b) for b in blobs]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from([_BASE, _BASE2, [bytes(BLOB_SIZE)]]),
       edits=st.lists(st.tuples(st.integers(0, 1), st.integers(0, BLOB_SIZE - 1), st.integers(0, 255)),
                      max_size=6),
       extra=st.integers(0, 2))
def test_mutated_blob_lists_decode_bijectively_or_raise_decode_error(base, edits, extra):
    blobs = [bytearray(b) for b in base] + [bytearray(BLOB_SIZE) for _ in range(extra)]
    for which, off, val in edits:
        blobs[which % len(blobs)][off] = val
    _check_bijective([bytes(b) for b in blobs])


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), count=st.integers(1, 3), mask=st.sampled_from([0xFF, 0x3F]),
       header=st.binary(min_size=4, max_size=4))
def test_arbitrary_blobs_decode_bijectively_or_raise_decode_error(seed, count, mask, header):
    rng = random.Random(seed)
    blobs = []
    for _ in range(count):
        b = bytearray(rng.randbytes(BLOB_SIZE))
        b[0::32] = bytes(t & mask for t in b[0::32])
        blobs.append(b)
    blobs[0][1:5] = header
    _check_bijective([bytes(b) for b in blobs])


def test_the_bijection_oracle_catches_a_planted_lenient_decoder():
    # A decoder that ignores trailing blobs accepts this list; the oracle must notice.
    def lenient(blobs):
        return decode_blobs(blobs[:1])

    blobs = encode_blobs(b"abc") + [bytes(BLOB_SIZE)]
    with pytest.raises(AssertionError):
        _check_bijective(blobs, lenient)
    _check_bijective(blobs)  # the real decoder rejects it


# ------------------------------------------------------------------------------------------------- KZG

@pytest.fixture(scope="module")
def setup():
    return blob._trusted_setup()


def test_trusted_setup_is_loaded_once(setup):
    assert blob._trusted_setup() is setup


def test_commitment_and_proof_verify_with_ckzg_directly(setup):
    b = encode_blobs(payload_of(5000, 1))[0]
    c = blob.commitment(b)
    assert len(c) == 48
    assert c == bytes(ckzg.blob_to_kzg_commitment(b, setup))
    p = blob.proof(b, c)
    assert len(p) == 48
    assert ckzg.verify_blob_kzg_proof(b, c, p, setup) is True
    assert blob.verify_blob(b, c, p) is True
    own = bytes(ckzg.compute_blob_kzg_proof(b, c, setup))
    assert ckzg.verify_blob_kzg_proof(b, c, own, setup) is True


def test_commitment_of_the_zero_blob_is_the_point_at_infinity():
    # The zero polynomial commits to the identity of G1, compressed as 0xc0 followed by 47 zero bytes.
    assert blob.commitment(bytes(BLOB_SIZE)) == b"\xc0" + bytes(47)


def test_versioned_hash_is_01_then_sha256_tail():
    c = blob.commitment(encode_blobs(b"hello")[0])
    assert blob.versioned_hash(c) == b"\x01" + hashlib.sha256(c).digest()[1:]
    assert len(blob.versioned_hash(c)) == 32
    with pytest.raises(DecodeError):
        blob.versioned_hash(c[:47])


def test_verify_blob_is_false_for_mismatches_and_garbage():
    b1 = encode_blobs(b"one")[0]
    b2 = encode_blobs(b"two")[0]
    c1, c2 = blob.commitment(b1), blob.commitment(b2)
    p1 = blob.proof(b1, c1)
    assert blob.verify_blob(b1, c1, p1)
    assert not blob.verify_blob(b2, c1, p1)
    assert not blob.verify_blob(b1, c2, p1)
    assert not blob.verify_blob(b1, c1, blob.proof(b2, c2))
    assert not blob.verify_blob(b1, b"\x00" * 48, p1)  # not a valid point
    assert not blob.verify_blob(b1, c1, p1[:47])
    assert not blob.verify_blob(b1[:-1], c1, p1)
    assert not blob.verify_blob(b"\xff" * BLOB_SIZE, c1, p1)


def test_commitment_rejects_non_canonical_blobs():
    b = bytearray(BLOB_SIZE)
    b[32 * 3:32 * 4] = BLS_MODULUS.to_bytes(32, "big")
    with pytest.raises(DecodeError, match="BLS modulus"):
        blob.commitment(bytes(b))
    with pytest.raises(DecodeError):
        blob.commitment(bytes(100))


# ------------------------------------------------------------------------------------- blob directories

def test_blob_dir_round_trip_with_proofs(tmp_path):
    p = payload_of(BLOB_CAPACITY + 1000, 5)
    out = tmp_path / "batch"
    manifest = blob.write_blob_dir(p, out, proofs=True)
    assert sorted(os.listdir(out)) == ["blob-000.bin", "blob-001.bin", "manifest.json"]
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest["version"] == 1 and manifest["payload_bytes"] == len(p)
    e0, e1 = manifest["blobs"]
    assert (e0["payload_bytes"], e1["payload_bytes"]) == (BLOB_CAPACITY, 1000)
    assert e0["fill"] == 1.0 and e1["fill"] == round(1000 / 130048, 6)
    b0 = (out / "blob-000.bin").read_bytes()
    c0 = bytes.fromhex(e0["commitment"][2:])
    assert e0["versioned_hash"] == "0x" + (b"\x01" + hashlib.sha256(c0).digest()[1:]).hex()
    assert blob.verify_blob(b0, c0, bytes.fromhex(e0["proof"][2:]))
    assert blob.read_blob_dir(out) == p
    assert not [n for n in os.listdir(tmp_path) if n != "batch"]  # no temp dir left


def test_blob_dir_without_proofs_and_into_an_empty_directory(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    manifest = blob.write_blob_dir(b"", out)
    assert "proof" not in manifest["blobs"][0]
    assert blob.read_blob_dir(str(out)) == b""


def test_blob_dir_refuses_a_non_empty_target(tmp_path):
    out = tmp_path / "full"
    out.mkdir()
    (out / "x").write_text("keep")
    with pytest.raises(FileExistsError):
        blob.write_blob_dir(b"abc", out)
    assert (out / "x").read_text() == "keep"


def test_failed_write_leaves_no_directory(tmp_path, monkeypatch):
    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(blob.os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        blob.write_blob_dir(b"abc", tmp_path / "out")
    assert os.listdir(tmp_path) == []


@pytest.fixture()
def blob_dir(tmp_path):
    out = tmp_path / "d"
    blob.write_blob_dir(payload_of(BLOB_CAPACITY + 50, 9), out, proofs=True)
    return out


def _edit_manifest(d, fn):
    m = json.loads((d / "manifest.json").read_text())
    fn(m)
    (d / "manifest.json").write_text(json.dumps(m))


def test_read_rejects_a_blob_that_does_not_match_its_versioned_hash(blob_dir):
    b = bytearray((blob_dir / "blob-001.bin").read_bytes())
    b[10] ^= 0x01  # still a valid blob (inside the payload), different data
    (blob_dir / "blob-001.bin").write_bytes(bytes(b))
    with pytest.raises(DecodeError, match="commitment|versioned hash"):
        blob.read_blob_dir(blob_dir)
    _edit_manifest(blob_dir, lambda m: [e.pop("commitment") for e in m["blobs"]])
    with pytest.raises(DecodeError, match="versioned hash"):
        blob.read_blob_dir(blob_dir)


def test_read_rejects_a_bad_proof(blob_dir):
    def swap(m):
        m["blobs"][0]["proof"] = m["blobs"][1]["proof"]
    _edit_manifest(blob_dir, swap)
    with pytest.raises(DecodeError, match="proof"):
        blob.read_blob_dir(blob_dir)


def test_read_refuses_an_oversized_blob_file_without_reading_it(blob_dir):
    with open(blob_dir / "blob-000.bin", "r+b") as f:
        f.truncate(1 << 40)  # sparse: reading it would take forever
    with pytest.raises(DecodeError, match="exactly 131072"):
        blob.read_blob_dir(blob_dir)


def test_read_rejects_a_short_blob_file(blob_dir):
    (blob_dir / "blob-001.bin").write_bytes(bytes(BLOB_SIZE - 1))
    with pytest.raises(DecodeError, match="exactly 131072"):
        blob.read_blob_dir(blob_dir)


@pytest.mark.parametrize("edit, error, match", [
    (lambda m: m.update(version=2), UnsupportedVersionError, "version 2"),
    (lambda m: m.update(version="1"), DecodeError, "version"),
    (lambda m: m.update(payload_bytes=5), DecodeError, "payload bytes"),
    (lambda m: m.update(blobs=[]), DecodeError, "non-empty"),
    (lambda m: m.update(blobs=m["blobs"] * 33), LimitExceededError, "blob count"),
    (lambda m: m["blobs"][0].update(file="../blob-000.bin"), DecodeError, "blob-000.bin"),
    (lambda m: m["blobs"].reverse(), DecodeError, "blob-000.bin"),
    (lambda m: m["blobs"][0].update(versioned_hash="0x1234"), DecodeError, "hex"),
    (lambda m: m["blobs"][1].update(payload_bytes=49), DecodeError, "carries"),
    (lambda m: m["blobs"].pop(), DecodeError, "declares"),
])
def test_read_rejects_bad_manifests(blob_dir, edit, error, match):
    _edit_manifest(blob_dir, edit)
    with pytest.raises(error, match=match):
        blob.read_blob_dir(blob_dir)


def test_read_rejects_missing_files_and_bad_json(blob_dir, tmp_path):
    os.remove(blob_dir / "blob-001.bin")
    with pytest.raises(DecodeError, match="cannot read"):
        blob.read_blob_dir(blob_dir)
    (blob_dir / "manifest.json").write_text("{not json")
    with pytest.raises(DecodeError, match="JSON"):
        blob.read_blob_dir(blob_dir)
    (blob_dir / "manifest.json").write_text("[1]")
    with pytest.raises(DecodeError, match="object"):
        blob.read_blob_dir(blob_dir)
    with pytest.raises(DecodeError):
        blob.read_blob_dir(tmp_path / "nowhere")
    with open(blob_dir / "manifest.json", "wb") as f:
        f.truncate(blob.MAX_MANIFEST_BYTES + 1)
    with pytest.raises(LimitExceededError):
        blob.read_blob_dir(blob_dir)


def test_loading_the_trusted_setup_leaves_the_recursion_limit_alone():
    # eth_account's py_ecc raises the limit to 100,000 at import, after which deeply nested input overflows
    # the C stack instead of raising RecursionError: the setup file is found without importing eth_account.
    import subprocess
    import sys
    code = ("import sys\n"
            "from batchkit.l1 import blob\n"
            "before = sys.getrecursionlimit()\n"
            "blob.commitment(blob.encode_blobs(b'x')[0])\n"
            "print(before, sys.getrecursionlimit(), 'eth_account' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == out[1] and out[2] == "False"


def test_blob_directory_gets_the_mode_mkdir_gives(tmp_path):
    blob.write_blob_dir(b"payload", tmp_path / "d")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "d").st_mode & 0o777 == 0o777 & ~umask
