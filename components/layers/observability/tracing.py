"""Tracing (`observability.tracing`, on in staging and prod): an OpenTelemetry Collector and Jaeger v2.

* The collector receives OTLP (gRPC 4317, HTTP 4318): traces go on to Jaeger, metrics are served to
  Prometheus (port `metrics`). Prometheus and Grafana send it their own traces.
* Jaeger stores spans in Elasticsearch (daily `jaeger-span-<date>` indices, TLS verified against the platform
  CA) as the `jaeger` user, whose role owns `jaeger-*` only, and serves its UI and query API (Grafana's Jaeger
  data source). A daily Job deletes indices older than `observability.trace_retention_days`.
* Both configurations hold no secret: Jaeger reads its password from the environment (`${env:...}`), filled
  from the user's Secret.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.layers.observability.logging import CA_MOUNT, script
from components.platform import kube
from components.platform.catalog import ServiceSpec, service
from components.platform.contracts import CertificateAuthority, SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import CURL, JAEGER, OTEL_COLLECTOR

COLLECTOR_SERVICE = "otel-collector"
JAEGER_SERVICE = "jaeger"
CONFIG_MOUNT = "/etc/otelcol"
CLEANER_SCHEDULE = "15 3 * * *"
"""After the night's dbt run and backups (UTC)."""


@dataclass(frozen=True, kw_only=True)
class TracingArgs:
    settings: PlatformSettings
    namespace: pulumi.Input[str]
    """The observability namespace."""
    elasticsearch_url: str
    credentials: SecretRef
    """Jaeger's Elasticsearch user (`username`, `password`), in the observability namespace."""
    ca: CertificateAuthority


def collector_config(settings: PlatformSettings) -> dict[str, Any]:
    ports = service("otel_collector").ports
    jaeger = f"{JAEGER_SERVICE}.{settings.namespace(service('jaeger').zone)}.svc.cluster.local:{service('jaeger').ports['otlp-grpc']}"
    return {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"0.0.0.0:{ports['otlp-grpc']}"},
                    "http": {"endpoint": f"0.0.0.0:{ports['otlp-http']}"},
                }
            }
        },
        "processors": {
            "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
            "batch": {},
        },
        "exporters": {
            # Inside the pod network, which the NetworkPolicies restrict to this flow.
            "otlp/jaeger": {"endpoint": jaeger, "tls": {"insecure": True}},
            "prometheus": {"endpoint": f"0.0.0.0:{ports['metrics']}"},
        },
        "extensions": {"health_check": {"endpoint": f"0.0.0.0:{ports['health']}"}},
        "service": {
            "extensions": ["health_check"],
            "telemetry": {"metrics": {"readers": [{"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": ports["telemetry"]}}}}]}},
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["otlp/jaeger"]},
                "metrics": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["prometheus"]},
            },
        },
    }


def jaeger_config(settings: PlatformSettings, elasticsearch_url: str, ca_key: str) -> dict[str, Any]:
    ports = service("jaeger").ports
    replicas = min(1, settings.services["elasticsearch"].replicas - 1)
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["jaeger_storage_exporter"]}},
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                "metrics": {"level": "detailed", "readers": [{"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": ports["metrics"]}}}}]},
            },
        },
        "extensions": {
            "healthcheckv2": {"use_v2": True, "http": {"endpoint": f"0.0.0.0:{ports['health']}"}},
            "jaeger_query": {"storage": {"traces": "elasticsearch"}, "ui": {}, "http": {"endpoint": f"0.0.0.0:{ports['ui']}"}},
            "jaeger_storage": {
                "backends": {
                    "elasticsearch": {
                        "elasticsearch": {
                            "server_urls": [elasticsearch_url],
                            "auth": {"basic": {"username": "${env:ES_USER}", "password": "${env:ES_PASSWORD}"}},
                            "tls": {"ca_file": f"{CA_MOUNT}/{ca_key}"},
                            "indices": {
                                "spans": {"date_layout": "2006-01-02", "shards": 1, "replicas": replicas},
                                "services": {"date_layout": "2006-01-02", "shards": 1, "replicas": replicas},
                            },
                        }
                    }
                }
            },
        },
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{ports['otlp-grpc']}"}}}},
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "elasticsearch"}},
    }


