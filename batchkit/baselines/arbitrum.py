"""Arbitrum Nitro sequencer batches: RLP segments, brotli-compressed, behind a one-byte header.

Grammar (OffchainLabs/nitro ``arbstate/inbox.go``, ``arbos/parse_l2.go``, ``arbnode/batch_poster.go``)::

    batch_data    = 0x00 ++ brotli(segments)                 header flag 0x00: brotli, no other flag set
    segments      = rlp_string(segment)*                     at most 102,400 segments, 16 MiB decompressed
    segment       = 0x00 ++ l2_message                       L2 message
                  | 0x01 ++ brotli(l2_message)               L2 message, brotli again
                  | 0x02 ++ rlp(uint)                        delayed messages read (no transactions here)
                  | 0x03 ++ rlp(uint)                        advance timestamp
                  | 0x04 ++ rlp(uint)                        advance L1 block number
    l2_message    = 0x03 ++ (u64 BE length ++ l2_message)*   batch (nested at most 16 deep)
                  | 0x04 ++ signed_tx                        EIP-2718 bytes

On L1 the sequencer inbox prepends a 40-byte header (timestamp and block bounds, delayed message count) that
it builds from the call's arguments; it is not part of ``batch_data`` and not part of this payload. Blobs
carry ``batch_data`` through ``util/blobs``: the bytes are RLP-wrapped, then each field element takes 31
bytes in its low bytes and 6 more bits in its top byte (4096 x 31 + 4096 x 6 / 8 = 130,048 bytes per blob).

Fidelity
--------
*Exact* for the wire grammar: the three real Arbitrum One batches in ``corpora/l2-batches/arbitrum-one``
decode into ``arbitrum-one-from-l1-batches.jsonl``. *Approximated* for arbitrary transaction lists: there are
no blocks or timestamps to carry, so no advance-timestamp / advance-L1-block segments are written and by
default every transaction goes into one L2 batch message (kind 3, an 8-byte length before each signed tx),
split only where a message would pass Nitro's 256 KiB ``MaxL2MessageSize``; ``txs_per_message=k`` writes
one message per k transactions instead (k = 1 gives kind-4 messages, as the sequencer does for 1-tx blocks).
Compression is brotli quality 11, window 22 (the poster's normal setting; it drops to 6/4 under backlog).
"""

from __future__ import annotations

import brotli
import rlp

from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedVersionError
from ..tx import parse_tx
from ._common import as_bytes, brotli_decompress, check_tx, rlp_string_bytes, rlp_string_stream

HEADER_BROTLI = 0x00
MAX_DECOMPRESSED_LEN = 16 * 1024 * 1024
MAX_SEGMENTS = 100 * 1024
MAX_L2_MESSAGE_SIZE = 256 * 1024
MAX_NESTING = 16

SEGMENT_L2_MESSAGE, SEGMENT_L2_MESSAGE_BROTLI, SEGMENT_DELAYED, SEGMENT_ADVANCE_TIMESTAMP, \
    SEGMENT_ADVANCE_L1_BLOCK = range(5)
L2_MESSAGE_BATCH = 0x03
L2_MESSAGE_SIGNED_TX = 0x04

#: util/blobs: 4096 field elements x (31 bytes + 6 spare bits) = 130,048 bytes, which hold the RLP-wrapped
#: batch data: 4 bytes of RLP header leave 130,044 bytes of payload in one blob.
BLOB_BYTES = 4096 * 31 + 4096 * 6 // 8
BLOB_CAPACITY = BLOB_BYTES - 4


def _batch_message(txs: list[bytes]) -> bytes:
    out = bytearray([L2_MESSAGE_BATCH])
    for raw in txs:
        sub = bytes([L2_MESSAGE_SIGNED_TX]) + raw
        out += len(sub).to_bytes(8, "big") + sub
    return bytes(out)


def l2_messages_for(txs: list[bytes], txs_per_message: int | None = None) -> list[bytes]:
    raws = []
    for i, raw in enumerate(txs):
        parse_tx(raw, i)
        raws.append(bytes(raw))
    if txs_per_message == 1:
        return [bytes([L2_MESSAGE_SIGNED_TX]) + raw for raw in raws]
    messages, current, size = [], [], 1
    for raw in raws:
        need = 9 + len(raw)
        if 1 + need > MAX_L2_MESSAGE_SIZE:
            raise InputError(f"a {len(raw)}-byte transaction does not fit one L2 message")
        if current and (size + need > MAX_L2_MESSAGE_SIZE or len(current) == txs_per_message):
            messages.append(_batch_message(current))
            current, size = [], 1
        current.append(raw)
        size += need
    if current:
        messages.append(_batch_message(current))
    return messages


def encode(txs: list[bytes], *, quality: int = 11, txs_per_message: int | None = None) -> bytes:
    """``batch_data`` (header byte + brotli) holding ``txs``; see the module docstring for the layout."""
    segments = b"".join(rlp_string_bytes(bytes([SEGMENT_L2_MESSAGE]) + m)
                        for m in l2_messages_for(txs, txs_per_message))
    return bytes([HEADER_BROTLI]) + brotli.compress(segments, quality=quality, lgwin=22)


