"""cryo Parquet transaction tables: signed transactions rebuilt from their columns (see :func:`read_cryo_table`)."""

from __future__ import annotations

import io
from typing import Any

from ..coerce import hex_bytes
from ..errors import InputError, UnsupportedTransactionError
from ..tx import ACCESS_LIST, BLOB, DYNAMIC_FEE, LEGACY, SET_CODE, SUPPORTED_TYPES, AccessListTx, DynamicFeeTx, \
    LegacyTx, keccak256
from .collect import Collector

#: Column names cryo may use for ``value`` (a U256): binary (32 bytes, big-endian), decimal string,
#: or narrower integer types, depending on ``--u256-types``. Floats are lossy and not accepted.
_VALUE_COLUMNS = ("value", "value_binary", "value_string", "value_u64", "value_u32", "value_d128")
_REQUIRED = ("transaction_hash", "nonce", "to_address", "input", "gas_limit", "chain_id", "r", "s", "v")


def read_cryo_table(data: bytes, collector: Collector) -> None:
    """Rebuild signed transactions from a cryo ``transactions`` Parquet table.

    Columns used (cryo's names): ``transaction_hash``, ``nonce``, ``from_address`` (kept as the sender),
    ``to_address`` (null for a creation), ``value`` (or ``value_binary`` / ``value_string`` / ...),
    ``input``, ``gas_limit``, ``gas_price``, ``transaction_type``, ``max_priority_fee_per_gas``,
    ``max_fee_per_gas``, ``chain_id``, and the signature ``r``, ``s``, ``v``. Byte columns may be binary
    or ``0x`` hex strings (``--hex``).

    Limits, from what cryo's table holds:

    - The signature columns ``r``, ``s``, ``v`` exist only in cryo builds after the alloy rewrite (PR #191)
      and are not in the default column set: export with ``--columns ... r s v``. Without them nothing can
      be rebuilt (:class:`InputError`).
    - cryo's ``v`` is the y-parity bit, not the legacy ``v`` scalar, so for a legacy tx both the EIP-155
      form (with the ``chain_id`` column) and the pre-155 form are tried; the hash picks the right one.
    - There is no access-list, blob-hash, blob-fee or authorization-list column. Types 0x01 and 0x02 are
      rebuilt with an empty access list, and a tx that had one fails the hash check (:class:`InputError`);
      types 0x03 and 0x04 cannot be rebuilt at all (:class:`InputError`). Unsupported types (0x7e, ...)
      raise :class:`UnsupportedTransactionError`, or are skipped.
    - Fees are 64-bit columns in cryo: a fee above 2^64 - 1 wei cannot be represented there.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a test/bench dependency
        raise InputError("reading Parquet needs pyarrow (pip install pyarrow)") from exc
    import rlp  # the encoders' errors; imported here, as pyrlp is slow to import (see tx._rlp)
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputError(f"cannot read the Parquet table: {exc}") from exc
    names = set(table.column_names)
    missing = [c for c in _REQUIRED if c not in names]
    value_column = next((c for c in _VALUE_COLUMNS if c in names), None)
    if value_column is None:
        missing.append("value")
    if missing:
        raise InputError(f"the Parquet table lacks cryo transaction columns {missing} (the signature needs "
                         "cryo's r, s and v: export with --columns ... r s v)")
    columns = {name: table.column(name).to_pylist() for name in names}
    for row in range(table.num_rows):
        where = f"row {row}"
        get = lambda name: columns[name][row] if name in columns else None  # noqa: E731
        index = collector.index
        try:
            tx_type = get("transaction_type")
            tx_type = 0 if tx_type is None else int(tx_type)
            if tx_type not in SUPPORTED_TYPES:
                raise UnsupportedTransactionError(tx_type, index=index)
            if tx_type in (BLOB, SET_CODE):
                raise InputError(f"{where}: a type-0x{tx_type:02x} tx cannot be rebuilt from cryo's columns "
                                 "(no blob hashes / authorization list)", index=index)
            raw = _rebuild_cryo_row(tx_type, get, value_column, where, index)
        except InputError as exc:
            if not isinstance(exc, UnsupportedTransactionError) or not collector.skip_unsupported:
                raise
            collector.index += 1
            collector.skipped += 1
            continue
        except (rlp.exceptions.SerializationError, ValueError, TypeError, OverflowError) as exc:
            raise InputError(f"{where}: cannot rebuild the tx from its columns ({exc})", index=index) from None
        collector.add_raw(raw, get("from_address"), where)


def _cryo_bytes(value: Any, what: str, where: str, index: int) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return hex_bytes(value, f"{where}: {what}", index)
    raise InputError(f"{where}: {what} is missing or not bytes", index=index)


def _cryo_int(value: Any, what: str, where: str, index: int) -> int:
    if isinstance(value, bool) or value is None:
        raise InputError(f"{where}: {what} is missing", index=index)
    if isinstance(value, int):
        return value
    from decimal import Decimal  # here: only Parquet decimals need it, and the CLI's start imports this module

    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, (bytes, bytearray)):
        return int.from_bytes(value, "big")
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 16) if text[:2] in ("0x", "0X") else int(text)
        except ValueError:
            pass
    raise InputError(f"{where}: {what} is not an integer ({type(value).__name__})", index=index)


def _rebuild_cryo_row(tx_type: int, get, value_column: str, where: str, index: int) -> bytes:
    to_field = get("to_address")
    to = None if to_field in (None, b"", "", "0x") else _cryo_bytes(to_field, "to_address", where, index)
    common = dict(nonce=_cryo_int(get("nonce"), "nonce", where, index),
                  gas=_cryo_int(get("gas_limit"), "gas_limit", where, index), to=to,
                  value=_cryo_int(get(value_column), value_column, where, index),
                  data=_cryo_bytes(get("input"), "input", where, index),
                  r=_cryo_int(get("r"), "r", where, index), s=_cryo_int(get("s"), "s", where, index))
    v = get("v")
    parity = int(v) if isinstance(v, (bool, int)) else _cryo_int(v, "v", where, index)
    chain_id = _cryo_int(get("chain_id"), "chain_id", where, index)
    expected = _cryo_bytes(get("transaction_hash"), "transaction_hash", where, index)
    if tx_type == LEGACY:
        if parity in (0, 1):
            candidates = [chain_id * 2 + 35 + parity, 27 + parity]
        else:
            candidates = [parity]
        gas_price = _cryo_int(get("gas_price"), "gas_price", where, index)
        raws = [LegacyTx(gas_price=gas_price, v=v_, **common).encode() for v_ in candidates]
    elif parity not in (0, 1):
        raise InputError(f"{where}: v must be the y-parity (0 or 1) for a typed tx, not {parity}", index=index)
    elif tx_type == ACCESS_LIST:
        raws = [AccessListTx(chain_id=chain_id, gas_price=_cryo_int(get("gas_price"), "gas_price", where, index),
                             access_list=(), y_parity=parity, **common).encode()]
    else:
        assert tx_type == DYNAMIC_FEE
        raws = [DynamicFeeTx(chain_id=chain_id,
                             max_priority_fee_per_gas=_cryo_int(get("max_priority_fee_per_gas"),
                                                                "max_priority_fee_per_gas", where, index),
                             max_fee_per_gas=_cryo_int(get("max_fee_per_gas"), "max_fee_per_gas", where, index),
                             access_list=(), y_parity=parity, **common).encode()]
    for raw in raws:
        if keccak256(raw) == expected:
            return raw
    hint = " (cryo's table has no access-list column: a tx with an access list cannot be rebuilt)" \
        if tx_type in (ACCESS_LIST, DYNAMIC_FEE) else ""
    raise InputError(f"{where}: the tx rebuilt from the columns does not match transaction_hash{hint}",
                     index=index)
