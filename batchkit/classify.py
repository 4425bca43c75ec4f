"""Transaction classes, the kinds rollups publish costs for (OP and Base report data cost per transaction
type): plain transfers, token transfers and approvals, swaps, ERC-4337 bundles, and the rest.

A class is read from the signed transaction alone, by its calldata's 4-byte selector and its ``to``:

- :data:`EMPTY`: no calldata (ETH transfers, and calls of a contract's receive function).
- :data:`ERC20`: ``transfer``, ``transferFrom``, ``approve``, ``increaseAllowance`` with exactly their ABI
  argument length (a call of another contract that happens to share a selector would be longer or shorter).
- :data:`ERC4337`: ``handleOps`` / ``handleAggregatedOps`` of EntryPoint v0.6 and v0.7/v0.8, or any call to a
  known EntryPoint address.
- :data:`SWAP`: a call to a known DEX router (Uniswap v2/v3/Universal Router, 1inch, 0x), or one of the
  router swap selectors (Uniswap v2 ``swap*``, v3 ``exact*``, Universal Router ``execute``, 1inch ``swap``).
- :data:`OTHER`: everything else, contract creations included.

The selector lists are the keccak-256 of the signatures named beside them (``tests/test_classify.py``
recomputes each). A transaction that does not parse is :class:`~batchkit.errors.InputError`, as everywhere.

Example::

    >>> from batchkit.classify import classify
    >>> classify(raw_tx)                  # doctest: +SKIP
    'ERC-20 transfer/approve'
"""

from __future__ import annotations

from typing import Iterable

from .tx import parse_tx

__all__ = ["CLASSES", "EMPTY", "ERC20", "SWAP", "ERC4337", "OTHER", "classify", "classify_parsed", "split",
           "ERC20_SELECTORS", "ERC4337_SELECTORS", "SWAP_SELECTORS", "ENTRY_POINTS", "ROUTERS"]

EMPTY = "empty calldata"
ERC20 = "ERC-20 transfer/approve"
SWAP = "swap"
ERC4337 = "ERC-4337 bundle"
OTHER = "other"
#: Every class, in the order reports list them.
CLASSES = (EMPTY, ERC20, SWAP, ERC4337, OTHER)

#: selector -> (signature, calldata length in bytes: selector + static ABI arguments).
ERC20_SELECTORS: dict[bytes, tuple[str, int]] = {
    bytes.fromhex("a9059cbb"): ("transfer(address,uint256)", 68),
    bytes.fromhex("23b872dd"): ("transferFrom(address,address,uint256)", 100),
    bytes.fromhex("095ea7b3"): ("approve(address,uint256)", 68),
    bytes.fromhex("39509351"): ("increaseAllowance(address,uint256)", 68),
}

_OP06 = "(address,uint256,bytes,bytes,uint256,uint256,uint256,uint256,uint256,bytes,bytes)"
_OP07 = "(address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes)"
#: EntryPoint bundle selectors (v0.6 UserOperation, v0.7/v0.8 PackedUserOperation).
ERC4337_SELECTORS: dict[bytes, str] = {
    bytes.fromhex("1fad948c"): f"handleOps({_OP06}[],address)",
    bytes.fromhex("4b1d7cf5"): f"handleAggregatedOps(({_OP06}[],address,bytes)[],address)",
    bytes.fromhex("765e827f"): f"handleOps({_OP07}[],address)",
    bytes.fromhex("dbed18e0"): f"handleAggregatedOps(({_OP07}[],address,bytes)[],address)",
}
#: EntryPoint deployments (the same address on every chain): v0.6, v0.7, v0.8.
ENTRY_POINTS = frozenset(bytes.fromhex(a) for a in (
    "5ff137d4b0fdcd49dca30c7cf57e578a026d2789",
    "0000000071727de22e5e9d8baf0edac6f37da032",
    "4337084d9e255ff0702461cf8895ce9e3b5ff108",
))

