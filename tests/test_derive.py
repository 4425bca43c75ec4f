"""The deriver against a real anvil (``--hardfork osaka``): blob transactions in the version-1 network form (cell
proofs) and calldata frames sent by a batcher to an inbox, with a second account sending garbage to the same
inbox, derived back through the JSON-RPC and the Beacon API; reorgs by ``anvil_reorg``; a beacon node that
tampers with a blob, or answers with something other than blobs, played by a real HTTP proxy in front of anvil.

The payloads are a v2 stream of real transactions (``ethereum-mainnet-recent.jsonl``, type-3 left out) laid into
a blob stream by :class:`~batchkit.l1.blobstream.BlobStreamEncoder`. Tests skip, naming the install command,
only where anvil is absent (``BATCHKIT_REQUIRE_ANVIL=1`` makes that a failure).
"""

from __future__ import annotations

import functools
import http.server
import json
import socket
import threading
from dataclasses import dataclass, field

import pytest
import rlp
import urllib3
from eth_account import Account
from eth_utils import to_checksum_address

import batchkit
from batchkit.cli import main
from batchkit.errors import BeaconResponseError, BlockNotFoundError, InputError, NodeUnreachableError
from batchkit.l1 import blob
from batchkit.l1.blobstream import BlobStreamEncoder
from batchkit.l1.calldata import frame
from batchkit.l1.derive import Deriver, DerivedTx, Position, Reorg
from batchkit.tx import keccak256

from anvil import Anvil, require_anvil

GWEI = 10**9
INBOX = to_checksum_address("0x00000000000000000000000000000000000ff1ce")
FEES = dict(maxFeePerGas=100 * GWEI, maxPriorityFeePerGas=GWEI)


def _start_anvil(tmp_path_factory) -> Anvil:
    binary = require_anvil()
    return Anvil(binary, tmp_path_factory.mktemp("anvil"), ("--no-mining", "--order", "fifo", "--hardfork", "osaka"))


@functools.lru_cache(maxsize=64)
def _kzg(b: bytes) -> tuple[bytes, tuple[bytes, ...]]:
    """The commitment and the 128 cell proofs of blob ``b`` (the tests post the same blobs on several nodes)."""
    import ckzg
    cells_and_proofs = ckzg.compute_cells_and_kzg_proofs(b, blob._trusted_setup())
    return blob.commitment(b), tuple(bytes(p) for p in cells_and_proofs[1])


def network_form_v1(raw: bytes, blobs: list[bytes]) -> bytes:
    """``0x03 || rlp([tx_payload_body, 1, blobs, commitments, cell_proofs])`` (EIP-7594), written here apart
    from the Poster's (batchkit.l1.sidecar) so that each checks the other against anvil."""
    kzg = [_kzg(b) for b in blobs]
    return b"\x03" + rlp.encode([rlp.decode(raw[1:]), 1, list(blobs), [c for c, _ in kzg],
                                 [p for _, proofs in kzg for p in proofs]])


class Sender:
    """An anvil dev account sending to the inbox: blob transactions and calldata, nonces counted here."""

    def __init__(self, node: Anvil, k: int):
        self.node, self.key, self.address = node, node.keys[k], node.addresses[k]
        self.nonce = int(node.call("eth_getTransactionCount", self.address, "pending"), 16)

    def _send(self, tx: dict, blobs: list[bytes] = ()) -> tuple[str, bytes]:
        tx = tx | {"chainId": self.node.chain_id, "nonce": self.nonce, "to": INBOX, "value": 0}
        raw = bytes(Account.sign_transaction(tx, self.key).raw_transaction)
        network = network_form_v1(raw, list(blobs)) if blobs else raw
        self.nonce += 1
        return self.node.call("eth_sendRawTransaction", "0x" + network.hex()), network

    def blob_tx(self, blobs: list[bytes]) -> tuple[str, bytes]:
        hashes = [blob.versioned_hash(_kzg(b)[0]) for b in blobs]
        return self._send(dict(type=3, gas=21000, data=b"", maxFeePerBlobGas=100 * GWEI,
                               blobVersionedHashes=hashes, **FEES), blobs)

    def calldata_tx(self, data: bytes) -> tuple[str, bytes]:
        return self._send(dict(type=2, gas=21000 + 40 * len(data), data=data, **FEES))


def garbage_blob(seed: int) -> bytes:
    out = bytearray(blob.BLOB_SIZE)
    for i in range(0, 4096, 3):
        out[i * 32 + 1:i * 32 + 32] = keccak256(bytes([seed]) + i.to_bytes(2, "big"))[:31]
    return bytes(out)


