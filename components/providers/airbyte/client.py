"""The HTTP client of the Airbyte providers (docs/providers/airbyte-api.md, Airbyte's public API v1).

* Application credentials (`client_id`, `client_secret`) are exchanged for a short-lived access token
  (`POST /applications/token`), kept per credential and provider process; an expired token (401) is renewed
  once and the request sent again.
* Retries (`base/http.py`): connection failures for every method; 429/502/503/504 for GET, PUT, PATCH and
  DELETE. A POST creates, so it is never repeated blindly: the providers look by name before posting again.
* Errors name the operation, the request, the status and Airbyte's problem `detail`. Never the secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import requests
from pydantic import Field, field_validator

from components.providers.base.http import Reach, check_response, login_failed, login_state, send

PAGE_SIZE = 100


class AirbyteConnection(Reach):
    """The `connection` input: Airbyte's public API and an application's client credentials."""

    url: str
    client_id: Annotated[str, Field(min_length=1)]
    client_secret: Annotated[str, Field(min_length=1)]

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._/-]*)?", value):
            raise ValueError(
                "use the public API's base URL, e.g. http://airbyte-airbyte-server-svc.dp-ingestion:8001/api/public/v1"
            )
        return value.rstrip("/")

    # The shared login state is keyed by (url, username, password).
    @property
    def username(self) -> str:
        return self.client_id

    @property
    def password(self) -> str:
        return self.client_secret


class AirbyteClient:
    def __init__(self, connection: AirbyteConnection, operation: str):
        self.connection = connection
        self.operation = operation
        self._login = login_state(connection)  # type: ignore[arg-type]

    def login(self) -> None:
        url = f"{self.connection.url}/applications/token"
        body = {"client_id": self.connection.client_id, "client_secret": self.connection.client_secret,
                "grant_type": "client_credentials"}
        response = send(self._login.session, self.operation, "POST", url, json=body, idempotent=True)
        if response.status_code in (401, 403):
            raise login_failed(
                self.operation, url, response, _message(response), "connection.client_id and connection.client_secret"
            )
        check_response(response, self.operation, "POST", url, _message)
        self._login.tokens["access"] = response.json()["access_token"]

    def verify_login(self) -> None:
        with self._login.lock:
            self.login()

    def request(
        self, method: str, path: str, body: Any = None, *, params: Mapping[str, Any] | None = None, allow: Sequence[int] = ()
    ) -> Any:
        """Send with the current token (renewed once on 401); statuses in `allow` come back as `(status, detail)`."""
        response = self._send(method, path, body, params)
        if response.status_code == 401:
            with self._login.lock:
                self.login()
            response = self._send(method, path, body, params)
        if response.status_code in allow:
            return (response.status_code, _message(response))
        check_response(response, self.operation, method, f"{self.connection.url}{path}", _message)
        return response.json() if response.content else None

    def _send(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None) -> requests.Response:
        with self._login.lock:
            if "access" not in self._login.tokens:
                self.login()
            headers = {"Authorization": f"Bearer {self._login.tokens['access']}"}
        return send(self._login.session, self.operation, method, f"{self.connection.url}{path}", json=body,
                    params=params, headers=headers)

    def all(self, collection: str, workspace_id: str | None = None) -> list[dict[str, Any]]:
        """Every item of a collection (paged), optionally of one workspace."""
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE, "offset": offset}
            if workspace_id:
                params["workspaceIds"] = workspace_id
            answer = self.request("GET", f"/{collection}", params=params)
            found += answer.get("data", [])
            if not answer.get("next") or not answer.get("data"):
                return found
            offset += PAGE_SIZE


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return " ".join(re.sub(r"<[^>]+>", " ", response.text).split())[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("message") or body.get("title") or "")[:500]
    return str(body)[:500]
