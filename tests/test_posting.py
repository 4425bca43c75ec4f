"""What a rollup pays for a sequence of payloads: OP frames laid continuously, cost.blob_posting, and
estimate.compare_posting (blob stream against per-payload blobs and OP frames, on the same transactions)."""

from __future__ import annotations

import random

import pytest

import batchkit
from batchkit.l1 import blob, blobstream, cost
from batchkit.baselines import op
from batchkit.builder import build_payloads
from batchkit.errors import InputError
from batchkit import StreamEncoder
from batchkit.l1.poster import cut_batches
from batchkit.estimate import POSTED, OP_FRAMES, PER_PAYLOAD, STREAM, STREAM_HISTORY, compare_posting


# ------------------------------------------------------------------------------- OP frames, continuous

def test_op_continuous_frames_fill_every_blob_and_decode_back():
    rng = random.Random(3)
    channels = [rng.randbytes(n) for n in (50, 130_000, 260_100, 7, 99_999, 130_020, 5000)]
    datas = op.pack_frames_continuous(channels)
    assert all(len(d) == op.BLOB_CAPACITY for d in datas[:-1])
    assert sum(len(d) for d in datas) == sum(map(len, channels)) + len(datas) + op.FRAME_OVERHEAD * sum(
        len(op.parse_frames(d)) for d in datas)
    blobs = [op.blob_from_data(d) for d in datas]
    frames = [f for b in blobs for f in op.parse_frames(op.blob_to_data(b))]
    assert op.assemble_channels(frames) == channels


def test_op_continuous_frames_close_a_blob_with_no_room_for_a_frame():
    # The first channel leaves 10 bytes: too few for a frame header and a byte, so the next starts a blob.
    first = bytes(op.BLOB_CAPACITY - 1 - op.FRAME_OVERHEAD - 10)
    datas = op.pack_frames_continuous([first, b"\x01" * 100])
    assert [len(d) for d in datas] == [op.BLOB_CAPACITY - 10, 1 + op.FRAME_OVERHEAD + 100]


def test_op_continuous_frames_of_real_span_batches(mainnet_raws):
    raws = [r for r in mainnet_raws[:2500] if r[0] != 3]
    batches = [raws[i:i + 500] for i in range(0, len(raws), 500)]
    channels = [op.span_channel(b, "brotli", 10) for b in batches]
    datas = op.pack_frames_continuous(channels)
    frames = [f for d in datas for f in op.parse_frames(d)]
    got = op.assemble_channels(frames)
    assert [op.decode(bytes([0]) + op.make_frames(c, bytes(16), 10**6)) for c in got] == batches


# ------------------------------------------------------------------------------------------ pricing

def test_blob_posting_arithmetic():
    p = cost.blob_posting("x", 13, 1000, base_fee=10 * 10**9, blob_base_fee=3, fork="bpo2", blobs_per_tx=6)
    assert (p.blobs, p.blob_txs, p.execution_gas, p.blob_gas) == (13, 3, 3 * 21000, 13 * 131072)
    assert p.wei == 3 * 21000 * 10 * 10**9 + 13 * 131072 * 3
    assert (p.wei_per_tx, p.blob_gas_per_tx) == (p.wei // 1000, 13 * 131072 // 1000)
    assert cost.blob_posting("x", 13, 1000, base_fee=1, blob_base_fee=1).blob_txs == 3   # bpo2: 6 per tx
    assert cost.blob_posting("x", 13, 1000, base_fee=1, blob_base_fee=1, blobs_per_tx=1).blob_txs == 13
    assert cost.blob_posting("x", 9, 10, base_fee=1, blob_base_fee=1, fork="prague").blob_txs == 1
    for bad in ({"blobs_per_tx": 7}, {"blobs_per_tx": 0}, {"blobs_per_tx": True}):
        with pytest.raises(InputError):
            cost.blob_posting("x", 13, 1000, base_fee=1, blob_base_fee=1, **bad)
    with pytest.raises(InputError):
        cost.blob_posting("x", 1, 0, base_fee=1, blob_base_fee=1)


# ------------------------------------------------------------------------------ the three layouts

@pytest.fixture(scope="module")
def recent(mainnet_raws):
    from batchkit.senders import recover_senders
    raws = mainnet_raws[:9000]
    return raws, recover_senders(raws)


def test_compare_posting_rows_are_what_each_layout_posts(recent):
    raws, senders = recent
    got = compare_posting(raws, senders, target_blobs=1, base_fee=12 * 10**9, blob_base_fee=10**9,
                          include_op=False)
    rows = {r.layout: r for r in got.rows}
    assert set(rows) == {STREAM, PER_PAYLOAD, POSTED}
    per = build_payloads(raws, senders=senders, target_blobs=1, version=2)
    stream = build_payloads(raws, senders=senders, target_blobs=1, stream=True, version=2)
    assert rows[PER_PAYLOAD].blobs == sum(len(blob.encode_blobs(p)) for p in per)
    assert rows[STREAM].blobs == len(blobstream.encode_stream(stream))
    # The poster's layout: its raw-byte batches in one v2 stream, laid end to end over blobs.
    enc = StreamEncoder()
    posted = [enc.compress(b) for b in cut_batches(raws)]
    assert rows[POSTED].blobs == len(blobstream.encode_stream(posted))
    assert got.payloads == {STREAM: len(stream), PER_PAYLOAD: len(per), POSTED: len(posted)}
    # Every blob of the stream but the last is full, so it never posts more blobs than per-payload blobs
    # carrying payloads of the same target.
    assert rows[STREAM].blobs <= rows[PER_PAYLOAD].blobs
    assert rows[STREAM].n_txs == rows[PER_PAYLOAD].n_txs == len(raws)


def test_compare_posting_op_row_uses_the_stream_batches(recent):
    raws, senders = recent
    got = compare_posting(raws[:3000], senders[:3000], target_blobs=1, base_fee=1, blob_base_fee=1)
    rows = {r.layout: r for r in got.rows}
    n_type3 = sum(1 for r in raws[:3000] if r[0] == 3)
    assert got.op_left_out == n_type3 and rows[OP_FRAMES].n_txs == 3000 - n_type3
    stream = build_payloads(raws[:3000], senders=senders[:3000], target_blobs=1, stream=True, version=2)
    channels, start = [], 0
    for p in stream:
        batch = raws[start:start + len(batchkit.decompress(p))]
        start += len(batch)
        channels.append(op.span_channel([t for t in batch if t[0] != 3], "brotli", 10))
    assert rows[OP_FRAMES].blobs == len(op.pack_frames_continuous(channels))
    assert got.payloads[OP_FRAMES] == len(channels)


def test_compare_posting_needs_transactions():
    with pytest.raises(InputError):
        compare_posting([], None, base_fee=1, blob_base_fee=1)


def test_compare_posting_history_row(recent):
    raws, senders = recent
    got = compare_posting(raws[:4000], senders[:4000], target_blobs=1, base_fee=1, blob_base_fee=1,
                          include_op=False, keyframe_every=16)
    rows = {r.layout: r for r in got.rows}
    history = build_payloads(raws[:4000], senders=senders[:4000], target_blobs=1, stream=True, version=2,
                             keyframe_every=16)
    assert rows[STREAM_HISTORY].blobs == blobstream.stream_blobs_needed(map(len, history))
    assert rows[STREAM_HISTORY].blobs <= rows[STREAM].blobs and got.keyframe_every == 16
