"""Pure-Python reference of the compiled core (``_core.pyx``): the same functions, the same signatures, the
same accept/reject decisions and the same output. It is the readable specification of the column layout
(FORMAT.md gives the grammar) and the twin the tests compare ``_core`` against.

``disassemble`` walks signed envelopes and gathers their fields into the v1 streams; ``assemble`` rebuilds
the envelopes from the streams. Both are strict: ``disassemble`` accepts exactly what ``tx.parse_tx``
accepts, and ``assemble`` accepts only streams that ``disassemble`` could have produced, so
``disassemble(assemble(s)) == s`` for every accepted ``s``.
"""

from __future__ import annotations

from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedTransactionError
from ..limits import (MAX_ACCESS_LIST_ENTRIES, MAX_ADDRESSES, MAX_AUTHORIZATIONS, MAX_BLOB_HASHES_PER_TX,
                      MAX_CALLDATA_BYTES, MAX_OUTPUT_BYTES, MAX_STORAGE_KEYS, MAX_TXS)
from .streams import (KIND_CHAIN_EXCEPTION, KIND_TYPE_MASK, KIND_UNPROTECTED, MAX_TYPE, NSTREAMS, REF_CREATE, REF_NEW,
                      REF_TABLE, S_ADDR, S_AL, S_AUTH, S_AUTHSIG, S_BLOB, S_BLOBHASH, S_CHAINX, S_DATA, S_DLEN, S_FEE1,
                      S_FEE2, S_GAS, S_GROUP, S_KEYS, S_KIND, S_NONCE, S_PARITY, S_SENDER, S_SIG, S_TO, S_VALUE,
                      STREAMS, NSTREAMS_VALIDITY, STREAMS_VALIDITY)

U64_MAX = (1 << 64) - 1


# --- varints, compact integers, bit lists -------------------------------------------------------------

def put_uvarint(out: bytearray, value: int) -> None:
    """LEB128, at most 10 bytes, value < 2^64."""
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def get_uvarint(buf, pos: int, column: str) -> tuple[int, int]:
    """Read a canonical LEB128 uvarint (no redundant trailing 0x00 group, < 2^64)."""
    end = len(buf)
    if pos < 0 or pos > end:
        raise DecodeError("varint position out of range", offset=pos, column=column)
    value = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise DecodeError("truncated varint", offset=start, column=column)
        byte = buf[pos]
        pos += 1
        if shift == 63 and byte > 1:
            raise DecodeError("varint exceeds 64 bits", offset=start, column=column)
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if byte == 0 and shift:
                raise DecodeError("non-canonical varint", offset=start, column=column)
            return value, pos
        shift += 7


def put_compact(out: bytearray, be: bytes) -> None:
    """A compact integer: one length byte (0-32), then the minimal big-endian bytes."""
    out.append(len(be))
    out += be


def get_compact(buf, pos: int, column: str, max_len: int = 32) -> tuple[bytes, int]:
    end = len(buf)
    if pos >= end:
        raise DecodeError("truncated integer", offset=pos, column=column)
    n = buf[pos]
    if n > max_len:
        raise DecodeError(f"integer of {n} bytes (at most {max_len})", offset=pos, column=column)
    if n > end - pos - 1:
        raise DecodeError("truncated integer", offset=pos, column=column)
    value = bytes(buf[pos + 1:pos + 1 + n])
    if n and value[0] == 0:
        raise DecodeError("non-canonical integer (leading zero)", offset=pos, column=column)
    return value, pos + 1 + n


def pack_bits(bits: list[int]) -> bytes:
    """Bit i of the list is bit (i % 8) of byte i // 8; the padding bits of the last byte are zero."""
    out = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        if bit:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def unpack_bits(buf, n: int, column: str) -> list[int]:
    if n < 0:
        raise DecodeError(f"negative bit count {n}", column=column)
    if len(buf) != (n + 7) // 8:
        raise DecodeError(f"bit list of {len(buf)} bytes for {n} bits", column=column)
    if n & 7 and buf[-1] >> (n & 7):
        raise DecodeError("stray padding bits", offset=len(buf) - 1, column=column)
    return [(buf[i >> 3] >> (i & 7)) & 1 for i in range(n)]


# --- strict RLP reading -------------------------------------------------------------------------------

class _Bad(Exception):
    pass


