"""Output never left half-written, also on a full disk or a read-only directory: errors name the user's path,
no temporary is left, and temporaries of killed processes are removed by the next write (batchkit/files.py).
A real tmpfs is mounted for the full and read-only cases (root only; skipped elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from batchkit.errors import FileError
from batchkit import files as _files
from batchkit.files import atomic_output
from batchkit.l1 import blobstream


@pytest.fixture()
def small_fs(tmp_path):
    """A 256 KiB tmpfs at ``tmp_path/fs``; ``remount(ro)`` makes it read-only."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")

    def remount(opt: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{opt}", str(mnt)], check=True)
    try:
        yield mnt, remount
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def test_atomic_output_on_a_full_disk_names_the_target_and_leaves_nothing(small_fs):
    mnt, _ = small_fs
    target = mnt / "x.bk"
    with pytest.raises(FileError) as caught:
        with atomic_output(str(target), binary=True) as f:
            for _ in range(64):
                f.write(os.urandom(16384))
    assert str(target) in str(caught.value) and ".tmp" not in str(caught.value)
    assert caught.value.errno == 28  # ENOSPC
    assert _leftovers(mnt) == []


def test_a_blob_stream_on_a_full_disk_is_removed_even_when_the_manifest_cannot_be_flushed(small_fs):
    mnt, _ = small_fs
    out = mnt / "stream"
    payloads = [os.urandom(100_000) for _ in range(4)]  # 400 KB of blobs for a 256 KiB disk
    with pytest.raises(FileError) as caught:
        blobstream.write_stream_dir(payloads, out)
    assert str(out) in str(caught.value) and ".tmp" not in str(caught.value)
    assert _leftovers(mnt) == []  # the disk is free again
    # the same with the entries file unflushable at abort(): the writer's own abort must still remove it
    w = blobstream.StreamDirWriter(out)
    enc = blobstream.BlobStreamEncoder()
    with pytest.raises(FileError):
        for p in payloads:
            for b in enc.add(p):
                w.write(b)
    assert _leftovers(mnt) == []


def test_a_read_only_directory_names_the_users_path(small_fs):
    mnt, remount = small_fs
    remount("ro")
    for call, path in ((lambda p: atomic_output(str(p), binary=True).__enter__(), mnt / "x.bk"),
                       (lambda p: blobstream.write_stream_dir([b"x"], p), mnt / "dir")):
        with pytest.raises(FileError) as caught:
            call(path)
        assert str(path) in str(caught.value) and ".tmp" not in str(caught.value), caught.value
    proc = subprocess.run([sys.executable, "-m", "batchkit", "compress", "-", "-o", str(mnt / "y.bk")],
                          input=b"", capture_output=True)
    assert proc.returncode != 0


def test_temporaries_of_dead_processes_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "out.bk"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale_file = tmp_path / f".out.bk.{dead}.abcdefgh.tmp"
    stale_file.write_bytes(b"partial")
    stale_dir = tmp_path / f".out.bk.{dead}.ijklmnop.tmp"
    stale_dir.mkdir()
    (stale_dir / "blob-000000.bin").write_bytes(b"partial")
    live = tmp_path / f".out.bk.{os.getppid()}.qrstuvwx.tmp"  # a process still running: its write goes on
    live.write_bytes(b"in progress")
    other = tmp_path / f".other.bk.{dead}.abcdefgh.tmp"  # another target's: not this write's business
    other.write_bytes(b"x")
    with atomic_output(str(target), binary=True) as f:
        f.write(b"payload")
    assert target.read_bytes() == b"payload"
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.exists() and other.exists()
    assert _files.remove_stale_temporaries(tmp_path / "other.bk") == 1
