"""The Dremio dynamic providers against the fake Dremio (tests/fake_dremio.py), in process and over gRPC.

Every test runs twice: with the provider objects called directly, and with each provider serialised as
the SDK does and driven through `python -m pulumi.dynamic`. Outside changes are made by "another
client" over Dremio's REST API, as a colleague in Dremio's UI would make them.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import requests

from components.providers import dremio_admin, dremio_reflection, dremio_source, dremio_space, dremio_table, dremio_view
from components.providers.dremio_admin import DremioAdminProvider
from components.providers.dremio_reflection import DremioReflectionProvider
from components.providers.dremio_source import DremioSourceProvider
from components.providers.dremio_space import DremioSpaceProvider
from components.providers.dremio_table import DremioTableProvider
from components.providers.dremio_view import DremioViewProvider
from tests.fake_dremio import EXISTING, FakeDremio
from tests.fault_proxy import FaultProxy
from tests.provider_protocol import InProcess, ProviderCallError, ProviderProcess, checked, create

PASSWORD = "A1" + secrets.token_urlsafe(12)
"""The fake Dremio's administrator, new per run (Dremio's rule: a letter and a digit)."""
PROVIDERS = {
    "admin": (DremioAdminProvider, "Admin", dremio_admin),
    "source": (DremioSourceProvider, "Source", dremio_source),
    "space": (DremioSpaceProvider, "Space", dremio_space),
    "view": (DremioViewProvider, "View", dremio_view),
    "table": (DremioTableProvider, "Table", dremio_table),
    "reflection": (DremioReflectionProvider, "Reflection", dremio_reflection),
}
ORDERS = [("order_id", "BIGINT"), ("order_date", "DATE"), ("region", "VARCHAR"), ("amount", "DOUBLE"), ("customer_id", "BIGINT")]
BRONZE_ORDERS = ["lake", "bronze", "orders"]
SOURCE_SECRETS = ("lake-secret-1", "pg-secret-1", "es-secret-1")

Driver = InProcess | ProviderProcess


# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(params=["in-process", "grpc"], scope="module")
def providers(request: pytest.FixtureRequest) -> Iterator[dict[str, Driver]]:
    if request.param == "in-process":
        yield {kind: InProcess(cls()) for kind, (cls, _, _) in PROVIDERS.items()}
        return
    with ExitStack() as stack:
        yield {
            kind: stack.enter_context(ProviderProcess(cls(), f"pulumi-python:dynamic/dremio:{name}"))
            for kind, (cls, name, _) in PROVIDERS.items()
        }


@pytest.fixture
def fresh() -> Iterator[FakeDremio]:
    """A Dremio that has just started: no user yet."""
    fake = FakeDremio().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fresh: FakeDremio) -> FakeDremio:
    """A Dremio with its administrator and some data the sources can see."""
    answer = requests.put(f"{fresh.url}/apiv2/bootstrap/firstuser", json={"userName": "admin", "password": PASSWORD}, timeout=5)
    assert answer.status_code == 200
    fresh.seed_s3_folder(BRONZE_ORDERS, ORDERS)
    fresh.seed_s3_folder(["lake", "bronze", "customers.parquet"], [("customer_id", "BIGINT"), ("name", "VARCHAR")], file=True)
    fresh.seed_table(["warehouse", "public", "customers"], [("customer_id", "BIGINT"), ("name", "VARCHAR"), ("country", "VARCHAR")])
    return fresh


def connection(fake: FakeDremio | FaultProxy, password: str = PASSWORD) -> dict[str, str]:
    url = fake.url if isinstance(fake, FakeDremio) else fake.endpoint
    return {"url": url, "username": "admin", "password": password}


class Outsider:
    """Another Dremio client (a colleague in the UI): makes the outside changes a refresh must notice."""

    def __init__(self, fake: FakeDremio):
        self.url = fake.url
        token = requests.post(f"{self.url}/apiv2/login", json={"userName": "admin", "password": PASSWORD}, timeout=5).json()["token"]
        self.headers = {"Authorization": f"_dremio{token}"}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = requests.request(method, self.url + path, json=body, headers=self.headers, timeout=5)
        assert answer.ok, (answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def edit(self, entity_id: str, change: Any) -> None:
        """GET, change, PUT back with the tag: how the UI saves an entity."""
        entity = self.call("GET", f"/api/v3/catalog/{entity_id}")
        entity.pop("children", None)
        change(entity)
        self.call("PUT", f"/api/v3/catalog/{entity_id}", entity)

    def edit_reflection(self, reflection_id: str, change: Any) -> None:
        reflection = self.call("GET", f"/api/v3/reflection/{reflection_id}")
        change(reflection)
        self.call("PUT", f"/api/v3/reflection/{reflection_id}", reflection)


# --- inputs --------------------------------------------------------------------------------------------------------


def s3_source(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(fake),
        "name": "lake",
        "type": "S3",
        "config": {
            "credentialType": "ACCESS_KEY", "accessKey": "lake-key", "accessSecret": "lake-secret-1", "secure": False,
            "compatibilityMode": True, "rootPath": "/", "whitelistedBuckets": ["bronze"],
            "propertyList": [{"name": "fs.s3a.endpoint", "value": "object-storage.storage.svc:9000"},
                             {"name": "fs.s3a.path.style.access", "value": "true"}],
        },
        **overrides,
    }


def postgres_source(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(fake),
        "name": "warehouse",
        "type": "POSTGRES",
        "config": {"hostname": "postgresql-rw.storage.svc", "port": "5432", "databaseName": "app", "username": "dremio",
                   "password": "pg-secret-1", "authenticationType": "MASTER", "fetchSize": 500},
        "metadata_policy": {"namesRefreshMs": 600000, "autoPromoteDatasets": False},
        "acceleration": {"refresh_period_ms": 7200000},
        **overrides,
    }


def elastic_source(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "connection": connection(fake),
        "name": "search",
        "type": "ELASTIC",
        "config": {"hostList": [{"hostname": "elasticsearch-es-http.storage.svc", "port": 9200}], "authenticationType": "MASTER",
                   "username": "dremio", "password": "es-secret-1", "sslEnabled": True, "scrollSize": 2000},
        **overrides,
    }


SOURCES = {"S3": s3_source, "POSTGRES": postgres_source, "ELASTIC": elastic_source}


def space(fake: Any, name: str = "bronze", **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "name": name, **overrides}


def view(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "path": ["silver", "orders_clean"],
            "sql": 'SELECT order_id, order_date, region, amount FROM lake."bronze".orders',
            "sql_context": ["lake"], **overrides}


def table(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "path": BRONZE_ORDERS, "format": {"type": "Parquet"},
            "refresh_policy": {"refresh_period_ms": 3600000, "grace_period_ms": 10800000, "method": "FULL"}, **overrides}


def raw_reflection(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "dataset_path": BRONZE_ORDERS, "name": "orders_raw", "type": "RAW",
            "display_fields": ["order_id", "order_date", "region", "amount"], "partition_fields": ["region"],
            "sort_fields": ["order_date"], **overrides}


def aggregation_reflection(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "dataset_path": ["silver", "orders_clean"], "name": "orders_by_region",
            "type": "AGGREGATION",
            "dimension_fields": [{"name": "order_date", "granularity": "DATE"}, {"name": "region", "granularity": "NORMAL"}],
            "measure_fields": [{"name": "amount", "measure_types": ["SUM", "COUNT"]}], **overrides}




def keys_of(kind: str) -> tuple[str, ...]:
    module = PROVIDERS[kind][2]
    return module.DOMAIN_KEYS + module.STORED_KEYS


def differing(kind: str, left: dict[str, Any], right: dict[str, Any]) -> set[str]:
    return {key for key in keys_of(kind) if left.get(key) != right.get(key)}


def lakehouse(providers: dict[str, Driver], fake: FakeDremio) -> dict[str, tuple[str, dict[str, Any]]]:
    """The architecture's chain: S3 source, promoted bronze table, silver space and view."""
    made = {"source": create(providers["source"], s3_source(fake)), "table": create(providers["table"], table(fake))}
    made["space"] = create(providers["space"], space(fake, "silver"))
    made["view"] = create(providers["view"], view(fake))
    return made


