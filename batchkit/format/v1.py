"""The v1 wire format: a batch of signed transactions as columns, compressed.

Grammar (FORMAT.md explains each part and what it saves)::

    payload   = magic version count chain method len_a len_b body_a body_b sigs
    magic     = "BK"                       2 bytes, 0x42 0x4B
    version   = 0x01                       1 byte
    count     = uvarint                    transactions in the batch (<= MAX_TXS)
    chain     = compact                    the batch chain id: that of the first transaction carrying one
    method    = u8                         how both bodies are compressed (METHODS)
    len_a     = uvarint                    bytes of ``body_a`` as stored
    len_b     = uvarint                    bytes of ``body_b`` as stored
    body_a    = compress(columns_a)        one frame: the stream lengths and the small streams
    body_b    = compress(columns_b)        one frame: the bulk streams (addresses, calldata, keys, hashes)
    sigs      = 64 * count bytes           r ‖ s of every transaction, stored raw (random: incompressible)
    columns_a = len(s) for every stream but ``sig`` (uvarints, ``streams.STREAMS`` order), then the
                SMALL_STREAMS in that order
    columns_b = the BULK_STREAMS in ``streams.STREAMS`` order

``compact`` is one length byte (0-32) then the minimal big-endian bytes. Stream contents are defined by
``_pure.disassemble`` (the reference) and ``_core.disassemble`` (the same, compiled).

Decoding is strict: every layer must be consumed exactly, every count is checked against the bytes left
and against ``batchkit.limits`` before anything is allocated, and only :class:`DecodeError` (or its
subclasses) escapes. ``encode(decode(p).txs, senders=decode(p).groups)`` gives back the same columns.
"""

from __future__ import annotations

import lzma
import threading
from dataclasses import dataclass
from typing import Sequence

import zstandard

from .. import limits
from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError
from ._backend import core
from .streams import (BODY_STREAMS, BULK_STREAMS, NSTREAMS_VALIDITY, SIG_STREAM, SMALL_STREAMS, STREAMS,
                      STREAMS_VALIDITY, VALIDITY_BODY_STREAMS, VALIDITY_SMALL_STREAMS)

MAGIC = b"BK"
VERSION = 1

#: Compression methods of the body. A method byte not listed here raises UnsupportedVersionError.
METHOD_STORED = 0
METHOD_ZSTD = 1
METHOD_LZMA = 2
METHODS = {METHOD_STORED: "stored", METHOD_ZSTD: "zstd", METHOD_LZMA: "lzma"}

#: Raw LZMA2 with fixed properties: the decoder needs no header beyond the method byte.
LZMA_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 1 << 24}]

#: Named levels: (method, parameter for body_a, parameter for body_b). ``default`` spends more effort on
#: the small body_a (a tenth of the bytes) than on body_b: measured on the real corpora, zstd 15/11 is
#: 0.34 B/tx smaller than 11/11 and still encodes at over 50 MB/s.
LEVELS = {
    "fast": (METHOD_ZSTD, 3, 3),
    "default": (METHOD_ZSTD, 15, 11),
    "max": (METHOD_LZMA, 0, 0),
}

@dataclass(frozen=True)
class Decoded:
    """What a payload decodes to: the raw signed transactions in order, and the sender group of each
    (labels that make the encoder reproduce the same columns)."""
    txs: list[bytes]
    groups: list[int]
    chain: bytes
    method: int


def resolve_level(level: str | int) -> tuple[int, int, int]:
    """``fast``/``default``/``max``, or an integer zstd level (1-22), also as a string of digits."""
    if isinstance(level, str) and level.isdigit():
        level = int(level)
    if isinstance(level, str):
        try:
            return LEVELS[level]
        except KeyError:
            raise InputError(f"unknown level {level!r}: use fast, default, max or a zstd level 1-22") from None
    if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 22:
        return METHOD_ZSTD, level, level
    raise InputError(f"unknown level {level!r}: use fast, default, max or a zstd level 1-22")


def uvarint(value: int) -> bytes:
    out = bytearray()
    core.put_uvarint(out, value)
    return bytes(out)


