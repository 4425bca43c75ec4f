"""The JSON-RPC source against a real node (anvil) and against a real HTTP server that answers badly.

Node tests: real signed transactions of every type batchkit carries are mined by anvil, read back through
``read_node`` and the CLI (``--rpc URL --blocks A:B``), and compared with the node's own raw transactions
(``eth_getRawTransactionByHash``). They skip, naming the install command, only where anvil is absent
(``BATCHKIT_REQUIRE_ANVIL=1``, set by ``.ci/run``, makes that a failure).
"""

from __future__ import annotations

import base64
import gzip
import json
import socket
import subprocess
import sys
import threading

import pytest
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st

import batchkit
from batchkit import limits
from batchkit.cli import main
from batchkit.errors import (BatchkitError, BlockNotFoundError, InputError, JsonRpcError, NodeUnreachableError,
                             RpcError, RpcResponseError, UnsupportedTransactionError)
from batchkit.estimate import estimate
from batchkit.l1.prices import node_prices
from batchkit.limits import MAX_BLOCKS_PER_REQUEST, MAX_CONCURRENCY
from batchkit.readers import parse_block_range, read_node
from batchkit.readers.bounds import nests_at_most as _nests_at_most

from anvil import Anvil, build_chain, require_anvil
from scripted_node import Reply, ScriptedNode, answer, empty_block, well_behaved

KINDS = {"legacy-155", "legacy-unprotected", "0x01", "0x02", "0x03", "0x04"}


# --- fixtures ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def anvil(tmp_path_factory):
    binary = require_anvil()
    node = Anvil(binary, tmp_path_factory.mktemp("anvil"))
    yield node
    node.stop()


@pytest.fixture(scope="session")
def chain(anvil):
    return build_chain(anvil)


@pytest.fixture(scope="session")
def node_raws(anvil, chain) -> list[bytes]:
    raws = anvil.node_raws(chain.first, chain.stop)
    assert raws == chain.sent  # the node holds exactly what was signed
    return raws


@pytest.fixture()
def scripted():
    """``scripted(handler)`` starts a :class:`ScriptedNode`; all are closed after the test."""
    nodes = []

    def start(handler) -> ScriptedNode:
        nodes.append(ScriptedNode(handler))
        return nodes[-1]
    yield start
    for node in nodes:
        node.close()


def _proxy(anvil: Anvil, alter=None, fail_first: int = 0):
    """A handler passing each request to anvil and its answer back, through ``alter(answer)``; the first
    ``fail_first`` requests get HTTP 503."""
    http = urllib3.PoolManager()
    seen = [0]

    def handler(request) -> Reply:
        seen[0] += 1
        if seen[0] <= fail_first:
            return Reply(raw=b"busy", status=503)
        body = json.loads(http.request("POST", anvil.url, json=request).data)
        return Reply(alter(body) if alter is not None else body)
    return handler


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the node's transactions, byte for byte ------------------------------------------------------------

def test_every_transaction_type_comes_back_byte_for_byte(anvil, chain, node_raws):
    assert set(chain.kinds) == KINDS
    txs = read_node(anvil.url, chain.blocks)
    assert txs.raws == node_raws
    assert txs.senders == chain.senders
    assert txs.skipped == 0


@pytest.mark.parametrize("per_request, concurrency", [(1, 1), (3, 4), (MAX_BLOCKS_PER_REQUEST, MAX_CONCURRENCY)])
def test_batching_and_concurrency_do_not_change_the_transactions(anvil, chain, node_raws, per_request, concurrency):
    txs = read_node(anvil.url, chain.blocks, blocks_per_request=per_request, concurrency=concurrency)
    assert txs.raws == node_raws


def test_every_way_of_naming_the_blocks_reads_the_same(anvil, chain, node_raws):
    n = chain.stop - chain.first
    for blocks in (range(chain.first, chain.stop), list(range(chain.first, chain.stop)),
                   f"{chain.first}:+{n}", f"{chain.first}:", f"0x{chain.first:x}:0x{chain.stop:x}"):
        assert read_node(anvil.url, blocks).raws == node_raws, blocks
    assert read_node(anvil.url, str(chain.first)).raws == node_raws[:6]  # the first block: one of each kind


def test_threads_reading_at_once_each_get_every_transaction(anvil, chain, node_raws):
    results, errors = [], []

    def work():
        try:
            results.append(read_node(anvil.url, chain.blocks, blocks_per_request=2, concurrency=2).raws)
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and results == [node_raws] * 4


