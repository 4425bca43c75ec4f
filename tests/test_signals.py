"""The real CLI, in a subprocess, on real corpus data, stopped by SIGTERM, SIGINT (to its process group, as
Ctrl-C does) or SIGKILL: it ends at once with one line (SIGTERM, SIGINT), leaves no process behind (checked
with psutil on every descendant seen while it ran) and no output or temporary file (SIGKILL: at most a
hidden temporary, which the next run removes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

psutil = pytest.importorskip("psutil")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ethereum-mainnet-recent.jsonl"
#: Bounds of each test: the process must start its workers within START_S and be gone within GONE_S.
START_S = 90
GONE_S = 15


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    """The corpus three times over (about 55,000 transactions): long enough to be caught mid-way."""
    if not CORPUS.exists():
        pytest.skip("the shared corpora are not there")
    path = tmp_path_factory.mktemp("signals") / "in.jsonl"
    data = CORPUS.read_bytes()
    path.write_bytes(data * 3)
    return path


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "BATCHKIT_PROGRESS"}
    return subprocess.Popen([sys.executable, "-m", "batchkit", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, env=env)


def _wait_for_workers(proc: subprocess.Popen, count: int) -> list:
    """Every descendant of ``proc`` once at least ``count`` of them run (fork server, workers)."""
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + START_S
    seen: dict[int, object] = {}
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            break
        if len(seen) >= count:
            time.sleep(0.3)  # let the workers get into their work
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
            return list(seen.values())
        time.sleep(0.05)
    pytest.fail(f"the command did not start {count} processes within {START_S} s")


def _assert_all_gone(procs: list) -> None:
    _, alive = psutil.wait_procs(procs, timeout=GONE_S)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, [(p.pid, p.cmdline()) for p in alive]


# compress --blob-stream: sender recovery in a pool (recover_stream) while blobs are written
BLOB_STREAM = ["compress", "{input}", "--to", "blobs", "--blob-stream", "-o", "out"]
# plain compress: recover_senders' pool
PLAIN = ["compress", "{input}", "-o", "out.bk"]


@pytest.mark.parametrize("argv, sig, code, line", [
    (BLOB_STREAM, signal.SIGTERM, 143, "batchkit: terminated"),
    (BLOB_STREAM, signal.SIGINT, 130, "batchkit: interrupted"),
    (PLAIN, signal.SIGTERM, 143, "batchkit: terminated"),
], ids=["blob-stream-SIGTERM", "blob-stream-SIGINT-to-the-group", "compress-SIGTERM"])
def test_a_signal_ends_the_command_at_once_with_one_line_and_nothing_left(tmp_path, big_input, argv, sig, code,
                                                                        line):
    proc = _start([a.format(input=big_input) for a in argv], tmp_path)
    try:
        family = _wait_for_workers(proc, 3)  # the fork server and two workers
        sent = time.monotonic()
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C: the whole foreground group
        else:
            proc.send_signal(sig)      # a supervisor: the main process only
        _, err = proc.communicate(timeout=GONE_S)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    lines = err.decode().strip().splitlines()
    assert proc.returncode == code, err.decode()[-3000:]
    assert lines == [line], err.decode()[-3000:]
    assert took < GONE_S
    _assert_all_gone(family)
    assert sorted(os.listdir(tmp_path)) == [], os.listdir(tmp_path)  # no output, no temporary


def test_sigkill_leaves_no_process_and_the_next_run_removes_its_temporary(tmp_path, big_input):
    proc = _start([a.format(input=big_input) for a in BLOB_STREAM], tmp_path)
    try:
        family = _wait_for_workers(proc, 3)
        time.sleep(1.0)  # blobs under way into the hidden temporary
        proc.kill()
        proc.wait(timeout=GONE_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    _assert_all_gone(family)  # workers die with their parent (the fork server goes when it does)
    left = os.listdir(tmp_path)
    assert "out" not in left                              # never a partial output under the user's name
    assert all(n.startswith(".out.") and n.endswith(".tmp") for n in left), left
    small = tmp_path / "small.jsonl"
    with open(CORPUS, "rb") as f:
        small.write_bytes(b"".join(f.readline() for _ in range(50)))
    again = subprocess.run([sys.executable, "-m", "batchkit", *[a.format(input=small) for a in BLOB_STREAM]],
                           cwd=tmp_path, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()
    assert sorted(os.listdir(tmp_path)) == ["out", "small.jsonl"]  # the dead run's temporary is gone
