"""The policy pack's policies, run directly (no CLI) on the graphs the mock evaluation captures: every stack
passes, and for each policy a deliberately broken copy of one resource is caught with a message that names the
resource and the fix."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs

from offline.graph import StackGraph, unwrap_secrets
from tests.support.stacks import PROJECT_ROOT, STACKS, stack_graph

sys.path.insert(0, str(PROJECT_ROOT / "policy"))
from policies import POLICIES, RULES  # noqa: E402

CONFIG = {stack: json.loads((PROJECT_ROOT / "policy" / "config" / f"{stack}.json").read_text()) for stack in STACKS}
BY_NAME = {policy.name: policy for policy in POLICIES}


def resources(graph: StackGraph) -> list[PolicyResource]:
    return [
        PolicyResource(record.type, unwrap_secrets(record.inputs), record.urn, record.name, PolicyResourceOptions(
            protect=False, ignore_changes=[], delete_before_replace=None, aliases=[], custom_timeouts=None,
            additional_secret_outputs=[]), None, None, [], {})
        for record in graph.resources
    ]


def run(policy_name: str, found: list[PolicyResource], stack: str) -> list[tuple[str, str | None]]:
    violations: list[tuple[str, str | None]] = []
    config = CONFIG[stack].get(policy_name)
    BY_NAME[policy_name].validate(StackValidationArgs(found, config), lambda message, urn=None: violations.append((message, urn)))
    return violations


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_passes_every_policy(stack: str) -> None:
    found = resources(stack_graph(stack))
    for policy in POLICIES:
        assert run(policy.name, found, stack) == [], policy.name


def _with(stack: str, match: Callable[[PolicyResource], bool], change: Callable[[dict[str, Any]], None]) -> tuple[list[PolicyResource], str]:
    found = resources(stack_graph(stack))
    for index, resource in enumerate(found):
        if match(resource):
            props = copy.deepcopy(dict(resource.props))
            change(props)
            found[index] = PolicyResource(resource.resource_type, props, resource.urn, resource.name, resource.opts, None, None, [], {})
            return found, resource.urn
    raise AssertionError("no resource to break")


def _deployment(name: str) -> Callable[[PolicyResource], bool]:
    return lambda r: r.resource_type == "kubernetes:apps/v1:Deployment" and r.name == name


def _first_container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


BROKEN = {
    "pod-security-restricted": (
        "prod", _deployment("processing-dbt-exporter"),
        lambda p: _first_container(p)["securityContext"].update(allowPrivilegeEscalation=True),
        "allowPrivilegeEscalation"),
    "images-pinned-by-digest": (
        "dev", _deployment("processing-dbt-exporter"),
        lambda p: _first_container(p).update(image="docker.io/minio/minio:latest"), "not pinned by tag and digest"),
    "no-plain-secrets": (
        "staging", _deployment("processing-dbt-exporter"),
        lambda p: _first_container(p).setdefault("env", []).append({"name": "DB_PASSWORD", "value": "hunter2-literal"}),
        "env DB_PASSWORD is a literal credential. Fix: valueFrom.secretKeyRef"),
    "namespaces-guarded": (
        "dev", lambda r: r.resource_type == "kubernetes:core/v1:Namespace" and r.name == "network-processing",
        lambda p: p["metadata"]["labels"].pop("pod-security.kubernetes.io/enforce"), "has no Pod Security Admission label"),
    "replicated-workloads-have-budgets": (
        "prod", lambda r: r.resource_type == "kubernetes:policy/v1:PodDisruptionBudget" and r.name.startswith("observability-tracing-jaeger"),
        lambda p: p["spec"]["selector"].update(matchLabels={"app.kubernetes.io/name": "nothing"}), "no PodDisruptionBudget selects its pods"),
    "replicated-workloads-spread-over-zones": (
        "prod", _deployment("observability-tracing-jaeger"),
        lambda p: p["spec"]["template"]["spec"].update(topologySpreadConstraints=[]), "not spread over zones"),
    "capacity-not-over-committed": (
        "staging", lambda r: r.resource_type == "kubernetes:core/v1:ConfigMap" and r.name == "observability-capacity",
        lambda p: p["data"].update({"capacity.json": json.dumps({"scenarios": [{
            "scenario": "one host lost", "requested_memory_mib": 40000, "allocatable_memory_mib": 30528,
            "requested_cpu_millis": 100, "allocatable_cpu_millis": 15050}]})}),
        "one host lost: over-committed (memory 40000 of 30528 mib)"),
}


@pytest.mark.parametrize("policy_name", sorted(BROKEN))
def test_a_broken_resource_is_caught_naming_it_and_the_fix(policy_name: str) -> None:
    stack, match, change, message = BROKEN[policy_name]
    found, urn = _with(stack, match, change)
    violations = run(policy_name, found, stack)
    assert violations, f"{policy_name} let the broken resource through"
    # The violation names the object at fault: the broken one, or (for a budget) the workload left without one.
    assert any(message in text and found_urn for text, found_urn in violations), violations
    if policy_name != "replicated-workloads-have-budgets":
        assert urn in {found_urn for _, found_urn in violations}
    assert all("Fix" in text for text, _ in violations), "every violation says how to fix it"


def test_every_policy_has_a_broken_case_and_a_documented_level() -> None:
    assert set(BROKEN) == {rule.name for rule in RULES}
    readme = (Path(PROJECT_ROOT) / "README.md").read_text()
    for rule in RULES:
        assert f"`{rule.name}`" in readme and str(rule.enforcement.value) in readme.lower(), rule.name


def test_the_capacity_policy_reads_the_configmap_the_program_writes() -> None:
    from components.layers.observability.layer import CAPACITY_CONFIG_MAP
    from offline import rules

    assert rules.CAPACITY_CONFIG_MAP == CAPACITY_CONFIG_MAP
    found = resources(stack_graph("prod"))
    assert any(r.resource_type == "kubernetes:core/v1:ConfigMap" and (r.props.get("metadata") or {}).get("name") == CAPACITY_CONFIG_MAP for r in found)


@pytest.mark.parametrize("stack", STACKS)
def test_how_many_objects_each_policy_looks_at(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    """For the closing note: the objects each rule examines per stack (every one examines at least one)."""
    from offline import rules

    docs = rules.docs_from((r.resource_type, r.name, r.props, r.urn) for r in resources(stack_graph(stack)))
    examined = {
        "pod-security-restricted": len(list(rules.pod_templates(docs))),
        "images-pinned-by-digest": len(list(rules.workload_containers(docs))),
        "no-plain-secrets": sum(1 for d in docs if d.kind in ("ConfigMap", "Release")) + len(list(rules.workload_containers(docs))),
        "namespaces-guarded": sum(1 for d in docs if d.kind in ("Namespace", "NetworkPolicy")),
        "replicated-workloads-have-budgets": len(list(rules.replicated_workloads(docs))),
        "replicated-workloads-spread-over-zones": len(list(rules.replicated_workloads(docs))),
        "capacity-not-over-committed": sum(1 for d in docs if d.name == rules.CAPACITY_CONFIG_MAP),
    }
    assert all(count >= 1 for name, count in examined.items() if not (stack == "dev" and "replicated" in name)), examined
    with capsys.disabled():
        print(f"\n{stack}: {len(docs)} objects; examined per policy: {examined}")
