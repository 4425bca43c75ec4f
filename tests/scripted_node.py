"""A real HTTP server on 127.0.0.1 that answers JSON-RPC requests the way a test scripts it: garbage,
errors, other blocks, slow or oversized answers, or anvil's own answer passed through (and altered).

The client under test talks to it over a real socket, exactly as to a node.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    """What the server sends: a JSON value (``body``) or raw bytes (``raw``), with a status and headers.
    ``chunked`` streams the bytes in chunks of ``chunk`` bytes, ``pause`` seconds apart, with no
    Content-Length; ``delay`` waits before answering at all."""
    body: Any = None
    raw: bytes | None = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    chunked: bool = False
    chunk: int = 1 << 16
    pause: float = 0.0
    delay: float = 0.0


def empty_block(number: int) -> dict:
    return {"number": hex(number), "hash": "0x" + f"{number:064x}", "transactions": []}


def answer(request: Any, results: Callable[[dict], Any]) -> Any:
    """A well-formed answer to a request or a batch, each call answered with ``results(call)``."""
    if isinstance(request, list):
        return [{"jsonrpc": "2.0", "id": call["id"], "result": results(call)} for call in request]
    return {"jsonrpc": "2.0", "id": request["id"], "result": results(request)}


def well_behaved(head: int = 100) -> Callable[[Any], Reply]:
    """A node with empty blocks 0 to ``head``."""
    def results(call: dict) -> Any:
        if call["method"] == "eth_blockNumber":
            return hex(head)
        number = int(call["params"][0], 16)
        return empty_block(number) if number <= head else None
    return lambda request: Reply(answer(request, results))


class ScriptedNode:
    """``handler(request_json) -> Reply``, served on a free port of 127.0.0.1 until :meth:`close`.
    Records every request (``requests``, with its ``headers``) and the most requests it was answering at
    once (``peak``)."""

    def __init__(self, handler: Callable[..., Reply]):
        self.handler = handler
        self.requests: list[Any] = []
        self.headers: list[dict] = []
        self.peak = 0
        self._active = 0
        self._lock = threading.Lock()
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except ConnectionError:  # the client under test hung up, as it may on a bad answer
                    pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with node._lock:
                    node._active += 1
                    node.peak = max(node.peak, node._active)
                    request = json.loads(body)
                    node.requests.append(request)
                    node.headers.append(dict(self.headers))
                try:
                    self._send(node.handler(request))
                finally:
                    with node._lock:
                        node._active -= 1

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if not reply.chunked:
                    if "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    try:
                        self.wfile.write(data)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for i in range(0, len(data), reply.chunk):
                        piece = data[i:i + reply.chunk]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        self.wfile.flush()
                        if reply.pause:
                            time.sleep(reply.pause)
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
