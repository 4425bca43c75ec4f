"""A real anvil node for the JSON-RPC tests: started on 127.0.0.1 with a port the OS picks, and a chain of
real signed transactions of every type batchkit carries, mined into blocks.

anvil comes from the npm package ``@foundry-rs/anvil-linux-amd64`` (``bash .ci/install-anvil`` puts it in
``.ci/node/node_modules``); ``$BATCHKIT_ANVIL`` or an ``anvil`` on ``PATH`` are used too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import rlp
import urllib3
from eth_account import Account
from eth_utils import to_checksum_address

from batchkit.l1 import blob
from batchkit.tx import keccak256

REPO = Path(__file__).resolve().parents[1]
INSTALL_COMMAND = "bash .ci/install-anvil"
NOT_INSTALLED = (f"anvil is not installed: `{INSTALL_COMMAND}` installs it (npm package "
                 "@foundry-rs/anvil-linux-amd64 into .ci/node), or set BATCHKIT_ANVIL to its path")
START_TIMEOUT = 30.0
GWEI = 10**9


def require_anvil() -> str:
    """anvil's path; where it is absent the test skips with the install command, or fails where
    ``BATCHKIT_REQUIRE_ANVIL=1`` (``.ci/run``) says the node tests must run."""
    import pytest

    binary = anvil_binary()
    if binary is None:
        if os.environ.get("BATCHKIT_REQUIRE_ANVIL") == "1":
            pytest.fail(NOT_INSTALLED)
        pytest.skip(NOT_INSTALLED)
    return binary


def anvil_binary() -> str | None:
    for candidate in (os.environ.get("BATCHKIT_ANVIL"), str(REPO / ".ci/node/node_modules/.bin/anvil"),
                      shutil.which("anvil")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Anvil:
    """A running anvil process (``--no-mining``: blocks are mined with :meth:`mine`; ``--order fifo``:
    a block holds its transactions in the order they were sent)."""

    def __init__(self, binary: str, workdir: Path, args: tuple[str, ...] = ("--no-mining", "--order", "fifo")):
        """``args``: anvil's options besides host, port and config (the poster tests pass ``--hardfork``)."""
        self.log_path = workdir / "anvil.log"
        config = workdir / "anvil.json"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", *args, "--config-out", str(config)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        port = None
        while port is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"anvil did not start: {self.log_path.read_text(errors='replace')[-2000:]}")
            found = re.search(rb"Listening on 127\.0\.0\.1:(\d+)", self.log_path.read_bytes())
            if found and config.exists():
                port = int(found.group(1))
            else:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}"
        settings = json.loads(config.read_text())
        self.keys = settings["private_keys"]
        self.addresses = [to_checksum_address(a) for a in settings["available_accounts"]]
        self._http = urllib3.PoolManager()
        self.chain_id = int(self.call("eth_chainId"), 16)

    def call(self, method: str, *params):
        response = self._http.request("POST", self.url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                              "params": list(params)}, timeout=30)
        answer = json.loads(response.data)
        if "error" in answer:
            raise RuntimeError(f"anvil {method}: {answer['error']}")
        return answer["result"]

    def mine(self, sent: list[str]) -> int:
        """Mine one block and check that it holds exactly the transactions ``sent``, in that order."""
        self.call("evm_mine")
        block = self.call("eth_getBlockByNumber", "latest", False)
        assert block["transactions"] == sent, f"anvil mined {block['transactions']}, not {sent}"
        return int(block["number"], 16)

    def node_raws(self, first: int, stop: int) -> list[bytes]:
        """The node's own raw transactions of blocks ``first`` to ``stop - 1`` (eth_getRawTransactionByHash),
        in canonical form: anvil answers a blob transaction in its network form (with the sidecar), whose
        first RLP item is the canonical transaction. Each is checked against the block's hash here."""
        raws = []
        for number in range(first, stop):
            for tx_hash in self.call("eth_getBlockByNumber", hex(number), False)["transactions"]:
                raw = bytes.fromhex(self.call("eth_getRawTransactionByHash", tx_hash)[2:])
                if raw[0] == 3 and isinstance(rlp.decode(raw[1:])[0], list):
                    raw = b"\x03" + rlp.encode(rlp.decode(raw[1:])[0])
                assert "0x" + keccak256(raw).hex() == tx_hash
                raws.append(raw)
        return raws

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@dataclass
class Chain:
    """What was mined: blocks ``first`` to ``stop - 1``, and what each transaction is."""
    first: int
    stop: int
    kinds: list[str]
    """One per transaction in block order: legacy-155, legacy-unprotected, 0x01 ... 0x04."""
    senders: list[bytes]
    sent: list[bytes]
    """What was signed (blob transactions without their sidecar: the form a block holds)."""

    @property
    def blocks(self) -> str:
        return f"{self.first}:{self.stop}"


def _blob(seed: int) -> bytes:
    """A blob whose field elements are all below the BLS modulus (top byte zero)."""
    out = bytearray(4096 * 32)
    for i in range(0, 4096, 7):
        out[i * 32 + 1:i * 32 + 32] = keccak256(bytes([seed]) + i.to_bytes(2, "big"))[:31]
    return bytes(out)


