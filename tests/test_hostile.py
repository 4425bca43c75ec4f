"""Hostile input against every decoder entry point (RELIABILITY.md rows 1-12, 15-17).

Real payloads come from ``batchkit.compress`` over real corpus batches (~120 KB) and generated batches;
corpus-dependent tests skip with a message when the shared corpora are absent.
"""

from __future__ import annotations

import json
import os
import zlib

import pytest
import zstandard

import batchkit
from batchkit import cli, limits, tx
from batchkit.l1 import blob, calldata
from batchkit.format import _backend, _pure
from batchkit.baselines import FORMATS
from batchkit.corpora import generate_batch
from batchkit.errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError
from batchkit.format import v1

from hostile_helpers import (_core, bit_flips, only_decode_error, payload_oracle, peak_rss_growth_mb, rejects,
                             uvarint)

BACKENDS = [pytest.param(_pure, id="pure")]
if _core is not None:
    BACKENDS.insert(0, pytest.param(_core, id="core"))

U64_MAX = (1 << 64) - 1
S = {name: i for i, name in enumerate(_pure.STREAMS)}


# --- payload fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_batch():
    g = generate_batch(6, seed=11)
    return [t.raw for t in g], [t.sender for t in g]


@pytest.fixture(scope="module")
def small_payload(small_batch):
    txs, senders = small_batch
    return batchkit.compress(txs, level="fast", senders=senders, version=1)


@pytest.fixture(scope="module")
def all_types_batch():
    g = generate_batch(120, seed=5)
    return [t.raw for t in g], [t.sender for t in g]


@pytest.fixture(scope="module")
def big_payload(corpus_batches):
    batch = max(corpus_batches, key=lambda b: sum(map(len, b)))
    return batchkit.compress(batch, level="default", version=1)


def _decoder(backend):
    """v1.decode with the given backend's assemble (v1 itself is bound to the selected backend)."""
    def decode(data):
        p = v1.parse(data)
        txs, groups = backend.assemble(p.n, p.chain, p.streams)
        return v1.Decoded(txs, groups, p.chain, p.method)
    return decode


def bodies(payload: bytes) -> tuple[bytes, bytes]:
    """The two stored bodies of a payload."""
    p = v1.parse(payload)
    start = p.header_len
    return payload[start:start + p.body_a_len], payload[start + p.body_a_len:start + p.body_len]


def repack(payload: bytes, *, body: tuple[bytes, bytes] | None = None, n: int | None = None,
           method: int | None = None, sigs: bytes | None = None, version: int = 1) -> bytes:
    """Rebuild a payload's header around replaced bodies (a, b) / count / method / signatures."""
    p = v1.parse(payload)
    body_a, body_b = bodies(payload) if body is None else body
    sigs = p.streams[v1.SIG_STREAM] if sigs is None else sigs
    n = p.n if n is None else n
    method = p.method if method is None else method
    return (v1.MAGIC + bytes([version]) + uvarint(n) + bytes([len(p.chain)]) + p.chain + bytes([method])
            + uvarint(len(body_a)) + uvarint(len(body_b)) + body_a + body_b + sigs)


def zstd_frame(data: bytes, **kw) -> bytes:
    return zstandard.ZstdCompressor(level=1, **kw).compress(data)


# --- the compiled core loaded (row 13's precondition) ---------------------------------------------------

def test_compiled_core_loaded_unless_pure_python_requested():
    if os.environ.get("BATCHKIT_PURE_PYTHON") == "1":
        assert _backend.COMPILED is False
    else:
        assert _backend.COMPILED is True, "batchkit._core did not load: run python setup.py build_ext --inplace"


# --- rows 1, 12: truncation and bit flips ----------------------------------------------------------------

def test_truncated_small_payload_is_rejected_at_every_offset(small_payload):
    for cut in range(len(small_payload)):
        with pytest.raises(DecodeError) as info:
            batchkit.decompress(small_payload[:cut])
        assert info.value.column is not None or info.value.offset is not None


def test_truncated_big_payload_is_rejected_in_header_and_at_a_stride(big_payload):
    header_len = v1.parse(big_payload).header_len
    cuts = list(range(header_len + 8)) + list(range(header_len + 8, len(big_payload), 97))
    for cut in cuts:
        err = rejects(batchkit.decompress, big_payload[:cut])
        assert err is None, f"cut at {cut}: {err}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_single_bit_flip_decodes_consistently_or_raises_decode_error(small_payload, backend):
    decode = _decoder(backend)
    for bit, data in bit_flips(small_payload):
        failure = payload_oracle(data, decode, v1.parse, backend.disassemble)
        assert failure is None, f"bit {bit}: {failure}"


def test_bit_flips_of_the_body_only_stored_method(small_batch):
    """A stored body exposes the columns themselves to the flips (zstd mostly fails its own checks)."""
    txs, senders = small_batch
    chain, streams = _backend.core.disassemble(txs, list(range(len(txs))))
    payload = v1.encode_streams(len(txs), chain, streams, "fast")
    payload = repack(payload, body=v1.pack_sections(streams), method=v1.METHOD_STORED)
    assert batchkit.decompress(payload) == txs
    for bit, data in bit_flips(payload[:len(payload) - 64 * len(txs)]):
        data = data + payload[len(data):]
        failure = payload_oracle(data, v1.decode, v1.parse, _backend.core.disassemble)
        assert failure is None, f"bit {bit}: {failure}"


def test_payload_oracle_catches_a_planted_bug(small_payload):
    def drops_last(data):
        d = v1.decode(data)
        return v1.Decoded(d.txs[:-1], d.groups[:-1], d.chain, d.method)

    def leaks_index_error(data):
        raise IndexError("planted")

    assert payload_oracle(small_payload, v1.decode, v1.parse, _backend.core.disassemble) is None
    assert payload_oracle(small_payload, drops_last, v1.parse, _backend.core.disassemble) is not None
    assert payload_oracle(small_payload, leaks_index_error, v1.parse, _backend.core.disassemble) is not None


