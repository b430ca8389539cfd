"""The Superset providers against a real Superset 6.1.0 and a real PostgreSQL, in process and over gRPC.

The servers start once per session (tests/superset_server.py, tests/postgres_server.py). A small
proxy in front of Superset counts requests and injects faults. Outside changes are made by "another
client" over Superset's REST API, as a colleague in Superset's UI would make them. SQLite metadata keeps
`UNIQUE (table_name)`, so each test uses its own tables, and every test leaves Superset empty.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import prison
import pytest
import requests

from components.providers import superset_database, superset_dataset
from components.providers.superset_database import SupersetDatabaseProvider
from components.providers.superset_dataset import SupersetDatasetProvider
from tests.fault_proxy import FaultProxy
from tests.postgres_server import PostgresServer, free_port
from tests.provider_protocol import InProcess, ProviderCallError, ProviderProcess, checked, create
from tests.superset_server import ADMIN, SupersetServer

JWT_SECONDS = 10
"""Short-lived access tokens, so that renewal happens for real within the suite."""
APP_PASSWORD = secrets.token_urlsafe(12)
Driver = InProcess | ProviderProcess
DATA = """
CREATE TABLE public.orders (order_id int PRIMARY KEY, customer_id int, amount numeric(10,2), order_date date, region text);
INSERT INTO public.orders SELECT g, g % 10, g * 1.5, date '2024-01-01' + g, (ARRAY['north','south'])[1 + g % 2]
  FROM generate_series(1, 100) g;
