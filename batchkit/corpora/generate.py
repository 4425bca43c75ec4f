"""Synthetic but realistic batches of signed transactions, deterministic from a seed.

The mix imitates Ethereum mainnet: mostly EIP-1559 (0x02), about 30% legacy (a few of them pre-EIP-155),
and a little of 0x01, blob (0x03, canonical form: versioned hashes, no sidecar) and EIP-7702 set-code
(0x04) transactions. Activity: ETH transfers, ERC-20 transfers and approvals (eth-abi encoded, over a
fixed set of real token contracts with their decimals), Uniswap-v2 ``swapExactTokensForTokens`` and
v3 ``exactInputSingle`` swaps, contract creations, other contract calls. Senders follow a Zipf-like
activity curve, each with consecutive nonces; fees and values are drawn the way wallets set them
(round tips, a few significant digits).

Same seed, same bytes, on every run and platform: all choices come from ``random.Random(seed)``, keys
are derived from the seed with keccak, and libsecp256k1 signs deterministically (RFC 6979).

Example::

    >>> from batchkit.corpora import generate_batch
    >>> batch = generate_batch(2000, seed=1)
    >>> batch[0].raw[:1], len(batch[0].sender)      # doctest: +SKIP
    (b'\\x02', 20)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import math
import random
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

import rlp
from coincurve import PrivateKey
from eth_abi import encode as abi_encode

from ..errors import InputError
from ..tx import (AccessListEntry, AccessListTx, Authorization, BlobTx, DynamicFeeTx, LegacyTx,
                         SetCodeTx, keccak256)

GWEI = 10**9
ETHER = 10**18
MAX_U256 = 2**256 - 1
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True, slots=True)
class GeneratedTx:
    raw: bytes
    """The signed transaction in its network form."""
    sender: bytes
    """20-byte address of the key that signed it."""

    @property
    def hash(self) -> bytes:
        return keccak256(self.raw)


def _addr(hex_address: str) -> bytes:
    return bytes.fromhex(hex_address.removeprefix("0x"))


#: (address, decimals, typical whole-token amount scale as a power of ten) of 30 mainnet tokens.
TOKENS: tuple[tuple[bytes, int, int], ...] = tuple((_addr(a), d, s) for a, d, s in (
    ("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", 18, 0),   # WETH
    ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6, 3),    # USDC
    ("0xdAC17F958D2ee523a2206206994597C13D831ec7", 6, 3),    # USDT
    ("0x6B175474E89094C44Da98b954EedeAC495271d0F", 18, 3),   # DAI
    ("0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", 8, -1),   # WBTC
    ("0x514910771AF9Ca656af840dff83E8264EcF986CA", 18, 2),   # LINK
    ("0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984", 18, 2),   # UNI
    ("0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9", 18, 1),   # AAVE
    ("0x9f8F72aA9304c8B593d555F12eF6589cC3A579A2", 18, 0),   # MKR
    ("0x95aD61b0a150d79219dCF64E1E6Cc01f0B64C4cE", 18, 8),   # SHIB
    ("0x6982508145454Ce325dDbE47a25d4ec3d2311933", 18, 9),   # PEPE
    ("0x7D1AfA7B718fb893dB30A3aBc0Cfc608AaCfeBB0", 18, 3),   # MATIC
    ("0xD533a949740bb3306d119CC777fa900bA034cd52", 18, 3),   # CRV
    ("0x5A98FcBEA516Cf06857215779Fd812CA3beF1B32", 18, 3),   # LDO
    ("0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84", 18, 0),   # stETH
    ("0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0", 18, 0),   # wstETH
    ("0x6B3595068778DD592e39A122f4f5a5cF09C90fE2", 18, 3),   # SUSHI
    ("0xc00e94Cb662C3520282E6f5717214004A7f26888", 18, 1),   # COMP
    ("0xC011a73ee8576Fb46F5E1c5751cA3B9Fe0af2a6F", 18, 2),   # SNX
    ("0x111111111117dC0aa78b770fA6A738034120C302", 18, 3),   # 1INCH
    ("0x4d224452801ACEd8B2F0aebE155379bb5D594381", 18, 2),   # APE
    ("0xC18360217D8F7Ab5e7c516566761Ea12Ce7F9D72", 18, 2),   # ENS
    ("0xc944E90C64B2c07662A292be6244BDf05Cda44a7", 18, 4),   # GRT
    ("0x0D8775F648430679A709E98d2b0Cb6250d2887EF", 18, 4),   # BAT
    ("0x853d955aCEf822Db058eb8505911ED77F175b99e", 18, 3),   # FRAX
    ("0xD33526068D116cE69F19A9ee46F0bd304F21A51f", 18, 2),   # RPL
    ("0xae78736Cd615f374D3085123A210448E74Fc6393", 18, 0),   # rETH
    ("0xBe9895146f7AF43049ca1c1AE358B0541Ea49704", 18, 0),   # cbETH
    ("0xB50721BCf8d664c30412Cfbc6cf7a15145234ad1", 18, 3),   # ARB
    ("0x4Fabb145d64652a948d72533023f6E7A623C7C53", 18, 3),   # BUSD
))

UNISWAP_V2_ROUTER = _addr("0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D")
UNISWAP_V3_ROUTER = _addr("0xE592427A0AEce92De3Edee1F18E0157C05861564")
SPENDERS = (UNISWAP_V2_ROUTER, UNISWAP_V3_ROUTER, _addr("0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"),
            _addr("0x000000000022D473030F116dDEE9F6B43aC78BA3"), _addr("0x1111111254EEB25477B68fb85Ed929f73A960582"))
#: Exchange hot wallets and the like: popular recipients of ETH and token transfers.
HOT_WALLETS = tuple(_addr(a) for a in (
    "0x28C6c06298d514Db089934071355E5743bf21d60", "0x21a31Ee1afC51d94C2eFcCAa2092aD1028285549",
    "0xDFd5293D8e347dFe59E90eFd55b2956a1343963d", "0x974CaA59e49682CdA0AD2bbe82983419A2ECC400",
    "0x3cD751E6b0078Be393132286c442345e5DC49699", "0x56Eddb7aa87536c09CCc2793473599fD21A8b17F",
))
#: Rollup batcher inboxes (the ``to`` of blob transactions).
BLOB_INBOXES = tuple(_addr(a) for a in (
    "0xFF00000000000000000000000000000000000010", "0xff00000000000000000000000000000000008453",
    "0x1c479675ad559DC151F6Ec7ed3FbF8ceE79582B6", "0xa13BAF47339d63B743e7Da8741db5456DAc1E556",
))
#: Contracts EOAs delegate to with EIP-7702.
DELEGATES = tuple(_addr(a) for a in (
    "0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B", "0x000000009B1D0aF20D8C6d0A44e162d11F9b8f00",
    "0x5A7FC11397E9a8AD41BF10bf13F22B0a63f96f6d",
))


def _selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


TRANSFER = _selector("transfer(address,uint256)")
APPROVE = _selector("approve(address,uint256)")
SWAP_V2 = _selector("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)")
SWAP_V3 = _selector("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))")
EXECUTE = _selector("execute((address,uint256,bytes)[])")
OTHER_SELECTORS = tuple(_selector(s) for s in (
    "deposit()", "withdraw(uint256)", "claim()", "mint(uint256)", "stake(uint256)", "multicall(bytes[])",
    "setApprovalForAll(address,bool)", "safeTransferFrom(address,address,uint256)",
    "commit(bytes32)", "register(string,address,uint256,bytes32)",
))

#: Transaction type mix (type, share). ``None`` is legacy without EIP-155 replay protection.
TYPE_MIX = ((0x02, 0.655), (0x00, 0.29), (None, 0.01), (0x01, 0.015), (0x03, 0.015), (0x04, 0.015))
#: Activity mix for non-blob transactions.
ACTIVITY_MIX = (("eth", 0.36), ("erc20", 0.24), ("approve", 0.07), ("swap_v2", 0.09), ("swap_v3", 0.10),
                ("create", 0.02), ("call", 0.12))
ROUND_TIPS_GWEI = (0.01, 0.05, 0.1, 0.5, 1, 1, 1.5, 2, 2)


def _cum(mix):
    return [k for k, _ in mix], list(accumulate(w for _, w in mix))


_TYPES, _TYPE_CUM = _cum(TYPE_MIX)
_ACTIVITIES, _ACTIVITY_CUM = _cum(ACTIVITY_MIX)


class _Account:
    __slots__ = ("key", "address", "nonce")

    def __init__(self, secret: bytes, nonce: int):
        self.key = PrivateKey(secret)
        self.address = keccak256(self.key.public_key.format(compressed=False)[1:])[12:]
        self.nonce = nonce


def _secret(seed: int, i: int) -> bytes:
    """A valid secp256k1 secret derived from the seed (keccak until it lands in [1, n-1])."""
    counter = 0
    while True:
        digest = keccak256(b"batchkit-corpora/key" + seed.to_bytes(16, "big", signed=True)
                           + i.to_bytes(8, "big") + counter.to_bytes(4, "big"))
        if 0 < int.from_bytes(digest, "big") < _SECP256K1_N:
            return digest
        counter += 1


def _sign(key: PrivateKey, message_hash: bytes) -> tuple[int, int, int]:
    sig = key.sign_recoverable(message_hash, hasher=None)
    return sig[64], int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")


def _round_sig(rng: random.Random, value: float, digits: int) -> int:
    """``value`` rounded to ``digits`` significant digits, as an integer."""
    if value < 1:
        return max(1, round(value))
    scale = 10 ** max(0, int(math.log10(value)) + 1 - digits)
    return max(1, round(value / scale) * scale)


class _Generator:
    def __init__(self, n: int, seed: int, chain_id: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.chain_id = chain_id
        rng = self.rng
        n_senders = max(4, int(n * 2.5))
        # Zipf-like activity: weight 1 / rank^0.6, so a few bots send many txs and most senders one
        # (about 70% of senders distinct over 2,000 txs, as in consecutive mainnet blocks).
        self.sender_cum = list(accumulate(1 / (rank ** 0.6) for rank in range(1, n_senders + 1)))
        self.start_nonces = [int(10 ** rng.uniform(0, 5.5)) if rng.random() < 0.9 else rng.randrange(4)
                             for _ in range(n_senders)]
        self.accounts: dict[int, _Account] = {}
        self.recipients = [rng.randbytes(20) for _ in range(max(8, n // 2))]
        self.base_fee = int(10 ** rng.uniform(math.log10(5), math.log10(30)) * GWEI)

    # --- draws -----------------------------------------------------------------------------------

    def account(self, i: int) -> _Account:
        account = self.accounts.get(i)
        if account is None:
            account = self.accounts[i] = _Account(_secret(self.seed, i), self.start_nonces[i])
        return account

    def sender(self) -> _Account:
        i = bisect_left(self.sender_cum, self.rng.random() * self.sender_cum[-1])
        return self.account(min(i, len(self.sender_cum) - 1))

    def recipient(self) -> bytes:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice(HOT_WALLETS)
        if r < 0.35:
            return self.account(self.rng.randrange(len(self.sender_cum))).address
        return self.rng.choice(self.recipients)

    def eth_value(self) -> int:
        rng = self.rng
        if rng.random() < 0.15:  # a whole-balance sweep: full precision
            return rng.randrange(10**15, 5 * 10**18)
        return _round_sig(rng, 10 ** rng.uniform(-3.5, 1.5) * ETHER, rng.choice((1, 1, 2, 2, 3, 4)))

    def token_amount(self, decimals: int, scale: int) -> int:
        rng = self.rng
        whole = 10 ** (scale + rng.uniform(-1.5, 1.5))
        if rng.random() < 0.3:  # amounts quoted by a DEX or a balance: full precision
            return max(1, int(whole * 10**decimals * rng.uniform(0.5, 1.5)))
        return _round_sig(rng, whole * 10**decimals, rng.choice((1, 2, 2, 3, 4, 6)))

    def tip(self) -> int:
        rng = self.rng
        if rng.random() < 0.8:
            return int(rng.choice(ROUND_TIPS_GWEI) * GWEI)
        return rng.randrange(GWEI // 100, 2 * GWEI)

    def fees(self) -> tuple[int, int]:
        """(max priority fee, max fee) as wallets set them."""
        rng = self.rng
        self.base_fee = max(GWEI, int(self.base_fee * rng.uniform(0.985, 1.015)))
        tip = self.tip()
        r = rng.random()
        if r < 0.5:
            max_fee = 2 * self.base_fee + tip
        elif r < 0.8:
            max_fee = (int(self.base_fee * rng.uniform(1.1, 1.6)) // GWEI + 1) * GWEI + tip
        else:
            max_fee = _round_sig(rng, self.base_fee * rng.uniform(1.2, 3), 2)
        return tip, max(max_fee, tip)

    def gas_price(self) -> int:
        rng = self.rng
        price = self.base_fee + self.tip()
        return (price // GWEI + 1) * GWEI if rng.random() < 0.6 else _round_sig(rng, price, rng.choice((2, 3, 9)))

    def gas_limit(self, estimate: int) -> int:
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return int(estimate * rng.uniform(1.0, 1.5))
        if r < 0.8:
            return _round_sig(rng, estimate * rng.uniform(1.1, 2), 2)
        return estimate + rng.randrange(0, 20000)

    def access_list(self, targets: list[bytes]) -> tuple[AccessListEntry, ...]:
        rng = self.rng
        entries = []
        for address in targets[:rng.randint(1, 3)]:
            keys = tuple(keccak256(address + rng.randbytes(8)) for _ in range(rng.choice((0, 1, 1, 2, 3, 5))))
            entries.append(AccessListEntry(address, keys))
        return tuple(entries)

    # --- activities: (to, value, data, gas estimate, contracts touched) ----------------------------

    def activity(self, sender: _Account, kind: str) -> tuple[bytes | None, int, bytes, int, list[bytes]]:
        rng = self.rng
        if kind == "eth":
            return self.recipient(), self.eth_value(), b"", 21000, []
        if kind in ("erc20", "approve"):
            token, decimals, scale = rng.choice(TOKENS)
            if kind == "erc20":
                args = abi_encode(["address", "uint256"], [self.recipient(), self.token_amount(decimals, scale)])
                return token, 0, TRANSFER + args, rng.choice((34_000, 46_000, 51_000, 63_000)), [token]
            amount = MAX_U256 if rng.random() < 0.6 else self.token_amount(decimals, scale)
            args = abi_encode(["address", "uint256"], [rng.choice(SPENDERS), amount])
            return token, 0, APPROVE + args, 46_000, [token]
        deadline = 1_700_000_000 + rng.randrange(0, 60_000_000)
        if kind == "swap_v2":
            hops = rng.choice((2, 2, 2, 3))
            path = [t[0] for t in rng.sample(TOKENS, hops)]
            decimals_in, scale_in = next((d, s) for a, d, s in TOKENS if a == path[0])
            amount_in = self.token_amount(decimals_in, scale_in)
            amount_out_min = rng.randrange(0, 2**96)
            args = abi_encode(["uint256", "uint256", "address[]", "address", "uint256"],
                              [amount_in, amount_out_min, path, sender.address, deadline])
            return UNISWAP_V2_ROUTER, 0, SWAP_V2 + args, 110_000 + 60_000 * hops, [UNISWAP_V2_ROUTER] + path
        if kind == "swap_v3":
            (token_in, decimals, scale), (token_out, _, _) = rng.sample(TOKENS, 2)
            params = (token_in, token_out, rng.choice((100, 500, 3000, 10000)), sender.address, deadline,
                      self.token_amount(decimals, scale), rng.randrange(0, 2**96), 0)
            args = abi_encode(["(address,address,uint24,address,uint256,uint256,uint256,uint160)"], [params])
            return UNISWAP_V3_ROUTER, 0, SWAP_V3 + args, 180_000, [UNISWAP_V3_ROUTER, token_in, token_out]
        if kind == "create":
            return None, 0, self.bytecode(), 1_200_000, []
        # another contract call: a selector and a few ABI words, some of them addresses or small numbers
        words = []
        for _ in range(rng.choice((0, 1, 1, 2, 3, 4, 6, 9)) if rng.random() < 0.85 else rng.randint(10, 150)):
            r = rng.random()
            if r < 0.4:
                words.append(bytes(12) + self.recipient())
            elif r < 0.8:
                words.append(rng.randrange(0, 10**rng.randint(1, 24)).to_bytes(32, "big"))
            else:
                words.append(rng.randbytes(32))
        to = rng.choice(self.recipients[: max(4, len(self.recipients) // 8)])
        value = self.eth_value() if rng.random() < 0.2 else 0
        return to, value, rng.choice(OTHER_SELECTORS) + b"".join(words), 90_000, [to]

    def bytecode(self) -> bytes:
        """Init code that looks like solc output: the usual prologue, PUSH4 selectors, jumps, and a tail."""
        rng = self.rng
        parts = [bytes.fromhex("6080604052348015600f57600080fd5b50")]
        for _ in range(rng.randint(10, 120)):
            r = rng.random()
            if r < 0.3:
                parts.append(b"\x80\x63" + rng.randbytes(4) + b"\x14\x61" + rng.randbytes(2) + b"\x57")
            elif r < 0.6:
                parts.append(bytes(rng.choice((0x60, 0x61, 0x80, 0x81, 0x90, 0x91, 0x52, 0x51, 0x56, 0x5b, 0x01,
                                               0x03, 0x15, 0x16, 0x35, 0x36, 0x54, 0x55, 0xf3)) for _ in range(16)))
            else:
                parts.append(b"\x73" + rng.randbytes(20) if rng.random() < 0.2 else b"\x60" + rng.randbytes(1))
        parts.append(bytes.fromhex("a264697066735822") + rng.randbytes(34) + bytes.fromhex("64736f6c63430008"))
        parts.append(bytes([rng.randint(4, 28)]) + b"\x00\x33")
        return b"".join(parts)

    # --- one transaction ---------------------------------------------------------------------------

    def transaction(self) -> GeneratedTx:
        rng = self.rng
        chain_id = self.chain_id
        sender = self.sender()
        nonce = sender.nonce
        sender.nonce += 1
        tx_type = _TYPES[bisect_left(_TYPE_CUM, rng.random() * _TYPE_CUM[-1])]
        if tx_type == 0x03:
            tip, max_fee = self.fees()
            hashes = tuple(b"\x01" + hashlib.sha256(rng.randbytes(48)).digest()[1:]
                           for _ in range(rng.choice((1, 2, 3, 5, 6))))
            tx = BlobTx(chain_id, nonce, tip, max_fee, 21000, rng.choice(BLOB_INBOXES), 0, b"", (),
                        _round_sig(rng, 10 ** rng.uniform(0, 10), 1), hashes, 0, 0, 0)
        elif tx_type == 0x04:
            tip, max_fee = self.fees()
            sponsored = rng.random() < 0.3
            authority = self.account(rng.randrange(len(self.sender_cum))) if sponsored else sender
            # Authorizations are checked after the tx's own nonce bump, so a self-sponsored one names
            # nonce + 1 (``sender.nonce`` already is).
            auth_nonce = authority.nonce
            auth_chain = 0 if rng.random() < 0.1 else chain_id
            delegate = rng.choice(DELEGATES)
            y, r, s = _sign(authority.key, keccak256(b"\x05" + rlp.encode([auth_chain, delegate, auth_nonce])))
            authority.nonce += 1
            to, value, data, estimate, _ = self.activity(sender, "call")
            calls = abi_encode(["(address,uint256,bytes)[]"], [[(to, value, data)]])
            tx = SetCodeTx(chain_id, nonce, tip, max_fee, self.gas_limit(estimate + 25_000 + 12_500),
                           authority.address, 0, EXECUTE + calls, (),
                           (Authorization(auth_chain, delegate, auth_nonce, y, r, s),), 0, 0, 0)
        else:
            kind = _ACTIVITIES[bisect_left(_ACTIVITY_CUM, rng.random() * _ACTIVITY_CUM[-1])]
            to, value, data, estimate, touched = self.activity(sender, kind)
            gas = 21000 if kind == "eth" and rng.random() < 0.85 else self.gas_limit(estimate)
            if tx_type == 0x02:
                tip, max_fee = self.fees()
                access = self.access_list(touched) if touched and rng.random() < 0.05 else ()
                tx = DynamicFeeTx(chain_id, nonce, tip, max_fee, gas, to, value, data, access, 0, 0, 0)
            elif tx_type == 0x01:
                access = self.access_list(touched or [self.recipient()])
                tx = AccessListTx(chain_id, nonce, self.gas_price(), gas, to, value, data, access, 0, 0, 0)
            else:
                v = 27 if tx_type is None else chain_id * 2 + 35
                tx = LegacyTx(nonce, self.gas_price(), gas, to, value, data, v, 0, 0)
        y, r, s = _sign(sender.key, tx.signing_hash())
        if isinstance(tx, LegacyTx):
            tx = dataclasses.replace(tx, v=tx.v + y, r=r, s=s)
        else:
            tx = dataclasses.replace(tx, y_parity=y, r=r, s=s)
        return GeneratedTx(tx.encode(), sender.address)


def generate_batch(n: int, *, seed: int = 0, chain_id: int = 1) -> list[GeneratedTx]:
    """Return ``n`` signed transactions, each with the address of the key that signed it.

    Deterministic: the same ``(n, seed, chain_id)`` gives the same bytes on every run, and a batch is a
    prefix of any longer batch with the same seed only by accident (the sender table scales with ``n``).
    A 2,000-transaction batch holds every type (legacy pre- and post-EIP-155, 0x01, 0x02, 0x03, 0x04).
    """
    if n < 0:
        raise InputError(f"n must not be negative, not {n}")
    if chain_id < 1:
        raise InputError(f"chain_id must be positive, not {chain_id}")
    generator = _Generator(n, seed, chain_id)
    return [generator.transaction() for _ in range(n)]


def jsonl_records(batch, chain_id: int, block_size: int, first: int):
    """JSONL lines of ``batch`` in the shared corpus shape, numbered from transaction ``first``."""
    for j, tx in enumerate(batch):
        i = first + j
        record = {"chain": "synthetic", "chain_id": chain_id, "block": 1 + i // block_size,
                  "index": i % block_size, "raw": "0x" + tx.raw.hex(), "hash": "0x" + tx.hash.hex(),
                  "from": "0x" + tx.sender.hex()}
        yield json.dumps(record, separators=(",", ":")) + "\n"


def write_jsonl_shard(job: tuple) -> str:
    """Worker: one shard ``(path, n, seed, chain_id, block_size, first)`` written atomically; returns its path."""
    path, n, seed, chain_id, block_size, first = job
    batch = generate_batch(n, seed=seed, chain_id=chain_id)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(jsonl_records(batch, chain_id, block_size, first))
    os.replace(tmp, path)
    return path
