"""The availability check: does every service keep the topology's promise, whatever the settings?

staging promises to survive the loss of any one host, prod the loss of any one zone; dev promises nothing.
The check runs at start-up, beside the capacity check, and judges every service this stack deploys by the
rule the catalog gives it (`catalog.Availability`), so a new service is judged without new code:

* QUORUM: with replicas spread hard over the failure domains, losing the worst domain takes
  ceil(members / domains); a majority must be left, and the count must be odd (an even ensemble keeps
  quorum no better than one member fewer);
* REDUNDANT: at least one member must be left;
* ERASURE and REPLICATION: the object store's own arithmetic (`checks.placement`);
* RESCHEDULED: Kubernetes starts it again on a survivor; SINGLE: one by design. Neither is refused; SINGLE
  services are listed as not guaranteed, with the catalog's reason.

A setting that breaks the promise is refused, naming the key, what would be lost and the smallest value
that keeps it. `cluster.accept_reduced_availability: true` deploys anyway; the report (stack output
`capacity.availability`, and the offline plan) then says per service what is no longer guaranteed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from components.platform.catalog import Availability, ObjectStorageBackend, ServiceSpec
from components.platform.checks.placement import (
    LayoutError,
    StoragePlacement,
    erasure_plan,
    replication_plan,
)
from components.platform.errors import ConfigurationError
from components.platform.settings import PlatformSettings
from components.platform.topology import FailureDomain, Profile

LARGEST_SUGGESTION = 15
ACCEPT = "`pulumi config set --path cluster.accept_reduced_availability true`"


class AvailabilityError(ConfigurationError):
    """A setting breaks the topology's promise. Raised before anything is declared."""


@dataclass(frozen=True)
class Problem:
    message: str
    structural: bool = False
    """No setting can accept it: the service would not run as configured (an even ensemble, a MinIO drive
    count it cannot use)."""


@dataclass(frozen=True)
class Verdict:
    service: str
    rule: Availability
    members: int
    lost: int
    """Members lost with the worst host or zone."""
    guaranteed: bool
    detail: str
    """What is left after the loss, or why the rule needs no count."""

    def as_dict(self) -> dict[str, object]:
        return {"rule": str(self.rule), "members": self.members, "lost": self.lost, "guaranteed": self.guaranteed, "detail": self.detail}


@dataclass(frozen=True)
class AvailabilityReport:
    promise: str
    """"survives the loss of one host" (staging), "... one zone" (prod), "survives nothing" (dev)."""
    verdicts: tuple[Verdict, ...]
    storage: StoragePlacement
    reduced_accepted: bool

    @property
    def not_guaranteed(self) -> dict[str, str]:
        """Service → what is no longer guaranteed (the accepted reductions and the SINGLE services)."""
        return {v.service: v.detail for v in self.verdicts if not v.guaranteed}

    def as_output(self) -> dict[str, object]:
        return {
            "promise": self.promise,
            "reduced_availability_accepted": self.reduced_accepted,
            "not_guaranteed": self.not_guaranteed,
        }


def check_availability(settings: PlatformSettings) -> AvailabilityReport:
    """Judge every deployed service; raise AvailabilityError for each broken promise unless accepted."""
    profile, project = settings.profile, settings.project
    accepted = settings.config.cluster.accept_reduced_availability
    domain = {FailureDomain.HOST: "host", FailureDomain.ZONE: "zone"}.get(profile.failure_domain)
    promise = f"survives the loss of one {domain}" if domain else "survives nothing (one host)"
    storage, storage_problems, storage_verdicts = _object_storage(settings)
    verdicts, problems = list(storage_verdicts), list(storage_problems)
    for spec in settings.active_services:
        if spec.availability in (Availability.ERASURE, Availability.REPLICATION):
            continue
        verdict, problem = _judge(spec, profile, domain, project)
        verdicts.append(verdict)
        # An even ensemble is refused even where reduced availability is accepted; when it also breaks the
        # promise, the promise's message (whose fix is odd) says it all.
        even = _even_quorum(spec, verdict.members, project) if problem is None or accepted else None
        problems += [found for found in (problem, even) if found]
    refused = [problem.message for problem in problems if problem.structural or not accepted]
    if refused:
        body = "\n".join(f"  - {problem}" for problem in refused)
        raise AvailabilityError(
            f"stack {settings.stack!r}: the {profile.topology} topology {promise}, and these settings break that; "
            f"nothing was deployed:\n{body}",
            refused,
        )
    return AvailabilityReport(promise, tuple(verdicts), storage, accepted)


