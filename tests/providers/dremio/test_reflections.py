"""The Dremio providers against the fake Dremio (tests/support/fake_dremio/): raw and aggregation reflections.

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
    aggregation_reflection,
    differing,
    keys_of,
    lakehouse,
    raw_reflection,
)
from tests.support.fake_dremio import FakeDremio
from tests.support.provider_protocol import ProviderCallError, checked, create

# --- reflections ---------------------------------------------------------------------------------------------------


def test_raw_and_aggregation_reflection_lifecycle(providers: dict[str, Driver], fake: FakeDremio) -> None:
    lakehouse(providers, fake)
    driver = providers["reflection"]
    raw_id, raw_outs = create(driver, raw_reflection(fake))
    agg_id, agg_outs = create(driver, aggregation_reflection(fake))
    stored = fake.reflections[raw_id].body
    assert stored["partitionFields"] == [{"name": "region"}] and "distributionFields" not in stored
    assert fake.reflections[agg_id].body["measureFields"] == [{"name": "amount", "measureTypeList": ["SUM", "COUNT"]}]
    for reflection_id, outs in ((raw_id, raw_outs), (agg_id, agg_outs)):
        read = driver.read(reflection_id, outs)
        assert read.outs == outs and read.inputs == outs

    news = checked(driver, raw_reflection(fake, enabled=False, sort_fields=[], distribution_fields=["order_id"]))
    diff = driver.diff(raw_id, raw_outs, news)
    assert diff.replaces == [] and diff.changed(keys_of("reflection")) in (None, ["enabled", "sort_fields", "distribution_fields"])
    updated = driver.update(raw_id, raw_outs, news)
    assert driver.read(raw_id, updated).outs == updated
    assert "sortFields" not in fake.reflections[raw_id].body and fake.reflections[raw_id].body["enabled"] is False

    driver.delete(raw_id, updated)
    driver.delete(raw_id, updated)
    assert driver.read(raw_id, updated).id is None


REFLECTION_DRIFT = {
    "disabled": (lambda r: r.update(enabled=False), {"enabled"}),
    "fields changed": (lambda r: (r.update(displayFields=[{"name": "order_id"}, {"name": "region"}]), r.pop("sortFields")), {"display_fields", "sort_fields"}),
    "strategy changed": (lambda r: r.update(partitionDistributionStrategy="STRIPED", arrowCachingEnabled=True),
                         {"partition_distribution_strategy", "arrow_caching_enabled"}),
}


@pytest.mark.parametrize("drift", REFLECTION_DRIFT)
def test_reflection_drift_is_detected_and_repaired(providers: dict[str, Driver], fake: FakeDremio, drift: str) -> None:
    lakehouse(providers, fake)
    change, expected = REFLECTION_DRIFT[drift]
    driver = providers["reflection"]
    reflection_id, outs = create(driver, raw_reflection(fake))
    Outsider(fake).edit_reflection(reflection_id, change)
    read = driver.read(reflection_id, outs)
    assert differing("reflection", read.outs, outs) == expected
    news = checked(driver, raw_reflection(fake))
    assert driver.diff(reflection_id, read.outs, news).changes
    updated = driver.update(reflection_id, read.outs, news)
    assert driver.read(reflection_id, updated).outs == outs


def test_reflection_deleted_outside_reads_as_gone(providers: dict[str, Driver], fake: FakeDremio) -> None:
    lakehouse(providers, fake)
    reflection_id, outs = create(providers["reflection"], raw_reflection(fake))
    Outsider(fake).call("DELETE", f"/api/v3/reflection/{reflection_id}")
    assert providers["reflection"].read(reflection_id, outs).id is None


def test_a_reflection_name_already_on_the_dataset_is_refused_not_duplicated(providers: dict[str, Driver], fake: FakeDremio) -> None:
    made = lakehouse(providers, fake)
    table_id = made["table"][0]
    outsider = Outsider(fake)
    outsider.call("POST", "/api/v3/reflection", {"type": "RAW", "name": "orders_raw", "datasetId": table_id, "enabled": True,
                                                 "displayFields": [{"name": "order_id"}]})
    driver = providers["reflection"]
    with pytest.raises(ProviderCallError, match=r"create reflection 'orders_raw' on lake.bronze.orders at .*: it already exists.*adopt=True"):
        create(driver, raw_reflection(fake))
    assert len(fake.reflections) == 1, "no duplicate was created"
    reflection_id, outs = create(driver, raw_reflection(fake, adopt=True))
    assert len(fake.reflections) == 1 and fake.reflections[reflection_id].body["sortFields"] == [{"name": "order_date"}]
    outsider.call("POST", "/api/v3/reflection", {"type": "RAW", "name": "orders_raw", "datasetId": table_id, "enabled": True,
                                                 "displayFields": [{"name": "amount"}]})
    with pytest.raises(ProviderCallError, match="2 reflections already share this name"):
        create(driver, raw_reflection(fake, adopt=True))


def test_reflection_replacements(providers: dict[str, Driver], fake: FakeDremio) -> None:
    lakehouse(providers, fake)
    driver = providers["reflection"]
    reflection_id, outs = create(driver, raw_reflection(fake))
    as_aggregation = checked(driver, aggregation_reflection(fake, dataset_path=BRONZE_ORDERS, name="orders_raw"))
    diff = driver.diff(reflection_id, outs, as_aggregation)
    assert "type" in diff.replaces and diff.delete_before_replace, "same name on the same dataset: delete first"
    moved = driver.diff(reflection_id, outs, checked(driver, raw_reflection(fake, dataset_path=["silver", "orders_clean"], name="other")))
    assert "dataset_path" in moved.replaces and not moved.delete_before_replace


def test_reflection_stale_tag_is_retried(providers: dict[str, Driver], fake: FakeDremio) -> None:
    lakehouse(providers, fake)
    driver = providers["reflection"]
    reflection_id, outs = create(driver, raw_reflection(fake))
    fake.before_next("PUT", f"/api/v3/reflection/{reflection_id}", lambda: fake.touch(reflection_id))
    updated = driver.update(reflection_id, outs, checked(driver, raw_reflection(fake, enabled=False)))
    assert fake.reflections[reflection_id].body["enabled"] is False
    assert driver.read(reflection_id, updated).outs == updated


