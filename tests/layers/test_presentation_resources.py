"""The presentation layer's objects under mocks, per topology: Superset's workloads, Valkey, the migration Job."""

from __future__ import annotations

import json
import re

import pytest

from components.layers.presentation.superset import SIDECAR_SHARE
from components.layers.presentation.valkey import EXPORTER_SHARE
from offline.graph import unwrap_secrets
from offline.manifests import Manifest
from tests.support.lookup import find, one
from tests.support.stacks import STACKS, shipped_settings, stack_graph, stack_manifests

SPREAD_KEY = {"dev": None, "staging": "kubernetes.io/hostname", "prod": "topology.kubernetes.io/zone"}


def presentation(stack: str) -> tuple[Manifest, ...]:
    return tuple(m for m in stack_manifests(stack) if m.namespace == "dp-presentation")


def deployment(stack: str, component: str) -> dict:
    (found,) = [d for d in find(presentation(stack), "Deployment") if d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == component]
    return found


def _mebibytes(quantity: str) -> int:
    return int(quantity.removesuffix("Mi"))


def _millis(quantity: str) -> int:
    return int(quantity.removesuffix("m"))


@pytest.mark.parametrize("stack", STACKS)
def test_replicas_autoscalers_and_budgets_per_topology(stack: str) -> None:
    settings = shipped_settings(stack)
    manifests = presentation(stack)
    autoscalers = {h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in find(manifests, "HorizontalPodAutoscaler")}
    budgets = [b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] for b in find(manifests, "PodDisruptionBudget")]
    for component, name in (("web", "superset_web"), ("worker", "superset_worker"), ("beat", "superset_beat")):
        size = settings.services[name]
        found = deployment(stack, component)
        if size.autoscaled:
            assert "replicas" not in found["spec"], "the autoscaler owns the count"
            bounds = autoscalers[found["metadata"]["name"]]
            assert (bounds["minReplicas"], bounds["maxReplicas"]) == (size.replicas, size.max_replicas)
        else:
            assert found["spec"]["replicas"] == size.replicas
        assert (component in budgets) == (size.replicas > 1 or size.autoscaled)
        hard = [c["topologyKey"] for c in found["spec"]["template"]["spec"].get("topologySpreadConstraints") or []
                if c["whenUnsatisfiable"] == "DoNotSchedule"]
        assert hard == ([SPREAD_KEY[stack]] if SPREAD_KEY[stack] else [])
    if stack == "prod":
        assert {(a["minReplicas"], a["maxReplicas"]) for a in autoscalers.values()} == {(3, 6)}
    assert deployment(stack, "beat")["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("stack", STACKS)
def test_pods_request_exactly_their_topology_rows(stack: str) -> None:
    settings = shipped_settings(stack)
    for component, name in (("web", "superset_web"), ("worker", "superset_worker"), ("beat", "superset_beat")):
        containers = deployment(stack, component)["spec"]["template"]["spec"]["containers"]
        size = settings.services[name]
        assert sum(_mebibytes(c["resources"]["requests"]["memory"]) for c in containers) == size.memory_request_mib
        assert sum(_millis(c["resources"]["requests"]["cpu"]) for c in containers) == size.cpu_request_millis
        assert sum(_mebibytes(c["resources"]["limits"]["memory"]) for c in containers) == size.memory_limit_mib
    web = deployment(stack, "web")["spec"]["template"]["spec"]["containers"]
    sidecar = next(c for c in web if c["name"] == "statsd-exporter")
    assert sidecar["resources"]["requests"]["memory"] == f"{SIDECAR_SHARE['memory_request_mib']}Mi"


def test_probes_and_every_written_path_is_a_volume() -> None:
    spec = deployment("prod", "web")["spec"]["template"]["spec"]
    superset = next(c for c in spec["containers"] if c["name"] == "superset")
    assert superset["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8088, "scheme": "HTTP"}
    assert superset["livenessProbe"]["httpGet"]["path"] == "/health"
    assert superset["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m for m in superset["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    # Superset writes its home and /tmp; both are volumes, everything else is read-only.
    for path in ("/app/superset_home", "/tmp"):
        assert "emptyDir" in volumes[mounts[path]["name"]] and not mounts[path].get("readOnly")
    assert all(m.get("readOnly") for p, m in mounts.items() if p not in ("/app/superset_home", "/tmp"))
    assert mounts["/app/pythonpath"]["name"] == "config" and "configMap" in volumes["config"]
    for component in ("worker", "beat"):
        container = deployment("prod", component)["spec"]["template"]["spec"]["containers"][0]
        assert "exec" in container["readinessProbe"] and "exec" in container["livenessProbe"]


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_in_a_config_map_or_an_environment_variable(stack: str) -> None:
    graph = stack_graph(stack)
    manifests = presentation(stack)
    config_maps = json.dumps([m.document for m in manifests if m.kind == "ConfigMap"])
    assert not any(secret in config_maps for secret in graph.secret_values)
    for manifest in manifests:
        if manifest.kind in ("Deployment", "StatefulSet", "Job"):
            for container in manifest.document["spec"]["template"]["spec"]["containers"]:
                for variable in container.get("env") or []:
                    assert "valueFrom" not in variable
                    assert not any(secret in str(variable.get("value")) for secret in graph.secret_values)
    config = one(manifests, "ConfigMap", "presentation-superset-config-mock")["data"]["superset_config.py"]
    assert "SECRET_KEY = _secret(" in config and "ENABLE_PROXY_FIX = True" in config and "FAB_ADD_SECURITY_API = True" in config
    assert '"CACHE_TYPE": "RedisCache"' in config


def test_the_migration_job_runs_before_the_deployments_and_follows_the_image() -> None:
    graph = stack_graph("prod")
    (job,) = [r for r in graph.resources if r.name == "presentation-superset-setup"]
    name = unwrap_secrets(job.inputs)["metadata"]["name"]
    assert re.fullmatch(r"superset-setup-[0-9a-f]{10}", name)
    for component in ("web", "worker", "beat"):
        (record,) = [r for r in graph.resources if r.name == f"presentation-superset-{component}"]
        assert job.urn in record.dependencies, component
    command = unwrap_secrets(job.inputs)["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command == ["sh", "/scripts/superset-init.sh"]


def test_dremio_is_reached_over_flight_with_tls_verified_against_the_platform_ca() -> None:
    graph = stack_graph("prod")
    (layer,) = graph.of_type("data-platform:presentation:Presentation")
    uri = unwrap_secrets(graph.registered_outputs[layer.urn]["dremio_uri"])
    assert re.fullmatch(
        r"dremio\+flight://platform_admin:mock-secret-processing-admin-password@dremio\.dp-processing\.svc\.cluster\.local:32010/dremio"
        r"\?UseEncryption=true&TrustedCerts=/etc/platform-ca/ca\.crt",
        uri,
    ), uri
    assert "DisableCertificateVerification" not in uri
    for component in ("web", "worker"):
        spec = deployment("prod", component)["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
        assert volumes[mounts["/etc/platform-ca"]]["configMap"]["name"] == "platform-ca"


@pytest.mark.parametrize(("stack", "persistent"), [("dev", False), ("staging", True), ("prod", True)])
def test_valkey_has_a_password_and_persistence_per_topology(stack: str, persistent: bool) -> None:
    manifests = presentation(stack)
    (valkey,) = [s for s in find(manifests, "StatefulSet") if s["metadata"]["name"] == "valkey"]
    assert valkey["spec"]["replicas"] == 1
    volumes = {v["name"]: v for v in valkey["spec"]["template"]["spec"]["volumes"]}
    config = next(m.document for m in manifests if m.kind == "Secret" and m.name == volumes["config"]["secret"]["secretName"])
    text = config["stringData"]["valkey.conf"]
    assert "requirepass mock-secret-presentation-valkey-password\n" in text, "the generated password"
    assert ("appendonly yes" in text) == persistent and ("appendonly no" in text) == (not persistent)
    # The redis_exporter sidecar takes its share of the row; Valkey's memory cap follows its own limit.
    limit = shipped_settings(stack).services["valkey"].memory_limit_mib - EXPORTER_SHARE["memory_limit_mib"]
    assert f"maxmemory {max(16, int(limit * 0.75))}mb" in text
    containers = {c["name"]: c for c in valkey["spec"]["template"]["spec"]["containers"]}
    assert set(containers) == {"valkey", "metrics"}
    password_file = next(a for a in containers["metrics"]["args"] if a.startswith("--redis.password-file="))
    assert password_file.startswith("--redis.password-file=/etc/valkey-password/")


def test_the_four_roles_are_offered_to_the_wiring() -> None:
    output = unwrap_secrets(stack_graph("dev").outputs["presentation"])
    assert output["roles"] == ["Admin", "Data Engineer", "Analyst", "Viewer"]
    assert output["superset_url"] == "http://superset.dp-presentation.svc.cluster.local:8088"
