"""What a payload holds: its header, and per column the raw bytes and what the column costs compressed.

A column's compressed cost is an estimate: each column is compressed alone with zstd at
:data:`MEASURE_LEVEL` (whatever the payload's method: the shares, not the sizes, are what is measured),
then the columns of each body are scaled so they add up to that body as stored (a body is one frame: its
columns share the frame's context). The signatures are stored raw and cost what they weigh.
"""

from __future__ import annotations

from .format import v1
from .format._backend import core
from .format.streams import BULK_STREAMS, SIG_STREAM, STREAMS

#: The zstd level the columns are measured at: fast (a few ms per MB), and its shares of a body come within
#: a few percent of those measured at the levels payloads are written with.
MEASURE_LEVEL = 3


def inspect_payload(payload: bytes) -> dict:
    """The report ``batchkit inspect`` prints (``--json`` prints this dict). Raises :class:`DecodeError`."""
    parsed = v1.parse(payload)
    txs, groups = core.assemble(parsed.n, parsed.chain, parsed.streams)
    n = parsed.n
    method = parsed.method
    alone = []
    for i, data in enumerate(parsed.streams):
        if i == SIG_STREAM or method == v1.METHOD_STORED or not data:
            alone.append(len(data))
        else:
            alone.append(min(len(data), len(v1.compress_body(v1.METHOD_ZSTD, MEASURE_LEVEL, data))))
    bulk_alone = sum(alone[i] for i in BULK_STREAMS)
    small_alone = sum(alone) - bulk_alone - alone[SIG_STREAM]
    body_b_len = parsed.body_len - parsed.body_a_len
    scale_small = parsed.body_a_len / small_alone if small_alone else 0.0
    scale_bulk = body_b_len / bulk_alone if bulk_alone else 0.0
    columns = []
    for i, name in enumerate(STREAMS):
        data = parsed.streams[i]
        if i == SIG_STREAM:
            share = float(len(data))
        else:
            share = alone[i] * (scale_bulk if i in BULK_STREAMS else scale_small)
        columns.append({"name": name, "raw_bytes": len(data), "compressed_bytes": round(share, 1),
                        "bytes_per_tx": round(share / n, 2) if n else 0.0})
    raw_total = sum(map(len, txs))
    return {
        "format": "batchkit v1",
        "version": v1.VERSION,
        "method": v1.METHODS[method],
        "transactions": n,
        "chain_id": int.from_bytes(parsed.chain, "big"),
        "sender_groups": len(set(groups)),
        "payload_bytes": len(payload),
        "header_bytes": parsed.header_len,
        "body_bytes": parsed.body_len,
        "signature_bytes": len(parsed.streams[SIG_STREAM]),
        "raw_transaction_bytes": raw_total,
        "ratio": round(raw_total / len(payload), 3) if payload else 0.0,
        "bytes_per_tx": round(len(payload) / n, 2) if n else 0.0,
        "columns": columns,
    }


def render(report: dict) -> str:
    lines = [
        f"{report['format']}  method {report['method']}  chain id {report['chain_id']}",
        f"{report['transactions']} transactions from {report['sender_groups']} sender groups; "
        f"{report['raw_transaction_bytes']} raw bytes -> {report['payload_bytes']} bytes "
        f"(ratio {report['ratio']}, {report['bytes_per_tx']} B/tx)",
        f"header {report['header_bytes']} B, body {report['body_bytes']} B, signatures {report['signature_bytes']} B",
        "",
        f"{'column':10s} {'raw bytes':>11s} {'compressed':>11s} {'B/tx':>8s}",
    ]
    for c in report["columns"]:
        lines.append(f"{c['name']:10s} {c['raw_bytes']:>11d} {c['compressed_bytes']:>11.1f} {c['bytes_per_tx']:>8.2f}")
    return "\n".join(lines) + "\n"
