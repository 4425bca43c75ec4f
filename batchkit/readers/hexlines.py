"""Hex lines: one signed transaction per line, ``0x`` optional; blank lines are skipped."""

from __future__ import annotations

from ..coerce import hex_bytes
from .collect import Collector


def read_hex_lines(text: str, collector: Collector) -> None:
    for line_no, line in enumerate(text.splitlines(), 1):
        if line.strip():
            collector.add_raw(hex_bytes(line, f"line {line_no}"), None, f"line {line_no}")
