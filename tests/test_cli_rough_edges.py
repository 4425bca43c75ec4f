"""The CLI's rough edges (issue 23), each against the real thing: fees from a real anvil, URLs without a scheme,
``$ETH_RPC_URL``, ``latest`` and ``16M`` block numbers, a requests-per-second cap, a node that accepts and never
answers, options checked before the work, what ``decompress`` says about what is not a payload, ``--help``,
progress without an ETA, and the README's traps."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import batchkit
from batchkit.cli import main
from batchkit.errors import InputError, NodeUnreachableError
from batchkit.l1.prices import node_prices, resolve
from batchkit.readers import parse_block_range, read_node
from batchkit.readers import node as node_module

from anvil import Anvil, build_chain, require_anvil

GWEI = 10**9


@pytest.fixture(scope="module")
def anvil(tmp_path_factory):
    binary = require_anvil()
    node = Anvil(binary, tmp_path_factory.mktemp("anvil"))
    yield node
    node.stop()


@pytest.fixture(scope="module")
def chain(anvil):
    # A base fee of our choosing on the latest block, so "the node's" is not anvil's default by chance.
    anvil.call("anvil_setNextBlockBaseFeePerGas", hex(7 * GWEI))
    return build_chain(anvil)


@pytest.fixture()
def txs_file(tmp_path, chain):
    path = tmp_path / "txs.jsonl"
    path.write_text("".join(json.dumps({"raw": "0x" + raw.hex()}) + "\n" for raw in chain.sent))
    return path


# --- fees and prices from the node ---------------------------------------------------------------------------

def test_node_prices_are_the_nodes(anvil, chain):
    latest = anvil.call("eth_getBlockByNumber", "latest", False)
    prices = node_prices(anvil.url)
    assert prices.block == int(latest["number"], 16)
    assert prices.base_fee == int(latest["baseFeePerGas"], 16)
    assert prices.blob_base_fee == int(anvil.call("eth_blobBaseFee"), 16)
    assert prices.blob_source == "eth_blobBaseFee"


def test_estimate_takes_fees_from_the_node_unless_given(anvil, chain, txs_file, capsys):
    node_fee = int(anvil.call("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    blob_fee = int(anvil.call("eth_blobBaseFee"), 16)
    assert node_fee != 12 * GWEI  # the default would not pass for the node's
    assert main(["estimate", str(txs_file), "--rpc", anvil.url, "--json", "--target-blobs", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["base_fee"], out["blob_base_fee"]) == (node_fee, blob_fee)
    assert out["fee_sources"]["base_fee"].startswith("the node's")
    assert "eth_blobBaseFee" in out["fee_sources"]["blob_base_fee"]
    # Given fees win over the node's; blocks from the node price at the node's fees too.
    assert main(["estimate", "--rpc", anvil.url, "--blocks", chain.blocks, "--base-fee", "3gwei", "--json",
                 "--target-blobs", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["base_fee"], out["blob_base_fee"]) == (3 * GWEI, blob_fee)
    assert out["fee_sources"]["base_fee"] == "given"


def test_without_a_node_the_defaults_are_named(txs_file, capsys):
    assert main(["estimate", str(txs_file), "--target-blobs", "0"]) == 0
    out = capsys.readouterr().out
    assert "fees: base fee default 12gwei: no node, none given" in out
    assert "EIP-7918 reserve" in out
    r = resolve(None, None, rpc=None, default_blob_base_fee="1gwei")
    assert (r.base_fee, r.blob_base_fee) == (12 * GWEI, GWEI) and "default" in r.blob_base_fee_source


def test_bench_takes_fees_from_the_node(anvil, chain, txs_file, capsys, tmp_path):
    node_fee = int(anvil.call("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    out_json = tmp_path / "b.json"
    assert main(["bench", str(txs_file), "--rpc", anvil.url, "--formats", "batchkit-fast", "-j", "1",
                 "--json", str(out_json)]) == 0
    meta = json.loads(out_json.read_text())["meta"]
    assert meta["base_fee_gwei"] == node_fee / GWEI
    assert meta["fee_sources"]["base_fee"].startswith("the node's")
    assert "the node's" in capsys.readouterr().out


# --- URLs, block numbers, ETH_RPC_URL, a rate cap ---------------------------------------------------------------

def test_url_without_scheme_is_http(anvil, chain):
    bare = anvil.url.removeprefix("http://")
    assert read_node(bare, chain.blocks).raws == chain.sent


def test_eth_rpc_url_and_latest(anvil, chain, tmp_path, monkeypatch):
    monkeypatch.setenv("ETH_RPC_URL", anvil.url)
    out = tmp_path / "latest.bk"
    assert main(["compress", "--blocks", f"{chain.first}:latest", "-o", str(out)]) == 0
    assert batchkit.decompress(out.read_bytes()) == chain.sent
    last = read_node(anvil.url, "latest")
    assert last.raws == read_node(anvil.url, str(chain.stop - 1)).raws


def test_block_numbers_as_cryo_writes_them():
    assert parse_block_range("16M:+10") == (16_000_000, 16_000_010)
    assert parse_block_range("16.5M:16.6M") == (16_500_000, 16_600_000)
    assert parse_block_range("21k") == (21_000, 21_001)
    assert parse_block_range("latest", head=99) == (99, 100)
    assert parse_block_range("90:latest", head=99) == (90, 100)
    for bad in ("1.0000001M", "latest", "5:latest:", "M"):
        with pytest.raises(InputError):
            parse_block_range(bad)


def test_requests_per_second_cap(anvil, chain):
    blocks = f"{chain.first}:+6"
    t0 = time.monotonic()
    read_node(anvil.url, blocks, blocks_per_request=1, concurrency=4, requests_per_second=10)
    # 7 requests (eth_blockNumber and 6 blocks) at most 10 a second: at least 0.6 s from the first to the last.
    assert time.monotonic() - t0 >= 0.6
    with pytest.raises(InputError, match="requests per second"):
        read_node(anvil.url, blocks, requests_per_second=0)


# --- a node that accepts and never answers ----------------------------------------------------------------

class SilentNode:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (bounded: closed by the test)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.held.append(conn)

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for c in self.held:
            c.close()
        self.sock.close()


def test_a_silent_node_says_what_is_retried_promptly(tmp_path, monkeypatch):
    silent = SilentNode()
    monkeypatch.setattr(node_module, "NOTICE_AFTER", 0.3)
    told: list[tuple[float, str]] = []
    t0 = time.monotonic()
    try:
        with pytest.raises(NodeUnreachableError) as info:
            read_node(silent.url, "1:3", timeout=1.0, retries=2,
                      notify=lambda m: told.append((time.monotonic() - t0, m)))
    finally:
        silent.close()
    assert info.value.attempts == 3
    first_notice = told[0]
    assert first_notice[0] < 1.0 and "no answer yet to eth_blockNumber" in first_notice[1]
    retries = [m for _, m in told if "retrying in" in m]
    assert len(retries) == 2 and all("eth_blockNumber" in m and "no answer within 1 s" in m for m in retries)


def test_cli_on_a_silent_node_prints_the_retries(tmp_path):
    silent = SilentNode()
    try:
        done = subprocess.run([sys.executable, "-m", "batchkit", "compress", "--rpc", silent.url, "--blocks", "1",
                               "--rpc-timeout", "1", "-o", str(tmp_path / "x.bk")],
                              capture_output=True, text=True, timeout=60)
    finally:
        silent.close()
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert sum("retrying in" in line for line in lines) == 3, done.stderr
    assert "no answer within 1 s" in lines[-1] and not (tmp_path / "x.bk").exists()


# --- checked before the work ---------------------------------------------------------------------------

def _run_with_blocking_input(tmp_path, *argv) -> subprocess.CompletedProcess:
    """The CLI with a FIFO as its input that nobody writes: reading it would block, so a prompt answer shows
    the arguments were checked before the input was read."""
    fifo = tmp_path / "never.jsonl"
    os.mkfifo(fifo)
    return subprocess.run([sys.executable, "-m", "batchkit", *[a.replace("FIFO", str(fifo)) for a in argv]],
                          capture_output=True, text=True, timeout=30)


def test_output_and_level_checked_before_the_input_is_read(tmp_path):
    (tmp_path / "existing").mkdir()
    done = _run_with_blocking_input(tmp_path, "compress", "FIFO", "-o", str(tmp_path / "existing"), "--level", "max")
    assert done.returncode == 2 and "is a directory" in done.stderr


def test_estimate_checks_its_fees_before_the_input_is_read(tmp_path):
    done = _run_with_blocking_input(tmp_path, "estimate", "FIFO", "--base-fee", "12gwie")
    assert done.returncode == 2 and "12gwie" in done.stderr


def test_bad_level_and_missing_directory_are_errors_at_once(tmp_path):
    done = _run_with_blocking_input(tmp_path, "compress", "FIFO", "-o", str(tmp_path / "x.bk"), "--level", "maxx")
    assert done.returncode == 2 and "batchkit compress: error: argument --level: unknown level 'maxx'" in done.stderr
    done = subprocess.run([sys.executable, "-m", "batchkit", "compress", "-", "-o", str(tmp_path / "no" / "x.bk")],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.PIPE)
    assert done.returncode == 2 and "No such file or directory" in done.stderr


# --- decompress: parts, raw blobs, what is not a payload ------------------------------------------------------

@pytest.fixture(scope="module")
def small_txs(tmp_path_factory, mainnet_raws):
    path = tmp_path_factory.mktemp("txs") / "t.jsonl"
    raws = [r for r in mainnet_raws if r[0] not in (0x03, 0x7E)][:800]
    path.write_text("".join(json.dumps({"raw": "0x" + r.hex()}) + "\n" for r in raws))
    return path, raws


def _decoded(path: Path) -> list[bytes]:
    return [bytes.fromhex(json.loads(line)["raw"][2:]) for line in path.read_text().splitlines()]


def test_decompress_the_parts_target_blobs_wrote(small_txs, tmp_path):
    path, raws = small_txs
    prefix = tmp_path / "part"
    assert main(["compress", str(path), "--target-blobs", "1", "-o", str(prefix)]) == 0
    assert (tmp_path / "part.001").exists()  # several parts
    assert main(["decompress", str(prefix), "-o", str(tmp_path / "out.jsonl")]) == 0
    assert _decoded(tmp_path / "out.jsonl") == raws


def test_decompress_raw_blobs_when_asked(small_txs, tmp_path, capsys):
    path, raws = small_txs
    d = tmp_path / "blobs"
    assert main(["compress", str(path), "--to", "blobs", "-o", str(d)]) == 0
    blob0 = d / "blob-000.bin"
    assert main(["decompress", str(blob0)]) == 2
    assert "is a raw blob" in capsys.readouterr().err
    (d / "manifest.json").unlink()
    assert main(["decompress", str(d)]) == 2
    err = capsys.readouterr().err
    assert "has no manifest.json" in err and "--raw-blobs" in err
    assert main(["decompress", str(d), "--raw-blobs", "-o", str(tmp_path / "o.jsonl")]) == 0
    assert _decoded(tmp_path / "o.jsonl") == raws
    if len(list(d.glob("blob-*.bin"))) == 1:
        assert main(["decompress", str(blob0), "--raw-blobs", "-o", str(tmp_path / "o1.jsonl")]) == 0
        assert _decoded(tmp_path / "o1.jsonl") == raws


def test_decompress_of_what_is_not_a_payload(small_txs, tmp_path, capsys):
    path, _ = small_txs
    assert main(["decompress", str(path)]) == 2
    assert "is not a batchkit payload (it looks like a transactions file" in capsys.readouterr().err
    d = tmp_path / "empty-manifest"
    d.mkdir()
    (d / "blob-000.bin").write_bytes(b"")
    (d / "manifest.json").write_text("{")
    # A directory whose manifest is missing says "cannot read" once.
    (d / "manifest.json").unlink()
    (d / "blob-000.bin").unlink()
    assert main(["decompress", str(d)]) == 2
    err = capsys.readouterr().err
    assert err.count("cannot read") <= 1 and "no manifest.json" in err
    from batchkit.l1.blob import read_blob_dir
    with pytest.raises(batchkit.DecodeError) as info:
        read_blob_dir(d)
    assert str(info.value).count("cannot read") == 1


# --- help and usage --------------------------------------------------------------------------------------

def _help(*argv) -> str:
    done = subprocess.run([sys.executable, "-m", "batchkit", *argv, "--help"], capture_output=True, text=True,
                          timeout=30, env=dict(os.environ, COLUMNS="200"))
    assert done.returncode == 0
    return done.stdout


def test_help_names_levels_fees_and_defaults():
    assert "fast (zstd 3)" in _help("compress")
    est = _help("estimate")
    assert "fast (zstd 3)" in est and "skip transactions" not in est.split("--skip-unsupported")[0]
    assert "leave out transactions of types batchkit does not carry" in est
    assert "12gwei" in est and "EIP-7918 reserve" in est and "eth_blobBaseFee" in est
    bench = _help("bench")
    assert "--list-formats" in bench and "1gwei" in bench and "12gwei" in bench and "--html" in bench


def test_bench_lists_its_formats(capsys):
    assert main(["bench", "--list-formats"]) == 0
    names = capsys.readouterr().out.split()
    assert "batchkit-default" in names and "op-span-brotli10" in names


def test_a_mistyped_flag_shows_the_subcommands_usage():
    done = subprocess.run([sys.executable, "-m", "batchkit", "decompress", "x.bk", "--outptu", "y"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "usage: batchkit decompress" in done.stderr and "unrecognized arguments: --outptu" in done.stderr



def test_a_shortened_flag_is_not_taken_for_the_flag_it_starts(capsys):
    # argparse would read --blob-base-fe as --blob-base-fee: a typo must not set a price silently.
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "x.jsonl", "--blob-base-fe", "3gwei"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage: batchkit estimate" in err and "--blob-base-fe" in err

# --- progress, positions, README traps ----------------------------------------------------------------------

def test_stage_bars_show_no_eta():
    from batchkit.progress import STAGES_FORMAT, Stages
    s = Stages(["a", "b", "c"])
    try:
        text = s._bar.format_meter(1, 3, 4.0, bar_format=s._bar.bar_format, prefix="compress")
    finally:
        s.close()
    assert s._bar.bar_format == STAGES_FORMAT and text == "compress: 1/3 [00:04]"


def test_positions_say_how_they_count(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"raw": "0x02"}\n{"raw": "0xzz"}\n')
    assert main(["compress", str(bad), "-o", str(tmp_path / "x.bk")]) == 2
    err = capsys.readouterr().err
    assert "transaction 0 (0-based): line 1:" in err


def test_rewind_takes_the_payload_or_its_hash_with_a_short_error_otherwise(mainnet_raws):
    from batchkit.format.v2 import payload_hash
    batches = [mainnet_raws[i:i + 50] for i in range(0, 200, 50)]
    enc = batchkit.StreamEncoder()
    payloads = [enc.compress(b) for b in batches]
    assert enc.rewind(payloads[1]) == 2
    again = enc.compress(batches[2])
    assert again == payloads[2]
    assert enc.rewind(payload_hash(payloads[0])) == 2
    with pytest.raises(InputError) as info:
        enc.rewind(b"\x00" * 100_000)
    assert len(str(info.value)) < 200 and "16-byte hash" in str(info.value)


def test_decompress_gives_bytes_for_hex_input(mainnet_raws):
    raws = mainnet_raws[:20]
    hexes = ["0x" + r.hex() for r in raws]
    out = batchkit.decompress(batchkit.compress(hexes))
    assert out == raws and out != hexes  # as the README says: bytes back, whatever form went in
