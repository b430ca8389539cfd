"""ObjectStorage: the data lake's S3 store, whichever backend serves it, behind one interface.

Every backend gives the same outputs: the in-cluster S3 endpoint, the region, the bucket names, an
admin credential (a Secret reference plus secret Outputs for the program's own use), and a credential
per grant (Airbyte, Dremio, backups, ...) as a Secret in the consumer's namespace.

* `minio` and `seaweedfs` are deployed by their own components; credentials are generated with
  pulumi-random, and each grant becomes an S3 user (MinIO, created by the set-up Job) or identity
  (SeaweedFS, in its configuration file) limited to its buckets.
* `external` deploys nothing; the credentials come from secret config, and S3 offers no standard way to
  create users, so every consumer gets that credential.

The set-up Job (`buckets.py`) creates the buckets against any backend, and the MinIO users and policies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.layers.storage.buckets import BucketSetup, BucketSetupArgs
from components.layers.storage.minio import CONFIG_ENV_KEY, Minio, MinioArgs, config_env
from components.layers.storage.seaweedfs import S3_CONFIG_KEY, Seaweedfs, SeaweedfsArgs
from components.platform import kube
from components.platform.catalog import ObjectStorageBackend, Zone, service
from components.platform.checks.placement import StoragePlacement
from components.platform.contracts import (
    ACCESS_KEY_ID,
    LAKE_BUCKETS,
    SECRET_ACCESS_KEY,
    S3Credentials,
    S3Grant,
    SecretRef,
)
from components.platform.settings import PlatformSettings

API_SERVICE = "object-storage"
"""Fixed name of the S3 Service of every in-cluster backend, so the endpoint is the same for all of them."""
BACKUPS_GRANT = S3Grant(consumer="backups", zone=Zone.STORAGE, reads=("backups",), writes=("backups",))
"""The storage layer's own credential: PostgreSQL and Elasticsearch write their backups with it."""


@dataclass(frozen=True, kw_only=True)
class ObjectStorageArgs:
    settings: PlatformSettings
    """Validated stack settings: backend, region, bucket prefix, sizes."""
    namespaces: dict[Zone, pulumi.Input[str]]
    """Namespaces by zone: the store runs in `storage`, each grant's Secret goes to its consumer's zone."""
    placement: StoragePlacement
    """The backend's layout, checked at start-up to survive the topology's failure."""
    grants: Sequence[S3Grant]
    """Who gets a credential, limited to which buckets (the backups grant is added here)."""
    external_credentials: S3Credentials | None = None
    """Required for the external backend (secret config), unused otherwise."""


