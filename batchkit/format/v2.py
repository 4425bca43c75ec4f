"""The v2 wire format: v1's columns, compressed with the history of the payloads before them.

Grammar (FORMAT.md explains each part and what it saves)::

    payload  = magic version flags seq link count chain size_a size_b len_a len_b body_a body_b sigs crc
    magic    = "BK"                       2 bytes, 0x42 0x4B
    version  = 0x02                       1 byte
    flags    = u8                         bit 0: the segment starts from a shipped prior; bit 1: the
                                          validity profile (every payload of the segment); other bits zero
    seq      = uvarint                    position in the segment: 0 = keyframe (< MAX_SEGMENT_PAYLOADS)
    link     = keyframe: prior id (8 bytes, only with flag bit 0); else parent (16 bytes):
               sha256(previous payload of the segment)[:16]; flag bit 0 is zero
    count    = uvarint                    transactions (<= MAX_TXS)
    chain    = compact                    the batch chain id, as in v1
    size_a   = uvarint                    bytes of columns_a (v1 grammar), after decompression
    size_b   = uvarint                    bytes of columns_b
    len_a    = uvarint                    bytes of body_a as stored
    len_b    = uvarint                    bytes of body_b as stored
    body_x   = zstd blocks (RFC 8878 3.1.1.2) continuing section x's frame of the segment; none has the
               Last_Block flag. The frame's header is not stored: it is FRAME_HEADER (window 2^23, no
               checksum, no content size, no dictionary id), and the frame's dictionary is the prior's
               section-x dictionary (raw content) when flag bit 0 of the keyframe is set.
    sigs     = 64 * count bytes           r ‖ s of every transaction, as in v1; absent (0 bytes) in the
                                          validity profile, whose columns carry senders instead
    crc      = u32 LE                     CRC-32 (zlib.crc32) of every byte before it

A *segment* is a keyframe and the payloads after it up to the next keyframe. Each section x of the segment
is one zstd frame cut into payloads: decoding payload k feeds its blocks to a decompressor that has already
decoded payloads 0..k-1 of the segment, so matches reach back over the segment's last 2^23 bytes of
columns (and the prior). A payload decodes only after its parent; a keyframe decodes alone.

Decoding is strict and bounded: the checksum is checked first; ``parent`` must be the hash of the payload the
decoder accepted last (else :class:`ParentMismatchError`); the blocks of a body are walked before they are
decompressed, and the most they can expand to must fit MAX_DECOMPRESSED_BYTES; the output must have exactly
``size_x`` bytes; then the columns are read as in v1. A payload that fails leaves the decoder as it was
(its decompressors are rebuilt from the segment's accepted bodies).
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import zlib
from dataclasses import dataclass
from typing import Sequence

import zstandard

from .. import limits
from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError, VerificationError
from . import priors as _priors
from ._backend import core
from .streams import SIG_STREAM
from .validity import ValidityTx, records
from .v1 import Cursor, pack_sections, payload_bytes, split_columns, uvarint

MAGIC = b"BK"
VERSION = 2
FLAG_PRIORS = 0x01
#: The validity profile: senders (the ``sender`` stream) instead of signatures (no ``parity``, ``sig``, sigs);
#: the payload decodes to ``ValidityTx`` records. Set on every payload of a segment or on none.
FLAG_VALIDITY = 0x02
#: Bytes of the parent hash (a truncated sha256: 2^128 work to forge a parent).
HASH_BYTES = 16
CRC_BYTES = 4
#: zstd window of every section frame: 8 MiB of columns (about 27 one-blob payloads). Measured on
#: ethereum-mainnet-recent at 350 KB batches: 2^21 +2.6% bytes, 2^24 and larger no gain; on every shared corpus
#: concatenated, 2^24-2^27 at most -0.17% (limits.MAX_WINDOW_BYTES, which bounds what a decoder holds).
WINDOW_LOG = limits.MAX_WINDOW_BYTES.bit_length() - 1
#: The header of every section frame: magic, descriptor 0 (no single segment, no checksum, no content size,
#: no dictionary id), window descriptor 2^WINDOW_LOG.
FRAME_HEADER = b"\x28\xb5\x2f\xfd\x00" + bytes([(WINDOW_LOG - 10) << 3])
#: Largest content of one zstd block.
BLOCK_MAX = 128 * 1024
#: Named levels: (zstd level of columns_a, of columns_b), measured on the streams of ethereum-mainnet-recent at
#: 350 KB batches (B/tx, whole encode pipeline MB/s): 3/3 147.9 at 132; 5/5 144.8 at 92; 7/7 142.8 at 75;
#: 9/7 142.8 at 59; 19/19 138.8 at about 1.5.
LEVELS = {"fast": (3, 3), "default": (7, 7), "max": (19, 19)}
#: zstd parameters a named level sets apart from its zstd levels: (section a's, section b's). ``default``, on
#: the same streams (whole verified encode, wall-clock, against level 7 as is): section a search_log 2,
#: min_match 4, hash_log 19 (0.5% smaller, as fast); section b search_log 3, min_match 4 (0.26% larger, 10%
#: faster in the pipeline); together 142.96 against 142.82 B/tx and 0.95x against 0.86x the plain zstd-7
#: stream's speed. A larger hash_log, greedy or lazy2 parsing and other search depths were slower or larger.
TUNING = {"default": ({"search_log": 2, "min_match": 4, "hash_log": 19}, {"search_log": 3, "min_match": 4})}
#: Keyframe interval of StreamEncoder unless told: a node starting a stream replays at most this many
#: payloads (about 0.1 s at 350 KB payloads), and refilling the 8 MiB window after a keyframe costs at least
#: 92 KB, so keyframes cost about 1 B/tx at this interval (4 at 32; FORMAT.md).
KEYFRAME_EVERY = 128
#: Section b of at least this many bytes is compressed on a second thread while the encoding thread compresses
#: section a and checks that the columns assemble back (a thread costs about 0.1 ms; 350 KB payloads take 50).
PARALLEL_SECTION_BYTES = 64 * 1024


class ParentMismatchError(DecodeError):
    """A stream payload whose parent is not the payload the decoder accepted last: a payload is missing,
    the stream was reorganised, or decoding started after the keyframe. ``expected`` is the parent the
    payload names, ``head`` what the decoder has (``None``: nothing yet)."""

    def __init__(self, expected: bytes, head: bytes | None, seq: int):
        have = head.hex() if head is not None else "no payload of this stream"
        super().__init__(f"payload {seq} of its segment needs parent {expected.hex()}; the decoder has {have}",
                         column="header")
        self.expected = expected
        self.head = head
        self.seq = seq


def resolve_level(level: str | int) -> tuple[int, int]:
    """``fast``/``default``/``max``, or an integer zstd level (1-22), also as a string of digits."""
    if isinstance(level, str) and level.isdigit():
        level = int(level)
    if isinstance(level, str) and level in LEVELS:
        return LEVELS[level]
    if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 22:
        return level, level
    raise InputError(f"unknown level {level!r}: use fast, default, max or a zstd level 1-22")


def payload_hash(payload: bytes) -> bytes:
    """The content hash a child payload names as its parent."""
    return hashlib.sha256(payload).digest()[:HASH_BYTES]


def _params(level: int, **tuned) -> zstandard.ZstdCompressionParameters:
    return zstandard.ZstdCompressionParameters.from_level(level, window_log=WINDOW_LOG, write_checksum=0,
                                                          write_content_size=0, write_dict_id=0, threads=0,
                                                          **tuned)


# --- header -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Header:
    seq: int
    parent: bytes | None
    prior: bytes | None
    n: int
    chain: bytes
    size_a: int
    size_b: int
    len_a: int
    len_b: int
    header_len: int
    validity: bool = False


def parse_header(buf: bytes) -> Header:
    """Check magic, version and checksum of ``buf`` and read its header (not the bodies)."""
    if len(buf) < 3 + CRC_BYTES:
        raise DecodeError(f"truncated payload ({len(buf)} bytes)", offset=0, column="header")
    if buf[:2] != MAGIC:
        raise DecodeError("not a batchkit payload (bad magic)", offset=0, column="header")
    if buf[2] != VERSION:
        raise UnsupportedVersionError(f"unsupported version {buf[2]}", offset=2, column="header")
    end = len(buf) - CRC_BYTES
    if zlib.crc32(buf[:end]) != int.from_bytes(buf[end:], "little"):
        raise DecodeError("checksum mismatch: the payload is corrupt or truncated", offset=end, column="crc")
    cur = Cursor(buf[:end])
    cur.pos = 3
    flags = cur.byte("flags")
    if flags & ~(FLAG_PRIORS | FLAG_VALIDITY):
        raise DecodeError(f"unknown flags 0x{flags:02x}", offset=3, column="header")
    start = cur.pos
    seq = cur.uvarint("seq")
    if seq >= limits.MAX_SEGMENT_PAYLOADS:
        raise LimitExceededError("position in segment", seq, limits.MAX_SEGMENT_PAYLOADS - 1, offset=start,
                                 column="header")
    parent = prior = None
    if seq:
        if flags & FLAG_PRIORS:
            raise DecodeError("priors flag on a payload that is not a keyframe", offset=3, column="header")
        parent = cur.take(HASH_BYTES, "parent hash")
    elif flags & FLAG_PRIORS:
        prior = cur.take(_priors.ID_BYTES, "prior id")
    start = cur.pos
    n = cur.uvarint("count")
    if n > limits.MAX_TXS:
        raise LimitExceededError("transaction count", n, limits.MAX_TXS, offset=start, column="header")
    chain = cur.chain_id()
    start = cur.pos
    size_a = cur.uvarint("columns_a size")
    size_b = cur.uvarint("columns_b size")
    if size_a > limits.MAX_DECOMPRESSED_BYTES or size_b > limits.MAX_DECOMPRESSED_BYTES - size_a:
        raise LimitExceededError("decompressed size", size_a + size_b, limits.MAX_DECOMPRESSED_BYTES,
                                 offset=start, column="header")
    len_a = cur.uvarint("body_a length")
    len_b = cur.uvarint("body_b length")
    header_len = cur.pos
    left = end - header_len
    if len_a > left or len_b > left - len_a:
        raise DecodeError(f"bodies of {len_a} + {len_b} bytes, {left} left", offset=header_len, column="header")
    validity = bool(flags & FLAG_VALIDITY)
    if left - len_a - len_b != (0 if validity else 64 * n):
        raise DecodeError(f"{left - len_a - len_b} signature bytes for {n} transactions",
                          offset=header_len + len_a + len_b, column="sig")
    return Header(seq, parent, prior, n, chain, size_a, size_b, len_a, len_b, header_len, validity)


def max_output(body: bytes, offset: int, column: str) -> int:
    """The most bytes the zstd blocks of ``body`` can decompress to (raw and RLE blocks give exactly their
    size, a compressed block at most BLOCK_MAX); ``body`` must be whole blocks, none of them the last."""
    pos = total = 0
    end = len(body)
    while pos < end:
        if end - pos < 3:
            raise DecodeError("truncated zstd block header", offset=offset + pos, column=column)
        header = body[pos] | body[pos + 1] << 8 | body[pos + 2] << 16
        if header & 1:
            raise DecodeError("a zstd block marked last (a segment's frame never ends)", offset=offset + pos,
                              column=column)
        block_type = (header >> 1) & 3
        size = header >> 3
        if block_type == 3:
            raise DecodeError("reserved zstd block type", offset=offset + pos, column=column)
        if size > BLOCK_MAX:
            raise DecodeError(f"zstd block of {size} bytes", offset=offset + pos, column=column)
        pos += 3 + (1 if block_type == 1 else size)
        if pos > end:
            raise DecodeError("truncated zstd block", offset=offset + end, column=column)
        total += BLOCK_MAX if block_type == 2 else size
        if total > limits.MAX_DECOMPRESSED_BYTES:
            raise LimitExceededError("decompressed size", total, limits.MAX_DECOMPRESSED_BYTES,
                                     offset=offset + pos, column=column)
    return total


# --- decoding ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decoded:
    """What a v2 payload decodes to: the transactions in order (raw signed bytes; for a validity payload,
    ``header.validity``, :class:`ValidityTx` records), their sender groups (as in v1), the header, the
    payload's hash, and its two decompressed sections (what the next payloads reference)."""
    txs: list
    groups: list[int]
    header: Header
    hash: bytes
    sections: tuple[bytes, bytes]


