"""The processing layer's objects, per topology and backend: what the issue asks of Dremio and ZooKeeper.

Strict schemas, Pod Security, checkov and the flows run on these objects with every other (tests/test_manifests.py,
tests/layers/test_network.py); here are the facts specific to this layer, read from the declared objects.
"""

from __future__ import annotations

import json
import re

import pytest

from components.layers.processing.config import KEYSTORE_PASSWORD, placeholders
from components.platform.catalog import FLOWS, service
from components.platform.topology import HOSTNAME_KEY, JVM_OVERHEAD_MIB, ZONE_KEY
from offline.graph import unwrap_secrets
from offline.manifests import Manifest
from tests.support import failure_simulation
from tests.support.lookup import find, one, statefulsets
from tests.support.stacks import (
    BACKENDS,
    STACKS,
    backend_graph,
    backend_manifests,
    shipped_settings,
    stack_config,
    stack_graph,
    stack_manifests,
)

SPREAD_KEY = {"dev": None, "staging": HOSTNAME_KEY, "prod": ZONE_KEY}
REPLICAS = {  # (zookeeper, coordinator, executors) as the issue asks
    "dev": (1, 1, 1),
    "staging": (3, 1, 2),
    "prod": (3, 1, 3),
}


def processing(manifests: tuple[Manifest, ...]) -> tuple[Manifest, ...]:
    return tuple(m for m in manifests if m.namespace == "dp-processing")


def container(statefulset: dict, name: str, init: bool = False) -> dict:
    key = "initContainers" if init else "containers"
    return next(c for c in statefulset["spec"]["template"]["spec"][key] if c["name"] == name)


def env(item: dict) -> dict[str, str]:
    return {v["name"]: v.get("value") for v in item.get("env") or []}


def mebibytes(quantity: str) -> int:
    assert quantity.endswith("Mi"), quantity
    return int(quantity.removesuffix("Mi"))


# --- replicas, spreading, budgets, volumes ----------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_replicas_spread_and_budgets_per_topology(stack: str) -> None:
    manifests = stack_manifests(stack)
    (zookeeper,) = statefulsets(manifests, "zookeeper", "ensemble")
    (coordinator,) = statefulsets(manifests, "dremio", "coordinator")
    (executors,) = statefulsets(manifests, "dremio", "executor")
    assert (zookeeper["spec"]["replicas"], coordinator["spec"]["replicas"], executors["spec"]["replicas"]) == REPLICAS[stack]
    for statefulset in (zookeeper, coordinator, executors):
        constraints = statefulset["spec"]["template"]["spec"].get("topologySpreadConstraints") or []
        hard = [c["topologyKey"] for c in constraints if c["whenUnsatisfiable"] == "DoNotSchedule"]
        assert hard == ([SPREAD_KEY[stack]] if SPREAD_KEY[stack] else []), statefulset["metadata"]["name"]
    budgets = {
        json.dumps(b["spec"]["selector"]["matchLabels"], sort_keys=True): b["spec"]["maxUnavailable"]
        for b in find(processing(manifests), "PodDisruptionBudget")
    }
    selectors = {name: json.dumps(s["spec"]["selector"]["matchLabels"], sort_keys=True) for name, s in
                 (("zookeeper", zookeeper), ("coordinator", coordinator), ("executors", executors))}
    # A quorum of three keeps two through a drain; executors lose one at a time; the single coordinator
    # has no budget (it could only block drains; its restart is the documented interruption).
    assert budgets == {selectors["zookeeper"]: 1, selectors["executors"]: 1}


@pytest.mark.parametrize("stack", STACKS)
def test_volumes_come_from_the_profile(stack: str) -> None:
    settings = shipped_settings(stack)
    manifests = stack_manifests(stack)
    for app, component, name in (("zookeeper", "ensemble", "zookeeper"), ("dremio", "coordinator", "dremio_coordinator"),
                                 ("dremio", "executor", "dremio_executor")):
        (statefulset,) = statefulsets(manifests, app, component)
        (claim,) = statefulset["spec"]["volumeClaimTemplates"]
        assert claim["spec"]["resources"]["requests"]["storage"] == f"{settings.services[name].storage_gib}Gi"
        assert claim["spec"].get("storageClassName") == settings.profile.storage_class


@pytest.mark.parametrize("stack", STACKS)
def test_the_coordinators_metadata_volume_is_paths_local(stack: str) -> None:
    (coordinator,) = statefulsets(stack_manifests(stack), "dremio", "coordinator")
    mounts = {m["name"]: m["mountPath"] for m in container(coordinator, "dremio-coordinator")["volumeMounts"]}
    assert mounts["data"] == "/opt/dremio/data"
    conf = one(processing(stack_manifests(stack)), "ConfigMap", "processing-dremio-config-mock")["data"]["dremio.conf"]
    assert 'local: "/opt/dremio/data"' in conf


