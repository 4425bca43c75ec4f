"""Write the v1 golden payloads ONCE: ``python tests/golden/make_golden.py``. The tests only decode them,
forever; never regenerate them for a format change (a change of bytes is a new version).

Each ``<name>.bk`` is a payload; ``expected.json`` maps it to the keccak hashes of its transactions and the
sha256 of the payload file."""

import hashlib
import os
import sys

import batchkit
from once import fresh_dir, write_expected
from batchkit.corpora import batches, generate_batch, load_all, shared_corpora_dir
from batchkit.tx import keccak256

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "v1")


def main() -> int:
    if not fresh_dir(HERE):
        return 1
    sets = {}
    g = generate_batch(120, seed=5)  # every envelope type: legacy (both), 1, 2, 3, 4
    for level in ("fast", "default"):
        sets[f"generated-all-types-{level}"] = ([t.raw for t in g], [t.sender for t in g], level)
    g = generate_batch(7, seed=11)
    sets["generated-small-max"] = ([t.raw for t in g], [t.sender for t in g], "max")
    if shared_corpora_dir() is not None:
        b = batches(load_all(), 20_000)[0]
        sets["corpus-first-20k-default"] = (b, None, "default")
    expected = {}
    for name, (txs, senders, level) in sets.items():
        payload = batchkit.compress(txs, level=level, senders=senders, recover=senders is None)
        with open(os.path.join(HERE, name + ".bk"), "wb") as f:
            f.write(payload)
        expected[name + ".bk"] = {"level": level, "sha256": hashlib.sha256(payload).hexdigest(),
                                  "tx_hashes": ["0x" + keccak256(t).hex() for t in txs]}
    write_expected(HERE, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
