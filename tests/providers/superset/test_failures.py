"""The Superset providers against a real Superset 6.1.0 and a real PostgreSQL, in process and over gRPC: sessions, tokens, transient failures, bad input, the pickled providers, the worked example.

The servers start once per session (tests/support/superset_server.py, tests/support/postgres_server.py). A small
proxy in front of Superset counts requests and injects faults. Outside changes are made by "another
client" over Superset's REST API, as a colleague in Superset's UI would make them. SQLite metadata keeps
`UNIQUE (table_name)`, so each test uses its own tables, and every test leaves Superset empty.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from components.providers.superset.database import SupersetDatabaseProvider
from components.providers.superset.dataset import SupersetDatasetProvider
from tests.providers.superset.builders import (
    APP_PASSWORD,
    JWT_SECONDS,
    Driver,
    connection,
    database,
    dataset,
    with_database,
)
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.provider_protocol import ProviderCallError, checked
from tests.support.superset_server import ADMIN

# --- sessions, tokens, transient failures ----------------------------------------------------------------------------


def test_an_expired_token_is_renewed(providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer) -> None:
    database_id, outs = with_database(providers, proxy, data)
    time.sleep(JWT_SECONDS + 1)
    proxy.reset_counts()
    assert providers["database"].read(database_id, outs).outs == outs
    logins = [r for r in proxy.requests if r[1] == "/api/v1/security/login"]
    assert len(logins) == 1, "one new login (and CSRF token) after the token expired"


def test_transient_503_is_retried_and_a_lost_create_answer_is_looked_up(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer
) -> None:
    driver = providers["database"]
    inputs = checked(driver, database(proxy, data))
    proxy.lose_response_to("POST", "/api/v1/database/")
    database_id, outs = driver.create(inputs)
    assert [r for r in proxy.requests if r == ("POST", "/api/v1/database/")] == [("POST", "/api/v1/database/")]
    assert driver.read(database_id, outs).outs == outs
    proxy.fail_next(2)
    proxy.reset_counts()
    assert driver.read(database_id, outs).outs == outs
    assert len(proxy.requests) >= 3, "two 503s, then the real answer"


def test_superset_going_away_is_reported(providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer) -> None:
    database_id, outs = with_database(providers, proxy, data)
    proxy.go_dark()
    with pytest.raises(ProviderCallError) as caught:
        providers["database"].read(database_id, outs)
    assert "read database 'shop'" in str(caught.value) and "could not reach the server" in str(caught.value)


# --- bad input at check, credentials ------------------------------------------------------------------------------


BAD_INPUTS: dict[str, tuple[str, Any, str]] = {
    "URI that is not one": (
        "database",
        lambda p, d: database(p, d, sqlalchemy_uri="this is not a uri"),
        "sqlalchemy_uri",
    ),
    "unknown dialect": (
        "database",
        lambda p, d: database(p, d, sqlalchemy_uri="nosuchdialect://u:secret-pw@h/db"),
        "sqlalchemy_uri",
    ),
    "Dremio without Flight": (
        "database",
        lambda p, d: database(p, d, sqlalchemy_uri="dremio://u:secret-pw@dremio:9047/x"),
        "sqlalchemy_uri",
    ),
    "empty database name": ("database", lambda p, d: database(p, d, database_name=""), "database_name"),
    "negative cache timeout": ("database", lambda p, d: database(p, d, cache_timeout=-1), "cache_timeout"),
    "extra not an object": ("database", lambda p, d: database(p, d, extra="{}"), "extra"),
    "connection URL": (
        "database",
        lambda p, d: database(p, d, connection={**connection(p), "url": "superset:8088"}),
        "connection",
    ),
    "repeated metric": (
        "dataset",
        lambda p, d: dataset(p, metrics=[{"metric_name": "a", "expression": "COUNT(*)"}] * 2),
        "metrics",
    ),
    "empty expression": (
        "dataset",
        lambda p, d: dataset(p, metrics=[{"metric_name": "a", "expression": " "}]),
        "metrics",
    ),
    "metric without a name": ("dataset", lambda p, d: dataset(p, metrics=[{"expression": "COUNT(*)"}]), "metrics"),
    "repeated column settings": (
        "dataset",
        lambda p, d: dataset(p, columns=[{"column_name": "a"}, {"column_name": "a", "groupby": False}]),
        "columns",
    ),
    "unknown column setting": (
        "dataset",
        lambda p, d: dataset(p, columns=[{"column_name": "a", "colour": "red"}]),
        "columns",
    ),
    "empty virtual SQL": ("dataset", lambda p, d: dataset(p, sql="  "), "sql"),
    "missing table name": (
        "dataset",
        lambda p, d: {k: v for k, v in dataset(p).items() if k != "table_name"},
        "table_name",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_rejected_at_check_without_a_request(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, case: str
) -> None:
    kind, build, property_ = BAD_INPUTS[case]
    proxy.reset_counts()
    _, failures = providers[kind].check(build(proxy, data))
    assert proxy.requests == [], "check must not touch the network"
    assert property_ in {name for name, _ in failures}, failures
    for _, reason in failures:
        assert "secret-pw" not in reason and ADMIN["password"] not in reason and APP_PASSWORD not in reason


def test_the_serialised_providers_hold_no_credential() -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    for provider in (SupersetDatabaseProvider(), SupersetDatasetProvider()):
        blob = base64.b64decode(serialize_provider(provider))
        assert len(blob) < 400, f"{type(provider).__name__} is pickled by reference, not by value"
        assert ADMIN["password"].encode() not in blob and APP_PASSWORD.encode() not in blob