CREATE TABLE public.customers (customer_id int PRIMARY KEY, name text, country text);
CREATE TABLE public.payments (payment_id int, order_id int, paid numeric(10,2), paid_at timestamp);
CREATE TABLE public.refunds (refund_id int, order_id int, refunded numeric(10,2));
CREATE TABLE public.shipments (shipment_id int, order_id int, shipped_at timestamp);
CREATE TABLE public.returns (return_id int, order_id int, reason text);
CREATE SCHEMA sales;
CREATE TABLE sales.regions (region text, manager text);
GRANT USAGE ON SCHEMA sales TO app;
GRANT SELECT ON ALL TABLES IN SCHEMA public, sales TO app;
"""


# --- servers ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    server.sql(f"CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'")
    server.sql("CREATE ROLE rotating LOGIN PASSWORD 'rotate-1'")
    server.sql("CREATE DATABASE shop OWNER app")
    server.sql(DATA, database="shop")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def superset() -> Iterator[SupersetServer]:
    server = SupersetServer(jwt_seconds=JWT_SECONDS).start()
    print(f"Superset ready: {server.timings}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(superset: SupersetServer) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy("127.0.0.1", superset.port).start()
    yield fault_proxy
    fault_proxy.stop()


class Outsider:
    """Another Superset client (a colleague in the UI): makes the outside changes a refresh must notice."""

    def __init__(self, superset: SupersetServer):
        self.url = superset.url
        self.session = requests.Session()
        self.login()

    def login(self) -> None:
        token = self.session.post(
            f"{self.url}/api/v1/security/login", json={**ADMIN, "provider": "db"}, timeout=10
        ).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        csrf = self.session.get(f"{self.url}/api/v1/security/csrf_token/", timeout=10).json()["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.url})

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        answer = self.session.request(method, self.url + path, json=body, params=params or None, timeout=30)
        if answer.status_code == 401:
            self.login()
            answer = self.session.request(method, self.url + path, json=body, params=params or None, timeout=30)
        assert answer.ok, (answer.status_code, answer.text[:500])
        return answer.json() if answer.content else None

    def all(self, resource: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/api/v1/{resource}/", q=prison.dumps({"page": 0, "page_size": 100}))["result"]

    def empty(self) -> None:
        for dataset in self.all("dataset"):
            self.call("DELETE", f"/api/v1/dataset/{dataset['id']}")
        for database in self.all("database"):
            self.call("DELETE", f"/api/v1/database/{database['id']}")


@pytest.fixture(scope="module")
def outsider(superset: SupersetServer) -> Outsider:
    return Outsider(superset)


@pytest.fixture(autouse=True)
def clean(outsider: Outsider, proxy: FaultProxy) -> Iterator[None]:
    proxy.heal()
    yield
    proxy.heal()
    outsider.empty()


@pytest.fixture(params=["in-process", "grpc"], scope="module")
def providers(request: pytest.FixtureRequest) -> Iterator[dict[str, Driver]]:
    if request.param == "in-process":
        yield {"database": InProcess(SupersetDatabaseProvider()), "dataset": InProcess(SupersetDatasetProvider())}
        return
    with (
        ProviderProcess(SupersetDatabaseProvider(), "pulumi-python:dynamic/superset:Database") as database,
        ProviderProcess(SupersetDatasetProvider(), "pulumi-python:dynamic/superset:Dataset") as dataset,
    ):
        yield {"database": database, "dataset": dataset}


# --- inputs ------------------------------------------------------------------------------------------------------


def connection(proxy: FaultProxy, password: str = ADMIN["password"]) -> dict[str, str]:
    return {"url": proxy.endpoint, "username": ADMIN["username"], "password": password}


def shop_uri(data: PostgresServer, user: str = "app", password: str = APP_PASSWORD) -> str:
    return f"postgresql://{user}:{password}@127.0.0.1:{data.port}/shop"


def database(proxy: FaultProxy, data: PostgresServer, **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(proxy),
        "database_name": "shop",
        "sqlalchemy_uri": shop_uri(data),
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_dml": False,
        "cache_timeout": None,
        "extra": {"allows_virtual_table_explore": True},
        **overrides,
    }


def dataset(proxy: FaultProxy, table: str = "orders", **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(proxy),
        "database_name": "shop",
        "schema": "public",
        "table_name": table,
        "description": "Orders fact table",
        "cache_timeout": 600,
        "metrics": [
            {"metric_name": "revenue", "expression": "SUM(amount)", "verbose_name": "Revenue", "d3format": ",.2f"},
            {"metric_name": "orders", "expression": "COUNT(DISTINCT order_id)"},
        ],
        "columns": [
            {"column_name": "order_date", "is_dttm": True, "verbose_name": "Order date"},
            {"column_name": "region", "groupby": True, "description": "Sales region"},
        ],
        **overrides,
    }




def keys_of(module: Any) -> tuple[str, ...]:
    return module.DOMAIN_KEYS + ("connection", "adopt")


def differing(module: Any, left: dict[str, Any], right: dict[str, Any]) -> set[str]:
    return {key for key in keys_of(module) if left.get(key) != right.get(key)}


def with_database(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, **overrides: Any
) -> tuple[str, dict[str, Any]]:
    return create(providers["database"], database(proxy, data, **overrides))


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
            f"{operation} database 'shop': authentication failed at {proxy.endpoint}/api/v1/security/login" in message
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


# --- datasets ------------------------------------------------------------------------------------------------------


def test_physical_dataset_lifecycle_with_managed_metrics(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    with_database(providers, proxy, data)
    driver = providers["dataset"]
    dataset_id, outs = create(driver, dataset(proxy))
    assert outs["managed_metrics"] == ["orders", "revenue"] and outs["unmanaged_metrics"] == ["count"]
    read = driver.read(dataset_id, outs)
    assert read.outs == outs and not driver.diff(dataset_id, read.outs, checked(driver, dataset(proxy))).changes
    server = outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]
    assert {m["metric_name"] for m in server["metrics"]} == {"count", "revenue", "orders"}
    columns = {c["column_name"]: c for c in server["columns"]}
    assert columns["order_date"]["verbose_name"] == "Order date" and columns["region"]["description"] == "Sales region"

    # Change one metric, drop another, add a third: the dropped one was ours, so it goes; count stays.
    changed = dataset(
        proxy,
        description=None,
        cache_timeout=None,
        metrics=[
            {"metric_name": "revenue", "expression": "SUM(amount) * 1.0", "verbose_name": "Revenue (EUR)"},
            {"metric_name": "average_order", "expression": "AVG(amount)", "description": "Mean order value"},
        ],
    )
    news = checked(driver, changed)
    diff = driver.diff(dataset_id, outs, news)
    assert diff.replaces == [] and diff.changed(keys_of(superset_dataset)) in (
        None,
        ["description", "cache_timeout", "metrics"],
    )
    updated = driver.update(dataset_id, outs, news)
    assert updated["managed_metrics"] == ["average_order", "revenue"] and updated["unmanaged_metrics"] == ["count"]
    assert driver.read(dataset_id, updated).outs == updated
    server = outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]
    assert {m["metric_name"] for m in server["metrics"]} == {"count", "revenue", "average_order"}
    assert len(server["columns"]) == 5, "no column is ever deleted"

    driver.delete(dataset_id, updated)
    assert driver.read(dataset_id, updated).id is None
    driver.delete(dataset_id, updated)


def test_virtual_dataset_sql_changes_in_place_and_refreshes_columns(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    with_database(providers, proxy, data)
    driver = providers["dataset"]
    inputs = dataset(
        proxy,
        "revenue_by_region",
        sql="SELECT region, SUM(amount) AS revenue FROM orders GROUP BY region",
        metrics=[{"metric_name": "total", "expression": "SUM(revenue)"}],
        columns=[],
    )
    dataset_id, outs = create(driver, inputs)
    assert driver.read(dataset_id, outs).outs == outs
    wider = {
        **inputs,
        "sql": "SELECT region, order_date, SUM(amount) AS revenue FROM orders GROUP BY region, order_date",
    }
    news = checked(driver, wider)
    assert driver.diff(dataset_id, outs, news).replaces == [], "new SQL for a virtual dataset is in place"
    updated = driver.update(dataset_id, outs, news)
    assert driver.read(dataset_id, updated).outs == updated
    columns = {c["column_name"] for c in outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]["columns"]}
    assert columns == {"region", "order_date", "revenue"}, "the refresh picked up the new column"


def _metrics(dataset: dict[str, Any], change: Any = lambda metric: metric) -> list[dict[str, Any]]:
    """The dataset's metrics in the shape a PUT accepts, each passed through `change` (None drops it)."""
    kept = (
        change({"id": m["id"], "metric_name": m["metric_name"], "expression": m["expression"]})
        for m in dataset["metrics"]
    )
    return [metric for metric in kept if metric is not None]


