"""Threads against processes for many batches (not a CI test): ``compress_many`` / ``decompress_many`` of
every 120 KB batch of the real corpora, serial (one core) against a thread pool and a process pool of
``--jobs`` workers. Prints the median of ``--repeat`` runs per cell and the speedup over the serial run
measured in the same run; checks every output equals the serial one.

    python benches/parallel_executors.py [--jobs 2] [--repeat 3] [--levels fast,default,max]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import batchkit
from batchkit.corpora import batches, load_all
from batchkit.parallel import SerialExecutor, get_executor
from batchkit.senders import recover_senders


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--levels", default="fast,default,max")
    args = ap.parse_args(argv)
    raws = [r for r in load_all() if r[0] not in (0x03, 0x7E)]
    cut = batches(raws, 120_000)
    senders = [recover_senders(b, workers=1, strict=False) for b in cut]
    raw_mb = sum(map(len, raws)) / 1e6
    print(f"{len(raws)} txs, {raw_mb:.1f} MB in {len(cut)} batches; jobs={args.jobs}; median of {args.repeat}")
    executors = {"serial": SerialExecutor(), "threads": get_executor(args.jobs, "threads"),
                 "processes": get_executor(args.jobs, "processes")}
    list(executors["processes"].map(abs, range(8)))  # start the workers outside the timing
    print(f"{'work':<22} {'serial s':>9} {'threads s':>10} {'x':>5} {'processes s':>12} {'x':>5}")
    for level in args.levels.split(","):
        ref = batchkit.compress_many(cut, level=level, senders=senders, executor=executors["serial"])
        for what in ("compress", "decompress"):
            times = {}
            for name, ex in executors.items():
                runs = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    if what == "compress":
                        out = batchkit.compress_many(cut, level=level, senders=senders, executor=ex)
                        assert out == ref, (name, level)
                    else:
                        out = batchkit.decompress_many(ref, executor=ex)
                        assert out == cut, (name, level)
                    runs.append(time.perf_counter() - t0)
                times[name] = statistics.median(runs)
            s, t, p = times["serial"], times["threads"], times["processes"]
            print(f"{what + ' ' + level:<22} {s:9.3f} {t:10.3f} {s / t:5.2f} {p:12.3f} {s / p:5.2f}", flush=True)
    for ex in executors.values():
        ex.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
