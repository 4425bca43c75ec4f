"""batchkit.l1.blobstream: round trips of real payloads, full blobs, strict decoding of hostile blobs, starting
mid-way, stream directories with KZG, and a reference decoder written from the grammar alone."""

from __future__ import annotations

import functools
import json
import os
import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import batchkit
from batchkit import limits
from batchkit.l1 import blob, blobstream as bs
from batchkit.l1.blobstream import (BODY_SIZE, HEADER_SIZE, LENGTH_SIZE, MAX_STREAM_PAYLOAD_BYTES, NO_PAYLOAD_START,
                                 BlobStreamDecoder, BlobStreamEncoder, decode_stream, encode_stream,
                                 stream_blobs_needed)
from batchkit.errors import (BlobOrderError, BlobStreamError, DecodeError, DuplicateBlobError,
                             IncompletePayloadError, InputError, LimitExceededError, MissingBlobError,
                             OrphanPieceError, PieceBoundaryError, TrailingBytesError, UnsupportedVersionError,
                             VerificationError)


def payloads_of(sizes, seed=0) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(n) for n in sizes]


def datas(sblobs) -> list[bytes]:
    """The unpacked 130,048 data bytes of each encoder blob."""
    return [blob.unpack_data(b.blob) for b in sblobs]


def header(data: bytes) -> tuple[int, int, int, int, int]:
    return (data[0], int.from_bytes(data[1:5], "big"), int.from_bytes(data[5:9], "big"),
            int.from_bytes(data[9:12], "big"), int.from_bytes(data[12:15], "big"))


def with_header(data: bytes, *, version=None, index=None, payload_index=None, first=None, used=None) -> bytes:
    d = bytearray(data)
    if version is not None:
        d[0] = version
    for value, at, size in ((index, 1, 4), (payload_index, 5, 4), (first, 9, 3), (used, 12, 3)):
        if value is not None:
            d[at:at + size] = value.to_bytes(size, "big")
    return bytes(d)


def feed_all(items, *, data=True, **kw) -> tuple[list, BlobStreamDecoder]:
    dec = BlobStreamDecoder(**kw)
    out = []
    for x in items:
        out += dec.feed_data(x) if data else dec.feed(x)
    dec.finish()
    return out, dec


def reencode(datas_in: list[bytes]) -> list[bytes]:
    """Decode strictly from the start and encode the payloads again with the same first indexes and the same
    flush points (after each blob that is not full): the canonical encoding of what was accepted."""
    dec = BlobStreamDecoder()
    enc = None
    out = []
    for d in datas_in:
        got = dec.feed_data(d)
        lay = dec.last_layout
        if enc is None:
            enc = BlobStreamEncoder(first_blob=lay.index, first_payload=lay.payload_index)
        for p in got:
            out += enc.add(p.data)
        if not lay.full:
            out += enc.flush()
    dec.finish()
    assert enc.pending == 0
    return datas(out)


# -------------------------------------------------------------------------- reference decoder (the grammar)

def reference_decode(datas_in: list[bytes]) -> list[bytes]:
    """The grammar of the module docstring, read whole: split into runs (a run ends at a blob that is not
    full), parse each run as records, then check every header field against what the records imply. Raises
    ValueError on anything the grammar does not allow; shares no code with BlobStreamDecoder."""
    if not datas_in:
        return []
    runs, run = [], []
    for d in datas_in:
        if len(d) != 130048 or d[0] != 2:
            raise ValueError("size or version")
        used = int.from_bytes(d[12:15], "big")
        if not 1 <= used <= 130033 or any(d[15 + used:]):
            raise ValueError("used or padding")
        run.append(d)
        if used < 130033:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    payloads = []
    index0 = int.from_bytes(datas_in[0][1:5], "big")
    count = int.from_bytes(datas_in[0][5:9], "big")
    blob_no = 0
    for run in runs:
        stream = b"".join(d[15:15 + int.from_bytes(d[12:15], "big")] for d in run)
        starts, pos = [], 0
        while pos < len(stream):
            if pos + 4 > len(stream):
                raise ValueError("cut length")
            n = int.from_bytes(stream[pos:pos + 4], "big")
            if not 1 <= n <= MAX_STREAM_PAYLOAD_BYTES or pos + 4 + n > len(stream):
                raise ValueError("bad length")
            starts.append(pos)
            payloads.append(stream[pos + 4:pos + 4 + n])
            pos += 4 + n
        lo = 0
        for d in run:
            used = int.from_bytes(d[12:15], "big")
            inside = [s - lo for s in starts if lo <= s < lo + used]
            want_first = inside[0] if inside else 0xFFFFFF
            begun_before = sum(1 for s in starts if s < lo)
            if (int.from_bytes(d[1:5], "big") != index0 + blob_no or int.from_bytes(d[9:12], "big") != want_first
                    or int.from_bytes(d[5:9], "big") != count + begun_before):
                raise ValueError("header")
            lo += used
            blob_no += 1
        count += len(starts)
    return payloads


def differential(datas_in: list[bytes]) -> str:
    """BlobStreamDecoder and the reference agree on accept/reject and on the payloads; an accepted stream is the
    canonical encoding of its payloads. Only DecodeError may escape the decoder."""
    try:
        got = [p.data for p in feed_all(datas_in)[0]]
    except DecodeError:
        got = None
    try:
        want = reference_decode(datas_in)
    except ValueError:
        want = None
    assert got == want, "decoder and reference disagree"
    if got is None:
        return "rejected"
    assert reencode(datas_in) == list(datas_in), "accepted blobs are not the canonical encoding"
    return "accepted"


