"""The labels every object of the platform carries (Kubernetes' recommended `app.kubernetes.io/*` set)."""

from __future__ import annotations

from components.platform.catalog import SERVICE_LABEL, ServiceSpec

PART_OF = "data-platform"
MANAGED_BY = "pulumi"


def standard_labels(service: ServiceSpec, *, instance: str, version: str | None = None) -> dict[str, str]:
    """The recommended `app.kubernetes.io/*` labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/)."""
    labels = {
        **selector_labels(service, instance=instance),
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        # What the NetworkPolicies select on (see components/layers/network.py).
        SERVICE_LABEL: service.kubernetes_name,
    }
    if version:
        # Label values allow only [-A-Za-z0-9_.], at most 63 characters: image tags qualify, digests do not.
        labels["app.kubernetes.io/version"] = version[:63]
    return labels


def selector_labels(service: ServiceSpec, *, instance: str) -> dict[str, str]:
    """The immutable subset of the labels used in selectors; never includes the version."""
    return {**service.selector_labels, "app.kubernetes.io/instance": instance}


def platform_labels() -> dict[str, str]:
    """The labels of objects that belong to no one service (namespaces, policies, shared Secrets)."""
    return {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": MANAGED_BY}