def smallest_keeping(rule: Availability, domains: int) -> int | None:
    """The smallest member count that keeps the rule over `domains` failure domains; None if none does."""
    for members in range(1, LARGEST_SUGGESTION + 1):
        left = members - math.ceil(members / domains)
        if rule is Availability.QUORUM and members % 2 and left >= members // 2 + 1:
            return members
        if rule is Availability.REDUNDANT and left >= 1:
            return members
    return None


def _judge(spec: ServiceSpec, profile: Profile, domain: str | None, project: str) -> tuple[Verdict, Problem | None]:
    size = profile.services[spec.name]
    members, rule = size.replicas, spec.availability
    if rule in (Availability.RESCHEDULED, Availability.SINGLE) or domain is None:
        detail = spec.availability_reason or "dev survives nothing"
        guaranteed = rule is not Availability.SINGLE or domain is None
        if rule is Availability.SINGLE and domain is not None:
            detail = f"one instance by design: {spec.availability_reason}"
        return Verdict(spec.name, rule, members, 0, guaranteed, detail), None
    domains = profile.failure_domain_count
    lost = math.ceil(members / domains)
    left = members - lost
    needed = members // 2 + 1 if rule is Availability.QUORUM else 1
    survives = left >= needed
    detail = f"losing one {domain} leaves {left} of {members}" + (f", quorum {needed}" if rule is Availability.QUORUM else "")
    verdict = Verdict(spec.name, rule, members, lost, survives, detail if survives else f"{detail}: not guaranteed")
    if survives:
        return verdict, None
    key = f"services.{spec.name}.replicas"
    loses = "its quorum" if rule is Availability.QUORUM else "every member"
    minimum = smallest_keeping(rule, domains)
    fix = (
        f"`pulumi config set --path '{key}' {minimum}`"
        if minimum
        else f"no member count survives losing one of {domains} {domain}s: use 3 or more (cluster.host_count)"
    )
    return verdict, Problem(
        f"{project}:{key} = {members}: losing one {domain} takes {lost} of {members} {spec.name} member(s) and "
        f"with them {loses} ({left} left, {needed} needed). Fix: {fix}; or accept reduced availability with {ACCEPT}"
    )


def _even_quorum(spec: ServiceSpec, members: int, project: str) -> Problem | None:
    if spec.availability is not Availability.QUORUM or members % 2:
        return None
    key = f"services.{spec.name}.replicas"
    return Problem(
        f"{project}:{key} = {members}: an ensemble of {members} keeps quorum no better than {members - 1}, so the "
        f"extra member only adds risk. Fix: `pulumi config set --path '{key}' {members + 1}` (or {members - 1})",
        structural=True,
    )


def _object_storage(settings: PlatformSettings) -> tuple[StoragePlacement, list[Problem], list[Verdict]]:
    """The object store's plan, its problems and its verdict."""
    profile, project = settings.profile, settings.project
    backend, services, domains = settings.config.object_storage.backend, profile.services, profile.failure_domain_count
    try:
        if backend is ObjectStorageBackend.MINIO:
            minio = services["minio"]
            plan = erasure_plan(minio.replicas, minio.volumes_per_replica, domains)
            problem, storage, name = plan.loss_problem(), StoragePlacement(erasure=plan), "minio"
            detail = f"{plan.set_size}-drive erasure sets at {plan.storage_class or 'no parity'}"
        elif backend is ObjectStorageBackend.SEAWEEDFS:
            replication = replication_plan(
                services["seaweedfs_master"].replicas,
                services["seaweedfs_volume"].replicas,
                services["seaweedfs_filer"].replicas,
                domains,
                zoned=profile.failure_domain is FailureDomain.ZONE,
            )
            problem, storage, name = replication.loss_problem(), StoragePlacement(replication=replication), "seaweedfs_volume"
            detail = f"replication {replication.replication}"
        else:
            return StoragePlacement(), [], []
    except LayoutError as error:
        return StoragePlacement(), [Problem(f"{project}:{error.key}: {error}", structural=True)], []
    members = services[name].replicas
    verdict = Verdict(name, Availability.ERASURE if name == "minio" else Availability.REPLICATION, members, 0, problem is None,
                      detail if problem is None else f"{detail}: {problem}")
    problems = [Problem(f"{project}:{problem.key}: {problem}; or accept reduced availability with {ACCEPT}")] if problem else []
    return storage, problems, [verdict]
