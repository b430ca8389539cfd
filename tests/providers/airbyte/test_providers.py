"""The Airbyte providers against the fake Airbyte (tests/support/fake_airbyte.py), in process and over gRPC."""

from __future__ import annotations

import pytest

from tests.support.fake_airbyte import MASK, FakeAirbyte
from tests.support.provider_protocol import ProviderCallError, checked, create

POSTGRES = "decd338e-5647-4c0b-adf4-da0e75f5a750"
S3 = "4816b78f-1489-44c1-9060-4b19d5fa9362"


def source(airbyte: FakeAirbyte, **overrides: object) -> dict:
    return {
        "connection": airbyte.connection,
        "workspace_id": airbyte.workspace_id,
        "name": "shop",
        "definition_id": POSTGRES,
        "configuration": {"host": "shop-db", "port": 5432, "database": "shop", "username": "reader",
                          "password": "s3cret-pw", "ssl_mode": {"mode": "require"}},
        **overrides,
    }


def destination(airbyte: FakeAirbyte, **overrides: object) -> dict:
    return {
        "connection": airbyte.connection,
        "workspace_id": airbyte.workspace_id,
        "name": "bronze",
        "definition_id": S3,
        "configuration": {"s3_bucket_name": "bronze", "s3_bucket_path": "", "s3_bucket_region": "us-east-1",
                          "s3_endpoint": "http://object-storage:9000", "access_key_id": "AKIA1", "secret_access_key": "secret-1",
                          "format": {"format_type": "Parquet", "compression_codec": "SNAPPY"}},
        **overrides,
    }


def connection(airbyte: FakeAirbyte, source_id: str, destination_id: str, **overrides: object) -> dict:
    return {
        "connection": airbyte.connection,
        "name": "shop → bronze",
        "source_id": source_id,
        "destination_id": destination_id,
        "streams": [
            {"name": "orders", "sync_mode": "incremental_append", "cursor_field": ["updated_at"]},
            {"name": "customers", "sync_mode": "incremental_deduped_history", "cursor_field": ["updated_at"], "primary_key": [["id"]]},
        ],
        **overrides,
    }


def writes(airbyte: FakeAirbyte) -> list[tuple[str, str]]:
    return [(m, p) for m, p in airbyte.requests if m != "GET" and not p.endswith("/applications/token")]


@pytest.mark.parametrize("kind", ["source", "destination"])
def test_actor_lifecycle_with_masked_secrets(providers: dict, airbyte: FakeAirbyte, kind: str) -> None:
    driver, build = providers[kind], {"source": source, "destination": destination}[kind]
    key = f"{kind}_id"
    airbyte.requests.clear()
    actor_id, outs = create(driver, build(airbyte))
    assert outs[key] == actor_id and len(writes(airbyte)) == 1
    stored = airbyte.actors[kind][actor_id]
    assert any(value == MASK for value in airbyte._render(kind, stored)["configuration"].values()), "Airbyte masks the secret"

    airbyte.requests.clear()
    read = driver.read(actor_id, outs)
    assert read.outs == outs, "no drift: the stored secret stands behind Airbyte's mask"
    assert writes(airbyte) == []

    # Drift: someone changes a visible field in Airbyte's UI.
    field = "host" if kind == "source" else "s3_bucket_path"
    stored["configuration"][field] = "changed-by-hand"
    drifted = driver.read(actor_id, outs)
    assert drifted.outs["configuration"][field] == "changed-by-hand"
    news = checked(driver, build(airbyte))
    assert driver.diff(actor_id, drifted.outs, news).changes
    airbyte.requests.clear()
    repaired = driver.update(actor_id, drifted.outs, news)
    assert writes(airbyte) == [("PATCH", f"/api/public/v1/{kind}s/{actor_id}")], "one write repairs it"
    assert driver.read(actor_id, repaired).outs == outs

    # A renamed object: only the name is sent.
    renamed = checked(driver, build(airbyte, name="renamed"))
    airbyte.requests.clear()
    driver.update(actor_id, repaired, renamed)
    assert airbyte.actors[kind][actor_id]["name"] == "renamed"

    driver.delete(actor_id, repaired)
    assert actor_id not in airbyte.actors[kind]
    assert driver.read(actor_id, repaired).id is None, "gone reads as a blank id"
    driver.delete(actor_id, repaired)  # deleting twice is harmless


def test_a_new_definition_is_a_replacement(providers: dict, airbyte: FakeAirbyte) -> None:
    driver = providers["source"]
    actor_id, outs = create(driver, source(airbyte))
    diff = driver.diff(actor_id, outs, checked(driver, source(airbyte, definition_id="dfd88b22-b603-4c3d-aad7-3701784586b1",
                                                               configuration={"count": 100})))
    assert diff.replaces == ["definition_id"]


