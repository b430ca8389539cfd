"""A fake Elasticsearch over HTTPS, for the Jobs' shell scripts that talk to the real one (the log indices'
lifecycle set-up, the trace-index clean-up): basic authentication, cluster health, ILM policies, index
templates, `_cat/indices` and index deletion, as Elasticsearch 9 answers them. Its certificate is signed by a
throw-away CA made with the openssl CLI, so the scripts verify it exactly as they verify the platform CA."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.http_fake import serve


def make_ca_and_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """(ca.crt, server.crt, server.key) for 127.0.0.1, made with openssl."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
            "-subj", "/CN=test platform CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "1", "-extfile", "san.ext")
    return directory / "ca.crt", directory / "server.crt", directory / "server.key"


class FakeElasticsearch:
    def __init__(self, directory: Path, *, users: dict[str, str]) -> None:
        self.ca, certificate, key = make_ca_and_certificate(directory)
        self.users = users
        self.policies: dict[str, Any] = {}
        self.templates: dict[str, Any] = {}
        self.indices: set[str] = set()
        self.requests: list[tuple[str, str, str]] = []
        """(user, method, path) of every authenticated request."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        self._server = serve(self.dispatch, tls=context)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, str]:
        user = self._user(headers)
        if user is None:
            return 401, {"error": {"type": "security_exception", "reason": "unable to authenticate user"}, "status": 401}, "application/json"
        parts = urlsplit(raw_path)
        path = parts.path
        self.requests.append((user, method, path))
        body = json.loads(raw) if raw else None
        if method == "GET" and path == "/_cluster/health":
            return 200, {"cluster_name": "elasticsearch", "status": "green"}, "application/json"
        if method == "PUT" and path.startswith("/_ilm/policy/"):
            if not isinstance(body, dict) or "policy" not in body:
                return 400, {"error": {"type": "parse_exception", "reason": "policy is missing"}}, "application/json"
            self.policies[path.rsplit("/", 1)[1]] = body["policy"]
            return 200, {"acknowledged": True}, "application/json"
        if method == "PUT" and path.startswith("/_index_template/"):
            if not isinstance(body, dict) or "index_patterns" not in body:
                return 400, {"error": {"type": "parse_exception", "reason": "index_patterns is missing"}}, "application/json"
            self.templates[path.rsplit("/", 1)[1]] = body
            return 200, {"acknowledged": True}, "application/json"
        if method == "GET" and path.startswith("/_cat/indices/"):
            prefix = path.removeprefix("/_cat/indices/").rstrip("*")
            listing = "".join(f"{index}\n" for index in sorted(self.indices) if index.startswith(prefix))
            return 200, listing.encode(), "text/plain"
        if method == "DELETE" and path.count("/") == 1:
            index = path[1:]
            if "*" in index:
                return 400, {"error": {"type": "illegal_argument_exception", "reason": "Wildcard expressions or all indices are not allowed"}}, "application/json"
            if index not in self.indices:
                return 404, {"error": {"type": "index_not_found_exception"}}, "application/json"
            self.indices.discard(index)
            return 200, {"acknowledged": True}, "application/json"
        return 404, {"error": f"the fake does not serve {method} {path}"}, "application/json"

    def _user(self, headers: dict[str, str]) -> str | None:
        value = headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user if self.users.get(user) == password else None
