"""``batchkit post``: transactions onto L1 through :class:`batchkit.l1.poster.Poster`.

Heavy modules (eth-account, ckzg, the codec) are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import json
import sys

from ..errors import InputError


def add_post_arguments(p, add_node_arguments) -> None:
    """The description and arguments of the ``post`` subcommand's parser ``p``."""
    p.description = ("Post the transactions of INPUT (as for compress, or --rpc URL --blocks A:B) to --inbox on "
                     "the L1 node --l1, as one v2 stream in a blob stream (--da blobs), calldata frames (--da "
                     "calldata) or the cheaper of the two (--da auto). What the chain already holds from this "
                     "account is found and skipped: rerun the same command after a crash.")
    p.add_argument("input", nargs="?", help="transactions file, or - for stdin (or --rpc URL --blocks A:B)")
    p.add_argument("--l1", required=True, metavar="URL", help="JSON-RPC endpoint of the L1 node")
    p.add_argument("--inbox", required=True, metavar="ADDR", help="the address the batches are sent to")
    key = p.add_argument_group("the key (never on the command line)").add_mutually_exclusive_group()
    key.add_argument("--key-env", metavar="VAR", help="environment variable holding the private key (hex)")
    key.add_argument("--keystore", metavar="FILE", help="encrypted keystore (Web3 secret storage JSON)")
    pw = p.add_mutually_exclusive_group()
    pw.add_argument("--password-env", metavar="VAR", help="environment variable holding the keystore's password")
    pw.add_argument("--password-file", metavar="FILE", help="file holding the keystore's password")
    p.add_argument("--da", choices=("blobs", "calldata", "auto"), default="blobs",
                   help="blobs (default), calldata, or auto: the cheaper at the node's prices, with hysteresis")
    p.add_argument("--blob-form", choices=("node", "0", "1"), default="node",
                   help="network form of blob transactions: node (follow the node's fork, default), 0 "
                        "(EIP-4844 blob proofs) or 1 (EIP-7594 cell proofs)")
    p.add_argument("--chain-id", type=int, metavar="N", help="refuse a node that serves another chain")
    p.add_argument("--confirmations", type=int, default=1, metavar="N",
                   help="blocks deep every transaction must be before the command ends (default 1; 0: once sent)")
    p.add_argument("--max-fee-per-gas", metavar="AMOUNT", help="cap (units: wei, gwei, eth)")
    p.add_argument("--max-priority-fee", metavar="AMOUNT", help="cap on the tip per gas")
    p.add_argument("--max-fee-per-blob-gas", metavar="AMOUNT", help="cap on the blob fee per blob gas")
    p.add_argument("--replace-after", type=int, default=3, metavar="N",
                   help="blocks before a pending transaction is replaced with higher fees (default 3)")
    p.add_argument("--level", default="default", help="fast, default, max, or a zstd level 1-22")
    p.add_argument("--adaptive-level", action="store_true",
                   help="step the level down (max, default, fast) while input waits, back up once caught up")
    p.add_argument("--keyframe-every", type=int, metavar="K", help="a keyframe every K payloads (default 128)")
    p.add_argument("--batch-bytes", type=int, metavar="N", help="raw transaction bytes per payload (default 1 MiB)")
    p.add_argument("--blobs-per-tx", type=int, default=6, metavar="N", help="blobs per blob transaction, 1-6")
    p.add_argument("--max-in-flight", type=int, default=8, metavar="N",
                   help="transactions sent and not yet in a block, at most (default 8)")
    p.add_argument("--scan-blocks", type=int, metavar="N",
                   help="blocks scanned back on start for what was already posted (default 7200)")
    p.add_argument("--poll", type=float, default=1.0, metavar="S", help="seconds between looks at the node")
    p.add_argument("--beacon", metavar="URL", help="beacon node to read posted blobs back from (default: the "
                                                   "L1 node's anvil_getBlobsByTransactionHash)")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="leave out transactions of types batchkit does not carry, and say how many")
    p.add_argument("--dry-run", action="store_true",
                   help="say what would be sent and what it would cost at the node's prices; nothing is signed")
    p.add_argument("--json", action="store_true", help="the summary as JSON")
    add_node_arguments(p)


