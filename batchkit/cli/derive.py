"""``batchkit derive``: the rollup's transactions read back from L1 (:mod:`batchkit.l1.derive`), one JSONL record
each: ``raw`` and ``hash`` as ``decompress`` writes them, and the L1 origin (``l1_block``, ``l1_block_hash``,
``l1_tx``, ``blob_index``).

Output: with ``--blocks A:B`` the file appears whole at the end (nothing on an error). With ``--follow`` records
are written and flushed block by block; a reorg cuts the file back to before the first record of the removed
blocks (on stdout, which cannot be cut, a ``{"reorg": {"removed_from": N, "ancestor": M}}`` line says which
records are gone). ``--state FILE`` keeps the L1 position after each block: a run started again with the same
file resumes after it and appends to ``-o``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from binascii import hexlify

from .output import plural

EXIT_OK = 0


def add_derive_arguments(p: argparse.ArgumentParser) -> None:
    """The description and arguments of the ``derive`` subcommand's parser ``p``."""
    p.description = ("Read L1 blocks in order, keep the batcher's transactions to the inbox, fetch their blobs "
                     "from the beacon node (each checked against its versioned hash), decode the blob stream, "
                     "calldata frames and the v2 stream, and write each L2 transaction with its L1 origin. "
                     "Hostile or broken data is skipped and counted.")
    p.add_argument("--l1", required=True, metavar="URL", help="JSON-RPC endpoint of the L1 node")
    p.add_argument("--beacon", metavar="URL", help="beacon API endpoint (default: the --l1 URL, as anvil serves both)")
    p.add_argument("--inbox", required=True, metavar="ADDR", help="the inbox address the batcher posts to")
    p.add_argument("--batcher", required=True, metavar="ADDR", help="the batcher's address (other senders are ignored)")
    p.add_argument("--blocks", metavar="A:B", help="L1 blocks A to B-1; also A:+N, A, A: (to the head, or on and on "
                                                   "with --follow); default: the head on")
    p.add_argument("--follow", action="store_true", help="keep polling for new L1 blocks (stop with Ctrl-C)")
    p.add_argument("-o", "--output", help="output JSONL (default stdout)")
    p.add_argument("--state", metavar="FILE", help="save the L1 position after each block; resume from it when "
                                                   "the file exists (then -o is appended to)")
    p.add_argument("--block-id", choices=("auto", "slot", "root", "number"), default="auto",
                   help="how blocks are named to the beacon node (default auto: slot when it serves "
                        "/eth/v1/config/spec, else the block number, as anvil)")
    p.add_argument("--poll", type=float, default=2.0, metavar="SECONDS", help="with --follow: between polls (default 2)")
    p.add_argument("--lookback", type=int, default=7200, metavar="N",
                   help="blocks read back from the start to find the stream's keyframe (default 7200; 0: the "
                        "stream begins at the start block)")
    p.add_argument("--reorg-depth", type=int, default=128, metavar="N", help="deepest L1 reorg undone (default 128)")
    p.add_argument("--rpc-batch", type=int, default=10, metavar="N", help="blocks per JSON-RPC batch (default 10)")


def _record(item) -> bytes:
    origin = b'"l1_block": %d, "l1_block_hash": "%s", "l1_tx": "%s", "blob_index": %s}\n' % (
        item.origin.block_number, item.origin.block_hash.encode(), item.origin.tx_hash.encode(),
        b"null" if item.origin.blob_index is None else b"%d" % item.origin.blob_index)
    raw = item.raw
    if type(raw) is bytes:
        return b'{"raw": "0x%s", "hash": "0x%s", ' % (hexlify(raw), hexlify(item.hash)) + origin
    return (b'{"sender": "0x%s", "unsigned": "0x%s", "signing_hash": "0x%s", '
            % (hexlify(raw.sender), hexlify(raw.unsigned), hexlify(item.hash)) + origin)


_BLOCK = re.compile(rb'"l1_block": (\d+),')


def _cut_from(f, block: int) -> None:
    """Cut the JSONL file ``f`` before its first record from L1 block ``block`` on (records are in block order)."""
    f.flush()
    f.seek(0)
    offset = 0
    for line in f:
        found = _BLOCK.search(line)
        if found and int(found.group(1)) >= block:
            break
        offset += len(line)
    f.seek(offset)
    f.truncate()