class _Segment:
    """Decoder state of one segment: the bodies it accepted (to rebuild its decompressors) and its hashes."""

    def __init__(self, prior: _priors.Prior | None, validity: bool = False):
        self.prior = prior
        self.validity = validity
        self.bodies: list[tuple[bytes, bytes]] = []
        self.hashes: list[bytes] = []
        self.retained = 0
        self.decoders = None

    def fresh_decoders(self):
        decoders = []
        dicts = self.prior.for_decompression() if self.prior is not None else (None, None)
        for d in dicts:
            dctx = zstandard.ZstdDecompressor(dict_data=d, max_window_size=1 << WINDOW_LOG) if d is not None \
                else zstandard.ZstdDecompressor(max_window_size=1 << WINDOW_LOG)
            obj = dctx.decompressobj()
            obj.decompress(FRAME_HEADER)
            decoders.append(obj)
        return decoders

    def ready_decoders(self):
        """The section decompressors, positioned after the accepted bodies (rebuilt from them if a
        rejected payload left them elsewhere)."""
        if self.decoders is None:
            decoders = self.fresh_decoders()
            for body_a, body_b in self.bodies:
                decoders[0].decompress(body_a)
                decoders[1].decompress(body_b)
            self.decoders = decoders
        return self.decoders


def _inflate(obj, body: bytes, size: int, offset: int, column: str) -> bytes:
    if max_output(body, offset, column) < size:
        raise DecodeError(f"blocks of {len(body)} bytes cannot hold {size} bytes of columns", offset=offset,
                          column=column)
    out = _decompress(obj, body, column, offset) if body else b""
    if len(out) != size:
        raise DecodeError(f"{len(out)} bytes of columns, the header says {size}", offset=offset, column=column)
    return out


