"""Dremio OSS: one master coordinator and the executors, on the object store, with TLS from the platform CA.

* The coordinator is a StatefulSet of exactly one (Community Edition has a single master; its catalog is
  a RocksDB store on its own volume, `paths.local`). It serves the web UI and REST API, JDBC/ODBC and
  Arrow Flight; the client Service pins each client to one coordinator (`sessionAffinity: ClientIP`),
  because a Flight query's GetFlightInfo and DoGet must reach the same one.
* Executors are a StatefulSet spread hard over the topology's failure domains, with a disruption budget
  and a volume each for spilling and caches.
* Distributed storage (`paths.dist`: reflections, job results, uploads) is a bucket of its own on
  whichever object store the stack uses, through the processing credential.

Both roles read one configuration (`config.py`), rendered into a memory-backed volume by an init
container that fills in the secrets from mounted Secrets. The root filesystem is read-only: data, logs,
the PID directory, the configuration and /tmp are volumes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.layers.processing.config import (
    CONF_DIR,
    DATA_DIR,
    DREMIO_HOME,
    KEYSTORE_PASSWORD,
    TLS_DIR,
    DremioPorts,
    S3Endpoint,
    core_site,
    dremio_conf,
    script,
)
from components.platform import kube
from components.platform.catalog import ServiceSpec, service
from components.platform.contracts import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SecretRef
from components.platform.security_exceptions import FIXED_IMAGE_USERS, UNPINNED_IMAGES
from components.platform.settings import PlatformSettings
from components.platform.topology import ServiceSize
from components.platform.versions import DREMIO, MINIO_CLIENT

CLIENT_SERVICE = "dremio"
"""Fixed name of the client Service: clients in other namespaces address `dremio.<namespace>.svc`."""
TLS_SECRET = "dremio-tls"
DREMIO_USER_ID = 999
"""The `dremio` user of the image: Dremio's Hadoop libraries need a user name the image knows."""
STARTUP_SECONDS = 1200
"""A first start builds the catalog, and an upgrade migrates it: allow 20 minutes before liveness applies."""


@dataclass(frozen=True, kw_only=True)
class DremioArgs:
    settings: PlatformSettings
    """Validated stack settings: sizes, spreading, storage class, the image digest."""
    namespace: pulumi.Input[str]
    """The processing namespace."""
    zookeeper: str
    """ZooKeeper connect string (`host:port,...`)."""
    s3_endpoint: pulumi.Input[str]
    """The object store's S3 endpoint URL as seen from inside the cluster."""
    s3_region: str
    dist_bucket: str
    """Bucket name of Dremio's distributed storage."""
    s3_credentials: SecretRef
    """The processing credential (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), in the processing namespace."""
    issuer: str
    """The cert-manager ClusterIssuer that signs the coordinator's certificate."""
    issuer_ready: pulumi.Resource
    """The issuer's resource: the Certificate is declared after it."""
    backups_bucket: str
    backups_prefix: str
    """Where the daily metadata backups are (`<bucket>/<prefix>/<stamp>/`), for `restore.dremio.backup`."""
    backup_credentials: SecretRef
    """Read access to the backups bucket (keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, S3_ENDPOINT)."""


