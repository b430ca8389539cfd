"""The HTTP client of the Superset providers (docs/providers/superset-api.md, Superset 6.1).

* One cookie-keeping session per login and provider process (`base/http.py`): the CSRF token Superset
  enforces on every write is bound to the `session` cookie it was issued with.
* Login with JWT (`POST /api/v1/security/login`) on first use, then the CSRF token with the access
  token in the same session. An expired access token (401, 15 minutes by default) is renewed by
  logging in again, with a new CSRF token, and the request is sent once more.
* Retries (`http.py`): connection failures for every method; 429/502/503/504 for GET, PUT and DELETE
  only. A POST creates, so it is never repeated blindly; the providers look before they post again.
* Errors name the operation, the method, the URL, the status and Superset's own message, whichever of
  its three body shapes it used (`{"message": ...}`, `{"errors": [...]}`, JWT's `{"msg": ...}`) or the
  text of an HTML error page. Never the password.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import prison
import requests

from components.providers.base.http import LoginConnection, check_response, login_failed, login_state, send

PASSWORD_MASK = "XXXXXXXXXX"
"""What Superset shows instead of a database password, and what keeps the stored one on a PUT."""
PAGE_SIZE = 100


class SupersetClient:
    def __init__(self, connection: LoginConnection, operation: str):
        self.connection = connection
        self.operation = operation
        self._login = login_state(connection)

    # -- authentication ------------------------------------------------------------------------------------

    def login(self) -> None:
        """Log in and fetch a CSRF token in the same session (the token is bound to its cookie)."""
        state = self._login
        body = {"username": self.connection.username, "password": self.connection.password, "provider": "db"}
        response = self._raw("POST", "/api/v1/security/login", json=body, idempotent=True)
        if response.status_code == 401:
            raise login_failed(self.operation, f"{self.connection.url}/api/v1/security/login", response, _message(response))
        self._raise_for(response, "POST", "/api/v1/security/login")
        state.tokens["access"] = response.json()["access_token"]
        response = self._raw("GET", "/api/v1/security/csrf_token/", headers=self._auth())
        self._raise_for(response, "GET", "/api/v1/security/csrf_token/")
        state.tokens["csrf"] = response.json()["result"]

    def verify_login(self) -> None:
        """Prove the connection's credentials work (what a connection-only change costs: one login)."""
        with self._login.lock:
            self.login()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._login.tokens.get('access')}"}

    # -- requests -----------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        allow: Sequence[int] = (),
    ) -> Any:
        """Send with the session's tokens, logging in again once when the token has expired.

        Returns the parsed JSON; statuses in `allow` come back as `(status, message)` instead of raising.
        """
        response = self._authenticated(method, path, body, params)
        if response.status_code == 401 or _csrf_expired(response):
            with self._login.lock:
                self.login()
            response = self._authenticated(method, path, body, params)
        if response.status_code in allow:
            return (response.status_code, _message(response))
        self._raise_for(response, method, path)
        return response.json() if response.content else None

    def _authenticated(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None) -> requests.Response:
        with self._login.lock:
            if "access" not in self._login.tokens:
                self.login()
            headers = self._auth()
            if method != "GET":
                headers["X-CSRFToken"] = self._login.tokens.get("csrf", "")
                headers["Referer"] = self.connection.url
        return self._raw(method, path, json=body, params=params, headers=headers)

    def _raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return send(self._login.session, self.operation, method, f"{self.connection.url}{path}", **kwargs)

    def _raise_for(self, response: requests.Response, method: str, path: str) -> None:
        check_response(response, self.operation, method, f"{self.connection.url}{path}", _message)

    # -- helpers ------------------------------------------------------------------------------------------

    def find(
        self, resource: str, filters: Sequence[tuple[str, str, Any]], columns: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Every `resource` item matching all `(column, operator, value)` filters (a rison `q`, paged)."""
        found: list[dict[str, Any]] = []
        page = 0
        while True:
            query: dict[str, Any] = {
                "filters": [{"col": col, "opr": opr, "value": value} for col, opr, value in filters],
                "page": page,
                "page_size": PAGE_SIZE,
            }
            if columns:
                query["columns"] = list(columns)
            answer = self.request("GET", f"/api/v1/{resource}/", params={"q": prison.dumps(query)})
            found += answer.get("result", [])
            if len(found) >= answer.get("count", 0) or not answer.get("result"):
                return found
            page += 1


def _csrf_expired(response: requests.Response) -> bool:
    return response.status_code == 400 and "CSRF" in _message(response)


def _message(response: requests.Response) -> str:
    """Superset's message from any of its error shapes, or the text of an HTML page."""
    try:
        body = response.json()
    except ValueError:
        text = re.sub(r"<[^>]+>", " ", response.text)
        return " ".join(text.split())[:300]
    if not isinstance(body, dict):
        return str(body)[:500]
    if body.get("errors"):
        first = body["errors"][0]
        return str(first.get("message") or first)[:500] if isinstance(first, dict) else str(first)[:500]
    message = body.get("message", body.get("msg", ""))
    return (message if isinstance(message, str) else json.dumps(message, sort_keys=True))[:500]


def mask_password(uri: str) -> str:
    """`uri` with its password replaced by Superset's mask, the form Superset reads it back in."""
    return re.sub(r"^([^:/]+://[^:/@]*:)[^@]*(@)", lambda m: f"{m.group(1)}{PASSWORD_MASK}{m.group(2)}", uri, count=1)
