"""BatchBuilder(stream=True): payloads cut at a soft target for the blob stream, one compression per payload,
iterables of any length."""

from __future__ import annotations

import statistics

import pytest

import batchkit
from batchkit.l1 import blobstream
from batchkit.builder import CALIBRATE_AT, BatchBuilder, build_payloads, iter_payloads, target_for_blobs
from batchkit.errors import InputError, UnsupportedTransactionError


def run(raws, senders=None, **kw):
    b = BatchBuilder(stream=True, **kw)
    out = []
    for i, raw in enumerate(raws):
        s = None if senders is None else senders[i]
        if not b.add(raw, s):
            out.append((b.seal(), b))
            assert b.add(raw, s)
    out.append((b.seal(), b))
    return [p for p, _ in out]


def test_stream_targets():
    assert target_for_blobs(1, stream=True) == 130_033 - 4
    assert target_for_blobs(6, stream=True) == 6 * 130_033 - 4
    assert target_for_blobs(6) == 6 * 130_048 - 4
    assert BatchBuilder(target_blobs=2, stream=True).target == 2 * blobstream.BODY_SIZE - 4
    with pytest.raises(InputError):
        BatchBuilder(target_bytes=blobstream.MAX_STREAM_PAYLOAD_BYTES + 1, stream=True)
    BatchBuilder(target_bytes=blobstream.MAX_STREAM_PAYLOAD_BYTES, stream=True)


@pytest.mark.parametrize("blobs", [1, 3])
def test_payloads_decode_in_order_and_land_near_the_target(mainnet_raws, blobs):
    raws = mainnet_raws[:9000]
    payloads = run(raws, target_blobs=blobs)
    assert [tx for p in payloads for tx in batchkit.decompress(p)] == raws
    target = target_for_blobs(blobs, stream=True)
    sizes = [len(p) / target for p in payloads[:-1]]
    assert 0.95 <= statistics.median(sizes) <= 1.05, sizes
    assert all(len(p) <= blobstream.MAX_STREAM_PAYLOAD_BYTES for p in payloads)
    sblobs = blobstream.encode_stream(payloads)
    assert all(b.layout.full for b in sblobs[:-1])
    assert len(sblobs) == blobstream.stream_blobs_needed(map(len, payloads))


def test_one_compression_per_payload_after_the_first(mainnet_raws):
    b = BatchBuilder(target_blobs=1, stream=True)
    counts = []
    for raw in mainnet_raws[:8000]:
        if not b.add(raw):
            before = b.compressions   # counters restart at every seal
            b.seal()
            counts.append(before + 1)
            assert b.add(raw)
    assert counts[0] == 2            # the calibration, then the seal
    assert set(counts[1:]) == {1}    # the seal only


def test_calibration_happens_once_at_a_quarter(mainnet_raws):
    b = BatchBuilder(target_blobs=1, stream=True)
    raw_bytes = 0
    for raw in mainnet_raws[:3000]:
        assert b.add(raw)
        raw_bytes += len(raw)
        if b.compressions:
            break
    # Calibrated once the default-ratio estimate passed a quarter of the target, long before the seal.
    assert b.compressions == 1 and b.estimated_size < 0.6 * b.target
    assert CALIBRATE_AT == 0.25


def test_a_transaction_larger_than_the_target_gets_a_payload_of_its_own(mainnet_raws):
    big = max(mainnet_raws, key=len)
    target = len(batchkit.compress([big], recover=False)) // 2
    payloads = run(mainnet_raws[:50] + [big] + mainnet_raws[50:100], target_bytes=target)
    assert any(batchkit.decompress(p) == [big] for p in payloads)
    assert [tx for p in payloads for tx in batchkit.decompress(p)] == mainnet_raws[:50] + [big] + mainnet_raws[50:100]


def test_invalid_transaction_is_reported_at_the_seal_with_its_index_and_dropped(mainnet_raws):
    raws = mainnet_raws[:40]
    b = BatchBuilder(target_blobs=1, stream=True)
    for raw in raws[:17]:
        assert b.add(raw)
    assert b.add(b"\x02\xc0")  # type 2, empty list: not a transaction
    for raw in raws[17:]:
        assert b.add(raw)
    with pytest.raises(InputError) as info:
        b.seal()
    assert info.value.index == 17
    assert batchkit.decompress(b.seal()) == raws   # the others are still there, in order
    b.add(raws[0])
    b.add(bytes.fromhex("7ef8") + bytes(10))
    with pytest.raises(UnsupportedTransactionError) as info:
        b.seal()
    assert info.value.index == 42


def test_add_refuses_what_cannot_be_a_transaction():
    b = BatchBuilder(target_bytes=1000, stream=True)
    with pytest.raises(InputError):
        b.add(12345)
    with pytest.raises(InputError):
        b.add(bytes(blobstream.MAX_STREAM_PAYLOAD_BYTES + 1))
    with pytest.raises(InputError):
        b.add(b"\x02", sender="0x1234")
    assert len(b) == 0
    with pytest.raises(InputError):
        b.seal()


