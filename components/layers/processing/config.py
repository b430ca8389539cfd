"""Dremio's and ZooKeeper's configuration files, as text: one source for the pods and the tests.

Dremio reads `/opt/dremio/conf`. The platform writes `dremio.conf` (the same file for every role; a pod's
role comes from `-D` options) and `core-site.xml` (distributed storage on S3) as templates into a
ConfigMap. They hold no secret: where a value is secret they hold a placeholder `@@NAME@@`, which the
pod's `config` init container replaces with the content of the file NAME from the mounted Secrets
(`scripts/render-config.sh`), into a memory-backed volume that only the pod can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from components.platform.contracts import ACCESS_KEY_ID, SECRET_ACCESS_KEY

SCRIPTS = Path(__file__).parent / "scripts"

DREMIO_HOME = "/opt/dremio"
DATA_DIR = f"{DREMIO_HOME}/data"
CONF_DIR = f"{DREMIO_HOME}/conf"
TLS_DIR = f"{DREMIO_HOME}/tls"
KEYSTORE_FILE = "keystore.p12"
KEYSTORE_PASSWORD = "KEYSTORE_PASSWORD"
"""Placeholder name, and key of the keystore password in its Secret."""
DIST_FOLDER = "dist"
"""Folder of the Dremio bucket that holds `paths.dist`."""
BACKUP_FOLDER = "metadata-backups"
"""Folder of the Dremio bucket where the coordinator writes metadata backups before they are copied."""

_PLACEHOLDER = re.compile(r"@@([A-Z0-9_]+)@@")


def placeholder(name: str) -> str:
    return f"@@{name}@@"


def placeholders(text: str) -> set[str]:
    """The secret names a template needs."""
    return set(_PLACEHOLDER.findall(text))


@dataclass(frozen=True, kw_only=True)
class DremioPorts:
    web: int
    client: int
    flight: int
    fabric: int
    conduit: int
    metrics: int


def dremio_conf(*, zookeeper: str, dist_bucket: str, ports: DremioPorts) -> str:
    """`dremio.conf` for every role (HOCON). TLS for the web UI/REST API and Arrow Flight uses the
    PKCS#12 keystore that cert-manager writes; the legacy JDBC/ODBC port stays plain (Community Edition
    has no TLS for it) and no flow admits it."""
    tls = "\n".join(
        [
            "    enabled: true",
            "    auto-certificate.enabled: false",
            '    keyStoreType: "PKCS12"',
            f'    keyStore: "{TLS_DIR}/{KEYSTORE_FILE}"',
            f'    keyStorePassword: "{placeholder(KEYSTORE_PASSWORD)}"',
            f'    keyPassword: "{placeholder(KEYSTORE_PASSWORD)}"',
        ]
    )
    return f"""# Written by the data platform (components/layers/processing/config.py); a pod's role comes from -D options.
paths: {{
  local: "{DATA_DIR}"
  dist: "dremioS3:///{dist_bucket}/{DIST_FOLDER}"
}}
zookeeper: "{zookeeper}"
services: {{
  coordinator.master.embedded-zookeeper.enabled: false
  coordinator.web.port: {ports.web}
  coordinator.client-endpoint.port: {ports.client}
  flight.port: {ports.flight}
  fabric.port: {ports.fabric}
  # Fixed instead of ephemeral, so that the NetworkPolicies can admit it.
  conduit.port: {ports.conduit}
  # /live for the kubelet and /metrics for Prometheus (off the loopback interface, on a fixed port).
  web-admin: {{
    enabled: true
    host: "0.0.0.0"
    port: {ports.metrics}
  }}
  coordinator.web.ssl: {{
{tls}
  }}
  flight.ssl: {{
{tls}
  }}
}}
"""


@dataclass(frozen=True)
class S3Endpoint:
    """How Hadoop's S3A client reaches the object store."""

    host: str
    """`host[:port]`, without a scheme."""
    tls: bool
    aws: bool
    """AWS S3 itself (virtual-hosted buckets, regions); anything else is an S3-compatible store."""

    @classmethod
    def from_url(cls, url: str) -> S3Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"S3 endpoint {url!r} is not an http(s) URL")
        host = parts.netloc
        return cls(host=host, tls=parts.scheme == "https", aws=(parts.hostname or "").endswith(".amazonaws.com"))


def core_site(endpoint: S3Endpoint, *, region: str) -> str:
    """`core-site.xml`: Dremio's `dremioS3` file system on the lake's store, with the processing credential."""
    properties = [
        ("fs.dremioS3.impl", "com.dremio.plugins.s3.store.S3FileSystem"),
        ("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"),
        ("fs.s3a.access.key", placeholder(ACCESS_KEY_ID)),
        ("fs.s3a.secret.key", placeholder(SECRET_ACCESS_KEY)),
        ("fs.s3a.endpoint", endpoint.host),
        ("fs.s3a.endpoint.region", region),
        ("fs.s3a.connection.ssl.enabled", str(endpoint.tls).lower()),
        # S3-compatible stores serve buckets as paths, not as host names.
        ("fs.s3a.path.style.access", str(not endpoint.aws).lower()),
        ("dremio.s3.compat", str(not endpoint.aws).lower()),
        # Upload buffers on the pod's volume rather than in the size-limited /tmp.
        ("fs.s3a.buffer.dir", f"{DATA_DIR}/s3a-buffer"),
    ]
    body = "\n".join(
        f"  <property>\n    <name>{name}</name>\n    <value>{value}</value>\n  </property>" for name, value in properties
    )
    return f'<?xml version="1.0"?>\n<!-- Written by the data platform; the pod fills in the placeholders from its Secrets. -->\n<configuration>\n{body}\n</configuration>\n'


def zookeeper_servers(hosts: list[str], ports: dict[str, int]) -> list[str]:
    """`server.N=host:peer:election;client` lines, N from 1 (ZooKeeper ids start at 1)."""
    return [
        f"server.{index}={host}:{ports['peer']}:{ports['election']};{ports['client']}"
        for index, host in enumerate(hosts, start=1)
    ]


def zoo_cfg(hosts: list[str], ports: dict[str, int]) -> str:
    """`zoo.cfg` for every member: the ensemble is listed in full, so one file serves all of them."""
    lines = [
        "# Written by the data platform (components/layers/processing/config.py).",
        "tickTime=2000",
        "initLimit=10",
        "syncLimit=5",
        "dataDir=/data",
        "dataLogDir=/data/log",
        f"clientPort={ports['client']}",
        "maxClientCnxns=60",
        # Snapshots and logs would otherwise grow until the volume is full.
        "autopurge.snapRetainCount=3",
        "autopurge.purgeInterval=12",
        # Only what the probes and Prometheus need; the admin server stays off the network.
        "4lw.commands.whitelist=ruok,srvr,mntr",
        "admin.enableServer=false",
        # One code path for every size: a single member runs as an ensemble of one.
        "standaloneEnabled=false",
        "reconfigEnabled=false",
        # A member must accept peers before its own DNS name resolves (pods start in parallel).
        "quorumListenOnAllIPs=true",
        "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
        f"metricsProvider.httpPort={ports['metrics']}",
        "metricsProvider.exportJvmInfo=true",
        *zookeeper_servers(hosts, ports),
    ]
    return "\n".join(lines) + "\n"


ZOOKEEPER_LOGBACK = """<!-- Written by the data platform: ZooKeeper logs to the console at INFO. -->
<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
"""


def script(name: str) -> str:
    """One of the shell scripts the pods run (mounted from a ConfigMap)."""
    return (SCRIPTS / name).read_text()
