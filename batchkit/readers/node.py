"""Blocks from a node: the signed transactions of a block range, read over JSON-RPC
(``batchkit compress --rpc URL --blocks A:B``, and the same for ``estimate`` and ``bench``).

Blocks are fetched with ``eth_getBlockByNumber(n, true)`` (full transaction objects), several per HTTP
request as one JSON-RPC batch, several requests in flight at once, each request retried with backoff when
it gets no answer or HTTP 429/5xx. Each transaction is rebuilt from its fields with
:func:`batchkit.readers.rpc.raw_from_rpc` and must hash to the ``hash`` the node gave, so what comes out is
exactly the node's signed transactions in canonical form (a blob transaction without its sidecar), in block
order, with the node's ``from`` as the sender.

Why not ask for the raw bytes: ``eth_getRawTransactionByHash`` costs one call per transaction (providers
meter per call), and for a blob transaction anvil answers with the network form (sidecar included, 128 KiB
per blob), which does not hash to the transaction's hash; anvil has no ``debug_getRawBlock``.

Block ranges (:func:`parse_block_range`) are half-open, as in Python and cryo: ``100:200`` is blocks 100 to
199; ``100:+10`` is ten blocks from 100; ``100`` is block 100 alone; ``100:`` runs through the node's latest
block. Limits: :data:`batchkit.limits.MAX_BLOCKS_PER_REQUEST`, ``MAX_CONCURRENCY``, ``MAX_RESPONSE_BYTES``,
``MAX_RANGE_BLOCKS``, and ``MAX_INPUT_BYTES`` of transactions, as for a file.

Errors: :class:`~batchkit.errors.NodeUnreachableError` (no answer after every retry),
:class:`~batchkit.errors.BlockNotFoundError` (beyond the head, or pruned),
:class:`~batchkit.errors.JsonRpcError` (the node answered with an error object),
:class:`~batchkit.errors.RpcResponseError` (an answer other than asked: HTTP error status, not JSON, too
large, other ids, another block, a transaction that does not match its hash), all
:class:`~batchkit.errors.RpcError`; :class:`~batchkit.errors.InputError` for a bad range, URL or option.

Example::

    >>> from batchkit.readers import read_node
    >>> txs = read_node("http://127.0.0.1:8545", "100:200")         # doctest: +SKIP
    >>> payload = batchkit.compress(txs.raws, senders=txs.senders)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import random
import sys
import threading
import time
from collections import deque
from decimal import Decimal
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Sequence, Union
from urllib.parse import unquote, urlsplit

from .. import limits
from ..coerce import parse_sender
from ..errors import (BlockNotFoundError, InputError, JsonRpcError, NodeUnreachableError, RpcResponseError,
                      UnsupportedTransactionError)
from .bounds import nests_at_most
from .collect import Collector, Transactions
from .rpc import raw_from_rpc

__all__ = ["read_node", "parse_block_range", "display_url"]

#: Blocks per request and requests in flight unless asked otherwise (at most
#: :data:`batchkit.limits.MAX_BLOCKS_PER_REQUEST` and :data:`batchkit.limits.MAX_CONCURRENCY`).
DEFAULT_BLOCKS_PER_REQUEST = 10
DEFAULT_CONCURRENCY = 4
#: Seconds to open a connection, and for one whole request (connection to the last byte of the answer).
CONNECT_TIMEOUT = 10.0
DEFAULT_TIMEOUT = 60.0
#: Retries of a request that got no answer (refused, reset, timed out) or HTTP 429/500/502/503/504,
#: waiting BACKOFF_INITIAL, then twice as long each time (with jitter), at most BACKOFF_MAX (also the
#: most a ``Retry-After`` is obeyed).
DEFAULT_RETRIES = 3
BACKOFF_INITIAL = 0.25
BACKOFF_MAX = 8.0
#: Seconds without an answer after which ``notify`` (the CLI: a line on stderr) is told what is awaited.
NOTICE_AFTER = 5.0

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
READ_CHUNK = 1 << 16

Blocks = Union[str, range, Sequence[int]]


# --- block ranges -------------------------------------------------------------------------------------

def parse_block_range(text: str, head: int | None = None) -> tuple[int, int | None]:
    """``"A:B"`` (B excluded), ``"A:+N"``, ``"A"`` or ``"A:"`` as ``(start, stop)``; ``stop`` is ``None``
    for ``"A:"`` (through the latest block). Numbers may be decimal, ``0x`` hex, or with a ``K`` / ``M``
    suffix as cryo writes them (``16M`` is 16,000,000, ``16.5M`` 16,500,000). ``latest`` is the node's
    latest block ``head``: ``"latest"`` is that block alone, ``"A:latest"`` runs through it (as ``"A:"``).
    :class:`InputError` for anything else, for an empty or reversed range, and for ``latest`` without
    ``head``."""
    start, stop = _parse_range(text)
    if LATEST in (start, stop) and head is None:
        raise InputError(f"block range {text!r}: 'latest' needs the node's head block")
    if start == LATEST:
        start = head
        stop = head + 1 if stop is _ONE else stop
    if stop is _ONE:
        stop = start + 1
    elif isinstance(stop, tuple):  # "+N"
        stop = start + stop[0]
    elif stop == LATEST:
        stop = head + 1
    if stop is not None:
        _check_range(start, stop, text)
    return start, stop


#: ``latest`` in a block range: the node's head.
LATEST = "latest"
_ONE = object()
_SUFFIXES = {"k": 10**3, "m": 10**6}


def _parse_range(text: str) -> tuple:
    """The parts of a range: start (a number or LATEST) and stop (a number, LATEST, ``(N,)`` for ``+N``,
    ``None`` for "to the head", or ``_ONE`` for the start alone); a range without ``latest`` is checked."""
    if not isinstance(text, str):
        raise InputError(f"a block range is a string like 100:200, not {type(text).__name__}")
    start_text, colon, stop_text = text.strip().partition(":")
    start = _block_number(start_text, text)
    stop_text = stop_text.strip()
    if not colon:
        stop = _ONE
    elif not stop_text:
        stop = None
    elif stop_text.startswith("+"):
        stop = (_block_number(stop_text[1:], text, latest=False),)
    else:
        stop = _block_number(stop_text, text)
    if start != LATEST and stop not in (LATEST, None, _ONE):
        _check_range(start, start + stop[0] if isinstance(stop, tuple) else stop, text)
    return start, stop


def _block_number(text: str, whole: str, latest: bool = True):
    text = text.strip()
    if latest and text.lower() == LATEST:
        return LATEST
    try:
        if text[:2] in ("0x", "0X"):
            value = int(text, 16)
        elif text[-1:].lower() in _SUFFIXES:
            exact = Decimal(text[:-1].replace("_", "")) * _SUFFIXES[text[-1].lower()]
            if exact != exact.to_integral_value():
                raise ValueError
            value = int(exact)
        else:
            value = int(text, 10)
    except (ValueError, ArithmeticError):
        raise InputError(f"block range {whole!r}: {text!r} is not a block number "
                         "(give A:B, A:+N, A or A:; numbers like 21000000, 21M, 0x1406f40, or latest)") from None
    if value < 0:
        raise InputError(f"block range {whole!r}: block numbers are not negative")
    return value


def _check_range(start: int, stop: int, text: str) -> None:
    if stop < start:
        raise InputError(f"block range {text} is reversed: the end {stop} is below the start {start}")
    if stop == start:
        raise InputError(f"block range {text} is empty (the end is excluded: {start}:{start + 1} is block {start})")
    if stop - start > limits.MAX_RANGE_BLOCKS:
        raise InputError(f"block range {text} has {stop - start} blocks, more than MAX_RANGE_BLOCKS "
                         f"({limits.MAX_RANGE_BLOCKS})")


def _resolve(blocks: Blocks, head: int, url: str) -> list[int]:
    """The block numbers asked for, checked against the node's head."""
    if isinstance(blocks, str):
        start, stop = parse_block_range(blocks, head)
        if stop is None:  # "A:": through the head
            if start > head:
                raise BlockNotFoundError(start, url=url, head=head)
            stop = head + 1
            _check_range(start, stop, blocks)
        numbers = list(range(start, stop))
    elif isinstance(blocks, range):
        if blocks.step != 1 or blocks.start < 0:
            raise InputError(f"a block range has step 1 and starts at 0 or above, not {blocks!r}")
        _check_range(blocks.start, blocks.stop, f"{blocks.start}:{blocks.stop}")
        numbers = list(blocks)
    else:
        numbers = list(blocks)
        if not numbers:
            raise InputError("no blocks asked for")
        if len(numbers) > limits.MAX_RANGE_BLOCKS:
            raise InputError(f"{len(numbers)} blocks asked for, more than MAX_RANGE_BLOCKS ({limits.MAX_RANGE_BLOCKS})")
        for n in numbers:
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise InputError(f"block numbers are non-negative integers, not {n!r}")
    beyond = next((n for n in numbers if n > head), None)
    if beyond is not None:
        raise BlockNotFoundError(beyond, url=url, head=head)
    return numbers


