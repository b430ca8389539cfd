"""The Superset providers against a real Superset 6.1.0 and a real PostgreSQL, in process and over gRPC: physical and virtual datasets, their metrics and columns.

The servers start once per session (tests/support/superset_server.py, tests/support/postgres_server.py). A small
proxy in front of Superset counts requests and injects faults. Outside changes are made by "another
client" over Superset's REST API, as a colleague in Superset's UI would make them. SQLite metadata keeps
`UNIQUE (table_name)`, so each test uses its own tables, and every test leaves Superset empty.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.providers.superset import dataset as superset_dataset
from tests.providers.superset.builders import Driver, Outsider, dataset, differing, keys_of, with_database
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.provider_protocol import ProviderCallError, checked, create

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