def _rlp_item(buf, pos: int, end: int) -> tuple[bool, int, int]:
    """Return (is_list, payload_start, payload_end) of the canonical RLP item at ``pos`` (< ``end``)."""
    if pos >= end:
        raise _Bad("truncated RLP")
    b = buf[pos]
    if b < 0x80:
        return False, pos, pos + 1
    if b < 0xB8:
        n = b - 0x80
        if n > end - pos - 1:
            raise _Bad("truncated RLP string")
        if n == 1 and buf[pos + 1] < 0x80:
            raise _Bad("non-canonical RLP: single byte encoded as a string")
        return False, pos + 1, pos + 1 + n
    if b < 0xC0:
        is_list, ll = False, b - 0xB7
    elif b < 0xF8:
        n = b - 0xC0
        if n > end - pos - 1:
            raise _Bad("truncated RLP list")
        return True, pos + 1, pos + 1 + n
    else:
        is_list, ll = True, b - 0xF7
    if ll > end - pos - 1:
        raise _Bad("truncated RLP length")
    if buf[pos + 1] == 0:
        raise _Bad("non-canonical RLP: length with leading zero")
    n = int.from_bytes(buf[pos + 1:pos + 1 + ll], "big")
    if n < 56:
        raise _Bad("non-canonical RLP: long form for a short item")
    start = pos + 1 + ll
    if n > end - start:
        raise _Bad("truncated RLP item")
    return is_list, start, start + n


def _rlp_list(buf, pos: int, end: int, what: str) -> tuple[list[tuple[bool, int, int]], int]:
    """Items of the list at ``pos``; returns them and the position after the list."""
    is_list, start, stop = _rlp_item(buf, pos, end)
    if not is_list:
        raise _Bad(f"{what} must be a list")
    items = []
    p = start
    while p < stop:
        item = _rlp_item(buf, p, stop)
        items.append(item)
        p = item[2]
    return items, stop


def _string(buf, item, what: str) -> bytes:
    if item[0]:
        raise _Bad(f"{what} must be a string, not a list")
    return bytes(buf[item[1]:item[2]])


def _int_be(buf, item, what: str, max_len: int = 32) -> bytes:
    value = _string(buf, item, what)
    if len(value) > max_len:
        raise _Bad(f"{what} is out of range")
    if value[:1] == b"\x00":
        raise _Bad(f"{what} has a leading zero byte (non-canonical integer)")
    return value


def _u64(buf, item, what: str) -> int:
    return int.from_bytes(_int_be(buf, item, what, 8), "big")


def _parity(buf, item) -> int:
    value = _int_be(buf, item, "y parity", 1)
    if value and value[0] > 1:
        raise _Bad("y parity must be 0 or 1")
    return value[0] if value else 0


def _word(be: bytes) -> bytes:
    return be.rjust(32, b"\x00")


# --- disassemble: envelopes -> streams ---------------------------------------------------------------

class _Columns:
    def __init__(self, validity: bool = False):
        self.validity = validity
        self.s = [bytearray() for _ in range(NSTREAMS_VALIDITY if validity else NSTREAMS)]
        self.parity: list[int] = []
        self.table: dict[bytes, int] = {}
        self.chain: bytes | None = None  # the batch chain id: that of the first transaction carrying one

    def ref(self, stream: int, address: bytes) -> None:
        slot = self.table.get(address)
        if slot is None:
            self.table[address] = len(self.table)
            put_uvarint(self.s[stream], REF_NEW)
            self.s[S_ADDR] += address
        else:
            put_uvarint(self.s[stream], REF_TABLE + slot)