# --- the HTTP client ----------------------------------------------------------------------------------

def display_url(url: str) -> str:
    """``scheme://host:port`` of ``url``: what errors and progress show. Credentials, path and query are
    left out (node providers put the API key in them)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}"


def check_http_url(url: str, what: str):
    """``urlsplit(url)`` when ``url`` is http:// or https:// with a host and a valid port; InputError naming
    ``what`` (and only :func:`display_url` of ``url``: no credentials) otherwise."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise InputError(f"{what} must be http:// or https:// with a host (and a valid port), "
                         f"not {display_url(url)!r}")
    return parts


class RpcClient:
    """One node's endpoint: JSON-RPC calls over a pool of ``concurrency`` keep-alive connections.
    Safe to use from several threads (urllib3's pool is)."""

    def __init__(self, url: str, *, concurrency: int, timeout: float, retries: int,
                 requests_per_second: float | None = None, notify: Callable[[str], None] | None = None):
        import urllib3  # here, not at the top: the CLI's start imports this module (0.1 s saved)

        if not isinstance(url, str):
            raise InputError(f"the node URL must be a string, not {type(url).__name__}")
        if "://" not in url:  # host:port, as cryo and cast take it
            url = "http://" + url
        parts = check_http_url(url, "the node URL")
        self.url = url
        self.shown = display_url(url)
        self.timeout = timeout
        self.retries = retries
        self.notify = notify
        self._interval = 0.0 if requests_per_second is None else 1.0 / requests_per_second
        self._next_slot = 0.0
        self._slot_lock = threading.Lock()
        self.max_response_bytes = limits.MAX_RESPONSE_BYTES
        # gzip: a block's JSON shrinks several times; urllib3 (>= 2.6) inflates at most what each read asks
        # for, so MAX_RESPONSE_BYTES bounds the inflated answer too.
        headers = {"Content-Type": "application/json", "Accept": "application/json", "Accept-Encoding": "gzip"}
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            headers.update(urllib3.make_headers(basic_auth=credentials))
        self._pool = urllib3.PoolManager(num_pools=1, maxsize=concurrency, block=True, retries=False,
                                         headers=headers)
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
        self._target = parts._replace(netloc=netloc).geturl()

    def close(self) -> None:
        self._pool.clear()

    def call(self, method: str, params: list, *, block: int | None = None) -> Any:
        """One JSON-RPC call (not batched); its ``result``."""
        return self.batch([(method, params)], blocks=[block], single=True)[0]

    def batch(self, calls: list[tuple[str, list]], *, blocks: list[int | None], single: bool = False) -> list:
        """The ``result`` of each call, in order. ``blocks`` names the block of each call, for errors.
        A batch of one is sent as a plain request, so ``blocks_per_request=1`` also works with nodes that
        refuse batches."""
        requests = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        body = json.dumps(requests[0] if single or len(requests) == 1 else requests).encode()
        known = [b for b in blocks if b is not None]
        what = calls[0][0] + (f" (block {known[0]})" if len(known) == 1 else
                              f" (blocks {known[0]} to {known[-1]})" if known else "")
        answer = self._post(body, blocks[0], what)
        if single or len(requests) == 1:
            answer = [answer]
        elif not isinstance(answer, list):
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
                error = answer["error"]
                raise JsonRpcError(error.get("code"), str(error.get("message")), url=self.shown,
                                   method=f"a batch of {len(calls)} {calls[0][0]}", block=blocks[0])
            raise RpcResponseError(f"a batch of {len(calls)} calls was answered with a JSON "
                                   f"{type(answer).__name__}, not an array", url=self.shown, block=blocks[0])
        by_id: dict[int, dict] = {}
        for entry in answer:
            if not isinstance(entry, dict) or type(entry.get("id")) is not int \
                    or not 0 <= entry["id"] < len(calls) or entry["id"] in by_id:
                raise RpcResponseError(f"the answer holds an entry that answers none of the {len(calls)} calls "
                                       f"asked ({_short(entry)})", url=self.shown, block=blocks[0])
            by_id[entry["id"]] = entry
        if len(by_id) != len(calls):
            missing = next(i for i in range(len(calls)) if i not in by_id)
            raise RpcResponseError(f"{len(calls)} calls asked, {len(by_id)} answered",
                                   url=self.shown, block=blocks[missing])
        results = []
        for i, (method, _) in enumerate(calls):
            entry = by_id[i]
            if "error" in entry and entry["error"] is not None:
                error = entry["error"]
                code, message = (error.get("code"), str(error.get("message"))) if isinstance(error, dict) \
                    else (None, str(error))
                raise JsonRpcError(code, message, url=self.shown, method=method, block=blocks[i])
            if "result" not in entry:
                raise RpcResponseError(f"the answer to {method} has neither 'result' nor 'error'",
                                       url=self.shown, block=blocks[i])
            results.append(entry["result"])
        return results

    def _post(self, body: bytes, block: int | None, what: str = "a request") -> Any:
        """POST ``body``, retrying what may pass (no answer, 429, 5xx); the decoded JSON answer. ``what`` names
        the request in what :attr:`notify` is told: a request still unanswered after :data:`NOTICE_AFTER`
        seconds, and each retry."""
        import urllib3

        attempt = 0
        while True:
            attempt += 1
            self._take_slot()
            timer = None
            if self.notify is not None:
                timer = threading.Timer(NOTICE_AFTER, self.notify, [
                    f"{self.shown}: no answer yet to {what} after {NOTICE_AFTER:g} s (attempt {attempt} of "
                    f"{self.retries + 1}; each waits up to {self.timeout:g} s)"])
                timer.daemon = True
                timer.start()
            try:
                status, data, retry_after = self._request(body, block)
            except urllib3.exceptions.DecodeError as exc:
                raise RpcResponseError(f"the answer's content encoding is broken ({exc})", url=self.shown,
                                       block=block) from None
            except (urllib3.exceptions.HTTPError, OSError, TimeoutError) as exc:
                if attempt > self.retries:
                    raise NodeUnreachableError(transport_reason(exc, self.timeout), url=self.shown,
                                               attempts=attempt, block=block) from None
                self._wait(attempt, None, what, transport_reason(exc, self.timeout))
                continue
            finally:
                if timer is not None:
                    timer.cancel()
            if status in RETRY_STATUSES and attempt <= self.retries:
                self._wait(attempt, retry_after, what, f"HTTP {status}")
                continue
            if not 200 <= status < 300:
                raise RpcResponseError(f"HTTP {status}" + (f" after {attempt} attempts" if attempt > 1 else "")
                                       + (f": {_short(data)}" if data else ""),
                                       url=self.shown, block=block, status=status)
            if not nests_at_most(data, limits.MAX_JSON_DEPTH):
                raise RpcResponseError(f"the answer nests deeper than MAX_JSON_DEPTH ({limits.MAX_JSON_DEPTH}): "
                                       f"{_short(data)}", url=self.shown, block=block, status=status)
            try:
                return json.loads(data, parse_constant=_not_json)
            except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
                raise RpcResponseError(f"the answer is not JSON ({type(exc).__name__}: {exc}): {_short(data)}",
                                       url=self.shown, block=block, status=status) from None

    def _request(self, body: bytes, block: int | None) -> tuple[int, bytes, str | None]:
        import urllib3

        deadline = time.monotonic() + self.timeout
        response = self._pool.urlopen(
            "POST", self._target, body=body, preload_content=False, redirect=False,
            timeout=urllib3.Timeout(connect=min(CONNECT_TIMEOUT, self.timeout), read=self.timeout))
        try:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > self.max_response_bytes:
                raise RpcResponseError(f"the answer is {int(length)} bytes, more than MAX_RESPONSE_BYTES "
                                       f"({self.max_response_bytes}): ask for fewer blocks per request",
                                       url=self.shown, block=block, status=response.status)
            chunks = []
            size = 0
            while chunk := response.read1(READ_CHUNK):
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise RpcResponseError(f"the answer is more than MAX_RESPONSE_BYTES ({self.max_response_bytes}"
                                           " bytes): ask for fewer blocks per request",
                                           url=self.shown, block=block, status=response.status)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the answer took more than {self.timeout:g} s")
                chunks.append(chunk)
        except BaseException:
            response.close()  # the rest of the answer is not read: the connection cannot be reused
            raise
        response.release_conn()
        return response.status, b"".join(chunks), response.headers.get("Retry-After")

    def _wait(self, attempt: int, retry_after: str | None, what: str = "a request", reason: str = "") -> None:
        delay = min(BACKOFF_MAX, BACKOFF_INITIAL * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        if retry_after is not None and retry_after.strip().isdigit():
            delay = min(BACKOFF_MAX, max(delay, float(retry_after)))
        if self.notify is not None:
            self.notify(f"{self.shown}: {what}: {reason}; retrying in {delay:.1f} s (retry {attempt} of "
                        f"{self.retries})")
        time.sleep(delay)

    def _take_slot(self) -> None:
        """At most ``requests_per_second``: each request waits for its slot, in the order they asked."""
        if not self._interval:
            return
        with self._slot_lock:
            now = time.monotonic()
            start = max(now, self._next_slot)
            self._next_slot = start + self._interval
        if start > now:
            time.sleep(start - now)


def _not_json(constant: str):
    raise ValueError(f"{constant} is not a JSON value")


def transport_reason(exc: BaseException, timeout: float) -> str:
    import urllib3

    # NewConnectionError derives from ConnectTimeoutError in urllib3: test it before the time-outs.
    if isinstance(exc, urllib3.exceptions.NameResolutionError):
        return "the host name does not resolve"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "cannot connect: " + str(exc).rpartition("Failed to establish a new connection: ")[2]
    if isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return f"no answer within {timeout:g} s"
    reason = getattr(exc, "reason", None) or exc
    return f"the connection failed ({type(reason).__name__}: {reason})"


def _short(value: Any, limit: int = 120) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else json.dumps(value) \
        if not isinstance(value, str) else value
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


# --- blocks to transactions ---------------------------------------------------------------------------

def _fetch(node: RpcClient, numbers: list[int]) -> list[Any]:
    return node.batch([("eth_getBlockByNumber", [hex(n), True]) for n in numbers], blocks=list(numbers))


def _add_block(block: Any, number: int, node: RpcClient, collector: Collector) -> None:
    if block is None:
        raise BlockNotFoundError(number, url=node.shown)
    if not isinstance(block, dict):
        raise RpcResponseError(f"the answer is a JSON {type(block).__name__}, not a block",
                               url=node.shown, block=number)
    got = block.get("number")
    if not isinstance(got, str) or got[:2] != "0x" or _hex_int(got) != number:
        raise RpcResponseError(f"asked for block {number}, the node answered with block {_short(got, 40)}",
                               url=node.shown, block=number)
    txs = block.get("transactions")
    if not isinstance(txs, list):
        raise RpcResponseError("the block has no 'transactions' list", url=node.shown, block=number)
    for i, obj in enumerate(txs):
        if not isinstance(obj, dict):
            raise RpcResponseError("the block lists transaction hashes, not transaction objects "
                                   "(the node ignored the full-transactions flag)",
                                   url=node.shown, block=number, index=i)
        if not isinstance(obj.get("hash"), str):
            raise RpcResponseError("no hash to check the transaction against", url=node.shown, block=number, index=i)
        for key, expected in (("blockNumber", number), ("transactionIndex", i)):
            if obj.get(key) is not None and _hex_int(obj[key]) != expected:
                raise RpcResponseError(f"its {key} is {_short(obj[key], 40)}, not {expected}",
                                       url=node.shown, block=number, index=i)
        sender = obj.get("from")
        if sender is not None:
            try:
                parse_sender(sender)
            except InputError as exc:
                raise RpcResponseError(f"its 'from' is not an address ({exc.reason})",
                                       url=node.shown, block=number, index=i) from None
        collector.add(functools.partial(_rebuild, obj, node.shown, number, i), sender, f"block {number}")


def _rebuild(obj: dict, shown: str, number: int, position: int, index: int) -> bytes:
    """The raw transaction of ``obj``; a node's object that does not rebuild to its hash is an answer other
    than asked (:class:`RpcResponseError`), an unsupported type stays an
    :class:`UnsupportedTransactionError` (the collector skips it when asked to)."""
    try:
        return raw_from_rpc(obj, index)
    except UnsupportedTransactionError:
        raise
    except InputError as exc:
        raise RpcResponseError(exc.reason, url=shown, block=number, index=position) from None


def hex_quantity(value: Any, what: str, url: str) -> int:
    """A JSON-RPC quantity (``"0x..."``) as an int; :class:`RpcResponseError` naming ``what`` otherwise."""
    if not isinstance(value, str) or value[:2] != "0x":
        raise RpcResponseError(f"{what} is not a hex quantity: {str(value)[:40]!r}", url=url)
    try:
        return int(value, 16)
    except ValueError:
        raise RpcResponseError(f"{what} is not a hex quantity: {value[:40]!r}", url=url) from None


def _hex_int(value: Any) -> int | None:
    try:
        return int(value, 16) if isinstance(value, str) and value[:2] == "0x" else None
    except ValueError:
        return None


def read_node(url: str, blocks: Blocks, *, skip_unsupported: bool = False,
              blocks_per_request: int = DEFAULT_BLOCKS_PER_REQUEST, concurrency: int = DEFAULT_CONCURRENCY,
              timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
              progress: bool | None = None, requests_per_second: float | None = None,
              notify: Callable[[str], None] | None = None) -> Transactions:
    """Every signed transaction of ``blocks`` on the node at ``url``, in block order.

    ``blocks``: a range string (``"100:200"``, ``"100:+10"``, ``"100"``, ``"100:"``; see
    :func:`parse_block_range`), a ``range``, or a sequence of block numbers. ``blocks_per_request`` (1 to
    :data:`~batchkit.limits.MAX_BLOCKS_PER_REQUEST`): blocks per HTTP request, one JSON-RPC batch (1 sends
    plain requests). ``concurrency`` (1 to :data:`~batchkit.limits.MAX_CONCURRENCY`): requests in flight.
    ``timeout``: seconds for one request, connection to last byte. ``retries``: retries of a request that
    got no answer or HTTP 429/5xx. ``progress``: a progress bar on stderr (needs tqdm); by default only when
    stderr is a terminal. ``requests_per_second``: at most that many requests start per second (a provider's
    rate limit; None: no cap). ``notify``: called with a line of text when a request has had no answer for
    :data:`NOTICE_AFTER` seconds and before each retry (what is retried, why, and when).

    Returns :class:`~batchkit.readers.Transactions`: ``raws`` (canonical form, each checked against its
    hash), ``senders`` (the node's ``from``), ``skipped`` (unsupported types left out when
    ``skip_unsupported``; otherwise they raise :class:`UnsupportedTransactionError`).

    Raises the :class:`~batchkit.errors.RpcError` subclasses listed in the module docstring, and
    :class:`InputError` for a bad URL, range or option, or more than
    :data:`~batchkit.limits.MAX_INPUT_BYTES` of transactions. Safe to call from several threads at once.
    """
    if isinstance(blocks_per_request, bool) or not isinstance(blocks_per_request, int) \
            or not 1 <= blocks_per_request <= limits.MAX_BLOCKS_PER_REQUEST:
        raise InputError(f"blocks per request must be 1 to {limits.MAX_BLOCKS_PER_REQUEST}, "
                         f"not {blocks_per_request!r}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) \
            or not 1 <= concurrency <= limits.MAX_CONCURRENCY:
        raise InputError(f"concurrency must be 1 to {limits.MAX_CONCURRENCY}, not {concurrency!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise InputError(f"the timeout must be a positive number of seconds, not {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise InputError(f"retries must be a non-negative integer, not {retries!r}")
    if requests_per_second is not None and (isinstance(requests_per_second, bool)
                                            or not isinstance(requests_per_second, (int, float))
                                            or not 0 < requests_per_second < math.inf):
        raise InputError(f"requests per second must be a positive number, not {requests_per_second!r}")
    if isinstance(blocks, str):
        _parse_range(blocks)  # a bad range is an error before anything is sent
    node = RpcClient(url, concurrency=concurrency, timeout=float(timeout), retries=retries,
                 requests_per_second=requests_per_second, notify=notify)
    try:
        head = _hex_int(node.call("eth_blockNumber", []))
        if head is None:
            raise RpcResponseError("eth_blockNumber did not answer with a hex block number", url=node.shown)
        numbers = _resolve(blocks, head, node.shown)
        chunks = [numbers[i:i + blocks_per_request] for i in range(0, len(numbers), blocks_per_request)]
        collector = Collector(skip_unsupported)
        raw_bytes = 0
        with _progress_bar(progress, len(numbers), node.shown) as bar, \
                ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="batchkit-rpc") as pool:
            # At most `concurrency` requests queued or in flight; answers are used in block order.
            queued = iter(chunks)
            pending: deque[tuple[list[int], Future]] = deque(
                (chunk, pool.submit(_fetch, node, chunk)) for chunk in itertools.islice(queued, concurrency))
            try:
                while pending:
                    chunk, future = pending.popleft()
                    counted = len(collector.raws)
                    for number, block in zip(chunk, future.result()):
                        _add_block(block, number, node, collector)
                    raw_bytes += sum(map(len, collector.raws[counted:]))
                    if raw_bytes > limits.MAX_INPUT_BYTES:
                        raise InputError(f"blocks {numbers[0]} to {chunk[-1]} hold more than MAX_INPUT_BYTES "
                                         f"({limits.MAX_INPUT_BYTES}) of transactions: ask for fewer blocks")
                    bar.update(len(chunk))
                    pending.extend((c, pool.submit(_fetch, node, c)) for c in itertools.islice(queued, 1))
            finally:
                for _, future in pending:
                    future.cancel()
        return collector.result()
    finally:
        node.close()


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def update(self, n: int) -> None:
        pass


def _progress_bar(progress: bool | None, total: int, shown: str):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm comes with the bench and test extras; without it there is no bar
        return _NoBar()
    return tqdm(total=total, unit="block", desc=shown, file=sys.stderr, leave=False, dynamic_ncols=True)
