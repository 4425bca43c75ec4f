"""``batchkit compress`` / ``decompress`` as a user runs them (a new process) against the same work done
in-process by a short script (read the same file, call the API, write the same output), on one file and on a
stream directory; interleaved round by round, medians. Issue 22's targets: compress >= 0.6x and decompress
(JSONL out, hashes included) >= 0.5x the script's speed.

    python benches/cli_vs_script.py [FILE] [ROUNDS] [--fresh]

FILE defaults to ../shared/corpora/ethereum-mainnet-recent.jsonl (20 MB of JSONL). The script side is timed
inside this process (no interpreter start, imports already done); the CLI side is a whole
``python -m batchkit`` process, interpreter start and imports included, so the ratios are the user's view.

Each round writes over the previous round's output files. ``--fresh`` deletes each side's JSONL output
before its timed run (outside the timing), so both write a new file: on ext4 the CLI's atomic replace of an
existing file (a temporary renamed over it) makes the kernel write the new file out first (``auto_da_alloc``),
about 15 ms of a 20 MB JSONL here, which a new path or the script's in-place truncate does not pay.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from binascii import hexlify
from pathlib import Path

import batchkit
from batchkit.corpora import batches, shared_corpora_dir
from batchkit.readers import read_transactions
from batchkit.tx import keccak256
from cli_ratios import _process  # a new `python -m batchkit` on the batchkit imported here

BATCH_BYTES = 350_000


def _jsonl(raws: list[bytes]) -> bytes:
    return b"".join(b'{"raw": "0x%s", "hash": "0x%s"}\n' % (hexlify(r), hexlify(keccak256(r))) for r in raws)


def script_compress(path: str, out: str) -> None:
    txs = read_transactions(path, skip_unsupported=True)
    Path(out).write_bytes(batchkit.compress(txs.raws, senders=txs.senders))


def script_decompress(payload: str, out: str) -> None:
    Path(out).write_bytes(_jsonl(batchkit.decompress(Path(payload).read_bytes())))


def script_compress_stream(path: str, out: str) -> None:
    txs = read_transactions(path, skip_unsupported=True)
    enc = batchkit.StreamEncoder()
    d = Path(out)
    d.mkdir(exist_ok=True)
    start = 0
    for i, batch in enumerate(batches(txs.raws, BATCH_BYTES)):
        senders = txs.senders[start:start + len(batch)] if txs.senders else None
        start += len(batch)
        (d / f"{i:06d}.bk").write_bytes(enc.compress(batch, senders))


def script_decompress_stream(directory: str, out: str) -> None:
    dec = batchkit.StreamDecoder()
    txs: list[bytes] = []
    for f in sorted(Path(directory).glob("*.bk")):
        txs += dec.decompress(f.read_bytes())
    Path(out).write_bytes(_jsonl(txs))


def measure(path: Path, rounds: int, fresh: bool = False) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="batchkit-cli-script-"))
    p = str(path)
    jobs = {
        "compress script": lambda: script_compress(p, str(tmp / "s.bk")),
        "compress cli": lambda: _process("compress", p, "--skip-unsupported", "-o", str(tmp / "c.bk")),
        "decompress script": lambda: script_decompress(str(tmp / "c.bk"), str(tmp / "s.jsonl")),
        "decompress cli": lambda: _process("decompress", str(tmp / "c.bk"), "-o", str(tmp / "c.jsonl")),
        "compress --stream script": lambda: script_compress_stream(p, str(tmp / "sd")),
        "compress --stream cli": lambda: (shutil.rmtree(tmp / "cd", ignore_errors=True),
                                          _process("compress", p, "--skip-unsupported", "--stream", "-o",
                                                   str(tmp / "cd"))),
        "decompress stream dir script": lambda: script_decompress_stream(str(tmp / "cd"), str(tmp / "sd.jsonl")),
        "decompress stream dir cli": lambda: _process("decompress", str(tmp / "cd"), "-o", str(tmp / "cd.jsonl")),
        "python -c pass": lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
    }
    outputs = {"decompress script": "s.jsonl", "decompress cli": "c.jsonl",
               "decompress stream dir script": "sd.jsonl", "decompress stream dir cli": "cd.jsonl"}
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            if fresh and name in outputs:
                (tmp / outputs[name]).unlink(missing_ok=True)
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    # The same bytes on both sides.
    assert (tmp / "s.bk").read_bytes() == (tmp / "c.bk").read_bytes()
    assert (tmp / "s.jsonl").read_bytes() == (tmp / "c.jsonl").read_bytes()
    assert (tmp / "sd.jsonl").read_bytes() == (tmp / "cd.jsonl").read_bytes()
    assert sorted(os.listdir(tmp / "sd")) == sorted(f for f in os.listdir(tmp / "cd") if f.endswith(".bk"))
    print(f"{path.name}: {path.stat().st_size:,} bytes of input, {len(os.listdir(tmp / 'cd'))} files in the "
          f"stream directory; medians of {rounds} interleaved rounds"
          + ("; JSONL written to a new file every round" if fresh else "; every round writes over the last"))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, value in med.items():
        print(f"  {name:30s} {value * 1000:9.1f} ms")
    for work in ("compress", "decompress", "compress --stream", "decompress stream dir"):
        print(f"  {work}: CLI speed / script speed {med[f'{work} script'] / med[f'{work} cli']:.2f}")
    return med


if __name__ == "__main__":
    default = (shared_corpora_dir() or Path(".")) / "ethereum-mainnet-recent.jsonl"
    args = [a for a in sys.argv[1:] if a != "--fresh"]
    measure(Path(args[0]) if args and args[0] else Path(default), int(args[1]) if len(args) > 1 else 5,
            "--fresh" in sys.argv[1:])