class Tracing(pulumi.ComponentResource):
    otlp_endpoint: str
    """`host:port` of the collector's OTLP gRPC receiver."""
    query_url: str
    """Jaeger's UI and query API."""

    def __init__(self, name: str, args: TracingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:observability:Tracing", name, None, opts)
        self._name, self._args = name, args
        settings = args.settings
        collector, jaeger = service("otel_collector"), service("jaeger")
        namespace_name = settings.namespace(collector.zone)
        self.otlp_endpoint = f"{COLLECTOR_SERVICE}.{namespace_name}.svc.cluster.local:{collector.ports['otlp-grpc']}"
        self.query_url = f"http://{JAEGER_SERVICE}.{namespace_name}.svc.cluster.local:{jaeger.ports['ui']}"
        ca_volume = kube.config_map_volume("platform-ca", args.ca.config_map)
        ca_mount = kube.mount("platform-ca", CA_MOUNT, read_only=True)
        credentials_env = [
            k8s.core.v1.EnvVarArgs(
                name=variable,
                value_from=k8s.core.v1.EnvVarSourceArgs(secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=args.credentials.name, key=key)),
            )
            for variable, key in (("ES_USER", "username"), ("ES_PASSWORD", "password"))
        ]
        self._server(collector, COLLECTOR_SERVICE, OTEL_COLLECTOR.reference, OTEL_COLLECTOR.tag, collector_config(settings),
                     exposed=("otlp-grpc", "otlp-http"), env=[], extra_volumes=[], extra_mounts=[])
        self._server(jaeger, JAEGER_SERVICE, JAEGER.reference, JAEGER.tag,
                     jaeger_config(settings, args.elasticsearch_url, args.ca.key),
                     exposed=("otlp-grpc", "ui"), env=credentials_env, extra_volumes=[ca_volume], extra_mounts=[ca_mount],
                     annotations={"checkov.io/skip1": "CKV_K8S_35=Jaeger's configuration reads the Elasticsearch password from its environment"})
        self._cleaner(ca_volume, ca_mount)
        self.register_outputs({"otlp_endpoint": self.otlp_endpoint, "query_url": self.query_url})

    def _server(
        self,
        spec: ServiceSpec,
        service_name: str,
        image: str,
        version: str,
        config: dict[str, Any],
        *,
        exposed: tuple[str, ...],
        env: list[k8s.core.v1.EnvVarArgs],
        annotations: dict[str, str] | None = None,
        extra_volumes: list[k8s.core.v1.VolumeArgs],
        extra_mounts: list[k8s.core.v1.VolumeMountArgs],
    ) -> None:
        settings, namespace = self._args.settings, self._args.namespace
        size = settings.services[spec.name]
        labels = kube.standard_labels(spec, instance=settings.instance, version=version)
        match = kube.selector_labels(spec, instance=settings.instance)
        role = spec.kubernetes_name
        rendered = yaml.safe_dump(config, sort_keys=True)
        config_map = k8s.core.v1.ConfigMap(
            f"{self._name}-{role}-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=labels),
            data={"config.yaml": rendered},
            opts=pulumi.ResourceOptions(parent=self),
        )
        health = kube.http_probe("/", spec.ports["health"])
        container = kube.container(
            role,
            image=image,
            size=size,
            args=[f"--config={CONFIG_MOUNT}/config.yaml"],
            env=[k8s.core.v1.EnvVarArgs(name="GOMEMLIMIT", value=f"{size.memory_limit_mib * 8 // 10}MiB"), *env],
            ports=spec.ports,
            mounts=[kube.mount("config", CONFIG_MOUNT, read_only=True), *extra_mounts],
            readiness=health,
            liveness=kube.http_probe("/", spec.ports["health"], failure_threshold=6),
        )
        kube.deployment(
            f"{self._name}-{role}",
            namespace=namespace,
            labels=labels,
            match_labels=match,
            replicas=size.replicas,
            containers=[container],
            spread_keys=settings.profile.spread_topology_keys,
            volumes=[kube.config_map_volume("config", config_map.metadata.name), *extra_volumes],
            # A new configuration rolls the pods.
            pod_annotations={"dataplatform.io/config-sha256": hashlib.sha256(rendered.encode()).hexdigest()},
            parent=self,
            annotations=annotations,
        )
        kube.cluster_service(
            f"{self._name}-{role}-service",
            service_name=service_name,
            namespace=namespace,
            labels=labels,
            match_labels=match,
            ports={port: spec.ports[port] for port in exposed},
            parent=self,
        )
        if size.replicas > 1:
            kube.disruption_budget(f"{self._name}-{role}-budget", namespace=namespace, labels=labels, match_labels=match, parent=self)

    def _cleaner(self, ca_volume: k8s.core.v1.VolumeArgs, ca_mount: k8s.core.v1.VolumeMountArgs) -> None:
        settings, namespace = self._args.settings, self._args.namespace
        spec = service("trace_cleaner")
        labels = kube.standard_labels(spec, instance=settings.instance, version=JAEGER.tag)
        scripts = k8s.core.v1.ConfigMap(
            f"{self._name}-cleaner-script",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=labels),
            data={"trace-cleaner.sh": script("trace-cleaner.sh")},
            opts=pulumi.ResourceOptions(parent=self),
        )
        container = kube.container(
            "cleaner",
            image=CURL.reference,
            size=settings.services[spec.name],
            command=["sh", "/scripts/trace-cleaner.sh"],
            env=[
                k8s.core.v1.EnvVarArgs(name="ES_URL", value=self._args.elasticsearch_url),
                k8s.core.v1.EnvVarArgs(name="ES_CA", value=f"{CA_MOUNT}/{self._args.ca.key}"),
                k8s.core.v1.EnvVarArgs(name="ES_USER_FILE", value="/credentials/username"),
                k8s.core.v1.EnvVarArgs(name="ES_PASSWORD_FILE", value="/credentials/password"),
                k8s.core.v1.EnvVarArgs(name="RETENTION_DAYS", value=str(settings.config.observability.trace_retention_days)),
            ],
            mounts=[kube.mount("scripts", "/scripts", read_only=True), ca_mount, kube.mount("credentials", "/credentials", read_only=True)],
        )
        kube.cron_job(
            f"{self._name}-cleaner",
            namespace=namespace,
            labels=labels,
            schedule=CLEANER_SCHEDULE,
            template=kube.job_template(
                labels=labels,
                containers=[container],
                volumes=[kube.config_map_volume("scripts", scripts.metadata.name), ca_volume,
                         kube.secret_volume("credentials", self._args.credentials.name)],
            ),
            parent=self,
        )
