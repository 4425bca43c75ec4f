"""Posting throughput against a local anvil (``--hardfork osaka``), with the cell-proof cost shown apart.

    pytest benches/bench_post.py --benchmark-enable -s

- ``test_cell_proofs``: ``ckzg.compute_cells_and_kzg_proofs`` per blob with the trusted setup loaded at
  precompute 8 (what batchkit loads) and 0; ``test_blob_proof``: the version-0 blob proof, for comparison.
  Target: the poster keeps up with BPO2's most, 21 blobs per 12 s block (1.75 blobs/s), cell proofs
  included, on one core.
- ``test_post_recent``: :meth:`Poster.run` over the first 6,000 transactions of ethereum-mainnet-recent
  (out of sample) into a fresh inbox each round: L2 MB/s (raw transaction bytes) and blobs/s, end to end
  (compression, blob stream, cell proofs, signing, sending, waiting for inclusion), and per second of the
  poster's own CPU time (the wall clock also holds anvil checking 128 cell proofs per blob, about as long
  as making them, which a node does on another machine); then gas and blob gas
  used against what :meth:`Poster.plan` and ``batchkit estimate`` (its blob-stream row) predicted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from anvil import Anvil, anvil_binary  # noqa: E402

from batchkit.l1 import blob  # noqa: E402
from batchkit.l1.blobstream import encode_stream  # noqa: E402

N_TXS = 6000


@pytest.fixture(scope="module")
def one_blob():
    import random
    return encode_stream([random.Random(5).randbytes(200_000)])[0].blob


@pytest.mark.parametrize("precompute", [8, 0])
def test_cell_proofs(benchmark, one_blob, precompute):
    import ckzg
    with blob._trusted_setup_path() as path:
        setup = ckzg.load_trusted_setup(str(path), precompute)
    benchmark.extra_info["precompute"] = precompute
    benchmark.pedantic(ckzg.compute_cells_and_kzg_proofs, args=(one_blob, setup), rounds=8, iterations=1,
                       warmup_rounds=1)


def test_blob_proof(benchmark, one_blob):
    c = blob.commitment(one_blob)
    benchmark.pedantic(blob.proof, args=(one_blob, c), rounds=8, iterations=1, warmup_rounds=1)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    binary = anvil_binary()
    if binary is None:
        pytest.skip("anvil is not installed (bash .ci/install-anvil)")
    n = Anvil(binary, tmp_path_factory.mktemp("anvil"), ("--hardfork", "osaka"))
    yield n
    n.stop()


@pytest.fixture(scope="module")
def recent():
    from batchkit.corpora import shared_corpora_dir
    from batchkit.readers import read_transactions
    base = shared_corpora_dir()
    if base is None or not (Path(base) / "ethereum-mainnet-recent.jsonl").is_file():
        pytest.skip("no shared corpora")
    return read_transactions(str(Path(base) / "ethereum-mainnet-recent.jsonl")).raws[:N_TXS]


def test_post_recent(benchmark, node, recent, monkeypatch):
    from batchkit.estimate import compare_posting
    from batchkit.l1.keys import signer_from_env
    from batchkit.l1.poster import Poster
    from batchkit.senders import recover_senders

    monkeypatch.setenv("BK_BENCH_KEY", node.keys[0])
    signer = signer_from_env("BK_BENCH_KEY")
    rounds = iter(range(1, 100))
    results = []

    def post():
        inbox = "0x" + f"{next(rounds):040x}"
        p = Poster(node.url, inbox, signer=signer, poll=0.02, batch_bytes=400_000, scan_blocks=1)
        start, cpu = time.perf_counter(), time.process_time()
        s = p.run(recent)
        results.append((time.perf_counter() - start, s, p.plan(txs=recent), time.process_time() - cpu))

    benchmark.pedantic(post, rounds=3, iterations=1)
    seconds = sorted(r[0] for r in results)[1]
    cpu = sorted(r[3] for r in results)[1]
    _, s, plan, _ = results[0]
    raw_mb = sum(map(len, recent)) / 1e6
    senders = recover_senders(recent)
    est = compare_posting(recent, senders, target_blobs=3, base_fee=plan.base_fee, blob_base_fee=plan.blob_base_fee,
                          include_op=False)
    stream_row = next(r for r in est.rows if r.layout.startswith("blob stream"))
    benchmark.extra_info.update(
        l2_mb_per_s=round(raw_mb / seconds, 3), blobs_per_s=round(s.blobs / seconds, 3), blobs=s.blobs,
        poster_cpu_s=round(cpu, 3), blobs_per_cpu_s=round(s.blobs / cpu, 3), l2_mb_per_cpu_s=round(raw_mb / cpu, 3),
        l1_txs=s.l1_txs, gas_used=s.gas_used, blob_gas_used=s.blob_gas_used, plan_gas=plan.gas,
        plan_blob_gas=plan.blob_gas, estimate_stream_blobs=stream_row.blobs,
        kzg_cell_precompute=blob.kzg_precompute(), pure=os.environ.get("BATCHKIT_PURE_PYTHON") == "1")
    print("\n", benchmark.extra_info)
    assert (s.gas_used, s.blob_gas_used) == (plan.gas, plan.blob_gas)
