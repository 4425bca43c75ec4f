"""The input bounds every reader applies (files, stdin, a node): nesting of JSON, the length of a record's
hex and of its bytes. Line and input sizes are bounded where the bytes are read (``readers/__init__``,
``readers/node``); the figures are in :mod:`batchkit.limits`."""

from __future__ import annotations

import json
import re
from typing import Any

from .. import limits
from ..errors import InputError

_KEEP = b'[]{}"'
_NOT_KEPT = bytes(sorted(set(range(256)) - set(_KEEP)))
_STRING = re.compile(rb'"[^"]*"')
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


def nests_at_most(data: bytes | str, depth: int) -> bool:
    """Whether json, decoding the text ``data``, nests at most ``depth`` arrays and objects deep.

    Escaped backslashes and quotes are dropped, then every byte but brackets and quotes, then every string
    (a quote to the next): what is left are the brackets outside strings, whose innermost pairs are removed,
    one level per pass. Balanced brackets empty within ``depth`` passes exactly when they nest at most
    ``depth`` deep; brackets that stop emptying (text cut short, mismatched) were nested at most the passes
    made plus the opening brackets left. Up to its first byte that is not JSON, json reads the text as read
    here, and it fails there. Memory: the text's brackets and quotes, not a copy of each string."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    text = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_KEPT)
    brackets = _STRING.sub(b"", text)
    if brackets.count(b'"'):  # an unterminated string: json fails there; what precedes it counts
        brackets = brackets[:brackets.index(b'"')]
    for passes in range(depth + 1):
        if not brackets:
            return True
        inner = _INNERMOST_PAIR.sub(b"", brackets)
        if len(inner) == len(brackets):
            return passes + brackets.count(b"[") + brackets.count(b"{") <= depth
        brackets = inner
    return False


def check_depth(data: bytes | str, where: str) -> None:
    """InputError unless ``data`` nests at most MAX_JSON_DEPTH deep."""
    if not nests_at_most(data, limits.MAX_JSON_DEPTH):
        raise InputError(f"{where}: JSON nested deeper than MAX_JSON_DEPTH ({limits.MAX_JSON_DEPTH})")


def stdlib_loads(text: str | bytes, where: str, **kwargs) -> Any:
    """``json.loads`` (exact integers, the stdlib's messages) behind the depth bound; raises the stdlib's
    ``JSONDecodeError`` for bad JSON and InputError for what json cannot hold (too deep, an integer of more
    digits than Python converts)."""
    check_depth(text, where)
    try:
        return json.loads(text, **kwargs)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:  # an integer past sys.int_max_str_digits, a constant refused by parse_constant
        raise InputError(f"{where}: unreadable JSON value ({exc})") from None


def check_hex_length(text: str, where: str, index: int | None = None) -> None:
    """InputError when the hex ``text`` stands for more than MAX_RECORD_BYTES (checked before decoding)."""
    if len(text) > 2 * limits.MAX_RECORD_BYTES + 2 and len(text.strip()) > 2 * limits.MAX_RECORD_BYTES + 2:
        raise InputError(f"{where}: a transaction of {len(text) // 2} bytes or more, more than MAX_RECORD_BYTES "
                         f"({limits.MAX_RECORD_BYTES})", index=index)


def check_record(raw: bytes, where: str, index: int | None = None) -> None:
    if len(raw) > limits.MAX_RECORD_BYTES:
        raise InputError(f"{where}: a transaction of {len(raw)} bytes, more than MAX_RECORD_BYTES "
                         f"({limits.MAX_RECORD_BYTES})", index=index)
