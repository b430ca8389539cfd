"""Processing: the lakehouse engine (Dremio OSS with its ZooKeeper ensemble) and the dbt project that
transforms the lake, as one layer.

Composed in `__main__.py` from the storage layer's outputs (the S3 endpoint and region, the bucket
names, the processing namespace's S3 credentials, the `dbt` database) and the platform CA.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.layers.processing.dbt import DbtProject, DbtProjectArgs
from components.layers.processing.dremio import Dremio, DremioArgs
from components.layers.processing.maintenance import BACKUPS_FOLDER, DremioMaintenance, MaintenanceArgs
from components.layers.processing.zookeeper import Zookeeper, ZookeeperArgs
from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import CertificateAuthority, DatabaseRef, QueryEngine, SecretRef
from components.platform.settings import PlatformSettings

ADMIN_USERNAME = "platform_admin"
"""Dremio's first administrator, created by the set-up Job; the providers and dbt log in as it."""
LAKE_SOURCE = "lake"
"""Dremio's S3 source over the lake's buckets."""
SPACE = "lakehouse"
"""Dremio's space for the lakehouse's views."""


@dataclass(frozen=True, kw_only=True)
class ProcessingArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes, `processing.*`, `backups.*`."""
    namespace: pulumi.Input[str]
    """The processing namespace (from the network layer)."""
    s3_endpoint: pulumi.Input[str]
    """The object store's S3 endpoint as seen from inside the cluster (storage layer)."""
    s3_region: str
    buckets: Mapping[str, str]
    """Logical bucket → bucket name (storage layer); must include `processing.dist_bucket` and `backups`."""
    s3_credentials: SecretRef
    """The processing credential: read on bronze, read-write on silver, gold and Dremio's bucket."""
    backup_credentials: SecretRef
    """Write access to the backups bucket, for the metadata backup's copy step only."""
    artifacts_credentials: SecretRef
    """Write access to the logs bucket, for dbt's run artifacts."""
    dbt_database: DatabaseRef
    """The `dbt` database (run history), with its credential in the processing namespace."""
    ca: CertificateAuthority
    """The platform CA: signs Dremio's certificate; clients verify against it."""
    issuer_ready: pulumi.Resource
    """The CA's ClusterIssuer: certificates are requested after it exists."""


class Processing(pulumi.ComponentResource):
    query_engine: QueryEngine
    """How other layers reach Dremio (endpoints, CA, administrator)."""
    admin_secret: SecretRef
    ready: pulumi.Resource
    """Dremio's set-up Job: the coordinator answers and its first administrator exists."""
    backup_schedule: str
    dbt: DbtProject
    """The dbt project: its `deploy_job` is what resources reading the marts depend on."""

    def __init__(self, name: str, args: ProcessingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:processing:Processing", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        dist_bucket = args.buckets[settings.config.processing.dist_bucket]

        zookeeper = Zookeeper(f"{name}-zookeeper", ZookeeperArgs(settings=settings, namespace=args.namespace), opts=child)
        dremio = Dremio(
            f"{name}-dremio",
            DremioArgs(
                settings=settings,
                namespace=args.namespace,
                zookeeper=zookeeper.connect_string,
                s3_endpoint=args.s3_endpoint,
                s3_region=args.s3_region,
                dist_bucket=dist_bucket,
                s3_credentials=args.s3_credentials,
                issuer=args.ca.issuer,
                issuer_ready=args.issuer_ready,
                backups_bucket=args.buckets["backups"],
                backups_prefix=BACKUPS_FOLDER,
                backup_credentials=args.backup_credentials,
            ),
            opts=child,
        )
        admin_password = kube.generated_password(f"{name}-admin-password", self, every_class=True)
        self.admin_secret = kube.secret(
            f"{name}-admin",
            namespace=args.namespace,
            data={"username": ADMIN_USERNAME, "password": admin_password},
            parent=self,
        )
        maintenance = DremioMaintenance(
            f"{name}-maintenance",
            MaintenanceArgs(
                settings=settings,
                namespace=args.namespace,
                web_url=dremio.web_url,
                ca=args.ca,
                admin=self.admin_secret,
                dist_bucket=dist_bucket,
                backups_bucket=args.buckets["backups"],
                dist_credentials=args.s3_credentials,
                backup_credentials=args.backup_credentials,
                coordinator=dremio.coordinator,
            ),
            opts=child,
        )
        self.backup_schedule = maintenance.backup_schedule
        self.ready = maintenance.setup_job
        self.dbt = DbtProject(
            f"{name}-dbt",
            DbtProjectArgs(
                settings=settings,
                namespace=args.namespace,
                dremio_host=dremio.host,
                dremio_port=service("dremio_coordinator").ports["web"],
                lake_source=LAKE_SOURCE,
                space=SPACE,
                ca=args.ca,
                admin=self.admin_secret,
                buckets=args.buckets,
                lake_credentials=args.s3_credentials,
                artifacts_credentials=args.artifacts_credentials,
                database=args.dbt_database,
                dremio_ready=maintenance.setup_job,
            ),
            opts=child,
        )
        self.query_engine = QueryEngine(
            web_url=dremio.web_url,
            flight_host=dremio.host,
            flight_port=service("dremio_coordinator").ports["flight"],
            ca=args.ca,
            admin=self.admin_secret,
            admin_username=ADMIN_USERNAME,
            admin_password=admin_password,
            lake_source=LAKE_SOURCE,
            space=SPACE,
        )
        self.register_outputs(
            {
                "query_engine": {
                    "web_url": self.query_engine.web_url,
                    "flight_host": self.query_engine.flight_host,
                    "flight_port": self.query_engine.flight_port,
                    "admin_secret": self.admin_secret.name,
                    "admin_username": ADMIN_USERNAME,
                    "admin_password": self.query_engine.admin_password,
                },
                "admin_secret": self.admin_secret.name,
                "backup_schedule": self.backup_schedule,
                "dbt": self.dbt.urn,
                "ready": self.ready.urn,
            }
        )