# --- memory --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_jvm_memory_fits_the_container_limit_with_a_margin(stack: str) -> None:
    settings = shipped_settings(stack)
    manifests = stack_manifests(stack)
    for component, name in (("coordinator", "dremio_coordinator"), ("executor", "dremio_executor")):
        (statefulset,) = statefulsets(manifests, "dremio", component)
        server = container(statefulset, name.replace("_", "-"))
        values = env(server)
        heap, direct = int(values["DREMIO_MAX_HEAP_MEMORY_SIZE_MB"]), int(values["DREMIO_MAX_DIRECT_MEMORY_SIZE_MB"])
        limit = mebibytes(server["resources"]["limits"]["memory"])
        assert (heap, direct) == (settings.services[name].jvm_heap_mib, settings.services[name].jvm_direct_memory_mib)
        assert heap + direct + JVM_OVERHEAD_MIB <= limit, f"{stack} {name}: {heap}+{direct}+{JVM_OVERHEAD_MIB} > {limit}"
        assert server["resources"]["requests"]["memory"] == f"{settings.services[name].memory_request_mib}Mi"
        # Thread pools follow the CPU request.
        processors = max(1, settings.services[name].cpu_request_millis // 1000)
        assert f"-XX:ActiveProcessorCount={processors}" in values["DREMIO_JAVA_SERVER_EXTRA_OPTS"]
    (zookeeper,) = statefulsets(manifests, "zookeeper", "ensemble")
    server = container(zookeeper, "zookeeper")
    heap = int(env(server)["ZK_SERVER_HEAP"])
    assert heap == settings.services["zookeeper"].jvm_heap_mib
    assert heap + JVM_OVERHEAD_MIB <= mebibytes(server["resources"]["limits"]["memory"])


@pytest.mark.parametrize("stack", STACKS)
def test_each_role_gets_its_role_and_nothing_else(stack: str) -> None:
    manifests = stack_manifests(stack)
    (coordinator,) = statefulsets(manifests, "dremio", "coordinator")
    (executors,) = statefulsets(manifests, "dremio", "executor")
    coordinator_options = env(container(coordinator, "dremio-coordinator"))["DREMIO_JAVA_SERVER_EXTRA_OPTS"]
    executor_options = env(container(executors, "dremio-executor"))["DREMIO_JAVA_SERVER_EXTRA_OPTS"]
    assert "-Dservices.coordinator.master.enabled=true" in coordinator_options
    assert "-Dservices.executor.enabled=false" in coordinator_options
    assert "-Dservices.coordinator.enabled=false" in executor_options
    assert "-Dservices.executor.enabled=true" in executor_options


# --- configuration --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_dremio_conf_and_core_site_point_at_the_active_store_without_secrets(backend: str) -> None:
    graph = backend_graph("staging", backend)
    manifests = processing(backend_manifests("staging", backend))
    data = one(manifests, "ConfigMap", "processing-dremio-config-mock")["data"]
    conf, site = data["dremio.conf"], data["core-site.xml"]
    prefix = "acme-" if backend == "external" else ""
    assert f'dist: "dremioS3:///{prefix}dremio/dist"' in conf
    zookeeper = ",".join(f"zookeeper-{n}.zookeeper-hl.dp-processing.svc.cluster.local:2181" for n in range(3))
    assert f'zookeeper: "{zookeeper}"' in conf
    assert "embedded-zookeeper.enabled: false" in conf and "conduit.port: 45679" in conf
    properties = dict(re.findall(r"<name>([^<]+)</name>\s*<value>([^<]*)</value>", site))
    if backend == "external":
        expected = {"fs.s3a.endpoint": "s3.eu-west-1.amazonaws.com", "fs.s3a.connection.ssl.enabled": "true",
                    "fs.s3a.path.style.access": "false", "dremio.s3.compat": "false"}
    else:
        expected = {"fs.s3a.endpoint": "object-storage.dp-storage.svc.cluster.local:9000",
                    "fs.s3a.connection.ssl.enabled": "false", "fs.s3a.path.style.access": "true", "dremio.s3.compat": "true"}
    assert {key: properties[key] for key in expected} == expected
    assert properties["fs.dremioS3.impl"] == "com.dremio.plugins.s3.store.S3FileSystem"
    assert properties["fs.s3a.access.key"] == "@@AWS_ACCESS_KEY_ID@@"
    assert properties["fs.s3a.secret.key"] == "@@AWS_SECRET_ACCESS_KEY@@"
    everything = json.dumps([m.document for m in manifests if m.kind == "ConfigMap"])
    assert not any(secret in everything for secret in graph.secret_values)


@pytest.mark.parametrize("stack", STACKS)
def test_every_placeholder_is_provided_by_a_mounted_secret(stack: str) -> None:
    manifests = processing(stack_manifests(stack))
    templates = one(manifests, "ConfigMap", "processing-dremio-config-mock")["data"]
    needed = set().union(*(placeholders(text) for text in templates.values()))
    assert needed == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", KEYSTORE_PASSWORD}
    secrets = {m.name: m.document for m in manifests if m.kind == "Secret"}
    for statefulset in find(manifests, "StatefulSet"):
        if statefulset["metadata"]["name"] == "zookeeper":
            continue
        volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
        provided = set()
        for source in volumes["secrets"]["projected"]["sources"]:
            keys = {item["key"] for item in source["secret"]["items"]}
            assert keys <= set(secrets[source["secret"]["name"]]["stringData"]), source
            provided |= {item["path"] for item in source["secret"]["items"]}
        assert provided == needed
        init = container(statefulset, "config", init=True)
        assert env(init)["SECRETS_DIR"] == "/secrets" and env(init)["TARGET_DIR"] == "/rendered"
        # The rendered files hold secrets: memory-backed, and no secret in any environment variable.
        assert volumes["conf"]["emptyDir"]["medium"] == "Memory"
        for item in statefulset["spec"]["template"]["spec"]["containers"] + [init]:
            assert not any("valueFrom" in variable for variable in item.get("env") or [])


def test_zoo_cfg_lists_the_ensemble_and_restricts_four_letter_words() -> None:
    manifests = processing(stack_manifests("prod"))
    config = next(m.document["data"] for m in manifests if m.kind == "ConfigMap" and "zoo.cfg" in m.document["data"])
    lines = config["zoo.cfg"].splitlines()
    assert [line for line in lines if line.startswith("server.")] == [
        f"server.{n + 1}=zookeeper-{n}.zookeeper-hl.dp-processing.svc.cluster.local:2888:3888;2181" for n in range(3)
    ]
    assert "4lw.commands.whitelist=ruok,srvr,mntr" in lines and "admin.enableServer=false" in lines
    assert "metricsProvider.httpPort=7000" in lines
    (zookeeper,) = statefulsets(manifests, "zookeeper", "ensemble")
    server = container(zookeeper, "zookeeper")
    probes = [server[p]["exec"]["command"][-1] for p in ("readinessProbe", "livenessProbe")]
    used = {word for probe in probes for word in ("ruok", "srvr", "mntr") if f"echo {word}" in probe}
    assert used <= {"ruok", "srvr", "mntr"} and used == {"ruok", "srvr"}
    assert {p["name"]: p["containerPort"] for p in server["ports"]}["metrics"] == 7000


# --- services, TLS ---------------------------------------------------------------------------------------------


def test_the_client_service_pins_flight_clients_to_one_coordinator() -> None:
    manifests = processing(stack_manifests("prod"))
    client = one(manifests, "Service", "dremio")
    assert client["spec"]["sessionAffinity"] == "ClientIP"
    assert {p["name"]: p["port"] for p in client["spec"]["ports"]} == {"web": 9047, "client": 31010, "flight": 32010}
    assert client["spec"]["selector"]["app.kubernetes.io/component"] == "coordinator"
    for name in ("dremio-coordinator-hl", "dremio-executor-hl", "zookeeper-hl"):
        assert one(manifests, "Service", name)["spec"]["clusterIP"] == "None"


@pytest.mark.parametrize("stack", STACKS)
def test_web_and_flight_serve_tls_from_a_certificate_of_the_platform_ca(stack: str) -> None:
    manifests = stack_manifests(stack)
    certificate = one(processing(manifests), "Certificate")["spec"]
    issuer = one(manifests, "ClusterIssuer")
    assert certificate["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer["metadata"]["name"]}
    assert certificate["secretName"] == "dremio-tls"
    assert "dremio.dp-processing.svc.cluster.local" in certificate["dnsNames"] and "dremio.dp-processing.svc" in certificate["dnsNames"]
    keystore = certificate["keystores"]["pkcs12"]
    password_secret = one(processing(manifests), "Secret", keystore["passwordSecretRef"]["name"])
    assert keystore["create"] is True and keystore["passwordSecretRef"]["key"] in password_secret["stringData"]
    conf = one(processing(manifests), "ConfigMap", "processing-dremio-config-mock")["data"]["dremio.conf"]
    for section in ("coordinator.web.ssl", "flight.ssl"):
        block = conf.split(f"{section}: {{", 1)[1].split("}", 1)[0]
        assert "enabled: true" in block and "auto-certificate.enabled: false" in block
        assert 'keyStore: "/opt/dremio/tls/keystore.p12"' in block and '"@@KEYSTORE_PASSWORD@@"' in block
    (coordinator,) = statefulsets(manifests, "dremio", "coordinator")
    volumes = {v["name"]: v for v in coordinator["spec"]["template"]["spec"]["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "dremio-tls"
    readiness = container(coordinator, "dremio-coordinator")["readinessProbe"]["httpGet"]
    assert readiness == {"path": "/apiv2/server_status", "port": 9047, "scheme": "HTTPS"}
    startup = container(coordinator, "dremio-coordinator")["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 1200


def test_the_processing_output_names_urls_ca_and_secrets_but_no_value() -> None:
    graph = stack_graph("prod")
    output = unwrap_secrets(graph.outputs["processing"])
    assert output["dremio_url"] == "https://dremio.dp-processing.svc.cluster.local:9047"
    assert output["flight_endpoint"] == "dremio.dp-processing.svc.cluster.local:32010"
    assert output["ca"] == {"config_map": "platform-ca", "key": "ca.crt", "issuer": "dp-platform-ca"}
    assert output["admin_secret"].startswith("processing-admin")
    assert not any(secret in json.dumps(output) for secret in graph.secret_values)


# --- the object store ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_dremio_bucket_is_created_and_granted_to_dremio_only(backend: str) -> None:
    manifests = backend_manifests("staging", backend)
    prefix = "acme-" if backend == "external" else ""
    setup = next(m.document for m in manifests if m.kind == "Job" and m.name.startswith("storage-objects-setup"))
    script = setup["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert f"mc mb --ignore-existing store/{prefix}dremio" in script
    if backend == "minio":
        policies = next(m.document["data"] for m in manifests if m.kind == "ConfigMap" and "dremio.json" in m.document["data"])
        statements = json.loads(policies["dremio.json"])["Statement"]
        writes = next(s for s in statements if "s3:PutObject" in s["Action"])["Resource"]
        reads = next(s for s in statements if s["Action"] == ["s3:GetObject"])["Resource"]
        assert writes == ["arn:aws:s3:::silver/*", "arn:aws:s3:::gold/*", "arn:aws:s3:::dremio/*"]
        assert reads == [f"arn:aws:s3:::{b}/*" for b in ("bronze", "silver", "gold", "dremio")]
        for consumer, policy in policies.items():
            if consumer not in ("dremio.json",):
                assert "arn:aws:s3:::dremio" not in policy, consumer


# --- backups ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_metadata_backup_runs_daily_and_keeps_the_retention(stack: str) -> None:
    settings = shipped_settings(stack)
    manifests = processing(stack_manifests(stack))
    (cron,) = [c for c in find(manifests, "CronJob") if c["metadata"]["name"].startswith("processing-maintenance-backup")]
    assert cron["spec"]["schedule"] == f"30 {settings.config.backups.base_backup_hour_utc} * * *"
    assert cron["spec"]["timeZone"] == "Etc/UTC" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (trigger,) = pod["initContainers"]
    (upload,) = pod["containers"]
    assert trigger["command"] == ["sh", "/scripts/dremio-admin.sh", "backup"]
    assert env(trigger)["BACKUP_URI"] == "dremioS3:///dremio/metadata-backups"
    assert env(trigger)["DREMIO_URL"] == "https://dremio.dp-processing.svc.cluster.local:9047"
    assert env(trigger)["CA_FILE"] == "/ca/ca.crt"
    assert env(upload)["RETENTION_DAYS"] == str(settings.config.backups.retention_days)
    assert (env(upload)["BACKUPS_BUCKET"], env(upload)["BACKUPS_PREFIX"]) == ("backups", "dremio")
    volumes = {v["name"]: v for v in pod["volumes"]}
    # The two credentials come from Secrets (files); the backups one is its own, limited to that bucket.
    secrets = {m.name: m.document["stringData"] for m in manifests if m.kind == "Secret"}
    for name in ("dist-credentials", "backup-credentials", "admin"):
        assert volumes[name]["secret"]["secretName"] in secrets
    assert volumes["ca"]["configMap"]["name"] == "platform-ca"


def test_the_set_up_job_runs_after_the_coordinator() -> None:
    graph = stack_graph("dev")
    job = next(r for r in graph.resources if r.type == "kubernetes:batch/v1:Job" and r.name == "processing-maintenance-setup")
    coordinator = next(r for r in graph.resources if r.name == "processing-dremio-coordinators")
    assert coordinator.urn in job.dependencies
    command = unwrap_secrets(job.inputs)["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command == ["sh", "/scripts/dremio-admin.sh", "setup"]


# --- flows -----------------------------------------------------------------------------------------------------


def test_the_catalog_admits_exactly_the_processing_flows() -> None:
    processing_services = {"dremio_coordinator", "dremio_executor", "zookeeper", "dremio_maintenance"}
    dbt_flows = {("dbt", "postgresql", "postgres"), ("dbt", "object_storage", "s3"), ("dbt_exporter", "postgresql", "postgres"),
                 ("prometheus", "dbt_exporter", "metrics")}
    flows = {(f.source, f.target, f.port_name) for f in FLOWS if f.source in processing_services or f.target in processing_services}
    assert dbt_flows <= {(f.source, f.target, f.port_name) for f in FLOWS}
    assert flows == {
        ("superset_web", "dremio_coordinator", "flight"),
        ("superset_worker", "dremio_coordinator", "flight"),
        ("dbt", "dremio_coordinator", "web"),
        ("dbt_exporter", "dremio_coordinator", "web"),
        *((role, target, "s3" if target == "object_storage" else port) for role in ("dremio_coordinator", "dremio_executor")
          for target, port in (("object_storage", "s3"), ("postgresql", "postgres"), ("elasticsearch", "http"))),
        ("dremio_coordinator", "zookeeper", "client"),
        ("dremio_executor", "zookeeper", "client"),
        ("zookeeper", "zookeeper", "peer"),
        ("zookeeper", "zookeeper", "election"),
        *((a, b, port) for a, b in (("dremio_coordinator", "dremio_executor"), ("dremio_executor", "dremio_coordinator"))
          for port in ("fabric", "conduit")),
        ("dremio_executor", "dremio_executor", "fabric"),
        ("prometheus", "dremio_coordinator", "metrics"),
        ("prometheus", "dremio_executor", "metrics"),
        ("prometheus", "zookeeper", "metrics"),
        ("dremio_maintenance", "dremio_coordinator", "web"),
        ("dremio_maintenance", "object_storage", "s3"),
    }
    assert service("zookeeper").ports["metrics"] == 7000 and service("dremio_coordinator").ports["metrics"] == 9010


# --- failure simulation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "domains", "key"), [("staging", 3, HOSTNAME_KEY), ("prod", 3, ZONE_KEY)])
def test_zookeeper_keeps_quorum_and_executors_keep_running_after_the_loss(stack: str, domains: int, key: str) -> None:
    outcomes = {o.service: o for o in failure_simulation.simulate(list(stack_manifests(stack)), domains, key)}
    zookeeper, executors = outcomes["zookeeper"], outcomes["dremio_executor"]
    assert (zookeeper.members, zookeeper.lost, zookeeper.survives) == (3, 1, True), str(zookeeper)
    assert executors.survives and executors.members - executors.lost >= 1, str(executors)


def test_the_simulation_catches_an_ensemble_that_shares_a_zone() -> None:
    broken = []
    for manifest in stack_manifests("prod"):
        document = json.loads(json.dumps(manifest.document))
        if manifest.kind == "StatefulSet" and manifest.name == "zookeeper":
            document["spec"]["template"]["spec"]["topologySpreadConstraints"] = []
        broken.append(Manifest(record=manifest.record, document=document))
    outcomes = {o.service: o for o in failure_simulation.simulate(broken, 3, ZONE_KEY)}
    assert not outcomes["zookeeper"].survives


def test_a_digest_in_settings_pins_the_dremio_image_and_drops_the_exceptions() -> None:
    from offline.graph import evaluate_stack
    from offline.manifests import kubernetes_manifests

    digest = "sha256:" + "d" * 64
    config, secret_keys = stack_config("dev", processing={"dremio_image_digest": digest})
    graph = evaluate_stack("dev", config=config, secret_keys=secret_keys)
    assert graph.warnings == []
    for statefulset in (m.document for m in kubernetes_manifests(graph) if m.kind == "StatefulSet" and m.name.startswith("dremio")):
        images = {c["image"] for c in statefulset["spec"]["template"]["spec"]["containers"] + statefulset["spec"]["template"]["spec"]["initContainers"]}
        assert images == {f"docker.io/dremio/dremio-oss:26.0.5@{digest}"}
        skips = set(statefulset["metadata"]["annotations"].values())
        assert {s.split("=")[0] for s in skips} == {"CKV_K8S_40"}