@pytest.fixture(scope="module")
def mainnet_payloads(mainnet_batches) -> list[bytes]:
    """v1 payloads of the mainnet batches (the posting layer treats them as opaque bytes)."""
    return [batchkit.compress(b, recover=False, version=1) for b in mainnet_batches]


# ------------------------------------------------------------------------------------------- constants

def test_layout_constants():
    assert HEADER_SIZE == 1 + 4 + 4 + 3 + 3 == 15
    assert BODY_SIZE == blob.USABLE_BYTES_PER_BLOB - 15 == 130_033
    assert LENGTH_SIZE == 4
    assert NO_PAYLOAD_START == 0xFFFFFF > BODY_SIZE
    assert MAX_STREAM_PAYLOAD_BYTES == limits.MAX_PAYLOAD_BYTES == 16 << 20
    assert bs.MAX_BLOBS_PER_TX == 6
    assert bs.STREAM_VERSION != blob.BLOB_VERSION


@pytest.mark.parametrize("sizes, blobs", [
    ([1], 1), ([BODY_SIZE - 4], 1), ([BODY_SIZE - 3], 2), ([BODY_SIZE - 8, 1], 2), ([BODY_SIZE - 9, 1], 1),
    ([100] * 1000, 1), ([100] * 1400, 2), ([MAX_STREAM_PAYLOAD_BYTES], 130), ([], 0),
])
def test_blobs_needed(sizes, blobs):
    assert stream_blobs_needed(sizes) == blobs


# ------------------------------------------------------------------------------------- real round trips

def test_real_payloads_round_trip_and_every_blob_but_the_last_is_full(mainnet_payloads, mainnet_batches):
    sblobs = encode_stream(mainnet_payloads)
    assert len(sblobs) == stream_blobs_needed(map(len, mainnet_payloads))
    assert all(b.layout.used == BODY_SIZE for b in sblobs[:-1])
    assert 0 < sblobs[-1].layout.used <= BODY_SIZE
    assert [b.index for b in sblobs] == list(range(len(sblobs)))
    assert any(p.begins and not p.ends for b in sblobs for p in b.layout.pieces)  # some payloads span blobs
    assert any(len(b.layout.pieces) > 2 for b in sblobs)                        # some blobs hold several
    decoded = decode_stream(b.blob for b in sblobs)
    assert decoded == mainnet_payloads
    for payload, batch in zip(decoded, mainnet_batches):
        assert batchkit.decompress(payload) == batch
    # Framing costs 4 bytes a payload (in the bodies) and the 15-byte header of each blob, nothing else.
    assert sum(b.layout.used for b in sblobs) == sum(len(p) for p in mainnet_payloads) + 4 * len(mainnet_payloads)


def test_v2_stream_payloads_ride_the_blob_stream_and_decode_in_order(mainnet_batches):
    # Payloads with history (v2, each naming its parent) are opaque to the blob stream: the blob decoder
    # hands them over in stream order, and the v2 decoder takes them one by one as they come.
    enc = batchkit.StreamEncoder(keyframe_every=8)
    payloads = [enc.compress(b, recover=False) for b in mainnet_batches[:30]]
    sblobs = encode_stream(payloads)
    assert all(b.layout.full for b in sblobs[:-1])
    dec, v2 = BlobStreamDecoder(), batchkit.StreamDecoder()
    txs = []
    for b in sblobs:
        for p in dec.feed(b.blob):
            txs += v2.decompress(p.data)
    dec.finish()
    assert txs == [tx for b in mainnet_batches[:30] for tx in b]


def test_payloads_yielded_as_soon_as_their_last_piece_arrives(mainnet_payloads):
    sblobs = encode_stream(mainnet_payloads)
    dec = BlobStreamDecoder()
    seen = 0
    for b in sblobs:
        got = dec.feed(b.blob)
        ends = [p.payload for p in b.layout.pieces if p.ends]
        assert [p.index for p in got] == ends
        for p in got:
            assert p.data == mainnet_payloads[p.index] and p.last_blob == b.index
            first_piece = next(x for sb in sblobs for x in sb.layout.pieces if x.payload == p.index)
            assert p.first_blob == next(sb.index for sb in sblobs if first_piece in sb.layout.pieces)
        seen += len(got)
    assert seen == len(mainnet_payloads)


def test_encoder_returns_blobs_as_they_fill(mainnet_payloads):
    enc = BlobStreamEncoder()
    total = 0
    for p in mainnet_payloads:
        before = enc.pending
        got = enc.add(p)
        assert len(got) == (before + 4 + len(p)) // BODY_SIZE
        assert enc.pending == (before + 4 + len(p)) % BODY_SIZE
        total += len(got)
    assert enc.flush()[0].layout.used == enc_pending_was(total, mainnet_payloads)
    assert enc.flush() == []


def enc_pending_was(total_blobs, payloads):
    return sum(4 + len(p) for p in payloads) - total_blobs * BODY_SIZE


