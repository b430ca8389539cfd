"""Superset: web (gunicorn), Celery workers and beat, and the migration Job, from the platform's image.

* Every pod runs as a non-root user with a read-only root filesystem; Superset writes `/app/superset_home`
  and `/tmp`, both volumes. `superset_config.py` comes from a ConfigMap and reads its secrets from mounted
  Secret files (`config.py`).
* The migration Job (`superset db upgrade`, `superset init`, the first administrator) is named after the
  image and the configuration, so it runs at the first deploy and again whenever either changes; the
  Deployments wait for it, so new pods never meet an old schema.
* Web and workers are spread over the failure domains, have a disruption budget when replicated, and an
  autoscaler where the topology gives a range (prod). Beat runs once (`Recreate`).
* The web pods carry a statsd-exporter sidecar that serves Superset's StatsD metrics to Prometheus; its
  resources are a fixed share of the `superset_web` row, so the pod requests exactly the row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.layers.presentation.config import (
    CA_DIR,
    SECRETS_DIR,
    STATSD_MAPPING,
    STATSD_PORT,
    SUPERSET_CONFIG,
    script,
)
from components.platform import kube
from components.platform.catalog import ServiceSpec, service
from components.platform.contracts import CertificateAuthority, DatabaseRef, SecretRef
from components.platform.settings import PlatformSettings
from components.platform.topology import ServiceSize
from components.platform.versions import STATSD_EXPORTER

SERVICE_NAME = "superset"
ADMIN_USERNAME = "admin"
SIDECAR_SHARE = {"cpu_request_millis": 10, "cpu_limit_millis": 100, "memory_request_mib": 32, "memory_limit_mib": 64}
"""What the statsd-exporter sidecar takes out of the `superset_web` row."""
CELERY_APP = "superset.tasks.celery_app:app"


@dataclass(frozen=True, kw_only=True)
class SupersetArgs:
    settings: PlatformSettings
    """Validated stack settings: the Superset rows of the topology, `superset.*`."""
    namespace: pulumi.Input[str]
    """The presentation namespace."""
    image: pulumi.Input[str]
    """The platform's Superset image, by digest."""
    database: DatabaseRef
    """The `superset` metadata database and its credential, in the presentation namespace."""
    valkey_host: str
    valkey_port: int
    valkey_password: SecretRef
    """Valkey's password (key `password`)."""
    ca: CertificateAuthority
    """The platform CA: Superset verifies Dremio's Flight certificate against it."""


