"""The HTTP client every Dremio provider uses (docs/providers/dremio-api.md: login, errors, catalog).

* One retrying session and token per login, reused within the provider process (`base/http.py`:
  connection failures retried for every method, 429/502/503/504 for GET, PUT and DELETE only; a POST is
  never repeated blindly, the providers look before they create again).
* Login (`POST /apiv2/login`) happens on first use; the token is reused and renewed once on a 401
  (tokens live 30 hours). A fresh server answers "No User Available" (403) until the first admin exists.
* Errors name the method, the URL, the status and Dremio's message (`errorMessage`, else `message`,
  else the body text), never the password.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import requests

from components.providers.base.http import ApiError, LoginConnection, check_response, login_failed, login_state, send

NO_USER = "No User Available"
EXISTING_SECRET = "$DREMIO_EXISTING_VALUE$"
"""What Dremio returns instead of a stored secret, and what a PUT sends to keep it."""


def encode_path(path: Sequence[str]) -> str:
    """`/catalog/by-path/` segments: each percent-encoded on its own, with no safe characters."""
    return "/".join(quote(segment, safe="") for segment in path)


class DremioClient:
    """Requests to one Dremio as one user; `operation` (e.g. "create source 'lake'") leads every error."""

    def __init__(self, connection: LoginConnection, operation: str):
        self.connection = connection
        self.operation = operation
        self._state = login_state(connection)

    # -- authentication ------------------------------------------------------------------------------------

    def login(self) -> str | None:
        """A token for these credentials, or None while the server has no user yet."""
        response = self._send(
            "POST",
            "/apiv2/login",
            {"userName": self.connection.username, "password": self.connection.password},
            auth=False,
            idempotent=True,
        )
        if response.status_code == 403 and NO_USER in _message(response):
            return None
        if response.status_code == 401:
            raise login_failed(self.operation, f"{self.connection.url}/apiv2/login", response, _message(response))
        self._raise_for(response, "POST", "/apiv2/login")
        token = response.json()["token"]
        self._state.tokens["token"] = token
        return token

    def create_first_user(self, first_name: str, last_name: str, email: str) -> None:
        body = {
            "userName": self.connection.username,
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "createdAt": 0,
            "password": self.connection.password,
        }
        self.request("PUT", "/apiv2/bootstrap/firstuser", body, auth=False)

    def verify_login(self) -> None:
        """Prove the connection's credentials work (what a connection-only change costs: one login)."""
        if self.login() is None:
            raise ApiError(
                f"{self.operation}: POST {self.connection.url}/apiv2/login: 403 {NO_USER}: Dremio has no user any more; "
                "run `pulumi refresh`",
                403,
                NO_USER,
            )

    def _token(self) -> str:
        with self._state.lock:
            token = self._state.tokens.get("token")
            if token is None:
                token = self.login()
                if token is None:
                    raise ApiError(
                        f"{self.operation}: POST {self.connection.url}/apiv2/login: 403 {NO_USER}: Dremio has no user "
                        "yet; declare a DremioAdmin first and make the other resources depend on it",
                        403,
                        NO_USER,
                    )
            return token

    # -- requests -----------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, auth: bool = True, allow: Sequence[int] = ()) -> Any:
        """Send, renewing the token once on a 401; returns the parsed JSON (None for an empty body).

        Statuses in `allow` are returned as `(status, message)` instead of raising.
        """
        response = self._send(method, path, body, auth=auth)
        if auth and response.status_code == 401:
            self._state.tokens.pop("token", None)
            response = self._send(method, path, body, auth=True)
        if response.status_code in allow:
            return (response.status_code, _message(response))
        self._raise_for(response, method, path)
        if not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, body: Any, *, auth: bool, idempotent: bool | None = None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"_dremio{self._token()}"
        return send(
            self._state.session, self.operation, method, f"{self.connection.url}{path}", json=body, headers=headers,
            idempotent=idempotent,
        )

    def _raise_for(self, response: requests.Response, method: str, path: str) -> None:
        check_response(response, self.operation, method, f"{self.connection.url}{path}", _message)

    # -- catalog ------------------------------------------------------------------------------------------

    def by_path_url(self, path: Sequence[str]) -> str:
        """The request `by_path` makes, for messages."""
        return f"GET {self.connection.url}/api/v3/catalog/by-path/{encode_path(path)}"

    def by_path(self, path: Sequence[str]) -> dict[str, Any] | None:
        found = self.request("GET", f"/api/v3/catalog/by-path/{encode_path(path)}", allow=(404,))
        return None if isinstance(found, tuple) else found

    def by_id(self, entity_id: str) -> dict[str, Any] | None:
        found = self.request("GET", f"/api/v3/catalog/{quote(entity_id, safe='')}", allow=(404,))
        return None if isinstance(found, tuple) else found

    def delete_entity(self, entity_id: str) -> None:
        """DELETE a catalog entity; gone already is fine."""
        self.request("DELETE", f"/api/v3/catalog/{quote(entity_id, safe='')}", allow=(404,))


def _message(response: requests.Response) -> str:
    """Dremio's message: `errorMessage`, else `message` (INVALID_QUERY), else the text (401s are empty)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500]
    if isinstance(body, dict):
        return str(body.get("errorMessage") or body.get("message") or "")[:500]
    return str(body)[:500]

