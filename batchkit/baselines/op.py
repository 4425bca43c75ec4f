"""OP Stack batches: span batches (Delta, with Isthmus set-code transactions) and Bedrock singular batches,
inside a channel (Fjord brotli or Bedrock zlib), cut into frames, posted as calldata or packed into blobs.

Grammar (ethereum-optimism/specs ``protocol/derivation.md`` and ``protocol/delta/span-batches.md``)::

    calldata      = derivation_version(0x00) ++ frame+
    frame         = channel_id(16) ++ frame_number(u16 BE) ++ frame_data_length(u32 BE) ++ frame_data ++ is_last(u8)
    channel       = frame_data of frames 0..n-1 of one channel id, in order
                  = 0x01 ++ brotli(rlp_stream)       (Fjord)   |  zlib(rlp_stream)   (Bedrock; first byte 0x?8 / 0x?f)
    rlp_stream    = rlp_string(batch)*
    batch         = 0x00 ++ rlp([parent_hash, epoch_num, epoch_hash, timestamp, [tx...]])      singular
                  | 0x01 ++ prefix ++ payload                                                   span
    prefix        = uvarint rel_timestamp ++ uvarint l1_origin_num ++ parent_check(20) ++ l1_origin_check(20)
    payload       = uvarint block_count ++ origin_bits ++ uvarint block_tx_count* ++ txs
    txs           = contract_creation_bits ++ y_parity_bits ++ (r(32) ++ s(32))* ++ to(20)* (non-creations)
                    ++ tx_data* ++ uvarint nonce* ++ uvarint gas* ++ protected_bits (legacy txs only)
    tx_data       = rlp([value, gas_price, data])                                               legacy
                  | 0x01 ++ rlp([value, gas_price, data, access_list])                          EIP-2930
                  | 0x02 ++ rlp([value, max_priority_fee, max_fee, data, access_list])          EIP-1559
                  | 0x04 ++ rlp([value, max_priority_fee, max_fee, data, access_list, auths])   EIP-7702 (Isthmus)
    bitlist(n)    = big-endian integer of ceil(n/8) bytes, bit i = element i, no bit at or above n

The chain id is rollup configuration, not in the batch: typed txs take it from there, legacy ``v`` is
``2 * chain_id + 35 + y_parity`` when the protected bit is set, else ``27 + y_parity``.

Limits, checked before anything is allocated: decompressed channel 100,000,000 bytes
(``MAX_RLP_BYTES_PER_CHANNEL``, Fjord), span batch blocks and transactions 10,000,000
(``MAX_SPAN_BATCH_ELEMENT_COUNT``), frame data 1,000,000 bytes (``MaxFrameLen``).

Strictness beyond op-node: every byte of a span batch must be consumed, varints must be minimal, bytes after
a zlib/brotli stream are rejected, and the frames of a channel must come in order without gaps or repeats.
Like op-node, a zlib channel that ends unterminated right after a sync flush (``00 00 ff ff``) is read: the
real span-batch channels of L1 block 19426586 are exactly that.

Fidelity
--------
*Exact* for the wire grammar: the real OP Mainnet and Base calldata in ``corpora/l2-batches`` decodes into the
transactions listed in ``op-base-from-l1-batches.jsonl`` and their span batches re-encode byte for byte.
*Approximated* when encoding arbitrary transaction lists, because they carry no L2 block structure:

- all transactions go into one L2 block (or blocks of ``txs_per_block``) with dummy metadata:
  ``rel_timestamp = l1_origin_num = 0``, ``l1_origin_check`` zero, origin bits zero. Real span batches pay a
  few bytes per block for this (a varint tx count, one origin bit) and ~50 bytes per span; singular batches
  pay ~75 bytes per block (two 32-byte hashes, epoch number, timestamp), which this encoder does not count.
- ``parent_check`` carries the chain id (20-byte big-endian) so that a payload decodes without a rollup config;
  in production it is ``parent_hash[:20]`` and the chain id comes from the config. A list mixing chain ids is
  split into one span batch per run of transactions with the same chain id.
- the zlib variant uses C zlib level 9 where op-batcher uses Go's ``compress/flate`` level 9: same format,
  slightly different matches. Brotli is quality 10, window 22, as op-batcher's ``brotli.NewWriterLevel(10)``.
- the channel id is the first 16 bytes of keccak256 of the channel data (the batcher draws it at random).
- blob transactions (type 3) cannot be carried and raise ``UnsupportedTransactionError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brotli
import rlp
import zlib

from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedTransactionError, \
    UnsupportedVersionError
from ..tx import ACCESS_LIST, BLOB, DYNAMIC_FEE, LEGACY, SET_CODE, Transaction, keccak256, parse_tx
from ._common import (as_bytes, brotli_decompress, check_tx, read_uvarint, rlp_header, rlp_string_bytes,
                      rlp_string_stream, write_uvarint, zlib_decompress)

DERIVATION_VERSION_0 = 0x00
CHANNEL_VERSION_BROTLI = 0x01
SINGULAR_BATCH_TYPE = 0x00
SPAN_BATCH_TYPE = 0x01

MAX_RLP_BYTES_PER_CHANNEL = 100_000_000
MAX_SPAN_BATCH_ELEMENT_COUNT = 10_000_000
MAX_FRAME_LEN = 1_000_000
FRAME_OVERHEAD = 23

#: op-service/eth/blob.go: (4 * 31 + 3) * 1024 - 4 bytes of data per blob (version byte + frame).
BLOB_CAPACITY = (4 * 31 + 3) * 1024 - 4
BLOB_SIZE = 4096 * 32


# --- frames and channels ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    channel_id: bytes
    frame_number: int
    data: bytes
    is_last: bool


def parse_frames(calldata: bytes) -> list[Frame]:
    """Split one L1 data unit (calldata, or the data of one blob): version byte 0x00, then frames."""
    calldata = as_bytes(calldata)
    if not calldata:
        raise DecodeError("empty batcher data", offset=0, column="frames")
    if calldata[0] != DERIVATION_VERSION_0:
        raise UnsupportedVersionError(f"unknown derivation version 0x{calldata[0]:02x}", offset=0,
                                      column="frames")
    frames = []
    pos = 1
    n = len(calldata)
    if pos == n:
        raise DecodeError("no frame after the version byte", offset=pos, column="frames")
    while pos < n:
        if pos + 22 > n:
            raise DecodeError("truncated frame header", offset=pos, column="frames")
        channel_id = calldata[pos:pos + 16]
        number = int.from_bytes(calldata[pos + 16:pos + 18], "big")
        length = int.from_bytes(calldata[pos + 18:pos + 22], "big")
        if length > MAX_FRAME_LEN:
            raise LimitExceededError("frame data length", length, MAX_FRAME_LEN, offset=pos + 18, column="frames")
        end = pos + 22 + length
        if end + 1 > n:
            raise DecodeError("truncated frame data", offset=pos, column="frames")
        is_last = calldata[end]
        if is_last > 1:
            raise DecodeError(f"is_last byte {is_last} is neither 0 nor 1", offset=end, column="frames")
        frames.append(Frame(channel_id, number, calldata[pos + 22:end], bool(is_last)))
        pos = end + 1
    return frames


def assemble_channels(frames: list[Frame]) -> list[bytes]:
    """Join frames into channels, in order of each channel's first frame. Strict: a channel's frames must be
    numbered 0, 1, ... in order, the last one (only) marked ``is_last``; a channel without it is incomplete."""
    open_channels: dict[bytes, list[Frame]] = {}
    order: list[bytes] = []
    done: set[bytes] = set()
    for i, frame in enumerate(frames):
        if frame.channel_id in done:
            raise DecodeError("frame after the last frame of its channel", column=f"frame {i}")
        parts = open_channels.setdefault(frame.channel_id, [])
        if not parts:
            order.append(frame.channel_id)
        if frame.frame_number != len(parts):
            raise DecodeError(f"frame number {frame.frame_number}, expected {len(parts)}", column=f"frame {i}")
        parts.append(frame)
        if frame.is_last:
            done.add(frame.channel_id)
    missing = [cid for cid in order if cid not in done]
    if missing:
        raise DecodeError(f"channel {missing[0].hex()} has no last frame", column="frames")
    return [b"".join(f.data for f in open_channels[cid]) for cid in order]


def make_frames(channel: bytes, channel_id: bytes, max_frame_size: int) -> bytes:
    """Cut a channel into frames of at most ``max_frame_size`` bytes each (23 bytes of it overhead)."""
    room = max_frame_size - FRAME_OVERHEAD
    if room <= 0:
        raise InputError(f"max_frame_size {max_frame_size} leaves no room for data")
    room = min(room, MAX_FRAME_LEN)
    chunks = [channel[i:i + room] for i in range(0, len(channel), room)] or [b""]
    if len(chunks) > 0xFFFF:
        raise InputError("channel needs more than 65535 frames")
    out = bytearray()
    for number, chunk in enumerate(chunks):
        out += channel_id + number.to_bytes(2, "big") + len(chunk).to_bytes(4, "big") + chunk
        out.append(1 if number == len(chunks) - 1 else 0)
    return bytes(out)


def compress_channel(rlp_stream: bytes, compression: str, level: int | None = None) -> bytes:
    if compression == "brotli":
        return bytes([CHANNEL_VERSION_BROTLI]) + brotli.compress(rlp_stream, quality=10 if level is None else level,
                                                                 lgwin=22)
    if compression == "zlib":
        return zlib.compress(rlp_stream, 9 if level is None else level)
    raise InputError(f"unknown channel compression {compression!r}")


def decompress_channel(channel: bytes, limit: int = MAX_RLP_BYTES_PER_CHANNEL) -> bytes:
    """Channel data to its RLP batch stream: brotli after a 0x01 version byte, or a zlib stream."""
    if not channel:
        raise DecodeError("empty channel", offset=0, column="channel")
    first = channel[0]
    if first & 0x0F in (8, 15):
        return zlib_decompress(channel, limit, allow_sync_flush_end=True, what="channel")
    if first == CHANNEL_VERSION_BROTLI:
        return brotli_decompress(channel[1:], limit, what="channel")
    raise UnsupportedVersionError(f"unknown channel compression byte 0x{first:02x}", offset=0, column="channel")


def read_batches(rlp_stream: bytes) -> list[bytes]:
    """The batches of a decompressed channel, each starting with its batch type byte."""
    batches = rlp_string_stream(rlp_stream, "channel")
    for i, b in enumerate(batches):
        if not b:
            raise DecodeError("empty batch", column=f"batch {i}")
    return batches


# --- singular batches ------------------------------------------------------------------------------------

@dataclass
class SingularBatch:
    parent_hash: bytes
    epoch_num: int
    epoch_hash: bytes
    timestamp: int
    txs: list[bytes]

    def encode(self) -> bytes:
        return bytes([SINGULAR_BATCH_TYPE]) + rlp.encode(
            [self.parent_hash, self.epoch_num, self.epoch_hash, self.timestamp, list(self.txs)])


def decode_singular_batch(batch: bytes) -> SingularBatch:
    if not batch or batch[0] != SINGULAR_BATCH_TYPE:
        raise DecodeError("not a singular batch", offset=0, column="singular")
    body = batch[1:]
    try:
        items = rlp.decode(body, strict=True)
    except rlp.exceptions.DecodingError as exc:
        raise DecodeError(f"malformed singular batch RLP: {exc}", column="singular") from exc
    if not isinstance(items, list) or len(items) != 5:
        raise DecodeError("a singular batch is an RLP list of 5 items", column="singular")
    parent_hash, epoch_num, epoch_hash, timestamp, txs = items
    if not (isinstance(parent_hash, bytes) and len(parent_hash) == 32 and isinstance(epoch_hash, bytes)
            and len(epoch_hash) == 32):
        raise DecodeError("singular batch hashes must be 32 bytes", column="singular")
    nums = []
    for what, v in (("epoch_num", epoch_num), ("timestamp", timestamp)):
        if not isinstance(v, bytes) or v[:1] == b"\x00" or len(v) > 8:
            raise DecodeError(f"bad {what}", column="singular")
        nums.append(int.from_bytes(v, "big"))
    if not isinstance(txs, list) or not all(isinstance(t, bytes) for t in txs):
        raise DecodeError("singular batch transactions must be a list of byte strings", column="singular")
    for i, t in enumerate(txs):
        check_tx(t, i, "singular")
    return SingularBatch(parent_hash, nums[0], epoch_hash, nums[1], txs)


# --- span batches ----------------------------------------------------------------------------------------

@dataclass
class SpanBatch:
    rel_timestamp: int
    l1_origin_num: int
    parent_check: bytes
    l1_origin_check: bytes
    origin_bits: int
    """Bit ``i`` set when block ``i`` changed its L1 origin."""
    block_tx_counts: list[int]
    txs: list[Transaction] = field(default_factory=list)
    chain_id: int = 0
    """Not on the wire: the rollup's chain id, used for legacy ``v`` and typed transactions."""

    def encode(self) -> bytes:
        return encode_span_batch(self)


