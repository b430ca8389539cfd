"""The fake Dremio server: state, test hooks, HTTP dispatch, authentication and login."""


from __future__ import annotations

import base64
import json
import os
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.fake_dremio.catalog import CatalogMixin
from tests.support.fake_dremio.model import (
    Entity,
    HttpError,
    Reflection,
    _fields,
    _without_nulls,
    error,
    key,
    new_tag,
    now,
)
from tests.support.fake_dremio.reflections import ReflectionsMixin
from tests.support.fake_dremio.sources import SourcesMixin
from tests.support.http_fake import serve


class FakeDremio(CatalogMixin, SourcesMixin, ReflectionsMixin):
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.entities: dict[str, Entity] = {}
        self.namespace: dict[tuple[str, ...], str] = {}
        self.reflections: dict[str, Reflection] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.s3_content: dict[tuple[str, ...], dict[str, Any]] = {}
        """Unpromoted folders and files of S3 sources: lower-cased full path → {path, fields, file}."""
        self.direct_tables: list[tuple[list[str], list[dict[str, Any]]]] = []
        self.unreachable_hosts: set[str] = set()
        self.system_options: dict[str, bool | int] = {"store.plugin.keep_metadata_on_replace": False}
        """Support keys (`ALTER SYSTEM SET`), with Dremio's defaults."""
        self.sql_failures: list[tuple[str, str]] = []
        self.recent_jobs: list[dict[str, Any]] = []
        """Rows of `sys.jobs_recent` that a query of that table returns (its WHERE clause is not applied)."""
        self.backups: list[str] = []
        """Target directory of every metadata backup taken (`POST /apiv2/backup`)."""
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[Any] = []
        """The parsed JSON body of each request, in the order of `requests` (None when empty)."""
        self._fail: list[int] = []
        self._before: list[tuple[str, str, Callable[[], None]]] = []
        self._server: ThreadingHTTPServer | None = None

    # -- test hooks --------------------------------------------------------------------------------------

    def seed_s3_folder(self, path: list[str], fields: list[tuple[str, str]], *, file: bool = False) -> None:
        """A folder (or file) inside an S3 source, e.g. ["lake", "bronze", "orders"] under source "lake"."""
        with self.lock:
            self.s3_content[key(path)] = {"path": list(path), "fields": _fields(fields), "file": file}

    def seed_table(self, path: list[str], fields: list[tuple[str, str]]) -> None:
        """A table of a PostgreSQL or Elasticsearch source (a DIRECT dataset): appears with its source."""
        with self.lock:
            self.direct_tables.append((list(path), _fields(fields)))
            source = self._entity_at(path[:1])
            if source and source.kind == "source":
                self._add_direct(path, _fields(fields))

    def fail_sql_matching(self, text: str, message: str) -> None:
        """Every SQL job whose statement contains `text` ends FAILED with `message` (a query Dremio rejects)."""
        with self.lock:
            self.sql_failures.append((text, message))

    def fail_next(self, count: int, status: int = 503) -> None:
        with self.lock:
            self._fail = [status] * count

    def before_next(self, method: str, pattern: str, action: Callable[[], None]) -> None:
        """Run `action` once, right before the next `method` request whose path matches `pattern`."""
        with self.lock:
            self._before.append((method, pattern, action))

    def touch(self, object_id: str) -> None:
        """Another client saved the entity or reflection unchanged: only its tag moves on."""
        with self.lock:
            target = self.entities.get(object_id) or self.reflections[object_id]
            target.tag = new_tag()

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # -- server ------------------------------------------------------------------------------------------

    def start(self) -> FakeDremio:
        self._server = serve(lambda *request: self.dispatch(*request))
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- dispatch ----------------------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, str]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.requests.append((method, raw_path))
            try:
                self.bodies.append(json.loads(raw) if raw else None)
            except json.JSONDecodeError:
                self.bodies.append(raw)
            if self._fail:
                status = self._fail.pop(0)
                return status, {"errorMessage": f"injected {status}", "moreInfo": ""}, "application/json"
            for hook in list(self._before):
                if hook[0] == method and re.fullmatch(hook[1], path):
                    self._before.remove(hook)
                    hook[2]()
                    break
            try:
                body = None
                if raw:
                    try:
                        body = json.loads(raw)
                    except json.JSONDecodeError as problem:
                        raise HttpError(400, f"Unexpected character: {problem.msg}".encode(), "text/plain") from None
                handler, args = self._route(method, path)
                if not getattr(handler, "public", False):
                    self._authenticate(path, headers)
                result = handler(*args, body=body, query=query)
                status, payload = result if isinstance(result, tuple) else (200, result)
                return status, _without_nulls(payload), "application/json"
            except HttpError as problem:
                return problem.status, problem.body, problem.content_type

    def _route(self, method: str, path: str) -> tuple[Callable[..., Any], list[str]]:
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/apiv2/server_status", self.server_status),
            ("PUT", r"/apiv2/bootstrap/firstuser", self.first_user),
            ("POST", r"/apiv2/login", self.login),
            ("GET", r"/apiv2/login", self.check_login),
            ("DELETE", r"/apiv2/login", self.logout),
            ("GET", r"/api/v3/info", self.info),
            ("POST", r"/apiv2/backup", self.backup),
            ("GET", r"/api/v3/catalog", self.list_top_level),
            ("POST", r"/api/v3/catalog", self.create_entity),
            ("GET", r"/api/v3/catalog/by-path/(.+)", self.get_by_path),
            ("POST", r"/api/v3/catalog/([^/]+)/refresh", self.refresh_dataset),
            ("GET", r"/api/v3/catalog/([^/]+)", self.get_by_id),
            ("PUT", r"/api/v3/catalog/([^/]+)", self.update_entity),
            ("POST", r"/api/v3/catalog/([^/]+)", self.promote),
            ("DELETE", r"/api/v3/catalog/([^/]+)", self.delete_entity),
            ("POST", r"/api/v3/reflection", self.create_reflection),
            ("GET", r"/api/v3/reflection/([^/]+)", self.get_reflection),
            ("PUT", r"/api/v3/reflection/([^/]+)", self.update_reflection),
            ("DELETE", r"/api/v3/reflection/([^/]+)", self.delete_reflection),
            ("GET", r"/api/v3/dataset/([^/]+)/reflection", self.list_reflections),
            ("POST", r"/api/v3/sql", self.run_sql),
            ("GET", r"/api/v3/job/([^/]+)", self.get_job),
            ("GET", r"/api/v3/job/([^/]+)/results", self.job_results),
        ]
        allowed_elsewhere = False
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match:
                if verb == method:
                    return handler, list(match.groups())
                allowed_elsewhere = True
        if allowed_elsewhere:
            raise error(405, "HTTP 405 Method Not Allowed")
        raise error(404, "HTTP 404 Not Found")

    def _authenticate(self, path: str, headers: dict[str, str]) -> None:
        if path.startswith("/apiv2/") and not self.users:
            raise error(403, "No User Available")
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = header
        if header.startswith("_dremio"):
            token = header[len("_dremio"):].strip()
        elif header.lower().startswith("bearer "):
            parts = header.split()
            token = parts[1] if len(parts) == 2 else ""
        if token not in self.tokens:
            raise HttpError(401)

    # -- bootstrap, login, info --------------------------------------------------------------------------

    def server_status(self, **_: Any) -> Any:
        return "OK"

    server_status.public = True  # type: ignore[attr-defined]

    def first_user(self, *, body: Any, **_: Any) -> Any:
        if self.users:
            raise error(400, "First user can only be created when no user is already registered", context=[])
        body = body or {}
        password = body.get("password") or ""
        if len(password) < 8 or not re.search(r"\d", password) or not re.search(r"[A-Za-z]", password):
            raise error(400, "Invalid password: must be at least 8 letters long, must contain at least one number and one letter", context=[])
        name = body.get("userName") or ""
        self.users[name] = {**{k: v for k, v in body.items() if k != "password"}, "password": password, "id": str(uuid.uuid4())}
        home = Entity("home", [f"@{name}"], {})
        self._register(home)
        return {"resourcePath": f"/user/{name}", "userName": name, "id": self.users[name]["id"], "name": name,
                "links": {"self": f"/user/{name}"}, "userConfig": {"userName": name, "firstName": body.get("firstName"),
                "lastName": body.get("lastName"), "email": body.get("email"), "active": True}}

    first_user.public = True  # type: ignore[attr-defined]

    def login(self, *, body: Any, **_: Any) -> Any:
        if not self.users:
            raise error(403, "No User Available")
        body = body or {}
        name, password = body.get("userName") or "", body.get("password") or ""
        if not name or not password:
            raise error(401, "user name or password cannot be null or empty")
        user = self.users.get(name)
        if not user or user["password"] != password:
            raise error(401, f"Login failed: Invalid username or password, user {name}")
        token = "".join(re.findall(r"[a-z2-7]", base64.b32encode(os.urandom(17)).decode().lower()))[:26]
        self.tokens[token] = name
        return {"token": token, "userName": name, "firstName": user.get("firstName"), "lastName": user.get("lastName"),
                "expires": int(datetime.now(UTC).timestamp() * 1000) + 30 * 3600 * 1000, "email": user.get("email"),
                "userId": user["id"], "admin": True, "clusterId": "fake-cluster", "version": "25.2.0-fake",
                "clusterCreatedAt": 0, "userCreatedAt": 0, "permissions": {"canCreateSource": True}}

    login.public = True  # type: ignore[attr-defined]

    def check_login(self, **_: Any) -> Any:
        return True

    def logout(self, **_: Any) -> Any:
        return 204, None

    def backup(self, *, body: Any, **_: Any) -> Any:
        # The body is the target directory as a JSON string; Dremio writes a dated directory inside it.
        if not isinstance(body, str) or "://" not in body:
            raise error(400, "Backup path must be an absolute URI", context=[])
        self.backups.append(body)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d_%H.%M")
        return {"backupPath": f"{body}/dremio_backup_{stamp}", "tables": len(self.entities) + 12, "files": 0}

    def info(self, **_: Any) -> Any:
        return {"version": "25.2.0-fake", "buildTime": now(), "commit": {"hash": "fake"}, "clusterType": "OSS"}

    # -- namespace helpers -------------------------------------------------------------------------------

