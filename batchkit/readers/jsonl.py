"""JSON input: JSON Lines of corpus records (``raw``, optional ``hash`` and ``from``), a JSON array (of records,
blocks or hex strings), one block, or JSON-RPC responses ``{"result": block}`` in any of those shapes.
Blocks are read by :mod:`batchkit.readers.rpc`.

Records are parsed with orjson (which nests to any depth without recursing); anything else (blocks,
responses) and every malformed value with the stdlib decoder, whose results are exact (orjson reads an
integer past 64 bits as a float) and whose errors name the line and column, behind the bounds of
:mod:`batchkit.readers.bounds` (nesting, lines, records).
"""

from __future__ import annotations

import json
from typing import Any

from .. import limits
from ..coerce import hex_bytes
from ..errors import InputError
from ..tx import keccak256
from .bounds import check_hex_length, stdlib_loads
from .collect import Collector
from .rpc import read_block


def _is_record(value: Any) -> bool:
    return type(value) is dict and "raw" in value


_orjson = None


def _fast_json():
    """orjson, imported on first use: it brings zoneinfo, uuid and datetime, which the CLI's start (and a
    ``decompress``, which reads no JSON) does not need."""
    global _orjson
    if _orjson is None:
        import orjson
        _orjson = orjson
    return _orjson


def _loads(text: str, where: str = "the document") -> Any:
    """One JSON value; raises the stdlib's ``JSONDecodeError`` for bad JSON, InputError past a bound. A record
    (whose fields batchkit reads are strings) comes from orjson as it is; any other value is decoded again by
    the stdlib, exactly."""
    orjson = _orjson or _fast_json()
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return stdlib_loads(text, where)
    if _is_record(value):
        if "[" in text or text.count("{") > 1:  # else nothing in it nests (a bracket in a string: walked anyway)
            _shallow(value, where)
        return value
    if type(value) is list and all(type(v) is str or _is_record(v) for v in value):
        for v in value:
            if type(v) is dict:
                _shallow(v, where, 2)
        return value
    return stdlib_loads(text, where)


def _shallow(record: dict, where: str, depth: int = 1) -> dict:
    """``record`` (at nesting ``depth``), unless a field nests deeper than MAX_JSON_DEPTH (the bound of
    every JSON input, though orjson itself reads any depth)."""
    todo = [(v, depth + 1) for v in record.values() if type(v) is list or type(v) is dict]
    while todo:
        v, d = todo.pop()
        if d > limits.MAX_JSON_DEPTH:
            raise InputError(f"{where}: JSON nested deeper than MAX_JSON_DEPTH ({limits.MAX_JSON_DEPTH})")
        items = v.values() if type(v) is dict else v
        todo += [(x, d + 1) for x in items if type(x) is list or type(x) is dict]
    return record


def is_one_value(text: str) -> bool:
    """Whether ``text`` holds exactly one JSON value."""
    try:
        _loads(text)
    except (json.JSONDecodeError, InputError):
        return False
    return True


def read_line(text: str, collector: Collector, where: str) -> None:
    """One line of JSON Lines: a record, a block or an RPC response."""
    try:
        value = _loads(text, where)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: bad JSON at column {exc.colno}: {exc.msg}") from None
    read_value(value, collector, where, top=True)


def read_json(text: str, collector: Collector) -> None:
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise InputError(f"bad JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        # More than one JSON value: JSON Lines.
        for line_no, line in enumerate(text.splitlines(), 1):
            if not line or line.isspace():
                continue
            if len(line) > limits.MAX_LINE_BYTES:
                raise InputError(f"line {line_no} is longer than MAX_LINE_BYTES ({limits.MAX_LINE_BYTES} bytes)")
            read_line(line, collector, f"line {line_no}")
        return
    if isinstance(document, list):
        for i, value in enumerate(document):
            read_value(value, collector, f"item {i}", top=False)
    else:
        read_value(document, collector, "the document", top=True)


def read_value(value: Any, collector: Collector, where: str, *, top: bool) -> None:
    """One JSON value: a corpus record, a block, an RPC response, or (in an array) a hex string."""
    if isinstance(value, str) and not top:
        collector.add_raw(hex_bytes(value, where), None, where)
        return
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a JSON object (a record with 'raw', or a block), "
                         f"not {type(value).__name__}")
    if "raw" in value:
        _read_record(value, collector, where)
    elif "transactions" in value:
        read_block(value, collector, where)
    elif "result" in value or "error" in value:
        block = value.get("result")
        if not isinstance(block, dict) or "transactions" not in block:
            detail = value.get("error") or "the result is not a block"
            raise InputError(f"{where}: JSON-RPC response without a block ({detail})")
        read_block(block, collector, where)
    else:
        raise InputError(f"{where}: unknown JSON object: no 'raw', 'transactions' or 'result' field")


def _hex(text: str, where: str, what: str, index: int) -> bytes:
    """:func:`~batchkit.coerce.hex_bytes`, its common case (``0x``, nothing to strip) first; at most
    MAX_RECORD_BYTES."""
    if len(text) > 2 * limits.MAX_RECORD_BYTES + 2:
        check_hex_length(text, f"{where}: {what}", index)
    if text[:2] == "0x":
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass  # hex_bytes decides, and names the field
    return hex_bytes(text, f"{where}: {what}", index)


def _read_record(record: dict, collector: Collector, where: str) -> None:
    raw_field = record["raw"]
    if not isinstance(raw_field, str):
        raise InputError(f"{where}: 'raw' must be a hex string", index=collector.index)
    raw = _hex(raw_field, where, "raw", collector.index)
    expected = record.get("hash")
    if expected is not None:
        if not isinstance(expected, str) or _hex(expected, where, "hash", collector.index) != keccak256(raw):
            raise InputError(f"{where}: keccak256(raw) does not match the record's hash", index=collector.index)
    collector.add_raw(raw, record.get("from"), where)
