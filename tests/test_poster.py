"""The poster against a real node (anvil 1.7.1): blob transactions a post-Fusaka node accepts (and the
version-0 form for a Prague node), read back and decoded; restarts after SIGKILL, reorgs, a stuck
transaction, calldata and auto, and bad input. They skip, naming the install command, only where anvil is
absent (``BATCHKIT_REQUIRE_ANVIL=1`` makes that a failure).

Keys are anvil's public dev keys. Chains are derived here independently of the poster's own resume code:
blocks scanned, blobs read back (``anvil_getBlobsByTransactionHash`` and the beacon route), the blob stream
and calldata frames decoded, and one v2 stream decoder run over the payloads in L1 order.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import rlp
import urllib3

import batchkit
from batchkit.errors import ChainIdMismatchError, InsufficientFundsError, InputError, NodeUnreachableError
from batchkit.l1 import blob, calldata
from batchkit.l1.blobstream import BlobStreamDecoder
from batchkit.l1.fees import FeeCaps, Fees, bump, suggest, Prices
from batchkit.l1.keys import signer_from_env, signer_from_keystore
from batchkit.l1.poster import DA_BLOBS, DA_CALLDATA, Poster, choose_da, cut_batches
from batchkit.l1.sidecar import FORM_V0, FORM_V1, make_sidecar, parse_network_form

from anvil import Anvil, require_anvil

INBOX = "0x00000000000000000000000000000000000b0b0b"
PURE = os.environ.get("BATCHKIT_PURE_PYTHON") == "1"


@pytest.fixture(scope="module")
def binary():
    found = require_anvil()
    return found


def start(binary, tmp_path, *args) -> Anvil:
    return Anvil(binary, tmp_path, args)


@pytest.fixture
def osaka(binary, tmp_path):
    node = start(binary, tmp_path, "--hardfork", "osaka")
    yield node
    node.stop()


@pytest.fixture(scope="module")
def recent(mainnet_raws):
    # The whole corpus in the compiled run; a prefix of it on the pure-Python twin (several times slower).
    return mainnet_raws[:3000] if PURE else mainnet_raws


def key_env(monkeypatch, node: Anvil, k: int = 0, var: str = "BK_TEST_KEY") -> str:
    monkeypatch.setenv(var, node.keys[k])
    return var


def poster(node: Anvil, monkeypatch, **kw) -> Poster:
    kw.setdefault("poll", 0.05)
    return Poster(node.url, INBOX, signer=signer_from_env(key_env(monkeypatch, node)), **kw)


# --- deriving, independently of the poster ----------------------------------------------------------------

def derive(node: Anvil, sender: str, *, beacon: bool = False) -> tuple[list[list[bytes]], list[dict]]:
    """Every payload the chain holds from ``sender`` to the inbox, decoded, and the transactions carrying them."""
    head = int(node.call("eth_getBlockByNumber", "latest", False)["number"], 16)
    dec = BlobStreamDecoder()
    stream = batchkit.StreamDecoder()
    frames: list[bytes] = []
    batches, txs = [], []
    for number in range(head + 1):
        block = node.call("eth_getBlockByNumber", hex(number), True)
        for _ in range(50):  # anvil with interval mining may be rewriting blocks of a reorg just asked for
            if block is not None:
                break
            time.sleep(0.1)
            block = node.call("eth_getBlockByNumber", hex(number), True)
        assert block is not None, f"block {number} is missing below the head {head}"
        for tx in block["transactions"]:
            if tx["from"].lower() != sender.lower() or (tx["to"] or "").lower() != INBOX:
                continue
            txs.append(tx)
            payloads = []
            if tx["type"] == "0x3":
                if beacon:
                    answer = urllib3.PoolManager().request(
                        "GET", f"{node.url}/eth/v1/beacon/blobs/{number}",
                        fields={"versioned_hashes": ",".join(tx["blobVersionedHashes"])})
                    blobs = [bytes.fromhex(b[2:]) for b in json.loads(answer.data)["data"]]
                else:
                    blobs = [bytes.fromhex(b[2:]) for b in node.call("anvil_getBlobsByTransactionHash", tx["hash"])]
                assert ["0x" + blob.versioned_hash(blob.commitment(b)).hex() for b in blobs] == \
                    tx["blobVersionedHashes"]
                for b in blobs:
                    payloads += [p.data for p in dec.feed(b)]
            else:
                data = bytes.fromhex(tx["input"][2:])
                if data[0] == calldata.CALLDATA_VERSION:
                    payloads.append(calldata.unframe([data]))
                else:
                    frames.append(data)
                    if len(frames) == data[2]:
                        payloads.append(calldata.unframe(frames))
                        frames = []
            batches += [[bytes(t) for t in stream.decompress(p)] for p in payloads]
    dec.finish()
    assert not frames
    nonces = [int(t["nonce"], 16) for t in txs]
    assert nonces == sorted(set(nonces)), "a nonce twice or out of order"
    return batches, txs


def flat(batches):
    return [t for b in batches for t in b]


# --- units: forms, fees, choice -------------------------------------------------------------------------

def test_sidecar_forms_carry_the_right_proofs():
    b = blob.encode_blobs(b"\x01" * 1000)[0]
    v0, v1 = make_sidecar([b], FORM_V0), make_sidecar([b], FORM_V1)
    assert len(v0.proofs) == 1 and blob.verify_blob(b, v0.commitments[0], v0.proofs[0])
    assert len(v1.proofs) == 128 and v1.versioned_hashes == v0.versioned_hashes
    import ckzg
    cells, _ = ckzg.compute_cells_and_kzg_proofs(b, blob._trusted_setup())
    assert ckzg.verify_cell_kzg_proof_batch([v1.commitments[0]] * 128, list(range(128)), cells, list(v1.proofs),
                                            blob._trusted_setup())
    with pytest.raises(InputError):
        make_sidecar([b] * 7)
    with pytest.raises(InputError):
        make_sidecar([])


def test_fee_bumps_follow_the_node_rules():
    caps = FeeCaps()
    old = Fees(100, 10, 0)
    assert bump(old, None, caps) == Fees(110, 11, 0)
    blobbed = Fees(100, 10, 50)
    assert bump(blobbed, None, caps) == Fees(200, 20, 100)
    assert bump(blobbed, Fees(500, 30, 70), caps) == Fees(500, 30, 100)
    assert bump(blobbed, None, FeeCaps(max_fee_per_blob_gas=99)) is None
    assert suggest(Prices(base_fee=10, blob_base_fee=3, tip=2), caps, blobs=True) == Fees(22, 2, 6)
    assert suggest(Prices(base_fee=10, blob_base_fee=3, tip=2), FeeCaps(max_fee_per_gas=9), blobs=False) is None
    assert suggest(Prices(base_fee=10, blob_base_fee=3, tip=2), FeeCaps(max_fee_per_blob_gas=2), blobs=True) is None


def test_auto_switches_with_hysteresis():
    size = 100_000
    assert choose_da(DA_BLOBS, size, base_fee=10**9, blob_base_fee=1) == DA_BLOBS
    assert choose_da(DA_BLOBS, size, base_fee=10**8, blob_base_fee=10**12) == DA_CALLDATA
    # Near parity the carrier in use stays: find a blob fee where calldata is a little cheaper.
    lo, hi = 1, 10**13
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if choose_da(DA_BLOBS, size, base_fee=10**9, blob_base_fee=mid, hysteresis=0) == DA_CALLDATA:
            hi = mid
        else:
            lo = mid
    near = int(hi * 1.05)
    assert choose_da(DA_BLOBS, size, base_fee=10**9, blob_base_fee=near) == DA_BLOBS
    assert choose_da(DA_CALLDATA, size, base_fee=10**9, blob_base_fee=near) == DA_CALLDATA


def test_cut_batches_is_deterministic_and_complete(recent):
    raws = recent[:2000]
    a, b = list(cut_batches(raws, 50_000)), list(cut_batches(iter(raws), 50_000))
    assert a == b and flat(a) == raws and all(sum(map(len, x)) >= 50_000 for x in a[:-1])


def test_keystore_and_env_keys_never_show_the_key(tmp_path, monkeypatch):
    from eth_account import Account
    key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # anvil's dev key 1
    store = Account.encrypt(key, "pw", kdf="pbkdf2", iterations=2)
    path = tmp_path / "ks.json"
    path.write_text(json.dumps(store))
    monkeypatch.setenv("BK_PW", "pw")
    signer = signer_from_keystore(path, password_env="BK_PW")
    assert signer.address == Account.from_key(key).address and key[2:] not in repr(signer)
    monkeypatch.setenv("BK_PW", "wrong")
    with pytest.raises(InputError, match="wrong password"):
        signer_from_keystore(path, password_env="BK_PW")
    monkeypatch.setenv("BK_KEY", key[:-2] + "zz")
    with pytest.raises(InputError) as err:
        signer_from_env("BK_KEY")
    assert key[2:-2] not in str(err.value)


# --- on anvil ---------------------------------------------------------------------------------------------

def test_estimate_prices_the_layout_the_poster_sends(osaka, monkeypatch, recent):
    # plan() is what posting uses (gas and blob gas equal it: the test below); estimate's "as batchkit post
    # sends it" row must give the same blobs, blob transactions and blob gas for the same input.
    from batchkit.estimate import POSTED, compare_posting
    plan = poster(osaka, monkeypatch).plan(txs=recent)
    rows = {r.layout: r for r in compare_posting(recent, None, base_fee=plan.base_fee,
                                                 blob_base_fee=plan.blob_base_fee, include_op=False).rows}
    row = rows[POSTED]
    assert (row.blobs, row.blob_txs, row.blob_gas, row.execution_gas) == (plan.blobs, plan.blob_txs, plan.blob_gas,
                                                                     plan.gas)


def test_the_recent_corpus_as_a_blob_stream_reads_back_exactly(osaka, monkeypatch, recent):
    p = poster(osaka, monkeypatch, batch_bytes=400_000)
    plan = p.plan(txs=recent)
    summary = p.run(recent)
    assert summary.form == FORM_V1 and summary.l2_txs == len(recent) and summary.blobs == plan.blobs
    batches, txs = derive(osaka, osaka.addresses[0])
    assert flat(batches) == recent
    assert batches == list(cut_batches(recent, 400_000))
    assert all(t["type"] == "0x3" and len(t["blobVersionedHashes"]) <= 6 for t in txs)
    assert len(txs) == summary.l1_txs == plan.blob_txs
    # Gas and blob gas actually used are what plan() (the cost model estimate uses) said.
    assert (summary.gas_used, summary.blob_gas_used) == (plan.gas, plan.blob_gas)
    # The network form is version 1 with 128 cell proofs per blob.
    canonical, car = parse_network_form(bytes.fromhex(osaka.call("eth_getRawTransactionByHash", txs[0]["hash"])[2:]))
    assert car.form == FORM_V1 and len(car.proofs) == 128 * len(car.blobs)
    # The beacon route gives the same blobs.
    assert derive(osaka, osaka.addresses[0], beacon=True)[0] == batches
    # A rerun finds everything on chain and sends nothing.
    again = poster(osaka, monkeypatch, batch_bytes=400_000).run(recent)
    assert (again.l1_txs, again.skipped_l2_txs) == (0, len(recent))


def test_a_prague_node_gets_the_version_0_form(binary, tmp_path, monkeypatch, recent):
    node = start(binary, tmp_path, "--hardfork", "prague")
    try:
        summary = poster(node, monkeypatch, batch_bytes=100_000).run(recent[:800])
        assert summary.form == FORM_V0
        batches, txs = derive(node, node.addresses[0])
        assert flat(batches) == recent[:800]
        raw = bytes.fromhex(node.call("eth_getRawTransactionByHash", txs[0]["hash"])[2:])
        items = rlp.decode(raw[1:])
        assert len(items) == 4 and len(items[3]) == len(items[1])   # one blob proof per blob
    finally:
        node.stop()


def test_calldata_and_auto(osaka, monkeypatch, recent):
    raws = recent[:1200]
    s = poster(osaka, monkeypatch, da="calldata", batch_bytes=150_000).run(raws)
    assert s.blobs == 0 and s.calldata_bytes > 0
    batches, txs = derive(osaka, osaka.addresses[0])
    assert flat(batches) == raws and all(t["type"] == "0x2" for t in txs)
    # auto at anvil's prices (blob base fee 1 wei) picks blobs, and goes on with the same stream.
    more = recent[:2400]
    s = poster(osaka, monkeypatch, da="auto", batch_bytes=150_000).run(more)
    assert s.skipped_l2_txs == 1200 and s.blobs > 0
    batches, _ = derive(osaka, osaka.addresses[0])
    assert flat(batches) == more


def _pending(node: Anvil) -> int:
    pool = node.call("txpool_content")["pending"]
    return sum(len(v) for v in pool.values())


def _cli(node: Anvil, path, *extra):
    env = dict(os.environ, BK_TEST_KEY=node.keys[0])
    return subprocess.Popen([sys.executable, "-m", "batchkit", "post", str(path), "--l1", node.url, "--inbox", INBOX,
                             "--key-env", "BK_TEST_KEY", "--poll", "0.05", "--batch-bytes", "60000",
                             "--blobs-per-tx", "1", "--json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _kill_when(proc, condition, limit=120.0):
    deadline = time.monotonic() + limit
    while not condition():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the condition never came"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_sigkill_at_several_points_then_rerun_posts_everything_once(binary, tmp_path, recent):
    node = start(binary, tmp_path, "--hardfork", "osaka", "--no-mining", "--order", "fifo")
    try:
        raws = recent[:4500]   # 4 to 6 blobs: one transaction each
        path = tmp_path / "in.hex"
        path.write_text("\n".join("0x" + r.hex() for r in raws) + "\n")
        # 1. Killed before it sends anything (while it reads and compresses).
        proc = _cli(node, path)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # 2. Killed between sending and inclusion (no mining: the first transaction waits in the pool).
        proc = _cli(node, path)
        _kill_when(proc, lambda: _pending(node) >= 1)
        # 3. A rerun finds that transaction in the pool, goes on after it, and is killed with more pending,
        #    some mined, inside a payload that spans blobs (one blob per transaction).
        proc = _cli(node, path)
        _kill_when(proc, lambda: _pending(node) >= 3)
        node.call("evm_mine")
        proc = _cli(node, path)
        _kill_when(proc, lambda: _pending(node) >= 1)
        node.call("evm_mine")
        # 4. The last run, with blocks mined as transactions come, finishes the stream.
        node.call("evm_setAutomine", True)
        proc = _cli(node, path)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        summary = json.loads(out)
        assert summary["skipped_l2_txs"] > 0
        batches, txs = derive(node, node.addresses[0])
        assert flat(batches) == raws and batches == list(cut_batches(raws, 60_000))
        assert len(txs) == len({t["hash"] for t in txs}) and _pending(node) == 0
    finally:
        node.stop()


def test_a_reorg_is_detected_and_what_it_dropped_is_sent_again(binary, tmp_path, monkeypatch, recent):
    node = start(binary, tmp_path, "--hardfork", "osaka", "--block-time", "1")
    try:
        raws = recent[:1500]
        p = poster(node, monkeypatch, batch_bytes=60_000, blobs_per_tx=2, confirmations=4)
        result = {}
        thread = threading.Thread(target=lambda: result.update(s=p.run(raws)))
        thread.start()
        deadline = time.monotonic() + 60
        while not node.call("eth_getTransactionCount", node.addresses[0], "latest") != "0x0":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # the poster sees its transaction in a block (it polls every 0.05 s)
        head = int(node.call("eth_getBlockByNumber", "latest", False)["number"], 16)
        mined = next(n for n in range(head, -1, -1)
                     if node.call("eth_getBlockByNumber", hex(n), False)["transactions"])
        node.call("anvil_reorg", head - mined + 1, [])  # drops the blocks from the poster's first one on
        thread.join(180)
        assert not thread.is_alive()
        assert result["s"].resent_after_reorg >= 1
        batches, txs = derive(node, node.addresses[0])
        assert flat(batches) == raws
        # After a reorg of what was already confirmed (the last transaction's block), a restart posts it again.
        head = int(node.call("eth_getBlockByNumber", "latest", False)["number"], 16)
        node.call("anvil_reorg", head - int(txs[-1]["blockNumber"], 16) + 1, [])
        assert len(derive(node, node.addresses[0])[1]) < len(txs)
        s = poster(node, monkeypatch, batch_bytes=60_000, blobs_per_tx=2).run(raws)
        assert s.l1_txs >= 1
        batches, _ = derive(node, node.addresses[0])
        assert flat(batches) == raws
    finally:
        node.stop()


def test_a_stuck_transaction_is_replaced_not_duplicated(binary, tmp_path, monkeypatch, recent):
    node = start(binary, tmp_path, "--hardfork", "osaka", "--no-mining")
    try:
        raws = recent[:300]
        p = poster(node, monkeypatch, batch_bytes=10**9, replace_after=2)
        result = {}
        thread = threading.Thread(target=lambda: result.update(s=p.run(raws)))
        thread.start()
        deadline = time.monotonic() + 60
        while _pending(node) < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # The base fee jumps past what the transaction offers: it stays out of every block until replaced.
        while thread.is_alive() and time.monotonic() < deadline + 60:
            node.call("anvil_setNextBlockBaseFeePerGas", hex(40 * 10**9))
            node.call("evm_mine")
            time.sleep(0.15)
        thread.join(10)
        assert not thread.is_alive()
        s = result["s"]
        assert s.replaced >= 1 and s.l1_txs == 1
        batches, txs = derive(node, node.addresses[0])
        assert flat(batches) == raws and len(txs) == 1
    finally:
        node.stop()


# --- bad input: one clear error each, nothing sent, no key material ---------------------------------------

def _run_cli(capsys, monkeypatch, node_url, *args, key="0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"):
    from batchkit.cli import main
    monkeypatch.setenv("BK_BAD_KEY", key)
    code = main(["post", *args, "--l1", node_url, "--key-env", "BK_BAD_KEY", "--poll", "0.05"])
    out, err = capsys.readouterr()
    return code, out, err


def test_bad_input_is_one_clear_error_and_nothing_is_sent(osaka, tmp_path, monkeypatch, capsys, recent):
    path = tmp_path / "in.hex"
    path.write_text("\n".join("0x" + r.hex() for r in recent[:50]) + "\n")
    good = ["--inbox", INBOX]
    unfunded = "0x" + "11" * 32
    cases = [
        ("unreachable", ["http://127.0.0.1:9"], [str(path), *good], None, "cannot connect"),
        ("chain id", [osaka.url], [str(path), *good, "--chain-id", "1"], None, "not chain 1"),
        ("balance", [osaka.url], [str(path), *good], unfunded, "holds 0 wei"),
        ("not a key", [osaka.url], [str(path), *good], "0xnotakey", "does not hold a private key"),
        ("inbox", [osaka.url], [str(path), "--inbox", "0x1234"], None, "20-byte address"),
    ]
    for name, (url,), args, key, expected in cases:
        kw = {"key": key} if key else {}
        code, out, err = _run_cli(capsys, monkeypatch, url, *args, **kw)
        assert code == 2, (name, err)
        assert err.count("\n") == 1 and expected in err, (name, err)
        for secret in (osaka.keys[0], unfunded, "notakey"):
            assert secret[2:] not in err and secret[2:] not in out, name
    from eth_account import Account
    for address in (osaka.addresses[0], Account.from_key(unfunded).address):
        assert osaka.call("eth_getTransactionCount", address, "pending") == "0x0"
    assert _pending(osaka) == 0


def test_post_batches_skips_the_batches_on_chain_and_goes_on(osaka, monkeypatch, recent):
    batches = list(cut_batches(recent[:1000], 40_000))
    first = poster(osaka, monkeypatch).post(batches[:5])
    assert first.payloads == 5 and first.l2_txs == len(flat(batches[:5]))
    rest = poster(osaka, monkeypatch).post(batches)
    assert rest.skipped_payloads == 5 and rest.payloads == len(batches) - 5
    assert derive(osaka, osaka.addresses[0])[0] == batches
    # Other batches than those on chain: refused, nothing sent.
    from batchkit.errors import ChainStateError
    nonce = osaka.call("eth_getTransactionCount", osaka.addresses[0], "latest")
    with pytest.raises(ChainStateError):
        poster(osaka, monkeypatch).post([batches[0][:-1]] + batches[1:])
    assert osaka.call("eth_getTransactionCount", osaka.addresses[0], "pending") == nonce


def test_a_restart_that_sees_only_the_last_blocks_goes_on_from_a_keyframe(osaka, monkeypatch, recent):
    raws = recent[:3000]
    poster(osaka, monkeypatch, batch_bytes=60_000, blobs_per_tx=1, keyframe_every=2).run(raws[:1500])
    osaka.call("anvil_mine", hex(5))
    # Only the last blocks are scanned: the blob stream is joined mid-way, at a payload that is a keyframe.
    s = poster(osaka, monkeypatch, batch_bytes=60_000, blobs_per_tx=1, keyframe_every=2, scan_blocks=7).run(raws)
    assert 0 < s.skipped_payloads and s.skipped_l2_txs < 1500 and s.l2_txs + s.skipped_l2_txs < 3000 + 1500
    batches, _ = derive(osaka, osaka.addresses[0])
    assert flat(batches) == raws


def test_the_level_steps_down_under_backlog_and_back_up(osaka, monkeypatch, recent):
    batches = list(cut_batches(recent[:2400], 20_000))

    def source():
        yield from batches[:-4]          # all at once: a backlog
        for b in batches[-4:]:           # then slowly: caught up
            time.sleep(1.0)
            yield b

    s = poster(osaka, monkeypatch, levels=("max", "default", "fast"), backlog=2).post(source())
    steps = [level for _, level in s.level_changes]
    assert steps[:2] == ["default", "fast"] and "default" in steps[2:], steps
    assert sum(s.levels.values()) == len(batches)
    assert derive(osaka, osaka.addresses[0])[0] == batches


def test_dry_run_needs_no_key_and_sends_nothing(osaka, tmp_path, capsys, recent):
    from batchkit.cli import main
    path = tmp_path / "in.hex"
    path.write_text("\n".join("0x" + r.hex() for r in recent[:500]) + "\n")
    code = main(["post", str(path), "--l1", osaka.url, "--inbox", INBOX, "--dry-run", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads(out)
    assert plan["l2_txs"] == 500 and plan["blobs"] >= 1 and plan["wei"] > 0
    assert _pending(osaka) == 0 and osaka.call("eth_blockNumber") == "0x0"


def test_sigkill_inside_a_calldata_payload_of_two_frames(binary, tmp_path, recent):
    node = start(binary, tmp_path, "--hardfork", "osaka", "--no-mining", "--order", "fifo")
    try:
        raws = recent[:3000]
        path = tmp_path / "in.hex"
        path.write_text("\n".join("0x" + r.hex() for r in raws) + "\n")
        wide = ("--da", "calldata", "--batch-bytes", "1300000")   # a payload above one frame's 418,902 bytes
        proc = _cli(node, path, *wide, "--max-in-flight", "1")   # frame 1 waits for frame 0's block
        _kill_when(proc, lambda: _pending(node) >= 1)
        time.sleep(0.3)
        assert _pending(node) == 1
        node.call("evm_mine")
        node.call("evm_setAutomine", True)
        proc = _cli(node, path, *wide)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        batches, txs = derive(node, node.addresses[0])
        assert flat(batches) == raws and batches == list(cut_batches(raws, 1_300_000))
        assert txs[0]["input"][:4] == "0x81" and len(txs) >= 3   # split frames first
    finally:
        node.stop()


def test_bad_input_through_the_api_raises_typed_errors(osaka, monkeypatch, recent):
    raws = recent[:50]
    with pytest.raises(ChainIdMismatchError):
        poster(osaka, monkeypatch, chain_id=1).run(raws)
    monkeypatch.setenv("BK_UNFUNDED", "0x" + "22" * 32)
    with pytest.raises(InsufficientFundsError):
        Poster(osaka.url, INBOX, signer=signer_from_env("BK_UNFUNDED"), poll=0.05).run(raws)
    with pytest.raises(NodeUnreachableError):
        Poster("http://127.0.0.1:9", INBOX, signer=signer_from_env(key_env(monkeypatch, osaka)), retries=0).run(raws)
    for inbox in ("0x1234", "0x" + "g" * 40, "0x00000000000000000000000000000000000B0b0b", 42):
        with pytest.raises(InputError):
            Poster(osaka.url, inbox)
    with pytest.raises(InputError):
        Poster(osaka.url, INBOX).run(raws)   # no signer
    assert _pending(osaka) == 0 and osaka.call("eth_blockNumber") == "0x0"


def test_post_reads_blocks_of_another_chain_with_rpc(binary, osaka, tmp_path, capsys, monkeypatch):
    from anvil import build_chain
    from batchkit.cli import main
    workdir = tmp_path / "source"   # the osaka node writes its log in tmp_path
    workdir.mkdir()
    source = Anvil(binary, workdir)
    try:
        chain = build_chain(source)   # every transaction type batchkit carries, blob transactions included
        monkeypatch.setenv("BK_TEST_KEY", osaka.keys[0])
        code = main(["post", "--rpc", source.url, "--blocks", chain.blocks, "--l1", osaka.url, "--inbox", INBOX,
                     "--key-env", "BK_TEST_KEY", "--poll", "0.05", "--json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert json.loads(out)["l2_txs"] == len(chain.sent)
        batches, _ = derive(osaka, osaka.addresses[0])
        assert flat(batches) == chain.sent
    finally:
        source.stop()


def test_cli_keystore_with_a_password_file(osaka, tmp_path, capsys, recent):
    from eth_account import Account
    from batchkit.cli import main
    store = tmp_path / "ks.json"
    store.write_text(json.dumps(Account.encrypt(osaka.keys[0], "s3cret-pw", kdf="pbkdf2", iterations=2)))
    pw = tmp_path / "pw.txt"
    path = tmp_path / "in.hex"
    path.write_text("\n".join("0x" + r.hex() for r in recent[:300]) + "\n")
    base = ["post", str(path), "--l1", osaka.url, "--inbox", INBOX, "--keystore", str(store), "--password-file",
            str(pw), "--poll", "0.05", "--json"]
    pw.write_text("wrong\n")
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "wrong password" in err and "s3cret" not in err and osaka.keys[0][2:] not in err
    pw.write_text("s3cret-pw\n")
    assert main(base) == 0
    assert json.loads(capsys.readouterr().out)["l2_txs"] == 300
    assert flat(derive(osaka, osaka.addresses[0])[0]) == recent[:300]
