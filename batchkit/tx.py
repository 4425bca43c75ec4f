"""Signed Ethereum transactions: one frozen dataclass per EIP-2718 envelope type, strict parsing and
byte-exact serialization.

This is the *semantic* model, used by the API, the input readers (``readers.rpc`` rebuilds JSON-RPC
transactions with it), sender recovery and the baselines. The batch codec itself walks envelopes in
``format/_core`` (``format/_pure`` is its reference); both accept exactly the transactions :func:`parse_tx` accepts.

Strictness: the RLP must be canonical (shortest length prefixes, integers without leading zero bytes),
nothing may follow the envelope, every field must have its type's shape. ``parse_tx(raw).encode() == raw``
holds for every accepted ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .errors import InputError, UnsupportedTransactionError
from .keccak import keccak256

LEGACY, ACCESS_LIST, DYNAMIC_FEE, BLOB, SET_CODE = 0x00, 0x01, 0x02, 0x03, 0x04
SUPPORTED_TYPES = (LEGACY, ACCESS_LIST, DYNAMIC_FEE, BLOB, SET_CODE)

#: EIP-2681: nonces are below 2^64. Gas limits are 64-bit in every client.
MAX_U64 = 2**64 - 1
MAX_U256 = 2**256 - 1


def _rlp():
    """pyrlp, imported on first use: it pulls in eth_utils and pydantic (about 0.25 s), which the command
    line's paths over raw transactions (the compiled core walks them) never need."""
    import rlp
    return rlp


@dataclass(frozen=True, slots=True)
class AccessListEntry:
    address: bytes
    """20 bytes (EIP-2930)."""
    storage_keys: tuple[bytes, ...]
    """32 bytes each."""


@dataclass(frozen=True, slots=True)
class Authorization:
    """One signed EIP-7702 authorization tuple, in wire order."""
    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True)
class LegacyTx:
    """Pre-typed transaction; ``v`` is 27/28, or ``chain_id * 2 + 35 + parity`` (EIP-155)."""
    nonce: int
    gas_price: int
    gas: int
    to: bytes | None
    """``None`` for a contract creation."""
    value: int
    data: bytes
    v: int
    r: int
    s: int
    type = LEGACY

    @property
    def chain_id(self) -> int | None:
        return None if self.v in (27, 28) else (self.v - 35) // 2

    @property
    def y_parity(self) -> int:
        return (self.v - 27) if self.v in (27, 28) else (self.v - 35) % 2

    def unsigned_fields(self) -> list:
        return [self.nonce, self.gas_price, self.gas, _to_rlp(self.to), self.value, self.data]

    def fields(self) -> list:
        return self.unsigned_fields() + [self.v, self.r, self.s]

    def signing_hash(self) -> bytes:
        fields = self.unsigned_fields()
        if self.chain_id is not None:
            fields += [self.chain_id, 0, 0]
        return keccak256(_rlp().encode(fields))

    def encode(self) -> bytes:
        return _rlp().encode(self.fields())

    @property
    def hash(self) -> bytes:
        return keccak256(self.encode())


@dataclass(frozen=True, slots=True)
class _TypedTx:
    def unsigned_fields(self) -> list:  # pragma: no cover - defined by each type
        raise NotImplementedError

    def fields(self) -> list:
        return self.unsigned_fields() + [self.y_parity, self.r, self.s]

    def signing_hash(self) -> bytes:
        return keccak256(bytes([self.type]) + _rlp().encode(self.unsigned_fields()))

    def encode(self) -> bytes:
        return bytes([self.type]) + _rlp().encode(self.fields())

    @property
    def hash(self) -> bytes:
        return keccak256(self.encode())


@dataclass(frozen=True, slots=True)
class AccessListTx(_TypedTx):
    """EIP-2930 (type 0x01)."""
    chain_id: int
    nonce: int
    gas_price: int
    gas: int
    to: bytes | None
    value: int
    data: bytes
    access_list: tuple[AccessListEntry, ...]
    y_parity: int
    r: int
    s: int
    type = ACCESS_LIST

    def unsigned_fields(self) -> list:
        return [self.chain_id, self.nonce, self.gas_price, self.gas, _to_rlp(self.to), self.value,
                self.data, _access_list_rlp(self.access_list)]


@dataclass(frozen=True, slots=True)
class DynamicFeeTx(_TypedTx):
    """EIP-1559 (type 0x02)."""
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes | None
    value: int
    data: bytes
    access_list: tuple[AccessListEntry, ...]
    y_parity: int
    r: int
    s: int
    type = DYNAMIC_FEE

    def unsigned_fields(self) -> list:
        return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.max_fee_per_gas, self.gas,
                _to_rlp(self.to), self.value, self.data, _access_list_rlp(self.access_list)]


