"""Transactions whose sender cannot be recovered (the ``ttRSValue`` / ``ttSignature`` shapes of the
ethereum/tests TransactionTests: r or s zero, at or above the curve order, an r with no curve point, a
signature that recovers to the point at infinity) are structurally valid: ``compress`` with default
recovery carries them byte for byte, each in a sender group of its own, on both kernels."""

from __future__ import annotations

import dataclasses

import pytest
from coincurve import PrivateKey

import batchkit
from batchkit.errors import SenderRecoveryError
from batchkit.format import _pure, v1, v2
from batchkit.senders import recover_sender, recover_senders
from batchkit.tx import parse_tx

from hostile_helpers import _core

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P = 2**256 - 2**32 - 977

KERNELS = [pytest.param(_pure, id="pure"),
           pytest.param(_core, id="compiled", marks=pytest.mark.skipif(_core is None, reason="no _core"))]


def _no_point_x() -> int:
    """The smallest x with no curve point (x^3 + 7 is not a square mod p)."""
    x = 1
    while pow(x**3 + 7, (P - 1) // 2, P) == 1:
        x += 1
    return x


def _with(raw: bytes, **changes) -> bytes:
    return dataclasses.replace(parse_tx(raw), **changes).encode()


def _at_infinity(raw: bytes) -> bytes:
    """``raw`` re-signed with s = 1 and R = z G (z its signing hash): recovery gives r^-1 (s R - z G), the
    point at infinity."""
    tx = parse_tx(raw)
    z = int.from_bytes(tx.signing_hash(), "big") % N
    point = PrivateKey(z.to_bytes(32, "big")).public_key.format(compressed=False)
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    assert x < N
    fields = {f.name for f in dataclasses.fields(tx)}
    if "y_parity" in fields:
        return _with(raw, r=x, s=1, y_parity=y & 1)
    v = tx.v
    return _with(raw, r=x, s=1, v=27 + (y & 1) if v in (27, 28) else v - (v - 35) % 2 + (y & 1))


BREAKS = {
    "r=0": lambda raw: _with(raw, r=0),
    "s=0": lambda raw: _with(raw, s=0),
    "r=n": lambda raw: _with(raw, r=N),
    "s=n": lambda raw: _with(raw, s=N),
    "r=2^256-1": lambda raw: _with(raw, r=2**256 - 1),
    "s=2^256-1": lambda raw: _with(raw, s=2**256 - 1),
    "r has no point": lambda raw: _with(raw, r=_no_point_x()),
    "point at infinity": _at_infinity,
}


def _one_of_each_type(raws: list[bytes]) -> list[bytes]:
    seen: dict[int, bytes] = {}
    for raw in raws:
        seen.setdefault(raw[0] if raw[0] < 0xC0 else 0xC0, raw)
    return list(seen.values())


@pytest.fixture(scope="module")
def real(request) -> list[bytes]:
    from conftest import CORPORA
    if CORPORA is None:
        pytest.skip("the shared corpora are absent")
    from batchkit.corpora import load_jsonl
    rows = load_jsonl(CORPORA / "ethereum-mainnet-recent.jsonl")
    return [bytes.fromhex(r["raw"][2:]) for r in rows[:300]]


@pytest.mark.parametrize("brk", list(BREAKS))
def test_the_broken_signatures_really_do_not_recover(real, brk):
    for raw in _one_of_each_type(real):
        bad = BREAKS[brk](raw)
        assert parse_tx(bad).encode() == bad  # structurally valid: only the signature is wrong
        with pytest.raises(SenderRecoveryError):
            recover_sender(bad)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("brk", list(BREAKS))
def test_compress_carries_them_with_default_recovery(real, brk, kernel, monkeypatch):
    monkeypatch.setattr(v1, "core", kernel)
    monkeypatch.setattr(v2, "core", kernel)
    batch = list(real[:120])
    broken = {}
    for k, raw in enumerate(_one_of_each_type(real)):
        i = 7 + 13 * k
        batch[i] = broken[i] = BREAKS[brk](raw)
    for level in ("fast", "default"):
        payload = batchkit.compress(batch, level=level)
        assert batchkit.decompress(payload) == batch
        decoded = v2.decode(payload)
        for i in broken:  # a sender group of its own: no other transaction shares it
            assert decoded.groups.count(decoded.groups[i]) == 1
        # The same bytes as supplying the recovered senders with None where recovery fails.
        senders = [None if i in broken else recover_sender(r) for i, r in enumerate(batch)]
        assert payload == batchkit.compress(batch, level=level, senders=senders)


@pytest.mark.parametrize("kernel", KERNELS)
def test_every_envelope_type_of_the_generated_batch(generated_raws, kernel, monkeypatch):
    monkeypatch.setattr(v1, "core", kernel)
    monkeypatch.setattr(v2, "core", kernel)
    batch = list(generated_raws[:200])
    for i in range(0, 200, 9):
        batch[i] = BREAKS[list(BREAKS)[i % len(BREAKS)]](batch[i])
    assert batchkit.decompress(batchkit.compress(batch)) == batch
    builder = batchkit.BatchBuilder(target_blobs=1)
    assert all(builder.add(raw) for raw in batch)
    assert batchkit.decompress(builder.seal()) == batch


def test_strict_recovery_still_raises_and_tolerant_recovery_gives_none(real):
    bad = BREAKS["r=0"](real[3])
    batch = real[:3] + [bad] + real[4:6]
    with pytest.raises(SenderRecoveryError) as info:
        recover_senders(batch, workers=1)
    assert info.value.index == 3
    got = recover_senders(batch, workers=1, strict=False)
    assert got[3] is None and got[:3] == [recover_sender(r) for r in real[:3]]


def test_tolerant_pool_matches_in_process(real, monkeypatch):
    import batchkit.senders as senders_mod
    batch = [BREAKS["s=n"](r) if i % 5 == 0 else r for i, r in enumerate(real[:60])]
    monkeypatch.setattr(senders_mod, "POOL_THRESHOLD", 10)
    assert recover_senders(batch, workers=2, strict=False) == recover_senders(batch, workers=1, strict=False)


def test_malformed_transactions_still_fail(real):
    with pytest.raises(batchkit.InputError, match="transaction 1"):
        batchkit.compress([real[0], real[1][:-1]])


def test_the_cli_compresses_them(tmp_path, real):
    from batchkit.cli import main
    batch = [BREAKS["point at infinity"](r) if i % 4 == 0 else r for i, r in enumerate(real[:40])]
    src = tmp_path / "txs.hex"
    src.write_text("".join("0x" + r.hex() + "\n" for r in batch))
    assert main(["compress", str(src), "-o", str(tmp_path / "b.bk")]) == 0
    assert batchkit.decompress((tmp_path / "b.bk").read_bytes()) == batch