@dataclass
class Posted:
    """What was posted: the payloads' transactions, where each payload completed on L1, block by block."""

    node: Anvil
    batcher: str
    hostile: str
    first: int
    stop: int
    payload_txs: list[list[bytes]]
    origins: list[tuple[int, str, int | None]] = field(default_factory=list)
    """Per payload: the L1 block, transaction hash and blob index where it completed."""
    sent: dict[int, list[bytes]] = field(default_factory=dict)
    """Per L1 block, the batcher's network-form transactions (to send them again after a reorg)."""

    def expected(self, from_block: int = 0) -> list[bytes]:
        return [keccak256(r) for txs, o in zip(self.payload_txs, self.origins) if o[0] >= from_block for r in txs]

    def block_of(self, payload: int) -> int:
        return self.origins[payload][0]


def post_stream(node: Anvil, raws: list[bytes]) -> Posted:
    """Twelve payloads of a v2 stream (a keyframe every 4) put on L1 in seven blocks: blobs (one payload spans
    two full blobs), calldata frames between them, garbage from another account and a corrupt frame from the
    batcher; the blob stream flushed before each calldata payload, as a batcher does when it switches."""
    sizes = [40, 60, 30, 1400, 50, 45, 35, 40, 50, 30, 60, 40]
    batches, at = [], 0
    for n in sizes:
        batches.append(raws[at:at + n])
        at += n
    enc = batchkit.StreamEncoder(keyframe_every=4)
    payloads = [enc.compress(b) for b in batches]
    assert blob.blobs_needed(len(payloads[3])) >= 2
    batcher, hostile = Sender(node, 0), Sender(node, 1)
    node.call("anvil_setBlockTimestampInterval", 12)  # one block per 12-second slot, as on mainnet
    stream = BlobStreamEncoder()
    posted = Posted(node, batcher.address, hostile.address, 0, 0, batches, [None] * len(payloads))
    # Per block: ("blobs", payloads, flush) | ("calldata", payload) | ("garbage",) | ("corrupt frame",)
    plan = [
        [("blobs", [0, 1]), ("garbage",)],
        [("calldata", 2)],
        [("blobs", [3]), ("blobs", [4])],
        [("corrupt frame",), ("blobs", [5, 6]), ("garbage",)],
        [],
        [("calldata", 7), ("blobs", [8])],
        [("blobs", [9, 10, 11]), ("garbage",)],
    ]
    first = None
    in_stream: list[int] = []
    for step in plan:
        sent: list[tuple[str, bytes]] = []
        completes: list[tuple[int, int, int | None]] = []  # payload, index in `sent`, blob index
        for action in step:
            if action[0] == "blobs":
                sblobs = []
                for p in action[1]:
                    in_stream.append(p)  # calldata payloads are not in the blob stream: its indexes differ
                    sblobs += stream.add(payloads[p])
                sblobs += stream.flush()
                for j, sb in enumerate(sblobs):
                    for piece in sb.layout.pieces:
                        if piece.ends:
                            completes.append((in_stream[piece.payload], len(sent), j))
                sent.append(batcher.blob_tx([sb.blob for sb in sblobs]))
            elif action[0] == "calldata":
                (f,) = frame(payloads[action[1]])
                completes.append((action[1], len(sent), None))
                sent.append(batcher.calldata_tx(f))
            elif action[0] == "garbage":
                hostile.blob_tx([garbage_blob(hostile.nonce)])
                hostile.calldata_tx(b"\x01" + payloads[0][:100])  # a frame of the batcher's bytes, cut
            elif action[0] == "corrupt frame":
                sent.append(batcher.calldata_tx(b"\x01" + b"BK" + bytes(200)))
        node.call("evm_mine")
        block = node.call("eth_getBlockByNumber", "latest", False)
        number = int(block["number"], 16)
        first = number if first is None else first
        assert all(h in block["transactions"] for h, _ in sent)
        posted.sent[number] = [raw for _, raw in sent]
        for p, i, j in completes:
            posted.origins[p] = (number, sent[i][0], j)
    posted.first, posted.stop = first, number + 1
    return posted


@pytest.fixture(scope="module")
def corpus_raws_no_blobs(mainnet_raws) -> list[bytes]:
    return [r for r in mainnet_raws if r[0] != 3][:2000]


@pytest.fixture(scope="module")
def posted(tmp_path_factory, corpus_raws_no_blobs):
    node = _start_anvil(tmp_path_factory)
    try:
        yield post_stream(node, corpus_raws_no_blobs)
    finally:
        node.stop()


def derive_all(deriver: Deriver, start, stop=None, **kw) -> list:
    return list(deriver.derive(start, stop, **kw))


def apply(items: list) -> list[DerivedTx]:
    """What a consumer keeps: a Reorg drops what came from the removed blocks."""
    kept: list[DerivedTx] = []
    for item in items:
        if isinstance(item, Reorg):
            kept = [t for t in kept if t.origin.block_number < item.removed_from]
        else:
            kept.append(item)
    return kept


