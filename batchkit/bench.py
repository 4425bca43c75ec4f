"""``batchkit bench``: batchkit against today's production batch formats, on the same batches.

What is measured
================

The corpus (files given on the command line, else every ``*.jsonl`` of the shared corpora, else a generated
corpus of 5,000 transactions) is read once. Transactions some format cannot carry are left out for *every*
format, so all rows see the same batches: type-3 blob transactions (OP and Scroll reject them) and unsigned
system transactions (type 0x7e: OP deposits, Scroll L1 messages). Senders are recovered once, before any
timing, and handed to batchkit (it groups nonces per sender); batchkit's encode speed is therefore measured
with senders supplied, as a batcher that already knows them would run it.

The transactions are cut once into batches of consecutive transactions, either of about ``batch_bytes`` raw
bytes (:func:`batchkit.corpora.batches`) or so that each batch's ``batchkit-default`` payload fills
``target_blobs`` blobs. Every format then encodes and decodes every batch on one core, each call timed with
:func:`time.perf_counter`, and every batch must round-trip exactly (else :class:`VerificationError`).

Per format: payload bytes (each format's own framing included), ratio (raw bytes / payload bytes), bytes per
transaction, blobs (per batch ``ceil(payload / blob_capacity)`` in that format's own blob packing;
:func:`batchkit.blob.blobs_needed` for batchkit), encode and decode MB/s (raw transaction bytes, 10^6, per
second), the cost of posting every batch in blobs (:func:`batchkit.cost.blob_cost`) per transaction in gwei,
and bytes per transaction relative to ``op-span-brotli10``.

Example::

    batchkit bench --batch-bytes 120000 --json bench.json --plot plots/
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .errors import InputError, VerificationError

#: batchkit rows: format name -> level.
BATCHKIT_LEVELS = {"batchkit-fast": "fast", "batchkit-default": "default", "batchkit-max": "max"}
#: The row every other row is compared with.
REFERENCE_FORMAT = "op-span-brotli10"
DEFAULT_BATCH_BYTES = 120_000
#: Size of the corpus generated when the shared corpora are absent.
GENERATED_TXS = 5_000
GENERATED_SEED = 2024
SYSTEM_TX_TYPE = 0x7E
BLOB_TX_TYPE = 0x03


# --- formats -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """One row of the bench: a codec over one batch, and how many blobs a payload of n bytes needs."""

    name: str
    encode: Callable[[list[bytes], list[bytes]], bytes]
    """``encode(txs, senders) -> payload`` (only batchkit uses the senders)."""
    decode: Callable[[bytes], list[bytes]]
    blobs: Callable[[int], int]
    level: str | None = None
    """The batchkit level, or None for a baseline."""


def _batchkit_format(name: str, level: str) -> Format:
    from .api import compress, decompress
    from .blob import blobs_needed

    def encode(txs: list[bytes], senders: list[bytes]) -> bytes:
        return compress(txs, level=level, senders=senders, verify=False)

    return Format(name, encode, decompress, blobs_needed, level)


def _baseline_format(name: str) -> Format:
    from .baselines import FORMATS
    base = FORMATS[name]
    capacity = base.blob_capacity

    def encode(txs: list[bytes], senders: list[bytes]) -> bytes:
        return base.encode(txs)

    return Format(name, encode, base.decode, lambda n: max(1, -(-n // capacity)))


def known_formats() -> list[str]:
    """Every format name the bench knows: the batchkit levels, then the baselines."""
    from .baselines import FORMATS
    return [*BATCHKIT_LEVELS, *FORMATS]


def select_formats(spec: str | None) -> list[Format]:
    """``spec``: comma-separated names (None or empty: all). Raises InputError for an unknown name."""
    known = known_formats()
    names = known if not spec else [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if not names:
        raise InputError("no formats given")
    names = list(dict.fromkeys(names))
    return [_batchkit_format(n, BATCHKIT_LEVELS[n]) if n in BATCHKIT_LEVELS else _baseline_format(n)
            for n in names]


# --- corpus ------------------------------------------------------------------------------------------------

@dataclass
class Corpus:
    raws: list[bytes]
    description: str
    left_out: dict[str, int] = field(default_factory=dict)
    """Why transactions were left out, and how many."""


def _filter(raws: list[bytes], left_out: dict[str, int]) -> list[bytes]:
    kept = []
    for raw in raws:
        if raw[:1] == bytes([BLOB_TX_TYPE]):
            left_out["type-3 blob txs"] = left_out.get("type-3 blob txs", 0) + 1
        elif raw[:1] == bytes([SYSTEM_TX_TYPE]):
            left_out["system txs (0x7e)"] = left_out.get("system txs (0x7e)", 0) + 1
        else:
            kept.append(raw)
    return kept


def load_corpus(paths: Sequence[str]) -> Corpus:
    """The bench corpus: ``paths`` read with :func:`batchkit.inputs.read_transactions`; with no paths every
    file of the shared corpora; without those, a generated corpus. Type-3 and system txs are left out."""
    left_out: dict[str, int] = {}
    if paths:
        from .inputs import read_transactions
        raws: list[bytes] = []
        for path in paths:
            found = read_transactions(path, skip_unsupported=True)
            raws += found.raws
            if found.skipped:
                left_out["unsupported txs"] = left_out.get("unsupported txs", 0) + found.skipped
        description = ", ".join(Path(p).name for p in paths)
    else:
        from .corpora import load_all, shared_corpora_dir
        directory = shared_corpora_dir()
        if directory is not None:
            raws = load_all(directory, include_system=True, include_blobs=True)
            description = f"all of {directory}/*.jsonl"
        else:
            from .corpora import generate_batch
            raws = [t.raw for t in generate_batch(GENERATED_TXS, seed=GENERATED_SEED)]
            description = (f"generated corpus of {GENERATED_TXS} txs (seed {GENERATED_SEED}): "
                           "the shared corpora are absent")
    return Corpus(_filter(raws, left_out), description, left_out)


# --- batches -----------------------------------------------------------------------------------------------

def _cut_by_counts(raws: list[bytes], counts: list[int]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for c in counts:
        spans.append((start, start + c))
        start += c
    if start != len(raws):
        raise VerificationError(f"the builder's payloads carry {start} of {len(raws)} transactions")
    return spans


def cut_for_blobs(raws: list[bytes], senders: list[bytes], n_blobs: int) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of consecutive txs whose ``batchkit-default`` payload fills ``n_blobs`` blobs
    (the last span takes what is left). Uses :func:`batchkit.builder.build_payloads` when it exists, else a
    greedy search: each span is the longest run from its start whose payload still fits."""
    from .blob import HEADER_SIZE, USABLE_BYTES_PER_BLOB
    if n_blobs < 1:
        raise InputError(f"--target-blobs must be at least 1, not {n_blobs}")
    try:
        from .builder import build_payloads
    except ImportError:
        build_payloads = None
    if build_payloads is not None:
        from .format import v1
        payloads = build_payloads(raws, senders=senders, target_blobs=n_blobs, level="default", verify=False)
        return _cut_by_counts(raws, [v1.parse(p).n for p in payloads])

    from .api import compress
    limit = n_blobs * USABLE_BYTES_PER_BLOB - HEADER_SIZE

    def fits(start: int, end: int) -> bool:
        return len(compress(raws[start:end], level="default", senders=senders[start:end], verify=False)) <= limit

    spans: list[tuple[int, int]] = []
    start, guess = 0, 256
    while start < len(raws):
        lo, hi = start + 1, len(raws) + 1  # [start, lo) is taken as fitting (a lone tx always is its own batch)
        probe = min(start + guess, len(raws))
        while probe > lo and fits(start, probe):  # grow until a probe does not fit
            lo = probe
            if probe == len(raws):
                break
            probe = min(start + 2 * (probe - start), len(raws))
        if lo < probe:
            hi = probe
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fits(start, mid):
                lo = mid
            else:
                hi = mid
        spans.append((start, lo))
        guess = lo - start
        start = lo
    return spans


