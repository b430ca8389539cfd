"""SeaweedFS as the lake's S3 store: raft masters, replicated volume servers, and filers serving S3.

* Masters (1, or 3 spread over the failure domains) keep the volume layout by raft consensus.
* Volume servers hold the data. Each zone is one SeaweedFS rack, with its own StatefulSet pinned to
  the zone, so replication "010" keeps every volume's second copy in another zone; without zones one
  group spreads over the hosts and "001" keeps the copy on another server, hence another host.
* Filers keep the file metadata in their own volume and share it through a filer group
  (`-filerGroup`); each serves the S3 API, behind the same `object-storage` Service as MinIO's.

S3 identities (admin and one per consumer, restricted to their buckets) come from a Secret written by
the object-storage component; SeaweedFS has no user-management API to call.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import ServiceSpec, Zone, service
from components.platform.checks.placement import ReplicationPlan
from components.platform.settings import PlatformSettings
from components.platform.topology import ZONE_KEY
from components.platform.versions import SEAWEEDFS

S3_CONFIG_KEY = "s3.json"
RACK_LABEL = "dataplatform.io/rack"
DEFAULT_RACK = "default"
VOLUMES_PER_DISK = 8
"""SeaweedFS volumes each data disk must hold; the volume size limit is derived from it."""


@dataclass(frozen=True, kw_only=True)
class SeaweedfsArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes, spreading, storage class, zones."""
    plan: ReplicationPlan
    """The replication layout, checked at start-up to survive the topology's failure."""
    namespace: pulumi.Input[str]
    """The storage namespace."""
    s3_config_secret: pulumi.Input[str]
    """Secret holding the S3 identities file under `s3.json`."""
    api_service_name: str
    """The fixed name of the S3 Service every backend shares."""


