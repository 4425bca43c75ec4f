"""The single-envelope kernels ``check_tx`` and ``signing_parts``: ``_core`` against ``_pure``, and both
against ``tx.parse_tx`` (the semantic model) and ``disassemble`` (the codec's walk). Same accept/reject,
same exception type, same output; every oracle has a planted-bug test. (The twins may word a rejection
differently, as their ``disassemble`` may: they check in a different order.)"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit import tx
from batchkit.corpora import generate_batch
from batchkit.errors import InputError, UnsupportedTransactionError
from batchkit.format import _pure

from hostile_helpers import _core

pytestmark = pytest.mark.skipif(_core is None, reason="batchkit._core is not built")


def _call(fn, *args):
    try:
        return fn(*args), None
    except Exception as exc:  # noqa: BLE001
        return None, exc


def _verdict(exc: BaseException | None) -> str:
    return "ok" if exc is None else type(exc).__name__


def twin_diff(raw, a, b, index=None) -> str | None:
    """Two implementations of one kernel agree: same result, or the same InputError type naming ``index``."""
    out_a, exc_a = _call(a, raw, index)
    out_b, exc_b = _call(b, raw, index)
    for exc in (exc_a, exc_b):
        if exc is not None and not isinstance(exc, InputError):
            return f"raised {type(exc).__name__}: {exc!r}"
    if _verdict(exc_a) != _verdict(exc_b):
        return f"a {_verdict(exc_a)} ({exc_a}) vs b {_verdict(exc_b)} ({exc_b})"
    if exc_a is None and out_a != out_b:
        return f"outputs differ: {out_a!r} vs {out_b!r}"
    if exc_a is not None and exc_a.index != exc_b.index:
        return f"indices differ: {exc_a.index} vs {exc_b.index}"
    return None


def model_diff(raw, signing_parts, check_tx) -> str | None:
    """``signing_parts`` and ``check_tx`` accept what ``parse_tx`` and ``disassemble`` accept, and say what the
    model says: the signing hash, r ‖ s ‖ parity, the type."""
    parsed, exc_p = _call(tx.parse_tx, raw)
    parts, exc_s = _call(signing_parts, raw)
    kind, exc_c = _call(check_tx, raw)
    _, exc_d = _call(_core.disassemble, [raw], None)
    verdicts = {name: type(exc).__name__ if exc else "ok"
                for name, exc in (("parse_tx", exc_p), ("signing_parts", exc_s), ("check_tx", exc_c),
                                  ("disassemble", exc_d))}
    if len(set(verdicts.values())) != 1:
        return f"verdicts differ: {verdicts}"
    if exc_s is not None and str(exc_s) != str(exc_c):
        return f"signing_parts ({exc_s}) and check_tx ({exc_c}) reject differently"
    if exc_p is None:
        message, signature = parts
        if tx.keccak256(message) != parsed.signing_hash():
            return "keccak256(message) is not the signing hash"
        if signature != parsed.r.to_bytes(32, "big") + parsed.s.to_bytes(32, "big") + bytes([parsed.y_parity]):
            return "signature is not r ‖ s ‖ parity"
        if kind != parsed.type:
            return f"check_tx says type {kind}, parse_tx {parsed.type}"
    return None


def _mutations(data: bytes, rng: random.Random, count: int):
    for _ in range(count):
        b = bytearray(data)
        op = rng.randrange(4)
        if op == 0 and b:
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1:
            del b[rng.randrange(len(b) + 1):]
        elif op == 2:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        elif b:
            del b[rng.randrange(len(b))]
        yield bytes(b)


@pytest.fixture(scope="module")
def gen_raws():
    return [t.raw for t in generate_batch(2000, seed=8)]


def _one_per_shape(raws):
    """One tx per envelope type, and the legacy ones with and without EIP-155 apart."""
    shapes = {}
    for raw in raws:
        shape = raw[0] if raw[0] < 0xC0 else ("legacy", tx.parse_tx(raw).chain_id is None)
        shapes.setdefault(shape, raw)
    return shapes


@pytest.fixture(scope="module")
def corpus_files_raws():
    """Every raw transaction of each corpus file, unsupported ones (0x7e) included."""
    from conftest import NO_CORPORA, corpus_files
    from batchkit.corpora import load_jsonl
    files = corpus_files()
    if not files:
        pytest.skip(NO_CORPORA)
    return [(f.name, [bytes.fromhex(r["raw"].removeprefix("0x")) for r in load_jsonl(f)]) for f in files]


def test_the_generated_batch_has_every_shape(gen_raws):
    assert len(_one_per_shape(gen_raws)) == 6


def test_core_pure_and_model_agree_on_generated_txs(gen_raws):
    for raw in gen_raws:
        for a, b in ((_core.signing_parts, _pure.signing_parts), (_core.check_tx, _pure.check_tx)):
            assert twin_diff(raw, a, b) is None
        assert model_diff(raw, _core.signing_parts, _core.check_tx) is None


def test_core_pure_and_model_agree_on_every_corpus_file(corpus_files_raws):
    total = 0
    for name, raws in corpus_files_raws:
        for raw in raws[::7]:  # a seventh of each file: every shape, in a few seconds under the pure twin
            assert twin_diff(raw, _core.signing_parts, _pure.signing_parts) is None, name
            assert model_diff(raw, _core.signing_parts, _core.check_tx) is None, name
            total += 1
    assert total > 100


def test_core_pure_and_model_agree_on_mutated_txs(gen_raws):
    rng = random.Random(41)
    for raw in _one_per_shape(gen_raws).values():
        for mutated in _mutations(raw, rng, 300):
            for a, b in ((_core.signing_parts, _pure.signing_parts), (_core.check_tx, _pure.check_tx)):
                assert twin_diff(mutated, a, b, 7) is None, mutated.hex()
            assert model_diff(mutated, _core.signing_parts, _core.check_tx) is None, mutated.hex()
            assert model_diff(mutated, _pure.signing_parts, _pure.check_tx) is None, mutated.hex()


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_core_pure_and_model_agree_on_arbitrary_bytes(raw):
    assert twin_diff(raw, _core.signing_parts, _pure.signing_parts) is None
    assert twin_diff(raw, _core.check_tx, _pure.check_tx) is None
    assert model_diff(raw, _core.signing_parts, _core.check_tx) is None


def test_errors_name_the_index_and_keep_their_type(gen_raws):
    for kernel in (_core.signing_parts, _pure.signing_parts, _core.check_tx, _pure.check_tx):
        with pytest.raises(UnsupportedTransactionError) as info:
            kernel(b"\x7e\xc0", 12)
        assert info.value.index == 12 and info.value.tx_type == 0x7E
        with pytest.raises(InputError, match="trailing bytes") as info:
            kernel(gen_raws[0] + b"\x00", 3)
        assert info.value.index == 3 and type(info.value) is InputError
        assert kernel(bytearray(gen_raws[0])) == kernel(memoryview(gen_raws[0]))


def test_long_messages_get_the_long_list_header():
    """A message of 56 bytes or more has a long-form list header (and 256 or more, a two-byte length)."""
    base = dict(nonce=1, gas=21000, to=b"\x11" * 20, value=5, r=1 << 255, s=3)
    for data in (b"", b"\x01" * 20, b"\x02" * 40, b"\x03" * 300):
        for signed in (tx.LegacyTx(gas_price=7, data=data, v=27, **base),
                       tx.LegacyTx(gas_price=7, data=data, v=2 * 300 + 35, **base),
                       tx.LegacyTx(gas_price=7, data=data, v=2 * 100 + 36, **base),
                       tx.DynamicFeeTx(chain_id=1, max_priority_fee_per_gas=1, max_fee_per_gas=2, data=data,
                                       access_list=(), y_parity=1, **base)):
            raw = signed.encode()
            assert twin_diff(raw, _core.signing_parts, _pure.signing_parts) is None
            assert model_diff(raw, _core.signing_parts, _core.check_tx) is None


# --- planted bugs ----------------------------------------------------------------------------------------

def test_model_oracle_catches_a_dropped_chain_id(gen_raws):
    eip155 = _one_per_shape(gen_raws)[("legacy", False)]

    def pre155(raw, index=None):
        message, signature = _core.signing_parts(raw, index)
        return message[:-3], signature  # the chain id tail, wrongly left out (a 1-byte chain id here)

    assert model_diff(eip155, _core.signing_parts, _core.check_tx) is None
    assert model_diff(eip155, pre155, _core.check_tx) is not None


def test_model_oracle_catches_a_lenient_walk(gen_raws):
    raw = gen_raws[0] + b"\x00"

    def lenient(raw, index=None):
        return _core.check_tx(raw[:-1], index)

    assert model_diff(raw, _core.signing_parts, _core.check_tx) is None
    assert model_diff(raw, _core.signing_parts, lenient) is not None


def test_twin_oracle_catches_a_rejection_and_a_lost_index():
    def rejects(raw, index=None):
        raise InputError("planted", index=index)

    def loses_index(raw, index=None):
        return _core.check_tx(raw)

    raw = generate_batch(1, seed=1)[0].raw
    assert twin_diff(raw, _core.check_tx, _pure.check_tx) is None
    assert twin_diff(raw, _core.check_tx, rejects) is not None
    assert twin_diff(b"\x7e", _core.check_tx, _pure.check_tx, 4) is None
    assert twin_diff(b"\x7e", _core.check_tx, loses_index, 4) is not None
