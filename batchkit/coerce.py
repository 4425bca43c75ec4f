"""What the API accepts, as the bytes the codec takes: raw transactions given as bytes, hex or eth-account
signed transactions; senders given as bytes or hex; and the sender labels the encoder groups nonces by.

Every function raises :class:`InputError` naming the transaction's ``index``.
"""

from __future__ import annotations

from typing import Any, Sequence

from .errors import InputError
from .tx import parse_tx


def hex_bytes(text: str, what: str, index: int | None = None) -> bytes:
    """``text`` as bytes: hex digits, ``0x`` optional, surrounding whitespace ignored."""
    text = text.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InputError(f"{what} is not valid hex", index=index) from None


def parse_sender(sender: Any, index: int | None = None) -> bytes:
    """A 20-byte sender address given as bytes-like or hex (``0x`` optional)."""
    if isinstance(sender, str):
        try:
            sender = bytes.fromhex(sender[2:] if sender.startswith(("0x", "0X")) else sender)
        except ValueError:
            raise InputError("sender is not hex", index=index) from None
    try:
        sender = memoryview(sender).tobytes()  # not bytes(): bytes(20) would be a zero address
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
    :func:`~batchkit.tx.parse_tx` (which may raise :class:`UnsupportedTransactionError`).
    """
    if isinstance(obj, (bytes, bytearray, memoryview)):
        raw = bytes(obj)
    elif isinstance(obj, str):
        raw = hex_bytes(obj, "transaction", index)
    else:
        attr = getattr(obj, "raw_transaction", None)
        if attr is None:
            attr = getattr(obj, "rawTransaction", None)
        if attr is None:
            raise InputError(f"cannot read a transaction from a {type(obj).__name__}: give bytes, a hex "
                             "string or a signed transaction with .raw_transaction", index=index)
        raw = bytes(attr) if not isinstance(attr, str) else hex_bytes(attr, "raw_transaction", index)
    if validate:
        parse_tx(raw, index)
    return raw


class SenderLabels:
    """Sender labels for the encoder: equal senders get equal labels (in order of first occurrence), and
    an unknown sender (``None``) a label of its own, so its nonce is stored whole."""

    def __init__(self) -> None:
        self._table: dict[bytes, int] = {}
        self._unknown = 0

    def label(self, sender: bytes | None) -> int:
        if sender is None:
            self._unknown += 1
            return -self._unknown
        return self._table.setdefault(sender, len(self._table))


def sender_keys(senders: Sequence, n: int) -> list:
    """What the codec groups nonces by, one per transaction (equal keys = same sender): ``senders`` themselves
    when every one is a 20-byte ``bytes`` (no label table to build), else :func:`sender_labels`."""
    if len(senders) == n and set(map(type, senders)) <= {bytes} and set(map(len, senders)) <= {20}:
        return senders if isinstance(senders, list) else list(senders)
    return sender_labels(senders, n)


def sender_labels(senders: Sequence, n: int) -> list[int]:
    """One label per transaction from ``senders`` (20-byte addresses as bytes or hex, one per transaction;
    ``None`` for an unknown sender, which gets a group of its own)."""
    if len(senders) != n:
        raise InputError(f"{len(senders)} senders for {n} transactions")
    if set(map(type, senders)) <= {bytes} and set(map(len, senders)) <= {20}:  # C-level passes, no frames
        # The common case (senders recovered or given as bytes): one dict lookup per transaction. A new
        # sender gets len(table), the count before it is inserted: the label SenderLabels would give it.
        table: dict[bytes, int] = {}
        return [table.setdefault(s, len(table)) for s in senders]
    labels = SenderLabels()
    return [labels.label(None if s is None else parse_sender(s, i)) for i, s in enumerate(senders)]