def cut_by_bytes(raws: list[bytes], batch_bytes: int) -> list[tuple[int, int]]:
    """Spans of :func:`batchkit.corpora.batches` (runs of at most ``batch_bytes`` raw bytes)."""
    from .corpora import batches
    if batch_bytes < 1:
        raise InputError(f"--batch-bytes must be positive, not {batch_bytes}")
    return _cut_by_counts(raws, [len(b) for b in batches(raws, batch_bytes)])


# --- running -----------------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    level: str | None
    txs: int
    raw_bytes: int
    payload_bytes: int = 0
    blobs: int = 0
    encode_s: float = 0.0
    decode_s: float = 0.0
    cost_wei: int = 0
    payloads: list[bytes] = field(default_factory=list, repr=False)

    def result(self, reference: "Row | None") -> dict:
        bpt = self.payload_bytes / self.txs
        return {
            "name": self.name,
            "bytes_per_tx": bpt,
            "ratio": self.raw_bytes / self.payload_bytes,
            "blobs": self.blobs,
            "encode_mb_s": self.raw_bytes / self.encode_s / 1e6 if self.encode_s else None,
            "decode_mb_s": self.raw_bytes / self.decode_s / 1e6 if self.decode_s else None,
            "payload_bytes": self.payload_bytes,
            "cost_per_tx_gwei": self.cost_wei / self.txs / 1e9,
            "vs_op_span_pct": (None if reference is None else
                               (bpt / (reference.payload_bytes / reference.txs) - 1) * 100),
        }


