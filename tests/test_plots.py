"""The bench's PNG plots: a panel per like-for-like group with no two labels overlapping at every known format,
every row's columns (the validity rows' ``sender`` too) with a legend for each, legends titled for what they
list."""

from __future__ import annotations

import itertools

from matplotlib.text import Text

from batchkit.bench import known_formats, write_plots
from batchkit.bench.html import INDEPENDENT, STREAMS, VALIDITY
from batchkit.bench.plots import columns_figure, tradeoff_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _rows() -> list[dict]:
    """Every known format, crowded on purpose: points a few percent apart in size and speed."""
    rows = []
    for i, name in enumerate(known_formats()):
        rows.append({"name": name, "bytes_per_tx": 170 + (i % 5) * 1.5, "encode_mb_s": 1.0 + (i % 4) * 0.2})
    return rows


def _labels(ax):
    return [c for c in ax.get_children() if getattr(c, "get_gid", lambda: None)() == "label"]


def test_tradeoff_has_a_panel_per_group_and_no_overlapping_labels():
    import matplotlib.pyplot as plt
    rows = _rows()
    fig = tradeoff_figure(rows, "test")
    try:
        axes = fig.axes
        assert [ax.get_title() for ax in axes] == [INDEPENDENT, STREAMS, VALIDITY]
        renderer = fig.canvas.get_renderer()
        seen = []
        for ax in axes:
            labels = _labels(ax)
            seen += [a.get_text() for a in labels]
            boxes = [Text.get_window_extent(a, renderer) for a in labels]  # the text, not its leader line
            for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
                assert not a.overlaps(b), (labels[i].get_text(), labels[j].get_text())
        assert sorted(seen) == sorted(r["name"] for r in rows)
        validity = {a.get_text() for a in _labels(axes[2])}
        assert validity == {n for n in known_formats() if "validity" in n}
    finally:
        plt.close(fig)


def test_columns_chart_has_every_rows_columns_and_titled_legends(tmp_path):
    import matplotlib.pyplot as plt
    full = {"data": 80.0, "sig": 64.0, "addr": 12.0, "nonce": 1.2, "auth": 0.02, "header": 0.2}
    columns = {"default": full, "validity-default": {"data": 80.0, "addr": 29.0, "sender": 0.24, "nonce": 1.2,
                                                      "auth": 0.02, "header": 0.2}}
    fig = columns_figure(columns, "test")
    try:
        top, bottom = fig.axes
        top_legend = top.get_legend()
        assert {t.get_text() for t in top_legend.get_texts()} == set(full) | {"sender"}
        assert bottom.get_legend().get_title().get_text() == "format"
        assert [t.get_text() for t in bottom.get_legend().get_texts()] == ["default", "validity-default"]
        assert "sender" in [t.get_text() for t in bottom.get_yticklabels()]
    finally:
        plt.close(fig)
    meta = {"txs": 10, "batches": 1, "batch_label": "x"}
    paths = write_plots(str(tmp_path), _rows(), columns, meta)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["tradeoff.png", "batchkit_columns.png"]
    assert all(open(p, "rb").read(8) == PNG_MAGIC for p in paths)
