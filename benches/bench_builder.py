"""The stream builder against one compress over the same transactions (the recent-mainnet corpus, 18k txs):
``BatchBuilder(stream=True)`` at one blob (v2 keyframes, and v2 with history), ``batchkit.compress`` of all
of them, and the blob stream encoder laying the builder's payloads into blobs. Compare the medians of one
run (``--benchmark-columns=median``); ``batchkit bench --target-blobs N`` reports the same ratio."""

import pytest

import batchkit
from batchkit.l1 import blobstream
from batchkit.corpora import load_jsonl, shared_corpora_dir
from batchkit.senders import recover_senders


@pytest.fixture(scope="module")
def recent():
    corpora = shared_corpora_dir()
    if corpora is None or not (corpora / "ethereum-mainnet-recent.jsonl").is_file():
        pytest.skip("the shared corpora (../shared/corpora or $BATCHKIT_CORPORA) are not present")
    raws = [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(corpora / "ethereum-mainnet-recent.jsonl")]
    return raws, recover_senders(raws)


def _build(raws, senders, **kw):
    b = batchkit.BatchBuilder(target_blobs=1, stream=True, version=2, **kw)
    out = []
    for raw, sender in zip(raws, senders):
        if not b.add(raw, sender):
            out.append(b.seal())
            b.add(raw, sender)
    out.append(b.seal())
    return out


def test_compress_all(benchmark, recent):
    raws, senders = recent
    payload = benchmark(batchkit.compress, raws, senders=senders)
    benchmark.extra_info.update(txs=len(raws), payload_bytes=len(payload))


@pytest.mark.parametrize("keyframe_every", [1, 32])
def test_stream_builder(benchmark, recent, keyframe_every):
    raws, senders = recent
    payloads = benchmark(_build, raws, senders, keyframe_every=keyframe_every)
    benchmark.extra_info.update(txs=len(raws), payloads=len(payloads), payload_bytes=sum(map(len, payloads)),
                                blobs=blobstream.stream_blobs_needed(map(len, payloads)))


def test_blob_stream_encoder(benchmark, recent):
    payloads = _build(*recent)
    blobs = benchmark(blobstream.encode_stream, payloads)
    benchmark.extra_info.update(payloads=len(payloads), blobs=len(blobs))