def _progress(total: int, desc: str):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="batch", file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty())


def run_format(fmt: Format, batches: list[list[bytes]], senders: list[list[bytes]], *, base_fee: int,
               blob_base_fee: int, progress=None) -> Row:
    """Encode and decode every batch with ``fmt``, timing each call; raise VerificationError unless every
    batch comes back exactly."""
    from .cost import blob_cost
    row = Row(fmt.name, fmt.level, sum(map(len, batches)), sum(len(t) for b in batches for t in b))
    clock = time.perf_counter
    for i, (txs, snd) in enumerate(zip(batches, senders)):
        try:
            t0 = clock()
            payload = fmt.encode(txs, snd)
            t1 = clock()
            back = fmt.decode(payload)
            t2 = clock()
        except InputError as exc:
            raise InputError(f"{fmt.name} cannot encode batch {i}: {exc}") from exc
        if back != txs:
            raise VerificationError(f"{fmt.name}: batch {i} ({len(txs)} txs) does not round-trip")
        n_blobs = fmt.blobs(len(payload))
        row.encode_s += t1 - t0
        row.decode_s += t2 - t1
        row.payload_bytes += len(payload)
        row.blobs += n_blobs
        row.cost_wei += blob_cost(n_blobs, base_fee=base_fee, blob_base_fee=blob_base_fee)
        if fmt.level is not None:
            row.payloads.append(payload)
        if progress is not None:
            progress.update(1)
    return row


def column_bytes(payloads: list[bytes], txs: int) -> dict[str, float]:
    """Bytes per transaction of each column (plus the header), from :func:`batchkit.inspect.inspect_payload`
    summed over the payloads."""
    from .inspect import inspect_payload
    totals: dict[str, float] = {"header": 0.0}
    for payload in payloads:
        report = inspect_payload(payload)
        totals["header"] += report["header_bytes"]
        for col in report["columns"]:
            totals[col["name"]] = totals.get(col["name"], 0.0) + col["compressed_bytes"]
    return {name: round(v / txs, 3) for name, v in totals.items()}


def versions() -> dict[str, str]:
    import brotli
    import zstandard
    from . import __version__
    from ._backend import COMPILED
    return {
        "batchkit": __version__,
        "core": "compiled" if COMPILED else "pure python",
        "zstandard": zstandard.__version__,
        "libzstd": ".".join(map(str, zstandard.ZSTD_VERSION)),
        "brotli": getattr(brotli, "__version__", "unknown"),
        "python": platform.python_version(),
    }


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --- output ------------------------------------------------------------------------------------------------

