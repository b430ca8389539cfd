"""The HTTP client every Dremio provider uses (shared/reference/dremio-rest-api.md, §2–§4 and §9).

* One `requests.Session` per connection, reused within the provider process, with urllib3's `Retry`:
  connection failures are retried for every method (the request never reached Dremio), 502/503/504 and
  429 only for GET, PUT and DELETE. A POST creates; it is never repeated automatically, and the
  providers look before they create again.
* Login (`POST /apiv2/login`) happens on first use; the token is reused and renewed once on a 401
  (tokens live 30 hours). A fresh server answers "No User Available" (403) until the first admin exists.
* Errors name the method, the URL, the status and Dremio's message (`errorMessage`, else `message`,
  else the body text), never the password.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, Field, field_validator
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from components.providers.common import ProviderError

NO_USER = "No User Available"
EXISTING_SECRET = "$DREMIO_EXISTING_VALUE$"
"""What Dremio returns instead of a stored secret, and what a PUT sends to keep it."""
TIMEOUT_SECONDS = (5, 60)


class DremioConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    username: Annotated[str, Field(min_length=1)]
    password: Annotated[str, Field(min_length=1)]

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?/?", value):
            raise ValueError("use http(s)://host[:port], e.g. http://dremio-client.processing.svc:9047")
        return value.rstrip("/")


class DremioError(ProviderError):
    """An error answer from Dremio; `status` is the HTTP status (0 when Dremio could not be reached)."""

    def __init__(self, message: str, status: int, dremio_message: str = ""):
        super().__init__(message)
        self.status = status
        self.dremio_message = dremio_message


def encode_path(path: Sequence[str]) -> str:
    """`/catalog/by-path/` segments: each percent-encoded on its own, with no safe characters."""
    return "/".join(quote(segment, safe="") for segment in path)


class DremioClient:
    """Requests to one Dremio as one user; `operation` (e.g. "create source 'lake'") leads every error."""

    def __init__(self, connection: DremioConnection, operation: str):
        self.connection = connection
        self.operation = operation
        self.session = _session(connection.url)
        self._lock = threading.Lock()

    # -- authentication ------------------------------------------------------------------------------------

    def login(self) -> str | None:
        """A token for these credentials, or None while the server has no user yet."""
        response = self._send(
            "POST",
            "/apiv2/login",
            {"userName": self.connection.username, "password": self.connection.password},
            auth=False,
        )
        if response.status_code == 403 and NO_USER in _message(response):
            return None
        if response.status_code == 401:
            raise DremioError(
                f"{self.operation}: authentication failed at {self.connection.url}/apiv2/login "
                f"({_message(response) or '401'}); check connection.username and connection.password",
                401,
                _message(response),
            )
        self._raise_for(response, "POST", "/apiv2/login")
        token = response.json()["token"]
        _TOKENS[self._token_key] = token
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
            raise DremioError(
                f"{self.operation} at {self.connection.url}: Dremio has no user any more; run `pulumi refresh`",
                403,
                NO_USER,
            )

    @property
    def _token_key(self) -> tuple[str, str, int]:
        return (self.connection.url, self.connection.username, hash(self.connection.password))

    def _token(self) -> str:
        with self._lock:
            token = _TOKENS.get(self._token_key)
            if token is None:
                token = self.login()
                if token is None:
                    raise DremioError(
                        f"{self.operation} at {self.connection.url}: Dremio has no user yet; declare a DremioAdmin "
                        "first and make the other resources depend on it",
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
            _TOKENS.pop(self._token_key, None)
            response = self._send(method, path, body, auth=True)
        if response.status_code in allow:
            return (response.status_code, _message(response))
        self._raise_for(response, method, path)
        if not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, body: Any, *, auth: bool) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"_dremio{self._token()}"
        url = f"{self.connection.url}{path}"
        try:
            return self.session.request(method, url, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.exceptions.RetryError as error:
            raise DremioError(
                f"{self.operation}: {method} {url}: still failing after retries ({error.__cause__ or error})", 503
            ) from None
        except requests.exceptions.ConnectionError as error:
            reason = type(getattr(error, "__context__", None) or error).__name__
            raise DremioError(
                f"{self.operation}: {method} {url}: could not reach Dremio after retries ({reason})", 0
            ) from None
        except requests.exceptions.Timeout:
            raise DremioError(f"{self.operation}: {method} {url}: no answer within {TIMEOUT_SECONDS[1]} s", 0) from None

    def _raise_for(self, response: requests.Response, method: str, path: str) -> None:
        if response.ok:
            return
        message = _message(response)
        raise DremioError(
            f"{self.operation}: {method} {self.connection.url}{path}: {response.status_code} {message or response.reason}",
            response.status_code,
            message,
        )

    # -- catalog ------------------------------------------------------------------------------------------

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


_TOKENS: dict[tuple[str, str, int], str] = {}
"""Login tokens of this provider process, per (url, user, password): never serialised."""


@functools.lru_cache(maxsize=16)
def _session(url: str) -> requests.Session:
    # About 3 s of back-off in all (0, 1, 2 s): enough for a restarting coordinator's proxy, short
    # enough that a Dremio that is really down fails the step promptly.
    retry = Retry(
        total=4,
        connect=3,
        read=2,
        status=3,
        backoff_factor=0.5,
        status_forcelist=(429, 502, 503, 504),
        # Never re-send a POST on a status or a read error: it may have created something already.
        allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session
