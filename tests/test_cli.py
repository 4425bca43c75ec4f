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
    from batchkit.cli import decode
    monkeypatch.setattr(decode, "_RECORDS_PER_WRITE", 7)  # 150 txs: 22 chunks, the last one short
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
    from batchkit.l1 import calldata
    monkeypatch.setattr(calldata, "MAX_FRAME_PAYLOAD", 20_000)
    prefix = tmp_path / "frames"
    assert main(["compress", str(txs_file), "--to", "calldata", "-o", str(prefix)]) == 0
    parts = sorted(tmp_path.glob("frames.*"))
    assert len(parts) > 1 and parts[0].name == "frames.000"
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(prefix), "-o", str(back)]) == 0
    assert len(back.read_text().splitlines()) == 150


# --- the blob stream and inputs read as a stream -------------------------------------------------------------

@pytest.fixture(scope="module")
def mainnet_file(tmp_path_factory, mainnet_raws):
    """3,000 recent mainnet transactions as JSONL (about 1.5 MB raw: several one-blob payloads)."""
    path = tmp_path_factory.mktemp("mainnet") / "txs.jsonl"
    path.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in mainnet_raws[:3000]))
    return path


def test_blob_stream_directory_round_trip(tmp_path, mainnet_file, mainnet_raws, capsys):
    out = tmp_path / "stream"
    assert main(["compress", str(mainnet_file), "--to", "blobs", "--blob-stream", "--target-blobs", "1",
                 "-o", str(out)]) == 0
    assert "every blob full but the last" in capsys.readouterr().err
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "blob-stream" and m["payload_count"] > 2 and m["blobs_per_tx"] == 6
    from batchkit.format import v2
    seqs = [v2.parse_header(c.data).seq for c in batchkit.l1.blobstream.read_stream_dir(out)]
    assert seqs == list(range(len(seqs)))   # a v2 stream with history (one segment: fewer than 32 payloads)
    assert [b["fill"] for b in m["blobs"][:-1]] == [1.0] * (m["blob_count"] - 1)
    back = tmp_path / "back.jsonl"
    assert main(["decompress", str(out), "-o", str(back)]) == 0
    assert [bytes.fromhex(json.loads(x)["raw"][2:]) for x in back.read_text().splitlines()] == mainnet_raws[:3000]
    assert main(["verify", str(mainnet_file), str(out)]) == 0
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in mainnet_raws[:2999]))
    assert main(["verify", str(other), str(out)]) == 1
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0  # every payload of the stream, in order
    reports = json.loads(capsys.readouterr().out)
    assert sum(r["transactions"] for r in reports) == 3000


def test_blob_stream_is_the_same_for_every_grouping_and_implies_blobs(tmp_path, mainnet_file):
    assert main(["compress", str(mainnet_file), "--blob-stream", "--target-blobs", "1", "-o",
                 str(tmp_path / "g6")]) == 0     # --blob-stream alone writes blobs
    assert main(["compress", str(mainnet_file), "--to", "blobs", "--blob-stream", "--target-blobs", "1",
                 "--blobs-per-tx", "2", "-o", str(tmp_path / "g2")]) == 0
    m6 = json.loads((tmp_path / "g6" / "manifest.json").read_text())
    m2 = json.loads((tmp_path / "g2" / "manifest.json").read_text())
    assert [t["blobs"] for t in m2["transactions"]] == [[i, min(i + 1, m2["blob_count"] - 1)]
                                                         for i in range(0, m2["blob_count"], 2)]
    assert [b["versioned_hash"] for b in m6["blobs"]] == [b["versioned_hash"] for b in m2["blobs"]]
    assert all((tmp_path / "g6" / b["file"]).read_bytes() == (tmp_path / "g2" / b["file"]).read_bytes()
               for b in m6["blobs"])


