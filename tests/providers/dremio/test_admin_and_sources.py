"""The Dremio providers against the fake Dremio (tests/support/fake_dremio/): the first administrator and the sources (S3, PostgreSQL, Elasticsearch).

Every test runs twice: with the provider objects called directly, and with each provider serialised as
the SDK does and driven through `python -m pulumi.dynamic`. Outside changes are made by "another
client" over Dremio's REST API, as a colleague in Dremio's UI would make them.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.providers.dremio import source as dremio_source
from tests.providers.dremio.builders import (
    PASSWORD,
    SOURCES,
    Driver,
    Outsider,
    admin,
    connection,
    differing,
    elastic_source,
    keys_of,
    postgres_source,
    s3_source,
    space,
    table,
)
from tests.support.fake_dremio import EXISTING, FakeDremio
from tests.support.provider_protocol import ProviderCallError, checked, create

# --- the first administrator ---------------------------------------------------------------------------------------



def test_admin_bootstraps_a_fresh_server_and_then_only_checks_the_login(providers: dict[str, Driver], fresh: FakeDremio) -> None:
    driver = providers["admin"]
    admin_id, outs = create(driver, admin(fresh))
    assert admin_id == "admin" and fresh.users["admin"]["firstName"] == "Data"
    assert ("PUT", "/apiv2/bootstrap/firstuser") in fresh.requests
    assert driver.read(admin_id, outs).outs == outs
    # Created again (a new stack, or after `pulumi state delete`): the user exists, the login is checked.
    fresh.requests.clear()
    again_id, _ = create(driver, admin(fresh))
    assert again_id == "admin" and ("PUT", "/apiv2/bootstrap/firstuser") not in fresh.requests
    # A changed password is an in-place update that checks the new one.
    assert driver.diff(admin_id, outs, checked(driver, admin(fresh, connection=connection(fresh, "Other-pa55")))).replaces == []
    with pytest.raises(ProviderCallError) as caught:
        driver.update(admin_id, outs, checked(driver, admin(fresh, connection=connection(fresh, "Other-pa55"))))
    assert "update admin 'admin': authentication failed" in str(caught.value) and "Other-pa55" not in str(caught.value)
    # Another user name is another administrator.
    other = checked(driver, admin(fresh, connection={**connection(fresh), "username": "someone"}))
    assert driver.diff(admin_id, outs, other).replaces == ["connection"]
    driver.delete(admin_id, outs)
    assert "admin" in fresh.users, "delete leaves the administrator in place"


def test_admin_with_the_wrong_password_fails_clearly(providers: dict[str, Driver], fake: FakeDremio) -> None:
    wrong = admin(fake, connection=connection(fake, "Wrong-passw0rd"))
    for attempt in (lambda: create(providers["admin"], wrong), lambda: providers["admin"].read("admin", wrong)):
        with pytest.raises(ProviderCallError) as caught:
            attempt()
        message = str(caught.value)
        assert "authentication failed" in message and f"{fake.url}/apiv2/login" in message
        assert "admin 'admin'" in message and "Wrong-passw0rd" not in message and PASSWORD not in message


def test_a_server_that_lost_its_users_reads_the_admin_as_gone(providers: dict[str, Driver], fresh: FakeDremio) -> None:
    admin_id, outs = create(providers["admin"], admin(fresh))
    fresh.users.clear()
    fresh.tokens.clear()
    assert providers["admin"].read(admin_id, outs).id is None, "the next `pulumi up` bootstraps it again"


def test_other_resources_on_a_fresh_server_say_to_declare_the_admin_first(providers: dict[str, Driver], fresh: FakeDremio) -> None:
    with pytest.raises(ProviderCallError, match="Dremio has no user yet; declare a DremioAdmin first"):
        create(providers["space"], space(fresh))


# --- sources -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source_type", SOURCES)
def test_source_lifecycle(providers: dict[str, Driver], fake: FakeDremio, source_type: str) -> None:
    driver, inputs = providers["source"], SOURCES[source_type](fake)
    source_id, outs = create(driver, inputs)
    entity = fake.entities[source_id]
    assert entity.kind == "source" and entity.body["type"] == source_type
    assert set(entity.body["metadataPolicy"]) == set(dremio_source.MetadataPolicy.model_fields), "all seven keys sent"
    read = driver.read(source_id, outs)
    assert read.outs == outs and read.inputs == outs, "no drift right after create (secrets come back masked)"
    assert not driver.diff(source_id, read.outs, checked(driver, inputs)).changes

    changed = copy.deepcopy(inputs)
    changed["metadata_policy"] = {"datasetRefreshAfterMs": 7200000, "deleteUnavailableDatasets": False}
    changed["acceleration"] = {"never_refresh": True}
    not_impacting = {"S3": ("isCachingEnabled", False), "POSTGRES": ("fetchSize", 1000), "ELASTIC": ("scrollSize", 1000)}
    field, value = not_impacting[source_type]
    changed["config"][field] = value
    news = checked(driver, changed, inputs)
    diff = driver.diff(source_id, outs, news)
    assert diff.changes and diff.replaces == []
    assert diff.changed(keys_of("source")) in (None, ["config", "metadata_policy", "acceleration"])
    updated = driver.update(source_id, outs, news)
    assert driver.read(source_id, updated).outs == updated
    assert fake.entities[source_id].body["accelerationNeverRefresh"] is True
    assert fake.entities[source_id].body["metadataPolicy"]["datasetRefreshAfterMs"] == 7200000

    driver.delete(source_id, updated)
    assert driver.read(source_id, updated).id is None
    driver.delete(source_id, updated)  # already gone is fine


def test_unset_policies_are_managed_at_dremios_defaults(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["source"]
    source_id, outs = create(driver, s3_source(fake))
    assert outs["metadata_policy"] == {"authTTLMs": 86400000, "namesRefreshMs": 3600000, "datasetRefreshAfterMs": 3600000,
                                       "datasetExpireAfterMs": 10800000, "datasetUpdateMode": "PREFETCH_QUERIED",
                                       "deleteUnavailableDatasets": True, "autoPromoteDatasets": False}
    assert outs["acceleration"] == {"refresh_period_ms": 3600000, "grace_period_ms": 10800000, "never_expire": False, "never_refresh": False}
    Outsider(fake).edit(source_id, lambda e: e["metadataPolicy"].update(autoPromoteDatasets=True))
    read = driver.read(source_id, outs)
    assert differing("source", read.outs, outs) == {"metadata_policy"}, "drift away from a default is drift"


def _edit_config(entity: dict[str, Any]) -> None:
    entity["config"]["isCachingEnabled"] = False


SOURCE_DRIFT = {
    "config edited": (lambda e: e["config"].update(secure=True), {"config"}),
    "metadata policy edited": (lambda e: e["metadataPolicy"].update(namesRefreshMs=120000), {"metadata_policy"}),
    "acceleration edited": (lambda e: e.update(accelerationGracePeriodMs=60000, accelerationNeverExpire=True), {"acceleration"}),
    "secret removed": (lambda e: e["config"].pop("accessSecret"), {"config"}),
}


@pytest.mark.parametrize("drift", SOURCE_DRIFT)
def test_source_drift_is_detected_exactly_and_repaired(providers: dict[str, Driver], fake: FakeDremio, drift: str) -> None:
    change, expected = SOURCE_DRIFT[drift]
    driver = providers["source"]
    source_id, outs = create(driver, s3_source(fake))
    if drift == "secret removed":
        # Only an outsider who sends the whole config without the secret can clear it; Dremio then refuses an
        # ACCESS_KEY source, so the outside change goes through the store directly.
        del fake.entities[source_id].body["config"]["accessSecret"]
    else:
        Outsider(fake).edit(source_id, change)
    read = driver.read(source_id, outs)
    assert differing("source", read.outs, outs) == expected
    news = checked(driver, s3_source(fake))
    diff = driver.diff(source_id, read.outs, news)
    assert diff.changes and diff.replaces == [] and diff.changed(keys_of("source")) in (None, sorted(expected, key=keys_of("source").index))
    updated = driver.update(source_id, read.outs, news)
    assert driver.read(source_id, updated).outs == outs, "the update restores the declared configuration"
    assert fake.entities[source_id].body["config"]["accessSecret"] == "lake-secret-1"


def test_an_unchanged_secret_is_sent_as_dremios_placeholder_and_a_new_one_in_full(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["source"]
    inputs = postgres_source(fake)
    source_id, outs = create(driver, inputs)
    inputs["config"]["fetchSize"] = 1000
    outs = driver.update(source_id, outs, checked(driver, inputs))
    put = next(body for (method, path), body in zip(fake.requests, fake.bodies, strict=True)
               if method == "PUT" and path == f"/api/v3/catalog/{source_id}")
    assert put["config"]["password"] == EXISTING and put["tag"], "the stored secret is kept, the tag sent"
    inputs["config"]["password"] = "pg-secret-2"
    fake.bodies.clear()
    fake.requests.clear()
    outs = driver.update(source_id, outs, checked(driver, inputs))
    assert fake.entities[source_id].body["config"]["password"] == "pg-secret-2"
    assert driver.read(source_id, outs).outs == outs


def test_metadata_impacting_change_needs_consent(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["source"]
    source_id, source_outs = create(driver, s3_source(fake))
    table_id, _ = create(providers["table"], table(fake))
    moved = s3_source(fake)
    moved["config"]["rootPath"] = "/bronze"
    _, failures = driver.check(moved, s3_source(fake))
    assert [property_ for property_, _ in failures] == ["config"]
    assert "rootPath makes Dremio drop every promoted dataset" in failures[0][1] and "allow_metadata_reset=True" in failures[0][1]
    # Performance settings are not metadata impacting: no consent needed.
    cached = s3_source(fake)
    cached["config"]["isCachingEnabled"] = False
    assert driver.check(cached, s3_source(fake))[1] == []
    news = checked(driver, {**moved, "allow_metadata_reset": True}, s3_source(fake))
    driver.update(source_id, source_outs, news)
    assert table_id not in fake.entities, "Dremio dropped the promoted table, as the check warned"


def test_source_replacements(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["source"]
    source_id, outs = create(driver, s3_source(fake))
    retyped = checked(driver, elastic_source(fake, name="lake"))
    diff = driver.diff(source_id, outs, retyped)
    assert diff.replaces == ["type"]
    assert diff.delete_before_replace, "same name, new type: Dremio refuses two sources of one name"
    renamed = driver.diff(source_id, outs, checked(driver, s3_source(fake, name="lake2")))
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace


def test_existing_source_is_refused_unless_adopted(providers: dict[str, Driver], fake: FakeDremio) -> None:
    Outsider(fake).call("POST", "/api/v3/catalog", {"entityType": "source", "name": "lake", "type": "S3", "config": {
        "credentialType": "ACCESS_KEY", "accessKey": "old", "accessSecret": "old-secret"}})
    with pytest.raises(ProviderCallError) as caught:
        create(providers["source"], s3_source(fake))
    assert "already exists" in str(caught.value) and "adopt=True" in str(caught.value)
    source_id, outs = create(providers["source"], s3_source(fake, adopt=True))
    assert fake.entities[source_id].body["config"]["accessKey"] == "lake-key", "adopting brings it to the declared state"
    assert providers["source"].read(source_id, outs).outs == outs


def test_stale_tag_is_retried_once_then_reported(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["source"]
    source_id, outs = create(driver, postgres_source(fake))
    changed = postgres_source(fake)
    changed["config"]["fetchSize"] = 900
    news = checked(driver, changed)
    fake.before_next("PUT", f"/api/v3/catalog/{source_id}", lambda: fake.touch(source_id))
    fake.requests.clear()
    updated = driver.update(source_id, outs, news)
    assert [r for r in fake.requests if r[0] == "PUT"] == [("PUT", f"/api/v3/catalog/{source_id}")] * 2, "409, read again, PUT again"
    assert fake.entities[source_id].body["config"]["fetchSize"] == 900

    changed["config"]["fetchSize"] = 800
    for _ in range(2):
        fake.before_next("PUT", f"/api/v3/catalog/{source_id}", lambda: fake.touch(source_id))
    with pytest.raises(ProviderCallError, match=r"update source 'warehouse' at .*: it keeps changing under us \(409 twice"):
        driver.update(source_id, updated, checked(driver, changed))


def test_a_connection_change_only_logs_in(providers: dict[str, Driver], fake: FakeDremio) -> None:
    driver = providers["source"]
    source_id, outs = create(driver, postgres_source(fake))
    fake.users["admin"]["password"] = "Rotated-passw0rd"  # the admin's password was rotated in Dremio
    news = checked(driver, postgres_source(fake, connection=connection(fake, "Rotated-passw0rd")))
    diff = driver.diff(source_id, outs, news)
    assert diff.changes and diff.replaces == []
    fake.requests.clear()
    driver.update(source_id, outs, news)
    assert fake.requests == [("POST", "/apiv2/login")], "new credentials are checked, nothing else is touched"


