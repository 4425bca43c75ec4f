"""Fuzz ``batchkit.decompress`` (v1.decode): only DecodeError escapes, and an accepted payload's txs
re-encode (with the decoded sender groups) to exactly the columns the payload carried.

    python fuzz/fuzz_payload.py fuzz/corpus/payload fuzz/seeds/payload -max_len=200000 -max_total_time=600
"""

import sys

import atheris

import _common  # noqa: F401 - sys.path

with atheris.instrument_imports(include=["batchkit"]):
    import batchkit
    from batchkit.format._backend import core
    from batchkit.format import v1

from hostile_helpers import payload_oracle


def TestOneInput(data: bytes) -> None:
    failure = payload_oracle(data, v1.decode, v1.parse, core.disassemble)
    if failure is not None:
        raise AssertionError(failure)
    # the public entry point must behave the same way
    try:
        batchkit.decompress(memoryview(data))
    except batchkit.DecodeError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
