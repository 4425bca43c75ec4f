"""What posting a payload costs on L1, as calldata or as blobs. Integer arithmetic throughout (wei, gas).

Calldata (each transaction, ``tokens = zero_bytes + 4 * nonzero_bytes``):

- before Pectra (EIP-2028): ``21000 + 4 * tokens + execution_gas`` (16 per non-zero byte, 4 per zero byte);
- from Pectra (EIP-7623): ``21000 + max(4 * tokens + execution_gas, 10 * tokens)``; a batch sent to an inbox
  address executes nothing, so the floor binds: 40 gas per non-zero byte, 10 per zero byte;
- EIP-7976 (scheduled for Glamsterdam, *not live*; fork ``"glamsterdam"`` or ``eip7976=True``):
  ``21000 + max(4 * tokens + execution_gas, 64 * len(data))``, 64 gas per byte, zero or not.

Contract creation costs (32000 + initcode words) are not modelled: batches are calls.

Blobs (EIP-4844 with the schedules of EIP-7691 and EIP-7892):

- ``blob_base_fee = fake_exponential(1, excess_blob_gas, update_fraction)`` wei per blob gas;
  a blob uses ``GAS_PER_BLOB`` = 131,072 blob gas;
- a blob transaction pays ``21000`` execution gas at the execution base fee (plus its calldata, usually
  none) and ``GAS_PER_BLOB * blob_base_fee`` per blob; EIP-7594 (Fusaka) allows at most 6 blobs per
  transaction (before it, a transaction could hold up to a block's maximum);
- EIP-7918 (Fusaka) reserve price: when ``BLOB_BASE_COST * base_fee > GAS_PER_BLOB * blob_base_fee``
  (``BLOB_BASE_COST`` = 2^13), the next block's excess blob gas does not fall: it grows by
  ``blob_gas_used * (max - target) // max`` (see :func:`next_excess_blob_gas`). The fee a transaction
  pays in a block is still exactly ``fake_exponential(...)`` of that block's excess: EIP-7918 does not
  clamp it, it makes the fee climb back above ``BLOB_BASE_COST * base_fee / GAS_PER_BLOB`` (=
  base_fee / 16) over the following blocks. That bound is therefore the long-run floor, and it is what
  :func:`compare` assumes when it is given neither a blob base fee nor an excess blob gas.

``FORKS`` (target / max blobs per block, update fraction): cancun 3/6, 3,338,477; prague (Pectra) 6/9,
5,007,716; osaka (Fusaka) keeps Pectra's blob parameters and adds EIP-7918, EIP-7594 and EIP-7825; bpo1
(2025-12-09) 10/15, 8,346,193; bpo2 (2026-01-07) 14/21, 11,684,671; glamsterdam is *not scheduled in
detail*: it copies bpo2's blob parameters and switches the calldata floor to EIP-7976.

Fees here are base fees only: priority fees (tips) are not included.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence

from . import blob as _blob
from . import calldata as _calldata
from ..errors import InputError

__all__ = [
    "Fork", "FORKS", "GAS_PER_BLOB", "MIN_BASE_FEE_PER_BLOB_GAS", "BLOB_BASE_COST", "TX_BASE_GAS",
    "STANDARD_TOKEN_COST", "FLOOR_COST_PER_TOKEN_7623", "FLOOR_COST_PER_BYTE_7976", "WEI_PER_GWEI",
    "WEI_PER_ETHER", "calldata_tokens", "calldata_gas", "fake_exponential", "blob_base_fee",
    "blob_reserve_price", "next_excess_blob_gas", "blob_txs_needed", "blob_cost", "calldata_cost", "Comparison",
    "compare", "wei_to_eth", "parse_wei", "get_fork", "BlobPosting", "blob_posting",
]

#: Blob gas one blob uses (EIP-4844).
GAS_PER_BLOB = 2**17
#: Smallest blob base fee, in wei (EIP-4844).
MIN_BASE_FEE_PER_BLOB_GAS = 1
#: EIP-7918: a blob's reserve price is the price of this much execution gas.
BLOB_BASE_COST = 2**13
#: Intrinsic gas of every transaction.
TX_BASE_GAS = 21_000
#: EIP-2028 / EIP-7623: gas per calldata token when the standard cost applies (16 per non-zero byte).
STANDARD_TOKEN_COST = 4
#: EIP-7623 floor: gas per token (40 per non-zero byte, 10 per zero byte).
FLOOR_COST_PER_TOKEN_7623 = 10
#: EIP-7976 floor: 16 gas per floor token, 4 floor tokens per byte = 64 gas per byte, zero or not.
FLOOR_COST_PER_BYTE_7976 = 16 * 4
WEI_PER_GWEI = 10**9
WEI_PER_ETHER = 10**18
#: fake_exponential refuses numerator / denominator above this (e^4096: no real fee gets near it).
MAX_FAKE_EXPONENT = 4096


@dataclass(frozen=True)
class Fork:
    """Posting parameters of one fork."""

    name: str
    #: Blobs per block the fee market aims for (EIP-4844, EIP-7691, EIP-7892).
    target_blobs: int
    #: Most blobs per block.
    max_blobs: int
    #: Denominator of the blob base fee exponent.
    update_fraction: int
    #: Calldata floor in force: None (EIP-2028 only), "eip7623" or "eip7976".
    calldata_floor: str | None
    #: EIP-7918 reserve price in the excess blob gas update.
    blob_reserve_price: bool
    #: Most blobs one transaction may carry (EIP-7594 from Fusaka; before, a block's maximum).
    max_blobs_per_tx: int
    #: EIP-7825 per-transaction gas cap, or None.
    tx_gas_cap: int | None


FORKS: dict[str, Fork] = {
    "cancun": Fork("cancun", 3, 6, 3_338_477, None, False, 6, None),
    "prague": Fork("prague", 6, 9, 5_007_716, "eip7623", False, 9, None),
    "osaka": Fork("osaka", 6, 9, 5_007_716, "eip7623", True, 6, 2**24),
    "bpo1": Fork("bpo1", 10, 15, 8_346_193, "eip7623", True, 6, 2**24),
    "bpo2": Fork("bpo2", 14, 21, 11_684_671, "eip7623", True, 6, 2**24),
    "glamsterdam": Fork("glamsterdam", 14, 21, 11_684_671, "eip7976", True, 6, 2**24),
}
_ALIASES = {"dencun": "cancun", "pectra": "prague", "fusaka": "osaka", "amsterdam": "glamsterdam"}


def get_fork(fork: str | Fork) -> Fork:
    """The :class:`Fork` named ``fork`` (a key of FORKS, or dencun / pectra / fusaka / amsterdam)."""
    if isinstance(fork, Fork):
        return fork
    if isinstance(fork, str):
        key = fork.strip().lower()
        key = _ALIASES.get(key, key)
        if key in FORKS:
            return FORKS[key]
    raise InputError(f"unknown fork {fork!r}; known: {', '.join(FORKS)}")


def _nonneg_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{what} must be a non-negative integer, got {value!r}")
    return value


def _as_bytes(data: Any, what: str = "data") -> bytes:
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise InputError(f"{what} must be bytes-like, not {type(data).__name__}") from None


# -------------------------------------------------------------------------------------------- calldata

def calldata_tokens(data: bytes) -> int:
    """EIP-7623 tokens: ``zero_bytes + 4 * nonzero_bytes``."""
    b = _as_bytes(data)
    zeros = b.count(0)
    return zeros + 4 * (len(b) - zeros)


def calldata_gas(data: bytes, *, fork: str | Fork = "bpo2", execution_gas: int = 0, eip7976: bool = False) -> int:
    """Gas used by one transaction carrying ``data`` and doing ``execution_gas`` of execution.

    ``eip7976=True`` applies the EIP-7976 floor (64 gas per byte) whatever the fork.

    >>> calldata_gas(b"\\x00\\x01", fork="cancun"), calldata_gas(b"\\x00\\x01", fork="prague")
    (21020, 21050)
    """
    f = get_fork(fork)
    b = _as_bytes(data)
    execution_gas = _nonneg_int(execution_gas, "execution_gas")
    tokens = calldata_tokens(b)
    standard = STANDARD_TOKEN_COST * tokens + execution_gas
    floor_kind = "eip7976" if eip7976 else f.calldata_floor
    if floor_kind is None:
        return TX_BASE_GAS + standard
    if floor_kind == "eip7623":
        return TX_BASE_GAS + max(standard, FLOOR_COST_PER_TOKEN_7623 * tokens)
    return TX_BASE_GAS + max(standard, FLOOR_COST_PER_BYTE_7976 * len(b))


def calldata_cost(frames: Sequence[bytes], base_fee: int, fork: str | Fork = "bpo2", *, eip7976: bool = False) -> int:
    """Wei to post ``frames``, one transaction each, at execution base fee ``base_fee``."""
    base_fee = _nonneg_int(base_fee, "base_fee")
    if isinstance(frames, (bytes, bytearray, memoryview)) or not isinstance(frames, (list, tuple)):
        raise InputError("frames must be a list of frames (bytes), one per transaction")
    return sum(calldata_gas(fr, fork=fork, eip7976=eip7976) for fr in frames) * base_fee


# ----------------------------------------------------------------------------------------------- blobs

def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844's integer approximation of ``factor * e ** (numerator / denominator)``.

    >>> fake_exponential(1, 0, 3_338_477)
    1
    """
    factor = _nonneg_int(factor, "factor")
    numerator = _nonneg_int(numerator, "numerator")
    denominator = _nonneg_int(denominator, "denominator")
    if denominator == 0:
        raise InputError("denominator must be positive")
    if numerator > MAX_FAKE_EXPONENT * denominator:
        raise InputError(f"exponent {numerator}/{denominator} is above {MAX_FAKE_EXPONENT}")
    i = 1
    output = 0
    accum = factor * denominator
    while accum > 0:
        output += accum
        accum = (accum * numerator) // (denominator * i)
        i += 1
    return output // denominator


