"""batchkit's v2 stream against the plain zstd-7 stream over the raw transactions (issue 22's targets), the two
interleaved batch by batch so a shared machine's load falls on both alike: bytes, and encode / decode speed as
medians over rounds of the CPU time of this process (``time.process_time``: other processes' load on the
machine does not enter it, cache pressure does).

    python benches/stream_vs_plain.py [ROUNDS] [--by-stream] [--wall] [FILE]

``--by-stream``: each side encodes (then decodes) the whole stream before the next side runs, the sides
alternating round by round, as a batcher runs alone; by default the sides alternate batch by batch, which keeps
load drift out of the ratios but makes each side's zstd window compete with the others' in the CPU caches.
``--wall``: wall-clock time (``time.perf_counter``) instead of this process's CPU time: what a batcher waits
for. The encoder compresses section b on a second thread while it compresses section a and checks the columns,
so its CPU time counts both threads and its wall-clock time does not; the plain stream is one thread either way.

Default corpus: ../shared/corpora/ethereum-mainnet-recent.jsonl (held out from the prior's training), cut as
``batchkit bench --batch-bytes 350000`` cuts it; senders recovered once before timing and given to batchkit.
Rows: ``raw-zstd7-stream`` (:mod:`batchkit.baselines.streams`), ``batchkit-stream-default`` verifying (the
default) and not verifying, and ``batchkit-stream-fast`` verifying.
Targets: default, verifying, at least 1.0x the plain stream's encode speed and at most 0.96x its bytes;
decode at least 0.7x its decode speed.
"""

from __future__ import annotations

import statistics
import sys
import time

from batchkit.baselines.streams import STREAM_FORMATS
from batchkit.bench import cut_by_bytes, load_corpus
from batchkit.senders import recover_senders
from batchkit.stream import StreamDecoder, StreamEncoder

BATCH_BYTES = 350_000


def _plain():
    encode, decode = STREAM_FORMATS["raw-zstd7-stream"].session()
    return (lambda txs, senders: encode(txs)), decode


def _batchkit(level: str, verify: bool):
    def session():
        enc, dec = StreamEncoder(level, verify=verify), StreamDecoder()
        return enc.compress, dec.decompress
    return session


SIDES = {"raw-zstd7-stream": _plain, "batchkit-stream-default": _batchkit("default", True),
         "batchkit-stream-default (no verify)": _batchkit("default", False),
         "batchkit-stream-fast": _batchkit("fast", True)}


def main(rounds: int, paths: list[str], by_stream: bool = False, wall: bool = False) -> None:
    corpus = load_corpus(paths)
    raws = corpus.raws
    senders = recover_senders(raws, strict=False)
    spans = cut_by_bytes(raws, BATCH_BYTES)
    batches = [(raws[a:b], senders[a:b]) for a, b in spans]
    raw_bytes = sum(map(len, raws))
    enc_t: dict[str, list[float]] = {k: [] for k in SIDES}
    dec_t: dict[str, list[float]] = {k: [] for k in SIDES}
    size: dict[str, int] = {}
    clock = time.perf_counter if wall else time.process_time
    for _ in range(rounds):
        sessions = {k: make() for k, make in SIDES.items()}
        et = dict.fromkeys(SIDES, 0.0)
        dt = dict.fromkeys(SIDES, 0.0)
        sz = dict.fromkeys(SIDES, 0)
        order = ([(k, b) for k in sessions for b in batches] if by_stream
                 else [(k, b) for b in batches for k in sessions])
        for k, (txs, snd) in order:
            encode, decode = sessions[k]
            t0 = clock()
            payload = encode(txs, snd)
            t1 = clock()
            back = decode(payload)
            t2 = clock()
            if back != txs:
                raise SystemExit(f"{k} does not round-trip")
            et[k] += t1 - t0
            dt[k] += t2 - t1
            sz[k] += len(payload)
        for k in SIDES:
            enc_t[k].append(et[k])
            dec_t[k].append(dt[k])
            size[k] = sz[k]
    print(f"{corpus.description}: {len(raws):,} txs, {raw_bytes:,} raw bytes, {len(batches)} batches of "
          f"{BATCH_BYTES:,}; medians of {rounds} rounds, {'wall-clock' if wall else 'CPU'} time, sides alternating "
          + ("stream by stream" if by_stream else "batch by batch"))
    ref = "raw-zstd7-stream"
    e0, d0 = statistics.median(enc_t[ref]), statistics.median(dec_t[ref])
    for k in SIDES:
        e, d = statistics.median(enc_t[k]), statistics.median(dec_t[k])
        print(f"  {k:36s} {size[k] / len(raws):7.2f} B/tx ({size[k] / size[ref]:.4f}x)  "
              f"encode {raw_bytes / e / 1e6:6.1f} MB/s ({e0 / e:.3f}x)  decode {raw_bytes / d / 1e6:6.1f} MB/s "
              f"({d0 / d:.3f}x)")


if __name__ == "__main__":
    args = sys.argv[1:]
    by_stream, wall = "--by-stream" in args, "--wall" in args
    args = [a for a in args if a not in ("--by-stream", "--wall")]
    main(int(args[0]) if args else 7, args[1:], by_stream, wall)
