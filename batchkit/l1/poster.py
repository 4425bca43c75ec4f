"""The poster: batches of L2 transactions onto L1 as one v2 stream, carried by a blob stream or calldata
frames, with nonces, fees, replacements, confirmations, restarts and reorgs handled.

Use::

    from batchkit.l1.keys import signer_from_env
    from batchkit.l1.poster import Poster

    poster = Poster("http://127.0.0.1:8545", "0x00000000000000000000000000000000000b0b0b",
                    signer=signer_from_env("BATCHER_KEY"), da="blobs", confirmations=2)
    summary = poster.post(batches)      # batches: an iterable of lists of signed raw transactions (bytes)
    summary = poster.run(txs)           # or transactions, cut into batches of ``batch_bytes`` raw bytes
    plan = poster.plan(batches)         # what it would send and cost at the node's prices; nothing signed

What goes on chain (what a deriving node reads)
===============================================

Each batch becomes one payload of a v2 stream (:class:`batchkit.StreamEncoder`, a keyframe every
``keyframe_every`` payloads). Transactions from the poster's address to ``inbox`` carry the payloads:

- ``da="blobs"``: type-3 transactions (no calldata, 21,000 gas) whose blobs form one blob stream
  (:mod:`batchkit.l1.blobstream`, blob indexes consecutive over all of the poster's blob transactions);
  blobs are sent as they fill, up to ``blobs_per_tx`` (6) per transaction, the last one flushed at the end.
- ``da="calldata"``: type-2 transactions whose data is one calldata frame (:mod:`batchkit.l1.calldata`);
  a payload too large for one frame takes several transactions, in frame order.
- ``da="auto"``: per payload the cheaper of the two at the node's current prices (by :mod:`batchkit.l1.cost`),
  switching only when the other is cheaper by ``hysteresis`` (20%) so it does not flap. Before a calldata
  payload the open blob is flushed, so every payload is whole on L1 before the next one starts.

The v2 stream's order is the order in which payloads complete on L1: by the transaction holding a
payload's last byte (its last blob or last frame), in block order, blob order within a transaction.
A node derives it with :class:`~batchkit.l1.blobstream.BlobStreamDecoder` over the blob transactions,
:func:`~batchkit.l1.calldata.unframe` over the calldata ones, and one :class:`batchkit.StreamDecoder`.

The chain is the state
======================

The poster keeps nothing on disk. On start it reads blocks back from the head (ten per request) for its
own transactions to ``inbox`` until they hold the beginning of a keyframe payload (or its account's first
transaction, or ``scan_blocks`` blocks were read), takes its pending ones from the node's pool
(``txpool_content``), decodes what they carry (blobs read back with ``anvil_getBlobsByTransactionHash``
or a beacon node's ``/eth/v1/beacon/blobs/{block}`` when ``beacon_url`` is given, pending blob
transactions from their network form), and goes on from there: input batches whose payloads are on chain
are skipped (each checked to be the same transactions; the input before the first keyframe found was
posted earlier), the v2 encoder resumes from the payloads since
the last keyframe (:meth:`batchkit.StreamEncoder.resume`), the blob stream resumes after its last blob
(:meth:`~batchkit.l1.blobstream.BlobStreamEncoder.resume`), and a payload begun on chain (a blob or frame
posted, the rest not) is made again, checked to begin with the bytes posted, and finished. Batches are
cut deterministically (the same input gives the same batches), so a rerun of the same command continues
the same stream: no payload twice, none missing. The scan must reach back to the stream's last keyframe
(:class:`~batchkit.errors.ChainStateError` otherwise).

Fees, replacement, confirmations, reorgs
========================================

Nonces and fees come from the node (:mod:`batchkit.l1.fees`) under ``caps``; while the next block needs
more than a cap allows, the poster waits. A transaction not included ``replace_after`` blocks after it
was sent is replaced at the same nonce, every fee raised by 10% (100% for a blob transaction), the same
content. The poster keeps at most ``max_in_flight`` transactions unconfirmed, and returns once every one
is ``confirmations`` blocks deep (0: once sent). A transaction whose block leaves the chain before that is
sent again at its nonce with the same content (and so is every later one the reorg dropped): the stream
a node derives stays the same.

Backlog: with ``levels`` (for example ``("max", "default", "fast")``) the poster reads its input ahead
into a queue of at most ``2 * backlog`` batches; when ``backlog`` batches or more wait there (input arrives
faster than it is compressed and posted) the next payload is made one level lower, and one level higher
once at most a quarter of ``backlog`` wait; each change starts a new v2 segment (a keyframe). :attr:`Summary.levels` counts
the payloads made at each level.

Errors: :class:`~batchkit.errors.InputError` (bad URL, inbox, option), the
:class:`~batchkit.errors.RpcError` family (node unreachable, JSON-RPC error),
:class:`~batchkit.errors.ChainIdMismatchError`, :class:`~batchkit.errors.InsufficientFundsError` (checked
before each transaction is sent), :class:`~batchkit.errors.ChainStateError`. No message quotes the key.
One poster posts from one thread at a time (its methods are serialised by a lock).
"""

from __future__ import annotations

import queue
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from . import blob as _blob
from . import calldata as _calldata
from . import cost as _cost
from .blobstream import BODY_SIZE, LENGTH_SIZE, BlobStreamDecoder, BlobStreamEncoder, StreamBlob
from .fees import FeeCaps, Fees, bump, node_prices, suggest
from .keys import Signer
from .sidecar import FORM_V0, FORM_V1, form_of_node, make_sidecar, network_form, parse_network_form
from ..errors import (ChainIdMismatchError, ChainStateError, DecodeError, InputError, InsufficientFundsError,
                      JsonRpcError, RpcResponseError)
from ..readers.node import hex_quantity
from ..limits import MAX_BLOBS_PER_TX

__all__ = ["Poster", "Summary", "Plan", "DA_BLOBS", "DA_CALLDATA", "DA_AUTO", "choose_da", "cut_batches",
           "DEFAULT_BATCH_BYTES", "DEFAULT_SCAN_BLOCKS", "HYSTERESIS", "stream_payload_sizes"]

