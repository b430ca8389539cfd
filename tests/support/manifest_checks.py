"""The manifest checks every stack and every building block is held to, and their explicit exceptions.

* strict OpenAPI schema validation on Kubernetes 1.31 and 1.34; a kind without a bundled schema (a
  custom resource) fails unless it is in `CRD_SCHEMA_ALLOW_LIST` with a reason;
* Pod Security Standards "restricted" for every pod template, except the (kind, name, rule) triples in
  `POD_SECURITY_EXCEPTIONS` (components/platform/security_exceptions.py), each with a reason; every pod must also pass its namespace's enforce level;
* checkov (in its own virtualenv, always offline) with zero failed checks: a finding is fixed, or
  suppressed on the resource itself with a `checkov.io/skipN: CHECK=reason` annotation;
* semantic rules a schema cannot express (names, selectors, quantities, pinned images).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.platform.security_exceptions import OPERATOR_CREATED_SECRETS
from offline import rules
from offline.manifests import Manifest, pod_templates, write_manifests
from offline.schema import SchemaNotFoundError, schema_errors

KUBERNETES_MINORS = ("1.31", "1.34")
"""The oldest and the newest Kubernetes minor the platform supports."""

_SHAPE_TESTED = "no schema is bundled with kubernetes-validate and none is published on PyPI; its shape (required fields, references, per-topology numbers) is tested in tests/layers/test_storage_*.py"
CRD_SCHEMA_ALLOW_LIST: dict[tuple[str, str], str] = {
    ("postgresql.cnpg.io/v1", "Cluster"): f"CloudNativePG Cluster: {_SHAPE_TESTED}",
    ("postgresql.cnpg.io/v1", "Database"): f"CloudNativePG Database: {_SHAPE_TESTED}",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): f"CloudNativePG ScheduledBackup: {_SHAPE_TESTED}",
    ("barmancloud.cnpg.io/v1", "ObjectStore"): f"Barman Cloud plugin ObjectStore: {_SHAPE_TESTED}",
    ("elasticsearch.k8s.elastic.co/v1", "Elasticsearch"): f"ECK Elasticsearch: {_SHAPE_TESTED}",
    ("cert-manager.io/v1", "ClusterIssuer"): f"cert-manager ClusterIssuer: {_SHAPE_TESTED.replace('test_storage_*', 'test_certificates')}",
    ("cert-manager.io/v1", "Certificate"): f"cert-manager Certificate: {_SHAPE_TESTED.replace('test_storage_*', 'test_processing_*')}",
    ("monitoring.coreos.com/v1", "PodMonitor"): f"Prometheus operator PodMonitor: {_SHAPE_TESTED.replace('test_storage_*', 'observability/test_*')}",
    ("monitoring.coreos.com/v1", "PrometheusRule"): (
        "Prometheus operator PrometheusRule: its rules are checked by promtool (tests/layers/observability/test_alerts.py)"
    ),
    **{
        ("gateway.networking.k8s.io/" + version, kind): (
            f"Gateway API {kind}: no schema is bundled with kubernetes-validate; its shape is tested in tests/layers/test_edge.py"
        )
        for version, kind in (("v1", "Gateway"), ("v1", "HTTPRoute"), ("v1", "BackendTLSPolicy"), ("v1alpha2", "TLSRoute"))
    },
    ("kibana.k8s.elastic.co/v1", "Kibana"): f"ECK Kibana: {_SHAPE_TESTED.replace('test_storage_*', 'observability/test_*')}",
}
"""(apiVersion, kind) of custom resources with no bundled schema → why that is acceptable and where
their shape is tested instead."""


PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
CHECKOV = Path(os.environ.get("CHECKOV_BIN", PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"))

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CPU = re.compile(r"^\d+m$|^\d+(\.\d+)?$")
_MEMORY = re.compile(r"^\d+(Ki|Mi|Gi|Ti)?$")
_PINNED_IMAGE = re.compile(r"^[\w.-]+(:\d+)?/[\w./-]+:[\w][\w.-]{0,127}@sha256:[0-9a-f]{64}$")
_LABEL_KINDS_NAMED_AS_LABELS = {"Namespace", "Service"}


def schema_problems(manifests: Iterable[Manifest]) -> list[str]:
    problems = []
    for manifest in manifests:
        for minor in KUBERNETES_MINORS:
            try:
                problems += [f"{manifest.identity} (Kubernetes {minor}): {e}" for e in schema_errors(manifest.document, minor)]
            except SchemaNotFoundError:
                if (manifest.api_version, manifest.kind) not in CRD_SCHEMA_ALLOW_LIST:
                    problems.append(
                        f"{manifest.identity}: no schema for {manifest.api_version} {manifest.kind} in Kubernetes "
                        f"{minor}, and it is not on the CRD allow-list (tests/support/manifest_checks.py)"
                    )
    return problems


def pod_security_problems(manifests: Iterable[Manifest], namespace_levels: dict[str, str]) -> tuple[list[str], set]:
    """Pod Security problems, and the exceptions that were used: `offline.rules.pod_security`, the rule the
    policy pack enforces too. A pod that its namespace's enforce level rejects is always a problem; a pod in a
    weaker namespace must still meet "restricted", rule by rule, unless an exception says why not. Operator pod
    templates (ECK) are checked as declared. `namespace_levels` is read from the manifests' Namespaces."""
    docs = [rules.Doc(document=m.document) for m in manifests]
    used: set = set()
    problems = [str(finding) for finding in rules.pod_security(docs, used)]
    return problems, used