def _with_sidecar(raw: bytes, blobs: list[bytes], commitments: list[bytes]) -> bytes:
    """The EIP-4844 network form of a signed blob transaction: ``0x03 || rlp([tx, blobs, commitments,
    proofs])``. (eth-account builds it too, but loads the KZG trusted setup three times per transaction,
    seconds each; batchkit.l1.blob keeps it loaded.)"""
    proofs = [blob.proof(b, c) for b, c in zip(blobs, commitments)]
    return b"\x03" + rlp.encode([rlp.decode(raw[1:]), list(blobs), commitments, proofs])


def build_chain(node: Anvil) -> Chain:
    """Blocks with every type batchkit carries, an empty block, and busier blocks of consecutive nonces."""
    keys, addrs, chain_id = node.keys, node.addresses, node.chain_id
    nonces = [0] * len(keys)
    kinds: list[str] = []
    senders: list[bytes] = []
    sent: list[bytes] = []
    fee = dict(maxFeePerGas=20 * GWEI, maxPriorityFeePerGas=GWEI)

    def sign(kind: str, k: int, tx: dict, blobs: list[bytes] = ()) -> str:
        tx = {key: value for key, value in tx.items() if value is not None} | {"nonce": nonces[k]}
        if kind != "legacy-unprotected":
            tx["chainId"] = chain_id
        if blobs:
            commitments = [blob.commitment(b) for b in blobs]
            tx["blobVersionedHashes"] = [blob.versioned_hash(c) for c in commitments]
        raw = bytes(Account.sign_transaction(tx, keys[k]).raw_transaction)
        nonces[k] += 1
        network = _with_sidecar(raw, blobs, commitments) if blobs else raw
        tx_hash = node.call("eth_sendRawTransaction", "0x" + network.hex())
        kinds.append(kind)
        senders.append(bytes.fromhex(addrs[k][2:]))
        sent.append(raw)
        return tx_hash

    def auth(k: int, target: str) -> object:
        signed = Account.sign_authorization({"chainId": chain_id, "address": target, "nonce": nonces[k]}, keys[k])
        nonces[k] += 1  # a valid authorization bumps the authority's nonce
        return signed

    to = addrs[9]
    # One block with one of each kind.
    hashes = [
        sign("legacy-155", 0, dict(gasPrice=20 * GWEI, gas=21000, to=to, value=1, data=b"")),
        sign("legacy-unprotected", 1, dict(gasPrice=20 * GWEI, gas=100000, to=None, value=0,
                                           data=bytes.fromhex("600a600c600039600a6000f3602a60005260206000f3"))),
        sign("0x01", 2, dict(type=1, gasPrice=20 * GWEI, gas=60000, to=to, value=3, data=b"\x01\x02",
                             accessList=[{"address": addrs[8], "storageKeys": ["0x" + "00" * 31 + "01",
                                                                               "0x" + "ab" * 32]},
                                         {"address": addrs[7], "storageKeys": []}])),
        sign("0x02", 3, dict(type=2, gas=50000, to=to, value=4, data=b"\xa9\x05\x9c\xbb" + bytes(64), **fee)),
        sign("0x03", 4, dict(type=3, gas=21000, to=to, value=0, data=b"", maxFeePerBlobGas=20 * GWEI, **fee),
             blobs=[_blob(1), _blob(2)]),
        sign("0x04", 5, dict(type=4, gas=120000, to=addrs[5], value=0, data=b"",
                             authorizationList=[auth(6, addrs[8]), auth(7, addrs[8])], **fee)),
    ]
    first = node.mine(hashes)
    node.mine([])  # an empty block
    # Busier blocks: several senders with runs of consecutive nonces, types mixed.
    for b in range(6):
        hashes = []
        for k in range(4):
            for j in range(2 + (b + k) % 4):
                i = len(kinds)
                if (b + j) % 3 == 0:
                    hashes.append(sign("legacy-155", k, dict(gasPrice=20 * GWEI, gas=30000, to=addrs[(k + j) % 10],
                                                             value=i, data=bytes([i % 256]) * (i % 40))))
                elif (b + j) % 3 == 1:
                    hashes.append(sign("0x02", k, dict(type=2, gas=60000, to=addrs[(k + 3) % 10], value=10**15 + i,
                                                       data=b"\xa9\x05\x9c\xbb" + bytes(12) + bytes.fromhex(
                                                           addrs[j][2:]) + i.to_bytes(32, "big"), **fee)))
                else:
                    hashes.append(sign("0x01", k, dict(type=1, gasPrice=20 * GWEI, gas=60000, to=to, value=i,
                                                       data=b"", accessList=[{"address": addrs[j],
                                                                              "storageKeys": []}])))
        if b == 3:
            hashes.append(sign("0x03", 4, dict(type=3, gas=30000, to=to, value=0, data=b"\x00\x01",
                                               maxFeePerBlobGas=20 * GWEI, **fee), blobs=[_blob(3)]))
            hashes.append(sign("0x04", 5, dict(type=4, gas=80000, to=to, value=5, data=b"",
                                               authorizationList=[auth(8, addrs[1])], **fee)))
        stop = node.mine(hashes) + 1
    return Chain(first, stop, kinds, senders, sent)