def blob_base_fee(excess_blob_gas: int, fork: str | Fork = "bpo2") -> int:
    """Blob base fee (wei per blob gas) at ``excess_blob_gas`` under ``fork``'s update fraction."""
    return fake_exponential(MIN_BASE_FEE_PER_BLOB_GAS, _nonneg_int(excess_blob_gas, "excess_blob_gas"),
                            get_fork(fork).update_fraction)


_fee_at_excess = blob_base_fee  # compare() takes a parameter of the same name


def blob_reserve_price(base_fee: int) -> int:
    """EIP-7918 reserve price per blob gas, rounded down: ``BLOB_BASE_COST * base_fee // GAS_PER_BLOB``
    (= base_fee // 16). The reserve binds while ``BLOB_BASE_COST * base_fee > GAS_PER_BLOB * blob_base_fee``."""
    return BLOB_BASE_COST * _nonneg_int(base_fee, "base_fee") // GAS_PER_BLOB


def next_excess_blob_gas(parent_excess: int, parent_blob_gas_used: int, parent_base_fee: int,
                         fork: str | Fork = "bpo2") -> int:
    """Excess blob gas of a block from its parent's header (EIP-4844, with EIP-7918 from Fusaka).

    ``target = GAS_PER_BLOB * target_blobs``. If ``parent_excess + parent_blob_gas_used < target`` the result
    is 0. Otherwise, under EIP-7918, if ``BLOB_BASE_COST * parent_base_fee > GAS_PER_BLOB *
    blob_base_fee(parent_excess)`` the result is ``parent_excess + parent_blob_gas_used * (max_blobs -
    target_blobs) // max_blobs``; else (and always before Fusaka) ``parent_excess + parent_blob_gas_used -
    target``. The parent's blob base fee uses this fork's update fraction (fork boundaries not modelled).
    """
    f = get_fork(fork)
    parent_excess = _nonneg_int(parent_excess, "parent_excess")
    used = _nonneg_int(parent_blob_gas_used, "parent_blob_gas_used")
    parent_base_fee = _nonneg_int(parent_base_fee, "parent_base_fee")
    target = GAS_PER_BLOB * f.target_blobs
    if parent_excess + used < target:
        return 0
    if f.blob_reserve_price and BLOB_BASE_COST * parent_base_fee > GAS_PER_BLOB * blob_base_fee(parent_excess, f):
        return parent_excess + used * (f.max_blobs - f.target_blobs) // f.max_blobs
    return parent_excess + used - target