def _decompress(obj, blocks: bytes, column: str, offset: int | None = None) -> bytes:
    try:
        return obj.decompress(blocks)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"corrupt zstd blocks: {exc}", offset=offset, column=column) from exc


class Decoder:
    """Decodes the payloads of one stream in order. Safe to share between threads (calls are serialised)."""

    def __init__(self):
        self._segment: _Segment | None = None
        self._lock = threading.Lock()

    @property
    def head(self) -> bytes | None:
        """Hash of the payload accepted last (the parent the next payload must name), or ``None``."""
        seg = self._segment
        return seg.hashes[-1] if seg is not None and seg.hashes else None

    @property
    def history_bytes(self) -> int:
        """Compressed body bytes of the current segment the decoder holds (what the next payload may use)."""
        return self._segment.retained if self._segment is not None else 0

    @property
    def position(self) -> int:
        """Payloads accepted in the current segment (the ``seq`` the next payload of it carries)."""
        return len(self._segment.hashes) if self._segment is not None else 0

    def decode(self, payload) -> Decoded:
        """Decode the next payload of the stream; on any error the decoder is left as it was."""
        buf = payload_bytes(payload)
        h = parse_header(buf)
        with self._lock:
            out: list = []

            def assemble(columns_a: bytes, columns_b: bytes, sigs: bytes) -> None:
                out.extend(_assemble(h.n, h.chain, h.validity, columns_a, columns_b, sigs))

            digest, sections = self._accept(buf, h, assemble)
            return Decoded(out[0], out[1], h, digest, sections)

    def _open(self, seq: int, parent: bytes | None, prior: bytes | None, validity: bool):
        """The segment and section decompressors a payload at ``seq`` with this link continues (a new segment
        at seq 0). The caller holds the lock."""
        if seq == 0:
            seg = _Segment(_priors.load(prior) if prior is not None else None, validity)
            return seg, seg.fresh_decoders()
        seg = self._segment
        head = self.head
        if seg is None or head != parent:
            raise ParentMismatchError(parent, head, seq)
        if validity != seg.validity:
            raise DecodeError("a payload's profile differs from its keyframe's", offset=3, column="header")
        if seq != len(seg.hashes):
            raise DecodeError(f"position {seq} after a parent at position {len(seg.hashes) - 1}", column="header")
        return seg, seg.ready_decoders()

    def _accept(self, buf: bytes, h: Header, check, opened=None,
                inflated: tuple | None = None) -> tuple[bytes, tuple[bytes, bytes]]:
        """Inflate the sections of payload ``buf`` (header ``h``) with the segment's decompressors and give
        them and the payload's signatures to ``check``, which raises if they are wrong; then the payload is
        the decoder's head. Returns its hash and sections. Any error leaves the decoder as it was.

        The encoder's verification passes ``opened`` (what :meth:`_open` gave for ``h``'s link) and
        ``inflated``: per section, None or (blocks, what ``opened``'s decompressor of that section made of
        them) when it inflated the section while building the payload; the payload's section must then be
        exactly those blocks. The caller holds the lock."""
        link = (h.seq, h.parent, h.prior, h.validity)
        seg, decoders, opened_link = opened if opened is not None else (*self._open(*link), link)
        try:
            if link != opened_link:
                raise DecodeError("the payload's link is not the one its sections were inflated for",
                                  column="header")
            if h.seq and seg.retained + h.len_a + h.len_b > limits.MAX_SEGMENT_BYTES:
                raise LimitExceededError("segment size", seg.retained + h.len_a + h.len_b,
                                         limits.MAX_SEGMENT_BYTES, column="header")
            pos = h.header_len
            body_a = buf[pos:pos + h.len_a]
            body_b = buf[pos + h.len_a:pos + h.len_a + h.len_b]
            sigs = buf[pos + h.len_a + h.len_b:len(buf) - CRC_BYTES]
            columns = []
            for i, (body, size, offset) in enumerate(((body_a, h.size_a, pos), (body_b, h.size_b, pos + h.len_a))):
                column = ("body_a", "body_b")[i]
                if inflated is None or inflated[i] is None:
                    columns.append(_inflate(decoders[i], body, size, offset, column))
                    continue
                fed, out = inflated[i]
                if fed != body or len(out) != size:
                    raise DecodeError(f"section {'ab'[i]} is not the blocks inflated for it", offset=offset,
                                      column=column)
                columns.append(out)
            columns_a, columns_b = columns
            check(columns_a, columns_b, sigs)
        except BaseException:
            if h.seq or opened is not None:
                seg.decoders = None
            raise
        digest = payload_hash(buf)
        if h.seq == 0:
            seg.decoders = decoders
            self._segment = seg
        seg.bodies.append((body_a, body_b))
        seg.hashes.append(digest)
        seg.retained += h.len_a + h.len_b
        return digest, (columns_a, columns_b)


