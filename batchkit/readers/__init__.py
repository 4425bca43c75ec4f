"""Input readers: turn a file (or stdin), or a block range of a node, into the raw signed transactions
batchkit compresses. :func:`read_node` reads from a node over JSON-RPC (see :mod:`batchkit.readers.node`);
:func:`read_transactions` reads a file.

File shapes, detected from the content:

- **JSONL records** with a ``raw`` field, the shape of the shared corpus (``../shared/corpora/*.jsonl``).
  When a record has ``hash``, ``keccak256(raw)`` must equal it; ``from`` is kept as the sender.
- **Hex lines**: one signed transaction per line, ``0x`` optional; blank lines are skipped.
- **JSON-RPC blocks** with full transaction objects: one block object, a JSON array of blocks, JSONL of
  blocks, or RPC responses ``{"result": block}`` in any of those. Each transaction is rebuilt from its
  fields with :func:`batchkit.readers.rpc.from_rpc`, which checks it against its ``hash``.
- **Parquet** transaction tables as ``cryo`` writes them (``cryo txs ... --columns ... r s v``; see
  :func:`read_cryo_table` for what can be rebuilt from them).

Every transaction is then validated as strictly as :func:`batchkit.tx.parse_tx` does, by the column core's
envelope walk (the one the codec makes, compiled). A well-formed transaction
of a type batchkit does not carry (OP deposits, 0x7e) raises :class:`UnsupportedTransactionError` unless
``skip_unsupported=True``, in which case it is counted in :attr:`Transactions.skipped`. Every other
problem is an :class:`InputError` naming the line and/or the transaction index (the position among the
transactions of the input, skipped ones included).

:func:`read_transactions` reads a whole input (at most ``MAX_INPUT_BYTES``) into lists;
:func:`iter_transactions` yields the transactions of an input of any size one at a time, reading JSON Lines
and hex lines a line at a time (at most ``MAX_LINE_BYTES`` each) and the other shapes whole.

Example::

    >>> from batchkit.readers import read_transactions
    >>> txs = read_transactions("block.json", skip_unsupported=True)    # doctest: +SKIP
    >>> len(txs.raws), txs.skipped, txs.senders is not None             # doctest: +SKIP
    (151, 1, True)
"""

from __future__ import annotations

import io
import os
import sys
from typing import BinaryIO, Iterator

from .. import limits
from ..coerce import hex_bytes
from ..errors import InputError
from ..files import PathOrFile, read_bounded
from .collect import Collector, Transactions
from .cryo import read_cryo_table
from .hexlines import read_hex_lines
from .jsonl import is_one_value, read_json, read_line
from .node import parse_block_range, read_node

__all__ = ["read_transactions", "iter_transactions", "TransactionStream", "read_node", "parse_block_range",
           "Transactions"]

_PARQUET_MAGIC = b"PAR1"
_BOM = b"\xef\xbb\xbf"


def read_transactions(path_or_file: PathOrFile, *, skip_unsupported: bool = False) -> Transactions:
    """Read every transaction of a file, ``-`` (stdin), or an open file object (binary or text).

    The shape is detected from the content (see the module docstring). Reads at most
    :data:`batchkit.limits.MAX_INPUT_BYTES`, each line of JSON Lines or hex lines at most ``MAX_LINE_BYTES``,
    each transaction at most ``MAX_RECORD_BYTES``, JSON nested at most ``MAX_JSON_DEPTH`` deep. Raises
    :class:`InputError` for anything unreadable, naming the line or the transaction index, and
    :class:`UnsupportedTransactionError` for an unsupported type unless ``skip_unsupported``.
    """
    data, name = _read_input(path_or_file)
    stream = TransactionStream(io.BytesIO(data), skip_unsupported, name=name)
    raws: list[bytes] = []
    senders: list[bytes | None] = []
    for raw, sender in stream:
        raws.append(raw)
        senders.append(sender)
    known = senders if senders and all(s is not None for s in senders) else None
    return Transactions(raws, known, stream.skipped)  # type: ignore[arg-type]


def _read_whole(data: bytes, name: str, collector: Collector) -> None:
    """One document read whole: a Parquet table, one JSON document (or JSON values over several lines)."""
    if data.startswith(_PARQUET_MAGIC):
        read_cryo_table(data, collector)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is neither UTF-8 text nor Parquet (byte {exc.start})") from None
    stripped = text.lstrip()
    if not stripped:
        return
    if stripped[0] in "[{":
        read_json(text, collector)
    else:
        read_hex_lines(text, collector)


def _read_input(source: PathOrFile) -> tuple[bytes, str]:
    if hasattr(source, "read"):
        name = "the input"
    else:
        name = os.fspath(source)  # type: ignore[arg-type]
        name = "stdin" if name == "-" else name
    limit = limits.MAX_INPUT_BYTES

    def too_big(size: int) -> InputError:
        return InputError(f"{name} is larger than MAX_INPUT_BYTES ({limit} bytes)")

    try:
        data = read_bounded(source, limit, too_big)
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if hasattr(source, "read"):
        return data, getattr(source, "name", "<file>")
    return data, "<stdin>" if name == "stdin" else name


