"""The zstd window of v2's section frames, measured on a long stream: every shared corpus concatenated (files in
sorted order, type-3 and system transactions left out, as the bench does), cut into batches of 350 KB of raw
transactions, each batch's two column sections appended to one continuing zstd frame per section and flushed
per batch, exactly as ``v2.Encoder`` does (no prior, one segment). Bytes per transaction of the bodies plus the
signatures, and the decoder memory the window implies, for each window log; the same for the held-out corpus
alone.

    python benches/window.py [LEVELS] [WINDOW_LOGS]        # e.g. "7,7L,19" "23,24,25,26" (L: long-distance matching)

A raw zstd stream over the concatenated transactions at the same window is printed beside it for scale.
"""

from __future__ import annotations

import sys
import time

import zstandard

from batchkit.bench.harness import _filter, cut_by_bytes
from batchkit.coerce import sender_labels
from batchkit.corpora import load_all, shared_corpora_dir
from batchkit.format import v1
from batchkit.format._backend import core
from batchkit.readers import read_transactions
from batchkit.senders import recover_senders

BATCH_BYTES = 350_000


def sections(raws: list[bytes]) -> tuple[list[tuple[bytes, bytes]], int, list[bytes]]:
    senders = recover_senders(raws, strict=False)
    out, sig_bytes, plain = [], 0, []
    for a, b in cut_by_bytes(raws, BATCH_BYTES):
        _, streams = core.disassemble(raws[a:b], sender_labels(senders[a:b], b - a))
        out.append(v1.pack_sections(streams))
        sig_bytes += 64 * (b - a)
        plain.append(b"".join(raws[a:b]))
    return out, sig_bytes, plain


def stream_bytes(chunks: list[bytes], level: str, window_log: int) -> tuple[int, float]:
    """``level``: a zstd level, ``L`` after it for long-distance matching."""
    params = zstandard.ZstdCompressionParameters.from_level(int(level.rstrip("L")), window_log=window_log,
                                                            enable_ldm=level.endswith("L"), write_checksum=0,
                                                            write_content_size=0, write_dict_id=0)
    obj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    t0 = time.process_time()
    n = sum(len(obj.compress(c) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)) for c in chunks)
    return n, time.process_time() - t0


def main(levels: list[str], logs: list[int]) -> None:
    directory = shared_corpora_dir()
    if directory is None:
        raise SystemExit("the shared corpora are absent")
    corpora = {
        "all corpora": _filter(load_all(directory, include_system=True, include_blobs=True), {}),
        "held-out": _filter(read_transactions(directory / "ethereum-mainnet-recent.jsonl",
                                              skip_unsupported=True).raws, {}),
    }
    for name, raws in corpora.items():
        secs, sig_bytes, plain = sections(raws)
        size_a, size_b = sum(len(a) for a, _ in secs), sum(len(b) for _, b in secs)
        print(f"{name}: {len(raws):,} txs, {sum(map(len, raws)):,} raw bytes in {len(secs)} batches of "
              f"{BATCH_BYTES:,}; columns_a {size_a:,} B, columns_b {size_b:,} B")
        for level in levels:
            base = None
            for log in logs:
                na, ta = stream_bytes([a for a, _ in secs], level, log)
                nb, tb = stream_bytes([b for _, b in secs], level, log)
                nr, tr = stream_bytes(plain, level, log)
                bpt = (na + nb + sig_bytes) / len(raws)
                base = base or bpt
                print(f"  level {level:>3s} window 2^{log}: v2 {bpt:7.2f} B/tx ({(bpt / base - 1) * 100:+.2f}%), "
                      f"{ta + tb:6.2f} s CPU; raw zstd stream {nr / len(raws):7.2f} B/tx, {tr:6.2f} s; "
                      f"decoder window memory 2 x {(1 << log) >> 20} MiB")


if __name__ == "__main__":
    main((sys.argv[1] if len(sys.argv) > 1 else "7,7L,19").split(","),
         [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "23,24,25,26").split(",")])