# --- the first administrator ---------------------------------------------------------------------------------------


def admin(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "first_name": "Data", "last_name": "Platform", "email": "platform@example.com", **overrides}


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
    with pytest.raises(ProviderCallError, match=r"create table lake.bronze.nothing at .*: there is no folder or file"):
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


# --- anything deleted outside, wrong credentials everywhere ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["source", "space", "table", "view"])
def test_catalog_objects_deleted_outside_read_as_gone(providers: dict[str, Driver], fake: FakeDremio, kind: str) -> None:
    made = lakehouse(providers, fake)
    object_id, outs = made[kind]
    Outsider(fake).call("DELETE", f"/api/v3/catalog/{object_id}")  # for the table: un-promoted in the UI
    assert providers[kind].read(object_id, outs).id is None
    providers[kind].delete(object_id, outs)  # already gone is fine


@pytest.mark.parametrize("kind", ["source", "space", "view", "table", "reflection"])
def test_wrong_password_names_the_operation_and_endpoint(providers: dict[str, Driver], fake: FakeDremio, kind: str) -> None:
    builders = {"source": s3_source, "space": space, "view": view, "table": table, "reflection": raw_reflection}
    inputs = builders[kind](fake, connection=connection(fake, "Wrong-passw0rd"))
    for operation, attempt in (("create", lambda: create(providers[kind], inputs)), ("read", lambda: providers[kind].read("some-id", inputs))):
        with pytest.raises(ProviderCallError) as caught:
            attempt()
        message = str(caught.value)
        assert f"{operation} {kind} " in message, message
        assert f"authentication failed at {fake.url}/apiv2/login" in message and "connection.password" in message
        assert "Wrong-passw0rd" not in message and PASSWORD not in message


