"""The HTTP side of the fake services: a threaded server on 127.0.0.1 that hands every request to a dispatcher."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Dispatch = Callable[[str, str, dict[str, str], bytes], tuple[int, Any, str]]
"""(method, path with query, headers, body) → (status, JSON-able body or bytes or None, content type)."""


def serve(dispatch: Dispatch, *, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    """Start serving on a free port (HTTPS with `tls`), in a daemon thread; `shutdown()` and `server_close()` stop it."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Small answers on a kept-alive connection would otherwise wait for the peer's delayed ACK.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, body, content_type = dispatch(self.command, self.path, dict(self.headers), raw)
            payload = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
