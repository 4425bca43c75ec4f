"""Build the priors that batchkit ships (``batchkit/format/data/priors-<id>.bin``) from ``../shared/corpora``,
byte for byte reproducibly: ``python scripts/train_priors.py [CORPORA_DIR] [--out DIR]``.

A prior is one raw-content zstd dictionary per section of the column layout (``columns_a``: the small
streams, ``columns_b``: the bulk streams): the v1 sections of the training corpora cut into batches of
:data:`BATCH_BYTES`, concatenated in a fixed order (files in sorted name order with the mainnet files last,
so the bytes most like a mainnet payload sit nearest to it; batches in file order), keeping the last
:data:`SIZE_A` and :data:`SIZE_B` bytes. Senders come from signature recovery (deterministic).

``ethereum-mainnet-recent.jsonl`` is held out: it is the corpus the format is measured on, so the shipped
priors are what a prior trained on older data gives on newer data. The system transactions (0x7e, which
batchkit does not carry), the testnets and type-3 transactions (their blob hashes are random) are left out.

File layout: ``"BKP1"``, u32 LE ``len(a)``, ``a``, u32 LE ``len(b)``, ``b``; the prior's identifier is the
first 8 bytes of the file's sha256, and a payload that used it names it by those bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from batchkit.coerce import sender_labels
from batchkit.corpora import batches, load_jsonl, shared_corpora_dir
from batchkit.format import v1
from batchkit.format._backend import core
from batchkit.senders import recover_senders

BATCH_BYTES = 120_000
SIZE_A = 512 << 10
SIZE_B = 4 << 20
HELD_OUT = {"ethereum-mainnet-recent.jsonl"}
LEFT_OUT = {"l2-system-txs-0x7e.jsonl", "testnets.jsonl"}
#: Mainnet files, placed last (nearest the payload) in this order.
MAINNET_LAST = ("nimbus-eth1.jsonl", "portal-spec-tests.jsonl", "raiko.jsonl", "reth.jsonl", "ethereumjs.jsonl",
                "ethereum-etl.jsonl")


def training_files(corpora: Path, held_out: bool = True) -> list[Path]:
    files = [p for p in sorted(corpora.glob("*.jsonl")) if p.name not in (HELD_OUT if held_out else set()) | LEFT_OUT]
    last = MAINNET_LAST + tuple(HELD_OUT)
    return sorted(files, key=lambda p: (p.name in last, last.index(p.name) if p.name in last else 0, p.name))


def sections(path: Path) -> tuple[bytes, bytes]:
    raws = [bytes.fromhex(r["raw"][2:]) for r in load_jsonl(path)]
    raws = [r for r in raws if r[:1] != b"\x03"]
    if not raws:
        return b"", b""
    labels = sender_labels(recover_senders(raws), len(raws))
    a, b, i = [], [], 0
    for batch in batches(raws, BATCH_BYTES):
        _, streams = core.disassemble(batch, labels[i:i + len(batch)])
        i += len(batch)
        x, y = v1.pack_sections(streams)
        a.append(x)
        b.append(y)
    return b"".join(a), b"".join(b)


def build(corpora: Path, held_out: bool = True) -> bytes:
    parts = [sections(p) for p in training_files(corpora, held_out)]
    a = b"".join(x for x, _ in parts)[-SIZE_A:]
    b = b"".join(y for _, y in parts)[-SIZE_B:]
    return b"BKP1" + len(a).to_bytes(4, "little") + a + len(b).to_bytes(4, "little") + b


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="?", help="corpus directory (default ../shared/corpora)")
    ap.add_argument("--in-sample", action="store_true",
                    help="train on the held-out file too (only to measure how priors age; never shipped)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "batchkit" / "format" / "data"))
    args = ap.parse_args(argv)
    corpora = Path(args.corpora) if args.corpora else shared_corpora_dir()
    if corpora is None:
        print("no corpus directory", file=sys.stderr)
        return 2
    blob = build(corpora, held_out=not args.in_sample)
    ident = hashlib.sha256(blob).digest()[:8].hex()
    out = Path(args.out) / f"priors-{ident}.bin"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    print(f"{out}: {len(blob)} bytes, id {ident}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
