"""What a payload holds: its header, and per column the raw bytes and what the column costs compressed.

A column's compressed cost is an estimate: each column is compressed alone with zstd at
:data:`MEASURE_LEVEL` (whatever the payload's method: the shares, not the sizes, are what is measured),
then the columns of each body are scaled so they add up to that body as stored (a body is one frame: its
columns share the frame's context). The signatures are stored raw and cost what they weigh.
"""

from __future__ import annotations

from .format import v1, v2
from .format._backend import core
from .format.streams import BULK_STREAMS, SIG_STREAM, STREAMS, STREAMS_VALIDITY

#: The zstd level the columns are measured at: fast (a few ms per MB), and its shares of a body come within
#: a few percent of those measured at the levels payloads are written with.
MEASURE_LEVEL = 3


def _columns(streams, body_a_len: int, body_b_len: int, n: int) -> list[dict]:
    alone = [len(data) if i == SIG_STREAM or not data else
             min(len(data), len(v1.compress_body(v1.METHOD_ZSTD, MEASURE_LEVEL, data)))
             for i, data in enumerate(streams)]
    bulk_alone = sum(alone[i] for i in BULK_STREAMS)
    small_alone = sum(alone) - bulk_alone - alone[SIG_STREAM]
    scale_small = body_a_len / small_alone if small_alone else 0.0
    scale_bulk = body_b_len / bulk_alone if bulk_alone else 0.0
    columns = []
    for i, name in enumerate(STREAMS_VALIDITY[:len(streams)]):
        if i == SIG_STREAM:
            share = float(len(streams[i]))
        else:
            share = alone[i] * (scale_bulk if i in BULK_STREAMS else scale_small)
        columns.append({"name": name, "raw_bytes": len(streams[i]), "compressed_bytes": round(share, 1),
                        "bytes_per_tx": round(share / n, 2) if n else 0.0})
    return columns


def inspect_payload(payload: bytes, decoder: v2.Decoder | None = None) -> dict:
    """The report ``batchkit inspect`` prints (``--json`` prints this dict). Raises :class:`DecodeError`.

    A v2 payload that continues a stream needs ``decoder``, the stream's decoder that has accepted the
    payloads before it (the report then says what history it used)."""
    if payload[2:3] == bytes([v2.VERSION]):
        return _inspect_v2(payload, decoder if decoder is not None else v2.Decoder())
    parsed = v1.parse(payload)
    txs, groups = core.assemble(parsed.n, parsed.chain, parsed.streams)
    n = parsed.n
    return _report("batchkit v1", v1.VERSION, v1.METHODS[parsed.method], payload, txs, groups, parsed.chain,
                   parsed.header_len, parsed.body_len, parsed.streams,
                   _columns(parsed.streams, parsed.body_a_len, parsed.body_len - parsed.body_a_len, n))


def _inspect_v2(payload: bytes, decoder: v2.Decoder) -> dict:
    before = decoder.history_bytes
    d = decoder.decode(payload)
    h = d.header
    streams = v1.split_columns(d.sections[0], d.sections[1], payload[h.header_len + h.len_a + h.len_b:-v2.CRC_BYTES],
                               h.validity)
    body_len = h.len_a + h.len_b
    report = _report("batchkit v2", v2.VERSION, "zstd stream", payload, d.txs, d.groups, h.chain, h.header_len,
                     body_len, streams, _columns(streams, h.len_a, h.len_b, h.n))
    if h.validity:
        report["profile"] = "validity"
    report["stream"] = {"keyframe": h.seq == 0, "position": h.seq,
                        "parent": h.parent.hex() if h.parent else None, "hash": d.hash.hex(),
                        "prior": h.prior.hex() if h.prior else None,
                        "history_payloads": h.seq, "history_body_bytes": before if h.seq else 0,
                        "checksum_bytes": v2.CRC_BYTES}
    return report


def _report(fmt, version, method, payload, txs, groups, chain, header_len, body_len, streams, columns) -> dict:
    n = len(txs)
    # a validity payload's transactions are (sender, unsigned) records: their bytes are those two
    raw_total = sum(len(t) if type(t) is bytes else 20 + len(t.unsigned) for t in txs)
    return {
        "format": fmt,
        "version": version,
        "method": method,
        "profile": "full",
        "transactions": n,
        "chain_id": int.from_bytes(chain, "big"),
        "sender_groups": len(set(groups)),
        "payload_bytes": len(payload),
        "header_bytes": header_len,
        "body_bytes": body_len,
        "signature_bytes": len(streams[SIG_STREAM]),
        "raw_transaction_bytes": raw_total,
        "ratio": round(raw_total / len(payload), 3) if payload else 0.0,
        "bytes_per_tx": round(len(payload) / n, 2) if n else 0.0,
        "columns": columns,
    }


def render(report: dict) -> str:
    lines = [
        f"{report['format']}  method {report['method']}"
        + ("  profile validity (senders, no signatures)" if report.get("profile") == "validity" else "")
        + f"  chain id {report['chain_id']}",
        f"{report['transactions']} transactions from {report['sender_groups']} sender groups; "
        f"{report['raw_transaction_bytes']} raw bytes -> {report['payload_bytes']} bytes "
        f"(ratio {report['ratio']}, {report['bytes_per_tx']} B/tx)",
        f"header {report['header_bytes']} B, body {report['body_bytes']} B, signatures {report['signature_bytes']} B",
    ]
    st = report.get("stream")
    if st is not None:
        lines.append(f"{'keyframe' if st['keyframe'] else 'stream payload ' + str(st['position']) + ' of its segment'}"
                     f"; prior {st['prior'] or 'none'}; parent {st['parent'] or 'none'}; "
                     f"history {st['history_payloads']} payloads ({st['history_body_bytes']} body bytes); "
                     f"hash {st['hash']}")
    lines += [
        "",
        f"{'column':10s} {'raw bytes':>11s} {'compressed':>11s} {'B/tx':>8s}",
    ]
    for c in report["columns"]:
        lines.append(f"{c['name']:10s} {c['raw_bytes']:>11d} {c['compressed_bytes']:>11.1f} {c['bytes_per_tx']:>8.2f}")
    return "\n".join(lines) + "\n"