def _bits_bytes(bits: int, n: int) -> bytes:
    return bits.to_bytes((n + 7) // 8, "big")


def _read_bits(data: bytes, pos: int, n: int, column: str) -> tuple[int, int]:
    size = (n + 7) // 8
    if pos + size > len(data):
        raise DecodeError("truncated bit list", offset=pos, column=column)
    value = int.from_bytes(data[pos:pos + size], "big")
    if value.bit_length() > n:
        raise DecodeError(f"bit list has bits above its {n} elements", offset=pos, column=column)
    return value, pos + size


def _al_items(access_list) -> list:
    return [[e.address, list(e.storage_keys)] for e in access_list]


def _tx_data(tx: Transaction) -> bytes:
    if tx.type == LEGACY:
        return rlp.encode([tx.value, tx.gas_price, tx.data])
    if tx.type == ACCESS_LIST:
        return b"\x01" + rlp.encode([tx.value, tx.gas_price, tx.data, _al_items(tx.access_list)])
    if tx.type == DYNAMIC_FEE:
        return b"\x02" + rlp.encode([tx.value, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.data,
                                     _al_items(tx.access_list)])
    if tx.type == SET_CODE:
        return b"\x04" + rlp.encode([tx.value, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.data,
                                     _al_items(tx.access_list),
                                     [[a.chain_id, a.address, a.nonce, a.y_parity, a.r, a.s]
                                      for a in tx.authorization_list]])
    raise UnsupportedTransactionError(tx.type)


def encode_span_batch(batch: SpanBatch) -> bytes:
    """Encode a span batch, type byte 0x01 included."""
    txs = batch.txs
    if len(batch.parent_check) != 20 or len(batch.l1_origin_check) != 20:
        raise InputError("parent_check and l1_origin_check are 20 bytes")
    if not batch.block_tx_counts:
        raise InputError("a span batch has at least one block")
    if sum(batch.block_tx_counts) != len(txs):
        raise InputError("block_tx_counts do not add up to the transactions")
    out = bytearray([SPAN_BATCH_TYPE])
    write_uvarint(batch.rel_timestamp, out)
    write_uvarint(batch.l1_origin_num, out)
    out += batch.parent_check + batch.l1_origin_check
    write_uvarint(len(batch.block_tx_counts), out)
    out += _bits_bytes(batch.origin_bits, len(batch.block_tx_counts))
    for count in batch.block_tx_counts:
        write_uvarint(count, out)
    creation = parity = protected = 0
    legacy = 0
    sigs, tos, datas, nonces, gases = bytearray(), bytearray(), bytearray(), bytearray(), bytearray()
    for i, tx in enumerate(txs):
        if tx.type == BLOB or tx.type not in (LEGACY, ACCESS_LIST, DYNAMIC_FEE, SET_CODE):
            raise UnsupportedTransactionError(tx.type, index=i)
        cid = tx.chain_id
        if cid is not None and cid != batch.chain_id:
            raise InputError(f"chain id {cid} differs from the span batch's {batch.chain_id}", index=i)
        if tx.to is None:
            creation |= 1 << i
        else:
            tos += tx.to
        parity |= tx.y_parity << i
        sigs += tx.r.to_bytes(32, "big") + tx.s.to_bytes(32, "big")
        datas += _tx_data(tx)
        write_uvarint(tx.nonce, nonces)
        write_uvarint(tx.gas, gases)
        if tx.type == LEGACY:
            if cid is not None:
                protected |= 1 << legacy
            legacy += 1
    n = len(txs)
    out += _bits_bytes(creation, n) + _bits_bytes(parity, n) + sigs + tos + datas + nonces + gases
    out += _bits_bytes(protected, legacy)
    return bytes(out)


def _count(value: int, what: str, pos: int) -> None:
    if value > MAX_SPAN_BATCH_ELEMENT_COUNT:
        raise LimitExceededError(what, value, MAX_SPAN_BATCH_ELEMENT_COUNT, offset=pos, column=what)


def decode_span_batch(batch: bytes, chain_id: int | None = None) -> SpanBatch:
    """Decode a span batch (type byte included). ``chain_id`` is the rollup's; ``None`` reads it from
    ``parent_check``, the convention of :func:`encode_span` for arbitrary transaction lists."""
    data = as_bytes(batch)
    if not data or data[0] != SPAN_BATCH_TYPE:
        raise DecodeError("not a span batch", offset=0, column="span")
    pos = 1
    rel_timestamp, pos = read_uvarint(data, pos, "rel_timestamp")
    l1_origin_num, pos = read_uvarint(data, pos, "l1_origin_num")
    if pos + 40 > len(data):
        raise DecodeError("truncated span batch prefix", offset=pos, column="prefix")
    parent_check, l1_origin_check = data[pos:pos + 20], data[pos + 20:pos + 40]
    pos += 40
    if chain_id is None:
        chain_id = int.from_bytes(parent_check, "big")
    block_count, start = read_uvarint(data, pos, "block_count")
    _count(block_count, "block_count", pos)
    if block_count == 0:
        raise DecodeError("empty span batch", offset=pos, column="block_count")
    if block_count > len(data) - start:  # each block needs at least its one-byte tx count
        raise DecodeError("block_count exceeds the bytes left", offset=pos, column="block_count")
    pos = start
    origin_bits, pos = _read_bits(data, pos, block_count, "origin_bits")
    counts = []
    total = 0
    for _ in range(block_count):
        c, next_pos = read_uvarint(data, pos, "block_tx_counts")
        _count(c, "block_tx_count", pos)
        total += c
        _count(total, "span batch transactions", pos)
        counts.append(c)
        pos = next_pos
    if total * 64 > len(data) - pos:  # every transaction carries a 64-byte signature
        raise DecodeError("more transactions than the bytes left can hold", offset=pos, column="block_tx_counts")
    creation, pos = _read_bits(data, pos, total, "contract_creation_bits")
    parity, pos = _read_bits(data, pos, total, "y_parity_bits")
    sig_start = pos
    pos += 64 * total
    n_creations = creation.bit_count()
    to_start = pos
    pos += 20 * (total - n_creations)
    if pos > len(data):
        raise DecodeError("truncated tx_tos", offset=to_start, column="tx_tos")
    datas = []
    for i in range(total):
        start = pos
        tx_type = LEGACY
        if pos < len(data) and data[pos] <= 0x7F:
            tx_type = data[pos]
            if tx_type not in (ACCESS_LIST, DYNAMIC_FEE, SET_CODE):
                raise DecodeError(f"transaction type 0x{tx_type:02x} is not carried by span batches",
                                  offset=pos, column="tx_datas")
            pos += 1
        is_list, _, end = rlp_header(data, pos, "tx_datas")
        if not is_list:
            raise DecodeError("tx_data is not an RLP list", offset=pos, column="tx_datas")
        try:
            items = rlp.decode(data[pos:end], strict=True)
        except rlp.exceptions.DecodingError as exc:
            raise DecodeError(f"malformed tx_data: {exc}", offset=pos, column="tx_datas") from exc
        want = {LEGACY: 3, ACCESS_LIST: 4, DYNAMIC_FEE: 5, SET_CODE: 6}[tx_type]
        if len(items) != want:
            raise DecodeError(f"tx_data of type {tx_type} has {len(items)} items, not {want}", offset=start,
                              column="tx_datas")
        datas.append((tx_type, items))
        pos = end
    nonces, gases = [], []
    for _ in range(total):
        v, pos = read_uvarint(data, pos, "tx_nonces")
        nonces.append(v)
    for _ in range(total):
        v, pos = read_uvarint(data, pos, "tx_gases")
        gases.append(v)
    n_legacy = sum(1 for t, _ in datas if t == LEGACY)
    protected, pos = _read_bits(data, pos, n_legacy, "protected_bits")
    if pos != len(data):
        raise DecodeError("bytes after the end of the span batch", offset=pos, column="span")

    txs: list[Transaction] = []
    to_pos = to_start
    legacy = 0
    for i, (tx_type, items) in enumerate(datas):
        sig = data[sig_start + 64 * i:sig_start + 64 * i + 64]
        r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        y = (parity >> i) & 1
        if (creation >> i) & 1:
            to = b""
            if tx_type == SET_CODE:
                raise DecodeError("a set-code transaction cannot create a contract", column="contract_creation_bits")
        else:
            to = data[to_pos:to_pos + 20]
            to_pos += 20
        nonce, gas = nonces[i], gases[i]
        if tx_type == LEGACY:
            value, gas_price, payload = items
            v = (chain_id * 2 + 35 + y) if (protected >> legacy) & 1 else 27 + y
            legacy += 1
            raw = rlp.encode([nonce, gas_price, gas, to, value, payload, v, r, s])
        elif tx_type == ACCESS_LIST:
            value, gas_price, payload, al = items
            raw = b"\x01" + rlp.encode([chain_id, nonce, gas_price, gas, to, value, payload, al, y, r, s])
        elif tx_type == DYNAMIC_FEE:
            value, tip, fee, payload, al = items
            raw = b"\x02" + rlp.encode([chain_id, nonce, tip, fee, gas, to, value, payload, al, y, r, s])
        else:
            value, tip, fee, payload, al, auths = items
            raw = b"\x04" + rlp.encode([chain_id, nonce, tip, fee, gas, to, value, payload, al, auths, y, r, s])
        # items came from a strict RLP decode and parse_tx rejects non-canonical fields, so re-encoding
        # the transaction gives back exactly these tx_data bytes.
        txs.append(check_tx(raw, i, "tx_datas"))
    return SpanBatch(rel_timestamp, l1_origin_num, parent_check, l1_origin_check, origin_bits, counts, txs,
                     chain_id)


# --- whole payloads ---------------------------------------------------------------------------------------

def _parse_inputs(txs: list[bytes]) -> list[Transaction]:
    out = []
    for i, raw in enumerate(txs):
        tx = parse_tx(raw, i)
        if tx.type == BLOB:
            raise UnsupportedTransactionError(BLOB, index=i)
        out.append(tx)
    return out


def _blocks(n: int, txs_per_block: int | None) -> list[int]:
    if not txs_per_block or n == 0:
        return [n]
    return [min(txs_per_block, n - i) for i in range(0, n, txs_per_block)]


def _frames_payload(rlp_stream: bytes, compression: str, level: int | None, max_frame_size: int) -> bytes:
    channel = compress_channel(rlp_stream, compression, level)
    return bytes([DERIVATION_VERSION_0]) + make_frames(channel, keccak256(channel)[:16], max_frame_size)


def span_batches_for(txs: list[bytes], txs_per_block: int | None = None) -> list[SpanBatch]:
    """Arbitrary transactions as span batches with dummy block metadata (see the module docstring)."""
    parsed = _parse_inputs(txs)
    runs: list[tuple[int, list[Transaction]]] = []
    for tx in parsed:
        cid = tx.chain_id
        if runs and (cid is None or cid == runs[-1][0] or runs[-1][0] is None):
            if runs[-1][0] is None and cid is not None:
                runs[-1] = (cid, runs[-1][1])
            runs[-1][1].append(tx)
        else:
            runs.append((cid, [tx]))
    if not runs:
        runs = [(0, [])]
    batches = []
    for cid, run in runs:
        cid = cid or 0
        if cid >= 1 << 160:
            raise InputError(f"chain id {cid} does not fit parent_check")
        batches.append(SpanBatch(0, 0, cid.to_bytes(20, "big"), bytes(20), 0, _blocks(len(run), txs_per_block),
                                 run, cid))
    return batches


def encode_span(txs: list[bytes], compression: str = "brotli", level: int | None = None, *,
                txs_per_block: int | None = None, max_frame_size: int = BLOB_CAPACITY - 1) -> bytes:
    """Calldata payload (``0x00 ++ frames``) of one channel of span batches holding ``txs``."""
    stream = b"".join(rlp_string_bytes(b.encode()) for b in span_batches_for(txs, txs_per_block))
    return _frames_payload(stream, compression, level, max_frame_size)


def span_channel(txs: list[bytes], compression: str = "brotli", level: int | None = None, *,
                 txs_per_block: int | None = None) -> bytes:
    """The channel data (compressed span batches) holding ``txs``: what frames carry."""
    stream = b"".join(rlp_string_bytes(b.encode()) for b in span_batches_for(txs, txs_per_block))
    return compress_channel(stream, compression, level)


def pack_frames_continuous(channels: list[bytes]) -> list[bytes]:
    """Blob data for ``channels`` posted one after the other, every blob full: each blob's data is the
    derivation version byte and frames, a channel's last frame in a blob is followed by the next channel's
    first frame, and a channel that does not fit goes on in a frame of the next blob (so blobs fill to the
    byte, as OP's batcher can post them; a blob ends early only when fewer than 24 bytes are left, too few
    for a frame with data). Each result is at most ``BLOB_CAPACITY`` bytes (:func:`blob_from_data`); the
    channel id is :func:`make_frames`' (keccak of the channel data, first 16 bytes)."""
    out: list[bytes] = []
    cur = bytearray([DERIVATION_VERSION_0])
    for channel in channels:
        cid = keccak256(channel)[:16]
        pos = number = 0
        while pos < len(channel):
            room = min(BLOB_CAPACITY - len(cur) - FRAME_OVERHEAD, MAX_FRAME_LEN)
            if room <= 0:
                out.append(bytes(cur))
                cur = bytearray([DERIVATION_VERSION_0])
                continue
            take = min(room, len(channel) - pos)
            if number > 0xFFFF:
                raise InputError("channel needs more than 65535 frames")
            last = pos + take == len(channel)
            cur += cid + number.to_bytes(2, "big") + take.to_bytes(4, "big") + channel[pos:pos + take]
            cur.append(1 if last else 0)
            pos += take
            number += 1
            if len(cur) == BLOB_CAPACITY:
                out.append(bytes(cur))
                cur = bytearray([DERIVATION_VERSION_0])
    if len(cur) > 1:
        out.append(bytes(cur))
    return out


def encode_singular(txs: list[bytes], compression: str = "zlib", level: int | None = None, *,
                    txs_per_block: int | None = None, max_frame_size: int = BLOB_CAPACITY - 1) -> bytes:
    """Calldata payload of one channel of singular batches (zero hashes, epoch and timestamp 0)."""
    _parse_inputs(txs)
    raws = [bytes(t) for t in txs]
    stream = bytearray()
    pos = 0
    for count in _blocks(len(raws), txs_per_block):
        stream += rlp_string_bytes(SingularBatch(bytes(32), 0, bytes(32), 0, raws[pos:pos + count]).encode())
        pos += count
    return _frames_payload(bytes(stream), compression, level, max_frame_size)


def decode_batches(calldata: bytes) -> list[bytes]:
    """Every batch (type byte first) of every channel in one batcher calldata."""
    out = []
    for channel in assemble_channels(parse_frames(calldata)):
        out += read_batches(decompress_channel(channel))
    return out


def decode(calldata: bytes, chain_id: int | None = None) -> list[bytes]:
    """All transactions of a batcher calldata, in order. ``chain_id=None`` takes span batches' chain id from
    ``parent_check`` (this module's encoding convention); pass the rollup's chain id for real data."""
    txs: list[bytes] = []
    for i, batch in enumerate(decode_batches(calldata)):
        if batch[0] == SINGULAR_BATCH_TYPE:
            txs += decode_singular_batch(batch).txs
        elif batch[0] == SPAN_BATCH_TYPE:
            txs += [t.encode() for t in decode_span_batch(batch, chain_id).txs]
        else:
            raise UnsupportedVersionError(f"unknown batch type 0x{batch[0]:02x}", column=f"batch {i}")
    return txs


# --- blobs (op-service/eth/blob.go) ----------------------------------------------------------------------

def blob_from_data(data: bytes) -> bytes:
    """Pack up to 130,044 bytes into one blob: 4 x 31 bytes + 4 x 6 spare bits per 4 field elements."""
    if len(data) > BLOB_CAPACITY:
        raise InputError(f"{len(data)} bytes do not fit one blob ({BLOB_CAPACITY})")
    blob = bytearray(BLOB_SIZE)
    src = bytes([0]) + len(data).to_bytes(3, "big") + data  # version 0, u24 length
    src += bytes(-len(src) % 127)
    for r in range(len(src) // 127):
        chunk = src[r * 127:(r + 1) * 127]
        b31 = (chunk[0:31], chunk[32:63], chunk[64:95], chunk[96:127])
        x, y, z = chunk[31], chunk[63], chunk[95]
        tops = (x & 0x3F, (y & 0x0F) | ((x & 0xC0) >> 2), z & 0x3F, ((z & 0xC0) >> 2) | ((y & 0xF0) >> 4))
        base = r * 128
        for j in range(4):
            blob[base + 32 * j] = tops[j]
            blob[base + 32 * j + 1:base + 32 * j + 32] = b31[j]
    return bytes(blob)


def blob_to_data(blob: bytes) -> bytes:
    """Unpack :func:`blob_from_data`; strict: field elements below 2^254 and zero padding after the data."""
    if len(blob) != BLOB_SIZE:
        raise DecodeError(f"a blob is {BLOB_SIZE} bytes, not {len(blob)}", column="blob")
    out = bytearray()
    for r in range(1024):
        base = r * 128
        tops = [blob[base + 32 * j] for j in range(4)]
        if any(t & 0xC0 for t in tops):
            raise DecodeError("field element above 2^254", offset=base, column="blob")
        x = (tops[0] & 0x3F) | ((tops[1] & 0x30) << 2)
        y = (tops[1] & 0x0F) | ((tops[3] & 0x0F) << 4)
        z = (tops[2] & 0x3F) | ((tops[3] & 0x30) << 2)
        out += blob[base + 1:base + 32] + bytes([x]) + blob[base + 33:base + 64] + bytes([y])
        out += blob[base + 65:base + 96] + bytes([z]) + blob[base + 97:base + 128]
    if out[0] != 0:
        raise UnsupportedVersionError(f"unknown blob encoding version {out[0]}", offset=1, column="blob")
    length = int.from_bytes(out[1:4], "big")
    if length > BLOB_CAPACITY:
        raise LimitExceededError("blob data length", length, BLOB_CAPACITY, column="blob")
    if any(out[4 + length:]):
        raise DecodeError("non-zero bytes after the blob data", column="blob")
    return bytes(out[4:4 + length])
