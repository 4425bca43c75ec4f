"""L1 prices from a node: the execution base fee (``baseFeePerGas`` of the latest block) and the blob base fee
(``eth_blobBaseFee``; a node without that method: the latest block's ``excessBlobGas`` through the fork's
``fake_exponential``), over the bounded JSON-RPC client of :mod:`batchkit.readers.node` (time-outs, retries,
answer size and nesting limits).

:func:`resolve` is what ``batchkit estimate`` and ``batchkit bench`` do: a fee given is used as it is; one not
given comes from the node when there is one, else from the named default; each comes with where it came from.

Example::

    >>> from batchkit.l1.prices import node_prices
    >>> p = node_prices("http://127.0.0.1:8545")                     # doctest: +SKIP
    >>> p.base_fee, p.blob_base_fee, p.block                          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import JsonRpcError, RpcResponseError
from ..readers.node import hex_quantity
from . import cost

__all__ = ["NodePrices", "node_prices", "resolve", "Resolved", "DEFAULT_BASE_FEE", "ESTIMATE_BLOB_BASE_FEE",
           "BENCH_BLOB_BASE_FEE"]

#: The execution base fee used without a node and without ``--base-fee``.
DEFAULT_BASE_FEE = "12gwei"
#: ``estimate`` without a node and without ``--blob-base-fee``: the EIP-7918 reserve price at the base fee
#: (``base_fee // 16``), the long-run floor of the blob base fee from Osaka on.
ESTIMATE_BLOB_BASE_FEE = "the EIP-7918 reserve (base fee / 16)"
#: ``bench`` without a node and without ``--blob-base-fee``.
BENCH_BLOB_BASE_FEE = "1gwei"
#: JSON-RPC "method not found".
_METHOD_NOT_FOUND = -32601


@dataclass(frozen=True)
class NodePrices:
    base_fee: int
    """``baseFeePerGas`` of block :attr:`block`, wei."""
    blob_base_fee: int | None
    """Wei per blob gas; ``None`` when the node has neither ``eth_blobBaseFee`` nor ``excessBlobGas`` (before
    Cancun)."""
    block: int
    blob_source: str
    """``"eth_blobBaseFee"`` or ``"excessBlobGas"`` (or ``"none"``)."""



def node_prices(url: str, *, fork: str = "bpo2", timeout: float | None = None, retries: int | None = None,
                notify=None) -> NodePrices:
    """The node's current prices: the latest block's ``baseFeePerGas`` and ``eth_blobBaseFee`` (the blob base
    fee of the next block). Raises the :class:`~batchkit.errors.RpcError` subclasses of
    :func:`batchkit.readers.read_node`, :class:`RpcResponseError` for a block without ``baseFeePerGas``."""
    from ..readers.node import DEFAULT_RETRIES, DEFAULT_TIMEOUT, RpcClient

    node = RpcClient(url, concurrency=1, timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
                 retries=DEFAULT_RETRIES if retries is None else retries, notify=notify)
    try:
        block = node.call("eth_getBlockByNumber", ["latest", False])
        if not isinstance(block, dict):
            raise RpcResponseError("the latest block is not a JSON object", url=node.shown)
        number = hex_quantity(block.get("number"), "the latest block's number", node.shown)
        if block.get("baseFeePerGas") is None:
            raise RpcResponseError(f"block {number} has no baseFeePerGas (a chain before London?): give the fees",
                                   url=node.shown, block=number)
        base_fee = hex_quantity(block["baseFeePerGas"], "baseFeePerGas", node.shown)
        try:
            blob = hex_quantity(node.call("eth_blobBaseFee", []), "eth_blobBaseFee", node.shown)
            source = "eth_blobBaseFee"
        except JsonRpcError as exc:
            if exc.code != _METHOD_NOT_FOUND:
                raise
            if block.get("excessBlobGas") is None:
                blob, source = None, "none"
            else:
                excess = hex_quantity(block["excessBlobGas"], "excessBlobGas", node.shown)
                blob, source = cost.blob_base_fee(excess, fork), "excessBlobGas"
        return NodePrices(base_fee, blob, number, source)
    finally:
        node.close()


@dataclass(frozen=True)
class Resolved:
    base_fee: int
    blob_base_fee: int | None
    """``None``: left to :func:`batchkit.l1.cost.compare` (the EIP-7918 reserve, or the excess blob gas)."""
    base_fee_source: str
    blob_base_fee_source: str


def resolve(base_fee: str | int | None, blob_base_fee: str | int | None, *, rpc: str | None, fork: str = "bpo2",
            default_blob_base_fee: str | None = None, need_blob: bool = True, timeout: float | None = None,
            notify=None) -> Resolved:
    """Fees for a run: each one given is used as it is (``"given"``); with a node (``rpc``) a missing one
    comes from :func:`node_prices` (``"node, block N"``), else from the default (:data:`DEFAULT_BASE_FEE`,
    ``default_blob_base_fee``; ``None``: left to the caller, ``need_blob=False`` also skips asking the node
    for it). ``timeout`` and ``notify``: as for :func:`batchkit.readers.read_node`."""
    bf = None if base_fee is None else cost.parse_wei(base_fee)
    bbf = None if blob_base_fee is None else cost.parse_wei(blob_base_fee)
    bf_source = "given" if bf is not None else ""
    bbf_source = "given" if bbf is not None else ""
    if rpc is not None and (bf is None or (bbf is None and need_blob)):
        prices = node_prices(rpc, fork=fork, timeout=timeout, notify=notify)
        if bf is None:
            bf, bf_source = prices.base_fee, f"the node's, block {prices.block}"
        if bbf is None and need_blob and prices.blob_base_fee is not None:
            bbf, bbf_source = prices.blob_base_fee, f"the node's {prices.blob_source}, block {prices.block}"
    if bf is None:
        bf, bf_source = cost.parse_wei(DEFAULT_BASE_FEE), f"default {DEFAULT_BASE_FEE}: no node, none given"
    if bbf is None and default_blob_base_fee is not None:
        bbf, bbf_source = cost.parse_wei(default_blob_base_fee), \
            f"default {default_blob_base_fee}: no node, none given"
    return Resolved(bf, bbf, bf_source, bbf_source)
