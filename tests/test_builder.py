"""batchkit.builder: payloads decode to the input in order, never exceed the target, fill it, and the
builder compresses a bounded number of times per payload."""

from __future__ import annotations

import pytest

from batchkit import decompress
from batchkit.builder import MAX_CHECKS, MAX_SEAL_RETRIES, BatchBuilder, build_payloads, target_for_blobs
from batchkit.corpora import generate_batch
from batchkit.errors import InputError
from batchkit.api import payload_version
from batchkit.format import v1, v2

TARGET = 30_000


@pytest.fixture(scope="module")
def batch():
    txs = generate_batch(1200, seed=7)
    return [t.raw for t in txs], [t.sender for t in txs]


def _size(raws, senders, level="default", version=2):
    table: dict[bytes, int] = {}
    labels = [table.setdefault(s, len(table)) for s in senders]
    if version == 1:
        return len(v1.encode(raws, labels, level))
    return len(v2.encode(raws, labels, level, verify=False))  # what the builder seals: a keyframe


def test_the_default_is_v2_with_its_checksum(batch):
    raws, senders = batch
    payload = build_payloads(raws[:50], senders=senders[:50], target_bytes=TARGET)[0]
    assert payload_version(payload) == 2 and BatchBuilder(target_bytes=TARGET).version == 2
    assert payload_version(build_payloads(raws[:50], senders=senders[:50], target_bytes=TARGET, version=1)[0]) == 1
    import random
    from batchkit.errors import DecodeError
    rng = random.Random(21)
    for _ in range(200):  # the checksum: no mutation decodes to other transactions
        bad = bytearray(payload)
        bad[rng.randrange(len(bad))] ^= 1 << rng.randrange(8)
        with pytest.raises(DecodeError):
            decompress(bytes(bad))


def test_target_for_blobs_is_130048_n_minus_4():
    assert target_for_blobs(1) == 130_044
    assert target_for_blobs(6) == 130_048 * 6 - 4
    assert BatchBuilder(target_blobs=2).target == 260_092


def test_exactly_one_target_is_required():
    with pytest.raises(InputError):
        BatchBuilder()
    with pytest.raises(InputError):
        BatchBuilder(target_blobs=1, target_bytes=1000)


# The smallest fill of this generated batch: v1 0.97; v2 (the default) 0.945 (its keyframes' zstd framing
# moves in larger steps). On ethereum-mainnet-recent (6,000 transactions) both fill 0.97-0.98 on average.
@pytest.mark.parametrize("version, fill", [(1, 0.97), (2, 0.94)])
def test_payloads_decode_in_order_never_exceed_and_fill_the_target(batch, version, fill):
    raws, senders = batch
    payloads = build_payloads(raws, senders=senders, target_bytes=TARGET, version=version)
    assert len(payloads) > 3
    assert {payload_version(p) for p in payloads} == {version}
    assert [tx for p in payloads for tx in decompress(p)] == raws
    assert all(len(p) <= TARGET for p in payloads)
    assert min(len(p) for p in payloads[:-1]) >= fill * TARGET


def test_without_senders_and_at_max_level(batch):
    raws, _ = batch
    payloads = build_payloads(raws[:400], target_bytes=TARGET, level="max")
    assert [tx for p in payloads for tx in decompress(p)] == raws[:400]
    assert all(len(p) <= TARGET for p in payloads)


@pytest.mark.parametrize("version", [1, 2])
def test_add_returns_false_only_when_the_tx_would_not_fit(batch, version):
    raws, senders = batch
    b = BatchBuilder(target_bytes=TARGET, version=version)
    pending_raws, pending_senders = [], []
    falses = 0
    for raw, sender in zip(raws, senders):
        if not b.add(raw, sender):
            falses += 1
            # The pending payload fits; with this tx it would not, or the payload is already full to
            # within the builder's closing gap (it then keeps the compression it has made).
            assert _size(pending_raws, pending_senders, version=version) <= TARGET
            with_tx = _size(pending_raws + [raw], pending_senders + [sender], version=version)
            assert with_tx > TARGET or _size(pending_raws, pending_senders, version=version) >= 0.98 * TARGET
            payload = b.seal()
            assert decompress(payload) == pending_raws
            pending_raws, pending_senders = [], []
            assert b.add(raw, sender)
        pending_raws.append(raw)
        pending_senders.append(sender)
    assert falses >= 3


def test_a_transaction_too_large_alone_is_rejected(batch):
    raws, _ = batch
    big = max(raws, key=len)
    b = BatchBuilder(target_bytes=len(big) // 2)
    with pytest.raises(InputError, match="even alone"):
        b.add(big)
    assert len(b) == 0


def test_invalid_transaction_is_rejected_with_its_index(batch):
    raws, _ = batch
    b = BatchBuilder(target_bytes=TARGET)
    assert b.add(raws[0])
    with pytest.raises(InputError, match="transaction 1"):
        b.add(b"\x02\xc0")


def test_seal_of_nothing_is_an_error():
    with pytest.raises(InputError):
        BatchBuilder(target_bytes=TARGET).seal()


def test_compressions_per_payload_are_bounded(batch, monkeypatch):
    raws, senders = batch
    calls = []
    real = v1.compress_body

    def counting(method, param, data):
        calls.append((method, param))
        return real(method, param, data)

    monkeypatch.setattr(v1, "compress_body", counting)
    b = BatchBuilder(target_bytes=TARGET)
    per_payload = []
    for raw, sender in zip(raws, senders):
        while not b.add(raw, sender):
            calls.clear() if False else None
            b.seal()
            per_payload.append(len(calls))
            calls.clear()
    # probes (3 + 1 learning) + checks + the seal's compression and its retries
    bound = 4 + MAX_CHECKS + 1 + MAX_SEAL_RETRIES + 1
    assert per_payload and max(per_payload) <= bound
    # and far fewer than one per transaction
    assert sum(per_payload) < len(raws) / 10


def test_estimated_size_and_pending_bytes(batch):
    raws, senders = batch
    b = BatchBuilder(target_bytes=TARGET)
    for raw, sender in zip(raws[:20], senders[:20]):
        assert b.add(raw, sender)
    assert len(b) == 20
    assert b.pending_bytes == sum(map(len, raws[:20]))
    est = b.estimated_size
    real = len(b.seal())
    assert 0.5 * real < est < 2 * real
    assert len(b) == 0 and b.pending_bytes == 0