def test_cli_payload_from_the_node_decodes_to_the_nodes_raw_transactions(anvil, chain, node_raws, tmp_path, capsys):
    out = tmp_path / "b.bk"
    assert main(["compress", "--rpc", anvil.url, "--blocks", chain.blocks, "-o", str(out)]) == 0
    assert batchkit.decompress(out.read_bytes()) == node_raws
    assert f"{len(node_raws)} transactions" in capsys.readouterr().err


def test_console_script_writes_the_bytes_the_api_writes(anvil, chain, node_raws):
    proc = subprocess.run([sys.executable, "-m", "batchkit", "compress", "--rpc", anvil.url, "--blocks",
                           chain.blocks, "--level", "fast", "--rpc-batch", "2", "--rpc-concurrency", "3"],
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == batchkit.compress(node_raws, level="fast", senders=chain.senders)
    assert b"\r" not in proc.stderr  # no progress bar when stderr is not a terminal


def test_estimate_and_bench_read_from_the_node(anvil, chain, node_raws, tmp_path, capsys):
    prices = node_prices(anvil.url)  # the CLI prices at the node's fees
    result = estimate(read_node(anvil.url, chain.blocks), base_fee=prices.base_fee,
                      blob_base_fee=prices.blob_base_fee)
    assert result.transactions == len(node_raws) and batchkit.decompress(result.payload) == node_raws
    assert main(["estimate", "--rpc", anvil.url, "--blocks", chain.blocks, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    report.pop("posting", None)  # the posting comparison (blob stream, per-payload blobs, OP frames) comes beside it
    assert report.pop("fee_sources")["base_fee"].startswith("the node's")
    assert report == result.comparison.to_dict()
    out = tmp_path / "bench.json"
    assert main(["bench", "--rpc", anvil.url, "--blocks", chain.blocks, "--formats", "batchkit-default,raw-zstd3",
                 "--json", str(out)]) == 0
    meta = json.loads(out.read_text())["meta"]
    blobs = chain.kinds.count("0x03")
    assert meta["txs"] == len(node_raws) - blobs and meta["left_out"] == {"type-3 blob txs": blobs}


def test_progress_bar_only_when_asked_or_on_a_terminal(anvil, chain, capsys):
    read_node(anvil.url, chain.blocks, progress=True)
    assert "block" in capsys.readouterr().err
    read_node(anvil.url, chain.blocks)  # stderr is captured here, not a terminal
    assert capsys.readouterr().err == ""


# --- what the node says no to ----------------------------------------------------------------------------

def test_a_block_beyond_the_head_is_not_found(anvil, chain, tmp_path, capsys):
    with pytest.raises(BlockNotFoundError) as caught:
        read_node(anvil.url, f"{chain.first}:{chain.stop + 5}")
    assert (caught.value.block, caught.value.head) == (chain.stop, chain.stop - 1)
    with pytest.raises(BlockNotFoundError):
        read_node(anvil.url, f"{chain.stop + 10}:")
    out = tmp_path / "b.bk"
    assert main(["compress", "--rpc", anvil.url, "--blocks", f"{chain.stop}:+1", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"block {chain.stop}: not found" in err and not out.exists()


@pytest.mark.parametrize("blocks", ["5:5", "7:3", "-1:4", "x:9", "3:+0", "", "1:2:3", "9:-2"])
def test_bad_ranges_are_input_errors_before_anything_is_sent(scripted, blocks):
    node = scripted(well_behaved())
    with pytest.raises(InputError):
        read_node(node.url, blocks)
    assert node.requests == []


@pytest.mark.parametrize("blocks", [range(5, 5), range(7, 3), range(0, 10, 2), range(-1, 3), [], [3, -1], [1.0]])
def test_bad_block_sequences_are_input_errors(scripted, blocks):
    with pytest.raises(InputError):
        read_node(scripted(well_behaved()).url, blocks)


def test_range_syntax():
    assert parse_block_range("100:200") == (100, 200)
    assert parse_block_range(" 100 : +10 ") == (100, 110)
    assert parse_block_range("0x10:0x20") == (16, 32)
    assert parse_block_range("7") == (7, 8)
    assert parse_block_range("7:") == (7, None)
    assert parse_block_range("1_000:1_001") == (1000, 1001)
    with pytest.raises(InputError, match="reversed"):
        parse_block_range("7:3")
    with pytest.raises(InputError, match="empty"):
        parse_block_range("7:7")
    with pytest.raises(InputError, match="MAX_RANGE_BLOCKS"):
        parse_block_range(f"0:{limits.MAX_RANGE_BLOCKS + 1}")
    assert parse_block_range(f"0:{limits.MAX_RANGE_BLOCKS}") == (0, limits.MAX_RANGE_BLOCKS)


def test_an_unreachable_node_is_a_clear_error_after_the_retries(capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(NodeUnreachableError) as caught:
        read_node(url, "0:10", retries=2)
    assert caught.value.attempts == 3 and caught.value.url == url and "cannot connect" in str(caught.value)
    assert main(["compress", "--rpc", url, "--blocks", "0:10"]) == 2
    lines = capsys.readouterr().err.splitlines()
    # What is retried is said as it happens; then one line of error.
    assert lines[-1].startswith(f"batchkit: error: {url}: cannot connect")
    assert len(lines) == 4 and all(f"{url}: eth_blockNumber: cannot connect" in line and "retrying in" in line
                                   for line in lines[:-1])


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "http://", 8545])  # host:port is http (test_cli_rough_edges)
def test_bad_urls_are_input_errors(url):
    with pytest.raises(InputError):
        read_node(url, "0:1")


@pytest.mark.parametrize("option", [dict(blocks_per_request=0), dict(blocks_per_request=MAX_BLOCKS_PER_REQUEST + 1),
                                    dict(concurrency=0), dict(concurrency=MAX_CONCURRENCY + 1), dict(timeout=0),
                                    dict(retries=-1), dict(blocks_per_request=True)])
def test_bad_options_are_input_errors(scripted, option):
    node = scripted(well_behaved())
    with pytest.raises(InputError):
        read_node(node.url, "0:1", **option)
    assert node.requests == []


@pytest.mark.parametrize("args, message", [
    (["compress", "x.jsonl", "--rpc", "http://127.0.0.1:1", "--blocks", "0:1"], "not both"),
    (["compress", "--rpc", "http://127.0.0.1:1"], "needs --blocks"),
    (["compress", "--blocks", "0:1"], "goes with --rpc"),
    (["compress"], "give an input file"),
    (["estimate", "x.jsonl", "--rpc", "http://127.0.0.1:1", "--blocks", "0:1"], "not both"),
    (["estimate"], "give an input file"),
    (["bench", "x.jsonl", "--rpc", "http://127.0.0.1:1", "--blocks", "0:1"], "not both"),
    (["bench", "--blocks", "0:1"], "goes with --rpc"),
])
def test_cli_input_choice_errors(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


# --- a node that answers something else than asked -------------------------------------------------------

def _blocks_answering(results):
    """A handler: eth_blockNumber says 100, each eth_getBlockByNumber is answered with ``results(number)``."""
    def handler(request) -> Reply:
        return Reply(answer(request, lambda call: "0x64" if call["method"] == "eth_blockNumber"
                            else results(int(call["params"][0], 16))))
    return handler


@pytest.mark.parametrize("reply, error, text", [
    (Reply(raw=b"<html>502 Bad Gateway</html>"), RpcResponseError, "not JSON"),
    (Reply(raw=b'[{"jsonrpc": "2.0", "id": 0, "result": {"number": "0x5", "transa'), RpcResponseError, "not JSON"),
    (Reply({"jsonrpc": "2.0", "id": 0, "error": {"code": -32005, "message": "batch too large"}}), JsonRpcError,
     "-32005: batch too large"),
    (Reply({"jsonrpc": "2.0", "id": 0, "result": {"number": "0x5"}}), RpcResponseError, "not an array"),
    (Reply([]), RpcResponseError, "2 calls asked, 0 answered"),
    (Reply([{"jsonrpc": "2.0", "id": 0, "result": None}] * 2), RpcResponseError, "answers none"),
    (Reply([{"jsonrpc": "2.0", "id": 7, "result": None}, {"jsonrpc": "2.0", "id": 0, "result": None}]),
     RpcResponseError, "answers none"),
    (Reply([{"id": 0, "result": empty_block(5)}, {"id": 1}]), RpcResponseError, "neither 'result' nor 'error'"),
    (Reply(raw=b"not found", status=404), RpcResponseError, "HTTP 404"),
    (Reply(raw=b"[" * 100_000 + b"]" * 100_000), RpcResponseError, "MAX_JSON_DEPTH"),
    (Reply(raw=b"[" * 100_000), RpcResponseError, "MAX_JSON_DEPTH"),
    (Reply(raw=b"[" + b'"]", [' * 100_000 + b"]" * 100_001), RpcResponseError, "MAX_JSON_DEPTH"),  # ] in strings
    (Reply(raw=b'[{"id": 0, "result": "a\\"]\\\\"}, ' + b"[" * 50 + b"]" * 50 + b"]"), RpcResponseError,
     "MAX_JSON_DEPTH"),  # an escaped quote and an escaped backslash before the nesting
    (Reply(raw=b'[{"jsonrpc": "2.0", "id": 0, "result": NaN}]'), RpcResponseError, "NaN is not a JSON value"),
    (Reply(raw=b"[" + b"1" * 5000 + b"]"), RpcResponseError, "not JSON"),
    (Reply(raw=b"not gzip at all", headers={"Content-Encoding": "gzip"}), RpcResponseError, "content encoding"),
])
def test_answers_that_are_not_json_rpc_blocks_are_response_errors(scripted, reply, error, text):
    node = scripted(lambda request: Reply(answer(request, lambda call: "0x64")) if not isinstance(request, list)
                    else reply)
    with pytest.raises(error, match=text):
        read_node(node.url, "5:7", blocks_per_request=2, retries=0)
    assert len(node.requests) == 2  # one eth_blockNumber, one batch: none of these is retried


@pytest.mark.parametrize("block, error, text", [
    (lambda n: empty_block(n + 1), RpcResponseError, "asked for block 5, the node answered with block 0x6"),
    (lambda n: None, BlockNotFoundError, "block 5: not found"),
    (lambda n: dict(empty_block(n), transactions=["0x" + "ab" * 32]), RpcResponseError, "transaction hashes"),
    (lambda n: dict(empty_block(n), transactions=None), RpcResponseError, "no 'transactions' list"),
    (lambda n: dict(empty_block(n), transactions=[{"type": "0x2", "nonce": "0x0"}]), RpcResponseError,
     "no hash"),
    (lambda n: "0x05", RpcResponseError, "not a block"),
    (lambda n: dict(empty_block(n), transactions=[{"hash": "0x" + "ab" * 32, "from": "0x1234"}]), RpcResponseError,
     "transaction 0: its 'from' is not an address"),
])
def test_blocks_other_than_asked_are_errors_naming_the_block(scripted, block, error, text):
    node = scripted(_blocks_answering(block))
    with pytest.raises(error, match=text) as caught:
        read_node(node.url, "5:6", retries=0)
    assert caught.value.block == 5


def test_a_json_rpc_error_object_names_the_block_and_the_code(scripted):
    def handler(request) -> Reply:
        if request["method"] == "eth_blockNumber":
            return Reply(answer(request, lambda call: "0x64"))
        return Reply({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32000, "message": "header not found"}})
    with pytest.raises(JsonRpcError) as caught:
        read_node(scripted(handler).url, "9", blocks_per_request=1)
    assert (caught.value.code, caught.value.rpc_message, caught.value.block) == (-32000, "header not found", 9)
    assert caught.value.method == "eth_getBlockByNumber"


def test_nesting_is_checked_at_max_json_depth(scripted):
    def nested(levels: int):  # the answer object is one level, its result the rest
        result = json.loads("[" * (levels - 1) + "]" * (levels - 1))
        return lambda request: Reply(answer(request, lambda call: result))
    with pytest.raises(RpcResponseError, match="did not answer with a hex block number"):
        read_node(scripted(nested(limits.MAX_JSON_DEPTH)).url, "0:1")
    with pytest.raises(RpcResponseError, match="MAX_JSON_DEPTH"):
        read_node(scripted(nested(limits.MAX_JSON_DEPTH + 1)).url, "0:1")


def test_brackets_and_escapes_inside_strings_are_not_structure(scripted):
    tricky = ['"]]]]', "{[{[", '\\"}}}', "\\", '\\\\"[']
    node = scripted(lambda request: Reply(answer(request, lambda call: "0x64" if call["method"] == "eth_blockNumber"
                                                 else dict(empty_block(5), extraData=tricky))))
    assert read_node(node.url, "5").raws == []


def test_a_head_that_is_not_a_block_number_is_a_response_error(scripted):
    node = scripted(lambda request: Reply(answer(request, lambda call: "latest")))
    with pytest.raises(RpcResponseError, match="eth_blockNumber"):
        read_node(node.url, "0:1")


def test_server_errors_are_retried_then_reported(scripted):
    node = scripted(lambda request: Reply(raw=b"overloaded", status=500))
    with pytest.raises(RpcResponseError, match="HTTP 500 after 3 attempts") as caught:
        read_node(node.url, "0:1", retries=2)
    assert caught.value.status == 500 and len(node.requests) == 3


def test_a_node_that_recovers_within_the_retries_gives_every_transaction(scripted, anvil, chain, node_raws):
    node = scripted(_proxy(anvil, fail_first=3))
    assert read_node(node.url, chain.blocks, retries=3).raws == node_raws
    assert len(node.requests) > 3


def test_a_transaction_that_does_not_match_its_hash_is_a_response_error(scripted, anvil, chain):
    def tamper(body):
        for entry in body if isinstance(body, list) else [body]:
            if isinstance(entry.get("result"), dict) and entry["result"].get("transactions"):
                tx = entry["result"]["transactions"][3]
                tx["value"] = hex(int(tx["value"], 16) + 1)
        return body
    with pytest.raises(RpcResponseError, match="does not match its hash") as caught:
        read_node(scripted(_proxy(anvil, tamper)).url, chain.blocks)
    assert (caught.value.block, caught.value.index) == (chain.first, 3)


def test_a_transaction_placed_in_another_block_is_a_response_error(scripted, anvil, chain):
    def move(body):
        for entry in body if isinstance(body, list) else [body]:
            if isinstance(entry.get("result"), dict) and entry["result"].get("transactions"):
                entry["result"]["transactions"][0]["blockNumber"] = "0x999"
        return body
    with pytest.raises(RpcResponseError, match="blockNumber"):
        read_node(scripted(_proxy(anvil, move)).url, chain.blocks)


def test_unsupported_types_raise_or_are_skipped_and_counted(scripted, anvil, chain, node_raws):
    def deposit(body):
        for entry in body if isinstance(body, list) else [body]:
            if isinstance(entry.get("result"), dict) and entry["result"].get("number") == hex(chain.first):
                entry["result"]["transactions"][1]["type"] = "0x7e"
        return body
    node = scripted(_proxy(anvil, deposit))
    with pytest.raises(UnsupportedTransactionError):
        read_node(node.url, chain.blocks, blocks_per_request=100)
    txs = read_node(node.url, chain.blocks, blocks_per_request=100, skip_unsupported=True)
    assert txs.skipped == 1 and txs.raws == node_raws[:1] + node_raws[2:]


def test_an_answer_declared_too_large_is_refused_unread(scripted):
    def handler(request) -> Reply:
        if request["method"] == "eth_blockNumber":
            return Reply(answer(request, lambda call: "0x64"))
        return Reply(raw=b"{}", headers={"Content-Length": str(limits.MAX_RESPONSE_BYTES + 1)})
    with pytest.raises(RpcResponseError, match="MAX_RESPONSE_BYTES"):
        read_node(scripted(handler).url, "1", retries=0)


def test_a_streamed_answer_is_cut_at_max_response_bytes(scripted, monkeypatch):
    limit = 5000
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", limit)

    def padded(size: int):
        def handler(request) -> Reply:
            if request["method"] == "eth_blockNumber":
                return Reply(answer(request, lambda call: "0x64"))
            body = answer(request, lambda call: dict(empty_block(1), extraData="0x"))
            pad = size - len(json.dumps(body).encode())
            body["result"]["extraData"] = "0x" + "0" * pad
            assert len(json.dumps(body).encode()) == size
            return Reply(body, chunked=True, chunk=1000)
        return handler
    assert read_node(scripted(padded(limit)).url, "1").raws == []
    with pytest.raises(RpcResponseError, match="MAX_RESPONSE_BYTES"):
        read_node(scripted(padded(limit + 1)).url, "1", retries=0)


def test_a_compressed_answer_is_cut_at_max_response_bytes_once_inflated(scripted, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 100_000)
    bomb = gzip.compress(b'{"jsonrpc": "2.0", "id": 0, "result": "0x' + b"0" * 50_000_000 + b'"}')
    node = scripted(lambda request: Reply(raw=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(RpcResponseError, match="MAX_RESPONSE_BYTES"):
        read_node(node.url, "0:1", retries=0)
    assert len(bomb) < 100_000 and node.headers[0].get("Accept-Encoding") == "gzip"


def test_a_compressed_answer_is_read(scripted):
    node = scripted(lambda request: Reply(raw=gzip.compress(json.dumps(well_behaved()(request).body).encode()),
                                          headers={"Content-Encoding": "gzip"}))
    assert read_node(node.url, "0:30").raws == []


def test_a_node_that_never_answers_times_out(scripted):
    node = scripted(lambda request: Reply(answer(request, lambda call: "0x64"), delay=30))
    with pytest.raises(NodeUnreachableError, match=r"no answer within 0.3 s \(after 2 attempts\)"):
        read_node(node.url, "0:1", timeout=0.3, retries=1)


def test_an_answer_trickling_in_is_cut_at_the_timeout(scripted):
    node = scripted(lambda request: Reply(answer(request, lambda call: "0x64"), chunked=True, chunk=1, pause=0.05))
    with pytest.raises(NodeUnreachableError, match="no answer within 0.4 s"):
        read_node(node.url, "0:1", timeout=0.4, retries=0)


def test_concurrency_and_batch_size_are_bounded(scripted):
    node = scripted(lambda request: Reply(well_behaved()(request).body, delay=0.05))
    assert read_node(node.url, "0:39", blocks_per_request=3, concurrency=3).raws == []
    batches = node.requests[1:]
    assert all(isinstance(b, list) and len(b) <= 3 for b in batches)
    assert sorted(int(call["params"][0], 16) for b in batches for call in b) == list(range(39))
    assert 2 <= node.peak <= 3


def test_one_block_per_request_sends_plain_requests(scripted):
    node = scripted(well_behaved())
    read_node(node.url, "0:5", blocks_per_request=1)
    assert all(isinstance(r, dict) for r in node.requests) and len(node.requests) == 6


def test_credentials_go_to_the_node_but_never_into_errors(scripted):
    node = scripted(lambda request: Reply(raw=b"no", status=403))
    with pytest.raises(RpcError) as caught:
        read_node(f"http://alice:s3cret@127.0.0.1:{node.url.rsplit(':', 1)[1]}/v3/KEY123", "0:1")
    text = str(caught.value)
    assert "127.0.0.1" in text and not any(s in text for s in ("alice", "s3cret", "KEY123"))
    headers = {k.lower(): v for k, v in node.headers[0].items()}
    assert headers["authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode()


_SCALAR = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8)
           | st.sampled_from(["0x5", "0x", "-0x1", "0x2", "0x" + "ab" * 32, "0x" + "11" * 20, "0x7e"]))
_JSON = _SCALAR | st.recursive(_SCALAR, lambda inner: st.lists(inner, min_size=1, max_size=3)
                               | st.dictionaries(st.text(max_size=5), inner, min_size=1, max_size=3), max_leaves=6)
_TX_KEYS = st.sampled_from(["hash", "type", "nonce", "from", "to", "input", "r", "s", "v", "yParity", "gas",
                            "blockNumber", "transactionIndex", "accessList", "authorizationList", "chainId"])
_BLOCKS = _JSON | st.fixed_dictionaries(
    {"number": st.just("0x5") | _JSON,
     "transactions": st.lists(st.dictionaries(_TX_KEYS, _JSON, max_size=8) | _JSON, max_size=3) | _JSON})


@pytest.fixture(scope="module")
def garbage_node():
    """A node whose answer to eth_getBlockByNumber is ``garbage_node.reply``."""
    holder: list[Reply] = [Reply()]

    def handler(request) -> Reply:
        if isinstance(request, dict) and request.get("method") == "eth_blockNumber":
            return Reply(answer(request, lambda call: "0x64"))
        return holder[0]
    node = ScriptedNode(handler)
    node.reply = holder
    yield node
    node.close()


@settings(max_examples=150, deadline=None)
@given(answer_=st.one_of(st.binary(max_size=64).map(lambda raw: ("raw", raw)), _BLOCKS.map(lambda b: ("block", b)),
                         _JSON.map(lambda body: ("body", body))))
def test_any_answer_gives_transactions_or_a_batchkit_error(garbage_node, answer_):
    kind, value = answer_
    garbage_node.reply[0] = (Reply(raw=value) if kind == "raw" else Reply(body=value) if kind == "body"
                             else Reply(body={"jsonrpc": "2.0", "id": 0, "result": value}))
    try:
        read_node(garbage_node.url, "5", retries=0)
    except BatchkitError:
        pass


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab\u00e9'), max_size=6)


@settings(max_examples=300, deadline=None)
@given(value=st.recursive(st.none() | st.integers() | _TEXT, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=20),
       limit=st.integers(0, 8), ascii_only=st.booleans())
def test_the_nesting_check_agrees_with_the_decoded_depth(value, limit, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert _nests_at_most(text, limit) == (_depth(value) <= limit)
