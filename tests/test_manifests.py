"""Every Kubernetes object of every stack: strict schemas, Pod Security, checkov, semantic rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.platform.security_exceptions import POD_SECURITY_EXCEPTIONS
from offline.manifests import Manifest, pod_templates
from tests.support import manifest_checks as checks
from tests.support.stacks import EDGE_VARIANTS, STACKS, stack_manifests, variant_manifests


def namespace_levels(manifests: tuple[Manifest, ...]) -> dict[str, str]:
    return {
        m.name: m.document["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for m in manifests
        if m.kind == "Namespace"
    }


def test_every_object_matches_the_strict_schemas(manifests: tuple[Manifest, ...]) -> None:
    assert manifests
    assert checks.schema_problems(manifests) == []


def test_every_pod_meets_pod_security(manifests: tuple[Manifest, ...]) -> None:
    problems, _ = checks.pod_security_problems(manifests, namespace_levels(manifests))
    assert problems == []


@pytest.fixture(params=[*STACKS, *EDGE_VARIANTS])
def manifests(request: pytest.FixtureRequest) -> tuple[Manifest, ...]:
    """Every shipped stack, and the edge's variants (the shipped stacks publish nothing)."""
    return stack_manifests(request.param) if request.param in STACKS else variant_manifests(request.param)


def test_every_exception_is_used_and_reasoned() -> None:
    used_schema = {
        (m.api_version, m.kind)
        for found in [*(stack_manifests(stack) for stack in STACKS), *(variant_manifests(name) for name in EDGE_VARIANTS)]
        for m in found
    } & set(checks.CRD_SCHEMA_ALLOW_LIST)
    assert used_schema == set(checks.CRD_SCHEMA_ALLOW_LIST), "remove CRD allow-list entries no stack uses"
    used_pss: set = set()
    for stack in STACKS:
        manifests = stack_manifests(stack)
        used_pss |= checks.pod_security_problems(manifests, namespace_levels(manifests))[1]
    assert used_pss == set(POD_SECURITY_EXCEPTIONS), "remove Pod Security exceptions no workload needs"
    for reason in [*checks.CRD_SCHEMA_ALLOW_LIST.values(), *POD_SECURITY_EXCEPTIONS.values()]:
        assert len(reason) > 30, f"give a real reason: {reason!r}"


def test_semantic_rules(manifests: tuple[Manifest, ...]) -> None:
    assert checks.semantic_problems(manifests) == []


def test_every_referenced_secret_and_config_map_exists(manifests: tuple[Manifest, ...]) -> None:
    assert checks.reference_problems(manifests) == []


def test_checkov_finds_nothing_unexplained(manifests: tuple[Manifest, ...], tmp_path: Path) -> None:
    report = checks.checkov_scan(manifests, tmp_path)
    assert report.failed == [], checks.describe_checkov_findings(report.failed)
    for skipped in report.skipped:
        reason = (skipped.get("check_result") or {}).get("suppress_comment") or skipped.get("suppress_comment")
        assert reason and len(reason) > 30, f"{skipped['check_id']} on {skipped['resource']} is skipped without a reason"
    workloads = sum(1 for _ in pod_templates(manifests))
    assert report.resource_count >= workloads
