"""MetadataDatabase: PostgreSQL on CloudNativePG, with the Airbyte and Superset databases and continuous backups.

* Instances by topology: 1 (dev), 2 on different hosts (staging), 3 in different zones (prod), with
  required pod anti-affinity on the failure domain.
* Synchronous replication: prod waits for one of its two standbys on every commit
  (`dataDurability: required`: a commit acknowledged is on two zones); staging prefers its single
  standby but keeps accepting writes when that host is lost (`preferred`); dev has no standby.
* One role and database per grant (Airbyte, Superset, ...), with generated passwords (managed roles and
  `Database` resources). Each consumer gets its credential as a Secret in its own namespace.
* Backups through the Barman Cloud plugin (the in-tree `barmanObjectStore` is deprecated since
  CloudNativePG 1.26): WAL archiving and a daily base backup to the `backups` bucket, kept for
  `backups.retention_days`.
* The metrics exporter runs on every instance (port 9187); the monitoring layer scrapes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import Zone, service
from components.platform.contracts import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    BackupTarget,
    DatabaseGrant,
    DatabaseRef,
    SecretRef,
)
from components.platform.settings import PlatformSettings
from components.platform.topology import HOSTNAME_KEY, ZONE_KEY, FailureDomain
from components.platform.versions import POSTGRESQL

CLUSTER_NAME = "postgresql"
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
OBJECT_STORE_NAME = "postgresql-backups"
GRANT_SCRIPT = Path(__file__).with_name("scripts") / "grant-reader.sql"
"""Run by a database's owner: the read-only role's privileges (tests/layers/test_storage_reader.py runs it for real)."""


@dataclass(frozen=True, kw_only=True)
class MetadataDatabaseArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes, spreading, backup schedule and retention."""
    namespaces: dict[Zone, pulumi.Input[str]]
    """The cluster runs in `storage`; each grant's credential goes to its consumer's namespace."""
    backups: BackupTarget
    """Where WAL and base backups go."""
    operator_ready: list[pulumi.Resource]
    """CloudNativePG and its backup plugin, which must run before their resources are declared."""
    grants: Sequence[DatabaseGrant]
    """One role and database per grant."""


