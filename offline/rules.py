"""The platform's rules on Kubernetes objects, written once: the test suite holds every evaluated stack to them
(tests/support/manifest_checks.py) and the policy pack (policy/) enforces them at `pulumi preview` and `pulumi up`.

Each rule takes the stack's objects as `Doc`s (what the API server would receive, built from Pulumi inputs by
`docs_from`) and returns `Finding`s that name the object and the fix. The rules:

* `pod_security`: every pod meets its namespace's enforce level, and "restricted" rule by rule unless
  `POD_SECURITY_EXCEPTIONS` says why not;
* `pinned_images`: images by tag and digest (the documented `UNPINNED_IMAGES` by tag only), never `latest`,
  nothing from `docker.io/minio`;
* `plain_secrets`: no credential-looking value in a ConfigMap, an env literal or Helm values;
* `namespace_guards`: every platform namespace has Pod Security Admission labels and a default-deny policy;
* `disruption_budgets`: every workload of more than one replica (or autoscaled) has a PodDisruptionBudget;
* `zone_spread`: with `failure_domain: zone`, every replicated workload is spread over zones (DoNotSchedule);
* `capacity`: the capacity report the program writes (`platform-capacity` ConfigMap) shows no over-commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.platform.security_exceptions import POD_SECURITY_EXCEPTIONS, UNPINNED_IMAGES
from offline.pod_security import PRIVILEGED, RESTRICTED, Violation, check_pod

POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
PINNED_IMAGE = re.compile(r"^[\w.-]+(:\d+)?/[\w./-]+:[\w][\w.-]{0,127}@sha256:[0-9a-f]{64}$")
CREDENTIAL_NAME = re.compile(r"(password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)", re.IGNORECASE)
"""Names of env variables and Helm value keys that hold credentials."""
CREDENTIAL_TEXT = re.compile(r"(password|secret|token)\s*[=:]\s*['\"]?(?![@$_{(]|\w+\()[^\s'\"]{6,}", re.IGNORECASE)
"""A credential written out in a ConfigMap's text (`password = s3cr3t!`), as opposed to a reference to one (a
function call that reads a file, a `${VAR}`, an `@@PLACEHOLDER@@` an init container fills in)."""
ZONE_KEY = "topology.kubernetes.io/zone"
CAPACITY_CONFIG_MAP = "platform-capacity"


@dataclass(frozen=True)
class Doc:
    document: dict[str, Any]
    urn: str = ""

    @property
    def kind(self) -> str:
        return self.document.get("kind", "")

    @property
    def name(self) -> str:
        return (self.document.get("metadata") or {}).get("name", "")

    @property
    def namespace(self) -> str:
        return (self.document.get("metadata") or {}).get("namespace") or ""

    @property
    def identity(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass(frozen=True)
class Finding:
    doc: Doc
    message: str

    def __str__(self) -> str:
        return f"{self.doc.identity}: {self.message}"


def docs_from(resources: Iterable[tuple[str, str, Mapping[str, Any], str]]) -> list[Doc]:
    """Kubernetes objects from (resource type, resource name, inputs, urn), as the engine and a policy pack see
    them; a missing `metadata.name` is Pulumi's auto-name, shown as `<resource name>-*`."""
    docs = []
    for resource_type, name, props, urn in resources:
        if not resource_type.startswith("kubernetes:") or resource_type.endswith("Patch"):
            continue
        document = dict(props)
        if resource_type == "kubernetes:helm.sh/v3:Release":
            document = {"apiVersion": "helm.sh/v3", "kind": "Release", "metadata": {"name": props.get("name") or name,
                        "namespace": props.get("namespace")}, "values": props.get("values") or {}}
        if "kind" not in document:
            continue
        metadata = dict(document.get("metadata") or {})
        metadata.setdefault("name", f"{name}-*")
        document["metadata"] = metadata
        docs.append(Doc(document=document, urn=urn))
    return docs


def pod_templates(docs: Iterable[Doc]) -> Iterator[tuple[Doc, dict[str, Any]]]:
    for doc in docs:
        spec = doc.document.get("spec") or {}
        if doc.kind in POD_TEMPLATE_KINDS:
            yield doc, spec.get("template") or {}
        elif doc.kind == "CronJob":
            yield doc, ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        elif doc.kind == "Elasticsearch":
            for node_set in spec.get("nodeSets", []):
                yield doc, node_set.get("podTemplate", {})