# --- row 11: versions and enums ----------------------------------------------------------------------

def test_unknown_version_and_method_raise_unsupported_version_distinct_from_malformed(small_payload):
    with pytest.raises(UnsupportedVersionError) as info:
        batchkit.decompress(small_payload[:2] + b"\x09" + small_payload[3:])
    assert info.value.offset == 2 and info.value.column == "header"
    p = v1.parse(small_payload)
    bad_method = bytearray(small_payload)
    bad_method[p.header_len - len(uvarint(p.body_a_len)) - len(uvarint(p.body_len - p.body_a_len)) - 1] = 7
    with pytest.raises(UnsupportedVersionError):
        batchkit.decompress(bytes(bad_method))
    for malformed in (b"XK\x01" + small_payload[3:], small_payload[:-1], b""):
        with pytest.raises(DecodeError) as info:
            batchkit.decompress(malformed)
        assert not isinstance(info.value, UnsupportedVersionError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kind_bytes_out_of_range_are_rejected(small_batch, backend):
    txs, _ = small_batch
    chain, streams = backend.disassemble(txs, None)
    for bad in (0x05, 0x07, 0x20, 0x80, 0xFF, 0x12, 0x18):
        s = list(streams)
        s[S["kind"]] = bytes([bad]) + streams[S["kind"]][1:]
        with pytest.raises(DecodeError) as info:
            backend.assemble(len(txs), chain, s)
        assert info.value.column in ("kind", "chainx", "nonce", "gas", "fee1", "fee2", "value", "to", "dlen",
                                     "data", "al", "keys", "blob", "blobhash", "auth", "authsig", "addr")


# --- rows 2-5: forged counts --------------------------------------------------------------------------

@pytest.mark.parametrize("count", [limits.MAX_TXS + 1, 1 << 32, U64_MAX])
def test_forged_header_count_is_rejected_before_allocation(small_payload, count):
    with pytest.raises(LimitExceededError) as info:
        batchkit.decompress(repack(small_payload, n=count))
    assert info.value.value == count and info.value.column == "header"


def test_header_count_past_64_bits_is_rejected(small_payload):
    forged = v1.MAGIC + b"\x01" + b"\xff" * 9 + b"\x02" + small_payload[4:]
    assert rejects(batchkit.decompress, forged) is None


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [limits.MAX_TXS + 1, 1 << 32, (1 << 63), U64_MAX, -1])
def test_assemble_rejects_forged_transaction_counts(backend, n):
    streams = (b"",) * _pure.NSTREAMS
    assert rejects(backend.assemble, n, b"", streams) is None


_TYPED = [t.raw for t in generate_batch(120, seed=5)]


def _one_typed_tx_streams(backend, tx_type=2):
    g = _TYPED
    raw = next(r for r in g if r[0] == tx_type)
    chain, streams = backend.disassemble([raw], None)
    return chain, list(streams)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("count", [1 << 32, (1 << 63), U64_MAX])
@pytest.mark.parametrize("column", ["al", "blob", "auth"])
def test_forged_counts_inside_streams_are_rejected(backend, count, column):
    tx_type = {"al": 2, "blob": 3, "auth": 4}[column]
    chain, s = _one_typed_tx_streams(backend, tx_type)
    if column == "al":
        s[S["al"]] = uvarint(count) + s[S["al"]][1:]
    elif column == "blob":
        fee_len = s[S["blob"]][0] + 1
        s[S["blob"]] = s[S["blob"]][:fee_len] + uvarint(count)
    else:
        s[S["auth"]] = uvarint(count) + s[S["auth"]][1:]
    err = rejects(backend.assemble, 1, chain, s)
    assert err is None, err


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("nkeys", [1 << 32, U64_MAX, (1 << 63)])
def test_forged_storage_key_count_is_rejected(backend, nkeys):
    chain, s = _one_typed_tx_streams(backend, 2)
    # one access-list entry with a new address and nkeys keys
    s[S["al"]] = uvarint(1) + uvarint(1) + uvarint(nkeys)
    s[S["addr"]] = s[S["addr"]] + b"\x11" * 20
    assert rejects(backend.assemble, 1, chain, s) is None


def _two_txs_with_entries(backend, k):
    """Streams of two copies of a type-2 tx, each with ``k`` access-list entries of fresh addresses."""
    chain, s = _one_typed_tx_streams(backend, 2)
    ntable = len(s[S["addr"]]) // 20
    two = [x + x for x in s]
    two[S["parity"]] = bytes([s[S["parity"]][0] & 1 | (s[S["parity"]][0] & 1) << 1])
    two[S["group"]] = b"\x00\x00"
    two[S["to"]] = s[S["to"]] + uvarint(2)  # the second tx's `to` is table entry 0
    two[S["addr"]] = s[S["addr"]] + b"".join((0x5000 + i).to_bytes(20, "big") for i in range(2 * k))
    two[S["al"]] = (uvarint(k) + (uvarint(1) + uvarint(0)) * k) * 2
    assert ntable == 1
    return chain, two