def test_an_existing_name_needs_adopt(providers: dict, airbyte: FakeAirbyte) -> None:
    driver = providers["destination"]
    existing_id, _ = create(driver, destination(airbyte))
    with pytest.raises(ProviderCallError, match=r"create destination 'bronze' at .*: it already exists\. To manage it with Pulumi, set adopt=True"):
        create(driver, destination(airbyte))
    adopted_id, outs = create(driver, destination(airbyte, adopt=True, configuration={**destination(airbyte)["configuration"], "s3_bucket_path": "raw"}))
    assert adopted_id == existing_id and airbyte.actors["destination"][existing_id]["configuration"]["s3_bucket_path"] == "raw"
    assert outs["destination_id"] == existing_id


def test_a_lost_answer_never_creates_twice(providers: dict, airbyte: FakeAirbyte) -> None:
    airbyte.requests.clear()
    driver = providers["source"]
    # The token request and the listing go through; the POST is applied but its answer is lost.
    original = airbyte.dispatch

    def lose_the_post(method: str, path: str, headers: dict, raw: bytes):
        if method == "POST" and path.endswith("/sources"):
            airbyte.lose_next_answer()
        return original(method, path, headers, raw)

    airbyte.dispatch = lose_the_post  # type: ignore[method-assign]
    try:
        actor_id, _ = create(driver, source(airbyte))
    finally:
        airbyte.dispatch = original  # type: ignore[method-assign]
    assert list(airbyte.actors["source"]) == [actor_id], "found after the lost answer, not posted again"
    assert [r for r in airbyte.requests if r == ("POST", "/api/public/v1/sources")] == [("POST", "/api/public/v1/sources")]


def test_transient_errors_on_reads_are_retried_and_an_expired_token_renewed(providers: dict, airbyte: FakeAirbyte) -> None:
    driver = providers["source"]
    actor_id, outs = create(driver, source(airbyte))
    airbyte.fail_next(2, 503)
    assert driver.read(actor_id, outs).outs == outs
    airbyte.expire_tokens()
    assert driver.read(actor_id, outs).outs == outs


def test_wrong_credentials_are_named_without_the_secret(providers: dict, airbyte: FakeAirbyte) -> None:
    bad = {**airbyte.connection, "client_secret": "not-the-secret"}
    with pytest.raises(ProviderCallError) as caught:
        create(providers["source"], source(airbyte, connection=bad))
    message = str(caught.value)
    assert "authentication failed" in message and "check connection.client_id and connection.client_secret" in message
    assert "not-the-secret" not in message and "s3cret-pw" not in message


def test_airbytes_own_refusal_is_passed_on(providers: dict, airbyte: FakeAirbyte) -> None:
    config = {k: v for k, v in source(airbyte)["configuration"].items() if k != "database"}
    with pytest.raises(ProviderCallError, match=r"required property 'database' not found"):
        create(providers["source"], source(airbyte, configuration=config))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"workspace_id": "not-a-uuid"}, "an Airbyte id is a lower-case UUID"),
        ({"name": " shop"}, "without leading or trailing spaces"),
        ({"configuration": {}}, "give the connector's configuration"),
        ({"configuration": {"password": MASK}}, "is Airbyte's mask for a hidden secret"),
        ({"connection": {"url": "airbyte:8001", "client_id": "a", "client_secret": "b"}}, "use the public API's base URL"),
    ],
)
def test_bad_actor_input_fails_at_check_without_a_request(providers: dict, airbyte: FakeAirbyte, overrides: dict, message: str) -> None:
    airbyte.requests.clear()
    with pytest.raises((AssertionError, ProviderCallError)) as caught:
        checked(providers["source"], source(airbyte, **overrides))
    assert message in str(caught.value)
    assert airbyte.requests == []


