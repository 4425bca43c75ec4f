"""Bytes per transaction per transaction class (:mod:`batchkit.classify`): each class's transactions taken
alone, in corpus order, cut into batches of the same raw size as the main run, and every format run over
them (:func:`batchkit.bench.harness.run_format`: every batch round-trips).

This is what a batch of only that kind costs in each format, the figure OP and Base publish per transaction
type; a class's share of a mixed batch is not measurable without leaving transactions out one by one
(:func:`batchkit.attribution.marginal_sizes`), which costs a compression per transaction and format.
"""

from __future__ import annotations

from ..classify import CLASSES, classify
from ..errors import InputError
from ..senders import recover_senders
from .harness import DEFAULT_BATCH_BYTES, Format, _run_formats, cut_by_bytes


def class_results(raws: list[bytes], formats: list[Format], *, batch_bytes: int | None, base_fee: int,
                  blob_base_fee: int, jobs: int = 1) -> dict:
    """``{"batch_bytes", "classes": {class: {"txs", "raw_bytes", "batches", "rows": {format: bytes_per_tx}}}}``
    for every class of :data:`batchkit.classify.CLASSES` (a class without transactions has ``txs`` 0 and no
    rows)."""
    if not raws:
        raise InputError("no transactions to classify")
    batch_bytes = DEFAULT_BATCH_BYTES if batch_bytes is None else batch_bytes
    senders = recover_senders(raws, strict=False)
    members: dict[str, list[int]] = {c: [] for c in CLASSES}
    for i, raw in enumerate(raws):
        members[classify(raw)].append(i)
    out = {}
    for name in CLASSES:
        idx = members[name]
        sub = [raws[i] for i in idx]
        entry = {"txs": len(sub), "raw_bytes": sum(map(len, sub)), "batches": 0, "rows": {}}
        if sub:
            sub_senders = [senders[i] for i in idx]
            spans = cut_by_bytes(sub, batch_bytes)
            batches = [sub[a:b] for a, b in spans]
            entry["batches"] = len(batches)
            rows = _run_formats(formats, batches, [sub_senders[a:b] for a, b in spans], base_fee=base_fee,
                                blob_base_fee=blob_base_fee, jobs=jobs)
            entry["rows"] = {r.name: r.payload_bytes / r.txs for r in rows}
        out[name] = entry
    return {"batch_bytes": batch_bytes, "classes": out}
