"""The command line's rough edges (issue 12), each on the real thing: user paths in errors, a closed pipe,
counts in words, refused option combinations, help texts, one wording for missing files, truncated
transactions, binary output kept off terminals (a real pty), progress on a terminal only, and --jobs
giving the serial run's files."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

import batchkit
from batchkit.cli import main
from batchkit.cli.main import build_parser
from batchkit.tx import keccak256

BATCHKIT = [sys.executable, "-m", "batchkit"]


def _jsonl(path: Path, raws: list[bytes]) -> Path:
    path.write_text("".join(json.dumps({"raw": "0x" + r.hex(), "hash": "0x" + keccak256(r).hex()}) + "\n"
                            for r in raws))
    return path


@pytest.fixture()
def txs_file(tmp_path, generated_raws):
    return _jsonl(tmp_path / "txs.jsonl", generated_raws[:150])


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("batchkit: error: ") and err.count("\n") == 1, err
    return err


def test_an_unwritable_output_names_the_users_path_not_a_temporary_file(tmp_path, txs_file, capsys):
    target = tmp_path / "nodir" / "x.bk"
    assert main(["compress", str(txs_file), "-o", str(target)]) == 2
    err = _error(capsys)
    assert f"cannot write {target}: No such file or directory" in err and ".tmp" not in err
    blobs = tmp_path / "nodir" / "blobs"
    assert main(["compress", str(txs_file), "--to", "blobs", "-o", str(blobs)]) == 2
    err = _error(capsys)
    assert f"cannot write {blobs}: No such file or directory" in err and ".tmp" not in err
    assert not (tmp_path / "nodir").exists()


def test_a_closed_pipe_on_stdout_ends_quietly(tmp_path, generated_raws):
    payload = tmp_path / "p.bk"
    payload.write_bytes(batchkit.compress(generated_raws, recover=False))  # 600 lines: more than a pipe buffer
    proc = subprocess.Popen(BATCHKIT + ["decompress", str(payload)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141  # 128 + SIGPIPE, as cat exits
    assert json.loads(first)["raw"] == "0x" + generated_raws[0].hex()
    assert err == b""


def test_one_transaction_is_singular(tmp_path, generated_raws, capsys):
    one = _jsonl(tmp_path / "one.jsonl", generated_raws[:1])
    assert main(["compress", str(one), "-o", str(tmp_path / "one.bk")]) == 0
    assert capsys.readouterr().err.startswith("1 transaction, ")
    assert main(["verify", str(one), str(tmp_path / "one.bk")]) == 0
    assert "decodes to the 1 transaction\n" in capsys.readouterr().err
    assert main(["estimate", str(one)]) == 0
    assert capsys.readouterr().out.startswith("1 transaction, fork")
    two = _jsonl(tmp_path / "two.jsonl", generated_raws[:2])
    assert main(["compress", str(two), "-o", str(tmp_path / "two.bk")]) == 0
    assert capsys.readouterr().err.startswith("2 transactions, ")


@pytest.mark.parametrize("to", ["payload", "calldata"])
def test_proofs_without_blobs_is_refused(tmp_path, txs_file, capsys, to):
    out = tmp_path / "x"
    assert main(["compress", str(txs_file), "--to", to, "--proofs", "-o", str(out)]) == 2
    assert "--proofs needs --to blobs" in _error(capsys)
    assert not out.exists()


def _help(*argv: str) -> str:
    parser = build_parser()
    if not argv:
        return parser.format_help()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices[argv[0]].format_help()


def test_help_texts():
    top = _help()
    assert "``" not in top and ":func:" not in top and "EIP-4844" in top
    dec = _help("decompress")
    assert "blob directory" in dec and "calldata frames" in dec and "PREFIX.000" in dec
    for command in ("decompress", "verify", "inspect"):
        parser = build_parser()
        sub = next(a for a in parser._actions if a.dest == "command").choices[command]
        positionals = [a for a in sub._actions if not a.option_strings]
        assert positionals and all(a.help for a in positionals), command


def test_the_parser_built_for_one_command_reads_it_as_the_full_parser_does():
    full = build_parser()
    for command in full.subcommands:
        one = build_parser(command)
        assert one.format_help() == full.format_help()  # every command listed, with its help line
        assert one.subcommands[command].format_help() == full.subcommands[command].format_help(), command
        assert set(one.subcommands) == set(full.subcommands)
    assert build_parser("").format_help() == full.format_help()  # --help, --version: no command's arguments


def test_a_missing_payload_and_a_missing_input_get_one_wording(tmp_path, txs_file, capsys):
    missing = tmp_path / "missing.bk"
    messages = []
    for argv in (["decompress", str(missing)], ["inspect", str(missing)], ["verify", str(txs_file), str(missing)],
                 ["compress", str(missing), "-o", str(tmp_path / "o.bk")], ["verify", str(missing), str(txs_file)]):
        assert main(argv) == 2, argv
        messages.append(_error(capsys))
    assert all(m == f"batchkit: error: cannot read {missing}: No such file or directory\n" for m in messages), messages


def test_a_truncated_typed_transaction_says_truncated(tmp_path, generated_raws, capsys):
    raw = next(r for r in generated_raws if r[:2] == b"\x02\xf8")
    for cut in (2, 3, 30, len(raw) - 1):
        src = tmp_path / "cut.hex"
        src.write_text("0x" + raw[:cut].hex() + "\n")
        for extra in ([], ["--no-recover"]):
            assert main(["compress", str(src), "-o", str(tmp_path / "c.bk"), *extra]) == 2
            err = _error(capsys)
            assert "truncated" in err and "Long list" not in err and "superfluous" not in err, err


def _run_on_pty(argv: list[str], *, stdout_tty: bool, stderr_tty: bool, stdin: bytes | None = None):
    """Run batchkit with stdout and/or stderr on a real pseudo-terminal; returns (rc, stdout, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a terminal 120 columns wide
    proc = subprocess.Popen(BATCHKIT + argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=slave if stdout_tty else subprocess.PIPE,
                            stderr=slave if stderr_tty else subprocess.PIPE)
    os.close(slave)
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every holder of the slave side has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    rc = proc.wait(timeout=120)
    tty = b"".join(chunks)
    out = tty if stdout_tty else proc.stdout.read()
    err = tty if stderr_tty else proc.stderr.read()
    return rc, out, err


def test_binary_output_to_a_terminal_is_refused_unless_asked_for(txs_file):
    rc, out, err = _run_on_pty(["compress", str(txs_file), "--no-recover"], stdout_tty=True, stderr_tty=False)
    assert rc == 2 and b"refusing to write a binary payload to a terminal" in err and b"BK" not in out
    for asked in (["-o", "-"], ["--force"]):
        rc, out, _ = _run_on_pty(["compress", str(txs_file), "--no-recover", *asked], stdout_tty=True,
                                 stderr_tty=False)
        assert rc == 0 and b"BK\x02" in out, asked
    # A pipe is not a terminal: written as before.
    proc = subprocess.run(BATCHKIT + ["compress", str(txs_file), "--no-recover"], capture_output=True, check=True)
    assert proc.stdout.startswith(b"BK")


def test_progress_shows_on_a_terminal_only(tmp_path, txs_file):
    out = tmp_path / "m.bk"
    rc, _, err = _run_on_pty(["compress", str(txs_file), "--level", "max", "-o", str(out)], stdout_tty=False,
                             stderr_tty=True)
    assert rc == 0 and b"compress (max)" in err and b"verify" in err, err
    proc = subprocess.run(BATCHKIT + ["compress", str(txs_file), "--level", "max", "-o", str(out)],
                          capture_output=True, check=True)
    assert proc.stderr.decode().splitlines() == [proc.stderr.decode().strip()]  # the summary line alone
    rc, _, err = _run_on_pty(["compress", str(txs_file), "--target-blobs", "1", "-o", str(tmp_path / "t")],
                             stdout_tty=False, stderr_tty=True)
    assert rc == 0 and b"build payloads" in err
    rc, _, err = _run_on_pty(["estimate", str(txs_file)], stdout_tty=False, stderr_tty=True)
    assert rc == 0 and b"estimate (default)" in err


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_jobs_write_the_serial_runs_files(tmp_path, corpus_raws, capsys):
    src = _jsonl(tmp_path / "big.jsonl", [r for r in corpus_raws if r[0] not in (0x03, 0x7E)][:2500])
    trees = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        out.mkdir()
        assert main(["compress", str(src), "--target-blobs", "1", "--to", "blobs", "--jobs", jobs,
                     "-o", str(out / "part")]) == 0
        trees.append(_tree(out))
    assert len({k.split("/")[0] for k in trees[0]}) >= 3  # several payloads, each a blob directory
    assert trees[0] == trees[1]


def test_jobs_must_be_positive(tmp_path, txs_file, capsys):
    with pytest.raises(SystemExit) as info:
        main(["compress", str(txs_file), "--target-blobs", "1", "--jobs", "0", "-o", str(tmp_path / "z")])
    assert info.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_bench_jobs_give_the_serial_tables(tmp_path, txs_file, capsys):
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"b{jobs}.json"
        assert main(["bench", str(txs_file), "--formats", "batchkit-default,raw-zstd3,op-span-zlib",
                     "--batch-bytes", "20000", "--jobs", jobs, "--json", str(out)]) == 0
        reports.append(json.loads(out.read_text()))
    capsys.readouterr()
    speed = ("encode_mb_s", "decode_mb_s", "encode_vs_reference", "decode_vs_reference", "encode_mb_s_runs",
             "decode_mb_s_runs")
    rows = [[{k: v for k, v in r.items() if k not in speed} for r in rep["results"]] for rep in reports]
    assert rows[0] == rows[1] and len(rows[0]) == 3
    assert reports[0]["batchkit_columns"] == reports[1]["batchkit_columns"]
    assert reports[1]["meta"]["jobs"] == 2


#: Modules the CLI's start must not import: each costs tens of milliseconds (pyrlp and eth_utils with pydantic
#: about 0.3 s, eth_abi 0.15 s, urllib3 0.1 s, multiprocessing 0.03 s); they are imported where they are used.
SLOW_IMPORTS = ("rlp", "eth_utils", "eth_abi", "eth_account", "pydantic", "urllib3", "multiprocessing", "ckzg", "orjson",
                "batchkit.baselines", "batchkit.corpora.generate", "batchkit.bench")


def test_importing_the_cli_leaves_the_slow_modules_for_later():
    code = ("import sys, batchkit.cli\n"
            f"print(','.join(m for m in {SLOW_IMPORTS!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


#: What ``batchkit decompress`` of a payload file or a stream directory must not import (issue 22): beyond
#: the slow modules, the rest of the CLI (readers, sender recovery and the transaction model, the blob and
#: cost modules, the other commands) and what only they use. A new process runs it for every call, and the
#: decoders alone take a fraction of the interpreter's start to import.
NOT_FOR_DECOMPRESS = SLOW_IMPORTS + (
    "numpy", "coincurve", "eth_hash", "brotli", "socket", "concurrent.futures", "decimal",
    "batchkit.api", "batchkit.tx", "batchkit.coerce", "batchkit.senders", "batchkit.parallel", "batchkit.readers",
    "batchkit.builder", "batchkit.stream", "batchkit.many", "batchkit.l1.blob",
    "batchkit.l1.blobstream", "batchkit.l1.cost", "batchkit.l1.prices", "batchkit.estimate", "batchkit.inspection",
    "batchkit.progress", "batchkit.corpora", "batchkit.cli.commands", "batchkit.cli.derive", "batchkit.cli.post")


def _imported_by(tmp_path: Path, *argv: str) -> set[str]:
    """The modules a new ``python -m batchkit ARGV`` process imports beyond those of a bare interpreter (which
    the environment decides: a ``.pth`` file may import anything)."""
    listing = tmp_path / "modules.json"
    code = ("import atexit, json, sys\n"
            f"atexit.register(lambda: open({str(listing)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n")
    bare = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert bare.returncode == 0
    before = set(json.loads(listing.read_text()))
    run = code + f"import runpy\nsys.argv = ['batchkit', *{list(argv)!r}]\nrunpy.run_module('batchkit', run_name='__main__')\n"
    proc = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(listing.read_text())) - before


def test_decompress_imports_the_decoders_and_not_the_rest(tmp_path, generated_raws):
    raws = generated_raws[:150]
    payload, stream = tmp_path / "p.bk", tmp_path / "stream"
    payload.write_bytes(batchkit.compress(raws))
    assert main(["compress", str(_jsonl(tmp_path / "txs.jsonl", raws)), "--stream", "--batch-bytes", "20000",
                 "-o", str(stream)]) == 0
    assert len(list(stream.glob("*.bk"))) > 1
    want = "".join(json.dumps({"raw": "0x" + r.hex(), "hash": "0x" + keccak256(r).hex()}) + "\n" for r in raws)
    for source in (payload, stream):
        out = tmp_path / f"{source.name}.jsonl"
        modules = _imported_by(tmp_path, "decompress", str(source), "-o", str(out))
        assert out.read_text() == want
        assert {"batchkit.format.v2", "batchkit.cli.decode", "zstandard"} <= modules  # what it did use
        assert sorted(modules & set(NOT_FOR_DECOMPRESS)) == [], source.name


def test_compress_and_decompress_run_without_the_slow_modules(tmp_path, txs_file):
    payload, back = tmp_path / "p.bin", tmp_path / "back.jsonl"
    code = ("import sys\nfrom batchkit.cli import main\n"
            f"assert main(['compress', {str(txs_file)!r}, '-o', {str(payload)!r}]) == 0\n"
            f"assert main(['decompress', {str(payload)!r}, '-o', {str(back)!r}]) == 0\n"
            f"print(','.join(m for m in {SLOW_IMPORTS!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # compress reads JSON Lines (orjson) and may start a process pool (sender recovery of a large input)
    assert set(out.stdout.strip().splitlines()[-1].split(",")) <= {"", "multiprocessing", "orjson"}


@pytest.mark.parametrize("per_write", [1, 7, 10_000])
def test_decompress_writes_its_records_behind_in_order_byte_for_byte(monkeypatch, tmp_path, generated_raws,
                                                                    per_write):
    # The JSONL is written a chunk at a time on a second thread while the next chunk is built: chunked or
    # not, the file is the records in order, and what `decompress -` writes to stdout (one thread).
    from batchkit.cli import decode
    monkeypatch.setattr(decode, "_RECORDS_PER_WRITE", per_write)
    with open(tmp_path / "out.jsonl", "wb") as f:
        decode._write_records(f, generated_raws[:60])
    assert (tmp_path / "out.jsonl").read_bytes() == decode.jsonl_records(generated_raws[:60])
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["hash"] for line in lines] == ["0x" + keccak256(r).hex() for r in generated_raws[:60]]


def test_a_write_that_fails_behind_is_raised_and_nothing_is_written_after_it(tmp_path):
    from batchkit.cli.decode import WriteBehind

    class Disk:
        def __init__(self):
            self.got = []

        def write(self, data):
            if len(self.got) == 1:
                raise OSError(28, "No space left on device")
            self.got.append(bytes(data))
            return len(data)

    disk = Disk()
    writer = WriteBehind(disk)
    writer.write(b"one")
    writer.write(b"two")  # fails on the writer's thread
    with pytest.raises(OSError, match="No space"):
        writer.write(b"three")
    writer.close()
    assert disk.got == [b"one"]
    writer.write(b"x")
    writer.abandon()  # waits; an error the caller does not need is dropped
