"""What the platform configures after deploying, as data: one `Item` per provider resource, in dependency order.

A pure function of the settings, the semantic layer and the values other layers hand over (which are Outputs in
the program and plain strings in the tests). The `Wiring` component turns each item into its resource with the
service's connection; the end-to-end test drives the same items through the real provider processes against
the test servers, so that what is tested is what is declared.

* Buckets: every bucket of the lake, with the settings of `BUCKET_SETTINGS` (the README's table); adopted when
  they exist, kept when the resource goes (`retain_on_delete`), named per backend so that switching
  `object_storage.backend` creates them on the new store.
* Dremio: the first administrator (adopted: the set-up Job made it), the lake's S3 source, the `analytics`
  PostgreSQL database (read-only) and the Elasticsearch source, the lakehouse space, and the semantic layer's views and reflections.
* Superset: the four roles, the lakehouse database over Arrow Flight with TLS, the semantic layer's datasets.
* Airbyte: the platform's workspace and the bronze destination, then `lakehouse/ingestion.py`'s connections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import pulumi

from components.layers.wiring.destination import NAME as BRONZE_DESTINATION
from components.layers.wiring.destination import S3_DESTINATION, bronze_configuration
from components.platform.catalog import ObjectStorageBackend
from components.platform.checks.semantic import DATABASES
from components.platform.dbt_project import view_path
from components.platform.semantic import Model, Reflection, SemanticLayer, View
from components.platform.settings import PlatformSettings
from components.providers.airbyte.actor import AirbyteDestination, AirbyteDestinationArgs
from components.providers.airbyte.workspace import AirbyteWorkspace, AirbyteWorkspaceArgs
from components.providers.dremio.admin import DremioAdmin, DremioAdminArgs
from components.providers.dremio.reflection import DremioReflection, DremioReflectionArgs
from components.providers.dremio.source import DremioSource, DremioSourceArgs
from components.providers.dremio.space import DremioSpace, DremioSpaceArgs
from components.providers.dremio.view import DremioView, DremioViewArgs
from components.providers.s3.bucket import Bucket, BucketArgs
from components.providers.superset.database import SupersetDatabase, SupersetDatabaseArgs
from components.providers.superset.dataset import SupersetDataset, SupersetDatasetArgs
from components.providers.superset.role import SupersetRole, SupersetRoleArgs

Service = Literal["s3", "dremio", "superset", "airbyte"]
Gate = Literal["dremio", "superset", "dbt", "airbyte", "s3"]
LAKEHOUSE_DATABASE = DATABASES[0]
ELASTICSEARCH_SOURCE = "search"
ANALYTICS_SOURCE = "analytics"
"""Dremio's PostgreSQL source, and the database it reads (what Airbyte's CDC connections write)."""
WORKSPACE = "data-platform"


@dataclass(frozen=True)
class Ref:
    """An output of an earlier item, e.g. the workspace's id."""

    item: str
    output: str


@dataclass(frozen=True, kw_only=True)
class Item:
    name: str
    """The resource's name, after the component's prefix (`<prefix>-<name>`)."""
    service: Service
    resource: type[Any]
    args: type[Any]
    inputs: dict[str, Any]
    """The args' fields except `connection`; values may be `Ref`s."""
    after: tuple[str, ...] = ()
    """Items this one waits for (Dremio and Superset check references when saving)."""
    gates: tuple[Gate, ...] = ()
    """Platform workloads that must be up first (the set-up Jobs, the dbt build)."""
    retain: bool = False
    """Kept on the server when the resource is deleted (the lake's buckets)."""


@dataclass(frozen=True, kw_only=True)
class BucketSettings:
    versioning: bool = False
    expire_days: Literal["logging", "backups"] | None = None
    noncurrent_expire_days: Literal["backups"] | None = None


BUCKET_SETTINGS: Mapping[str, BucketSettings] = {
    "bronze": BucketSettings(versioning=True),
    "silver": BucketSettings(),
    "gold": BucketSettings(),
    "logs": BucketSettings(expire_days="logging"),
    "backups": BucketSettings(versioning=True, noncurrent_expire_days="backups"),
}
"""Per logical bucket (others, such as Dremio's, take the defaults). Every bucket aborts incomplete multipart
uploads after 7 days and is encrypted (SSE-S3) where the backend supports it."""
ENCRYPTING_BACKENDS = frozenset({ObjectStorageBackend.SEAWEEDFS, ObjectStorageBackend.EXTERNAL})
"""MinIO encrypts only with a KMS, which the platform does not run."""


@dataclass(frozen=True, kw_only=True)
class Handover:
    """What the plan needs from the other layers (Outputs in the program, plain values in tests)."""

    buckets: Mapping[str, str]
    s3_endpoint: str
    """The object store's in-cluster URL (or the external store's)."""
    s3_region: str
    dremio_s3: tuple[Any, Any]
    """(access key, secret key) of Dremio's lake credential."""
    airbyte_s3: tuple[Any, Any]
    """(access key, secret key) of Airbyte's, for the bronze destination."""
    elasticsearch_host: str
    elasticsearch_port: int
    elasticsearch_password: Any
    """The `dremio` Elasticsearch user's password."""
    postgresql_host: str
    analytics_reader: tuple[str, Any]
    """The `analytics` database's read-only role and its password."""
    dremio_uri: Any
    """Superset's SQLAlchemy URI for the lakehouse (secret)."""
    roles: Mapping[str, list[dict[str, str]] | None]
    lake_source: str
    space: str
    admin_email: str = "platform@example.com"


