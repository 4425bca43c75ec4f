"""batchkit.l1.calldata: framing a payload as transaction data, and strict reassembly."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit.l1 import calldata
from batchkit.l1.calldata import MAX_FRAME_PAYLOAD, MAX_FRAME_SIZE, MAX_FRAMES, frame, frames_needed, unframe
from batchkit.l1.cost import calldata_gas
from batchkit.errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError

M = MAX_FRAME_PAYLOAD


def payload_of(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def rejects(frames, error=DecodeError, *, match=None, column=None, offset=None):
    with pytest.raises(error, match=match) as info:
        unframe(frames)
    if column is not None:
        assert info.value.column == column
    if offset is not None:
        assert info.value.offset == offset
    return info.value


def split() -> list[bytes]:
    """Three frames: two full ones and a last one carrying 10 bytes."""
    return frame(payload_of(2 * M + 10))


# ----------------------------------------------------------------------------------------- constants

def test_frame_size_is_derived_from_the_7825_cap_at_the_7623_floor():
    # 2^24 = 16,777,216 gas; minus 21,000 intrinsic = 16,756,216; at 40 gas per non-zero byte:
    # 16,756,216 // 40 = 418,905 bytes (418,905 x 40 = 16,756,200; 16 gas spare).
    assert calldata.TX_GAS_CAP == 16_777_216
    assert MAX_FRAME_SIZE == 16_756_216 // 40 == 418_905
    assert 21_000 + 40 * 418_905 == 16_777_200 <= 2**24 < 21_000 + 40 * 418_906
    assert MAX_FRAME_PAYLOAD == 418_905 - 3 == 418_902
    assert MAX_FRAMES == 64
    assert calldata.MAX_CALLDATA_PAYLOAD_BYTES == 64 * 418_902


def test_worst_case_frames_fit_one_transaction_at_the_floor():
    for f in frame(b"\xff" * (M + 1)) + frame(b"\xff" * M):
        assert len(f) <= MAX_FRAME_SIZE
        assert calldata_gas(f, fork="bpo2") <= 2**24
    assert calldata_gas(b"\xff" * (MAX_FRAME_SIZE + 1), fork="bpo2") > 2**24


@pytest.mark.parametrize("n, expected", [(0, 1), (1, 1), (M, 1), (M + 1, 2), (2 * M, 2), (2 * M + 1, 3),
                                         (64 * M, 64)])
def test_frames_needed_at_the_edges(n, expected):
    assert frames_needed(n) == expected


@pytest.mark.parametrize("bad", [-1, 64 * M + 1, 2.0, None])
def test_frames_needed_and_frame_reject_bad_sizes(bad):
    with pytest.raises(InputError):
        frames_needed(bad)


def test_frame_rejects_non_bytes_and_oversized_payloads():
    with pytest.raises(InputError):
        frame("abc")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        frame(bytes(64 * M + 1))


# ------------------------------------------------------------------------------------------ round trip

def test_golden_frames():
    assert frame(b"") == [b"\x01"]
    assert frame(b"abc") == [b"\x01abc"]
    p = payload_of(M + 2)
    assert frame(p) == [b"\x81\x00\x02" + p[:M], b"\x81\x01\x02" + p[M:]]


@pytest.mark.parametrize("n", [0, 1, 1000, M - 1, M, M + 1, 2 * M, 2 * M + 1, 3 * M + 17])
def test_round_trip_on_bytes_bytearray_and_memoryview(n):
    p = payload_of(n, n)
    frames = frame(p)
    assert len(frames) == frames_needed(n)
    assert unframe(frames) == p
    assert unframe([bytearray(f) for f in frames]) == p
    assert unframe(tuple(memoryview(f) for f in frames)) == p
    assert frame(bytearray(p)) == frames


def test_split_at_the_limit_and_one_past():
    at = frame(payload_of(M))
    assert len(at) == 1 and len(at[0]) == M + 1
    past = frame(payload_of(M + 1))
    assert [len(f) for f in past] == [MAX_FRAME_SIZE, 3 + 1]
    assert [f[:3] for f in past] == [b"\x81\x00\x02", b"\x81\x01\x02"]


def test_largest_payload_round_trips_in_64_frames():
    p = payload_of(64 * M, 1)
    frames = frame(p)
    assert len(frames) == 64 and frames[-1][:3] == b"\x81\x3f\x40"
    assert unframe(frames) == p


# --------------------------------------------------------------------------------------- rejections

@pytest.mark.parametrize("bad", [[], None, b"\x01abc", "x", {0: b"\x01"}])
def test_non_lists_and_empty_lists_are_rejected(bad):
    rejects(bad)


def test_empty_frame_is_rejected():
    rejects([b""], match="version byte", column="frame[0]", offset=0)


def test_non_bytes_frame_is_rejected():
    rejects([42], match="bytes-like", column="frame[0]")


@pytest.mark.parametrize("first", [0x00, 0x02, 0x7F, 0x80, 0x82, 0xFF])
def test_unknown_version_is_its_own_error(first):
    rejects([bytes([first]) + b"abc"], UnsupportedVersionError, column="frame[0]", offset=0)
    frames = split()
    rejects([frames[0], bytes([first]) + frames[1][1:], frames[2]], UnsupportedVersionError, column="frame[1]")


def test_single_frame_must_travel_alone():
    rejects([b"\x01abc", b"\x01def"], match="alone")
    frames = split()
    rejects([frames[0], b"\x01abc", frames[2]], match="alone", column="frame[1]")


def test_single_frame_with_trailing_bytes_is_rejected():
    rejects([b"\x01" + bytes(M + 1)], match="trailing bytes", offset=1 + M)
    assert unframe([b"\x01" + bytes(M)]) == bytes(M)


def test_frame_over_the_gas_cap_is_rejected_before_copying():
    err = rejects([bytes(MAX_FRAME_SIZE + 1)], LimitExceededError)
    assert (err.value, err.limit) == (MAX_FRAME_SIZE + 1, MAX_FRAME_SIZE)
    frames = split()
    rejects([frames[0], frames[1] + b"\x00", frames[2]], LimitExceededError, column="frame[1]")


def test_too_many_frames_is_rejected_before_reading_them():
    err = rejects([None] * (MAX_FRAMES + 1), LimitExceededError)
    assert (err.value, err.limit) == (65, 64)


@pytest.mark.parametrize("count", [0, 1])
def test_split_count_below_two_is_rejected(count):
    rejects([bytes([0x81, 0, count]) + b"abc"], match="at least 2", offset=2)


def test_split_count_above_the_limit_is_rejected():
    err = rejects([bytes([0x81, 0, 65]) + bytes(M)], LimitExceededError, offset=2)
    assert (err.value, err.limit) == (65, 64)


def test_truncated_split_header_is_rejected():
    rejects([b"\x81"], match="truncated")
    rejects([b"\x81\x00"], match="truncated")


def test_inconsistent_counts_are_rejected():
    a, b, c = split()
    rejects([a, b[:2] + b"\x04" + b[3:], c], match="inconsistent", column="frame[1]", offset=2)


def test_duplicate_frame_is_rejected():
    a, b, c = split()
    rejects([a, a, c], match="duplicate", column="frame[1]", offset=1)
    rejects([a, b, b], match="duplicate", column="frame[2]")


def test_out_of_order_frames_are_rejected():
    a, b, c = split()
    rejects([b, a, c], match="out of order", column="frame[0]")
    rejects([a, c, b], match="out of order", column="frame[1]")


def test_missing_frames_are_rejected():
    a, b, c = split()
    rejects([a, b], match="missing frames: got 2 of 3")
    rejects([a, c], match="out of order or missing", column="frame[1]")
    rejects([a], match="missing frames")


def test_index_beyond_count_is_rejected():
    a, b, c = split()
    extra = bytes([0x81, 3, 3]) + b"x"
    rejects([a, b, c, extra], match="out of range", column="frame[3]", offset=1)


def test_short_frame_before_the_last_is_rejected():
    a, b, c = split()
    rejects([a[:-1], b, c], match="exactly 418902", column="frame[0]")


def test_empty_last_chunk_is_rejected():
    a, b = frame(payload_of(M + 1))
    assert b == b"\x81\x01\x02" + b[3:] and len(b) == 4
    rejects([a, b[:3]], match="carries no bytes", column="frame[1]", offset=3)


def test_every_truncation_of_a_split_payload_is_rejected():
    a, b, c = split()
    for cut in list(range(0, 12)) + list(range(len(a) - 5, len(a))):
        with pytest.raises(DecodeError):
            unframe([a[:cut], b, c])
        with pytest.raises(DecodeError):
            unframe([a, b[:cut], c])
    for cut in range(0, 4):
        with pytest.raises(DecodeError):
            unframe([a, b, c[:cut]])


# -------------------------------------------------------------------------------------------- property

@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=5))
def test_arbitrary_frames_unframe_bijectively_or_raise_decode_error(frames):
    try:
        payload = unframe(frames)
    except DecodeError:
        return
    assert frame(payload) == frames


@settings(max_examples=40, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5), st.integers(0, 255)), min_size=1,
                      max_size=3))
def test_header_edits_of_split_frames_unframe_bijectively_or_raise(edits):
    frames = [bytearray(f) for f in _SPLIT]
    for which, off, val in edits:
        frames[which][off] = val
    try:
        payload = unframe(frames)
    except DecodeError:
        return
    assert frame(payload) == [bytes(f) for f in frames]


_SPLIT = frame(payload_of(2 * M + 10, 4))