def disassemble(txs, sender_ids, senders=None) -> tuple[bytes, tuple[bytes, ...]]:
    """Gather the fields of signed transactions ``txs`` (bytes-like) into the v1 streams.

    ``sender_ids`` gives each transaction a sender label (any hashable values: ints, or the 20-byte senders
    themselves; equal labels = same sender; ``None`` = unknown) or is ``None``. Returns ``(batch_chain_id_be, streams)``. Raises :class:`InputError` (or
    :class:`UnsupportedTransactionError`) naming the transaction's index.

    ``senders`` (one 20-byte address per transaction) selects the validity profile: the signatures are left
    out (``parity`` and ``sig`` empty), each sender goes into the ``sender`` stream through the address table,
    and the result has ``NSTREAMS_VALIDITY`` streams. ``sender_ids`` should then label those senders.
    """
    validity = senders is not None
    if validity and len(senders) != len(txs):
        raise InputError(f"{len(senders)} senders for {len(txs)} transactions")
    c = _Columns(validity)
    groups: dict[int, tuple[int, int]] = {}  # sender label -> (group id, last nonce)
    ngroups = 0
    for index, raw in enumerate(txs):
        raw = bytes(raw)
        sender = None
        if validity:
            sender = senders[index]
            if type(sender) is not bytes or len(sender) != 20:
                raise InputError("a sender must be 20 bytes", index=index)
        try:
            nonce = _disassemble_one(c, raw, sender)
        except _Bad as exc:
            raise InputError(str(exc), index=index) from None
        except UnsupportedTransactionError as exc:
            raise UnsupportedTransactionError(exc.tx_type, index=index) from None
        label = sender_ids[index] if sender_ids is not None else None
        current = groups.get(label) if label is not None else None
        if current is not None and current[1] != U64_MAX and current[1] + 1 == nonce:
            put_uvarint(c.s[S_GROUP], current[0] + 1)
            groups[label] = (current[0], nonce)
        else:
            put_uvarint(c.s[S_GROUP], 0)
            put_uvarint(c.s[S_NONCE], nonce)
            if label is not None:
                groups[label] = (ngroups, nonce)
            ngroups += 1
    if not validity:
        c.s[S_PARITY] += pack_bits(c.parity)
    return c.chain or b"", tuple(bytes(s) for s in c.s)


