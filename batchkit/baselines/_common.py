"""Pieces shared by the baseline codecs: the :class:`Baseline` record, bounded decompressors, strict
RLP / varint readers and the walk over concatenated transaction envelopes.

Every reader here raises only :class:`~batchkit.errors.DecodeError` (or a subclass), with the offset in the
layer being read; failures inside zlib, brotli, zstd or lzma are re-raised as ``DecodeError`` ``from`` the
original.
"""

from __future__ import annotations

import lzma
import zlib
from dataclasses import dataclass
from typing import Callable

import brotli
import zstandard

from ..errors import DecodeError, InputError, LimitExceededError
from ..format._backend import core
from ..tx import Transaction, parse_tx


@dataclass(frozen=True)
class Baseline:
    """One production batch format, as a codec over lists of raw signed transactions."""

    name: str
    encode: Callable[[list[bytes]], bytes]
    """``encode(txs) -> payload``: the bytes the rollup would post (including its own framing)."""
    decode: Callable[[bytes], list[bytes]]
    """``decode(payload) -> txs``: strict and bounded; raises only ``DecodeError`` and subclasses."""
    blob_capacity: int
    """Usable payload bytes per EIP-4844 blob in this rollup's blob packing."""
    fidelity: str
    """One line: exact or approximated, and why."""

    def roundtrip(self, txs: list[bytes]) -> bytes:
        """Encode, decode, and check the transactions come back; returns the payload."""
        payload = self.encode(txs)
        back = self.decode(payload)
        if back != [bytes(t) for t in txs]:
            from ..errors import VerificationError
            raise VerificationError(f"{self.name}: the payload does not decode back to its transactions")
        return payload


# --- bounded decompression ----------------------------------------------------------------------------

_CHUNK = 64  # input fed per step: one zstd RLE block is 4 bytes for up to 128 KiB, so output per step stays small


def _over(what: str, limit: int) -> LimitExceededError:
    return LimitExceededError(f"{what} decompressed size", limit + 1, limit, column=what)


def zlib_decompress(data: bytes, limit: int, *, allow_sync_flush_end: bool = False,
                    what: str = "zlib") -> bytes:
    """Inflate one zlib stream into at most ``limit`` bytes. Bytes after the stream are an error.

    ``allow_sync_flush_end`` accepts a stream that stops, unterminated, right after a sync flush
    (``00 00 ff ff``): OP batchers post such channels and op-node reads the batches before the missing end.
    """
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise DecodeError(f"bad zlib stream: {exc}", column=what) from exc
    if len(out) > limit:
        raise _over(what, limit)
    if d.unconsumed_tail:
        raise _over(what, limit)
    if not d.eof:
        if not (allow_sync_flush_end and data.endswith(b"\x00\x00\xff\xff")):
            raise DecodeError("truncated zlib stream", offset=len(data), column=what)
    elif d.unused_data:
        raise DecodeError("bytes after the end of the zlib stream", offset=len(data) - len(d.unused_data),
                          column=what)
    return out


def brotli_decompress(data: bytes, limit: int, what: str = "brotli") -> bytes:
    """Decode one brotli stream into at most ``limit`` bytes; trailing bytes and truncation are errors."""
    d = brotli.Decompressor()
    out = bytearray()
    pos = 0
    try:
        while True:
            if d.can_accept_more_data():
                if pos >= len(data):
                    break
                chunk = data[pos:pos + 4096]
                pos += len(chunk)
            else:
                chunk = b""
            out += d.process(chunk, output_buffer_limit=1 << 20)
            if len(out) > limit:
                raise _over(what, limit)
            if d.is_finished():
                break
    except brotli.error as exc:
        raise DecodeError(f"bad brotli stream: {exc}", offset=pos, column=what) from exc
    if not d.is_finished():
        raise DecodeError("truncated brotli stream", offset=len(data), column=what)
    if pos < len(data):
        # The decoder stops at the end of the stream; anything left in the last chunk or after it is trailing.
        raise DecodeError("bytes after the end of the brotli stream", column=what)
    return bytes(out)


def zstd_decompress(data: bytes, limit: int, *, magicless: bool = False, max_window_log: int = 27,
                    what: str = "zstd") -> bytes:
    """Decode exactly one zstd frame into at most ``limit`` bytes (never the one-shot ``decompress()``)."""
    dctx = zstandard.ZstdDecompressor(
        max_window_size=1 << max_window_log,
        format=zstandard.FORMAT_ZSTD1_MAGICLESS if magicless else zstandard.FORMAT_ZSTD1)
    d = dctx.decompressobj()
    out = bytearray()
    pos = 0
    try:
        while pos < len(data) and not d.eof:
            out += d.decompress(data[pos:pos + _CHUNK])
            pos += _CHUNK
            if len(out) > limit:
                raise _over(what, limit)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"bad zstd frame: {exc}", offset=pos, column=what) from exc
    if not d.eof:
        raise DecodeError("truncated zstd frame", offset=len(data), column=what)
    if d.unused_data or pos < len(data):
        raise DecodeError("bytes after the end of the zstd frame", column=what)
    return bytes(out)


