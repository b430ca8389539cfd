"""Every service's size in dev, staging and prod: one entry per service, so a review sees all three together."""

from __future__ import annotations

from dataclasses import dataclass

from components.platform.topology.model import ServiceSize


def _size(
    replicas: int,
    cpu: tuple[int, int],
    memory: tuple[int, int],
    *,
    storage_gib: int | None = None,
    volumes: int = 1,
    heap: int | None = None,
    direct: int | None = None,
    max_replicas: int | None = None,
) -> ServiceSize:
    """Compact row builder for the table below: cpu and memory are (request, limit)."""
    return ServiceSize(
        replicas=replicas,
        max_replicas=max_replicas,
        cpu_request_millis=cpu[0],
        cpu_limit_millis=cpu[1],
        memory_request_mib=memory[0],
        memory_limit_mib=memory[1],
        storage_gib=storage_gib,
        volumes_per_replica=volumes,
        jvm_heap_mib=heap,
        jvm_direct_memory_mib=direct,
    )


@dataclass(frozen=True, kw_only=True)
class Sizes:
    """One service's size in each topology."""

    dev: ServiceSize
    staging: ServiceSize
    prod: ServiceSize


# dev: the whole platform on one 8 GiB / 4 CPU host, as the architecture documents. Requests are kept
# small and limits higher (burstable), because on one host nothing needs to be guaranteed against
# neighbours; the capacity check counts requests.
# staging: 3 hosts of 16 GiB / 8 CPU that must keep every service up after losing any one host, so the
# requests must fit on two of them. Everything user-facing or quorum-based has at least two members.
# prod: three zones (names are stack config), three 8 CPU / 32 GiB hosts each by default, sized to keep
# everything up after losing a whole zone: the requests must fit on the six hosts of the other two zones.
SIZES: dict[str, Sizes] = {
    "airbyte_server": Sizes(
        dev=_size(1, (100, 1000), (256, 1024)),
        staging=_size(2, (250, 1000), (512, 1024)),
        prod=_size(3, (500, 2000), (1024, 2048)),
    ),
    "airbyte_worker": Sizes(
        dev=_size(1, (100, 1000), (256, 768)),
        staging=_size(2, (250, 1000), (512, 1024)),
        prod=_size(3, (500, 2000), (1024, 2048)),
    ),
    "airbyte_workload_launcher": Sizes(
        dev=_size(1, (50, 500), (128, 384)),
        staging=_size(1, (100, 500), (256, 512)),
        prod=_size(2, (250, 1000), (512, 1024)),
    ),
    "airbyte_workload_api": Sizes(
        dev=_size(1, (50, 500), (128, 384)),
        staging=_size(2, (100, 500), (256, 512)),
        prod=_size(2, (250, 1000), (512, 1024)),
    ),
    "airbyte_cron": Sizes(
        dev=_size(1, (25, 250), (96, 256)),
        staging=_size(1, (50, 250), (192, 384)),
        prod=_size(1, (100, 500), (256, 512)),
    ),
    "airbyte_temporal": Sizes(
        dev=_size(1, (100, 1000), (224, 512)),
        staging=_size(1, (250, 1000), (512, 1024)),
        prod=_size(2, (500, 2000), (1024, 2048)),
    ),
    "airbyte_jobs": Sizes(
        # dev: one small connector at a time (a database or file source into bronze); larger syncs burst
        # to the limit.
        dev=_size(1, (200, 2000), (384, 1536)),
        staging=_size(2, (500, 2000), (768, 2048)),
        prod=_size(4, (1000, 2000), (2048, 4096)),
    ),
    "airbyte_bootloader": Sizes(
        dev=_size(1, (100, 1000), (112, 1024)),
        staging=_size(1, (250, 1000), (512, 1024)),
        prod=_size(1, (250, 1000), (512, 1024)),
    ),
    "airbyte_metrics": Sizes(
        dev=_size(1, (10, 100), (24, 64)),
        staging=_size(1, (10, 100), (32, 64)),
        prod=_size(1, (25, 200), (64, 128)),
    ),
    "minio": Sizes(
        dev=_size(1, (100, 1000), (192, 512), storage_gib=20),
        staging=_size(3, (250, 1000), (512, 1024), storage_gib=50, volumes=2),
        prod=_size(6, (500, 2000), (2048, 2048), storage_gib=200, volumes=2),
    ),
    "seaweedfs_master": Sizes(
        dev=_size(1, (25, 250), (64, 256), storage_gib=1),
        staging=_size(3, (50, 500), (128, 256), storage_gib=2),
        prod=_size(3, (100, 500), (256, 512), storage_gib=5),
    ),
    "seaweedfs_volume": Sizes(
        dev=_size(1, (100, 1000), (192, 512), storage_gib=20),
        staging=_size(3, (250, 1000), (512, 1024), storage_gib=50, volumes=2),
        prod=_size(6, (500, 2000), (1536, 2048), storage_gib=200, volumes=2),
    ),
    "seaweedfs_filer": Sizes(
        dev=_size(1, (50, 500), (128, 512), storage_gib=2),
        staging=_size(2, (100, 1000), (256, 512), storage_gib=5),
        prod=_size(3, (250, 1000), (512, 1024), storage_gib=10),
    ),
    "postgresql": Sizes(
        dev=_size(1, (100, 1000), (192, 512), storage_gib=5),
        staging=_size(2, (500, 2000), (1536, 1536), storage_gib=50),
        prod=_size(3, (1000, 2000), (4096, 4096), storage_gib=100),
    ),
    "elasticsearch": Sizes(
        dev=_size(1, (200, 1000), (768, 1024), storage_gib=10, heap=512),
        staging=_size(3, (500, 2000), (1280, 1280), storage_gib=50, heap=640),
        prod=_size(3, (1000, 2000), (4096, 4096), storage_gib=100, heap=2048),
    ),
    "offsite_mirror": Sizes(
        dev=_size(1, (50, 500), (64, 256)),
        staging=_size(1, (100, 1000), (96, 512)),
        prod=_size(1, (250, 2000), (256, 1024)),
    ),
    "storage_setup": Sizes(
        dev=_size(1, (25, 250), (64, 128)),
        staging=_size(1, (50, 250), (64, 128)),
        prod=_size(1, (50, 250), (64, 128)),
    ),
    "dremio_coordinator": Sizes(
        dev=_size(1, (250, 2000), (1024, 2048), storage_gib=5, heap=1024, direct=512),
        staging=_size(1, (1000, 4000), (3072, 3072), storage_gib=20, heap=1536, direct=1024),
        prod=_size(1, (2000, 4000), (8192, 8192), storage_gib=50, heap=4096, direct=3072),
    ),
    "dremio_executor": Sizes(
        # dev: heap and direct memory sized for sample data; the limit leaves the JVM room to grow into.
        dev=_size(1, (250, 2000), (1024, 2048), storage_gib=10, heap=512, direct=1024),
        staging=_size(2, (1000, 4000), (3072, 3072), storage_gib=50, heap=1024, direct=1536),
        prod=_size(3, (2000, 4000), (10240, 10240), storage_gib=200, heap=4096, direct=5120),
    ),
    "zookeeper": Sizes(
        dev=_size(1, (25, 250), (96, 384), storage_gib=1, heap=96),
        staging=_size(3, (100, 500), (192, 512), storage_gib=2, heap=128),
        prod=_size(3, (250, 500), (512, 512), storage_gib=5, heap=256),
    ),
    "dremio_maintenance": Sizes(
        dev=_size(1, (10, 100), (32, 128)),
        staging=_size(1, (10, 100), (32, 128)),
        prod=_size(1, (10, 100), (32, 128)),
    ),
    "dbt": Sizes(
        dev=_size(1, (100, 1000), (192, 512)),
        staging=_size(1, (250, 1000), (512, 1024)),
        prod=_size(2, (500, 1000), (1024, 2048)),
    ),
    "dbt_exporter": Sizes(
        dev=_size(1, (10, 100), (48, 128)),
        staging=_size(1, (10, 100), (48, 128)),
        prod=_size(1, (25, 200), (64, 128)),
    ),
    "superset_web": Sizes(
        dev=_size(1, (100, 1000), (320, 1024)),
        staging=_size(2, (250, 1000), (512, 1024)),
        prod=_size(3, (500, 2000), (1024, 2048), max_replicas=6),
    ),
    "superset_worker": Sizes(
        dev=_size(1, (50, 1000), (192, 768)),
        staging=_size(1, (250, 1000), (512, 1024)),
        prod=_size(3, (500, 2000), (1024, 2048), max_replicas=6),
    ),
    "superset_beat": Sizes(
        dev=_size(1, (25, 250), (64, 384)),
        staging=_size(1, (50, 500), (128, 512)),
        prod=_size(1, (100, 500), (256, 512)),
    ),
    "superset_setup": Sizes(
        dev=_size(1, (100, 1000), (112, 1024)),
        staging=_size(1, (250, 1000), (256, 1024)),
        prod=_size(1, (250, 1000), (384, 1024)),
    ),
    "valkey": Sizes(
        dev=_size(1, (25, 250), (48, 128), storage_gib=1),
        staging=_size(1, (50, 250), (128, 256), storage_gib=2),
        prod=_size(1, (250, 1000), (512, 1024), storage_gib=5),
    ),
    "prometheus": Sizes(
        dev=_size(1, (100, 1000), (256, 768), storage_gib=10),
        staging=_size(1, (250, 1000), (768, 2048), storage_gib=30),
        prod=_size(2, (1000, 2000), (4096, 4096), storage_gib=100),
    ),
    "alertmanager": Sizes(
        dev=_size(1, (10, 100), (48, 96), storage_gib=1),
        staging=_size(1, (25, 100), (64, 128), storage_gib=1),
        prod=_size(2, (50, 200), (128, 256), storage_gib=2),
    ),
    "grafana": Sizes(
        dev=_size(1, (25, 500), (96, 256)),
        staging=_size(2, (50, 500), (192, 384)),
        prod=_size(2, (100, 1000), (256, 512)),
    ),
    "prometheus_operator": Sizes(
        dev=_size(1, (10, 100), (32, 128)),
        staging=_size(1, (25, 200), (64, 192)),
        prod=_size(1, (50, 500), (128, 256)),
    ),
    "elasticsearch_exporter": Sizes(
        dev=_size(1, (10, 100), (16, 64)),
        staging=_size(1, (10, 100), (32, 64)),
        prod=_size(1, (25, 200), (48, 128)),
    ),
    # Optional (observability.kibana, observability.tracing): off in dev by default, so dev's rows only
    # size what a user turns on there.
    "kibana": Sizes(
        dev=_size(1, (100, 1000), (512, 1024)),
        staging=_size(1, (250, 1000), (640, 1024)),
        prod=_size(2, (500, 1000), (1024, 2048)),
    ),
    "otel_collector": Sizes(
        dev=_size(1, (25, 250), (64, 256)),
        staging=_size(1, (50, 500), (128, 256)),
        prod=_size(2, (100, 1000), (256, 512)),
    ),
    "jaeger": Sizes(
        dev=_size(1, (25, 250), (128, 256)),
        staging=_size(1, (50, 500), (160, 512)),
        prod=_size(2, (100, 1000), (512, 1024)),
    ),
    "trace_cleaner": Sizes(
        dev=_size(1, (10, 100), (16, 64)),
        staging=_size(1, (10, 100), (32, 64)),
        prod=_size(1, (10, 100), (32, 64)),
    ),
    "kube_state_metrics": Sizes(
        dev=_size(1, (10, 100), (32, 128)),
        staging=_size(1, (25, 200), (96, 192)),
        prod=_size(1, (100, 500), (256, 512)),
    ),
    "node_exporter": Sizes(
        dev=_size(1, (10, 100), (24, 64)),
        staging=_size(1, (25, 200), (32, 64)),
        prod=_size(1, (50, 250), (48, 96)),
    ),
    "log_agent": Sizes(
        dev=_size(1, (25, 250), (48, 128)),
        staging=_size(1, (50, 500), (64, 192)),
        prod=_size(1, (100, 500), (128, 256)),
    ),
    "log_setup": Sizes(
        dev=_size(1, (10, 100), (16, 64)),
        staging=_size(1, (10, 100), (32, 64)),
        prod=_size(1, (10, 100), (32, 64)),
    ),
    "cnpg_operator": Sizes(
        dev=_size(1, (25, 250), (64, 256)),
        staging=_size(1, (50, 500), (128, 256)),
        prod=_size(2, (100, 500), (256, 512)),
    ),
    "eck_operator": Sizes(
        dev=_size(1, (50, 500), (96, 384)),
        staging=_size(1, (100, 1000), (192, 512)),
        prod=_size(1, (200, 1000), (512, 1024)),
    ),
    "cert_manager": Sizes(
        dev=_size(1, (10, 200), (48, 128)),
        staging=_size(1, (25, 250), (64, 192)),
        prod=_size(2, (50, 500), (128, 256)),
    ),
    "barman_cloud_plugin": Sizes(
        dev=_size(1, (25, 250), (64, 256)),
        staging=_size(1, (50, 500), (64, 256)),
        prod=_size(1, (100, 500), (128, 256)),
    ),
}
"""Every service's size per topology, one entry per service so that a review sees all three together."""