def _disassemble_one(c: _Columns, raw: bytes, sender: bytes | None = None) -> int:
    s = c.s
    end = len(raw)
    if end == 0:
        raise _Bad("empty transaction")
    tx_type = raw[0]
    if tx_type >= 0xC0:
        tx_type = 0
        items, stop = _rlp_list(raw, 0, end, "transaction")
    elif 0 < tx_type <= MAX_TYPE:
        items, stop = _rlp_list(raw, 1, end, "transaction")
    elif tx_type < 0x80:
        raise UnsupportedTransactionError(tx_type)
    else:
        raise _Bad("not a transaction envelope (an RLP string)")
    if stop != end:
        raise _Bad("trailing bytes after the transaction")
    expected = (9, 11, 12, 14, 13)[tx_type]
    if len(items) != expected:
        raise _Bad(f"a type-{tx_type} transaction has {expected} fields, not {len(items)}")
    kind = tx_type
    if tx_type == 0:
        nonce_i, fee1_i, fee2_i, gas_i, to_i = 0, 1, None, 2, 3
    elif tx_type == 1:
        nonce_i, fee1_i, fee2_i, gas_i, to_i = 1, 2, None, 3, 4
    else:
        nonce_i, fee1_i, fee2_i, gas_i, to_i = 1, 2, 3, 4, 5
    value_i, data_i = to_i + 1, to_i + 2

    # Parse every field before writing any, so a rejected transaction leaves no partial columns.
    if tx_type == 0:
        v_be = _int_be(raw, items[6], "v")
        v = int.from_bytes(v_be, "big")
        if v in (27, 28):
            kind |= KIND_UNPROTECTED
            parity = v - 27
            chain_be = None
        elif v >= 37:
            parity = (v - 35) & 1
            chain_be = ((v - 35) >> 1).to_bytes(32, "big").lstrip(b"\x00")
        else:
            raise _Bad(f"legacy v {v} is neither 27/28 nor EIP-155")
        r_i = 7
    else:
        chain_be = _int_be(raw, items[0], "chain id")
        parity = _parity(raw, items[expected - 3])
        r_i = expected - 2
    nonce = _u64(raw, items[nonce_i], "nonce")
    fee1 = _int_be(raw, items[fee1_i], "fee")
    fee2 = _int_be(raw, items[fee2_i], "max fee") if fee2_i is not None else None
    gas = _u64(raw, items[gas_i], "gas")
    to = _string(raw, items[to_i], "to")
    if len(to) not in (0, 20):
        raise _Bad(f"to must be empty or 20 bytes, not {len(to)}")
    if not to and tx_type >= 3:
        raise _Bad("to must not be empty for this type")
    value = _int_be(raw, items[value_i], "value")
    data = _string(raw, items[data_i], "data")
    r = _int_be(raw, items[r_i], "r")
    sig_s = _int_be(raw, items[r_i + 1], "s")
    access = _access_list(raw, items[data_i + 1]) if tx_type else None
    blob = auths = None
    if tx_type == 3:
        blob_fee = _int_be(raw, items[9], "max fee per blob gas")
        hashes = [_string(raw, h, "blob versioned hash") for h in _sublist(raw, items[10], "blob hashes")]
        for h in hashes:
            if len(h) != 32:
                raise _Bad(f"blob versioned hash must be 32 bytes, not {len(h)}")
        blob = (blob_fee, hashes)
    elif tx_type == 4:
        auth_items = _sublist(raw, items[9], "authorization list")
        auths = []
        for a in auth_items:
            fields = _sublist(raw, a, "authorization")
            if len(fields) != 6:
                raise _Bad(f"an authorization has 6 fields, not {len(fields)}")
            address = _string(raw, fields[1], "authorization address")
            if len(address) != 20:
                raise _Bad("authorization address must be 20 bytes")
            auths.append((_int_be(raw, fields[0], "authorization chain id"), address,
                          _u64(raw, fields[2], "authorization nonce"), _parity(raw, fields[3]),
                          _int_be(raw, fields[4], "authorization r"), _int_be(raw, fields[5], "authorization s")))

    if chain_be is not None and c.chain is None:
        c.chain = chain_be
    if chain_be is not None and chain_be != c.chain:
        kind |= KIND_CHAIN_EXCEPTION
        put_compact(s[S_CHAINX], chain_be)
    s[S_KIND].append(kind)
    if c.validity:
        c.ref(S_SENDER, sender)
    else:
        c.parity.append(parity)
        s[S_SIG] += _word(r) + _word(sig_s)
    put_uvarint(s[S_GAS], gas)
    put_compact(s[S_FEE1], fee1)
    if fee2 is not None:
        put_compact(s[S_FEE2], fee2)
    put_compact(s[S_VALUE], value)
    if to:
        c.ref(S_TO, to)
    else:
        put_uvarint(s[S_TO], REF_CREATE)
    put_uvarint(s[S_DLEN], len(data))
    s[S_DATA] += data
    if access is not None:
        put_uvarint(s[S_AL], len(access))
        for address, keys in access:
            c.ref(S_AL, address)
            put_uvarint(s[S_AL], len(keys))
            for key in keys:
                s[S_KEYS] += key
    if blob is not None:
        put_compact(s[S_BLOB], blob[0])
        put_uvarint(s[S_BLOB], len(blob[1]))
        for h in blob[1]:
            s[S_BLOBHASH] += h
    if auths is not None:
        put_uvarint(s[S_AUTH], len(auths))
        for chain_id, address, a_nonce, a_parity, a_r, a_s in auths:
            put_compact(s[S_AUTH], chain_id)
            c.ref(S_AUTH, address)
            put_uvarint(s[S_AUTH], a_nonce)
            s[S_AUTH].append(a_parity)
            s[S_AUTHSIG] += _word(a_r) + _word(a_s)
    return nonce


# --- single envelopes: checking, and what sender recovery needs ---------------------------------------

def check_tx(raw, index: int | None = None) -> int:
    """The envelope type (0-4) of a signed transaction ``disassemble`` accepts; else the :class:`InputError`
    (or :class:`UnsupportedTransactionError`) ``disassemble`` raises, naming ``index``."""
    raw = bytes(raw)
    try:
        _disassemble_one(_Columns(), raw)  # checks every field before it writes any
    except _Bad as exc:
        raise InputError(str(exc), index=index) from None
    except UnsupportedTransactionError as exc:
        raise UnsupportedTransactionError(exc.tx_type, index=index) from None
    return 0 if raw[0] >= 0xC0 else raw[0]