DA_BLOBS, DA_CALLDATA, DA_AUTO = "blobs", "calldata", "auto"
#: Raw transaction bytes per batch when :meth:`Poster.run` cuts a transaction source (about three blobs
#: of payload at mainnet's ratio).
DEFAULT_BATCH_BYTES = 1 << 20
#: Blocks scanned back from the head on start for what this poster already posted (a day at 12 s).
DEFAULT_SCAN_BLOCKS = 7200
#: ``auto`` switches to the other carrier only when it is cheaper by this share.
HYSTERESIS = 0.2
_LEVEL_NAMES = ("max", "default", "fast")
_ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}\Z")
_BLOCKS_PER_REQUEST = 10
_SYNC_ATTEMPTS = 5


# ------------------------------------------------------------------------------------------------ values

@dataclass
class Summary:
    """What one :meth:`Poster.post` / :meth:`Poster.run` did."""

    l2_txs: int = 0
    """L2 transactions posted by this run (not counting those found on chain)."""
    payloads: int = 0
    l1_txs: int = 0
    """L1 transactions sent (replacements and re-sends not counted again)."""
    blobs: int = 0
    calldata_bytes: int = 0
    replaced: int = 0
    resent_after_reorg: int = 0
    skipped_l2_txs: int = 0
    """L2 transactions whose payloads the chain already held at start."""
    skipped_payloads: int = 0
    gas_used: int = 0
    blob_gas_used: int = 0
    fees_wei: int = 0
    """Paid by the confirmed transactions: gas used times effective gas price, plus blob gas times blob gas price."""
    form: int | None = None
    levels: dict = field(default_factory=dict)
    """Payloads made at each level."""
    level_changes: list = field(default_factory=list)
    """``[payload number in this run, new level]`` for each step of the level by backlog."""
    tx_hashes: list = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plan:
    """What :meth:`Poster.plan` would send and what it would cost at the node's prices (nothing signed)."""

    l2_txs: int
    payloads: int
    payload_bytes: int
    da: str
    blobs: int
    blob_txs: int
    calldata_txs: int
    calldata_bytes: int
    gas: int
    blob_gas: int
    base_fee: int
    blob_base_fee: int
    wei: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Sent:
    nonce: int
    kind: str                      # DA_BLOBS or DA_CALLDATA
    content: Any                   # list of StreamBlob/bytes blobs, or the frame
    gas: int
    fees: Fees
    raw: bytes                     # what was last sent (network form)
    hashes: list
    sent_block: int
    l2_txs: int = 0
    payloads: int = 0
    included: tuple | None = None  # (block number, block hash, tx hash)
    receipt: dict | None = None
    counted: bool = True           # counts in Summary.l1_txs (False for what a restart found pending)
    sidecar: Any = None            # the blobs' Sidecar in the form sent


@dataclass
class _Found:
    """One of the poster's transactions found on chain or pending, in L1 order."""
    nonce: int
    kind: str
    blobs: list | None
    data: bytes
    pending: dict | None = None     # the pool's object, for a pending one
    raw: bytes | None = None


# ------------------------------------------------------------------------------------------------ helpers

def cut_batches(txs: Iterable, batch_bytes: int = DEFAULT_BATCH_BYTES) -> Iterator[list[bytes]]:
    """Consecutive batches of ``txs`` (raw bytes): each closes at the first transaction that brings it to
    ``batch_bytes`` raw bytes or more. Deterministic: the same transactions give the same batches, so a
    restarted poster finds its batches again."""
    if isinstance(batch_bytes, bool) or not isinstance(batch_bytes, int) or batch_bytes < 1:
        raise InputError(f"batch_bytes must be a positive integer, not {batch_bytes!r}")
    batch: list[bytes] = []
    size = 0
    for tx in txs:
        raw = tx if type(tx) is bytes else bytes(tx)
        batch.append(raw)
        size += len(raw)
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def stream_payload_sizes(batches: Iterable[Sequence[bytes]], level: str | int = "default",
                         keyframe_every: int | None = None) -> tuple[list[int], int]:
    """The sizes of the v2 stream payloads a poster makes of ``batches`` from an empty chain, and the number of
    transactions they carry: what :meth:`Poster.plan` and ``batchkit estimate`` price."""
    from ..format.v2 import KEYFRAME_EVERY
    from ..stream import StreamEncoder

    enc = StreamEncoder(level, keyframe_every=KEYFRAME_EVERY if keyframe_every is None else keyframe_every)
    sizes, n = [], 0
    for batch in batches:
        batch = [bytes(t) for t in batch]
        if not batch:
            continue
        sizes.append(len(enc.compress(batch)))
        n += len(batch)
    if not sizes:
        raise InputError("nothing to post: the input holds no transactions")
    return sizes, n


def choose_da(current: str, payload_bytes: int, *, base_fee: int, blob_base_fee: int, tip: int = 0,
              fork: str = "bpo2", hysteresis: float = HYSTERESIS) -> str:
    """``blobs`` or ``calldata`` for the next payload of ``payload_bytes`` in a blob stream, by the cost
    model: the blob share it fills (its record over BODY_SIZE, plus its share of a 6-blob transaction's
    21,000 gas) against its calldata frames (EIP-7623 floor, non-zero bytes assumed). The carrier changes
    only when the other is cheaper by ``hysteresis``."""
    record = payload_bytes + LENGTH_SIZE
    blob_share = record / BODY_SIZE
    blob_wei = blob_share * _cost.GAS_PER_BLOB * blob_base_fee + blob_share / MAX_BLOBS_PER_TX * \
        _cost.TX_BASE_GAS * (base_fee + tip)
    frames = _calldata.frames_needed(payload_bytes)
    gas = frames * _cost.TX_BASE_GAS + (payload_bytes + frames * _calldata.SPLIT_HEADER_SIZE) * \
        _calldata.FLOOR_GAS_PER_NONZERO_BYTE
    calldata_wei = gas * (base_fee + tip)
    if current == DA_CALLDATA:
        return DA_BLOBS if blob_wei < calldata_wei * (1 - hysteresis) else DA_CALLDATA
    return DA_CALLDATA if calldata_wei < blob_wei * (1 - hysteresis) else DA_BLOBS



def _hex_bytes(value: Any, what: str, url: str) -> bytes:
    if not isinstance(value, str) or value[:2] != "0x":
        raise RpcResponseError(f"{what} is not hex data", url=url)
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise RpcResponseError(f"{what} is not hex data", url=url) from None


