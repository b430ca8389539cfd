"""MinIO as the lake's S3 store: one StatefulSet of servers, erasure-coded across hosts or zones.

MinIO's community edition is frozen upstream (no free images since October 2025, repositories archived
in 2026, Docker Hub images deleted); the last community release is pulled from quay.io by digest and
gets no security fixes. The `seaweedfs` backend is the maintained alternative (README, "Object storage").

Layout by topology (from `placement.erasure_plan`): dev runs one server with one drive (no erasure
coding); staging 3 servers × 2 drives = one 6-drive set at EC:3, so losing a host (2 drives) keeps the
write quorum of 4; prod 6 servers × 2 drives spread 2 per zone = one 12-drive set at EC:4, so losing a
zone (4 drives) keeps the write quorum of 8.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.catalog import service
from components.storage.placement import ErasurePlan
from components.storage.references import SecretRef
from components.topology import Profile
from components.versions import MINIO

S3_PORT = 9000
CONSOLE_PORT = 9001
STATEFULSET = "minio"
HEADLESS_SERVICE = "minio-hl"
CONFIG_DIR = "/etc/minio"
CONFIG_ENV_KEY = "config.env"


def config_env(access_key: pulumi.Input[str], secret_key: pulumi.Input[str]) -> pulumi.Output[str]:
    """The file MINIO_CONFIG_ENV_FILE points at (the format MinIO's own operator writes)."""
    return pulumi.Output.format('export MINIO_ROOT_USER="{0}"\nexport MINIO_ROOT_PASSWORD="{1}"\n', access_key, secret_key)


@dataclass(frozen=True, kw_only=True)
class MinioDeployment:
    profile: Profile
    plan: ErasurePlan
    namespace: pulumi.Input[str]
    namespace_name: str
    """The namespace as a plain string, for the peers' DNS names in MinIO's command line."""
    instance: str
    region: str
    config_secret: SecretRef
    """Holds `config.env` (see `config_env`): the root credential as MinIO reads it from a file."""
    api_service_name: str
    console_service_type: str


def deploy_minio(spec: MinioDeployment, parent: pulumi.Resource) -> None:
    minio = service("minio")
    size = spec.profile.services["minio"]
    labels = kube.standard_labels(minio, instance=spec.instance, version=MINIO.tag)
    match = kube.selector_labels(minio, instance=spec.instance)
    kube.headless_service(
        HEADLESS_SERVICE,
        namespace=spec.namespace,
        labels=labels,
        match_labels=match,
        ports={"s3": S3_PORT},
        parent=parent,
    )
    _service(spec.api_service_name, spec, labels, match, {"s3": S3_PORT}, "ClusterIP", parent)
    _service(f"{STATEFULSET}-console", spec, labels, match, {"console": CONSOLE_PORT}, spec.console_service_type, parent)

    drives = [f"data{index}" for index in range(size.volumes_per_replica)]
    env = [
        # The root credential is read from a mounted file, never from the pod's environment.
        k8s.core.v1.EnvVarArgs(name="MINIO_CONFIG_ENV_FILE", value=f"{CONFIG_DIR}/{CONFIG_ENV_KEY}"),
        k8s.core.v1.EnvVarArgs(name="MINIO_SITE_REGION", value=spec.region),
        # Metrics without a bearer token: only Prometheus may reach them (NetworkPolicy), and they hold
        # no object data.
        k8s.core.v1.EnvVarArgs(name="MINIO_PROMETHEUS_AUTH_TYPE", value="public"),
        k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
    ]
    if spec.plan.storage_class:
        env.append(k8s.core.v1.EnvVarArgs(name="MINIO_STORAGE_CLASS_STANDARD", value=spec.plan.storage_class))

    readiness = kube.http_probe("/minio/health/ready", S3_PORT)
    k8s.apps.v1.StatefulSet(
        "minio",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            # Fixed: the servers find each other as minio-<n>.minio-hl, which MinIO's command line spells out.
            name=STATEFULSET,
            namespace=spec.namespace,
            labels=labels,
        ),
        spec=k8s.apps.v1.StatefulSetSpecArgs(
            service_name=HEADLESS_SERVICE,
            replicas=size.replicas,
            # Distributed MinIO starts only when its peers are up; ordered start-up would never get there.
            pod_management_policy="Parallel",
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=match),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                spec=k8s.core.v1.PodSpecArgs(
                    **kube.pod_spec_defaults(),
                    security_context=kube.pod_security_context(),
                    topology_spread_constraints=kube.spread_constraints(spec.profile.spread_topology_keys, match),
                    containers=[
                        k8s.core.v1.ContainerArgs(
                            name="minio",
                            image=MINIO.reference,
                            image_pull_policy="IfNotPresent",
                            command=["minio"],
                            args=[
                                "server",
                                "--address", f":{S3_PORT}",
                                "--console-address", f":{CONSOLE_PORT}",
                                "--certs-dir", "/tmp/certs",
                                *server_endpoints(size.replicas, len(drives), spec.namespace_name),
                            ],
                            env=env,
                            ports=[
                                k8s.core.v1.ContainerPortArgs(name="s3", container_port=S3_PORT),
                                k8s.core.v1.ContainerPortArgs(name="console", container_port=CONSOLE_PORT),
                            ],
                            resources=kube.resources(size),
                            security_context=kube.container_security_context(),
                            readiness_probe=readiness,
                            liveness_probe=kube.http_probe("/minio/health/live", S3_PORT, failure_threshold=6),
                            startup_probe=kube.startup_budget(readiness, startup_seconds=300),
                            volume_mounts=[
                                kube.TMP_MOUNT,
                                k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True),
                            ]
                            + [k8s.core.v1.VolumeMountArgs(name=drive, mount_path=f"/{drive}") for drive in drives],
                        )
                    ],
                    volumes=[
                        kube.TMP_VOLUME,
                        k8s.core.v1.VolumeArgs(
                            name="config", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=spec.config_secret.name)
                        ),
                    ],
                ),
            ),
            volume_claim_templates=[
                kube.volume_claim_template(drive, storage_gib=size.storage_gib or 1, storage_class=spec.profile.storage_class)
                for drive in drives
            ],
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    kube.disruption_budget("minio", namespace=spec.namespace, labels=labels, match_labels=match, parent=parent)


def server_endpoints(servers: int, drives_per_server: int, namespace: str) -> list[str]:
    """MinIO's server arguments: a local path for a single drive, else every peer and drive, using
    MinIO's `{0...n}` expansion (https://min.io/docs/minio/linux/reference/minio-server/minio-server.html)."""
    if servers == 1 and drives_per_server == 1:
        return ["/data0"]
    hosts = f"{STATEFULSET}-{{0...{servers - 1}}}.{HEADLESS_SERVICE}.{namespace}.svc.cluster.local"
    return [f"http://{hosts}/data{{0...{drives_per_server - 1}}}"]


def _service(
    name: str,
    spec: MinioDeployment,
    labels: dict[str, str],
    match: dict[str, str],
    ports: dict[str, int],
    service_type: str,
    parent: pulumi.Resource,
) -> None:
    k8s.core.v1.Service(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=spec.namespace, labels=labels),
        spec=k8s.core.v1.ServiceSpecArgs(
            type=service_type,
            selector=match,
            ports=[k8s.core.v1.ServicePortArgs(name=port_name, port=port, target_port=port) for port_name, port in ports.items()],
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
