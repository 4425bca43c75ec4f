"""Derive a rollup's transactions from L1, as its node does: the batcher's transactions to the inbox, in L1 order,
their calldata frames and blobs decoded back to the L2 transactions.

For each L1 block, in order (``eth_getBlockByNumber`` with full transactions, through the bounded JSON-RPC client
of :mod:`batchkit.readers.node`), the deriver keeps the transactions from the batcher to the inbox (each rebuilt
from its fields and checked against its hash) and ignores every other:

- a blob transaction (type 3): its blobs come from the beacon node (:mod:`batchkit.l1.beacon`), each checked
  against its versioned hash, and go to the blob-stream decoder (:class:`~batchkit.l1.blobstream.
  BlobStreamDecoder`) in L1 order: transactions in block order, blobs in the transaction's order. Its calldata
  is not read.
- any other transaction: its calldata is a frame (:mod:`batchkit.l1.calldata`); the frames of a split payload
  come in consecutive batcher transactions.

Each payload, as it completes, goes to the v2 stream decoder (:class:`batchkit.StreamDecoder`); its transactions
come out as :class:`DerivedTx`, with the :class:`Origin` of the L1 transaction that completed the payload.

Hostile or broken data never stops derivation and never yields a wrong transaction: a transaction to the inbox
from another sender, a blob that does not match its versioned hash, a blob or frame that does not decode, a
payload that does not decode, a payload whose parent was never seen: each is skipped, logged on the
``batchkit.derive`` logger, and counted in :attr:`DeriveStats.skipped` under its reason. The blob-stream decoder
then starts again at the next blob where a payload begins, and the v2 decoder at the next keyframe.

Reorgs: the deriver keeps a checkpoint (the decoders' state) after each of the last ``reorg_depth`` blocks. A block
whose ``parentHash`` is not the hash of the block derived before it is a reorg: the deriver finds the last block
still on the chain, yields :class:`Reorg` (every transaction derived from a later block is gone), restores that
checkpoint and goes on along the new chain.

Starting at any block: the stream may be in the middle of a segment there, so the deriver reads back from the
start block until its v2 decoder has accepted a payload (it begins at a keyframe) before the start, at most
``lookback`` blocks, deriving without yielding; what completes from the start block on is yielded. A saved
:class:`Position` resumes after the block it names (and yields a :class:`Reorg` first if that block has left
the chain).

Errors that stop derivation (the data is not hostile, the infrastructure is failing): the node or the beacon
node unreachable (:class:`~batchkit.errors.NodeUnreachableError`), a block range past the head
(:class:`~batchkit.errors.BlockNotFoundError`), a beacon answer that is not the blobs asked
(:class:`~batchkit.errors.BeaconResponseError`), a reorg deeper than the checkpoints
(:class:`~batchkit.errors.ReorgTooDeepError`), all :class:`~batchkit.errors.RpcError`.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union

from .. import limits
from ..coerce import parse_sender
from ..errors import (BlobStreamError, BlockNotFoundError, DecodeError, DuplicateBlobError, InputError,
                      MissingBlobError, ReorgTooDeepError, RpcResponseError, UnsupportedTransactionError)
from ..readers.node import DEFAULT_BLOCKS_PER_REQUEST, DEFAULT_RETRIES, DEFAULT_TIMEOUT, RpcClient
from ..readers.rpc import raw_from_rpc
from ..stream import ParentMismatchError, StreamDecoder
from ..tx import keccak256
from .beacon import BeaconClient, match_blobs
from .blobstream import BlobStreamDecoder
from .calldata import CALLDATA_VERSION, SPLIT_FLAG, SPLIT_HEADER_SIZE, unframe

__all__ = ["Deriver", "DerivedTx", "Origin", "Reorg", "Position", "DeriveStats", "REASONS",
           "DEFAULT_REORG_DEPTH", "DEFAULT_LOOKBACK", "DEFAULT_POLL_SECONDS"]

log = logging.getLogger("batchkit.derive")

#: Blocks of checkpoints kept (the deepest reorg undone), blocks read back to find the keyframe, seconds
#: between polls of the head with ``follow``.
DEFAULT_REORG_DEPTH = 128
DEFAULT_LOOKBACK = 7200
DEFAULT_POLL_SECONDS = 2.0

#: Why something on L1 was skipped (the keys of :attr:`DeriveStats.skipped`).
REASONS = {
    "other sender": "a transaction to the inbox from another sender than the batcher",
    "blob hash mismatch": "a blob whose bytes do not match its versioned hash",
    "corrupt blob": "a blob that is not a valid stream blob",
    "missing blob": "a gap in the blob stream (a blob skipped before): the open payload is dropped",
    "duplicate blob": "the previous stream blob again",
    "unsupported type": "a batcher transaction of a type batchkit does not read",
    "corrupt frame": "calldata that is not a valid frame, or frames out of order",
    "corrupt payload": "a payload that does not decode",
    "parent missing": "a payload whose parent was never accepted (a payload lost before it)",
    "before keyframe": "a payload of a segment whose keyframe is before where derivation started",
}


@dataclass(frozen=True)
class Origin:
    """Where on L1 a payload completed: the block, the transaction, and for a blob the blob's position in the
    transaction (None for calldata)."""

    block_number: int
    block_hash: str
    tx_hash: str
    blob_index: int | None

    def to_dict(self) -> dict:
        return {"l1_block": self.block_number, "l1_block_hash": self.block_hash, "l1_tx": self.tx_hash,
                "blob_index": self.blob_index}


@dataclass(frozen=True)
class DerivedTx:
    """One L2 transaction: ``raw`` (the signed bytes, or a ``ValidityTx`` for a validity-profile stream),
    ``hash`` (keccak256 of ``raw``; of the unsigned bytes, the signing hash, for a ValidityTx), and the L1
    origin of the payload that carried it."""

    raw: Any
    hash: bytes
    origin: Origin


@dataclass(frozen=True)
class Reorg:
    """L1 reorganised: every transaction derived from block ``removed_from`` on is gone (derivation goes on
    from there along the new chain); ``ancestor`` is the last block kept, with its hash."""

    removed_from: int
    ancestor: int
    ancestor_hash: str


@dataclass(frozen=True)
class Position:
    """The last L1 block fully derived and the hashes of the blocks up to it (oldest first, at most
    ``reorg_depth``): what a deriver needs to resume after it, and to see a reorg that happened meanwhile."""

    block_number: int
    hashes: tuple[str, ...]

    @property
    def block_hash(self) -> str:
        return self.hashes[-1]

    def to_dict(self) -> dict:
        return {"block": self.block_number, "hashes": list(self.hashes)}

    @classmethod
    def from_dict(cls, obj: Any) -> "Position":
        try:
            number, hashes = obj["block"], tuple(obj["hashes"])
            ok = isinstance(number, int) and not isinstance(number, bool) and number >= 0 and hashes \
                and len(hashes) <= number + 1 and all(isinstance(h, str) and len(h) == 66 for h in hashes)
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise InputError("a saved position is {\"block\": N, \"hashes\": [\"0x...\", ...]}")
        return cls(number, hashes)


@dataclass
class DeriveStats:
    """What a deriver read and made, what it skipped (by reason), and where its time went (seconds)."""

    blocks: int = 0
    batcher_txs: int = 0
    blobs: int = 0
    frames: int = 0
    payloads: int = 0
    l2_txs: int = 0
    l2_bytes: int = 0
    reorgs: int = 0
    skipped: collections.Counter = field(default_factory=collections.Counter)
    rpc_seconds: float = 0.0
    beacon_seconds: float = 0.0
    blob_check_seconds: float = 0.0
    decode_seconds: float = 0.0

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "skipped"}
        out["skipped"] = dict(self.skipped)
        return out


_TIMINGS = ("rpc_seconds", "beacon_seconds", "blob_check_seconds", "decode_seconds")


@dataclass(frozen=True)
class _Checkpoint:
    """The deriver's state after block ``number``: the blob-stream decoder, the v2 segment accepted (to rebuild
    the v2 decoder), and the frames of a split calldata payload not yet complete."""

    number: int
    hash: str
    blobs: BlobStreamDecoder
    segment: tuple[bytes, ...]
    frames: tuple[bytes, ...]
    synced: bool


Item = Union[DerivedTx, Reorg]


def _address(value: Any, what: str) -> str:
    try:
        return "0x" + parse_sender(value).hex()
    except InputError:
        shown = value if isinstance(value, str) and len(value) <= 50 else type(value).__name__
        raise InputError(f"the {what} is not an address (0x and 40 hex digits, or 20 bytes): {shown!r}") from None


def _positive_int(value: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"{what} must be an integer from {lo} to {hi}, not {value!r}")
    return value


def _hex_int(value: Any) -> int | None:
    try:
        return int(value, 16) if isinstance(value, str) and value[:2] == "0x" else None
    except ValueError:
        return None


class Deriver:
    """Reads the rollup's transactions back from L1 (module docstring).

    ``l1_url``: the L1 node's JSON-RPC; ``beacon_url``: its beacon node (for anvil, the same URL);
    ``inbox``, ``batcher``: addresses. ``block_id``: how blocks are named to the beacon node (``auto``,
    ``slot``, ``root``, ``number``; :mod:`batchkit.l1.beacon`). ``reorg_depth``: blocks of checkpoints kept
    (1 to :data:`~batchkit.limits.MAX_REORG_DEPTH`). ``lookback``: blocks read back from a start block to find
    the keyframe (0 to :data:`~batchkit.limits.MAX_KEYFRAME_LOOKBACK`; 0 when the stream begins at the start
    block). ``poll_seconds``: between polls of the head with ``follow``.

    :meth:`derive` yields :class:`DerivedTx` and :class:`Reorg` in order; :attr:`position` is the last block
    fully derived, :attr:`stats` the counts. One derivation at a time per deriver (calls are serialised);
    separate derivers share nothing.
    """

    def __init__(self, l1_url: str, beacon_url: str, inbox: Any, batcher: Any, *, block_id: str = "auto",
                 blocks_per_request: int = DEFAULT_BLOCKS_PER_REQUEST, timeout: float = DEFAULT_TIMEOUT,
                 retries: int = DEFAULT_RETRIES, reorg_depth: int = DEFAULT_REORG_DEPTH,
                 lookback: int = DEFAULT_LOOKBACK, poll_seconds: float = DEFAULT_POLL_SECONDS):
        self.inbox = _address(inbox, "inbox")
        self.batcher = _address(batcher, "batcher")
        self.blocks_per_request = _positive_int(blocks_per_request, "blocks per request", 1,
                                                limits.MAX_BLOCKS_PER_REQUEST)
        self.reorg_depth = _positive_int(reorg_depth, "reorg_depth", 1, limits.MAX_REORG_DEPTH)
        self.lookback = _positive_int(lookback, "lookback", 0, limits.MAX_KEYFRAME_LOOKBACK)
        if isinstance(poll_seconds, bool) or not isinstance(poll_seconds, (int, float)) or not 0 < poll_seconds <= 3600:
            raise InputError(f"poll_seconds must be a number of seconds above 0 (at most 3600), not {poll_seconds!r}")
        self.poll_seconds = float(poll_seconds)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
            raise InputError(f"the timeout must be a positive number of seconds, not {timeout!r}")
        self._node = RpcClient(l1_url, concurrency=2, timeout=float(timeout), retries=retries)
        self.beacon = BeaconClient(beacon_url, block_id=block_id, timeout=timeout, retries=retries)
        self.stats = DeriveStats()
        self.position: Position | None = None
        self._lock = threading.Lock()
        self._checkpoints: collections.deque[_Checkpoint] = collections.deque(maxlen=self.reorg_depth)
        self._reset_state()

    def close(self) -> None:
        self._node.close()
        self.beacon.close()

    def __enter__(self) -> "Deriver":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the state ----------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._blobs = BlobStreamDecoder(skip_leading=True)
        self._v2 = StreamDecoder()
        self._segment: list[bytes] = []
        self._frames: list[bytes] = []
        self._synced = False  # the v2 decoder has accepted a payload since the start or the last reset

    def _checkpoint(self, number: int, block_hash: str) -> None:
        self._checkpoints.append(_Checkpoint(number, block_hash, self._blobs.copy(), tuple(self._segment),
                                             tuple(self._frames), self._synced))
        self.position = Position(number, tuple(c.hash for c in self._checkpoints if c.number <= number))

    def _restore(self, cp: _Checkpoint) -> None:
        self._blobs = cp.blobs.copy()
        self._v2 = StreamDecoder()
        for payload in cp.segment:  # accepted before: decodes again
            self._v2.decode(payload)
        self._segment = list(cp.segment)
        self._frames = list(cp.frames)
        self._synced = cp.synced
        while self._checkpoints and self._checkpoints[-1].number > cp.number:
            self._checkpoints.pop()
        self.position = Position(cp.number, tuple(c.hash for c in self._checkpoints))

    # --- the node -----------------------------------------------------------------------------------

    def head(self) -> int:
        t = time.perf_counter()
        head = _hex_int(self._node.call("eth_blockNumber", []))
        self.stats.rpc_seconds += time.perf_counter() - t
        if head is None:
            raise RpcResponseError("eth_blockNumber did not answer with a hex block number", url=self._node.shown)
        return head

    def _blocks(self, numbers: list[int], full: bool = True) -> list[dict | None]:
        t = time.perf_counter()
        answers = self._node.batch([("eth_getBlockByNumber", [hex(n), full]) for n in numbers], blocks=numbers)
        self.stats.rpc_seconds += time.perf_counter() - t
        out = []
        for n, block in zip(numbers, answers):
            if block is None:
                out.append(None)
                continue
            if not isinstance(block, dict) or _hex_int(block.get("number")) != n \
                    or not isinstance(block.get("hash"), str) or not isinstance(block.get("parentHash"), str) \
                    or not isinstance(block.get("transactions"), list):
                raise RpcResponseError(f"asked for block {n}, the answer is not that block", url=self._node.shown,
                                       block=n)
            out.append(block)
        return out

    def _block_hash(self, number: int) -> str | None:
        block = self._blocks([number], full=False)[0]
        return None if block is None else block["hash"]

    # --- deriving -----------------------------------------------------------------------------------

    def derive(self, start: int | Position, stop: int | None = None, *, follow: bool = False,
               on_block: Callable[[Position], None] | None = None) -> Iterator[Item]:
        """Yield the L2 transactions of L1 blocks ``start`` to ``stop - 1`` in order (:class:`DerivedTx`), and a
        :class:`Reorg` whenever L1 replaced blocks already derived from.

        ``start``: a block number, or a saved :class:`Position` (derivation resumes after it). ``stop``: the
        block after the last (None: the head at the time of the call, or forever with ``follow``). ``follow``:
        wait for new blocks (polling every ``poll_seconds``) instead of stopping at the head. ``on_block``: called
        with :attr:`position` after each block, once its transactions have been taken (to save the position).
        :class:`BlockNotFoundError` when ``stop - 1`` (or the start) is past the head and ``follow`` is off.
        """
        if not self._lock.acquire(blocking=False):
            raise InputError("this deriver is already deriving: use one Deriver per derivation")
        try:
            yield from self._derive(start, stop, follow, on_block)
        finally:
            self._lock.release()

    def _derive(self, start: int | Position, stop: int | None, follow: bool,
                on_block: Callable[[Position], None] | None) -> Iterator[Item]:
        head = self.head()
        resume = start if isinstance(start, Position) else None
        first = resume.block_number + 1 if resume is not None else _positive_int(start, "the start block", 0, 2**63)
        if stop is not None:
            stop = _positive_int(stop, "the stop block", 0, 2**63)
            if resume is not None and stop <= first:
                return  # derived up to the saved position already
            if stop <= first:
                raise InputError(f"block range {first}:{stop} is empty")
            if stop - first > limits.MAX_RANGE_BLOCKS and not follow:
                raise InputError(f"block range {first}:{stop} has more than MAX_RANGE_BLOCKS "
                                 f"({limits.MAX_RANGE_BLOCKS}) blocks")
            if stop - 1 > head and not follow:
                raise BlockNotFoundError(stop - 1, url=self._node.shown, head=head)
        elif not follow:
            if first > head and resume is None:
                raise BlockNotFoundError(first, url=self._node.shown, head=head)
            stop = head + 1
        self.beacon.resolved_mode()  # an unreachable beacon node is an error before anything is read
        self._reset_state()
        self._checkpoints.clear()
        self.position = None

        if resume is not None:
            first, reorg = self._check_resume(resume)
            if reorg is not None:
                self.stats.reorgs += 1
                yield reorg
        number = self._sync_start(first)
        while stop is None or number < stop:
            if number > head:
                if not follow:
                    break
                time.sleep(self.poll_seconds)
                head = self.head()
                continue
            end = min(number + self.blocks_per_request, head + 1)
            if stop is not None:
                end = min(end, stop)
            numbers = list(range(number, end))
            for n, block in zip(numbers, self._blocks(numbers)):
                if block is None:  # the chain got shorter (a reorg in progress): look at the head again
                    head = min(head, n - 1)
                    break
                if self._checkpoints and block["parentHash"] != self._checkpoints[-1].hash:
                    reorg = self._undo_reorg()
                    yield reorg
                    number = reorg.removed_from
                    break
                next_root = None
                if self.beacon.mode == "root" and self._block_has_blobs(block):
                    next_root = self._next_parent_root(n, follow)
                yield from self._derive_block(block, next_root, quiet=False)
                number = n + 1
                if on_block is not None:
                    on_block(self.position)

    def _check_resume(self, resume: Position) -> tuple[int, Reorg | None]:
        """The block to resume at, and the reorg that happened since ``resume`` was saved (or None)."""
        depth = len(resume.hashes)
        for back, saved in enumerate(reversed(resume.hashes)):
            n = resume.block_number - back
            if self._block_hash(n) == saved:
                if back == 0:
                    return n + 1, None
                return n + 1, Reorg(n + 1, n, saved)
        raise ReorgTooDeepError(f"none of the {depth} blocks up to the saved position {resume.block_number} is "
                                "on the chain any more", url=self._node.shown, depth=depth,
                                block=resume.block_number)

    def _sync_start(self, first: int) -> int:
        """Derive quietly before ``first`` until the v2 decoder has accepted a payload (so the stream is synced
        at ``first``), reading back further each round (8, 16, 32, ... blocks), at most ``lookback``. Leaves the
        state of block ``first - 1`` checkpointed and returns ``first``."""
        floor = max(0, first - self.lookback)
        step = 8
        back = max(floor, first - step)
        counts = dataclasses.replace(self.stats, skipped=collections.Counter(self.stats.skipped))
        while True:
            # A round read again from further back counts what it reads once (the time spent stays counted).
            timings = {k: getattr(self.stats, k) for k in _TIMINGS}
            self.stats = dataclasses.replace(counts, skipped=collections.Counter(counts.skipped), **timings)
            self._reset_state()
            self._checkpoints.clear()
            if back > 0:
                base_hash = self._block_hash(back - 1)
                if base_hash is None:
                    raise BlockNotFoundError(back - 1, url=self._node.shown)
                self._checkpoint(back - 1, base_hash)
            if self._read_quietly(back, first) and (self._synced or back <= floor):
                return first
            if back > floor:  # else a reorg while reading back: read the same blocks again
                step *= 2
                back = max(floor, first - step)

    def _read_quietly(self, back: int, first: int) -> bool:
        """Derive blocks ``back`` to ``first - 1`` without yielding; False if L1 reorganised meanwhile."""
        for n in range(back, first, self.blocks_per_request):
            numbers = list(range(n, min(n + self.blocks_per_request, first)))
            for number, block in zip(numbers, self._blocks(numbers)):
                if block is None:
                    raise BlockNotFoundError(number, url=self._node.shown)
                if self._checkpoints and block["parentHash"] != self._checkpoints[-1].hash:
                    return False
                next_root = None
                if self.beacon.mode == "root" and self._block_has_blobs(block):
                    next_root = self._next_parent_root(number, False)
                for _ in self._derive_block(block, next_root, quiet=True):
                    pass
        return True

    def _block_has_blobs(self, block: dict) -> bool:
        return any(self._ours(tx) and _hex_int(tx.get("type")) == 3 for tx in block["transactions"])

    def _next_parent_root(self, number: int, follow: bool) -> str:
        while True:
            nxt = self._blocks([number + 1], full=False)[0]
            if nxt is not None:
                root = nxt.get("parentBeaconBlockRoot")
                if not isinstance(root, str) or len(root) != 66:
                    raise RpcResponseError("the block has no parentBeaconBlockRoot (block_id 'root' needs it)",
                                           url=self._node.shown, block=number + 1)
                return root
            if not follow:
                raise BlockNotFoundError(number + 1, url=self._node.shown)
            time.sleep(self.poll_seconds)

    def _undo_reorg(self) -> Reorg:
        """Find the last checkpointed block still on the chain and go back to it."""
        kept = list(self._checkpoints)
        for cp in reversed(kept):
            if self._block_hash(cp.number) == cp.hash:
                self._restore(cp)
                self.stats.reorgs += 1
                log.warning("L1 reorg: blocks from %d on were replaced; derivation goes on from block %d",
                            cp.number + 1, cp.number)
                return Reorg(cp.number + 1, cp.number, cp.hash)
        raise ReorgTooDeepError(f"an L1 reorg replaced every one of the {len(kept)} blocks kept "
                                f"({kept[0].number} to {kept[-1].number})", url=self._node.shown,
                                depth=len(kept), block=kept[-1].number)

    def _ours(self, tx: Any) -> bool:
        return isinstance(tx, dict) and isinstance(tx.get("to"), str) and tx["to"].lower() == self.inbox \
            and isinstance(tx.get("from"), str) and tx["from"].lower() == self.batcher

    def _skip(self, reason: str, where: str, detail: Any = "") -> None:
        self.stats.skipped[reason] += 1
        log.warning("skipped (%s): %s%s", reason, where, f": {detail}" if detail else "")

    def _derive_block(self, block: dict, next_root: str | None, *, quiet: bool) -> Iterator[DerivedTx]:
        number = _hex_int(block["number"])
        block_hash = block["hash"]
        ours: list[tuple[dict, bytes]] = []
        for i, tx in enumerate(block["transactions"]):
            if not isinstance(tx, dict):
                raise RpcResponseError("the block lists transaction hashes, not transaction objects",
                                       url=self._node.shown, block=number, index=i)
            to = tx.get("to")
            if not isinstance(to, str) or to.lower() != self.inbox:
                continue
            if not self._ours(tx):
                self._skip("other sender", f"block {number} tx {tx.get('hash')}", f"from {tx.get('from')}")
                continue
            try:
                raw = raw_from_rpc(tx, i)  # every field the deriver reads, checked against the hash
            except UnsupportedTransactionError as exc:
                self._skip("unsupported type", f"block {number} tx {tx.get('hash')}", exc)
                continue
            except InputError as exc:
                raise RpcResponseError(exc.reason, url=self._node.shown, block=number, index=i) from None
            ours.append((tx, raw))
        self.stats.blocks += 1
        self.stats.batcher_txs += len(ours)

        blob_txs = [tx for tx, _ in ours if _hex_int(tx.get("type")) == 3]
        blobs: dict[bytes, bytes | None] = {}
        if blob_txs:
            hashes = [bytes.fromhex(h[2:]) for tx in blob_txs for h in tx.get("blobVersionedHashes") or ()]
            block_id = self.beacon.block_id(number, _hex_int(block.get("timestamp")) or 0, next_root)
            for i in range(0, len(hashes), limits.MAX_BLOBS_PER_BEACON_REQUEST):
                asked = hashes[i:i + limits.MAX_BLOBS_PER_BEACON_REQUEST]
                t = time.perf_counter()
                got = self.beacon.blobs(block_id, asked, block=number)
                t2 = time.perf_counter()
                blobs.update(zip(asked, match_blobs(got, asked)))
                self.stats.beacon_seconds += t2 - t
                self.stats.blob_check_seconds += time.perf_counter() - t2

        t = time.perf_counter()
        out: list[DerivedTx] = []
        for tx, _ in ours:
            tx_hash = tx["hash"]
            if _hex_int(tx.get("type")) == 3:
                for j, h in enumerate(tx.get("blobVersionedHashes") or ()):
                    origin = Origin(number, block_hash, tx_hash, j)
                    data = blobs.get(bytes.fromhex(h[2:]))
                    if data is None:
                        self._skip("blob hash mismatch", f"block {number} tx {tx_hash} blob {j}", h)
                        continue
                    self.stats.blobs += 1
                    for carried in self._feed_blob(data, origin):
                        out += self._payload(carried.data, origin, quiet)
            else:
                self.stats.frames += 1
                payload = self._feed_frame(_hexbytes(tx.get("input", tx.get("data"))), number, tx_hash)
                if payload is not None:
                    out += self._payload(payload, Origin(number, block_hash, tx_hash, None), quiet)
        self._checkpoint(number, block_hash)
        self.stats.decode_seconds += time.perf_counter() - t
        yield from out

    def _feed_blob(self, data: bytes, origin: Origin) -> list:
        where = f"block {origin.block_number} tx {origin.tx_hash} blob {origin.blob_index}"
        try:
            return self._blobs.feed(data)
        except DuplicateBlobError as exc:
            self._skip("duplicate blob", where, exc)
            return []
        except MissingBlobError as exc:
            self._skip("missing blob", where, exc)
            self._blobs.resync()
        except BlobStreamError as exc:
            self._skip("corrupt blob", where, exc)
            return []
        except DecodeError as exc:
            self._skip("corrupt blob", where, exc)
            return []
        try:
            return self._blobs.feed(data)
        except DecodeError as exc:
            self._skip("corrupt blob", where, exc)
            return []

    def _feed_frame(self, data: bytes, number: int, tx_hash: str) -> bytes | None:
        """The payload this frame completes, or None."""
        where = f"block {number} tx {tx_hash}"
        if not data or data[0] & 0x7F != CALLDATA_VERSION:
            self._skip("corrupt frame", where, "not a calldata frame (version byte)")
            return None
        if not data[0] & SPLIT_FLAG:
            if self._frames:
                self._skip("corrupt frame", where, f"a split payload left at {len(self._frames)} frames")
                self._frames = []
            frames = [data]
        else:
            if len(data) < SPLIT_HEADER_SIZE:
                self._skip("corrupt frame", where, "a split frame shorter than its header")
                return None
            index, count = data[1], data[2]
            if index == 0:
                if self._frames:
                    self._skip("corrupt frame", where, f"a split payload left at {len(self._frames)} frames")
                self._frames = [data]
            elif self._frames and index == len(self._frames) and count == self._frames[0][2]:
                self._frames.append(data)
            else:
                self._skip("corrupt frame", where, f"frame {index} of {count} out of order")
                self._frames = []
                return None
            if len(self._frames) < count:
                return None
            frames, self._frames = self._frames, []
        try:
            return unframe(frames)
        except DecodeError as exc:
            self._skip("corrupt frame", where, exc)
            return None

    def _payload(self, payload: bytes, origin: Origin, quiet: bool) -> list[DerivedTx]:
        where = f"block {origin.block_number} tx {origin.tx_hash}" + \
            (f" blob {origin.blob_index}" if origin.blob_index is not None else "")
        try:
            decoded = self._v2.decode(payload)
        except ParentMismatchError as exc:
            self._skip("parent missing" if self._synced else "before keyframe", where, exc)
            return []
        except DecodeError as exc:
            self._skip("corrupt payload", where, exc)
            return []
        if decoded.header.seq == 0:
            self._segment = [payload]
        else:
            self._segment.append(payload)
        self._synced = True
        if quiet:
            return []
        self.stats.payloads += 1
        out = []
        for raw in decoded.txs:
            body = raw if type(raw) is bytes else raw.unsigned
            self.stats.l2_bytes += len(body)
            out.append(DerivedTx(raw, keccak256(body), origin))
        self.stats.l2_txs += len(out)
        return out


def _hexbytes(value: Any) -> bytes:
    if not isinstance(value, str):
        return b""
    try:
        return bytes.fromhex(value[2:] if value[:2] in ("0x", "0X") else value)
    except ValueError:
        return b""
