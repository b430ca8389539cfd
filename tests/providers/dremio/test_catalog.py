"""The Dremio providers against the fake Dremio (tests/support/fake_dremio/): spaces, tables (promotion and refresh policy) and views.

Every test runs twice: with the provider objects called directly, and with each provider serialised as
the SDK does and driven through `python -m pulumi.dynamic`. Outside changes are made by "another
client" over Dremio's REST API, as a colleague in Dremio's UI would make them.
"""

from __future__ import annotations

import pytest

from tests.providers.dremio.builders import (
    BRONZE_ORDERS,
    Driver,
    Outsider,
    differing,
    keys_of,
    lakehouse,
    postgres_source,
    s3_source,
    space,
    table,
    view,
)
from tests.support.fake_dremio import FakeDremio
from tests.support.provider_protocol import ProviderCallError, checked, create

# --- spaces --------------------------------------------------------------------------------------------------------


def test_space_lifecycle_and_guarded_delete(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["space"]
    space_id, outs = create(driver, space(fake))
    assert driver.read(space_id, outs).outs == outs
    assert driver.diff(space_id, outs, checked(driver, space(fake, "Bronze"))).replaces == ["name"]
    Outsider(fake).call("POST", "/api/v3/catalog", {"entityType": "folder", "path": ["bronze", "scratch"]})
    with pytest.raises(ProviderCallError) as caught:
        driver.delete(space_id, outs)
    assert "still holds 1 item(s) (scratch)" in str(caught.value) and "force_destroy=True" in str(caught.value)
    forced = checked(driver, space(fake, force_destroy=True))
    outs = driver.update(space_id, outs, forced)
    driver.delete(space_id, outs)
    assert driver.read(space_id, outs).id is None
    driver.delete(space_id, outs)


def test_existing_space_is_refused_unless_adopted(providers: dict[str, Driver], fake: FakeDremio) -> None:
    Outsider(fake).call("POST", "/api/v3/catalog", {"entityType": "space", "name": "gold"})
    with pytest.raises(ProviderCallError, match=r"create space 'gold' at .*: it already exists.*adopt=True"):
        create(providers["space"], space(fake, "gold"))
    space_id, _ = create(providers["space"], space(fake, "gold", adopt=True))
    assert fake.entities[space_id].path == ["gold"]


# --- tables --------------------------------------------------------------------------------------------------------


def test_table_promotion_refresh_policy_and_unpromotion(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["source"], s3_source(fake))
    driver = providers["table"]
    inputs = table(fake, refresh_policy={"refresh_period_ms": 1800000, "grace_period_ms": 7200000, "method": "INCREMENTAL", "never_expire": True})
    table_id, outs = create(driver, inputs)
    entity = fake.entities[table_id]
    assert entity.kind == "table" and entity.body["format"]["type"] == "Parquet"
    assert entity.body["accelerationRefreshPolicy"]["method"] == "INCREMENTAL"
    assert driver.read(table_id, outs).outs == outs
    assert driver.diff(table_id, outs, checked(driver, table(fake, path=[*BRONZE_ORDERS[:2], "customers.parquet"]))).replaces == ["path"]

    news = checked(driver, table(fake, refresh_policy={"never_refresh": True}))
    outs = driver.update(table_id, outs, news)
    assert fake.entities[table_id].body["accelerationRefreshPolicy"]["activePolicyType"] == "NEVER"
    assert driver.read(table_id, outs).outs == outs

    driver.delete(table_id, outs)
    assert driver.read(table_id, outs).id is None
    folder = Outsider(fake).call("GET", "/api/v3/catalog/by-path/lake/bronze/orders")
    assert folder["entityType"] == "folder", "un-promoted: the folder and its files stay"


def test_a_single_file_can_be_promoted(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["source"], s3_source(fake))
    table_id, outs = create(providers["table"], table(fake, path=["lake", "bronze", "customers.parquet"]))
    assert fake.entities[table_id].body["format"]["isFolder"] is False
    assert providers["table"].read(table_id, outs).outs == outs


TABLE_DRIFT = {
    "policy removed": lambda e: e.pop("accelerationRefreshPolicy"),
    "policy changed": lambda e: e["accelerationRefreshPolicy"].update(refreshPeriodMs=600000),
}


@pytest.mark.parametrize("drift", TABLE_DRIFT)
def test_table_drift_is_detected_and_repaired(providers: dict[str, Driver], fake: FakeDremio, drift: str) -> None:
    create(providers["source"], s3_source(fake))
    driver = providers["table"]
    table_id, outs = create(driver, table(fake))
    Outsider(fake).edit(table_id, TABLE_DRIFT[drift])
    read = driver.read(table_id, outs)
    assert differing("table", read.outs, outs) == {"refresh_policy"}
    news = checked(driver, table(fake))
    assert driver.diff(table_id, read.outs, news).changes
    updated = driver.update(table_id, read.outs, news)
    assert driver.read(table_id, updated).outs == outs


def test_table_errors_name_the_problem(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["source"], s3_source(fake))
    with pytest.raises(ProviderCallError, match=r"create table lake.bronze.nothing: GET http://.*/api/v3/catalog/by-path/lake/bronze/nothing: 404: there is no folder or file"):
        create(providers["table"], table(fake, path=["lake", "bronze", "nothing"]))
    table_id, _ = create(providers["table"], table(fake))
    with pytest.raises(ProviderCallError, match=r"it already exists.*adopt=True"):
        create(providers["table"], table(fake))
    adopted_id, _ = create(providers["table"], table(fake, adopt=True))
    assert adopted_id == table_id


def test_a_database_table_policy_is_managed_by_adoption(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["source"], postgres_source(fake))
    driver = providers["table"]
    inputs = table(fake, path=["warehouse", "public", "customers"], adopt=True,
                   refresh_policy={"method": "INCREMENTAL", "refresh_field": "customer_id"})
    table_id, outs = create(driver, inputs)
    assert fake.entities[table_id].body["accelerationRefreshPolicy"]["refreshField"] == "customer_id"
    assert driver.read(table_id, outs).outs == outs
    driver.delete(table_id, outs)
    assert table_id in fake.entities and fake.entities[table_id].body.get("accelerationRefreshPolicy") is None, (
        "a database table cannot be deleted; delete removes the policy it set"
    )


# --- views ---------------------------------------------------------------------------------------------------------


def test_view_lifecycle_drift_and_replacement(providers: dict[str, Driver], fake: FakeDremio) -> None:
    made = lakehouse(providers, fake)
    driver = providers["view"]
    view_id, outs = made["view"]
    assert [f["name"] for f in fake.entities[view_id].fields] == ["order_id", "order_date", "region", "amount"]
    assert driver.read(view_id, outs).outs == outs

    Outsider(fake).edit(view_id, lambda e: e.update(sql='SELECT order_id FROM lake."bronze".orders'))
    read = driver.read(view_id, outs)
    assert differing("view", read.outs, outs) == {"sql"}
    news = checked(driver, view(fake))
    assert driver.diff(view_id, read.outs, news).changed(keys_of("view")) in (None, ["sql"])
    updated = driver.update(view_id, read.outs, news)
    assert driver.read(view_id, updated).outs == outs

    moved = driver.diff(view_id, outs, checked(driver, view(fake, path=["silver", "orders_v2"])))
    assert moved.replaces == ["path"]
    Outsider(fake).call("DELETE", f"/api/v3/catalog/{view_id}")
    assert driver.read(view_id, outs).id is None
    driver.delete(view_id, outs)


def test_view_over_a_missing_table_fails_with_dremios_message(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["space"], space(fake, "silver"))
    with pytest.raises(ProviderCallError) as caught:
        create(providers["view"], view(fake))
    message = str(caught.value)
    assert "create view silver.orders_clean: POST" in message and "400 Object 'orders' not found" in message


