"""Hex lines: one signed transaction per line, ``0x`` optional; blank lines are skipped."""

from __future__ import annotations

from .. import limits
from ..coerce import hex_bytes
from ..errors import InputError
from .collect import Collector


def read_hex_lines(text: str, collector: Collector) -> None:
    for line_no, line in enumerate(text.splitlines(), 1):
        if len(line) > limits.MAX_LINE_BYTES:
            raise InputError(f"line {line_no} is longer than MAX_LINE_BYTES ({limits.MAX_LINE_BYTES} bytes)")
        if line.strip():
            collector.add_raw(hex_bytes(line, f"line {line_no}"), None, f"line {line_no}")
