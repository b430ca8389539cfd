"""ObjectStorage: the data lake's S3 store, whichever backend serves it, behind one interface.

Every backend gives the same outputs: the in-cluster S3 endpoint, the region, the bucket names, an
admin credential (a Secret reference plus secret Outputs for the program's own use), and a credential
per consumer (Airbyte, Dremio, backups) as a Secret in the consumer's namespace.

* `minio` and `seaweedfs` are deployed here (see their modules); credentials are generated with
  pulumi-random; each consumer gets its own S3 user limited to its buckets (MinIO: users and policies
  created by the set-up Job; SeaweedFS: identities in its configuration file).
* `external` deploys nothing; the credentials come from secret config, and S3 offers no standard way to
  create users, so every consumer gets that credential.

A set-up Job creates the buckets (`mc mb --ignore-existing`, so re-runs are harmless) against any
backend, and the MinIO users and policies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.catalog import ObjectStorageBackend, Zone, service
from components.settings import PlatformSettings
from components.storage import minio, seaweedfs
from components.storage.placement import erasure_plan, replication_plan
from components.storage.references import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    S3Credentials,
    SecretRef,
    generated_s3_credentials,
    secret,
)
from components.topology import FailureDomain
from components.versions import MINIO_CLIENT

BUCKETS = ("bronze", "silver", "gold", "logs", "backups")
API_SERVICE = "object-storage"
"""Fixed name of the S3 Service of every in-cluster backend, so the endpoint is the same for all of them."""


@dataclass(frozen=True)
class S3Consumer:
    name: str
    zone: Zone
    """Namespace (by zone) the consumer's Secret is written to."""
    reads: tuple[str, ...]
    writes: tuple[str, ...]


CONSUMERS = (
    S3Consumer("airbyte", Zone.INGESTION, reads=("bronze", "logs"), writes=("bronze", "logs")),
    S3Consumer("dremio", Zone.PROCESSING, reads=("bronze", "silver", "gold"), writes=("silver", "gold")),
    S3Consumer("backups", Zone.STORAGE, reads=("backups",), writes=("backups",)),
)


@dataclass(frozen=True, kw_only=True)
class ObjectStorageArgs:
    settings: PlatformSettings
    namespaces: dict[Zone, pulumi.Input[str]]
    external_credentials: S3Credentials | None = None
    """Required for the external backend (secret config), unused otherwise."""


