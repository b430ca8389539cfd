"""The Dremio providers against the fake Dremio (tests/support/fake_dremio/): objects deleted outside, wrong credentials, tokens, transient failures, bad input, the pickled providers and the worked example.

Every test runs twice: with the provider objects called directly, and with each provider serialised as
the SDK does and driven through `python -m pulumi.dynamic`. Outside changes are made by "another
client" over Dremio's REST API, as a colleague in Dremio's UI would make them.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from tests.providers.dremio.builders import (
    PASSWORD,
    PROVIDERS,
    SOURCE_SECRETS,
    Driver,
    Outsider,
    admin,
    aggregation_reflection,
    connection,
    elastic_source,
    lakehouse,
    postgres_source,
    raw_reflection,
    s3_source,
    space,
    table,
    view,
)
from tests.support.fake_dremio import FakeDremio
from tests.support.fault_proxy import FaultProxy
from tests.support.provider_protocol import ProviderCallError, checked, create

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
        assert f"authentication failed: POST {fake.url}/apiv2/login: 401 Login failed" in message, message
        assert "connection.password" in message
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
