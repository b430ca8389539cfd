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

from components import kube
from components.catalog import ServiceSpec, service
from components.storage.placement import ReplicationPlan
from components.topology import ZONE_KEY, Profile
from components.versions import SEAWEEDFS

S3_PORT = 9000
MASTER_PORT, MASTER_GRPC_PORT = 9333, 19333
VOLUME_PORT, VOLUME_GRPC_PORT = 8080, 18080
FILER_PORT, FILER_GRPC_PORT = 8888, 18888
S3_CONFIG_KEY = "s3.json"
RACK_LABEL = "dataplatform.io/rack"
DEFAULT_RACK = "default"
VOLUMES_PER_DISK = 8
"""SeaweedFS volumes each data disk must hold; the volume size limit is derived from it."""


@dataclass(frozen=True, kw_only=True)
class SeaweedfsDeployment:
    profile: Profile
    plan: ReplicationPlan
    namespace: pulumi.Input[str]
    namespace_name: str
    instance: str
    s3_config_secret: pulumi.Input[str]
    """Secret holding the S3 identities file under `s3.json`."""
    api_service_name: str


def deploy_seaweedfs(spec: SeaweedfsDeployment, parent: pulumi.Resource) -> None:
    _Deployer(spec, parent).deploy()


class _Deployer:
    def __init__(self, spec: SeaweedfsDeployment, parent: pulumi.Resource):
        self.spec = spec
        self.parent = parent
        self.masters = ",".join(
            f"{self._pod_host('seaweedfs_master', ordinal)}:{MASTER_PORT}" for ordinal in range(spec.plan.masters)
        )

    def deploy(self) -> None:
        spec, profile = self.spec, self.spec.profile
        volume_size = profile.services["seaweedfs_volume"]
        volume_limit_mib = max(1024, min(30000, (volume_size.storage_gib or 1) * 1024 // VOLUMES_PER_DISK))
        master_ports = {"http": MASTER_PORT, "grpc": MASTER_GRPC_PORT}
        self._governing_service("seaweedfs_master", master_ports)
        self._statefulset(
            "seaweedfs_master",
            replicas=spec.plan.masters,
            args=[
                "master", "-mdir=/data0", f"-ip={self._own_host('seaweedfs_master')}", "-ip.bind=0.0.0.0",
                f"-port={MASTER_PORT}", f"-port.grpc={MASTER_GRPC_PORT}", f"-peers={self.masters}",
                f"-defaultReplication={spec.plan.replication}", f"-volumeSizeLimitMB={volume_limit_mib}",
            ],
            ports=master_ports,
            readiness=kube.http_probe("/cluster/status", MASTER_PORT),
        )

        volume_ports = {"http": VOLUME_PORT, "grpc": VOLUME_GRPC_PORT}
        self._governing_service("seaweedfs_volume", volume_ports)
        zones = profile.cluster.zones if spec.plan.zoned else ()
        racks = zones or (DEFAULT_RACK,)
        for index, rack in enumerate(racks):
            self._statefulset(
                "seaweedfs_volume",
                replicas=spec.plan.volume_servers // len(racks),
                args=[
                    "volume",
                    "-dir=" + ",".join(f"/data{d}" for d in range(volume_size.volumes_per_replica)),
                    "-max=0", f"-mserver={self.masters}", f"-ip={self._own_host('seaweedfs_volume')}",
                    "-ip.bind=0.0.0.0", f"-port={VOLUME_PORT}", f"-port.grpc={VOLUME_GRPC_PORT}",
                    "-dataCenter=lake", f"-rack={rack}",
                ],
                ports=volume_ports,
                readiness=kube.http_probe("/status", VOLUME_PORT),
                group=(index, rack),
                zone=rack if zones else None,
            )

        filer_ports = {"s3": S3_PORT, "http": FILER_PORT, "grpc": FILER_GRPC_PORT}
        self._governing_service("seaweedfs_filer", filer_ports)
        self._statefulset(
            "seaweedfs_filer",
            replicas=spec.plan.filers,
            args=[
                "filer", f"-master={self.masters}", f"-ip={self._own_host('seaweedfs_filer')}", "-ip.bind=0.0.0.0",
                f"-port={FILER_PORT}", f"-port.grpc={FILER_GRPC_PORT}", "-filerGroup=lake", "-defaultStoreDir=/data0",
                "-s3", f"-s3.port={S3_PORT}", f"-s3.config=/etc/seaweedfs/{S3_CONFIG_KEY}",
                # Refuse to delete non-empty buckets and never create one on upload: both would hide mistakes.
                "-s3.allowDeleteBucketNotEmpty=false", "-s3.autoCreateBucket=false",
            ],
            ports=filer_ports,
            readiness=kube.tcp_probe(S3_PORT),
            extra_volume=k8s.core.v1.VolumeArgs(
                name="s3-config", secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=spec.s3_config_secret)
            ),
            extra_mount=k8s.core.v1.VolumeMountArgs(name="s3-config", mount_path="/etc/seaweedfs", read_only=True),
        )
        filer = service("seaweedfs_filer")
        k8s.core.v1.Service(
            spec.api_service_name,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=spec.api_service_name, namespace=spec.namespace, labels=self._labels(filer)
            ),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=kube.selector_labels(filer, instance=spec.instance),
                ports=[k8s.core.v1.ServicePortArgs(name="s3", port=S3_PORT, target_port=S3_PORT)],
            ),
            opts=pulumi.ResourceOptions(parent=self.parent),
        )

    def _labels(self, catalog_entry: ServiceSpec) -> dict[str, str]:
        return kube.standard_labels(catalog_entry, instance=self.spec.instance, version=SEAWEEDFS.tag)

    def _pod_host(self, service_name: str, ordinal: int | str) -> str:
        name = service(service_name).kubernetes_name
        return f"{name}-{ordinal}.{name}-hl.{self.spec.namespace_name}.svc.cluster.local"

    def _own_host(self, service_name: str) -> str:
        """This pod's stable DNS name, expanded by Kubernetes from the POD_NAME variable."""
        name = service(service_name).kubernetes_name
        return f"$(POD_NAME).{name}-hl.{self.spec.namespace_name}.svc.cluster.local"

    def _governing_service(self, service_name: str, ports: dict[str, int]) -> None:
        """The headless Service and the disruption budget shared by every pod of one SeaweedFS role."""
        entry = service(service_name)
        labels, match = self._labels(entry), kube.selector_labels(entry, instance=self.spec.instance)
        namespace = self.spec.namespace
        kube.headless_service(
            f"{entry.kubernetes_name}-hl", namespace=namespace, labels=labels, match_labels=match, ports=ports, parent=self.parent
        )
        kube.disruption_budget(entry.kubernetes_name, namespace=namespace, labels=labels, match_labels=match, parent=self.parent)

    def _statefulset(
        self,
        service_name: str,
        *,
        replicas: int,
        args: list[str],
        ports: dict[str, int],
        readiness: k8s.core.v1.ProbeArgs,
        group: tuple[int, str] | None = None,
        zone: str | None = None,
        extra_volume: k8s.core.v1.VolumeArgs | None = None,
        extra_mount: k8s.core.v1.VolumeMountArgs | None = None,
    ) -> None:
        spec, profile = self.spec, self.spec.profile
        entry = service(service_name)
        size = profile.services[service_name]
        name = entry.kubernetes_name
        labels = self._labels(entry)
        match = kube.selector_labels(entry, instance=spec.instance)
        set_name, spread_keys = name, profile.spread_topology_keys
        if group is not None:
            # Volume servers come in one StatefulSet per rack, with disjoint selectors.
            index, rack = group
            set_name = f"{name}-{index}"
            labels, match = {**labels, RACK_LABEL: rack}, {**match, RACK_LABEL: rack}
        if zone:
            # A group pinned to one zone spreads over that zone's hosts only.
            spread_keys = tuple(key for key in spread_keys if key != ZONE_KEY)
        drives = [f"data{d}" for d in range(size.volumes_per_replica)]
        mounts = [kube.TMP_MOUNT] + [k8s.core.v1.VolumeMountArgs(name=d, mount_path=f"/{d}") for d in drives]
        k8s.apps.v1.StatefulSet(
            set_name,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                # Fixed: pods are addressed as <set>-<n>.<service>-hl in the peers' command lines.
                name=set_name,
                namespace=spec.namespace,
                labels=labels,
            ),
            spec=k8s.apps.v1.StatefulSetSpecArgs(
                service_name=f"{name}-hl",
                replicas=replicas,
                # Raft peers and filers must all start before any is ready.
                pod_management_policy="Parallel",
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=match),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        **kube.pod_spec_defaults(),
                        security_context=kube.pod_security_context(),
                        topology_spread_constraints=kube.spread_constraints(spread_keys, match),
                        affinity=_zone_affinity(zone) if zone else None,
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name=name,
                                image=SEAWEEDFS.reference,
                                image_pull_policy="IfNotPresent",
                                command=["weed"],
                                args=args,
                                env=[kube.pod_name_env()],
                                ports=[
                                    k8s.core.v1.ContainerPortArgs(name=port_name, container_port=port)
                                    for port_name, port in ports.items()
                                ],
                                resources=kube.resources(size),
                                security_context=kube.container_security_context(),
                                readiness_probe=readiness,
                                liveness_probe=kube.tcp_probe(ports["grpc"], failure_threshold=6),
                                startup_probe=kube.startup_budget(readiness, startup_seconds=180),
                                volume_mounts=mounts + ([extra_mount] if extra_mount else []),
                            )
                        ],
                        volumes=[kube.TMP_VOLUME] + ([extra_volume] if extra_volume else []),
                    ),
                ),
                volume_claim_templates=[
                    kube.volume_claim_template(d, storage_gib=size.storage_gib or 1, storage_class=profile.storage_class)
                    for d in drives
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self.parent),
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