class Seaweedfs(pulumi.ComponentResource):
    """SeaweedFS masters, volume servers (one group per rack) and filers serving S3."""

    master_addresses: str
    """The masters' `host:port` list, as every SeaweedFS role is given it."""

    def __init__(self, name: str, args: SeaweedfsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:storage:Seaweedfs", name, None, opts)
        self._name, self._args = name, args
        profile = args.settings.profile
        master, volume, filer = service("seaweedfs_master"), service("seaweedfs_volume"), service("seaweedfs_filer")
        self.master_addresses = ",".join(
            f"{self._pod_host(master, ordinal)}:{master.ports['http']}" for ordinal in range(args.plan.masters)
        )

        volume_size = profile.services["seaweedfs_volume"]
        volume_limit_mib = max(1024, min(30000, (volume_size.storage_gib or 1) * 1024 // VOLUMES_PER_DISK))
        self._role_services(master)
        self._statefulset(
            master,
            f"{name}-masters",
            replicas=args.plan.masters,
            args=[
                "master", "-mdir=/data0", f"-ip={self._own_host(master)}", "-ip.bind=0.0.0.0",
                f"-port={master.ports['http']}", f"-port.grpc={master.ports['grpc']}", f"-peers={self.master_addresses}",
                f"-defaultReplication={args.plan.replication}", f"-volumeSizeLimitMB={volume_limit_mib}",
            ],
            readiness=kube.http_probe("/cluster/status", master.ports["http"]),
        )

        self._role_services(volume)
        zones = profile.cluster.zones if args.plan.zoned else ()
        racks = zones or (DEFAULT_RACK,)
        for index, rack in enumerate(racks):
            self._statefulset(
                volume,
                f"{name}-volumes-{index}",
                replicas=args.plan.volume_servers // len(racks),
                args=[
                    "volume",
                    "-dir=" + ",".join(f"/data{d}" for d in range(volume_size.volumes_per_replica)),
                    "-max=0", f"-mserver={self.master_addresses}", f"-ip={self._own_host(volume)}",
                    "-ip.bind=0.0.0.0", f"-port={volume.ports['http']}", f"-port.grpc={volume.ports['grpc']}",
                    "-dataCenter=lake", f"-rack={rack}",
                ],
                readiness=kube.http_probe("/status", volume.ports["http"]),
                group=(index, rack),
                zone=rack if zones else None,
            )

        self._role_services(filer)
        self._statefulset(
            filer,
            f"{name}-filers",
            replicas=args.plan.filers,
            args=[
                "filer", f"-master={self.master_addresses}", f"-ip={self._own_host(filer)}", "-ip.bind=0.0.0.0",
                f"-port={filer.ports['http']}", f"-port.grpc={filer.ports['grpc']}", "-filerGroup=lake",
                "-defaultStoreDir=/data0", "-s3", f"-s3.port={filer.ports['s3']}",
                f"-s3.config=/etc/seaweedfs/{S3_CONFIG_KEY}",
                # Refuse to delete non-empty buckets and never create one on upload: both would hide mistakes.
                "-s3.allowDeleteBucketNotEmpty=false", "-s3.autoCreateBucket=false",
            ],
            readiness=kube.tcp_probe(filer.ports["s3"]),
            extra_volume=k8s.core.v1.VolumeArgs(
                name="s3-config", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=args.s3_config_secret)
            ),
            extra_mount=k8s.core.v1.VolumeMountArgs(name="s3-config", mount_path="/etc/seaweedfs", read_only=True),
        )
        kube.cluster_service(
            f"{name}-api",
            service_name=args.api_service_name,
            namespace=args.namespace,
            labels=self._labels(filer),
            match_labels=kube.selector_labels(filer, instance=args.settings.instance),
            ports={"s3": filer.ports["s3"]},
            parent=self,
        )
        self.register_outputs({"master_addresses": self.master_addresses})

    def _labels(self, entry: ServiceSpec) -> dict[str, str]:
        return kube.standard_labels(entry, instance=self._args.settings.instance, version=SEAWEEDFS.tag)

    def _pod_host(self, entry: ServiceSpec, ordinal: int) -> str:
        return f"{entry.kubernetes_name}-{ordinal}.{self._domain(entry)}"

    def _own_host(self, entry: ServiceSpec) -> str:
        """This pod's stable DNS name, expanded by Kubernetes from the POD_NAME variable."""
        return f"$(POD_NAME).{self._domain(entry)}"

    def _domain(self, entry: ServiceSpec) -> str:
        """The role's headless Service, under which each pod has its own DNS name."""
        return f"{entry.kubernetes_name}-hl.{self._args.settings.namespace(Zone.STORAGE)}.svc.cluster.local"

    def _role_services(self, entry: ServiceSpec) -> None:
        """The headless Service and the disruption budget shared by every pod of one SeaweedFS role."""
        labels, match = self._labels(entry), kube.selector_labels(entry, instance=self._args.settings.instance)
        role, namespace = entry.kubernetes_name, self._args.namespace
        kube.headless_service(
            f"{self._name}-{role}-headless", service_name=f"{role}-hl", namespace=namespace, labels=labels,
            match_labels=match, ports=entry.ports, parent=self,
        )
        kube.disruption_budget(f"{self._name}-{role}-budget", namespace=namespace, labels=labels, match_labels=match, parent=self)

    def _statefulset(
        self,
        entry: ServiceSpec,
        resource_name: str,
        *,
        replicas: int,
        args: list[str],
        readiness: k8s.core.v1.ProbeArgs,
        group: tuple[int, str] | None = None,
        zone: str | None = None,
        extra_volume: k8s.core.v1.VolumeArgs | None = None,
        extra_mount: k8s.core.v1.VolumeMountArgs | None = None,
    ) -> None:
        settings, profile = self._args.settings, self._args.settings.profile
        size = profile.services[entry.name]
        # Every SeaweedFS server serves Prometheus metrics on its own port when given one.
        args = [*args, f"-metricsPort={entry.ports['metrics']}"]
        role = entry.kubernetes_name
        labels = self._labels(entry)
        match = kube.selector_labels(entry, instance=settings.instance)
        set_name, spread_keys = role, profile.spread_topology_keys
        if group is not None:
            # Volume servers come in one StatefulSet per rack, with disjoint selectors.
            index, rack = group
            set_name = f"{role}-{index}"
            labels, match = {**labels, RACK_LABEL: rack}, {**match, RACK_LABEL: rack}
        if zone:
            # A group pinned to one zone spreads over that zone's hosts only.
            spread_keys = tuple(key for key in spread_keys if key != ZONE_KEY)
        drives = [f"data{d}" for d in range(size.volumes_per_replica)]
        server = kube.container(
            role,
            image=SEAWEEDFS.reference,
            size=size,
            command=["weed"],
            args=args,
            env=[kube.pod_name_env()],
            ports=entry.ports,
            mounts=[
                *(k8s.core.v1.VolumeMountArgs(name=d, mount_path=f"/{d}") for d in drives),
                *([extra_mount] if extra_mount else []),
            ],
            readiness=readiness,
            liveness=kube.tcp_probe(entry.ports["grpc"], failure_threshold=6),
            startup=kube.startup_budget(readiness, startup_seconds=180),
        )
        kube.statefulset(
            resource_name,
            # Fixed: pods are addressed as <set>-<n>.<role>-hl in the peers' command lines.
            name=set_name,
            namespace=self._args.namespace,
            labels=labels,
            match_labels=match,
            service_name=f"{role}-hl",
            replicas=replicas,
            template=kube.pod_template(
                labels=labels,
                match_labels=match,
                containers=[server],
                spread_keys=spread_keys,
                volumes=[extra_volume] if extra_volume else [],
                affinity=_zone_affinity(zone) if zone else None,
            ),
            volume_claims=[
                kube.volume_claim_template(d, storage_gib=size.storage_gib or 1, storage_class=profile.storage_class)
                for d in drives
            ],
            protect=self._args.settings.protect_data,
            parent=self,
        )

def _zone_affinity(zone: str) -> k8s.core.v1.AffinityArgs:
    return k8s.core.v1.AffinityArgs(
        node_affinity=k8s.core.v1.NodeAffinityArgs(
            required_during_scheduling_ignored_during_execution=k8s.core.v1.NodeSelectorArgs(
                node_selector_terms=[
                    k8s.core.v1.NodeSelectorTermArgs(
                        match_expressions=[
                            k8s.core.v1.NodeSelectorRequirementArgs(key=ZONE_KEY, operator="In", values=[zone])
                        ]
                    )
                ]
            )
        )
    )