# --- tokens, transient failures, servers going away -----------------------------------------------------------------


def test_one_login_per_process_and_renewal_on_401(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["space"], space(fake, "a"))  # the first call logs in
    fake.requests.clear()
    for name in ("b", "c", "d"):
        create(providers["space"], space(fake, name))
    assert ("POST", "/apiv2/login") not in fake.requests, "the token is reused"
    fake.expire_tokens()
    fake.requests.clear()
    create(providers["space"], space(fake, "e"))
    assert fake.requests[:3] == [("GET", "/api/v3/catalog/by-path/e"), ("POST", "/apiv2/login"), ("GET", "/api/v3/catalog/by-path/e")]


def test_transient_5xx_is_retried(providers: dict[str, Driver], fake: FakeDremio) -> None:
    create(providers["space"], space(fake, "warm"))
    fake.fail_next(2, 503)
    fake.requests.clear()
    space_id, outs = create(providers["space"], space(fake))
    assert fake.requests[:3] == [("GET", "/api/v3/catalog/by-path/bronze")] * 3
    assert providers["space"].read(space_id, outs).outs == outs


def test_a_lost_create_answer_is_looked_up_not_posted_again(providers: dict[str, Driver], fake: FakeDremio) -> None:
    proxy = FaultProxy("127.0.0.1", int(fake.url.rsplit(":", 1)[1])).start()
    try:
        driver = providers["source"]
        inputs = checked(driver, postgres_source(proxy))
        proxy.lose_response_to("POST", "/api/v3/catalog")
        source_id, outs = driver.create(inputs)
        posts = [r for r in proxy.requests if r == ("POST", "/api/v3/catalog")]
        assert len(posts) == 1, "the create reached Dremio once; the lookup found it"
        assert source_id in fake.entities and driver.read(source_id, outs).outs == outs
    finally:
        proxy.stop()


def test_server_going_away_is_reported_with_the_operation_and_endpoint(providers: dict[str, Driver], fake: FakeDremio) -> None:
    proxy = FaultProxy("127.0.0.1", int(fake.url.rsplit(":", 1)[1])).start()
    try:
        driver = providers["space"]
        inputs = checked(driver, space(proxy, "silver"))
        proxy.go_dark()
        started = time.monotonic()
        with pytest.raises(ProviderCallError) as caught:
            driver.create(inputs)
        message = str(caught.value)
        assert "create space 'silver'" in message and proxy.endpoint in message and "could not reach the server" in message
        assert PASSWORD not in message
        assert time.monotonic() - started < 30
        proxy.heal()
        space_id, _ = driver.create(inputs)
        assert space_id in fake.entities, "after the outage the same step succeeds"
    finally:
        proxy.stop()


# --- bad input at check, credentials in the pickle ----------------------------------------------------------------


