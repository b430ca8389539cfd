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

import hashlib
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, field_validator
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from components.providers.base.contract import ProviderError
from components.providers.base.tunnel import Tunnel, TunnelError, local_port

TIMEOUT_SECONDS = (5, 60)
"""(connect, read): a create that makes the server reach a database can take many seconds."""


class Reach(BaseModel):
    """How a provider reaches its service, besides the URL: the fields every `connection` input shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tunnel: Tunnel | None = None
    """Reach the URL's host through the Kubernetes API's port-forwarding to this Service port (the URL is then
    the service's in-cluster address, which TLS verification and error messages use)."""
    ca_certificate: str | None = None
    """PEM certificate of the CA that signed the service's certificate (the platform CA); None: the system's CAs."""
    ready_timeout_seconds: Annotated[int, Field(ge=0, le=7200)] = 0
    """How long to wait for a service that is starting (connection refused, 502, 503, 504, no Ready pod)."""

    @field_validator("ca_certificate")
    @classmethod
    def _pem(cls, value: str | None) -> str | None:
        if value is not None and "-----BEGIN CERTIFICATE-----" not in value:
            raise ValueError("give the CA certificate in PEM form (-----BEGIN CERTIFICATE----- ...)")
        return value


class LoginConnection(Reach):
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


RETRY = Retry(
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


def retrying_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=RETRY))
    session.mount("https://", HTTPAdapter(max_retries=RETRY))
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


READY_STATUSES = frozenset({502, 503, 504})
"""What a proxy or a starting server answers before the service is ready."""


def send(
    session: requests.Session, operation: str, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
) -> requests.Response:
    """One request; while the service is not ready (`ready_timeout_seconds` of the session's connection) a refused
    connection, a missing Ready pod and, for an idempotent request, 502/503/504 are retried with back-off.
    `idempotent`: a login POST may be repeated; by default only non-POST requests are."""
    ready_seconds = getattr(session, "ready_timeout_seconds", 0)
    repeatable = method != "POST" if idempotent is None else idempotent
    deadline = time.monotonic() + ready_seconds
    delay = 1.0
    while True:
        try:
            response = _send_once(session, operation, method, url, **kwargs)
        except ApiError as error:
            if error.status != 0 or time.monotonic() + delay > deadline:
                if ready_seconds and error.status == 0:
                    raise ApiError(f"{error} (still not answering after waiting {ready_seconds} s for the service)", 0) from None
                raise
        except TunnelError as error:
            if not error.retryable or time.monotonic() + delay > deadline:
                raise ProviderError(f"{operation}: {method} {url}: {error}") from None
        else:
            if not (repeatable and response.status_code in READY_STATUSES and time.monotonic() + delay <= deadline):
                return response
        time.sleep(delay)
        delay = min(delay * 2, 15.0)


def _send_once(session: requests.Session, operation: str, method: str, url: str, **kwargs: Any) -> requests.Response:
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


class _TunnelAdapter(HTTPAdapter):
    """Sends a connection's requests to the local end of its port-forward; TLS still verifies the service's name."""

    def __init__(self, tunnel: Tunnel, host: str, retry: Retry):
        self._tunnel, self._host = tunnel, host
        super().__init__(max_retries=retry)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, server_hostname=self._host, assert_hostname=self._host, **pool_kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit((parts.scheme, f"127.0.0.1:{local_port(self._tunnel)}", parts.path, parts.query, parts.fragment))
        request.headers["Host"] = parts.netloc
        return super().send(request, *args, **kwargs)


def reach_session(connection: Any) -> requests.Session:
    """A retrying session that reaches `connection.url` as its `Reach` fields say."""
    session = retrying_session()
    reach = connection if isinstance(connection, Reach) else None
    if reach is None:
        return session
    session.ready_timeout_seconds = reach.ready_timeout_seconds  # type: ignore[attr-defined]
    if reach.ca_certificate:
        session.verify = _ca_file(reach.ca_certificate)
    if reach.tunnel:
        session.mount(connection.url, _TunnelAdapter(reach.tunnel, urlsplit(connection.url).hostname or "", RETRY))
    return session


def _ca_file(pem: str) -> str:
    """requests verifies against a file: one per distinct CA, written once per process."""
    digest = hashlib.sha256(pem.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"data-platform-ca-{digest}.pem"
    if not path.exists():
        path.write_text(pem)
    return str(path)


@dataclass
class LoginState:
    """A session and the tokens of one login (Dremio's token; Superset's access and CSRF tokens)."""

    session: requests.Session
    tokens: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while logging in, so that concurrent requests of one run log in once."""


_STATES: dict[tuple[str, str, int], LoginState] = {}
_STATES_LOCK = threading.Lock()


def login_state(connection: LoginConnection) -> LoginState:
    """The shared state of this login in this provider process (the password only as a hash)."""
    key = (connection.url, connection.username, hash(connection.password), hash(connection.model_dump_json(include={"tunnel", "ca_certificate", "ready_timeout_seconds"})))
    with _STATES_LOCK:
        if key not in _STATES:
            _STATES[key] = LoginState(session=reach_session(connection))
        return _STATES[key]
