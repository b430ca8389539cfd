"""The Superset providers against a real Superset 6.1.0 and a real PostgreSQL, in process and over gRPC: database connections.

The servers start once per session (tests/support/superset_server.py, tests/support/postgres_server.py). A small
proxy in front of Superset counts requests and injects faults. Outside changes are made by "another
client" over Superset's REST API, as a colleague in Superset's UI would make them. SQLite metadata keeps
`UNIQUE (table_name)`, so each test uses its own tables, and every test leaves Superset empty.
"""

from __future__ import annotations

import json

import pytest

from components.providers.superset import database as superset_database
from tests.providers.superset.builders import (
    APP_PASSWORD,
    Driver,
    Outsider,
    connection,
    database,
    differing,
    keys_of,
    shop_uri,
    with_database,
)
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer, free_port
from tests.support.provider_protocol import ProviderCallError, checked, create

# --- databases -------------------------------------------------------------------------------------------------------


def test_database_lifecycle(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    driver = providers["database"]
    database_id, outs = with_database(providers, proxy, data)
    assert outs["database_id"] == int(database_id) and len(outs["uuid"]) == 36
    read = driver.read(database_id, outs)
    assert read.outs == outs, "no drift right after create: the masked password stands for ours"
    assert read.inputs == {k: v for k, v in outs.items() if k not in superset_database.OUTPUT_KEYS}

    renamed = database(
        proxy,
        data,
        database_name="shop-renamed",
        expose_in_sqllab=False,
        cache_timeout=60,
        allow_run_async=True,
        extra={"allows_virtual_table_explore": False, "metadata_cache_timeout": {}},
    )
    news = checked(driver, renamed)
    diff = driver.diff(database_id, outs, news)
    assert diff.changes and diff.replaces == [], "renaming is an in-place update"
    updated = driver.update(database_id, outs, news)
    assert driver.read(database_id, updated).outs == updated
    server = outsider.call("GET", f"/api/v1/database/{database_id}/connection")["result"]
    assert server["database_name"] == "shop-renamed" and server["expose_in_sqllab"] is False
    assert json.loads(server["extra"]) == renamed["extra"]

    driver.delete(database_id, updated)
    assert driver.read(database_id, updated).id is None
    driver.delete(database_id, updated)  # already gone is fine


def test_the_stored_password_survives_updates_and_rotates_only_from_the_program(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    driver = providers["database"]
    data.sql("ALTER ROLE rotating PASSWORD 'rotate-1'")  # as before any earlier run of this test
    inputs = database(proxy, data, sqlalchemy_uri=shop_uri(data, "rotating", "rotate-1"))
    database_id, outs = create(driver, inputs)
    proxy.reset_counts()
    outs = driver.update(database_id, outs, checked(driver, {**inputs, "cache_timeout": 30}))
    put = [r for r in proxy.requests if r[0] == "PUT"]
    assert put == [("PUT", f"/api/v1/database/{database_id}")]
    # The stored password still works: Superset lists the tables with it.
    assert outsider.call("GET", f"/api/v1/database/{database_id}/schemas/", q="(force:!t)")["result"]
    data.sql("ALTER ROLE rotating PASSWORD 'rotate-2'")
    rotated = {**inputs, "cache_timeout": 30, "sqlalchemy_uri": shop_uri(data, "rotating", "rotate-2")}
    news = checked(driver, rotated)
    assert driver.diff(database_id, outs, news).replaces == []
    outs = driver.update(database_id, outs, news)
    assert driver.read(database_id, outs).outs == outs
    assert outsider.call("GET", f"/api/v1/database/{database_id}/schemas/", q="(force:!t)")["result"]


DATABASE_DRIFT = {
    "expose_in_sqllab flipped": ({"expose_in_sqllab": False}, {"expose_in_sqllab"}),
    "cache timeout and DML": ({"cache_timeout": 5, "allow_dml": True}, {"cache_timeout", "allow_dml"}),
    "renamed": ({"database_name": "shop-elsewhere"}, {"database_name"}),
    "extra edited": ({"extra": json.dumps({"allows_virtual_table_explore": False})}, {"extra"}),
}


@pytest.mark.parametrize("drift", DATABASE_DRIFT)
def test_database_drift_is_detected_exactly_and_repaired(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider, drift: str
) -> None:
    change, expected = DATABASE_DRIFT[drift]
    driver = providers["database"]
    database_id, outs = with_database(providers, proxy, data)
    outsider.call("PUT", f"/api/v1/database/{database_id}", change)
    read = driver.read(database_id, outs)
    assert differing(superset_database, read.outs, outs) == expected
    news = checked(driver, database(proxy, data))
    diff = driver.diff(database_id, read.outs, news)
    assert diff.changes and diff.replaces == []
    assert diff.changed(keys_of(superset_database)) in (None, [k for k in keys_of(superset_database) if k in expected])
    updated = driver.update(database_id, read.outs, news)
    assert driver.read(database_id, updated).outs == outs


def test_existing_database_is_refused_unless_adopted(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    outsider.call(
        "POST",
        "/api/v1/database/",
        {"database_name": "shop", "sqlalchemy_uri": shop_uri(data), "expose_in_sqllab": False},
    )
    with pytest.raises(ProviderCallError, match=r"create database 'shop' at .*: it already exists.*adopt=True"):
        with_database(providers, proxy, data)
    database_id, outs = with_database(providers, proxy, data, adopt=True)
    assert providers["database"].read(database_id, outs).outs == outs, "adopting brings it to the declared state"


def test_wrong_superset_password_names_the_operation_and_endpoint(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer
) -> None:
    wrong = database(proxy, data, connection=connection(proxy, "not-the-password"))
    for operation, attempt in (
        ("create", lambda: create(providers["database"], wrong)),
        ("read", lambda: providers["database"].read("1", wrong)),
    ):
        with pytest.raises(ProviderCallError) as caught:
            attempt()
        message = str(caught.value)
        assert (
            f"{operation} database 'shop': authentication failed: POST {proxy.endpoint}/api/v1/security/login: "
            "401 Not authorized; check connection.username and connection.password" in message
        )
        assert "not-the-password" not in message and APP_PASSWORD not in message


def test_unreachable_or_refusing_target_database_is_reported_with_supersets_reason(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer
) -> None:
    closed = f"postgresql://app:{APP_PASSWORD}@127.0.0.1:{free_port()}/shop"
    with pytest.raises(ProviderCallError) as caught:
        with_database(providers, proxy, data, sqlalchemy_uri=closed)
    message = str(caught.value)
    assert "create database 'shop': POST" in message and "400" in message and "refused" in message.lower()
    assert APP_PASSWORD not in message
    with pytest.raises(ProviderCallError, match=r'The password provided for username "app" is incorrect'):
        with_database(providers, proxy, data, sqlalchemy_uri=shop_uri(data, password="wrong-password"))


