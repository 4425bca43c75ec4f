"""Reading from a node: ``read_node`` over a real anvil chain (50 blocks of 40 type-2 transactions), against
its two parts measured in the same run: fetching the blocks alone (the same batched requests, JSON decoded)
and rebuilding the transactions alone (``raw_from_rpc`` and the hash check, no network). Skipped without anvil
(``bash .ci/install-anvil``)."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from eth_account import Account

from batchkit.readers import read_node
from batchkit.readers.node import DEFAULT_BLOCKS_PER_REQUEST, DEFAULT_CONCURRENCY, RpcClient
from batchkit.readers.rpc import raw_from_rpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from anvil import GWEI, NOT_INSTALLED, Anvil, anvil_binary  # noqa: E402

BLOCKS, TXS_PER_BLOCK = 50, 40


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    binary = anvil_binary()
    if binary is None:
        pytest.skip(NOT_INSTALLED)
    anvil = Anvil(binary, tmp_path_factory.mktemp("anvil"))
    nonces = [0] * len(anvil.keys)
    for _ in range(BLOCKS):
        sent = []
        for i in range(TXS_PER_BLOCK):
            k = i % len(anvil.keys)
            tx = dict(type=2, chainId=anvil.chain_id, nonce=nonces[k], gas=100_000, to=anvil.addresses[(k + 1) % 10],
                      value=i, data=b"\xa9\x05\x9c\xbb" + bytes(12) + bytes(range(20)) + i.to_bytes(32, "big"),
                      maxFeePerGas=20 * GWEI, maxPriorityFeePerGas=GWEI)
            nonces[k] += 1
            sent.append(anvil.call("eth_sendRawTransaction",
                                   "0x" + bytes(Account.sign_transaction(tx, anvil.keys[k]).raw_transaction).hex()))
        anvil.mine(sent)
    yield anvil
    anvil.stop()


def _record(benchmark, what: str) -> None:
    benchmark.extra_info.update(blocks=BLOCKS, txs=BLOCKS * TXS_PER_BLOCK, stage=what)


def test_read_node(benchmark, node):
    _record(benchmark, "read_node: fetch + rebuild + hash check")
    txs = benchmark.pedantic(read_node, args=(node.url, f"1:{BLOCKS + 1}"), rounds=5, iterations=1)
    assert len(txs.raws) == BLOCKS * TXS_PER_BLOCK


def _fetch_all(url: str) -> list:
    client = RpcClient(url, concurrency=DEFAULT_CONCURRENCY, timeout=60.0, retries=0)
    chunks = [list(range(a, min(a + DEFAULT_BLOCKS_PER_REQUEST, BLOCKS + 1)))
              for a in range(1, BLOCKS + 1, DEFAULT_BLOCKS_PER_REQUEST)]
    calls = [[("eth_getBlockByNumber", [hex(n), True]) for n in chunk] for chunk in chunks]
    with ThreadPoolExecutor(DEFAULT_CONCURRENCY) as pool:
        answers = list(pool.map(lambda c: client.batch(c[1], blocks=c[0]), zip(chunks, calls)))
    client.close()
    return [block for answer in answers for block in answer]


def test_fetch_blocks_only(benchmark, node):
    _record(benchmark, "fetch only: the same batched requests, JSON decoded")
    blocks = benchmark.pedantic(_fetch_all, args=(node.url,), rounds=5, iterations=1)
    assert sum(len(b["transactions"]) for b in blocks) == BLOCKS * TXS_PER_BLOCK


def test_rebuild_only(benchmark, node):
    _record(benchmark, "rebuild only: raw_from_rpc + hash check, no network")
    objects = [tx for block in _fetch_all(node.url) for tx in block["transactions"]]
    raws = benchmark.pedantic(lambda: [raw_from_rpc(tx) for tx in objects], rounds=5, iterations=1)
    assert len(raws) == BLOCKS * TXS_PER_BLOCK
