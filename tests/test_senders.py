"""Sender recovery: known keys recover to their addresses for every signed type, the pool agrees with
the in-process path, and signatures that do not recover are rejected with the transaction's index."""

from __future__ import annotations

import dataclasses

import pytest
from eth_account import Account

from batchkit import senders
from batchkit.errors import InputError
from batchkit.senders import recover_sender, recover_senders
from batchkit.tx import parse_tx

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ACCOUNT = Account.from_key(KEY)
TO = "0x" + "35" * 20
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _signed(kind: str, nonce: int = 0) -> bytes:
    base = dict(nonce=nonce, gas=60000, to=TO, value=10**15 + nonce, data="0x")
    if kind == "legacy-pre155":
        tx = dict(base, gasPrice=20 * 10**9)
    elif kind == "legacy-155":
        tx = dict(base, gasPrice=20 * 10**9, chainId=1)
    elif kind == "0x01":
        tx = dict(base, type=1, gasPrice=20 * 10**9, chainId=1,
                  accessList=[{"address": TO, "storageKeys": ["0x" + "00" * 31 + "01"]}])
    elif kind == "0x02":
        tx = dict(base, type=2, maxFeePerGas=30 * 10**9, maxPriorityFeePerGas=10**9, chainId=1)
    elif kind == "0x04":
        other = Account.from_key("0x" + "11" * 32)
        auth = other.sign_authorization({"chainId": 1, "address": "0x" + "42" * 20, "nonce": 7})
        tx = dict(base, type=4, maxFeePerGas=30 * 10**9, maxPriorityFeePerGas=10**9, chainId=1,
                  authorizationList=[auth])
    else:  # pragma: no cover
        raise AssertionError(kind)
    return bytes(Account.sign_transaction(tx, KEY).raw_transaction)


KINDS = ["legacy-pre155", "legacy-155", "0x01", "0x02", "0x04"]


@pytest.mark.parametrize("kind", KINDS)
def test_eth_account_signed_tx_recovers_to_the_signing_key(kind):
    raw = _signed(kind)
    tx = parse_tx(raw)
    if kind == "legacy-pre155":
        assert tx.v in (27, 28)
    if kind == "legacy-155":
        assert tx.chain_id == 1
    assert recover_sender(raw) == bytes.fromhex(ACCOUNT.address[2:])
    assert recover_sender(bytearray(raw)) == recover_sender(memoryview(raw))


def test_7702_recovers_the_tx_sender_not_the_authority():
    assert recover_sender(_signed("0x04")) == bytes.fromhex(ACCOUNT.address[2:])


def test_pool_gives_the_same_list_in_order_as_in_process(monkeypatch):
    raws = [_signed(KINDS[i % len(KINDS)], nonce=i) for i in range(40)]
    monkeypatch.setattr(senders, "POOL_THRESHOLD", 10)
    in_process = recover_senders(raws, workers=1)
    pooled = recover_senders(raws, workers=2)
    assert pooled == in_process == [bytes.fromhex(ACCOUNT.address[2:])] * 40


def test_small_lists_and_empty_list():
    assert recover_senders([]) == []
    assert recover_senders([_signed("0x02")]) == [bytes.fromhex(ACCOUNT.address[2:])]


def _with_signature(raw: bytes, **changes) -> bytes:
    return dataclasses.replace(parse_tx(raw), **changes).encode()


def _unrecoverable_r() -> int:
    # An x coordinate with no point on the curve: y^2 = x^3 + 7 has no root.
    p = 2**256 - 2**32 - 977
    x = 1
    while pow(x**3 + 7, (p - 1) // 2, p) == 1:
        x += 1
    return x


@pytest.mark.parametrize("r", [0, SECP256K1_N, 2**256 - 1, _unrecoverable_r()])
def test_signature_that_does_not_recover_is_rejected_with_its_index(r):
    bad = _with_signature(_signed("0x02"), r=r)
    with pytest.raises(InputError, match="transaction 3") as info:
        recover_senders([_signed("0x02", n) for n in range(3)] + [bad], workers=1)
    assert info.value.index == 3


def test_zero_s_is_rejected():
    with pytest.raises(InputError):
        recover_sender(_with_signature(_signed("legacy-155"), s=0))


def test_pool_reports_the_index_of_the_bad_signature(monkeypatch):
    raws = [_signed("0x02", n) for n in range(30)]
    raws[17] = _with_signature(raws[17], r=0)
    monkeypatch.setattr(senders, "POOL_THRESHOLD", 10)
    with pytest.raises(InputError) as info:
        recover_senders(raws, workers=2)
    assert info.value.index == 17


def test_malformed_tx_is_an_input_error():
    with pytest.raises(InputError):
        recover_sender(b"\x02\xc0")


def test_recover_stream_fills_only_the_missing_senders_in_order(monkeypatch):
    raws = [_signed("0x02", n) for n in range(40)]
    given = b"\x11" * 20
    pairs = [(r, given if i % 3 == 0 else None) for i, r in enumerate(raws)]
    want = [given if i % 3 == 0 else s for i, s in enumerate(recover_senders(raws, workers=1))]
    monkeypatch.setattr(senders, "POOL_THRESHOLD", 5)
    for workers, chunk in ((1, 7), (2, 16), (2, 1000)):
        out = list(senders.recover_stream(iter(pairs), workers=workers, chunk=chunk))
        assert [r for r, _ in out] == raws and [s for _, s in out] == want


def test_recover_stream_names_the_bad_transaction_by_its_position(monkeypatch):
    raws = [_signed("0x02", n) for n in range(40)]
    raws[29] = _with_signature(raws[29], r=0)
    pairs = [(r, b"\x11" * 20 if i in (3, 21) else None) for i, r in enumerate(raws)]
    monkeypatch.setattr(senders, "POOL_THRESHOLD", 5)
    for workers in (1, 2):
        it = senders.recover_stream(iter(pairs), workers=workers, chunk=16)
        got = [next(it) for _ in range(16)]    # the first chunk comes out before the bad one is reached
        assert len(got) == 16
        with pytest.raises(InputError) as info:
            list(it)
        assert info.value.index == 29
    with pytest.raises(InputError):
        list(senders.recover_stream([], workers=0))
