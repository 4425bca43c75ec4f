"""What posting a batch costs, as calldata and as blobs.

:func:`estimate` takes a batchkit payload (it starts with ``BK``), which is decoded to count its
transactions and costed as it is, the bytes of a transactions file (any shape
:func:`batchkit.readers.read_transactions` reads), or transactions already read (a
:class:`~batchkit.readers.Transactions`, e.g. from :func:`batchkit.readers.read_node`), which are compressed at
``level`` (senders recovered from the signatures unless the input carries them).
:func:`batchkit.cost.compare` then prices the payload.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from . import cost
from .api import compress, decompress
from .errors import InputError
from .format import v1
from .readers import Transactions, read_transactions

__all__ = ["Estimate", "estimate"]


@dataclass(frozen=True)
class Estimate:
    payload: bytes
    """The payload costed: the input itself, or the input's transactions compressed."""
    transactions: int
    skipped: int
    """Unsupported transactions left out (``skip_unsupported``)."""
    comparison: cost.Comparison


def estimate(data: bytes | Transactions, *, level: str | int = "default", base_fee: int | str = "12gwei",
             blob_base_fee: int | str | None = None, excess_blob_gas: int | None = None, fork: str = "bpo2",
             eth_usd: float | str | None = None, skip_unsupported: bool = False) -> Estimate:
    """Cost ``data`` (a payload, a transactions file's bytes, or :class:`Transactions`) posted as calldata and
    as blobs (``skip_unsupported`` applies to a file's bytes; :class:`Transactions` carry their own count).

    Fees are wei as integers or amounts with a unit (``"12gwei"``, see :func:`batchkit.cost.parse_wei`);
    the other parameters are those of :func:`batchkit.cost.compare`. Raises :class:`InputError` for input
    without transactions or bad arguments, :class:`DecodeError` for a payload that does not decode.
    """
    base_fee = cost.parse_wei(base_fee)
    blob_base_fee = None if blob_base_fee is None else cost.parse_wei(blob_base_fee)
    if not isinstance(data, Transactions) and data[:2] == v1.MAGIC:
        payload = bytes(data)
        n = len(decompress(payload))
        skipped = 0
    else:
        txs = data if isinstance(data, Transactions) else \
            read_transactions(io.BytesIO(data), skip_unsupported=skip_unsupported)
        skipped = txs.skipped
        if not txs.raws:
            raise InputError("no transactions in the input")
        payload = compress(txs.raws, level=level, senders=txs.senders, recover=True)
        n = len(txs.raws)
    if n == 0:
        raise InputError("the payload holds no transactions")
    comparison = cost.compare(payload, n, base_fee=base_fee, blob_base_fee=blob_base_fee,
                              excess_blob_gas=excess_blob_gas, fork=fork, eth_usd=eth_usd)
    return Estimate(payload, n, skipped, comparison)
