"""``batchkit bench`` end to end on a small generated corpus: the JSON rows, the plots, the sums."""

from __future__ import annotations

import json

import pytest

from batchkit.bench import select_formats
from batchkit.cli import main
from batchkit.corpora import generate_batch
from batchkit.errors import InputError

FORMATS = ["batchkit-default", "raw-zstd19", "op-span-brotli10", "batchkit-stream-default", "raw-zstd7-stream",
           "raw-brotli11-stream", "op-span-brotli11-stream"]
FIELDS = {"name", "bytes_per_tx", "ratio", "blobs", "encode_mb_s", "decode_mb_s", "payload_bytes",
          "cost_per_tx_gwei", "vs_op_span_pct", "group", "in_sample", "reference", "vs_reference_pct",
          "encode_vs_reference", "decode_vs_reference", "encode_mb_s_runs", "decode_mb_s_runs"}  # runs: --repeats
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small_jsonl(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "small.jsonl"
    with open(path, "w") as f:
        for tx in generate_batch(400, seed=11):
            f.write(json.dumps({"raw": "0x" + tx.raw.hex()}) + "\n")
    return path


@pytest.fixture(scope="module")
def bench_run(small_jsonl, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    json_path, plot_dir = out / "bench.json", out / "plots"
    rc = main(["bench", str(small_jsonl), "--formats", ",".join(FORMATS), "--json", str(json_path),
               "--plot", str(plot_dir), "--limit", "300", "--batch-bytes", "30000"])
    return rc, json.loads(json_path.read_text()), plot_dir


def test_bench_writes_one_row_per_format_with_every_field(bench_run):
    rc, report, _ = bench_run
    assert rc == 0
    assert sorted(r["name"] for r in report["results"]) == sorted(FORMATS)
    for row in report["results"]:
        assert set(row) == FIELDS
        assert row["payload_bytes"] > 0 and row["blobs"] >= report["meta"]["batches"]
        assert row["encode_mb_s"] > 0 and row["decode_mb_s"] > 0 and row["cost_per_tx_gwei"] > 0


def test_bench_rows_are_grouped_then_sorted_by_bytes_per_tx(bench_run):
    results = bench_run[1]["results"]
    groups = [r["group"] for r in results]
    assert groups == ["independent"] * 3 + ["stream"] * 4
    for g in ("independent", "stream"):
        bpt = [r["bytes_per_tx"] for r in results if r["group"] == g]
        assert bpt == sorted(bpt)


def test_stream_rows_are_compared_with_the_zstd7_stream(bench_run):
    results = {r["name"]: r for r in bench_run[1]["results"]}
    ref = results["raw-zstd7-stream"]
    assert ref["vs_reference_pct"] == 0 and ref["encode_vs_reference"] == 1
    for name in ("batchkit-stream-default", "raw-brotli11-stream", "op-span-brotli11-stream"):
        r = results[name]
        assert r["reference"] == "raw-zstd7-stream"
        assert r["vs_reference_pct"] == pytest.approx((r["bytes_per_tx"] / ref["bytes_per_tx"] - 1) * 100)
        assert r["encode_vs_reference"] == pytest.approx(r["encode_mb_s"] / ref["encode_mb_s"])
    assert results["batchkit-default"]["reference"] == "op-span-brotli10"


def test_a_generated_corpus_is_not_in_sample(bench_run):
    report = bench_run[1]
    assert report["meta"]["prior_trained_on"] == [] and report["meta"]["in_sample"] is False
    assert not any(r["in_sample"] for r in report["results"])


def test_rows_using_the_prior_on_its_training_corpus_are_marked_in_sample(tmp_path, capsys):
    from batchkit.corpora import shared_corpora_dir
    directory = shared_corpora_dir()
    if directory is None:
        pytest.skip("the shared corpora are absent")
    out = tmp_path / "b.json"
    # batchkit-default starts from the prior; the stream at default does not, and the baseline has none.
    assert main(["bench", str(directory / "reth.jsonl"), "--formats",
                 "batchkit-default,batchkit-stream-default,raw-zstd7-stream", "--limit", "300",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    report = json.loads(out.read_text())
    flags = {r["name"]: r["in_sample"] for r in report["results"]}
    assert flags == {"batchkit-default": True, "batchkit-stream-default": False, "raw-zstd7-stream": False}
    assert report["meta"]["prior_trained_on"] == ["reth.jsonl"] and report["meta"]["in_sample"]
    assert "| batchkit-default * " in text and "IN-SAMPLE" in text
    assert "| batchkit-stream-default * " not in text


def test_the_default_corpus_is_the_held_out_one():
    from batchkit.bench import load_corpus
    from batchkit.bench.harness import HELD_OUT_CORPUS
    from batchkit.corpora import shared_corpora_dir
    from batchkit.format.priors import DEFAULT_ID, TRAINED_ON
    if shared_corpora_dir() is None:
        pytest.skip("the shared corpora are absent")
    corpus = load_corpus([])
    assert corpus.files == [HELD_OUT_CORPUS] and corpus.trained_on == []
    assert HELD_OUT_CORPUS not in TRAINED_ON[DEFAULT_ID]
    assert load_corpus([], all_shared=True).trained_on == sorted(TRAINED_ON[DEFAULT_ID])


def test_bytes_per_tx_is_payload_bytes_over_txs(bench_run):
    report = bench_run[1]
    txs = report["meta"]["txs"]
    assert txs == sum(report["meta"]["batch_txs"])
    for row in report["results"]:
        assert row["bytes_per_tx"] == pytest.approx(row["payload_bytes"] / txs)
        assert row["ratio"] == pytest.approx(report["meta"]["raw_bytes"] / row["payload_bytes"])


def test_bench_leaves_blob_txs_out_and_respects_the_limit(bench_run):
    meta = bench_run[1]["meta"]
    assert meta["txs"] == 300 and meta["batches"] > 1
    assert "type-3 blob txs" in meta["left_out"]
    assert {"zstandard", "libzstd", "brotli"} <= set(meta["versions"])


def test_reference_row_is_zero_and_batchkit_columns_add_up(bench_run):
    report = bench_run[1]
    rows = {r["name"]: r for r in report["results"]}
    assert rows["op-span-brotli10"]["vs_op_span_pct"] == 0
    columns = report["batchkit_columns"]["default"]
    assert columns["sig"] == 64
    assert sum(columns.values()) == pytest.approx(rows["batchkit-default"]["bytes_per_tx"], rel=1e-3)


def test_bench_writes_valid_pngs(bench_run):
    plot_dir = bench_run[2]
    for name in ("tradeoff.png", "batchkit_columns.png"):
        data = (plot_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_unknown_format_is_an_input_error():
    with pytest.raises(InputError, match="unknown format"):
        select_formats("batchkit-default,no-such-format")


def test_unknown_format_exits_2_with_one_line(small_jsonl, capsys):
    assert main(["bench", str(small_jsonl), "--formats", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_target_blobs_cuts_batches_that_fit(small_jsonl, tmp_path):
    out = tmp_path / "b.json"
    assert main(["bench", str(small_jsonl), "--formats", "batchkit-default", "--target-blobs", "1",
                 "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    row = report["results"][0]
    assert row["blobs"] == report["meta"]["batches"]
