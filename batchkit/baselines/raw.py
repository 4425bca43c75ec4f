"""The floor every format is measured against: the raw signed transactions concatenated, then compressed with
a general-purpose compressor.

Layout: ``tx_0 ++ tx_1 ++ ...`` in EIP-2718 form, with no length prefixes and no header. None are needed: a
legacy transaction is one RLP list and a typed one is a type byte below 0x80 then one RLP list, so each
envelope says where it ends (the same reason Scroll can concatenate them). The decoder walks the envelopes
and parses each one strictly.

Compressors (one codec per registry entry): zstd level 3, 19, and 22 with long-distance matching
(window log 27), brotli quality 11 (window 22), xz (``lzma`` preset 9) and zlib 9. Standard
framing of each library (zstd frame with magic and content size, zlib header and Adler-32, xz container with
CRC64); the decoder reads exactly one stream, rejects trailing bytes, and caps the output at
``MAX_DECOMPRESSED`` (64 MiB) before allocating more.

Fidelity: *exact* by construction (this is the definition of the baseline, not a copy of a rollup).
"""

from __future__ import annotations

import lzma
import zlib
from typing import Callable

import brotli
import zstandard

from ..errors import InputError
from ..tx import parse_tx
from ._common import as_bytes, brotli_decompress, split_envelopes, xz_decompress, zlib_decompress, \
    zstd_decompress

MAX_DECOMPRESSED = 64 * 1024 * 1024


def concat(txs: list[bytes]) -> bytes:
    for i, raw in enumerate(txs):
        parse_tx(raw, i)
    return b"".join(bytes(t) for t in txs)


def _zstd(level: int, long: bool = False) -> Callable[[bytes], bytes]:
    params = zstandard.ZstdCompressionParameters.from_level(level, enable_ldm=long, window_log=27 if long else 0)
    cctx = zstandard.ZstdCompressor(compression_params=params)
    return cctx.compress


COMPRESSORS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "zstd3": (_zstd(3), lambda d: zstd_decompress(d, MAX_DECOMPRESSED)),
    "zstd19": (_zstd(19), lambda d: zstd_decompress(d, MAX_DECOMPRESSED)),
    "zstd22-long": (_zstd(22, long=True), lambda d: zstd_decompress(d, MAX_DECOMPRESSED, max_window_log=27)),
    "brotli11": (lambda d: brotli.compress(d, quality=11, lgwin=22), lambda d: brotli_decompress(d, MAX_DECOMPRESSED)),
    "xz": (lambda d: lzma.compress(d, format=lzma.FORMAT_XZ, preset=9), lambda d: xz_decompress(d, MAX_DECOMPRESSED)),
    "zlib9": (lambda d: zlib.compress(d, 9), lambda d: zlib_decompress(d, MAX_DECOMPRESSED)),
}


def encoder(method: str) -> Callable[[list[bytes]], bytes]:
    if method not in COMPRESSORS:
        raise InputError(f"unknown compressor {method!r}")
    compress = COMPRESSORS[method][0]
    return lambda txs: compress(concat(txs))


def decoder(method: str) -> Callable[[bytes], list[bytes]]:
    decompress = COMPRESSORS[method][1]
    return lambda payload: split_envelopes(decompress(as_bytes(payload)))
