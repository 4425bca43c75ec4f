"""Deriving from L1: :class:`batchkit.l1.derive.Deriver` over a local anvil (``--hardfork osaka``) holding the
recent mainnet corpus (type-3 transactions left out) as the Poster puts it there (a blob stream, 6 blobs per
transaction), against its parts measured in the same run:

- ``fetch``: the same JSON-RPC blocks (full transactions) and Beacon API blob requests, nothing checked;
- ``check``: the KZG commitment of every blob and its versioned hash (what proves a blob is the one posted);
- ``decode``: the blob stream and v2 decoders over the blobs already in memory.

``L2 MB/s`` is the raw bytes of the L2 transactions derived per second (median of the rounds). The deriver's own
split (:class:`~batchkit.l1.derive.DeriveStats`: seconds in RPC, beacon requests, blob checks, decoding) is
recorded in ``extra_info``. Skipped without anvil (``bash .ci/install-anvil``) or the corpora.

    pytest benches/bench_derive.py --benchmark-enable
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest
import urllib3

import batchkit
from batchkit.corpora import shared_corpora_dir
from batchkit.l1 import blob
from batchkit.l1.blobstream import BlobStreamDecoder
from batchkit.l1.derive import Deriver
from batchkit.readers.node import RpcClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from anvil import NOT_INSTALLED, Anvil, anvil_binary  # noqa: E402

INBOX = "0x00000000000000000000000000000000000ff1ce"
ROUNDS = 3


class Chain:
    def __init__(self, node: Anvil, batcher: str, first: int, stop: int, l2_txs: int, l2_bytes: int):
        self.node, self.batcher, self.first, self.stop = node, batcher, first, stop
        self.l2_txs, self.l2_bytes = l2_txs, l2_bytes


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    from batchkit.l1.keys import Signer
    from batchkit.l1.poster import Poster

    binary = anvil_binary()
    if binary is None:
        pytest.skip(NOT_INSTALLED)
    corpora = shared_corpora_dir()
    path = corpora / "ethereum-mainnet-recent.jsonl" if corpora else None
    if path is None or not path.is_file():
        pytest.skip("the shared corpora are not present")
    raws = [bytes.fromhex(json.loads(line)["raw"][2:]) for line in path.open()]
    raws = [r for r in raws if r[0] != 3]
    node = Anvil(binary, tmp_path_factory.mktemp("anvil"), ("--no-mining", "--order", "fifo", "--hardfork", "osaka"))
    stop_mining = threading.Event()

    def mine():
        while not stop_mining.wait(0.2):
            node.call("evm_mine")

    miner = threading.Thread(target=mine, daemon=True)
    try:
        signer = Signer(bytes.fromhex(node.keys[0][2:]))
        first = int(node.call("eth_blockNumber"), 16) + 1
        miner.start()
        with Poster(node.url, INBOX, signer=signer, da="blobs", confirmations=1, poll=0.05) as poster:
            poster.run(raws)
        stop_mining.set()
        miner.join()
        stop = int(node.call("eth_blockNumber"), 16) + 1
        yield Chain(node, signer.address, first, stop, len(raws), sum(map(len, raws)))
    finally:
        stop_mining.set()
        node.stop()


def _derive(chain: Chain) -> tuple[list, Deriver]:
    with Deriver(chain.node.url, chain.node.url, INBOX, chain.batcher, lookback=0) as d:
        items = list(d.derive(chain.first, chain.stop))
    return items, d


def test_derive(benchmark, chain):
    runs: list[Deriver] = []

    def run():
        items, d = _derive(chain)
        runs.append(d)
        return items

    items = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    assert len(items) == chain.l2_txs
    median = benchmark.stats.stats.median
    s = runs[-1].stats
    benchmark.extra_info.update(
        stage="Deriver: blocks + blobs + checks + decoding", l2_txs=chain.l2_txs, l2_bytes=chain.l2_bytes,
        blobs=s.blobs, l1_blocks=s.blocks, l2_mb_per_s=round(chain.l2_bytes / median / 1e6, 2),
        rpc_s=round(s.rpc_seconds, 3), beacon_s=round(s.beacon_seconds, 3),
        blob_check_s=round(s.blob_check_seconds, 3), decode_s=round(s.decode_seconds, 3))


def _blocks_and_blobs(chain: Chain) -> list[bytes]:
    node = RpcClient(chain.node.url, concurrency=1, timeout=60.0, retries=0)
    http = urllib3.PoolManager()
    blobs = []
    try:
        numbers = list(range(chain.first, chain.stop))
        for at in range(0, len(numbers), 10):
            chunk = numbers[at:at + 10]
            for n, block in zip(chunk, node.batch([("eth_getBlockByNumber", [hex(n), True]) for n in chunk],
                                                  blocks=chunk)):
                hashes = [h for tx in block["transactions"] if tx.get("to", "") and tx["to"].lower() == INBOX.lower()
                          for h in tx.get("blobVersionedHashes") or ()]
                if hashes:
                    r = http.request("GET", f"{chain.node.url}/eth/v1/beacon/blobs/{n}?versioned_hashes="
                                     + ",".join(hashes), headers={"Accept": "application/octet-stream"})
                    blobs += [r.data[i:i + blob.BLOB_SIZE] for i in range(0, len(r.data), blob.BLOB_SIZE)]
    finally:
        node.close()
    return blobs


def test_fetch_only(benchmark, chain):
    blobs = benchmark.pedantic(_blocks_and_blobs, args=(chain,), rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(stage="fetch only: the same blocks and blob requests, nothing checked",
                                blobs=len(blobs))


def test_check_only(benchmark, chain):
    blobs = _blocks_and_blobs(chain)
    blob.commitment(blobs[0])  # the trusted setup loaded before timing
    benchmark.pedantic(lambda: [blob.versioned_hash(blob.commitment(b)) for b in blobs], rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(stage="check only: KZG commitment + versioned hash of every blob", blobs=len(blobs),
                                ms_per_blob=round(benchmark.stats.stats.median / len(blobs) * 1e3, 1))


def test_decode_only(benchmark, chain):
    blobs = _blocks_and_blobs(chain)

    def decode():
        stream, v2 = BlobStreamDecoder(), batchkit.StreamDecoder()
        return [tx for b in blobs for p in stream.feed(b) for tx in v2.decompress(p.data)]

    txs = benchmark.pedantic(decode, rounds=ROUNDS, iterations=1)
    assert len(txs) == chain.l2_txs
    benchmark.extra_info.update(stage="decode only: blob stream + v2 over blobs in memory",
                                l2_mb_per_s=round(chain.l2_bytes / benchmark.stats.stats.median / 1e6, 2))
