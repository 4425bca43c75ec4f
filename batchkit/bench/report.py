"""The bench's text output: the Markdown table of the rows, the run's conditions, batchkit's bytes by column."""

from __future__ import annotations

from .harness import REFERENCE_FORMAT


def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _vs_reference(r: dict) -> str:
    if r.get("vs_reference_pct") is None or r["name"] == r.get("reference"):
        return "-"
    return (f"{r['vs_reference_pct']:+.1f}% {r['reference']}, enc {_fmt(r['encode_vs_reference'], '.2f')}x, "
            f"dec {_fmt(r['decode_vs_reference'], '.2f')}x")


def render_table(results: list[dict]) -> str:
    """The results as a Markdown table; an in-sample row (its payloads use a prior trained on this corpus) is
    marked ``*`` after its name, and each row is compared with its group's reference row too."""
    head = ["format", "group", "payload B", "ratio", "B/tx", "blobs", "enc MB/s", "dec MB/s", "gwei/tx",
            f"vs {REFERENCE_FORMAT}", "vs group reference (bytes, speeds)"]
    rows = [[r["name"] + (" *" if r.get("in_sample") else ""), r.get("group", "-"), f"{r['payload_bytes']:,}",
             f"{r['ratio']:.3f}", f"{r['bytes_per_tx']:.1f}",
             str(r["blobs"]), _fmt(r["encode_mb_s"], ".2f"), _fmt(r["decode_mb_s"], ".1f"),
             f"{r['cost_per_tx_gwei']:,.0f}",
             "-" if r["vs_op_span_pct"] is None else f"{r['vs_op_span_pct']:+.1f}%", _vs_reference(r)]
            for r in results]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    sep = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    note = ("\n* in-sample: the row's payloads use the shipped prior, which was trained on this corpus; its size is "
            "not a result (bench the held-out corpus)\n" if any(r.get("in_sample") for r in results) else "")
    return "\n".join([line(head), sep, *map(line, rows)]) + "\n" + note


def render_meta(meta: dict) -> str:
    v = meta["versions"]
    left = ", ".join(f"{n} {k}" for k, n in meta["left_out"].items()) or "none"
    size = (f"batches of at most {meta['batch_bytes']:,} raw bytes" if meta["target_blobs"] is None
            else f"batches whose batchkit-default payload fills {meta['target_blobs']} blob(s)")
    return "\n".join([
        f"corpus: {meta['corpus']}",
        ("IN-SAMPLE: the shipped prior was trained on " + ", ".join(meta["prior_trained_on"]) + "; rows whose "
         "payloads use it are marked *" if meta.get("prior_trained_on") else
         "held out: the shipped prior was not trained on this corpus"),
        f"{meta['txs']:,} txs ({meta['raw_bytes']:,} raw bytes) in {meta['batches']} {size} "
        f"(mean {meta['raw_bytes'] / meta['batches']:,.0f} B, {meta['txs'] / meta['batches']:.0f} txs)",
        f"left out for every format, so all rows see the same batches: {left}",
        f"senders recovered once ({meta['recover_s']:.1f} s) and supplied to batchkit: its encode speed is "
        "measured with senders given",
        f"wall clock (time.perf_counter; batchkit compresses a bulk section of 64 KiB or more on a second thread, "
        "the other formats use one), every batch round-trips; MB = 10^6 raw tx bytes"
        + (f"; speeds: medians of {meta['repeats']} runs" if meta.get("repeats", 1) > 1 else ""),
        f"cost: blobs at base fee {meta['base_fee_gwei']:g} gwei"
        + (f" ({meta['fee_sources']['base_fee']})" if meta.get("fee_sources") else "")
        + f", blob base fee {meta['blob_base_fee_gwei']:g} gwei"
        + (f" ({meta['fee_sources']['blob_base_fee']})" if meta.get("fee_sources") else "") + f" ({meta['fork']})",
        f"batchkit {v['batchkit']} ({v['core']} core), zstandard {v['zstandard']} (libzstd {v['libzstd']}), "
        f"brotli {v['brotli']}, Python {v['python']}, {meta['cpu']}",
    ]) + "\n"


