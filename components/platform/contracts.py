"""What crosses layers: references to Kubernetes Secrets and endpoints, never the secrets themselves.

Layers never import each other. A layer's Args take these types, and `__main__.py` passes one layer's
outputs to another. A pod can only read a Secret of its own namespace, so every consumer's credential is
written into the consumer's namespace; a reference says where and under which keys. The values also
exist as secret Outputs (`S3Credentials`) for the program's own use (the dynamic providers), and nowhere
else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components.platform.catalog import Zone

LAKE_BUCKETS = ("bronze", "silver", "gold", "logs", "backups")
"""The logical buckets every stack has. A grant may name others (the Dremio bucket); the storage layer
creates every bucket a grant names, as `<bucket_prefix><name>`."""

ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
"""Keys of every S3 credential Secret (with `S3_ENDPOINT` and `S3_REGION`): the names AWS SDKs read."""


@dataclass(frozen=True)
class SecretRef:
    namespace: pulumi.Input[str]
    name: pulumi.Output[str]
    keys: tuple[str, ...]
    """The keys of the Secret's data; never their values."""


@dataclass(frozen=True)
class S3Credentials:
    access_key: pulumi.Output[str]
    secret_key: pulumi.Output[str]
    """Both are secret Outputs."""


@dataclass(frozen=True)
class BackupTarget:
    """Where a store writes its backups: an S3 endpoint, a bucket, and a credential next to the store."""

    s3_endpoint: pulumi.Input[str]
    bucket: str
    credentials: SecretRef
    """Keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, in the storage namespace."""


@dataclass(frozen=True)
class DatabaseRef:
    """A PostgreSQL database and the credential of its owner, in the consumer's namespace."""

    host: pulumi.Output[str]
    port: int
    database: str
    credentials: SecretRef
    """Keys `username`, `password`, `host`, `port` and `database`, in the consumer's namespace."""


@dataclass(frozen=True, kw_only=True)
class S3Grant:
    """A layer's access to the lake: its own S3 credential, limited to these buckets where the store allows."""

    consumer: str
    """The credential's name (an S3 user on MinIO, an identity on SeaweedFS)."""
    zone: Zone
    """Where the consumer runs: its credential Secret is written into that zone's namespace."""
    reads: tuple[str, ...]
    """Logical buckets (`bronze`, ...) it may list and read."""
    writes: tuple[str, ...]
    """Logical buckets it may write and delete in."""


@dataclass(frozen=True, kw_only=True)
class DatabaseGrant:
    """A layer's own PostgreSQL database: a role and a database of the same name, owned by the role."""

    name: str
    zone: Zone
    """Where the consumer runs: its credential Secret is written into that zone's namespace."""
    extra_databases: tuple[str, ...] = ()
    """More databases owned by the same role, for software that keeps several (Airbyte's Temporal)."""
    reader: bool = False
    """Also a read-only role `<name>_reader` on the database (and on what the owner creates in it later)."""


@dataclass(frozen=True, kw_only=True)
class SearchGrant:
    """A layer's Elasticsearch user."""

    user: str
    role: str
    """One of the storage layer's Elasticsearch roles (`dremio_reader`, `log_writer`)."""
    zone: Zone
    """Where the consumer runs: its credential Secret is written into that zone's namespace."""


@dataclass(frozen=True, kw_only=True)
class CertificateAuthority:
    """The platform CA: a cert-manager issuer for servers, and its certificate for clients in every namespace."""

    issuer: str
    """Name of the cert-manager ClusterIssuer that signs the platform's server certificates."""
    config_map: str
    """Name of the ConfigMap, present in every zone's namespace, that holds the CA certificate."""
    key: str
    """Key of the CA certificate (PEM) in that ConfigMap."""
    certificate_pem: pulumi.Output[str]
    """The CA certificate itself, for the program's own clients (the dynamic providers)."""


@dataclass(frozen=True, kw_only=True)
class QueryEngine:
    """How other layers reach Dremio: in-cluster endpoints over TLS, and its administrator's credential."""

    web_url: str
    """REST API and UI, `https://<service>.<namespace>.svc.cluster.local:9047`."""
    flight_host: str
    flight_port: int
    """Arrow Flight (TLS); Superset's `dremio+flight://` URIs and dbt use it."""
    ca: CertificateAuthority
    """Who signed the server certificate: clients verify against it."""
    admin: SecretRef
    """Keys `username` and `password`, in the processing namespace."""
    admin_username: str
    admin_password: pulumi.Output[str]
    """A secret Output, for the program's own dynamic providers."""
    lake_source: str
    """Name of Dremio's S3 source over the lake's buckets (dbt writes tables through it)."""
    space: str
    """Dremio space of the lakehouse's views (dbt's, one folder per layer)."""


@dataclass(frozen=True, kw_only=True)
class ServiceApi:
    """A service's API, for the program's own dynamic providers (the wiring layer)."""

    url: str
    """In-cluster base URL, `http(s)://<service>.<namespace>.svc.cluster.local:<port>[/path]`."""
    credentials: Mapping[str, pulumi.Input[str]]
    """The connection's credential fields (`username`/`password`, `client_id`/`client_secret`,
    `access_key`/`secret_key`), as secret Outputs."""
    url_key: str = "url"
    """The connection's field for the URL (`endpoint` for S3)."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """More connection fields (an S3 region)."""
    ui: str | None = None
    """The edge's name for the service's web UI (`superset`, `dremio`, `airbyte`), when it publishes one."""
    ready: pulumi.Resource | None = None
    """What must be up before the providers call the API."""
