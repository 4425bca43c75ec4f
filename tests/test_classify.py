"""Transaction classes (batchkit.classify): selectors recomputed from their signatures, real signed transactions
of each class, and the classes of the held-out mainnet corpus."""

from __future__ import annotations

import pytest
from eth_account import Account

from batchkit import classify as C
from batchkit.errors import InputError
from batchkit.tx import keccak256

# anvil's first public dev key
KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
TOKEN = "0x" + "11" * 20
USER = bytes(12) + bytes.fromhex("22" * 20)


def _signed(to: str | None, data: bytes, nonce: int = 0) -> bytes:
    tx = {"type": 2, "chainId": 1, "nonce": nonce, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9,
          "gas": 300_000, "value": 0, "data": data}
    if to is not None:
        tx["to"] = to
    return bytes(Account.sign_transaction(tx, KEY).raw_transaction)


def _word(n: int) -> bytes:
    return n.to_bytes(32, "big")


@pytest.mark.parametrize("table", [C.ERC4337_SELECTORS, C.SWAP_SELECTORS])
def test_selectors_are_the_keccak_of_their_signatures(table):
    for selector, signature in table.items():
        assert keccak256(signature.encode())[:4] == selector, signature


def test_erc20_selectors_and_lengths():
    for selector, (signature, length) in C.ERC20_SELECTORS.items():
        assert keccak256(signature.encode())[:4] == selector
        assert length == 4 + 32 * signature.count(",") + 32


def test_classes_of_real_signed_transactions():
    transfer = bytes.fromhex("a9059cbb") + USER + _word(10**18)
    approve = bytes.fromhex("095ea7b3") + USER + _word(2**256 - 1)
    transfer_from = bytes.fromhex("23b872dd") + USER + USER + _word(5)
    swap_v2 = bytes.fromhex("38ed1739") + _word(1) + _word(0) + _word(160) + USER + _word(9) + _word(0)
    universal = bytes.fromhex("3593564c") + _word(96) + _word(128) + _word(9) + _word(0) + _word(0)
    bundle = bytes.fromhex("765e827f") + _word(64) + USER + _word(0)
    cases = [
        (_signed("0x" + "33" * 20, b""), C.EMPTY),
        (_signed(TOKEN, transfer), C.ERC20),
        (_signed(TOKEN, approve), C.ERC20),
        (_signed(TOKEN, transfer_from), C.ERC20),
        (_signed(TOKEN, transfer + b"\x00"), C.OTHER),  # not the ABI length: some other contract's call
        (_signed("0x" + "44" * 20, swap_v2), C.SWAP),
        (_signed("0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD", b"\x12\x34\x56\x78"), C.SWAP),  # a router
        (_signed("0x" + "44" * 20, universal), C.SWAP),
        (_signed("0x0000000071727De22E5E9d8BAf0edAc6f37da032", bundle), C.ERC4337),
        (_signed("0x" + "55" * 20, bytes.fromhex("1fad948c") + _word(0)), C.ERC4337),
        (_signed(None, bytes.fromhex("6080604052")), C.OTHER),  # a contract creation
        (_signed("0x" + "66" * 20, bytes.fromhex("deadbeef")), C.OTHER),
    ]
    for i, (raw, expected) in enumerate(cases):
        assert C.classify(raw) == expected, i
    groups = C.split(raw for raw, _ in cases)
    assert list(groups) == list(C.CLASSES)
    assert sum(map(len, groups.values())) == len(cases)
    assert groups[C.ERC20] == [cases[1][0], cases[2][0], cases[3][0]]  # input order kept


def test_not_a_transaction_is_an_input_error():
    with pytest.raises(InputError):
        C.classify(b"\x02\xc0")


def test_held_out_mainnet_has_every_class(mainnet_raws):
    raws = [r for r in mainnet_raws if r[0] != 0x7E]
    groups = C.split(raws)
    counts = {c: len(v) for c, v in groups.items()}
    assert sum(counts.values()) == len(raws)
    assert all(counts[c] > 0 for c in C.CLASSES), counts
    # Plain transfers and token transfers are most of mainnet's transactions.
    assert counts[C.EMPTY] + counts[C.ERC20] > len(raws) / 2, counts


@pytest.mark.threads
def test_classify_from_8_threads_gives_the_serial_classes(mainnet_raws):
    from concurrent.futures import ThreadPoolExecutor
    raws = [r for r in mainnet_raws if r[0] != 0x7E][:4000]
    serial = [C.classify(r) for r in raws]
    chunks = [raws[i::8] for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda chunk: [C.classify(r) for r in chunk], chunks))
    for i, got in enumerate(results):
        assert got == serial[i::8]
