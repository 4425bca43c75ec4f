"""The v1 codec end to end: round trips on every real corpus file and on generated batches, levels,
senders, determinism, and the properties every payload keeps."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

import batchkit
from batchkit.format import _core, _pure
from batchkit.corpora import load_jsonl
from batchkit.format import v1, v2
from batchkit.tx import parse_tx

from conftest import NO_CORPORA, corpus_files

BACKENDS = [pytest.param(_core, id="core"), pytest.param(_pure, id="pure")]


@pytest.mark.parametrize("path", corpus_files() or [pytest.param(None, marks=pytest.mark.skip(reason=NO_CORPORA))],
                         ids=lambda p: p.name if p else "absent")
def test_every_corpus_file_round_trips_byte_for_byte(path):
    records = load_jsonl(path, include_system=True)
    raws = [bytes.fromhex(r["raw"][2:]) for r in records]
    supported = [r for r in raws if r[0] >= 0xC0 or 1 <= r[0] <= 4]
    for start in range(0, len(supported), 500):
        chunk = supported[start:start + 500]
        payload = batchkit.compress(chunk, recover=False)
        assert batchkit.decompress(payload) == chunk


@pytest.mark.parametrize("backend", BACKENDS)
def test_columns_round_trip_on_the_whole_corpus_with_both_backends(backend, corpus_raws):
    chain, streams = backend.disassemble(corpus_raws, None)
    txs, groups = backend.assemble(len(corpus_raws), chain, streams)
    assert txs == corpus_raws
    assert backend.disassemble(txs, groups) == (chain, streams)


@pytest.mark.parametrize("level", ["fast", "default", "max", 1, 19])
def test_generated_batch_with_every_type_round_trips_at_every_level(level, generated_raws, generated_senders):
    assert {parse_tx(r).type for r in generated_raws} == {0, 1, 2, 3, 4}
    payload = batchkit.compress(generated_raws, level=level, senders=generated_senders)
    assert batchkit.decompress(payload) == generated_raws
    batchkit.verify(generated_raws, payload)


def test_payload_decodes_from_bytes_bytearray_and_memoryview(generated_raws):
    payload = batchkit.compress(generated_raws[:50], recover=False)
    assert batchkit.decompress(bytearray(payload)) == generated_raws[:50]
    assert batchkit.decompress(memoryview(b"xx" + payload)[2:]) == generated_raws[:50]


def test_wrong_senders_cost_bytes_but_never_change_what_decodes(generated_raws, generated_senders):
    right = batchkit.compress(generated_raws, senders=generated_senders)
    same = [b"\x11" * 20] * len(generated_raws)
    wrong = [s[::-1] for s in generated_senders[1:]] + [generated_senders[0]]
    for senders in (same, wrong):
        payload = batchkit.compress(generated_raws, senders=senders)
        assert batchkit.decompress(payload) == generated_raws
    without = batchkit.compress(generated_raws, recover=False)
    assert batchkit.decompress(without) == generated_raws
    assert batchkit.decompress(right) == generated_raws
    groups = v2.decode(right).groups
    assert len(set(groups)) < len(groups)  # supplied senders with consecutive nonces share a group


def test_recovered_senders_give_the_same_payload_as_supplied_ones(generated_raws, generated_senders):
    assert batchkit.compress(generated_raws[:200]) == batchkit.compress(generated_raws[:200],
                                                                        senders=generated_senders[:200])


def test_api_accepts_hex_strings_and_eth_account_signed_transactions(generated_raws):
    from eth_account import Account
    acct = Account.from_key(b"\x01" * 32)
    signed = acct.sign_transaction({"to": "0x" + "22" * 20, "value": 1, "gas": 21000, "gasPrice": 10**9,
                                    "nonce": 0, "chainId": 1})
    txs = ["0x" + generated_raws[0].hex(), generated_raws[1].hex(), signed]
    payload = batchkit.compress(txs)
    assert batchkit.decompress(payload) == [generated_raws[0], generated_raws[1], bytes(signed.raw_transaction)]


def test_unsupported_type_names_the_transaction_position_and_type(generated_raws):
    deposit = bytes([0x7E]) + b"\xc0"
    with pytest.raises(batchkit.UnsupportedTransactionError) as info:
        batchkit.compress(generated_raws[:3] + [deposit], recover=False)
    assert info.value.index == 3 and info.value.tx_type == 0x7E
    assert "transaction 3" in str(info.value)


def test_malformed_transaction_is_an_input_error_naming_its_index(generated_raws):
    bad = generated_raws[5][:-1]
    with pytest.raises(batchkit.InputError) as info:
        batchkit.compress(generated_raws[:5] + [bad], recover=False)
    assert info.value.index == 5


def test_verify_reports_a_difference(generated_raws):
    payload = batchkit.compress(generated_raws[:10], recover=False)
    with pytest.raises(batchkit.VerificationError):
        batchkit.verify(generated_raws[:9], payload)


def test_encoder_verification_catches_a_decoder_that_disagrees(monkeypatch, generated_raws):
    real = v1.decode

    def lossy(payload):
        d = real(payload)
        return v1.Decoded(d.txs[:-1], d.groups[:-1], d.chain, d.method)

    monkeypatch.setattr(v1, "decode", lossy)
    with pytest.raises(batchkit.VerificationError):
        batchkit.compress(generated_raws[:10], recover=False, version=1)
    batchkit.compress(generated_raws[:10], recover=False, verify=False, version=1)


def test_unknown_level_is_rejected():
    with pytest.raises(ValueError):
        v1.resolve_level("fastest")
    with pytest.raises(ValueError):
        v1.resolve_level(23)


def test_empty_batch_round_trips():
    payload = batchkit.compress([], recover=False)
    assert batchkit.decompress(payload) == []


def test_same_input_gives_the_same_bytes_under_different_hash_seeds(tmp_path, generated_raws):
    path = tmp_path / "txs.hex"
    path.write_text("\n".join(r.hex() for r in generated_raws[:300]))
    script = ("import sys, batchkit; raws=[bytes.fromhex(l) for l in open(sys.argv[1]).read().split()];"
              "sys.stdout.write(batchkit.compress(raws, level=sys.argv[2]).hex())")
    for level in ("fast", "default"):
        outs = {subprocess.run([sys.executable, "-c", script, str(path), level], capture_output=True, text=True,
                               env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
                for seed in ("0", "1", "12345")}
        assert len(outs) == 1


@given(st.binary(max_size=400))
def test_arbitrary_bytes_either_decode_or_raise_decode_error(data):
    for candidate in (data, b"BK\x01" + data):
        try:
            batchkit.decompress(candidate)
        except batchkit.DecodeError:
            pass


@given(st.data())
def test_every_truncation_of_a_valid_payload_is_rejected(data):
    raws = _SMALL
    payload = batchkit.compress(raws, recover=False)
    cut = data.draw(st.integers(0, len(payload) - 1))
    with pytest.raises(batchkit.DecodeError):
        batchkit.decompress(payload[:cut])


@given(st.lists(st.integers(0, 599), min_size=1, max_size=40), st.sampled_from(["fast", "default"]))
def test_any_selection_of_transactions_round_trips(indices, level):
    raws = [_GEN[i] for i in indices]
    assert batchkit.decompress(batchkit.compress(raws, level=level, recover=False)) == raws


from batchkit.corpora import generate_batch  # noqa: E402

_GEN = [t.raw for t in generate_batch(600, seed=7)]
_SMALL = _GEN[:12]


@pytest.mark.parametrize("level", ["fast", "default", 19])
def test_threads_compressing_at_once_give_the_serial_payloads(level, generated_raws, generated_senders):
    import threading
    batches = [(generated_raws[i:i + 100], generated_senders[i:i + 100]) for i in range(0, 600, 100)]
    serial = [batchkit.compress(txs, level=level, senders=snd, verify=False) for txs, snd in batches]
    results: dict[tuple[int, int], bytes] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def work(worker: int) -> None:
        try:
            start.wait()
            for round_ in range(3):
                for i, (txs, snd) in enumerate(batches):
                    results[worker, round_ * len(batches) + i] = batchkit.compress(txs, level=level, senders=snd,
                                                                                   verify=False)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert len(results) == 4 * 3 * len(batches)
    for (worker, k), payload in results.items():
        assert payload == serial[k % len(batches)]
