"""``batchkit estimate``: what posting a batch costs, as calldata and as blobs.

The input is a transactions file (any shape :func:`batchkit.inputs.read_transactions` reads) or a batchkit
payload (starts with ``BK``), which is decoded to count its transactions and costed as it is. Transactions
are compressed at ``--level`` (senders recovered from the signatures unless the input carries them), then
:func:`batchkit.cost.compare` prices the payload with the given fees.
"""

from __future__ import annotations

import json
import sys

from . import cost
from .errors import InputError
from .format import v1

__all__ = ["main_estimate", "estimate_input"]


def _read_bytes(path: str) -> bytes:
    from .limits import MAX_PAYLOAD_BYTES
    from .inputs import MAX_INPUT_BYTES
    cap = max(MAX_PAYLOAD_BYTES, MAX_INPUT_BYTES)
    if path == "-":
        return sys.stdin.buffer.read(cap + 1)
    with open(path, "rb") as f:
        return f.read(cap + 1)


def estimate_input(args) -> tuple[bytes, int, int, cost.Comparison]:
    """(payload, transactions, skipped, comparison) for the CLI arguments ``args``."""
    base_fee = cost.parse_wei(args.base_fee)
    blob_base_fee = None if args.blob_base_fee is None else cost.parse_wei(args.blob_base_fee)
    data = _read_bytes(args.input)
    skipped = 0
    if data[:2] == v1.MAGIC:
        payload = data
        n = len(v1.decode(payload).txs)
    else:
        import io
        from .api import compress
        from .inputs import read_transactions
        txs = read_transactions(io.BytesIO(data), skip_unsupported=args.skip_unsupported)
        skipped = txs.skipped
        if not txs.raws:
            raise InputError("no transactions in the input")
        payload = compress(txs.raws, level=args.level, senders=txs.senders, recover=True)
        n = len(txs.raws)
    if n == 0:
        raise InputError("the payload holds no transactions")
    comparison = cost.compare(payload, n, base_fee=base_fee, blob_base_fee=blob_base_fee,
                              excess_blob_gas=args.excess_blob_gas, fork=args.fork, eth_usd=args.eth_usd)
    return payload, n, skipped, comparison


def render(c: cost.Comparison) -> str:
    """The comparison as a plain-text table."""
    def eth(wei: int) -> str:
        return f"{cost._eth(wei):.9f}".rstrip("0").rstrip(".") + " ETH"

    def usd(wei: int) -> str:
        if c.eth_usd is None:
            return ""
        return f"${cost._eth(wei) * c.eth_usd:,.6f}"

    rows = [
        ("", "calldata", "blobs"),
        ("payload bytes", str(c.payload_bytes), str(c.payload_bytes)),
        ("L1 transactions", str(c.calldata_frames), str(c.blob_txs)),
        ("blobs", "-", str(c.blobs)),
        ("gas", f"{c.calldata_gas:,}", f"{c.blob_tx_gas:,} + {c.blob_gas:,} blob gas"),
        ("cost per batch", eth(c.calldata_wei), eth(c.blob_wei)),
        ("cost per transaction", eth(c.calldata_wei_per_tx), eth(c.blob_wei_per_tx)),
    ]
    if c.eth_usd is not None:
        rows += [("USD per batch", usd(c.calldata_wei), usd(c.blob_wei)),
                 ("USD per transaction", usd(c.calldata_wei_per_tx), usd(c.blob_wei_per_tx))]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{c.n_txs} transactions, fork {c.fork}, base fee {c.base_fee} wei, blob base fee "
             f"{c.blob_base_fee} wei ({c.blob_base_fee_source})"]
    lines += [f"{a:<{w0}}  {b:>{w1}}  {d}" for a, b, d in rows]
    lines.append(f"cheaper: {c.cheaper}")
    return "\n".join(lines) + "\n"


def main_estimate(args) -> int:
    """Run ``batchkit estimate``; errors propagate to the CLI's single handler (exit 2)."""
    payload, n, skipped, c = estimate_input(args)
    if skipped:
        print(f"skipped {skipped} unsupported transaction(s)", file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps(c.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render(c))
    return 0
