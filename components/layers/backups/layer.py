"""Backups: the offsite bucket (pulumi-aws) and the nightly mirror into it.

Declared only when `backups.offsite.enabled` (by default in staging and prod). Composed in `__main__.py` from the
storage layer's outputs: the lake's bucket names, the in-cluster S3 endpoint, and the mirror's read-only
credential in the storage namespace.

* The offsite bucket, in `backups.offsite.region` on AWS or on the S3-compatible `backups.offsite.endpoint`:
  versioning, server-side encryption, a public-access block (AWS), a lifecycle that expires objects and old
  versions after `backups.retention_days`, and an object lock in governance mode with
  `backups.offsite.object_lock_days`. Protected against `pulumi destroy` with the other data stores.
* On AWS, an IAM user whose policy may list the bucket and write objects into it, nothing else (no delete: the
  mirror never deletes offsite), with an access key; elsewhere, the keys of secret config. Either way the keys go
  into a Secret of the storage namespace and nowhere else (no output).
* A CronJob two hours after the daily backups (and so after the nightly dbt run) that copies bronze, silver,
  gold and the backups bucket with rclone (mirror.py); `OffsiteMirrorMissing` alerts when it has not succeeded for
  26 hours.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.layers.backups.mirror import copy_commands, remote_environment, script
from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import RCLONE

MIRROR_HOURS_AFTER_BACKUPS = 2
"""Backups start on the hour, Dremio's at half past, dbt's nightly run before them: two hours covers all three."""
MIRROR_DEADLINE_SECONDS = 6 * 3600


@dataclass(frozen=True, kw_only=True)
class BackupsArgs:
    settings: PlatformSettings
    """Validated stack settings: `backups.*`."""
    namespace: pulumi.Input[str]
    """The storage namespace, where the mirror runs next to the object store."""
    buckets: Mapping[str, str]
    """Logical bucket → name (storage layer); the mirrored ones must be there."""
    s3_endpoint: str
    """The object store's in-cluster S3 endpoint (or the external store's)."""
    s3_region: str
    mirror_credentials: SecretRef
    """The mirror's read-only credential for the lake's buckets and the backups, in the storage namespace."""
    offsite_keys: tuple[pulumi.Output[str], pulumi.Output[str]] | None
    """(access key, secret key) from secret config, or None for the runner's ambient AWS credentials."""


