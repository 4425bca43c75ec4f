"""The blob stream: a sequence of payloads laid into a sequence of EIP-4844 blobs, every blob full.

A rollup pays per blob. :mod:`batchkit.l1.blob` puts one payload in its own blobs, so the last blob of every
payload goes out part-empty. The blob stream lays payloads end to end instead: a payload may end in the middle
of a blob, the next one begins right after it, and a payload may span blobs. Every blob is full except the
last one of the stream (and one closed early by :meth:`BlobStreamEncoder.flush`, when a batcher cannot wait).
Payloads are opaque byte strings (batchkit v1 or v2 payloads, or anything else of 1 to
``MAX_STREAM_PAYLOAD_BYTES`` bytes).

Grammar (blob encoding version 2)
=================================

Each blob is packed from 130,048 *data* bytes with :func:`batchkit.l1.blob.pack_data` (254 bits per field
element, the layout of :mod:`batchkit.l1.blob`). All integers are big-endian::

    data          = header body padding                               130,048 bytes
    header        = version blob_index payload_index first used       15 bytes
    version       = 0x02                                              u8; 0x01 is blob.py's one-payload layout
    blob_index    = u32                                               the blob's position in the stream
    payload_index = u32                                               payloads begun in earlier blobs
    first         = u24                                               body offset of the first record that
                                                                      begins in this blob; 0xFFFFFF: none
    used          = u24                                               body bytes in use, 1 .. BODY_SIZE
    body          = used bytes of the record stream
    padding       = BODY_SIZE - used zero bytes                       BODY_SIZE = 130,033

    record stream = record*                                           laid over the bodies of the blobs
    record        = length payload
    length        = u32                                               1 .. MAX_STREAM_PAYLOAD_BYTES
    payload       = length opaque bytes

A *full* blob (``used == BODY_SIZE``) may end inside a record (its length or its payload); the record goes on
at body offset 0 of the next blob. A blob that is not full ends the run: its last record ends exactly at
``used``, and the next blob begins with a record (``first == 0``). Consecutive blobs have consecutive
``blob_index``; ``payload_index`` of a blob is that of the blob before plus the records that begin in it.
The *pieces* of a payload are the parts of its record in each blob; ``first`` says where the piece that
continues a record from the blob before ends, so a decoder can start at any blob where a payload begins.

Overhead: 4 bytes per payload (its length) and 15 bytes per blob (the header), nothing per piece. ``k``
payloads of ``P`` bytes in all need ``ceil((P + 4k) / 130,033)`` blobs when nothing is flushed early.

Strictness: every accepted sequence of blobs has exactly one encoding (the encoder's, given the same payloads
and flush points). A decoder fed blobs in L1 order checks each against the one before: a forward jump of the
blob index is :class:`~batchkit.errors.MissingBlobError`, a step back :class:`~batchkit.errors.BlobOrderError`
(:class:`~batchkit.errors.DuplicateBlobError` for the previous blob again, byte for byte), a ``first`` that
disagrees with where the open payload ends :class:`~batchkit.errors.PieceBoundaryError` (overlapping or missing
pieces), leading bytes of a payload whose beginning was never seen :class:`~batchkit.errors.OrphanPieceError`,
a payload cut short by a blob that is not full or by the end of the stream
:class:`~batchkit.errors.IncompletePayloadError`, non-zero padding :class:`~batchkit.errors.TrailingBytesError`.
All are :class:`~batchkit.errors.BlobStreamError`, a :class:`~batchkit.errors.DecodeError`; a failed
:meth:`BlobStreamDecoder.feed` leaves the decoder as it was.

Blob stream directories
=======================

:class:`StreamDirWriter` writes ``blob-000000.bin``, ... (named by blob index) and ``manifest.json``::

    {"version": 2, "kind": "blob-stream", "blobs_per_tx": 6,
     "blobs": [{"file": "blob-000000.bin", "index": 0, "tx": 0, "versioned_hash": "0x01...",
                "commitment": "0x...", "proof": "0x..." (with proofs=True), "used": 130033, "fill": 1.0,
                "pieces": [{"payload": 0, "offset": 0, "bytes": 9000, "begins": true, "ends": true}, ...]}, ...],
     "first_blob": 0, "blob_count": n, "first_payload": 0, "payload_count": m, "payload_bytes": total,
     "payloads": [{"index": 0, "bytes": 8996, "first_blob": 0, "last_blob": 0}, ...],
     "transactions": [{"blobs": [0, 5], "versioned_hashes": ["0x01...", ...]}, ...]}

``tx`` groups the blobs into L1 blob transactions of ``blobs_per_tx`` (1 to 6, EIP-7594) in stream order;
the grouping is a posting choice, not part of the stream. ``bytes`` of a piece counts record bytes (the 4-byte
length included, in the piece it falls in); ``offset`` is a body offset; ``fill`` is ``used / BODY_SIZE``.
:func:`read_stream_dir` checks every field against the blobs.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .blob import (BLOB_SIZE, BLOB_VERSION, COMMITMENT_SIZE, PROOF_SIZE, USABLE_BYTES_PER_BLOB, commitment,
                   dir_mode, pack_data, proof, raw_offset, read_file, read_manifest, unpack_data, verify_blob,
                   versioned_hash)
from ..files import as_file_error, remove_temp, replace_dir, temp_dir_for
from ..errors import (BlobOrderError, BlobStreamError, DecodeError, DuplicateBlobError, IncompletePayloadError,
                     InputError, LimitExceededError, MissingBlobError, OrphanPieceError, PieceBoundaryError,
                     TrailingBytesError, UnsupportedVersionError, VerificationError)
from ..limits import (MAX_BLOBS_PER_TX, MAX_STREAM_DIR_BLOBS, MAX_STREAM_INDEX, MAX_STREAM_MANIFEST_BYTES,
                     MAX_STREAM_PAYLOAD_BYTES)

__all__ = [
    "STREAM_VERSION", "HEADER_SIZE", "BODY_SIZE", "LENGTH_SIZE", "NO_PAYLOAD_START", "MAX_STREAM_PAYLOAD_BYTES",
    "MAX_BLOB_INDEX", "MAX_PAYLOAD_INDEX", "MAX_BLOBS_PER_TX", "MAX_STREAM_DIR_BLOBS", "MAX_STREAM_MANIFEST_BYTES",
    "Piece", "BlobLayout", "StreamBlob", "CarriedPayload", "BlobStreamEncoder", "BlobStreamDecoder",
    "encode_stream", "decode_stream", "stream_blobs_needed", "StreamDirWriter", "write_stream_dir", "read_stream_dir",
    "is_stream_dir", "stream_blob_file_name",
]

#: Blob encoding version of a stream blob (data byte 0; raw byte 1 of the blob, as in batchkit.l1.blob).
STREAM_VERSION = 0x02
#: version (1) + blob_index (4) + payload_index (4) + first (3) + used (3).
HEADER_SIZE = 15
#: Record-stream bytes one blob carries: 130,048 - 15 = 130,033.
BODY_SIZE = USABLE_BYTES_PER_BLOB - HEADER_SIZE
#: Bytes of a record's length.
LENGTH_SIZE = 4
#: ``first`` of a blob in which no record begins.
NO_PAYLOAD_START = 0xFFFFFF
#: Limits (batchkit/limits.py): payload size, blob and payload indexes, blobs per L1 transaction, directory.
MAX_BLOB_INDEX = MAX_PAYLOAD_INDEX = MAX_STREAM_INDEX
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 2
MANIFEST_KIND = "blob-stream"

assert BODY_SIZE < NO_PAYLOAD_START and MAX_STREAM_PAYLOAD_BYTES < 2**32

_FIRST_AT = 9   # data offset of ``first``
_USED_AT = 12   # data offset of ``used``


def stream_blob_file_name(index: int) -> str:
    """File name of stream blob ``index`` in a stream directory: ``blob-000000.bin``, ..."""
    return f"blob-{index:06d}.bin"


def stream_blobs_needed(payload_sizes: Iterable[int]) -> int:
    """Blobs a stream of payloads of these sizes needs when nothing is flushed early (0 for no payload)."""
    total = 0
    for n in payload_sizes:
        _check_size(n)
        total += LENGTH_SIZE + n
    return -(-total // BODY_SIZE)


def _check_size(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STREAM_PAYLOAD_BYTES:
        raise InputError(f"a stream payload has 1 to {MAX_STREAM_PAYLOAD_BYTES} bytes, not {n!r}")
    return n


def _index(value: Any, what: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise InputError(f"{what} must be an integer from 0 to {limit}, not {value!r}")
    return value


def _blobs_per_tx(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BLOBS_PER_TX:
        raise InputError(f"blobs_per_tx must be an integer from 1 to {MAX_BLOBS_PER_TX}, not {value!r}")
    return value


# ------------------------------------------------------------------------------------------------ values

@dataclass(frozen=True)
class Piece:
    """The part of one payload's record in one blob."""

    payload: int
    """Index of the payload in the stream."""
    offset: int
    """Body offset of the piece."""
    size: int
    """Record bytes in this blob (the 4-byte length counts in the piece it falls in)."""
    begins: bool
    """The record's first byte is in this blob."""
    ends: bool
    """The record's last byte is in this blob."""


