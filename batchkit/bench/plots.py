"""The bench's plots (matplotlib, a ``bench`` extra): size against encode speed, and batchkit's bytes by column."""

from __future__ import annotations

from pathlib import Path

from .html import GROUPS, row_context


def _place_labels(ax, points: list[tuple[float, float, str, str]]) -> None:
    """Annotate points, each label at the first place beside its point (then further out, with a leader line)
    where its drawn box overlaps no label already placed; boxes are measured by the renderer, not guessed."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    placed = []
    for x, y, text, color in sorted(points, key=lambda p: -p[1]):
        probe = ax.annotate(text, (x, y), textcoords="offset points", xytext=(0, 0), fontsize=8.5)
        w = probe.get_window_extent(renderer).width * 72 / fig.dpi
        probe.remove()
        # Offsets in points: beside the point first, then above and below it, further out step by step.
        candidates = [(5, 3), (5, -10), (-w - 5, 3), (-w - 5, -10)]
        candidates += [(sx, k * sy) for k in range(1, 12) for sy in (9, -9) for sx in (8, -w - 8)]
        for dx, dy in candidates:
            ann = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=8.5, color=color)
            box = ann.get_window_extent(renderer)
            if not any(box.overlaps(b) for b in placed):
                break
            ann.remove()
        else:  # nowhere free: the first place (a label over another beats a missing one)
            dx, dy = candidates[0]
            ann = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=8.5, color=color)
            box = ann.get_window_extent(renderer)
        if abs(dy) > 10:
            ann.remove()
            ann = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=8.5, color=color,
                              arrowprops=dict(arrowstyle="-", color="0.6", lw=0.5, shrinkA=0, shrinkB=3))
        ann.set_gid("label")
        placed.append(box)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def write_plots(directory: str, results: list[dict], columns: dict[str, dict[str, float]], meta: dict) -> list[str]:
    """Two PNGs in ``directory``: ``tradeoff.png`` (bytes per tx against encode speed, one panel per group of
    like-for-like rows) and ``batchkit_columns.png`` (batchkit's bytes per tx by column, per batchkit row)."""
    plt = _pyplot()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    subtitle = f"{meta['txs']:,} txs, {meta['batches']} batches ({meta['batch_label']})"
    for name, fig in (("tradeoff.png", tradeoff_figure(results, subtitle)),
                      ("batchkit_columns.png", columns_figure(columns, subtitle) if columns else None)):
        if fig is None:
            continue
        path = out / name
        fig.savefig(path, bbox_inches="tight")
        plt.close(fig)
        written.append(str(path))
    return written


def tradeoff_figure(results: list[dict], subtitle: str):
    """The trade-off figure: one panel per group of like-for-like rows (the validity rows carry no signatures:
    a panel of their own), labels placed so they do not overlap."""
    plt = _pyplot()
    by_group: dict[str, list[dict]] = {}
    for r in results:
        if r["encode_mb_s"] is not None:
            by_group.setdefault(row_context(r, None)[0], []).append(r)
    groups = sorted(by_group, key=lambda g: list(GROUPS).index(g) if g in GROUPS else len(GROUPS)) or ["results"]
    placed: dict = {}
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 1.0 + 5.0 * len(groups)), dpi=120, squeeze=False)
    for ax, group in zip(axes[:, 0], groups):
        points = []
        for r in by_group.get(group, []):
            mine = r["name"].startswith("batchkit")
            color = "tab:red" if mine else "tab:blue"
            ax.scatter(r["encode_mb_s"], r["bytes_per_tx"], s=60 if mine else 36, zorder=3, color=color,
                       marker="D" if mine else "o")
            points.append((r["encode_mb_s"], r["bytes_per_tx"], r["name"], "tab:red" if mine else "black"))
        ax.set_xscale("log")
        xs = [p[0] for p in points] or [1.0]
        ys = [p[1] for p in points] or [1.0]
        ax.set_xlim(min(xs) / 2, max(xs) * 3)
        span = max(ys) - min(ys) or max(ys) * 0.1
        ax.set_ylim(min(ys) - 0.25 * span, max(ys) + 0.25 * span)
        ax.set_xlabel("encode speed, MB/s of raw transactions (wall clock, log scale)")
        ax.set_ylabel("payload bytes per tx (lower is better)")
        ax.set_title(group, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        placed[ax] = points
    fig.suptitle(f"Size against encode speed, like for like\n{subtitle}", fontsize=11)
    fig.tight_layout()
    for ax, points in placed.items():
        _place_labels(ax, points)
    return fig


def columns_figure(columns: dict[str, dict[str, float]], subtitle: str):
    """batchkit's bytes per tx by column: stacked per row (a legend for every column, the small ones too), and
    each column per row on a log scale (legend: the format rows). Every column of every row is drawn (the
    validity rows have ``sender`` and no ``sig``)."""
    plt = _pyplot()
    levels = list(columns)
    names = list(dict.fromkeys(n for c in columns.values() for n in c))  # every row's (validity: sender)
    names = [n for n in names if any(columns[lv].get(n, 0) >= 0.01 for lv in levels)]
    names.sort(key=lambda n: -max(columns[lv].get(n, 0) for lv in levels))
    cmap = plt.get_cmap("tab20")
    per_name = 0.3 * max(1.0, len(levels) / 4)  # room for one bar per row in each column's band
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 3.0 + 0.55 * len(levels) + per_name * len(names)),
                                      dpi=120, gridspec_kw={"height_ratios": [0.7 * len(levels) + 0.6,
                                                                              per_name * len(names)]})
    left = [0.0] * len(levels)
    for k, n in enumerate(names):
        vals = [columns[lv].get(n, 0.0) for lv in levels]
        bars = top.barh(levels, vals, left=left, color=cmap(k % 20), edgecolor="white", linewidth=0.5, label=n)
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
    top.legend(title="column (every one, the small ones too)", fontsize=7, title_fontsize=8, ncol=2,
               loc="center left", bbox_to_anchor=(1.01, 0.5))
    top.set_title(f"Where batchkit's bytes go (bytes per tx)\n{subtitle}", fontsize=11)

    height = 0.8 / len(levels)
    for j, lv in enumerate(levels):
        ys = [i + (j - (len(levels) - 1) / 2) * height for i in range(len(names))]
        vals = [columns[lv].get(n, 0.0) for n in names]
        bottom.barh(ys, vals, height=height, label=lv, color=plt.get_cmap("tab20")(j % 20))
        if len(levels) <= 4:  # beyond that the numbers overlap: the table (render_columns) has them
            for y, v in zip(ys, vals):
                bottom.text(v * 1.08, y, f"{v:.2f}", va="center", fontsize=6.5)
    bottom.set_xscale("log")
    bottom.set_yticks(range(len(names)), names, fontsize=8.5)
    bottom.invert_yaxis()
    lo = min((columns[lv].get(n, 0) for lv in levels for n in names if columns[lv].get(n, 0) > 0), default=0.01)
    bottom.set_xlim(lo / 2, max(left) * 2.5)
    bottom.set_xlabel("bytes per transaction, by column (log scale; compressed share of the body, sig stored raw)")
    bottom.legend(title="format", fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    bottom.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    return fig