def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def render_table(results: list[dict]) -> str:
    """The results as a Markdown table."""
    head = ["format", "payload B", "ratio", "B/tx", "blobs", "enc MB/s", "dec MB/s", "gwei/tx",
            f"vs {REFERENCE_FORMAT}"]
    rows = [[r["name"], f"{r['payload_bytes']:,}", f"{r['ratio']:.3f}", f"{r['bytes_per_tx']:.1f}",
             str(r["blobs"]), _fmt(r["encode_mb_s"], ".2f"), _fmt(r["decode_mb_s"], ".1f"),
             f"{r['cost_per_tx_gwei']:,.0f}",
             "-" if r["vs_op_span_pct"] is None else f"{r['vs_op_span_pct']:+.1f}%"] for r in results]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    sep = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(head), sep, *map(line, rows)]) + "\n"


def render_meta(meta: dict) -> str:
    v = meta["versions"]
    left = ", ".join(f"{n} {k}" for k, n in meta["left_out"].items()) or "none"
    size = (f"batches of at most {meta['batch_bytes']:,} raw bytes" if meta["target_blobs"] is None
            else f"batches whose batchkit-default payload fills {meta['target_blobs']} blob(s)")
    return "\n".join([
        f"corpus: {meta['corpus']}",
        f"{meta['txs']:,} txs ({meta['raw_bytes']:,} raw bytes) in {meta['batches']} {size} "
        f"(mean {meta['raw_bytes'] / meta['batches']:,.0f} B, {meta['txs'] / meta['batches']:.0f} txs)",
        f"left out for every format, so all rows see the same batches: {left}",
        f"senders recovered once ({meta['recover_s']:.1f} s) and supplied to batchkit: its encode speed is "
        "measured with senders given",
        f"one core, time.perf_counter, every batch round-trips; MB = 10^6 raw tx bytes; cost: blobs at base fee "
        f"{meta['base_fee_gwei']:g} gwei, blob base fee {meta['blob_base_fee_gwei']:g} gwei ({meta['fork']})",
        f"batchkit {v['batchkit']} ({v['core']} core), zstandard {v['zstandard']} (libzstd {v['libzstd']}), "
        f"brotli {v['brotli']}, Python {v['python']}, {meta['cpu']}",
    ]) + "\n"


def render_columns(columns: dict[str, dict[str, float]]) -> str:
    names = [n for n in next(iter(columns.values()))] if columns else []
    names = [n for n in names if any(c.get(n, 0) >= 0.05 for c in columns.values())]
    lines = ["batchkit bytes per tx by column:", f"  {'':9s} " + "  ".join(f"{lv:>7s}" for lv in columns)]
    for n in names:
        lines.append(f"  {n:9s} " + "  ".join(f"{columns[lv].get(n, 0):7.2f}" for lv in columns))
    lines.append(f"  {'total':9s} " + "  ".join(f"{sum(c.values()):7.2f}" for c in columns.values()))
    return "\n".join(lines) + "\n"


def _place_labels(ax, points: list[tuple[float, float, str, str]]) -> None:
    """Annotate points, moving a label to another side of its point when it would overlap one already placed."""
    ax.figure.canvas.draw()
    placed: list[tuple[float, float, float, float]] = []
    char_w, h = 5.6, 11.0  # pixels at fontsize 8.5 and dpi 120 (approximate, generous)
    for x, y, text, color in sorted(points, key=lambda p: -p[1]):
        px, py = ax.transData.transform((x, y))
        w = char_w * len(text)
        for dx, dy in ((6, 4), (6, -13), (-w - 6, 4), (-w - 6, -13), (6, 15), (6, -24), (-w - 6, 15), (-w - 6, -24)):
            box = (px + dx, py + dy, px + dx + w, py + dy + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx * 72 / ax.figure.dpi, dy * 72 / ax.figure.dpi),
                    fontsize=8.5, color=color)


