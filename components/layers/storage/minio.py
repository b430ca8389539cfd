"""MinIO as the lake's S3 store: one StatefulSet of servers, erasure-coded across hosts or zones.

MinIO's community edition is frozen upstream (no free images since October 2025, repositories archived
in 2026, Docker Hub images deleted); the last community release is pulled from quay.io by digest and
gets no security fixes. The `seaweedfs` backend is the maintained alternative (README, "Object storage").

Layout by topology (from `checks.placement.erasure_plan`, computed once at start-up): dev runs one server with one drive (no erasure
coding); staging 3 servers × 2 drives = one 6-drive set at EC:3, so losing a host (2 drives) keeps the
write quorum of 4; prod 6 servers × 2 drives spread 2 per zone = one 12-drive set at EC:4, so losing a
zone (4 drives) keeps the write quorum of 8.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import Zone, service
from components.platform.checks.placement import ErasurePlan
from components.platform.contracts import SecretRef
from components.platform.settings import PlatformSettings
from components.platform.versions import MINIO

STATEFULSET = "minio"
HEADLESS_SERVICE = "minio-hl"
CONFIG_DIR = "/etc/minio"
CONFIG_ENV_KEY = "config.env"


def config_env(access_key: pulumi.Input[str], secret_key: pulumi.Input[str]) -> pulumi.Output[str]:
    """The file MINIO_CONFIG_ENV_FILE points at (the format MinIO's own operator writes)."""
    return pulumi.Output.format('export MINIO_ROOT_USER="{0}"\nexport MINIO_ROOT_PASSWORD="{1}"\n', access_key, secret_key)


@dataclass(frozen=True, kw_only=True)
class MinioArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes, spreading, storage class, region, console Service type."""
    plan: ErasurePlan
    """The erasure layout, checked at start-up to survive the topology's failure."""
    namespace: pulumi.Input[str]
    """The storage namespace."""
    config_secret: SecretRef
    """Holds `config.env` (see `config_env`): the root credential as MinIO reads it from a file."""
    api_service_name: str
    """The fixed name of the S3 Service every backend shares."""


class Minio(pulumi.ComponentResource):
    """MinIO servers in one StatefulSet, their Services and disruption budget."""

    statefulset_name: pulumi.Output[str]

    def __init__(self, name: str, args: MinioArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:Minio", name, None, opts)
        settings = args.settings
        profile = settings.profile
        minio = service("minio")
        s3_port, console_port = minio.ports["s3"], minio.ports["console"]
        size = profile.services["minio"]
        labels = kube.standard_labels(minio, instance=settings.instance, version=MINIO.tag)
        match = kube.selector_labels(minio, instance=settings.instance)
        namespace_name = settings.namespace(Zone.STORAGE)
        kube.headless_service(
            f"{name}-headless",
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            ports={"s3": s3_port},
            parent=self,
            service_name=HEADLESS_SERVICE,
        )
        kube.cluster_service(
            f"{name}-api", namespace=args.namespace, labels=labels, match_labels=match, ports={"s3": s3_port},
            parent=self, service_name=args.api_service_name,
        )
        kube.cluster_service(
            f"{name}-console", namespace=args.namespace, labels=labels, match_labels=match,
            ports={"console": console_port}, parent=self, service_name=f"{STATEFULSET}-console",
            service_type=settings.config.object_storage.console_service_type,
        )

        drives = [f"data{index}" for index in range(size.volumes_per_replica)]
        env = [
            # The root credential is read from a mounted file, never from the pod's environment.
            k8s.core.v1.EnvVarArgs(name="MINIO_CONFIG_ENV_FILE", value=f"{CONFIG_DIR}/{CONFIG_ENV_KEY}"),
            k8s.core.v1.EnvVarArgs(name="MINIO_SITE_REGION", value=settings.config.object_storage.region),
            # Metrics without a bearer token: only Prometheus may reach them (NetworkPolicy), and they hold
            # no object data.
            k8s.core.v1.EnvVarArgs(name="MINIO_PROMETHEUS_AUTH_TYPE", value="public"),
            k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
        ]
        if args.plan.storage_class:
            env.append(k8s.core.v1.EnvVarArgs(name="MINIO_STORAGE_CLASS_STANDARD", value=args.plan.storage_class))

        readiness = kube.http_probe("/minio/health/ready", s3_port)
        server = kube.container(
            "minio",
            image=MINIO.reference,
            size=size,
            command=["minio"],
            args=[
                "server",
                "--address", f":{s3_port}",
                "--console-address", f":{console_port}",
                "--certs-dir", "/tmp/certs",
                *server_endpoints(size.replicas, len(drives), namespace_name),
            ],
            env=env,
            ports={"s3": s3_port, "console": console_port},
            mounts=[
                k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True),
                *(k8s.core.v1.VolumeMountArgs(name=drive, mount_path=f"/{drive}") for drive in drives),
            ],
            readiness=readiness,
            liveness=kube.http_probe("/minio/health/live", s3_port, failure_threshold=6),
            startup=kube.startup_budget(readiness, startup_seconds=300),
        )
        statefulset = kube.statefulset(
            f"{name}-servers",
            # Fixed: the servers find each other as minio-<n>.minio-hl, which MinIO's command line spells out.
            name=STATEFULSET,
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            service_name=HEADLESS_SERVICE,
            replicas=size.replicas,
            template=kube.pod_template(
                labels=labels,
                match_labels=match,
                containers=[server],
                spread_keys=profile.spread_topology_keys,
                volumes=[
                    k8s.core.v1.VolumeArgs(
                        name="config", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=args.config_secret.name)
                    )
                ],
            ),
            volume_claims=[
                kube.volume_claim_template(drive, storage_gib=size.storage_gib or 1, storage_class=profile.storage_class)
                for drive in drives
            ],
            protect=args.settings.protect_data,
            parent=self,
        )
        kube.disruption_budget(f"{name}-budget", namespace=args.namespace, labels=labels, match_labels=match, parent=self)
        self.statefulset_name = statefulset.metadata.name
        self.register_outputs({"statefulset_name": self.statefulset_name})


def server_endpoints(servers: int, drives_per_server: int, namespace: str) -> list[str]:
    """MinIO's server arguments: a local path for a single drive, else every peer and drive, using
    MinIO's `{0...n}` expansion (https://min.io/docs/minio/linux/reference/minio-server/minio-server.html)."""
    if servers == 1 and drives_per_server == 1:
        return ["/data0"]
    hosts = f"{STATEFULSET}-{{0...{servers - 1}}}.{HEADLESS_SERVICE}.{namespace}.svc.cluster.local"
    return [f"http://{hosts}/data{{0...{drives_per_server - 1}}}"]