@dataclass(frozen=True)
class BlobLayout:
    """What one stream blob's header says and which pieces it holds."""

    index: int
    payload_index: int
    first: int | None
    """Body offset of the first record that begins in the blob, or None."""
    used: int
    pieces: tuple[Piece, ...]

    @property
    def full(self) -> bool:
        return self.used == BODY_SIZE


@dataclass(frozen=True)
class StreamBlob:
    """One blob the encoder produced: the 131,072 blob bytes and their layout."""

    blob: bytes
    layout: BlobLayout

    @property
    def index(self) -> int:
        return self.layout.index


@dataclass(frozen=True)
class CarriedPayload:
    """One payload the decoder finished: its index in the stream and the blobs its record spans."""

    index: int
    data: bytes
    first_blob: int
    last_blob: int


# ----------------------------------------------------------------------------------------------- encoder

def _as_payload(payload: Any) -> bytes:
    try:
        data = memoryview(payload).tobytes()
    except TypeError:
        raise InputError(f"a payload must be bytes-like, not {type(payload).__name__}") from None
    _check_size(len(data))
    return data


class BlobStreamEncoder:
    """Lay payloads into full blobs, one after the other (the grammar is in the module docstring).

    :meth:`add` returns the blobs a payload filled (possibly none: the blob stays open for the next payload);
    :meth:`flush` closes the open blob even if it is not full (at the end of the stream, or when a batcher
    must post now). ``first_blob`` / ``first_payload``: the position of the first blob and payload, to go on
    with a stream already posted. ``verify`` (on by default) decodes every blob again and raises
    VerificationError unless it gives back the payloads added. Thread-safe: calls are serialised.

    >>> enc = BlobStreamEncoder()
    >>> enc.add(b"hello"), len(enc.flush())
    ([], 1)
    """

    def __init__(self, *, first_blob: int = 0, first_payload: int = 0, verify: bool = True):
        self._next_blob = _index(first_blob, "first_blob", MAX_BLOB_INDEX)
        self._next_payload = _index(first_payload, "first_payload", MAX_PAYLOAD_INDEX)
        self._blob_payload_index = self._next_payload
        self._body = bytearray()
        self._first: int | None = None
        self._pieces: list[Piece] = []
        self._lock = threading.Lock()
        self._check = BlobStreamDecoder(first_blob=first_blob, first_payload=first_payload) if verify else None
        self._unchecked: collections.deque[tuple[int, bytes]] = collections.deque()
        self._resumed: list[StreamBlob] = []

    @property
    def next_blob(self) -> int:
        """Index the next blob sealed will get."""
        return self._next_blob

    @property
    def next_payload(self) -> int:
        """Index the next payload added will get."""
        return self._next_payload

    @property
    def pending(self) -> int:
        """Body bytes in the open blob (0 after a flush)."""
        return len(self._body)

    def add(self, payload: Any) -> list[StreamBlob]:
        """Append one payload (1 to MAX_STREAM_PAYLOAD_BYTES bytes) and return the blobs it filled."""
        data = _as_payload(payload)
        with self._lock:
            record_size = LENGTH_SIZE + len(data)
            if self._next_payload > MAX_PAYLOAD_INDEX:
                raise InputError(f"the stream is at its last payload index ({MAX_PAYLOAD_INDEX})")
            blobs = -(-(len(self._body) + record_size) // BODY_SIZE)  # the open blob and the ones it fills
            if self._next_blob + blobs - 1 > MAX_BLOB_INDEX:
                raise InputError(f"the stream would pass its last blob index ({MAX_BLOB_INDEX})")
            index = self._next_payload
            self._next_payload += 1
            if self._check is not None:
                self._unchecked.append((index, data))
            record = memoryview(len(data).to_bytes(LENGTH_SIZE, "big") + data)
            out = []
            pos = 0
            while pos < record_size:
                at = len(self._body)
                take = min(BODY_SIZE - at, record_size - pos)
                if pos == 0 and self._first is None:
                    self._first = at
                self._pieces.append(Piece(index, at, take, pos == 0, pos + take == record_size))
                self._body += record[pos:pos + take]
                pos += take
                if len(self._body) == BODY_SIZE:
                    out.append(self._seal())
            return out

    @classmethod
    def resume(cls, decoder: "BlobStreamDecoder", open_payload: Any = None, *,
               verify: bool = True) -> "BlobStreamEncoder":
        """An encoder that goes on with the stream ``decoder`` was fed (the blobs already posted, in order):
        its first blob follows the decoder's last one. If a payload is open in the decoder (begun in a
        blob posted, not finished), ``open_payload`` must be that payload, whole: the rest of its record is
        laid first, so the blobs that follow are the ones an encoder that never stopped would have made.
        Raises InputError if the decoder has fed no blob, or ``open_payload`` is missing, extra, or does
        not begin with the bytes posted."""
        with decoder._lock:
            if decoder._mode != _SYNCED or decoder._next_blob is None:
                raise InputError("the decoder has not found the stream yet: nothing to go on from")
            o = decoder._open
            state = {k: v for k, v in vars(decoder).items() if k != "_lock"}
        enc = cls(first_blob=state["_next_blob"], first_payload=state["_next_payload"], verify=False)
        if o is None:
            if open_payload is not None:
                raise InputError("no payload is open in the stream: there is nothing to finish")
        else:
            if open_payload is None:
                raise InputError(f"payload {o.index} is open in the stream: give it to finish it")
            data = _as_payload(open_payload)
            record = len(data).to_bytes(LENGTH_SIZE, "big") + data
            posted = o.head if o.length is None else o.length.to_bytes(LENGTH_SIZE, "big") + b"".join(o.parts)
            if not record.startswith(posted):
                raise InputError(f"payload {o.index} does not begin with the {len(posted)} record bytes posted")
            rest = memoryview(record)[len(posted):]
            out = []
            pos = 0
            while pos < len(rest):
                take = min(BODY_SIZE, len(rest) - pos)
                enc._pieces.append(Piece(o.index, len(enc._body), take, False, pos + take == len(rest)))
                enc._body += rest[pos:pos + take]
                pos += take
                if len(enc._body) == BODY_SIZE:
                    out.append(enc._seal())
            enc._resumed = out
        if verify:
            check = BlobStreamDecoder.__new__(BlobStreamDecoder)
            vars(check).update(state)
            check._lock = threading.Lock()
            enc._check = check
            if o is not None:
                enc._unchecked.append((o.index, data))
                for sealed in enc._resumed:
                    enc._verify(sealed)
        return enc

    def take_resumed(self) -> list[StreamBlob]:
        """The blobs :meth:`resume` filled with the rest of the open payload (once; then empty)."""
        out, self._resumed = getattr(self, "_resumed", []), []
        return out

    def flush(self) -> list[StreamBlob]:
        """Close the open blob, full or not (nothing if it is empty); the next payload begins a new blob."""
        with self._lock:
            if not self._body:
                return []
            return [self._seal()]

    def _seal(self) -> StreamBlob:
        used = len(self._body)
        first = NO_PAYLOAD_START if self._first is None else self._first
        header = b"".join([bytes([STREAM_VERSION]), self._next_blob.to_bytes(4, "big"),
                           self._blob_payload_index.to_bytes(4, "big"), first.to_bytes(3, "big"),
                           used.to_bytes(3, "big")])
        data = header + bytes(self._body) + bytes(BODY_SIZE - used)
        layout = BlobLayout(self._next_blob, self._blob_payload_index, self._first, used, tuple(self._pieces))
        sealed = StreamBlob(pack_data(data), layout)
        self._next_blob += 1
        self._blob_payload_index = self._next_payload
        self._body = bytearray()
        self._first = None
        self._pieces = []
        if self._check is not None:
            self._verify(sealed)
        return sealed

    def _verify(self, sealed: StreamBlob) -> None:
        try:
            decoded = self._check.feed(sealed.blob)
            layout = self._check.last_layout
        except DecodeError as exc:
            raise VerificationError(f"stream blob {sealed.index} does not decode: {exc}") from exc
        if layout != sealed.layout:
            raise VerificationError(f"stream blob {sealed.index} decodes to another layout")
        for p in decoded:
            if not self._unchecked or self._unchecked.popleft() != (p.index, p.data):
                raise VerificationError(f"stream blob {sealed.index} does not give back payload {p.index}")
        if not sealed.layout.full and self._unchecked:
            raise VerificationError(f"stream blob {sealed.index} closed with payloads missing")


def encode_stream(payloads: Iterable[Any], *, first_blob: int = 0, first_payload: int = 0,
                  verify: bool = True) -> list[StreamBlob]:
    """Every payload laid into blobs, the last blob flushed: all blobs but the last are full."""
    enc = BlobStreamEncoder(first_blob=first_blob, first_payload=first_payload, verify=verify)
    out: list[StreamBlob] = []
    for p in payloads:
        out += enc.add(p)
    return out + enc.flush()


# ----------------------------------------------------------------------------------------------- decoder

@dataclass(frozen=True)
class _Open:
    """A record begun in an earlier blob: its index, first blob, length (None while only ``head`` of its
    4 length bytes is known), and the payload bytes read so far."""

    index: int
    first_blob: int
    length: int | None
    head: bytes
    parts: tuple[bytes, ...]
    have: int


_START, _SYNCED, _SKIP = "start", "synced", "skip"


class BlobStreamDecoder:
    """Decode a blob stream fed one blob at a time, in L1 order; :meth:`feed` returns each payload as soon as
    the blob holding its last piece arrives.

    By default the first blob fed must begin with a payload (``first == 0``, as the first blob of a stream
    does), else OrphanPieceError. With ``skip_leading=True`` the decoder may start at any blob: it skips what
    precedes the first payload that begins (whole blobs when none begins in them) and counts it in
    :attr:`skipped_bytes` and :attr:`skipped_blobs`. ``first_blob`` / ``first_payload``, when given, are the
    blob index and payload index the first blob fed must carry.

    After an error the decoder is as it was before the call: the blob can be fed again after a fix, a
    DuplicateBlobError with ``identical`` bytes can be ignored, and after a MissingBlobError :meth:`resync`
    drops the open payload and starts again at the next blob where a payload begins. Memory: at most one open
    payload (MAX_STREAM_PAYLOAD_BYTES) and one blob. Thread-safe: calls are serialised.
    """

    def __init__(self, *, skip_leading: bool = False, first_blob: int | None = None,
                 first_payload: int | None = None):
        self._skip_leading = bool(skip_leading)
        self._expect_blob = None if first_blob is None else _index(first_blob, "first_blob", MAX_BLOB_INDEX)
        self._expect_payload = (None if first_payload is None
                                else _index(first_payload, "first_payload", MAX_PAYLOAD_INDEX))
        self._mode = _START
        self._next_blob: int | None = None
        self._next_payload = 0
        self._open: _Open | None = None
        self._last_digest: bytes | None = None
        self._lock = threading.Lock()
        #: Body bytes skipped: before the first payload that begins, and of payloads dropped by resync.
        self.skipped_bytes = 0
        #: Blobs skipped whole (no payload begins in them) before the decoder found its start.
        self.skipped_blobs = 0
        #: Layout of the last blob accepted, or None.
        self.last_layout: BlobLayout | None = None

    @property
    def next_blob(self) -> int | None:
        """Index the next blob must carry (None before the first blob)."""
        return self._next_blob

    @property
    def synced(self) -> bool:
        """Whether a payload's beginning has been found (always, once a blob was accepted without
        ``skip_leading``)."""
        return self._mode == _SYNCED

    @property
    def open_payload(self) -> int | None:
        """Index of the payload begun but not finished, or None."""
        return None if self._open is None else self._open.index

    def feed(self, blob: Any) -> list[CarriedPayload]:
        """Decode one blob (131,072 bytes); return the payloads whose last piece it holds, in order."""
        with self._lock:
            data = unpack_data(blob, column="stream blob")
            return self._feed(data, hashlib.sha256(data).digest())

    def feed_data(self, data: Any) -> list[CarriedPayload]:
        """As :meth:`feed`, for a blob already unpacked to its 130,048 data bytes
        (:func:`batchkit.l1.blob.unpack_data`)."""
        try:
            view = memoryview(data)
        except TypeError:
            raise DecodeError(f"blob data must be bytes-like, not {type(data).__name__}",
                              column="stream blob") from None
        with view:
            if view.nbytes != USABLE_BYTES_PER_BLOB:
                raise DecodeError(f"blob data must be exactly {USABLE_BYTES_PER_BLOB} bytes, got {view.nbytes}",
                                  column="stream blob")
            raw = view.tobytes()
        with self._lock:
            return self._feed(raw, hashlib.sha256(raw).digest())

    def finish(self) -> None:
        """Declare the end of the stream: raises IncompletePayloadError if a payload is unfinished."""
        with self._lock:
            if self._open is not None:
                o = self._open
                missing = None if o.length is None else o.length - o.have
                raise IncompletePayloadError(f"the stream ends inside payload {o.index}", payload_index=o.index,
                                             missing=missing, blob_index=self._next_blob)

    def copy(self) -> "BlobStreamDecoder":
        """A decoder in the same state, independent of this one (a checkpoint: the state is immutable values,
        so a copy costs no payload bytes)."""
        with self._lock:
            twin = BlobStreamDecoder.__new__(BlobStreamDecoder)
            twin.__dict__.update(self.__dict__)
            twin._lock = threading.Lock()
            return twin

    def resync(self) -> None:
        """Drop the open payload (its bytes count as skipped) and start again at the next blob where a
        payload begins, whatever its index."""
        with self._lock:
            o = self._open
            if o is not None:
                self.skipped_bytes += len(o.head) if o.length is None else LENGTH_SIZE + o.have
            self._open = None
            self._mode = _SKIP

    # The decoding proper: every check runs before any state changes.
    def _feed(self, data: bytes, digest: bytes) -> list[CarriedPayload]:
        version = data[0]
        if version != STREAM_VERSION:
            if version == BLOB_VERSION:
                raise BlobStreamError("a one-payload blob (encoding version 1, batchkit.l1.blob), not a stream blob",
                                      offset=raw_offset(0), column="stream blob")
            raise UnsupportedVersionError(f"unknown blob encoding version {version}", offset=raw_offset(0),
                                          column="stream blob")
        bi = int.from_bytes(data[1:5], "big")
        pi = int.from_bytes(data[5:9], "big")
        first = int.from_bytes(data[_FIRST_AT:_FIRST_AT + 3], "big")
        used = int.from_bytes(data[_USED_AT:_USED_AT + 3], "big")
        at = {"blob_index": bi}
        if not 1 <= used <= BODY_SIZE:
            raise BlobStreamError(f"used {used} is not within 1..{BODY_SIZE}", offset=raw_offset(_USED_AT), **at)
        if first != NO_PAYLOAD_START and first >= used:
            raise BlobStreamError(f"first {first} is not below used {used}", offset=raw_offset(_FIRST_AT), **at)
        end = HEADER_SIZE + used
        tail = data[end:]
        zeros = len(tail) - len(tail.lstrip(b"\x00"))
        if zeros < len(tail):
            raise TrailingBytesError(f"non-zero byte after the {used} body bytes in use",
                                     offset=raw_offset(end + zeros), **at)
        full = used == BODY_SIZE
        first_at = None if first == NO_PAYLOAD_START else first

        mode = self._mode
        if mode == _START:
            if self._expect_blob is not None and bi != self._expect_blob:
                raise BlobStreamError(f"blob index {bi}, expected {self._expect_blob}", offset=raw_offset(1), **at)
            if self._expect_payload is not None and pi != self._expect_payload:
                raise BlobStreamError(f"payload index {pi}, expected {self._expect_payload}",
                                      offset=raw_offset(5), **at)
        elif self._next_blob is not None and bi != self._next_blob:
            nb = self._next_blob
            if bi < nb:
                if bi == nb - 1 and digest == self._last_digest:
                    raise DuplicateBlobError(f"blob {bi} again", expected=nb, got=bi, offset=raw_offset(1), **at)
                raise BlobOrderError(f"blob index {bi} after blob {nb - 1}", expected=nb, got=bi,
                                     offset=raw_offset(1), **at)
            if mode == _SYNCED:
                raise MissingBlobError(f"blob index {bi}: blobs {nb}..{bi - 1} are missing", expected=nb, got=bi,
                                       offset=raw_offset(1), **at)
        if mode == _SYNCED and pi != self._next_payload:
            raise BlobStreamError(f"payload index {pi}, expected {self._next_payload}", offset=raw_offset(5), **at)

        body = data[HEADER_SIZE:end]
        out: list[CarriedPayload] = []
        pieces: list[Piece] = []
        skipped = skipped_blobs = 0
        new_open: _Open | None = None
        pos = 0
        if mode == _SYNCED and self._open is not None:
            o = self._open
            k = 0  # length bytes read here
            if o.length is None:
                k = LENGTH_SIZE - len(o.head)
                if used < k:
                    raise IncompletePayloadError(f"payload {o.index} is cut inside its length by a blob that is "
                                                 "not full", payload_index=o.index, offset=raw_offset(end), **at)
                length = self._length(o.head + body[:k], o.index, HEADER_SIZE, bi)
                need = k + length
            else:
                length = o.length
                need = length - o.have
            expected = need if need < used else None
            if first_at != expected:
                raise PieceBoundaryError(
                    f"first says a payload begins at {_show(first_at)}, payload {o.index} ends at {_show(expected)}",
                    expected=-1 if expected is None else expected, got=-1 if first_at is None else first_at,
                    offset=raw_offset(_FIRST_AT), **at)
            if need > used:
                if not full:
                    raise IncompletePayloadError(f"payload {o.index} is cut by a blob that is not full",
                                                 payload_index=o.index, missing=need - used,
                                                 offset=raw_offset(end), **at)
                new_open = _Open(o.index, o.first_blob, length, b"", o.parts + (body[k:used],),
                                 o.have + used - k)
                pieces.append(Piece(o.index, 0, used, False, False))
                pos = used
            else:
                out.append(CarriedPayload(o.index, b"".join(o.parts + (body[k:need],)), o.first_blob, bi))
                pieces.append(Piece(o.index, 0, need, False, True))
                pos = need
        elif first_at != 0:
            if mode == _SYNCED:
                raise PieceBoundaryError(f"first says a payload begins at {_show(first_at)}, the blob before ended "
                                         "on a payload boundary", expected=0, got=-1 if first_at is None else first_at,
                                         offset=raw_offset(_FIRST_AT), **at)
            if not (mode == _SKIP or self._skip_leading):
                raise OrphanPieceError("the blob begins inside a payload whose earlier pieces were not seen "
                                       f"({_show(first_at)} leading bytes)", offset=raw_offset(HEADER_SIZE), **at)
            if first_at is None:
                self.skipped_bytes += used
                self.skipped_blobs += 1
                self._mode, self._next_blob, self._last_digest = _SKIP, bi + 1, digest
                self.last_layout = BlobLayout(bi, pi, None, used, ())
                return []
            skipped = first_at
            pos = first_at

        next_payload = pi if mode != _SYNCED else self._next_payload
        while pos < used:
            index = next_payload
            if index > MAX_PAYLOAD_INDEX:  # the encoder writes no payload past it
                raise LimitExceededError("stream payload index", index, MAX_PAYLOAD_INDEX,
                                         offset=raw_offset(HEADER_SIZE + pos), column=f"stream blob {bi}")
            next_payload += 1
            if used - pos < LENGTH_SIZE:
                if not full:
                    raise IncompletePayloadError(f"payload {index} is cut inside its length by a blob that is not "
                                                 "full", payload_index=index, offset=raw_offset(end), **at)
                new_open = _Open(index, bi, None, body[pos:used], (), 0)
                pieces.append(Piece(index, pos, used - pos, True, False))
                break
            length = self._length(body[pos:pos + LENGTH_SIZE], index, HEADER_SIZE + pos, bi)
            stop = pos + LENGTH_SIZE + length
            if stop <= used:
                out.append(CarriedPayload(index, body[pos + LENGTH_SIZE:stop], bi, bi))
                pieces.append(Piece(index, pos, stop - pos, True, True))
                pos = stop
                continue
            if not full:
                raise IncompletePayloadError(f"payload {index} is cut by a blob that is not full",
                                             payload_index=index, missing=stop - used, offset=raw_offset(end), **at)
            new_open = _Open(index, bi, length, b"", (body[pos + LENGTH_SIZE:used],), used - pos - LENGTH_SIZE)
            pieces.append(Piece(index, pos, used - pos, True, False))
            break

        self._mode = _SYNCED
        self._next_blob = bi + 1
        self._next_payload = next_payload
        self._open = new_open
        self._last_digest = digest
        self.skipped_bytes += skipped
        self.skipped_blobs += skipped_blobs
        self.last_layout = BlobLayout(bi, pi, first_at, used, tuple(pieces))
        return out

    @staticmethod
    def _length(raw: bytes, index: int, data_pos: int, bi: int) -> int:
        length = int.from_bytes(raw, "big")
        if length == 0:
            raise BlobStreamError(f"payload {index} has length 0", offset=raw_offset(data_pos), blob_index=bi)
        if length > MAX_STREAM_PAYLOAD_BYTES:
            raise LimitExceededError("stream payload length", length, MAX_STREAM_PAYLOAD_BYTES,
                                     offset=raw_offset(data_pos), column=f"stream blob {bi}")
        return length


def _show(offset: int | None) -> str:
    return "none" if offset is None else str(offset)


def decode_stream(blobs: Iterable[Any], *, skip_leading: bool = False) -> list[bytes]:
    """The payloads of a whole stream, in order; strict (the stream must not end inside a payload)."""
    dec = BlobStreamDecoder(skip_leading=skip_leading)
    out = []
    for b in blobs:
        out += [p.data for p in dec.feed(b)]
    dec.finish()
    return out


# ------------------------------------------------------------------------------------ stream directories

def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _fsync_write(path: str, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class StreamDirWriter:
    """Write stream blobs into a directory as they come, then ``manifest.json``; the directory appears only
    when :meth:`close` succeeds (everything goes into a temporary sibling that is renamed into place).

    ``out_dir`` must not exist, or be an empty directory. Memory: the versioned hashes and one small entry per
    payload; blob entries go to the manifest as they are written. Use as a context manager: an exception
    inside the block removes everything written.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, blobs_per_tx: int = MAX_BLOBS_PER_TX,
                 proofs: bool = False, append: bool = False):
        self.blobs_per_tx = _blobs_per_tx(blobs_per_tx)
        self.proofs = proofs
        self._out = os.path.abspath(os.fspath(out_dir))
        self._append = append
        if append:
            manifest = _load_manifest(self._out)
            _check_manifest(manifest)
            self.blobs_per_tx = manifest["blobs_per_tx"]
        elif os.path.lexists(self._out) and not (os.path.isdir(self._out) and not os.path.islink(self._out)
                                                 and not os.listdir(self._out)):
            raise FileExistsError(f"{self._out} exists and is not an empty directory")
        self._tmp = temp_dir_for(self._out)
        try:
            self._entries = open(os.path.join(self._tmp, ".blobs.json"), "w", encoding="utf-8")
        except OSError as exc:
            remove_temp(self._tmp)
            raise as_file_error(exc, self._out) from None
        self._hashes: list[bytes] = []
        self._payloads: list[tuple[int, int, int, int]] = []   # index, bytes, first_blob, last_blob
        self._open: tuple[int, int, int] | None = None           # index, record bytes so far, first_blob
        self._first_blob: int | None = None
        self._first_payload: int | None = None
        self._last: BlobLayout | None = None
        self._done = False
        if append:
            try:
                self._take_over(manifest)
            except BaseException as exc:
                self.abort()
                error = as_file_error(exc, self._out)
                if error is exc:
                    raise
                raise error from None

    def _take_over(self, m: dict) -> None:
        """Append mode: the existing blobs (hard links, else copies) and their entries, so the stream goes on
        after its last blob; the directory is replaced whole by :meth:`close`."""
        entries = m["blobs"]
        for e in entries:
            src, dst = os.path.join(self._out, e["file"]), os.path.join(self._tmp, e["file"])
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
            self._entries.write(("" if not self._hashes else ",\n") + "    " + json.dumps(e, separators=(",", ":")))
            self._hashes.append(bytes.fromhex(e["versioned_hash"][2:]))
        self._payloads = [(p["index"], p["bytes"], p["first_blob"], p["last_blob"]) for p in m["payloads"]]
        self._first_blob, self._first_payload = m["first_blob"], m["first_payload"]
        last = entries[-1]
        self._last = BlobLayout(last["index"], 0, None, last["used"], ())

    @property
    def next_blob(self) -> int:
        """Index of the next blob to write (after the blobs the directory holds, in append mode)."""
        return 0 if self._last is None else self._last.index + 1

    @property
    def next_payload(self) -> int:
        """Index of the next payload (in append mode: after the payloads the directory holds)."""
        if not self._payloads:
            return 0 if self._first_payload is None else self._first_payload
        return self._payloads[-1][0] + 1

    def write(self, sblob: StreamBlob) -> None:
        """Write one blob (the next in the stream) and its manifest entry. An error writing (no space, a
        read-only directory) removes everything written and names the directory."""
        try:
            self._write(sblob)
        except OSError as exc:
            self.abort()
            raise as_file_error(exc, self._out) from None

    def _write(self, sblob: StreamBlob) -> None:
        if self._done:
            raise InputError("the stream directory is closed")
        lay = sblob.layout
        if self._last is None:
            self._first_blob, self._first_payload = lay.index, lay.payload_index
        elif lay.index != self._last.index + 1:
            raise InputError(f"stream blob {lay.index} written after blob {self._last.index}")
        if len(self._hashes) >= MAX_STREAM_DIR_BLOBS:
            raise InputError(f"a stream directory holds at most {MAX_STREAM_DIR_BLOBS} blobs")
        c = commitment(sblob.blob)
        vh = versioned_hash(c)
        _fsync_write(os.path.join(self._tmp, stream_blob_file_name(lay.index)), sblob.blob)
        entry: dict[str, Any] = {"file": stream_blob_file_name(lay.index), "index": lay.index,
                                 "tx": len(self._hashes) // self.blobs_per_tx, "versioned_hash": _hex(vh),
                                 "commitment": _hex(c)}
        if self.proofs:
            entry["proof"] = _hex(proof(sblob.blob, c))
        entry["used"] = lay.used
        entry["fill"] = round(lay.used / BODY_SIZE, 6)
        entry["pieces"] = [{"payload": p.payload, "offset": p.offset, "bytes": p.size, "begins": p.begins,
                            "ends": p.ends} for p in lay.pieces]
        self._entries.write(("" if not self._hashes else ",\n") + "    " + json.dumps(entry, separators=(",", ":")))
        self._hashes.append(vh)
        for p in lay.pieces:
            if p.begins:
                self._open = (p.payload, 0, lay.index)
            index, size, first_blob = self._open
            size += p.size
            self._open = (index, size, first_blob)
            if p.ends:
                self._payloads.append((index, size - LENGTH_SIZE, first_blob, lay.index))
                self._open = None
        self._last = lay

    def close(self) -> dict:
        """Write the manifest, move the directory into place, and return the manifest's summary fields."""
        if self._done:
            raise InputError("the stream directory is closed")
        if self._last is None:
            raise InputError("no blobs written")
        if self._open is not None:
            raise InputError(f"payload {self._open[0]} is not finished: flush the encoder before closing")
        try:
            self._entries.close()
        except OSError as exc:
            self.abort()
            raise as_file_error(exc, self._out) from None
        per_tx = self.blobs_per_tx
        summary = {"version": MANIFEST_VERSION, "kind": MANIFEST_KIND, "blobs_per_tx": per_tx,
                   "first_blob": self._first_blob, "blob_count": len(self._hashes),
                   "first_payload": self._first_payload, "payload_count": len(self._payloads),
                   "payload_bytes": sum(p[1] for p in self._payloads)}
        entries_path = os.path.join(self._tmp, ".blobs.json")
        try:
            with open(os.path.join(self._tmp, MANIFEST_NAME), "x", encoding="utf-8") as f:
                f.write("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in summary.items()))
                f.write(',\n  "blobs": [\n')
                with open(entries_path, encoding="utf-8") as entries:
                    shutil.copyfileobj(entries, f)
                f.write('\n  ],\n  "payloads": [\n')
                f.write(",\n".join("    " + json.dumps({"index": i, "bytes": n, "first_blob": a, "last_blob": b},
                                                       separators=(",", ":")) for i, n, a, b in self._payloads))
                f.write('\n  ],\n  "transactions": [\n')
                txs = []
                for t in range(0, len(self._hashes), per_tx):
                    group = self._hashes[t:t + per_tx]
                    lo = self._first_blob + t
                    txs.append("    " + json.dumps({"blobs": [lo, lo + len(group) - 1],
                                                    "versioned_hashes": [_hex(h) for h in group]},
                                                   separators=(",", ":")))
                f.write(",\n".join(txs) + "\n  ]\n}\n")
                f.flush()
                os.fsync(f.fileno())
            os.unlink(entries_path)
            os.chmod(self._tmp, dir_mode())  # mkdtemp makes it 0700: give it the mode mkdir would
            if self._append:
                replace_dir(self._tmp, self._out)
            else:
                os.rename(self._tmp, self._out)  # replaces an empty directory atomically on POSIX
        except BaseException as exc:
            self.abort()
            error = as_file_error(exc, self._out)
            if error is exc:
                raise
            raise error from None
        self._done = True
        return summary

    def abort(self) -> None:
        """Remove everything written (also when the disk is full: the entries that cannot be flushed go)."""
        self._done = True
        try:
            self._entries.close()
        except OSError:
            pass
        finally:
            remove_temp(self._tmp)

    def __enter__(self) -> "StreamDirWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._done:
            self.close()


def write_stream_dir(payloads: Iterable[Any], out_dir: str | os.PathLike[str], *,
                     blobs_per_tx: int = MAX_BLOBS_PER_TX, proofs: bool = False, first_blob: int = 0,
                     first_payload: int = 0) -> dict:
    """Lay ``payloads`` into a blob stream and write it as a directory (see :class:`StreamDirWriter`);
    returns the manifest's summary. Payloads may be a generator: blobs are written as they fill."""
    enc = BlobStreamEncoder(first_blob=first_blob, first_payload=first_payload)
    with StreamDirWriter(out_dir, blobs_per_tx=blobs_per_tx, proofs=proofs) as w:
        for p in payloads:
            for b in enc.add(p):
                w.write(b)
        for b in enc.flush():
            w.write(b)
        return w.close()


def is_stream_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a directory whose manifest says it holds a blob stream (a cheap look, no checks)."""
    try:
        with open(os.path.join(os.fspath(path), MANIFEST_NAME), "rb") as f:
            head = f.read(256)
    except OSError:
        return False
    return b'"kind": "blob-stream"' in head


def _int(obj: dict, key: str, column: str, lo: int = 0, hi: int = 2**63) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise DecodeError(f"{key} must be an integer from {lo} to {hi}", column=column)
    return value


def _hexfield(obj: dict, key: str, size: int, column: str) -> bytes:
    value = obj.get(key)
    if (not isinstance(value, str) or len(value) != 2 + 2 * size or value[:2] != "0x"
            or any(c not in "0123456789abcdef" for c in value[2:])):
        raise DecodeError(f"{key} must be a 0x-prefixed lowercase hex string of {size} bytes", column=column)
    return bytes.fromhex(value[2:])


def _load_manifest(base: str) -> dict:
    manifest = read_manifest(base, MAX_STREAM_MANIFEST_BYTES)
    version = manifest.get("version")
    if version != MANIFEST_VERSION or manifest.get("kind") != MANIFEST_KIND:
        raise UnsupportedVersionError(f"not a blob-stream manifest (version {version!r}, kind "
                                      f"{manifest.get('kind')!r})", column="manifest")
    return manifest


def _check_manifest(m: dict) -> tuple[list[dict], int, int, int]:
    """Every structural check that needs no blob, so errors about the manifest come before any payload."""
    per_tx = _int(m, "blobs_per_tx", "manifest", 1, MAX_BLOBS_PER_TX)
    first_blob = _int(m, "first_blob", "manifest", 0, MAX_BLOB_INDEX)
    first_payload = _int(m, "first_payload", "manifest", 0, MAX_PAYLOAD_INDEX)
    count = _int(m, "blob_count", "manifest", 1, MAX_STREAM_DIR_BLOBS)
    entries = m.get("blobs")
    if not isinstance(entries, list) or len(entries) != count:
        raise DecodeError(f"manifest blobs must be a list of blob_count ({count}) entries", column="manifest")
    if first_blob + count - 1 > MAX_BLOB_INDEX:
        raise DecodeError("blob indexes pass the last index", column="manifest")
    for i, e in enumerate(entries):
        column = f"manifest.blobs[{i}]"
        if not isinstance(e, dict):
            raise DecodeError("blob entry must be a JSON object", column=column)
        index = first_blob + i
        if e.get("file") != stream_blob_file_name(index) or e.get("index") != index:
            raise DecodeError(f"entry {i} must be blob {index} in {stream_blob_file_name(index)!r}", column=column)
        if e.get("tx") != i // per_tx:
            raise DecodeError(f"blob {index} belongs to transaction {i // per_tx}", column=column)
        _hexfield(e, "versioned_hash", 32, column)
        _int(e, "used", column, 1, BODY_SIZE)
        pieces = e.get("pieces")
        if not isinstance(pieces, list) or len(pieces) > BODY_SIZE // (LENGTH_SIZE + 1) + 2:
            raise DecodeError("pieces must be a list", column=column)
        for p in pieces:
            if not isinstance(p, dict):
                raise DecodeError("a piece must be a JSON object", column=column)
    txs = m.get("transactions")
    n_txs = -(-count // per_tx)
    if not isinstance(txs, list) or len(txs) != n_txs:
        raise DecodeError(f"manifest transactions must list {n_txs} blob transactions", column="manifest")
    for t, tx in enumerate(txs):
        column = f"manifest.transactions[{t}]"
        lo = first_blob + t * per_tx
        hi = min(lo + per_tx, first_blob + count) - 1
        hashes = tx.get("versioned_hashes") if isinstance(tx, dict) else None
        if not isinstance(tx, dict) or tx.get("blobs") != [lo, hi] or not isinstance(hashes, list) \
                or len(hashes) != hi - lo + 1:
            raise DecodeError(f"transaction {t} must carry blobs {lo}..{hi} and their versioned hashes",
                              column=column)
        for j, h in enumerate(hashes):
            if h != entries[t * per_tx + j].get("versioned_hash"):
                raise DecodeError(f"versioned hash {j} differs from blob {lo + j}'s", column=column)
    payloads = m.get("payloads")
    n_payloads = _int(m, "payload_count", "manifest", 1, MAX_PAYLOAD_INDEX)
    _int(m, "payload_bytes", "manifest")
    if not isinstance(payloads, list) or len(payloads) != n_payloads:
        raise DecodeError(f"manifest payloads must list payload_count ({n_payloads}) entries", column="manifest")
    return entries, first_blob, first_payload, per_tx


def read_stream_dir(stream_dir: str | os.PathLike[str], *, check_kzg: bool = True) -> Iterator[CarriedPayload]:
    """Read a directory written by :class:`StreamDirWriter`, yielding each payload as its last blob is read.

    Before any payload: the manifest (at most MAX_STREAM_MANIFEST_BYTES, at most MAX_STREAM_DIR_BLOBS blobs) is
    checked for shape, file names, blob indexes, transaction grouping and the transactions' versioned hashes.
    Then per blob: the file must be exactly 131,072 bytes (refused before reading), its commitment (when
    ``check_kzg``), versioned hash and proof (when given) must match the manifest, it is decoded strictly,
    and its ``used`` and pieces must be exactly what the manifest lists. At the end: no payload unfinished, and
    the payload list and totals as listed. Raises DecodeError (and its subclasses) only; consume the
    iterator to the end before trusting what it yielded.
    """
    base = os.fspath(stream_dir)
    m = _load_manifest(base)
    entries, first_blob, first_payload, _ = _check_manifest(m)
    dec = BlobStreamDecoder(first_blob=first_blob, first_payload=first_payload)
    listed = m["payloads"]
    seen = 0
    total = 0
    for i, e in enumerate(entries):
        column = f"manifest.blobs[{i}]"
        index = first_blob + i
        data = read_file(os.path.join(base, stream_blob_file_name(index)), BLOB_SIZE, True, f"stream blob {index}")
        want_hash = _hexfield(e, "versioned_hash", 32, column)
        if check_kzg:
            c = commitment(data)
            if "commitment" in e and _hexfield(e, "commitment", COMMITMENT_SIZE, column) != c:
                raise DecodeError("blob does not match the manifest's commitment", column=column)
            if versioned_hash(c) != want_hash:
                raise DecodeError("blob does not match the manifest's versioned hash", column=column)
            if "proof" in e and not verify_blob(data, c, _hexfield(e, "proof", PROOF_SIZE, column)):
                raise DecodeError("the manifest's KZG proof does not verify", column=column)
        done = dec.feed(data)
        lay = dec.last_layout
        pieces = [{"payload": p.payload, "offset": p.offset, "bytes": p.size, "begins": p.begins, "ends": p.ends}
                  for p in lay.pieces]
        if e.get("used") != lay.used or e.get("pieces") != pieces:
            raise DecodeError(f"blob {index} holds other pieces than the manifest lists", column=column)
        for p in done:
            want = listed[seen] if seen < len(listed) else None
            if want != {"index": p.index, "bytes": len(p.data), "first_blob": p.first_blob, "last_blob": p.last_blob}:
                raise DecodeError(f"payload {p.index} is not the manifest's payloads[{seen}]", column="manifest")
            seen += 1
            total += len(p.data)
            yield p
    dec.finish()
    if seen != len(listed) or total != m.get("payload_bytes"):
        raise DecodeError(f"the blobs carry {seen} payloads of {total} bytes, the manifest lists "
                          f"{len(listed)} of {m.get('payload_bytes')}", column="manifest")
