"""Format v2 streams on consecutive mainnet batches: ``StreamEncoder.compress`` (verification on, senders
given) over all the 350 KB batches of ethereum-mainnet-recent.jsonl in order, and ``StreamDecoder`` over the
payloads. Each round is the whole stream, so its time / raw bytes is the stream's MB/s. The targets (issue 9:
encode >= 50 MB/s and decode >= 300 MB/s at ``default``, one core) are read off these figures, never asserted.
"""

from __future__ import annotations

import pytest

from batchkit import StreamDecoder, StreamEncoder
from batchkit.corpora import batches, load_jsonl, shared_corpora_dir
from batchkit.senders import recover_senders

STREAM_BATCH_BYTES = 350_000


@pytest.fixture(scope="module")
def stream_batches():
    corpora = shared_corpora_dir()
    if corpora is None:
        pytest.skip("the shared corpora (../shared/corpora or $BATCHKIT_CORPORA) are not present")
    raws = [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(corpora / "ethereum-mainnet-recent.jsonl")]
    raws = [r for r in raws if r[0] != 3]
    senders = recover_senders(raws)
    out, i = [], 0
    for b in batches(raws, STREAM_BATCH_BYTES):
        out.append((b, senders[i:i + len(b)]))
        i += len(b)
    return out


def _info(benchmark, stream_batches, payloads, level):
    raw = sum(len(t) for b, _ in stream_batches for t in b)
    txs = sum(len(b) for b, _ in stream_batches)
    benchmark.extra_info.update({"level": level, "payloads": len(payloads), "txs": txs, "raw_bytes": raw,
                                 "bytes_per_tx": sum(map(len, payloads)) / txs})


@pytest.mark.parametrize("level", ["fast", "default"])
def test_stream_encode(benchmark, stream_batches, level):
    def run():
        enc = StreamEncoder(level)
        return [enc.compress(b, s) for b, s in stream_batches]

    payloads = benchmark.pedantic(run, rounds=3, iterations=1)
    _info(benchmark, stream_batches, payloads, level)


@pytest.mark.parametrize("level", ["fast", "default"])
def test_stream_decode(benchmark, stream_batches, level):
    enc = StreamEncoder(level)
    payloads = [enc.compress(b, s) for b, s in stream_batches]

    def run():
        dec = StreamDecoder()
        return [dec.decompress(p) for p in payloads]

    out = benchmark.pedantic(run, rounds=5, iterations=1)
    assert out == [b for b, _ in stream_batches]
    _info(benchmark, stream_batches, payloads, level)


# The plain alternative (issue 22): the raw transactions in one zstd-7 stream flushed per batch. Stream
# `default` (verifying) should encode at least as fast and decode at least 0.7x as fast; compare the medians of
# these rows with the rows above in the same run (`benches/stream_vs_plain.py` interleaves the two).

def test_plain_zstd7_stream_encode(benchmark, stream_batches):
    from batchkit.baselines.streams import STREAM_FORMATS

    def run():
        encode, _ = STREAM_FORMATS["raw-zstd7-stream"].session()
        return [encode(b) for b, _ in stream_batches]

    payloads = benchmark.pedantic(run, rounds=3, iterations=1)
    _info(benchmark, stream_batches, payloads, "raw-zstd7-stream")


def test_plain_zstd7_stream_decode(benchmark, stream_batches):
    from batchkit.baselines.streams import STREAM_FORMATS

    encode, _ = STREAM_FORMATS["raw-zstd7-stream"].session()
    payloads = [encode(b) for b, _ in stream_batches]

    def run():
        _, decode = STREAM_FORMATS["raw-zstd7-stream"].session()
        return [decode(p) for p in payloads]

    out = benchmark.pedantic(run, rounds=5, iterations=1)
    assert out == [b for b, _ in stream_batches]
    _info(benchmark, stream_batches, payloads, "raw-zstd7-stream")