def test_byte_inputs_of_every_kind():
    p = payloads_of([5000])[0]
    ref = encode_stream([p])[0].blob
    assert encode_stream([bytearray(p)])[0].blob == ref
    assert encode_stream([memoryview(b"xx" + p)[2:]])[0].blob == ref
    dec = BlobStreamDecoder()
    assert [x.data for x in dec.feed(bytearray(ref))] == [p]
    assert [x.data for x in BlobStreamDecoder().feed(memoryview(b"\0" + ref)[1:])] == [p]


def test_same_payloads_same_bytes():
    ps = payloads_of([70_000, 200_000, 3, 130_000], seed=3)
    assert [b.blob for b in encode_stream(ps)] == [b.blob for b in encode_stream(ps)]


def test_encoder_rejects_bad_payloads_and_positions():
    enc = BlobStreamEncoder()
    for bad in (b"", 5, "text", None):
        with pytest.raises(InputError):
            enc.add(bad)
    with pytest.raises(InputError):
        stream_blobs_needed([MAX_STREAM_PAYLOAD_BYTES + 1])
    for kw in ({"first_blob": -1}, {"first_blob": 2**32}, {"first_payload": True}, {"first_payload": 1.0}):
        with pytest.raises(InputError):
            BlobStreamEncoder(**kw)
    near = BlobStreamEncoder(first_blob=bs.MAX_BLOB_INDEX)
    assert near.add(b"x" * 100) == []
    with pytest.raises(InputError):
        near.add(b"x" * BODY_SIZE)      # would need blob 2^32
    assert near.pending == 104          # the refused payload left nothing behind
    last = near.flush()[0]
    assert last.index == bs.MAX_BLOB_INDEX
    assert decode_stream([last.blob]) == [b"x" * 100]


def test_a_stream_can_continue_from_any_position():
    ps = payloads_of([90_000, 90_000, 90_000], seed=4)
    sblobs = encode_stream(ps, first_blob=1000, first_payload=77)
    assert [b.index for b in sblobs] == [1000, 1001, 1002]
    out, _ = feed_all([b.blob for b in sblobs], data=False)
    assert [(p.index, p.data) for p in out] == list(zip([77, 78, 79], ps))


def test_flush_closes_a_blob_and_the_next_begins_with_a_payload():
    ps = payloads_of([1000, 200_000, 50], seed=5)
    enc = BlobStreamEncoder()
    sblobs = enc.add(ps[0]) + enc.flush() + enc.add(ps[1]) + enc.flush() + enc.add(ps[2]) + enc.flush()
    used = [b.layout.used for b in sblobs]
    assert used == [1004, BODY_SIZE, 200_004 - BODY_SIZE, 54]
    assert [b.layout.first for b in sblobs] == [0, 0, None, 0]
    assert decode_stream([b.blob for b in sblobs]) == ps
    assert reencode(datas(sblobs)) == datas(sblobs)


def test_verification_catches_an_encoder_that_writes_wrong_bytes(monkeypatch):
    # The planted bug: the encoder's own check must fail when the packing is wrong.
    real = bs.pack_data
    monkeypatch.setattr(bs, "pack_data", lambda d: real(d[:200] + bytes([d[200] ^ 1]) + d[201:]))
    with pytest.raises(VerificationError):
        encode_stream(payloads_of([5000]))
    assert encode_stream(payloads_of([5000]), verify=False)