def _deriver(posted: Posted, beacon: str | None = None, **kw) -> Deriver:
    return Deriver(posted.node.url, beacon or posted.node.url, INBOX, posted.batcher, **kw)


# ------------------------------------------------------------------------------------------------ the API

def test_derives_every_transaction_in_order_with_its_l1_origin(posted):
    with _deriver(posted) as d:
        items = derive_all(d, posted.first, posted.stop)
    assert [t.hash for t in items] == posted.expected()
    assert all(isinstance(t, DerivedTx) and t.hash == keccak256(t.raw) for t in items)
    at = 0
    for txs, (number, tx_hash, blob_index) in zip(posted.payload_txs, posted.origins):
        for t in items[at:at + len(txs)]:
            assert (t.origin.block_number, t.origin.tx_hash, t.origin.blob_index) == (number, tx_hash, blob_index)
            assert t.origin.block_hash == posted.node.call("eth_getBlockByNumber", hex(number), False)["hash"]
        at += len(txs)
    # The second account's blobs and calldata to the inbox, and the batcher's corrupt frame: skipped, counted.
    assert d.stats.skipped == {"other sender": 6, "corrupt payload": 1}
    assert (d.stats.payloads, d.stats.l2_txs) == (12, len(items))
    assert d.beacon.mode == "number"  # anvil has no /eth/v1/config/spec
    assert d.position.block_number == posted.stop - 1


def test_blocks_by_hash_root_mode_is_refused_on_anvil_with_a_clear_error(posted):
    # anvil's parentBeaconBlockRoot is zero: asking the beacon route for it is a 404, one clear error.
    with _deriver(posted, block_id="root") as d, pytest.raises(BeaconResponseError, match="404"):
        derive_all(d, posted.first, posted.stop)


def test_start_mid_way_finds_the_keyframe_before_it(posted):
    start = posted.block_of(7)  # payload 7 (calldata) continues the segment of keyframe 4, two blocks back
    with _deriver(posted) as d:
        items = derive_all(d, start, posted.stop)
    assert [t.hash for t in items] == posted.expected(from_block=start)
    assert items and items[0].origin.block_number == start
    with _deriver(posted, lookback=0) as d:  # told the stream begins there: payload 7 has no parent
        items = derive_all(d, start, posted.stop)
    assert [t.hash for t in items] == [h for h in posted.expected(from_block=start)
                                       if h not in {keccak256(r) for r in posted.payload_txs[7]}]
    assert d.stats.skipped["before keyframe"] == 1


def test_resume_from_a_saved_position_gives_the_rest(posted):
    middle = posted.block_of(4)
    with _deriver(posted) as d:
        head = derive_all(d, posted.first, middle)
        saved = Position.from_dict(json.loads(json.dumps(d.position.to_dict())))
    assert saved.block_number == middle - 1
    with _deriver(posted) as d:
        assert derive_all(d, saved, middle) == []  # nothing after the saved position in that range
        rest = derive_all(d, saved, posted.stop)
    assert [t.hash for t in head + rest] == posted.expected()


