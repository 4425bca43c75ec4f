"""What posting a batch costs, as calldata and as blobs.

:func:`estimate` takes a batchkit payload (it starts with ``BK``), which is decoded to count its
transactions and costed as it is, the bytes of a transactions file (any shape
:func:`batchkit.readers.read_transactions` reads), or transactions already read (a
:class:`~batchkit.readers.Transactions`, e.g. from :func:`batchkit.readers.read_node`), which are compressed at
``level`` (senders recovered from the signatures unless the input carries them).
:func:`batchkit.l1.cost.compare` then prices the payload.

For a transactions input it also prices what a rollup posting them as a sequence of payloads pays
(:func:`compare_posting`): the same transactions cut by :class:`~batchkit.builder.BatchBuilder` at
``target_blobs`` and laid into blobs three ways: batchkit's blob stream (every blob full but the last),
per-payload blobs (each payload in blobs of its own), and OP's frames laid continuously (OP span batches in
brotli-10 channels, one per batch of the stream, frames filling every blob); and the layout ``batchkit post``
sends (:data:`POSTED`: the poster's batches in one v2 stream over a blob stream, the blobs and blob gas its
posting uses). Each layout is priced by
:func:`batchkit.l1.cost.blob_posting`: blobs, blob transactions, blob gas and fees per transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from .l1 import cost
from .api import compress, decompress
from .l1.blob import blobs_needed
from .l1.blobstream import stream_blobs_needed
from .builder import build_payloads
from .errors import InputError
from .format import v1, v2
from .readers import Transactions, read_transactions
from .senders import recover_senders

__all__ = ["Estimate", "estimate", "PostingComparison", "compare_posting", "STREAM", "STREAM_HISTORY", "PER_PAYLOAD",
           "OP_FRAMES"]

#: The layouts :func:`compare_posting` prices.
STREAM, PER_PAYLOAD, OP_FRAMES = "blob stream", "per-payload blobs", "OP frames (continuous)"
STREAM_HISTORY = "blob stream, v2 with history"
#: The layout ``batchkit post`` sends (:mod:`batchkit.l1.poster`): the input cut every
#: ``DEFAULT_BATCH_BYTES`` of raw bytes into one v2 stream, laid into a blob stream, 6 blobs per transaction.
POSTED = "blob stream, as batchkit post sends it"
#: Blob transaction type: OP span batches cannot carry it (left out of the OP row only).
_BLOB_TX_TYPE = 0x03


@dataclass(frozen=True)
class PostingComparison:
    """The same transactions posted as a sequence of payloads, laid into blobs three ways."""

    target_blobs: int
    rows: list[cost.BlobPosting]
    """STREAM, PER_PAYLOAD, OP_FRAMES (unless left out), then STREAM_HISTORY (with ``keyframe_every``)."""
    payloads: dict[str, int]
    """Payloads (channels for OP) per layout."""
    op_left_out: int
    """Type-3 transactions left out of the OP row (OP span batches cannot carry them)."""
    keyframe_every: int | None = None
    """Of the STREAM_HISTORY row."""

    def to_dict(self) -> dict:
        return {"target_blobs": self.target_blobs, "rows": [r.to_dict() for r in self.rows],
                "payloads": self.payloads, "op_left_out": self.op_left_out, "keyframe_every": self.keyframe_every}


def compare_posting(raws: list[bytes], senders: list[bytes] | None, *, target_blobs: int = 6,
                    blobs_per_tx: int | None = None, level: str | int = "default", base_fee: int,
                    blob_base_fee: int, fork: str = "bpo2", include_op: bool = True,
                    version: int = 2, keyframe_every: int | None = None) -> PostingComparison:
    """Price ``raws`` posted as payloads of about ``target_blobs`` blobs, three ways (see the module doc).
    Both batchkit layouts carry independent payloads of ``version`` (default 2, keyframes, what
    :func:`batchkit.compress` writes), so they differ only in the layout. ``keyframe_every`` adds a fourth
    row: the blob stream carrying a v2 stream, payloads with history and a keyframe every that many.

    Per-payload blobs: the exact builder's payloads (each at most ``target_blobs`` blobs), each in
    ``blobs_needed`` blobs of its own. Blob stream: the stream builder's payloads, laid end to end
    (``stream_blobs_needed``). OP frames: the stream builder's batches as OP brotli-10 channels, frames
    laid continuously (:func:`batchkit.baselines.op.pack_frames_continuous`). ``include_op=False`` leaves
    out OP (brotli-10 encodes at about 1.4 MB/s).
    """
    if not raws:
        raise InputError("no transactions to post")
    per = build_payloads(raws, senders=senders, target_blobs=target_blobs, level=level, version=version)
    stream = build_payloads(raws, senders=senders, target_blobs=target_blobs, level=level, stream=True,
                            version=version)
    price = {"base_fee": base_fee, "blob_base_fee": blob_base_fee, "fork": fork, "blobs_per_tx": blobs_per_tx}
    n = len(raws)
    rows = [cost.blob_posting(STREAM, stream_blobs_needed(map(len, stream)), n, **price),
            cost.blob_posting(PER_PAYLOAD, sum(blobs_needed(len(p)) for p in per), n, **price)]
    counts = {STREAM: len(stream), PER_PAYLOAD: len(per)}
    left_out = 0
    if include_op:
        from .baselines import op  # the baselines pull in pyrlp (0.3 s of imports): only when OP is priced

        channels, start = [], 0
        for payload in stream:
            batch = raws[start:start + (v1.parse(payload) if version == 1 else v2.parse_header(payload)).n]
            start += len(batch)
            kept = [tx for tx in batch if tx[0] != _BLOB_TX_TYPE]
            left_out += len(batch) - len(kept)
            if kept:
                channels.append(op.span_channel(kept, "brotli", 10))
        if channels:
            rows.append(cost.blob_posting(OP_FRAMES, len(op.pack_frames_continuous(channels)), n - left_out,
                                          **price))
            counts[OP_FRAMES] = len(channels)
    from .l1.poster import cut_batches, stream_payload_sizes

    sizes, _ = stream_payload_sizes(cut_batches(raws), level)
    rows.append(cost.blob_posting(POSTED, stream_blobs_needed(sizes), n, **price))
    counts[POSTED] = len(sizes)
    if keyframe_every is not None:
        history = build_payloads(raws, senders=senders, target_blobs=target_blobs, level=level, stream=True,
                                 version=2, keyframe_every=keyframe_every)
        rows.append(cost.blob_posting(STREAM_HISTORY, stream_blobs_needed(map(len, history)), n, **price))
        counts[STREAM_HISTORY] = len(history)
    return PostingComparison(target_blobs, rows, counts, left_out, keyframe_every)


@dataclass(frozen=True)
class Estimate:
    payload: bytes
    """The payload costed: the input itself, or the input's transactions compressed."""
    transactions: int
    skipped: int
    """Unsupported transactions left out (``skip_unsupported``)."""
    comparison: cost.Comparison
    posting: PostingComparison | None = None
    """For a transactions input with ``target_blobs``: the sequence-of-payloads comparison."""