class Dremio(pulumi.ComponentResource):
    host: str
    """The client Service's DNS name."""
    web_url: str
    flight_port: int
    coordinator: k8s.apps.v1.StatefulSet

    def __init__(self, name: str, args: DremioArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:processing:Dremio", name, None, opts)
        self._name, self._args = name, args
        settings = args.settings
        coordinator, executor = service("dremio_coordinator"), service("dremio_executor")
        self._image = DREMIO.reference_with(settings.config.processing.dremio_image_digest)
        self.host = f"{CLIENT_SERVICE}.{settings.namespace(coordinator.zone)}.svc.cluster.local"
        self.web_url = f"https://{self.host}:{coordinator.ports['web']}"
        self.flight_port = coordinator.ports["flight"]

        ports = DremioPorts(**{field: coordinator.ports[field] for field in DremioPorts.__dataclass_fields__})
        templates = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=self._labels(coordinator)),
            data={
                "dremio.conf": dremio_conf(zookeeper=args.zookeeper, dist_bucket=args.dist_bucket, ports=ports),
                "core-site.xml": pulumi.Output.from_input(args.s3_endpoint).apply(
                    lambda url: core_site(S3Endpoint.from_url(url), region=args.s3_region)
                ),
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        scripts = k8s.core.v1.ConfigMap(
            f"{name}-scripts",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.namespace, labels=self._labels(coordinator)),
            data={"render-config.sh": script("render-config.sh"), "restore-backup.sh": script("restore-backup.sh")},
            opts=pulumi.ResourceOptions(parent=self),
        )
        keystore_password = kube.generated_password(f"{name}-keystore-password", self)
        keystore = kube.secret(
            f"{name}-keystore-password", namespace=args.namespace, data={KEYSTORE_PASSWORD: keystore_password}, parent=self
        )
        certificate = self._certificate(coordinator, keystore)
        self._volumes = [
            kube.config_map_volume("templates", templates.metadata.name),
            kube.config_map_volume("scripts", scripts.metadata.name),
            k8s.core.v1.VolumeArgs(
                name="secrets",
                projected=k8s.core.v1.ProjectedVolumeSourceArgs(
                    sources=[
                        _secret_source(args.s3_credentials.name, (ACCESS_KEY_ID, SECRET_ACCESS_KEY)),
                        _secret_source(keystore.name, (KEYSTORE_PASSWORD,)),
                    ]
                ),
            ),
            kube.secret_volume("tls", TLS_SECRET),
            # The rendered configuration holds secrets: in memory, never on a node's disk.
            kube.empty_dir("conf", "16Mi", in_memory=True),
            kube.empty_dir("logs", "1Gi"),
            kube.empty_dir("run", "1Mi"),
        ]
        self._annotations = {"dataplatform.io/config": templates.metadata.name}

        for entry in (coordinator, executor):
            kube.headless_service(
                f"{name}-{entry.component}-headless",
                service_name=f"{entry.kubernetes_name}-hl",
                namespace=args.namespace,
                labels=self._labels(entry),
                match_labels=kube.selector_labels(entry, instance=settings.instance),
                ports=entry.ports,
                parent=self,
            )
        kube.cluster_service(
            f"{name}-client",
            service_name=CLIENT_SERVICE,
            namespace=args.namespace,
            labels=self._labels(coordinator),
            match_labels=kube.selector_labels(coordinator, instance=settings.instance),
            ports={port: coordinator.ports[port] for port in ("web", "client", "flight")},
            client_affinity=True,
            parent=self,
        )
        kube.disruption_budget(
            f"{name}-executor-budget",
            namespace=args.namespace,
            labels=self._labels(executor),
            match_labels=kube.selector_labels(executor, instance=settings.instance),
            parent=self,
        )

        web = coordinator.ports["web"]
        # Ready once the catalog answers; the kubelet does not verify the certificate of an HTTPS probe.
        ready = kube.http_probe("/apiv2/server_status", web, scheme="HTTPS")
        alive = kube.http_probe("/live", coordinator.ports["metrics"], failure_threshold=6)
        self.coordinator = self._statefulset(
            coordinator,
            role_options=[
                "-Dservices.coordinator.enabled=true",
                "-Dservices.coordinator.master.enabled=true",
                "-Dservices.executor.enabled=false",
            ],
            readiness=ready,
            liveness=alive,
            startup=kube.startup_budget(ready, startup_seconds=STARTUP_SECONDS),
            depends_on=[certificate],
        )
        executor_alive = kube.http_probe("/live", executor.ports["metrics"], failure_threshold=6)
        self._statefulset(
            executor,
            role_options=[
                "-Dservices.coordinator.enabled=false",
                "-Dservices.coordinator.master.enabled=false",
                "-Dservices.executor.enabled=true",
            ],
            readiness=kube.http_probe("/live", executor.ports["metrics"]),
            liveness=executor_alive,
            startup=kube.startup_budget(executor_alive, startup_seconds=STARTUP_SECONDS),
            depends_on=[certificate],
        )
        self.register_outputs(
            {"host": self.host, "web_url": self.web_url, "flight_port": self.flight_port, "coordinator": self.coordinator.urn}
        )

    def _labels(self, entry: ServiceSpec) -> dict[str, str]:
        return kube.standard_labels(entry, instance=self._args.settings.instance, version=DREMIO.tag)

    def _certificate(self, coordinator: ServiceSpec, keystore: SecretRef) -> pulumi.Resource:
        """The coordinator's server certificate, with the PKCS#12 keystore Dremio reads (cert-manager)."""
        namespace = self._args.settings.namespace(coordinator.zone)
        names = [
            CLIENT_SERVICE,
            f"{CLIENT_SERVICE}.{namespace}",
            f"{CLIENT_SERVICE}.{namespace}.svc",
            self.host,
            f"{coordinator.kubernetes_name}-0.{coordinator.kubernetes_name}-hl.{namespace}.svc.cluster.local",
        ]
        return kube.server_certificate(
            f"{self._name}-certificate",
            namespace=self._args.namespace,
            secret_name=TLS_SECRET,
            dns_names=[self.host, *names],
            issuer=self._args.issuer,
            labels=self._labels(coordinator),
            issuer_ready=self._args.issuer_ready,
            parent=self,
            # Dremio reads its keystore at start, so a renewal takes effect at the next restart
            # (docs/layers/processing.md, "Certificates").
            extra_spec={
                "keystores": {
                    "pkcs12": {
                        "create": True,
                        "profile": "Modern2023",
                        "passwordSecretRef": {"name": keystore.name, "key": KEYSTORE_PASSWORD},
                    }
                }
            },
        )

    def _statefulset(
        self,
        entry: ServiceSpec,
        *,
        role_options: list[str],
        readiness: k8s.core.v1.ProbeArgs,
        liveness: k8s.core.v1.ProbeArgs,
        startup: k8s.core.v1.ProbeArgs,
        depends_on: list[pulumi.Resource],
    ) -> k8s.apps.v1.StatefulSet:
        settings = self._args.settings
        size = settings.services[entry.name]
        labels, match = self._labels(entry), kube.selector_labels(entry, instance=settings.instance)
        config = kube.container(
            "config",
            image=self._image,
            size=size,
            command=["sh", "/scripts/render-config.sh"],
            env=kube.env_vars(
                {
                    "TEMPLATES_DIR": "/templates",
                    "SECRETS_DIR": "/secrets",
                    "TARGET_DIR": "/rendered",
                    # The image's own files (logging, dremio-env) are kept; ours are written over them.
                    "IMAGE_CONF_DIR": CONF_DIR,
                }
            ),
            mounts=[
                kube.mount("templates", "/templates", read_only=True),
                kube.mount("scripts", "/scripts", read_only=True),
                kube.mount("secrets", "/secrets", read_only=True),
                kube.mount("conf", "/rendered"),
            ],
        )
        restore, restore_volumes = self._restore(entry, size)
        server = kube.container(
            entry.kubernetes_name,
            image=self._image,
            size=size,
            command=[f"{DREMIO_HOME}/bin/dremio"],
            args=["start-fg"],
            env=_dremio_env(size, role_options),
            ports=entry.ports,
            mounts=[
                kube.mount("conf", CONF_DIR, read_only=True),
                kube.mount("data", DATA_DIR),
                kube.mount("tls", TLS_DIR, read_only=True),
                kube.mount("logs", f"{DREMIO_HOME}/log"),
                kube.mount("run", f"{DREMIO_HOME}/run"),
            ],
            readiness=readiness,
            liveness=liveness,
            startup=startup,
        )
        return kube.statefulset(
            f"{self._name}-{entry.component}s",
            # Fixed: the certificate names the coordinator's pod, and `dremio-admin` runs in `<name>-0`.
            name=entry.kubernetes_name,
            namespace=self._args.namespace,
            labels=labels,
            match_labels=match,
            service_name=f"{entry.kubernetes_name}-hl",
            replicas=size.replicas,
            template=kube.pod_template(
                labels=labels,
                match_labels=match,
                containers=[server],
                init_containers=[config, *restore],
                spread_keys=settings.profile.spread_topology_keys,
                volumes=[*self._volumes, *restore_volumes],
                user_id=DREMIO_USER_ID,
                annotations=self._annotations,
            ),
            volume_claims=[
                kube.volume_claim_template("data", storage_gib=size.storage_gib or 1, storage_class=settings.profile.storage_class)
            ],
            # The coordinator holds the catalog (sources, views, reflections, users); executors hold caches only.
            protect=settings.protect_data and entry.name == "dremio_coordinator",
            parent=self,
            depends_on=depends_on,
            annotations=_checkov_exceptions(self._image),
            ready_timeout_minutes=STARTUP_SECONDS // 60 + 10,
        )


    def _restore(self, entry: ServiceSpec, size: ServiceSize) -> tuple[list[k8s.core.v1.ContainerArgs], list[k8s.core.v1.VolumeArgs]]:
        """With `restore.dremio.backup`, the coordinator's pod first fetches the backup and restores it
        (scripts/restore-backup.sh): the catalog lives on the coordinator's volume, and `dremio-admin restore`
        must run while Dremio is stopped, which an init container guarantees."""
        stamp = self._args.settings.config.restore.dremio.backup
        if stamp is None or entry.name != "dremio_coordinator":
            return [], []
        args = self._args
        common = {"BACKUP_STAMP": stamp, "DATA_DIR": DATA_DIR}
        fetch = kube.container(
            "fetch-backup",
            image=MINIO_CLIENT.reference,
            size=size,
            command=["sh", "/scripts/restore-backup.sh", "fetch"],
            env=kube.env_vars({**common, "BACKUPS_DIR": "/s3/backups", "BACKUPS_BUCKET": args.backups_bucket,
                               "BACKUPS_PREFIX": args.backups_prefix, "MC_CONFIG_DIR": "/tmp/mc"}),
            mounts=[
                kube.mount("scripts", "/scripts", read_only=True),
                kube.mount("data", DATA_DIR),
                kube.mount("backup-credentials", "/s3/backups", read_only=True),
            ],
        )
        apply = kube.container(
            "restore-backup",
            image=self._image,
            size=size,
            command=["sh", "/scripts/restore-backup.sh", "apply"],
            env=[*kube.env_vars({**common, "DREMIO_HOME": DREMIO_HOME}), *_dremio_env(size, [])],
            mounts=[
                kube.mount("scripts", "/scripts", read_only=True),
                kube.mount("conf", CONF_DIR, read_only=True),
                kube.mount("data", DATA_DIR),
                kube.mount("logs", f"{DREMIO_HOME}/log"),
                kube.mount("run", f"{DREMIO_HOME}/run"),
            ],
        )
        return [fetch, apply], [kube.secret_volume("backup-credentials", args.backup_credentials.name)]


