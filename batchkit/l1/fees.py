"""Fees for the poster's transactions: what the node asks now, under the caps the user sets, and the bumps a
replacement needs.

Prices come from the node: the next block's base fee and blob base fee from ``eth_feeHistory`` (its last
entries are for the block being built; ``eth_blobBaseFee`` when the history has no blob fees), the tip from
``eth_maxPriorityFeePerGas`` (the history's median reward when the node lacks it). A transaction offers

    max_priority_fee_per_gas = tip
    max_fee_per_gas          = 2 * base_fee + tip           (room for six full blocks of base-fee rises)
    max_fee_per_blob_gas     = 2 * blob_base_fee

each at most its cap. When what the block needs now (``base_fee + tip``, ``blob_base_fee``) is above a cap,
:func:`suggest` returns ``None``: the poster waits rather than send a transaction that cannot be included.

A replacement (same nonce) must raise every fee field by :data:`BUMP_PERCENT` (10%, geth's and reth's
``txpool.pricebump``) or, for a blob transaction, :data:`BLOB_BUMP_PERCENT` (100%: geth's blob pool), and
never offers less than a fresh :func:`suggest` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import InputError, RpcError, RpcResponseError
from ..readers.node import hex_quantity

__all__ = ["Fees", "FeeCaps", "Prices", "node_prices", "suggest", "bump", "BUMP_PERCENT", "BLOB_BUMP_PERCENT"]

#: Least raise of each fee field a node takes for a replacement transaction.
BUMP_PERCENT = 10
#: The same for a blob transaction (geth's blob pool).
BLOB_BUMP_PERCENT = 100
#: eth_feeHistory reward percentile used when the node has no eth_maxPriorityFeePerGas.
TIP_PERCENTILE = 50

Call = Callable[[str, list], Any]


@dataclass(frozen=True)
class Prices:
    """What the next block costs, in wei."""

    base_fee: int
    blob_base_fee: int
    tip: int


@dataclass(frozen=True)
class FeeCaps:
    """The most the poster may offer per gas and per blob gas, in wei (None: no cap)."""

    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    max_fee_per_blob_gas: int | None = None

    def __post_init__(self):
        for name in ("max_fee_per_gas", "max_priority_fee_per_gas", "max_fee_per_blob_gas"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise InputError(f"the cap {name} must be a non-negative number of wei, not {value!r}")


@dataclass(frozen=True)
class Fees:
    """The fee fields of one transaction (``max_fee_per_blob_gas`` is 0 for a transaction without blobs)."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    max_fee_per_blob_gas: int = 0

    def fields(self) -> dict[str, int]:
        out = {"maxFeePerGas": self.max_fee_per_gas, "maxPriorityFeePerGas": self.max_priority_fee_per_gas}
        if self.max_fee_per_blob_gas:
            out["maxFeePerBlobGas"] = self.max_fee_per_blob_gas
        return out



def node_prices(call: Call, url: str = "") -> Prices:
    """The next block's base fee, blob base fee and a tip, from the node (see the module docstring)."""
    history = call("eth_feeHistory", [1, "latest", [TIP_PERCENTILE]])
    if not isinstance(history, dict) or not isinstance(history.get("baseFeePerGas"), list) \
            or not history["baseFeePerGas"]:
        raise RpcResponseError("eth_feeHistory answered without baseFeePerGas", url=url)
    base_fee = hex_quantity(history["baseFeePerGas"][-1], "eth_feeHistory baseFeePerGas", url)
    blob_fees = history.get("baseFeePerBlobGas")
    if isinstance(blob_fees, list) and blob_fees:
        blob_base_fee = hex_quantity(blob_fees[-1], "eth_feeHistory baseFeePerBlobGas", url)
    else:
        blob_base_fee = hex_quantity(call("eth_blobBaseFee", []), "eth_blobBaseFee", url)
    try:
        tip = hex_quantity(call("eth_maxPriorityFeePerGas", []), "eth_maxPriorityFeePerGas", url)
    except RpcError:
        rewards = history.get("reward") or [["0x0"]]
        tip = hex_quantity(rewards[-1][0], "eth_feeHistory reward", url)
    return Prices(base_fee, max(blob_base_fee, 1), tip)


def suggest(prices: Prices, caps: FeeCaps, *, blobs: bool) -> Fees | None:
    """The fees to offer at ``prices`` under ``caps``, or None when the next block needs more than a cap
    allows (the poster then waits)."""
    tip = prices.tip
    if caps.max_priority_fee_per_gas is not None:
        tip = min(tip, caps.max_priority_fee_per_gas)
    max_fee = 2 * prices.base_fee + tip
    if caps.max_fee_per_gas is not None:
        if caps.max_fee_per_gas < prices.base_fee + min(tip, 1):
            return None
        max_fee = min(max_fee, caps.max_fee_per_gas)
        tip = min(tip, max_fee)
    blob_fee = 0
    if blobs:
        blob_fee = 2 * prices.blob_base_fee
        if caps.max_fee_per_blob_gas is not None:
            if caps.max_fee_per_blob_gas < prices.blob_base_fee:
                return None
            blob_fee = min(blob_fee, caps.max_fee_per_blob_gas)
    return Fees(max_fee, tip, blob_fee)


def _raise(value: int, percent: int) -> int:
    return value + max(1, -(-value * percent // 100))


def bump(old: Fees, fresh: Fees | None, caps: FeeCaps) -> Fees | None:
    """The fees of a replacement for a transaction sent with ``old``: every field raised by the bump a node
    requires (100% for a blob transaction, else 10%), and at least ``fresh`` (the current suggestion), or
    None if that passes a cap (the transaction then stays as it is)."""
    percent = BLOB_BUMP_PERCENT if old.max_fee_per_blob_gas else BUMP_PERCENT
    tip = _raise(old.max_priority_fee_per_gas, percent)
    max_fee = _raise(old.max_fee_per_gas, percent)
    blob_fee = _raise(old.max_fee_per_blob_gas, percent) if old.max_fee_per_blob_gas else 0
    if fresh is not None:
        tip = max(tip, fresh.max_priority_fee_per_gas)
        max_fee = max(max_fee, fresh.max_fee_per_gas, tip)
        if blob_fee:
            blob_fee = max(blob_fee, fresh.max_fee_per_blob_gas)
    if caps.max_priority_fee_per_gas is not None and tip > caps.max_priority_fee_per_gas:
        return None
    if caps.max_fee_per_gas is not None and max_fee > caps.max_fee_per_gas:
        return None
    if blob_fee and caps.max_fee_per_blob_gas is not None and blob_fee > caps.max_fee_per_blob_gas:
        return None
    return Fees(max_fee, tip, blob_fee)