class ObjectStorage(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]
    """S3 endpoint URL as seen from inside the cluster."""
    region: str
    buckets: dict[str, str]
    """Logical bucket (bronze, silver, gold, logs, backups) → bucket name."""
    admin_secret: SecretRef
    admin_credentials: S3Credentials
    consumer_secrets: dict[str, SecretRef]
    """Consumer (airbyte, dremio, backups) → its credential, in its own namespace."""

    def __init__(self, name: str, args: ObjectStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:ObjectStorage", name, None, opts)
        settings = args.settings
        storage = settings.object_storage
        backend = storage.backend
        namespace = args.namespaces[Zone.STORAGE]
        namespace_name = settings.namespace(Zone.STORAGE)
        self.region = storage.region
        self.buckets = {bucket: f"{storage.bucket_prefix}{bucket}" for bucket in BUCKETS}

        if backend is ObjectStorageBackend.EXTERNAL:
            if args.external_credentials is None:
                raise ValueError("the external object-storage backend needs external_credentials")
            self.endpoint = pulumi.Output.from_input(storage.external_endpoint or "")
            self.admin_credentials = args.external_credentials
            consumer_credentials = {consumer.name: args.external_credentials for consumer in CONSUMERS}
        else:
            self.endpoint = pulumi.Output.concat("http://", API_SERVICE, ".", namespace, ".svc.cluster.local:9000")
            self.admin_credentials = generated_s3_credentials(f"{name}-admin", self)
            consumer_credentials = {c.name: generated_s3_credentials(f"{name}-{c.name}", self) for c in CONSUMERS}

        self.admin_secret = self._credential_secret(f"{name}-admin", namespace, self.admin_credentials)
        self.consumer_secrets = {
            consumer.name: self._credential_secret(
                f"{name}-{consumer.name}", args.namespaces[consumer.zone], consumer_credentials[consumer.name]
            )
            for consumer in CONSUMERS
        }

        profile = settings.profile
        if backend is ObjectStorageBackend.MINIO:
            size = profile.services["minio"]
            config = secret(
                f"{name}-minio-config",
                namespace=namespace,
                data={minio.CONFIG_ENV_KEY: minio.config_env(self.admin_credentials.access_key, self.admin_credentials.secret_key)},
                parent=self,
            )
            minio.deploy_minio(
                minio.MinioDeployment(
                    profile=profile,
                    plan=erasure_plan(size.replicas, size.volumes_per_replica, profile.failure_domain_count),
                    namespace=namespace,
                    namespace_name=namespace_name,
                    instance=settings.instance,
                    region=storage.region,
                    config_secret=config,
                    api_service_name=API_SERVICE,
                    console_service_type=storage.console_service_type,
                ),
                self,
            )
        elif backend is ObjectStorageBackend.SEAWEEDFS:
            identities = secret(
                f"{name}-seaweedfs-identities",
                namespace=namespace,
                data={seaweedfs.S3_CONFIG_KEY: _seaweedfs_identities(self.admin_credentials, consumer_credentials, self.buckets)},
                parent=self,
            )
            services = profile.services
            seaweedfs.deploy_seaweedfs(
                seaweedfs.SeaweedfsDeployment(
                    profile=profile,
                    plan=replication_plan(
                        services["seaweedfs_master"].replicas,
                        services["seaweedfs_volume"].replicas,
                        services["seaweedfs_filer"].replicas,
                        profile.failure_domain_count,
                        zoned=profile.failure_domain is FailureDomain.ZONE,
                    ),
                    namespace=namespace,
                    namespace_name=namespace_name,
                    instance=settings.instance,
                    s3_config_secret=identities.name,
                    api_service_name=API_SERVICE,
                ),
                self,
            )
        self._setup_job(name, settings, namespace, backend, consumer_credentials)

        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "region": self.region,
                "buckets": self.buckets,
                "admin_secret": self.admin_secret.name,
                "consumer_secrets": {consumer: ref.name for consumer, ref in self.consumer_secrets.items()},
            }
        )

    def _credential_secret(self, name: str, namespace: pulumi.Input[str], credentials: S3Credentials) -> SecretRef:
        return secret(
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

    def _setup_job(
        self,
        name: str,
        settings: PlatformSettings,
        namespace: pulumi.Input[str],
        backend: ObjectStorageBackend,
        consumer_credentials: dict[str, S3Credentials],
    ) -> None:
        setup = service("storage_setup")
        labels = kube.standard_labels(setup, instance=settings.instance, version=MINIO_CLIENT.tag)
        # mc's alias "store" comes from a config file in a Secret (copied to a writable directory, since
        # mc rewrites its configuration): no credential in the pod's environment or spec.
        mc_config = secret(
            f"{name}-mc-config",
            namespace=namespace,
            data={"config.json": _mc_config(self.endpoint, self.admin_credentials, self.region)},
            parent=self,
        )
        env = [k8s.core.v1.EnvVarArgs(name="MC_CONFIG_DIR", value="/tmp/mc")]
        script = [
            "set -eu",
            "mkdir -p /tmp/mc && cp /mc/config.json /tmp/mc/config.json",
            'until mc ls store >/dev/null 2>&1; do echo "waiting for the object store"; sleep 5; done',
            *(f"mc mb --ignore-existing store/{bucket}" for bucket in self.buckets.values()),
        ]
        volumes = [k8s.core.v1.VolumeArgs(name="mc", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=mc_config.name))]
        mounts = [k8s.core.v1.VolumeMountArgs(name="mc", mount_path="/mc", read_only=True)]
        if backend is ObjectStorageBackend.MINIO:
            volumes, mounts = self._minio_users(name, namespace, labels, consumer_credentials, volumes, mounts)
            # `$$(` is how a shell's `$(` is written in a pod spec (Kubernetes would expand `$(` itself).
            script += [
                "provision() {",
                '  key="$$(cat /users/$1_access_key)"',
                '  mc admin policy create store "platform-$1" "/policies/$1.json"',
                '  mc admin user add store "$key" "$$(cat /users/$1_secret_key)"',
                '  mc admin user info store "$key" | grep -q "platform-$1" || mc admin policy attach store "platform-$1" --user "$key"',
                "}",
                *(f"provision {consumer.name}" for consumer in CONSUMERS),
            ]
        kube.one_shot_job(
            f"{name}-setup",
            namespace=namespace,
            labels=labels,
            image=MINIO_CLIENT.reference,
            script="\n".join(script),
            size=settings.services["storage_setup"],
            env=env,
            volumes=volumes,
            mounts=mounts,
            parent=self,
        )

    def _minio_users(
        self,
        name: str,
        namespace: pulumi.Input[str],
        labels: dict[str, str],
        consumer_credentials: dict[str, S3Credentials],
        volumes: list[k8s.core.v1.VolumeArgs],
        mounts: list[k8s.core.v1.VolumeMountArgs],
    ) -> tuple[list[k8s.core.v1.VolumeArgs], list[k8s.core.v1.VolumeMountArgs]]:
        """The consumers' keys (a Secret) and bucket policies (a ConfigMap) the set-up Job reads."""
        users = secret(
            f"{name}-minio-users",
            namespace=namespace,
            data={
                f"{consumer}_{part}": value
                for consumer, credentials in consumer_credentials.items()
                for part, value in (("access_key", credentials.access_key), ("secret_key", credentials.secret_key))
            },
            parent=self,
        )
        policies = k8s.core.v1.ConfigMap(
            f"{name}-minio-policies",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=labels),
            data={f"{c.name}.json": json.dumps(_bucket_policy(c, self.buckets), indent=2) for c in CONSUMERS},
            opts=pulumi.ResourceOptions(parent=self),
        )
        return (
            volumes
            + [
                k8s.core.v1.VolumeArgs(
                    name="policies", config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=policies.metadata.name)
                ),
                k8s.core.v1.VolumeArgs(name="users", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=users.name)),
            ],
            mounts
            + [
                k8s.core.v1.VolumeMountArgs(name="policies", mount_path="/policies", read_only=True),
                k8s.core.v1.VolumeMountArgs(name="users", mount_path="/users", read_only=True),
            ],
        )