def test_connection_lifecycle_schedule_and_streams(providers: dict, airbyte: FakeAirbyte) -> None:
    source_id, _ = create(providers["source"], source(airbyte))
    destination_id, _ = create(providers["destination"], destination(airbyte))
    driver = providers["connection"]
    airbyte.requests.clear()
    connection_id, outs = create(driver, connection(airbyte, source_id, destination_id))
    assert outs["schedule_cron"] == "0 0 1 * * ?" and outs["status"] == "active"
    assert [s["name"] for s in outs["streams"]] == ["customers", "orders"], "stored in a stable order"
    create_requests = len(airbyte.requests)

    airbyte.requests.clear()
    read = driver.read(connection_id, outs)
    assert read.outs == outs, "Airbyte's ' UTC' suffix is not drift"
    read_requests = len(airbyte.requests)

    # Drift: paused and set to hourly by hand.
    airbyte.connections[connection_id]["status"] = "inactive"
    airbyte.connections[connection_id]["schedule"] = {"scheduleType": "cron", "cronExpression": "0 0 * * * ?"}
    drifted = driver.read(connection_id, outs)
    assert (drifted.outs["status"], drifted.outs["schedule_cron"]) == ("inactive", "0 0 * * * ?")
    airbyte.requests.clear()
    repaired = driver.update(connection_id, drifted.outs, checked(driver, connection(airbyte, source_id, destination_id)))
    assert writes(airbyte) == [("PATCH", f"/api/public/v1/connections/{connection_id}")]
    patch_body = airbyte.connections[connection_id]
    assert patch_body["status"] == "active" and patch_body["schedule"]["cronExpression"] == "0 0 1 * * ?"
    repair_requests = len(airbyte.requests)
    assert driver.read(connection_id, repaired).outs == outs

    manual = checked(driver, connection(airbyte, source_id, destination_id, schedule_cron="manual"))
    driver.update(connection_id, repaired, manual)
    assert airbyte.connections[connection_id]["schedule"] == {"scheduleType": "manual"}

    diff = driver.diff(connection_id, repaired, checked(driver, connection(airbyte, source_id, "0" * 8 + "-0000-4000-8000-" + "0" * 12)))
    assert diff.replaces == ["destination_id"]
    driver.delete(connection_id, repaired)
    assert driver.read(connection_id, repaired).id is None
    print(f"connection requests: create {create_requests}, read {read_requests}, repair {repair_requests}")


@pytest.mark.parametrize(
    ("streams", "cron", "message"),
    [
        ([], "0 0 1 * * ?", "list at least one stream"),
        ([{"name": "o", "sync_mode": "incremental_deduped_history"}], "0 0 1 * * ?", "needs a primary_key"),
        ([{"name": "o", "sync_mode": "mirror"}], "0 0 1 * * ?", "sync_mode"),
        ([{"name": "o", "sync_mode": "full_refresh_overwrite"}] * 2, "0 0 1 * * ?", "listed twice"),
        ([{"name": "o", "sync_mode": "full_refresh_overwrite"}], "0 1 * * *", "use a Quartz cron expression"),
    ],
)
def test_bad_connection_input_fails_at_check(providers: dict, airbyte: FakeAirbyte, streams: list, cron: str, message: str) -> None:
    ids = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")
    airbyte.requests.clear()
    with pytest.raises((AssertionError, ProviderCallError)) as caught:
        checked(providers["connection"], connection(airbyte, *ids, streams=streams, schedule_cron=cron))
    assert message in str(caught.value)
    assert airbyte.requests == []


def test_workspace_lifecycle_adopt_and_drift(providers: dict, airbyte: FakeAirbyte) -> None:
    driver = providers["workspace"]
    inputs = {"connection": airbyte.connection, "name": "data-platform"}
    airbyte.requests.clear()
    workspace_id, outs = create(driver, inputs)
    assert outs["workspace_id"] == workspace_id and writes(airbyte) == [("POST", "/api/public/v1/workspaces")]
    airbyte.requests.clear()
    assert driver.read(workspace_id, outs).outs == outs and writes(airbyte) == []

    airbyte.workspaces[workspace_id]["name"] = "renamed-by-hand"
    drifted = driver.read(workspace_id, outs)
    news = checked(driver, inputs)
    assert driver.diff(workspace_id, drifted.outs, news).changes
    airbyte.requests.clear()
    repaired = driver.update(workspace_id, drifted.outs, news)
    assert writes(airbyte) == [("PATCH", f"/api/public/v1/workspaces/{workspace_id}")]
    assert driver.read(workspace_id, repaired).outs == outs

    # Airbyte's default workspace is taken over only when asked to.
    with pytest.raises(ProviderCallError, match="it already exists"):
        create(driver, {**inputs, "name": "Default Workspace"})
    adopted_id, _ = create(driver, {**inputs, "name": "Default Workspace", "adopt": True})
    assert adopted_id == airbyte.workspace_id

    driver.delete(workspace_id, repaired)
    assert driver.read(workspace_id, repaired).id is None
    driver.delete(workspace_id, repaired)


def test_a_workspace_name_is_checked_without_a_request(providers: dict, airbyte: FakeAirbyte) -> None:
    airbyte.requests.clear()
    with pytest.raises((AssertionError, ProviderCallError)) as caught:
        checked(providers["workspace"], {"connection": airbyte.connection, "name": " padded "})
    assert "name" in str(caught.value) and airbyte.requests == []