class MetadataDatabase(pulumi.ComponentResource):
    host: pulumi.Output[str]
    """Read-write Service of the primary."""
    databases: dict[str, DatabaseRef]
    """Grant → its database and credential."""
    readers: dict[str, tuple[str, pulumi.Output[str]]]
    """Grant with a reader → (the read-only role, its password as a secret Output)."""

    def __init__(self, name: str, args: MetadataDatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:MetadataDatabase", name, None, opts)
        settings = args.settings
        namespace = args.namespaces[Zone.STORAGE]
        port = service("postgresql").ports["postgres"]
        after_operator = pulumi.ResourceOptions(parent=self, depends_on=args.operator_ready)
        self.host = pulumi.Output.concat(CLUSTER_NAME, "-rw.", namespace, ".svc.cluster.local")

        passwords = {c.name: kube.generated_password(f"{name}-{c.name}-password", self) for c in args.grants}
        readers = [c for c in args.grants if c.reader]
        for c in readers:
            passwords[f"{c.name}_reader"] = kube.generated_password(f"{name}-{c.name}-reader-password", self)
        # CloudNativePG reads role passwords from basic-auth Secrets next to the cluster.
        role_secrets = {
            role: kube.secret(
                f"{name}-{role.replace('_', '-')}-role",
                namespace=namespace,
                data={"username": role, "password": password},
                secret_type="kubernetes.io/basic-auth",
                parent=self,
            )
            for role, password in passwords.items()
        }
        self.readers = {c.name: (f"{c.name}_reader", passwords[f"{c.name}_reader"]) for c in readers}
        self.databases = {
            c.name: DatabaseRef(
                host=self.host,
                port=port,
                database=c.name,
                credentials=kube.secret(
                    f"{name}-{c.name}-credentials",
                    namespace=args.namespaces[c.zone],
                    data={"username": c.name, "password": passwords[c.name], "host": self.host, "port": str(port), "database": c.name},
                    parent=self,
                ),
            )
            for c in args.grants
        }

        object_store = k8s.apiextensions.CustomResource(
            f"{name}-object-store",
            api_version="barmancloud.cnpg.io/v1",
            kind="ObjectStore",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=OBJECT_STORE_NAME, namespace=namespace, labels=self._labels(settings)),
            spec={
                "retentionPolicy": f"{settings.config.backups.retention_days}d",
                "configuration": {
                    "destinationPath": f"s3://{args.backups.bucket}/postgresql",
                    "endpointURL": args.backups.s3_endpoint,
                    "s3Credentials": {
                        "accessKeyId": {"name": args.backups.credentials.name, "key": ACCESS_KEY_ID},
                        "secretAccessKey": {"name": args.backups.credentials.name, "key": SECRET_ACCESS_KEY},
                    },
                    "wal": {"compression": "gzip"},
                    "data": {"compression": "gzip"},
                },
            },
            opts=after_operator,
        )
        cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster",
            api_version="postgresql.cnpg.io/v1",
            kind="Cluster",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                # Fixed: consumers connect to <name>-rw.<namespace>.svc.
                name=CLUSTER_NAME,
                namespace=namespace,
                labels=self._labels(settings),
            ),
            spec=cluster_spec(settings, role_secrets),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*args.operator_ready, object_store], protect=settings.protect_data or None
            ),
        )
        databases: dict[str, pulumi.Resource] = {}
        for consumer in args.grants:
            for database in (consumer.name, *consumer.extra_databases):
                resource = f"{name}-{consumer.name}-database" if database == consumer.name else f"{name}-{database.replace('_', '-')}-database"
                databases[database] = k8s.apiextensions.CustomResource(
                    resource,
                    api_version="postgresql.cnpg.io/v1",
                    kind="Database",
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=database.replace("_", "-"), namespace=namespace, labels=self._labels(settings)
                    ),
                    spec={"name": database, "owner": consumer.name, "cluster": {"name": CLUSTER_NAME}, "ensure": "present"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster]),
                )
        for c in readers:
            self._grant_reader(name, c.name, namespace, role_secrets[c.name], databases[c.name], settings)
        k8s.apiextensions.CustomResource(
            f"{name}-daily-backup",
            api_version="postgresql.cnpg.io/v1",
            kind="ScheduledBackup",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{CLUSTER_NAME}-daily", namespace=namespace, labels=self._labels(settings)),
            spec={
                # CloudNativePG's schedule has a seconds field first.
                "schedule": f"0 0 {settings.config.backups.base_backup_hour_utc} * * *",
                "immediate": True,
                "backupOwnerReference": "self",
                "cluster": {"name": CLUSTER_NAME},
                "method": "plugin",
                "pluginConfiguration": {"name": BARMAN_PLUGIN},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster]),
        )
        self.register_outputs(
            {
                "host": self.host,
                "databases": {name: ref.credentials.name for name, ref in self.databases.items()},
                "readers": {name: {"username": user, "password": password} for name, (user, password) in self.readers.items()},
            }
        )

    def _grant_reader(
        self, name: str, database: str, namespace: pulumi.Input[str], owner: SecretRef, after: pulumi.Resource, settings: PlatformSettings
    ) -> None:
        """The owner grants `<database>_reader` read access (CloudNativePG manages roles, not privileges)."""
        setup = service("storage_setup")
        scripts = k8s.core.v1.ConfigMap(
            f"{name}-{database}-reader-script",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=kube.platform_labels()),
            data={"grant-reader.sql": GRANT_SCRIPT.read_text()},
            opts=pulumi.ResourceOptions(parent=self),
        )
        kube.one_shot_job(
            f"{name}-{database}-reader-grants",
            namespace=namespace,
            labels=kube.standard_labels(setup, instance=settings.instance, version=POSTGRESQL.tag),
            image=POSTGRESQL.reference,
            size=settings.services[setup.name],
            command=[
                "sh", "-c",
                'until PGPASSWORD="$(cat /owner/password)" psql -v ON_ERROR_STOP=1 -v owner="$DATABASE" '
                '-v reader="${DATABASE}_reader" -f /scripts/grant-reader.sql; do echo "waiting for PostgreSQL"; sleep 10; done',
            ],
            env=[
                k8s.core.v1.EnvVarArgs(name="DATABASE", value=database),
                k8s.core.v1.EnvVarArgs(name="PGHOST", value=pulumi.Output.concat(CLUSTER_NAME, "-rw.", namespace, ".svc.cluster.local")),
                k8s.core.v1.EnvVarArgs(name="PGUSER", value=database),
                k8s.core.v1.EnvVarArgs(name="PGDATABASE", value=database),
                k8s.core.v1.EnvVarArgs(name="PGSSLMODE", value="require"),
            ],
            volumes=[kube.secret_volume("owner", owner.name), kube.config_map_volume("scripts", scripts.metadata.name)],
            mounts=[kube.mount("owner", "/owner", read_only=True), kube.mount("scripts", "/scripts", read_only=True)],
            depends_on=[after],
            parent=self,
        )

    @staticmethod
    def _labels(settings: PlatformSettings) -> dict[str, str]:
        return kube.standard_labels(service("postgresql"), instance=settings.instance, version=POSTGRESQL.tag)


