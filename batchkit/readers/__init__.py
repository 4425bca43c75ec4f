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

Example::

    >>> from batchkit.readers import read_transactions
    >>> txs = read_transactions("block.json", skip_unsupported=True)    # doctest: +SKIP
    >>> len(txs.raws), txs.skipped, txs.senders is not None             # doctest: +SKIP
    (151, 1, True)
"""

from __future__ import annotations

import os

from .. import limits
from ..errors import InputError
from ..files import PathOrFile, read_bounded
from .collect import Collector, Transactions
from .cryo import read_cryo_table
from .hexlines import read_hex_lines
from .jsonl import read_json
from .node import parse_block_range, read_node

__all__ = ["read_transactions", "read_node", "parse_block_range", "Transactions"]

_PARQUET_MAGIC = b"PAR1"


def read_transactions(path_or_file: PathOrFile, *, skip_unsupported: bool = False) -> Transactions:
    """Read every transaction of a file, ``-`` (stdin), or an open file object (binary or text).

    The shape is detected from the content (see the module docstring). Reads at most
    :data:`batchkit.limits.MAX_INPUT_BYTES`. Raises :class:`InputError` for anything unreadable, naming the line or the
    transaction index, and :class:`UnsupportedTransactionError` for an unsupported type unless
    ``skip_unsupported``.
    """
    data, name = _read_input(path_or_file)
    collector = Collector(skip_unsupported)
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
        read_json(text, collector)
    else:
        read_hex_lines(text, collector)
    return collector.result()


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