def render_columns(columns: dict[str, dict[str, float]]) -> str:
    names = list(dict.fromkeys(n for c in columns.values() for n in c))  # every row's columns, first seen first
    names = [n for n in names if any(c.get(n, 0) >= 0.05 for c in columns.values())]
    lines = ["batchkit bytes per tx by column:", f"  {'':9s} " + "  ".join(f"{lv:>7s}" for lv in columns)]
    for n in names:
        lines.append(f"  {n:9s} " + "  ".join(f"{columns[lv].get(n, 0):7.2f}" for lv in columns))
    lines.append(f"  {'total':9s} " + "  ".join(f"{sum(c.values()):7.2f}" for c in columns.values()))
    return "\n".join(lines) + "\n"


def render_posting(posting: dict) -> str:
    """A posting comparison (:meth:`batchkit.estimate.PostingComparison.to_dict`) as a plain-text table."""
    rows_in = posting["rows"]
    base = next(r for r in rows_in if r["layout"] == "per-payload blobs")
    head = ("layout", "payloads", "txs", "blobs", "blob txs", "blob gas/tx", "gwei/tx", "blobs vs per-payload")
    rows = [head] + [(r["layout"], str(posting["payloads"][r["layout"]]), str(r["n_txs"]), str(r["blobs"]),
                      str(r["blob_txs"]), f"{r['blob_gas_per_tx']:,}", f"{r['wei_per_tx'] / 1e9:,.3f}",
                      f"{(r['blobs'] - base['blobs']) / base['blobs']:+.1%}") for r in rows_in]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [f"posted as payloads of about {posting['target_blobs']} blob(s), up to {base['blobs_per_tx']} blobs "
             f"per blob transaction, base fee {base['base_fee'] / 1e9:g} gwei, blob base fee "
             f"{base['blob_base_fee'] / 1e9:g} gwei:"]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
              for row in rows]
    if posting.get("keyframe_every"):
        lines.append(f"v2 with history: payloads that use the ones before them, a keyframe every "
                     f"{posting['keyframe_every']} (the other rows carry independent v2 payloads)")
    if posting["op_left_out"]:
        lines.append(f"OP frames leave out {posting['op_left_out']} type-3 transaction(s): OP span batches "
                     "cannot carry them")
    return "\n".join(lines) + "\n"


def render_builder_time(t: dict) -> str:
    """The builder timing of ``bench --target-blobs``."""
    return (f"BatchBuilder(stream=True), {t['payloads']} payloads, against one compress over the same transactions "
            f"(medians of {t['repeats']}): v2 {t['builder_v2_s']:.3f} s vs {t['compress_v2_s']:.3f} s "
            f"({t['ratio_v2']:.2f}x), v2 with history (keyframe every {t['keyframe_every']}) "
            f"{t['builder_v2_history_s']:.3f} s ({t['ratio_v2_history']:.2f}x), v1 {t['builder_v1_s']:.3f} s vs "
            f"{t['compress_v1_s']:.3f} s ({t['ratio_v1']:.2f}x)\n")


#: Speed fields of a result row that vary between repeats (the sizes must not).
SPEED_FIELDS = ("encode_mb_s", "decode_mb_s")


def merge_repeats(reports: list[dict]) -> dict:
    """One report from ``reports``, runs of the same bench over the same batches: each row keeps its sizes
    (which must be the same in every run: the formats are deterministic) and gets the median of each speed,
    with every run's value in ``<field>_runs``. ``meta["repeats"]`` says how many."""
    from statistics import median

    from ..errors import VerificationError

    first = reports[0]
    by_name = [{r["name"]: r for r in rep["results"]} for rep in reports]
    merged = []
    for row in first["results"]:
        runs = [b[row["name"]] for b in by_name]
        for other in runs[1:]:
            if other["payload_bytes"] != row["payload_bytes"]:
                raise VerificationError(f"{row['name']}: {row['payload_bytes']} bytes in one run, "
                                        f"{other['payload_bytes']} in another")
        out = dict(row)
        for key in SPEED_FIELDS:
            values = [r[key] for r in runs if r[key] is not None]
            out[key] = median(values) if values else None
            out[f"{key}_runs"] = values
        merged.append(out)
    report = dict(first)
    report["results"] = merged
    report["meta"] = dict(first["meta"], repeats=len(reports))
    return report