def _dremio_env(size: ServiceSize, role_options: list[str]) -> list[k8s.core.v1.EnvVarArgs]:
    processors = max(1, size.cpu_request_millis // 1000)
    options = [
        *role_options,
        # Thread pools sized from the CPU request, not from the node's cores.
        f"-XX:ActiveProcessorCount={processors}",
        f"-Djava.io.tmpdir={DATA_DIR}/tmp",
    ]
    return kube.env_vars(
        {
            "DREMIO_MAX_HEAP_MEMORY_SIZE_MB": str(size.jvm_heap_mib),
            "DREMIO_MAX_DIRECT_MEMORY_SIZE_MB": str(size.jvm_direct_memory_mib),
            "DREMIO_JAVA_SERVER_EXTRA_OPTS": " ".join(options),
            "DREMIO_LOG_TO_CONSOLE": "1",
            "DREMIO_LOG_DIR": f"{DREMIO_HOME}/log",
            "DREMIO_PID_DIR": f"{DREMIO_HOME}/run",
        }
    )


def _checkov_exceptions(image: str) -> dict[str, str]:
    """checkov's suppression annotations for the documented exceptions of the Dremio pods."""
    repository = image.split(":")[0]
    reasons = [f"CKV_K8S_40={FIXED_IMAGE_USERS[repository]}"]
    if "@sha256:" not in image:
        reason = UNPINNED_IMAGES[repository]
        reasons += [f"CKV_K8S_43={reason}", f"CKV_K8S_15={reason}"]
    return {f"checkov.io/skip{index}": reason for index, reason in enumerate(reasons, start=1)}


def _secret_source(name: pulumi.Input[str], keys: tuple[str, ...]) -> k8s.core.v1.VolumeProjectionArgs:
    return k8s.core.v1.VolumeProjectionArgs(
        secret=k8s.core.v1.SecretProjectionArgs(
            name=name, items=[k8s.core.v1.KeyToPathArgs(key=key, path=key) for key in keys]
        )
    )


