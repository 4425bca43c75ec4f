"""The plain alternatives with history: one general-purpose compressor stream that continues across batches.

A batcher that wants history without columns appends each batch's bytes to one compressor that keeps its
window and flushes at the end of every batch; a payload is the bytes that flush emits, and a node decodes the
payloads in order with one decompressor that keeps its state. These are the rows batchkit's v2 *stream*
rows are compared with (an independent payload is compared with independent rows, a stream with streams).

Names (:data:`STREAM_FORMATS`):

``raw-zstd{3,7,19}-stream``
    the raw signed transactions (EIP-2718, concatenated, no length prefixes, as :mod:`batchkit.baselines.raw`) into one
    ``ZstdCompressor(level=L)`` frame, window 2^23 (batchkit v2's own window), no checksum or content size,
    flushed per batch with ``COMPRESSOBJ_FLUSH_BLOCK``. The first payload starts with the frame header.
``raw-brotli11-stream``
    the same bytes into one brotli quality-11 stream, window 2^24 (the largest standard brotli window),
    ``flush()`` per batch.
``op-span-brotli11-stream``
    the bytes of OP span batches (one per batch, RLP string framed, as inside an OP channel; dummy block
    metadata as :func:`batchkit.baselines.op.span_batches_for`) into one brotli-11 stream, window 2^24.

What the 20-line batcher does, no more: the encoder concatenates the batcher's transactions as they are (it
checks nothing: a batcher's transactions were checked when they entered its pool), and the decoder splits the
output at envelope boundaries (:func:`split_raw`: every byte belongs to an envelope whose RLP list header fits;
the transactions themselves are parsed later, by the node, as for every format). Batchkit's stream rows do
more on both sides (it parses every transaction to cut columns, and its decoder rebuilds them from fields).

Decoders are strict and bounded per payload: zstd payloads are walked block by block before they are
decompressed (:func:`batchkit.format.v2.max_output`), brotli output is produced at most ``MAX_DECOMPRESSED``
bytes at a time and more is an error; every payload must end on a transaction (batch) boundary. A decoder
that failed is not to be used again (a bench run, unlike batchkit's :class:`~batchkit.format.v2.Decoder`,
does not need to roll back).

Fidelity: exact by definition (a plain stream, not a copy of any rollup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import brotli
import zstandard

from ..errors import DecodeError, LimitExceededError
from ..format.v2 import FRAME_HEADER, max_output
from . import op
from ._common import as_bytes, rlp_header

#: Most bytes one payload may decompress to.
MAX_DECOMPRESSED = 64 * 1024 * 1024
#: zstd window of the zstd streams (as batchkit v2's section frames).
ZSTD_WINDOW_LOG = 23
#: brotli window of the brotli streams.
BROTLI_WINDOW_LOG = 24


@dataclass(frozen=True)
class StreamBaseline:
    """A plain compressor stream over consecutive batches."""

    name: str
    session: Callable[[], tuple[Callable[[list[bytes]], bytes], Callable[[bytes], list[bytes]]]]
    """A new ``(encode, decode)`` pair for one stream: ``encode(txs) -> payload`` and ``decode(payload) -> txs``,
    called in batch order."""
    blob_capacity: int
    fidelity: str


def split_raw(data: bytes, column: str = "txs") -> list[bytes]:
    """Split concatenated EIP-2718 envelopes at their boundaries: an optional type byte below 0x80, then one
    RLP list whose header is canonical and fits; every byte belongs to an envelope."""
    txs = []
    pos = 0
    end_all = len(data)
    while pos < end_all:
        start = pos
        if data[pos] < 0x80:
            pos += 1
        is_list, _, end = rlp_header(data, pos, column)
        if not is_list:
            raise DecodeError("a transaction envelope is not an RLP list", offset=pos, column=column)
        txs.append(data[start:end])
        pos = end
    return txs


def _concat(txs: list[bytes]) -> bytes:
    return b"".join(txs)


def _zstd_session(level: int):
    params = zstandard.ZstdCompressionParameters.from_level(level, window_log=ZSTD_WINDOW_LOG, write_checksum=0,
                                                            write_content_size=0, write_dict_id=0)

    def session():
        cobj = zstandard.ZstdCompressor(compression_params=params).compressobj()
        dobj = zstandard.ZstdDecompressor(max_window_size=1 << ZSTD_WINDOW_LOG).decompressobj()
        first = [True]  # the next payload decoded is the first (it carries the frame header)

        def encode(txs: list[bytes]) -> bytes:
            return cobj.compress(_concat(txs)) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

        def decode(payload: bytes) -> list[bytes]:
            data = as_bytes(payload)
            body = data
            if first[0]:
                if data[:len(FRAME_HEADER)] != FRAME_HEADER:
                    raise DecodeError("the first payload of the stream does not start with its frame header",
                                      offset=0, column="zstd")
                body = data[len(FRAME_HEADER):]
            bound = max_output(body, len(data) - len(body), "zstd")
            if bound > MAX_DECOMPRESSED:
                raise LimitExceededError("decompressed size", bound, MAX_DECOMPRESSED, column="zstd")
            try:
                out = dobj.decompress(data)
            except zstandard.ZstdError as exc:
                raise DecodeError(f"bad zstd blocks: {exc}", column="zstd") from exc
            first[0] = False
            return split_raw(out)

        return encode, decode

    return session


def _brotli_stream(data: bytes, d) -> bytes:
    # The binding hands out at most a window's worth per call and reports it can take input while output is
    # still pending, so the payload's output is complete only once a call with no input gives nothing.
    out = bytearray()
    chunk = data
    while True:
        try:
            more = d.process(chunk, output_buffer_limit=1 << 20)
        except brotli.error as exc:
            raise DecodeError(f"bad brotli stream: {exc}", column="brotli") from exc
        out += more
        if len(out) > MAX_DECOMPRESSED:
            raise LimitExceededError("decompressed size", len(out), MAX_DECOMPRESSED, column="brotli")
        if not chunk and not more:
            return bytes(out)
        chunk = b""


def _brotli_session(to_bytes: Callable[[list[bytes]], bytes], from_bytes: Callable[[bytes], list[bytes]]):
    def session():
        c = brotli.Compressor(quality=11, lgwin=BROTLI_WINDOW_LOG)
        d = brotli.Decompressor()

        def encode(txs: list[bytes]) -> bytes:
            return c.process(to_bytes(txs)) + c.flush()

        def decode(payload: bytes) -> list[bytes]:
            return from_bytes(_brotli_stream(as_bytes(payload), d))

        return encode, decode

    return session


def _span_bytes(txs: list[bytes]) -> bytes:
    return b"".join(op.rlp_string_bytes(b.encode()) for b in op.span_batches_for(txs))


def _span_txs(data: bytes) -> list[bytes]:
    txs: list[bytes] = []
    for batch in op.read_batches(data):
        if batch[0] != op.SPAN_BATCH_TYPE:
            raise DecodeError(f"batch type 0x{batch[0]:02x} in a span stream", column="batch")
        txs += [t.encode() for t in op.decode_span_batch(batch).txs]
    return txs


def _formats() -> dict[str, StreamBaseline]:
    f = [StreamBaseline(f"raw-zstd{level}-stream", _zstd_session(level), op.BLOB_CAPACITY,
                        f"exact by definition: raw EIP-2718 txs into one zstd-{level} frame (window 2^23) flushed "
                        "per batch")
         for level in (3, 7, 19)]
    f.append(StreamBaseline("raw-brotli11-stream", _brotli_session(_concat, split_raw), op.BLOB_CAPACITY,
                            "exact by definition: raw EIP-2718 txs into one brotli-11 stream (window 2^24) "
                            "flushed per batch"))
    f.append(StreamBaseline("op-span-brotli11-stream", _brotli_session(_span_bytes, _span_txs), op.BLOB_CAPACITY,
                            "OP span batch bytes (dummy block metadata, as op-span-brotli10) into one brotli-11 "
                            "stream (window 2^24) flushed per batch"))
    return {b.name: b for b in f}


STREAM_FORMATS: dict[str, StreamBaseline] = _formats()