@dataclass(frozen=True, slots=True)
class BlobTx(_TypedTx):
    """EIP-4844 (type 0x03), canonical form: versioned hashes, no sidecar. ``to`` is never empty."""
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: tuple[AccessListEntry, ...]
    max_fee_per_blob_gas: int
    blob_versioned_hashes: tuple[bytes, ...]
    y_parity: int
    r: int
    s: int
    type = BLOB

    def unsigned_fields(self) -> list:
        return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.max_fee_per_gas, self.gas,
                self.to, self.value, self.data, _access_list_rlp(self.access_list),
                self.max_fee_per_blob_gas, list(self.blob_versioned_hashes)]


@dataclass(frozen=True, slots=True)
class SetCodeTx(_TypedTx):
    """EIP-7702 (type 0x04). ``to`` is never empty."""
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes
    value: int
    data: bytes
    access_list: tuple[AccessListEntry, ...]
    authorization_list: tuple[Authorization, ...]
    y_parity: int
    r: int
    s: int
    type = SET_CODE

    def unsigned_fields(self) -> list:
        return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.max_fee_per_gas, self.gas,
                self.to, self.value, self.data, _access_list_rlp(self.access_list),
                [[a.chain_id, a.address, a.nonce, a.y_parity, a.r, a.s] for a in self.authorization_list]]


Transaction = Union[LegacyTx, AccessListTx, DynamicFeeTx, BlobTx, SetCodeTx]


def _to_rlp(to: bytes | None) -> bytes:
    return b"" if to is None else to


def _access_list_rlp(entries) -> list:
    return [[e.address, list(e.storage_keys)] for e in entries]


# --- strict parsing ---------------------------------------------------------------------------------

class _Bad(Exception):
    pass


def _int(item: Any, what: str, limit: int = MAX_U256) -> int:
    if not isinstance(item, bytes):
        raise _Bad(f"{what} must be a string, not a list")
    if item[:1] == b"\x00":
        raise _Bad(f"{what} has a leading zero byte (non-canonical integer)")
    value = int.from_bytes(item, "big")
    if value > limit:
        raise _Bad(f"{what} {value} is out of range")
    return value


def _bytes(item: Any, what: str, size: int | None = None) -> bytes:
    if not isinstance(item, bytes):
        raise _Bad(f"{what} must be a string, not a list")
    if size is not None and len(item) != size:
        raise _Bad(f"{what} must be {size} bytes, not {len(item)}")
    return item


def _list(item: Any, what: str, size: int | None = None) -> list:
    if not isinstance(item, list):
        raise _Bad(f"{what} must be a list")
    if size is not None and len(item) != size:
        raise _Bad(f"{what} must have {size} items, not {len(item)}")
    return item


def _to(item: Any, *, required: bool) -> bytes | None:
    to = _bytes(item, "to")
    if to == b"":
        if required:
            raise _Bad("to must not be empty for this type")
        return None
    if len(to) != 20:
        raise _Bad(f"to must be empty or 20 bytes, not {len(to)}")
    return to


def _access_list(item: Any) -> tuple[AccessListEntry, ...]:
    entries = []
    for entry in _list(item, "access list"):
        address, keys = _list(entry, "access list entry", 2)
        entries.append(AccessListEntry(_bytes(address, "access list address", 20),
                                       tuple(_bytes(k, "storage key", 32) for k in _list(keys, "storage keys"))))
    return tuple(entries)


def _parity(item: Any) -> int:
    parity = _int(item, "y parity", 1)
    return parity


def _sig(items: list) -> tuple[int, int, int]:
    return _parity(items[0]), _int(items[1], "r"), _int(items[2], "s")


def _declared_end(payload: bytes) -> int | None:
    """Where the RLP item that starts ``payload`` says it ends, or None when its prefix is cut short."""
    first = payload[0]
    if first < 0x80:
        return 1
    if first < 0xB8 or 0xC0 <= first < 0xF8:
        return 1 + (first - (0x80 if first < 0xC0 else 0xC0))
    n = first - (0xB7 if first < 0xC0 else 0xF7)
    if len(payload) < 1 + n:
        return None
    return 1 + n + int.from_bytes(payload[1:1 + n], "big")