def _save_state(path: str, position) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".state.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(position.to_dict(), f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def cmd_derive(args) -> int:
    from ..errors import FileError, InputError
    from ..files import atomic_output
    from ..l1.derive import Deriver, Position, Reorg
    from ..progress import bar
    from ..readers.node import parse_block_range

    resume = None
    if args.state and os.path.exists(args.state):
        try:
            with open(args.state, encoding="utf-8") as f:
                resume = Position.from_dict(json.load(f))
        except OSError as exc:
            raise FileError("read", args.state, exc) from None
        except ValueError as exc:
            raise InputError(f"{args.state}: not a saved position ({exc})") from None
    start = stop = None
    if args.blocks is not None:
        start, stop = parse_block_range(args.blocks)
    deriver = Deriver(args.l1, args.beacon or args.l1, args.inbox, args.batcher, block_id=args.block_id,
                      blocks_per_request=args.rpc_batch, reorg_depth=args.reorg_depth, lookback=args.lookback,
                      poll_seconds=args.poll)
    try:
        if resume is not None:
            begin = resume
        elif start is not None:
            begin = start
        else:
            begin = deriver.head()
        to_stdout = args.output in (None, "-")
        incremental = args.follow or args.state is not None
        total = None if stop is None else stop - (begin if isinstance(begin, int) else begin.block_number + 1)
        with bar(total, "derive", unit="block") as progress:
            if incremental and not to_stdout:
                try:
                    f = open(args.output, "ab+" if resume is not None else "wb+")
                except OSError as exc:
                    raise FileError("write", args.output, exc) from None
                with f:
                    if resume is not None:  # records of blocks after the saved position come again
                        _cut_from(f, resume.block_number + 1)
                    _run(deriver, begin, stop, args, f, progress, Reorg, cut=True)
            elif incremental:
                _run(deriver, begin, stop, args, sys.stdout.buffer, progress, Reorg, cut=False)
            else:
                with tempfile.TemporaryFile() as spool:
                    _run(deriver, begin, stop, args, spool, progress, Reorg, cut=True)
                    spool.seek(0)
                    with atomic_output(args.output, binary=True) as out:
                        while chunk := spool.read(1 << 20):
                            out.write(chunk)
    except KeyboardInterrupt:
        if not args.follow:
            raise
    finally:
        deriver.close()
    s = deriver.stats
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(s.skipped.items()))
    where = f"through L1 block {deriver.position.block_number}" if deriver.position else "no L1 block"
    print(f"{where}: {plural(s.blocks, 'block')} read, {plural(s.batcher_txs, 'batcher transaction')}, "
          f"{plural(s.blobs, 'blob')}, {plural(s.payloads, 'payload')}, {plural(s.l2_txs, 'L2 transaction')}"
          + (f", {plural(s.reorgs, 'reorg')}" if s.reorgs else "")
          + (f"; skipped: {skipped}" if skipped else ""), file=sys.stderr)
    return EXIT_OK


def _run(deriver, begin, stop, args, f, progress, Reorg, *, cut: bool) -> None:
    pending: list[bytes] = []

    def on_block(position) -> None:
        progress.update(1)
        progress.set_postfix_str(f"{deriver.stats.l2_txs} L2 txs", refresh=False)
        if args.follow or args.state:
            _flush(f, pending)
            f.flush()
            if args.state:
                _save_state(args.state, position)

    for item in deriver.derive(begin, stop, follow=args.follow, on_block=on_block):
        if isinstance(item, Reorg):
            if cut:
                _flush(f, pending)
                _cut_from(f, item.removed_from)
            else:
                _flush(f, pending)
                f.write(json.dumps({"reorg": {"removed_from": item.removed_from,
                                              "ancestor": item.ancestor}}).encode() + b"\n")
            continue
        pending.append(_record(item))
        if len(pending) >= 4096:
            _flush(f, pending)
    _flush(f, pending)


def _flush(f, pending: list[bytes]) -> None:
    if pending:
        f.write(b"".join(pending))
        pending.clear()