BAD_INPUTS: dict[str, tuple[str, Any, str]] = {
    # case: (kind, inputs builder, property the failure must name)
    "source type": ("source", lambda f: s3_source(f, type="HDFS"), "type"),
    "source name with a period": ("source", lambda f: s3_source(f, name="lake.raw"), "name"),
    "unknown S3 config field": ("source", lambda f: s3_source(f, config={**s3_source(f)["config"], "allowlistedBuckets": ["x"]}), "config"),
    "S3 endpoint with a scheme": ("source", lambda f: s3_source(f, config={**s3_source(f)["config"], "propertyList": [{"name": "fs.s3a.endpoint", "value": "http://minio:9000"}]}), "config"),
    "PostgreSQL port out of range": ("source", lambda f: postgres_source(f, config={**postgres_source(f)["config"], "port": "70000"}), "config"),
    "Elasticsearch without hosts": ("source", lambda f: elastic_source(f, config={"hostList": []}), "config"),
    "metadata period below a minute": ("source", lambda f: s3_source(f, metadata_policy={"namesRefreshMs": 59999}), "metadata_policy"),
    "unknown update mode": ("source", lambda f: s3_source(f, metadata_policy={"datasetUpdateMode": "SOMETIMES"}), "metadata_policy"),
    "connection URL without scheme": ("space", lambda f: space(f, connection={**connection(f), "url": "dremio:9047"}), "connection"),
    "reserved space name": ("space", lambda f: space(f, "tmp"), "name"),
    "view path of one element": ("view", lambda f: view(f, path=["silver"]), "path"),
    "empty view SQL": ("view", lambda f: view(f, sql="  "), "sql"),
    "empty SQL context element": ("view", lambda f: view(f, sql_context=["lake", ""]), "sql_context"),
    "unknown format": ("table", lambda f: table(f, format={"type": "ORC"}), "format"),
    "refresh method": ("table", lambda f: table(f, refresh_policy={"method": "AUTO"}), "refresh_policy"),
    "refresh field without INCREMENTAL": ("table", lambda f: table(f, refresh_policy={"refresh_field": "id"}), "refresh_policy"),
    "reflection type": ("reflection", lambda f: raw_reflection(f, type="EXTERNAL"), "type"),
    "RAW without display fields": ("reflection", lambda f: raw_reflection(f, display_fields=[], partition_fields=[], sort_fields=[]), "inputs"),
    "sort field not displayed": ("reflection", lambda f: raw_reflection(f, sort_fields=["customer_id"]), "inputs"),
    "measure type": ("reflection", lambda f: aggregation_reflection(f, measure_fields=[{"name": "amount", "measure_types": ["AVG"]}]), "measure_fields"),
    "granularity": ("reflection", lambda f: aggregation_reflection(f, dimension_fields=[{"name": "region", "granularity": "MONTH"}]), "dimension_fields"),
    "weak admin password": ("admin", lambda f: admin(f, connection=connection(f, "password")), "connection"),
    "admin e-mail": ("admin", lambda f: admin(f, email="not-an-address"), "email"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_rejected_at_check_without_a_request(providers: dict[str, Driver], fake: FakeDremio, case: str) -> None:
    kind, build, property_ = BAD_INPUTS[case]
    fake.requests.clear()
    _, failures = providers[kind].check(build(fake))
    assert fake.requests == [], "check must not touch the network"
    assert property_ in {name for name, _ in failures}, failures
    for _, reason in failures:
        assert PASSWORD not in reason and not any(secret in reason for secret in SOURCE_SECRETS)


def test_the_serialised_providers_hold_no_credential() -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    for cls, _, _ in PROVIDERS.values():
        blob = base64.b64decode(serialize_provider(cls()))
        assert len(blob) < 400, f"{cls.__name__} is pickled by reference, not by value"
        for secret in (PASSWORD, *SOURCE_SECRETS):
            assert secret.encode() not in blob


EXAMPLE_CONFIG = {
    "lakehouse:dremio_url": "http://127.0.0.1:9047",
    "lakehouse:dremio_admin_password": "program-password-1",
    "lakehouse:s3_access_key": "dremio",
    "lakehouse:s3_secret_key": "program-s3-secret",
    "lakehouse:postgres_password": "program-pg-secret",
}


def test_the_worked_example_declares_the_lakehouse_with_every_credential_secret() -> None:
    """examples/lakehouse_catalog.py (shown in the README) under the engine's mocks."""
    from pulumi.runtime import rpc

    from offline.graph import evaluate_stack
    from tests.conftest import PROJECT_ROOT

    secrets = ["lakehouse:dremio_admin_password", "lakehouse:s3_secret_key", "lakehouse:postgres_password"]
    graph = evaluate_stack("dev", config=EXAMPLE_CONFIG, secret_keys=secrets, program=PROJECT_ROOT / "examples" / "lakehouse_catalog.py")
    records = [r for r in graph.resources if r.type.startswith("pulumi-python:dynamic/dremio:")]
    counts: dict[str, int] = {}
    for record in records:
        counts[record.type.rsplit(":", 1)[1]] = counts.get(record.type.rsplit(":", 1)[1], 0) + 1
    assert counts == {"Admin": 1, "Source": 2, "Space": 3, "Table": 1, "View": 2, "Reflection": 2}
    for record in records:
        assert rpc.is_rpc_secret(record.inputs["connection"]), f"{record.type}: the connection input must be secret"
        plain = json.dumps({k: v for k, v in record.inputs.items() if not rpc.is_rpc_secret(v)}, default=str)
        assert not any(EXAMPLE_CONFIG[key] in plain for key in secrets), record.urn
        for key in secrets:
            assert EXAMPLE_CONFIG[key].encode() not in base64.b64decode(rpc.unwrap_rpc_secret(record.inputs["__provider"]))
    for source in (r for r in records if r.type.endswith(":Source")):
        assert rpc.is_rpc_secret(source.inputs["config"]), "a source's config carries its own secrets"
    names = {r.name: r for r in records}
    assert {names["bronze-orders"].urn, names["warehouse"].urn} <= set(names["silver-orders-clean"].dependencies)


def test_the_readme_shows_the_worked_example() -> None:
    from tests.conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    example = (PROJECT_ROOT / "examples" / "lakehouse_catalog.py").read_text()
    body = example[example.index("import pulumi"):].strip()
    assert body in readme, "README's Dremio example must be examples/lakehouse_catalog.py from `import pulumi` on"
