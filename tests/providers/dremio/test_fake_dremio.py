"""The fake Dremio against the REST contract (docs/providers/dremio-api.md), so the provider tests can trust it.

Each test quotes the contract section it checks. Requests go over real HTTP with `requests`, as any
Dremio client would send them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.fake_dremio import EXISTING, FakeDremio

ADMIN = {"userName": "admin", "password": "Passw0rd1"}
MINIO_SOURCE = {  # the minimal body for an S3-compatible store
    "entityType": "source", "name": "minio", "type": "S3",
    "config": {"credentialType": "ACCESS_KEY", "accessKey": "minioadmin", "accessSecret": "minioadmin",
               "secure": False, "compatibilityMode": True, "rootPath": "/", "defaultCtasFormat": "ICEBERG",
               "whitelistedBuckets": ["lakehouse"],
               "propertyList": [{"name": "fs.s3a.endpoint", "value": "minio:9000"},
                                {"name": "fs.s3a.path.style.access", "value": "true"}]},
    "metadataPolicy": {"authTTLMs": 86400000, "namesRefreshMs": 3600000, "datasetRefreshAfterMs": 3600000,
                       "datasetExpireAfterMs": 10800000, "datasetUpdateMode": "PREFETCH_QUERIED",
                       "deleteUnavailableDatasets": True, "autoPromoteDatasets": False},
    "accelerationRefreshPeriodMs": 3600000, "accelerationGracePeriodMs": 10800000,
    "accelerationNeverExpire": False, "accelerationNeverRefresh": False,
}
ORDERS = [("order_id", "BIGINT"), ("order_date", "DATE"), ("region", "VARCHAR"), ("amount", "DOUBLE"), ("customer_id", "BIGINT")]
ISO_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


class Api:
    def __init__(self, fake: FakeDremio):
        self.fake = fake
        self.token: str | None = None

    def call(self, method: str, path: str, body: Any = None, *, auth: str | None = "default", raw: bytes | None = None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if auth == "default" and self.token:
            headers["Authorization"] = f"_dremio{self.token}"
        elif auth not in (None, "default"):
            headers["Authorization"] = auth
        if raw is not None:
            return requests.request(method, self.fake.url + path, data=raw, headers=headers, timeout=5)
        return requests.request(method, self.fake.url + path, json=body, headers=headers, timeout=5)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = self.call(method, path, body)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture
def fake() -> Iterator[FakeDremio]:
    server = FakeDremio().start()
    yield server
    server.stop()


@pytest.fixture
def api(fake: FakeDremio) -> Api:
    client = Api(fake)
    assert client.call("PUT", "/apiv2/bootstrap/firstuser", {**ADMIN, "firstName": "Ad", "lastName": "Min", "email": "a@b.io"}).status_code == 200
    client.token = client.call("POST", "/apiv2/login", ADMIN).json()["token"]
    return client


def s3_table(api: Api) -> dict[str, Any]:
    api.fake.seed_s3_folder(["minio", "lakehouse", "bronze", "orders"], ORDERS)
    api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    return api.ok("POST", "/api/v3/catalog/dremio%3A%2Fminio%2Flakehouse%2Fbronze%2Forders",
                  {"entityType": "dataset", "type": "PHYSICAL_DATASET", "path": ["minio", "lakehouse", "bronze", "orders"],
                   "format": {"type": "Parquet"}})


# --- bootstrap, login, tokens -------------------------------------------------------------------------------


def test_a_fresh_server_answers_no_user_available_until_the_first_user_exists(fake: FakeDremio) -> None:
    api = Api(fake)
    assert api.call("GET", "/apiv2/server_status").json() == "OK"
    login = api.call("POST", "/apiv2/login", ADMIN)
    assert login.status_code == 403 and login.json()["errorMessage"] == "No User Available"
    assert api.call("GET", "/api/v3/catalog").status_code == 401, "/api/v3 has no such filter: without a token, 401"
    weak = api.call("PUT", "/apiv2/bootstrap/firstuser", {"userName": "admin", "password": "short1"})
    assert weak.status_code == 400 and weak.json()["errorMessage"].startswith("Invalid password: must be at least 8")
    assert api.call("PUT", "/apiv2/bootstrap/firstuser", ADMIN, auth="_dremionull").status_code == 200
    again = api.call("PUT", "/apiv2/bootstrap/firstuser", ADMIN)
    assert again.status_code == 400
    assert again.json()["errorMessage"] == "First user can only be created when no user is already registered"


def test_login_answers_and_failures(api: Api) -> None:
    session = api.call("POST", "/apiv2/login", ADMIN).json()
    assert re.fullmatch(r"[a-z2-7]{26}", session["token"]), "130 random bits in base 32"
    assert isinstance(session["expires"], int) and session["userName"] == "admin", "v2 login uses epoch millis"
    wrong = api.call("POST", "/apiv2/login", {"userName": "admin", "password": "Wrong0pass"})
    assert wrong.status_code == 401
    assert wrong.json()["errorMessage"] == "Login failed: Invalid username or password, user admin"
    empty = api.call("POST", "/apiv2/login", {"userName": "admin", "password": ""})
    assert (empty.status_code, empty.json()["errorMessage"]) == (401, "user name or password cannot be null or empty")


def test_the_three_authorization_forms_and_the_empty_401(api: Api) -> None:
    token = api.token
    for header in (f"_dremio{token}", f"_dremio {token}", f"Bearer {token}", f"bearer {token}", token):
        assert api.call("GET", "/api/v3/catalog", auth=header).status_code == 200, header
    for header in (None, "_dremionot-a-token", f"Bearer {token} extra"):
        denied = api.call("GET", "/api/v3/catalog", auth=header)
        assert denied.status_code == 401 and denied.content == b"", "401 bodies are empty"
    api.fake.expire_tokens()
    assert api.call("GET", "/api/v3/catalog").status_code == 401


# --- transport and error shapes -------------------------------------------------------------------------


def test_unknown_routes_wrong_verbs_and_malformed_json(api: Api) -> None:
    missing = api.call("GET", "/api/v3/nothing-here")
    assert (missing.status_code, missing.json()["errorMessage"]) == (404, "HTTP 404 Not Found")
    verb = api.call("GET", "/api/v3/reflection")
    assert (verb.status_code, verb.json()["errorMessage"]) == (405, "HTTP 405 Method Not Allowed")
    malformed = api.call("POST", "/api/v3/catalog", raw=b"{not json")
    assert malformed.status_code == 400 and malformed.headers["Content-Type"].startswith("text/plain")


# --- sources ----------------------------------------------------------------------------------------------


def test_source_create_fills_defaults_masks_secrets_and_omits_nulls(api: Api) -> None:
    created = api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    assert created["entityType"] == "source" and created["type"] == "S3" and created["name"] == "minio"
    assert re.fullmatch(r"[0-9a-f-]{36}", created["id"]) and len(created["tag"]) == 12
    assert ISO_MILLIS.fullmatch(created["createdAt"])
    assert created["state"]["status"] == "good" and "description" not in created, "null fields are omitted"
    read = api.ok("GET", f"/api/v3/catalog/{created['id']}")
    config = read["config"]
    assert config["accessSecret"] == EXISTING and config["accessKey"] == "minioadmin"
    assert config["propertyList"] == MINIO_SOURCE["config"]["propertyList"], "S3's propertyList is not secret"
    assert {config[k] for k in ("enableAsync", "isCachingEnabled", "enableFileStatusCheck")} == {True}
    assert config["maxCacheSpacePct"] == 100 and config["requesterPays"] is False
    assert read["metadataPolicy"] == MINIO_SOURCE["metadataPolicy"]
    assert api.ok("GET", "/api/v3/catalog/by-path/MINIO")["id"] == created["id"], "names are case-insensitive"


def test_source_conflicts_and_validation(api: Api) -> None:
    api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    duplicate = api.call("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "MinIO"})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"errorMessage": "A source with the name [MinIO] already exists.", "moreInfo": ""}
    dotted = api.call("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "a.b"})
    assert dotted.status_code == 400
    assert dotted.json()["validationErrorMessages"]["fieldErrorMessages"]["name"] == ["Source name can not contain periods, double quotes or @."]
    nested = api.call("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "x", "config": {**MINIO_SOURCE["config"], "allowlistedBuckets": []}})
    assert (nested.status_code, nested.json()["errorMessage"]) == (400, "Invalid value found at: config.allowlistedBuckets")
    lenient = api.ok("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "y", "owner": {"ownerId": "x"}, "accessControlList": {}})
    assert lenient["name"] == "y", "unknown top-level keys are ignored"
    keyless = api.call("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "z", "config": {"credentialType": "ACCESS_KEY"}})
    assert keyless.json()["errorMessage"] == "You must provide AWS Access Key and AWS Access Secret."
    short = api.call("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "w", "metadataPolicy": {**MINIO_SOURCE["metadataPolicy"], "namesRefreshMs": 59999}})
    assert short.json()["errorMessage"] == "Source metadata policy namesRefreshMs must be greater than or equal to 60000."
    no_mode = dict(MINIO_SOURCE["metadataPolicy"])
    del no_mode["datasetUpdateMode"]
    assert api.call("POST", "/api/v3/catalog", {**MINIO_SOURCE, "name": "v", "metadataPolicy": no_mode}).status_code == 500


def test_metadata_policy_defaults_omitted_versus_partial(api: Api) -> None:
    """omitted → the default policy; present → 0/absent periods defaulted but booleans false."""
    omitted = {k: v for k, v in MINIO_SOURCE.items() if k != "metadataPolicy"}
    assert api.ok("POST", "/api/v3/catalog", omitted)["metadataPolicy"]["deleteUnavailableDatasets"] is True
    partial = {**MINIO_SOURCE, "name": "partial", "metadataPolicy": {"datasetUpdateMode": "PREFETCH", "authTTLMs": 0}}
    policy = api.ok("POST", "/api/v3/catalog", partial)["metadataPolicy"]
    assert policy["authTTLMs"] == 86400000 and policy["datasetUpdateMode"] == "PREFETCH"
    assert policy["deleteUnavailableDatasets"] is False and policy["autoPromoteDatasets"] is False


def test_source_put_needs_the_current_tag_and_resets_what_it_omits(api: Api) -> None:
    created = api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    source_id, tag = created["id"], created["tag"]
    no_tag = api.call("PUT", f"/api/v3/catalog/{source_id}", {**MINIO_SOURCE, "id": source_id})
    assert (no_tag.status_code, no_tag.json()["errorMessage"]) == (409, "Source already exists with name minio.")
    renamed = api.call("PUT", f"/api/v3/catalog/{source_id}", {**MINIO_SOURCE, "id": source_id, "tag": tag, "name": "other"})
    assert (renamed.status_code, renamed.json()["errorMessage"]) == (404, "Source name is immutable."), "the 404 quirk"
    mismatch = api.call("PUT", f"/api/v3/catalog/{source_id}", {**MINIO_SOURCE, "id": "another", "tag": tag})
    assert (mismatch.status_code, mismatch.json()["errorMessage"]) == (404, "Ids must match.")
    stale = api.call("PUT", f"/api/v3/catalog/{source_id}", {**MINIO_SOURCE, "id": source_id, "tag": "AAAAAAAAAAA="})
    assert stale.status_code == 409
    assert stale.json()["errorMessage"] == (f"Source [minio] has been updated, and the given configuration is out of date "
                                            f"(current tag: {tag}, given: AAAAAAAAAAA=)")
    lean = {k: v for k, v in MINIO_SOURCE.items() if not k.startswith("acceleration")}
    lean["config"] = {**MINIO_SOURCE["config"], "accessSecret": EXISTING}
    del lean["config"]["whitelistedBuckets"]
    updated = api.ok("PUT", f"/api/v3/catalog/{source_id}", {**lean, "id": source_id, "tag": tag})
    assert updated["tag"] != tag and "children" not in updated
    assert updated["accelerationRefreshPeriodMs"] == 0 and updated["accelerationNeverRefresh"] is False, "omitted ⇒ reset"
    assert "whitelistedBuckets" not in updated["config"], "omitting it on PUT clears the list"
    assert api.fake.entities[source_id].body["config"]["accessSecret"] == "minioadmin", "the placeholder keeps the secret"
    rotated = {**lean["config"], "accessSecret": "new-secret"}
    api.ok("PUT", f"/api/v3/catalog/{source_id}", {**lean, "config": rotated, "id": source_id, "tag": updated["tag"]})
    assert api.fake.entities[source_id].body["config"]["accessSecret"] == "new-secret"


def test_source_delete_tag_rules(api: Api) -> None:
    created = api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    stale = api.call("DELETE", f"/api/v3/catalog/{created['id']}?tag=stale")
    assert (stale.status_code, stale.json()["errorMessage"]) == (400, "Unable to remove source as the provided definition is out of date.")
    gone = api.call("DELETE", f"/api/v3/catalog/{created['id']}")
    assert gone.status_code == 204 and gone.content == b""
    again = api.call("DELETE", f"/api/v3/catalog/{created['id']}")
    assert (again.status_code, again.json()["errorMessage"]) == (404, f"Could not find entity with id [{created['id']}].")


def test_postgres_and_elastic_configs(api: Api) -> None:
    pg = api.ok("POST", "/api/v3/catalog", {"entityType": "source", "name": "pg", "type": "POSTGRES", "config": {
        "hostname": "db", "port": "5432", "databaseName": "app", "username": "u", "password": "pw", "authenticationType": "MASTER"}})
    assert pg["config"]["password"] == EXISTING and pg["config"]["fetchSize"] == 200
    assert "secretResourceUrl" not in pg["config"], "empty secrets are omitted"
    blank = api.call("POST", "/api/v3/catalog", {"entityType": "source", "name": "pg2", "type": "POSTGRES", "config": {"hostname": "db", "port": "5432"}})
    assert blank.status_code == 400 and "config.databaseName" in blank.json()["validationErrorMessages"]["fieldErrorMessages"]
    int_port = api.call("POST", "/api/v3/catalog", {"entityType": "source", "name": "pg3", "type": "POSTGRES", "config": {"hostname": "db", "port": 5432, "databaseName": "a"}})
    assert int_port.json()["errorMessage"] == "Invalid value found at: config.port", "the port is a string"
    es = api.ok("POST", "/api/v3/catalog", {"entityType": "source", "name": "es", "type": "ELASTIC", "config": {"hostList": [{"hostname": "es", "port": 9200}]}})
    assert es["config"]["scriptsEnabled"] is True and es["config"]["scrollSize"] == 4000
    api.fake.unreachable_hosts.add("nowhere")
    down = api.call("POST", "/api/v3/catalog", {"entityType": "source", "name": "es2", "type": "ELASTIC", "config": {"hostList": [{"hostname": "nowhere"}]}})
    assert (down.status_code, down.json()["errorMessage"]) == (400, "Failed to create source with name es2.")


# --- –5.6: spaces, folders, views ----------------------------------------------------------------------------


def test_spaces_folders_and_their_tags(api: Api) -> None:
    space = api.ok("POST", "/api/v3/catalog", {"entityType": "space", "name": "bronze"})
    assert set(space) == {"entityType", "id", "name", "tag", "createdAt", "children"} and space["children"] == []
    duplicate = api.call("POST", "/api/v3/catalog", {"entityType": "space", "name": "BRONZE"})
    assert duplicate.json()["errorMessage"] == "A space with the name [BRONZE] already exists."
    folder = api.ok("POST", "/api/v3/catalog", {"entityType": "folder", "path": ["bronze", "sales"]})
    assert "createdAt" not in folder
    api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    inside = api.call("POST", "/api/v3/catalog", {"entityType": "folder", "path": ["minio", "x"]})
    assert inside.json()["errorMessage"] == "Can not create a folder inside a [SOURCE]."
    stale = api.call("PUT", f"/api/v3/catalog/{space['id']}", {"entityType": "space", "id": space["id"], "name": "bronze", "tag": "old"})
    assert stale.status_code == 409
    assert api.call("DELETE", f"/api/v3/catalog/{space['id']}?tag=old").status_code == 409
    assert api.call("DELETE", f"/api/v3/catalog/{space['id']}").status_code == 204
    assert api.call("GET", f"/api/v3/catalog/{folder['id']}").status_code == 404, "space delete is recursive"


def test_views_check_their_sql_and_ignore_tags(api: Api) -> None:
    s3_table(api)
    api.ok("POST", "/api/v3/catalog", {"entityType": "space", "name": "silver"})
    missing = api.call("POST", "/api/v3/catalog", {"entityType": "dataset", "type": "VIRTUAL_DATASET", "path": ["silver", "v"], "sql": "SELECT * FROM nowhere.t"})
    assert missing.status_code == 400 and missing.json()["code"] == "INVALID_QUERY" and "errorMessage" not in missing.json()
    in_source = api.call("POST", "/api/v3/catalog", {"entityType": "dataset", "type": "VIRTUAL_DATASET", "path": ["minio", "v"], "sql": "SELECT 1 FROM minio.lakehouse.bronze.orders"})
    assert in_source.json()["errorMessage"] == "Virtual datasets can only be saved into spaces, home space or versioned sources."
    view = api.ok("POST", "/api/v3/catalog", {"entityType": "dataset", "type": "VIRTUAL_DATASET", "path": ["silver", "orders"],
                                              "sql": "SELECT order_id, region, amount FROM orders", "sqlContext": ["minio", "lakehouse", "bronze"]})
    assert [f["name"] for f in view["fields"]] == ["order_id", "region", "amount"]
    assert view["fields"][0]["type"] == {"name": "BIGINT"}
    duplicate = api.call("POST", "/api/v3/catalog", {"entityType": "dataset", "type": "VIRTUAL_DATASET", "path": ["silver", "orders"], "sql": "SELECT 1 FROM minio.lakehouse.bronze.orders"})
    assert duplicate.status_code == 409
    updated = api.ok("PUT", f"/api/v3/catalog/{view['id']}", {"entityType": "dataset", "type": "VIRTUAL_DATASET", "id": view["id"],
                                                               "path": ["silver", "orders"], "sql": "SELECT * FROM minio.lakehouse.bronze.orders", "tag": "stale"})
    assert updated["tag"] != view["tag"], "views do not enforce the tag"
    retyped = api.call("PUT", f"/api/v3/catalog/{view['id']}", {**updated, "type": "PHYSICAL_DATASET"})
    assert retyped.status_code == 404


# --- promotion and refresh policy -------------------------------------------------------------------------


def test_promotion_of_a_source_folder_and_its_refresh_policy(api: Api) -> None:
    api.fake.seed_s3_folder(["minio", "lakehouse", "bronze", "orders"], ORDERS)
    api.ok("POST", "/api/v3/catalog", MINIO_SOURCE)
    folder = api.ok("GET", "/api/v3/catalog/by-path/minio/lakehouse/bronze/orders")
    assert folder["entityType"] == "folder" and folder["id"] == "dremio:/minio/lakehouse/bronze/orders"
    wrong = api.call("POST", "/api/v3/catalog/dremio%3A%2Fminio%2Flakehouse%2Fbronze%2Forders",
                     {"entityType": "dataset", "type": "PHYSICAL_DATASET", "path": ["minio", "other"], "format": {"type": "Parquet"}})
    assert wrong.json()["errorMessage"] == "Entity id does not match the path specified in the dataset."
    table = api.ok("POST", "/api/v3/catalog/dremio%3A%2Fminio%2Flakehouse%2Fbronze%2Forders",
                   {"entityType": "dataset", "type": "PHYSICAL_DATASET", "path": ["minio", "lakehouse", "bronze", "orders"],
                    "format": {"type": "Parquet"}})
    assert re.fullmatch(r"[0-9a-f-]{36}", table["id"]) and table["format"]["location"] == "/lakehouse/bronze/orders"
    assert table["format"]["isFolder"] is True and "accelerationRefreshPolicy" not in table
    body = {"entityType": "dataset", "type": "PHYSICAL_DATASET", "id": table["id"], "path": table["path"], "format": {"type": "Parquet"},
            "accelerationRefreshPolicy": {"refreshPeriodMs": 7200000, "gracePeriodMs": 10800000, "method": "FULL", "neverExpire": False, "neverRefresh": False}}
    with_policy = api.ok("PUT", f"/api/v3/catalog/{table['id']}", body)
    assert with_policy["accelerationRefreshPolicy"]["refreshPeriodMs"] == 7200000
    assert with_policy["accelerationRefreshPolicy"]["activePolicyType"] == "PERIOD"
    without = api.ok("PUT", f"/api/v3/catalog/{table['id']}", {k: v for k, v in body.items() if k != "accelerationRefreshPolicy"})
    assert "accelerationRefreshPolicy" not in without, "omitting the policy on PUT removes it"
    no_format = api.call("PUT", f"/api/v3/catalog/{table['id']}", {k: v for k, v in body.items() if k != "format"})
    assert no_format.json()["errorMessage"] == "Promoted dataset needs to have a format set."
    moved = api.call("PUT", f"/api/v3/catalog/{table['id']}", {**body, "path": ["minio", "x"]})
    assert (moved.status_code, moved.json()["errorMessage"]) == (404, "Dataset path can not be modified.")
    assert api.call("DELETE", f"/api/v3/catalog/{table['id']}").status_code == 204
    assert api.ok("GET", "/api/v3/catalog/by-path/minio/lakehouse/bronze/orders")["entityType"] == "folder", "un-promoted"


def test_direct_tables_cannot_be_deleted(api: Api) -> None:
    api.fake.seed_table(["pg", "public", "customers"], [("id", "BIGINT")])
    api.ok("POST", "/api/v3/catalog", {"entityType": "source", "name": "pg", "type": "POSTGRES", "config": {"hostname": "db", "databaseName": "app"}})
    table = api.ok("GET", "/api/v3/catalog/by-path/pg/public/customers")
    assert table["type"] == "PHYSICAL_DATASET" and "format" not in table
    refused = api.call("DELETE", f"/api/v3/catalog/{table['id']}")
    assert (refused.status_code, refused.json()["errorMessage"]) == (400, "A physical dataset can not be deleted.")


def test_a_metadata_impacting_source_change_drops_promoted_tables(api: Api) -> None:
    table = s3_table(api)
    source = api.ok("GET", "/api/v3/catalog/by-path/minio")
    body = {**MINIO_SOURCE, "id": source["id"], "tag": source["tag"], "config": {**MINIO_SOURCE["config"], "accessSecret": EXISTING, "isCachingEnabled": False}}
    api.ok("PUT", f"/api/v3/catalog/{source['id']}", body)
    assert api.call("GET", f"/api/v3/catalog/{table['id']}").status_code == 200, "caching is not metadata impacting"
    source = api.ok("GET", "/api/v3/catalog/by-path/minio")
    api.ok("PUT", f"/api/v3/catalog/{source['id']}", {**body, "tag": source["tag"], "config": {**body["config"], "rootPath": "/lakehouse"}})
    assert api.call("GET", f"/api/v3/catalog/{table['id']}").status_code == 404, "rootPath is: the table is dropped"



def test_the_support_key_keeps_tables_through_a_metadata_impacting_change(api: Api, fake: FakeDremio) -> None:
    """Contract: "Metadata-impacting changes" and "Support keys": ALTER SYSTEM SET keeps the datasets."""
    table = s3_table(api)
    job = api.ok("POST", "/api/v3/sql", {"sql": 'ALTER SYSTEM SET "store.plugin.keep_metadata_on_replace" = true'})
    states = [api.ok("GET", f"/api/v3/job/{job['id']}")["jobState"] for _ in range(2)]
    assert states == ["RUNNING", "COMPLETED"] and fake.system_options["store.plugin.keep_metadata_on_replace"] is True
    source = api.ok("GET", "/api/v3/catalog/by-path/minio")
    body = {**MINIO_SOURCE, "id": source["id"], "tag": source["tag"], "config": {**MINIO_SOURCE["config"], "accessSecret": EXISTING, "rootPath": "/lakehouse"}}
    api.ok("PUT", f"/api/v3/catalog/{source['id']}", body)
    assert api.call("GET", f"/api/v3/catalog/{table['id']}").status_code == 200


def test_an_unknown_support_key_fails_its_job(api: Api) -> None:
    job = api.ok("POST", "/api/v3/sql", {"sql": 'ALTER SYSTEM SET "no.such.key" = true'})
    api.ok("GET", f"/api/v3/job/{job['id']}")
    failed = api.ok("GET", f"/api/v3/job/{job['id']}")
    assert failed["jobState"] == "FAILED" and failed["errorMessage"] == "VALIDATION ERROR: The option 'no.such.key' does not exist."


def test_an_online_backup_needs_an_administrator_and_an_absolute_uri(api: Api, fake: FakeDremio) -> None:
    """Contract: "Metadata backups": POST /apiv2/backup with the target directory as a JSON string."""
    token, api.token = api.token, None
    assert api.call("POST", "/apiv2/backup", "dremioS3:///dremio/backups").status_code == 401
    api.token = token
    assert api.call("POST", "/apiv2/backup", "relative/dir").status_code == 400
    stats = api.ok("POST", "/apiv2/backup", "dremioS3:///dremio/backups")
    assert stats["backupPath"].startswith("dremioS3:///dremio/backups/dremio_backup_") and stats["files"] == 0
    assert fake.backups == ["dremioS3:///dremio/backups"]


# --- reflections --------------------------------------------------------------------------------------------


def test_reflection_shapes_defaults_and_status(api: Api) -> None:
    table = s3_table(api)
    raw = api.ok("POST", "/api/v3/reflection", {"type": "RAW", "name": "r", "datasetId": table["id"], "enabled": True,
                                               "displayFields": [{"name": "order_id"}], "dateFields": []})
    assert {"sortFields", "partitionFields", "distributionFields", "dimensionFields", "measureFields"}.isdisjoint(raw)
    assert raw["partitionDistributionStrategy"] == "CONSOLIDATED" and raw["arrowCachingEnabled"] is False
    assert raw["status"]["combinedStatus"] == "CANNOT_ACCELERATE_SCHEDULED" and raw["status"]["lastDataFetch"] == "1969-12-31T23:59:59.999Z"
    agg = api.ok("POST", "/api/v3/reflection", {"type": "AGGREGATION", "name": "a", "datasetId": table["id"], "enabled": False,
                                               "dimensionFields": [{"name": "order_date"}, {"name": "region", "granularity": "NORMAL"}],
                                               "measureFields": [{"name": "amount", "measureTypeList": ["SUM", "COUNT"]}]})
    assert agg["dimensionFields"][0] == {"name": "order_date", "granularity": "DATE"}, "DATE is the proto default"
    assert agg["status"]["combinedStatus"] == "DISABLED"
    twin = api.ok("POST", "/api/v3/reflection", {"type": "RAW", "name": "r", "datasetId": table["id"], "enabled": True, "displayFields": [{"name": "amount"}]})
    listed = api.ok("GET", f"/api/v3/dataset/{table['id']}/reflection")["data"]
    assert sorted(r["name"] for r in listed) == ["a", "r", "r"] and twin["id"] != raw["id"], "names are not unique"


def test_reflection_validation(api: Api) -> None:
    table = s3_table(api)
    base = {"type": "RAW", "name": "r", "datasetId": table["id"], "enabled": True, "displayFields": [{"name": "order_id"}]}
    cases = {
        "enabled": ({k: v for k, v in base.items() if k != "enabled"}, "Invalid input \nenabled: Reflections must have the enabled field set"),
        "missing column": ({**base, "displayFields": [{"name": "nope"}]}, "Invalid reflection: Display field contains a field name [nope] that does not exist in the dataset"),
        "dimension typo": ({**base, "type": "AGGREGATION", "displayFields": None, "dimensionFields": [{"name": "nope"}]}, "Invalid reflection: Dimension field contains a field name [nope] that does exist in the dataset"),
        "dataset": ({**base, "datasetId": "nope"}, "Invalid reflection: datasetId must reference an existing dataset"),
        "id": ({**base, "id": "x"}, "Invalid reflection: new reflection shouldn't have an ID"),
    }
    for case, (body, message) in cases.items():
        answer = api.call("POST", "/api/v3/reflection", body)
        assert (answer.status_code, answer.json()["errorMessage"]) == (400, message), case


def test_reflection_put_tags_and_delete(api: Api) -> None:
    table = s3_table(api)
    created = api.ok("POST", "/api/v3/reflection", {"type": "RAW", "name": "r", "datasetId": table["id"], "enabled": True,
                                                   "displayFields": [{"name": "order_id"}, {"name": "amount"}], "sortFields": [{"name": "amount"}]})
    same = api.ok("PUT", f"/api/v3/reflection/{created['id']}", {**created})
    assert same["tag"] == created["tag"], "an unchanged PUT keeps the tag"
    stale = api.call("PUT", f"/api/v3/reflection/{created['id']}", {**created, "enabled": False, "tag": "old"})
    assert stale.status_code == 409 and stale.json() == {"errorMessage": "The reflection seems to have been modified by another flow. Please verify the reflection definition and retry."}
    no_tag = api.call("PUT", f"/api/v3/reflection/{created['id']}", {k: v for k, v in created.items() if k != "tag"})
    assert no_tag.json()["errorMessage"] == "Invalid reflection: reflection version required"
    lean = {k: v for k, v in created.items() if k != "sortFields"}
    changed = api.ok("PUT", f"/api/v3/reflection/{created['id']}", lean)
    assert "sortFields" not in changed and changed["tag"] != created["tag"] and changed["createdAt"] == created["createdAt"]
    deleted = api.call("DELETE", f"/api/v3/reflection/{created['id']}")
    assert deleted.status_code == 200 and deleted.content == b"", "reflection DELETE is 200 with an empty body"
    gone = api.call("GET", f"/api/v3/reflection/{created['id']}")
    assert (gone.status_code, gone.json()["errorMessage"]) == (404, f"reflection at with id [{created['id']}] not found")
    assert api.call("GET", "/api/v3/dataset/nope/reflection").json()["errorMessage"] == "dataset at with id [nope] not found"


# --- jobs ---------------------------------------------------------------------------------------------------


def test_jobs_complete_and_only_then_give_results(api: Api) -> None:
    job = api.ok("POST", "/api/v3/sql", {"sql": "SELECT 1"})
    early = api.call("GET", f"/api/v3/job/{job['id']}/results")
    assert early.json()["errorMessage"] == "Can not fetch details for a job that is in [RUNNING] state."
    states = [api.ok("GET", f"/api/v3/job/{job['id']}")["jobState"] for _ in range(2)]
    assert states == ["RUNNING", "COMPLETED"]
    assert api.ok("GET", f"/api/v3/job/{job['id']}/results")["rowCount"] == 0


# --- test hooks -------------------------------------------------------------------------------------------------


def test_hooks_inject_failures_and_interleaved_writers(api: Api) -> None:
    api.fake.fail_next(1, 503)
    assert api.call("GET", "/api/v3/catalog").status_code == 503
    space = api.ok("POST", "/api/v3/catalog", {"entityType": "space", "name": "gold"})
    api.fake.before_next("PUT", r"/api/v3/catalog/.+", lambda: api.fake.touch(space["id"]))
    raced = api.call("PUT", f"/api/v3/catalog/{space['id']}", {"entityType": "space", "id": space["id"], "name": "gold", "tag": space["tag"]})
    assert raced.status_code == 409, "another writer moved the tag between our read and our write"