@pytest.mark.parametrize("backend", BACKENDS)
def test_counts_whose_sum_overflows_the_limit_are_rejected(backend, monkeypatch):
    """Two transactions with MAX-1 access-list entries each: each passes alone, the running total fails.
    The real limit is too large to build for _core, so the pure twin runs with a patched limit of 3, and
    both run with the real limit where the counts promise more entries than there are bytes."""
    if backend is _pure:
        monkeypatch.setattr(_pure, "MAX_ACCESS_LIST_ENTRIES", 3)
        chain, ok = _two_txs_with_entries(_pure, 1)
        txs, groups = _pure.assemble(2, chain, ok)
        assert _pure.disassemble(txs, groups) == (chain, tuple(ok))
        chain, two = _two_txs_with_entries(_pure, 2)
        with pytest.raises(LimitExceededError) as info:
            _pure.assemble(2, chain, two)
        assert info.value.limit == 3 and info.value.value == 4
    lim = limits.MAX_ACCESS_LIST_ENTRIES
    chain, two = _two_txs_with_entries(backend, 1)
    two[S["al"]] = uvarint(lim - 1) + uvarint(lim - 1)
    with pytest.raises(DecodeError) as info:
        backend.assemble(2, chain, two)
    assert info.value.column == "al"


# --- limits at the edge -----------------------------------------------------------------------------

def _blob_tx_streams(backend, nh):
    chain, s = _one_typed_tx_streams(backend, 3)
    fee_len = s[S["blob"]][0] + 1
    s[S["blob"]] = s[S["blob"]][:fee_len] + uvarint(nh)
    s[S["blobhash"]] = bytes([1]) + b"\x22" * 31
    s[S["blobhash"]] = b"".join(bytes([1]) + bytes([i]) * 31 for i in range(nh))
    return chain, s


@pytest.mark.parametrize("backend", BACKENDS)
def test_blob_hash_limit_at_the_edge(backend):
    lim = limits.MAX_BLOB_HASHES_PER_TX
    chain, s = _blob_tx_streams(backend, lim)
    txs, groups = backend.assemble(1, chain, s)
    assert backend.disassemble(txs, groups) == (chain, tuple(s))
    chain, s = _blob_tx_streams(backend, lim + 1)
    with pytest.raises(LimitExceededError) as info:
        backend.assemble(1, chain, s)
    assert info.value.limit == lim and info.value.value == lim + 1 and info.value.column == "blob"


@pytest.mark.parametrize("backend", BACKENDS)
def test_calldata_limit_at_the_edge(backend):
    lim = limits.MAX_CALLDATA_BYTES
    chain, s = _one_typed_tx_streams(backend, 2)
    s[S["dlen"]] = uvarint(lim)
    s[S["data"]] = b"\x01" * lim
    txs, _ = backend.assemble(1, chain, s)
    assert len(txs[0]) > lim
    s[S["dlen"]] = uvarint(lim + 1)
    s[S["data"]] = b"\x01" * (lim + 1)
    with pytest.raises(LimitExceededError) as info:
        backend.assemble(1, chain, s)
    assert info.value.column == "dlen"


