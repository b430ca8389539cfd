"""ZooKeeper for Dremio's cluster coordination: an ensemble of 1 (dev) or 3 (staging, prod) members.

The same code runs every size, so dev differs from prod in numbers only: a lone member runs as an
ensemble of one (`standaloneEnabled=false`) instead of Dremio's embedded ZooKeeper. Members are spread
over the topology's failure domains (one per host in staging, one per zone in prod) and a disruption
budget lets a drain take one at a time, so a quorum of two stays. The image is the Docker Official Image
`zookeeper`, started by our own script (`scripts/zookeeper-start.sh`) with our own `zoo.cfg`: 4-letter
words limited to what the probes use, the admin server off, Prometheus metrics on their own port.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.layers.processing.config import ZOOKEEPER_LOGBACK, script, zoo_cfg
from components.platform import kube
from components.platform.catalog import service
from components.platform.settings import PlatformSettings
from components.platform.versions import ZOOKEEPER

SERVICE_NAME = "zookeeper-hl"


@dataclass(frozen=True, kw_only=True)
class ZookeeperArgs:
    settings: PlatformSettings
    """Validated stack settings: the ensemble's size and spreading."""
    namespace: pulumi.Input[str]
    """The processing namespace."""


class Zookeeper(pulumi.ComponentResource):
    connect_string: str
    """`host:port,...` of every member, as Dremio's `zookeeper` key takes it."""

    def __init__(self, name: str, args: ZookeeperArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:processing:Zookeeper", name, None, opts)
        settings = args.settings
        spec = service("zookeeper")
        size = settings.services["zookeeper"]
        domain = f"{SERVICE_NAME}.{settings.namespace(spec.zone)}.svc.cluster.local"
        hosts = [f"{spec.kubernetes_name}-{ordinal}.{domain}" for ordinal in range(size.replicas)]
        self.connect_string = ",".join(f"{host}:{spec.ports['client']}" for host in hosts)

        labels = kube.standard_labels(spec, instance=settings.instance, version=ZOOKEEPER.tag)
        match = kube.selector_labels(spec, instance=settings.instance)
        config = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=labels),
            data={
                "zoo.cfg": zoo_cfg(hosts, spec.ports),
                "logback.xml": ZOOKEEPER_LOGBACK,
                "zookeeper-start.sh": script("zookeeper-start.sh"),
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        kube.headless_service(
            f"{name}-headless", service_name=SERVICE_NAME, namespace=args.namespace, labels=labels,
            match_labels=match, ports=spec.ports, parent=self,
        )
        kube.disruption_budget(f"{name}-budget", namespace=args.namespace, labels=labels, match_labels=match, parent=self)

        client = spec.ports["client"]
        # `srvr` reports a mode only while the member serves requests, i.e. belongs to a quorum.
        serving = kube.exec_probe(["sh", "-c", f"echo srvr | nc -w 2 127.0.0.1 {client} | grep -q '^Mode: '"])
        alive = kube.exec_probe(["sh", "-c", f"echo ruok | nc -w 2 127.0.0.1 {client} | grep -q imok"], failure_threshold=6)
        server = kube.container(
            "zookeeper",
            image=ZOOKEEPER.reference,
            size=size,
            command=["sh", "/config/zookeeper-start.sh"],
            env=[
                kube.pod_name_env(),
                *kube.env_vars(
                    {
                        "ZOOCFGDIR": "/conf",
                        "ZOO_LOG_DIR": "/logs",
                        # zkEnv.sh turns ZK_SERVER_HEAP into -Xmx; -Xms pins the heap at the same size.
                        "ZK_SERVER_HEAP": str(size.jvm_heap_mib),
                        "SERVER_JVMFLAGS": f"-Xms{size.jvm_heap_mib}m",
                    }
                ),
            ],
            ports=spec.ports,
            mounts=[
                kube.mount("data", "/data"),
                kube.mount("config", "/config", read_only=True),
                kube.mount("conf", "/conf"),
                kube.mount("logs", "/logs"),
            ],
            readiness=serving,
            liveness=alive,
            startup=kube.startup_budget(alive, startup_seconds=300),
        )
        self.statefulset = kube.statefulset(
            f"{name}-ensemble",
            # Fixed: members address each other as zookeeper-<n>.zookeeper-hl in zoo.cfg.
            name=spec.kubernetes_name,
            namespace=args.namespace,
            labels=labels,
            match_labels=match,
            service_name=SERVICE_NAME,
            replicas=size.replicas,
            template=kube.pod_template(
                labels=labels,
                match_labels=match,
                containers=[server],
                spread_keys=settings.profile.spread_topology_keys,
                volumes=[
                    kube.config_map_volume("config", config.metadata.name),
                    kube.empty_dir("conf", "1Mi"),
                    kube.empty_dir("logs", "64Mi"),
                ],
                # A changed configuration restarts the members (one at a time, as the budget allows).
                annotations={"dataplatform.io/config": config.metadata.name},
            ),
            volume_claims=[
                kube.volume_claim_template(
                    "data", storage_gib=size.storage_gib or 1, storage_class=settings.profile.storage_class
                )
            ],
            parent=self,
        )
        self.register_outputs({"connect_string": self.connect_string})