def _assemble(n: int, chain: bytes, validity: bool, columns_a: bytes, columns_b: bytes,
              sigs: bytes) -> tuple[list, list[int]]:
    """The ``n`` transactions (validity records with ``validity``) and sender groups of a payload's sections."""
    streams = split_columns(columns_a, columns_b, sigs, validity)
    if validity:
        messages, groups, senders = core.assemble(n, chain, streams)
        return [ValidityTx(s, m) for s, m in zip(senders, messages)], groups
    return core.assemble(n, chain, streams)


def decode(payload) -> Decoded:
    """Decode a keyframe on its own (an independent payload); a later payload of a stream raises
    :class:`ParentMismatchError`: decode the stream in order with a :class:`Decoder`."""
    return Decoder().decode(payload)


# --- encoding ---------------------------------------------------------------------------------------------

_pool_lock = threading.Lock()
_pool = None


def _section_pool():
    """The threads section b is compressed on (idle ones cost nothing; a thread per payload costs 0.1 ms).
    Made on first use: a process that only decodes does not import concurrent.futures."""
    from concurrent import futures
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                               thread_name_prefix="batchkit-section-b")
        return _pool


def _forget_pool() -> None:
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()  # a forked child has none of its parent's threads


os.register_at_fork(after_in_child=_forget_pool)


