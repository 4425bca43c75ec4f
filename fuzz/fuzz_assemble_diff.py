"""Differential fuzzing of ``_core.assemble`` against ``_pure.assemble`` on fuzzer-built streams: same
accept/reject, same exception type, same txs and groups. Input format: ``_common.pack_streams``.

    python fuzz/fuzz_assemble_diff.py fuzz/corpus/assemble fuzz/seeds/assemble -max_len=20000 -max_total_time=600
"""

import sys

import atheris

import _common

with atheris.instrument_imports(include=["batchkit"]):
    from batchkit.format import _core, _pure

from hostile_helpers import assemble_diff


def TestOneInput(data: bytes) -> None:
    unpacked = _common.unpack_streams(data)
    if unpacked is None:
        return
    n, chain, streams = unpacked
    failure = assemble_diff(n, chain, streams, _core.assemble, _pure.assemble)
    if failure is not None:
        raise AssertionError(failure)
    # accepted streams must survive the crossed round trip
    try:
        txs, groups = _pure.assemble(n, chain, streams)
    except Exception:  # noqa: BLE001 - rejection already compared above
        return
    if _core.disassemble(txs, groups) != (chain, tuple(streams)):
        raise AssertionError("accepted streams do not re-disassemble to themselves")


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
