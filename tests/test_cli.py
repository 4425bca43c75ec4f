"""The command line on real files: every command, stdin/stdout, and errors (one line, non-zero exit, no
traceback, no partial output)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import batchkit
from batchkit.cli import main
from batchkit.tx import keccak256


@pytest.fixture()
def txs_file(tmp_path, generated_raws):
    path = tmp_path / "txs.jsonl"
    path.write_text("".join(json.dumps({"raw": "0x" + r.hex(), "hash": "0x" + keccak256(r).hex()}) + "\n"
                            for r in generated_raws[:150]))
    return path


def test_compress_inspect_decompress_verify_round_trip(tmp_path, txs_file, generated_raws, capsys):
    out = tmp_path / "b.bk"
    assert main(["compress", str(txs_file), "-o", str(out), "--level", "max"]) == 0
    assert batchkit.decompress(out.read_bytes()) == generated_raws[:150]
    assert main(["inspect", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["transactions"] == 150 and report["version"] == 2 and report["stream"]["keyframe"]
    assert sum(c["raw_bytes"] for c in report["columns"] if c["name"] == "sig") == 64 * 150
    assert main(["inspect", str(out)]) == 0
    assert "data" in capsys.readouterr().out
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(out), "-o", str(back)]) == 0
    rows = [json.loads(line) for line in back.read_text().splitlines()]
    assert [bytes.fromhex(r["raw"][2:]) for r in rows] == generated_raws[:150]
    assert all(r["hash"] == "0x" + keccak256(bytes.fromhex(r["raw"][2:])).hex() for r in rows)
    assert main(["verify", str(txs_file), str(out)]) == 0


def test_decompress_writes_the_lines_json_dumps_writes_chunk_by_chunk(tmp_path, generated_raws, monkeypatch,
                                                                      capsys):
    from batchkit.cli import commands
    monkeypatch.setattr(commands, "_RECORDS_PER_WRITE", 7)  # 150 txs: 22 chunks, the last one short
    payload = tmp_path / "b.bk"
    payload.write_bytes(batchkit.compress(generated_raws[:150], recover=False))
    expected = "".join(json.dumps({"raw": "0x" + r.hex(), "hash": "0x" + keccak256(r).hex()}) + "\n"
                       for r in generated_raws[:150])
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(payload), "-o", str(back)]) == 0
    assert back.read_text() == expected
    assert main(["decompress", str(payload)]) == 0
    assert capsys.readouterr().out == expected


def test_verify_exits_1_when_the_payload_differs(tmp_path, txs_file, generated_raws):
    other = tmp_path / "other.bk"
    other.write_bytes(batchkit.compress(generated_raws[:149], recover=False))
    assert main(["verify", str(txs_file), str(other)]) == 1


def test_stdin_to_stdout(txs_file, generated_raws):
    proc = subprocess.run([sys.executable, "-m", "batchkit", "compress", "-", "--level", "fast"],
                          input=txs_file.read_bytes(), capture_output=True, check=True)
    assert batchkit.decompress(proc.stdout) == generated_raws[:150]
    proc = subprocess.run([sys.executable, "-m", "batchkit", "decompress", "-"], input=proc.stdout,
                          capture_output=True, check=True)
    assert len(proc.stdout.decode().splitlines()) == 150


def test_blob_directory_round_trip(tmp_path, txs_file, generated_raws):
    blobs = tmp_path / "blobs"
    assert main(["compress", str(txs_file), "--to", "blobs", "-o", str(blobs)]) == 0
    manifest = json.loads((blobs / "manifest.json").read_text())
    assert manifest["blobs"] and all(b["versioned_hash"].startswith("0x01") for b in manifest["blobs"])
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(blobs), "-o", str(back)]) == 0
    assert len(back.read_text().splitlines()) == 150


def test_skip_unsupported_counts_what_it_skipped(tmp_path, generated_raws, capsys):
    path = tmp_path / "mixed.hex"
    path.write_text("\n".join([generated_raws[0].hex(), "7ec0", generated_raws[1].hex()]))
    out = tmp_path / "o.bk"
    assert main(["compress", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "0x7e" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["compress", str(path), "-o", str(out), "--skip-unsupported"]) == 0
    assert "skipped 1" in capsys.readouterr().err
    assert batchkit.decompress(out.read_bytes()) == generated_raws[:2]


@pytest.mark.parametrize("command", [["decompress"], ["inspect"]])
def test_bad_payload_is_one_line_exit_2_and_no_output_file(tmp_path, command, capsys):
    bad = tmp_path / "bad.bk"
    bad.write_bytes(b"BK\x01\x05garbage")
    out = tmp_path / "out.jsonl"
    args = command + [str(bad)] + (["-o", str(out)] if command == ["decompress"] else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("batchkit: error:") and err.count("\n") == 1
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl.*"))


def test_missing_input_file_is_a_clean_error(tmp_path, capsys):
    assert main(["compress", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_python_dash_m_and_the_console_script_agree(txs_file):
    proc = subprocess.run([sys.executable, "-m", "batchkit", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "batchkit" in proc.stdout


def test_calldata_frames_round_trip_through_the_cli(tmp_path, txs_file, generated_raws):
    frames = tmp_path / "frames"
    assert main(["compress", str(txs_file), "--to", "calldata", "-o", str(frames)]) == 0
    assert frames.read_bytes()[0] == 0x01
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(frames), "-o", str(back)]) == 0
    assert [bytes.fromhex(json.loads(line)["raw"][2:]) for line in back.read_text().splitlines()] \
        == generated_raws[:150]
    assert main(["verify", str(txs_file), str(frames)]) == 0


def test_split_calldata_frames_are_written_and_read_back_in_order(tmp_path, txs_file, generated_raws, monkeypatch):
    from batchkit import calldata
    monkeypatch.setattr(calldata, "MAX_FRAME_PAYLOAD", 20_000)
    prefix = tmp_path / "frames"
    assert main(["compress", str(txs_file), "--to", "calldata", "-o", str(prefix)]) == 0
    parts = sorted(tmp_path.glob("frames.*"))
    assert len(parts) > 1 and parts[0].name == "frames.000"
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(prefix), "-o", str(back)]) == 0
    assert len(back.read_text().splitlines()) == 150