def semantic_problems(manifests: Iterable[Manifest]) -> list[str]:
    problems = []
    for manifest in manifests:
        metadata = manifest.document["metadata"]
        name_rule = _DNS_LABEL if manifest.kind in _LABEL_KINDS_NAMED_AS_LABELS else _DNS_SUBDOMAIN
        if len(manifest.name) > (63 if name_rule is _DNS_LABEL else 253) or not name_rule.match(manifest.name):
            problems.append(f"{manifest.identity}: name is not a valid DNS name")
        for key, value in (metadata.get("labels") or {}).items():
            if len(str(value)) > 63 or not _LABEL_VALUE.match(str(value)):
                problems.append(f"{manifest.identity}: label {key}={value!r} is not a valid label value")
        spec = manifest.document.get("spec") or {}
        selector = (spec.get("selector") or {}).get("matchLabels")
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        if selector is not None and template_labels is not None:
            missing = {k: v for k, v in selector.items() if template_labels.get(k) != v}
            if missing:
                problems.append(f"{manifest.identity}: selector {missing} does not match the pod template labels")
    problems += [str(finding) for finding in rules.pinned_images([rules.Doc(document=m.document) for m in manifests])]
    for manifest, pod in pod_templates(manifests):
        for container in _all_containers(pod):
            where = f"{manifest.identity} container {container.get('name')}"
            resources = container.get("resources") or {}
            for part in ("requests", "limits"):
                values = resources.get(part) or {}
                if not {"cpu", "memory"} <= set(values):
                    problems.append(f"{where}: {part} must set cpu and memory")
                if "cpu" in values and not _CPU.match(str(values["cpu"])):
                    problems.append(f"{where}: {part}.cpu {values['cpu']!r} is not a CPU quantity")
                if "memory" in values and not _MEMORY.match(str(values["memory"])):
                    problems.append(f"{where}: {part}.memory {values['memory']!r} is not a memory quantity")
    return problems


def reference_problems(manifests: Iterable[Manifest]) -> list[str]:
    """Every Secret and ConfigMap a pod mounts or reads exists in its namespace (or an operator creates it)."""
    manifests = list(manifests)
    existing = {(m.kind, m.namespace, m.name) for m in manifests if m.kind in ("Secret", "ConfigMap")}
    problems = []
    for manifest, pod in pod_templates(manifests):
        spec = pod.get("spec") or {}
        wanted = [("Secret", v["secret"]["secretName"]) for v in spec.get("volumes") or [] if "secret" in v]
        wanted += [("ConfigMap", v["configMap"]["name"]) for v in spec.get("volumes") or [] if "configMap" in v]
        for container in _all_containers(pod):
            for variable in container.get("env") or []:
                ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    wanted.append(("Secret", ref["name"]))
        for kind, name in wanted:
            if (kind, manifest.namespace, name) not in existing and name not in OPERATOR_CREATED_SECRETS:
                problems.append(f"{manifest.identity}: {kind} {name!r} is referenced but not declared in {manifest.namespace}")
    return problems


def operator_pod_templates(manifests: Iterable[Manifest]) -> Iterable[tuple[Manifest, dict]]:
    """Pod templates inside operator resources (ECK node sets), as declared."""
    for manifest in manifests:
        if manifest.kind == "Elasticsearch":
            for node_set in manifest.document["spec"].get("nodeSets", []):
                yield manifest, node_set.get("podTemplate", {})


def _all_containers(pod: dict) -> list[dict]:
    spec = pod.get("spec") or {}
    return [c for key in ("initContainers", "containers") for c in spec.get(key) or []]


@dataclass(frozen=True)
class CheckovReport:
    passed: list[dict]
    failed: list[dict]
    skipped: list[dict]
    resource_count: int


def checkov_scan(manifests: Iterable[Manifest], directory: Path) -> CheckovReport:
    """Run checkov's Kubernetes checks on the manifests, offline, in its own virtualenv."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}; run scripts/test (it creates .venv-checkov)")
    write_manifests(manifests, directory)
    result = subprocess.run(
        # No --quiet: it drops the passed checks from the JSON, and an empty report must not look like a pass.
        [str(CHECKOV), "-d", str(directory), "--framework", "kubernetes", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode not in (0, 1):
        pytest.fail(f"checkov failed to run (exit {result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    # A scan that found nothing to check prints only its summary, without "results".
    summary = report.get("summary", report)
    results = report.get("results", {})
    parsed = CheckovReport(
        passed=results.get("passed_checks", []),
        failed=results.get("failed_checks", []),
        skipped=results.get("skipped_checks", []),
        resource_count=summary["resource_count"],
    )
    counts = (len(parsed.passed), len(parsed.failed), len(parsed.skipped))
    assert counts == (summary["passed"], summary["failed"], summary["skipped"]), f"unreadable checkov report: {summary}"
    return parsed


def describe_checkov_findings(findings: list[dict]) -> str:
    return "\n".join(f"{f['check_id']} {f['check_name']} on {f['resource']}" for f in findings)
