"""batchkit estimate (CLI): figures agree with cost.compare, units parse, errors exit 2 with one line."""

from __future__ import annotations

import json

import pytest

from batchkit import compress
from batchkit.l1 import cost
from batchkit.cli import main
from batchkit.corpora import generate_batch


@pytest.fixture(scope="module")
def txfile(tmp_path_factory):
    txs = generate_batch(40, seed=5)
    path = tmp_path_factory.mktemp("est") / "txs.jsonl"
    path.write_text("".join(json.dumps({"raw": "0x" + t.raw.hex(), "from": "0x" + t.sender.hex()}) + "\n"
                            for t in txs))
    return path, [t.raw for t in txs], [t.sender for t in txs]


def test_json_matches_cost_compare(txfile, capsys):
    path, raws, senders = txfile
    assert main(["estimate", str(path), "--json", "--base-fee", "3gwei", "--blob-base-fee", "2 gwei",
                 "--eth-usd", "2500"]) == 0
    got = json.loads(capsys.readouterr().out)
    payload = compress(raws, senders=senders)
    want = cost.compare(payload, len(raws), base_fee=3 * 10**9, blob_base_fee=2 * 10**9, eth_usd=2500.0)
    posting = got.pop("posting")
    assert got.pop("fee_sources") == {"base_fee": "given", "blob_base_fee": "given"}
    assert got == json.loads(json.dumps(want.to_dict()))
    # A transactions input is also priced as a sequence of payloads, at the same fees (test_posting.py).
    assert [r["layout"] for r in posting["rows"]] == ["blob stream", "per-payload blobs", "OP frames (continuous)",
                                                     "blob stream, as batchkit post sends it",
                                                     "blob stream, v2 with history"]
    assert {r["base_fee"] for r in posting["rows"]} == {3 * 10**9}
    assert {r["blob_base_fee"] for r in posting["rows"]} == {2 * 10**9}


def test_payload_input_is_costed_as_is(txfile, tmp_path, capsys):
    _, raws, senders = txfile
    payload = compress(raws, senders=senders, level="max")
    p = tmp_path / "batch.bk"
    p.write_bytes(payload)
    assert main(["estimate", str(p), "--json", "--excess-blob-gas", "10000000", "--fork", "prague"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = cost.compare(payload, len(raws), base_fee=12 * 10**9, excess_blob_gas=10_000_000, fork="prague")
    assert got.pop("fee_sources") == {"base_fee": "default 12gwei: no node, none given",
                                      "blob_base_fee": "from --excess-blob-gas 10000000"}
    assert got == json.loads(json.dumps(want.to_dict()))


def test_table_names_both_options_and_the_cheaper(txfile, capsys):
    path, raws, senders = txfile
    assert main(["estimate", str(path), "--eth-usd", "3000"]) == 0
    out = capsys.readouterr().out
    c = cost.compare(compress(raws, senders=senders), len(raws), base_fee=12 * 10**9, eth_usd=3000)
    assert f"{c.calldata_gas:,}" in out and str(c.payload_bytes) in out
    assert f"cheaper: {c.cheaper}" in out and "USD per transaction" in out


@pytest.mark.parametrize("argv", [["--base-fee", "1.2.3"], ["--base-fee=-5gwei"], ["--blob-base-fee", "0.5wei"],
                                  ["--fork", "nosuchfork"], ["--eth-usd", "-1"]])
def test_bad_arguments_exit_2_with_one_line(txfile, capsys, argv):
    path, _, _ = txfile
    assert main(["estimate", str(path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("batchkit: error:") and err.count("\n") == 1


def test_missing_file_and_bad_payload_exit_2(tmp_path, capsys):
    assert main(["estimate", str(tmp_path / "nope")]) == 2
    bad = tmp_path / "bad.bk"
    bad.write_bytes(b"BK\x01garbage")
    assert main(["estimate", str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 2


@pytest.mark.parametrize("form", ["calldata", "blobs"])
def test_posted_payload_is_costed_like_the_payload_file(txfile, tmp_path, capsys, form):
    path, raws, senders = txfile
    payload = compress(raws, senders=senders)
    plain = tmp_path / "batch.bk"
    plain.write_bytes(payload)
    assert main(["estimate", str(plain), "--json"]) == 0
    want = json.loads(capsys.readouterr().out)
    posted = tmp_path / form
    assert main(["compress", str(path), "--to", form, "-o", str(posted)]) == 0
    capsys.readouterr()
    assert main(["estimate", str(posted), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == want


def test_estimate_takes_explicit_parameters(txfile):
    from batchkit.estimate import estimate
    _, raws, senders = txfile
    payload = compress(raws, senders=senders)
    result = estimate(payload, base_fee="3gwei", blob_base_fee=2 * 10**9)
    assert (result.payload, result.transactions, result.skipped) == (payload, len(raws), 0)
    assert result.comparison == cost.compare(payload, len(raws), base_fee=3 * 10**9, blob_base_fee=2 * 10**9)
