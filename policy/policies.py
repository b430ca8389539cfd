"""The platform's rules as Pulumi policies (`pulumi preview|up --policy-pack policy`), built on the same rule
functions the test suite uses (`offline/rules.py`), so that the two cannot drift apart.

Every policy is a stack validation: several rules look across objects (a namespace and its policies, a
workload and its budget). `POLICIES` is importable without starting the analyzer; `__main__.py` serves it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offline import rules  # noqa: E402


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    check: Callable[[list[rules.Doc]], list[rules.Finding]]
    enforcement: EnforcementLevel
    zone_only: bool = False
    """Applies only where `failure_domain` is `zone` (prod)."""


RULES = (
    Rule("pod-security-restricted", "Every pod meets Pod Security \"restricted\", or a documented exception",
         rules.pod_security, EnforcementLevel.MANDATORY),
    Rule("images-pinned-by-digest", "Images by tag and digest; no latest, nothing from docker.io/minio",
         rules.pinned_images, EnforcementLevel.MANDATORY),
    Rule("no-plain-secrets", "No credential in a ConfigMap, an env literal or Helm values",
         rules.plain_secrets, EnforcementLevel.MANDATORY),
    Rule("namespaces-guarded", "Every namespace has Pod Security Admission labels and a default-deny NetworkPolicy",
         rules.namespace_guards, EnforcementLevel.MANDATORY),
    Rule("replicated-workloads-have-budgets", "Every workload of more than one replica has a PodDisruptionBudget",
         rules.disruption_budgets, EnforcementLevel.MANDATORY),
    Rule("replicated-workloads-spread-over-zones", "In a stack that survives a zone, replicated workloads spread over zones",
         rules.zone_spread, EnforcementLevel.MANDATORY, zone_only=True),
    Rule("capacity-not-over-committed", "The capacity report shows no over-commit",
         rules.capacity, EnforcementLevel.ADVISORY),
)
"""The pack's rules. Capacity is advisory: the program already refuses an over-committed stack before it
declares anything, so the policy only reports a report that was edited or produced by an older program."""

CONFIG = PolicyConfigSchema(
    properties={"failure_domain": {"type": "string", "enum": ["none", "host", "zone"], "default": "host"}},
)


def docs_of(args: StackValidationArgs) -> list[rules.Doc]:
    return rules.docs_from((r.resource_type, r.name, r.props, r.urn) for r in args.resources)


def validator(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        config = args.get_config() or {}
        if rule.zone_only and (config or {}).get("failure_domain", "host") != "zone":
            return
        for finding in rule.check(docs_of(args)):
            report(str(finding), finding.doc.urn or None)

    return validate


POLICIES = [
    StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validator(rule), enforcement_level=rule.enforcement,
        config_schema=CONFIG if rule.zone_only else None,
    )
    for rule in RULES
]
