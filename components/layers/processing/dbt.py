"""DbtProject: the lakehouse's dbt project (`lakehouse/dbt/`) run against Dremio, nightly and at deploy time.

* The image (`images/dbt/`: dbt-core, dbt-dremio, the project and the platform's runner) is built and pushed
  by the program, tagged by the hash of what goes into it, or named by the stack (`images.dbt`).
* A CronJob runs `dbt build` on `dbt.schedule` (seeds only with `lakehouse.sample_data`).
* A Job runs the same build during `pulumi up`. Its name carries the project's hash: a changed project is a
  new Job, which `pulumi up` waits for, so resources that need the marts can depend on `deploy_job`; an
  unchanged one declares nothing new.
* Each run (`images/dbt/runner/`) creates Dremio's lake source and space if they are missing, uploads its
  artifacts to `<prefix>logs/dbt/<date>/<run id>/`, refreshes the reflections on the marts it built, and
  records itself in `dbt_run_history` of the `dbt` database.
* An exporter Deployment serves Prometheus metrics read from that history (model build times, test
  failures, the last run's outcome).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import CertificateAuthority, DatabaseRef, SecretRef
from components.platform.images import ImageSource, content_hash, image_reference
from components.platform.settings import PlatformSettings

DBT_IMAGE = ImageSource(name="dbt", inputs=("lakehouse/dbt",))
ARTIFACTS_PREFIX = "dbt"
"""Folder of the logs bucket that holds the runs' artifacts."""


@dataclass(frozen=True, kw_only=True)
class DbtProjectArgs:
    settings: PlatformSettings
    """Validated stack settings: `dbt.*`, `lakehouse.*`, `images.*`, the `dbt` sizes."""
    namespace: pulumi.Input[str]
    """The processing namespace."""
    dremio_host: str
    dremio_port: int
    """Dremio's REST API (TLS)."""
    lake_source: str
    space: str
    """Dremio's S3 source over the lake and the space of the views."""
    ca: CertificateAuthority
    """The CA Dremio's certificate comes from (its ConfigMap is in the namespace)."""
    admin: SecretRef
    """Dremio's administrator (keys `username`, `password`), which dbt runs as."""
    buckets: Mapping[str, str]
    """Logical bucket → bucket name: bronze, silver and gold for the models, logs for the artifacts."""
    lake_credentials: SecretRef
    """The processing S3 credential: the lake source is created with it when missing."""
    artifacts_credentials: SecretRef
    """An S3 credential that may write the logs bucket."""
    database: DatabaseRef
    """The `dbt` database, for the run history."""
    dremio_ready: pulumi.Resource
    """Dremio's set-up Job: the deploy-time build runs after it."""


