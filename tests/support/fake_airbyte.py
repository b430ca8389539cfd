"""A fake of Airbyte's public API (v1) for the Airbyte providers' tests, following docs/providers/airbyte-api.md.

It keeps workspaces, sources, destinations and connections in memory and answers as Airbyte 2.x does:
client-credentials tokens, problem-JSON errors, secrets masked on read (`**********`) by the connector's
spec, cron schedules read back with a ` UTC` suffix, ids as UUIDs. A small connector registry stands in for
Airbyte's: each definition names its required and secret configuration fields. Its own contract tests are in
tests/providers/airbyte/test_fake_airbyte.py.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.http_fake import serve

MASK = "**********"
PREFIX = "/api/public/v1"
DEFINITIONS: dict[str, dict[str, Any]] = {
    # id → kind, type name, required fields, secret fields (dotted paths)
    "decd338e-5647-4c0b-adf4-da0e75f5a750": {"kind": "source", "type": "postgres",
                                             "required": ["host", "port", "database", "username"], "secret": ["password"]},
    "dfd88b22-b603-4c3d-aad7-3701784586b1": {"kind": "source", "type": "faker", "required": ["count"], "secret": []},
    "4816b78f-1489-44c1-9060-4b19d5fa9362": {"kind": "destination", "type": "s3",
                                             "required": ["s3_bucket_name", "s3_bucket_region", "format"],
                                             "secret": ["access_key_id", "secret_access_key"]},
}
SYNC_MODES = {"full_refresh_overwrite", "full_refresh_append", "incremental_append", "incremental_deduped_history"}


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail

    def body(self) -> dict[str, Any]:
        return {"type": "https://reference.airbyte.com/reference/errors", "title": self.title, "status": self.status,
                "detail": self.detail}


class FakeAirbyte:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.client_id, self.client_secret = str(uuid.uuid4()), secrets.token_urlsafe(24)
        self.workspace_id = str(uuid.uuid4())
        # The bootloader's default workspace, as a fresh instance has it.
        self.workspaces: dict[str, dict[str, Any]] = {
            self.workspace_id: {"workspaceId": self.workspace_id, "name": "Default Workspace", "dataResidency": "auto"}
        }
        self.tokens: set[str] = set()
        self.actors: dict[str, dict[str, dict[str, Any]]] = {"source": {}, "destination": {}}
        self.connections: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._fail: list[int] = []
        self._lose: int = 0
        self._server: ThreadingHTTPServer | None = None

    # -- test hooks ----------------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503) -> None:
        with self.lock:
            self._fail = [status] * count

    def lose_next_answer(self) -> None:
        """The next request is applied, but the client gets a 502 instead of the answer."""
        with self.lock:
            self._lose = 1

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    @property
    def connection(self) -> dict[str, str]:
        return {"url": self.url, "client_id": self.client_id, "client_secret": self.client_secret}

    # -- server --------------------------------------------------------------------------------------------

    def start(self) -> FakeAirbyte:
        def answer(*request: Any) -> tuple[int, Any, str]:
            status, body = self.dispatch(*request)  # looked up per request: tests wrap it
            return status, body, "application/problem+json" if status >= 400 else "application/json"

        self._server = serve(answer)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.requests.append((method, path))
            if self._fail:
                status = self._fail.pop(0)
                return status, Problem(status, "service-unavailable", f"injected {status}").body()
            lose, self._lose = self._lose, 0
            try:
                body = json.loads(raw) if raw else None
                if not path.startswith(PREFIX):
                    raise Problem(404, "not-found", f"no route {path}")
                handler, args = self._route(method, path[len(PREFIX):])
                if not getattr(handler, "public", False):
                    self._authenticate(headers)
                status, answer = handler(*args, body=body, query=query)
            except json.JSONDecodeError:
                status, answer = 400, Problem(400, "bad-request", "malformed JSON").body()
            except Problem as problem:
                status, answer = problem.status, problem.body()
            if lose:
                return 502, Problem(502, "bad-gateway", "the answer was lost").body()
            return status, answer

    def _route(self, method: str, path: str) -> tuple[Callable[..., tuple[int, Any]], list[str]]:
        routes = [
            ("GET", r"/health", self.health),
            ("POST", r"/applications/token", self.token),
            ("GET", r"/workspaces", self.list_workspaces),
            ("POST", r"/workspaces", self.create_workspace),
            ("GET", r"/workspaces/([^/]+)", self.get_workspace),
            ("PATCH", r"/workspaces/([^/]+)", self.patch_workspace),
            ("DELETE", r"/workspaces/([^/]+)", self.delete_workspace),
            ("GET", r"/(sources|destinations)", self.list_actors),
            ("POST", r"/(sources|destinations)", self.create_actor),
            ("GET", r"/(sources|destinations)/([^/]+)", self.get_actor),
            ("PATCH", r"/(sources|destinations)/([^/]+)", self.patch_actor),
            ("PUT", r"/(sources|destinations)/([^/]+)", self.put_actor),
            ("DELETE", r"/(sources|destinations)/([^/]+)", self.delete_actor),
            ("GET", r"/connections", self.list_connections),
            ("POST", r"/connections", self.create_connection),
            ("GET", r"/connections/([^/]+)", self.get_connection),
            ("PATCH", r"/connections/([^/]+)", self.patch_connection),
            ("DELETE", r"/connections/([^/]+)", self.delete_connection),
        ]
        wrong_verb = False
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match:
                if verb == method:
                    return handler, list(match.groups())
                wrong_verb = True
        if wrong_verb:
            raise Problem(405, "method-not-allowed", f"{method} is not allowed on {path}")
        raise Problem(404, "not-found", f"no route {path}")

    def _authenticate(self, headers: dict[str, str]) -> None:
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not header.startswith("Bearer ") or header[7:] not in self.tokens:
            raise Problem(401, "unauthorized", "Invalid or expired access token")

    # -- handlers ------------------------------------------------------------------------------------------

    def health(self, **_: Any) -> tuple[int, Any]:
        return 200, {"available": True}

    health.public = True  # type: ignore[attr-defined]

    def token(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        body = body or {}
        if body.get("grant_type") != "client_credentials":
            raise Problem(400, "bad-request", "grant_type must be client_credentials")
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            raise Problem(401, "unauthorized", "Invalid client credentials")
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 180}

    token.public = True  # type: ignore[attr-defined]

    def list_workspaces(self, *, query: dict, **_: Any) -> tuple[int, Any]:
        return 200, _page([copy.deepcopy(w) for w in self.workspaces.values()], query)

    def create_workspace(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        name = (body or {}).get("name")
        if not name:
            raise Problem(400, "bad-request", "name is required")
        workspace_id = str(uuid.uuid4())
        self.workspaces[workspace_id] = {"workspaceId": workspace_id, "name": name, "dataResidency": "auto"}
        return 200, copy.deepcopy(self.workspaces[workspace_id])

    def get_workspace(self, workspace_id: str, **_: Any) -> tuple[int, Any]:
        return 200, copy.deepcopy(self._workspace(workspace_id))

    def patch_workspace(self, workspace_id: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        workspace = self._workspace(workspace_id)
        if "name" in (body or {}):
            workspace["name"] = body["name"]
        return 200, copy.deepcopy(workspace)

    def delete_workspace(self, workspace_id: str, **_: Any) -> tuple[int, Any]:
        self._workspace(workspace_id)
        del self.workspaces[workspace_id]
        for kind in ("source", "destination"):
            for actor_id in [a for a, v in self.actors[kind].items() if v["workspaceId"] == workspace_id]:
                del self.actors[kind][actor_id]
        for connection_id in [c for c, v in self.connections.items() if v["workspaceId"] == workspace_id]:
            del self.connections[connection_id]
        return 204, None

    def list_actors(self, collection: str, *, query: dict, **_: Any) -> tuple[int, Any]:
        kind = collection[:-1]
        workspaces = set(",".join(query.get("workspaceIds", [])).split(",")) - {""}
        found = [self._render(kind, a) for a in self.actors[kind].values() if not workspaces or a["workspaceId"] in workspaces]
        return 200, _page(found, query)

    def create_actor(self, collection: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        kind = collection[:-1]
        body = body or {}
        for field in ("name", "workspaceId", "configuration"):
            if field not in body:
                raise Problem(400, "bad-request", f"{field} is required")
        self._workspace(body["workspaceId"])
        definition = self._definition(kind, body.get("definitionId"), body["configuration"])
        actor_id = str(uuid.uuid4())
        self.actors[kind][actor_id] = {
            f"{kind}Id": actor_id, "name": body["name"], "workspaceId": body["workspaceId"],
            "definitionId": body.get("definitionId"), f"{kind}Type": definition["type"],
            "configuration": copy.deepcopy(body["configuration"]), "createdAt": 1764806400,
        }
        return 200, self._render(kind, self.actors[kind][actor_id])

    def get_actor(self, collection: str, actor_id: str, **_: Any) -> tuple[int, Any]:
        kind = collection[:-1]
        return 200, self._render(kind, self._actor(kind, actor_id))

    def patch_actor(self, collection: str, actor_id: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        kind = collection[:-1]
        actor = self._actor(kind, actor_id)
        body = body or {}
        if "configuration" in body:
            merged = _merge_masked(body["configuration"], actor["configuration"])
            self._definition(kind, actor["definitionId"], merged)
            actor["configuration"] = merged
        if "name" in body:
            actor["name"] = body["name"]
        return 200, self._render(kind, actor)

    def put_actor(self, collection: str, actor_id: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        kind = collection[:-1]
        actor = self._actor(kind, actor_id)
        body = body or {}
        if "name" not in body or "configuration" not in body:
            raise Problem(400, "bad-request", "name and configuration are required")
        merged = _merge_masked(body["configuration"], actor["configuration"])
        self._definition(kind, actor["definitionId"], merged)
        actor.update(name=body["name"], configuration=merged)
        return 200, self._render(kind, actor)

    def delete_actor(self, collection: str, actor_id: str, **_: Any) -> tuple[int, Any]:
        kind = collection[:-1]
        self._actor(kind, actor_id)
        del self.actors[kind][actor_id]
        for connection_id in [c for c, v in self.connections.items() if v[f"{kind}Id"] == actor_id]:
            del self.connections[connection_id]
        return 204, None

    def list_connections(self, *, query: dict, **_: Any) -> tuple[int, Any]:
        return 200, _page([self._render_connection(c) for c in self.connections.values()], query)

    def create_connection(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        body = body or {}
        for field in ("sourceId", "destinationId"):
            if field not in body:
                raise Problem(400, "bad-request", f"{field} is required")
        source = self._actor("source", body["sourceId"])
        if self._actor("destination", body["destinationId"])["workspaceId"] != source["workspaceId"]:
            raise Problem(400, "bad-request", "the source and the destination are in different workspaces")
        connection_id = str(uuid.uuid4())
        connection = {"connectionId": connection_id, "workspaceId": source["workspaceId"], "sourceId": body["sourceId"],
                      "destinationId": body["destinationId"], "name": body.get("name") or "connection",
                      "status": "active", "schedule": {"scheduleType": "manual"}, "configurations": {"streams": []}}
        self._apply_connection(connection, body)
        self.connections[connection_id] = connection
        return 200, self._render_connection(connection)

    def get_connection(self, connection_id: str, **_: Any) -> tuple[int, Any]:
        return 200, self._render_connection(self._connection(connection_id))

    def patch_connection(self, connection_id: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        connection = self._connection(connection_id)
        candidate = copy.deepcopy(connection)
        self._apply_connection(candidate, body or {})
        self.connections[connection_id] = candidate
        return 200, self._render_connection(candidate)

    def delete_connection(self, connection_id: str, **_: Any) -> tuple[int, Any]:
        self._connection(connection_id)
        del self.connections[connection_id]
        return 204, None

    # -- helpers -------------------------------------------------------------------------------------------

    def _definition(self, kind: str, definition_id: Any, configuration: Any) -> dict[str, Any]:
        definition = DEFINITIONS.get(definition_id or "")
        if definition is None or definition["kind"] != kind:
            raise Problem(404, "not-found", f"{kind} definition {definition_id} not found")
        if not isinstance(configuration, dict):
            raise Problem(422, "unprocessable-entity", "configuration must be an object")
        missing = [field for field in definition["required"] if field not in configuration]
        if missing:
            raise Problem(422, "unprocessable-entity", f"The provided configuration does not fulfill the specification. "
                                                        f"Errors: required property '{missing[0]}' not found")
        return definition

    def _workspace(self, workspace_id: str) -> dict[str, Any]:
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            raise Problem(404, "not-found", f"Could not find workspace with id: {workspace_id}")
        return workspace

    def _actor(self, kind: str, actor_id: str) -> dict[str, Any]:
        actor = self.actors[kind].get(actor_id)
        if actor is None:
            raise Problem(404, "not-found", f"Could not find {kind} with id: {actor_id}")
        return actor

    def _connection(self, connection_id: str) -> dict[str, Any]:
        connection = self.connections.get(connection_id)
        if connection is None:
            raise Problem(404, "not-found", f"Could not find connection with id: {connection_id}")
        return connection

    def _render(self, kind: str, actor: dict[str, Any]) -> dict[str, Any]:
        secret_fields = DEFINITIONS[actor["definitionId"]]["secret"]
        shown = copy.deepcopy(actor)
        for field in secret_fields:
            if field in shown["configuration"]:
                shown["configuration"][field] = MASK
        return shown

    def _apply_connection(self, connection: dict[str, Any], body: dict[str, Any]) -> None:
        if "name" in body:
            connection["name"] = body["name"]
        if "status" in body:
            if body["status"] not in ("active", "inactive", "deprecated"):
                raise Problem(400, "bad-request", f"status {body['status']} is not one of active, inactive, deprecated")
            connection["status"] = body["status"]
        if "schedule" in body:
            schedule = body["schedule"] or {}
            if schedule.get("scheduleType") == "cron":
                expression = (schedule.get("cronExpression") or "").removesuffix(" UTC")
                if len(expression.split()) not in (6, 7):
                    raise Problem(400, "bad-request", f"Invalid cron expression: {schedule.get('cronExpression')}")
                connection["schedule"] = {"scheduleType": "cron", "cronExpression": expression}
            elif schedule.get("scheduleType") == "manual":
                connection["schedule"] = {"scheduleType": "manual"}
            else:
                raise Problem(400, "bad-request", "scheduleType must be manual or cron")
        if "configurations" in body:
            streams = (body["configurations"] or {}).get("streams") or []
            for stream in streams:
                if stream.get("syncMode") not in SYNC_MODES:
                    raise Problem(400, "bad-request", f"Invalid sync mode {stream.get('syncMode')} for stream {stream.get('name')}")
                if stream["syncMode"] == "incremental_deduped_history" and not stream.get("primaryKey"):
                    raise Problem(400, "bad-request", f"Stream {stream.get('name')}: incremental_deduped_history needs a primary key")
            connection["configurations"] = {"streams": copy.deepcopy(streams)}

    def _render_connection(self, connection: dict[str, Any]) -> dict[str, Any]:
        shown = copy.deepcopy(connection)
        if shown["schedule"].get("scheduleType") == "cron":
            # Airbyte reads cron schedules back with their time zone.
            shown["schedule"]["cronExpression"] += " UTC"
        return shown


def _merge_masked(sent: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """A configuration that sends the mask for a secret keeps the stored secret (as Airbyte does)."""
    merged = copy.deepcopy(sent)
    for key, value in sent.items():
        if value == MASK and key in stored:
            merged[key] = stored[key]
    return merged


def _page(items: list[dict[str, Any]], query: dict) -> dict[str, Any]:
    limit = int((query.get("limit") or ["20"])[0])
    offset = int((query.get("offset") or ["0"])[0])
    if not 1 <= limit <= 100:
        raise Problem(400, "bad-request", "limit must be between 1 and 100")
    page = items[offset:offset + limit]
    answer: dict[str, Any] = {"data": page}
    if offset + limit < len(items):
        answer["next"] = f"?limit={limit}&offset={offset + limit}"
    if offset:
        answer["previous"] = f"?limit={limit}&offset={max(0, offset - limit)}"
    return answer
