"""Inputs and helpers shared by the tests of this folder."""

from __future__ import annotations

import secrets
from typing import Any

import requests

from components.providers.dremio import admin as dremio_admin
from components.providers.dremio import reflection as dremio_reflection
from components.providers.dremio import source as dremio_source
from components.providers.dremio import space as dremio_space
from components.providers.dremio import table as dremio_table
from components.providers.dremio import view as dremio_view
from components.providers.dremio.admin import DremioAdminProvider
from components.providers.dremio.reflection import DremioReflectionProvider
from components.providers.dremio.source import DremioSourceProvider
from components.providers.dremio.space import DremioSpaceProvider
from components.providers.dremio.table import DremioTableProvider
from components.providers.dremio.view import DremioViewProvider
from tests.support.fake_dremio import FakeDremio
from tests.support.fault_proxy import FaultProxy
from tests.support.provider_protocol import InProcess, ProviderProcess, create

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
    return PROVIDERS[kind][0].inputs_model.keys()


def differing(kind: str, left: dict[str, Any], right: dict[str, Any]) -> set[str]:
    return {key for key in keys_of(kind) if left.get(key) != right.get(key)}


def lakehouse(providers: dict[str, Driver], fake: FakeDremio) -> dict[str, tuple[str, dict[str, Any]]]:
    """The architecture's chain: S3 source, promoted bronze table, silver space and view."""
    made = {"source": create(providers["source"], s3_source(fake)), "table": create(providers["table"], table(fake))}
    made["space"] = create(providers["space"], space(fake, "silver"))
    made["view"] = create(providers["view"], view(fake))
    return made

def admin(fake: Any, **overrides: Any) -> dict[str, Any]:
    return {"connection": connection(fake), "first_name": "Data", "last_name": "Platform", "email": "platform@example.com", **overrides}