class Backups(pulumi.ComponentResource):
    bucket: pulumi.Output[str]
    """The offsite bucket's name."""
    mirror_schedule: str

    def __init__(self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:backups:Backups", name, None, opts)
        settings = args.settings
        backups = settings.config.backups
        offsite = backups.offsite
        provider = self._aws_provider(name, args, self)
        guarded = pulumi.ResourceOptions(parent=self, provider=provider, protect=settings.protect_data or None)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        bucket = aws.s3.Bucket(
            f"{name}-offsite",
            bucket_prefix=offsite.bucket_prefix,
            object_lock_enabled=offsite.object_lock_days is not None,
            tags={"platform": "data-platform", "stack": settings.stack, "purpose": "offsite backups"},
            opts=guarded,
        )
        self.bucket = bucket.bucket
        versioning = aws.s3.BucketVersioning(
            f"{name}-offsite-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-offsite-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        if offsite.endpoint is None:
            aws.s3.BucketPublicAccessBlock(
                f"{name}-offsite-public-access",
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
                opts=child,
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-offsite-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="retention",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=backups.retention_days),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=backups.retention_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[versioning]),
        )
        if offsite.object_lock_days is not None:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-offsite-lock",
                bucket=bucket.id,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode="GOVERNANCE", days=offsite.object_lock_days
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[versioning]),
            )
        keys = self._mirror_keys(name, args, bucket, child)
        self.mirror_schedule = f"0 {(backups.base_backup_hour_utc + MIRROR_HOURS_AFTER_BACKUPS) % 24} * * *"
        self._mirror(name, args, keys, bucket.bucket)
        self.register_outputs({"bucket": self.bucket, "mirror_schedule": self.mirror_schedule})

    @staticmethod
    def _aws_provider(name: str, args: BackupsArgs, parent: pulumi.Resource) -> aws.Provider:
        offsite = args.settings.config.backups.offsite
        credentials = {"access_key": args.offsite_keys[0], "secret_key": args.offsite_keys[1]} if args.offsite_keys else {}
        if offsite.endpoint is None:
            return aws.Provider(f"{name}-aws", region=offsite.region, **credentials, opts=pulumi.ResourceOptions(parent=parent))
        # An S3-compatible service: no STS, no account id, path-style addressing.
        return aws.Provider(
            f"{name}-aws",
            region=offsite.region,
            endpoints=[aws.ProviderEndpointArgs(s3=offsite.endpoint)],
            s3_use_path_style=True,
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            skip_region_validation=True,
            **credentials,
            opts=pulumi.ResourceOptions(parent=parent),
        )

    def _mirror_keys(
        self, name: str, args: BackupsArgs, bucket: aws.s3.Bucket, child: pulumi.ResourceOptions
    ) -> SecretRef:
        """The mirror's offsite credential, as a Secret: an IAM user limited to this bucket on AWS, else the
        configured keys."""
        if args.settings.config.backups.offsite.endpoint is None:
            user = aws.iam.User(f"{name}-mirror-user", tags={"platform": "data-platform"}, opts=child)
            aws.iam.UserPolicy(
                f"{name}-mirror-policy",
                user=user.name,
                policy=bucket.arn.apply(mirror_policy),
                opts=child,
            )
            key = aws.iam.AccessKey(f"{name}-mirror-key", user=user.name, opts=child)
            access_key, secret_key = key.id, key.secret
        else:
            assert args.offsite_keys is not None, "settings require the offsite keys with an endpoint"
            access_key, secret_key = args.offsite_keys
        return kube.secret(
            f"{name}-mirror-offsite-credentials",
            namespace=args.namespace,
            data={ACCESS_KEY_ID: pulumi.Output.secret(access_key), SECRET_ACCESS_KEY: pulumi.Output.secret(secret_key)},
            parent=self,
        )

    def _mirror(self, name: str, args: BackupsArgs, offsite_keys: SecretRef, offsite_bucket: pulumi.Output[str]) -> None:
        settings = args.settings
        offsite = settings.config.backups.offsite
        spec = service("offsite_mirror")
        labels = kube.standard_labels(spec, instance=settings.instance, version=RCLONE.tag)
        plain = {
            **remote_environment("platform", endpoint=args.s3_endpoint, region=args.s3_region, provider="Other"),
            **remote_environment("offsite", endpoint=offsite.endpoint, region=offsite.region, provider="Other" if offsite.endpoint else "AWS"),
            "HOME": "/tmp",
            "RCLONE_CONFIG": "/tmp/rclone.conf",
        }
        scripts = k8s.core.v1.ConfigMap(
            f"{name}-mirror-script",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            data=offsite_bucket.apply(lambda bucket: {"mirror.sh": script(copy_commands(args.buckets, bucket))}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        container = kube.container(
            "rclone",
            image=RCLONE.reference,
            size=settings.services[spec.name],
            command=["sh", "/scripts/mirror.sh"],
            env=kube.env_vars(dict(sorted(plain.items()))),
            mounts=[
                kube.mount("scripts", "/scripts", read_only=True),
                kube.mount("platform", "/secrets/platform", read_only=True),
                kube.mount("offsite", "/secrets/offsite", read_only=True),
            ],
        )
        kube.cron_job(
            f"{name}-mirror",
            namespace=args.namespace,
            labels=labels,
            schedule=self.mirror_schedule,
            template=kube.job_template(
                labels=labels,
                containers=[container],
                volumes=[
                    kube.config_map_volume("scripts", scripts.metadata.name),
                    kube.secret_volume("platform", args.mirror_credentials.name),
                    kube.secret_volume("offsite", offsite_keys.name),
                ],
            ),
            deadline_seconds=MIRROR_DEADLINE_SECONDS,
            parent=self,
        )


def mirror_policy(bucket_arn: str) -> str:
    """List the offsite bucket and write objects into it: nothing broader, and no delete."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "List", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": bucket_arn},
                {
                    "Sid": "Write",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    "Resource": f"{bucket_arn}/*",
                },
            ],
        },
        sort_keys=True,
    )