def _signer(args):
    from ..l1.keys import signer_from_env, signer_from_keystore

    if (args.password_env or args.password_file) and not args.keystore:
        raise InputError("--password-env/--password-file go with --keystore")
    if args.key_env:
        return signer_from_env(args.key_env)
    if args.keystore:
        return signer_from_keystore(args.keystore, password_env=args.password_env, password_file=args.password_file)
    raise InputError("give the key: --key-env VAR or --keystore FILE (never the key itself)")


def _caps(args):
    from ..l1.cost import parse_wei
    from ..l1.fees import FeeCaps

    def wei(text):
        return None if text is None else parse_wei(text)

    return FeeCaps(max_fee_per_gas=wei(args.max_fee_per_gas), max_priority_fee_per_gas=wei(args.max_priority_fee),
                   max_fee_per_blob_gas=wei(args.max_fee_per_blob_gas))


class _ProgressLine:
    """One line on a terminal, rewritten after every step."""

    def __init__(self, stream):
        self.stream = stream
        self.active = stream.isatty()

    def __call__(self, s) -> None:
        if self.active:
            self.stream.write(f"\r{s.l2_txs} L2 txs, {s.l1_txs} L1 txs, {s.blobs} blobs, "
                              f"{s.fees_wei / 1e18:.6f} ETH paid\x1b[K")
            self.stream.flush()

    def end(self) -> None:
        if self.active:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def cmd_post(args) -> int:
    from ..l1.poster import Poster
    from .commands import _read_input

    kwargs = {}
    for name, key in (("keyframe_every", "keyframe_every"), ("batch_bytes", "batch_bytes"),
                      ("scan_blocks", "scan_blocks")):
        if getattr(args, name) is not None:
            kwargs[key] = getattr(args, name)
    level = int(args.level) if args.level.isdigit() else args.level
    signer = None if args.dry_run and not (args.key_env or args.keystore) else _signer(args)
    caps = _caps(args)
    progress = _ProgressLine(sys.stderr)
    poster = Poster(args.l1, args.inbox, signer=signer, da=args.da,
                    form=None if args.blob_form == "node" else int(args.blob_form), chain_id=args.chain_id,
                    confirmations=args.confirmations, caps=caps, replace_after=args.replace_after, level=level,
                    levels=("max", "default", "fast") if args.adaptive_level else None,
                    blobs_per_tx=args.blobs_per_tx, max_in_flight=args.max_in_flight, poll=args.poll, beacon_url=args.beacon,
                    progress=progress, **kwargs)
    with poster:
        txs = _read_input(args)
        if txs.skipped:
            print(f"skipped {txs.skipped} unsupported transaction{'s' if txs.skipped != 1 else ''}", file=sys.stderr)
        if args.dry_run:
            plan = poster.plan(txs=txs.raws)
            return _report(plan, args.json, lambda: (
                f"would post {plan.l2_txs} L2 transactions in {plan.payloads} payloads ({plan.payload_bytes} "
                f"bytes) as {plan.da}: {plan.blobs} blobs in {plan.blob_txs} blob transactions, "
                f"{plan.calldata_txs} calldata transactions; gas {plan.gas}, blob gas {plan.blob_gas}; "
                f"{plan.wei / 1e18:.9f} ETH at base fee {plan.base_fee} wei, blob base fee "
                f"{plan.blob_base_fee} wei (nothing signed)"))
        try:
            summary = poster.run(txs.raws)
        finally:
            progress.end()
    return _report(summary, args.json, lambda: (
        f"posted {summary.l2_txs} L2 transactions in {summary.payloads} payloads: {summary.l1_txs} L1 "
        f"transactions, {summary.blobs} blobs, {summary.calldata_bytes} calldata bytes; gas {summary.gas_used}, "
        f"blob gas {summary.blob_gas_used}, {summary.fees_wei / 1e18:.9f} ETH paid; "
        f"{summary.replaced} replaced, {summary.resent_after_reorg} sent again after a reorg; "
        f"{summary.skipped_l2_txs} transactions already on chain"))


def _report(result, as_json: bool, line) -> int:
    """``result`` (a plan or a summary) on stdout: its ``to_dict()`` as JSON, or the one ``line()``."""
    sys.stdout.write((json.dumps(result.to_dict(), indent=2) if as_json else line()) + "\n")
    return 0


__all__ = ["add_post_arguments", "cmd_post"]
