"""One set of input bounds (batchkit/limits.py: MAX_JSON_DEPTH, MAX_LINE_BYTES, MAX_RECORD_BYTES,
MAX_INPUT_BYTES) for every read path: read_transactions, iter_transactions, stdin, the CLI and the node
reader. Hostile inputs get an InputError (a one-line CLI error), never a traceback, a crash or memory that
grows with the hostile line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchkit import limits
from batchkit.errors import InputError, RpcResponseError
from batchkit.readers import iter_transactions, read_node, read_transactions

from hostile_helpers import peak_rss_growth_mb

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ethereum-mainnet-recent.jsonl"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture(scope="module")
def records() -> list[str]:
    if not CORPUS.exists():
        pytest.skip("the shared corpora are not there")
    with open(CORPUS) as f:
        return [next(f).strip() for _ in range(3)]


def _cli(args, stdin=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "batchkit", *args], input=stdin, capture_output=True,
                          timeout=timeout)


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    err = proc.stderr.decode()
    assert proc.returncode not in (0, -11), (proc.returncode, err[-2000:])
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err[-2000:]
    for needle in needles:
        assert needle in err, err
    return err


# --- depth ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [DEEP, "{\"a\":" + "[" * 100_000, "[{\"raw\":\"0x00\",\"x\":" + DEEP + "}]"],
                         ids=["brackets", "unclosed", "inside-a-record"])
def test_deep_json_is_an_input_error_from_every_read_path(tmp_path, text):
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(InputError, match="MAX_JSON_DEPTH"):
        read_transactions(path)
    with pytest.raises(InputError, match="MAX_JSON_DEPTH"):
        list(iter_transactions(path))
    with open(path, "rb") as f:
        with pytest.raises(InputError, match="MAX_JSON_DEPTH"):
            read_transactions(f)


def test_deep_json_after_eth_account_is_an_input_error_not_a_segfault(tmp_path, records):
    # eth_account (py_ecc) raises the recursion limit to 100,000: the stdlib decoder then overflows the C stack.
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    lines = tmp_path / "deep.jsonl"
    lines.write_text(records[0] + "\n" + "{\"raw\": \"0x\", \"x\": " + DEEP + "}\n")
    code = ("import sys, eth_account\n"
            "from batchkit.errors import InputError\n"
            "from batchkit.readers import iter_transactions, read_transactions\n"
            "assert sys.getrecursionlimit() >= 100_000\n"
            "for read in (read_transactions, lambda p: list(iter_transactions(p))):\n"
            "    for p in sys.argv[1:]:\n"
            "        try:\n"
            "            read(p)\n"
            "        except InputError as exc:\n"
            "            print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(lines)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.count("MAX_JSON_DEPTH") == 4, proc.stdout


@pytest.mark.parametrize("mode", ["file", "stdin", "stream"])
def test_cli_deep_json_is_one_line(tmp_path, mode):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    out = tmp_path / "x.bk"
    if mode == "stdin":
        proc = _cli(["compress", "-", "-o", str(out)], stdin=DEEP.encode())
    else:
        proc = _cli(["compress", str(path), "-o", str(out)] + (["--stream", "-o", str(tmp_path / "s")]
                                                               if mode == "stream" else []))
    _one_line_error(proc, "MAX_JSON_DEPTH")
    assert not out.exists() and not (tmp_path / "s").exists()


# --- lines and records ---------------------------------------------------------------------------------

HUGE = 200 << 20  # a line well past MAX_LINE_BYTES


def test_a_line_past_max_line_bytes_is_refused_without_reading_it_whole(tmp_path, records):
    path = tmp_path / "huge.jsonl"
    with open(path, "w") as f:
        f.write(records[0] + "\n" + "{\"raw\":\"0x" + "0" * HUGE + "\"}\n")
    code = f"""
        from batchkit.errors import InputError, RpcResponseError
        from batchkit.readers import read_transactions, iter_transactions
        def run():
            out = []
            for read in (read_transactions, lambda p: list(iter_transactions(p))):
                try:
                    read({str(path)!r})
                except InputError as exc:
                    out.append(str(exc))
            return out
    """
    growth, result = peak_rss_growth_mb(code)
    assert result.count("line 2 is longer than MAX_LINE_BYTES") == 2, result
    # the file is read (MAX_INPUT_BYTES allows it) but the line is not parsed: one more copy of a
    # MAX_LINE_BYTES line at most, not the 6x of parsing it
    assert growth < HUGE / 2**20 + 3 * limits.MAX_LINE_BYTES / 2**20, growth


def test_cli_stdin_refuses_a_long_line(tmp_path, records):
    data = (records[0] + "\n").encode() + b"0x" + b"00" * (limits.MAX_LINE_BYTES // 2 + 10) + b"\n"
    for extra in ([], ["--stream"]):
        out = tmp_path / ("s" if extra else "x.bk")
        proc = _cli(["compress", "-", "-o", str(out), *extra], stdin=data)
        _one_line_error(proc, "line 2 is longer than MAX_LINE_BYTES")
        assert not out.exists()


def test_a_record_past_max_record_bytes_is_refused_before_its_hex_is_decoded(tmp_path, monkeypatch, records):
    bound = len(json.loads(records[0])["raw"]) // 2
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", bound)
    big = json.dumps({"raw": "0x" + "00" * (bound + 1)})
    hexline = json.loads(records[0])["raw"] + "\n" + "0x" + "00" * (bound + 1) + "\n"
    for text in (records[0] + "\n" + big + "\n", "[" + records[0] + "," + big + "]", hexline):
        path = tmp_path / "big"
        path.write_text(text)
        with pytest.raises(InputError, match="MAX_RECORD_BYTES"):
            read_transactions(path)
        with pytest.raises(InputError, match="MAX_RECORD_BYTES"):
            list(iter_transactions(path))
    ok = tmp_path / "ok"
    ok.write_text(records[0] + "\n")
    assert len(read_transactions(ok).raws) == 1


def test_an_extra_field_with_a_5000_digit_integer_is_an_input_error_not_a_value_error(tmp_path, records):
    rec = json.loads(records[0])
    line = json.dumps(rec)[:-1] + ", \"extra\": " + "9" * 5000 + "}"
    for text in (line + "\n", records[1] + "\n" + line + "\n", "[" + line + "]", "{\"x\": 1,\n\"raw\": 2," + "9" * 5000 + "}"):
        path = tmp_path / "big-int.jsonl"
        path.write_text(text)
        for read in (read_transactions, lambda p: list(iter_transactions(p))):
            try:
                read(path)
            except InputError:
                pass  # refused with a typed error (or read: the field is not batchkit's)


def test_the_node_reader_shares_the_record_bound(monkeypatch, records):
    from scripted_node import Reply, ScriptedNode, answer
    raw = bytes.fromhex(json.loads(records[0])["raw"][2:])
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", len(raw) - 1)
    tx = {"type": "0x2", "input": "0x" + "00" * len(raw), "nonce": "0x0", "gas": "0x5208", "value": "0x0",
          "to": "0x" + "11" * 20, "r": "0x1", "s": "0x1", "yParity": "0x0", "chainId": "0x1",
          "maxPriorityFeePerGas": "0x1", "maxFeePerGas": "0x1", "accessList": [], "hash": "0x" + "00" * 32}
    block = {"number": "0x5", "transactions": [tx]}
    node = ScriptedNode(lambda request: Reply(answer(request, lambda call: "0x64" if call["method"] ==
                                                     "eth_blockNumber" else block)))
    try:
        with pytest.raises(RpcResponseError, match="MAX_RECORD_BYTES"):  # the node's answer is at fault
            read_node(node.url, "5")
    finally:
        node.close()
