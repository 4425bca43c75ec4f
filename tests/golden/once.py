"""What every golden-vector writer shares: a directory that is filled once, and its ``expected.json``."""

import json
import os
import sys


def fresh_dir(path: str) -> bool:
    """Create ``path``; False (and say why) when it already holds vectors: they are never regenerated
    (``--force`` only for a new directory)."""
    os.makedirs(path, exist_ok=True)
    if os.listdir(path) and "--force" not in sys.argv:
        print("golden vectors exist; they are never regenerated (pass --force only for a new directory)")
        return False
    return True


def write_expected(path: str, expected: dict) -> None:
    with open(os.path.join(path, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
