"""The fake Airbyte against the contract in docs/providers/airbyte-api.md, so the provider tests can trust it.

Each test names the contract section it checks. Requests go over real HTTP with `requests`.
"""

from __future__ import annotations

import requests

from tests.support.fake_airbyte import MASK, FakeAirbyte

POSTGRES = "decd338e-5647-4c0b-adf4-da0e75f5a750"


def token(airbyte: FakeAirbyte) -> dict[str, str]:
    answer = requests.post(f"{airbyte.url}/applications/token", json={"client_id": airbyte.client_id,
                           "client_secret": airbyte.client_secret, "grant_type": "client_credentials"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_authentication_and_problem_errors(airbyte: FakeAirbyte) -> None:
    """Contract: "Authentication", "Errors"."""
    assert requests.get(f"{airbyte.url}/health", timeout=5).status_code == 200
    unauthorised = requests.get(f"{airbyte.url}/sources", timeout=5)
    assert unauthorised.status_code == 401
    assert unauthorised.headers["Content-Type"] == "application/problem+json"
    assert set(unauthorised.json()) == {"type", "title", "status", "detail"}
    wrong = requests.post(f"{airbyte.url}/applications/token", json={"client_id": airbyte.client_id, "client_secret": "x",
                          "grant_type": "client_credentials"}, timeout=5)
    assert wrong.status_code == 401
    assert requests.get(f"{airbyte.url}/sources/does-not-exist", headers=token(airbyte), timeout=5).status_code == 404


def test_sources_mask_secrets_and_keep_them_when_the_mask_is_sent_back(airbyte: FakeAirbyte) -> None:
    """Contract: "Sources and destinations"."""
    headers = token(airbyte)
    body = {"name": "shop", "workspaceId": airbyte.workspace_id, "definitionId": POSTGRES,
            "configuration": {"host": "db", "port": 5432, "database": "shop", "username": "u", "password": "pw"}}
    created = requests.post(f"{airbyte.url}/sources", json=body, headers=headers, timeout=5).json()
    assert created["configuration"]["password"] == MASK and created["sourceType"] == "postgres"
    source_id = created["sourceId"]
    patched = requests.patch(f"{airbyte.url}/sources/{source_id}", json={"configuration": {**created["configuration"], "host": "db2"}},
                             headers=headers, timeout=5)
    assert patched.status_code == 200
    assert airbyte.actors["source"][source_id]["configuration"]["password"] == "pw", "the mask keeps the stored secret"
    listed = requests.get(f"{airbyte.url}/sources", params={"workspaceIds": airbyte.workspace_id, "limit": 1}, headers=headers, timeout=5).json()
    assert [s["sourceId"] for s in listed["data"]] == [source_id] and "next" not in listed
    missing = {**body, "configuration": {"host": "db"}}
    refused = requests.post(f"{airbyte.url}/sources", json=missing, headers=headers, timeout=5)
    assert refused.status_code == 422 and "does not fulfill the specification" in refused.json()["detail"]
    assert requests.delete(f"{airbyte.url}/sources/{source_id}", headers=headers, timeout=5).status_code == 204


def test_connections_read_cron_back_with_utc_and_check_sync_modes(airbyte: FakeAirbyte) -> None:
    """Contract: "Connections"."""
    headers = token(airbyte)
    source = requests.post(f"{airbyte.url}/sources", headers=headers, timeout=5, json={
        "name": "s", "workspaceId": airbyte.workspace_id, "definitionId": "dfd88b22-b603-4c3d-aad7-3701784586b1",
        "configuration": {"count": 10}}).json()
    destination = requests.post(f"{airbyte.url}/destinations", headers=headers, timeout=5, json={
        "name": "d", "workspaceId": airbyte.workspace_id, "definitionId": "4816b78f-1489-44c1-9060-4b19d5fa9362",
        "configuration": {"s3_bucket_name": "b", "s3_bucket_region": "us-east-1", "format": {"format_type": "Parquet"}}}).json()
    body = {"name": "c", "sourceId": source["sourceId"], "destinationId": destination["destinationId"],
            "schedule": {"scheduleType": "cron", "cronExpression": "0 0 1 * * ?"},
            "configurations": {"streams": [{"name": "users", "syncMode": "full_refresh_overwrite"}]}}
    created = requests.post(f"{airbyte.url}/connections", json=body, headers=headers, timeout=5).json()
    assert created["schedule"] == {"scheduleType": "cron", "cronExpression": "0 0 1 * * ? UTC"}
    bad = {**body, "configurations": {"streams": [{"name": "users", "syncMode": "incremental_deduped_history"}]}}
    assert requests.post(f"{airbyte.url}/connections", json=bad, headers=headers, timeout=5).status_code == 400
    requests.delete(f"{airbyte.url}/sources/{source['sourceId']}", headers=headers, timeout=5)
    assert requests.get(f"{airbyte.url}/connections/{created['connectionId']}", headers=headers, timeout=5).status_code == 404, \
        "deleting a source deletes its connections"


def test_workspaces_list_create_rename_and_delete_with_their_contents(airbyte: FakeAirbyte) -> None:
    """Contract: "Workspaces"."""
    headers = token(airbyte)
    listed = requests.get(f"{airbyte.url}/workspaces", headers=headers, timeout=5).json()
    assert [w["workspaceId"] for w in listed["data"]] == [airbyte.workspace_id], "a fresh instance has its default workspace"
    created = requests.post(f"{airbyte.url}/workspaces", json={"name": "data-platform"}, headers=headers, timeout=5).json()
    assert set(created) == {"workspaceId", "name", "dataResidency"}
    workspace_id = created["workspaceId"]
    source = requests.post(f"{airbyte.url}/sources", headers=headers, timeout=5, json={
        "name": "s", "workspaceId": workspace_id, "definitionId": "dfd88b22-b603-4c3d-aad7-3701784586b1",
        "configuration": {"count": 1}}).json()
    renamed = requests.patch(f"{airbyte.url}/workspaces/{workspace_id}", json={"name": "lake"}, headers=headers, timeout=5)
    assert renamed.json()["name"] == "lake"
    assert requests.delete(f"{airbyte.url}/workspaces/{workspace_id}", headers=headers, timeout=5).status_code == 204
    assert requests.get(f"{airbyte.url}/sources/{source['sourceId']}", headers=headers, timeout=5).status_code == 404
    assert requests.get(f"{airbyte.url}/workspaces/{workspace_id}", headers=headers, timeout=5).status_code == 404