def plan(settings: PlatformSettings, semantic: SemanticLayer, given: Handover) -> list[Item]:
    return [*_buckets(settings, given), *_dremio(settings, semantic, given), *_superset(semantic, given), *_airbyte(given)]


def _buckets(settings: PlatformSettings, given: Handover) -> list[Item]:
    config = settings.config
    backend = config.object_storage.backend
    days = {"logging": config.logging.retention_days, "backups": config.backups.retention_days}
    items = []
    for logical, bucket in sorted(given.buckets.items()):
        wanted = BUCKET_SETTINGS.get(logical, BucketSettings())
        rules: list[dict[str, Any]] = [{"id": "abort-incomplete-uploads", "abort_incomplete_multipart_days": 7}]
        if wanted.expire_days:
            rules.append({"id": "expire", "expiration_days": days[wanted.expire_days]})
        if wanted.noncurrent_expire_days:
            rules.append({"id": "expire-old-versions", "noncurrent_expiration_days": days[wanted.noncurrent_expire_days]})
        items.append(
            Item(
                name=f"bucket-{backend}-{logical}",
                service="s3",
                resource=Bucket,
                args=BucketArgs,
                inputs={
                    "name": bucket,
                    "versioning": wanted.versioning,
                    "encryption": "AES256" if backend in ENCRYPTING_BACKENDS else None,
                    "lifecycle_rules": rules,
                    "tags": {"platform": "data-platform", "layer": logical},
                    "adopt": True,
                },
                gates=("s3",),
                retain=True,
            )
        )
    return items


def _dremio(settings: PlatformSettings, semantic: SemanticLayer, given: Handover) -> list[Item]:
    endpoint = given.s3_endpoint
    buckets = given.buckets
    refresh_ms = settings.config.processing.metadata_refresh_minutes * 60_000
    lake_config = _s3_source_config(endpoint, [buckets["bronze"], buckets["silver"], buckets["gold"]])
    items = [
        Item(
            name="dremio-admin", service="dremio", resource=DremioAdmin, args=DremioAdminArgs,
            inputs={"first_name": "Data", "last_name": "Platform", "email": given.admin_email, "adopt": True},
            gates=("dremio",),
        ),
        Item(
            name="dremio-lake", service="dremio", resource=DremioSource, args=DremioSourceArgs,
            inputs={
                "name": given.lake_source, "type": "S3",
                "config": _combine(lambda key, secret: {**lake_config, "accessKey": key, "accessSecret": secret}, *given.dremio_s3),
                "metadata_policy": {"namesRefreshMs": refresh_ms, "datasetRefreshAfterMs": refresh_ms},
                "adopt": True,
            },
            after=("dremio-admin",),
        ),
        Item(
            name="dremio-search", service="dremio", resource=DremioSource, args=DremioSourceArgs,
            inputs={
                "name": ELASTICSEARCH_SOURCE, "type": "ELASTIC",
                "config": {
                    "hostList": [{"hostname": given.elasticsearch_host, "port": given.elasticsearch_port}],
                    "authenticationType": "MASTER", "username": "dremio", "password": given.elasticsearch_password,
                    "sslEnabled": True, "showHiddenIndices": False,
                },
                "adopt": True,
            },
            after=("dremio-admin",),
        ),
        Item(
            name="dremio-analytics", service="dremio", resource=DremioSource, args=DremioSourceArgs,
            inputs={
                "name": ANALYTICS_SOURCE, "type": "POSTGRES",
                "config": {
                    "hostname": given.postgresql_host, "port": "5432", "databaseName": ANALYTICS_SOURCE,
                    "authenticationType": "MASTER", "username": given.analytics_reader[0], "password": given.analytics_reader[1],
                    "useSsl": True,
                },
                "adopt": True,
            },
            after=("dremio-admin",),
        ),
        Item(
            name="dremio-space", service="dremio", resource=DremioSpace, args=DremioSpaceArgs,
            inputs={"name": given.space, "adopt": True}, after=("dremio-admin",),
        ),
    ]
    for view in semantic.views:
        items.append(
            Item(
                name=f"view-{'-'.join(view.path)}", service="dremio", resource=DremioView, args=DremioViewArgs,
                inputs={"path": [given.space, *view.path], "sql": view.sql, "adopt": True},
                after=("dremio-space", "dremio-lake"), gates=("dbt",),
            )
        )
    for reflection in semantic.reflections:
        items.append(
            Item(
                name=f"reflection-{reflection.name}", service="dremio", resource=DremioReflection, args=DremioReflectionArgs,
                inputs={"dataset_path": list(_path(reflection.dataset, given.space)), "name": reflection.name, **_reflection(reflection),
                        "adopt": True},
                after=("dremio-space", *_view_items(reflection.dataset)),
                gates=("dbt",),
            )
        )
    return items