@pytest.mark.parametrize("argv, message", [
    (["--blob-stream", "--to", "payload", "-o", "x"], "--blob-stream writes blobs"),
    (["--blob-stream", "--to", "calldata", "-o", "x"], "--blob-stream writes blobs"),
    (["--blob-stream"], "give -o DIR"),
    (["--target-blobs", "1"], "give -o PREFIX"),
    (["--blob-stream", "--blobs-per-tx", "7", "-o", "x"], "blobs_per_tx"),
    (["--target-blobs", "0", "-o", "x"], "target_blobs"),
    (["--target-blobs", "1", "--keyframe-every", "4", "-o", "x"], "--keyframe-every applies to --blob-stream"),
    (["--blob-stream", "--keyframe-every", "0", "-o", "x"], "keyframe_every"),
])
def test_stream_compress_usage_errors(tmp_path, mainnet_file, argv, message, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["compress", str(mainnet_file), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("mode", [["--blob-stream"], ["--to", "blobs"], []])
def test_a_bad_transaction_late_in_a_streamed_input_leaves_no_output(tmp_path, mainnet_raws, mode, capsys):
    path = tmp_path / "txs.hex"
    path.write_text("".join("0x" + r.hex() + "\n" for r in mainnet_raws[:2500]) + "0x02c0\n")
    out = tmp_path / "out"
    assert main(["compress", str(path), "--target-blobs", "1", "--no-recover", *mode, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "line 2501" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["txs.hex"]   # payloads sealed before it are gone


def test_streamed_target_blobs_writes_the_builders_payloads(tmp_path, mainnet_file, mainnet_raws):
    from batchkit.builder import build_payloads
    from batchkit.senders import recover_senders
    raws = mainnet_raws[:3000]
    assert main(["compress", str(mainnet_file), "--target-blobs", "1", "-o", str(tmp_path / "p")]) == 0
    files = sorted(tmp_path.glob("p.*"))
    want = build_payloads(raws, senders=recover_senders(raws), target_blobs=1, version=2)
    assert [f.read_bytes() for f in files] == want   # v2 keyframes, as plain compress writes
    assert all(batchkit.api.payload_version(p) == 2 for p in want)


def test_blob_stream_from_stdin(tmp_path, mainnet_raws):
    raws = mainnet_raws[:600]
    out = tmp_path / "s"
    subprocess.run([sys.executable, "-m", "batchkit", "compress", "-", "--blob-stream", "--target-blobs", "1",
                    "--no-recover", "-o", str(out)], input="".join("0x" + r.hex() + "\n" for r in raws).encode(),
                   capture_output=True, check=True)
    assert main(["decompress", str(out), "-o", str(tmp_path / "back.jsonl")]) == 0
    assert [bytes.fromhex(json.loads(x)["raw"][2:]) for x in (tmp_path / "back.jsonl").read_text().splitlines()] \
        == raws


# Peak RSS of the process image: VmHWM (ru_maxrss would include the parent's, kept across exec on Linux).
_PEAK_RSS = ("import sys\n"
             "from batchkit.cli import main\n"
             "rc = main(sys.argv[1:])\n"
             "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
             "print(rc, hwm)\n")


@pytest.mark.parametrize("mode", [["--blob-stream", "--keyframe-every", "1"], []])
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads VmHWM from /proc")
def test_streamed_compress_memory_does_not_grow_with_the_input(tmp_path, mainnet_raws, mode):
    # Peak RSS for a quarter of the corpus and for all of it (4x the input, 15 MB more of JSONL): reading
    # the input whole would add about 60 MiB; the stream adds nothing measurable. (With history, the
    # default of --blob-stream, the v2 encoder also holds one segment: at most 128 payloads and
    # MAX_SEGMENT_BYTES of columns, whatever the input.)
    peaks = []
    for n in (len(mainnet_raws) // 4, len(mainnet_raws)):
        path = tmp_path / f"in{n}.jsonl"
        path.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in mainnet_raws[:n]))
        proc = subprocess.run([sys.executable, "-c", _PEAK_RSS, "compress", str(path), "--target-blobs", "1",
                               "--no-recover", "--level", "fast", *mode, "-o", str(tmp_path / f"out{n}")],
                              capture_output=True, text=True, check=True, timeout=600)
        rc, kib = proc.stdout.split()
        assert rc == "0"
        peaks.append(int(kib) / 1024)
    # Reading it whole adds 66 MiB here; the stream's peak moves only with its largest payload (up to about
    # 10 MiB on the pure-Python core, which allocates more per transaction).
    assert peaks[1] - peaks[0] < 16, peaks
