"""Storage: the data lake's object store, PostgreSQL and Elasticsearch, as one layer.

Other layers use only this component's outputs (endpoints, bucket names, references to Secrets in
their own namespaces), never its children. Who gets which credential is decided in `__main__.py`, by the
grants it passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.layers.storage.object_storage import ObjectStorage, ObjectStorageArgs
from components.layers.storage.postgresql import MetadataDatabase, MetadataDatabaseArgs
from components.layers.storage.search import CLUSTER_NAME, SearchCluster, SearchClusterArgs
from components.platform.catalog import Zone
from components.platform.checks.placement import StoragePlacement
from components.platform.contracts import (
    BackupTarget,
    CertificateAuthority,
    DatabaseGrant,
    DatabaseRef,
    S3Credentials,
    S3Grant,
    SearchGrant,
    SecretRef,
)
from components.platform.settings import PlatformSettings


@dataclass(frozen=True, kw_only=True)
class StorageArgs:
    settings: PlatformSettings
    """Validated stack settings."""
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone (from the network layer): workloads go to `storage`, credentials to each consumer's."""
    placement: StoragePlacement
    """The object store's layout, checked at start-up (`checks.placement`)."""
    postgresql_operator: list[pulumi.Resource]
    """CloudNativePG and its backup plugin, which must run before their resources are declared."""
    elasticsearch_operator: list[pulumi.Resource]
    """ECK, which must run before its resources are declared."""
    s3_grants: Sequence[S3Grant] = ()
    """Layers that get an S3 credential, and for which buckets."""
    database_grants: Sequence[DatabaseGrant] = ()
    """Layers that get a PostgreSQL database of their own."""
    search_grants: Sequence[SearchGrant] = ()
    """Layers that get an Elasticsearch user."""
    external_s3_credentials: S3Credentials | None = None
    """For `object_storage.backend: external` only: the credentials from secret config."""
    ca: CertificateAuthority
    """The platform CA: it signs Elasticsearch's HTTP certificate."""
    issuer_ready: pulumi.Resource
    """The CA's ClusterIssuer."""


class Storage(pulumi.ComponentResource):
    s3_endpoint: pulumi.Output[str]
    s3_url: str
    """The same endpoint as a plain string (its namespace is known from the settings)."""
    s3_region: str
    buckets: dict[str, str]
    """Logical bucket (bronze, silver, gold, logs, backups) → bucket name."""
    s3_admin_secret: SecretRef
    s3_admin_credentials: S3Credentials
    """Secret Outputs, for the program's own dynamic providers (buckets)."""
    s3_credentials: dict[str, SecretRef]
    s3_keys: dict[str, S3Credentials]
    """The same credentials as secret Outputs, for the program's own providers (the wiring layer)."""
    s3_ready: pulumi.Resource
    """The object store's set-up Job: the store answers and the buckets it needs at start exist."""
    """S3 grant (and `backups`) → its credential, in the consumer's namespace."""
    postgresql_host: pulumi.Output[str]
    databases: dict[str, DatabaseRef]
    database_readers: dict[str, tuple[str, pulumi.Output[str]]]
    """Database → its read-only role and that role's password (a secret Output), for the program's providers."""
    """Database grant → its database and credential."""
    elasticsearch_url: pulumi.Output[str]
    elasticsearch_host: str
    """The HTTP Service's DNS name (its TLS certificate, from the platform CA, names it)."""
    elasticsearch_port: int
    elasticsearch_name: str
    """The Elasticsearch resource's name (ECK), for resources that reference it (Kibana)."""
    elasticsearch_users: dict[str, SecretRef]
    elasticsearch_passwords: dict[str, pulumi.Output[str]]
    """The application users' passwords as secret Outputs, for the program's own providers."""
    """Search grant → its user's credential, in the consumer's namespace."""
    elasticsearch_ca: SecretRef
    """ECK's public HTTP CA (key `ca.crt`), in the storage namespace."""

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        objects = ObjectStorage(
            f"{name}-objects",
            ObjectStorageArgs(
                settings=args.settings,
                namespaces=args.namespaces,
                placement=args.placement,
                grants=args.s3_grants,
                external_credentials=args.external_s3_credentials,
            ),
            opts=child,
        )
        backups = BackupTarget(
            s3_endpoint=objects.endpoint, bucket=objects.buckets["backups"], credentials=objects.consumer_secrets["backups"]
        )
        database = MetadataDatabase(
            f"{name}-postgresql",
            MetadataDatabaseArgs(
                settings=args.settings,
                namespaces=args.namespaces,
                backups=backups,
                operator_ready=args.postgresql_operator,
                grants=args.database_grants,
            ),
            opts=child,
        )
        search = SearchCluster(
            f"{name}-elasticsearch",
            SearchClusterArgs(
                settings=args.settings,
                namespaces=args.namespaces,
                backups=backups,
                operator_ready=args.elasticsearch_operator,
                grants=args.search_grants,
                ca=args.ca,
                issuer_ready=args.issuer_ready,
            ),
            opts=child,
        )
        self.s3_endpoint = objects.endpoint
        self.s3_url = objects.url
        self.s3_region = objects.region
        self.buckets = objects.buckets
        self.s3_admin_secret = objects.admin_secret
        self.s3_admin_credentials = objects.admin_credentials
        self.s3_credentials = objects.consumer_secrets
        self.s3_keys = objects.consumer_credentials
        self.s3_ready = objects.setup
        self.postgresql_host = database.host
        self.databases = database.databases
        self.database_readers = database.readers
        self.elasticsearch_url = search.url
        self.elasticsearch_host, self.elasticsearch_port = search.host, search.port
        self.elasticsearch_name = CLUSTER_NAME
        self.elasticsearch_users = search.users
        self.elasticsearch_passwords = search.passwords
        self.elasticsearch_ca = search.ca_secret
        self.register_outputs(
            {
                "s3_endpoint": self.s3_endpoint,
                "s3_region": self.s3_region,
                "buckets": self.buckets,
                "s3_admin_secret": self.s3_admin_secret.name,
                "s3_admin_credentials": {
                    "access_key": self.s3_admin_credentials.access_key,
                    "secret_key": self.s3_admin_credentials.secret_key,
                },
                "s3_credentials": {consumer: ref.name for consumer, ref in self.s3_credentials.items()},
                "s3_url": self.s3_url,
                "s3_keys": {
                    consumer: {"access_key": keys.access_key, "secret_key": keys.secret_key}
                    for consumer, keys in self.s3_keys.items()
                },
                "s3_ready": self.s3_ready.urn,
                "postgresql_host": self.postgresql_host,
                "databases": {name: ref.credentials.name for name, ref in self.databases.items()},
                "database_readers": {name: {"username": user, "password": password} for name, (user, password) in self.database_readers.items()},
                "elasticsearch_url": self.elasticsearch_url,
                "elasticsearch_host": self.elasticsearch_host,
                "elasticsearch_port": self.elasticsearch_port,
                "elasticsearch_name": self.elasticsearch_name,
                "elasticsearch_users": {user: ref.name for user, ref in self.elasticsearch_users.items()},
                "elasticsearch_passwords": self.elasticsearch_passwords,
                "elasticsearch_ca": self.elasticsearch_ca.name,
            }
        )