def _superset(semantic: SemanticLayer, given: Handover) -> list[Item]:
    items = [
        Item(
            name=f"role-{name.lower().replace(' ', '-')}", service="superset", resource=SupersetRole, args=SupersetRoleArgs,
            inputs={"name": name, "permissions": permissions, "adopt": True}, gates=("superset",),
        )
        for name, permissions in given.roles.items()
    ]
    items.append(
        Item(
            name="superset-lakehouse", service="superset", resource=SupersetDatabase, args=SupersetDatabaseArgs,
            inputs={"database_name": LAKEHOUSE_DATABASE, "sqlalchemy_uri": given.dremio_uri, "expose_in_sqllab": True,
                    "allow_run_async": True, "cache_timeout": 600, "adopt": True},
            gates=("superset",),
        )
    )
    for dataset in semantic.datasets:
        path = _path(dataset.dataset, given.space)
        name = path[-1]
        # Dremio's dialect names a view's folder path as its schema: `<space>.<dbt schema>`.
        schema = ".".join(path[:-1])
        items.append(
            Item(
                name=f"dataset-{name.replace('_', '-')}", service="superset", resource=SupersetDataset, args=SupersetDatasetArgs,
                inputs={
                    "database_name": dataset.database, "schema": schema, "table_name": name,
                    "description": dataset.description or None, "cache_timeout": dataset.cache_timeout_seconds,
                    "metrics": [
                        {"metric_name": m.name, "expression": m.expression, **({"verbose_name": m.label} if m.label else {}),
                         **({"d3format": m.d3format} if m.d3format else {})}
                        for m in dataset.metrics
                    ],
                    "columns": [
                        {"column_name": c.name, "is_dttm": c.is_time, "groupby": c.groupby, "filterable": c.filterable,
                         **({"verbose_name": c.label} if c.label else {})}
                        for c in dataset.columns
                    ],
                    "adopt": True,
                },
                after=("superset-lakehouse",),
                gates=("dbt",),
            )
        )
    return items


def _airbyte(given: Handover) -> list[Item]:
    configuration = _combine(
        lambda key, secret: bronze_configuration(
            endpoint=given.s3_endpoint, region=given.s3_region, bucket=given.buckets["bronze"], access_key=key, secret_key=secret
        ),
        *given.airbyte_s3,
    )
    return [
        Item(
            name="airbyte-workspace", service="airbyte", resource=AirbyteWorkspace, args=AirbyteWorkspaceArgs,
            inputs={"name": WORKSPACE, "adopt": True}, gates=("airbyte",),
        ),
        Item(
            name="airbyte-bronze", service="airbyte", resource=AirbyteDestination, args=AirbyteDestinationArgs,
            inputs={"workspace_id": Ref("airbyte-workspace", "workspace_id"), "name": BRONZE_DESTINATION,
                    "definition_id": S3_DESTINATION, "configuration": configuration, "adopt": True},
            after=("airbyte-workspace",),
        ),
    ]


def _path(dataset: Model | View, space: str) -> tuple[str, ...]:
    return view_path(space, dataset.name) if isinstance(dataset, Model) else (space, *dataset.path)


def _view_items(dataset: Model | View) -> tuple[str, ...]:
    """The plan item of a declared view the object waits for; none for a dbt model (the dbt gate covers it)."""
    return (f"view-{'-'.join(dataset.path)}",) if isinstance(dataset, View) else ()


def _reflection(reflection: Reflection) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": reflection.type, "partition_fields": list(reflection.partition_by),
                              "sort_fields": list(reflection.sort_by)}
    if reflection.type == "RAW":
        fields["display_fields"] = list(reflection.display)
    else:
        fields["dimension_fields"] = [{"name": d.field, "granularity": d.granularity} for d in reflection.dimensions]
        fields["measure_fields"] = [{"name": m.field, "measure_types": list(m.types)} for m in reflection.measures]
    return fields


def _s3_source_config(endpoint: str, buckets: list[str]) -> dict[str, Any]:
    parts = urlsplit(endpoint)
    aws = (parts.hostname or "").endswith(".amazonaws.com")
    config: dict[str, Any] = {
        "credentialType": "ACCESS_KEY",
        "secure": parts.scheme == "https",
        "compatibilityMode": not aws,
        "rootPath": "/",
        "defaultCtasFormat": "PARQUET",
        "whitelistedBuckets": buckets,
    }
    if not aws:
        config["propertyList"] = [
            {"name": "fs.s3a.endpoint", "value": parts.netloc},
            {"name": "fs.s3a.path.style.access", "value": "true"},
        ]
    return config


def _combine(build: Callable[..., Any], *values: Any) -> Any:
    """`build(*values)`, through `Output.all` when a value is an Output (the program), directly when all are
    plain (the tests drive the same plan with plain strings)."""
    if any(isinstance(value, pulumi.Output) for value in values):
        return pulumi.Output.all(*values).apply(lambda resolved: build(*resolved))
    return build(*values)
