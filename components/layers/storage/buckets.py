"""BucketSetup: the set-up Job that creates the lake's buckets on any backend, and MinIO's users.

`mc mb --ignore-existing` makes every re-run harmless. mc's alias "store" comes from a config file in a
Secret, copied to a writable directory since mc rewrites its configuration, so no credential is in the
pod's environment or spec. On MinIO the same Job creates one user per grant with a policy limited to its
buckets (S3 has no standard API for users, so the other backends do it their own way).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import S3Credentials, S3Grant
from components.platform.settings import PlatformSettings
from components.platform.versions import MINIO_CLIENT


@dataclass(frozen=True, kw_only=True)
class BucketSetupArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes of the Job."""
    namespace: pulumi.Input[str]
    """The storage namespace, where the Job runs."""
    endpoint: pulumi.Input[str]
    """The S3 endpoint as seen from inside the cluster."""
    region: str
    buckets: Mapping[str, str]
    """Logical bucket → bucket name: every one is created."""
    admin: S3Credentials
    """The credential the Job uses (secret Outputs)."""
    users: Mapping[str, S3Credentials]
    """MinIO only: the users to create, by grant; empty on other backends."""
    grants: Sequence[S3Grant]
    """Each user's buckets (MinIO policies)."""


class BucketSetup(pulumi.ComponentResource):
    job_name: pulumi.Output[str]

    def __init__(self, name: str, args: BucketSetupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:BucketSetup", name, None, opts)
        setup = service("storage_setup")
        labels = kube.standard_labels(setup, instance=args.settings.instance, version=MINIO_CLIENT.tag)
        mc_config = kube.secret(
            f"{name}-mc-config",
            namespace=args.namespace,
            data={"config.json": _mc_config(args.endpoint, args.admin, args.region)},
            parent=self,
        )
        env = [k8s.core.v1.EnvVarArgs(name="MC_CONFIG_DIR", value="/tmp/mc")]
        script = [
            "set -eu",
            "mkdir -p /tmp/mc && cp /mc/config.json /tmp/mc/config.json",
            'until mc ls store >/dev/null 2>&1; do echo "waiting for the object store"; sleep 5; done',
            *(f"mc mb --ignore-existing store/{bucket}" for bucket in args.buckets.values()),
        ]
        volumes = [k8s.core.v1.VolumeArgs(name="mc", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=mc_config.name))]
        mounts = [k8s.core.v1.VolumeMountArgs(name="mc", mount_path="/mc", read_only=True)]
        if args.users:
            volumes, mounts = self._minio_users(name, args, labels, volumes, mounts)
            # `$$(` is how a shell's `$(` is written in a pod spec (Kubernetes would expand `$(` itself).
            script += [
                "provision() {",
                '  key="$$(cat /users/$1_access_key)"',
                '  mc admin policy create store "platform-$1" "/policies/$1.json"',
                '  mc admin user add store "$key" "$$(cat /users/$1_secret_key)"',
                '  mc admin user info store "$key" | grep -q "platform-$1" || mc admin policy attach store "platform-$1" --user "$key"',
                "}",
                *(f"provision {grant.consumer}" for grant in args.grants),
            ]
        job = kube.one_shot_job(
            f"{name}-job",
            namespace=args.namespace,
            labels=labels,
            image=MINIO_CLIENT.reference,
            script="\n".join(script),
            size=args.settings.services["storage_setup"],
            env=env,
            volumes=volumes,
            mounts=mounts,
            parent=self,
        )
        self.job_name = job.metadata.name
        self.register_outputs({"job_name": self.job_name})

    def _minio_users(
        self,
        name: str,
        args: BucketSetupArgs,
        labels: dict[str, str],
        volumes: list[k8s.core.v1.VolumeArgs],
        mounts: list[k8s.core.v1.VolumeMountArgs],
    ) -> tuple[list[k8s.core.v1.VolumeArgs], list[k8s.core.v1.VolumeMountArgs]]:
        """The users' keys (a Secret) and bucket policies (a ConfigMap) the Job reads."""
        users = kube.secret(
            f"{name}-minio-users",
            namespace=args.namespace,
            data={
                f"{consumer}_{part}": value
                for consumer, credentials in args.users.items()
                for part, value in (("access_key", credentials.access_key), ("secret_key", credentials.secret_key))
            },
            parent=self,
        )
        policies = k8s.core.v1.ConfigMap(
            f"{name}-minio-policies",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            data={f"{g.consumer}.json": json.dumps(_bucket_policy(g, args.buckets), indent=2) for g in args.grants},
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


def _bucket_policy(grant: S3Grant, buckets: Mapping[str, str]) -> dict:
    """An S3 policy limiting a MinIO user to the grant's buckets."""

    def arns(names: tuple[str, ...], objects: bool) -> list[str]:
        return [f"arn:aws:s3:::{buckets[name]}{'/*' if objects else ''}" for name in names]

    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": arns(grant.reads, False)},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": arns(grant.reads, True)},
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                "Resource": arns(grant.writes, True),
            },
        ],
    }
