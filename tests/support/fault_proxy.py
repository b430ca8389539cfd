"""A small HTTP proxy in front of a test server: counts requests and injects faults.

* `fail_next(n)`: the next n requests are answered 503 (S3's SlowDown) without reaching the server;
* `lose_responses(n)`: the next n requests reach the server, but the client gets a 503 instead of the
  answer (the "did my request succeed?" case that must never lead to a blind second create);
  `lose_response_to(method, path)` does that for the first matching request only;
* `go_dark(after=n)`: after n more requests, every connection is closed unanswered (server gone);
* `requests`: (method, path) of everything the client sent, to count requests per operation and to
  prove that validation sent none.

Headers, including Host, are forwarded unchanged so request signatures (S3 SigV4) stay valid.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate (injected by the test proxy).</Message></Error>"
)


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._fail = 0
        self._lose = 0
        self._dark_after: int | None = None
        self._lose_match: tuple[str, str] | None = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; with Nagle on, each answer would wait ~40 ms
                # for a delayed ACK and every timing through the proxy would be wrong.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy._next_action(self.command, self.path)
                if action == "dark":
                    self.close_connection = True
                    self.connection.close()
                    return
                if action == "fail":
                    self._answer(503, {"Content-Type": "application/xml"}, SLOW_DOWN)
                    return
                status, headers, payload = proxy._forward(self.command, self.path, dict(self.headers), body)
                if action == "lose":
                    self._answer(503, {"Content-Type": "application/xml"}, SLOW_DOWN)
                    return
                self._answer(status, headers, payload)

            def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._fail = count

    def lose_responses(self, count: int) -> None:
        with self._lock:
            self._lose = count

    def lose_response_to(self, method: str, path: str) -> None:
        with self._lock:
            self._lose_match = (method, path)

    def go_dark(self, after: int = 0) -> None:
        with self._lock:
            self._dark_after = after

    def heal(self) -> None:
        with self._lock:
            self._fail = self._lose = 0
            self._dark_after = None
            self._lose_match = None

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    @contextmanager
    def counting(self) -> Iterator[list[tuple[str, str]]]:
        """The requests sent inside the block."""
        self.reset_counts()
        yield self.requests

    def _next_action(self, method: str, path: str) -> str:
        with self._lock:
            self.requests.append((method, path))
            if self._dark_after is not None:
                if self._dark_after == 0:
                    return "dark"
                self._dark_after -= 1
            if self._fail:
                self._fail -= 1
                return "fail"
            if self._lose:
                self._lose -= 1
                return "lose"
            if self._lose_match == (method, path):
                self._lose_match = None
                return "lose"
            return "forward"

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()
