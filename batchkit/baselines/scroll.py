"""Scroll da-codec v7 / v8 blob payloads: a 5-byte envelope, then a (usually zstd-compressed) batch payload
of block contexts and raw signed transactions.

Grammar (scroll-tech/da-codec ``encoding/codecv7_types.go``; v8 differs only in its version byte and in the
compressor build, ``libzstd/encoder-standard``)::

    envelope    = version(u8: 7 | 8) ++ size(u24 BE, bytes of body) ++ compressed(u8: 0 | 1) ++ body
    body        = zstd_frame(payload) if compressed else payload
    payload     = prev_l1_message_queue_hash(32) ++ post_l1_message_queue_hash(32)
                  ++ initial_l2_block_number(u64 BE) ++ num_blocks(u16 BE) ++ block_context{num_blocks} ++ tx*
    block_context = timestamp(u64) ++ base_fee(u256) ++ gas_limit(u64) ++ num_transactions(u16) ++ num_l1_messages(u16)
    tx          = EIP-2718 bytes; block i carries num_transactions - num_l1_messages of them

zstd as in da-codec's ``libzstd`` (Rust ``zstd`` crate): default level (3), literals stored raw
(``LiteralCompressionMode = Disable``), window log 17 (v7, "legacy" encoder) or 22 (v8, "standard"),
target compressed block size 124 KiB, no magic number, no checksum, no dictionary id, content size written.
A blob holds 4096 x 31 bytes, so one envelope is at most 126,976 bytes.

Strictness beyond da-codec: ``size`` must match the bytes present (here the payload is not padded to a blob),
bytes after the last transaction and after the zstd frame are rejected, and the decompressed payload is
capped at 1,000,000 bytes.

Fidelity
--------
*Exact* envelope, payload layout and zstd parameters (set through libzstd's own parameter API via
python-zstandard's CFFI bindings; the output can still differ from da-codec's by a few bytes, since da-codec
links a patched libzstd and streams with a pledged size). *Approximated* metadata: arbitrary transactions
have no blocks, so they go into one block context (a new one every 65,535 txs) with dummy values: queue
hashes, block number, timestamp, base fee and gas limit all zero. Real batches pay 52 bytes (mostly
compressible) per L2 block. The body is compressed when that makes it smaller, as da-codec does. L1 message
transactions (0x7e) and blob transactions (type 3) are not carried.
"""

from __future__ import annotations

from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedTransactionError, \
    UnsupportedVersionError
from ..tx import BLOB, parse_tx
from ._common import as_bytes, split_envelopes, zstd_decompress

ENVELOPE_SIZE = 5
PAYLOAD_HEADER_SIZE = 32 + 32 + 8 + 2
BLOCK_CONTEXT_SIZE = 52
MAX_TXS_PER_BLOCK = 0xFFFF
MAX_PAYLOAD_SIZE = 1_000_000
BLOB_CAPACITY = 4096 * 31
TARGET_BLOCK_SIZE = 124 * 1024
WINDOW_LOG = {7: 17, 8: 22}

try:  # libzstd's own parameter API: python-zstandard's C backend does not expose LiteralCompressionMode
    from zstandard import _cffi as _zstd_cffi
    _lib, _ffi = _zstd_cffi.lib, _zstd_cffi.ffi
except ImportError:  # pragma: no cover - depends on the zstandard build
    _lib = _ffi = None


def scroll_zstd_compress(data: bytes, window_log: int) -> bytes:
    """zstd with da-codec's settings (see the module docstring)."""
    if _lib is None:  # pragma: no cover
        raise InputError("this zstandard build has no CFFI bindings; Scroll's raw-literal mode is unavailable")
    cctx = _lib.ZSTD_createCCtx()
    try:
        for param, value in ((_lib.ZSTD_c_compressionLevel, 3),
                             (_lib.ZSTD_c_literalCompressionMode, _lib.ZSTD_ps_disable),
                             (_lib.ZSTD_c_windowLog, window_log),
                             (_lib.ZSTD_c_targetCBlockSize, TARGET_BLOCK_SIZE),
                             (_lib.ZSTD_c_checksumFlag, 0),
                             (_lib.ZSTD_c_format, _lib.ZSTD_f_zstd1_magicless),
                             (_lib.ZSTD_c_dictIDFlag, 0),
                             (_lib.ZSTD_c_contentSizeFlag, 1)):
            rc = _lib.ZSTD_CCtx_setParameter(cctx, param, value)
            if _lib.ZSTD_isError(rc):
                raise InputError(f"zstd parameter {param}: {_ffi.string(_lib.ZSTD_getErrorName(rc)).decode()}")
        bound = _lib.ZSTD_compressBound(len(data))
        dst = _ffi.new("char[]", bound)
        n = _lib.ZSTD_compress2(cctx, dst, bound, data, len(data))
        if _lib.ZSTD_isError(n):
            raise InputError(f"zstd: {_ffi.string(_lib.ZSTD_getErrorName(n)).decode()}")
        return _ffi.buffer(dst, n)[:]
    finally:
        _lib.ZSTD_freeCCtx(cctx)