def signing_parts(raw, index: int | None = None) -> tuple[bytes, bytes]:
    """What recovering the sender of a signed transaction needs, read in one strict walk.

    Returns ``(message, signature)``: ``keccak256(message)`` is the signing hash (the type byte, if any,
    then the RLP list of the fields before the signature; a legacy EIP-155 tx adds chain id, 0, 0), and
    ``signature`` is r (32 bytes) ‖ s (32 bytes) ‖ y parity (1 byte). Errors as :func:`check_tx`.
    """
    raw = bytes(raw)
    tx_type = check_tx(raw, index)
    _, top_start, end = _rlp_item(raw, 1 if tx_type else 0, len(raw))
    items, _ = _rlp_list(raw, 1 if tx_type else 0, end, "transaction")
    n_fields = len(items)
    unsigned = raw[top_start:items[n_fields - 4 if tx_type else 5][2]]
    if tx_type:
        parity = _parity(raw, items[n_fields - 3])
        prefix = bytes([tx_type])
    else:
        v = int.from_bytes(_int_be(raw, items[6], "v"), "big")
        prefix = b""
        if v in (27, 28):
            parity = v - 27
        else:
            parity = (v - 35) & 1
            unsigned += _rlp_str(((v - 35) >> 1).to_bytes(32, "big").lstrip(b"\x00")) + b"\x80\x80"
    r = _int_be(raw, items[n_fields - 2], "r")
    s = _int_be(raw, items[n_fields - 1], "s")
    return prefix + _rlp_lst(unsigned), _word(r) + _word(s) + bytes([parity])


def _sublist(buf, item, what: str) -> list:
    if not item[0]:
        raise _Bad(f"{what} must be a list")
    items = []
    p = item[1]
    while p < item[2]:
        sub = _rlp_item(buf, p, item[2])
        items.append(sub)
        p = sub[2]
    return items


def _access_list(raw, item) -> list[tuple[bytes, list[bytes]]]:
    out = []
    for entry in _sublist(raw, item, "access list"):
        fields = _sublist(raw, entry, "access list entry")
        if len(fields) != 2:
            raise _Bad(f"an access list entry has 2 items, not {len(fields)}")
        address = _string(raw, fields[0], "access list address")
        if len(address) != 20:
            raise _Bad("access list address must be 20 bytes")
        keys = [_string(raw, k, "storage key") for k in _sublist(raw, fields[1], "storage keys")]
        for k in keys:
            if len(k) != 32:
                raise _Bad("storage key must be 32 bytes")
        out.append((address, keys))
    return out


# --- assemble: streams -> envelopes ------------------------------------------------------------------



def _rlp_len(n: int, short: int) -> bytes:
    if n < 56:
        return bytes([short + n])
    be = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([short + 55 + len(be)]) + be


def _rlp_str(b: bytes) -> bytes:
    if len(b) == 1 and b[0] < 0x80:
        return b
    return _rlp_len(len(b), 0x80) + b


def _rlp_lst(payload: bytes) -> bytes:
    return _rlp_len(len(payload), 0xC0) + payload


class _Reader:
    """A cursor over one stream; every read is checked against the bytes left."""
    __slots__ = ("buf", "pos", "name")

    def __init__(self, buf, name: str):
        self.buf = buf
        self.pos = 0
        self.name = name

    def left(self) -> int:
        return len(self.buf) - self.pos

    def take(self, n: int) -> bytes:
        if n > len(self.buf) - self.pos:
            raise DecodeError(f"needs {n} bytes, {len(self.buf) - self.pos} left", offset=self.pos, column=self.name)
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return out

    def uvarint(self) -> int:
        value, self.pos = get_uvarint(self.buf, self.pos, self.name)
        return value

    def compact(self, max_len: int = 32) -> bytes:
        value, self.pos = get_compact(self.buf, self.pos, self.name, max_len)
        return value

    def count(self, min_item_bytes: int, limit: int, what: str, other: "_Reader | None" = None) -> int:
        """A count, checked against its limit and against the bytes left to encode its items."""
        start = self.pos
        n = self.uvarint()
        if n > limit:
            raise LimitExceededError(what, n, limit, offset=start, column=self.name)
        src = other if other is not None else self
        if n * min_item_bytes > src.left():
            raise DecodeError(f"{what} {n} needs more bytes than are left", offset=start, column=self.name)
        return n


def assemble(n: int, chain: bytes, streams) -> tuple[list[bytes], list[int]]:
    """Rebuild ``n`` signed transactions from the v1 streams. Returns ``(txs, groups)`` where ``groups[i]``
    is the sender group of transaction ``i`` (labels that re-encode to the same streams).

    Raises :class:`DecodeError` (with the column and the offset in it) for anything ``disassemble``
    could not have produced.

    With ``NSTREAMS_VALIDITY`` streams (the validity profile) it returns ``(messages, groups, senders)``:
    ``messages[i]`` is the signing payload of transaction ``i`` (the type byte, if any, then the RLP list of
    the fields before the signature; a legacy EIP-155 transaction adds chain id, 0, 0), ``senders[i]`` its
    20-byte sender; ``parity`` and ``sig`` must be empty.
    """
    a = _Assembler(n, chain, streams)
    out = [a.transaction(i) for i in range(n)]
    a.finish()
    if a.validity:
        return out, a.groups, a.senders
    return out, a.groups