class TransactionStream:
    """The transactions of one input, one at a time: iterate it for ``(raw, sender)`` pairs (``sender`` the
    input's 20-byte ``from`` for that transaction, or None). :attr:`skipped` counts the unsupported
    transactions left out so far (with ``skip_unsupported``). Iterate once."""

    def __init__(self, source: PathOrFile, skip_unsupported: bool, name: str | None = None):
        self._source = source
        self._name = name
        self._collector = Collector(skip_unsupported)
        self._started = False

    @property
    def skipped(self) -> int:
        return self._collector.skipped

    def __iter__(self) -> Iterator[tuple[bytes, bytes | None]]:
        if self._started:
            raise InputError("a transaction stream is read once")
        self._started = True
        f, name, close = _open_binary(self._source)
        name = self._name or name
        try:
            yield from self._read(f, name)
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
        finally:
            if close:
                f.close()

    def _drain(self) -> Iterator[tuple[bytes, bytes | None]]:
        c = self._collector
        yield from zip(c.raws, c.senders)
        c.raws.clear()
        c.senders.clear()

    def _read(self, f: BinaryIO, name: str) -> Iterator[tuple[bytes, bytes | None]]:
        c = self._collector
        if f.peek(len(_PARQUET_MAGIC))[:len(_PARQUET_MAGIC)] == _PARQUET_MAGIC:
            yield from self._whole(_rest(f, 0, name), name)
            return
        line_no = 0
        while True:  # the first line that is not blank decides the shape
            line = f.readline(limits.MAX_LINE_BYTES + 1)
            if not line:
                return
            line_no += 1
            if line_no == 1:
                line = line.removeprefix(_BOM)
            if len(line) > limits.MAX_LINE_BYTES:
                if line.lstrip()[:1] in (b"[", b"{"):  # one JSON document on one line
                    yield from self._whole(line + _rest(f, len(line), name), name)
                    return
                raise _too_long(name, line_no)
            if line.strip():
                break
        text = _decode(line, line_no, name)
        first = text.lstrip()
        if first[0] == "[" or (first[0] == "{" and not is_one_value(text)):
            # One JSON document (an array, or an object over several lines): read whole, within MAX_INPUT_BYTES.
            yield from self._whole(line + _rest(f, len(line), name), name)
            return
        json_lines = first[0] == "{"
        while True:
            if text and not text.isspace():
                where = f"line {line_no}"
                if json_lines:
                    read_line(text, c, where)
                else:
                    c.add_raw(hex_bytes(text, where), None, where)
                yield from self._drain()  # each line's transactions before the next line is read
            line = f.readline(limits.MAX_LINE_BYTES + 1)
            if not line:
                return
            line_no += 1
            if len(line) > limits.MAX_LINE_BYTES:
                raise _too_long(name, line_no)
            text = _decode(line, line_no, name)

    def _whole(self, data: bytes, name: str) -> Iterator[tuple[bytes, bytes | None]]:
        _read_whole(data, name, self._collector)
        yield from self._drain()


def iter_transactions(source: PathOrFile, *, skip_unsupported: bool = False) -> TransactionStream:
    """The transactions of ``source`` (a path, ``-`` for stdin, or an open binary file), one at a time, in
    memory that does not grow with the input: JSON Lines (records or blocks, one per line) and hex lines are
    read a line at a time (each at most ``MAX_LINE_BYTES``), whatever the size of the file; one JSON document
    (an array, or an object over several lines) and Parquet are read whole, within ``MAX_INPUT_BYTES``.
    Validation and errors are those of :func:`read_transactions`, raised when the reader reaches them."""
    return TransactionStream(source, skip_unsupported)


def _open_binary(source: PathOrFile) -> tuple[BinaryIO, str, bool]:
    """A buffered binary file (one that can ``peek``), its name, and whether to close it."""
    if hasattr(source, "read"):
        f = source
        if isinstance(f.read(0), str):  # a text file: read its bytes
            f = getattr(f, "buffer", None) or io.BytesIO(f.read().encode("utf-8"))  # type: ignore[union-attr]
        if not hasattr(f, "peek"):
            f = io.BufferedReader(f)  # type: ignore[arg-type]
        return f, getattr(source, "name", "the input"), False  # type: ignore[return-value]
    name = os.fspath(source)  # type: ignore[arg-type]
    if name == "-":
        return sys.stdin.buffer, "stdin", False
    try:
        return open(name, "rb"), name, True
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc


def _too_long(name: str, line_no: int) -> InputError:
    return InputError(f"{name}: line {line_no} is longer than MAX_LINE_BYTES ({limits.MAX_LINE_BYTES} bytes)")


def _rest(f: BinaryIO, already: int, name: str) -> bytes:
    limit = limits.MAX_INPUT_BYTES - already
    data = f.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name} holds one JSON document or Parquet table larger than MAX_INPUT_BYTES "
                         f"({limits.MAX_INPUT_BYTES} bytes); JSON Lines and hex lines have no size limit")
    return data


def _decode(line: bytes, line_no: int, name: str) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        if line_no == 1:
            raise InputError(f"{name} is neither UTF-8 text nor Parquet (byte {exc.start})") from None
        raise InputError(f"line {line_no} is not UTF-8 (byte {exc.start})") from None
