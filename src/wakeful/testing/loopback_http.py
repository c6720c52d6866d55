"""The HTTP plumbing shared by the loopback protocol servers.

A loopback server is a real HTTP server on 127.0.0.1 that speaks a vendor's wire protocol, so
tests and benchmarks can drive the official SDKs end to end without a network. Each server is
scripted with turns (the scripted-provider format) or answers through a callable, and keeps
every request it received for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Turn = dict[str, Any]
Responder = Callable[[dict[str, Any]], Turn]


def estimate_tokens(text: str) -> int:
    """Deterministic token estimate used by both servers: one token per four characters,
    rounded up (so any non-empty text costs at least one token)."""
    return -(-len(text) // 4)


def canonical_json(value: Any) -> str:
    """Key-sorted, whitespace-free JSON: the identity of a prompt piece for caching."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def turn_arguments(call: dict[str, Any]) -> str:
    """The raw argument text of a scripted tool call: a string is sent verbatim (so tests can
    script malformed JSON), anything else is JSON-encoded."""
    args = call.get("input", {})
    return args if isinstance(args, str) else json.dumps(args)


def split_chunks(text: str, size: int) -> list[str]:
    """Split into pieces the way a model streams (several deltas per block)."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class ReceivedRequest:
    """One HTTP request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = field(default_factory=time.time)


@dataclass
class Reply:
    """What the protocol layer wants sent back."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Runs after the simulated latency and before the reply is sent: a cache write becomes
    # visible when the response starts, as with the real APIs, so requests that overlap an
    # in-flight one miss, while a client that waits for the reply always sees it.
    commit: Callable[[], None] | None = None


class LoopbackServer:
    """Base class: a ThreadingHTTPServer in a daemon thread, used as a context manager.

    Subclasses implement `handle(path, body, headers) -> Reply`. Turns are consumed in order;
    when `responder` is given it is called with each request body instead. `latency` is slept
    before a reply is sent, to simulate generation time (and let concurrent requests overlap).
    """

    def __init__(
        self,
        turns: list[Turn] | None = None,
        responder: Responder | None = None,
        latency: float = 0.0,
    ) -> None:
        if turns is None and responder is None:
            turns = []
        self.turns = list(turns or [])
        self.responder = responder
        self.latency = latency
        self.requests: list[ReceivedRequest] = []
        self._turn_index = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        # A short poll interval keeps `stop()` (which waits for the next poll) fast.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("loopback server is not running; use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.body for r in self.requests]

    # -- scripting ---------------------------------------------------------------------------

    def next_turn(self, body: dict[str, Any]) -> Turn:
        """The scripted answer to this request; an exhausted script answers with an error turn
        that says so, rather than hanging."""
        if self.responder is not None:
            return self.responder(body)
        with self._lock:
            index = self._turn_index
            self._turn_index += 1
        if index >= len(self.turns):
            return {
                "error": "invalid",
                "message": f"loopback server has no turn {index + 1} (it has {len(self.turns)})",
            }
        return self.turns[index]

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def handle(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        raise NotImplementedError


def _make_handler(owner: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle's algorithm on, a
        # keep-alive client's delayed ACK would add ~40 ms to every reply.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = json.loads(raw) if raw else {}
            except json.JSONDecodeError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            path = self.path.split("?", 1)[0]
            owner._record(ReceivedRequest("POST", path, headers, body))
            reply = owner.handle(path, body, headers)
            if owner.latency:
                time.sleep(owner.latency)
            if reply.commit is not None:
                reply.commit()
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(reply.body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def sse(events: list[tuple[str | None, Any]]) -> bytes:
    """Encode server-sent events; a None event name writes a bare `data:` line (OpenAI)."""
    out: list[str] = []
    for name, data in events:
        if name is not None:
            out.append(f"event: {name}\n")
        payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
        out.append(f"data: {payload}\n\n")
    return "".join(out).encode("utf-8")
