"""``batchkit bench --html``: the page is self-contained, groups rows like for like, marks in-sample rows, and
renders in a real browser (headless chromium: no console error, every chart drawn, no empty table; a
screenshot is kept). The browser tests skip, naming the install command, only where chromium is absent
(``BATCHKIT_REQUIRE_CHROMIUM=1``, set by ``.ci/run``, makes that a failure)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from batchkit.bench import merge_repeats
from batchkit.bench.html import INDEPENDENT, STREAMS, VALIDITY, in_sample_corpus, render_html, row_context
from batchkit.cli import main
from batchkit.corpora import generate_batch

from browser import NOT_INSTALLED, Browser, chromium_binary
from conftest import CORPORA

FORMATS = "batchkit-default,batchkit-stream-default,batchkit-validity-default,op-span-brotli10,raw-zstd3"


def _corpus(tmp: Path) -> tuple[str, bool]:
    """A small corpus file: held-out mainnet when the shared corpora are here, else a generated one."""
    if CORPORA is not None and (CORPORA / "ethereum-mainnet-recent.jsonl").is_file():
        return str(CORPORA / "ethereum-mainnet-recent.jsonl"), True
    path = tmp / "generated.jsonl"
    path.write_text("".join(json.dumps({"raw": "0x" + t.raw.hex()}) + "\n" for t in generate_batch(1500, seed=3)))
    return str(path), False


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    corpus, _ = _corpus(tmp)
    page, data = tmp / "report.html", tmp / "report.json"
    rc = main(["bench", corpus, "--limit", "1500", "--batch-bytes", "60000", "--formats", FORMATS, "--repeats", "2",
               "-j", "1", "--html", str(page), "--json", str(data)])
    assert rc == 0
    return page, json.loads(data.read_text())


def test_page_is_self_contained_and_grouped(report_page):
    page, report = report_page
    text = page.read_text()
    # Nothing is fetched: no external scripts, styles, images or fonts.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert text.count("<svg") == 3
    # Each group in a table of its own; the validity rows never next to full rows, never "vs OP".
    tables = re.findall(r'<div class=rows data-group="([^"]+)">(.*?)</div>', text, re.S)
    groups = {g: body for g, body in tables}
    assert set(groups) == {INDEPENDENT, STREAMS, VALIDITY}
    assert "batchkit-validity-default" in groups[VALIDITY]
    assert "batchkit-validity-default" not in groups[INDEPENDENT] + groups[STREAMS]
    assert "batchkit-stream-default" in groups[STREAMS] and "op-span-brotli10" in groups[INDEPENDENT]
    assert "not comparable (no signatures)" in groups[VALIDITY] and "%" not in groups[VALIDITY].split("</thead>")[1]
    # Medians over 2 runs, with their range; per class bytes; versions.
    assert report["meta"]["repeats"] == 2
    assert all(len(r["encode_mb_s_runs"]) == 2 for r in report["results"])
    assert "medians of 2 runs" in text and "ERC-20 transfer/approve" in text and "zstandard" in text
    assert set(report["classes"]["classes"]) >= {"empty calldata", "other"}


def test_merge_repeats_takes_medians_and_refuses_different_sizes():
    row = {"name": "x", "payload_bytes": 10, "encode_mb_s": 1.0, "decode_mb_s": 5.0}
    reports = [{"meta": {}, "results": [dict(row, encode_mb_s=v)]} for v in (3.0, 1.0, 2.0)]
    merged = merge_repeats(reports)
    assert merged["results"][0]["encode_mb_s"] == 2.0
    assert merged["results"][0]["encode_mb_s_runs"] == [3.0, 1.0, 2.0]
    assert merged["meta"]["repeats"] == 3
    reports[1]["results"][0]["payload_bytes"] = 11
    with pytest.raises(Exception, match="bytes in one run"):
        merge_repeats(reports)


def test_row_context_uses_the_harness_fields_when_present():
    assert row_context({"name": "batchkit-stream-default"}, True) == (STREAMS, True)
    assert row_context({"name": "batchkit-stream-validity-max"}, False) == (VALIDITY, False)
    assert row_context({"name": "op-span-brotli10"}, True) == (INDEPENDENT, None)  # no prior
    given = {"name": "raw-zstd7-stream", "group": "plain streams", "in_sample": False}
    assert row_context(given, True) == ("plain streams", False)


@pytest.mark.skipif(CORPORA is None, reason="the shared corpora are absent")
def test_in_sample_is_marked():
    assert in_sample_corpus([str(CORPORA / "ethereum-mainnet-recent.jsonl")]) is False
    assert in_sample_corpus([str(CORPORA / "reth.jsonl")]) is True
    assert in_sample_corpus(None) is None
    report = {"meta": {"corpus": "reth.jsonl", "txs": 1, "raw_bytes": 1, "batches": 1, "batch_label": "x",
                       "left_out": {}, "timing": "t", "senders": "s", "cpu": "c", "versions": {"batchkit": "0"},
                       "base_fee_gwei": 1, "blob_base_fee_gwei": 1, "fork": "bpo2"},
              "results": [{"name": "batchkit-default", "bytes_per_tx": 1.0, "ratio": 2.0, "blobs": 1,
                           "encode_mb_s": 1.0, "decode_mb_s": 1.0, "payload_bytes": 1, "cost_per_tx_gwei": 1.0,
                           "vs_op_span_pct": None}], "batchkit_columns": {}}
    text = render_html(report, corpus_files=[str(CORPORA / "reth.jsonl")])
    assert "In-sample:" in text and 'class="insample"' in text


# --- in a real browser ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    binary = chromium_binary()
    if binary is None:
        if os.environ.get("BATCHKIT_REQUIRE_CHROMIUM") == "1":
            pytest.fail(NOT_INSTALLED)
        pytest.skip(NOT_INSTALLED)
    b = Browser(binary)
    yield b
    b.close()


CHECK = """(() => {
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {id: f.id, width: box.width, height: box.height, marks: svg ? svg.querySelectorAll('path, use, rect').length : 0};
  });
  const tables = [...document.querySelectorAll('table')].map(t => ({
    rows: t.tBodies.length ? t.tBodies[0].rows.length : t.rows.length,
    empty: [...t.querySelectorAll('td')].filter(td => !td.textContent.trim()).length}));
  return {charts, tables, title: document.title};
})()"""


def test_page_renders_in_a_browser(browser, report_page, tmp_path):
    page, _ = report_page
    browser.load(page)
    assert browser.console_errors() == []
    seen = browser.evaluate(CHECK)
    charts = {c["id"]: c for c in seen["charts"]}
    assert set(charts) == {"chart-tradeoff", "chart-columns", "chart-classes"}
    for c in charts.values():
        assert c["width"] > 300 and c["height"] > 150 and c["marks"] > 10, c
    assert len(seen["tables"]) >= 6
    for t in seen["tables"]:
        assert t["rows"] > 0 and t["empty"] == 0, t
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


def test_browser_check_catches_a_broken_page(browser, tmp_path):
    """The checks above can fail: a console error and a chart that is not there are seen."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><figure class=chart id=chart-x></figure><table><tbody></tbody></table>"
                   "<script>console.error('broken')</script></body></html>")
    browser.load(bad)
    assert any("broken" in e for e in browser.console_errors())
    seen = browser.evaluate(CHECK)
    assert seen["charts"][0]["width"] == 0 and seen["tables"][0]["rows"] == 0