class DbtProject(pulumi.ComponentResource):
    image: pulumi.Output[str]
    """The dbt image by digest."""
    project_hash: str
    """Hash of `lakehouse/dbt/` and `images/dbt/`: the image's tag and the deploy-time Job's name."""
    deploy_job: k8s.batch.v1.Job
    """The build run at deploy time: depend on it for anything that reads the marts."""
    schedule: str

    def __init__(self, name: str, args: DbtProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:processing:DbtProject", name, None, opts)
        settings = args.settings
        self._args = args
        job, exporter = service("dbt"), service("dbt_exporter")
        self.project_hash = content_hash(("images/dbt", *DBT_IMAGE.inputs))
        self.image = image_reference(f"{name}-image", DBT_IMAGE, settings, self)
        self.schedule = settings.config.dbt.schedule

        job_labels = kube.standard_labels(job, instance=settings.instance, version=self.project_hash)
        self.cron_job = kube.cron_job(
            f"{name}-nightly",
            namespace=args.namespace,
            labels=job_labels,
            schedule=self.schedule,
            template=self._pod(job_labels, run_kind="nightly"),
            deadline_seconds=settings.config.dbt.timeout_minutes * 60,
            # A failed build is not retried blindly: the failure is recorded and alerted on.
            retries=0,
            parent=self,
        )
        self.deploy_job = k8s.batch.v1.Job(
            f"{name}-deploy",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                # The project's hash in the name: another project is another Job, run during `pulumi up`.
                name=f"dbt-build-{self.project_hash}",
                namespace=args.namespace,
                labels=job_labels,
            ),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=1,
                active_deadline_seconds=settings.config.dbt.timeout_minutes * 60,
                template=self._pod(job_labels, run_kind="deploy"),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[args.dremio_ready],
                custom_timeouts=pulumi.CustomTimeouts(create=f"{settings.config.dbt.timeout_minutes + 10}m"),
            ),
        )

        exporter_labels = kube.standard_labels(exporter, instance=settings.instance, version=self.project_hash)
        exporter_match = kube.selector_labels(exporter, instance=settings.instance)
        metrics = exporter.ports["metrics"]
        probe = kube.http_probe("/healthz", metrics)
        server = kube.container(
            "exporter",
            image=self.image,
            size=settings.services["dbt_exporter"],
            args=["exporter"],
            env=kube.env_vars(
                {
                    "EXPORTER_PORT": str(metrics),
                    "DATABASE_CREDENTIALS_DIR": "/secrets/database",
                    # Dremio's recent queries (sys.jobs_recent), which only an administrator sees in full.
                    "DREMIO_HOST": args.dremio_host,
                    "DREMIO_PORT": str(args.dremio_port),
                    "DREMIO_USE_SSL": "true",
                    "REQUESTS_CA_BUNDLE": f"/ca/{args.ca.key}",
                    "DREMIO_CREDENTIALS_DIR": "/secrets/dremio",
                    "DREMIO_SLOW_QUERY_SECONDS": str(settings.config.processing.slow_query_seconds),
                }
            ),
            ports=exporter.ports,
            mounts=[
                kube.mount("database", "/secrets/database", read_only=True),
                kube.mount("dremio", "/secrets/dremio", read_only=True),
                kube.mount("ca", "/ca", read_only=True),
            ],
            readiness=probe,
            liveness=kube.http_probe("/healthz", metrics, failure_threshold=6),
        )
        kube.deployment(
            f"{name}-exporter",
            namespace=args.namespace,
            labels=exporter_labels,
            match_labels=exporter_match,
            replicas=settings.services["dbt_exporter"].replicas,
            containers=[server],
            spread_keys=settings.profile.spread_topology_keys,
            volumes=[
                kube.secret_volume("database", args.database.credentials.name),
                kube.secret_volume("dremio", args.admin.name),
                kube.config_map_volume("ca", args.ca.config_map),
            ],
            parent=self,
        )
        self.register_outputs(
            {
                "image": self.image,
                "project_hash": self.project_hash,
                "deploy_job": self.deploy_job.metadata.name,
                "schedule": self.schedule,
            }
        )

    def _pod(self, labels: Mapping[str, str], *, run_kind: str) -> k8s.core.v1.PodTemplateSpecArgs:
        args, settings = self._args, self._args.settings
        buckets = args.buckets
        build = kube.container(
            "dbt",
            image=self.image,
            size=settings.services["dbt"],
            args=["build"],
            env=kube.env_vars(
                {
                    "RUN_KIND": run_kind,
                    "SAMPLE_DATA": str(settings.sample_data).lower(),
                    "DREMIO_HOST": args.dremio_host,
                    "DREMIO_PORT": str(args.dremio_port),
                    "DREMIO_USE_SSL": "true",
                    # dbt-dremio talks to Dremio with requests, which trusts this bundle.
                    "REQUESTS_CA_BUNDLE": f"/ca/{args.ca.key}",
                    "DREMIO_LAKE_SOURCE": args.lake_source,
                    "DREMIO_SPACE": args.space,
                    "LAKE_BRONZE": buckets["bronze"],
                    "LAKE_SILVER": buckets["silver"],
                    "LAKE_GOLD": buckets["gold"],
                    "LOGS_BUCKET": buckets["logs"],
                    "ARTIFACTS_PREFIX": ARTIFACTS_PREFIX,
                    "DBT_THREADS": str(max(1, settings.services["dbt"].cpu_limit_millis // 250)),
                    "DBT_TARGET_PATH": "/work/target",
                    "DBT_LOG_PATH": "/work/logs",
                    "DREMIO_CREDENTIALS_DIR": "/secrets/dremio",
                    "LAKE_CREDENTIALS_DIR": "/secrets/lake",
                    "ARTIFACTS_CREDENTIALS_DIR": "/secrets/artifacts",
                    "DATABASE_CREDENTIALS_DIR": "/secrets/database",
                }
            ),
            mounts=[
                kube.mount("work", "/work"),
                kube.mount("ca", "/ca", read_only=True),
                *(kube.mount(secret, f"/secrets/{secret}", read_only=True) for secret in ("dremio", "lake", "artifacts", "database")),
            ],
        )
        return kube.job_template(
            labels=labels,
            containers=[build],
            restart_policy="Never",
            volumes=[
                kube.empty_dir("work", "512Mi"),
                kube.config_map_volume("ca", args.ca.config_map),
                kube.secret_volume("dremio", args.admin.name),
                kube.secret_volume("lake", args.lake_credentials.name),
                kube.secret_volume("artifacts", args.artifacts_credentials.name),
                kube.secret_volume("database", args.database.credentials.name),
            ],
        )