@pytest.mark.parametrize("name, build", [
    ("MAX_ACCESS_LIST_ENTRIES", "entries"), ("MAX_STORAGE_KEYS", "keys"), ("MAX_AUTHORIZATIONS", "auths"),
    ("MAX_ADDRESSES", "addresses"), ("MAX_OUTPUT_BYTES", "output"), ("MAX_TXS", "txs"),
])
def test_pure_limits_at_the_edge_with_small_patched_values(monkeypatch, name, build):
    """_core reads the limits at import, so the patched edges run against the pure twin."""
    lim = 3
    chain, s = _one_typed_tx_streams(_pure, 4 if build == "auths" else 2)
    base = list(s)

    def streams_for(k):
        t = list(base)
        if build == "entries":
            t[S["al"]] = uvarint(k) + (uvarint(1) + uvarint(0)) * k
            t[S["addr"]] = base[S["addr"]] + b"".join(bytes([0x40 + i]) * 20 for i in range(k))
        elif build == "keys":
            t[S["al"]] = uvarint(1) + uvarint(1) + uvarint(k)
            t[S["keys"]] = b"\x33" * 32 * k
            t[S["addr"]] = base[S["addr"]] + b"\x44" * 20
        elif build == "auths":
            one = t[S["auth"]][1:]
            t[S["auth"]] = uvarint(k) + b"".join(one[:len(one)] if i == 0 else one.replace(b"\x01", b"\x02", 0)
                                                 for i in range(k))
            # auth entries after the first refer to the first's address (table slot)
            first = one
            rest = first[:first[0] + 1] + uvarint(2 + (len(base[S["addr"]]) // 20 - 1)) + first[first[0] + 2:]
            t[S["auth"]] = uvarint(k) + first + rest * (k - 1)
            t[S["authsig"]] = base[S["authsig"]] * k
        elif build == "addresses":
            t[S["al"]] = uvarint(k - 1) + (uvarint(1) + uvarint(0)) * (k - 1)
            t[S["addr"]] = base[S["addr"]] + b"".join(bytes([0x40 + i]) * 20 for i in range(k - 1))
        return t

    if build == "output":
        txs, _ = _pure.assemble(1, chain, base)
        monkeypatch.setattr(_pure, name, len(txs[0]))
        _pure.assemble(1, chain, base)
        monkeypatch.setattr(_pure, name, len(txs[0]) - 1)
        with pytest.raises(LimitExceededError):
            _pure.assemble(1, chain, base)
        return
    if build == "txs":
        monkeypatch.setattr(_pure, name, 1)
        _pure.assemble(1, chain, base)
        with pytest.raises(LimitExceededError):
            _pure.assemble(2, chain, base)
        return
    if build == "addresses":
        lim = len(base[S["addr"]]) // 20 + 2
    monkeypatch.setattr(_pure, name, lim)
    k = 2 if build == "addresses" else lim
    good = streams_for(k + (1 if build == "addresses" else 0) - (1 if build == "addresses" else 0))
    if build == "addresses":
        good = streams_for(lim - len(base[S["addr"]]) // 20 + 1)
        bad = streams_for(lim - len(base[S["addr"]]) // 20 + 2)
    else:
        bad = streams_for(lim + 1)
    txs, groups = _pure.assemble(1, chain, good)
    assert _pure.disassemble(txs, groups) == (chain, tuple(good))
    with pytest.raises(LimitExceededError) as info:
        _pure.assemble(1, chain, bad)
    assert info.value.limit == lim


def test_payload_size_limit_at_the_edge():
    lim = limits.MAX_PAYLOAD_BYTES
    at = v1.MAGIC + b"\x01" + b"\x00" * (lim - 3)
    with pytest.raises(DecodeError) as info:
        batchkit.decompress(at)
    assert not isinstance(info.value, LimitExceededError)
    with pytest.raises(LimitExceededError):
        batchkit.decompress(at + b"\x00")


def test_decompressed_size_limit_at_the_edge():
    lim = limits.MAX_DECOMPRESSED_BYTES

    def payload_declaring(size):
        # a frame header (single segment, 8-byte content size) then garbage: only the header is read
        frame = (b"\x28\xb5\x2f\xfd" + bytes([0xE0]) + size.to_bytes(8, "little") + b"\x01\x00\x00")
        return v1.MAGIC + b"\x01\x00\x00\x01" + uvarint(len(frame)) + b"\x00" + frame

    with pytest.raises(LimitExceededError) as info:
        batchkit.decompress(payload_declaring(lim + 1))
    assert info.value.limit == lim
    with pytest.raises(DecodeError) as info:
        batchkit.decompress(payload_declaring(lim))
    assert not isinstance(info.value, LimitExceededError)


# --- rows 6, 7: decompression bombs, in a child process so the peak RSS is this decode's alone -------

BOMB_SETUP = """
import zstandard
from batchkit.format import v1
from batchkit.errors import DecodeError

def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80); v >>= 7
    out.append(v)
    return bytes(out)

def wrap(frame, method=1):
    return v1.MAGIC + b"\\x01\\x00\\x00" + bytes([method]) + uvarint(len(frame)) + b"\\x00" + frame

def attempt(payload):
    try:
        v1.decode(payload)
    except DecodeError as exc:
        return type(exc).__name__
    except BaseException as exc:
        return "ESCAPED " + type(exc).__name__
    return "ACCEPTED"
"""


def _bomb(kind: str) -> tuple[float, str]:
    builders = {
        # 256 MB of zeros, honest header: rejected from the header
        "honest": "frame = zstandard.ZstdCompressor(level=1).compress(bytes(256 << 20))",
        # 256 MB of zeros streamed without a content size, then a forged 4-byte size of 1000
        "lying": ("import io\n"
                  "cctx = zstandard.ZstdCompressor(level=3, write_content_size=False)\n"
                  "frame = cctx.compress(bytes(256 << 20))\n"
                  "hd = frame[4]\n"
                  "assert hd & 0xC0 == 0\n"
                  "wd = frame[5:6] if not hd & 0x20 else b''\n"
                  "frame = frame[:4] + bytes([hd | 0x80]) + wd + (1000).to_bytes(4, 'little') + frame[5 + len(wd):]"),
        # a forged header declaring 2^36 bytes (8-byte content-size field), single segment
        "forged": "frame = b'\\x28\\xb5\\x2f\\xfd' + bytes([0xE0]) + (1 << 36).to_bytes(8, 'little') + b'\\x01\\x00\\x00'",
        # a header declaring just under the cap, then a block expanding to 256 MB of zeros
        "near_cap": ("import io\n"
                     "cctx = zstandard.ZstdCompressor(level=3, write_content_size=False)\n"
                     "frame = cctx.compress(bytes(256 << 20))\n"
                     "hd = frame[4]\n"
                     "wd = frame[5:6] if not hd & 0x20 else b''\n"
                     "frame = frame[:4] + bytes([hd | 0x80]) + wd + (60 << 20).to_bytes(4, 'little') + frame[5 + len(wd):]"),
        # LZMA (no size header): 136 MB of zeros (same dictionary as LZMA_FILTERS, a faster preset)
        "lzma": ("import lzma\n"
                 "filters = [{'id': lzma.FILTER_LZMA2, 'preset': 0, 'dict_size': 1 << 24}]\n"
                 "frame = lzma.compress(bytes(136 << 20), format=lzma.FORMAT_RAW, filters=filters)\n"
                 "METHOD = 2"),
    }
    code = BOMB_SETUP + "\nMETHOD = 1\n" + builders[kind] + "\nP = wrap(frame, METHOD)\ndef run():\n    return attempt(P)\n"
    return peak_rss_growth_mb(code, timeout=300)


@pytest.mark.parametrize("kind", ["honest", "lying", "forged", "lzma"])
def test_decompression_bombs_are_rejected_with_bounded_memory(kind):
    growth, result = _bomb(kind)
    assert result in ("DecodeError", "LimitExceededError"), result
    assert growth < 100, f"peak RSS grew by {growth:.1f} MB"


def test_a_bomb_declaring_just_under_the_cap_costs_no_more_than_a_valid_payload_of_that_size():
    """A header declaring 60 MB (under MAX_DECOMPRESSED_BYTES) over 256 MB of zeros: the decoder allocates
    the declared size once and libzstd stops there, so the peak is about the declared size: the cost of any
    valid payload near the cap, never the bomb's 256 MB."""
    growth, result = _bomb("near_cap")
    assert result in ("DecodeError", "LimitExceededError"), result
    assert growth < limits.MAX_DECOMPRESSED_BYTES / (1 << 20) + 30, f"peak RSS grew by {growth:.1f} MB"


def test_bomb_frames_are_small():
    frame = zstd_frame(bytes(128 << 20))
    assert len(frame) < 8192
    assert zstandard.get_frame_parameters(frame).content_size == 128 << 20


# --- row 8: trailing bytes, a second frame, a skippable frame ------------------------------------------

SKIPPABLE = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"abcd"


@pytest.mark.parametrize("extra", ["trailing", "second_frame", "skippable_after", "skippable_only",
                                   "skippable_before", "sig_extra", "sig_short"])
def test_bytes_after_the_body_are_rejected_at_every_layer(small_payload, extra):
    p = v1.parse(small_payload)
    assert p.method == v1.METHOD_ZSTD
    edits = {
        "trailing": lambda body: body + b"\x00",
        "second_frame": lambda body: body + zstd_frame(b"x"),
        "skippable_after": lambda body: body + SKIPPABLE,
        "skippable_only": lambda body: SKIPPABLE,
        "skippable_before": lambda body: SKIPPABLE + body,
    }
    if extra in edits:
        a, b = bodies(small_payload)
        forgeries = [repack(small_payload, body=(edits[extra](a), b)),
                     repack(small_payload, body=(a, edits[extra](b)))]
    elif extra == "sig_extra":
        forgeries = [small_payload + b"\x00"]
    else:
        forgeries = [small_payload[:-1]]
    for forged in forgeries:
        assert rejects(batchkit.decompress, forged) is None


def test_trailing_bytes_after_an_lzma_stream_and_in_columns_are_rejected(small_batch):
    txs, senders = small_batch
    payload = batchkit.compress(txs, level="max", senders=senders, version=1)
    body_a, body_b = bodies(payload)
    assert rejects(batchkit.decompress, repack(payload, body=(body_a, body_b + b"\x00"))) is None
    assert rejects(batchkit.decompress, repack(payload, body=(body_a + b"\x00", body_b))) is None
    chain, streams = _backend.core.disassemble(txs, None)
    col_a, col_b = v1.pack_sections(streams)
    stored = repack(payload, body=(col_a, col_b), method=v1.METHOD_STORED)
    assert batchkit.decompress(stored) == txs
    for bad in ((col_a + b"\x00", col_b), (col_a, col_b + b"\x00")):
        assert rejects(batchkit.decompress, repack(payload, body=bad, method=0)) is None
        assert rejects(batchkit.decompress, repack(payload, body=tuple(zstd_frame(x) for x in bad),
                                                   method=1)) is None


# --- row 9: non-canonical varints --------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("raw, ok", [
    (b"\x00", 0), (b"\x7f", 127), (b"\x80\x01", 128), (b"\xff" * 9 + b"\x01", U64_MAX),
    (b"\x80\x00", None), (b"\x81\x80\x00", None), (b"\xff" * 10 + b"\x01", None),
    (b"\xff" * 9 + b"\x02", None), (b"\x80" * 9 + b"\x7f", None), (b"\x80", None), (b"", None),
])
def test_varints_are_canonical_and_below_2_64(backend, raw, ok):
    if ok is None:
        with pytest.raises(DecodeError) as info:
            backend.get_uvarint(raw, 0, "test")
        assert info.value.column == "test"
    else:
        assert backend.get_uvarint(raw, 0, "test") == (ok, len(raw))
        out = bytearray()
        backend.put_uvarint(out, ok)
        assert bytes(out) == raw


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("column", ["gas", "nonce", "dlen", "group", "to"])
@pytest.mark.parametrize("bad", [b"\x80\x00", b"\xff" * 10 + b"\x01", b"\xff" * 9 + b"\x02"])
def test_non_canonical_varints_in_streams_are_rejected(backend, column, bad):
    chain, s = _one_typed_tx_streams(backend, 2)
    s[S[column]] = bad
    with pytest.raises(DecodeError) as info:
        backend.assemble(1, chain, s)
    assert info.value.column == column


def test_non_canonical_varint_in_the_header_is_rejected(small_payload):
    forged = small_payload[:3] + b"\x86\x00" + small_payload[4:]
    assert small_payload[3] == 6
    with pytest.raises(DecodeError) as info:
        batchkit.decompress(forged)
    assert info.value.column == "count"


# --- non-canonical RLP: parse_tx and disassemble reject the same things ---------------------------------

def _enc_len(n, short, long_form=False, lead_zero=False):
    if n < 56 and not long_form:
        return bytes([short + n])
    be = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    if lead_zero:
        be = b"\x00" + be
    return bytes([short + 55 + len(be)]) + be


def _s(b, **kw):
    if len(b) == 1 and b[0] < 0x80 and not kw:
        return b
    return _enc_len(len(b), 0x80, **kw) + b


def _l(items, **kw):
    body = b"".join(items)
    return _enc_len(len(body), 0xC0, **kw) + body


def _fields_type2():
    to = b"\x11" * 20
    return [_s(b"\x01"), _s(b"\x05"), _s(b"\x3b\x9a\xca\x00"), _s(b"\x77\x35\x94\x00"), _s(b"\x52\x08"), _s(to),
            _s(b"\x01"), _s(b""), _l([]), _s(b"\x01"), _s(b"\x11" * 32), _s(b"\x22" * 32)]


def _noncanonical_rlp_variants():
    f = _fields_type2()
    ok = b"\x02" + _l(f)
    yield "canonical", ok, True
    yield "single byte as a string", b"\x02" + _l([_s(b"\x01", long_form=False) if False else b"\x81\x01"] + f[1:]), False
    yield "long form for a short string", b"\x02" + _l(f[:5] + [_s(b"\x11" * 20, long_form=True)] + f[6:]), False
    yield "long form for a short list", b"\x02" + _l(f[:8] + [b"\xf8\x05" + b"\xc0" * 5] + f[9:]), False
    yield "long form for a long list", b"\x02" + _l(f, long_form=True), True
    yield "length with a leading zero", b"\x02" + _l(f[:10] + [_enc_len(32, 0x80, long_form=True, lead_zero=True)
                                                              + b"\x11" * 32] + f[11:]), False
    yield "nonce with a leading zero", b"\x02" + _l([f[0], _s(b"\x00\x05")] + f[2:]), False
    yield "zero encoded as 0x00", b"\x02" + _l([f[0], b"\x00"] + f[2:]), False
    yield "nonce of 9 bytes", b"\x02" + _l([f[0], _s(b"\x01" * 9)] + f[2:]), False
    yield "value of 33 bytes", b"\x02" + _l(f[:6] + [_s(b"\x01" * 33)] + f[7:]), False
    yield "parity 2", b"\x02" + _l(f[:9] + [_s(b"\x02")] + f[10:]), False
    yield "to of 19 bytes", b"\x02" + _l(f[:5] + [_s(b"\x11" * 19)] + f[6:]), False
    yield "to as a list", b"\x02" + _l(f[:5] + [_l([])] + f[6:]), False
    yield "access list as a string", b"\x02" + _l(f[:8] + [_s(b"")] + f[9:]), False
    yield "trailing byte", ok + b"\x00", False
    yield "truncated", ok[:-1], False
    yield "extra field", b"\x02" + _l(f + [_s(b"")]), False
    yield "missing field", b"\x02" + _l(f[:-1]), False
    yield "list length past the end", b"\x02" + _enc_len(len(b"".join(f)) + 1, 0xC0) + b"".join(f), False
    yield "huge long-form length", b"\x02\xff" + b"\xff" * 8 + b"".join(f), False
    yield "8-byte length 2^63", b"\x02\xff\x80" + b"\x00" * 7 + b"".join(f), False
    yield "empty", b"", False
    yield "type byte only", b"\x02", False
    yield "an RLP string envelope", _s(b"\x11" * 40), False
    yield "legacy v 36", _l([_s(b"\x05"), _s(b"\x01"), _s(b"\x52\x08"), _s(b"\x11" * 20), _s(b"\x01"), _s(b""),
                             _s(b"\x24"), _s(b"\x11" * 32), _s(b"\x22" * 32)]), False
    yield "legacy v 27", _l([_s(b"\x05"), _s(b"\x01"), _s(b"\x52\x08"), _s(b"\x11" * 20), _s(b"\x01"), _s(b""),
                             _s(b"\x1b"), _s(b"\x11" * 32), _s(b"\x22" * 32)]), True
    yield "access list entry with 3 items", b"\x02" + _l(f[:8] + [_l([_l([_s(b"\x11" * 20), _l([]), _l([])])])]
                                                        + f[9:]), False
    yield "storage key of 31 bytes", b"\x02" + _l(f[:8] + [_l([_l([_s(b"\x11" * 20), _l([_s(b"\x01" * 31)])])])]
                                                 + f[9:]), False


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, raw, ok", list(_noncanonical_rlp_variants()),
                         ids=[v[0] for v in _noncanonical_rlp_variants()])
def test_parse_tx_and_disassemble_reject_the_same_non_canonical_rlp(backend, name, raw, ok):
    from hostile_helpers import rlp_acceptance_diff
    assert rlp_acceptance_diff(raw, tx.parse_tx, backend.disassemble) is None
    if ok:
        tx.parse_tx(raw)
    else:
        with pytest.raises(InputError):
            backend.disassemble([raw], None)


# --- row 10: stray bits ----------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_stray_parity_padding_bits_are_rejected(small_batch, backend):
    txs, senders = small_batch
    assert len(txs) % 8
    chain, streams = backend.disassemble(txs, None)
    for bit in range(len(txs) % 8, 8):
        s = list(streams)
        s[S["parity"]] = s[S["parity"]][:-1] + bytes([s[S["parity"]][-1] | (1 << bit)])
        with pytest.raises(DecodeError) as info:
            backend.assemble(len(txs), chain, s)
        assert info.value.column == "parity"
        with pytest.raises(DecodeError):
            batchkit.decompress(v1.encode_streams(len(txs), chain, s, "fast"))
    for bad in (s[S["parity"]] + b"\x00", b""):
        s = list(streams)
        s[S["parity"]] = bad
        assert rejects(backend.assemble, len(txs), chain, s) is None


def test_unpack_bits_rejects_stray_bits_and_negative_counts():
    for backend in [b.values[0] for b in BACKENDS]:
        assert backend.unpack_bits(b"\x01", 1, "p") == [1]
        assert rejects(backend.unpack_bits, b"\x02", 1, "p") is None
        assert rejects(backend.unpack_bits, b"", -1, "p") is None
        assert rejects(backend.unpack_bits, b"\x00", 0, "p") is None


def test_blob_high_bits_modulus_and_bytes_after_payload_are_rejected(small_payload):
    blobs = blob.encode_blobs(small_payload)
    assert blob.decode_blobs(blobs) == small_payload
    high = bytearray(blobs[0])
    high[32 * 100] |= 0x40
    with pytest.raises(DecodeError) as info:
        blob.decode_blobs([bytes(high)])
    assert info.value.offset == 3200 and info.value.column == "blob[0]"
    modulus = bytearray(blobs[0])
    modulus[32 * 5:32 * 6] = blob.BLS_MODULUS.to_bytes(32, "big")
    assert rejects(blob.decode_blobs, [bytes(modulus)]) is None
    after = bytearray(blobs[0])
    after[-1] = 1
    with pytest.raises(DecodeError) as info:
        blob.decode_blobs([bytes(after)])
    assert info.value.column == "blob[0]"
    assert rejects(blob.decode_blobs, [blobs[0], bytes(blob.BLOB_SIZE)]) is None
    assert rejects(blob.decode_blobs, [blobs[0][:-1]]) is None
    assert rejects(blob.decode_blobs, [blobs[0] + b"\x00"]) is None
    version = bytearray(blobs[0])
    version[1] = 2
    with pytest.raises(UnsupportedVersionError):
        blob.decode_blobs([bytes(version)])
    for bad in (None, 7, "x", [None], [7], iter(blobs)):
        assert only_decode_error(blob.decode_blobs, bad) is None


def test_blob_decode_bit_flips_in_the_header_round_stay_bijective(small_payload):
    blobs = blob.encode_blobs(small_payload)
    for bit, data in bit_flips(blobs[0][:40]):
        b = data + blobs[0][40:]
        try:
            out = blob.decode_blobs([b])
        except DecodeError:
            continue
        assert blob.encode_blobs(out) == [b], f"bit {bit}"


def test_unframe_rejects_hostile_frames(small_payload):
    frames = calldata.frame(small_payload)
    assert calldata.unframe(frames) == small_payload
    for cut in range(len(frames[0])):
        out = None
        try:
            out = calldata.unframe([frames[0][:cut]])
        except DecodeError:
            pass
        if out is not None:
            assert calldata.frame(out) == [frames[0][:cut]]
    big = bytes(range(256)) * ((calldata.MAX_FRAME_PAYLOAD + 1000) // 256)
    split = calldata.frame(big)
    assert len(split) == 2
    for bad in ([split[1], split[0]], [split[0]], [split[0], split[1], split[1]], [split[0] + b"\x00", split[1]],
                [split[0][:-1], split[1]], [bytes([0x02]) + small_payload], [b""], [], None, [None], [7],
                [split[0][:1] + b"\x00\xff" + split[0][3:], split[1]]):
        assert only_decode_error(calldata.unframe, bad) is None
        assert rejects(calldata.unframe, bad) is None, bad if bad is None or len(bad) < 2 else len(bad)
    with pytest.raises(UnsupportedVersionError):
        calldata.unframe([b"\x02" + small_payload])


# --- row 16: bytes, bytearray, memoryview (sliced); the input is copied -------------------------------

def test_every_buffer_type_decodes_and_mutation_after_decode_is_harmless(small_payload, small_batch):
    txs, _ = small_batch
    padded = b"xyz" + small_payload + b"tail"
    for data in (small_payload, bytearray(small_payload), memoryview(small_payload),
                 memoryview(padded)[3:3 + len(small_payload)], memoryview(bytearray(padded))[3:-4]):
        assert batchkit.decompress(data) == txs
        assert v1.parse(data).n == len(txs)
    ba = bytearray(small_payload)
    out = batchkit.decompress(ba)
    ba[:] = b"\x00" * len(ba)
    assert out == txs
    blobs = blob.encode_blobs(small_payload)
    assert blob.decode_blobs([memoryview(bytearray(b"..") + blobs[0])[2:]]) == small_payload
    assert calldata.unframe([memoryview(b"." + calldata.frame(small_payload)[0])[1:]]) == small_payload


@pytest.mark.parametrize("backend", BACKENDS)
def test_assemble_and_disassemble_accept_every_buffer_type(small_batch, backend):
    txs, _ = small_batch
    chain, streams = backend.disassemble([bytearray(t) for t in txs], None)
    assert (chain, streams) == backend.disassemble([memoryview(b"-" + t)[1:] for t in txs], None)
    for conv in (bytes, bytearray, memoryview):
        out, _ = backend.assemble(len(txs), chain, tuple(conv(s) for s in streams))
        assert out == txs


@pytest.mark.parametrize("bad", [None, 5, 1 << 40, "BK", 3.5, [1, 2]])
def test_non_buffer_inputs_raise_decode_error_without_allocating(bad):
    assert only_decode_error(batchkit.decompress, bad) is None
    assert rejects(batchkit.decompress, bad) is None


# --- row 17: worst-case decode time ---------------------------------------------------------------------

def test_worst_case_size_decode_finishes_quickly():
    """A payload at the size limit made of the cheapest-to-reject and a max-size stored body of one huge
    calldata: both decode (or fail) well within a generous budget."""
    import time
    g = [t for t in _TYPED if t[0] == 2][:1]
    chain, s = _backend.core.disassemble(g, None)
    s = list(s)
    size = limits.MAX_CALLDATA_BYTES
    s[S["dlen"]] = uvarint(size)
    s[S["data"]] = b"\x01" * size
    payload = v1.encode_streams(1, chain, s, "fast")
    start = time.perf_counter()
    assert len(batchkit.decompress(payload)[0]) > size
    assert time.perf_counter() - start < 10


# --- baselines: only DecodeError escapes -----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(FORMATS))
def test_baseline_decoders_raise_only_decode_error_on_hostile_input(name, small_batch):
    txs = [t for t in small_batch[0] if t[0] != 3]
    fmt = FORMATS[name]
    try:
        payload = fmt.encode(txs)
    except InputError:
        pytest.skip(f"{name} cannot carry this batch")
    assert fmt.decode(payload) == txs
    assert fmt.decode(bytearray(payload)) == txs
    assert fmt.decode(memoryview(b"." + payload)[1:]) == txs
    for cut in range(0, len(payload), max(1, len(payload) // 150)):
        err = only_decode_error(fmt.decode, payload[:cut])
        assert err is None, f"{name} cut {cut}: {err}"
    step = max(1, len(payload) * 8 // 600)
    for bit, data in bit_flips(payload):
        if bit % step:
            continue
        err = only_decode_error(fmt.decode, data)
        assert err is None, f"{name} bit {bit}: {err}"
    for junk in (b"", b"\x00", b"\xff" * 64, payload + b"\x00", zlib.compress(b"x" * 1000)):
        err = only_decode_error(fmt.decode, junk)
        assert err is None, f"{name} junk: {err}"


# --- the CLI: hostile files give an error exit, never a traceback ---------------------------------------

@pytest.mark.parametrize("command", ["decompress", "inspect", "verify"])
def test_cli_reports_hostile_payloads_as_errors(tmp_path, small_payload, small_batch, command, capsys):
    txs, _ = small_batch
    txfile = tmp_path / "txs.jsonl"
    txfile.write_text("".join(json.dumps({"raw": "0x" + t.hex()}) + "\n" for t in txs))
    good = tmp_path / "good.bk"
    good.write_bytes(small_payload)
    args = {"decompress": ["decompress", str(good), "-o", str(tmp_path / "out.jsonl")],
            "inspect": ["inspect", str(good)], "verify": ["verify", str(txfile), str(good)]}[command]
    assert cli.main(args) == 0
    for i, bad in enumerate([small_payload[:-1], small_payload[:2] + b"\x09" + small_payload[3:], b"",
                             repack(small_payload, n=U64_MAX), small_payload[:20]]):
        path = tmp_path / f"bad{i}.bk"
        path.write_bytes(bad)
        argv = [str(path) if a == str(good) else a for a in args]
        code = cli.main(argv)
        assert code not in (0, None), f"{command} accepted bad{i}"
    capsys.readouterr()


def test_read_blob_dir_rejects_a_corrupt_blob(tmp_path, small_payload):
    d = tmp_path / "blobs"
    blob.write_blob_dir(small_payload, d)
    assert blob.read_blob_dir(d) == small_payload
    f = d / blob.blob_file_name(0)
    data = bytearray(f.read_bytes())
    data[0] |= 0x40
    f.write_bytes(bytes(data))
    assert rejects(blob.read_blob_dir, d) is None
    f.write_bytes(bytes(data[:-1]))
    assert rejects(blob.read_blob_dir, d) is None
    (d / blob.MANIFEST_NAME).write_text("{" * 100000)
    assert rejects(blob.read_blob_dir, d) is None
    (d / blob.MANIFEST_NAME).write_text(json.dumps({"version": 9, "payload_bytes": 1, "blobs": []}))
    with pytest.raises(UnsupportedVersionError):
        blob.read_blob_dir(d)
    assert rejects(blob.read_blob_dir, tmp_path / "missing") is None


# --- committed crashers and hand-found bugs replay forever -----------------------------------------------

REGRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regressions")


def _regression_files(kind):
    d = os.path.join(REGRESSIONS, kind)
    return sorted(os.path.join(d, f) for f in os.listdir(d)) if os.path.isdir(d) else []


def test_regressions_replay():
    import importlib.util
    import sys as _sys
    fuzz_dir = os.path.join(os.path.dirname(REGRESSIONS), "..", "fuzz")
    _sys.path.insert(0, os.path.abspath(fuzz_dir))
    try:
        import _common
        spec = importlib.util.spec_from_file_location("fuzz_blob_target", os.path.join(fuzz_dir, "fuzz_blob.py"))
    finally:
        _sys.path.pop(0)
    for path in _regression_files("payload"):
        data = open(path, "rb").read()
        assert payload_oracle(data, v1.decode, v1.parse, _backend.core.disassemble) is None, path
    for path in _regression_files("assemble"):
        unpacked = _common.unpack_streams(open(path, "rb").read())
        if unpacked and _core is not None:
            from hostile_helpers import assemble_diff
            assert assemble_diff(*unpacked, _core.assemble, _pure.assemble) is None, path
    for path in _regression_files("blob"):
        data = open(path, "rb").read()
        if data:
            target = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(target)
            target.TestOneInput(data)
    for path in _regression_files("hostile"):
        value = int(open(path).read().strip())
        if "assemble" in path:
            for backend in [b.values[0] for b in BACKENDS]:
                assert rejects(backend.assemble, value, b"", (b"",) * 20) is None, path
        else:
            assert rejects(batchkit.decompress, value) is None, path


# --- row 15: errors raised inside cdef helpers propagate (no noexcept swallowing them) -------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_errors_inside_inner_helpers_propagate(backend):
    # read_uvarint (a cdef helper) raises inside get_uvarint
    with pytest.raises(DecodeError, match="truncated varint"):
        backend.get_uvarint(b"\x80", 0, "c")
    # rlp_item (cdef, two levels down in disassemble) raises _Bad, surfaced as InputError with the index
    with pytest.raises(InputError, match="transaction 1"):
        backend.disassemble([_TYPED[0], b"\x02\xc1"], None)
    # rd_take inside the assemble loop: a data stream one byte short
    chain, s = _one_typed_tx_streams(backend, 2)
    s[S["data"]] = s[S["data"]][:-1] if s[S["data"]] else b""
    s[S["dlen"]] = uvarint(len(s[S["data"]]) + 1)
    with pytest.raises(DecodeError) as info:
        backend.assemble(1, chain, s)
    assert info.value.column == "data"


def test_zstd_bodies_are_walked_block_by_block_before_decompressing():
    """The frame's end is found from its block headers (raw, RLE and compressed blocks, an optional
    checksum): a body must be exactly one frame, and a reserved block type is malformed."""
    columns = bytes(5000) + bytes(range(256)) * 40
    for frame in (zstandard.ZstdCompressor(level=1, write_checksum=True).compress(columns),
                  zstandard.ZstdCompressor(level=1).compress(bytes(300_000)),  # RLE blocks
                  zstandard.ZstdCompressor(level=1).compress(os.urandom(3000))):  # a raw block
        data = zstandard.ZstdDecompressor().decompress(frame)
        assert v1.decompress_body(v1.METHOD_ZSTD, frame, 0) == data
        with pytest.raises(DecodeError):
            v1.decompress_body(v1.METHOD_ZSTD, frame[:-1], 0)
        with pytest.raises(DecodeError):
            v1.decompress_body(v1.METHOD_ZSTD, frame + b"\x00", 0)
    frame = bytearray(zstandard.ZstdCompressor(level=1).compress(columns))
    first_block = zstandard.frame_header_size(bytes(frame))
    frame[first_block] |= 0x06  # block type 3: reserved
    with pytest.raises(DecodeError):
        v1.decompress_body(v1.METHOD_ZSTD, bytes(frame), 0)