class Superset(pulumi.ComponentResource):
    url: str
    """In-cluster URL of the web UI and API."""
    admin: SecretRef
    """The first administrator (keys `username`, `password`)."""
    admin_password: pulumi.Output[str]
    """A secret Output, for the program's own dynamic providers."""
    setup_job: k8s.batch.v1.Job
    """The migration Job: resources that use Superset's API depend on it."""

    def __init__(self, name: str, args: SupersetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:presentation:Superset", name, None, opts)
        self._name, self._args = name, args
        settings = args.settings
        web = service("superset_web")
        self.url = f"http://{SERVICE_NAME}.{settings.namespace(web.zone)}.svc.cluster.local:{web.ports['http']}"

        secret_key = kube.generated_password(f"{name}-secret-key", self, length=48)
        key_secret = kube.secret(f"{name}-secret-key", namespace=args.namespace, data={"SECRET_KEY": secret_key}, parent=self)
        self.admin_password = kube.generated_password(f"{name}-admin-password", self, every_class=True)
        self.admin = kube.secret(
            f"{name}-admin",
            namespace=args.namespace,
            data={"username": ADMIN_USERNAME, "password": self.admin_password},
            parent=self,
        )
        config = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=self._labels(web)),
            data={"superset_config.py": SUPERSET_CONFIG},
            opts=pulumi.ResourceOptions(parent=self),
        )
        scripts = k8s.core.v1.ConfigMap(
            f"{name}-scripts",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=self._labels(web)),
            data={"superset-init.sh": script("superset-init.sh"), "statsd-mapping.yml": STATSD_MAPPING},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._volumes = [
            kube.config_map_volume("config", config.metadata.name),
            kube.config_map_volume("scripts", scripts.metadata.name),
            kube.secret_volume("secret-key", key_secret.name),
            kube.secret_volume("database", args.database.credentials.name),
            kube.secret_volume("valkey", args.valkey_password.name),
            kube.config_map_volume("ca", args.ca.config_map),
            kube.empty_dir("home", "512Mi"),
        ]
        self._mounts = [
            kube.mount("config", "/app/pythonpath", read_only=True),
            kube.mount("secret-key", f"{SECRETS_DIR}/superset", read_only=True),
            kube.mount("database", f"{SECRETS_DIR}/database", read_only=True),
            kube.mount("valkey", f"{SECRETS_DIR}/valkey", read_only=True),
            kube.mount("ca", CA_DIR, read_only=True),
            kube.mount("home", "/app/superset_home"),
        ]
        self._env = {"VALKEY_HOST": args.valkey_host, "VALKEY_PORT": str(args.valkey_port), "SUPERSET_HOME": "/app/superset_home"}
        # The Job's name follows the image and the configuration: either changing runs the migrations again.
        revision = pulumi.Output.all(args.image, config.data).apply(
            lambda values: hashlib.sha256(repr(values).encode()).hexdigest()[:10]
        )
        self._annotations = {"dataplatform.io/config": config.metadata.name}
        self.setup_job = self._setup_job(revision)
        self._web(web)
        self._worker()
        self._beat()
        kube.cluster_service(
            f"{name}-client",
            service_name=SERVICE_NAME,
            namespace=args.namespace,
            labels=self._labels(web),
            match_labels=kube.selector_labels(web, instance=settings.instance),
            ports={"http": web.ports["http"]},
            parent=self,
        )
        self.register_outputs(
            {
                "url": self.url,
                "admin": self.admin.name,
                "admin_password": self.admin_password,
                "setup_job": self.setup_job.metadata.name,
            }
        )

    def _labels(self, entry: ServiceSpec) -> dict[str, str]:
        return kube.standard_labels(entry, instance=self._args.settings.instance, version="6.1.0")

    def _container(
        self,
        role: str,
        size: ServiceSize,
        *,
        command: list[str],
        env: dict[str, str] | None = None,
        mounts: list[k8s.core.v1.VolumeMountArgs] | None = None,
        ports: dict[str, int] | None = None,
        readiness: k8s.core.v1.ProbeArgs | None = None,
        liveness: k8s.core.v1.ProbeArgs | None = None,
        startup: k8s.core.v1.ProbeArgs | None = None,
    ) -> k8s.core.v1.ContainerArgs:
        """A container of the Superset image, with the configuration, the Secrets and the writable home."""
        return kube.container(
            role,
            image=self._args.image,
            size=size,
            command=command,
            env=kube.env_vars({**self._env, **(env or {})}),
            ports=ports,
            mounts=[*self._mounts, *(mounts or [])],
            readiness=readiness,
            liveness=liveness,
            startup=startup,
        )

    def _setup_job(self, revision: pulumi.Output[str]) -> k8s.batch.v1.Job:
        settings = self._args.settings
        spec = service("superset_setup")
        admin_volume = kube.secret_volume("admin", self.admin.name)
        init = self._container(
            "setup",
            settings.services[spec.name],
            command=["sh", "/scripts/superset-init.sh"],
            env={"ADMIN_DIR": f"{SECRETS_DIR}/admin", "ADMIN_EMAIL": settings.config.superset.admin_email},
            mounts=[kube.mount("scripts", "/scripts", read_only=True), kube.mount("admin", f"{SECRETS_DIR}/admin", read_only=True)],
        )
        labels = self._labels(spec)
        return k8s.batch.v1.Job(
            f"{self._name}-setup",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=revision.apply(lambda value: f"superset-setup-{value}"), namespace=self._args.namespace, labels=labels
            ),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=3,
                template=kube.job_template(labels=labels, containers=[init], volumes=[*self._volumes, admin_volume]),
            ),
            opts=pulumi.ResourceOptions(parent=self, custom_timeouts=pulumi.CustomTimeouts(create="20m", update="20m")),
        )

    def _web(self, spec: ServiceSpec) -> None:
        settings = self._args.settings
        size = settings.services[spec.name]
        main, sidecar = kube.share_out(size, SIDECAR_SHARE)
        http = spec.ports["http"]
        health = kube.http_probe("/health", http)
        server = self._container(
            "superset",
            main,
            command=["/usr/bin/run-server.sh"],
            env={
                "SUPERSET_PORT": str(http),
                "SERVER_WORKER_AMOUNT": str(max(1, min(4, size.cpu_limit_millis // 500))),
                "GUNICORN_TIMEOUT": "120",
                # gunicorn's own StatsD (every answer's status and duration) goes to the same sidecar.
                "SERVER_STATSD_HOST": "127.0.0.1",
                "SERVER_STATSD_PORT": str(STATSD_PORT),
            },
            ports={"http": http},
            readiness=health,
            liveness=kube.http_probe("/health", http, failure_threshold=6),
            startup=kube.startup_budget(health, startup_seconds=300),
        )
        metrics = spec.ports["metrics"]
        exporter = kube.container(
            "statsd-exporter",
            image=STATSD_EXPORTER.reference,
            size=sidecar,
            args=[
                f"--statsd.listen-udp=127.0.0.1:{STATSD_PORT}",
                "--statsd.listen-tcp=",
                f"--web.listen-address=:{metrics}",
                "--statsd.mapping-config=/etc/statsd/statsd-mapping.yml",
            ],
            ports={"metrics": metrics},
            mounts=[kube.mount("scripts", "/etc/statsd", read_only=True)],
            readiness=kube.tcp_probe(metrics),
            liveness=kube.tcp_probe(metrics, failure_threshold=6),
        )
        self._deployment(spec, [server, exporter], size)

    def _worker(self) -> None:
        settings = self._args.settings
        spec = service("superset_worker")
        size = settings.services[spec.name]
        # `inspect ping` asks this worker over the broker whether it answers: alive and connected.
        ping_command = ["sh", "-c", f'celery --app={CELERY_APP} inspect ping --destination "celery@$HOSTNAME" --timeout 10']
        ping = kube.exec_probe(ping_command, period_seconds=60, timeout_seconds=30)
        worker = self._container(
            "worker",
            size,
            command=["celery", f"--app={CELERY_APP}", "worker", "-O", "fair", "-l", "INFO",
                     f"--concurrency={max(1, size.cpu_limit_millis // 500)}"],
            readiness=ping,
            liveness=kube.exec_probe(ping_command, period_seconds=60, timeout_seconds=30, failure_threshold=5),
        )
        self._deployment(spec, [worker], size)

    def _beat(self) -> None:
        settings = self._args.settings
        spec = service("superset_beat")
        size = settings.services[spec.name]
        # Beat saves its schedule at least every five minutes: an old file means a stuck beat.
        fresh_command = ["sh", "-c", "find /tmp/celerybeat-schedule -mmin -15 | grep -q ."]
        fresh = kube.exec_probe(fresh_command, period_seconds=60)
        beat = self._container(
            "beat",
            size,
            command=["sh", "-c", f"rm -f /tmp/celerybeat.pid; exec celery --app={CELERY_APP} beat "
                     "--pidfile /tmp/celerybeat.pid --schedule /tmp/celerybeat-schedule -l INFO"],
            readiness=fresh,
            liveness=kube.exec_probe(fresh_command, period_seconds=60, failure_threshold=3),
            startup=kube.startup_budget(fresh, startup_seconds=600),
        )
        self._deployment(spec, [beat], size, one_at_most=True)

    def _deployment(
        self, spec: ServiceSpec, containers: list[k8s.core.v1.ContainerArgs], size: ServiceSize, *, one_at_most: bool = False
    ) -> None:
        settings, args = self._args.settings, self._args
        labels, match = self._labels(spec), kube.selector_labels(spec, instance=settings.instance)
        deployment = kube.deployment(
            f"{self._name}-{spec.component}",
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            replicas=kube.replicas_unless_autoscaled(size),
            containers=containers,
            spread_keys=settings.profile.spread_topology_keys,
            volumes=self._volumes,
            pod_annotations=self._annotations,
            parent=self,
            depends_on=[self.setup_job],
            one_at_most=one_at_most,
        )
        kube.autoscaler(
            f"{self._name}-{spec.component}-autoscaler",
            namespace=args.namespace,
            labels=labels,
            deployment_name=deployment.metadata.name,
            size=size,
            parent=self,
        )
        if size.replicas > 1 or size.autoscaled:
            kube.disruption_budget(
                f"{self._name}-{spec.component}-budget", namespace=args.namespace, labels=labels, match_labels=match, parent=self
            )
