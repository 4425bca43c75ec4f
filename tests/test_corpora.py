"""The corpus generator (deterministic, valid, every type present, senders right) and the loaders and
batch cutter for the shared corpus."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import rlp
from coincurve import PublicKey
from eth_account import Account

from batchkit.corpora import batches, generate_batch, load_all, load_jsonl, shared_corpora_dir
from batchkit.corpora.__main__ import main as corpora_main
from batchkit.senders import recover_senders
from batchkit.tx import keccak256, parse_tx


@pytest.fixture(scope="module")
def batch():
    return generate_batch(2000, seed=0)


def _kind(raw: bytes) -> str:
    tx = parse_tx(raw)
    if tx.type == 0:
        return "legacy-pre155" if tx.chain_id is None else "legacy-155"
    return f"0x{tx.type:02x}"


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(batch):
    assert [t.raw for t in generate_batch(2000, seed=0)] == [t.raw for t in batch]
    other = generate_batch(200, seed=1)
    assert [t.raw for t in other] != [t.raw for t in batch[:200]]
    assert [t.raw for t in generate_batch(200, seed=1)] == [t.raw for t in other]


def test_every_tx_parses_strictly_and_recovers_to_its_generating_key(batch):
    for t in batch:
        assert parse_tx(t.raw).encode() == t.raw
    assert recover_senders([t.raw for t in batch]) == [t.sender for t in batch]


def test_every_type_is_present_in_a_2000_tx_batch_in_mainnet_like_shares(batch):
    kinds = Counter(_kind(t.raw) for t in batch)
    assert set(kinds) == {"legacy-pre155", "legacy-155", "0x01", "0x02", "0x03", "0x04"}
    assert kinds["0x02"] > 0.5 * len(batch)
    assert 0.2 * len(batch) < kinds["legacy-155"] + kinds["legacy-pre155"] < 0.4 * len(batch)


def test_nonces_are_consecutive_per_sender_and_senders_are_many(batch):
    nonces: dict[bytes, list[int]] = {}
    for t in batch:
        nonces.setdefault(t.sender, []).append(parse_tx(t.raw).nonce)
    for seq in nonces.values():
        # 7702 authorizations also bump the authority's nonce, so a gap of 2 is allowed after one.
        assert all(0 < b - a <= 2 for a, b in zip(seq, seq[1:]))
    assert 0.5 * len(batch) < len(nonces) < 0.9 * len(batch)
    assert max(len(s) for s in nonces.values()) >= 5  # Zipf: some senders are busy


def test_7702_authorizations_recover_to_their_authority_and_match_eth_account(batch):
    checked = 0
    for t in batch:
        tx = parse_tx(t.raw)
        if tx.type != 4:
            continue
        for a in tx.authorization_list:
            message = keccak256(b"\x05" + rlp.encode([a.chain_id, a.address, a.nonce]))
            signature = a.r.to_bytes(32, "big") + a.s.to_bytes(32, "big") + bytes([a.y_parity])
            public = PublicKey.from_signature_and_message(signature, message, hasher=None)
            assert keccak256(public.format(compressed=False)[1:])[12:] == tx.to  # the generator calls the authority
            checked += 1
    assert checked
    # The generator signs authorizations like eth-account does.
    key = "0x" + "11" * 32
    ours = _sign_authorization(key, 1, bytes.fromhex("42" * 20), 3)
    theirs = Account.from_key(key).sign_authorization({"chainId": 1, "address": "0x" + "42" * 20, "nonce": 3})
    assert ours == (theirs.y_parity, theirs.r, theirs.s)


def _sign_authorization(key: str, chain_id: int, address: bytes, nonce: int) -> tuple[int, int, int]:
    from coincurve import PrivateKey
    sig = PrivateKey(bytes.fromhex(key[2:])).sign_recoverable(
        keccak256(b"\x05" + rlp.encode([chain_id, address, nonce])), hasher=None)
    return sig[64], int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")


def test_chain_id_is_used():
    for t in generate_batch(100, seed=3, chain_id=8453):
        tx = parse_tx(t.raw)
        assert (tx.chain_id in (8453, None)) if tx.type == 0 else tx.chain_id == 8453


def test_batches_cut_before_the_tx_that_would_overflow():
    raws = [b"a" * 40, b"b" * 50, b"c" * 10, b"d" * 1, b"e" * 200, b"f" * 30]
    assert batches(raws, batch_bytes=100) == [[raws[0], raws[1], raws[2]], [raws[3]], [raws[4]], [raws[5]]]
    assert batches(raws, batch_bytes=10_000) == [raws]
    assert batches([], batch_bytes=100) == []
    exact = [b"x" * 50, b"y" * 50, b"z"]
    assert batches(exact, batch_bytes=100) == [exact[:2], exact[2:]]
    for cut in batches([t for t in raws], batch_bytes=60):
        assert cut and (sum(map(len, cut)) <= 60 or len(cut) == 1)
    with pytest.raises(ValueError):
        batches(raws, batch_bytes=0)


def test_cli_writes_the_shared_jsonl_shape(tmp_path):
    out = tmp_path / "out.jsonl"
    assert corpora_main(["generate", "-n", "30", "--seed", "1", "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = generate_batch(30, seed=1)
    assert [r["raw"] for r in records] == ["0x" + t.raw.hex() for t in expected]
    for r, t in zip(records, expected):
        assert {"raw", "hash", "chain_id", "block", "index", "from"} <= set(r)
        assert r["hash"] == "0x" + keccak256(t.raw).hex() and r["from"] == "0x" + t.sender.hex()
    assert load_jsonl(out) == records


corpora_dir = shared_corpora_dir()


@pytest.mark.skipif(corpora_dir is None, reason="the shared corpus (../shared/corpora) is absent")
def test_load_all_reads_the_shared_corpus_without_system_txs():
    raws = load_all()
    assert len(raws) > 10_000 and not any(r[:1] == b"\x7e" for r in raws)
    no_blobs = load_all(include_blobs=False)
    assert len(no_blobs) < len(raws) and not any(r[:1] == b"\x03" for r in no_blobs)
    with_system = load_all(include_system=True)
    assert sum(r[:1] == b"\x7e" for r in with_system) > 0
