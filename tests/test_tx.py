"""The transaction model: strict parsing and byte-exact re-serialization of every envelope type."""

import pytest
import rlp

from batchkit.errors import InputError, UnsupportedTransactionError
from batchkit.tx import BlobTx, LegacyTx, SetCodeTx, keccak256, parse_tx


def test_every_real_transaction_reencodes_to_its_bytes_and_hash(corpus_raws):
    for raw in corpus_raws:
        tx = parse_tx(raw)
        assert tx.encode() == raw
        assert tx.hash == keccak256(raw)


def test_every_generated_type_reencodes(generated_raws):
    types = set()
    for raw in generated_raws:
        tx = parse_tx(raw)
        assert tx.encode() == raw
        types.add(type(tx))
    assert BlobTx in types and SetCodeTx in types and LegacyTx in types


def test_legacy_chain_id_and_parity_follow_eip155():
    tx = LegacyTx(0, 1, 21000, b"\x11" * 20, 0, b"", 37, 1, 1)
    assert (tx.chain_id, tx.y_parity) == (1, 0)
    assert LegacyTx(0, 1, 21000, None, 0, b"", 28, 1, 1).chain_id is None


@pytest.mark.parametrize("bad, why", [
    (b"", "empty"),
    (rlp.encode([0, 1, 21000, b"\x11" * 20, 0, b"", 27, 1, 1]) + b"\x00", "trailing"),
    (rlp.encode([b"\x00", 1, 21000, b"\x11" * 20, 0, b"", 27, 1, 1]), "leading zero"),
    (rlp.encode([0, 1, 21000, b"\x11" * 19, 0, b"", 27, 1, 1]), "19-byte to"),
    (rlp.encode([0, 1, 21000, b"\x11" * 20, 0, b"", 30, 1, 1]), "v 30"),
    (rlp.encode([0, 1, 21000, b"\x11" * 20, 0, b""]), "6 fields"),
    (bytes([0x02]) + rlp.encode([1, 0, 1, 1, 21000, b"\x11" * 20, 0, b"", [], 2, 1, 1]), "parity 2"),
    (bytes([0x03]) + rlp.encode([1, 0, 1, 1, 21000, b"", 0, b"", [], 1, [], 0, 1, 1]), "blob tx without to"),
    (b"\x81\x05", "an RLP string"),
])
def test_malformed_transactions_are_rejected(bad, why):
    with pytest.raises(InputError):
        parse_tx(bad)


def test_non_canonical_length_prefix_is_rejected():
    good = rlp.encode([0, 1, 21000, b"\x11" * 20, 0, b"", 27, 1, 1])
    long_form = bytes([0xF8, len(good) - 1]) + good[1:]  # a long-form list header for a short list
    with pytest.raises(InputError):
        parse_tx(long_form)


@pytest.mark.parametrize("first", [0x00, 0x05, 0x7E, 0x7F])
def test_unknown_types_are_unsupported_and_named(first):
    with pytest.raises(UnsupportedTransactionError) as info:
        parse_tx(bytes([first]) + b"\xc0", index=4)
    assert info.value.tx_type == first and info.value.index == 4
