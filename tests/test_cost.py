"""batchkit.l1.cost: every formula checked against values worked out by hand from the EIP texts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from batchkit.l1 import cost
from batchkit.l1.blob import BLOB_CAPACITY
from batchkit.l1.calldata import MAX_FRAME_PAYLOAD
from batchkit.l1.cost import (
    FORKS,
    GAS_PER_BLOB,
    blob_base_fee,
    blob_cost,
    blob_reserve_price,
    calldata_cost,
    calldata_gas,
    calldata_tokens,
    compare,
    fake_exponential,
    next_excess_blob_gas,
    parse_wei,
)
from batchkit.errors import InputError

GWEI = 10**9
DATA = b"\x00\x00\x01\xff"  # 2 zero bytes, 2 non-zero bytes


# -------------------------------------------------------------------------------------------- tables

def test_fork_table_matches_eip_7691_7892_and_the_bpo_schedule():
    rows = {name: (f.target_blobs, f.max_blobs, f.update_fraction) for name, f in FORKS.items()}
    assert rows["cancun"] == (3, 6, 3_338_477)  # EIP-4844
    assert rows["prague"] == (6, 9, 5_007_716)  # EIP-7691
    assert rows["osaka"] == (6, 9, 5_007_716)  # Fusaka keeps Pectra's blob schedule
    assert rows["bpo1"] == (10, 15, 8_346_193)  # 2025-12-09
    assert rows["bpo2"] == (14, 21, 11_684_671)  # 2026-01-07
    assert [n for n, f in FORKS.items() if f.blob_reserve_price] == ["osaka", "bpo1", "bpo2", "glamsterdam"]
    assert FORKS["bpo2"].max_blobs_per_tx == 6  # EIP-7594
    assert cost.get_fork("Pectra") is FORKS["prague"] and cost.get_fork("fusaka") is FORKS["osaka"]
    with pytest.raises(InputError):
        cost.get_fork("london")


def test_constants():
    assert GAS_PER_BLOB == 131_072
    assert cost.BLOB_BASE_COST == 8192
    assert cost.MIN_BASE_FEE_PER_BLOB_GAS == 1


# -------------------------------------------------------------------------------------------- calldata

def test_calldata_tokens_count_zero_bytes_once_and_non_zero_bytes_four_times():
    assert calldata_tokens(DATA) == 2 * 1 + 2 * 4 == 10
    assert calldata_tokens(b"") == 0
    assert calldata_tokens(bytearray(b"\x05" * 7)) == 28


def test_calldata_gas_before_pectra_is_16_and_4():
    # EIP-2028: 21000 + 2 x 4 + 2 x 16 = 21040 (= 21000 + 4 x 10 tokens).
    assert calldata_gas(DATA, fork="cancun") == 21_040
    assert calldata_gas(DATA, fork="cancun", execution_gas=500) == 21_540


def test_calldata_gas_from_pectra_takes_the_7623_floor():
    # 21000 + max(4 x 10 + 0, 10 x 10) = 21000 + 100
    assert calldata_gas(DATA, fork="prague") == 21_100
    assert calldata_gas(DATA, fork="bpo2") == 21_100
    # execution 50: max(40 + 50, 100) = 100: the floor still binds.
    assert calldata_gas(DATA, fork="prague", execution_gas=50) == 21_100
    # execution 100: max(40 + 100, 100) = 140: execution binds.
    assert calldata_gas(DATA, fork="prague", execution_gas=100) == 21_140


def test_calldata_gas_under_eip_7976_is_64_per_byte():
    # 21000 + max(4 x 10, 16 x 4 x 4 bytes = 256)
    assert calldata_gas(DATA, fork="glamsterdam") == 21_256
    assert calldata_gas(DATA, fork="bpo2", eip7976=True) == 21_256
    assert calldata_gas(b"\x00" * 10, fork="glamsterdam") == 21_000 + 640
    # 1000 execution gas: max(40 + 1000, 256) = 1040
    assert calldata_gas(DATA, fork="glamsterdam", execution_gas=1000) == 22_040


def test_calldata_gas_of_empty_data_is_21000_everywhere():
    assert {calldata_gas(b"", fork=f) for f in FORKS} == {21_000}


def test_calldata_gas_rejects_bad_input():
    with pytest.raises(InputError):
        calldata_gas("abc")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        calldata_gas(b"", execution_gas=-1)
    with pytest.raises(InputError):
        calldata_gas(b"", fork="nope")


def test_calldata_cost_sums_one_transaction_per_frame():
    # prague: (21000 + 40 x 10) + (21000 + 10 x 10) = 21400 + 21100 = 42500 gas, x 2 wei
    assert calldata_cost([b"\x01" * 10, b"\x00" * 10], 2, "prague") == 85_000
    # cancun: (21000 + 16 x 10) + (21000 + 4 x 10) = 42200 gas
    assert calldata_cost([b"\x01" * 10, b"\x00" * 10], 1, "cancun") == 42_200
    with pytest.raises(InputError):
        calldata_cost(b"\x01abc", 1, "prague")  # a bare frame, not a list


# ---------------------------------------------------------------------------------------------- blobs

def test_fake_exponential_of_zero_is_the_factor():
    assert fake_exponential(1, 0, 3_338_477) == 1
    assert fake_exponential(5, 0, 7) == 5
    assert fake_exponential(0, 1000, 7) == 0


def test_fake_exponential_hand_iterated():
    # factor 1, numerator 2, denominator 1: terms 1, 1*2//1 = 2, 2*2//2 = 2, 2*2//3 = 1, 1*2//4 = 0
    # sum 1 + 2 + 2 + 1 = 6, // 1 = 6   (e^2 = 7.39)
    assert fake_exponential(1, 2, 1) == 6
    # factor 10, numerator 3, denominator 2: terms start at 10 x 2 = 20;
    # 20*3//2 = 30, 30*3//4 = 22, 22*3//6 = 11, 11*3//8 = 4, 4*3//10 = 1, 1*3//12 = 0
    # sum 20 + 30 + 22 + 11 + 4 + 1 = 88, // 2 = 44   (10 e^1.5 = 44.8)
    assert fake_exponential(10, 3, 2) == 44


def test_cancun_blob_base_fee_at_one_update_fraction_of_excess():
    # excess = 3,338,477 = the update fraction, so numerator == denominator and each term is term // i:
    # 3338477, 3338477, 1669238, 556412, 139103, 27820, 4636, 662, 82, 9, 0
    # sum = 9,074,916; 9,074,916 // 3,338,477 = 2   (e = 2.718)
    assert 3338477 * 2 + 1669238 + 556412 + 139103 + 27820 + 4636 + 662 + 82 + 9 == 9_074_916
    assert blob_base_fee(3_338_477, "cancun") == 2
    assert blob_base_fee(0, "cancun") == 1
    # the same excess under bpo2 is a smaller exponent: 3,338,477 / 11,684,671 < ln 2, so still 1 wei
    assert blob_base_fee(3_338_477, "bpo2") == 1


def test_fake_exponential_rejects_bad_arguments_and_absurd_exponents():
    with pytest.raises(InputError):
        fake_exponential(1, 1, 0)
    with pytest.raises(InputError):
        fake_exponential(1, -1, 5)
    with pytest.raises(InputError):
        fake_exponential(1, 2**64, 3_338_477)  # would loop for ~10^13 terms


def test_blob_reserve_price_is_base_fee_over_16():
    # 8192 x 16 gwei // 131072 = 1 gwei
    assert blob_reserve_price(16 * GWEI) == GWEI
    assert blob_reserve_price(15) == 0  # 8192 x 15 // 131072 = 122880 // 131072 = 0


def test_next_excess_blob_gas_below_target_resets_to_zero():
    # cancun target 3 x 131072 = 393216; 0 + 262144 < 393216
    assert next_excess_blob_gas(0, 2 * GAS_PER_BLOB, 10**12, "cancun") == 0


def test_next_excess_blob_gas_eip_4844_rule():
    # 1,000,000 + 6 x 131072 - 3 x 131072 = 1,000,000 + 786,432 - 393,216 = 1,393,216, whatever the base fee
    assert next_excess_blob_gas(1_000_000, 6 * GAS_PER_BLOB, 0, "cancun") == 1_393_216
    assert next_excess_blob_gas(1_000_000, 6 * GAS_PER_BLOB, 10**15, "cancun") == 1_393_216


def test_next_excess_blob_gas_eip_7918_branch_and_its_boundary():
    # bpo2: target 14 x 131072 = 1,835,008; parent excess 1,000,000, parent used 10 blobs = 1,310,720.
    # blob base fee at excess 1,000,000 with fraction 11,684,671: terms 11684671, 1000000, 42790, 1220, 26, 0
    # -> 12,728,707 // 11,684,671 = 1 wei. Reserve active iff 8192 x base_fee > 131072 x 1, i.e. base_fee > 16.
    assert 11684671 + 1000000 + 42790 + 1220 + 26 == 12_728_707
    assert blob_base_fee(1_000_000, "bpo2") == 1
    # normal rule: 1,000,000 + 1,310,720 - 1,835,008 = 475,712
    assert next_excess_blob_gas(1_000_000, 10 * GAS_PER_BLOB, 16, "bpo2") == 475_712
    # 7918 rule: 1,000,000 + 1,310,720 x (21 - 14) // 21 = 1,000,000 + 436,906 = 1,436,906
    assert next_excess_blob_gas(1_000_000, 10 * GAS_PER_BLOB, 17, "bpo2") == 1_436_906
    # prague has no EIP-7918: 1,000,000 + 1,310,720 - 6 x 131072 = 1,524,288
    assert next_excess_blob_gas(1_000_000, 10 * GAS_PER_BLOB, 17, "prague") == 1_524_288
    # the reset to 0 comes first even when the reserve binds: 0 + 131072 < 1,835,008
    assert next_excess_blob_gas(0, GAS_PER_BLOB, 10**12, "bpo2") == 0


def test_eip_7918_keeps_the_maximum_increase():
    # full block (21 blobs): 2,752,512 x 7 // 21 = 917,504 = 2,752,512 - 1,835,008: the same either way
    assert next_excess_blob_gas(0, 21 * GAS_PER_BLOB, 10**12, "bpo2") == 917_504
    assert next_excess_blob_gas(0, 21 * GAS_PER_BLOB, 0, "bpo2") == 917_504


def test_blob_cost():
    # one tx: 21000 x 10 gwei + 2 x 131072 x 3 = 210,000,000,000,000 + 786,432
    assert blob_cost(2, base_fee=10 * GWEI, blob_base_fee=3, fork="bpo2") == 210_000_000_786_432
    # 7 blobs under bpo2 need 2 txs (6 per tx): 2 x 21000 x 1 gwei + 7 x 131072 x 1
    assert blob_cost(7, base_fee=GWEI, blob_base_fee=1, fork="bpo2") == 42_000 * GWEI + 917_504
    # under prague one tx may carry 9 blobs
    assert blob_cost(7, base_fee=GWEI, blob_base_fee=1, fork="prague") == 21_000 * GWEI + 917_504
    # with one byte of calldata in prague: 21000 + max(4 x 4, 10 x 4) = 21040 gas
    assert blob_cost(1, base_fee=1, blob_base_fee=0, fork="prague", tx_calldata=b"\x01") == 21_040
    with pytest.raises(InputError):
        blob_cost(0, base_fee=1, blob_base_fee=1)


# -------------------------------------------------------------------------------------------- compare

def test_compare_a_small_payload():
    # calldata: one frame 0x01 + 1000 x 0xff = 1001 non-zero bytes = 4004 tokens;
    # bpo2: 21000 + max(16,016, 40,040) = 61,040 gas = 61,040 gwei
    # blobs: 1 blob, 1 tx: 21000 gwei + 131,072 x 1 wei
    r = compare(b"\xff" * 1000, 10, base_fee=GWEI, blob_base_fee=1, fork="bpo2", eth_usd="2000")
    assert (r.calldata_frames, r.calldata_gas, r.calldata_wei) == (1, 61_040, 61_040 * GWEI)
    assert (r.blobs, r.blob_txs, r.blob_tx_gas, r.blob_gas) == (1, 1, 21_000, 131_072)
    assert r.blob_wei == 21_000 * GWEI + 131_072
    assert r.calldata_wei_per_tx == 6_104 * GWEI
    assert r.blob_wei_per_tx == (21_000 * GWEI + 131_072) // 10 == 2_100_000_013_107
    assert r.calldata_eth == Decimal("0.00006104")
    assert r.calldata_usd == Decimal("0.122080")  # 0.00006104 x 2000
    assert r.cheaper == "blobs"
    d = r.to_dict()
    assert d["calldata_eth"] == "0.000061040000000000" and d["blob_base_fee_source"] == "given"


def test_compare_where_calldata_is_cheaper():
    # 10 zero bytes in cancun: 0x01 + 10 x 0x00 -> 21000 + 16 + 40 = 21056 gas at 1 wei;
    # one blob at 1 gwei per blob gas: 21000 + 131072 x 10^9 wei
    r = compare(bytes(10), 1, base_fee=1, blob_base_fee=GWEI, fork="cancun")
    assert r.calldata_wei == 21_056
    assert r.blob_wei == 21_000 + 131_072 * GWEI
    assert r.cheaper == "calldata" and r.eth_usd is None and r.calldata_usd is None


def test_compare_blob_fee_from_excess_and_from_the_reserve_default():
    r = compare(b"x", 1, base_fee=GWEI, excess_blob_gas=3_338_477, fork="cancun")
    assert (r.blob_base_fee, r.blob_base_fee_source) == (2, "excess_blob_gas")
    # default on a 7918 fork: 32 gwei // 16 = 2 gwei
    r = compare(b"x", 1, base_fee=32 * GWEI, fork="bpo2")
    assert (r.blob_base_fee, r.blob_base_fee_source) == (2 * GWEI, "eip7918-reserve")
    r = compare(b"x", 1, base_fee=32 * GWEI, fork="prague")
    assert (r.blob_base_fee, r.blob_base_fee_source) == (1, "minimum")
    with pytest.raises(InputError):
        compare(b"x", 1, base_fee=1, blob_base_fee=1, excess_blob_gas=0)


def test_compare_counts_blobs_frames_and_blob_txs_at_the_edges():
    assert compare(bytes(BLOB_CAPACITY), 1, base_fee=1, blob_base_fee=1).blobs == 1
    r = compare(bytes(BLOB_CAPACITY + 1), 1, base_fee=1, blob_base_fee=1)
    assert r.blobs == 2 and r.blob_txs == 1
    r = compare(bytes(6 * 130_048 - 3), 1, base_fee=1, blob_base_fee=1)  # 7 blobs
    assert r.blobs == 7 and r.blob_txs == 2
    assert compare(bytes(MAX_FRAME_PAYLOAD + 1), 1, base_fee=1, blob_base_fee=1).calldata_frames == 2


def test_compare_rejects_bad_input():
    with pytest.raises(InputError):
        compare(b"x", 0, base_fee=1)
    with pytest.raises(InputError):
        compare(b"x", 1, base_fee=1, eth_usd="lots")
    with pytest.raises(InputError):
        compare("x", 1, base_fee=1)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- parse_wei

@pytest.mark.parametrize("text, wei", [
    ("12gwei", 12 * 10**9),
    ("1.5gwei", 1_500_000_000),
    ("1.5 GWEI", 1_500_000_000),
    ("0.000000001gwei", 1),
    ("2 ether", 2 * 10**18),
    ("0.01eth", 10**16),
    ("100", 100),
    ("100wei", 100),
    ("1.0wei", 1),
    ("  7  ", 7),
    ("123456789012345678901234567890.123456789012345678 ether",
     123456789012345678901234567890 * 10**18 + 123456789012345678),
    (42, 42),
])
def test_parse_wei_is_exact(text, wei):
    assert parse_wei(text) == wei


@pytest.mark.parametrize("text", ["0.5wei", "1.0000000001gwei", "0.0000000000000000001eth", "-1", "abc", "1e9",
                                  "", "1.5 btc", "1..5", ".5gwei", "1.gwei", "1,5gwei", "1" * 101, None, -3,
                                  True, 1.5])
def test_parse_wei_rejects_bad_amounts(text):
    with pytest.raises(InputError):
        parse_wei(text)