def _l2_message_txs(msg: bytes, depth: int, out: list[bytes], column: str) -> None:
    if not msg:
        raise DecodeError("empty L2 message", column=column)
    kind = msg[0]
    if kind == L2_MESSAGE_SIGNED_TX:
        raw = msg[1:]
        check_tx(raw, len(out), column)
        out.append(raw)
    elif kind == L2_MESSAGE_BATCH:
        if depth >= MAX_NESTING:
            raise LimitExceededError("L2 batch nesting", depth + 1, MAX_NESTING, column=column)
        pos = 1
        while pos < len(msg):
            if pos + 8 > len(msg):
                raise DecodeError("truncated sub-message length", offset=pos, column=column)
            n = int.from_bytes(msg[pos:pos + 8], "big")
            if n > MAX_L2_MESSAGE_SIZE:
                raise LimitExceededError("sub-message length", n, MAX_L2_MESSAGE_SIZE, offset=pos, column=column)
            if pos + 8 + n > len(msg):
                raise DecodeError("truncated sub-message", offset=pos, column=column)
            _l2_message_txs(msg[pos + 8:pos + 8 + n], depth + 1, out, column)
            pos += 8 + n
    else:
        raise UnsupportedVersionError(f"L2 message kind {kind} carries no signed transaction here", column=column)


def _rlp_uint(body: bytes, column: str) -> int:
    try:
        v = rlp.decode(body, strict=True)
    except rlp.exceptions.DecodingError as exc:
        raise DecodeError(f"bad segment integer: {exc}", column=column) from exc
    if not isinstance(v, bytes) or v[:1] == b"\x00" or len(v) > 8:
        raise DecodeError("segment integer is not a canonical uint64", column=column)
    return int.from_bytes(v, "big")


def decode_segments(batch_data: bytes) -> list[bytes]:
    data = as_bytes(batch_data)
    if not data:
        raise DecodeError("empty batch data", offset=0)
    if data[0] != HEADER_BROTLI:
        raise UnsupportedVersionError(f"unknown batch header byte 0x{data[0]:02x}", offset=0)
    stream = brotli_decompress(data[1:], MAX_DECOMPRESSED_LEN, what="segments")
    return rlp_string_stream(stream, "segments", MAX_SEGMENTS)


def decode(batch_data: bytes) -> list[bytes]:
    """Every signed transaction of a sequencer batch, in order. Delayed-message and advance segments are
    checked for shape and skipped (they carry no signed transactions)."""
    txs: list[bytes] = []
    for i, seg in enumerate(decode_segments(batch_data)):
        column = f"segment {i}"
        if not seg:
            raise DecodeError("empty segment", column=column)
        kind, body = seg[0], seg[1:]
        if kind == SEGMENT_L2_MESSAGE:
            _l2_message_txs(body, 0, txs, column)
        elif kind == SEGMENT_L2_MESSAGE_BROTLI:
            _l2_message_txs(brotli_decompress(body, MAX_L2_MESSAGE_SIZE, what=column), 0, txs, column)
        elif kind in (SEGMENT_DELAYED, SEGMENT_ADVANCE_TIMESTAMP, SEGMENT_ADVANCE_L1_BLOCK):
            _rlp_uint(body, column)
        else:
            raise UnsupportedVersionError(f"unknown segment kind {kind}", column=column)
    return txs


# --- blobs (util/blobs) ------------------------------------------------------------------------------------

def encode_blobs(batch_data: bytes) -> list[bytes]:
    """``batch_data`` RLP-wrapped, 31 bytes per field element, then 6 spare bits of each element's top byte."""
    data = rlp_string_bytes(bytes(batch_data))
    blobs = []
    while data:
        blob = bytearray(4096 * 32)
        for fe in range(4096):
            chunk = data[:31]
            blob[fe * 32 + 1:fe * 32 + 1 + len(chunk)] = chunk
            data = data[31:]
            if not data:
                break
        acc = bits = 0
        for fe in range(4096):
            if not data and bits <= 0:
                break
            if bits < 6 and data:
                acc |= data[0] << bits
                bits += 8
                data = data[1:]
            blob[fe * 32] = acc & 0x3F
            acc >>= 6
            bits = max(bits - 6, 0)
        blobs.append(bytes(blob))
    return blobs


def decode_blobs(blobs: list[bytes]) -> bytes:
    out = bytearray()
    for b in blobs:
        if len(b) != 4096 * 32:
            raise DecodeError("a blob is 131072 bytes", column="blob")
        for fe in range(4096):
            out += b[fe * 32 + 1:fe * 32 + 32]
        acc = bits = 0
        for fe in range(4096):
            top = b[fe * 32]
            if top & 0xC0:
                raise DecodeError("field element top byte above 6 bits", offset=fe * 32, column="blob")
            acc |= top << bits
            bits += 6
            if bits >= 8:
                out.append(acc & 0xFF)
                acc >>= 8
                bits -= 8
    try:
        value = rlp.decode(bytes(out), strict=False)
    except rlp.exceptions.DecodingError as exc:
        raise DecodeError(f"bad RLP in blobs: {exc}", column="blob") from exc
    if not isinstance(value, bytes):
        raise DecodeError("blob data is not an RLP string", column="blob")
    return value