class _Assembler:
    """The decoder's state over one payload's streams. ``transaction`` reads one transaction's fields in
    FORMAT.md's stream order, one method per stream group; each method checks what it reads."""

    def __init__(self, n: int, chain: bytes, streams):
        if len(streams) not in (NSTREAMS, NSTREAMS_VALIDITY):
            raise DecodeError(f"{len(streams)} streams, expected {NSTREAMS} or {NSTREAMS_VALIDITY}")
        self.validity = len(streams) == NSTREAMS_VALIDITY
        if n < 0:
            raise DecodeError(f"negative transaction count {n}", column="header")
        if n > MAX_TXS:
            raise LimitExceededError("transaction count", n, MAX_TXS, column="header")
        chain = memoryview(chain).tobytes()
        if len(chain) > 32 or chain[:1] == b"\x00":
            raise DecodeError("non-canonical batch chain id", column="header")
        self.chain = chain
        self.rd = rd = [_Reader(s, name) for s, name in zip(streams, STREAMS_VALIDITY)]
        if rd[S_KIND].left() != n:
            raise DecodeError(f"{rd[S_KIND].left()} kind bytes for {n} transactions", column="kind")
        if rd[S_SIG].left() != (0 if self.validity else 64 * n):
            raise DecodeError(f"{rd[S_SIG].left()} signature bytes for {n} transactions", column="sig")
        self.kinds = streams[S_KIND]
        self.parity = unpack_bits(streams[S_PARITY], 0 if self.validity else n, "parity")
        self.senders: list[bytes] = []
        rd[S_PARITY].pos = len(streams[S_PARITY])
        rd[S_KIND].pos = n
        self.table: list[bytes] = []       # the address table, in order of first occurrence
        self.known: set[bytes] = set()
        self.groups_last: list[int] = []   # last nonce of each sender group
        self.groups: list[int] = []        # sender group of each transaction
        self.seen_chain = False
        self.entries = self.keys = self.auths = 0
        self.out_bytes = 0

    def transaction(self, i: int) -> bytes:
        tx_type, unprotected, exception = self.kind(i)
        sig = None if self.validity else self.rd[S_SIG].take(64)
        chain_be = self.chain_id(i, unprotected, exception)
        nonce = self.nonce()
        if self.validity:
            self.senders.append(self.ref(self.rd[S_SENDER], False))
        fields = ([_rlp_str(chain_be)] if tx_type else []) + self.common(tx_type, nonce)
        if tx_type:
            fields.append(self.access_list())
        if tx_type == 3:
            fields += self.blob()
        elif tx_type == 4:
            fields.append(self.authorizations())
        if self.validity:
            fields += self.signing_tail(i, tx_type, unprotected, chain_be)
        else:
            fields += self.signature(i, tx_type, unprotected, chain_be, self.parity[i], sig)
        body = _rlp_lst(b"".join(fields))
        raw = body if tx_type == 0 else bytes([tx_type]) + body
        self.out_bytes += len(raw)
        if self.out_bytes > MAX_OUTPUT_BYTES:
            raise LimitExceededError("decoded transaction bytes", self.out_bytes, MAX_OUTPUT_BYTES)
        return raw

    def finish(self) -> None:
        if not self.seen_chain and self.chain:
            raise DecodeError("batch chain id set but no transaction carries a chain id", column="header")
        for r in self.rd:
            if r.left():
                raise DecodeError(f"{r.left()} unused bytes", offset=r.pos, column=r.name)

    # --- kind, chainx ---------------------------------------------------------------------------------

    def kind(self, i: int) -> tuple[int, bool, bool]:
        """(envelope type, legacy without EIP-155, chain id is an exception) from the kind byte."""
        kind = self.kinds[i]
        tx_type = kind & KIND_TYPE_MASK
        if kind & ~(KIND_TYPE_MASK | KIND_CHAIN_EXCEPTION | KIND_UNPROTECTED) or tx_type > MAX_TYPE:
            raise DecodeError(f"kind byte 0x{kind:02x} out of range", offset=i, column="kind")
        unprotected = bool(kind & KIND_UNPROTECTED)
        if unprotected and (tx_type != 0 or kind & KIND_CHAIN_EXCEPTION):
            raise DecodeError(f"kind byte 0x{kind:02x} out of range", offset=i, column="kind")
        return tx_type, unprotected, bool(kind & KIND_CHAIN_EXCEPTION)

    def chain_id(self, i: int, unprotected: bool, exception: bool) -> bytes | None:
        if unprotected:
            return None
        if exception:
            if not self.seen_chain:
                raise DecodeError("the first chain id of a batch is not an exception", offset=i, column="kind")
            chainx = self.rd[S_CHAINX]
            start = chainx.pos
            chain_be = chainx.compact()
            if chain_be == self.chain:
                raise DecodeError("chain id exception equal to the batch chain id", offset=start, column="chainx")
        else:
            chain_be = self.chain
        self.seen_chain = True
        return chain_be

    # --- group, nonce ---------------------------------------------------------------------------------

    def nonce(self) -> int:
        group = self.rd[S_GROUP]
        g = group.uvarint()
        if g == 0:
            nonce = self.rd[S_NONCE].uvarint()
            self.groups.append(len(self.groups_last))
            self.groups_last.append(nonce)
            return nonce
        if g - 1 >= len(self.groups_last):
            raise DecodeError(f"sender group {g} not opened yet", offset=group.pos, column="group")
        if self.groups_last[g - 1] == U64_MAX:
            raise DecodeError("nonce overflow in a sender group", offset=group.pos, column="group")
        nonce = self.groups_last[g - 1] + 1
        self.groups_last[g - 1] = nonce
        self.groups.append(g - 1)
        return nonce

    # --- gas, fee1, fee2, value, to (addr), dlen, data ---------------------------------------------------

    def common(self, tx_type: int, nonce: int) -> list[bytes]:
        """The RLP fields from the nonce to the calldata."""
        rd = self.rd
        gas = rd[S_GAS].uvarint()
        fee1 = rd[S_FEE1].compact()
        fee2 = rd[S_FEE2].compact() if tx_type >= 2 else None
        value = rd[S_VALUE].compact()
        to = self.ref(rd[S_TO], tx_type < 3)
        dlen_start = rd[S_DLEN].pos
        dlen = rd[S_DLEN].uvarint()
        if dlen > MAX_CALLDATA_BYTES:
            raise LimitExceededError("calldata length", dlen, MAX_CALLDATA_BYTES, offset=dlen_start, column="dlen")
        data = rd[S_DATA].take(dlen)
        fees = [_rlp_str(fee1)] + ([_rlp_str(fee2)] if fee2 is not None else [])
        return [_rlp_str(_be64(nonce)), *fees, _rlp_str(_be64(gas)), _rlp_str(to or b""), _rlp_str(value),
                _rlp_str(data)]

    def ref(self, r: _Reader, allow_create: bool) -> bytes | None:
        """An address reference into the table (``addr`` holds each new entry)."""
        start = r.pos
        k = r.uvarint()
        if k == REF_CREATE:
            if not allow_create:
                raise DecodeError("address reference 0 (creation) where an address is required",
                                  offset=start, column=r.name)
            return None
        if k == REF_NEW:
            if len(self.table) >= MAX_ADDRESSES:
                raise LimitExceededError("address table size", len(self.table) + 1, MAX_ADDRESSES, column="addr")
            addr = self.rd[S_ADDR]
            a = addr.take(20)
            if a in self.known:
                raise DecodeError("new address already in the table", offset=addr.pos - 20, column="addr")
            self.known.add(a)
            self.table.append(a)
            return a
        if k - REF_TABLE >= len(self.table):
            raise DecodeError(f"address reference {k} past the table ({len(self.table)})", offset=start,
                              column=r.name)
        return self.table[k - REF_TABLE]

    # --- al, keys ---------------------------------------------------------------------------------------

    def access_list(self) -> bytes:
        al, keys = self.rd[S_AL], self.rd[S_KEYS]
        entries = al.count(2, MAX_ACCESS_LIST_ENTRIES, "access list entries")
        self.entries += entries
        if self.entries > MAX_ACCESS_LIST_ENTRIES:
            raise LimitExceededError("access list entries", self.entries, MAX_ACCESS_LIST_ENTRIES, column="al")
        items = []
        for _ in range(entries):
            address = self.ref(al, False)
            nkeys = al.count(32, MAX_STORAGE_KEYS, "storage keys", keys)
            self.keys += nkeys
            if self.keys > MAX_STORAGE_KEYS:
                raise LimitExceededError("storage keys", self.keys, MAX_STORAGE_KEYS, column="al")
            key_items = b"".join(_rlp_str(keys.take(32)) for _ in range(nkeys))
            items.append(_rlp_lst(_rlp_str(address) + _rlp_lst(key_items)))
        return _rlp_lst(b"".join(items))

    # --- blob, blobhash ---------------------------------------------------------------------------------

    def blob(self) -> list[bytes]:
        """Max fee per blob gas and the blob versioned hashes (type 3)."""
        blob, hashes = self.rd[S_BLOB], self.rd[S_BLOBHASH]
        fee = _rlp_str(blob.compact())
        nh = blob.count(32, MAX_BLOB_HASHES_PER_TX, "blob hashes", hashes)
        return [fee, _rlp_lst(b"".join(_rlp_str(hashes.take(32)) for _ in range(nh)))]

    # --- auth, authsig ----------------------------------------------------------------------------------

    def authorizations(self) -> bytes:
        """The EIP-7702 authorization list (type 4)."""
        au, authsig = self.rd[S_AUTH], self.rd[S_AUTHSIG]
        na = au.count(4, MAX_AUTHORIZATIONS, "authorizations")
        self.auths += na
        if self.auths > MAX_AUTHORIZATIONS:
            raise LimitExceededError("authorizations", self.auths, MAX_AUTHORIZATIONS, column="auth")
        items = []
        for _ in range(na):
            a_chain = au.compact()
            a_addr = self.ref(au, False)
            a_nonce = au.uvarint()
            p_start = au.pos
            a_parity = au.take(1)[0]
            if a_parity > 1:
                raise DecodeError("authorization y parity must be 0 or 1", offset=p_start, column="auth")
            a_sig = authsig.take(64)
            items.append(_rlp_lst(_rlp_str(a_chain) + _rlp_str(a_addr) + _rlp_str(_be64(a_nonce))
                                  + _rlp_str(bytes([a_parity]) if a_parity else b"")
                                  + _rlp_str(a_sig[:32].lstrip(b"\x00")) + _rlp_str(a_sig[32:].lstrip(b"\x00"))))
        return _rlp_lst(b"".join(items))

    # --- parity, sig ------------------------------------------------------------------------------------

    @staticmethod
    def signing_tail(i: int, tx_type: int, unprotected: bool, chain_be: bytes | None) -> list[bytes]:
        """What follows the fields in a signing payload: chain id, 0, 0 for a legacy EIP-155 transaction
        (whose chain id must be one a signed ``v`` can carry), nothing otherwise."""
        if tx_type or unprotected:
            return []
        chain_id = int.from_bytes(chain_be, "big")
        if chain_id == 0:
            raise DecodeError("EIP-155 legacy transaction with chain id 0", offset=i, column="kind")
        if (chain_id * 2 + 35).bit_length() > 256:
            raise DecodeError("legacy chain id out of range", offset=i, column="kind")
        return [_rlp_str(chain_be), b"\x80", b"\x80"]

    @staticmethod
    def signature(i: int, tx_type: int, unprotected: bool, chain_be: bytes | None, y: int, sig: bytes) -> list[bytes]:
        """The RLP fields ``v`` (legacy: from the parity and the chain id) or ``y_parity``, then ``r`` and ``s``."""
        if tx_type == 0:
            if unprotected:
                v = 27 + y
            else:
                chain_id = int.from_bytes(chain_be, "big")
                if chain_id == 0:
                    raise DecodeError("EIP-155 legacy transaction with chain id 0", offset=i, column="kind")
                v = chain_id * 2 + 35 + y
                if v.bit_length() > 256:
                    raise DecodeError("legacy v out of range", offset=i, column="kind")
            first = _rlp_str(v.to_bytes(32, "big").lstrip(b"\x00"))
        else:
            first = _rlp_str(b"\x01" if y else b"")
        return [first, _rlp_str(sig[:32].lstrip(b"\x00")), _rlp_str(sig[32:].lstrip(b"\x00"))]


def _be64(value: int) -> bytes:
    return value.to_bytes(8, "big").lstrip(b"\x00")
