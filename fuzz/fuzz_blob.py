"""Fuzz the transport layers: ``blob.decode_blobs`` and ``calldata.unframe``. Only DecodeError escapes, and
both are bijective: an accepted input is exactly what the encoder makes of the decoded payload.

Input: byte 0 picks the target. Blobs (even): the rest is laid over zeroed 131,072-byte blobs (byte 0 bit 1
picks one or two blobs; byte 0 bit 2 makes the last blob one byte short). Frames (odd): the rest is a list of
frames, each ``u16 length ‖ bytes``.

    python fuzz/fuzz_blob.py fuzz/corpus/blob fuzz/seeds/blob -max_len=300000 -max_total_time=600
"""

import sys

import atheris

import _common  # noqa: F401 - sys.path

with atheris.instrument_imports(include=["batchkit"]):
    from batchkit.l1 import blob, calldata
    from batchkit.errors import DecodeError


def _blobs(mode: int, body: bytes) -> list:
    count = 2 if mode & 2 else 1
    raw = bytearray(count * blob.BLOB_SIZE)
    raw[:len(body)] = body[:len(raw)]
    out = [bytes(raw[i * blob.BLOB_SIZE:(i + 1) * blob.BLOB_SIZE]) for i in range(count)]
    if mode & 4:
        out[-1] = out[-1][:-1]
    return out


def _frames(body: bytes) -> list:
    frames, pos = [], 0
    while pos + 2 <= len(body) and len(frames) < 80:
        ln = int.from_bytes(body[pos:pos + 2], "little")
        pos += 2
        frames.append(body[pos:pos + ln])
        pos += ln
    return frames


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    mode, body = data[0], data[1:]
    if mode & 1 == 0:
        blobs = _blobs(mode, body)
        try:
            payload = blob.decode_blobs([bytearray(b) for b in blobs])
        except DecodeError:
            return
        if blob.encode_blobs(payload) != blobs:
            raise AssertionError("decode_blobs accepted blobs that encode_blobs does not produce")
    else:
        frames = _frames(body)
        try:
            payload = calldata.unframe([memoryview(f) for f in frames])
        except DecodeError:
            return
        if calldata.frame(payload) != frames:
            raise AssertionError("unframe accepted frames that frame does not produce")


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