def _compress_block(obj, section, flush: bool = True) -> bytes:
    """``section`` through compressor ``obj``, flushed to a block boundary (the frame stays open) unless
    ``flush`` is false (more of the section follows)."""
    out = obj.compress(section)
    return out + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) if flush else out


def _strip_frame_header(out: bytes) -> bytes:
    if out[:len(FRAME_HEADER)] != FRAME_HEADER:
        raise VerificationError("zstd wrote an unexpected frame header (a libzstd change?)")
    return out[len(FRAME_HEADER):]


class Encoder:
    """Encodes consecutive batches into consecutive payloads of one stream.

    ``level``: as :func:`resolve_level`. ``keyframe_every``: a keyframe starts a new segment every that many
    payloads (1: every payload is independent). ``prior``: the prior id keyframes start from, or ``None``.
    ``verify``: decode every payload (with a decoder that follows the stream) before returning it.
    ``validity``: the validity profile (every payload; :meth:`encode` then needs the senders).
    The state is the segment's columns since its keyframe: :meth:`rewind` and :meth:`resume` rebuild it.
    """

    def __init__(self, level: str | int = "default", *, keyframe_every: int = KEYFRAME_EVERY,
                 prior: bytes | None = _priors.DEFAULT_ID, verify: bool = True, validity: bool = False):
        if not isinstance(keyframe_every, int) or isinstance(keyframe_every, bool) or \
                not 1 <= keyframe_every <= limits.MAX_SEGMENT_PAYLOADS:
            raise InputError(f"keyframe_every must be 1..{limits.MAX_SEGMENT_PAYLOADS}, not {keyframe_every!r}")
        self.level = level
        self.levels = resolve_level(level)
        self.keyframe_every = keyframe_every
        self.prior = _priors.load(prior) if prior is not None else None
        self.verify = verify
        self.validity = validity
        self._lock = threading.Lock()
        self._reset()

    _STATE = ("_sections", "_payloads", "_hashes", "_retained", "_compressors", "_header_due", "_verifier",
              "_force_keyframe")

    def _reset(self) -> None:
        self._sections: list[tuple[bytes, bytes]] = []  # the segment's columns, payload by payload
        self._payloads: list[bytes] = []                # the segment's payloads
        self._hashes: list[bytes] = []                  # and their hashes
        self._retained = 0
        self._compressors = None
        self._header_due = [True, True]
        self._verifier = Decoder() if self.verify else None
        self._force_keyframe = False

    @property
    def head(self) -> bytes | None:
        """Hash of the last payload made (the parent of the next one), or ``None``."""
        return self._hashes[-1] if self._hashes else None

    @property
    def position(self) -> int:
        """``seq`` of the next payload if it continues the segment."""
        return len(self._payloads)

    @property
    def segment(self) -> list[bytes]:
        """The payloads of the current segment, keyframe first (what :meth:`resume` needs)."""
        return list(self._payloads)

    def _fresh_compressors(self):
        tuning = TUNING.get(self.level, ({}, {})) if isinstance(self.level, str) else ({}, {})
        params = [_params(level, **tuned) for level, tuned in zip(self.levels, tuning)]
        if self.prior is not None:
            dicts = self.prior.for_compression(*params)
            return [zstandard.ZstdCompressor(dict_data=d, compression_params=p).compressobj()
                    for d, p in zip(dicts, params)]
        return [zstandard.ZstdCompressor(compression_params=p).compressobj() for p in params]

    def _feed(self, i: int, section: bytes) -> bytes:
        out = _compress_block(self._compressors[i], section)
        if self._header_due[i] and out:
            out = _strip_frame_header(out)
            self._header_due[i] = False
        return out

    def _bodies(self, raw_a: bytes, raw_b: bytes, meanwhile, inflaters=None):
        """(body_a, body_b, inflated) of both sections. When section b is large it is compressed on a second
        thread (zstd does not hold the GIL) while this thread compresses section a, runs ``meanwhile()`` and
        inflates with ``inflaters`` (the verifier's section decompressors, or None) section a and the blocks
        of section b made so far; ``inflated`` is then, per section, (blocks, their output), else None.
        The other thread touches only section b's compressor: an exception here (an interrupt too) leaves it
        no shared state."""
        if len(raw_b) < PARALLEL_SECTION_BYTES:
            body_a, body_b = self._feed(0, raw_a), self._feed(1, raw_b)
            if meanwhile is not None:
                meanwhile()
            return body_a, body_b, None
        obj, strip = self._compressors[1], self._header_due[1]
        pieces: queue.SimpleQueue = queue.SimpleQueue()

        def section_b() -> None:
            # Fed a block at a time (zstd's output does not depend on how its input is cut), so the blocks
            # made so far can be inflated on the encoding thread while the next ones are compressed.
            try:
                view = memoryview(raw_b)
                for start in range(0, len(view), BLOCK_MAX):
                    out = _compress_block(obj, view[start:start + BLOCK_MAX], start + BLOCK_MAX >= len(view))
                    if out:
                        pieces.put(out)
                pieces.put(None)
            except BaseException as exc:  # re-raised on the encoding thread
                pieces.put(exc)

        _section_pool().submit(section_b)
        body_a = self._feed(0, raw_a)
        inflated_a = (body_a, _inflate(inflaters[0], body_a, len(raw_a), 0, "body_a")) if inflaters else None
        if meanwhile is not None:
            meanwhile()
        made, columns, pending = [], [], b""
        while (piece := pieces.get()) is not None:
            if isinstance(piece, BaseException):
                raise piece
            if strip:
                pending += piece
                if len(pending) < len(FRAME_HEADER):
                    continue
                piece, strip = _strip_frame_header(pending), False
            made.append(piece)
            if inflaters and piece:
                columns.append(_decompress(inflaters[1], piece, "body_b"))
        if strip and pending:
            raise VerificationError("zstd wrote a short frame header (a libzstd change?)")
        body_b = b"".join(made)
        if body_b:
            self._header_due[1] = False
        if not inflaters:
            return body_a, body_b, None
        columns_b = b"".join(columns)
        if max_output(body_b, 0, "body_b") < len(columns_b):
            raise DecodeError("section b inflated past what its blocks can hold", column="body_b")
        return body_a, body_b, (inflated_a, (body_b, columns_b))

    def _keyframe_due(self, expected_bodies: int) -> bool:
        return (not self._payloads or self._force_keyframe or len(self._payloads) >= self.keyframe_every
                or self._retained + expected_bodies > limits.MAX_SEGMENT_BYTES)

    def encode(self, txs: Sequence[bytes], sender_ids: Sequence[int] | None,
               senders: Sequence[bytes] | None = None) -> bytes:
        """The next payload of the stream for raw signed ``txs`` (``sender_ids`` as in v1). In the validity
        profile ``senders`` (20-byte ``bytes``, one per transaction) are required and carried."""
        if self.validity != (senders is not None):
            raise InputError("the validity profile needs a sender per transaction" if self.validity
                             else "senders are carried only in the validity profile")
        chain, streams = core.disassemble(txs, sender_ids, senders) if self.validity \
            else core.disassemble(txs, sender_ids)
        raw_a, raw_b = pack_sections(streams)
        sigs = b"" if self.validity else streams[SIG_STREAM]

        def assembles_back() -> None:
            # The sections as made give the input back: with the check after _accept below (the payload's
            # sections and signatures are these bytes, its header these n and chain), this is all that
            # decode(payload) computes, so the payload decodes to the input.
            try:
                got = _assemble(len(txs), chain, self.validity, raw_a, raw_b, sigs)[0]
            except DecodeError as exc:
                raise VerificationError(f"the payload does not decode: {exc}") from exc
            # bytes == bytearray / memoryview compares contents: no copy of the input is needed
            if got != list(records(txs, senders) if self.validity else txs):
                raise VerificationError("the payload does not decode to the input transactions")

        def same_as_made(columns_a: bytes, columns_b: bytes, payload_sigs: bytes) -> None:
            if (columns_a, columns_b, payload_sigs) != (raw_a, raw_b, sigs):
                raise VerificationError("the payload's sections do not decompress to the columns made")

        with self._lock:
            keyframe = self._keyframe_due(len(raw_a) + len(raw_b) + 3 * ((len(raw_a) + len(raw_b)) // BLOCK_MAX + 2))
            if keyframe:
                saved = {k: getattr(self, k) for k in self._STATE}
                self._reset()
                self._compressors = self._fresh_compressors()
            verifier = self._verifier
            opened = None
            if verifier is not None:
                verifier._lock.acquire()
            try:
                try:
                    profile = FLAG_VALIDITY if self.validity else 0
                    prior = self.prior.ident if keyframe and self.prior is not None else None
                    parent = None if keyframe else self.head
                    if verifier is not None:
                        link = (0 if keyframe else len(self._payloads), parent, prior, self.validity)
                        opened = (*verifier._open(*link), link)
                    body_a, body_b, inflated = self._bodies(
                        raw_a, raw_b, assembles_back if verifier is not None else None,
                        opened[1] if opened is not None else None)
                    if keyframe:
                        link_bytes = bytes([FLAG_PRIORS | profile]) + b"\x00" + prior if prior is not None \
                            else bytes([profile]) + b"\x00"
                    else:
                        link_bytes = bytes([profile]) + uvarint(len(self._payloads)) + parent
                    head = b"".join([MAGIC, bytes([VERSION]), link_bytes, uvarint(len(txs)), bytes([len(chain)]),
                                     chain, uvarint(len(raw_a)), uvarint(len(raw_b)), uvarint(len(body_a)),
                                     uvarint(len(body_b))])
                    body = b"".join([head, body_a, body_b, sigs])
                    payload = body + zlib.crc32(body).to_bytes(CRC_BYTES, "little")
                    if verifier is not None:
                        h = parse_header(payload)
                        if (h.n, h.chain) != (len(txs), chain):
                            raise VerificationError("the payload's header is not the batch's")
                        digest = verifier._accept(payload, h, same_as_made, opened, inflated)[0]
                except DecodeError as exc:
                    raise VerificationError(f"the payload does not decode: {exc}") from exc
            except BaseException:
                if opened is not None:
                    opened[0].decoders = None  # section b's decompressor may have run ahead
                if keyframe:
                    self.__dict__.update(saved)
                else:
                    self._rebuild(len(self._payloads))
                raise
            finally:
                if verifier is not None:
                    verifier._lock.release()
            self._sections.append((raw_a, raw_b))
            self._payloads.append(payload)
            self._hashes.append(digest if verifier is not None else payload_hash(payload))
            self._retained += len(body_a) + len(body_b)
            return payload

    def _rebuild(self, keep: int, verifier: Decoder | None = None) -> None:
        """Back to the state right after payload ``keep - 1`` of the segment: the compressors (and the
        verifier, unless one that has decoded exactly those payloads is given) are rebuilt by feeding them the
        segment again (zstd is deterministic for the same input, parameters and library version)."""
        sections, payloads = self._sections[:keep], self._payloads[:keep]
        self._reset()
        replay = self._verifier is not None and verifier is None
        if self._verifier is not None and verifier is not None:
            self._verifier = verifier
        if not payloads:
            return
        self._compressors = self._fresh_compressors()
        for (raw_a, raw_b), payload in zip(sections, payloads):
            body_a, body_b = self._feed(0, raw_a), self._feed(1, raw_b)
            h = parse_header(payload)
            if (body_a, body_b) != (payload[h.header_len:h.header_len + h.len_a],
                                    payload[h.header_len + h.len_a:h.header_len + h.len_a + h.len_b]):
                # Another level or libzstd made these payloads: continuing them byte for byte is not
                # possible, so the next payload starts a segment (the stream stays valid).
                self._force_keyframe = True
            if replay:
                self._verifier.decode(payload)
            self._sections.append((raw_a, raw_b))
            self._payloads.append(payload)
            self._hashes.append(payload_hash(payload))
            self._retained += len(body_a) + len(body_b)

    def rewind(self, parent: bytes | None) -> int:
        """Forget the payloads made after ``parent`` (a payload of the current segment, or its hash,
        :func:`payload_hash`; ``None``: the whole segment, so the next payload is a keyframe). Returns how many payloads were dropped."""
        with self._lock:
            if parent is None:
                dropped = len(self._payloads)
                self._reset()
                return dropped
            if isinstance(parent, (bytes, bytearray, memoryview)) and len(parent) != HASH_BYTES \
                    and bytes(parent[:2]) == MAGIC:
                parent = payload_hash(bytes(parent))  # the payload itself: its hash
            if not isinstance(parent, (bytes, bytearray, memoryview)) or len(parent) != HASH_BYTES:
                size = f"{len(parent)} bytes" if isinstance(parent, (bytes, bytearray, memoryview)) \
                    else type(parent).__name__
                raise InputError(f"rewind takes the parent payload or its {HASH_BYTES}-byte hash "
                                 f"(format.v2.payload_hash), not {size}")
            parent = bytes(parent)
            hashes = self._hashes
            if parent not in hashes:
                raise InputError(f"cannot rewind to {parent.hex()}: not a payload of the current segment "
                                 f"(rebuild the encoder with resume() from the payloads back to a keyframe)")
            keep = hashes.index(parent) + 1
            dropped = len(self._payloads) - keep
            if dropped:
                self._rebuild(keep)
            return dropped

    def resume(self, payloads: Sequence[bytes]) -> int:
        """Continue the stream that ``payloads`` (consecutive, in order, ending with the last one posted)
        belong to: they are decoded from their last keyframe on, and the encoder's state becomes that of
        the encoder that made them, so the next payload is the same bytes. Returns the payloads replayed.
        If ``payloads`` were made at another level (or with another libzstd) the next payload is a keyframe.
        An encoder that has made payloads resumes only the stream it is at (``payloads`` ending with its head:
        nothing changes); any other resume raises InputError (rewind() drops payloads), so a resume racing
        encode() raises instead of forking the stream."""
        with self._lock:  # held throughout: an encode() waits for the resumed state
            return self._resume(payloads)

    def _resume(self, payloads: Sequence[bytes]) -> int:
        bufs = [payload_bytes(p) for p in payloads]
        if self._payloads and (not bufs or payload_hash(bufs[-1]) != self.head):
            raise InputError("this encoder has made payloads of another point of the stream: resume() continues "
                             "a stream in a new encoder (or after rewind(None))")
        start = max((i for i, b in enumerate(bufs) if parse_header(b).seq == 0), default=None)
        if start is None:
            raise InputError("no keyframe among the payloads: give them back to the last keyframe")
        decoder = Decoder()
        sections = []
        for buf in bufs[start:]:
            sections.append(decoder.decode(buf).sections)
        if parse_header(bufs[start]).validity != self.validity:
            raise InputError("the payloads are of another profile than this encoder's")
        prior = parse_header(bufs[start]).prior
        self.prior = _priors.load(prior) if prior is not None else None
        self._sections, self._payloads = sections, bufs[start:]
        self._hashes = [payload_hash(b) for b in self._payloads]
        self._rebuild(len(self._payloads), verifier=decoder)
        return len(bufs) - start


def encode(txs: Sequence[bytes], sender_ids: Sequence[int] | None, level: str | int = "default", *,
           prior: bytes | None = _priors.DEFAULT_ID, verify: bool = True,
           senders: Sequence[bytes] | None = None) -> bytes:
    """One independent payload (a keyframe) for raw signed ``txs``; ``senders`` (20-byte ``bytes`` each)
    makes it a validity-profile payload."""
    return Encoder(level, keyframe_every=1, prior=prior, verify=verify,
                   validity=senders is not None).encode(txs, sender_ids, senders)