def estimate(data: bytes | Transactions, *, level: str | int = "default", base_fee: int | str = "12gwei",
             blob_base_fee: int | str | None = None, excess_blob_gas: int | None = None, fork: str = "bpo2",
             eth_usd: float | str | None = None, skip_unsupported: bool = False, target_blobs: int | None = 6,
             blobs_per_tx: int | None = None, include_op: bool = True,
             keyframe_every: int | None = None) -> Estimate:
    """Cost ``data`` (a payload, a transactions file's bytes, or :class:`Transactions`) posted as calldata and
    as blobs (``skip_unsupported`` applies to a file's bytes; :class:`Transactions` carry their own count).

    Fees are wei as integers or amounts with a unit (``"12gwei"``, see :func:`batchkit.l1.cost.parse_wei`);
    the other parameters are those of :func:`batchkit.l1.cost.compare`. For transactions, ``target_blobs``
    (None: skip) adds :func:`compare_posting` at the same fees. Raises :class:`InputError` for input
    without transactions or bad arguments, :class:`DecodeError` for a payload that does not decode.
    """
    base_fee = cost.parse_wei(base_fee)
    blob_base_fee = None if blob_base_fee is None else cost.parse_wei(blob_base_fee)
    is_payload = not isinstance(data, Transactions) and data[:2] == v1.MAGIC
    if is_payload:
        payload = bytes(data)
        n = len(decompress(payload))
        skipped = 0
    else:
        txs = data if isinstance(data, Transactions) else \
            read_transactions(io.BytesIO(data), skip_unsupported=skip_unsupported)
        skipped = txs.skipped
        if not txs.raws:
            raise InputError("no transactions in the input")
        senders = txs.senders if txs.senders is not None else recover_senders(txs.raws, strict=False)
        payload = compress(txs.raws, level=level, senders=senders)
        n = len(txs.raws)
    if n == 0:
        raise InputError("the payload holds no transactions")
    comparison = cost.compare(payload, n, base_fee=base_fee, blob_base_fee=blob_base_fee,
                              excess_blob_gas=excess_blob_gas, fork=fork, eth_usd=eth_usd)
    posting = None
    if not is_payload and target_blobs is not None:
        posting = compare_posting(txs.raws, senders, target_blobs=target_blobs, blobs_per_tx=blobs_per_tx,
                                  level=level, base_fee=comparison.base_fee, blob_base_fee=comparison.blob_base_fee,
                                  fork=fork, include_op=include_op, keyframe_every=keyframe_every)
    return Estimate(payload, n, skipped, comparison, posting)
