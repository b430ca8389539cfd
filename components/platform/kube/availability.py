"""What keeps a replicated workload available: disruption budgets, autoscalers, replica counts, spreading of
chart-rendered Deployments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.platform.kube.pods import spread_constraint_values
from components.platform.topology import ServiceSize


def replicas_unless_autoscaled(size: ServiceSize) -> int | None:
    """The Deployment's `replicas`, or None when an HPA owns the count (Pulumi would otherwise reset
    the HPA's choice on every `pulumi up` and report drift after every scale-out)."""
    return None if size.autoscaled else size.replicas


def disruption_budget(
    name: str,
    *,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    parent: pulumi.Resource,
) -> k8s.policy.v1.PodDisruptionBudget:
    """At most one pod of the workload voluntarily disrupted at a time (drains, upgrades).

    `maxUnavailable: 1` rather than `minAvailable`: with one replica a drain can still proceed (a
    single-replica service is down during a drain either way), and quorum services of three keep two.
    """
    return k8s.policy.v1.PodDisruptionBudget(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=dict(labels)),
        spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
            max_unavailable=1,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(match_labels)),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


CPU_TARGET_UTILIZATION_PERCENT = 70


def autoscaler(
    name: str,
    *,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    deployment_name: pulumi.Input[str],
    size: ServiceSize,
    parent: pulumi.Resource,
) -> k8s.autoscaling.v2.HorizontalPodAutoscaler | None:
    """An HPA between `replicas` and `max_replicas` on CPU, or None when the profile gives no range."""
    if not size.autoscaled:
        return None
    return k8s.autoscaling.v2.HorizontalPodAutoscaler(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=dict(labels)),
        spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
            scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                api_version="apps/v1", kind="Deployment", name=deployment_name
            ),
            min_replicas=size.replicas,
            max_replicas=size.max_replicas,
            metrics=[
                k8s.autoscaling.v2.MetricSpecArgs(
                    type="Resource",
                    resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                        name="cpu",
                        target=k8s.autoscaling.v2.MetricTargetArgs(
                            type="Utilization", average_utilization=CPU_TARGET_UTILIZATION_PERCENT
                        ),
                    ),
                )
            ],
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def chart_deployment_spread(
    name: str,
    *,
    namespace: pulumi.Input[str],
    deployment_name: str,
    topology_keys: Sequence[str],
    match_labels: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> k8s.apps.v1.DeploymentPatch:
    """The platform's spread constraints on a Deployment that a chart renders without them.

    A server-side apply patch of that one field (Helm's upgrades leave fields they never set alone). Required
    pod anti-affinity, all that such charts offer, would deadlock a rolling update once every domain holds a
    replica: the surge pod has nowhere to go. Spread constraints (`maxSkew: 1`) let it in.
    """
    return k8s.apps.v1.DeploymentPatch(
        name,
        metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=deployment_name, namespace=namespace),
        spec=k8s.apps.v1.DeploymentSpecPatchArgs(
            template=k8s.core.v1.PodTemplateSpecPatchArgs(
                spec=k8s.core.v1.PodSpecPatchArgs(
                    topology_spread_constraints=[
                        k8s.core.v1.TopologySpreadConstraintPatchArgs(
                            max_skew=value["maxSkew"],
                            topology_key=value["topologyKey"],
                            when_unsatisfiable=value["whenUnsatisfiable"],
                            label_selector=k8s.meta.v1.LabelSelectorPatchArgs(match_labels=value["labelSelector"]["matchLabels"]),
                        )
                        for value in spread_constraint_values(topology_keys, match_labels)
                    ]
                )
            )
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
