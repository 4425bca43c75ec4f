"""CLI against API on one file, interleaved round by round so a shared machine's load drifts into both
sides alike; prints medians and API/CLI speed ratios (issue 14's targets: compress >= 0.6, decompress to
JSONL >= 0.5, inspect no slower than decompress; ``no-recover`` is compress with ``--no-recover`` against
``recover=False``, the input path without sender recovery). ``bench_cli.py`` times the same calls with
pytest-benchmark.

    python benches/cli_ratios.py FILE [ROUNDS]

The API is timed on the transactions the reader finds in FILE (unsupported ones skipped); ``cli`` is
``batchkit.cli.main`` in this process, ``process`` a new ``python -m batchkit``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import batchkit
from batchkit.cli.main import main
from batchkit.readers import read_transactions


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _process(*args: str) -> None:
    """``python -m batchkit ARGS``, importing the batchkit this process imported (``-m`` would put the
    working directory first on the path)."""
    root = str(Path(batchkit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "batchkit", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir())
    if proc.returncode:
        raise SystemExit(proc.stderr.decode())


def _cli(*args: str) -> None:
    with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
        if main(list(args)):
            raise SystemExit(f"batchkit {' '.join(args)} failed")


def measure(path: Path, rounds: int) -> dict[str, float]:
    raws = read_transactions(path, skip_unsupported=True).raws
    tmp = Path(tempfile.mkdtemp(prefix="batchkit-cli-ratios-"))
    payload = batchkit.compress(raws)
    bk = tmp / "in.bk"
    bk.write_bytes(payload)
    out_bk, out_jsonl = str(tmp / "out.bk"), str(tmp / "out.jsonl")
    jobs = {
        "compress api": lambda: batchkit.compress(raws),
        "compress cli": lambda: _cli("compress", str(path), "--skip-unsupported", "-o", out_bk),
        "compress process": lambda: _process("compress", str(path), "--skip-unsupported", "-o", out_bk),
        "no-recover api": lambda: batchkit.compress(raws, recover=False),
        "no-recover cli": lambda: _cli("compress", str(path), "--skip-unsupported", "--no-recover", "-o", out_bk),
        "no-recover process": lambda: _process("compress", str(path), "--skip-unsupported", "--no-recover",
                                               "-o", out_bk),
        "decompress api": lambda: batchkit.decompress(payload),
        "decompress cli": lambda: _cli("decompress", str(bk), "-o", out_jsonl),
        "decompress process": lambda: _process("decompress", str(bk), "-o", out_jsonl),
        "inspect cli": lambda: _cli("inspect", str(bk)),
        "inspect process": lambda: _process("inspect", str(bk)),
        "python -c pass": lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
    }
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            times[name].append(_timed(fn))
    assert batchkit.decompress(Path(out_bk).read_bytes()) == raws
    assert read_transactions(out_jsonl).raws == raws
    print(f"{path.name}: {len(raws)} txs, {sum(map(len, raws)):,} raw bytes, {path.stat().st_size:,} bytes of "
          f"input; medians of {rounds} interleaved rounds")
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, value in med.items():
        print(f"  {name:20s} {value * 1000:9.1f} ms")
    for command, api in (("compress", "compress api"), ("no-recover", "no-recover api"),
                         ("decompress", "decompress api")):
        for who in ("cli", "process"):
            print(f"  {command} {who}: API/CLI speed {med[api] / med[f'{command} {who}']:.2f}")
    for who in ("cli", "process"):
        print(f"  inspect {who}: {med[f'inspect {who}'] / med[f'decompress {who}']:.2f}x the time of decompress")
    return med


if __name__ == "__main__":
    measure(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5)
