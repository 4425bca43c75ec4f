"""What the readers produce: :class:`Transactions`, gathered by one :class:`Collector` that validates each
transaction as a reader yields it and keeps the skip count and the senders.

A raw transaction is validated by the column core's strict envelope walk (``core.check_tx``), which accepts
exactly what :func:`batchkit.tx.parse_tx` accepts, without building a transaction object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..coerce import parse_sender
from ..errors import InputError, UnsupportedTransactionError
from ..format._backend import core
from .bounds import check_record


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


class Collector:
    """Validates transactions as the readers yield them, and keeps the skip count and the senders."""

    def __init__(self, skip_unsupported: bool):
        self.skip_unsupported = skip_unsupported
        self.raws: list[bytes] = []
        self.senders: list[bytes | None] = []
        self.skipped = 0
        self.index = 0  # position among all transactions of the input, skipped ones included

    def add_raw(self, raw: bytes, sender: Any, where: str) -> None:
        check_record(raw, where, self.index)
        self.add(lambda index: (core.check_tx(raw, index), raw)[1], sender, where)

    def add(self, build, sender: Any, where: str) -> None:
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
            raise InputError(f"{where}: {exc.reason}", index=index) from None
        check_record(raw, where, index)
        self.raws.append(raw)
        self.senders.append(self._sender(sender, where, index))

    @staticmethod
    def _sender(value: Any, where: str, index: int) -> bytes | None:
        if value is None:
            return None
        try:
            return parse_sender(value)
        except InputError as exc:
            raise InputError(f"{where}: {exc.reason}", index=index) from None

    def result(self) -> Transactions:
        senders = self.senders if self.senders and all(s is not None for s in self.senders) else None
        return Transactions(self.raws, senders, self.skipped)  # type: ignore[arg-type]
