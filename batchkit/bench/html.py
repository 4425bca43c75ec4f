"""``batchkit bench --html report.html``: the bench as one self-contained page (no network: styles inline,
charts inline SVG drawn by matplotlib), to send to a colleague.

What the page shows: the corpus and whether each row is in-sample for the shipped prior; the rows grouped
like for like (:data:`GROUPS`: independent payloads, streams with history, the validity profile, which
carries no signatures and is never drawn or tabled beside full rows); the size/speed trade-off per group;
medians of the speeds over the repeats with their range; where batchkit's bytes go per column; bytes per
transaction per transaction class (:mod:`batchkit.bench.classes`); the machine and the versions.
"""

from __future__ import annotations

import html
import io
import os
import platform
from pathlib import Path

from ..files import atomic_output
from ..format.priors import TRAINED_ON
from .harness import BATCHKIT_LEVELS, REFERENCE_FORMAT

INDEPENDENT, STREAMS, VALIDITY = "independent payloads", "streams with history", "validity profile"
#: Row groups, in page order, each with what a reader must know before comparing its rows.
GROUPS = {
    INDEPENDENT: "Each payload decodes alone: what a rollup posting batches that may be read in any order "
                 "pays. Today's production formats are here.",
    STREAMS: "Each payload may use the ones before it (a node decodes batches in L1 order). Compare these "
             "rows with each other, not with independent payloads.",
    VALIDITY: "No signatures: each transaction's sender and unsigned fields, for validity rollups whose "
              "proof attests the signatures. These rows carry less than the full rows and are never a "
              "like-for-like win over them.",
}
#: The harness's row groups (:data:`batchkit.bench.harness.GROUPS`) as the page names them.
GROUP_LABELS = {"independent": INDEPENDENT, "stream": STREAMS, "validity": VALIDITY}
#: The corpus files any shipped prior was trained on (:data:`batchkit.format.priors.TRAINED_ON`).
TRAINED = frozenset().union(*TRAINED_ON.values())

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;
padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
tr.mine td:first-child{font-weight:600;color:#b22}
.note{color:#555;max-width:70em}.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:.5em 1em}
.chart svg{max-width:100%;height:auto}.meta td{text-align:left;white-space:normal}
.insample{color:#b36b00;font-weight:600}
"""


def in_sample_corpus(corpus_files: list[str] | None) -> bool | None:
    """Whether the corpus holds data the shipped prior was trained on (a file of :data:`TRAINED`). ``None``
    (a node's blocks, a generated corpus): unknown, shown as such."""
    if corpus_files is None:
        return None
    return any(Path(f).name in TRAINED for f in corpus_files)


def row_context(row: dict, corpus_in_sample: bool | None) -> tuple[str, bool | None]:
    """``(group, in_sample)`` of a result row: the row's own ``group`` and ``in_sample`` when the harness
    gives them, else derived here: the group from the format's mode, in-sample for a batchkit row (the only
    rows that use the prior) when the corpus is, ``None`` (no prior) for the other rows."""
    name = row["name"]
    mode = BATCHKIT_LEVELS.get(name, (None, None))[1]
    if "group" in row:
        group = GROUP_LABELS.get(row["group"], row["group"])
    elif mode is not None and "validity" in mode:
        group = VALIDITY
    elif mode == "stream" or "stream" in name:
        group = STREAMS
    else:
        group = INDEPENDENT
    if "in_sample" in row:
        return group, row["in_sample"]
    return group, (corpus_in_sample if name.startswith("batchkit") else None)


def _is_validity(group: str) -> bool:
    return group == VALIDITY or "validity" in group


# --- charts ------------------------------------------------------------------------------------------------

def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable, selectable
    return plt


def tradeoff_chart(rows_by_group: dict[str, list[dict]]) -> str:
    """Bytes per tx against encode speed, one panel per group (same y axis), each speed with its range over
    the repeats."""
    plt = _pyplot()
    groups = [g for g, rows in rows_by_group.items() if rows]
    fig, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups), 5.2), dpi=100, sharey=True,
                             squeeze=False)
    for ax, group in zip(axes[0], groups):
        for r in rows_by_group[group]:
            x = r.get("encode_mb_s")
            if x is None:
                continue
            mine = r["name"].startswith("batchkit")
            runs = r.get("encode_mb_s_runs") or [x]
            ax.errorbar([x], [r["bytes_per_tx"]], xerr=[[x - min(runs)], [max(runs) - x]], fmt="D" if mine else "o",
                        color="tab:red" if mine else "tab:blue", ms=6 if mine else 5, capsize=2, zorder=3)
            ax.annotate(r["name"].removeprefix("batchkit-"), (x, r["bytes_per_tx"]), textcoords="offset points",
                        xytext=(5, 3), fontsize=7, color="#b22" if mine else "#222")
        ax.set_xscale("log")
        xs = [v for r in rows_by_group[group] for v in (r.get("encode_mb_s_runs") or [r.get("encode_mb_s")])
              if v is not None] or [1.0]
        ax.set_xlim(min(xs) / 1.8, max(xs) * 2.5)
        ax.set_title(group, fontsize=11)
        ax.set_xlabel("encode MB/s (wall clock, log)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("payload bytes per transaction")
    fig.tight_layout()
    out = _svg(fig)
    plt.close(fig)
    return out


def columns_chart(columns: dict[str, dict[str, float]]) -> str:
    """batchkit's bytes per tx by column, one stacked bar per batchkit row; every column any row has (the
    validity rows have ``sender`` and no ``sig``)."""
    plt = _pyplot()
    rows = list(columns)
    names = list(dict.fromkeys(n for c in columns.values() for n in c))
    names.sort(key=lambda n: -max(c.get(n, 0.0) for c in columns.values()))
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.42 * len(rows)), dpi=100)
    left = [0.0] * len(rows)
    for k, n in enumerate(names):
        vals = [columns[r].get(n, 0.0) for r in rows]
        ax.barh(rows, vals, left=left, color=cmap(k % 20), edgecolor="white", linewidth=0.4, label=n)
        left = [a + b for a, b in zip(left, vals)]
    for i, total in enumerate(left):
        ax.text(total, i, f" {total:.1f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left) * 1.12)
    ax.set_xlabel("bytes per transaction")
    ax.legend(title="column", fontsize=7, title_fontsize=8, ncol=2, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    out = _svg(fig)
    plt.close(fig)
    return out


def classes_chart(classes: dict, names: list[str]) -> str:
    """Bytes per tx per class for the rows ``names`` (grouped bars)."""
    plt = _pyplot()
    cls = [c for c, e in classes["classes"].items() if e["txs"]]
    fig, ax = plt.subplots(figsize=(11, 4.6), dpi=100)
    width = 0.8 / max(1, len(names))
    for j, name in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * width for i in range(len(cls))]
        vals = [classes["classes"][c]["rows"].get(name, 0.0) for c in cls]
        ax.bar(xs, vals, width=width, label=name, color=plt.get_cmap("tab10")(j % 10))
    ax.set_xticks(range(len(cls)), [f"{c}\n({classes['classes'][c]['txs']:,} txs)" for c in cls], fontsize=8)
    ax.set_ylabel("payload bytes per transaction")
    ax.legend(title="format", fontsize=8, title_fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    out = _svg(fig)
    plt.close(fig)
    return out


# --- the page ----------------------------------------------------------------------------------------------

def _e(x) -> str:
    return html.escape(str(x))


def _speed(r: dict, key: str, spec: str) -> str:
    v = r.get(key)
    if v is None:
        return "-"
    runs = r.get(f"{key}_runs") or []
    spread = f" <small>({min(runs):{spec}}–{max(runs):{spec}})</small>" if len(runs) > 1 else ""
    return f"{v:{spec}}{spread}"


def _sample(flag: bool | None) -> str:
    return {True: '<span class="insample">in-sample</span>', False: "held out", None: "-"}[flag]


def _table(head: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(f'<tr class="{c}">' + "".join(f"<td>{x}</td>" for x in row) + "</tr>"
                   for row, c in zip(rows, classes or [""] * len(rows)))
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def machine() -> dict[str, str]:
    """What the page says about the machine (the versions come from the report's meta)."""
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "-"
    return {"system": f"{platform.system()} {platform.release()} ({platform.machine()})",
            "cores": str(os.cpu_count()), "load average at the end": load, "host": platform.node()}


def render_html(report: dict, classes: dict | None = None, corpus_files: list[str] | None = None,
                fees: dict | None = None) -> str:
    """The page for ``report`` (:func:`batchkit.bench.run`, or :func:`batchkit.bench.report.merge_repeats` of
    several runs), ``classes`` (:func:`batchkit.bench.classes.class_results`), the corpus files (None: not
    files) and ``fees`` (``{"base_fee": source text, "blob_base_fee": source text}``)."""
    meta = report["meta"]
    corpus_flag = in_sample_corpus(corpus_files)
    by_group: dict[str, list[dict]] = {g: [] for g in GROUPS}
    flags: dict[str, bool | None] = {}
    for r in report["results"]:
        group, flag = row_context(r, corpus_flag)
        by_group.setdefault(group, []).append(r)
        flags[r["name"]] = flag
    repeats = meta.get("repeats", 1)
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>batchkit bench: {_e(meta['corpus'])}"
             f"</title><style>{_CSS}</style></head><body>",
             "<h1>batchkit bench</h1>",
             f"<p class=note>{meta['txs']:,} transactions ({meta['raw_bytes']:,} raw bytes) in {meta['batches']} "
             f"batches ({_e(meta['batch_label'])}), every batch round-tripped by every format. "
             f"Speeds: medians of {repeats} run{'s' if repeats != 1 else ''}"
             + (", with the lowest and highest in brackets." if repeats > 1 else
                " (one run: no spread; <code>--repeats N</code> gives medians and ranges).") + "</p>"]
    if any(flags.values()) or corpus_flag:
        parts.append("<p class=warn><b>In-sample:</b> the corpus holds data the shipped prior was trained on "
                     "(every shared corpus but ethereum-mainnet-recent). batchkit rows marked in-sample are "
                     "not results; measure on held-out data.</p>")
    parts.append("<h2>Corpus</h2>")
    if corpus_files:
        parts.append(_table(["file", "shipped prior"],
                            [[_e(f), _sample(Path(f).name in TRAINED)] for f in corpus_files]))
    else:
        parts.append(f"<p>{_e(meta['corpus'])} (in-sample: {'unknown' if corpus_flag is None else corpus_flag})"
                     "</p>")
    left = ", ".join(f"{n} {k}" for k, n in meta["left_out"].items()) or "none"
    parts.append(f"<p class=note>{_e(meta['corpus'])}. Left out for every format, so all rows see the same "
                 f"batches: {_e(left)}.</p>")

    parts.append("<h2>Size against speed</h2><p class=note>One panel per group: compare rows within a panel. "
                 "Bars: the range of the encode speed over the repeats.</p>")
    parts.append(f'<figure class=chart id=chart-tradeoff>{tradeoff_chart(by_group)}</figure>')

    ref = REFERENCE_FORMAT
    head = ["format", "B/tx", "ratio", f"vs {ref}", "blobs", "encode MB/s", "decode MB/s", "gwei/tx",
            "shipped prior"]
    for group, rows in by_group.items():
        rows = sorted(rows, key=lambda r: (r["bytes_per_tx"], r["name"]))
        if not rows:
            continue
        parts.append(f"<h2>{_e(group).capitalize()}</h2><p class=note>{_e(GROUPS.get(group, ''))}</p>")
        cells = [[_e(r["name"]), f"{r['bytes_per_tx']:.1f}", f"{r['ratio']:.3f}",
                  "not comparable (no signatures)" if _is_validity(group) else
                  "-" if r.get("vs_op_span_pct") is None else f"{r['vs_op_span_pct']:+.1f}%",
                  str(r["blobs"]), _speed(r, "encode_mb_s", ".2f"), _speed(r, "decode_mb_s", ".1f"),
                  f"{r['cost_per_tx_gwei']:,.0f}", _sample(flags[r["name"]])] for r in rows]
        parts.append(f'<div class=rows data-group="{_e(group)}">'
                     + _table(head, cells, ["mine" if r["name"].startswith("batchkit") else "" for r in rows])
                     + "</div>")

    if report.get("batchkit_columns"):
        cols = report["batchkit_columns"]
        parts.append("<h2>Where batchkit's bytes go</h2><p class=note>Bytes per transaction by column "
                     "(compressed share of each section; signatures stored raw; the validity rows carry "
                     "<code>sender</code> and no signatures).</p>")
        parts.append(f"<figure class=chart id=chart-columns>{columns_chart(cols)}</figure>")
        names = list(dict.fromkeys(n for c in cols.values() for n in c))
        parts.append(_table(["column", *map(_e, cols)],
                            [[_e(n), *(f"{cols[lv].get(n, 0.0):.2f}" for lv in cols)] for n in names]
                            + [["<b>total</b>", *(f"<b>{sum(c.values()):.2f}</b>" for c in cols.values())]]))

    if classes:
        full = [r["name"] for g, rows in by_group.items() if not _is_validity(g) for r in rows]
        shown = [n for n in (ref, "batchkit-default", "batchkit-max", "batchkit-stream-default") if n in full] \
            or full[:4]
        parts.append(f"<h2>Bytes per transaction, by transaction class</h2><p class=note>Each class's "
                     f"transactions alone, in corpus order, in batches of {classes['batch_bytes']:,} raw bytes "
                     "(what a batch of only that kind costs; classes by selector and <code>to</code>, "
                     "<code>batchkit.classify</code>). The chart shows full rows only; in the table the validity rows "
                     "carry no signatures.</p>")
        parts.append(f"<figure class=chart id=chart-classes>{classes_chart(classes, shown)}</figure>")
        cls = list(classes["classes"])
        body = []
        for group, rows in by_group.items():
            for r in sorted(rows, key=lambda r: r["name"]):
                body.append([f"{_e(r['name'])} <small>({_e(group)})</small>",
                             *(f"{classes['classes'][c]['rows'][r['name']]:.1f}"
                               if r["name"] in classes["classes"][c]["rows"] else "-" for c in cls)])
        parts.append(_table(["format", *(f"{_e(c)}<br><small>{classes['classes'][c]['txs']:,} txs</small>"
                                        for c in cls)], body))

    v = meta["versions"]
    fees = fees or {}
    conditions = {
        "fees": f"base fee {meta['base_fee_gwei']:g} gwei ({_e(fees.get('base_fee', 'given'))}), blob base fee "
                f"{meta['blob_base_fee_gwei']:g} gwei ({_e(fees.get('blob_base_fee', 'given'))}), fork {meta['fork']}",
        "timing": _e(meta["timing"]),
        "senders": _e(meta["senders"]),
        "cpu": _e(meta["cpu"]),
        **{k: _e(x) for k, x in machine().items()},
        "versions": _e(", ".join(f"{k} {x}" for k, x in v.items())),
    }
    parts.append("<h2>Machine and versions</h2>")
    parts.append('<table class=meta>' + "".join(f"<tr><th>{k}</th><td>{x}</td></tr>" for k, x in conditions.items())
                 + "</table></body></html>\n")
    return "".join(parts)


def write_html(path: str, report: dict, **kwargs) -> str:
    """Write :func:`render_html` to ``path`` (atomically); returns ``path``."""
    page = render_html(report, **kwargs)
    with atomic_output(path, binary=False) as f:
        f.write(page)
    return path
