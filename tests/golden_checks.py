"""Checks shared by the golden tests of every payload version: a stream of committed payloads decodes in order
from each of its keyframes, and not from a payload after its keyframe."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import batchkit
from batchkit.format import v2


def check_stream_from_every_keyframe(golden: Path, expected: dict, stream: str, seen: Callable, want: Callable):
    """``seen(decoded)`` and ``want(name)`` give what is compared for each payload of ``stream``."""
    names = sorted(n for n in expected if n.startswith(stream + "."))
    payloads = [(golden / n).read_bytes() for n in names]
    keyframes = [i for i, n in enumerate(names) if expected[n]["keyframe"]]
    assert keyframes[0] == 0 and len(keyframes) > 1
    for start in keyframes:
        dec = batchkit.StreamDecoder()
        for name, payload in zip(names[start:], payloads[start:]):
            assert seen(dec.decompress(payload)) == want(name)
    with pytest.raises(v2.ParentMismatchError):
        batchkit.StreamDecoder().decompress(payloads[1])
