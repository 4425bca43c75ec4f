"""Fuzz the validity profile (v2 flag bit 1: senders instead of signatures) past its checksum: payloads of a
validity stream are re-sealed (parent and CRC fixed up, ``tests/hostile_helpers.reseal_stream``) and fed to
``format.v2.Decoder``. Oracle (``stream_oracle`` with ``validity_disassembler``): only DecodeError escapes, a
rejected payload leaves the decoder as it was, and every accepted payload's records (re-signed with a dummy
signature, which the profile does not carry) disassemble with their senders to exactly its columns.
Input: payloads as ``u16 LE length ‖ bytes`` (seeds: fuzz/seeds/validity).

    python fuzz/fuzz_validity.py fuzz/corpus/validity fuzz/seeds/validity -max_len=200000 -max_total_time=600
"""

import sys

import atheris

import _common  # noqa: F401 - sys.path

with atheris.instrument_imports(include=["batchkit"]):
    from batchkit.format import v2
    from batchkit.format._backend import core

from hostile_helpers import reseal_stream, split_stream_input, stream_oracle, validity_disassembler

DISASSEMBLE = validity_disassembler(core)


def TestOneInput(data: bytes) -> None:
    failure = stream_oracle(reseal_stream(split_stream_input(data)), v2.Decoder, DISASSEMBLE)
    if failure is not None:
        raise AssertionError(failure)


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