def blob_txs_needed(n_blobs: int, fork: str | Fork = "bpo2") -> int:
    """Blob transactions needed for ``n_blobs`` blobs (at most ``max_blobs_per_tx`` each; 0 for 0 blobs)."""
    return -(-_nonneg_int(n_blobs, "n_blobs") // get_fork(fork).max_blobs_per_tx)


def blob_cost(n_blobs: int, *, base_fee: int, blob_base_fee: int, fork: str | Fork = "bpo2",
              tx_calldata: bytes = b"") -> int:
    """Wei to post ``n_blobs`` blobs in as few blob transactions as the fork allows, each carrying
    ``tx_calldata``: ``txs * calldata_gas(tx_calldata) * base_fee + n_blobs * GAS_PER_BLOB * blob_base_fee``.

    With no calldata one transaction's execution part is ``21000 * base_fee``.
    """
    n_blobs = _nonneg_int(n_blobs, "n_blobs")
    if n_blobs == 0:
        raise InputError("a blob transaction carries at least one blob")
    base_fee = _nonneg_int(base_fee, "base_fee")
    blob_fee = _nonneg_int(blob_base_fee, "blob_base_fee")
    txs = blob_txs_needed(n_blobs, fork)
    return txs * calldata_gas(tx_calldata, fork=fork) * base_fee + n_blobs * GAS_PER_BLOB * blob_fee


@dataclass(frozen=True)
class BlobPosting:
    """What posting ``blobs`` blobs for ``n_txs`` L2 transactions costs, in blob transactions of at most
    ``blobs_per_tx`` blobs each (no calldata). Gas and wei exact; per-transaction figures rounded down."""

    layout: str
    """How the payloads were laid into blobs (for example "blob stream", "per-payload blobs")."""
    n_txs: int
    blobs: int
    blobs_per_tx: int
    blob_txs: int
    #: Execution gas of the blob transactions (21000 each).
    execution_gas: int
    #: Blob gas (GAS_PER_BLOB per blob).
    blob_gas: int
    base_fee: int
    blob_base_fee: int
    wei: int
    blob_gas_per_tx: int
    wei_per_tx: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def blob_posting(layout: str, n_blobs: int, n_txs: int, *, base_fee: int, blob_base_fee: int,
                 fork: str | Fork = "bpo2", blobs_per_tx: int | None = None) -> BlobPosting:
    """Price ``n_blobs`` blobs carrying ``n_txs`` L2 transactions: ``ceil(n_blobs / blobs_per_tx)`` blob
    transactions (``blobs_per_tx`` defaults to the fork's most blobs per transaction, and may not pass it),
    each paying ``TX_BASE_GAS`` at ``base_fee``, and ``GAS_PER_BLOB`` per blob at ``blob_base_fee``."""
    f = get_fork(fork)
    n_blobs = _nonneg_int(n_blobs, "n_blobs")
    n_txs = _nonneg_int(n_txs, "n_txs")
    if n_txs == 0:
        raise InputError("n_txs must be at least 1")
    per_tx = f.max_blobs_per_tx if blobs_per_tx is None else _nonneg_int(blobs_per_tx, "blobs_per_tx")
    if not 1 <= per_tx <= f.max_blobs_per_tx:
        raise InputError(f"blobs_per_tx must be from 1 to {f.max_blobs_per_tx} under {f.name}, not {per_tx}")
    base_fee = _nonneg_int(base_fee, "base_fee")
    blob_fee = _nonneg_int(blob_base_fee, "blob_base_fee")
    txs = -(-n_blobs // per_tx)
    execution_gas = txs * calldata_gas(b"", fork=f)
    blob_gas = n_blobs * GAS_PER_BLOB
    wei = execution_gas * base_fee + blob_gas * blob_fee
    return BlobPosting(layout, n_txs, n_blobs, per_tx, txs, execution_gas, blob_gas, base_fee, blob_fee, wei,
                       blob_gas // n_txs, wei // n_txs)


# --------------------------------------------------------------------------------------------- compare

def wei_to_eth(wei: int) -> Decimal:
    """``wei`` in ether, exactly."""
    return Decimal(wei).scaleb(-18)


@dataclass(frozen=True)
class Comparison:
    """Cost of posting one payload as calldata and as blobs. Wei and gas are exact integers; per-transaction
    figures are rounded down; ETH values are exact Decimals; USD values are rounded to 1e-6."""

    fork: str
    payload_bytes: int
    n_txs: int
    base_fee: int
    blob_base_fee: int
    #: "given", "excess_blob_gas" or "eip7918-reserve" / "minimum" (the default when neither was given).
    blob_base_fee_source: str
    calldata_frames: int
    calldata_gas: int
    calldata_wei: int
    blobs: int
    blob_txs: int
    #: Execution gas of the blob transactions (21000 each).
    blob_tx_gas: int
    #: Blob gas used (GAS_PER_BLOB per blob).
    blob_gas: int
    blob_wei: int
    calldata_wei_per_tx: int
    blob_wei_per_tx: int
    calldata_eth: Decimal
    blob_eth: Decimal
    eth_usd: Decimal | None
    calldata_usd: Decimal | None
    blob_usd: Decimal | None
    #: "blobs", "calldata" or "equal".
    cheaper: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: Decimals become strings."""
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def _parse_price(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise InputError(f"eth_usd must be a number, got {value!r}")
    try:
        d = Decimal(str(value)) if isinstance(value, (int, float, str)) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InputError(f"eth_usd must be a number, got {value!r}") from None
    if not d.is_finite() or d < 0:
        raise InputError(f"eth_usd must be a finite non-negative number, got {value!r}")
    return d


def compare(payload_bytes: bytes, n_txs: int, *, base_fee: int, blob_base_fee: int | None = None,
            excess_blob_gas: int | None = None, fork: str | Fork = "bpo2", eth_usd: Any = None) -> Comparison:
    """Compare posting ``payload_bytes`` (the payload itself) carrying ``n_txs`` L2 transactions.

    Calldata side: :func:`batchkit.l1.calldata.frame`, one L1 transaction per frame, at ``calldata_gas``.
    Blob side: :func:`batchkit.l1.blob.blobs_needed` blobs in ``ceil(blobs / max_blobs_per_tx)`` blob
    transactions with no calldata. Give at most one of ``blob_base_fee`` and ``excess_blob_gas``; with
    neither, the blob base fee is the EIP-7918 long-run floor ``max(1, base_fee // 16)`` on forks that have
    it, else the minimum of 1 wei. ``eth_usd`` (number or numeric string) adds USD figures.
    """
    f = get_fork(fork)
    data = _as_bytes(payload_bytes, "payload_bytes")
    n_txs = _nonneg_int(n_txs, "n_txs")
    if n_txs == 0:
        raise InputError("n_txs must be at least 1")
    base_fee = _nonneg_int(base_fee, "base_fee")
    if blob_base_fee is not None and excess_blob_gas is not None:
        raise InputError("give blob_base_fee or excess_blob_gas, not both")
    if blob_base_fee is not None:
        bbf, source = _nonneg_int(blob_base_fee, "blob_base_fee"), "given"
    elif excess_blob_gas is not None:
        bbf, source = _fee_at_excess(excess_blob_gas, f), "excess_blob_gas"
    elif f.blob_reserve_price:
        bbf, source = max(MIN_BASE_FEE_PER_BLOB_GAS, blob_reserve_price(base_fee)), "eip7918-reserve"
    else:
        bbf, source = MIN_BASE_FEE_PER_BLOB_GAS, "minimum"
    price = None if eth_usd is None else _parse_price(eth_usd)

    frames = _calldata.frame(data)
    cd_gas = sum(calldata_gas(fr, fork=f) for fr in frames)
    cd_wei = cd_gas * base_fee

    n_blobs = _blob.blobs_needed(len(data))
    txs = blob_txs_needed(n_blobs, f)
    tx_gas = txs * calldata_gas(b"", fork=f)
    b_gas = n_blobs * GAS_PER_BLOB
    b_wei = blob_cost(n_blobs, base_fee=base_fee, blob_base_fee=bbf, fork=f)
    assert b_wei == tx_gas * base_fee + b_gas * bbf

    def usd(wei: int) -> Decimal | None:
        return None if price is None else (wei_to_eth(wei) * price).quantize(Decimal("0.000001"))

    cheaper = "equal" if cd_wei == b_wei else ("blobs" if b_wei < cd_wei else "calldata")
    return Comparison(
        fork=f.name, payload_bytes=len(data), n_txs=n_txs, base_fee=base_fee, blob_base_fee=bbf,
        blob_base_fee_source=source, calldata_frames=len(frames), calldata_gas=cd_gas, calldata_wei=cd_wei,
        blobs=n_blobs, blob_txs=txs, blob_tx_gas=tx_gas, blob_gas=b_gas, blob_wei=b_wei,
        calldata_wei_per_tx=cd_wei // n_txs, blob_wei_per_tx=b_wei // n_txs,
        calldata_eth=wei_to_eth(cd_wei), blob_eth=wei_to_eth(b_wei), eth_usd=price,
        calldata_usd=usd(cd_wei), blob_usd=usd(b_wei), cheaper=cheaper,
    )


# ----------------------------------------------------------------------------------------------- units

_UNITS = {"": 0, "wei": 0, "gwei": 9, "ether": 18, "eth": 18}
_AMOUNT_RE = re.compile(r"([0-9]+)(?:\.([0-9]+))?\s*([a-z]*)\Z")
_MAX_AMOUNT_CHARS = 100


def parse_wei(text: str | int) -> int:
    """Parse an amount of ether into wei, exactly: ``"12gwei"``, ``"1.5 gwei"``, ``"0.01eth"``,
    ``"2 ether"``, ``"100wei"``, ``"100"`` (plain numbers are wei). Case-insensitive. A plain int is
    returned as is. Raises InputError for anything else, negative amounts and fractions of a wei.

    >>> parse_wei("1.5gwei")
    1500000000
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return _nonneg_int(text, "amount")
    if not isinstance(text, str):
        raise InputError(f"amount must be a string or an integer, got {type(text).__name__}")
    if len(text) > _MAX_AMOUNT_CHARS:
        raise InputError(f"amount is longer than {_MAX_AMOUNT_CHARS} characters")
    m = _AMOUNT_RE.match(text.strip().lower())
    if m is None or m.group(3) not in _UNITS:
        raise InputError(f"cannot parse amount {text!r}: expected a number with an optional unit "
                         "(wei, gwei, ether, eth)")
    whole, frac, unit = m.group(1), (m.group(2) or "").rstrip("0"), m.group(3)
    exp = _UNITS[unit]
    if len(frac) > exp:
        raise InputError(f"amount {text!r} is not a whole number of wei")
    # Exact in integers (a Decimal context would round past 28 digits).
    return int(whole) * 10**exp + (int(frac) * 10 ** (exp - len(frac)) if frac else 0)
