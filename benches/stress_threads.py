"""Stress (not a CI test): round trips of real batches across threads and processes, with the resident
memory sampled before, after a warm-up and at the end, to show that concurrent use neither fails nor grows.

Half the round trips run on a thread pool in this process, half on a process pool; every round trip is
``decompress(compress(batch)) == batch`` with the level cycling over fast, default and a zstd level (and
``max`` every ``MAX_EVERY``-th), senders recovered (the default). RSS is read from /proc (VmRSS), for this
process and for each worker process (each worker reports its own at its first and last task).

    python benches/stress_threads.py [--round-trips 10000] [--threads 4] [--processes 2] [--batch-bytes 30000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import batchkit
from batchkit.corpora import batches, load_all
from batchkit.parallel import ProcessExecutor

LEVELS = ("fast", "default", 9)
MAX_EVERY = 100


def rss_mib(pid: str = "self") -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def round_trip(job: tuple) -> tuple[int, int, float]:
    """One round trip; returns (job index, payload bytes, this process's RSS in MiB)."""
    i, batch = job
    level = "max" if i % MAX_EVERY == 0 else LEVELS[i % len(LEVELS)]
    payload = batchkit.compress(batch, level=level)
    if batchkit.decompress(payload) != batch:
        raise AssertionError(f"round trip {i} differs")
    return i, len(payload), rss_mib()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--round-trips", type=int, default=10_000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--batch-bytes", type=int, default=30_000)
    args = ap.parse_args(argv)
    raws = [r for r in load_all() if r[0] not in (0x03, 0x7E)]
    cut = batches(raws, args.batch_bytes)
    jobs = [(i, cut[i % len(cut)]) for i in range(args.round_trips)]
    half = len(jobs) // 2
    expected = {}  # payload size of each distinct (batch, level): the same in every thread and process
    rss0 = rss_mib()
    print(f"{len(raws)} real txs in {len(cut)} batches of <= {args.batch_bytes} B; {len(jobs)} round trips: "
          f"{half} on {args.threads} threads, {len(jobs) - half} on {args.processes} processes")
    print(f"main RSS before: {rss0:.1f} MiB")

    t0 = time.perf_counter()
    samples = []
    with ThreadPoolExecutor(args.threads) as pool:
        for k, (i, size, rss) in enumerate(pool.map(round_trip, jobs[:half])):
            key = (i % len(cut), "max" if i % MAX_EVERY == 0 else LEVELS[i % len(LEVELS)])
            assert expected.setdefault(key, size) == size, key
            if (k + 1) % max(1, half // 10) == 0:
                samples.append(rss)
    t_threads = time.perf_counter() - t0
    print(f"threads:   {half} round trips in {t_threads:.1f} s; main RSS (MiB) after each tenth: "
          + " ".join(f"{x:.1f}" for x in samples))

    t0 = time.perf_counter()
    workers: dict[int, list[float]] = {}
    with ProcessExecutor(args.processes) as pool:
        for i, size, rss in pool.map(_round_trip_with_pid, jobs[half:]):
            key = (i % len(cut), "max" if i % MAX_EVERY == 0 else LEVELS[i % len(LEVELS)])
            assert expected.setdefault(key, size) == size, key
            pid, rss_w = rss
            workers.setdefault(pid, []).append(rss_w)
    t_procs = time.perf_counter() - t0
    print(f"processes: {len(jobs) - half} round trips in {t_procs:.1f} s")
    for pid, seen in sorted(workers.items()):
        tenths = [seen[min(len(seen) - 1, (len(seen) * k) // 10)] for k in range(1, 11)]
        print(f"  worker {pid}: {len(seen)} round trips, RSS (MiB) after its first {seen[0]:.1f}, after each "
              "tenth: " + " ".join(f"{x:.1f}" for x in tenths))
    rss1 = rss_mib()
    print(f"main RSS after: {rss1:.1f} MiB (before {rss0:.1f}); every payload identical across threads and "
          f"processes ({len(expected)} distinct batch/level pairs)")
    return 0


def _round_trip_with_pid(job: tuple):
    i, size, rss = round_trip(job)
    return i, size, (os.getpid(), rss)


if __name__ == "__main__":
    sys.exit(main())
