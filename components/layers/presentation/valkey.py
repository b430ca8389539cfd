"""Valkey: Superset's cache and Celery broker, one instance with its password and (per topology) persistence.

One instance by design (catalog: SINGLE): losing it loses cached results and queued async queries, which
Superset recomputes or the user runs again. With persistence (staging and prod by default, required in prod)
an append-only file on its volume keeps the queue across restarts. A redis_exporter sidecar (Valkey speaks
the Redis protocol) serves its metrics to Prometheus, reading the password from the mounted Secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi

from components.layers.presentation.config import valkey_conf
from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import REDIS_EXPORTER, VALKEY

SERVICE_NAME = "valkey"
EXPORTER_SHARE = {"cpu_request_millis": 5, "cpu_limit_millis": 100, "memory_request_mib": 16, "memory_limit_mib": 64}
"""What the redis_exporter sidecar takes out of the `valkey` row."""


@dataclass(frozen=True, kw_only=True)
class ValkeyArgs:
    settings: PlatformSettings
    """Validated stack settings: Valkey's size and persistence."""
    namespace: pulumi.Input[str]
    """The presentation namespace."""


class Valkey(pulumi.ComponentResource):
    host: str
    """The client Service's DNS name."""
    port: int
    password: SecretRef
    """Key `password`, in the presentation namespace."""

    def __init__(self, name: str, args: ValkeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:presentation:Valkey", name, None, opts)
        settings = args.settings
        spec = service("valkey")
        size, exporter_size = kube.share_out(settings.services["valkey"], EXPORTER_SHARE)
        self.port = spec.ports["redis"]
        self.host = f"{SERVICE_NAME}.{settings.namespace(spec.zone)}.svc.cluster.local"
        password = kube.generated_password(f"{name}-password", self)
        self.password = kube.secret(f"{name}-password", namespace=args.namespace, data={"password": password}, parent=self)
        config = kube.secret(
            f"{name}-config",
            namespace=args.namespace,
            data={
                "valkey.conf": password.apply(
                    lambda value: valkey_conf(value, persistence=settings.valkey_persistence, memory_limit_mib=size.memory_limit_mib)
                )
            },
            parent=self,
        )
        labels = kube.standard_labels(spec, instance=settings.instance, version=VALKEY.tag)
        match = kube.selector_labels(spec, instance=settings.instance)
        probe = kube.tcp_probe(self.port)
        server = kube.container(
            "valkey",
            image=VALKEY.reference,
            size=size,
            command=["valkey-server", "/etc/valkey/valkey.conf"],
            ports={"redis": self.port},
            mounts=[kube.mount("data", "/data"), kube.mount("config", "/etc/valkey", read_only=True)],
            readiness=probe,
            liveness=kube.tcp_probe(self.port, failure_threshold=6),
        )
        metrics_port = spec.ports["metrics"]
        exporter = kube.container(
            "metrics",
            image=REDIS_EXPORTER.reference,
            size=exporter_size,
            args=[
                f"--redis.addr=redis://localhost:{self.port}",
                "--redis.password-file=/etc/valkey-password/password.json",
                f"--web.listen-address=:{metrics_port}",
            ],
            ports={"metrics": metrics_port},
            mounts=[kube.mount("exporter-password", "/etc/valkey-password", read_only=True)],
            readiness=kube.http_probe("/health", metrics_port),
            liveness=kube.http_probe("/health", metrics_port, failure_threshold=6),
        )
        # redis_exporter reads passwords from a JSON map of address → password; the Secret holds that map.
        exporter_password = kube.secret(
            f"{name}-exporter-password",
            namespace=args.namespace,
            data={"password.json": password.apply(lambda value: json.dumps({f"redis://localhost:{self.port}": value}))},
            parent=self,
        )
        kube.headless_service(
            f"{name}-headless", service_name=f"{SERVICE_NAME}-hl", namespace=args.namespace, labels=labels,
            match_labels=match, ports=spec.ports, parent=self,
        )
        kube.cluster_service(
            f"{name}-client", service_name=SERVICE_NAME, namespace=args.namespace, labels=labels,
            match_labels=match, ports=spec.ports, parent=self,
        )
        kube.statefulset(
            f"{name}-server",
            name=SERVICE_NAME,
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            service_name=f"{SERVICE_NAME}-hl",
            replicas=size.replicas,
            template=kube.pod_template(
                labels=labels,
                match_labels=match,
                containers=[server, exporter],
                spread_keys=settings.profile.spread_topology_keys,
                volumes=[kube.secret_volume("config", config.name), kube.secret_volume("exporter-password", exporter_password.name)],
                # A new password or configuration restarts Valkey.
                annotations={"dataplatform.io/config": config.name},
            ),
            volume_claims=[
                kube.volume_claim_template("data", storage_gib=size.storage_gib or 1, storage_class=settings.profile.storage_class)
            ],
            parent=self,
        )
        self.register_outputs({"host": self.host, "port": self.port, "password": self.password.name})
