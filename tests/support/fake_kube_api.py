"""A fake of the Kubernetes API server's side of port-forwarding, written from the protocol: reading a Service,
listing its pods, and `pods/<name>/portforward` as a WebSocket (RFC 6455) with the `v4.channel.k8s.io`
subprotocol. For each forwarded port the server opens two channels (data 0, error 1), sends on each a first frame
with the port number (2 bytes, little-endian), then relays channel-0 frames to and from the pod's port, which
here is a real local server. Authentication is a bearer token; RBAC denials answer 403 with a Status naming the
verb and resource, as the API server does.

Test hooks: `pods` (readiness can change while a test runs), `denied` (verb, resource) pairs, and `reset_streams`
(that many next streams are dropped after the first bytes of a request, as a broken connection does).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TOKEN = "fake-token"


@dataclass
class FakePod:
    name: str
    labels: dict[str, str]
    ports: dict[str, int]
    """Container port name → number."""
    backend: int
    """The local port that stands in for the pod's ports."""
    ready: bool = True


@dataclass
class FakeKubeApi:
    namespace: str
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Service name → {"selector": {...}, "ports": [{"port": 9047, "targetPort": "web"}]}."""
    pods: list[FakePod] = field(default_factory=list)
    denied: set[tuple[str, str]] = field(default_factory=set)
    reset_streams: int = 0
    streams: int = 0
    """Port-forward streams opened so far."""
    requests: list[tuple[str, str]] = field(default_factory=list)

    def start(self) -> FakeKubeApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                fake.handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def kubeconfig(self, directory: Path, context: str = "fake") -> Path:
        path = directory / "kubeconfig"
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "ci", "user": {"token": TOKEN}}],
                    "contexts": [{"name": context, "context": {"cluster": "fake", "user": "ci"}}],
                    "current-context": context,
                }
            )
        )
        return path

    # -- HTTP ---------------------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        path, query = parts.path, parse_qs(parts.query)
        self.requests.append(("GET", path))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._json(request, 401, _status(401, "Unauthorized", "Unauthorized"))
        prefix = f"/api/v1/namespaces/{self.namespace}/"
        if not path.startswith(prefix):
            return self._json(request, 404, _status(404, "NotFound", f"no namespace in {path}"))
        rest = path[len(prefix) :].split("/")
        if rest[0] == "services" and len(rest) == 2:
            if ("get", "services") in self.denied:
                return self._forbidden(request, "get", "services", rest[1])
            service = self.services.get(rest[1])
            if service is None:
                return self._json(request, 404, _status(404, "NotFound", f'services "{rest[1]}" not found'))
            return self._json(request, 200, {
                "kind": "Service", "apiVersion": "v1",
                "metadata": {"name": rest[1], "namespace": self.namespace},
                "spec": {"selector": service["selector"], "ports": service["ports"]},
            })
        if rest == ["pods"]:
            if ("list", "pods") in self.denied:
                return self._forbidden(request, "list", "pods", None)
            wanted = dict(item.split("=", 1) for item in query.get("labelSelector", [""])[0].split(",") if item)
            items = [self._pod(pod) for pod in self.pods if wanted.items() <= pod.labels.items()]
            return self._json(request, 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items})
        if len(rest) == 3 and rest[0] == "pods" and rest[2] == "portforward":
            if ("create", "pods/portforward") in self.denied:
                return self._forbidden(request, "create", "pods/portforward", rest[1])
            return self._portforward(request, rest[1], int(query["ports"][0]))
        return self._json(request, 404, _status(404, "NotFound", f"the fake does not serve {path}"))

    def _pod(self, pod: FakePod) -> dict[str, Any]:
        return {
            "metadata": {"name": pod.name, "namespace": self.namespace, "labels": pod.labels},
            "spec": {"containers": [{"name": "main", "ports": [{"name": n, "containerPort": p} for n, p in pod.ports.items()]}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if pod.ready else "False"}]},
        }

    def _forbidden(self, request: BaseHTTPRequestHandler, verb: str, resource: str, name: str | None) -> None:
        kind, _, sub = resource.partition("/")
        target = f'{kind} "{name}"' if name else kind
        message = (f'{target} is forbidden: User "ci" cannot {verb} resource "{resource}" in API group "" '
                   f'in the namespace "{self.namespace}"')
        self._json(request, 403, _status(403, "Forbidden", message))

    @staticmethod
    def _json(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    # -- port-forward over WebSocket ----------------------------------------------------------------------

    def _portforward(self, request: BaseHTTPRequestHandler, pod_name: str, port: int) -> None:
        pod = next((p for p in self.pods if p.name == pod_name), None)
        if request.headers.get("Upgrade", "").lower() != "websocket" or pod is None:
            return self._json(request, 400, _status(400, "BadRequest", "upgrade request required"))
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if "v4.channel.k8s.io" not in protocols:
            return self._json(request, 400, _status(400, "BadRequest", "no supported subprotocol"))
        accept = base64.b64encode(hashlib.sha1((request.headers["Sec-WebSocket-Key"] + WEBSOCKET_GUID).encode()).digest())
        request.wfile.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n"
        )
        request.wfile.flush()
        request.close_connection = True
        self.streams += 1
        reset = self.reset_streams > 0
        if reset:
            self.reset_streams -= 1
        client = request.connection
        port_bytes = struct.pack("<H", port)
        client.sendall(_frame(b"\x00" + port_bytes) + _frame(b"\x01" + port_bytes))
        backend = socket.create_connection(("127.0.0.1", pod.backend))
        reader = request.rfile

        def from_backend() -> None:
            try:
                while data := backend.recv(65536):
                    client.sendall(_frame(b"\x00" + data))
            except OSError:
                pass
            try:
                client.sendall(_frame(b"", opcode=0x8))
            except OSError:
                pass

        threading.Thread(target=from_backend, daemon=True).start()
        try:
            while True:
                opcode, payload = _read_frame(reader)
                if opcode == 0x8 or opcode is None:
                    break
                if opcode == 0x2 and payload and payload[0] == 0:
                    if reset:
                        # The stream breaks mid-request: the bytes never reach the pod.
                        client.shutdown(socket.SHUT_RDWR)
                        break
                    backend.sendall(payload[1:])
        except OSError:
            pass
        finally:
            backend.close()


def _frame(payload: bytes, opcode: int = 0x2) -> bytes:
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([len(payload)])
    elif len(payload) < 65536:
        header += bytes([126]) + struct.pack(">H", len(payload))
    else:
        header += bytes([127]) + struct.pack(">Q", len(payload))
    return header + payload


def _read_frame(reader: Any) -> tuple[int | None, bytes]:
    head = reader.read(2)
    if len(head) < 2:
        return None, b""
    opcode, masked, length = head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", reader.read(2))[0]
    elif length == 127:
        length = struct.unpack(">Q", reader.read(8))[0]
    mask = reader.read(4) if masked else b"\0\0\0\0"
    data = reader.read(length)
    return opcode, bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