def test_iter_payloads_takes_generators_and_holds_one_payload(mainnet_raws):
    raws = mainnet_raws[:6000]
    held = []

    def gen():
        for r in raws:
            yield r

    it = iter_payloads(gen(), target_blobs=1, stream=True)
    out = []
    for p in it:
        out.append(p)
        held.append(it.gi_frame.f_locals["builder"].pending_bytes if it.gi_frame else 0)
    assert [tx for p in out for tx in batchkit.decompress(p)] == raws
    assert max(held) < 2_000_000     # one payload's raw transactions, not the input (3 MB)
    assert out == build_payloads(raws, target_blobs=1, stream=True)


def test_iter_payloads_senders_must_match(mainnet_raws):
    with pytest.raises(InputError, match="different lengths"):
        list(iter_payloads(mainnet_raws[:10], senders=[bytes(20)] * 9, target_blobs=1, stream=True))
    with pytest.raises(InputError, match="different lengths"):
        list(iter_payloads(mainnet_raws[:10], senders=iter([bytes(20)] * 11), target_blobs=1, stream=True))


def test_senders_change_bytes_never_correctness(mainnet_raws):
    raws = mainnet_raws[:3000]
    from batchkit.senders import recover_senders
    senders = recover_senders(raws)
    with_s = run(raws, senders, target_blobs=1)
    without = run(raws, None, target_blobs=1)
    assert [tx for p in with_s for tx in batchkit.decompress(p)] == raws
    assert [tx for p in without for tx in batchkit.decompress(p)] == raws
    assert sum(map(len, with_s)) < sum(map(len, without))


@pytest.mark.parametrize("stream", [False, True])
def test_version_2_payloads_are_keyframes_that_decode_alone(mainnet_raws, stream):
    raws = mainnet_raws[:4000]
    v2 = build_payloads(raws, target_blobs=1, stream=stream, version=2)
    assert all(batchkit.api.payload_version(p) == 2 for p in v2)
    assert [tx for p in v2 for tx in batchkit.decompress(p)] == raws   # each alone: keyframes
    v1 = build_payloads(raws, target_blobs=1, stream=stream, version=1)
    assert all(batchkit.api.payload_version(p) == 1 for p in v1)
    assert all(batchkit.api.payload_version(p) == 2 for p in build_payloads(raws[:100], target_blobs=1, stream=stream))
    if not stream:
        assert all(len(p) <= target_for_blobs(1) for p in v2)
    with pytest.raises(InputError):
        BatchBuilder(target_blobs=1, version=3)


def test_v2_with_history_decodes_in_order_and_keyframes_where_asked(mainnet_raws):
    from batchkit.format import v2
    raws = mainnet_raws[:9000]
    payloads = build_payloads(raws, target_blobs=1, stream=True, version=2, keyframe_every=3)
    seqs = [v2.parse_header(p).seq for p in payloads]
    assert seqs == [i % 3 for i in range(len(payloads))]      # the calibration trial was dropped again
    dec = batchkit.StreamDecoder()
    assert [tx for p in payloads for tx in dec.decompress(p)] == raws
    with pytest.raises(v2.ParentMismatchError):
        batchkit.StreamDecoder().decompress(payloads[1])     # a later payload needs the ones before it
    independent = build_payloads(raws, target_blobs=1, stream=True, version=2)
    assert sum(map(len, payloads)) < sum(map(len, independent))


def test_v2_with_history_an_invalid_transaction_leaves_the_stream_whole(mainnet_raws):
    raws = mainnet_raws[:2500]
    b = BatchBuilder(target_blobs=1, stream=True, version=2, keyframe_every=8)
    out, errors = [], []

    def seal():
        while True:
            try:
                out.append(b.seal())
                return
            except InputError as exc:  # the bad one is dropped; the others stay pending
                errors.append(exc.index)

    def put(raw):
        while not b.add(raw):
            seal()

    for i, raw in enumerate(raws):
        if i == 1500:
            put(b"\x02\xc0")  # not a transaction: found when its payload is sealed
        put(raw)
    seal()
    assert errors == [1500]  # its position among everything added
    dec = batchkit.StreamDecoder()
    assert [tx for p in out for tx in dec.decompress(p)] == raws


def test_keyframe_every_needs_stream_mode_and_version_2():
    for kw in ({"stream": False, "version": 2}, {"stream": True, "version": 1}):
        with pytest.raises(InputError, match="keyframe_every"):
            BatchBuilder(target_blobs=1, keyframe_every=4, **kw)
    with pytest.raises(InputError):
        BatchBuilder(target_blobs=1, stream=True, version=2, keyframe_every=0)