def parse_address(text: Any, what: str = "the inbox") -> str:
    """A 20-byte address as lower-case ``0x`` hex; InputError for anything else, and for a mixed-case
    address whose EIP-55 checksum is wrong."""
    if not isinstance(text, str) or not _ADDRESS_RE.match(text.strip()):
        raise InputError(f"{what} must be a 20-byte address (0x and 40 hex digits), not {str(text)[:60]!r}")
    text = text.strip()
    body = text[2:]
    if body != body.lower() and body != body.upper():
        from eth_utils import to_checksum_address

        if to_checksum_address(text) != text:
            raise InputError(f"{what} {text} has a wrong EIP-55 checksum (a typo?)")
    return text.lower()


# ------------------------------------------------------------------------------------------------ the poster

class Poster:
    """Posts batches to ``inbox`` on the L1 node at ``l1_url`` (see the module docstring).

    ``signer``: a :class:`~batchkit.l1.keys.Signer` (:func:`~batchkit.l1.keys.signer_from_env`,
    :func:`~batchkit.l1.keys.signer_from_keystore`; may be None for :meth:`plan` only). ``da``: ``blobs``,
    ``calldata`` or ``auto``. ``form``: the blob transactions' network form, None to follow the node's
    fork (version 1 from Osaka on), or 0 / 1 to force it. ``chain_id``: the chain the node must serve
    (None: whatever it serves). ``confirmations``: blocks deep each transaction must be before the poster
    returns (0: return once sent). ``caps``: :class:`~batchkit.l1.fees.FeeCaps`. ``replace_after``: blocks
    before a pending transaction is replaced. ``level``, ``keyframe_every``: the v2 stream's; ``levels`` and
    ``backlog``: stepping the level by backlog. ``batch_bytes``: how :meth:`run` cuts transactions.
    ``blobs_per_tx``: 1 to 6. ``max_in_flight``: unconfirmed transactions at most. ``scan_blocks``: how far
    back the start looks for what was posted. ``poll``: seconds between looks at the node. ``beacon_url``:
    a beacon node to read posted blobs from (else ``anvil_getBlobsByTransactionHash``). ``progress``:
    called with the :class:`Summary` after each transaction sent or confirmed. ``timeout``/``retries``: per
    JSON-RPC request, as for :func:`batchkit.readers.read_node`.
    """

    def __init__(self, l1_url: str, inbox: str, *, signer: Signer | None = None, da: str = DA_BLOBS,
                 form: int | None = None, chain_id: int | None = None, confirmations: int = 1,
                 caps: FeeCaps | None = None, replace_after: int = 3, level: str | int = "default",
                 levels: Sequence | None = None, backlog: int = 8, keyframe_every: int | None = None,
                 batch_bytes: int = DEFAULT_BATCH_BYTES, blobs_per_tx: int = MAX_BLOBS_PER_TX,
                 max_in_flight: int = 8, scan_blocks: int = DEFAULT_SCAN_BLOCKS, poll: float = 1.0,
                 beacon_url: str | None = None, progress: Callable[[Summary], object] | None = None,
                 timeout: float = 30.0, retries: int = 3):
        from ..readers.node import RpcClient
        from ..format.v2 import KEYFRAME_EVERY

        self.inbox = parse_address(inbox)
        if da not in (DA_BLOBS, DA_CALLDATA, DA_AUTO):
            raise InputError(f"da must be blobs, calldata or auto, not {da!r}")
        if form is not None and (form not in (FORM_V0, FORM_V1) or isinstance(form, bool)):
            raise InputError(f"form must be None (the node's), 0 or 1, not {form!r}")
        if signer is not None and not isinstance(signer, Signer):
            raise InputError("signer must be a batchkit.l1.keys.Signer (signer_from_env, signer_from_keystore)")
        for name, value, low in (("confirmations", confirmations, 0), ("replace_after", replace_after, 1),
                                 ("backlog", backlog, 1), ("max_in_flight", max_in_flight, 1),
                                 ("scan_blocks", scan_blocks, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InputError(f"{name} must be an integer of at least {low}, not {value!r}")
        if chain_id is not None and (isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id < 1):
            raise InputError(f"chain_id must be a positive integer, not {chain_id!r}")
        if isinstance(blobs_per_tx, bool) or not isinstance(blobs_per_tx, int) \
                or not 1 <= blobs_per_tx <= MAX_BLOBS_PER_TX:
            raise InputError(f"blobs_per_tx must be 1 to {MAX_BLOBS_PER_TX}, not {blobs_per_tx!r}")
        if isinstance(poll, bool) or not isinstance(poll, (int, float)) or not 0 < poll <= 60:
            raise InputError(f"poll must be a number of seconds in (0, 60], not {poll!r}")
        self.levels = tuple(levels) if levels else (level,)
        for lv in self.levels:
            if not (lv in _LEVEL_NAMES or (isinstance(lv, int) and not isinstance(lv, bool) and 1 <= lv <= 22)):
                raise InputError(f"a level is fast, default, max or a zstd level 1-22, not {lv!r}")
        cut_batches([], batch_bytes)  # checks batch_bytes
        self.da = da
        self.form = form
        self.chain_id = chain_id
        self.confirmations = confirmations
        self.caps = caps if caps is not None else FeeCaps()
        if not isinstance(self.caps, FeeCaps):
            raise InputError("caps must be a batchkit.l1.fees.FeeCaps")
        self.replace_after = replace_after
        self.backlog = backlog
        self.keyframe_every = KEYFRAME_EVERY if keyframe_every is None else keyframe_every
        self.batch_bytes = batch_bytes
        self.blobs_per_tx = blobs_per_tx
        self.max_in_flight = max_in_flight
        self.scan_blocks = scan_blocks
        self.poll = float(poll)
        self.beacon_url = beacon_url
        self.progress = progress
        self.signer = signer
        self._node = RpcClient(l1_url, concurrency=2, timeout=float(timeout), retries=retries)
        self.url = self._node.shown
        self._lock = threading.Lock()

    def close(self) -> None:
        self._node.close()

    def __enter__(self) -> "Poster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- JSON-RPC ---------------------------------------------------------------------------------------

    def _call(self, method: str, params: list) -> Any:
        return self._node.call(method, params)

    def _head(self) -> int:
        return hex_quantity(self._call("eth_blockNumber", []), "eth_blockNumber", self.url)

    def _check_chain(self) -> int:
        got = hex_quantity(self._call("eth_chainId", []), "eth_chainId", self.url)
        if self.chain_id is not None and got != self.chain_id:
            raise ChainIdMismatchError(self.chain_id, got, url=self.url)
        return got

    # --- public -----------------------------------------------------------------------------------------

    def run(self, txs: Iterable) -> Summary:
        """Post the transactions ``txs`` (raw signed bytes), cut into batches by :func:`cut_batches`. On
        start the transactions the chain already holds are skipped one by one (checked to be the same), and
        the cutting starts after them: a rerun may bring more transactions than the run before."""
        if self.signer is None:
            raise InputError("posting needs a signer (signer_from_env or signer_from_keystore)")
        with self._lock:
            return _Run(self).go(txs, cut=True)

    def post(self, batches: Iterable[Sequence[bytes]]) -> Summary:
        """Post ``batches`` (each a list of signed raw transactions, one payload each) after what the chain
        already holds from this poster; returns once every transaction is ``confirmations`` deep."""
        if self.signer is None:
            raise InputError("posting needs a signer (signer_from_env or signer_from_keystore)")
        with self._lock:
            return _Run(self).go(batches)

    def plan(self, batches: Iterable[Sequence[bytes]] | None = None, *, txs: Iterable | None = None) -> Plan:
        """What posting ``batches`` (or ``txs``, cut as :meth:`run` does) from an empty chain would send,
        and its cost at the node's prices now: nothing is signed or sent (``--dry-run``)."""
        from .blobstream import stream_blobs_needed

        if (batches is None) == (txs is None):
            raise InputError("give batches or txs")
        if txs is not None:
            batches = cut_batches(txs, self.batch_bytes)
        self._check_chain()
        prices = node_prices(self._call, self.url)
        sizes, n = stream_payload_sizes(batches, self.levels[0], self.keyframe_every)
        da = self.da
        if da == DA_AUTO:
            da = choose_da(DA_BLOBS, sum(sizes) // len(sizes), base_fee=prices.base_fee,
                           blob_base_fee=prices.blob_base_fee, tip=prices.tip)
        blobs = blob_txs = calldata_txs = calldata_bytes = gas = blob_gas = 0
        if da == DA_BLOBS:
            blobs = stream_blobs_needed(sizes)
            blob_txs = -(-blobs // self.blobs_per_tx)
            gas = blob_txs * _cost.TX_BASE_GAS
            blob_gas = blobs * _cost.GAS_PER_BLOB
        else:
            for size in sizes:
                count = _calldata.frames_needed(size)
                calldata_txs += count
                header = _calldata.SINGLE_HEADER_SIZE if count == 1 else _calldata.SPLIT_HEADER_SIZE
                calldata_bytes += size + count * header
                # The payload's bytes are compressed: the floor prices them as non-zero.
                gas += count * _cost.TX_BASE_GAS + (size + count * header) * _calldata.FLOOR_GAS_PER_NONZERO_BYTE
        wei = gas * (prices.base_fee + prices.tip) + blob_gas * prices.blob_base_fee
        return Plan(n, len(sizes), sum(sizes), da, blobs, blob_txs, calldata_txs, calldata_bytes, gas, blob_gas,
                    prices.base_fee, prices.blob_base_fee, wei)


class _Run:
    """One post(): the state of the stream, the encoders and the transactions in flight."""

    def __init__(self, poster: Poster):
        self.p = poster
        self.summary = Summary()
        self.address = poster.signer.address.lower()
        self.tracked: list[_Sent] = []
        self.ready: list[StreamBlob] = []        # sealed blobs not yet sent
        self.ready_meta: list[tuple[int, int]] = []
        self.level_index = 0
        self.enc = None                          # StreamEncoder
        self.bse: BlobStreamEncoder | None = None
        self.carrier = DA_BLOBS if poster.da != DA_CALLDATA else DA_CALLDATA
        self.open_partial: tuple | None = None   # what the first new payload must finish
        self.expected: list[list[bytes]] = []    # decoded payloads on chain, to skip in the input
        self.pending_l2 = 0

    # --- start: read the chain ----------------------------------------------------------------------------

    def sync(self) -> None:
        p = self.p
        self.chain_id = p._check_chain()
        self.form = p.form if p.form is not None else form_of_node(p._call)
        self.summary.form = self.form
        for attempt in range(_SYNC_ATTEMPTS):
            # The nonce at a fixed head, the blocks up to it, then the pool: a transaction mined meanwhile
            # leaves the pool and is not in the blocks scanned, so the look is made again.
            head = p._head()
            latest = hex_quantity(p._call("eth_getTransactionCount", [self.address, hex(head)]), "nonce", p.url)
            found = self._scan(head) if latest else []
            pending = self._pending(latest, last_try=attempt == _SYNC_ATTEMPTS - 1)
            if pending is not None:
                break
        found += pending
        self.nonce = latest + len(pending)
        self._rebuild_state(found)

    def _scan(self, head: int) -> list[_Found]:
        """The poster's inbox transactions, oldest first, read back from the head down, in requests of
        _BLOCKS_PER_REQUEST blocks, until they hold a keyframe's beginning (all the stream's resumption needs)
        or the account's first transaction, or ``scan_blocks`` blocks were read."""
        p = self.p
        lowest = max(0, head - p.scan_blocks + 1)
        found: list[_Found] = []
        high = head
        while high >= lowest:
            chunk = list(range(max(lowest, high - _BLOCKS_PER_REQUEST + 1), high + 1))
            high = chunk[0] - 1
            blocks = p._node.batch([("eth_getBlockByNumber", [hex(n), True]) for n in chunk], blocks=chunk)
            new: list[_Found] = []
            for number, block in zip(chunk, blocks):
                if not isinstance(block, dict) or not isinstance(block.get("transactions"), list):
                    raise RpcResponseError("not a block", url=p.url, block=number)
                for tx in block["transactions"]:
                    if not isinstance(tx, dict) or str(tx.get("from", "")).lower() != self.address \
                            or str(tx.get("to") or "").lower() != p.inbox:
                        continue
                    kind = DA_BLOBS if tx.get("type") == "0x3" else DA_CALLDATA
                    blobs = self._blobs_of(tx, number) if kind == DA_BLOBS else None
                    new.append(_Found(hex_quantity(tx.get("nonce"), "nonce", p.url), kind, blobs,
                                      _hex_bytes(tx.get("input", "0x"), "input", p.url)))
            found = new + found
            if new and (new[0].nonce == 0 or _holds_keyframe(found)):
                break
        return found

    def _blobs_of(self, tx: dict, number: int) -> list[bytes]:
        p = self.p
        hashes = [h.lower() for h in tx.get("blobVersionedHashes") or []]
        if p.beacon_url:
            got = _beacon_blobs(p.beacon_url, number, hashes)
        else:
            answer = p._call("anvil_getBlobsByTransactionHash", [tx["hash"]])
            if not isinstance(answer, list):
                raise RpcResponseError("anvil_getBlobsByTransactionHash did not answer with a list of blobs",
                                       url=p.url, block=number)
            got = [_hex_bytes(b, "a blob", p.url) for b in answer]
        if len(got) != len(hashes):
            raise ChainStateError(f"{len(got)} blobs read back for transaction {tx['hash']}, which has "
                                  f"{len(hashes)}")
        for b, h in zip(got, hashes):
            if "0x" + _blob.versioned_hash(_blob.commitment(b)).hex() != h:
                raise ChainStateError(f"a blob read back for transaction {tx['hash']} does not match its "
                                      "versioned hash")
        return got

    def _pending(self, latest: int, *, last_try: bool) -> list[_Found] | None:
        """The poster's transactions in the node's pool from nonce ``latest`` on; None when one of them left
        the pool meanwhile (mined: look again)."""
        p = self.p
        pending_nonce = hex_quantity(p._call("eth_getTransactionCount", [self.address, "pending"]), "nonce", p.url)
        if pending_nonce <= latest:
            return []
        try:
            pool = p._call("txpool_content", [])
        except JsonRpcError:
            raise ChainStateError(f"the account has {pending_nonce - latest} transactions pending and the node "
                                  "does not show its pool (txpool_content): wait for them to be mined, then run "
                                  "again") from None
        mine = {}
        for section in ("pending", "queued"):
            for addr, txs in ((pool or {}).get(section) or {}).items():
                if addr.lower() == self.address:
                    mine.update({int(n): tx for n, tx in txs.items()})
        out = []
        for nonce in range(latest, pending_nonce):
            tx = mine.get(nonce)
            if tx is None and not last_try:
                return None
            if tx is None:
                raise ChainStateError(f"the node counts a pending transaction at nonce {nonce} but its pool "
                                      "does not show it: wait for it to be mined or dropped, then run again")
            if str(tx.get("to") or "").lower() != p.inbox:
                raise ChainStateError(f"the pending transaction at nonce {nonce} is not to the inbox: the "
                                      "account is in use by something else")
            raw = _hex_bytes(p._call("eth_getRawTransactionByHash", [tx["hash"]]), "raw transaction", p.url)
            if tx.get("type") == "0x3":
                try:
                    _, car = parse_network_form(raw)
                except DecodeError:
                    raise ChainStateError(f"the node does not give the blobs of the pending transaction at "
                                          f"nonce {nonce}: wait for it to be mined, then run again") from None
                out.append(_Found(nonce, DA_BLOBS, list(car.blobs), b"", tx, raw))
            else:
                out.append(_Found(nonce, DA_CALLDATA, None, _hex_bytes(tx.get("input", "0x"), "input", p.url),
                                  tx, raw))
        return out

    def _rebuild_state(self, found: list[_Found]) -> None:
        """Decode what the chain holds; set the encoders, what to skip and what to finish."""
        from ..stream import StreamDecoder
        from ..format.v2 import parse_header

        p = self.p
        dec, payloads, frames, carrier = _decode_found(found)
        for f in found:
            if f.pending is not None:
                self._track_found(f)
        if carrier is not None and p.da == DA_AUTO:
            self.carrier = carrier
        # The v2 stream from the first keyframe in view.
        start = next((i for i, b in enumerate(payloads) if _is_keyframe(b, parse_header)), None)
        if payloads and start is None:
            raise ChainStateError(f"{len(payloads)} payloads found in the last {p.scan_blocks} blocks, none a "
                                  "keyframe: scan further back (scan_blocks / --scan-blocks)")
        decoder = StreamDecoder()
        segment_from = start
        for i, b in enumerate(payloads[start:] if start is not None else [], start or 0):
            try:
                self.expected.append([bytes(t) for t in decoder.decompress(b)])
            except DecodeError as exc:
                raise ChainStateError(f"payload {i} on chain does not decode in the stream: {exc}") from None
            if _is_keyframe(b, parse_header):
                segment_from = i
        segment = payloads[segment_from:] if start is not None else []
        # The blob stream after its last blob.
        if dec.next_blob is not None and dec.last_layout is not None and not dec.synced:
            raise ChainStateError(f"the poster's blobs in the last {p.scan_blocks} blocks hold no payload's "
                                  "beginning: scan further back (scan_blocks / --scan-blocks)")
        open_index = dec.open_payload
        if dec.next_blob is not None:
            self.bse_decoder = dec
        else:
            self.bse_decoder = None
        self.open_partial = None
        if open_index is not None:
            self.open_partial = (DA_BLOBS, None)
        elif frames:
            self.open_partial = (DA_CALLDATA, frames)
        self.segment = segment
        self.level_index = 0
        self.enc = self._resumed_encoder(self.p.levels[0])
        if self.bse_decoder is None:
            self.bse = BlobStreamEncoder()
        elif self.open_partial is None:
            self.bse = BlobStreamEncoder.resume(self.bse_decoder)
        else:
            self.bse = None  # made when the open payload is made again

    def _resumed_encoder(self, level):
        from ..stream import StreamEncoder

        enc = StreamEncoder(level, keyframe_every=self.p.keyframe_every)
        if self.segment:
            enc.resume(self.segment)
        return enc

    def _track_found(self, f: _Found) -> None:
        tx = f.pending
        fees = Fees(int(tx["maxFeePerGas"], 16), int(tx["maxPriorityFeePerGas"], 16),
                    int(tx.get("maxFeePerBlobGas", "0x0"), 16))
        head = self.p._head()
        self.tracked.append(_Sent(f.nonce, f.kind, f.blobs if f.kind == DA_BLOBS else f.data,
                                  int(tx["gas"], 16), fees, f.raw, [tx["hash"]], head, counted=False))

    # --- the main loop ----------------------------------------------------------------------------------

    def go(self, batches: Iterable, *, cut: bool = False) -> Summary:
        self.sync()
        if cut:
            wanted = [t for payload in self.expected for t in payload]
            self.summary.skipped_payloads = len(self.expected)
            batches = cut_batches(self._skip_txs(batches, wanted), self.p.batch_bytes)
            self.expected = []
        source = _Ahead(batches, 2 * self.p.backlog) if len(self.p.levels) > 1 else _Plain(batches)
        try:
            # The input before the first payload decoded (from the first keyframe seen) was posted earlier.
            skipping = list(self.expected)
            seen_first = not skipping
            for batch in source:
                batch = [t if type(t) is bytes else bytes(t) for t in batch]
                if not batch:
                    continue
                if skipping:
                    if not seen_first:
                        if batch != skipping[0]:
                            continue  # posted before the blocks scanned
                        seen_first = True
                    if batch != skipping[0]:
                        raise ChainStateError("the chain holds a payload with other transactions than the input's "
                                              f"batch at this point ({len(skipping[0])} on chain, {len(batch)} "
                                              "here): another input or another batching")
                    skipping.pop(0)
                    self.summary.skipped_payloads += 1
                    self.summary.skipped_l2_txs += len(batch)
                    continue
                if not seen_first:
                    raise ChainStateError("the input does not hold the batches found on chain")
                self._adjust_level(source)
                self._post_payload(batch)
                self._tend()
            if skipping and self.expected:
                raise ChainStateError(f"the chain holds {len(skipping)} more payloads than the input has batches")
            if self.open_partial is not None:
                raise ChainStateError("the chain holds the beginning of a payload and the input ends before it")
            if self.bse is not None:
                self._ready(self.bse.flush())
            self._send_ready(final=True)
            self._wait_all()
        finally:
            source.close()
        return self.summary

    def _skip_txs(self, txs: Iterable, wanted: list[bytes]) -> Iterator[bytes]:
        """``txs`` after ``wanted`` (those the chain's payloads hold from the first keyframe seen, each
        checked; the input before them was posted earlier), counted as skipped."""
        it = iter(txs)
        i = 0
        if wanted:
            for tx in it:
                if (tx if type(tx) is bytes else bytes(tx)) == wanted[0]:
                    i = 1
                    break
            else:
                raise ChainStateError("the input does not hold the transactions found on chain")
        for tx in it:
            raw = tx if type(tx) is bytes else bytes(tx)
            if i < len(wanted):
                self.summary.skipped_l2_txs = i + 1
                if raw != wanted[i]:
                    raise ChainStateError(f"transaction {i} of those found on chain is not the input's "
                                          "transaction at that point: another input")
                i += 1
                continue
            yield raw
        if i < len(wanted):
            raise ChainStateError(f"the chain holds {len(wanted) - i} more transactions than the input")
        self.summary.skipped_l2_txs = i

    def _adjust_level(self, source) -> None:
        levels = self.p.levels
        if len(levels) == 1 or self.open_partial is not None:
            return
        waiting = source.waiting()
        new = self.level_index
        if waiting >= self.p.backlog and new < len(levels) - 1:
            new += 1
        elif waiting <= self.p.backlog // 4 and new > 0:
            new -= 1
        if new != self.level_index:
            from ..stream import StreamEncoder

            self.level_index = new
            self.enc = StreamEncoder(levels[new], keyframe_every=self.p.keyframe_every)
            self.summary.level_changes.append([self.summary.payloads, str(levels[new])])

    def _encode(self, batch: list[bytes]) -> bytes:
        if self.open_partial is None:
            payload = self.enc.compress(batch)
        else:
            payload = self._finish_partial(batch)
        level = self.p.levels[self.level_index]
        self.summary.levels[str(level)] = self.summary.levels.get(str(level), 0) + 1
        return payload

    def _finish_partial(self, batch: list[bytes]) -> bytes:
        """The payload begun on chain, made again from ``batch`` at whichever level reproduces its prefix."""
        kind, frames = self.open_partial
        tried = []
        for i, level in enumerate(self.p.levels + tuple(x for x in _LEVEL_NAMES if x not in self.p.levels)):
            enc = self._resumed_encoder(level)
            payload = enc.compress(batch)
            tried.append(str(level))
            if kind == DA_BLOBS:
                try:
                    self.bse = BlobStreamEncoder.resume(self.bse_decoder, payload)
                except InputError:
                    continue
                self._ready(self.bse.take_resumed())
                self.carrier = DA_BLOBS
            else:
                mine = _calldata.frame(payload)
                if mine[:len(frames)] != frames:
                    continue
                self.carrier = DA_CALLDATA
                self.bse = BlobStreamEncoder.resume(self.bse_decoder) if self.bse_decoder is not None \
                    else BlobStreamEncoder()
                for f in mine[len(frames):]:
                    self._send_calldata(f, len(batch) if f is mine[-1] else 0)
            self.enc = enc
            self.level_index = self.p.levels.index(level) if level in self.p.levels else 0
            self.open_partial = None
            self.pending_l2 += len(batch) if kind == DA_BLOBS else 0
            self._partial_done = True
            return payload
        raise ChainStateError(f"the payload begun on chain is not what the next batch makes at any level "
                              f"({', '.join(tried)}): another input or another batching")

    def _post_payload(self, batch: list[bytes]) -> None:
        self._partial_done = False
        payload = self._encode(batch)
        self.summary.payloads += 1
        self.summary.l2_txs += len(batch)
        if self._partial_done:
            return
        if self.p.da == DA_AUTO:
            prices = node_prices(self.p._call, self.p.url)
            self.carrier = choose_da(self.carrier, len(payload), base_fee=prices.base_fee,
                                     blob_base_fee=prices.blob_base_fee, tip=prices.tip)
        if self.carrier == DA_BLOBS:
            self.pending_l2 += len(batch)
            self._ready(self.bse.add(payload))
            self._send_ready(final=False)
        else:
            self._ready(self.bse.flush())
            self._send_ready(final=True)
            frames = _calldata.frame(payload)
            for f in frames:
                self._send_calldata(f, len(batch) if f is frames[-1] else 0)

    def _ready(self, blobs: list[StreamBlob]) -> None:
        self.ready += blobs

    def _send_ready(self, *, final: bool) -> None:
        per_tx = self.p.blobs_per_tx
        while len(self.ready) >= per_tx or (final and self.ready):
            group, self.ready = self.ready[:per_tx], self.ready[per_tx:]
            l2 = self.pending_l2 if not self.ready else 0
            if not self.ready:
                self.pending_l2 = 0
            self._send_blobs([b.blob for b in group], l2)

    # --- sending ----------------------------------------------------------------------------------------

    def _fees(self, blobs: bool) -> Fees:
        """The fees to offer now, waiting while a cap is below what the next block needs."""
        while True:
            fees = suggest(node_prices(self.p._call, self.p.url), self.p.caps, blobs=blobs)
            if fees is not None:
                return fees
            self._tend()
            time.sleep(self.p.poll)

    def _wait_room(self) -> None:
        while sum(1 for s in self.tracked if s.included is None) >= self.p.max_in_flight \
                or len(self.tracked) >= 4 * self.p.max_in_flight:
            time.sleep(self.p.poll)
            self._tend()

    def _send_blobs(self, blobs: list[bytes], l2_txs: int) -> None:
        self._wait_room()
        car = make_sidecar(blobs, self.form)
        fees = self._fees(True)
        sent = _Sent(self.nonce, DA_BLOBS, list(blobs), _cost.TX_BASE_GAS, fees, b"", [], 0, l2_txs, sidecar=car)
        self._sign_send(sent)
        self.summary.blobs += len(blobs)

    def _send_calldata(self, frame: bytes, l2_txs: int) -> None:
        self._wait_room()
        gas = _cost.calldata_gas(frame, fork="osaka")
        sent = _Sent(self.nonce, DA_CALLDATA, frame, gas, self._fees(False), b"", [], 0, l2_txs)
        self._sign_send(sent)
        self.summary.calldata_bytes += len(frame)

    def _tx_fields(self, s: _Sent) -> dict:
        fields = {"chainId": self.chain_id, "nonce": s.nonce, "to": _checksum(self.p.inbox), "value": 0,
                  "gas": s.gas, **s.fees.fields()}
        if s.kind == DA_BLOBS:
            if s.sidecar is None or s.sidecar.form != self.form:
                s.sidecar = make_sidecar(s.content, self.form)
            car = s.sidecar
            fields.update(type=3, data=b"", blobVersionedHashes=list(car.versioned_hashes))
        else:
            fields.update(type=2, data=s.content)
        return fields

    def _sign(self, s: _Sent) -> bytes:
        signed = self.p.signer.sign(self._tx_fields(s))
        return network_form(signed, s.sidecar) if s.kind == DA_BLOBS else signed

    def _check_funds(self, s: _Sent) -> None:
        balance = hex_quantity(self.p._call("eth_getBalance", [self.address, "pending"]), "eth_getBalance", self.p.url)
        needed = s.gas * s.fees.max_fee_per_gas
        if s.kind == DA_BLOBS:
            needed += len(s.content) * _cost.GAS_PER_BLOB * s.fees.max_fee_per_blob_gas
        if balance < needed:
            raise InsufficientFundsError(self.p.signer.address, balance, needed)

    def _sign_send(self, s: _Sent) -> None:
        self._check_funds(s)
        s.raw = self._sign(s)
        s.hashes.append(self._send_raw(s.raw))
        s.sent_block = self.p._head()  # after the node took it (a blob transaction's proofs take it a while)
        self.tracked.append(s)
        self.nonce += 1
        self.summary.l1_txs += 1
        self.summary.tx_hashes.append(s.hashes[-1])
        self._report()

    def _send_raw(self, raw: bytes) -> str:
        from ..tx import keccak256

        tx_hash = "0x" + keccak256(raw if raw[0] != 3 else _canonical(raw)).hex()
        try:
            got = self.p._call("eth_sendRawTransaction", ["0x" + raw.hex()])
        except JsonRpcError as exc:
            message = exc.rpc_message.lower()
            if "already known" in message or "already imported" in message or "known transaction" in message:
                return tx_hash
            if "insufficient funds" in message:
                balance = hex_quantity(self.p._call("eth_getBalance", [self.address, "pending"]), "balance", self.p.url)
                raise InsufficientFundsError(self.p.signer.address, balance, balance + 1) from None
            raise
        if isinstance(got, str) and got.lower() != tx_hash:
            raise RpcResponseError(f"eth_sendRawTransaction answered hash {got[:70]}, not {tx_hash}", url=self.p.url)
        return tx_hash

    def _report(self) -> None:
        if self.p.progress is not None:
            self.p.progress(self.summary)

    # --- watching: inclusion, replacement, reorgs, confirmations ------------------------------------------

    def _receipt(self, tx_hash: str) -> dict | None:
        r = self.p._call("eth_getTransactionReceipt", [tx_hash])
        return r if isinstance(r, dict) and r.get("blockHash") else None

    def _tend(self) -> None:
        if not self.tracked:
            return
        head = self.p._head()
        reorged = False
        for s in self.tracked:
            if s.included is not None:
                number, block_hash, _ = s.included
                block = self.p._call("eth_getBlockByNumber", [hex(number), False])
                if not isinstance(block, dict) or block.get("hash") != block_hash:
                    s.included, s.receipt = None, None
                    reorged = True
            if s.included is None:
                for h in reversed(s.hashes):
                    r = self._receipt(h)
                    if r is not None:
                        s.included = (hex_quantity(r["blockNumber"], "blockNumber", self.p.url), r["blockHash"], h)
                        s.receipt = r
                        break
        if reorged:
            self._resend_dropped(head)
        for s in self.tracked:
            if s.included is None and head - s.sent_block >= self.p.replace_after:
                self._replace(s, head)
        done = [s for s in self.tracked
                if s.included is not None and head - s.included[0] + 1 >= max(self.p.confirmations, 1)]
        for s in done:
            r = s.receipt
            gas = hex_quantity(r.get("gasUsed", "0x0"), "gasUsed", self.p.url)
            price = hex_quantity(r.get("effectiveGasPrice", "0x0"), "effectiveGasPrice", self.p.url)
            blob_gas = hex_quantity(r.get("blobGasUsed") or "0x0", "blobGasUsed", self.p.url)
            blob_price = hex_quantity(r.get("blobGasPrice") or "0x0", "blobGasPrice", self.p.url)
            self.summary.gas_used += gas
            self.summary.blob_gas_used += blob_gas
            self.summary.fees_wei += gas * price + blob_gas * blob_price
            self.tracked.remove(s)
        if done:
            self._report()

    def _resend_dropped(self, head: int) -> None:
        """After a reorg: every tracked transaction no longer on chain goes out again at its nonce."""
        for s in sorted(self.tracked, key=lambda s: s.nonce):
            if s.included is not None:
                continue
            s.sent_block = head
            try:
                self._send_raw(s.raw)
            except JsonRpcError as exc:
                if "nonce too low" not in exc.rpc_message.lower():
                    raise
                continue  # it is on chain again already
            self.summary.resent_after_reorg += 1

    def _replace(self, s: _Sent, head: int) -> None:
        fresh = suggest(node_prices(self.p._call, self.p.url), self.p.caps, blobs=s.kind == DA_BLOBS)
        fees = bump(s.fees, fresh, self.p.caps)
        if fees is None:
            return  # a cap stops the bump: it stays as it is
        old = s.fees
        s.fees = fees
        raw = self._sign(s)
        try:
            self._check_funds(s)
            tx_hash = self._send_raw(raw)
            head = self.p._head()
        except JsonRpcError as exc:
            s.fees = old
            message = exc.rpc_message.lower()
            if "nonce too low" in message:
                return  # included meanwhile: the next look finds its receipt
            if "underpriced" in message or "replacement" in message:
                s.sent_block = head
                return
            raise
        s.raw = raw
        s.hashes.append(tx_hash)
        s.sent_block = head
        self.summary.replaced += 1
        self._report()

    def _wait_all(self) -> None:
        if self.p.confirmations == 0:
            return
        while self.tracked:
            time.sleep(self.p.poll)
            self._tend()


# ------------------------------------------------------------------------------------------------ input

class _Plain:
    def __init__(self, batches):
        self._it = iter(batches)

    def __iter__(self):
        return self._it

    def waiting(self) -> int:
        return 0

    def close(self) -> None:
        pass


class _Ahead:
    """Reads batches ahead on a thread into a queue of at most ``size``: its length is the backlog."""

    _END = object()

    def __init__(self, batches, size: int):
        self._q: queue.Queue = queue.Queue(maxsize=size)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, args=(iter(batches),), daemon=True,
                                        name="batchkit-poster-input")
        self._thread.start()

    def _read(self, it) -> None:
        try:
            for batch in it:
                while not self._stop.is_set():
                    try:
                        self._q.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer
            self._error = exc
        while not self._stop.is_set():
            try:
                self._q.put(self._END, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self):
        while True:
            item = self._q.get()
            if item is self._END:
                if self._error is not None:
                    raise self._error
                return
            yield item

    def waiting(self) -> int:
        return self._q.qsize()

    def close(self) -> None:
        self._stop.set()


# ------------------------------------------------------------------------------------------------ small things

def _decode_found(found: list[_Found]) -> tuple[BlobStreamDecoder, list[bytes], list[bytes], str | None]:
    """What ``found`` (in L1 order) carries: the blob stream's decoder after its blobs, the payloads
    completed in L1 order, the frames of a split calldata payload not finished, and the last carrier.
    What begins before the first transaction (the tail of a payload) is skipped."""
    dec = BlobStreamDecoder(skip_leading=True)
    payloads: list[bytes] = []
    frames: list[bytes] = []
    carrier = None
    for f in found:
        if f.kind == DA_BLOBS:
            for b in f.blobs:
                payloads += [c.data for c in dec.feed(b)]
            carrier = DA_BLOBS
            continue
        data = f.data
        if not data or data[0] not in (_calldata.CALLDATA_VERSION, _calldata.SPLIT_FLAG | _calldata.CALLDATA_VERSION):
            raise ChainStateError(f"the poster's transaction at nonce {f.nonce} carries no calldata frame")
        carrier = DA_CALLDATA
        if data[0] == _calldata.CALLDATA_VERSION:
            payloads.append(_calldata.unframe([data]))
            continue
        if len(data) < 3:
            raise ChainStateError(f"the poster's transaction at nonce {f.nonce} carries a broken frame")
        if not frames and data[1] != 0:
            continue  # the rest of a payload whose first frames are before the blocks scanned
        frames.append(data)
        if len(frames) == data[2]:
            payloads.append(_calldata.unframe(frames))
            frames = []
    return dec, payloads, frames, carrier


def _holds_keyframe(found: list[_Found]) -> bool:
    from ..format.v2 import parse_header

    try:
        _, payloads, _, _ = _decode_found(found)
    except DecodeError:
        return False
    return any(_is_keyframe(b, parse_header) for b in payloads)


def _is_keyframe(payload: bytes, parse_header) -> bool:
    try:
        return parse_header(payload).seq == 0
    except DecodeError:
        return False


def _canonical(network: bytes) -> bytes:
    """The canonical bytes of a blob transaction in either network form (what its hash is over)."""
    canonical, _ = parse_network_form(network)
    return canonical


def _checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


def _beacon_blobs(beacon_url: str, block: int, hashes: list[str]) -> list[bytes]:
    """The blobs of ``hashes`` in execution block ``block`` from a beacon node's ``/eth/v1/beacon/blobs/``
    (the block id is the slot's execution block number as anvil serves it)."""
    import json

    import urllib3

    url = f"{beacon_url.rstrip('/')}/eth/v1/beacon/blobs/{block}"
    try:
        response = urllib3.PoolManager().request("GET", url, fields={"versioned_hashes": ",".join(hashes)},
                                                 timeout=30, retries=2)
    except urllib3.exceptions.HTTPError as exc:
        raise ChainStateError(f"the beacon node does not answer ({type(exc).__name__})") from None
    if response.status != 200:
        raise ChainStateError(f"the beacon node answered HTTP {response.status} for the blobs of block {block}")
    try:
        data = json.loads(response.data)["data"]
        return [bytes.fromhex(b[2:]) for b in data]
    except (ValueError, KeyError, TypeError):
        raise ChainStateError(f"the beacon node's answer for the blobs of block {block} is not a list of blobs") \
            from None
