"""Blobs from a beacon node: ``GET /eth/v1/beacon/blobs/{block_id}?versioned_hashes=...`` (the Beacon API route
that replaced ``blob_sidecars``, which nodes now answer with 410 and this client never calls).

The answer is JSON (``{"data": ["0x<blob>", ...]}``) or, asked with ``Accept: application/octet-stream``, SSZ:
a list of fixed-size blobs, so the blobs laid end to end. SSZ is asked for first (half the bytes, no hex), and
JSON read when the node answers with JSON anyway.

``block_id`` names a beacon block. Which one holds the blobs of execution block ``n``:

- ``slot``: ``(timestamp - genesis_time) // SECONDS_PER_SLOT`` from ``/eth/v1/beacon/genesis`` and
  ``/eth/v1/config/spec``: one request per block, known as soon as the block is.
- ``root``: the ``parentBeaconBlockRoot`` of execution block ``n + 1``: exact whatever the slot arithmetic, but
  known only once the next block is.
- ``number``: the execution block number itself, as anvil answers (it has no beacon chain: its
  ``parentBeaconBlockRoot`` is zero and ``/eth/v1/config/spec`` is 404).

:class:`BeaconClient` with ``block_id="auto"`` (the default) reads ``/eth/v1/config/spec``: when the node answers,
it uses slots; when the route is missing (404, anvil), block numbers.

Every blob returned is checked against the versioned hashes asked for (KZG commitment, then
``0x01 || sha256(commitment)[1:]``) by :func:`batchkit.l1.blob.versioned_hash`; the caller gets them in the
order of the hashes it gave, each matched, or None for a blob whose bytes match no hash (a lying or broken
node). Limits: :data:`batchkit.limits.MAX_BEACON_RESPONSE_BYTES` per answer, :data:`batchkit.limits.
MAX_BLOBS_PER_BEACON_REQUEST` hashes per request.

Errors: :class:`~batchkit.errors.NodeUnreachableError` (no answer after every retry),
:class:`~batchkit.errors.BeaconResponseError` (an HTTP error, an answer that is not blobs, too large, or a count
other than asked), both :class:`~batchkit.errors.RpcError`; :class:`~batchkit.errors.InputError` for a bad URL
or option.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from typing import Any, Sequence
from urllib.parse import unquote

from .. import limits
from ..errors import BeaconResponseError, InputError, NodeUnreachableError
# The same connection, time-out and retry rules as the JSON-RPC client (readers.node imports urllib3 lazily).
from ..readers.node import (BACKOFF_INITIAL, BACKOFF_MAX, CONNECT_TIMEOUT, DEFAULT_RETRIES, DEFAULT_TIMEOUT,
                            READ_CHUNK, RETRY_STATUSES)
from .blob import BLOB_SIZE

__all__ = ["BeaconClient", "BLOCK_ID_MODES", "DEFAULT_TIMEOUT", "DEFAULT_RETRIES"]

#: How a block is named to the beacon node (see the module docstring).
BLOCK_ID_MODES = ("auto", "slot", "root", "number")
_SSZ = "application/octet-stream"


def _display(url: str) -> str:
    from ..readers.node import display_url
    return display_url(url)


class BeaconClient:
    """A beacon node's blob route, bounded (answer size, time-outs, retries). Safe to use from several threads.

    ``block_id``: ``auto``, ``slot``, ``root`` or ``number`` (module docstring). ``ssz``: ask for SSZ first.
    """

    def __init__(self, url: str, *, block_id: str = "auto", timeout: float = DEFAULT_TIMEOUT,
                 retries: int = DEFAULT_RETRIES, ssz: bool = True):
        if block_id not in BLOCK_ID_MODES:
            raise InputError(f"block_id must be one of {', '.join(BLOCK_ID_MODES)}, not {block_id!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
            raise InputError(f"the timeout must be a positive number of seconds, not {timeout!r}")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InputError(f"retries must be a non-negative integer, not {retries!r}")
        if not isinstance(url, str):
            raise InputError(f"the beacon URL must be a string, not {type(url).__name__}")
        from ..readers.node import check_http_url
        parts = check_http_url(url, "the beacon URL")
        import urllib3
        self._urllib3 = urllib3
        self.shown = _display(url)
        self.timeout = float(timeout)
        self.retries = retries
        self.ssz = bool(ssz)
        self.mode = block_id
        headers = {"Accept-Encoding": "gzip"}
        if parts.username is not None:
            headers.update(urllib3.make_headers(
                basic_auth=f"{unquote(parts.username)}:{unquote(parts.password or '')}"))
        self._pool = urllib3.PoolManager(num_pools=1, maxsize=4, block=True, retries=False, headers=headers)
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
        self._base = parts._replace(netloc=netloc, query="", fragment="").geturl().rstrip("/")
        self._query = parts.query
        self._lock = threading.Lock()
        self._genesis: int | None = None
        self._seconds_per_slot: int | None = None

    def close(self) -> None:
        self._pool.clear()

    # --- naming blocks --------------------------------------------------------------------------------

    def resolved_mode(self) -> str:
        """The block_id mode in use: ``auto`` is resolved on first use (``slot`` when the node serves
        ``/eth/v1/config/spec``, else ``number``)."""
        with self._lock:
            if self.mode == "auto":
                status, data, _ = self._get("/eth/v1/config/spec", "application/json", None, allow=(404, 405))
                if status in (404, 405):
                    self.mode = "number"
                else:
                    self._load_slot_config(data)
                    self.mode = "slot"
            elif self.mode == "slot" and self._seconds_per_slot is None:
                status, data, _ = self._get("/eth/v1/config/spec", "application/json", None)
                self._load_slot_config(data)
            return self.mode

    def _load_slot_config(self, spec_data: bytes) -> None:
        spec = self._json(spec_data, "/eth/v1/config/spec", None)
        try:
            seconds = int(spec["data"]["SECONDS_PER_SLOT"])
        except (KeyError, TypeError, ValueError):
            raise BeaconResponseError("/eth/v1/config/spec has no SECONDS_PER_SLOT", url=self.shown) from None
        _, data, _ = self._get("/eth/v1/beacon/genesis", "application/json", None)
        genesis = self._json(data, "/eth/v1/beacon/genesis", None)
        try:
            genesis_time = int(genesis["data"]["genesis_time"])
        except (KeyError, TypeError, ValueError):
            raise BeaconResponseError("/eth/v1/beacon/genesis has no genesis_time", url=self.shown) from None
        if seconds <= 0 or genesis_time < 0:
            raise BeaconResponseError(f"SECONDS_PER_SLOT {seconds}, genesis_time {genesis_time}: not a chain",
                                      url=self.shown)
        self._seconds_per_slot, self._genesis = seconds, genesis_time

    def block_id(self, number: int, timestamp: int, next_parent_root: str | None = None) -> str:
        """The beacon block_id of execution block ``number`` (with its ``timestamp``; ``next_parent_root``,
        the next block's ``parentBeaconBlockRoot``, for the ``root`` mode)."""
        mode = self.resolved_mode()
        if mode == "number":
            return str(number)
        if mode == "root":
            if next_parent_root is None:
                raise InputError(f"block {number}: the root mode needs the next block's parentBeaconBlockRoot")
            return next_parent_root
        if timestamp < self._genesis:
            raise BeaconResponseError(f"block {number} (time {timestamp}) is before the beacon genesis "
                                      f"({self._genesis})", url=self.shown, block=number)
        return str((timestamp - self._genesis) // self._seconds_per_slot)

    # --- blobs -----------------------------------------------------------------------------------------

    def blobs(self, block_id: str, versioned_hashes: Sequence[bytes], *, block: int | None = None) -> list[bytes]:
        """The blobs of ``versioned_hashes`` in beacon block ``block_id``, in that order, as the node sent
        them (131,072 bytes each, not yet checked against their hashes: see :func:`match_blobs`).

        :class:`BeaconResponseError` when the answer is not a list of blobs or holds another count than
        asked (a pruned or missing blob)."""
        hashes = list(versioned_hashes)
        if not hashes:
            return []
        if len(hashes) > limits.MAX_BLOBS_PER_BEACON_REQUEST:
            raise InputError(f"{len(hashes)} blobs asked at once, more than MAX_BLOBS_PER_BEACON_REQUEST "
                             f"({limits.MAX_BLOBS_PER_BEACON_REQUEST})")
        query = "versioned_hashes=" + ",".join("0x" + h.hex() for h in hashes)
        path = f"/eth/v1/beacon/blobs/{block_id}"
        accept = f"{_SSZ}, application/json;q=0.9" if self.ssz else "application/json"
        status, data, content_type = self._get(path, accept, block, query=query)
        if content_type.startswith(_SSZ):
            if len(data) % BLOB_SIZE:
                raise BeaconResponseError(f"an SSZ answer of {len(data)} bytes is not a list of "
                                          f"{BLOB_SIZE}-byte blobs", url=self.shown, block=block)
            found = [data[i:i + BLOB_SIZE] for i in range(0, len(data), BLOB_SIZE)]
        else:
            answer = self._json(data, path, block)
            items = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise BeaconResponseError(f"the answer has no 'data' list of blobs: {_short(data)}",
                                          url=self.shown, block=block)
            found = []
            for i, item in enumerate(items):
                if isinstance(item, dict):  # a sidecar-like object: {"blob": "0x..."}
                    item = item.get("blob")
                if not isinstance(item, str) or item[:2] != "0x" or len(item) != 2 + 2 * BLOB_SIZE:
                    raise BeaconResponseError(f"data[{i}] is not a blob ({BLOB_SIZE} bytes in hex): "
                                              f"{_short(item)}", url=self.shown, block=block)
                try:
                    found.append(bytes.fromhex(item[2:]))
                except ValueError:
                    raise BeaconResponseError(f"data[{i}] is not hex", url=self.shown, block=block) from None
        if len(found) != len(hashes):
            raise BeaconResponseError(f"asked for {len(hashes)} blob{'s' * (len(hashes) != 1)} of block_id "
                                      f"{block_id}, the node sent {len(found)}", url=self.shown, block=block)
        return found

    # --- HTTP ------------------------------------------------------------------------------------------

    def _json(self, data: bytes, path: str, block: int | None) -> Any:
        from ..readers.bounds import nests_at_most
        if not nests_at_most(data, limits.MAX_JSON_DEPTH):
            raise BeaconResponseError(f"{path}: the answer nests deeper than MAX_JSON_DEPTH", url=self.shown,
                                      block=block)
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise BeaconResponseError(f"{path}: the answer is not JSON ({type(exc).__name__}): {_short(data)}",
                                      url=self.shown, block=block) from None

    def _get(self, path: str, accept: str, block: int | None, *, query: str = "",
             allow: tuple[int, ...] = ()) -> tuple[int, bytes, str]:
        urllib3 = self._urllib3
        query = "&".join(q for q in (self._query, query) if q)
        target = self._base + path + (f"?{query}" if query else "")
        attempt = 0
        while True:
            attempt += 1
            try:
                status, data, content_type, retry_after = self._request(target, accept, block)
            except urllib3.exceptions.DecodeError as exc:
                raise BeaconResponseError(f"the answer's content encoding is broken ({exc})", url=self.shown,
                                          block=block) from None
            except (urllib3.exceptions.HTTPError, OSError, TimeoutError) as exc:
                if attempt > self.retries:
                    from ..readers.node import transport_reason
                    raise NodeUnreachableError(transport_reason(exc, self.timeout), url=self.shown,
                                               attempts=attempt, block=block) from None
                self._wait(attempt, None)
                continue
            if status in RETRY_STATUSES and attempt <= self.retries:
                self._wait(attempt, retry_after)
                continue
            if status in allow:
                return status, data, content_type
            if not 200 <= status < 300:
                raise BeaconResponseError(f"GET {path}: HTTP {status}" + (f": {_short(data)}" if data else ""),
                                          url=self.shown, block=block, status=status)
            return status, data, content_type

    def _request(self, target: str, accept: str, block: int | None) -> tuple[int, bytes, str, str | None]:
        urllib3 = self._urllib3
        deadline = time.monotonic() + self.timeout
        response = self._pool.urlopen("GET", target, headers={**self._pool.headers, "Accept": accept},
                                      preload_content=False, redirect=False,
                                      timeout=urllib3.Timeout(connect=min(CONNECT_TIMEOUT, self.timeout),
                                                              read=self.timeout))
        cap = limits.MAX_BEACON_RESPONSE_BYTES
        try:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > cap:
                raise BeaconResponseError(f"the answer is {int(length)} bytes, more than MAX_BEACON_RESPONSE_BYTES "
                                          f"({cap})", url=self.shown, block=block, status=response.status)
            chunks = []
            size = 0
            while chunk := response.read1(READ_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise BeaconResponseError(f"the answer is more than MAX_BEACON_RESPONSE_BYTES ({cap} bytes)",
                                              url=self.shown, block=block, status=response.status)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the answer took more than {self.timeout:g} s")
                chunks.append(chunk)
        except BaseException:
            response.close()
            raise
        response.release_conn()
        content_type = (response.headers.get("Content-Type") or "").strip().lower()
        return response.status, b"".join(chunks), content_type, response.headers.get("Retry-After")

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        delay = min(BACKOFF_MAX, BACKOFF_INITIAL * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        if retry_after is not None and retry_after.strip().isdigit():
            delay = min(BACKOFF_MAX, max(delay, float(retry_after)))
        time.sleep(delay)


def match_blobs(blobs: Sequence[bytes], versioned_hashes: Sequence[bytes]) -> list[bytes | None]:
    """For each of ``versioned_hashes``, the blob of ``blobs`` whose KZG commitment hashes to it, or None.
    A blob whose field elements are not canonical matches nothing."""
    from .blob import commitment, versioned_hash
    from ..errors import BatchkitError
    by_hash: dict[bytes, bytes] = {}
    for b in blobs:
        try:
            by_hash.setdefault(versioned_hash(commitment(b)), b)
        except (BatchkitError, ValueError):
            continue
    return [by_hash.get(bytes(h)) for h in versioned_hashes]


def _short(value: Any, limit: int = 120) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