#: One ``ZstdCompressor`` per level *per thread*: a python-zstandard compressor must not be used by two
#: threads at once (concurrent ``compress`` calls on one object crash the process).
_ZSTD_LOCAL = threading.local()


def _zstd_compressor(level: int) -> zstandard.ZstdCompressor:
    cache = getattr(_ZSTD_LOCAL, "compressors", None)
    if cache is None:
        cache = _ZSTD_LOCAL.compressors = {}
    cctx = cache.get(level)
    if cctx is None:
        cctx = cache[level] = zstandard.ZstdCompressor(level=level, write_content_size=True,
                                                       write_checksum=False, write_dict_id=False)
    return cctx


def compress_body(method: int, param: int, data: bytes) -> bytes:
    """``data`` compressed alone with ``method`` at ``param`` (the zstd level), as one body is stored."""
    if method == METHOD_ZSTD:
        return _zstd_compressor(param).compress(data)
    if method == METHOD_LZMA:
        return lzma.compress(data, format=lzma.FORMAT_RAW, filters=LZMA_FILTERS)
    return data


def pack_sections(streams: Sequence[bytes]) -> tuple[bytes, bytes]:
    """``columns_a`` and ``columns_b`` of the grammar (of the validity profile for its NSTREAMS_VALIDITY
    streams: ``parity`` and ``sig`` left out, ``sender`` last of the small streams)."""
    body, small = ((VALIDITY_BODY_STREAMS, VALIDITY_SMALL_STREAMS) if len(streams) == NSTREAMS_VALIDITY
                   else (BODY_STREAMS, SMALL_STREAMS))
    a = b"".join([uvarint(len(streams[i])) for i in body] + [streams[i] for i in small])
    return a, b"".join(streams[i] for i in BULK_STREAMS)


def pack_columns(streams: Sequence[bytes]) -> bytes:
    """Both sections as one byte string (what a single-frame estimate compresses)."""
    return b"".join(pack_sections(streams))


def encode_streams(n: int, chain: bytes, streams: Sequence[bytes], level: str | int = "default") -> bytes:
    """Assemble a payload from columns (``core.disassemble``'s output)."""
    method, param_a, param_b = resolve_level(level)
    raw_a, raw_b = pack_sections(streams)
    body_a, body_b = compress_body(method, param_a, raw_a), compress_body(method, param_b, raw_b)
    if len(body_a) + len(body_b) >= len(raw_a) + len(raw_b):
        method, body_a, body_b = METHOD_STORED, raw_a, raw_b
    header = b"".join([MAGIC, bytes([VERSION]), uvarint(n), bytes([len(chain)]), chain, bytes([method]),
                       uvarint(len(body_a)), uvarint(len(body_b))])
    return b"".join([header, body_a, body_b, streams[SIG_STREAM]])


def encode(txs: Sequence[bytes], sender_ids: Sequence[int] | None, level: str | int = "default") -> bytes:
    """Encode raw signed transactions. ``sender_ids``: a sender label per transaction, or None."""
    chain, streams = core.disassemble(txs, sender_ids)
    return encode_streams(len(txs), chain, streams, level)


# --- decoding -------------------------------------------------------------------------------------------

class Cursor:
    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes):
        self.buf = buf
        self.pos = 0

    def byte(self, what: str) -> int:
        if self.pos >= len(self.buf):
            raise DecodeError(f"truncated {what}", offset=self.pos, column="header")
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def take(self, n: int, what: str) -> bytes:
        if n > len(self.buf) - self.pos:
            raise DecodeError(f"truncated {what}: needs {n} bytes, {len(self.buf) - self.pos} left",
                              offset=self.pos, column="header")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def uvarint(self, what: str) -> int:
        value, self.pos = core.get_uvarint(self.buf, self.pos, what)
        return value

    def chain_id(self) -> bytes:
        """A ``compact`` chain id: at most 32 bytes, minimal (no leading zero byte)."""
        chain_len = self.byte("chain id")
        if chain_len > 32:
            raise DecodeError(f"chain id of {chain_len} bytes", offset=self.pos - 1, column="header")
        chain = self.take(chain_len, "chain id")
        if chain[:1] == b"\x00":
            raise DecodeError("non-canonical chain id (leading zero)", offset=self.pos - chain_len,
                              column="header")
        return chain


