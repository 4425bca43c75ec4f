"""batchkit.attribution: leave-one-out marginal sizes, OP's FastLZ estimate, Arbitrum's brotli-1 size."""

from __future__ import annotations

import brotli
import pytest

from batchkit.attribution import (arbitrum_estimate, attribution_report, fastlz_length, marginal_sizes,
                                  op_fastlz_estimate)
from batchkit.corpora import generate_batch
from batchkit.format import v1

# Vectors from the OP Stack's Rust implementations (revm ``flz_compress_len`` tests).
OP_TX = bytes.fromhex(
    "02f901550a758302df1483be21b88304743f94f80e51afb613d764fa61751affd3313c190a86bb870151bd62fd12adb8e4"
    "1ef24f3f000000000000000000000000000000000000000000000000000000000000006e000000000000000000000000af"
    "88d065e77c8cc2239327c5edb3a432268e5831000000000000000000000000000000000000000000000000000000000003"
    "c1e5000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000a00000000000000000000000000000000000000000000000000000000"
    "0000000148c89ed219d02f1a5be012c689b4f5b731827bebe000000000000000000000000c001a033fd89cb37c31b2cba46"
    "b6466e040c61fc9b2a3675a7f5f493ebd5ad77c497f8a07cdf65680e238392693019b4092f610222e71b7cec06449cb922"
    "b93b6a12744e")


@pytest.mark.parametrize("data, length", [(b"", 0), (b"\x01" * 1000, 21), (b"\x00" * 1000, 21),
                                          (bytes.fromhex("facade"), 4), (OP_TX, 202)])
def test_fastlz_length_matches_the_op_stack_vectors(data, length):
    assert fastlz_length(data) == length


def test_fastlz_length_grows_on_data_without_repeats():
    prev = 0
    for i in range(1, 257):
        cur = fastlz_length(bytes(range(i)))
        assert cur > prev
        prev = cur


def test_op_estimate_applies_the_fjord_line_and_its_floor():
    assert op_fastlz_estimate(OP_TX) == (-42_585_600 + 836_500 * 202) // 1_000_000
    assert op_fastlz_estimate(b"\x00" * 10) == 100


def test_arbitrum_estimate_is_brotli_level_1():
    assert arbitrum_estimate(OP_TX) == len(brotli.compress(OP_TX, quality=1))


@pytest.fixture(scope="module")
def small():
    txs = generate_batch(30, seed=11)
    return [t.raw for t in txs], [t.sender for t in txs]


def test_marginal_sizes_are_exact_leave_one_out(small):
    raws, senders = small
    got = marginal_sizes(raws, senders)
    table: dict[bytes, int] = {}
    labels = [table.setdefault(s, len(table)) for s in senders]
    full = len(v1.encode(raws, labels))
    for i in (0, 7, 29):
        rest = raws[:i] + raws[i + 1:]
        t2: dict[bytes, int] = {}
        lab = [t2.setdefault(s, len(t2)) for s in senders[:i] + senders[i + 1:]]
        assert got[i] == full - len(v1.encode(rest, lab))
    assert all(m >= 64 - 200 for m in got)  # each carries its 64 signature bytes, give or take the body


def test_report_compares_both_estimators(small):
    raws, senders = small
    rep = attribution_report(raws, senders)
    assert rep["n"] == 30 and rep["batch_bytes"] > 0
    for name in ("op_fastlz", "arbitrum_brotli1"):
        e = rep["estimators"][name]
        assert set(e) == {"total", "mae", "mean_signed_error", "correlation", "total_over_batch"}
        assert e["mae"] >= 0 and -1 <= e["correlation"] <= 1
