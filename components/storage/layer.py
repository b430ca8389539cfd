"""Storage: the data lake's object store, PostgreSQL and Elasticsearch, as one layer.

Other layers use only this component's outputs (endpoints, bucket names, references to Secrets in
their own namespaces), never its children.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.catalog import Zone
from components.settings import PlatformSettings
from components.storage.object_storage import ObjectStorage, ObjectStorageArgs
from components.storage.postgresql import DatabaseRef, MetadataDatabase, MetadataDatabaseArgs
from components.storage.references import BackupTarget, S3Credentials, SecretRef
from components.storage.search import SearchCluster, SearchClusterArgs


@dataclass(frozen=True, kw_only=True)
class StorageArgs:
    settings: PlatformSettings
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone (from the network layer): workloads go to `storage`, credentials to each consumer's."""
    postgresql_operator: list[pulumi.Resource]
    """CloudNativePG and its backup plugin, which must run before their resources are declared."""
    elasticsearch_operator: list[pulumi.Resource]
    external_s3_credentials: S3Credentials | None = None
    """For `object_storage.backend: external` only: the credentials from secret config."""


class Storage(pulumi.ComponentResource):
    s3_endpoint: pulumi.Output[str]
    s3_region: str
    buckets: dict[str, str]
    s3_admin_secret: SecretRef
    s3_admin_credentials: S3Credentials
    """Secret Outputs, for the program's own dynamic providers (buckets)."""
    s3_credentials: dict[str, SecretRef]
    """airbyte, dremio, backups → their S3 credential."""
    postgresql_host: pulumi.Output[str]
    databases: dict[str, DatabaseRef]
    """airbyte, superset → their database and credential."""
    elasticsearch_url: pulumi.Output[str]
    elasticsearch_users: dict[str, SecretRef]
    elasticsearch_ca: SecretRef

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        objects = ObjectStorage(
            f"{name}-objects",
            ObjectStorageArgs(
                settings=args.settings, namespaces=args.namespaces, external_credentials=args.external_s3_credentials
            ),
            opts=child,
        )
        backups = BackupTarget(
            s3_endpoint=objects.endpoint, bucket=objects.buckets["backups"], credentials=objects.consumer_secrets["backups"]
        )
        database = MetadataDatabase(
            f"{name}-postgresql",
            MetadataDatabaseArgs(
                settings=args.settings, namespaces=args.namespaces, backups=backups, operator_ready=args.postgresql_operator
            ),
            opts=child,
        )
        search = SearchCluster(
            f"{name}-elasticsearch",
            SearchClusterArgs(
                settings=args.settings, namespaces=args.namespaces, backups=backups, operator_ready=args.elasticsearch_operator
            ),
            opts=child,
        )
        self.s3_endpoint = objects.endpoint
        self.s3_region = objects.region
        self.buckets = objects.buckets
        self.s3_admin_secret = objects.admin_secret
        self.s3_admin_credentials = objects.admin_credentials
        self.s3_credentials = objects.consumer_secrets
        self.postgresql_host = database.host
        self.databases = database.databases
        self.elasticsearch_url = search.url
        self.elasticsearch_users = search.users
        self.elasticsearch_ca = search.ca_secret
        self.register_outputs(
            {
                "s3_endpoint": self.s3_endpoint,
                "s3_region": self.s3_region,
                "buckets": self.buckets,
                "postgresql_host": self.postgresql_host,
                "elasticsearch_url": self.elasticsearch_url,
            }
        )