def build_payload(txs: list[bytes]) -> bytes:
    """The uncompressed v7 payload for ``txs`` with dummy block contexts."""
    raws = []
    for i, raw in enumerate(txs):
        tx = parse_tx(raw, i)
        if tx.type == BLOB:
            raise UnsupportedTransactionError(BLOB, index=i)
        raws.append(bytes(raw))
    counts = [min(MAX_TXS_PER_BLOCK, len(raws) - i) for i in range(0, len(raws), MAX_TXS_PER_BLOCK)] or [0]
    if len(counts) > 0xFFFF:
        raise InputError("too many transactions for one Scroll batch")
    out = bytearray(64)  # prev / post L1 message queue hashes
    out += (0).to_bytes(8, "big") + len(counts).to_bytes(2, "big")
    for c in counts:
        out += bytes(8) + bytes(32) + bytes(8) + c.to_bytes(2, "big") + bytes(2)
    return bytes(out) + b"".join(raws)


def encode(txs: list[bytes], version: int = 8) -> bytes:
    """Envelope + body for ``txs`` (codec ``version`` 7 or 8)."""
    if version not in WINDOW_LOG:
        raise InputError(f"unknown Scroll codec version {version}")
    payload = build_payload(txs)
    if len(payload) > MAX_PAYLOAD_SIZE:
        raise InputError(f"payload of {len(payload)} bytes exceeds the decoder's {MAX_PAYLOAD_SIZE}")
    body, flag = payload, 0
    compressed = scroll_zstd_compress(payload, WINDOW_LOG[version])
    if len(compressed) < len(payload):
        body, flag = compressed, 1
    return bytes([version]) + len(body).to_bytes(3, "big") + bytes([flag]) + body


def decode_payload(payload: bytes) -> list[bytes]:
    if len(payload) < PAYLOAD_HEADER_SIZE:
        raise DecodeError("truncated payload header", offset=len(payload), column="payload")
    num_blocks = int.from_bytes(payload[72:74], "big")
    pos = PAYLOAD_HEADER_SIZE + BLOCK_CONTEXT_SIZE * num_blocks
    if pos > len(payload):
        raise DecodeError("truncated block contexts", offset=len(payload), column="block_contexts")
    want = 0
    for i in range(num_blocks):
        ctx = payload[PAYLOAD_HEADER_SIZE + BLOCK_CONTEXT_SIZE * i:PAYLOAD_HEADER_SIZE + BLOCK_CONTEXT_SIZE * (i + 1)]
        n_txs, n_l1 = int.from_bytes(ctx[48:50], "big"), int.from_bytes(ctx[50:52], "big")
        if n_l1 > n_txs:
            raise DecodeError("more L1 messages than transactions in a block", column=f"block {i}")
        want += n_txs - n_l1
    txs = split_envelopes(payload[pos:], "txs")
    if len(txs) != want:
        raise DecodeError(f"{len(txs)} transactions where the block contexts count {want}", column="txs")
    return txs


def decode(data: bytes, version: int | None = None) -> list[bytes]:
    """Transactions of one envelope. ``version`` (7 or 8) is enforced when given."""
    data = as_bytes(data)
    if len(data) < ENVELOPE_SIZE:
        raise DecodeError("truncated envelope", offset=len(data), column="envelope")
    v = data[0]
    if v not in WINDOW_LOG or (version is not None and v != version):
        raise UnsupportedVersionError(f"unknown codec version {v}", offset=0, column="envelope")
    size = int.from_bytes(data[1:4], "big")
    flag = data[4]
    if flag > 1:
        raise DecodeError(f"compressed flag {flag} is neither 0 nor 1", offset=4, column="envelope")
    if size != len(data) - ENVELOPE_SIZE:
        raise DecodeError(f"envelope size {size} but {len(data) - ENVELOPE_SIZE} bytes follow", offset=1,
                          column="envelope")
    body = data[ENVELOPE_SIZE:]
    if flag:
        payload = zstd_decompress(body, MAX_PAYLOAD_SIZE, magicless=True, max_window_log=WINDOW_LOG[v],
                                  what="payload")
    else:
        if len(body) > MAX_PAYLOAD_SIZE:
            raise LimitExceededError("payload size", len(body), MAX_PAYLOAD_SIZE, column="payload")
        payload = body
    return decode_payload(payload)