class ObjectStorage(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]
    """S3 endpoint URL as seen from inside the cluster."""
    region: str
    buckets: dict[str, str]
    """Logical bucket (bronze, silver, gold, logs, backups, and any a grant names) → bucket name."""
    admin_secret: SecretRef
    admin_credentials: S3Credentials
    """Secret Outputs, for the program's own use."""
    consumer_secrets: dict[str, SecretRef]
    """Grant (airbyte, dremio, backups, ...) → its credential, in its own namespace."""

    def __init__(self, name: str, args: ObjectStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:ObjectStorage", name, None, opts)
        settings = args.settings
        storage = settings.config.object_storage
        backend = storage.backend
        namespace = args.namespaces[Zone.STORAGE]
        grants = (*args.grants, BACKUPS_GRANT)
        self.region = storage.region
        self.buckets = {bucket: f"{storage.bucket_prefix}{bucket}" for bucket in _logical_buckets(grants)}

        if backend is ObjectStorageBackend.EXTERNAL:
            if args.external_credentials is None:
                raise ValueError("the external object-storage backend needs external_credentials")
            self.endpoint = pulumi.Output.from_input(storage.external_endpoint or "")
            self.url = storage.external_endpoint or ""
            self.admin_credentials = args.external_credentials
            credentials = {grant.consumer: args.external_credentials for grant in grants}
        else:
            port = service("minio").ports["s3"]
            self.endpoint = pulumi.Output.concat("http://", API_SERVICE, ".", namespace, f".svc.cluster.local:{port}")
            self.url = f"http://{API_SERVICE}.{settings.namespace(Zone.STORAGE)}.svc.cluster.local:{port}"
            self.admin_credentials = kube.generated_s3_credentials(f"{name}-admin", self)
            credentials = {g.consumer: kube.generated_s3_credentials(f"{name}-{g.consumer}", self) for g in grants}

        self.consumer_credentials = credentials
        self.admin_secret = self._credential_secret(f"{name}-admin", namespace, self.admin_credentials)
        self.consumer_secrets = {
            grant.consumer: self._credential_secret(
                f"{name}-{grant.consumer}", args.namespaces[grant.zone], credentials[grant.consumer]
            )
            for grant in grants
        }

        child = pulumi.ResourceOptions(parent=self)
        if backend is ObjectStorageBackend.MINIO and args.placement.erasure:
            config = kube.secret(
                f"{name}-minio-config",
                namespace=namespace,
                data={CONFIG_ENV_KEY: config_env(self.admin_credentials.access_key, self.admin_credentials.secret_key)},
                parent=self,
            )
            Minio(
                f"{name}-minio",
                MinioArgs(
                    settings=settings, plan=args.placement.erasure, namespace=namespace,
                    config_secret=config, api_service_name=API_SERVICE,
                ),
                opts=child,
            )
        elif backend is ObjectStorageBackend.SEAWEEDFS and args.placement.replication:
            identities = kube.secret(
                f"{name}-seaweedfs-identities",
                namespace=namespace,
                data={S3_CONFIG_KEY: _seaweedfs_identities(self.admin_credentials, credentials, grants, self.buckets)},
                parent=self,
            )
            Seaweedfs(
                f"{name}-seaweedfs",
                SeaweedfsArgs(
                    settings=settings, plan=args.placement.replication, namespace=namespace,
                    s3_config_secret=identities.name, api_service_name=API_SERVICE,
                ),
                opts=child,
            )
        self.setup = BucketSetup(
            f"{name}-setup",
            BucketSetupArgs(
                settings=settings,
                namespace=namespace,
                endpoint=self.endpoint,
                region=self.region,
                buckets=self.buckets,
                admin=self.admin_credentials,
                users=credentials if backend is ObjectStorageBackend.MINIO else {},
                grants=grants,
            ),
            opts=child,
        )
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "region": self.region,
                "buckets": self.buckets,
                "admin_secret": self.admin_secret.name,
                "admin_credentials": {
                    "access_key": self.admin_credentials.access_key,
                    "secret_key": self.admin_credentials.secret_key,
                },
                "consumer_secrets": {consumer: ref.name for consumer, ref in self.consumer_secrets.items()},
            }
        )

    def _credential_secret(self, name: str, namespace: pulumi.Input[str], credentials: S3Credentials) -> SecretRef:
        return kube.secret(
            name,
            namespace=namespace,
            data={
                ACCESS_KEY_ID: credentials.access_key,
                SECRET_ACCESS_KEY: credentials.secret_key,
                "S3_ENDPOINT": self.endpoint,
                "S3_REGION": self.region,
            },
            parent=self,
        )


def _logical_buckets(grants: Sequence[S3Grant]) -> tuple[str, ...]:
    """The lake's buckets, then every other bucket a grant names (a layer's own, such as Dremio's)."""
    named = {bucket for grant in grants for bucket in (*grant.reads, *grant.writes)}
    return (*LAKE_BUCKETS, *sorted(named - set(LAKE_BUCKETS)))


def _seaweedfs_identities(
    admin: S3Credentials, credentials: dict[str, S3Credentials], grants: Sequence[S3Grant], buckets: dict[str, str]
) -> pulumi.Output[str]:
    """SeaweedFS's S3 identities file: the admin, and each grant limited to its buckets."""

    def render(values: list[str]) -> str:
        admin_key, admin_secret, *rest = values
        identities = [
            {"name": "admin", "credentials": [{"accessKey": admin_key, "secretKey": admin_secret}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
        ]
        for index, grant in enumerate(grants):
            actions = [f"Read:{buckets[b]}" for b in grant.reads] + [f"List:{buckets[b]}" for b in grant.reads]
            actions += [f"Write:{buckets[b]}" for b in grant.writes] + [f"Tagging:{buckets[b]}" for b in grant.writes]
            identities.append(
                {
                    "name": grant.consumer,
                    "credentials": [{"accessKey": rest[2 * index], "secretKey": rest[2 * index + 1]}],
                    "actions": actions,
                }
            )
        return json.dumps({"identities": identities}, indent=2)

    parts: list[pulumi.Output[str]] = [admin.access_key, admin.secret_key]
    for grant in grants:
        parts += [credentials[grant.consumer].access_key, credentials[grant.consumer].secret_key]
    return pulumi.Output.all(*parts).apply(render)