def test_encoder_and_decoder_are_thread_safe():
    ps = payloads_of([7000 + i for i in range(200)], seed=6)
    enc = BlobStreamEncoder()
    out: list = []
    lock = threading.Lock()

    def work(chunk):
        for p in chunk:
            got = enc.add(p)
            with lock:
                out.extend(got)

    threads = [threading.Thread(target=work, args=(ps[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out += enc.flush()
    out.sort(key=lambda b: b.index)
    assert sorted(decode_stream(b.blob for b in out)) == sorted(ps)


# ------------------------------------------------------------------------------------- hostile: truncation

def test_every_truncation_of_the_stream_at_a_blob(mainnet_payloads):
    sblobs = encode_stream(mainnet_payloads[:40])
    ds = datas(sblobs)
    for k in range(1, len(ds)):
        if sblobs[k - 1].layout.pieces[-1].ends:
            n = sum(1 for b in sblobs[:k] for p in b.layout.pieces if p.ends)
            assert [p.data for p in feed_all(ds[:k])[0]] == mainnet_payloads[:n]
        else:
            with pytest.raises(IncompletePayloadError) as info:
                feed_all(ds[:k])
            assert info.value.payload_index == sblobs[k - 1].layout.pieces[-1].payload


def test_every_byte_length_of_a_blob_but_the_right_one_is_refused():
    good = encode_stream(payloads_of([300]))[0].blob
    for n in list(range(0, 300, 7)) + [blob.BLOB_SIZE - 1, blob.BLOB_SIZE + 1, 2 * blob.BLOB_SIZE]:
        with pytest.raises(DecodeError):
            BlobStreamDecoder().feed(good[:n] if n <= len(good) else good + bytes(n - len(good)))
    for n in (0, 1, 130047, 130049):
        with pytest.raises(DecodeError):
            BlobStreamDecoder().feed_data(bytes(n))


def test_every_cut_of_the_used_bytes_of_the_last_blob():
    # The last blob holds the tail of a spanning payload and 40 small ones; cut its used bytes at every offset.
    ps = payloads_of([BODY_SIZE + 500] + [60 + i for i in range(40)], seed=7)
    ds = datas(encode_stream(ps))
    assert len(ds) == 2
    used = header(ds[1])[4]
    boundaries = set()
    pos = 4 + BODY_SIZE + 500 - BODY_SIZE   # the spanning record's bytes in blob 1
    for p in ps[1:]:
        boundaries.add(pos)
        pos += 4 + len(p)
    boundaries.add(pos)
    assert pos == used
    accepted = 0
    for cut in range(1, used):
        d = with_header(ds[1][:HEADER_SIZE + cut] + bytes(BODY_SIZE - cut), used=cut,
                        first=504 if cut > 504 else NO_PAYLOAD_START)
        if cut in boundaries:
            n = sorted(boundaries).index(cut)
            assert [p.data for p in feed_all([ds[0], d])[0]] == ps[:1 + n]
            accepted += 1
        else:
            with pytest.raises(IncompletePayloadError):
                feed_all([ds[0], d])
    assert accepted == 40


# ------------------------------------------------------------------------------------ hostile: bit flips

@functools.lru_cache(maxsize=None)
def small_stream() -> tuple[list[bytes], list[bytes]]:
    """Three blobs: payload 0 spans blobs 0-1, a record length is cut across blobs 1-2, blob 2 is partial."""
    ps = payloads_of([150_000, BODY_SIZE * 2 - 150_010, 70_000 - 2, 900], seed=8)
    ds = datas(encode_stream(ps))
    assert len(ds) == 3 and header(ds[2])[4] < BODY_SIZE
    return ps, ds


def test_small_stream_has_a_length_cut_across_blobs():
    ps, ds = small_stream()
    lay = None
    dec = BlobStreamDecoder()
    for d in ds:
        dec.feed_data(d)
        if dec.last_layout.index == 1:
            lay = dec.last_layout
    assert lay.pieces[-1].begins and lay.pieces[-1].size == 2  # two of four length bytes in blob 1


def test_every_bit_flip_in_every_header_is_rejected():
    _, ds = small_stream()
    for b in range(len(ds)):
        for byte in range(HEADER_SIZE):
            for bit in range(8):
                d = bytearray(ds[b])
                d[byte] ^= 1 << bit
                mutated = ds[:b] + [bytes(d)] + ds[b + 1:]
                with pytest.raises(DecodeError):
                    feed_all(mutated)
                assert differential(mutated) == "rejected"


def test_every_bit_flip_in_every_record_length_is_rejected_or_canonical():
    ps, ds = small_stream()
    # Record lengths: payload 0 at body 0 of blob 0; payload 1 right after it in blob 1; payload 2's length is
    # split 2 + 2 over blobs 1 and 2; payload 3 follows payload 2 in blob 2.
    joined = b"".join(d[HEADER_SIZE:HEADER_SIZE + header(d)[4]] for d in ds)
    starts, pos = [], 0
    for p in ps:
        starts.append(pos)
        pos += 4 + len(p)
    outcomes = set()
    for s in starts:
        for i in range(s, s + 4):
            b, off = divmod(i, BODY_SIZE)
            for bit in range(8):
                d = bytearray(ds[b])
                d[HEADER_SIZE + off] ^= 1 << bit
                outcomes.add(differential(ds[:b] + [bytes(d)] + ds[b + 1:]))
    assert outcomes == {"rejected"}


def test_random_flips_anywhere_only_decode_errors_and_canonical_acceptance():
    _, ds = small_stream()
    rng = random.Random(9)
    outcomes = {"accepted": 0, "rejected": 0}
    for _ in range(150):
        b = rng.randrange(3)
        d = bytearray(ds[b])
        for _ in range(rng.choice([1, 1, 2, 5])):
            i = rng.choice([rng.randrange(HEADER_SIZE + 8), rng.randrange(len(d))])
            d[i] ^= 1 << rng.randrange(8)
        outcomes[differential(ds[:b] + [bytes(d)] + ds[b + 1:])] += 1
    assert outcomes["accepted"] and outcomes["rejected"]  # payload-byte flips are fine, framing flips are not


def test_the_differential_oracle_fails_on_a_planted_bug(monkeypatch):
    # A decoder that ignores padding accepts blobs that are not canonical: the oracle must say so.
    _, ds = small_stream()
    d = bytearray(ds[2])
    d[-1] = 1
    mutated = ds[:2] + [bytes(d)]
    assert differential(mutated) == "rejected"
    real = BlobStreamDecoder._feed

    def lax(self, data, digest):
        used = int.from_bytes(data[12:15], "big")
        return real(self, data[:HEADER_SIZE + used] + bytes(len(data) - HEADER_SIZE - used), digest)

    monkeypatch.setattr(BlobStreamDecoder, "_feed", lax)
    with pytest.raises(AssertionError):
        differential(mutated)


def test_elements_with_high_bits_are_refused():
    good = encode_stream(payloads_of([300]))[0].blob
    for k in (0, 1, 4095):
        bad = bytearray(good)
        bad[32 * k] |= 0x40
        with pytest.raises(DecodeError):
            BlobStreamDecoder().feed(bytes(bad))
    bad = bytearray(good)
    bad[0:32] = (blob.BLS_MODULUS).to_bytes(32, "big")
    with pytest.raises(DecodeError, match="modulus"):
        BlobStreamDecoder().feed(bytes(bad))


# ---------------------------------------------------------------------------------- hostile: header fields

def test_versions():
    one = blob.encode_blobs(b"a payload")[0]
    with pytest.raises(BlobStreamError, match="one-payload"):
        BlobStreamDecoder().feed(one)
    _, ds = small_stream()
    for v in (0, 3, 255):
        with pytest.raises(UnsupportedVersionError):
            BlobStreamDecoder().feed_data(with_header(ds[0], version=v))


def test_used_and_first_out_of_range():
    _, ds = small_stream()
    for used in (0, BODY_SIZE + 1, 0xFFFFFF):
        with pytest.raises(BlobStreamError, match="used"):
            BlobStreamDecoder().feed_data(with_header(ds[2], used=used))
    used = header(ds[2])[4]
    with pytest.raises(BlobStreamError, match="first"):
        BlobStreamDecoder().feed_data(with_header(ds[2], first=used))
    with pytest.raises(BlobStreamError, match="first"):
        BlobStreamDecoder().feed_data(with_header(ds[2], first=BODY_SIZE + 5))


def test_non_zero_padding_is_trailing_bytes():
    _, ds = small_stream()
    used = header(ds[2])[4]
    for at in (HEADER_SIZE + used, len(ds[2]) - 1):
        d = bytearray(ds[2])
        d[at] = 0x80
        with pytest.raises(TrailingBytesError) as info:
            feed_all(ds[:2] + [bytes(d)])
        assert info.value.offset == blob.raw_offset(at) and info.value.blob_index == 2


def test_lengths_zero_and_over_the_limit():
    d = bytearray(datas(encode_stream([b"x" * 10]))[0])
    d[HEADER_SIZE:HEADER_SIZE + 4] = bytes(4)
    with pytest.raises(BlobStreamError, match="length 0"):
        BlobStreamDecoder().feed_data(bytes(d))
    d[HEADER_SIZE:HEADER_SIZE + 4] = (MAX_STREAM_PAYLOAD_BYTES + 1).to_bytes(4, "big")
    with pytest.raises(LimitExceededError) as info:
        BlobStreamDecoder().feed_data(bytes(d))
    assert info.value.limit == MAX_STREAM_PAYLOAD_BYTES
    d[HEADER_SIZE:HEADER_SIZE + 4] = bytes([0xFF]) * 4
    with pytest.raises(LimitExceededError):
        BlobStreamDecoder().feed_data(bytes(d))


def test_largest_payload_round_trips_and_one_more_byte_is_refused_before_reading_it():
    big = payloads_of([MAX_STREAM_PAYLOAD_BYTES], seed=10)[0]
    ds = datas(encode_stream([big], verify=False))
    assert len(ds) == 130
    assert [p.data for p in feed_all(ds)[0]] == [big]
    d = bytearray(ds[0])
    d[HEADER_SIZE:HEADER_SIZE + 4] = (MAX_STREAM_PAYLOAD_BYTES + 1).to_bytes(4, "big")
    with pytest.raises(LimitExceededError):
        BlobStreamDecoder().feed_data(bytes(d))


def test_first_pointer_that_disagrees_with_the_open_payload():
    _, ds = small_stream()
    true_first = header(ds[1])[3]
    for bad, expected in ((true_first - 1, true_first), (true_first + 1, true_first),
                          (NO_PAYLOAD_START, true_first), (0, true_first)):
        with pytest.raises(PieceBoundaryError) as info:
            feed_all([ds[0], with_header(ds[1], first=bad)])
        assert info.value.expected == expected
        assert info.value.got == (-1 if bad == NO_PAYLOAD_START else bad)


def test_bytes_after_a_clean_boundary_that_belong_to_no_payload():
    ps = payloads_of([BODY_SIZE - 4, 500], seed=12)     # payload 0 fills blob 0 exactly
    ds = datas(encode_stream(ps))
    assert header(ds[1])[3] == 0
    d = ds[1]
    used = header(d)[4]
    shifted = with_header(d[:HEADER_SIZE] + bytes(3) + d[HEADER_SIZE:HEADER_SIZE + used] + bytes(BODY_SIZE - used - 3),
                          first=3, used=used + 3)
    with pytest.raises(PieceBoundaryError):
        feed_all([ds[0], shifted])


def test_payload_index_must_follow():
    _, ds = small_stream()
    pi = header(ds[1])[2]
    with pytest.raises(BlobStreamError, match="payload index"):
        feed_all([ds[0], with_header(ds[1], payload_index=pi + 1)])
    with pytest.raises(BlobStreamError, match="payload index"):
        BlobStreamDecoder(first_payload=5).feed_data(ds[0])
    with pytest.raises(BlobStreamError, match="blob index"):
        BlobStreamDecoder(first_blob=1).feed_data(ds[0])


def test_a_blob_that_is_not_full_cannot_leave_a_payload_open():
    ps = payloads_of([BODY_SIZE + 100, 50], seed=13)
    ds = datas(encode_stream(ps))
    short = with_header(ds[0][:HEADER_SIZE + BODY_SIZE - 1] + bytes(1), used=BODY_SIZE - 1)
    with pytest.raises(IncompletePayloadError) as info:
        BlobStreamDecoder().feed_data(short)
    assert info.value.payload_index == 0 and info.value.missing == ps[0].__len__() + 4 - (BODY_SIZE - 1)


# ---------------------------------------------------------------------------- reordered, missing, duplicated

def five_blobs() -> tuple[list[bytes], list[bs.StreamBlob]]:
    ps = payloads_of([60_000] * 10, seed=14)
    sblobs = encode_stream(ps)
    assert len(sblobs) == 5
    return ps, sblobs


def test_missing_blob_then_resync():
    ps, sblobs = five_blobs()
    ds = datas(sblobs)
    dec = BlobStreamDecoder()
    got = dec.feed_data(ds[0]) + dec.feed_data(ds[1])
    with pytest.raises(MissingBlobError) as info:
        dec.feed_data(ds[3])
    assert (info.value.expected, info.value.got, info.value.blob_index) == (2, 3, 3)
    assert dec.next_blob == 2                           # unchanged by the error
    open_index = dec.open_payload
    dec.resync()
    got += dec.feed_data(ds[3]) + dec.feed_data(ds[4])
    dec.finish()
    begins = next(p.payload for p in sblobs[3].layout.pieces if p.begins)
    assert [p.index for p in got] == list(range(open_index)) + list(range(begins, 10))
    assert all(p.data == ps[p.index] for p in got)
    seen_of_open = sum(x.size for b in sblobs[:2] for x in b.layout.pieces if x.payload == open_index)
    assert dec.skipped_bytes == seen_of_open + sblobs[3].layout.first


def test_reordered_blobs():
    _, sblobs = five_blobs()
    ds = datas(sblobs)
    dec = BlobStreamDecoder()
    dec.feed_data(ds[0])
    with pytest.raises(MissingBlobError):
        dec.feed_data(ds[2])
    dec.feed_data(ds[1])                                # the right one still goes in
    dec.feed_data(ds[2])
    with pytest.raises(BlobOrderError) as info:
        dec.feed_data(ds[0])
    assert not isinstance(info.value, DuplicateBlobError) and (info.value.expected, info.value.got) == (3, 0)
    dec.feed_data(ds[3]), dec.feed_data(ds[4])
    dec.finish()


def test_duplicated_blob():
    ps, sblobs = five_blobs()
    ds = datas(sblobs)
    dec = BlobStreamDecoder()
    got = dec.feed(sblobs[0].blob) + dec.feed(sblobs[1].blob)
    with pytest.raises(DuplicateBlobError):
        dec.feed(sblobs[1].blob)                         # the same blob again: safe to ignore
    changed = bytearray(ds[1])
    changed[HEADER_SIZE + 10] ^= 1
    with pytest.raises(BlobOrderError) as info:
        dec.feed_data(bytes(changed))                    # same index, other bytes: not a duplicate
    assert not isinstance(info.value, DuplicateBlobError)
    for b in sblobs[2:]:
        got += dec.feed(b.blob)
    dec.finish()
    assert [p.data for p in got] == ps


def test_every_pair_swap_and_every_single_drop_is_refused_or_a_clean_prefix():
    ps, sblobs = five_blobs()
    ds = datas(sblobs)
    for i in range(5):
        for j in range(i + 1, 5):
            order = list(range(5))
            order[i], order[j] = order[j], order[i]
            with pytest.raises(BlobStreamError):
                feed_all([ds[k] for k in order])
    for i in range(5):
        with pytest.raises((MissingBlobError, IncompletePayloadError, OrphanPieceError)):
            feed_all(ds[:i] + ds[i + 1:])


# ------------------------------------------------------------------------------------- starting mid-way

def test_starting_at_every_blob(mainnet_payloads):
    sblobs = encode_stream(mainnet_payloads)
    ds = datas(sblobs)
    for k in range(len(ds)):
        lay = sblobs[k].layout
        if lay.first != 0:
            with pytest.raises(OrphanPieceError):
                BlobStreamDecoder().feed_data(ds[k])
        got, dec = feed_all(ds[k:], skip_leading=True)
        # The first payload decoded is the first that begins at or after blob k.
        begins = [p.payload for b in sblobs[k:] for p in b.layout.pieces if p.begins]
        assert [p.index for p in got] == list(range(begins[0], len(mainnet_payloads))) if begins else got == []
        assert all(p.data == mainnet_payloads[p.index] for p in got)
        skipped_blobs = 0
        skipped = 0
        for b in sblobs[k:]:
            if b.layout.first is None:
                skipped_blobs += 1
                skipped += b.layout.used
                continue
            skipped += b.layout.first
            break
        assert (dec.skipped_bytes, dec.skipped_blobs) == (skipped, skipped_blobs)


def test_skip_leading_still_checks_order_once_started():
    _, sblobs = five_blobs()
    ds = datas(sblobs)
    dec = BlobStreamDecoder(skip_leading=True)
    dec.feed_data(ds[1])
    with pytest.raises(MissingBlobError):
        dec.feed_data(ds[3])


# ---------------------------------------------------------------------------------------- properties

sizes_strategy = st.lists(
    st.one_of(st.integers(1, 300), st.integers(1, 3 * BODY_SIZE), st.sampled_from(
        [BODY_SIZE - 4, BODY_SIZE - 5, BODY_SIZE - 3, BODY_SIZE - 6, BODY_SIZE - 7, BODY_SIZE - 8])),
    min_size=1, max_size=8)


@settings(max_examples=40)
@given(sizes=sizes_strategy, flushes=st.sets(st.integers(0, 7)), seed=st.integers(0, 2**32 - 1),
       start=st.tuples(st.integers(0, 2**32 - 200), st.integers(0, 2**32 - 200)))
def test_property_round_trip_fill_and_canonical(sizes, flushes, seed, start):
    ps = payloads_of(sizes, seed)
    enc = BlobStreamEncoder(first_blob=start[0], first_payload=start[1])
    sblobs = []
    for i, p in enumerate(ps):
        sblobs += enc.add(p)
        if i in flushes:
            sblobs += enc.flush()
    sblobs += enc.flush()
    lays = [b.layout for b in sblobs]
    assert [x.index for x in lays] == list(range(start[0], start[0] + len(lays)))
    # Full unless flushed: a blob is partial only where a flush (or the end) closed it.
    partial = sum(1 for x in lays if not x.full)
    assert partial <= len(flushes & set(range(len(ps) - 1))) + 1
    for x in lays:
        assert sum(p.size for p in x.pieces) == x.used
    per_payload: dict[int, int] = {}
    for x in lays:
        for p in x.pieces:
            per_payload[p.payload] = per_payload.get(p.payload, 0) + p.size
    assert per_payload == {start[1] + i: 4 + n for i, n in enumerate(sizes)}
    ds = datas(sblobs)
    assert [p.data for p in feed_all(ds)[0]] == ps
    assert reference_decode(ds) == ps
    assert reencode(ds) == ds
    if not flushes:
        assert len(sblobs) == stream_blobs_needed(sizes)


@settings(max_examples=150)
@given(data=st.data())
def test_property_mutations_only_decode_errors(data):
    _, ds = small_stream()
    b = data.draw(st.integers(0, 2))
    d = bytearray(ds[b])
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.one_of(st.integers(0, HEADER_SIZE + 8), st.integers(0, len(d) - 1),
                                st.integers(HEADER_SIZE + BODY_SIZE - 8, HEADER_SIZE + BODY_SIZE - 1)))
        d[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, 3))
    differential((ds[:b] + [bytes(d)] + ds[b + 1:])[:cut] if data.draw(st.booleans()) else
                 ds[:b] + [bytes(d)] + ds[b + 1:])


# ----------------------------------------------------------------------------------- stream directories

def test_directory_round_trip_with_kzg_and_groups(tmp_path, mainnet_payloads):
    ps = mainnet_payloads[:6]
    sblobs = encode_stream(ps)
    n = len(sblobs)
    assert n >= 3
    first_hash = "0x" + blob.versioned_hash(blob.commitment(sblobs[0].blob)).hex()
    for per_tx in (2, 6):
        out = tmp_path / f"s{per_tx}"
        summary = bs.write_stream_dir(ps, out, blobs_per_tx=per_tx)
        assert summary["blob_count"] == n and summary["payload_count"] == len(ps)
        m = json.loads((out / "manifest.json").read_text())
        assert [t["blobs"] for t in m["transactions"]] == [[i, min(i + per_tx, n) - 1] for i in range(0, n, per_tx)]
        assert [e["tx"] for e in m["blobs"]] == [i // per_tx for i in range(n)]
        assert [(out / e["file"]).read_bytes() for e in m["blobs"]] == [b.blob for b in sblobs]  # grouping never
        assert m["blobs"][0]["versioned_hash"] == first_hash                                     # changes blobs
        assert [e["fill"] for e in m["blobs"][:-1]] == [1.0] * (n - 1)
        assert [p["bytes"] for p in m["payloads"]] == [len(p) for p in ps]
    assert [p.data for p in bs.read_stream_dir(tmp_path / "s6")] == ps
    assert bs.is_stream_dir(tmp_path / "s2") and not bs.is_stream_dir(tmp_path)


def test_directory_with_proofs(tmp_path):
    ps = payloads_of([1000, 200_000], seed=15)
    bs.write_stream_dir(ps, tmp_path / "d", proofs=True, blobs_per_tx=1)
    m = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert all(len(e["proof"]) == 98 for e in m["blobs"])
    assert [p.data for p in bs.read_stream_dir(tmp_path / "d")] == ps
    m["blobs"][1]["proof"] = m["blobs"][0]["proof"]
    (tmp_path / "d" / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(DecodeError, match="proof"):
        list(bs.read_stream_dir(tmp_path / "d"))


def _tampered(tmp_path, name, change):
    ps = payloads_of([1000, 200_000, 7000], seed=16)
    d = tmp_path / name
    bs.write_stream_dir(ps, d, blobs_per_tx=2)
    m = json.loads((d / "manifest.json").read_text())
    change(d, m)
    (d / "manifest.json").write_text(json.dumps(m))
    return d


@pytest.mark.parametrize("name, change, match", [
    ("hash", lambda d, m: m["blobs"][0].update(versioned_hash="0x01" + "00" * 31), "versioned hash"),
    ("commit", lambda d, m: m["blobs"][1].update(commitment="0x" + "c0" + "00" * 47), "commitment"),
    ("pieces", lambda d, m: m["blobs"][0]["pieces"][0].update(bytes=999), "pieces"),
    ("used", lambda d, m: m["blobs"][1].update(used=5), "pieces"),
    ("tx", lambda d, m: m["blobs"][1].update(tx=1), "transaction"),
    ("txhash", lambda d, m: m["transactions"][0]["versioned_hashes"].reverse(), "versioned hash"),
    ("count", lambda d, m: m.update(blob_count=3), "blob_count"),
    ("payloads", lambda d, m: m["payloads"][1].update(bytes=1), "payloads"),
    ("total", lambda d, m: m.update(payload_bytes=1), "payloads of"),
    ("kind", lambda d, m: m.update(kind="blobs"), "manifest"),
    ("file", lambda d, m: m["blobs"][1].update(file="blob-000009.bin"), "entry 1"),
    ("missing", lambda d, m: os.unlink(d / "blob-000001.bin"), "cannot read"),
    ("short", lambda d, m: (d / "blob-000001.bin").write_bytes(b"\0" * 100), "exactly"),
    ("swap", lambda d, m: (lambda a, b: ((d / "blob-000000.bin").write_bytes(b),
                                         (d / "blob-000001.bin").write_bytes(a)))(
        (d / "blob-000000.bin").read_bytes(), (d / "blob-000001.bin").read_bytes()), "commitment"),
])
def test_directory_tampering(tmp_path, name, change, match):
    d = _tampered(tmp_path, name, change)
    with pytest.raises(DecodeError, match=match):
        list(bs.read_stream_dir(d))


def test_swapped_blob_files_without_kzg_are_caught_by_the_stream_itself(tmp_path):
    d = _tampered(tmp_path, "swap2", lambda d, m: None)
    a, b = (d / "blob-000000.bin").read_bytes(), (d / "blob-000001.bin").read_bytes()
    (d / "blob-000000.bin").write_bytes(b)
    (d / "blob-000001.bin").write_bytes(a)
    with pytest.raises(BlobStreamError):
        list(bs.read_stream_dir(d, check_kzg=False))


def test_manifest_size_is_refused_before_reading(tmp_path):
    d = _tampered(tmp_path, "big", lambda d, m: None)
    with open(d / "manifest.json", "ab") as f:
        f.truncate(bs.MAX_STREAM_MANIFEST_BYTES + 1)
    with pytest.raises(LimitExceededError):
        list(bs.read_stream_dir(d))


def test_directory_gets_the_mode_mkdir_gives(tmp_path):
    bs.write_stream_dir([b"x"], tmp_path / "d")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "d").st_mode & 0o777 == 0o777 & ~umask


def test_writer_leaves_nothing_on_error_and_refuses_a_non_empty_dir(tmp_path):
    def boom():
        yield b"x" * 200_000
        raise RuntimeError("input failed")
    with pytest.raises(RuntimeError):
        bs.write_stream_dir(boom(), tmp_path / "out")
    assert os.listdir(tmp_path) == []
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    with pytest.raises(FileExistsError):
        bs.write_stream_dir([b"x"], tmp_path / "full")
    with pytest.raises(InputError):
        bs.StreamDirWriter(tmp_path / "g", blobs_per_tx=7)


def test_the_fuzz_oracle_passes_real_streams_and_fails_on_a_planted_bug(monkeypatch):
    from hostile_helpers import blobstream_oracle
    _, ds = small_stream()
    assert blobstream_oracle(ds) is None and blobstream_oracle(ds, skip_leading=True) is None
    assert blobstream_oracle(ds[1:], skip_leading=True) is None
    bad = ds[:2] + [ds[2][:-1] + b"\x01"]
    assert blobstream_oracle(bad) is None              # rejected: fine
    real = BlobStreamDecoder._feed

    def lax(self, data, digest):                       # a decoder that ignores padding
        used = int.from_bytes(data[12:15], "big")
        return real(self, data[:HEADER_SIZE + used] + bytes(len(data) - HEADER_SIZE - used), digest)

    monkeypatch.setattr(BlobStreamDecoder, "_feed", lax)
    assert "not the encoder's bytes" in blobstream_oracle(bad)
    monkeypatch.setattr(BlobStreamDecoder, "_feed", lambda self, data, digest: [][1])
    assert "IndexError escaped" in blobstream_oracle(ds)


# --- issue 21: payload numbers past 2^32-1 (a fuzz finding) ------------------------------------------------

def test_the_decoder_refuses_payload_numbers_the_encoder_refuses_to_write():
    last = bs.MAX_PAYLOAD_INDEX
    enc = BlobStreamEncoder(first_payload=last)
    enc.add(b"a")
    with pytest.raises(InputError):
        enc.add(b"b")                                   # the encoder stops at payload 2^32-1
    good = datas(encode_stream([b"a"], first_payload=last))
    assert [p.index for p in feed_all(good)[0]] == [last]
    # the same blob with a second record after payload 2^32-1: the decoder must refuse it too
    two = datas(encode_stream([b"a", b"b"], first_payload=last - 1))
    forged = with_header(two[0], payload_index=last)
    with pytest.raises(DecodeError):
        feed_all([forged])
    with pytest.raises(DecodeError):
        feed_all([forged], skip_leading=True)
    # and a run that goes on past it in a later blob
    big = datas(encode_stream(payloads_of([BODY_SIZE - 2, 10]), first_payload=last - 1))
    assert len(big) == 2
    with pytest.raises(DecodeError):
        feed_all([with_header(big[0], payload_index=last), with_header(big[1], payload_index=last)])