RECOVERED_SERVER_NAME = f"{CLUSTER_NAME}-recovered"
"""Where a recovered cluster archives its WAL: a new server name, so the archive it recovered from stays intact."""


def recovery_spec(target: str) -> dict:
    """`bootstrap.recovery` from the Barman Cloud object store (CloudNativePG with the Barman Cloud plugin):
    the origin is an external cluster read through the plugin; `latest` replays the whole WAL archive."""
    recovery: dict = {"source": "origin"}
    if target != "latest":
        key = "backupID" if target[:8].isdigit() and "T" in target and "-" not in target else "targetTime"
        recovery["recoveryTarget"] = {key: target}
    return {
        "bootstrap": {"recovery": recovery},
        "externalClusters": [
            {
                "name": "origin",
                "plugin": {
                    "name": BARMAN_PLUGIN,
                    "parameters": {"barmanObjectName": OBJECT_STORE_NAME, "serverName": CLUSTER_NAME},
                },
            }
        ],
        "plugins": [
            {
                "name": BARMAN_PLUGIN,
                "isWALArchiver": True,
                "parameters": {"barmanObjectName": OBJECT_STORE_NAME, "serverName": RECOVERED_SERVER_NAME},
            }
        ],
    }


def cluster_spec(settings: PlatformSettings, role_secrets: dict[str, SecretRef]) -> dict:
    profile = settings.profile
    size = profile.services["postgresql"]
    entry = service("postgresql")
    failure_key = ZONE_KEY if profile.failure_domain is FailureDomain.ZONE else HOSTNAME_KEY
    spec: dict = {
        "instances": size.replicas,
        "imageName": POSTGRESQL.reference,
        "storage": {"size": f"{size.storage_gib}Gi", **({"storageClass": profile.storage_class} if profile.storage_class else {})},
        "resources": kube.resource_values(size),
        "affinity": {
            "enablePodAntiAffinity": True,
            "topologyKey": failure_key,
            # Two instances on one host (or zone) would be lost together; one host gets one instance.
            "podAntiAffinityType": "required" if size.replicas > 1 else "preferred",
        },
        "enablePDB": True,
        "primaryUpdateStrategy": "unsupervised",
        "primaryUpdateMethod": "switchover",
        # Pods inherit the platform's labels: the NetworkPolicies select them by dataplatform.io/service.
        "inheritedMetadata": {"labels": kube.standard_labels(entry, instance=settings.instance, version=POSTGRESQL.tag)},
        "postgresql": {
            "parameters": {
                "shared_buffers": f"{max(32, size.memory_request_mib // 4)}MB",
                "max_connections": "200",
            }
        },
        "managed": {
            "roles": [
                {"name": name, "ensure": "present", "login": True, "passwordSecret": {"name": ref.name}}
                for name, ref in role_secrets.items()
            ]
        },
        "plugins": [{"name": BARMAN_PLUGIN, "isWALArchiver": True, "parameters": {"barmanObjectName": OBJECT_STORE_NAME}}],
        "monitoring": {"enablePodMonitor": False},
    }
    restore = settings.config.restore.postgresql.from_backup
    if restore is not None:
        spec.update(recovery_spec(restore))
    if profile.spread_topology_keys:
        spec["topologySpreadConstraints"] = kube.spread_constraint_values(
            profile.spread_topology_keys, {"cnpg.io/cluster": CLUSTER_NAME}
        )
    if size.replicas >= 3:
        spec["postgresql"]["synchronous"] = {"method": "any", "number": 1, "dataDurability": "required"}
    elif size.replicas == 2:
        spec["postgresql"]["synchronous"] = {"method": "any", "number": 1, "dataDurability": "preferred"}
    return spec
