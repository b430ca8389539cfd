"""Container logs into Elasticsearch: Fluent Bit (chart 0.58.1) on every host, and the indices' lifecycle.

* Fluent Bit runs as a DaemonSet in the `node-agents` namespace (privileged: it reads the host's
  `/var/log`), tails every container's log, parses JSON lines into fields, adds the pod's Kubernetes
  metadata, and ships to Elasticsearch over TLS (verified against the platform CA) as the `log_shipper` user,
  whose role may only create `logs-*` indices. Its password reaches the pod as an environment variable
  from the user's Secret, the only way Fluent Bit reads one.
* Each line goes to the daily index `logs-<service>-<YYYY.MM.DD>` (scripts/log-index.lua names the service).
* A set-up Job registers the lifecycle policy `logs-retention` (delete after `logging.retention_days`) and
  the template that gives every `logs-*` index that policy (scripts/log-setup.sh).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import service
from components.platform.contracts import CertificateAuthority, SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import CURL, FLUENT_BIT

SCRIPTS = Path(__file__).with_name("scripts")
CA_MOUNT = "/etc/platform-ca"


def script(name: str) -> str:
    return (SCRIPTS / name).read_text()


@dataclass(frozen=True, kw_only=True)
class LogShippingArgs:
    settings: PlatformSettings
    namespace: pulumi.Input[str]
    """The node-agents namespace."""
    elasticsearch_host: str
    """The HTTP Service's DNS name (its certificate names it)."""
    elasticsearch_port: int
    credentials: SecretRef
    """The log shipper's user (`username`, `password`), in the node-agents namespace."""
    ca: CertificateAuthority


def fluent_bit_values(args: LogShippingArgs) -> dict[str, Any]:
    settings = args.settings
    metrics = service("log_agent").ports["metrics"]
    return {
        "kind": "DaemonSet",
        "resources": kube.resource_values(settings.services["log_agent"]),
        "metricsPort": metrics,
        "testFramework": {"enabled": False},
        "serviceMonitor": {"enabled": False},
        "rbac": {"create": True},
        # Root reads the host's container logs; the namespace is "privileged" for this (and node-exporter).
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "env": [
            {"name": "ES_USER", "valueFrom": {"secretKeyRef": {"name": args.credentials.name, "key": "username"}}},
            {"name": "ES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": args.credentials.name, "key": "password"}}},
        ],
        "extraVolumes": [{"name": "platform-ca", "configMap": {"name": args.ca.config_map}}],
        "extraVolumeMounts": [{"name": "platform-ca", "mountPath": CA_MOUNT, "readOnly": True}],
        "luaScripts": {"log-index.lua": script("log-index.lua")},
        "config": {
            "inputs": "\n".join(
                [
                    "[INPUT]",
                    "    Name tail",
                    "    Path /var/log/containers/*.log",
                    "    multiline.parser docker, cri",
                    "    Tag kube.*",
                    "    Mem_Buf_Limit 5MB",
                    "    Skip_Long_Lines On",
                    # Offsets survive a restart, so lines are neither lost nor shipped twice.
                    "    DB /var/log/fluent-bit-kube.db",
                ]
            ),
            "filters": "\n".join(
                [
                    "[FILTER]",
                    "    Name kubernetes",
                    "    Match kube.*",
                    "    Merge_Log On",
                    "    Keep_Log Off",
                    "    K8S-Logging.Parser On",
                    "    K8S-Logging.Exclude On",
                    "",
                    "[FILTER]",
                    "    Name lua",
                    "    Match kube.*",
                    "    script /fluent-bit/scripts/log-index.lua",
                    "    call set_index",
                ]
            ),
            "outputs": "\n".join(
                [
                    "[OUTPUT]",
                    "    Name es",
                    "    Match kube.*",
                    f"    Host {args.elasticsearch_host}",
                    f"    Port {args.elasticsearch_port}",
                    "    HTTP_User ${ES_USER}",
                    "    HTTP_Passwd ${ES_PASSWORD}",
                    "    tls On",
                    "    tls.verify On",
                    f"    tls.ca_file {CA_MOUNT}/{args.ca.key}",
                    "    Logstash_Format On",
                    "    Logstash_Prefix logs-unknown",
                    "    Logstash_Prefix_Key $log_index",
                    "    Logstash_DateFormat %Y.%m.%d",
                    "    Suppress_Type_Name On",
                    "    Replace_Dots On",
                    "    Generate_ID On",
                    "    Trace_Error On",
                    "    Retry_Limit 10",
                ]
            ),
        },
    }


class LogShipping(pulumi.ComponentResource):
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: LogShippingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:observability:LogShipping", name, None, opts)
        settings = args.settings
        setup = service("log_setup")
        es_url = f"https://{args.elasticsearch_host}:{args.elasticsearch_port}"
        labels = kube.standard_labels(setup, instance=settings.instance, version=FLUENT_BIT.app_version)
        scripts = k8s.core.v1.ConfigMap(
            f"{name}-scripts",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            data={"log-setup.sh": script("log-setup.sh")},
            opts=pulumi.ResourceOptions(parent=self),
        )
        job = kube.one_shot_job(
            f"{name}-setup",
            namespace=args.namespace,
            labels=labels,
            image=CURL.reference,
            command=["sh", "/scripts/log-setup.sh"],
            size=settings.services["log_setup"],
            env=[
                k8s.core.v1.EnvVarArgs(name="ES_URL", value=es_url),
                k8s.core.v1.EnvVarArgs(name="ES_CA", value=f"{CA_MOUNT}/{args.ca.key}"),
                k8s.core.v1.EnvVarArgs(name="ES_USER_FILE", value="/credentials/username"),
                k8s.core.v1.EnvVarArgs(name="ES_PASSWORD_FILE", value="/credentials/password"),
                k8s.core.v1.EnvVarArgs(name="RETENTION_DAYS", value=str(settings.config.logging.retention_days)),
                # A changed script changes the Job, which replaces it and runs it again.
                k8s.core.v1.EnvVarArgs(name="SCRIPT_SHA256", value=hashlib.sha256(script("log-setup.sh").encode()).hexdigest()),
                k8s.core.v1.EnvVarArgs(name="REPLICAS", value=str(min(1, settings.services["elasticsearch"].replicas - 1))),
            ],
            volumes=[
                kube.config_map_volume("scripts", scripts.metadata.name),
                kube.config_map_volume("platform-ca", args.ca.config_map),
                kube.secret_volume("credentials", args.credentials.name),
            ],
            mounts=[
                kube.mount("scripts", "/scripts", read_only=True),
                kube.mount("platform-ca", CA_MOUNT, read_only=True),
                kube.mount("credentials", "/credentials", read_only=True),
            ],
            parent=self,
        )
        # Indices created before the template exists would miss the lifecycle policy: the Job goes first.
        self.release = kube.chart_release(
            f"{name}-fluent-bit", FLUENT_BIT, namespace=args.namespace, values=fluent_bit_values(args), parent=self, depends_on=[job]
        )
        self.register_outputs({"release": self.release.urn})
