"""A fake Dremio REST server for the tests, following shared/reference/dremio-rest-api.md (OSS 25.2).

A real HTTP server on 127.0.0.1 (threads, JSON), implementing the contract's fidelity checklist (§10):

* bootstrap and login: "No User Available" (403) on /apiv2 before the first user, 401 with an empty body
  for a missing or unknown token, the three Authorization forms (`_dremio<t>`, `Bearer <t>`, bare);
* a case-insensitive namespace of spaces, folders, sources, views and tables with UUID ids and opaque
  12-character tags that change on every write; `dremio:/…` ids for unpromoted folders of a source;
* tag enforcement as Dremio does it: sources, spaces, folders and reflections yes, views and tables no;
  the catalog PUT/DELETE quirk that turns bad input into 404;
* strict nested objects (`config` keys per source type, `metadataPolicy`), lenient top level; PUT
  resetting what it omits; secrets masked as `$DREMIO_EXISTING_VALUE$` and honoured on PUT;
  metadata-impacting source changes dropping promoted datasets and their reflections;
* views whose SQL must reference existing datasets (400 INVALID_QUERY otherwise); promotion of source
  folders to tables and their refresh policies; reflections with non-unique names, tags and status;
* the error body shapes of §3.

What a fake cannot know is seeded by the tests: the folders and files inside S3 sources
(`seed_s3_folder`), the tables of PostgreSQL and Elasticsearch sources (`seed_table`), and which
hosts a source cannot reach (`unreachable_hosts`). A view's columns are taken from its SELECT list.

Test hooks: `fail_next(n, status)` answers the next n requests with that status, `expire_tokens()`,
`before_next(method, pattern, action)` runs `action` just before the next matching request (another
client writing in between, e.g. `touch(id)` to change a tag), `requests` (method, path) of everything
received.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

EXISTING = "$DREMIO_EXISTING_VALUE$"
NEVER = "1969-12-31T23:59:59.999Z"
DEFAULT_METADATA_POLICY = {
    "authTTLMs": 86400000,
    "namesRefreshMs": 3600000,
    "datasetRefreshAfterMs": 3600000,
    "datasetExpireAfterMs": 10800000,
    "datasetUpdateMode": "PREFETCH_QUERIED",
    "deleteUnavailableDatasets": True,
    "autoPromoteDatasets": False,
}
METADATA_PERIODS = ("authTTLMs", "namesRefreshMs", "datasetRefreshAfterMs", "datasetExpireAfterMs")
UPDATE_MODES = {"PREFETCH", "PREFETCH_QUERIED", "INLINE", "UNKNOWN"}

# Per source type: field → (kind, default). kind: str, bool, int, list, props (name/value list), hosts,
# or a set of enum values. Secrets are listed separately. Defaults None: not filled in.
CONFIG_SCHEMAS: dict[str, dict[str, tuple[Any, Any]]] = {
    "S3": {
        "credentialType": ({"ACCESS_KEY", "EC2_METADATA", "NONE", "AWS_PROFILE"}, "ACCESS_KEY"),
        "accessKey": ("str", ""),
        "accessSecret": ("str", None),
        "secure": ("bool", True),
        "externalBucketList": ("list", None),
        "propertyList": ("props", None),
        "rootPath": ("str", "/"),
        "enableAsync": ("bool", True),
        "compatibilityMode": ("bool", False),
        "isCachingEnabled": ("bool", True),
        "maxCacheSpacePct": ("int", 100),
        "whitelistedBuckets": ("list", None),
        "assumedRoleARN": ("str", None),
        "kmsKeyARN": ("str", None),
        "awsProfile": ("str", None),
        "requesterPays": ("bool", False),
        "enableFileStatusCheck": ("bool", True),
        "defaultCtasFormat": ({"ICEBERG", "PARQUET"}, "ICEBERG"),
        "isPartitionInferenceEnabled": ("bool", False),
    },
    "POSTGRES": {
        "hostname": ("str", None),
        "port": ("str", "5432"),
        "databaseName": ("str", None),
        "username": ("str", None),
        "password": ("str", None),
        "authenticationType": ({"ANONYMOUS", "MASTER", "USER", "KERBEROS", "AWS_PROFILE", "SECRET"}, "ANONYMOUS"),
        "secretResourceUrl": ("str", None),
        "fetchSize": ("int", 200),
        "useSsl": ("bool", False),
        "encryptionValidationMode": ({"CERTIFICATE_AND_HOSTNAME_VALIDATION", "CERTIFICATE_ONLY_VALIDATION", "NO_VALIDATION"}, "CERTIFICATE_AND_HOSTNAME_VALIDATION"),
        "maxIdleConns": ("int", 8),
        "idleTimeSec": ("int", 60),
        "queryTimeoutSec": ("int", 0),
        "propertyList": ("props", None),
    },
    "ELASTIC": {
        "hostList": ("hosts", None),
        "authenticationType": ({"ANONYMOUS", "MASTER"}, "ANONYMOUS"),
        "username": ("str", None),
        "password": ("str", None),
        "sslEnabled": ("bool", False),
        "useWhitelist": ("bool", False),
        "scriptsEnabled": ("bool", True),
        "showHiddenIndices": ("bool", False),
        "showIdColumn": ("bool", False),
        "readTimeoutMillis": ("int", 60000),
        "scrollTimeoutMillis": ("int", 300000),
        "usePainless": ("bool", True),
        "scrollSize": ("int", 4000),
        "allowPushdownOnNormalizedOrAnalyzedFields": ("bool", False),
        "pushdownWithKeyword": ("bool", False),
        "warnOnRowCountMismatch": ("bool", False),
        "encryptionValidationMode": ({"CERTIFICATE_AND_HOSTNAME_VALIDATION", "CERTIFICATE_ONLY_VALIDATION", "NO_VALIDATION"}, "CERTIFICATE_AND_HOSTNAME_VALIDATION"),
        "forceDoublePrecision": ("bool", False),
    },
}
SECRET_FIELDS = {"S3": {"accessSecret"}, "POSTGRES": {"password", "secretResourceUrl"}, "ELASTIC": {"password"}}
NOT_METADATA_IMPACTING = {
    "S3": {"secure", "enableAsync", "isCachingEnabled", "maxCacheSpacePct", "kmsKeyARN", "enableFileStatusCheck",
           "defaultCtasFormat", "isPartitionInferenceEnabled"},
    "POSTGRES": {"fetchSize"},
    "ELASTIC": set(),
}
FORMAT_TYPES = {"Parquet", "JSON", "Text", "Avro", "Iceberg", "Delta", "Excel", "XLS", "HttpLog", "Unknown"}
MEASURE_TYPES = {"MIN", "MAX", "SUM", "COUNT", "APPROX_COUNT_DISTINCT", "UNKNOWN"}
NUMERIC = {"BIGINT", "INTEGER", "DOUBLE", "FLOAT", "DECIMAL"}


class HttpError(Exception):
    def __init__(self, status: int, body: Any = None, content_type: str = "application/json"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type


def error(status: int, message: str, *, context: list[str] | None = None) -> HttpError:
    body: dict[str, Any] = {"errorMessage": message, "moreInfo": ""}
    if context is not None:
        body["context"] = context
    return HttpError(status, body)


def validation_error(field_name: str, message: str) -> HttpError:
    return HttpError(
        400,
        {
            "errorMessage": f"Invalid input \n{field_name}: {message}",
            "moreInfo": "",
            "validationErrorMessages": {"fieldErrorMessages": {field_name: [message]}, "globalErrorMessages": []},
        },
    )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{datetime.now(UTC).microsecond // 1000:03d}Z"


def new_tag() -> str:
    return base64.b64encode(os.urandom(8)).decode()


def key(path: list[str]) -> tuple[str, ...]:
    return tuple(part.lower() for part in path)


@dataclass
class Entity:
    kind: str  # space, folder, source, view, table
    path: list[str]
    body: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tag: str = field(default_factory=new_tag)
    created_at: str = field(default_factory=now)
    fields: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Reflection:
    body: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tag: str = field(default_factory=new_tag)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


class FakeDremio:
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
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                import socket

                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, content_type = fake.dispatch(self.command, self.path, dict(self.headers), raw)
                payload = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
                self.send_response(status)
                if payload:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
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

    def info(self, **_: Any) -> Any:
        return {"version": "25.2.0-fake", "buildTime": now(), "commit": {"hash": "fake"}, "clusterType": "OSS"}

    # -- namespace helpers -------------------------------------------------------------------------------

    def _register(self, entity: Entity) -> None:
        self.entities[entity.id] = entity
        self.namespace[key(entity.path)] = entity.id

    def _unregister(self, entity: Entity) -> None:
        self.entities.pop(entity.id, None)
        self.namespace.pop(key(entity.path), None)
        for reflection_id in [r for r, ref in self.reflections.items() if ref.body["datasetId"] == entity.id]:
            del self.reflections[reflection_id]

    def _entity_at(self, path: list[str]) -> Entity | None:
        entity_id = self.namespace.get(key(path))
        return self.entities.get(entity_id) if entity_id else None

    def _below(self, path: list[str]) -> list[Entity]:
        prefix = key(path)
        return [e for e in list(self.entities.values()) if key(e.path)[: len(prefix)] == prefix and len(e.path) > len(prefix)]

    def _add_direct(self, path: list[str], fields: list[dict[str, Any]]) -> None:
        if not self._entity_at(path):
            self._register(Entity("table", list(path), {"direct": True}, fields=fields))

    def _children(self, entity: Entity) -> list[dict[str, Any]]:
        items = []
        depth = len(entity.path)
        for child in self.entities.values():
            if len(child.path) == depth + 1 and key(child.path)[:depth] == key(entity.path):
                items.append(self._item(child))
        if entity.kind == "source":
            seen = {key(item["path"]) for item in items}
            for content in self.s3_content.values():
                if key(content["path"])[:depth] == key(entity.path) and len(content["path"]) > depth:
                    child_path = content["path"][: depth + 1]
                    if key(child_path) not in seen:
                        seen.add(key(child_path))
                        file = content["file"] and len(content["path"]) == depth + 1
                        items.append({"id": "dremio:/" + "/".join(child_path), "path": child_path,
                                      "type": "FILE" if file else "CONTAINER", **({} if file else {"containerType": "FOLDER"})})
        return items

    def _item(self, entity: Entity) -> dict[str, Any]:
        if entity.kind in ("view", "table"):
            dataset_type = "VIRTUAL" if entity.kind == "view" else ("DIRECT" if entity.body.get("direct") else "PROMOTED")
            return {"id": entity.id, "path": entity.path, "tag": entity.tag, "type": "DATASET", "datasetType": dataset_type,
                    "createdAt": entity.created_at}
        return {"id": entity.id, "path": entity.path, "tag": entity.tag, "type": "CONTAINER",
                "containerType": entity.kind.upper(), "createdAt": entity.created_at}

    # -- catalog: read -----------------------------------------------------------------------------------

    def list_top_level(self, **_: Any) -> Any:
        return {"data": [self._item(e) for e in self.entities.values() if len(e.path) == 1]}

    def get_by_path(self, raw: str, **_: Any) -> Any:
        path = [unquote(segment).strip('"') for segment in raw.split("/")]
        entity = self._entity_at(path)
        if entity:
            return self._render(entity, children=True)
        content = self.s3_content.get(key(path))
        if content or any(k[: len(path)] == key(path) for k in self.s3_content):
            source = self._entity_at(path[:1])
            if source and source.kind == "source":
                full = content["path"] if content else path
                if content and content["file"]:
                    return {"entityType": "file", "id": "dremio:/" + "/".join(full), "path": full}
                return {"entityType": "folder", "id": "dremio:/" + "/".join(full), "path": full,
                        "children": self._synthetic_children(full)}
        raise error(404, f"Could not find entity with path [[{', '.join(path)}]]")

    def _synthetic_children(self, path: list[str]) -> list[dict[str, Any]]:
        depth = len(path)
        items, seen = [], set()
        for content in self.s3_content.values():
            if key(content["path"])[:depth] == key(path) and len(content["path"]) > depth:
                child = content["path"][: depth + 1]
                if key(child) not in seen:
                    seen.add(key(child))
                    promoted = self._entity_at(child)
                    items.append(self._item(promoted) if promoted else {"id": "dremio:/" + "/".join(child), "path": child, "type": "CONTAINER", "containerType": "FOLDER"})
        return items

    def get_by_id(self, raw_id: str, **_: Any) -> Any:
        entity_id = unquote(raw_id)
        if entity_id.startswith("dremio:/"):
            return self.get_by_path("/".join(entity_id[len("dremio:/"):].split("/")))
        entity = self.entities.get(entity_id)
        if entity is None or entity.kind == "home":
            raise error(404, f"Could not find entity with id [{entity_id}]")
        return self._render(entity, children=True)

    def _render(self, entity: Entity, *, children: bool) -> dict[str, Any]:
        body = entity.body
        if entity.kind == "space":
            rendered = {"entityType": "space", "id": entity.id, "name": entity.path[0], "tag": entity.tag, "createdAt": entity.created_at}
        elif entity.kind == "folder":
            rendered = {"entityType": "folder", "id": entity.id, "path": entity.path, "tag": entity.tag}
        elif entity.kind == "source":
            rendered = {
                "entityType": "source", "config": self._masked_config(body["type"], body["config"]),
                "state": {"status": "good", "suggestedUserAction": "", "messages": []},
                "id": entity.id, "tag": entity.tag, "type": body["type"], "name": entity.path[0],
                "description": body.get("description"), "createdAt": entity.created_at,
                "metadataPolicy": body["metadataPolicy"],
                "accelerationGracePeriodMs": body["accelerationGracePeriodMs"],
                "accelerationRefreshPeriodMs": body["accelerationRefreshPeriodMs"],
                "accelerationActivePolicyType": "NEVER" if body["accelerationNeverRefresh"] else "PERIOD",
                "accelerationRefreshSchedule": "0 0 8 * * ?",
                "accelerationNeverExpire": body["accelerationNeverExpire"],
                "accelerationNeverRefresh": body["accelerationNeverRefresh"],
                "allowCrossSourceSelection": False, "disableMetadataValidityCheck": False,
            }
        elif entity.kind == "view":
            rendered = {"entityType": "dataset", "id": entity.id, "type": "VIRTUAL_DATASET", "path": entity.path,
                        "createdAt": entity.created_at, "tag": entity.tag, "sql": body["sql"],
                        "sqlContext": body.get("sqlContext"), "fields": entity.fields,
                        "isMetadataExpired": False, "lastMetadataRefreshAt": entity.created_at}
        else:
            rendered = {"entityType": "dataset", "id": entity.id, "type": "PHYSICAL_DATASET", "path": entity.path,
                        "createdAt": entity.created_at, "tag": entity.tag, "format": body.get("format"),
                        "accelerationRefreshPolicy": body.get("accelerationRefreshPolicy"), "fields": entity.fields,
                        "approximateStatisticsAllowed": False, "isMetadataExpired": False,
                        "lastMetadataRefreshAt": entity.created_at}
        if children and entity.kind in ("space", "folder", "source"):
            rendered["children"] = self._children(entity)
        return rendered

    def _masked_config(self, source_type: str, config: dict[str, Any]) -> dict[str, Any]:
        rendered = {}
        for name, (_, default) in CONFIG_SCHEMAS[source_type].items():
            value = config.get(name, default)
            if name in SECRET_FIELDS[source_type]:
                if value:
                    rendered[name] = EXISTING
            elif value is not None:
                rendered[name] = value
        return rendered

    # -- catalog: create ---------------------------------------------------------------------------------

    def create_entity(self, *, body: Any, **_: Any) -> Any:
        body = body or {}
        kind = body.get("entityType")
        if kind == "space":
            return self._create_space(body)
        if kind == "folder":
            return self._create_folder(body)
        if kind == "source":
            return self._create_source(body)
        if kind == "dataset" and body.get("type") == "VIRTUAL_DATASET":
            return self._create_view(body)
        raise error(400, f"An invalid value was found: {kind}")

    def _create_space(self, body: dict[str, Any]) -> Any:
        if body.get("id"):
            raise error(400, "Space id is immutable.", context=[])
        name = body.get("name") or ""
        if not name.strip():
            raise validation_error("name", "Space name can not be empty.")
        if name.startswith("@") or name.lower() == "tmp":
            raise error(400, f"Invalid space name [{name}].", context=[])
        if self._entity_at([name]):
            raise error(409, f"A space with the name [{name}] already exists.")
        entity = Entity("space", [name], {})
        self._register(entity)
        return self._render(entity, children=True)

    def _create_folder(self, body: dict[str, Any]) -> Any:
        path = list(body.get("path") or [])
        if len(path) < 2:
            raise error(400, "Folder path should be fully qualified.", context=[])
        if not re.fullmatch(r'[^."/]+', path[-1]):
            raise validation_error("path", "Folder name cannot contain periods, forward slashes or double quotes.")
        parent = self._entity_at(path[:-1])
        if parent is None:
            raise error(400, f"Could not find entity with path [[{', '.join(path[:-1])}]].", context=[])
        if parent.kind == "source":
            raise error(400, "Can not create a folder inside a [SOURCE].", context=[])
        if self._entity_at(path):
            raise error(409, f'The current location already contains a folder named "{path[-1]}". Please use a unique name for the new folder.')
        entity = Entity("folder", path, {})
        self._register(entity)
        return self._render(entity, children=True)

    def _create_source(self, body: dict[str, Any]) -> Any:
        for immutable in ("id", "tag"):
            if body.get(immutable):
                raise error(400, f"Source {immutable} is immutable.", context=[])
        name, source_type = body.get("name"), body.get("type")
        if name is None or body.get("config") is None:
            raise error(500, "Something went wrong.")
        if not re.fullmatch(r'[^."@]+', name):
            raise validation_error("name", "Source name can not contain periods, double quotes or @.")
        if name.lower() == "tmp":
            raise error(400, "Invalid source name [tmp].", context=[])
        if source_type not in CONFIG_SCHEMAS:
            raise error(400, f"An invalid value was found: {source_type}")
        if self._entity_at([name]):
            raise error(409, f"A source with the name [{name}] already exists.")
        stored = self._source_body(body, source_type, previous=None)
        self._check_connectivity(name, source_type, stored["config"])
        entity = Entity("source", [name], stored)
        self._register(entity)
        for path, fields in self.direct_tables:
            if key(path[:1]) == key([name]):
                self._add_direct(path, fields)
        return self._render(entity, children=True)

    def _source_body(self, body: dict[str, Any], source_type: str, previous: dict[str, Any] | None) -> dict[str, Any]:
        config = self._validated_config(source_type, body["config"], previous["config"] if previous else None)
        return {
            "type": source_type,
            "description": body.get("description"),
            "config": config,
            "metadataPolicy": self._metadata_policy(body.get("metadataPolicy")),
            # Primitive longs and Booleans: what a request omits is stored as 0 / false (PUT resets).
            "accelerationRefreshPeriodMs": int(body.get("accelerationRefreshPeriodMs") or 0),
            "accelerationGracePeriodMs": int(body.get("accelerationGracePeriodMs") or 0),
            "accelerationNeverExpire": bool(body.get("accelerationNeverExpire") or False),
            "accelerationNeverRefresh": bool(body.get("accelerationNeverRefresh") or False),
        }

    def _validated_config(self, source_type: str, config: Any, previous: dict[str, Any] | None) -> dict[str, Any]:
        if not isinstance(config, dict):
            raise error(400, "Invalid value found at: config")
        schema = CONFIG_SCHEMAS[source_type]
        stored: dict[str, Any] = {}
        for name, value in config.items():
            if name not in schema:
                raise error(400, f"Invalid value found at: config.{name}")
            kind, _ = schema[name]
            if value is not None and not _matches(kind, value):
                raise error(400, f"Invalid value found at: config.{name}")
            if name in SECRET_FIELDS[source_type] and value == EXISTING:
                value = (previous or {}).get(name)
            stored[name] = value
        if source_type == "S3" and stored.get("credentialType", "ACCESS_KEY") == "ACCESS_KEY":
            if not stored.get("accessKey") or not stored.get("accessSecret"):
                raise error(400, "You must provide AWS Access Key and AWS Access Secret.", context=[])
        if source_type == "POSTGRES":
            for required in ("hostname", "port", "databaseName"):
                if not str(stored.get(required) or schema[required][1] or "").strip():
                    raise validation_error(f"config.{required}", "must not be blank")
        if source_type == "ELASTIC" and not stored.get("hostList"):
            raise validation_error("config.hostList", "must not be empty")
        return stored

    def _metadata_policy(self, policy: Any) -> dict[str, Any]:
        if policy is None:
            return dict(DEFAULT_METADATA_POLICY)
        if not isinstance(policy, dict):
            raise error(400, "Invalid value found at: metadataPolicy")
        allowed = set(DEFAULT_METADATA_POLICY)
        for name in policy:
            if name not in allowed:
                raise error(400, f"Invalid value found at: metadataPolicy.{name}")
        mode = policy.get("datasetUpdateMode")
        if mode is None:
            raise error(500, "Something went wrong.")
        if mode not in UPDATE_MODES:
            raise error(400, "Invalid value found at: metadataPolicy.datasetUpdateMode")
        stored = {"datasetUpdateMode": mode}
        for name in METADATA_PERIODS:
            value = int(policy.get(name) or 0)
            if 0 < value < 60000:
                raise error(400, f"Source metadata policy {name} must be greater than or equal to 60000.", context=[])
            stored[name] = value or DEFAULT_METADATA_POLICY[name]
        stored["deleteUnavailableDatasets"] = bool(policy.get("deleteUnavailableDatasets") or False)
        stored["autoPromoteDatasets"] = bool(policy.get("autoPromoteDatasets") or False)
        return {name: stored[name] for name in DEFAULT_METADATA_POLICY}

    def _check_connectivity(self, name: str, source_type: str, config: dict[str, Any]) -> None:
        hosts = set()
        if source_type == "POSTGRES":
            hosts.add(config.get("hostname"))
        elif source_type == "ELASTIC":
            hosts |= {h.get("hostname") for h in config.get("hostList") or []}
        else:
            hosts |= {p["value"].split(":")[0] for p in config.get("propertyList") or [] if p.get("name") == "fs.s3a.endpoint"}
        if hosts & self.unreachable_hosts:
            raise error(400, f"Failed to create source with name {name}.", context=["Unable to connect to the data source."])

    def _create_view(self, body: dict[str, Any]) -> Any:
        path, sql = list(body.get("path") or []), body.get("sql") or ""
        if body.get("id"):
            raise error(400, "Dataset id is immutable.", context=[])
        if len(path) < 2:
            raise error(400, "Dataset path should be fully qualified.", context=[])
        if not sql.strip():
            raise error(400, "SQL must not be empty.", context=[])
        if body.get("format") is not None:
            raise error(400, "Virtual datasets can not have a format.", context=[])
        root = self._entity_at(path[:1])
        if root is None:
            raise error(400, f"Could not find the space, home space or versioned source with name [{path[0]}].", context=[])
        if root.kind not in ("space", "home"):
            raise error(400, "Virtual datasets can only be saved into spaces, home space or versioned sources.", context=[])
        if len(path) > 2 and self._entity_at(path[:-1]) is None:
            raise error(400, "Parent folder doesn't exist", context=[])
        if self._entity_at(path):
            raise HttpError(409, {"errorMessage": f"VDS '{path[-1]}' already exists. Please use a different name."})
        fields = self._view_fields(sql, body.get("sqlContext") or [])
        entity = Entity("view", path, {"sql": sql, "sqlContext": body.get("sqlContext")}, fields=fields)
        self._register(entity)
        return self._render(entity, children=False)

    def _view_fields(self, sql: str, context: list[str]) -> list[dict[str, Any]]:
        """Check every referenced dataset exists; derive the columns from the SELECT list."""
        referenced = []
        for match in re.finditer(r'\b(?:FROM|JOIN)\s+((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))*)', sql, re.I):
            parts = [part.strip().strip('"') for part in re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', match.group(1))]
            dataset = self._entity_at(parts) or (self._entity_at(context + parts) if context else None)
            if dataset is None or dataset.kind not in ("view", "table"):
                raise HttpError(400, {"code": "INVALID_QUERY", "message": f"Object '{parts[-1]}' not found within '{'.'.join(parts[:-1]) or '<context>'}'",
                                      "details": {"errors": [{"message": f"Object '{'.'.join(parts)}' not found"}]}})
            referenced.append(dataset)
        columns = {f["name"].lower(): f for dataset in referenced for f in dataset.fields}
        select = re.search(r"\bSELECT\s+(.*?)\s+FROM\b", sql, re.I | re.S)
        items = _split_top_level(select.group(1)) if select else []
        if not items or items == ["*"]:
            return copy.deepcopy(referenced[0].fields) if referenced else []
        fields = []
        for item in items:
            alias = re.search(r'\bAS\s+"?([\w$]+)"?\s*$', item, re.I)
            name = alias.group(1) if alias else re.split(r"[.\s]", item.strip())[-1].strip('"')
            source = columns.get(re.split(r"[\s(]", item.strip())[-1].strip('"').lower()) or columns.get(name.lower())
            aggregate = re.match(r"\s*(SUM|COUNT|AVG|MIN|MAX)\s*\(", item, re.I)
            kind = "BIGINT" if aggregate and aggregate.group(1).upper() == "COUNT" else (
                "DOUBLE" if aggregate else (source["type"]["name"] if source else "VARCHAR"))
            fields.append({"name": name, "type": {"name": kind}})
        return fields

    # -- catalog: promote, update, delete ----------------------------------------------------------------

    def promote(self, raw_id: str, *, body: Any, **_: Any) -> Any:
        entity_id = unquote(raw_id)
        if not entity_id.startswith("dremio:/"):
            entity = self.entities.get(entity_id)
            raise error(400, f"Can only promote a folder or a file but found [{(entity.kind if entity else 'UNKNOWN').upper()}]", context=[])
        target = entity_id[len("dremio:/"):].split("/")
        body = body or {}
        path = [part.strip('"') for part in body.get("path") or []]
        if key(path) != key(target):
            raise error(400, "Entity id does not match the path specified in the dataset.", context=[])
        if body.get("type") != "PHYSICAL_DATASET":
            raise error(400, "Promoted dataset type must be PHYSICAL_DATASET.", context=[])
        content = self.s3_content.get(key(target))
        if content is None:
            raise error(404, f"Could not find entity with id [{entity_id}]")
        if self._entity_at(target):
            raise error(409, f"Dataset [{'.'.join(target)}] already exists.")
        format_ = self._format(body.get("format"), content)
        policy = self._refresh_policy(body.get("accelerationRefreshPolicy"))
        entity = Entity("table", content["path"], {"format": format_, "accelerationRefreshPolicy": policy}, fields=copy.deepcopy(content["fields"]))
        self._register(entity)
        return self._render(entity, children=False)

    def _format(self, format_: Any, content: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(format_, dict) or format_.get("type") not in FORMAT_TYPES:
            raise error(400, "Promoted dataset needs to have a format set.", context=[])
        return {**format_, "name": content["path"][-1], "fullPath": content["path"], "ctime": 0,
                "isFolder": not content["file"], "location": "/" + "/".join(content["path"][1:]),
                "ignoreOtherFileFormats": False, **({"autoCorrectCorruptDates": True} if format_["type"] == "Parquet" else {})}

    def _refresh_policy(self, policy: Any) -> dict[str, Any] | None:
        if policy is None:
            return None
        if not isinstance(policy, dict):
            raise error(400, "Invalid value found at: accelerationRefreshPolicy")
        allowed = {"refreshPeriodMs", "gracePeriodMs", "method", "refreshField", "neverExpire", "neverRefresh",
                   "activePolicyType", "refreshSchedule", "sourceRefreshOnDataChanges"}
        for name in policy:
            if name not in allowed:
                raise error(400, f"Invalid value found at: accelerationRefreshPolicy.{name}")
        if policy.get("neverExpire") is None or policy.get("neverRefresh") is None:
            raise error(500, "Something went wrong.")
        if policy.get("method", "FULL") not in ("FULL", "INCREMENTAL"):
            raise error(400, "Invalid value found at: accelerationRefreshPolicy.method")
        never_refresh = bool(policy["neverRefresh"])
        return {
            "refreshPeriodMs": policy.get("refreshPeriodMs") or 3600000,
            "gracePeriodMs": policy.get("gracePeriodMs") or 10800000,
            "method": policy.get("method") or "FULL",
            "refreshField": policy.get("refreshField"),
            "neverExpire": bool(policy["neverExpire"]),
            "neverRefresh": never_refresh,
            "activePolicyType": "NEVER" if never_refresh else (policy.get("activePolicyType") or "PERIOD"),
            "refreshSchedule": policy.get("refreshSchedule") or "0 0 8 * * ?",
        }

    def update_entity(self, raw_id: str, *, body: Any, **_: Any) -> Any:
        entity_id = unquote(raw_id)
        body = body or {}
        entity = self.entities.get(entity_id)
        if entity is None:
            raise error(404, f"Could not find entity with id [{entity_id}]")
        # CatalogResource turns IllegalArgumentException into 404 for PUT.
        if not body.get("id"):
            raise error(404, "Entity id is required.")
        if body["id"] != entity_id:
            raise error(404, "Ids must match.")
        if entity.kind == "source":
            return self._update_source(entity, body)
        if entity.kind in ("space", "folder"):
            tag = body.get("tag")
            if tag is None:
                raise error(409, f"tried to create, found previous version {entity.tag}")
            if tag != entity.tag:
                raise error(409, f"tried to update version {tag}, found previous version {entity.tag}")
            entity.tag = new_tag()
            return self._render(entity, children=False)
        if entity.kind == "view":
            return self._update_view(entity, body)
        return self._update_table(entity, body)

    def _update_source(self, entity: Entity, body: dict[str, Any]) -> Any:
        tag = body.get("tag")
        if tag is None:
            raise error(409, f"Source already exists with name {entity.path[0]}.")
        if body.get("name") != entity.path[0]:
            raise error(404, "Source name is immutable.")
        if body.get("type") != entity.body["type"]:
            raise error(404, "Source type is immutable.")
        if body.get("createdAt") not in (None, 0, entity.created_at):
            raise error(404, "Creation time is immutable.")
        if tag != entity.tag:
            raise error(409, f"Source [{entity.path[0]}] has been updated, and the given configuration is out of date "
                             f"(current tag: {entity.tag}, given: {tag})")
        if body.get("config") is None:
            raise error(500, "Something went wrong.")
        stored = self._source_body(body, entity.body["type"], previous=entity.body)
        impacting = self._metadata_impacting(entity.body["type"], entity.body["config"], stored["config"])
        self._check_connectivity(entity.path[0], entity.body["type"], stored["config"])
        entity.body = stored
        entity.tag = new_tag()
        if impacting:
            for child in self._below(entity.path):
                if child.kind == "table" and not child.body.get("direct"):
                    self._unregister(child)
        return self._render(entity, children=False)

    @staticmethod
    def _metadata_impacting(source_type: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
        schema = CONFIG_SCHEMAS[source_type]
        for name in schema:
            if name in NOT_METADATA_IMPACTING[source_type]:
                continue
            if before.get(name, schema[name][1]) != after.get(name, schema[name][1]):
                return True
        return False

    def _update_view(self, entity: Entity, body: dict[str, Any]) -> Any:
        if body.get("type") != "VIRTUAL_DATASET":
            raise error(404, "Dataset type can not be modified")
        path = list(body.get("path") or entity.path)
        sql = body.get("sql") or ""
        if not sql.strip():
            raise error(400, "SQL must not be empty.", context=[])
        fields = self._view_fields(sql, body.get("sqlContext") or [])
        if key(path) != key(entity.path):
            if self._entity_at(path):
                raise HttpError(409, {"errorMessage": f"VDS '{path[-1]}' already exists. Please use a different name."})
            if self._entity_at(path[:-1]) is None:
                raise error(400, "Parent folder doesn't exist", context=[])
            self.namespace.pop(key(entity.path), None)
            entity.path = path
            self.namespace[key(path)] = entity.id
        entity.body = {"sql": sql, "sqlContext": body.get("sqlContext")}
        entity.fields = fields
        entity.tag = new_tag()
        return self._render(entity, children=False)

    def _update_table(self, entity: Entity, body: dict[str, Any]) -> Any:
        if body.get("type") != "PHYSICAL_DATASET":
            raise error(404, "Dataset type can not be modified")
        if key(body.get("path") or []) != key(entity.path):
            raise error(404, "Dataset path can not be modified.")
        if entity.body.get("direct"):
            entity.body = {"direct": True, "accelerationRefreshPolicy": self._refresh_policy(body.get("accelerationRefreshPolicy"))}
        else:
            if body.get("format") is None:
                raise error(400, "Promoted dataset needs to have a format set.", context=[])
            content = self.s3_content[key(entity.path)]
            entity.body = {"format": self._format(body["format"], content),
                           "accelerationRefreshPolicy": self._refresh_policy(body.get("accelerationRefreshPolicy"))}
        entity.tag = new_tag()
        return self._render(entity, children=False)

    def delete_entity(self, raw_id: str, *, query: dict[str, list[str]], **_: Any) -> Any:
        entity_id = unquote(raw_id)
        entity = self.entities.get(entity_id)
        if entity is None or entity.kind == "home":
            raise error(404, f"Could not find entity with id [{entity_id}].")
        tag = (query.get("tag") or [None])[0]
        if entity.kind == "source":
            if tag is not None and tag != entity.tag:
                raise error(400, "Unable to remove source as the provided definition is out of date.", context=[])
        elif entity.kind == "table":
            if entity.body.get("direct"):
                raise error(400, "A physical dataset can not be deleted.", context=[])
        elif tag is not None and tag != entity.tag:
            raise error(409, f"Cannot delete, expected tag {tag} but found tag {entity.tag}")
        for child in self._below(entity.path):
            self._unregister(child)
        self._unregister(entity)
        return 204, None

    def refresh_dataset(self, raw_id: str, **_: Any) -> Any:
        entity = self.entities.get(unquote(raw_id))
        if entity is None or entity.kind not in ("view", "table"):
            raise error(404, f"Could not find dataset with id [{unquote(raw_id)}].")
        return 204, None

    # -- reflections -------------------------------------------------------------------------------------

    def create_reflection(self, *, body: Any, **_: Any) -> Any:
        body = body or {}
        if body.get("id"):
            raise error(400, "Invalid reflection: new reflection shouldn't have an ID", context=[])
        if body.get("tag"):
            raise error(400, "Invalid reflection: new reflection shouldn't have a version", context=[])
        stored = self._validated_reflection(body)
        reflection = Reflection(stored)
        self.reflections[reflection.id] = reflection
        return self._render_reflection(reflection)

    def _validated_reflection(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("enabled") is None:
            raise validation_error("enabled", "Reflections must have the enabled field set")
        if not body.get("datasetId"):
            raise error(400, "Invalid reflection: datasetId required", context=[])
        if not (body.get("name") or "").strip():
            raise error(400, "Invalid reflection: non-empty name required", context=[])
        kind = body.get("type")
        if kind not in ("RAW", "AGGREGATION"):
            raise error(400, "Invalid reflection: type must be set", context=[])
        dataset = self.entities.get(body["datasetId"])
        if dataset is None or dataset.kind not in ("view", "table"):
            raise error(400, "Invalid reflection: datasetId must reference an existing dataset", context=[])
        names = {f["name"].lower() for f in dataset.fields}
        types = {f["name"].lower(): f["type"]["name"] for f in dataset.fields}

        def field_names(list_key: str) -> list[str]:
            return [item.get("name", "") for item in body.get(list_key) or []]

        display, dimensions, measures = field_names("displayFields"), field_names("dimensionFields"), field_names("measureFields")
        for list_key, label in (("displayFields", "Display"), ("dimensionFields", "Dimension"), ("measureFields", "Measure"),
                                ("partitionFields", "Partition"), ("sortFields", "Sort"), ("distributionFields", "Distribution")):
            for name in field_names(list_key):
                if name.lower() not in names:
                    typo = "does exist" if list_key == "dimensionFields" else "does not exist"
                    raise error(400, f"Invalid reflection: {label} field contains a field name [{name}] that {typo} in the dataset", context=[])
        partition, sort = field_names("partitionFields"), field_names("sortFields")
        if len(set(partition)) != len(partition):
            raise error(400, "Invalid reflection: partition fields must not be repeated", context=[])
        if set(partition) & set(sort):
            raise error(400, "Invalid reflection: a field cannot be both a sort and a partition field", context=[])
        if kind == "RAW":
            if not display:
                raise error(400, "Invalid reflection: raw reflection must have at least one display field", context=[])
            if dimensions or measures:
                raise error(400, "Invalid reflection: raw reflection can not have dimension or measure fields", context=[])
            scope, label = set(display), "display"
        else:
            if display:
                raise error(400, "Invalid reflection: aggregation reflection can not have display fields", context=[])
            if not dimensions and not measures:
                raise error(400, "Invalid reflection: aggregation reflection must have at least one dimension or measure", context=[])
            scope, label = set(dimensions), "dimension"
        for name in partition + sort + field_names("distributionFields"):
            if name not in scope:
                raise error(400, f"Invalid reflection: partition, sort and distribution fields must be {label} fields ([{name}])", context=[])
        for measure in body.get("measureFields") or []:
            for measure_type in measure.get("measureTypeList") or []:
                if measure_type not in MEASURE_TYPES:
                    raise error(400, f"Invalid value found at: measureFields.measureTypeList ({measure_type})")
                if measure_type == "SUM" and types.get(measure["name"].lower()) not in NUMERIC:
                    raise error(400, f"Invalid reflection: measure type SUM does not suit column [{measure['name']}]", context=[])
        for dimension in body.get("dimensionFields") or []:
            if dimension.get("granularity", "DATE") not in ("DATE", "NORMAL"):
                raise error(400, "Invalid value found at: dimensionFields.granularity")
        strategy = body.get("partitionDistributionStrategy") or "CONSOLIDATED"
        if strategy not in ("CONSOLIDATED", "STRIPED"):
            raise error(400, "Invalid value found at: partitionDistributionStrategy")
        stored = {
            "type": kind, "name": body["name"], "datasetId": body["datasetId"], "enabled": bool(body["enabled"]),
            "arrowCachingEnabled": bool(body.get("arrowCachingEnabled") or False),
            "partitionDistributionStrategy": strategy,
        }
        for list_key in ("displayFields", "partitionFields", "sortFields", "distributionFields"):
            if body.get(list_key) is not None:
                stored[list_key] = [{"name": item["name"], **({"transform": item["transform"]} if item.get("transform") else {})} for item in body[list_key]]
        if body.get("dimensionFields") is not None:
            stored["dimensionFields"] = [{"name": d["name"], "granularity": d.get("granularity") or "DATE"} for d in body["dimensionFields"]]
        if body.get("measureFields") is not None:
            stored["measureFields"] = [{"name": m["name"], "measureTypeList": list(m.get("measureTypeList") or [])} for m in body["measureFields"]]
        return stored

    def _render_reflection(self, reflection: Reflection) -> dict[str, Any]:
        enabled = reflection.body["enabled"]
        status = {"config": "OK", "refresh": "SCHEDULED", "availability": "NONE",
                  "combinedStatus": "CANNOT_ACCELERATE_SCHEDULED" if enabled else "DISABLED",
                  "failureCount": 0, "lastDataFetch": NEVER, "expiresAt": NEVER}
        return {"id": reflection.id, "tag": reflection.tag, "createdAt": reflection.created_at,
                "updatedAt": reflection.updated_at, "currentSizeBytes": 0, "totalSizeBytes": 0, "status": status,
                "entityType": "reflection", **reflection.body}

    def get_reflection(self, reflection_id: str, **_: Any) -> Any:
        reflection = self.reflections.get(reflection_id)
        if reflection is None:
            raise error(404, f"reflection at with id [{reflection_id}] not found")
        return self._render_reflection(reflection)

    def update_reflection(self, reflection_id: str, *, body: Any, **_: Any) -> Any:
        reflection = self.reflections.get(reflection_id)
        if reflection is None:
            raise error(404, f"reflection at with id [{reflection_id}] not found")
        body = {**(body or {}), "id": reflection_id}
        if not body.get("tag"):
            raise error(400, "Invalid reflection: reflection version required", context=[])
        if body.get("type") != reflection.body["type"]:
            raise error(400, "Invalid reflection: Cannot change the type of an existing reflection", context=[])
        if body.get("datasetId") != reflection.body["datasetId"]:
            raise error(400, "Invalid reflection: Cannot change the dataset id of an existing reflection", context=[])
        if body["tag"] != reflection.tag:
            # A ConflictException: `errorMessage` only, no `moreInfo` (§3.1).
            raise HttpError(409, {"errorMessage": "The reflection seems to have been modified by another flow. Please verify the reflection definition and retry."})
        stored = self._validated_reflection(body)
        if stored != reflection.body:
            reflection.body = stored
            reflection.tag = new_tag()
            reflection.updated_at = now()
        return self._render_reflection(reflection)

    def delete_reflection(self, reflection_id: str, **_: Any) -> Any:
        if self.reflections.pop(reflection_id, None) is None:
            raise error(404, f"reflection at with id [{reflection_id}] not found")
        return 200, None

    def list_reflections(self, dataset_id: str, **_: Any) -> Any:
        if dataset_id not in self.entities:
            raise error(404, f"dataset at with id [{dataset_id}] not found")
        return {"data": [self._render_reflection(r) for r in self.reflections.values() if r.body["datasetId"] == dataset_id]}

    # -- SQL jobs ------------------------------------------------------------------------------------------

    def run_sql(self, *, body: Any, **_: Any) -> Any:
        job_id = str(uuid.uuid4())
        self.jobs[job_id] = {"sql": (body or {}).get("sql"), "polls": 0}
        return {"id": job_id}

    def get_job(self, job_id: str, **_: Any) -> Any:
        job = self.jobs.get(job_id)
        if job is None:
            raise error(404, f"Could not find a job with id [{job_id}]")
        job["polls"] += 1
        state = "RUNNING" if job["polls"] == 1 else "COMPLETED"
        return {"jobState": state, "rowCount": 0, "errorMessage": "", "startedAt": now(), "queryType": "REST", "cancellationReason": ""}

    def job_results(self, job_id: str, **_: Any) -> Any:
        job = self.jobs.get(job_id)
        if job is None:
            raise error(404, f"Could not find a job with id [{job_id}]")
        if job["polls"] < 2:
            raise error(400, "Can not fetch details for a job that is in [RUNNING] state.", context=[])
        return {"rowCount": 0, "schema": [], "rows": []}


def _fields(columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"name": name, "type": {"name": kind}} for name, kind in columns]


def _matches(kind: Any, value: Any) -> bool:
    if isinstance(kind, set):
        return value in kind
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind == "props":
        return isinstance(value, list) and all(
            isinstance(item, dict) and set(item) <= {"name", "value"} and str(item.get("name", "")).strip() and str(item.get("value", "")).strip()
            for item in value
        )
    if kind == "hosts":
        return isinstance(value, list) and all(
            isinstance(item, dict) and set(item) <= {"hostname", "port"} and isinstance(item.get("hostname"), str)
            and isinstance(item.get("port", 9200), int) for item in value
        )
    return False


def _split_top_level(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    return items


def _without_nulls(value: Any) -> Any:
    """Jackson NON_NULL: null fields are omitted; empty lists stay."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
