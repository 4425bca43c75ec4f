"""batchkit on Dask against the single-process path (issue 15; not a CI test).

``batchkit compress DIR --target-blobs N`` over a directory of partitions (JSONL shards from
``python -m batchkit.corpora generate --partitions``), run three ways in subprocesses, each timed end to end
(cluster start included) and checked to write the same payload bytes as the first:

- ``--jobs 1``: the single-process path (the baseline);
- ``--workers 1`` and ``--workers 2``: a local Dask cluster of that many worker processes.

Then the scheduler's cost per task: a map of ``--noop-tasks`` trivial tasks on a 2-worker cluster.
Peak memory: each worker's and the client's peak RSS as ``compress`` reports them (``ru_maxrss``).

    python benches/dask_partitions.py DIR [--target-blobs 6] [--out /tmp/dask-bench]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path


def run(label: str, corpus: str, out: Path, extra: list[str], target_blobs: int) -> dict:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = [sys.executable, "-m", "batchkit", "compress", corpus, "--target-blobs", str(target_blobs),
           "-o", str(out / "p"), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed: {proc.stderr}")
    workers = [int(m) for m in re.findall(r"^worker .*peak memory (\d+) MiB", proc.stderr, re.M)]
    client = [int(m) for m in re.findall(r"^client .*peak memory (\d+) MiB", proc.stderr, re.M)]
    digest = hashlib.sha256()
    for p in sorted(out.iterdir()):
        digest.update(p.name.encode() + b"\0" + p.read_bytes())
    summary = proc.stderr.strip().splitlines()[0]
    return {"label": label, "seconds": seconds, "workers_peak_mib": workers, "digest": digest.hexdigest(),
            "summary": summary, "client_peak_mib": client[0]}


def noop(x):
    return x


def scheduler_overhead(n: int) -> float:
    from batchkit.cluster import DaskExecutor
    with DaskExecutor(workers=2) as ex:
        list(ex.map(noop, range(20)))  # warm
        t0 = time.perf_counter()
        assert list(ex.map(noop, range(n))) == list(range(n))
        return (time.perf_counter() - t0) / n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--target-blobs", type=int, default=6)
    ap.add_argument("--out", default="/tmp/dask-bench")
    ap.add_argument("--noop-tasks", type=int, default=2000)
    ap.add_argument("--runs", default="jobs1,workers1,workers2")
    args = ap.parse_args(argv)
    configs = {"jobs1": ["--jobs", "1"], "workers1": ["--workers", "1"], "workers2": ["--workers", "2"]}
    print(f"corpus {args.corpus}: {len(os.listdir(args.corpus))} partitions; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    results = []
    for name in args.runs.split(","):
        r = run(name, args.corpus, Path(args.out) / name, configs[name], args.target_blobs)
        results.append(r)
        base = results[0]
        same = "same bytes" if r["digest"] == base["digest"] else "DIFFERENT BYTES"
        print(f"{name:<9} {r['seconds']:8.1f} s  x{base['seconds'] / r['seconds']:.2f} vs {base['label']}  "
              f"workers peak MiB {r['workers_peak_mib']}  client peak MiB {r['client_peak_mib']}  {same}  "
              f"({r['summary']}; load {os.getloadavg()[0]:.1f})", flush=True)
    per_task = scheduler_overhead(args.noop_tasks)
    print(f"scheduler round trip per task (2 local workers, {args.noop_tasks} no-op tasks, ordered map): "
          f"{per_task * 1e3:.2f} ms")
    return 0 if all(r["digest"] == results[0]["digest"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