def _mc_config(endpoint: pulumi.Input[str], admin: S3Credentials, region: str) -> pulumi.Output[str]:
    """mc's configuration file with one alias, "store", for the admin credential."""
    return pulumi.Output.all(endpoint, admin.access_key, admin.secret_key).apply(
        lambda values: json.dumps(
            {
                "version": "10",
                "aliases": {
                    "store": {
                        "url": values[0],
                        "accessKey": values[1],
                        "secretKey": values[2],
                        "api": "S3v4",
                        "path": "on",
                        "region": region,
                    }
                },
            },
            indent=2,
        )
    )


def _bucket_policy(consumer: S3Consumer, buckets: dict[str, str]) -> dict:
    """An S3 policy limiting a MinIO user to the consumer's buckets."""
    def arns(names: tuple[str, ...], objects: bool) -> list[str]:
        return [f"arn:aws:s3:::{buckets[name]}{'/*' if objects else ''}" for name in names]

    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": arns(consumer.reads, False)},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": arns(consumer.reads, True)},
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                "Resource": arns(consumer.writes, True),
            },
        ],
    }


def _seaweedfs_identities(
    admin: S3Credentials, consumers: dict[str, S3Credentials], buckets: dict[str, str]
) -> pulumi.Output[str]:
    """SeaweedFS's S3 identities file: the admin, and each consumer limited to its buckets."""
    by_name = {consumer.name: consumer for consumer in CONSUMERS}

    def render(values: list[str]) -> str:
        admin_key, admin_secret, *rest = values
        identities = [
            {"name": "admin", "credentials": [{"accessKey": admin_key, "secretKey": admin_secret}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
        ]
        for index, name in enumerate(consumers):
            consumer = by_name[name]
            actions = [f"Read:{buckets[b]}" for b in consumer.reads] + [f"List:{buckets[b]}" for b in consumer.reads]
            actions += [f"Write:{buckets[b]}" for b in consumer.writes] + [f"Tagging:{buckets[b]}" for b in consumer.writes]
            identities.append(
                {
                    "name": name,
                    "credentials": [{"accessKey": rest[2 * index], "secretKey": rest[2 * index + 1]}],
                    "actions": actions,
                }
            )
        return json.dumps({"identities": identities}, indent=2)

    parts: list[pulumi.Output[str]] = [admin.access_key, admin.secret_key]
    for credentials in consumers.values():
        parts += [credentials.access_key, credentials.secret_key]
    return pulumi.Output.all(*parts).apply(render)