def payload_bytes(payload) -> bytes:
    """A copy of ``payload`` (bytes-like, at most MAX_PAYLOAD_BYTES), or :class:`DecodeError`."""
    # Not bytes(payload): bytes(2**40) allocates a terabyte and bytes("..") raises TypeError. Take a view,
    # check its size, then copy (the copy also protects the decode from a buffer mutated meanwhile).
    try:
        view = memoryview(payload)
    except TypeError:
        raise DecodeError(f"a payload must be bytes-like, not {type(payload).__name__}") from None
    with view:
        if view.nbytes > limits.MAX_PAYLOAD_BYTES:
            raise LimitExceededError("payload size", view.nbytes, limits.MAX_PAYLOAD_BYTES)
        return view.tobytes()


def decompress_body(method: int, body: bytes, offset: int, cap: int = limits.MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress one body (which starts at ``offset`` of the payload) under ``cap`` bytes; the whole body
    must be one frame, fully consumed."""
    if method == METHOD_STORED:
        return body
    if method == METHOD_ZSTD:
        try:
            params = zstandard.get_frame_parameters(body)
        except zstandard.ZstdError as exc:
            raise DecodeError(f"bad zstd frame header: {exc}", offset=offset, column="body") from exc
        size = params.content_size
        if size == zstandard.CONTENTSIZE_UNKNOWN or size == zstandard.CONTENTSIZE_ERROR:
            raise DecodeError("zstd frame without a content size", offset=offset, column="body")
        if size > cap:
            raise LimitExceededError("decompressed size", size, cap, offset=offset, column="body")
        if params.window_size > cap or params.dict_id != 0:
            raise DecodeError("zstd frame parameters out of range", offset=offset, column="body")
        end = _zstd_frame_end(body, params.has_checksum, offset)
        if end != len(body):
            raise DecodeError("bytes after the zstd frame", offset=offset + end, column="body")
        # One frame spans the body exactly and declares size <= cap: the one-shot call allocates exactly
        # ``size`` and libzstd fails a frame whose content does not match its declared size.
        try:
            out = zstandard.ZstdDecompressor(max_window_size=cap).decompress(body)
        except zstandard.ZstdError as exc:
            raise DecodeError(f"corrupt zstd frame: {exc}", offset=offset, column="body") from exc
        if len(out) != size:
            raise DecodeError("zstd frame size differs from its header", offset=offset, column="body")
        return out
    # LZMA: raw LZMA2 has no size header; bound the output directly.
    dobj = lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=LZMA_FILTERS)
    try:
        out = dobj.decompress(body, max_length=cap + 1)
    except lzma.LZMAError as exc:
        raise DecodeError(f"corrupt lzma stream: {exc}", offset=offset, column="body") from exc
    if len(out) > cap:
        raise LimitExceededError("decompressed size", len(out), cap, offset=offset, column="body")
    if not dobj.eof:
        raise DecodeError("truncated lzma stream", offset=offset + len(body), column="body")
    if dobj.unused_data:
        raise DecodeError("bytes after the lzma stream", offset=offset + len(body) - len(dobj.unused_data),
                          column="body")
    return out


def _zstd_frame_end(body: bytes, has_checksum: bool, offset: int) -> int:
    """Where the zstd frame that starts ``body`` ends, from its block headers (RFC 8878, 3.1.1.2)."""
    try:
        pos = zstandard.frame_header_size(body)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"bad zstd frame header: {exc}", offset=offset, column="body") from exc
    while True:
        if len(body) - pos < 3:
            raise DecodeError("truncated zstd frame", offset=offset + len(body), column="body")
        header = int.from_bytes(body[pos:pos + 3], "little")
        block_type = (header >> 1) & 3
        if block_type == 3:
            raise DecodeError("reserved zstd block type", offset=offset + pos, column="body")
        pos += 3 + (1 if block_type == 1 else header >> 3)
        if pos > len(body):
            raise DecodeError("truncated zstd frame", offset=offset + len(body), column="body")
        if header & 1:
            end = pos + (4 if has_checksum else 0)
            if end > len(body):
                raise DecodeError("truncated zstd frame", offset=offset + len(body), column="body")
            return end


@dataclass(frozen=True)
class Parsed:
    """A payload taken apart but not yet rebuilt into transactions: what ``inspect`` reports."""
    n: int
    chain: bytes
    method: int
    body_len: int
    header_len: int
    streams: tuple[bytes, ...]
    body_a_len: int


def parse(payload) -> Parsed:
    """Check the header and framing, decompress the body and split it into streams."""
    buf = payload_bytes(payload)
    cur = Cursor(buf)
    if cur.take(2, "magic") != MAGIC:
        raise DecodeError("not a batchkit payload (bad magic)", offset=0, column="header")
    version = cur.byte("version")
    if version != VERSION:
        raise UnsupportedVersionError(f"unsupported version {version}", offset=2, column="header")
    start = cur.pos
    n = cur.uvarint("count")
    if n > limits.MAX_TXS:
        raise LimitExceededError("transaction count", n, limits.MAX_TXS, offset=start, column="header")
    chain = cur.chain_id()
    method = cur.byte("method")
    if method not in METHODS:
        raise UnsupportedVersionError(f"unsupported compression method {method}", offset=cur.pos - 1,
                                      column="header")
    len_a = cur.uvarint("body_a length")
    len_b = cur.uvarint("body_b length")
    header_len = cur.pos
    left = len(buf) - cur.pos
    if len_a > left or len_b > left - len_a:
        raise DecodeError(f"bodies of {len_a} + {len_b} bytes, {left} left", offset=header_len, column="header")
    if left - len_a - len_b != 64 * n:
        raise DecodeError(f"{left - len_a - len_b} signature bytes for {n} transactions",
                          offset=cur.pos + len_a + len_b, column="sig")
    body_a = cur.take(len_a, "body_a")
    body_b = cur.take(len_b, "body_b")
    sigs = buf[cur.pos:]
    columns_a = decompress_body(method, body_a, header_len)
    columns_b = decompress_body(method, body_b, header_len + len_a, limits.MAX_DECOMPRESSED_BYTES - len(columns_a))
    return Parsed(n, chain, method, len_a + len_b, header_len, split_columns(columns_a, columns_b, sigs), len_a)


def split_columns(columns_a: bytes, columns_b: bytes, sigs: bytes, validity: bool = False) -> tuple[bytes, ...]:
    """The streams of ``columns_a``, ``columns_b`` and ``sigs``; with ``validity`` the NSTREAMS_VALIDITY
    streams of that profile (``sigs`` is then empty, and so are ``parity`` and ``sig``)."""
    names, body, small = ((STREAMS_VALIDITY, VALIDITY_BODY_STREAMS, VALIDITY_SMALL_STREAMS) if validity
                          else (STREAMS, BODY_STREAMS, SMALL_STREAMS))
    pos = 0
    lengths = {}
    for i in body:
        lengths[i], pos = core.get_uvarint(columns_a, pos, names[i])
    for section, members, start in ((columns_a, small, pos), (columns_b, BULK_STREAMS, 0)):
        total = sum(lengths[i] for i in members)
        if total != len(section) - start:
            raise DecodeError(f"stream lengths add up to {total}, {len(section) - start} bytes follow",
                              offset=start, column="columns" if section is columns_a else "columns_b")
    streams: list[bytes] = [b""] * len(names)
    streams[SIG_STREAM] = sigs
    for section, members, p in ((columns_a, small, pos), (columns_b, BULK_STREAMS, 0)):
        for i in members:
            streams[i] = section[p:p + lengths[i]]
            p += lengths[i]
    return tuple(streams)


def decode(payload) -> Decoded:
    """Decode a v1 payload (``bytes``, ``bytearray`` or ``memoryview``)."""
    p = parse(payload)
    txs, groups = core.assemble(p.n, p.chain, p.streams)
    return Decoded(txs, groups, p.chain, p.method)
