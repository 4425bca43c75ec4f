"""JSON-RPC blocks with full transaction objects (``eth_getBlockByNumber`` with ``true``): each transaction is
rebuilt from its fields with :func:`from_rpc` (:func:`raw_from_rpc` for its bytes), which checks it against its
``hash``."""

from __future__ import annotations

from typing import Any

from .. import limits
from ..errors import InputError, UnsupportedTransactionError
from ..tx import (ACCESS_LIST, BLOB, DYNAMIC_FEE, LEGACY, SET_CODE, SUPPORTED_TYPES, AccessListEntry, AccessListTx,
                  Authorization, BlobTx, DynamicFeeTx, LegacyTx, SetCodeTx, Transaction, keccak256, parse_tx)
from .collect import Collector


class _Bad(Exception):
    pass


def read_block(block: dict, collector: Collector, where: str) -> None:
    txs = block["transactions"]
    if not isinstance(txs, list):
        raise InputError(f"{where}: 'transactions' is not a list")
    number = block.get("number")
    label = f"{where} (block {int(number, 16) if isinstance(number, str) and number[:2] == '0x' else number})" \
        if number is not None else where
    for obj in txs:
        if not isinstance(obj, dict):
            raise InputError(f"{label}: the block lists transaction hashes, not transaction objects "
                             "(fetch it with full transactions)", index=collector.index)
        collector.add(lambda index, obj=obj: raw_from_rpc(obj, index), obj.get("from"), label)


def _q(obj: dict, key: str, default: Any = None) -> int:
    value = obj.get(key, default)
    if value is None:
        raise _Bad(f"missing field {key!r}")
    number = int(value, 16) if isinstance(value, str) else int(value)
    if number < 0:
        raise _Bad(f"{key} is negative")
    return number


def _hexbytes(value: str | None, what: str) -> bytes:
    if value is None:
        raise _Bad(f"missing field {what!r}")
    if isinstance(value, str) and len(value) > 2 * limits.MAX_RECORD_BYTES + 2:
        raise _Bad(f"{what} is longer than MAX_RECORD_BYTES ({limits.MAX_RECORD_BYTES})")
    try:
        return bytes.fromhex(value[2:] if value.startswith(("0x", "0X")) else value)
    except ValueError:
        raise _Bad(f"{what} is not hex") from None


def from_rpc(obj: dict, index: int | None = None) -> Transaction:
    """Rebuild a signed transaction from a JSON-RPC transaction object (``eth_getBlockByNumber`` with
    full transactions, ``eth_getTransactionByHash``). When the object has a ``hash``, the rebuilt bytes
    must hash to it, else :class:`InputError`."""
    return _rebuild(obj, index)[0]


def raw_from_rpc(obj: dict, index: int | None = None) -> bytes:
    """``from_rpc(obj, index).encode()``, the signed transaction in network form, without encoding it twice."""
    return _rebuild(obj, index)[1]


def _rebuild(obj: dict, index: int | None) -> tuple[Transaction, bytes]:
    try:
        tx_type = _q(obj, "type", "0x0")
        if tx_type not in SUPPORTED_TYPES:
            raise UnsupportedTransactionError(tx_type, index=index)
        to = None if obj.get("to") in (None, "0x", "") else _hexbytes(obj["to"], "to")
        if to is None and tx_type in (BLOB, SET_CODE):
            raise _Bad(f"a type-0x{tx_type:02x} transaction needs 'to'")
        data = _hexbytes(obj.get("input", obj.get("data")), "input")
        common = dict(nonce=_q(obj, "nonce"), gas=_q(obj, "gas"), value=_q(obj, "value"), data=data,
                      r=_q(obj, "r"), s=_q(obj, "s"))
        access = tuple(AccessListEntry(_hexbytes(e["address"], "address"),
                                       tuple(_hexbytes(k, "storage key") for k in e.get("storageKeys", ())))
                       for e in obj.get("accessList") or ())
        parity = _q(obj, "yParity", obj.get("v"))
        if tx_type == LEGACY:
            tx: Transaction = LegacyTx(gas_price=_q(obj, "gasPrice"), to=to, v=_q(obj, "v"), **common)
        elif tx_type == ACCESS_LIST:
            tx = AccessListTx(chain_id=_q(obj, "chainId"), gas_price=_q(obj, "gasPrice"), to=to,
                              access_list=access, y_parity=parity, **common)
        else:
            fees = dict(chain_id=_q(obj, "chainId"), max_priority_fee_per_gas=_q(obj, "maxPriorityFeePerGas"),
                        max_fee_per_gas=_q(obj, "maxFeePerGas"), access_list=access, y_parity=parity)
            if tx_type == DYNAMIC_FEE:
                tx = DynamicFeeTx(to=to, **fees, **common)
            elif tx_type == BLOB:
                tx = BlobTx(to=to, max_fee_per_blob_gas=_q(obj, "maxFeePerBlobGas"),
                            blob_versioned_hashes=tuple(_hexbytes(h, "blob hash")
                                                        for h in obj.get("blobVersionedHashes") or ()),
                            **fees, **common)
            else:
                auths = tuple(Authorization(_q(a, "chainId"), _hexbytes(a["address"], "address"), _q(a, "nonce"),
                                            _q(a, "yParity", a.get("v")), _q(a, "r"), _q(a, "s"))
                              for a in obj.get("authorizationList") or ())
                tx = SetCodeTx(to=to, authorization_list=auths, **fees, **common)
    except (_Bad, KeyError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"bad JSON-RPC transaction: {exc}", index=index) from None
    try:
        raw = tx.encode()
    except Exception as exc:  # noqa: BLE001 -- pyrlp is imported by tx.encode, not here (slow import)
        from rlp.exceptions import RLPException
        if not isinstance(exc, (TypeError, ValueError, RLPException)):
            raise
        # a field of a type RLP cannot hold
        raise InputError(f"bad JSON-RPC transaction: {exc}", index=index) from None
    tx = parse_tx(raw, index)  # the same strictness as raw input (field ranges, shapes)
    if "hash" in obj and obj["hash"] is not None:
        if keccak256(raw).hex() != str(obj["hash"]).lower().removeprefix("0x"):
            raise InputError("rebuilt transaction does not match its hash", index=index)
    return tx, raw
