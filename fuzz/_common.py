"""Helpers shared by the fuzz targets: the repository on sys.path, the fuzz input format of
``fuzz_assemble_diff`` (a header and 20 length-prefixed streams), and the blob cutting of the blob stream
targets."""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (ROOT, os.path.join(ROOT, "tests")):
    if p not in sys.path:
        sys.path.insert(0, p)

NSTREAMS = 20


def _uvarint(value: int) -> bytes:
    from batchkit.format import _pure  # imported late: the targets instrument batchkit before importing it

    out = bytearray()
    _pure.put_uvarint(out, value)
    return bytes(out)


def pack_streams(n: int, chain: bytes, streams) -> bytes:
    """``uvarint(n) ‖ len(chain) ‖ chain ‖ uvarint(len(s_i)) for 20 streams ‖ s_1 ... s_20``."""
    out = [_uvarint(n), bytes([len(chain)]), chain]
    out += [_uvarint(len(s)) for s in streams]
    out += list(streams)
    return b"".join(out)


def unpack_streams(data: bytes):
    """Inverse of pack_streams, lenient (the fuzzer's bytes are not all well formed): returns
    ``(n, chain, streams)`` or None. Lengths past the end are clipped, so every input means something."""
    pos = 0

    def varint():
        nonlocal pos
        value = shift = 0
        while pos < len(data) and shift < 70:
            b = data[pos]
            pos += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value
        return value

    n = varint() % 4096  # keep n small: the interesting bugs are in the streams, not in huge n
    if pos >= len(data):
        return None
    cl = data[pos] % 34
    pos += 1
    chain = data[pos:pos + cl]
    pos += cl
    lengths = [varint() for _ in range(NSTREAMS)]
    streams = []
    for ln in lengths:
        streams.append(data[pos:pos + ln])
        pos += ln
    return n, bytes(chain), tuple(streams)


def split_blobs(body: bytes, max_blobs: int = 3) -> list[bytes]:
    """``body`` cut into at most ``max_blobs`` blobs of unpacked data, the last one zero-padded."""
    from batchkit.l1.blob import USABLE_BYTES_PER_BLOB  # imported late, as in _uvarint

    out = []
    for i in range(0, min(len(body), max_blobs * USABLE_BYTES_PER_BLOB), USABLE_BYTES_PER_BLOB):
        chunk = body[i:i + USABLE_BYTES_PER_BLOB]
        out.append(chunk + bytes(USABLE_BYTES_PER_BLOB - len(chunk)))
    return out