def xz_decompress(data: bytes, limit: int, what: str = "xz") -> bytes:
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    try:
        out = d.decompress(data, limit + 1)
    except lzma.LZMAError as exc:
        raise DecodeError(f"bad xz stream: {exc}", column=what) from exc
    if len(out) > limit or (not d.eof and d.needs_input is False):
        raise _over(what, limit)
    if not d.eof:
        raise DecodeError("truncated xz stream", offset=len(data), column=what)
    if d.unused_data:
        raise DecodeError("bytes after the end of the xz stream", column=what)
    return out


# --- integers, varints, RLP ------------------------------------------------------------------------------

def write_uvarint(value: int, out: bytearray) -> None:
    if value < 0 or value >= 1 << 64:
        raise InputError(f"{value} does not fit a 64-bit varint")
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


#: Protobuf uvarint, at most 64 bits, minimal encoding: the codec's own reader (one wording for every varint).
read_uvarint = core.get_uvarint


def rlp_header(data: bytes, pos: int, column: str) -> tuple[bool, int, int]:
    """Read one canonical RLP header at ``pos``: ``(is_list, payload_start, payload_end)``, checked
    against the bytes left. A single byte below 0x80 is its own payload."""
    n = len(data)
    if pos >= n:
        raise DecodeError("truncated RLP item", offset=pos, column=column)
    b = data[pos]
    if b < 0x80:
        return False, pos, pos + 1
    if b < 0xB8:
        start, length, is_list = pos + 1, b - 0x80, False
        if length == 1 and start < n and data[start] < 0x80:
            raise DecodeError("non-canonical RLP single byte", offset=pos, column=column)
    elif b < 0xC0:
        ll = b - 0xB7
        start, is_list = pos + 1 + ll, False
        length = _long_length(data, pos, ll, column)
    elif b < 0xF8:
        start, length, is_list = pos + 1, b - 0xC0, True
    else:
        ll = b - 0xF7
        start, is_list = pos + 1 + ll, True
        length = _long_length(data, pos, ll, column)
    end = start + length
    if end > n:
        raise DecodeError("RLP item runs past the end of its input", offset=pos, column=column)
    return is_list, start, end


def _long_length(data: bytes, pos: int, ll: int, column: str) -> int:
    if pos + 1 + ll > len(data):
        raise DecodeError("truncated RLP length", offset=pos, column=column)
    raw = data[pos + 1:pos + 1 + ll]
    if raw[0] == 0:
        raise DecodeError("RLP length with a leading zero", offset=pos, column=column)
    length = int.from_bytes(raw, "big")
    if length < 56:
        raise DecodeError("RLP long form for a short item", offset=pos, column=column)
    return length


def rlp_string_stream(data: bytes, column: str, max_items: int | None = None) -> list[bytes]:
    """Split a stream of RLP byte strings (OP channel content, Nitro segments); every byte must belong
    to an item."""
    items = []
    pos = 0
    while pos < len(data):
        is_list, start, end = rlp_header(data, pos, column)
        if is_list:
            raise DecodeError("expected an RLP string, found a list", offset=pos, column=column)
        items.append(data[start:end])
        if max_items is not None and len(items) > max_items:
            raise LimitExceededError("RLP items", len(items), max_items, offset=pos, column=column)
        pos = end
    return items


def rlp_string_bytes(item: bytes) -> bytes:
    """RLP-encode one byte string."""
    n = len(item)
    if n == 1 and item[0] < 0x80:
        return bytes(item)
    if n < 56:
        return bytes([0x80 + n]) + item
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0xB7 + len(ln)]) + ln + item


# --- transactions ------------------------------------------------------------------------------------------

def check_tx(raw: bytes, index: int, column: str = "txs") -> Transaction:
    """``parse_tx`` with its ``InputError`` turned into a ``DecodeError`` (a decoder's view of a bad tx)."""
    try:
        return parse_tx(raw, index)
    except InputError as exc:
        raise DecodeError(f"invalid transaction: {exc}", column=column) from exc


def split_envelopes(data: bytes, column: str = "txs") -> list[bytes]:
    """Split concatenated EIP-2718 envelopes (legacy RLP lists, or a type byte then an RLP list);
    each one is parsed strictly."""
    txs = []
    pos = 0
    while pos < len(data):
        start = pos
        first = data[pos]
        if first < 0x80:
            pos += 1
        elif first < 0xC0:
            raise DecodeError("a transaction starts with an RLP string", offset=pos, column=column)
        is_list, _, end = rlp_header(data, pos, column)
        if not is_list:
            raise DecodeError("a transaction envelope is not an RLP list", offset=pos, column=column)
        raw = data[start:end]
        check_tx(raw, len(txs), column)
        txs.append(raw)
        pos = end
    return txs


def as_bytes(payload: bytes | bytearray | memoryview) -> bytes:
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise DecodeError(f"payload must be bytes, not {type(payload).__name__}")
    return bytes(payload)