def _decode_rlp_list(payload: bytes) -> list:
    # A cut transaction is the common case of bad input: say so, rather than what the cut happens to look
    # like to the RLP decoder inside (a "long list prefix used for short list", a negative superfluous count).
    if not payload:
        raise _Bad("truncated: the envelope is empty")
    end = _declared_end(payload)
    if end is None or end > len(payload):
        declared = "" if end is None else f"declares {end} bytes, "
        raise _Bad(f"truncated: the envelope {declared}{len(payload)} present")
    try:
        items = _rlp().decode(payload, strict=True)
    except _rlp().exceptions.DecodingError as exc:
        raise _Bad(f"malformed RLP: {exc}") from exc
    if not isinstance(items, list):
        raise _Bad("the envelope is not an RLP list")
    return items


def parse_tx(raw: bytes | bytearray | memoryview, index: int | None = None) -> Transaction:
    """Parse one signed transaction in its network (EIP-2718) form.

    Raises :class:`UnsupportedTransactionError` for a type batchkit does not carry and :class:`InputError`
    for anything malformed; ``index`` names the transaction in the message.
    """
    raw = bytes(raw)
    if not raw:
        raise InputError("empty transaction", index=index)
    first = raw[0]
    try:
        if first >= 0xC0:
            items = _decode_rlp_list(raw)
            if len(items) != 9:
                raise _Bad(f"a legacy transaction has 9 fields, not {len(items)}")
            v = _int(items[6], "v")
            if v not in (27, 28) and v < 37:
                raise _Bad(f"legacy v {v} is neither 27/28 nor EIP-155")
            return LegacyTx(_int(items[0], "nonce", MAX_U64), _int(items[1], "gas price"),
                            _int(items[2], "gas", MAX_U64), _to(items[3], required=False),
                            _int(items[4], "value"), _bytes(items[5], "data"), v,
                            _int(items[7], "r"), _int(items[8], "s"))
        if first >= 0x80:
            raise _Bad("not a transaction envelope (an RLP string)")
        if first not in SUPPORTED_TYPES or first == LEGACY:
            raise UnsupportedTransactionError(first, index=index)
        items = _decode_rlp_list(raw[1:])
        if first == ACCESS_LIST:
            _list(items, "transaction", 11)
            return AccessListTx(_int(items[0], "chain id"), _int(items[1], "nonce", MAX_U64),
                                _int(items[2], "gas price"), _int(items[3], "gas", MAX_U64),
                                _to(items[4], required=False), _int(items[5], "value"),
                                _bytes(items[6], "data"), _access_list(items[7]), *_sig(items[8:]))
        if first == DYNAMIC_FEE:
            _list(items, "transaction", 12)
            return DynamicFeeTx(_int(items[0], "chain id"), _int(items[1], "nonce", MAX_U64),
                                _int(items[2], "max priority fee"), _int(items[3], "max fee"),
                                _int(items[4], "gas", MAX_U64), _to(items[5], required=False),
                                _int(items[6], "value"), _bytes(items[7], "data"),
                                _access_list(items[8]), *_sig(items[9:]))
        if first == BLOB:
            _list(items, "transaction", 14)
            return BlobTx(_int(items[0], "chain id"), _int(items[1], "nonce", MAX_U64),
                          _int(items[2], "max priority fee"), _int(items[3], "max fee"),
                          _int(items[4], "gas", MAX_U64), _to(items[5], required=True),
                          _int(items[6], "value"), _bytes(items[7], "data"), _access_list(items[8]),
                          _int(items[9], "max fee per blob gas"),
                          tuple(_bytes(h, "blob versioned hash", 32) for h in _list(items[10], "blob hashes")),
                          *_sig(items[11:]))
        _list(items, "transaction", 13)
        auths = []
        for a in _list(items[9], "authorization list"):
            _list(a, "authorization", 6)
            auths.append(Authorization(_int(a[0], "authorization chain id"),
                                       _bytes(a[1], "authorization address", 20),
                                       _int(a[2], "authorization nonce", MAX_U64), _parity(a[3]),
                                       _int(a[4], "authorization r"), _int(a[5], "authorization s")))
        return SetCodeTx(_int(items[0], "chain id"), _int(items[1], "nonce", MAX_U64),
                         _int(items[2], "max priority fee"), _int(items[3], "max fee"),
                         _int(items[4], "gas", MAX_U64), _to(items[5], required=True),
                         _int(items[6], "value"), _bytes(items[7], "data"), _access_list(items[8]),
                         tuple(auths), *_sig(items[10:]))
    except _Bad as exc:
        raise InputError(str(exc), index=index) from None
