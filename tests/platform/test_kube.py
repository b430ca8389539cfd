"""The shared Kubernetes building blocks, declared through the mock engine and held to every manifest check.

A small program (tests/support/programs/building_blocks.py) declares one workload from the blocks alone; it is
evaluated with each shipped stack's config, so spreading, disruption budgets and autoscaling follow
each topology exactly as the layers' workloads will.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest

from components.platform import kube
from components.platform.catalog import service
from offline.graph import evaluate_stack
from offline.manifests import Manifest, kubernetes_manifests
from tests.support import manifest_checks as checks
from tests.support.stacks import PROJECT_ROOT, stack_manifests

PROGRAM = PROJECT_ROOT / "tests" / "support" / "programs" / "building_blocks.py"


@functools.cache
def sample(stack: str) -> tuple[Manifest, ...]:
    return tuple(kubernetes_manifests(evaluate_stack(stack, program=PROGRAM)))


def _one(manifests: tuple[Manifest, ...], kind: str) -> dict:
    found = [m.document for m in manifests if m.kind == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def test_sample_matches_the_strict_schemas(stack: str) -> None:
    assert checks.schema_problems(sample(stack)) == []


def test_sample_pod_meets_restricted_and_semantic_rules(stack: str) -> None:
    problems, _ = checks.pod_security_problems(sample(stack), {})
    assert problems == []
    assert checks.semantic_problems(sample(stack)) == []


def test_sample_passes_checkov_with_the_stacks_network_policies(stack: str, tmp_path: Path) -> None:
    report = checks.checkov_scan(sample(stack) + stack_manifests(stack), tmp_path)
    assert report.failed == [], checks.describe_checkov_findings(report.failed)
    assert len(report.passed) > 80


def test_checkov_and_pod_security_catch_a_weakened_pod(tmp_path: Path) -> None:
    """The scans are live: removing the hardening from the sample is reported by both."""
    weakened = []
    for manifest in sample("dev"):
        document = copy.deepcopy(manifest.document)
        if manifest.kind == "Deployment":
            pod = document["spec"]["template"]["spec"]
            del pod["securityContext"]
            for container in pod["containers"]:
                del container["securityContext"]
                container["image"] = "registry.example.com/sample/web:latest"
        weakened.append(Manifest(record=manifest.record, document=document))
    report = checks.checkov_scan(weakened, tmp_path)
    failed = {finding["check_id"] for finding in report.failed}
    assert {"CKV_K8S_20", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_43"} <= failed
    problems, _ = checks.pod_security_problems(weakened, {})
    assert any("privilege-escalation" in p for p in problems) and any("run-as-non-root" in p for p in problems)
    assert any("not pinned by tag and digest" in p for p in checks.semantic_problems(weakened))


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("dev", []),
        ("staging", [("kubernetes.io/hostname", "DoNotSchedule")]),
        ("prod", [("topology.kubernetes.io/zone", "DoNotSchedule"), ("kubernetes.io/hostname", "ScheduleAnyway")]),
    ],
)
def test_replicas_spread_over_the_topologys_failure_domains(stack: str, expected: list) -> None:
    pod = _one(sample(stack), "Deployment")["spec"]["template"]["spec"]
    constraints = pod.get("topologySpreadConstraints") or []
    assert [(c["topologyKey"], c["whenUnsatisfiable"]) for c in constraints] == expected
    selector = _one(sample(stack), "Deployment")["spec"]["selector"]["matchLabels"]
    for constraint in constraints:
        assert constraint["maxSkew"] == 1
        assert constraint["labelSelector"]["matchLabels"] == selector


def test_every_workload_has_a_disruption_budget_selecting_it(stack: str) -> None:
    deployment = _one(sample(stack), "Deployment")
    budget = _one(sample(stack), "PodDisruptionBudget")
    assert budget["spec"] == {"maxUnavailable": 1, "selector": deployment["spec"]["selector"]}
    assert budget["metadata"]["namespace"] == deployment["metadata"]["namespace"]


@pytest.mark.parametrize(("stack", "replicas", "autoscaled"), [("dev", 1, False), ("staging", 2, False), ("prod", None, True)])
def test_autoscaling_only_where_the_profile_gives_a_range(stack: str, replicas: int | None, autoscaled: bool) -> None:
    deployment = _one(sample(stack), "Deployment")
    assert deployment["spec"].get("replicas") == replicas
    autoscalers = [m.document for m in sample(stack) if m.kind == "HorizontalPodAutoscaler"]
    assert bool(autoscalers) == autoscaled
    if autoscaled:
        spec = autoscalers[0]["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 6)
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"]}


def test_requests_and_limits_come_from_the_profile(stack: str) -> None:
    container = _one(sample(stack), "Deployment")["spec"]["template"]["spec"]["containers"][0]
    from tests.support.stacks import shipped_profile

    size = shipped_profile(stack).services["superset_web"]
    assert container["resources"] == {
        "requests": {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"},
        "limits": {"cpu": f"{size.cpu_limit_millis}m", "memory": f"{size.memory_limit_mib}Mi"},
    }


def test_labels_follow_the_kubernetes_recommendations() -> None:
    labels = _one(sample("staging"), "Deployment")["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/name": "superset",
        "app.kubernetes.io/component": "web",
        "app.kubernetes.io/instance": "data-platform-staging",
        "app.kubernetes.io/part-of": "data-platform",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/version": "1.0.0",
        "dataplatform.io/service": "superset-web",
    }


def test_probes_give_slow_starters_time_without_weakening_liveness() -> None:
    container = _one(sample("dev"), "Deployment")["spec"]["template"]["spec"]["containers"][0]
    startup, liveness = container["startupProbe"], container["livenessProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == 120
    assert liveness["periodSeconds"] * liveness["failureThreshold"] == 60
    assert startup["httpGet"] == container["readinessProbe"]["httpGet"]


def test_jvm_options_follow_the_profile() -> None:
    from tests.support.stacks import shipped_profile

    size = shipped_profile("prod").services["dremio_executor"]
    assert kube.jvm_memory_options(size) == "-Xms4096m -Xmx4096m -XX:MaxDirectMemorySize=5120m"
    with pytest.raises(ValueError, match="jvm_heap_mib"):
        kube.jvm_memory_options(shipped_profile("prod").services["grafana"])


def test_standard_labels_truncate_long_versions() -> None:
    labels = kube.standard_labels(service("grafana"), instance="x", version="v" * 80)
    assert len(labels["app.kubernetes.io/version"]) == 63


@pytest.mark.parametrize(("request_mib", "limit_mib"), [(4096, 4096), (1024, 2048), (100, 101)])
def test_a_shared_row_never_gives_a_container_a_request_above_its_limit(request_mib: int, limit_mib: int) -> None:
    from components.platform.topology.model import ServiceSize

    row = ServiceSize(replicas=1, cpu_request_millis=500, cpu_limit_millis=500, memory_request_mib=request_mib, memory_limit_mib=limit_mib)
    main, sidecar = kube.share_out(row, {"cpu_request_millis": 5, "cpu_limit_millis": 50, "memory_request_mib": 16, "memory_limit_mib": 32})
    for part in (main, sidecar):
        assert part.memory_request_mib <= part.memory_limit_mib and part.cpu_request_millis <= part.cpu_limit_millis
    assert main.memory_request_mib + sidecar.memory_request_mib == request_mib, "the pod requests exactly the row"
    assert main.cpu_request_millis + sidecar.cpu_request_millis == 500
    assert main.memory_limit_mib + sidecar.memory_limit_mib == limit_mib