def containers(pod: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = pod.get("spec") or {}
    return [c for key in ("initContainers", "containers") for c in spec.get(key) or []]


def workload_containers(docs: Iterable[Doc]) -> Iterator[tuple[Doc, dict[str, Any]]]:
    """(workload, container) for every container of every pod template, init containers included."""
    for doc, pod in pod_templates(docs):
        for container in containers(pod):
            yield doc, container


def namespace_levels(docs: Iterable[Doc]) -> dict[str, str]:
    return {
        doc.name: (doc.document["metadata"].get("labels") or {}).get("pod-security.kubernetes.io/enforce", RESTRICTED)
        for doc in docs
        if doc.kind == "Namespace"
    }


# -- the rules ---------------------------------------------------------------------------------------------------


def pod_security(docs: list[Doc], used: set | None = None) -> list[Finding]:
    levels = namespace_levels(docs)
    findings = []
    for doc, pod in pod_templates(docs):
        enforced = levels.get(doc.namespace, RESTRICTED)
        if enforced != PRIVILEGED:
            findings += [
                Finding(doc, f"rejected by the namespace's enforce level {enforced}: {violation}. Fix the pod's securityContext")
                for violation in check_pod(pod, enforced)
            ]
        if enforced == RESTRICTED:
            continue
        for violation in check_pod(pod, RESTRICTED):
            exception = _exception_for(doc, violation)
            if exception is None:
                findings.append(Finding(doc, f"{violation}. Fix it, or add a reasoned entry to POD_SECURITY_EXCEPTIONS"))
            elif used is not None:
                used.add(exception)
    return findings


def pinned_images(docs: list[Doc]) -> list[Finding]:
    findings = []
    for doc, container in workload_containers(docs):
        image = container.get("image") or ""
        if not image:
            continue  # not known yet (a preview of an image the program builds)
        by_exception = image.split(":")[0] in UNPINNED_IMAGES and "@" not in image
        if (not PINNED_IMAGE.match(image) and not by_exception) or ":latest" in image or image.startswith("docker.io/minio/"):
            findings.append(Finding(
                doc, f"container {container.get('name')}: image {image!r} is not pinned by tag and digest. Fix: pin it in "
                     "components/platform/versions.py (docker.io/minio images are not allowed at all)"))
    return findings


def plain_secrets(docs: list[Doc]) -> list[Finding]:
    findings = []
    for doc in docs:
        if doc.kind == "ConfigMap":
            for key, value in (doc.document.get("data") or {}).items():
                if isinstance(value, str) and CREDENTIAL_TEXT.search(value):
                    findings.append(Finding(doc, f"data.{key} holds what looks like a credential. Fix: put it in a Secret"))
        if doc.kind == "Release":
            for path in _literal_credentials(doc.document.get("values") or {}, "values"):
                findings.append(Finding(doc, f"{path} is a credential written into Helm values (they are stored in the release). "
                                              "Fix: give the chart an existing Secret's name"))
    for doc, container in workload_containers(docs):
        for variable in container.get("env") or []:
            literal = variable.get("value") and "valueFrom" not in variable and not _is_reference(variable["value"])
            if CREDENTIAL_NAME.search(variable.get("name", "")) and literal:
                findings.append(Finding(
                    doc, f"container {container.get('name')}: env {variable['name']} is a literal credential. Fix: valueFrom.secretKeyRef"))
    return findings


def namespace_guards(docs: list[Doc]) -> list[Finding]:
    findings = []
    deny = {
        doc.namespace
        for doc in docs
        if doc.kind == "NetworkPolicy"
        and (doc.document.get("spec") or {}).get("podSelector") in ({}, {"matchLabels": {}})
        and set((doc.document.get("spec") or {}).get("policyTypes") or []) == {"Ingress", "Egress"}
        and not (doc.document["spec"].get("ingress") or doc.document["spec"].get("egress"))
    }
    for doc in docs:
        if doc.kind != "Namespace":
            continue
        labels = doc.document["metadata"].get("labels") or {}
        if "pod-security.kubernetes.io/enforce" not in labels:
            findings.append(Finding(doc, "has no Pod Security Admission label. Fix: pod-security.kubernetes.io/enforce"))
        if doc.name not in deny:
            findings.append(Finding(doc, "has no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)"))
    return findings


def replicated_workloads(docs: list[Doc]) -> Iterator[tuple[Doc, dict[str, Any]]]:
    """(workload, spec) of every Deployment and StatefulSet that runs more than one replica, or is autoscaled."""
    autoscaled = {((d.document.get("spec") or {}).get("scaleTargetRef") or {}).get("name") for d in docs if d.kind == "HorizontalPodAutoscaler"}
    for doc in docs:
        spec = doc.document.get("spec") or {}
        if doc.kind in ("Deployment", "StatefulSet") and ((spec.get("replicas") or 1) > 1 or doc.name in autoscaled):
            yield doc, spec


def disruption_budgets(docs: list[Doc]) -> list[Finding]:
    budgets = [
        (doc.namespace, ((doc.document.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
        for doc in docs
        if doc.kind == "PodDisruptionBudget"
    ]
    findings = []
    for doc, spec in replicated_workloads(docs):
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not any(namespace == doc.namespace and selector and selector.items() <= labels.items() for namespace, selector in budgets):
            findings.append(Finding(doc, "runs more than one replica but no PodDisruptionBudget selects its pods. Fix: kube.disruption_budget"))
    return findings


def zone_spread(docs: list[Doc]) -> list[Finding]:
    findings = []
    for doc, spec in replicated_workloads(docs):
        constraints = ((spec.get("template") or {}).get("spec") or {}).get("topologySpreadConstraints") or []
        if not any(c.get("topologyKey") == ZONE_KEY and c.get("whenUnsatisfiable") == "DoNotSchedule" for c in constraints):
            findings.append(Finding(doc, f"is replicated but not spread over zones. Fix: a DoNotSchedule constraint on {ZONE_KEY}"))
    return findings


def capacity(docs: list[Doc]) -> list[Finding]:
    reports = [doc for doc in docs if doc.kind == "ConfigMap" and doc.name == CAPACITY_CONFIG_MAP]
    if not reports:
        return []
    findings = []
    for doc in reports:
        report = json.loads((doc.document.get("data") or {}).get("capacity.json") or "{}")
        for scenario in report.get("scenarios", []):
            over = [
                f"{kind} {scenario[f'requested_{kind}_{unit}']:g} of {scenario[f'allocatable_{kind}_{unit}']:g} {unit}"
                for kind, unit in (("memory", "mib"), ("cpu", "millis"))
                if scenario[f"requested_{kind}_{unit}"] > scenario[f"allocatable_{kind}_{unit}"]
            ]
            if over:
                findings.append(Finding(doc, f"{scenario['scenario']}: over-committed ({', '.join(over)}). Fix: more or larger "
                                             "hosts (cluster.*), or smaller services.<name> sizes"))
    return findings


RULES = {
    "pod-security-restricted": pod_security,
    "images-pinned-by-digest": pinned_images,
    "no-plain-secrets": plain_secrets,
    "namespaces-guarded": namespace_guards,
    "replicated-workloads-have-budgets": disruption_budgets,
    "replicated-workloads-spread-over-zones": zone_spread,
    "capacity-not-over-committed": capacity,
}


def _exception_for(doc: Doc, violation: Violation) -> tuple[str, str, str] | None:
    for key in POD_SECURITY_EXCEPTIONS:
        kind, prefix, rule = key
        if doc.kind == kind and doc.name.startswith(prefix) and violation.rule == rule:
            return key
    return None


def _literal_credentials(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}"
            if isinstance(item, str) and CREDENTIAL_NAME.search(str(key)) and item and not _is_reference(item) and not _names_a_key(str(key)):
                yield here
            else:
                yield from _literal_credentials(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _literal_credentials(item, f"{path}[{index}]")


def _names_a_key(key: str) -> bool:
    """`passwordKey`, `existingSecret`, `secretName`: keys that name where a credential is, not the credential."""
    lowered = key.lower()
    # Helm charts name Secrets with keys such as existingSecret, configSecret or secret: a literal client secret
    # is the exception.
    return lowered.endswith(("key", "secretname", "secretref", "file", "path")) or lowered.startswith("existing") or (
        lowered.endswith("secret") and "client" not in lowered
    )


def _is_reference(value: str) -> bool:
    """A value that says where a credential is: `${ENV}`, Grafana's `$__file{...}`, a path, a placeholder."""
    return value.startswith(("${", "$(", "$__file{", "$__env{", "/", "@@")) or value.endswith(("_FILE", ".txt"))