def write_plots(directory: str, results: list[dict], columns: dict[str, dict[str, float]], meta: dict) -> list[str]:
    """Two PNGs in ``directory``: ``tradeoff.png`` (bytes per tx against encode speed, every row) and
    ``batchkit_columns.png`` (batchkit's bytes per tx by column, per level)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    subtitle = f"{meta['txs']:,} txs, {meta['batches']} batches ({meta['batch_label']})"

    fig, ax = plt.subplots(figsize=(10, 6.5), dpi=120)
    points = []
    for r in results:
        if r["encode_mb_s"] is None:
            continue
        mine = r["name"].startswith("batchkit")
        color = "tab:red" if mine else "tab:blue"
        ax.scatter(r["encode_mb_s"], r["bytes_per_tx"], s=60 if mine else 36, zorder=3, color=color,
                   marker="D" if mine else "o")
        points.append((r["encode_mb_s"], r["bytes_per_tx"], r["name"], "tab:red" if mine else "black"))
    ax.set_xscale("log")
    xs = [p[0] for p in points] or [1.0]
    ax.set_xlim(min(xs) / 2, max(xs) * 3)
    ax.set_xlabel("encode speed, MB/s of raw transactions (one core, log scale)")
    ax.set_ylabel("payload bytes per transaction (lower is better)")
    ax.set_title(f"Size against encode speed\n{subtitle}", fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    _place_labels(ax, points)
    path = out / "tradeoff.png"
    fig.savefig(path)
    plt.close(fig)
    written.append(str(path))

    if columns:
        levels = list(columns)
        names = list(next(iter(columns.values())))
        names = [n for n in names if any(columns[lv].get(n, 0) >= 0.01 for lv in levels)]
        names.sort(key=lambda n: -max(columns[lv].get(n, 0) for lv in levels))
        cmap = plt.get_cmap("tab20")
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 3.0 + 0.55 * len(levels) + 0.3 * len(names)), dpi=120,
                                          gridspec_kw={"height_ratios": [0.7 * len(levels) + 0.6, 0.3 * len(names)]})
        left = [0.0] * len(levels)
        for k, n in enumerate(names):
            vals = [columns[lv].get(n, 0.0) for lv in levels]
            bars = top.barh(levels, vals, left=left, color=cmap(k % 20), edgecolor="white", linewidth=0.5)
            for bar, v in zip(bars, vals):
                if v >= 7:
                    top.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                             f"{n} {v:.1f}" if v >= 20 else f"{n}\n{v:.1f}", ha="center", va="center",
                             fontsize=8)
            left = [a + b for a, b in zip(left, vals)]
        for i, total in enumerate(left):
            top.text(total + 1, i, f"{total:.1f} B/tx", va="center", fontsize=9)
        top.set_xlim(0, max(left) * 1.13)
        top.invert_yaxis()
        top.set_title(f"Where batchkit's bytes go (bytes per tx)\n{subtitle}", fontsize=11)

        height = 0.8 / len(levels)
        for j, lv in enumerate(levels):
            ys = [i + (j - (len(levels) - 1) / 2) * height for i in range(len(names))]
            vals = [columns[lv].get(n, 0.0) for n in names]
            bottom.barh(ys, vals, height=height, label=lv, color=plt.get_cmap("Set1")(j))
            for y, v in zip(ys, vals):
                bottom.text(v * 1.08, y, f"{v:.2f}", va="center", fontsize=6.5)
        bottom.set_xscale("log")
        bottom.set_yticks(range(len(names)), names, fontsize=8.5)
        bottom.invert_yaxis()
        lo = min((columns[lv].get(n, 0) for lv in levels for n in names if columns[lv].get(n, 0) > 0), default=0.01)
        bottom.set_xlim(lo / 2, max(left) * 2.5)
        bottom.set_xlabel("bytes per transaction, by column (log scale; compressed share of the body, sig stored raw)")
        bottom.legend(title="level", fontsize=8, loc="lower right")
        bottom.grid(True, axis="x", which="both", alpha=0.3)
        fig.tight_layout()
        path = out / "batchkit_columns.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(str(path))
    return written


# --- entry point -------------------------------------------------------------------------------------------

def run(corpus: Corpus, formats: list[Format], *, batch_bytes: int | None = None, target_blobs: int | None = None,
        base_fee: int, blob_base_fee: int, limit: int | None = None, fork: str = "bpo2") -> dict:
    """Run the bench; returns ``{"meta", "results", "batchkit_columns"}`` (the JSON written by ``--json``)."""
    from .senders import recover_senders
    raws = corpus.raws
    if limit is not None:
        if limit < 1:
            raise InputError(f"--limit must be at least 1, not {limit}")
        raws = raws[:limit]
    if not raws:
        raise InputError("no transactions to bench")
    t0 = time.perf_counter()
    senders = recover_senders(raws)
    recover_s = time.perf_counter() - t0

    if target_blobs is not None:
        spans = cut_for_blobs(raws, senders, target_blobs)
        batch_label = f"batchkit-default fills {target_blobs} blob(s)"
    else:
        batch_bytes = DEFAULT_BATCH_BYTES if batch_bytes is None else batch_bytes
        spans = cut_by_bytes(raws, batch_bytes)
        batch_label = f"{batch_bytes:,} raw bytes"
    batches = [raws[a:b] for a, b in spans]
    batch_senders = [senders[a:b] for a, b in spans]

    rows = []
    with _progress(len(formats) * len(batches), "bench") as bar:
        for fmt in formats:
            bar.set_description(fmt.name)
            rows.append(run_format(fmt, batches, batch_senders, base_fee=base_fee, blob_base_fee=blob_base_fee,
                                   progress=bar))
    reference = next((r for r in rows if r.name == REFERENCE_FORMAT), None)
    results = sorted((r.result(reference) for r in rows), key=lambda r: (r["bytes_per_tx"], r["name"]))
    columns = {r.level: column_bytes(r.payloads, r.txs) for r in rows if r.level is not None}

    meta = {
        "versions": versions(),
        "cpu": _cpu(),
        "corpus": corpus.description,
        "txs": len(raws),
        "raw_bytes": sum(map(len, raws)),
        "batches": len(batches),
        "batch_bytes": batch_bytes if target_blobs is None else None,
        "target_blobs": target_blobs,
        "batch_label": batch_label,
        "batch_txs": [len(b) for b in batches],
        "left_out": corpus.left_out,
        "limit": limit,
        "senders": "recovered once with recover_senders and supplied to batchkit (encode timed with senders given)",
        "recover_s": recover_s,
        "timing": "one core, time.perf_counter around each encode and decode call, summed over batches",
        "fork": fork,
        "base_fee_gwei": base_fee / 1e9,
        "blob_base_fee_gwei": blob_base_fee / 1e9,
        "reference": REFERENCE_FORMAT,
    }
    return {"meta": meta, "results": results, "batchkit_columns": columns}


def main_bench(args) -> int:
    """The ``bench`` subcommand (arguments from :mod:`batchkit.cli`). Prints the table; returns 0."""
    from .cost import parse_wei
    base_fee = parse_wei(args.base_fee)
    blob_base_fee = parse_wei(args.blob_base_fee)
    formats = select_formats(args.formats)
    corpus = load_corpus(args.corpus or [])
    report = run(corpus, formats, batch_bytes=args.batch_bytes, target_blobs=args.target_blobs,
                 base_fee=base_fee, blob_base_fee=blob_base_fee, limit=args.limit)

    if args.json_out:
        from .cli import atomic_output
        with atomic_output(args.json_out, binary=False) as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    plots = write_plots(args.plot, report["results"], report["batchkit_columns"], report["meta"]) if args.plot else []

    out = sys.stdout
    out.write(render_meta(report["meta"]) + "\n")
    out.write(render_table(report["results"]))
    if report["batchkit_columns"]:
        out.write("\n" + render_columns(report["batchkit_columns"]))
    for p in plots:
        out.write(f"plot: {p}\n")
    if args.json_out:
        out.write(f"json: {args.json_out}\n")
    out.flush()
    return 0
