# cython: language_level=3
"""Compiled core: envelope walking, column gathering and rebuilding, varints and bit lists.

The twin of ``_pure.py`` (the stream table is ``streams.py``): same functions, same signatures, same accept/reject decisions, same output.
Invariants every function here keeps:
- every read compares the length wanted with the bytes left (``n > end - pos``, unsigned, never
  ``pos + n > end``, which can wrap), so boundscheck/wraparound are off module-wide (setup.py turns them on
  for the checked build);
- lengths and counts from the input are ``uint64_t`` or ``size_t`` and are never cast to a signed type;
- no function that can fail is ``noexcept``: C-level failures return -1 with a Python exception set.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memmove, memset
from libc.stdlib cimport malloc, realloc, free
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

from ..errors import DecodeError, InputError, LimitExceededError, UnsupportedTransactionError
from .. import limits as _limits
from . import streams as _st
from .streams import STREAMS

ctypedef const unsigned char* cptr

# The stream table lives in ``streams.py``; these C copies are read from it when the module loads, so the
# indices are written in one place. ``MAX_STREAMS`` only sizes the per-stream arrays.
cdef enum:
    MAX_STREAMS = 32

cdef Py_ssize_t NSTREAMS = _st.NSTREAMS
cdef Py_ssize_t NSTREAMS_VALIDITY = _st.NSTREAMS_VALIDITY
cdef tuple COLS = _st.STREAMS_VALIDITY  # the names of every stream index (a superset of STREAMS)
if NSTREAMS_VALIDITY > MAX_STREAMS:
    raise ImportError(f"{NSTREAMS} streams: raise MAX_STREAMS in _core.pyx")
cdef int S_KIND = _st.S_KIND
cdef int S_PARITY = _st.S_PARITY
cdef int S_SIG = _st.S_SIG
cdef int S_CHAINX = _st.S_CHAINX
cdef int S_GROUP = _st.S_GROUP
cdef int S_NONCE = _st.S_NONCE
cdef int S_GAS = _st.S_GAS
cdef int S_FEE1 = _st.S_FEE1
cdef int S_FEE2 = _st.S_FEE2
cdef int S_VALUE = _st.S_VALUE
cdef int S_TO = _st.S_TO
cdef int S_ADDR = _st.S_ADDR
cdef int S_DLEN = _st.S_DLEN
cdef int S_DATA = _st.S_DATA
cdef int S_AL = _st.S_AL
cdef int S_KEYS = _st.S_KEYS
cdef int S_BLOB = _st.S_BLOB
cdef int S_BLOBHASH = _st.S_BLOBHASH
cdef int S_AUTH = _st.S_AUTH
cdef int S_AUTHSIG = _st.S_AUTHSIG
cdef int S_SENDER = _st.S_SENDER
cdef unsigned char KIND_TYPE_MASK = _st.KIND_TYPE_MASK
cdef unsigned char KIND_CHAIN_EXCEPTION = _st.KIND_CHAIN_EXCEPTION
cdef unsigned char KIND_UNPROTECTED = _st.KIND_UNPROTECTED
cdef unsigned char MAX_TYPE = _st.MAX_TYPE
cdef uint64_t REF_CREATE = _st.REF_CREATE
cdef uint64_t REF_NEW = _st.REF_NEW
cdef uint64_t REF_TABLE = _st.REF_TABLE

cdef uint64_t U64_MAX = 0xFFFFFFFFFFFFFFFFULL
cdef size_t[5] EXPECTED_FIELDS = [9, 11, 12, 14, 13]



cdef uint64_t MAX_ACCESS_LIST_ENTRIES = _limits.MAX_ACCESS_LIST_ENTRIES
cdef uint64_t MAX_ADDRESSES = _limits.MAX_ADDRESSES
cdef uint64_t MAX_AUTHORIZATIONS = _limits.MAX_AUTHORIZATIONS
cdef uint64_t MAX_BLOB_HASHES_PER_TX = _limits.MAX_BLOB_HASHES_PER_TX
cdef uint64_t MAX_CALLDATA_BYTES = _limits.MAX_CALLDATA_BYTES
cdef uint64_t MAX_OUTPUT_BYTES = _limits.MAX_OUTPUT_BYTES
cdef uint64_t MAX_STORAGE_KEYS = _limits.MAX_STORAGE_KEYS
cdef uint64_t MAX_TXS = _limits.MAX_TXS


# --- growable output buffers --------------------------------------------------------------------------

cdef struct Buf:
    unsigned char* data
    size_t len
    size_t cap


cdef int buf_reserve(Buf* b, size_t extra) except -1:
    cdef size_t need, cap
    cdef unsigned char* p
    if extra <= b.cap - b.len:
        return 0
    need = b.len + extra
    cap = b.cap * 2 if b.cap else 256
    while cap < need:
        cap *= 2
    p = <unsigned char*>realloc(b.data, cap)
    if p == NULL:
        raise MemoryError()
    b.data = p
    b.cap = cap
    return 0


cdef inline int buf_put(Buf* b, cptr src, size_t n) except -1:
    buf_reserve(b, n)
    memcpy(b.data + b.len, src, n)
    b.len += n
    return 0


cdef inline int buf_byte(Buf* b, unsigned char c) except -1:
    buf_reserve(b, 1)
    b.data[b.len] = c
    b.len += 1
    return 0


cdef inline int buf_uvarint(Buf* b, uint64_t v) except -1:
    buf_reserve(b, 10)
    while v >= 0x80:
        b.data[b.len] = <unsigned char>((v & 0x7F) | 0x80)
        b.len += 1
        v >>= 7
    b.data[b.len] = <unsigned char>v
    b.len += 1
    return 0


cdef inline int buf_compact(Buf* b, cptr src, size_t n) except -1:
    buf_reserve(b, n + 1)
    b.data[b.len] = <unsigned char>n
    memcpy(b.data + b.len + 1, src, n)
    b.len += n + 1
    return 0


cdef inline int buf_word(Buf* b, cptr src, size_t n) except -1:
    """``n`` (<= 32) big-endian bytes left-padded to 32."""
    buf_reserve(b, 32)
    memset(b.data + b.len, 0, 32 - n)
    memcpy(b.data + b.len + 32 - n, src, n)
    b.len += 32
    return 0


# --- public helpers (twins of _pure) -------------------------------------------------------------------

def put_uvarint(bytearray out, value):
    cdef uint64_t v = value
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


cdef int read_uvarint(cptr buf, size_t end, size_t* pos, uint64_t* out, str column) except -1:
    cdef size_t start = pos[0], p = pos[0]
    cdef uint64_t value = 0
    cdef unsigned int shift = 0
    cdef unsigned char byte
    while True:
        if p >= end:
            raise DecodeError("truncated varint", offset=start, column=column)
        byte = buf[p]
        p += 1
        if shift == 63 and byte > 1:
            raise DecodeError("varint exceeds 64 bits", offset=start, column=column)
        value |= (<uint64_t>(byte & 0x7F)) << shift
        if byte < 0x80:
            if byte == 0 and shift:
                raise DecodeError("non-canonical varint", offset=start, column=column)
            pos[0] = p
            out[0] = value
            return 0
        shift += 7


def get_uvarint(const unsigned char[::1] buf, Py_ssize_t start, str column):
    cdef uint64_t value
    cdef size_t pos
    if start < 0 or start > buf.shape[0]:
        raise DecodeError("varint position out of range", offset=start, column=column)
    pos = <size_t>start
    read_uvarint(&buf[0] if buf.shape[0] else <cptr>b"", buf.shape[0], &pos, &value, column)
    return value, pos


def pack_bits(bits):
    cdef Py_ssize_t n = len(bits), i
    out = bytearray((n + 7) // 8)
    cdef unsigned char[::1] o = out
    for i in range(n):
        if bits[i]:
            o[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def unpack_bits(const unsigned char[::1] buf, Py_ssize_t n, str column):
    cdef Py_ssize_t i, nb = buf.shape[0]
    if n < 0:
        raise DecodeError(f"negative bit count {n}", column=column)
    if nb != (n + 7) // 8:
        raise DecodeError(f"bit list of {nb} bytes for {n} bits", column=column)
    if n & 7 and buf[nb - 1] >> (n & 7):
        raise DecodeError("stray padding bits", offset=nb - 1, column=column)
    return [(buf[i >> 3] >> (i & 7)) & 1 for i in range(n)]


# --- strict RLP reading ---------------------------------------------------------------------------------

cdef struct Item:
    bint is_list
    size_t start
    size_t stop


class _Bad(Exception):
    pass


cdef int rlp_item(cptr buf, size_t pos, size_t end, Item* it) except -1:
    cdef unsigned char b
    cdef size_t n, ll, i, start
    if pos >= end:
        raise _Bad("truncated RLP")
    b = buf[pos]
    if b < 0x80:
        it.is_list = False
        it.start = pos
        it.stop = pos + 1
        return 0
    if b < 0xB8:
        n = b - 0x80
        if n > end - pos - 1:
            raise _Bad("truncated RLP string")
        if n == 1 and buf[pos + 1] < 0x80:
            raise _Bad("non-canonical RLP: single byte encoded as a string")
        it.is_list = False
        it.start = pos + 1
        it.stop = pos + 1 + n
        return 0
    if b < 0xC0:
        it.is_list = False
        ll = b - 0xB7
    elif b < 0xF8:
        n = b - 0xC0
        if n > end - pos - 1:
            raise _Bad("truncated RLP list")
        it.is_list = True
        it.start = pos + 1
        it.stop = pos + 1 + n
        return 0
    else:
        it.is_list = True
        ll = b - 0xF7
    if ll > end - pos - 1:
        raise _Bad("truncated RLP length")
    if buf[pos + 1] == 0:
        raise _Bad("non-canonical RLP: length with leading zero")
    n = 0
    for i in range(ll):
        if n >> 56:
            raise _Bad("truncated RLP item")
        n = (n << 8) | buf[pos + 1 + i]
    if n < 56:
        raise _Bad("non-canonical RLP: long form for a short item")
    start = pos + 1 + ll
    if n > end - start:
        raise _Bad("truncated RLP item")
    it.start = start
    it.stop = start + n
    return 0


cdef int rlp_children(cptr buf, Item* parent, Item* out, size_t max_items, size_t* count, str what) except -1:
    """Children of a list item into ``out`` (at most ``max_items``); ``count`` gets how many there are."""
    cdef size_t p = parent.start, k = 0
    cdef Item it
    if not parent.is_list:
        raise _Bad(f"{what} must be a list")
    while p < parent.stop:
        rlp_item(buf, p, parent.stop, &it)
        if k < max_items:
            out[k] = it
        k += 1
        p = it.stop
    count[0] = k
    return 0


cdef inline int need_string(Item* it, str what) except -1:
    if it.is_list:
        raise _Bad(f"{what} must be a string, not a list")
    return 0


cdef int int_be(cptr buf, Item* it, str what, size_t max_len) except -1:
    need_string(it, what)
    if it.stop - it.start > max_len:
        raise _Bad(f"{what} is out of range")
    if it.stop > it.start and buf[it.start] == 0:
        raise _Bad(f"{what} has a leading zero byte (non-canonical integer)")
    return 0


cdef uint64_t u64_of(cptr buf, Item* it):
    cdef uint64_t v = 0
    cdef size_t i
    for i in range(it.start, it.stop):
        v = (v << 8) | buf[i]
    return v


cdef int parity_of(cptr buf, Item* it) except -1:
    int_be(buf, it, "y parity", 1)
    if it.stop > it.start:
        if buf[it.start] > 1:
            raise _Bad("y parity must be 0 or 1")
        return buf[it.start]
    return 0


# --- disassemble ------------------------------------------------------------------------------------------

cdef class _Enc:
    cdef Buf s[MAX_STREAMS]
    cdef dict table
    cdef object chain          # bytes or None
    cdef Buf parity
    cdef bint validity         # the validity profile: senders instead of signatures

    def __cinit__(self):
        memset(self.s, 0, sizeof(self.s))
        memset(&self.parity, 0, sizeof(Buf))
        self.table = {}
        self.chain = None

    def __dealloc__(self):
        cdef int i
        for i in range(NSTREAMS_VALIDITY):
            free(self.s[i].data)
        free(self.parity.data)

    cdef int ref(self, int stream, cptr address) except -1:
        key = PyBytes_FromStringAndSize(<const char*>address, 20)
        slot = self.table.get(key)
        if slot is None:
            self.table[key] = len(self.table)
            buf_uvarint(&self.s[stream], REF_NEW)
            buf_put(&self.s[S_ADDR], address, 20)
        else:
            buf_uvarint(&self.s[stream], REF_TABLE + <uint64_t>slot)
        return 0


cdef int check_access_list(cptr raw, Item* al) except -1:
    cdef size_t p, q, nfields
    cdef Item entry, keys, key
    cdef Item fields[2]
    if not al.is_list:
        raise _Bad("access list must be a list")
    p = al.start
    while p < al.stop:
        rlp_item(raw, p, al.stop, &entry)
        p = entry.stop
        rlp_children(raw, &entry, fields, 2, &nfields, "access list entry")
        if nfields != 2:
            raise _Bad(f"an access list entry has 2 items, not {nfields}")
        need_string(&fields[0], "access list address")
        if fields[0].stop - fields[0].start != 20:
            raise _Bad("access list address must be 20 bytes")
        if not fields[1].is_list:
            raise _Bad("storage keys must be a list")
        q = fields[1].start
        while q < fields[1].stop:
            rlp_item(raw, q, fields[1].stop, &key)
            q = key.stop
            need_string(&key, "storage key")
            if key.stop - key.start != 32:
                raise _Bad("storage key must be 32 bytes")
    return 0


cdef int write_access_list(_Enc c, cptr raw, Item* al) except -1:
    cdef size_t p, q, n = 0, nk, nfields
    cdef Item entry, key
    cdef Item fields[2]
    p = al.start
    while p < al.stop:
        rlp_item(raw, p, al.stop, &entry)
        p = entry.stop
        n += 1
    buf_uvarint(&c.s[S_AL], n)
    p = al.start
    while p < al.stop:
        rlp_item(raw, p, al.stop, &entry)
        p = entry.stop
        rlp_children(raw, &entry, fields, 2, &nfields, "access list entry")
        c.ref(S_AL, raw + fields[0].start)
        nk = (fields[1].stop - fields[1].start) // 33
        buf_uvarint(&c.s[S_AL], nk)
        q = fields[1].start
        while q < fields[1].stop:
            rlp_item(raw, q, fields[1].stop, &key)
            q = key.stop
            buf_put(&c.s[S_KEYS], raw + key.start, 32)
    return 0


cdef int check_auths(cptr raw, Item* lst, size_t* count) except -1:
    cdef size_t p, k = 0, nf
    cdef Item a
    cdef Item f[6]
    if not lst.is_list:
        raise _Bad("authorization list must be a list")
    p = lst.start
    while p < lst.stop:
        rlp_item(raw, p, lst.stop, &a)
        p = a.stop
        rlp_children(raw, &a, f, 6, &nf, "authorization")
        if nf != 6:
            raise _Bad(f"an authorization has 6 fields, not {nf}")
        int_be(raw, &f[0], "authorization chain id", 32)
        need_string(&f[1], "authorization address")
        if f[1].stop - f[1].start != 20:
            raise _Bad("authorization address must be 20 bytes")
        int_be(raw, &f[2], "authorization nonce", 8)
        parity_of(raw, &f[3])
        int_be(raw, &f[4], "authorization r", 32)
        int_be(raw, &f[5], "authorization s", 32)
        k += 1
    count[0] = k
    return 0


# Where the fields of one checked envelope are (item positions are into the raw bytes).
cdef struct Walk:
    Item top
    Item items[14]
    size_t expected
    unsigned int tx_type
    unsigned int kind
    unsigned int parity
    size_t nonce_i, fee1_i, gas_i, to_i, value_i, data_i, r_i
    int fee2_i
    size_t nh, na


cdef object walk_tx(cptr raw, size_t end, Walk* w):
    """Check every field of the envelope ``raw[:end]`` strictly and fill ``w``; raises ``_Bad`` or
    ``UnsupportedTransactionError``. Returns the chain id (minimal big-endian bytes), or None for a legacy
    tx without EIP-155."""
    cdef size_t count, expected, p
    cdef unsigned int tx_type
    cdef Item h
    chain_be = None
    w.nh = 0
    w.na = 0
    if end == 0:
        raise _Bad("empty transaction")
    tx_type = raw[0]
    if tx_type >= 0xC0:
        tx_type = 0
        rlp_item(raw, 0, end, &w.top)
    elif 0 < tx_type <= MAX_TYPE:
        rlp_item(raw, 1, end, &w.top)
    elif tx_type < 0x80:
        raise UnsupportedTransactionError(tx_type)
    else:
        raise _Bad("not a transaction envelope (an RLP string)")
    if not w.top.is_list:
        raise _Bad("transaction must be a list")
    if w.top.stop != end:
        raise _Bad("trailing bytes after the transaction")
    expected = EXPECTED_FIELDS[tx_type]
    rlp_children(raw, &w.top, w.items, 14, &count, "transaction")
    if count != expected:
        raise _Bad(f"a type-{tx_type} transaction has {expected} fields, not {count}")
    w.expected = expected
    w.tx_type = tx_type
    w.kind = tx_type
    if tx_type == 0:
        w.nonce_i, w.fee1_i, w.fee2_i, w.gas_i, w.to_i = 0, 1, -1, 2, 3
    elif tx_type == 1:
        w.nonce_i, w.fee1_i, w.fee2_i, w.gas_i, w.to_i = 1, 2, -1, 3, 4
    else:
        w.nonce_i, w.fee1_i, w.fee2_i, w.gas_i, w.to_i = 1, 2, 3, 4, 5
    w.value_i = w.to_i + 1
    w.data_i = w.to_i + 2
    cdef Item* items = w.items

    if tx_type == 0:
        int_be(raw, &items[6], "v", 32)
        vb = PyBytes_FromStringAndSize(<const char*>raw + items[6].start, items[6].stop - items[6].start)
        v = int.from_bytes(vb, "big")
        if v == 27 or v == 28:
            w.kind |= KIND_UNPROTECTED
            w.parity = v - 27
        elif v >= 37:
            w.parity = (v - 35) & 1
            cid = (v - 35) >> 1
            chain_be = cid.to_bytes((cid.bit_length() + 7) // 8, "big")
        else:
            raise _Bad(f"legacy v {v} is neither 27/28 nor EIP-155")
        w.r_i = 7
    else:
        int_be(raw, &items[0], "chain id", 32)
        chain_be = PyBytes_FromStringAndSize(<const char*>raw + items[0].start, items[0].stop - items[0].start)
        w.parity = parity_of(raw, &items[expected - 3])
        w.r_i = expected - 2
    int_be(raw, &items[w.nonce_i], "nonce", 8)
    int_be(raw, &items[w.fee1_i], "fee", 32)
    if w.fee2_i >= 0:
        int_be(raw, &items[w.fee2_i], "max fee", 32)
    int_be(raw, &items[w.gas_i], "gas", 8)
    need_string(&items[w.to_i], "to")
    if items[w.to_i].stop - items[w.to_i].start not in (0, 20):
        raise _Bad(f"to must be empty or 20 bytes, not {items[w.to_i].stop - items[w.to_i].start}")
    if items[w.to_i].stop == items[w.to_i].start and tx_type >= 3:
        raise _Bad("to must not be empty for this type")
    int_be(raw, &items[w.value_i], "value", 32)
    need_string(&items[w.data_i], "data")
    int_be(raw, &items[w.r_i], "r", 32)
    int_be(raw, &items[w.r_i + 1], "s", 32)
    if tx_type:
        check_access_list(raw, &items[w.data_i + 1])
    if tx_type == 3:
        int_be(raw, &items[9], "max fee per blob gas", 32)
        if not items[10].is_list:
            raise _Bad("blob hashes must be a list")
        p = items[10].start
        while p < items[10].stop:
            rlp_item(raw, p, items[10].stop, &h)
            p = h.stop
            need_string(&h, "blob versioned hash")
            if h.stop - h.start != 32:
                raise _Bad(f"blob versioned hash must be 32 bytes, not {h.stop - h.start}")
            w.nh += 1
    elif tx_type == 4:
        check_auths(raw, &items[9], &w.na)
    return chain_be


cdef int disassemble_one(_Enc c, cptr raw, size_t end, uint64_t* nonce_out, cptr sender) except -1:
    cdef Walk w
    cdef Item* items = w.items
    cdef size_t p, nf
    cdef unsigned int kind
    cdef Item h, a
    cdef Item f[6]
    chain_be = walk_tx(raw, end, &w)

    # Every field is valid: write the columns.
    kind = w.kind
    if chain_be is not None and c.chain is None:
        c.chain = chain_be
    if chain_be is not None and chain_be != c.chain:
        kind |= KIND_CHAIN_EXCEPTION
        buf_compact(&c.s[S_CHAINX], <cptr>PyBytes_AS_STRING(chain_be), PyBytes_GET_SIZE(chain_be))
    buf_byte(&c.s[S_KIND], kind)
    if c.validity:
        c.ref(S_SENDER, sender)
    else:
        buf_byte(&c.parity, w.parity)
        buf_word(&c.s[S_SIG], raw + items[w.r_i].start, items[w.r_i].stop - items[w.r_i].start)
        buf_word(&c.s[S_SIG], raw + items[w.r_i + 1].start, items[w.r_i + 1].stop - items[w.r_i + 1].start)
    buf_uvarint(&c.s[S_GAS], u64_of(raw, &items[w.gas_i]))
    buf_compact(&c.s[S_FEE1], raw + items[w.fee1_i].start, items[w.fee1_i].stop - items[w.fee1_i].start)
    if w.fee2_i >= 0:
        buf_compact(&c.s[S_FEE2], raw + items[w.fee2_i].start, items[w.fee2_i].stop - items[w.fee2_i].start)
    buf_compact(&c.s[S_VALUE], raw + items[w.value_i].start, items[w.value_i].stop - items[w.value_i].start)
    if items[w.to_i].stop > items[w.to_i].start:
        c.ref(S_TO, raw + items[w.to_i].start)
    else:
        buf_uvarint(&c.s[S_TO], REF_CREATE)
    buf_uvarint(&c.s[S_DLEN], items[w.data_i].stop - items[w.data_i].start)
    buf_put(&c.s[S_DATA], raw + items[w.data_i].start, items[w.data_i].stop - items[w.data_i].start)
    if w.tx_type:
        write_access_list(c, raw, &items[w.data_i + 1])
    if w.tx_type == 3:
        buf_compact(&c.s[S_BLOB], raw + items[9].start, items[9].stop - items[9].start)
        buf_uvarint(&c.s[S_BLOB], w.nh)
        p = items[10].start
        while p < items[10].stop:
            rlp_item(raw, p, items[10].stop, &h)
            p = h.stop
            buf_put(&c.s[S_BLOBHASH], raw + h.start, 32)
    elif w.tx_type == 4:
        buf_uvarint(&c.s[S_AUTH], w.na)
        p = items[9].start
        while p < items[9].stop:
            rlp_item(raw, p, items[9].stop, &a)
            p = a.stop
            rlp_children(raw, &a, f, 6, &nf, "authorization")
            buf_compact(&c.s[S_AUTH], raw + f[0].start, f[0].stop - f[0].start)
            c.ref(S_AUTH, raw + f[1].start)
            buf_uvarint(&c.s[S_AUTH], u64_of(raw, &f[2]))
            buf_byte(&c.s[S_AUTH], raw[f[3].start] if f[3].stop > f[3].start else 0)
            buf_word(&c.s[S_AUTHSIG], raw + f[4].start, f[4].stop - f[4].start)
            buf_word(&c.s[S_AUTHSIG], raw + f[5].start, f[5].stop - f[5].start)
    nonce_out[0] = u64_of(raw, &items[w.nonce_i])
    return 0


# --- single envelopes: checking, and what sender recovery needs ----------------------------------------

cdef object walk_one(raw_obj, index, Walk* w):
    """``walk_tx`` on one bytes-like transaction, its errors as the public ones naming ``index``. Returns
    ``(raw as bytes, chain_be)``."""
    cdef bytes raw = raw_obj if type(raw_obj) is bytes else bytes(raw_obj)
    try:
        chain_be = walk_tx(<cptr>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), w)
    except _Bad as exc:
        raise InputError(str(exc), index=index) from None
    except UnsupportedTransactionError as exc:
        raise UnsupportedTransactionError(exc.tx_type, index=index) from None
    return raw, chain_be


def check_tx(raw, index=None):
    """Twin of ``_pure.check_tx``: the envelope type of a signed transaction that ``disassemble`` accepts."""
    cdef Walk w
    walk_one(raw, index, &w)
    return w.tx_type


def signing_parts(raw_obj, index=None):
    """Twin of ``_pure.signing_parts``: ``(message, signature)`` of a signed transaction."""
    cdef Walk w
    cdef bytes raw
    raw, chain_be = walk_one(raw_obj, index, &w)
    cdef cptr src = <cptr>PyBytes_AS_STRING(raw)
    # The unsigned fields are every field before the signature: contiguous in the envelope.
    cdef size_t last = w.expected - 4 if w.tx_type else 5
    cdef size_t body_start = w.top.start, body_len = w.items[last].stop - w.top.start
    cdef size_t tail_len = 0, n, k, total, pos, i
    cdef cptr cid = NULL
    cdef size_t cid_len = 0
    if w.tx_type == 0 and chain_be is not None:  # EIP-155: the fields are followed by chain id, 0, 0
        cid = <cptr>PyBytes_AS_STRING(chain_be)
        cid_len = PyBytes_GET_SIZE(chain_be)
        tail_len = (1 if cid_len == 1 and cid[0] < 0x80 else 1 + cid_len) + 2
    n = body_len + tail_len
    k = len_of_len(n) if n >= 56 else 0
    total = (1 if w.tx_type else 0) + 1 + k + n
    message = PyBytes_FromStringAndSize(NULL, total)
    cdef unsigned char* out = <unsigned char*>PyBytes_AS_STRING(message)
    pos = 0
    if w.tx_type:
        out[0] = <unsigned char>w.tx_type
        pos = 1
    if n < 56:
        out[pos] = <unsigned char>(0xC0 + n)
        pos += 1
    else:
        out[pos] = <unsigned char>(0xF7 + k)
        for i in range(k):
            out[pos + 1 + i] = <unsigned char>(n >> (8 * (k - 1 - i)))
        pos += 1 + k
    memcpy(out + pos, src + body_start, body_len)
    pos += body_len
    if tail_len:
        if cid_len == 1 and cid[0] < 0x80:
            out[pos] = cid[0]
            pos += 1
        else:
            out[pos] = <unsigned char>(0x80 + cid_len)
            memcpy(out + pos + 1, cid, cid_len)
            pos += 1 + cid_len
        out[pos] = 0x80
        out[pos + 1] = 0x80
    signature = PyBytes_FromStringAndSize(NULL, 65)
    cdef unsigned char* sig = <unsigned char*>PyBytes_AS_STRING(signature)
    cdef Item* r = &w.items[w.r_i]
    cdef Item* s = &w.items[w.r_i + 1]
    memset(sig, 0, 64)
    memcpy(sig + 32 - (r.stop - r.start), src + r.start, r.stop - r.start)
    memcpy(sig + 64 - (s.stop - s.start), src + s.start, s.stop - s.start)
    sig[64] = <unsigned char>w.parity
    return message, signature


def disassemble(txs, sender_ids, senders=None):
    """Twin of ``_pure.disassemble``. ``txs`` items must be bytes-like; ``sender_ids`` ints or None;
    ``senders`` (20-byte ``bytes`` per transaction) selects the validity profile."""
    cdef _Enc c = _Enc()
    cdef Py_ssize_t n = len(txs), index
    cdef uint64_t nonce
    cdef dict groups = {}
    cdef Py_ssize_t ngroups = 0
    cdef bytes raw
    cdef cptr sender_p = NULL
    c.validity = senders is not None
    if c.validity and len(senders) != n:
        raise InputError(f"{len(senders)} senders for {n} transactions")
    for index in range(n):
        item = txs[index]
        raw = item if type(item) is bytes else bytes(item)
        if c.validity:
            sender = senders[index]
            if type(sender) is not bytes or PyBytes_GET_SIZE(sender) != 20:
                raise InputError("a sender must be 20 bytes", index=index)
            sender_p = <cptr>PyBytes_AS_STRING(sender)
        try:
            disassemble_one(c, <cptr>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &nonce, sender_p)
        except _Bad as exc:
            raise InputError(str(exc), index=index) from None
        except UnsupportedTransactionError as exc:
            raise UnsupportedTransactionError(exc.tx_type, index=index) from None
        label = sender_ids[index] if sender_ids is not None else None
        current = groups.get(label) if label is not None else None
        if current is not None and <uint64_t>(current[1]) != U64_MAX and <uint64_t>(current[1]) + 1 == nonce:
            buf_uvarint(&c.s[S_GROUP], <uint64_t>(current[0]) + 1)
            groups[label] = (current[0], nonce)
        else:
            buf_uvarint(&c.s[S_GROUP], 0)
            buf_uvarint(&c.s[S_NONCE], nonce)
            if label is not None:
                groups[label] = (ngroups, nonce)
            ngroups += 1
    # parity bits
    cdef size_t nbytes = (c.parity.len + 7) // 8, i
    if nbytes:
        buf_reserve(&c.s[S_PARITY], nbytes)
        memset(c.s[S_PARITY].data, 0, nbytes)
    for i in range(c.parity.len):
        if c.parity.data[i]:
            c.s[S_PARITY].data[i >> 3] |= 1 << (i & 7)
    c.s[S_PARITY].len = nbytes
    cdef list out = []
    cdef int k
    for k in range(NSTREAMS_VALIDITY if c.validity else NSTREAMS):
        out.append(PyBytes_FromStringAndSize(<const char*>c.s[k].data, c.s[k].len))
    return (c.chain if c.chain is not None else b""), tuple(out)


# --- assemble ---------------------------------------------------------------------------------------------

cdef struct Rd:
    cptr buf
    size_t end
    size_t pos


cdef int rd_take(Rd* r, size_t n, cptr* out, int col) except -1:
    if n > r.end - r.pos:
        raise DecodeError(f"needs {n} bytes, {r.end - r.pos} left", offset=r.pos, column=COLS[col])
    out[0] = r.buf + r.pos
    r.pos += n
    return 0


cdef inline int rd_uvarint(Rd* r, uint64_t* out, int col) except -1:
    return read_uvarint(r.buf, r.end, &r.pos, out, COLS[col])


cdef int rd_compact(Rd* r, cptr* out, size_t* n, int col) except -1:
    cdef size_t m
    if r.pos >= r.end:
        raise DecodeError("truncated integer", offset=r.pos, column=COLS[col])
    m = r.buf[r.pos]
    if m > 32:
        raise DecodeError(f"integer of {m} bytes (at most 32)", offset=r.pos, column=COLS[col])
    if m > r.end - r.pos - 1:
        raise DecodeError("truncated integer", offset=r.pos, column=COLS[col])
    if m and r.buf[r.pos + 1] == 0:
        raise DecodeError("non-canonical integer (leading zero)", offset=r.pos, column=COLS[col])
    out[0] = r.buf + r.pos + 1
    n[0] = m
    r.pos += m + 1
    return 0


cdef int rd_count(Rd* r, uint64_t min_item, uint64_t limit, str what, Rd* src, uint64_t* out,
                  int col) except -1:
    cdef size_t start = r.pos
    cdef uint64_t n
    rd_uvarint(r, &n, col)
    if n > limit:
        raise LimitExceededError(what, n, limit, offset=start, column=COLS[col])
    if n * min_item > src.end - src.pos:  # n <= limit < 2^32 and min_item <= 32: no overflow
        raise DecodeError(f"{what} {n} needs more bytes than are left", offset=start, column=COLS[col])
    out[0] = n
    return 0


cdef inline size_t len_of_len(size_t n):
    cdef size_t k = 0
    while n:
        k += 1
        n >>= 8
    return k


cdef int w_str(Buf* b, cptr src, size_t n) except -1:
    cdef size_t k, i
    if n == 1 and src[0] < 0x80:
        return buf_byte(b, src[0])
    buf_reserve(b, n + 9)
    if n < 56:
        b.data[b.len] = <unsigned char>(0x80 + n)
        b.len += 1
    else:
        k = len_of_len(n)
        b.data[b.len] = <unsigned char>(0xB7 + k)
        for i in range(k):
            b.data[b.len + 1 + i] = <unsigned char>(n >> (8 * (k - 1 - i)))
        b.len += 1 + k
    memcpy(b.data + b.len, src, n)
    b.len += n
    return 0


cdef int w_u64(Buf* b, uint64_t v) except -1:
    cdef unsigned char tmp[8]
    cdef size_t k = 0, i
    cdef uint64_t x = v
    while x:
        k += 1
        x >>= 8
    for i in range(k):
        tmp[i] = <unsigned char>(v >> (8 * (k - 1 - i)))
    return w_str(b, tmp, k)


cdef int w_word(Buf* b, cptr word) except -1:
    """A 32-byte big-endian word as a minimal RLP integer."""
    cdef size_t i = 0
    while i < 32 and word[i] == 0:
        i += 1
    return w_str(b, word + i, 32 - i)


cdef inline size_t list_begin(Buf* b) except? 0:
    buf_reserve(b, 9)
    b.len += 9
    return b.len


cdef int list_end(Buf* b, size_t body) except -1:
    """Close a list whose payload starts at ``body`` (9 bytes reserved before it by ``list_begin``)."""
    cdef size_t n = b.len - body, k, i, h
    cdef size_t mark = body - 9
    if n < 56:
        h = 1
        b.data[mark] = <unsigned char>(0xC0 + n)
    else:
        k = len_of_len(n)
        h = 1 + k
        b.data[mark] = <unsigned char>(0xF7 + k)
        for i in range(k):
            b.data[mark + 1 + i] = <unsigned char>(n >> (8 * (k - 1 - i)))
    memmove(b.data + mark + h, b.data + body, n)
    b.len = mark + h + n
    return 0


cdef class _Dec:
    cdef Rd r[MAX_STREAMS]
    cdef Buf out
    cdef cptr* table
    cdef size_t ntable
    cdef size_t table_cap
    cdef set known
    cdef uint64_t* groups_last
    cdef size_t ngroups
    cdef bint validity         # signing payloads and senders instead of signed transactions
    cdef list senders

    def __cinit__(self):
        memset(&self.out, 0, sizeof(Buf))
        self.senders = []
        self.table = NULL
        self.groups_last = NULL
        self.known = set()

    def __dealloc__(self):
        free(self.out.data)
        free(self.table)
        free(self.groups_last)

    cdef int ref(self, int col, bint allow_create, cptr* out) except -1:
        cdef size_t start = self.r[col].pos
        cdef uint64_t k
        cdef cptr a = NULL
        rd_uvarint(&self.r[col], &k, col)
        if k == REF_CREATE:
            if not allow_create:
                raise DecodeError("address reference 0 (creation) where an address is required",
                                  offset=start, column=COLS[col])
            out[0] = NULL
            return 0
        if k == REF_NEW:
            if self.ntable >= MAX_ADDRESSES:
                raise LimitExceededError("address table size", self.ntable + 1, MAX_ADDRESSES, column="addr")
            rd_take(&self.r[S_ADDR], 20, &a, S_ADDR)
            key = PyBytes_FromStringAndSize(<const char*>a, 20)
            if key in self.known:
                raise DecodeError("new address already in the table", offset=self.r[S_ADDR].pos - 20,
                                  column="addr")
            self.known.add(key)
            self.table[self.ntable] = a  # table_cap = len(addr) // 20 >= any count of new addresses
            self.ntable += 1
            out[0] = a
            return 0
        if k - REF_TABLE >= self.ntable:
            raise DecodeError(f"address reference {k} past the table ({self.ntable})", offset=start,
                              column=COLS[col])
        out[0] = self.table[k - REF_TABLE]
        return 0


def assemble(n, chain, streams):
    """Twin of ``_pure.assemble``: rebuild ``n`` transactions from the v1 streams."""
    # n and chain are checked as Python objects: a count of 2^63 or more must be a DecodeError, not an
    # OverflowError from the conversion to Py_ssize_t.
    if len(streams) != NSTREAMS and len(streams) != NSTREAMS_VALIDITY:
        raise DecodeError(f"{len(streams)} streams, expected {NSTREAMS} or {NSTREAMS_VALIDITY}")
    if n < 0:
        raise DecodeError(f"negative transaction count {n}", column="header")
    if n > MAX_TXS:
        raise LimitExceededError("transaction count", n, MAX_TXS, column="header")
    chain = memoryview(chain).tobytes()
    if len(chain) > 32 or chain[:1] == b"\x00":
        raise DecodeError("non-canonical batch chain id", column="header")
    return _assemble(n, chain, streams)


cdef object _assemble(Py_ssize_t n, bytes chain, streams):
    cdef _Dec d = _Dec()
    cdef int k
    cdef Py_ssize_t i
    cdef list keep = []
    cdef Py_ssize_t nstreams = len(streams)
    d.validity = nstreams == NSTREAMS_VALIDITY
    for k in range(nstreams):
        s = streams[k]
        if type(s) is not bytes:
            s = bytes(s)
        keep.append(s)  # holds the buffers for the table's pointers
        d.r[k].buf = <cptr>PyBytes_AS_STRING(s)
        d.r[k].end = PyBytes_GET_SIZE(s)
        d.r[k].pos = 0
    if d.r[S_KIND].end != <size_t>n:
        raise DecodeError(f"{d.r[S_KIND].end} kind bytes for {n} transactions", column="kind")
    if d.r[S_SIG].end != (0 if d.validity else 64 * <size_t>n):
        raise DecodeError(f"{d.r[S_SIG].end} signature bytes for {n} transactions", column="sig")
    cdef size_t nb = 0 if d.validity else (<size_t>n + 7) // 8
    if d.r[S_PARITY].end != nb:
        raise DecodeError(f"bit list of {d.r[S_PARITY].end} bytes for {n} bits", column="parity")
    if nb and n & 7 and d.r[S_PARITY].buf[nb - 1] >> (n & 7):
        raise DecodeError("stray padding bits", offset=nb - 1, column="parity")
    d.r[S_PARITY].pos = nb
    d.r[S_KIND].pos = n
    d.table_cap = d.r[S_ADDR].end // 20 + 1
    d.table = <cptr*>malloc(d.table_cap * sizeof(cptr))
    d.groups_last = <uint64_t*>malloc((<size_t>n + 1) * sizeof(uint64_t))
    if d.table == NULL or d.groups_last == NULL:
        raise MemoryError()
    cdef size_t start
    cdef size_t* ends = <size_t*>malloc((<size_t>n + 1) * sizeof(size_t))
    if ends == NULL:
        raise MemoryError()
    try:
        groups = _assemble_loop(d, n, chain, ends)
        for k in range(nstreams):
            if d.r[k].pos != d.r[k].end:
                raise DecodeError(f"{d.r[k].end - d.r[k].pos} unused bytes", offset=d.r[k].pos,
                                  column=COLS[k])
        txs = []
        start = 0
        for i in range(n):
            txs.append(PyBytes_FromStringAndSize(<const char*>d.out.data + start, ends[i] - start))
            start = ends[i]
        if d.validity:
            return txs, groups, d.senders
        return txs, groups
    finally:
        free(ends)


cdef object _assemble_loop(_Dec d, Py_ssize_t n, bytes chain, size_t* ends):
    cdef Py_ssize_t i
    cdef unsigned int kind, tx_type, y = 0
    cdef bint unprotected, seen_chain = False
    cdef cptr sig = NULL, p = NULL, to = NULL, data = NULL, a = NULL, chain_p = NULL
    cdef cptr fee1 = NULL, fee2 = NULL, value = NULL, hsh = NULL
    cdef size_t chain_n, fee1_n, fee2_n, value_n, start, body, inner, mark, j, tx_start, m
    cdef uint64_t g, nonce, gas, dlen, entries, nkeys, nh, na, a_nonce, total_entries = 0, total_keys = 0
    cdef uint64_t total_auths = 0, cid
    cdef unsigned char a_parity, tb
    cdef Buf* o = &d.out
    cdef cptr hdr_chain = <cptr>PyBytes_AS_STRING(chain)
    cdef size_t hdr_chain_n = PyBytes_GET_SIZE(chain)
    cdef unsigned char vbuf[40]
    groups = []
    for i in range(n):
        kind = d.r[S_KIND].buf[i]
        tx_type = kind & KIND_TYPE_MASK
        if kind & ~(KIND_TYPE_MASK | KIND_CHAIN_EXCEPTION | KIND_UNPROTECTED) or tx_type > MAX_TYPE:
            raise DecodeError(f"kind byte 0x{kind:02x} out of range", offset=i, column="kind")
        unprotected = (kind & KIND_UNPROTECTED) != 0
        if unprotected and (tx_type != 0 or kind & KIND_CHAIN_EXCEPTION):
            raise DecodeError(f"kind byte 0x{kind:02x} out of range", offset=i, column="kind")
        if not d.validity:
            y = (d.r[S_PARITY].buf[i >> 3] >> (i & 7)) & 1
            rd_take(&d.r[S_SIG], 64, &sig, S_SIG)
        chain_p = NULL
        chain_n = 0
        if not unprotected:
            if kind & KIND_CHAIN_EXCEPTION:
                if not seen_chain:
                    raise DecodeError("the first chain id of a batch is not an exception", offset=i, column="kind")
                start = d.r[S_CHAINX].pos
                rd_compact(&d.r[S_CHAINX], &chain_p, &chain_n, S_CHAINX)
                if chain_n == hdr_chain_n and (chain_n == 0 or memcmp_eq(chain_p, hdr_chain, chain_n)):
                    raise DecodeError("chain id exception equal to the batch chain id", offset=start,
                                      column="chainx")
            else:
                chain_p = hdr_chain
                chain_n = hdr_chain_n
            seen_chain = True
        rd_uvarint(&d.r[S_GROUP], &g, S_GROUP)
        if g == 0:
            rd_uvarint(&d.r[S_NONCE], &nonce, S_NONCE)
            groups.append(d.ngroups)
            d.groups_last[d.ngroups] = nonce
            d.ngroups += 1
        else:
            if g - 1 >= d.ngroups:
                raise DecodeError(f"sender group {g} not opened yet", offset=d.r[S_GROUP].pos, column="group")
            if d.groups_last[g - 1] == U64_MAX:
                raise DecodeError("nonce overflow in a sender group", offset=d.r[S_GROUP].pos, column="group")
            nonce = d.groups_last[g - 1] + 1
            d.groups_last[g - 1] = nonce
            groups.append(g - 1)
        if d.validity:
            d.ref(S_SENDER, False, &a)
            d.senders.append(PyBytes_FromStringAndSize(<const char*>a, 20))
        rd_uvarint(&d.r[S_GAS], &gas, S_GAS)
        rd_compact(&d.r[S_FEE1], &fee1, &fee1_n, S_FEE1)
        if tx_type >= 2:
            rd_compact(&d.r[S_FEE2], &fee2, &fee2_n, S_FEE2)
        rd_compact(&d.r[S_VALUE], &value, &value_n, S_VALUE)
        d.ref(S_TO, tx_type < 3, &to)
        start = d.r[S_DLEN].pos
        rd_uvarint(&d.r[S_DLEN], &dlen, S_DLEN)
        if dlen > MAX_CALLDATA_BYTES:
            raise LimitExceededError("calldata length", dlen, MAX_CALLDATA_BYTES, offset=start, column="dlen")
        rd_take(&d.r[S_DATA], dlen, &data, S_DATA)

        tx_start = o.len
        if tx_type:
            buf_byte(o, tx_type)
        body = list_begin(o)
        if tx_type:
            w_str(o, chain_p, chain_n)
        w_u64(o, nonce)
        w_str(o, fee1, fee1_n)
        if tx_type >= 2:
            w_str(o, fee2, fee2_n)
        w_u64(o, gas)
        w_str(o, to, 20 if to != NULL else 0)
        w_str(o, value, value_n)
        w_str(o, data, dlen)
        if tx_type:
            rd_count(&d.r[S_AL], 2, MAX_ACCESS_LIST_ENTRIES, "access list entries", &d.r[S_AL], &entries, S_AL)
            total_entries += entries
            if total_entries > MAX_ACCESS_LIST_ENTRIES:
                raise LimitExceededError("access list entries", total_entries, MAX_ACCESS_LIST_ENTRIES, column="al")
            mark = list_begin(o)
            for j in range(entries):
                d.ref(S_AL, False, &a)
                rd_count(&d.r[S_AL], 32, MAX_STORAGE_KEYS, "storage keys", &d.r[S_KEYS], &nkeys, S_AL)
                total_keys += nkeys
                if total_keys > MAX_STORAGE_KEYS:
                    raise LimitExceededError("storage keys", total_keys, MAX_STORAGE_KEYS, column="al")
                inner = list_begin(o)
                w_str(o, a, 20)
                start = list_begin(o)
                for m in range(nkeys):
                    rd_take(&d.r[S_KEYS], 32, &p, S_KEYS)
                    w_str(o, p, 32)
                list_end(o, start)
                list_end(o, inner)
            list_end(o, mark)
        if tx_type == 3:
            rd_compact(&d.r[S_BLOB], &p, &m, S_BLOB)
            w_str(o, p, m)
            rd_count(&d.r[S_BLOB], 32, MAX_BLOB_HASHES_PER_TX, "blob hashes", &d.r[S_BLOBHASH], &nh, S_BLOB)
            mark = list_begin(o)
            for j in range(nh):
                rd_take(&d.r[S_BLOBHASH], 32, &hsh, S_BLOBHASH)
                w_str(o, hsh, 32)
            list_end(o, mark)
        elif tx_type == 4:
            rd_count(&d.r[S_AUTH], 4, MAX_AUTHORIZATIONS, "authorizations", &d.r[S_AUTH], &na, S_AUTH)
            total_auths += na
            if total_auths > MAX_AUTHORIZATIONS:
                raise LimitExceededError("authorizations", total_auths, MAX_AUTHORIZATIONS, column="auth")
            mark = list_begin(o)
            for j in range(na):
                rd_compact(&d.r[S_AUTH], &p, &m, S_AUTH)
                d.ref(S_AUTH, False, &a)
                rd_uvarint(&d.r[S_AUTH], &a_nonce, S_AUTH)
                start = d.r[S_AUTH].pos
                rd_take(&d.r[S_AUTH], 1, &hsh, S_AUTH)
                a_parity = hsh[0]
                if a_parity > 1:
                    raise DecodeError("authorization y parity must be 0 or 1", offset=start, column="auth")
                rd_take(&d.r[S_AUTHSIG], 64, &hsh, S_AUTHSIG)
                inner = list_begin(o)
                w_str(o, p, m)
                w_str(o, a, 20)
                w_u64(o, a_nonce)
                w_u64(o, a_parity)
                w_word(o, hsh)
                w_word(o, hsh + 32)
                list_end(o, inner)
            list_end(o, mark)
        if d.validity:
            # The signing payload: a legacy EIP-155 transaction ends with chain id, 0, 0 (a chain id a
            # signed v can carry); the others end with their fields.
            if tx_type == 0 and not unprotected:
                if chain_n == 0:
                    raise DecodeError("EIP-155 legacy transaction with chain id 0", offset=i, column="kind")
                if chain_n == 32 and (int.from_bytes(PyBytes_FromStringAndSize(<const char*>chain_p, 32), "big") * 2
                                      + 35).bit_length() > 256:
                    raise DecodeError("legacy chain id out of range", offset=i, column="kind")
                w_str(o, chain_p, chain_n)
                buf_byte(o, 0x80)
                buf_byte(o, 0x80)
        elif tx_type == 0:
            if unprotected:
                w_u64(o, 27 + y)
            else:
                if chain_n == 0:
                    raise DecodeError("EIP-155 legacy transaction with chain id 0", offset=i, column="kind")
                if chain_n <= 7:
                    cid = 0
                    for j in range(chain_n):
                        cid = (cid << 8) | chain_p[j]
                    w_u64(o, cid * 2 + 35 + y)
                else:
                    v = int.from_bytes(PyBytes_FromStringAndSize(<const char*>chain_p, chain_n), "big") * 2 + 35 + y
                    if v.bit_length() > 256:
                        raise DecodeError("legacy v out of range", offset=i, column="kind")
                    vb = v.to_bytes((v.bit_length() + 7) // 8, "big")
                    w_str(o, <cptr>PyBytes_AS_STRING(vb), PyBytes_GET_SIZE(vb))
        else:
            w_u64(o, y)
        if not d.validity:
            w_word(o, sig)
            w_word(o, sig + 32)
        list_end(o, body)
        if o.len > MAX_OUTPUT_BYTES:
            raise LimitExceededError("decoded transaction bytes", o.len, MAX_OUTPUT_BYTES)
        ends[i] = o.len
    if not seen_chain and hdr_chain_n:
        raise DecodeError("batch chain id set but no transaction carries a chain id", column="header")
    return groups


cdef inline bint memcmp_eq(cptr a, cptr b, size_t n):
    cdef size_t i
    for i in range(n):
        if a[i] != b[i]:
            return False
    return True