class _Beacon(http.server.ThreadingHTTPServer):
    """A real HTTP server in front of anvil's beacon routes; ``alter(path, content_type, body)`` may change
    each answer."""

    def __init__(self, upstream: str, alter):
        http_pool = urllib3.PoolManager()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                r = http_pool.request("GET", upstream + self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
                content_type = r.headers.get("Content-Type", "application/json")
                status, content_type, body = alter(self.path, r.status, content_type, r.data)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def _tamper(target: bytes):
    """Flip one bit of blob ``target`` wherever it appears (JSON or SSZ); the blob stays canonical."""
    def alter(path, status, content_type, body):
        if "/blobs/" not in path or status != 200:
            return status, content_type, body
        if content_type.startswith("application/octet-stream"):
            blobs = [body[i:i + blob.BLOB_SIZE] for i in range(0, len(body), blob.BLOB_SIZE)]
        else:
            blobs = [bytes.fromhex(b[2:]) for b in json.loads(body)["data"]]
        blobs = [b[:40] + bytes([b[40] ^ 1]) + b[41:] if b == target else b for b in blobs]
        if content_type.startswith("application/octet-stream"):
            return status, content_type, b"".join(blobs)
        return status, content_type, json.dumps({"data": ["0x" + b.hex() for b in blobs]}).encode()
    return alter


def _blob_of(posted: Posted, payload: int) -> bytes:
    number, tx_hash, j = posted.origins[payload]
    http_pool = urllib3.PoolManager()
    r = http_pool.request("GET", f"{posted.node.url}/eth/v1/beacon/blobs/{number}",
                          headers={"Accept": "application/octet-stream"})
    tx = posted.node.call("eth_getTransactionByHash", tx_hash)
    wanted = bytes.fromhex(tx["blobVersionedHashes"][j][2:])
    for i in range(0, len(r.data), blob.BLOB_SIZE):
        b = r.data[i:i + blob.BLOB_SIZE]
        if blob.versioned_hash(blob.commitment(b)) == wanted:
            return b
    raise AssertionError("blob not found")


@pytest.mark.parametrize("ssz", [True, False], ids=["ssz", "json"])
def test_a_blob_that_does_not_match_its_hash_is_skipped_never_decoded(posted, ssz):
    # Payloads 5 and 6 share one blob: the beacon node serves it with one bit flipped. Both are lost; payload
    # 7 (calldata) names 6 as its parent and is skipped; the stream comes back at keyframe 8.
    with _Beacon(posted.node.url, _tamper(_blob_of(posted, 5))) as beacon, _deriver(posted, beacon.url) as d:
        d.beacon.ssz = ssz
        items = derive_all(d, posted.first, posted.stop)
    lost = {keccak256(r) for p in (5, 6, 7) for r in posted.payload_txs[p]}
    assert [t.hash for t in items] == [h for h in posted.expected() if h not in lost]
    assert d.stats.skipped["blob hash mismatch"] == 1
    assert d.stats.skipped["parent missing"] == 1   # payload 7
    assert d.stats.skipped["missing blob"] == 1     # the next stream blob after the gap: resynced there


def test_slot_block_ids_from_genesis_and_seconds_per_slot(posted):
    """A beacon node that serves /eth/v1/config/spec (a real one, played by a proxy in front of anvil): the
    deriver names blocks by slot, (timestamp - genesis_time) // SECONDS_PER_SLOT; the proxy answers a slot
    with the blobs of the anvil block of that slot, and 404 for any other id."""
    genesis = int(posted.node.call("eth_getBlockByNumber", "0x0", False)["timestamp"], 16) - 24
    seconds = 12
    slots = {}
    for n in range(posted.first, posted.stop):
        ts = int(posted.node.call("eth_getBlockByNumber", hex(n), False)["timestamp"], 16)
        slots.setdefault(str((ts - genesis) // seconds), n)
    asked = []
    http_pool = urllib3.PoolManager()

    def alter(path, status, content_type, body):
        if path.startswith("/eth/v1/config/spec"):
            return 200, "application/json", json.dumps({"data": {"SECONDS_PER_SLOT": str(seconds)}}).encode()
        if path.startswith("/eth/v1/beacon/genesis"):
            return 200, "application/json", json.dumps({"data": {"genesis_time": str(genesis)}}).encode()
        if path.startswith("/eth/v1/beacon/blobs/"):
            block_id, _, query = path.removeprefix("/eth/v1/beacon/blobs/").partition("?")
            asked.append(block_id)
            if block_id not in slots:
                return 404, "application/json", b'{"code": 404, "message": "no such slot"}'
            r = http_pool.request("GET", f"{posted.node.url}/eth/v1/beacon/blobs/{slots[block_id]}?{query}")
            return r.status, r.headers["Content-Type"], r.data
        return status, content_type, body

    assert len(slots) == posted.stop - posted.first
    with _Beacon(posted.node.url, alter) as beacon, _deriver(posted, beacon.url) as d:
        items = derive_all(d, posted.first, posted.stop)
    assert d.beacon.mode == "slot"
    assert [t.hash for t in items] == posted.expected()
    assert asked and all(a in slots for a in asked)


class _Rpc(http.server.ThreadingHTTPServer):
    """A real JSON-RPC server in front of anvil that gives every block a ``parentBeaconBlockRoot`` of its own
    (anvil's are zero): ``root_of(n)`` is the root of the beacon block of execution block ``n``."""

    def __init__(self, upstream: str):
        http_pool = urllib3.PoolManager()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = json.loads(http_pool.request("POST", upstream, body=body,
                                                      headers={"Content-Type": "application/json"}).data)
                for entry in answer if isinstance(answer, list) else [answer]:
                    block = entry.get("result")
                    if isinstance(block, dict) and "parentBeaconBlockRoot" in block:
                        block["parentBeaconBlockRoot"] = _Rpc.root_of(int(block["number"], 16) - 1)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @staticmethod
    def root_of(number: int) -> str:
        return "0x" + keccak256(b"beacon block of %d" % number).hex()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def test_root_block_ids_from_the_next_blocks_parent_beacon_block_root(posted):
    """block_id 'root': the blobs of block n are asked by the parentBeaconBlockRoot of block n + 1 (the L1 node
    and the beacon node are proxies in front of anvil that give each block a root of its own)."""
    roots = {_Rpc.root_of(n): n for n in range(posted.first, posted.stop + 1)}
    asked = []
    http_pool = urllib3.PoolManager()

    def alter(path, status, content_type, body):
        if path.startswith("/eth/v1/beacon/blobs/"):
            block_id, _, query = path.removeprefix("/eth/v1/beacon/blobs/").partition("?")
            asked.append(block_id)
            if block_id not in roots:
                return 404, "application/json", b'{"code": 404, "message": "no such block"}'
            r = http_pool.request("GET", f"{posted.node.url}/eth/v1/beacon/blobs/{roots[block_id]}?{query}")
            return r.status, r.headers["Content-Type"], r.data
        return status, content_type, body

    stop = posted.stop - 1  # the blobs of a block are found through the block after it: the head's are not yet
    with _Rpc(posted.node.url) as rpc, _Beacon(posted.node.url, alter) as beacon, \
            Deriver(rpc.url, beacon.url, INBOX, posted.batcher, block_id="root") as d:
        items = derive_all(d, posted.first, stop)
    assert [t.hash for t in items] == [keccak256(r) for txs, o in zip(posted.payload_txs, posted.origins)
                                       if o[0] < stop for r in txs]
    assert asked and all(roots[a] < stop for a in asked)


# ------------------------------------------------------------------------------------------------ bad input

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_beacon_node_is_one_clear_error(posted):
    with Deriver(posted.node.url, f"http://127.0.0.1:{_free_port()}", INBOX, posted.batcher, retries=0) as d:
        with pytest.raises(NodeUnreachableError, match="cannot connect"):
            derive_all(d, posted.first, posted.stop)


def test_a_range_past_the_head_is_one_clear_error(posted):
    with _deriver(posted) as d, pytest.raises(BlockNotFoundError, match="latest block is"):
        derive_all(d, posted.first, posted.stop + 5)


@pytest.mark.parametrize("answer, match", [
    ({"data": ["0x1234"]}, "is not a blob"),
    ({"data": []}, "the node sent 0"),
    ({"nope": 1}, "no 'data' list"),
    (b"\x00" * 1000, "not a list of 131072-byte blobs"),
    (b"\x00" * blob.BLOB_SIZE * 7, "the node sent 7"),
    ("<html>bad gateway</html>", "not JSON"),
])
def test_a_beacon_answer_that_is_not_the_blobs_is_one_clear_error(posted, answer, match):
    def alter(path, status, content_type, body):
        if "/blobs/" in path:
            if isinstance(answer, bytes):
                return 200, "application/octet-stream", answer
            return 200, "application/json", (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        return status, content_type, body
    with _Beacon(posted.node.url, alter) as beacon, _deriver(posted, beacon.url) as d:
        with pytest.raises(BeaconResponseError, match=match):
            derive_all(d, posted.first, posted.stop)


def test_a_beacon_answer_over_the_size_limit_is_refused(posted, monkeypatch):
    from batchkit import limits
    monkeypatch.setattr(limits, "MAX_BEACON_RESPONSE_BYTES", 100_000)  # less than one blob
    with _deriver(posted) as d, pytest.raises(BeaconResponseError, match="MAX_BEACON_RESPONSE_BYTES"):
        derive_all(d, posted.first, posted.stop)


def test_bad_arguments_are_input_errors(posted):
    for kw in ({"inbox": "0x12"}, {"batcher": "nope"}):
        args = dict(inbox=INBOX, batcher=posted.batcher) | kw
        with pytest.raises(InputError):
            Deriver(posted.node.url, posted.node.url, args["inbox"], args["batcher"])
    with pytest.raises(InputError):
        Deriver(posted.node.url, "ftp://x", INBOX, posted.batcher)
    with pytest.raises(InputError):
        Deriver(posted.node.url, posted.node.url, INBOX, posted.batcher, block_id="hash")


# ------------------------------------------------------------------------------------------------ reorgs

def test_a_reorg_mid_derivation_replaces_what_came_from_the_removed_blocks(tmp_path_factory, corpus_raws_no_blobs):
    node = _start_anvil(tmp_path_factory)
    try:
        p = post_stream(node, corpus_raws_no_blobs)
        cut = p.block_of(4)  # blocks from the one that completed payload 4 on are replaced
        depth = p.stop - cut
        with _deriver(p, blocks_per_request=1, poll_seconds=0.05) as d:
            gen = d.derive(p.first, p.stop + depth, follow=True)
            items = []
            for item in gen:
                items.append(item)
                if isinstance(item, DerivedTx) and item.origin.block_number == cut:
                    break
            # Block `cut` was derived; anvil replaces it and the blocks after it with empty blocks, and the
            # batcher sends again what those blocks held, in as many new blocks.
            node.call("anvil_reorg", depth, [])
            for number in range(cut, p.stop):
                for raw in p.sent[number]:
                    node.call("eth_sendRawTransaction", "0x" + raw.hex())
                node.call("evm_mine")
            items += list(gen)
        reorgs = [i for i in items if isinstance(i, Reorg)]
        assert [(r.removed_from, r.ancestor) for r in reorgs] == [(cut, cut - 1)]
        kept = apply(items)
        assert [t.hash for t in kept] == p.expected()
        assert all(t.origin.block_number >= p.stop for t in kept if t.origin.block_number >= cut)
        assert d.stats.reorgs == 1
        # Resuming from a position saved before the reorg sees it too.
    finally:
        node.stop()


def test_resume_after_a_reorg_that_happened_while_stopped(tmp_path_factory, corpus_raws_no_blobs):
    node = _start_anvil(tmp_path_factory)
    try:
        p = post_stream(node, corpus_raws_no_blobs)
        with _deriver(p) as d:
            items = derive_all(d, p.first, p.stop)
            saved = d.position
        cut = p.block_of(9)
        node.call("anvil_reorg", p.stop - cut, [])
        for raw in p.sent[cut]:
            node.call("eth_sendRawTransaction", "0x" + raw.hex())
        node.call("evm_mine")
        with _deriver(p) as d:
            more = derive_all(d, saved)
        assert isinstance(more[0], Reorg) and (more[0].removed_from, more[0].ancestor) == (cut, cut - 1)
        assert [t.hash for t in apply(items + more)] == p.expected()
    finally:
        node.stop()


# ------------------------------------------------------------------------------------------------ the CLI

def _cli(posted: Posted, *extra: str) -> list[str]:
    return ["derive", "--l1", posted.node.url, "--inbox", INBOX, "--batcher", posted.batcher, *extra]


def test_cli_writes_decompress_records_with_the_origin(posted, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main(_cli(posted, "--blocks", f"{posted.first}:{posted.stop}", "-o", str(out))) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [bytes.fromhex(r["hash"][2:]) for r in records] == posted.expected()
    assert all(keccak256(bytes.fromhex(r["raw"][2:])).hex() == r["hash"][2:] for r in records)
    first = records[0]
    assert (first["l1_block"], first["l1_tx"], first["blob_index"]) == posted.origins[0]
    err = capsys.readouterr().err
    assert "12 payloads" in err and "6 other sender" in err


def test_cli_state_file_resumes_and_appends(posted, tmp_path):
    out, state = tmp_path / "out.jsonl", tmp_path / "state.json"
    middle = posted.block_of(6)
    assert main(_cli(posted, "--blocks", f"{posted.first}:{middle}", "-o", str(out), "--state", str(state))) == 0
    assert json.loads(state.read_text())["block"] == middle - 1
    # Killed after writing a later block's records and before saving the position: they come again.
    last = json.loads(out.read_text().splitlines()[-1])
    with out.open("a") as f:
        f.write(json.dumps(last | {"l1_block": middle}) + "\n")
    assert main(_cli(posted, "--blocks", f"{posted.first}:{posted.stop}", "-o", str(out),
                     "--state", str(state))) == 0
    hashes = [bytes.fromhex(json.loads(line)["hash"][2:]) for line in out.read_text().splitlines()]
    assert hashes == posted.expected()


@pytest.mark.parametrize("extra, match", [
    (("--blocks", "1:100000"), "latest block is"),
    (("--blocks", "1:2", "--beacon", "http://127.0.0.1:1"), "cannot connect"),
    (("--blocks", "x"), "not a block number"),
    (("--blocks", "1:2", "--inbox", "0x12"), "the inbox is not an address"),
])
def test_cli_bad_input_one_line_no_file(posted, tmp_path, capsys, extra, match):
    out = tmp_path / "out.jsonl"
    argv = _cli(posted, *extra, "-o", str(out))
    assert main(argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert not out.exists()


# ------------------------------------------------------------------------------------------------ with the Poster
#
# End to end: batchkit's own Poster (batchkit.l1.poster) puts the recent mainnet corpus on L1 as a blob stream
# while blocks are mined every MINE_SECONDS, a second account sends garbage to the inbox between the batcher's
# transactions, and `batchkit derive --follow` runs as a real process beside them; then the whole range is
# derived again through the API, and from mid-way.

MINE_SECONDS = 0.25


class Miner:
    """Mines a block every ``interval`` seconds on a thread until stopped; ``hostile``, if given, sends a
    garbage blob transaction and a garbage calldata transaction to the inbox before every third block."""

    def __init__(self, node: Anvil, interval: float = MINE_SECONDS, hostile: Sender | None = None):
        self.node, self.interval, self.hostile = node, interval, hostile
        self.garbage = 0
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        i = 0
        while not self._stop.wait(self.interval):
            try:
                if self.hostile is not None and i % 3 == 0 and self.error is None:
                    self.hostile.blob_tx([garbage_blob(i % 256)])
                    self.hostile.calldata_tx(b"\x01" + keccak256(bytes([i % 256])) * 8)
                    self.garbage += 2
                self.node.call("evm_mine")
            except BaseException as exc:  # noqa: BLE001 - raised by stop(); mining goes on so no one waits forever
                self.error = self.error or exc
            i += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        self.node.call("evm_mine")  # whatever the last round sent
        if self.error is not None:
            raise self.error


def _bounded(target, seconds: float):
    """Run ``target()`` on a thread; its result, or its exception, or a failure after ``seconds``."""
    box: dict = {}

    def run():
        try:
            box["result"] = target()
        except BaseException as exc:  # noqa: BLE001 - raised below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"not done within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def _signer(node: Anvil, k: int = 0):
    from batchkit.l1.keys import Signer
    return Signer(bytes.fromhex(node.keys[k][2:]))


@dataclass
class PosterRun:
    node: Anvil
    batcher: str
    first: int
    stop: int
    hashes: list[bytes]
    garbage: int
    follow_output: str
    follow_exit: int
    follow_err: str


@pytest.fixture(scope="module")
def poster_run(tmp_path_factory, mainnet_raws):
    import signal
    import subprocess
    import sys
    import time
    from batchkit.l1.poster import Poster

    txs = [r for r in mainnet_raws if r[0] != 3]
    node = _start_anvil(tmp_path_factory)
    work = tmp_path_factory.mktemp("follow")
    try:
        signer = _signer(node)
        first = int(node.call("eth_blockNumber"), 16) + 1
        out = work / "follow.jsonl"
        follower = subprocess.Popen(
            [sys.executable, "-m", "batchkit", "derive", "--l1", node.url, "--inbox", INBOX, "--batcher",
             signer.address, "--blocks", f"{first}:", "--follow", "--poll", "0.1", "-o", str(out)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            miner = Miner(node, hostile=Sender(node, 1))
            try:
                with Poster(node.url, INBOX, signer=signer, da="blobs", confirmations=1, poll=0.05) as poster:
                    summary = _bounded(lambda: poster.run(txs), 600)
            finally:
                miner.stop()
            assert summary.l2_txs == len(txs) and summary.blobs >= 10
            stop = int(node.call("eth_blockNumber"), 16) + 1
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and follower.poll() is None:
                if out.exists() and out.read_bytes().count(b"\n") >= len(txs):
                    break
                time.sleep(0.2)
            time.sleep(1.0)  # a reorg or a duplicate would show by now
        finally:
            if follower.poll() is None:
                follower.send_signal(signal.SIGINT)
            try:
                _, err = follower.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                follower.kill()
                _, err = follower.communicate()
        yield PosterRun(node, signer.address, first, stop, [keccak256(r) for r in txs], miner.garbage,
                        out.read_text() if out.exists() else "", follower.returncode, err.decode())
    finally:
        node.stop()


def test_poster_to_deriver_the_same_hashes_in_the_same_order(poster_run):
    with Deriver(poster_run.node.url, poster_run.node.url, INBOX, poster_run.batcher) as d:
        items = derive_all(d, poster_run.first, poster_run.stop)
    assert [t.hash for t in items] == poster_run.hashes
    # The second account's garbage between the batcher's transactions: every one skipped, nothing else.
    assert poster_run.garbage > 0 and d.stats.skipped == {"other sender": poster_run.garbage}
    assert d.stats.reorgs == 0 and d.stats.blobs >= 10


def test_follow_while_the_poster_runs_writes_every_transaction_once(poster_run):
    assert poster_run.follow_exit == 0, poster_run.follow_err
    records = [json.loads(line) for line in poster_run.follow_output.splitlines()]
    assert [bytes.fromhex(r["hash"][2:]) for r in records] == poster_run.hashes
    assert all(poster_run.first <= r["l1_block"] < poster_run.stop for r in records)


def test_poster_stream_derived_from_mid_way(poster_run):
    with Deriver(poster_run.node.url, poster_run.node.url, INBOX, poster_run.batcher) as d:
        full = derive_all(d, poster_run.first, poster_run.stop)
    blocks = sorted({t.origin.block_number for t in full})
    start = blocks[len(blocks) // 2]   # a block where a payload completes, segments begun long before
    with Deriver(poster_run.node.url, poster_run.node.url, INBOX, poster_run.batcher) as d:
        rest = derive_all(d, start, poster_run.stop)
    assert rest and [t.hash for t in rest] == [t.hash for t in full if t.origin.block_number >= start]
    assert d.stats.skipped.get("before keyframe", 0) == 0


def test_poster_with_a_reorg_mid_posting_derives_the_same(tmp_path_factory, mainnet_raws):
    """anvil_reorg drops the block holding one of the poster's transactions after the deriver (following)
    derived it: the poster sends it again, the deriver replaces what it took from the removed block."""
    import time
    from batchkit.l1.poster import Poster

    txs = [r for r in mainnet_raws if r[0] != 3][:3000]
    node = _start_anvil(tmp_path_factory)
    try:
        signer = _signer(node)
        first = int(node.call("eth_blockNumber"), 16) + 1
        posting_error: list[BaseException] = []

        def post():
            try:
                with Poster(node.url, INBOX, signer=signer, da="blobs", confirmations=3, poll=0.05,
                            batch_bytes=150_000, blobs_per_tx=1) as poster:
                    poster.run(txs)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                posting_error.append(exc)

        items: list = []
        stopping = threading.Event()
        deriver = Deriver(node.url, node.url, INBOX, signer.address, blocks_per_request=1, poll_seconds=0.05)

        class Stop(Exception):
            pass

        def on_block(position):
            if stopping.is_set():
                raise Stop

        def follow():
            try:
                for item in deriver.derive(first, follow=True, on_block=on_block):
                    items.append(item)
            except Stop:
                pass

        poster_thread = threading.Thread(target=post, daemon=True)
        follower = threading.Thread(target=follow, daemon=True)
        poster_thread.start()
        follower.start()
        reorged_at = None
        deadline = time.monotonic() + 300
        while poster_thread.is_alive() and time.monotonic() < deadline:
            time.sleep(MINE_SECONDS)
            node.call("evm_mine")
            if reorged_at is None:
                block = node.call("eth_getBlockByNumber", "latest", True)
                ours = [t for t in block["transactions"] if t["from"].lower() == signer.address.lower()]
                number = int(block["number"], 16)
                if ours and number > first + 2:
                    wait = time.monotonic() + 30
                    while (deriver.position is None or deriver.position.block_number < number) \
                            and time.monotonic() < wait:
                        time.sleep(0.05)
                    assert deriver.position.block_number >= number
                    node.call("anvil_reorg", 1, [])
                    reorged_at = number
        poster_thread.join(10)
        assert not poster_thread.is_alive() and not posting_error, posting_error
        for _ in range(3):
            node.call("evm_mine")
        head = int(node.call("eth_blockNumber"), 16)
        wait = time.monotonic() + 60
        while (deriver.position is None or deriver.position.block_number < head) and time.monotonic() < wait:
            time.sleep(0.05)
        stopping.set()
        node.call("evm_mine")
        follower.join(30)
        assert reorged_at is not None
        reorgs = [i for i in items if isinstance(i, Reorg)]
        assert [r.removed_from for r in reorgs] == [reorged_at]
        assert [t.hash for t in apply(items)] == [keccak256(r) for r in txs]
        deriver.close()
    finally:
        node.stop()


def test_a_validity_profile_stream_derives_to_sender_and_unsigned_records(tmp_path_factory, tmp_path,
                                                                          corpus_raws_no_blobs):
    node = _start_anvil(tmp_path_factory)
    try:
        batches = [corpus_raws_no_blobs[:30], corpus_raws_no_blobs[30:70]]
        enc = batchkit.StreamEncoder(profile="validity", keyframe_every=4)
        payloads = [enc.compress(b) for b in batches]
        batcher = Sender(node, 0)
        first = int(node.call("eth_blockNumber"), 16) + 1
        batcher.calldata_tx(frame(payloads[0])[0])
        stream = BlobStreamEncoder()
        batcher.blob_tx([b.blob for b in stream.add(payloads[1]) + stream.flush()])
        node.call("evm_mine")
        expected = [r for txs in _decode_stream(payloads) for r in txs]
        with Deriver(node.url, node.url, INBOX, batcher.address) as d:
            items = derive_all(d, first, first + 1)
        assert [t.raw for t in items] == expected
        assert all(t.hash == keccak256(t.raw.unsigned) for t in items)
        out = tmp_path / "v.jsonl"
        assert main(["derive", "--l1", node.url, "--inbox", INBOX, "--batcher", batcher.address,
                     "--blocks", str(first), "-o", str(out)]) == 0
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert [(r["sender"], r["signing_hash"]) for r in records] == \
            [("0x" + t.raw.sender.hex(), "0x" + t.hash.hex()) for t in items]
        assert [r["blob_index"] for r in records] == [None] * len(batches[0]) + [0] * len(batches[1])
    finally:
        node.stop()


def _decode_stream(payloads: list[bytes]) -> list[list]:
    dec = batchkit.StreamDecoder()
    return [dec.decompress(p) for p in payloads]
