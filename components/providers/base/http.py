"""HTTP plumbing shared by the providers of services with a REST API and a login (Dremio, Superset).

* `LoginConnection`: the `connection` input, `{url, username, password}`, validated offline.
* `login_state`: one session and the tokens of one login per (url, user, password) and provider
  process, so a run logs in once; never serialised.
* `retrying_session`: a `requests.Session` with urllib3's `Retry` (clients keep one per server and
  process, so connections and cookies are reused).
  Connection failures are retried for every method (the request never reached the server); 429,
  502, 503 and 504 only for GET, PUT, PATCH and DELETE, because a POST creates and is never repeated
  blindly: the providers look before they create again. About 3 s of back-off in all (0, 1, 2 s):
  enough for a restarting pod behind a Service, short enough that a server that is really down fails
  the step promptly.
* `check_response`: an error answer becomes an `ApiError` with the server's own message.
* `send`: one request; a server that cannot be reached becomes an `ApiError` (status 0) whose message
  names the operation, the method and the URL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import requests
from pydantic import BaseModel, ConfigDict, Field, field_validator
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from components.providers.base.contract import ProviderError

TIMEOUT_SECONDS = (5, 60)
"""(connect, read): a create that makes the server reach a database can take many seconds."""


class LoginConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    username: Annotated[str, Field(min_length=1)]
    password: Annotated[str, Field(min_length=1)]

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return base_url(value, "http://superset.dp-presentation.svc.cluster.local:8088")


def base_url(value: str, example: str) -> str:
    """A service's base URL, `http(s)://host[:port]`, without a trailing slash."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?/?", value):
        raise ValueError(f"use http(s)://host[:port], e.g. {example}")
    return value.rstrip("/")


class ApiError(ProviderError):
    """An error answer; `status` is the HTTP status (0 when the server could not be reached)."""

    def __init__(self, message: str, status: int, server_message: str = ""):
        super().__init__(message)
        self.status = status
        self.server_message = server_message


def retrying_session() -> requests.Session:
    retry = Retry(
        total=4,
        connect=3,
        read=2,
        status=3,
        backoff_factor=0.5,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=frozenset({"GET", "PUT", "PATCH", "DELETE", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def login_failed(
    operation: str,
    login_url: str,
    response: requests.Response,
    server_message: str,
    inputs: str = "connection.username and connection.password",
) -> ApiError:
    """Wrong credentials: the request, the answer, and which inputs to fix; never the password."""
    return ApiError(
        f"{operation}: authentication failed: {response.request.method} {login_url}: {response.status_code} "
        f"{server_message or response.reason}; check {inputs}",
        response.status_code,
        server_message,
    )


def check_response(
    response: requests.Response, operation: str, method: str, url: str, message: Callable[[requests.Response], str]
) -> None:
    """Raise an `ApiError` naming the operation, the request, the status and the server's `message`."""
    if response.ok:
        return
    text = message(response)
    raise ApiError(
        f"{operation}: {method} {url}: {response.status_code} {text or response.reason}", response.status_code, text
    )


def send(session: requests.Session, operation: str, method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        return session.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.exceptions.RetryError as error:
        raise ApiError(
            f"{operation}: {method} {url}: still failing after retries ({error.__cause__ or error})", 503
        ) from None
    except requests.exceptions.ConnectionError as error:
        reason = type(getattr(error, "__context__", None) or error).__name__
        raise ApiError(f"{operation}: {method} {url}: could not reach the server after retries ({reason})", 0) from None
    except requests.exceptions.Timeout:
        raise ApiError(f"{operation}: {method} {url}: no answer within {TIMEOUT_SECONDS[1]} s", 0) from None


@dataclass
class LoginState:
    """A session and the tokens of one login (Dremio's token; Superset's access and CSRF tokens)."""

    session: requests.Session = field(default_factory=retrying_session)
    tokens: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while logging in, so that concurrent requests of one run log in once."""


_STATES: dict[tuple[str, str, int], LoginState] = {}
_STATES_LOCK = threading.Lock()


def login_state(connection: LoginConnection) -> LoginState:
    """The shared state of this login in this provider process (the password only as a hash)."""
    key = (connection.url, connection.username, hash(connection.password))
    with _STATES_LOCK:
        return _STATES.setdefault(key, LoginState())
