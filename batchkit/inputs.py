"""Input readers: turn a file (or stdin) into the raw signed transactions batchkit compresses.

Shapes, detected from the content:

- **JSONL records** with a ``raw`` field, the shape of the shared corpus (``../shared/corpora/*.jsonl``).
  When a record has ``hash``, ``keccak256(raw)`` must equal it; ``from`` is kept as the sender.
- **Hex lines**: one signed transaction per line, ``0x`` optional; blank lines are skipped.
- **JSON-RPC blocks** with full transaction objects: one block object, a JSON array of blocks, JSONL of
  blocks, or RPC responses ``{"result": block}`` in any of those. Each transaction is rebuilt from its
  fields with :func:`batchkit.tx.from_rpc`, which checks it against its ``hash``.
- **Parquet** transaction tables as ``cryo`` writes them (``cryo txs ... --columns ... r s v``; see
  :func:`read_cryo_table` for what can be rebuilt from them).

Every transaction is then validated with :func:`batchkit.tx.parse_tx` (strict). A well-formed transaction
of a type batchkit does not carry (OP deposits, 0x7e) raises :class:`UnsupportedTransactionError` unless
``skip_unsupported=True``, in which case it is counted in :attr:`Transactions.skipped`. Every other
problem is an :class:`InputError` naming the line and/or the transaction index (the position among the
transactions of the input, skipped ones included).

Example::

    >>> from batchkit.inputs import read_transactions
    >>> txs = read_transactions("block.json", skip_unsupported=True)    # doctest: +SKIP
    >>> len(txs.raws), txs.skipped, txs.senders is not None             # doctest: +SKIP
    (151, 1, True)
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, TextIO, Union

import rlp

from .errors import InputError, UnsupportedTransactionError
from .tx import (ACCESS_LIST, BLOB, DYNAMIC_FEE, LEGACY, SET_CODE, SUPPORTED_TYPES, AccessListTx,
                 DynamicFeeTx, LegacyTx, from_rpc, keccak256, parse_tx)

#: The most bytes read from one input (1 GiB). About 4 million mainnet-sized transactions: far more than
#: any batch, and small enough that a mistaken path (a disk image, /dev/zero) fails fast.
MAX_INPUT_BYTES = 1 << 30

_PARQUET_MAGIC = b"PAR1"

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO, TextIO]


@dataclass
class Transactions:
    """What a reader found."""
    raws: list[bytes]
    """Signed transactions in network form, in input order (skipped ones left out)."""
    senders: list[bytes] | None = None
    """20-byte senders, one per entry of ``raws``, when the input gave one for every transaction
    (JSON-RPC ``from``, a record's ``from``, cryo's ``from_address``); else ``None``. Not verified here:
    :func:`batchkit.senders.recover_senders` recovers them from the signatures."""
    skipped: int = 0
    """Unsupported transactions left out because ``skip_unsupported`` was set."""

    def __len__(self) -> int:
        return len(self.raws)


# --- API values --------------------------------------------------------------------------------------

def _hex(text: str, what: str, index: int | None = None) -> bytes:
    text = text.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InputError(f"{what} is not valid hex", index=index) from None


def parse_sender(sender: Any, index: int | None = None) -> bytes:
    """A 20-byte sender address given as bytes-like or hex (``0x`` optional); :class:`InputError` otherwise."""
    if isinstance(sender, str):
        try:
            sender = bytes.fromhex(sender[2:] if sender.startswith(("0x", "0X")) else sender)
        except ValueError:
            raise InputError("sender is not hex", index=index) from None
    try:
        sender = bytes(sender)
    except TypeError:
        raise InputError(f"sender must be bytes or hex, not {type(sender).__name__}", index=index) from None
    if len(sender) != 20:
        raise InputError(f"sender must be 20 bytes, not {len(sender)}", index=index)
    return sender


def parse_api_tx(obj: Any, *, index: int | None = None, validate: bool = True) -> bytes:
    """One transaction as given to the API, as raw bytes.

    Accepts ``bytes``, ``bytearray``, ``memoryview``, a hex string (``0x`` optional), and eth-account
    signed transactions (objects with ``.raw_transaction`` or the older ``.rawTransaction``). Unless
    ``validate`` is false (the codec validates as strictly itself), the bytes are checked with
    :func:`~batchkit.tx.parse_tx`: raises :class:`InputError` (or :class:`UnsupportedTransactionError`)
    naming ``index``.
    """
    if isinstance(obj, (bytes, bytearray, memoryview)):
        raw = bytes(obj)
    elif isinstance(obj, str):
        raw = _hex(obj, "transaction", index)
    else:
        attr = getattr(obj, "raw_transaction", None)
        if attr is None:
            attr = getattr(obj, "rawTransaction", None)
        if attr is None:
            raise InputError(f"cannot read a transaction from a {type(obj).__name__}: give bytes, a hex "
                             "string or a signed transaction with .raw_transaction", index=index)
        raw = bytes(attr) if not isinstance(attr, str) else _hex(attr, "raw_transaction", index)
    if validate:
        parse_tx(raw, index)
    return raw


# --- reading ----------------------------------------------------------------------------------------

def _read_bounded(f: BinaryIO | TextIO, name: str) -> bytes:
    data = f.read(MAX_INPUT_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name} is larger than MAX_INPUT_BYTES ({MAX_INPUT_BYTES} bytes)")
    return data


def _read_input(path_or_file: PathOrFile) -> tuple[bytes, str]:
    if hasattr(path_or_file, "read"):
        return _read_bounded(path_or_file, "the input"), getattr(path_or_file, "name", "<file>")  # type: ignore[arg-type]
    name = os.fspath(path_or_file)  # type: ignore[arg-type]
    if name == "-":
        return _read_bounded(sys.stdin.buffer, "stdin"), "<stdin>"
    try:
        with open(name, "rb") as f:
            if os.path.isfile(name) and os.fstat(f.fileno()).st_size > MAX_INPUT_BYTES:
                raise InputError(f"{name} is larger than MAX_INPUT_BYTES ({MAX_INPUT_BYTES} bytes)")
            return _read_bounded(f, name), name
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc


class _Collector:
    """Validates transactions as the readers yield them, and keeps the skip count and the senders."""

    def __init__(self, skip_unsupported: bool):
        self.skip_unsupported = skip_unsupported
        self.raws: list[bytes] = []
        self.senders: list[bytes | None] = []
        self.skipped = 0
        self.index = 0  # position among all transactions of the input, skipped ones included

    def add_raw(self, raw: bytes, sender: Any, where: str) -> None:
        self._add(lambda index: (parse_tx(raw, index), raw)[1], sender, where)

    def add_rpc(self, obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            raise InputError(f"{where}: the block lists transaction hashes, not transaction objects "
                             "(fetch it with full transactions)", index=self.index)
        self._add(lambda index: from_rpc(obj, index).encode(), obj.get("from"), where)

    def _add(self, build, sender: Any, where: str) -> None:
        """Add the raw transaction ``build(index)`` returns (it validates), or count it as skipped."""
        index = self.index
        self.index += 1
        try:
            raw = build(index)
        except UnsupportedTransactionError:
            if not self.skip_unsupported:
                raise
            self.skipped += 1
            return
        except InputError as exc:
            raise InputError(f"{where}: {_reason(exc, index)}", index=index) from None
        self.raws.append(raw)
        self.senders.append(_sender(sender, where, index))

    def result(self) -> Transactions:
        senders = self.senders if self.senders and all(s is not None for s in self.senders) else None
        return Transactions(self.raws, senders, self.skipped)  # type: ignore[arg-type]


def _reason(exc: InputError, index: int) -> str:
    """The message of ``exc`` without the "transaction N: " prefix, to be re-raised with more context."""
    message = str(exc)
    prefix = f"transaction {index}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _sender(value: Any, where: str, index: int) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        sender = bytes(value)
    elif isinstance(value, str):
        sender = _hex(value, f"{where}: sender", index)
    else:
        raise InputError(f"{where}: sender is not an address", index=index)
    if len(sender) != 20:
        raise InputError(f"{where}: sender must be 20 bytes, not {len(sender)}", index=index)
    return sender


def read_transactions(path_or_file: PathOrFile, *, skip_unsupported: bool = False) -> Transactions:
    """Read every transaction of a file, ``-`` (stdin), or an open file object (binary or text).

    The shape is detected from the content (see the module docstring). Reads at most
    :data:`MAX_INPUT_BYTES`. Raises :class:`InputError` for anything unreadable, naming the line or the
    transaction index, and :class:`UnsupportedTransactionError` for an unsupported type unless
    ``skip_unsupported``.
    """
    data, name = _read_input(path_or_file)
    collector = _Collector(skip_unsupported)
    if data.startswith(_PARQUET_MAGIC):
        read_cryo_table(data, collector)
        return collector.result()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is neither UTF-8 text nor Parquet (byte {exc.start})") from None
    stripped = text.lstrip()
    if not stripped:
        return collector.result()
    if stripped[0] in "[{":
        _read_json(text, collector)
    else:
        _read_hex_lines(text, collector)
    return collector.result()


def _read_hex_lines(text: str, collector: _Collector) -> None:
    for line_no, line in enumerate(text.splitlines(), 1):
        if line.strip():
            collector.add_raw(_hex(line, f"line {line_no}"), None, f"line {line_no}")


def _read_json(text: str, collector: _Collector) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise InputError(f"bad JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        # More than one JSON value: JSON Lines.
        for line_no, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {line_no}: bad JSON at column {exc.colno}: {exc.msg}") from None
            _read_value(value, collector, f"line {line_no}", top=True)
        return
    if isinstance(document, list):
        for i, value in enumerate(document):
            _read_value(value, collector, f"item {i}", top=False)
    else:
        _read_value(document, collector, "the document", top=True)


def _read_value(value: Any, collector: _Collector, where: str, *, top: bool) -> None:
    """One JSON value: a corpus record, a block, an RPC response, or (in an array) a hex string."""
    if isinstance(value, str) and not top:
        collector.add_raw(_hex(value, where), None, where)
        return
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a JSON object (a record with 'raw', or a block), "
                         f"not {type(value).__name__}")
    if "raw" in value:
        _read_record(value, collector, where)
    elif "transactions" in value:
        _read_block(value, collector, where)
    elif "result" in value or "error" in value:
        block = value.get("result")
        if not isinstance(block, dict) or "transactions" not in block:
            detail = value.get("error") or "the result is not a block"
            raise InputError(f"{where}: JSON-RPC response without a block ({detail})")
        _read_block(block, collector, where)
    else:
        raise InputError(f"{where}: unknown JSON object: no 'raw', 'transactions' or 'result' field")


def _read_record(record: dict, collector: _Collector, where: str) -> None:
    raw_field = record["raw"]
    if not isinstance(raw_field, str):
        raise InputError(f"{where}: 'raw' must be a hex string", index=collector.index)
    raw = _hex(raw_field, f"{where}: raw", collector.index)
    expected = record.get("hash")
    if expected is not None:
        if not isinstance(expected, str) or _hex(expected, f"{where}: hash", collector.index) != keccak256(raw):
            raise InputError(f"{where}: keccak256(raw) does not match the record's hash", index=collector.index)
    collector.add_raw(raw, record.get("from"), where)


def _read_block(block: dict, collector: _Collector, where: str) -> None:
    txs = block["transactions"]
    if not isinstance(txs, list):
        raise InputError(f"{where}: 'transactions' is not a list")
    number = block.get("number")
    label = f"{where} (block {int(number, 16) if isinstance(number, str) and number[:2] == '0x' else number})" \
        if number is not None else where
    for obj in txs:
        collector.add_rpc(obj, label)


# --- cryo Parquet ------------------------------------------------------------------------------------

#: Column names cryo may use for ``value`` (a U256): binary (32 bytes, big-endian), decimal string,
#: or narrower integer types, depending on ``--u256-types``. Floats are lossy and not accepted.
_VALUE_COLUMNS = ("value", "value_binary", "value_string", "value_u64", "value_u32", "value_d128")
_REQUIRED = ("transaction_hash", "nonce", "to_address", "input", "gas_limit", "chain_id", "r", "s", "v")


def read_cryo_table(data: bytes, collector: _Collector) -> None:
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
        return _hex(value, f"{where}: {what}", index)
    raise InputError(f"{where}: {what} is missing or not bytes", index=index)


def _cryo_int(value: Any, what: str, where: str, index: int) -> int:
    if isinstance(value, bool) or value is None:
        raise InputError(f"{where}: {what} is missing", index=index)
    if isinstance(value, int):
        return value
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