DATASET_DRIFT: dict[str, tuple[Any, set[str]]] = {
    "description": (lambda ds: {"description": "edited"}, {"description"}),
    "cache timeout": (lambda ds: {"cache_timeout": 5}, {"cache_timeout"}),
    "metric edited": (
        lambda ds: {
            "metrics": _metrics(ds, lambda m: {**m, "expression": "MAX(paid)"} if m["metric_name"] == "revenue" else m)
        },
        {"metrics"},
    ),
    "metric deleted": (
        lambda ds: {"metrics": _metrics(ds, lambda m: None if m["metric_name"] == "payments" else m)},
        {"metrics"},
    ),
    "column setting edited": (
        lambda ds: {
            "columns": [{"id": c["id"], "column_name": c["column_name"], "is_dttm": False} for c in ds["columns"]]
        },
        {"columns"},
    ),
}


def payments(proxy: FaultProxy) -> dict[str, Any]:
    return dataset(
        proxy,
        "payments",
        columns=[{"column_name": "paid_at", "is_dttm": True, "verbose_name": "Paid at"}],
        metrics=[
            {"metric_name": "revenue", "expression": "SUM(paid)", "d3format": ",.2f"},
            {"metric_name": "payments", "expression": "COUNT(*)"},
        ],
    )


@pytest.mark.parametrize("drift", DATASET_DRIFT)
def test_dataset_drift_is_detected_exactly_and_repaired(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider, drift: str
) -> None:
    change, expected = DATASET_DRIFT[drift]
    with_database(providers, proxy, data)
    driver = providers["dataset"]
    dataset_id, outs = create(driver, payments(proxy))
    outsider.call(
        "PUT", f"/api/v1/dataset/{dataset_id}", change(outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"])
    )
    read = driver.read(dataset_id, outs)
    assert differing(superset_dataset, read.outs, outs) == expected
    assert read.outs["managed_metrics"] == outs["managed_metrics"]
    news = checked(driver, payments(proxy))
    diff = driver.diff(dataset_id, read.outs, news)
    assert diff.changes and diff.replaces == []
    updated = driver.update(dataset_id, read.outs, news)
    assert driver.read(dataset_id, updated).outs == outs


def test_dataset_deleted_outside_or_its_id_reused_reads_as_gone(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    database_id, _ = with_database(providers, proxy, data)
    driver = providers["dataset"]
    dataset_id, outs = create(driver, dataset(proxy, "refunds", columns=[]))
    outsider.call("DELETE", f"/api/v1/dataset/{dataset_id}")
    assert driver.read(dataset_id, outs).id is None
    # SQLite metadata hands the freed id to the next dataset: it is not ours.
    other = outsider.call(
        "POST", "/api/v1/dataset/", {"database": int(database_id), "schema": "public", "table_name": "shipments"}
    )
    assert str(other["id"]) == dataset_id, "the test relies on Superset reusing the id"
    assert driver.read(dataset_id, outs).id is None, "identity is the uuid, not the numeric id"
    with pytest.raises(ProviderCallError, match="now belongs to another object"):
        driver.update(dataset_id, outs, checked(driver, dataset(proxy, "refunds", columns=[], description="x")))
    driver.delete(dataset_id, outs)
    assert outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]["table_name"] == "shipments", "not deleted"


def test_metrics_added_by_others_are_reported_and_kept(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    with_database(providers, proxy, data)
    driver = providers["dataset"]
    dataset_id, outs = create(
        driver,
        dataset(
            proxy,
            "returns",
            columns=[],
            metrics=[
                {"metric_name": "returns", "expression": "COUNT(*)"},
                {"metric_name": "count", "expression": "COUNT(*)"},
            ],
        ),
    )
    assert outs["managed_metrics"] == ["returns"], "count existed already: declared, but not ours to delete"
    server = outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]
    outsider.call(
        "PUT",
        f"/api/v1/dataset/{dataset_id}",
        {
            "metrics": [
                *(
                    {"id": m["id"], "metric_name": m["metric_name"], "expression": m["expression"]}
                    for m in server["metrics"]
                ),
                {"metric_name": "analyst_metric", "expression": "MAX(return_id)"},
            ]
        },
    )
    read = driver.read(dataset_id, outs)
    assert read.outs["unmanaged_metrics"] == ["analyst_metric"]
    assert differing(superset_dataset, read.outs, outs) == set(), "someone else's metric is not drift"
    # The program stops declaring both: its own metric goes, count (not created here) and the analyst's stay.
    news = checked(driver, dataset(proxy, "returns", columns=[], metrics=[]))
    updated = driver.update(dataset_id, read.outs, news)
    names = {m["metric_name"] for m in outsider.call("GET", f"/api/v1/dataset/{dataset_id}")["result"]["metrics"]}
    assert names == {"count", "analyst_metric"}
    assert updated["managed_metrics"] == [] and updated["unmanaged_metrics"] == ["analyst_metric", "count"]
    assert driver.read(dataset_id, updated).outs == updated


def test_dataset_replacements(providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer) -> None:
    with_database(providers, proxy, data)
    driver = providers["dataset"]
    dataset_id, outs = create(driver, dataset(proxy, "customers", columns=[]))
    for change, replaced in (
        ({"table_name": "customers_v2"}, ["table_name"]),
        ({"schema": "sales"}, ["schema"]),
        ({"database_name": "other"}, ["database_name"]),
    ):
        diff = driver.diff(dataset_id, outs, checked(driver, {**dataset(proxy, "customers", columns=[]), **change}))
        assert diff.replaces == replaced and not diff.delete_before_replace
    virtual = checked(driver, dataset(proxy, "customers", columns=[], sql="SELECT * FROM customers"))
    diff = driver.diff(dataset_id, outs, virtual)
    assert "sql" in diff.replaces and diff.delete_before_replace, "same name, other kind: the old one goes first"


def test_existing_dataset_is_refused_unless_adopted(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    database_id, _ = with_database(providers, proxy, data)
    outsider.call(
        "POST", "/api/v1/dataset/", {"database": int(database_id), "schema": "sales", "table_name": "regions"}
    )
    inputs = dataset(
        proxy, "regions", schema="sales", columns=[], metrics=[{"metric_name": "regions", "expression": "COUNT(*)"}]
    )
    with pytest.raises(
        ProviderCallError, match=r"create dataset sales.regions in 'shop' at .*: it already exists.*adopt=True"
    ):
        create(providers["dataset"], inputs)
    dataset_id, outs = create(providers["dataset"], {**inputs, "adopt": True})
    assert providers["dataset"].read(dataset_id, outs).outs == outs


def test_dataset_on_a_missing_database_or_column_fails_clearly(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer, outsider: Outsider
) -> None:
    with pytest.raises(
        ProviderCallError, match=r"Superset has no database named 'shop'.*declare the SupersetDatabase first"
    ):
        create(providers["dataset"], dataset(proxy))
    with_database(providers, proxy, data)
    with pytest.raises(ProviderCallError, match=r"no column shipped_on in the dataset.*nothing was created"):
        create(providers["dataset"], dataset(proxy, columns=[{"column_name": "shipped_on", "is_dttm": True}]))
    assert outsider.all("dataset") == [], "the half-made dataset was removed"


def test_dataset_cache_timeout_falls_back_to_the_databases_without_drift(
    providers: dict[str, Driver], proxy: FaultProxy, data: PostgresServer
) -> None:
    with_database(providers, proxy, data, cache_timeout=30)
    driver = providers["dataset"]
    dataset_id, outs = create(driver, dataset(proxy, cache_timeout=None, columns=[]))
    assert driver.read(dataset_id, outs).outs == outs, "Superset shows the database's 30 s; that is not drift"


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


EXAMPLE_CONFIG = {
    "presentation:superset_url": "http://127.0.0.1:8088",
    "presentation:superset_admin_password": "program-superset-password",
    "presentation:dremio_password": "program-dremio-password",
}


def test_the_worked_example_keeps_every_credential_secret() -> None:
    """examples/superset_gold.py (shown in the README) under the engine's mocks."""
    from pulumi.runtime import rpc

    from offline.graph import evaluate_stack
    from tests.conftest import PROJECT_ROOT

    secrets = ["presentation:superset_admin_password", "presentation:dremio_password"]
    graph = evaluate_stack(
        "dev", config=EXAMPLE_CONFIG, secret_keys=secrets, program=PROJECT_ROOT / "examples" / "superset_gold.py"
    )
    records = [r for r in graph.resources if r.type.startswith("pulumi-python:dynamic/superset:")]
    assert sorted(r.type.rsplit(":", 1)[1] for r in records) == ["Database", "Dataset"]
    for record in records:
        assert rpc.is_rpc_secret(record.inputs["connection"])
        plain = json.dumps({k: v for k, v in record.inputs.items() if not rpc.is_rpc_secret(v)}, default=str)
        assert "program-superset-password" not in plain and "program-dremio-password" not in plain
    (database_record,) = [r for r in records if r.type.endswith(":Database")]
    assert rpc.is_rpc_secret(database_record.inputs["sqlalchemy_uri"]), "the URI holds Dremio's password"
    (dataset_record,) = [r for r in records if r.type.endswith(":Dataset")]
    assert [m["metric_name"] for m in dataset_record.plain_inputs["metrics"]] == ["revenue", "orders"]


def test_the_readme_shows_the_worked_example() -> None:
    from tests.conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    example = (PROJECT_ROOT / "examples" / "superset_gold.py").read_text()
    assert example[example.index("import pulumi") :].strip() in readme