_V3IN = "(address,address,uint24,address,uint256,uint256,uint256,uint160)"
#: Router swap selectors.
SWAP_SELECTORS: dict[bytes, str] = {
    bytes.fromhex("38ed1739"): "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
    bytes.fromhex("8803dbee"): "swapTokensForExactTokens(uint256,uint256,address[],address,uint256)",
    bytes.fromhex("7ff36ab5"): "swapExactETHForTokens(uint256,address[],address,uint256)",
    bytes.fromhex("fb3bdb41"): "swapETHForExactTokens(uint256,address[],address,uint256)",
    bytes.fromhex("18cbafe5"): "swapExactTokensForETH(uint256,uint256,address[],address,uint256)",
    bytes.fromhex("4a25d94a"): "swapTokensForExactETH(uint256,uint256,address[],address,uint256)",
    bytes.fromhex("5c11d795"):
        "swapExactTokensForTokensSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)",
    bytes.fromhex("b6f9de95"): "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)",
    bytes.fromhex("791ac947"):
        "swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)",
    bytes.fromhex("414bf389"): f"exactInputSingle({_V3IN})",
    bytes.fromhex("c04b8d59"): "exactInput((bytes,address,uint256,uint256,uint256))",
    bytes.fromhex("db3e2198"): f"exactOutputSingle({_V3IN})",
    bytes.fromhex("f28c0498"): "exactOutput((bytes,address,uint256,uint256,uint256))",
    bytes.fromhex("04e45aaf"): "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
    bytes.fromhex("b858183f"): "exactInput((bytes,address,uint256,uint256))",
    bytes.fromhex("3593564c"): "execute(bytes,bytes[],uint256)",
    bytes.fromhex("24856bc3"): "execute(bytes,bytes[])",
    bytes.fromhex("12aa3caf"): "swap(address,(address,address,address,address,uint256,uint256,uint256),bytes,bytes)",
    bytes.fromhex("07ed2379"): "swap(address,(address,address,address,address,uint256,uint256,uint256),bytes)",
}
#: DEX routers on Ethereum mainnet (and, for most, the same address on the rollups).
ROUTERS = frozenset(bytes.fromhex(a) for a in (
    "7a250d5630b4cf539739df2c5dacb4c659f2488d",  # Uniswap v2 Router02
    "e592427a0aece92de3edee1f18e0157c05861564",  # Uniswap v3 SwapRouter
    "68b3465833fb72a70ecdf485e0e4c7bd8665fc45",  # Uniswap v3 SwapRouter02
    "ef1c6e67703c7bd7107eed8303fbe6ec2554bf6b",  # Uniswap Universal Router (2022)
    "3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad",  # Uniswap Universal Router
    "66a9893cc07d91d95644aedd05d03f95e1dba8af",  # Uniswap v4 Universal Router
    "1111111254eeb25477b68fb85ed929f73a960582",  # 1inch v5
    "111111125421ca6dc452d289314280a0f8842a65",  # 1inch v6
    "def1c0ded9bec7f1a1670819833240f027b25eff",  # 0x Exchange Proxy
))


def classify_parsed(to: bytes | None, data: bytes) -> str:
    """The class of a transaction with recipient ``to`` (None: a contract creation) and calldata ``data``."""
    if not data:
        return EMPTY
    if to is None:
        return OTHER
    selector = bytes(data[:4])
    erc20 = ERC20_SELECTORS.get(selector)
    if erc20 is not None and len(data) == erc20[1]:
        return ERC20
    if to in ENTRY_POINTS or selector in ERC4337_SELECTORS:
        return ERC4337
    if to in ROUTERS or selector in SWAP_SELECTORS:
        return SWAP
    return OTHER


def classify(raw: bytes) -> str:
    """The class (one of :data:`CLASSES`) of the signed transaction ``raw``."""
    tx = parse_tx(raw)
    return classify_parsed(tx.to, tx.data)


def split(raws: Iterable[bytes]) -> dict[str, list[bytes]]:
    """``raws`` grouped by class, each group in input order; every class is a key (empty ones too)."""
    out: dict[str, list[bytes]] = {c: [] for c in CLASSES}
    for raw in raws:
        out[classify(raw)].append(raw)
    return out
