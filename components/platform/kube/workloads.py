"""Workloads from one mould: the restricted container, and the StatefulSet and Deployment around it.

Every container gets its requests and limits from the topology, the restricted security context, a
writable /tmp and `IfNotPresent` pulls of a pinned image; every pod the platform's pod defaults, a restricted
pod security context and spreading over the topology's failure domains. Callers add what is theirs:
command, ports, probes, volumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform.kube.pods import (
    DEFAULT_USER_ID,
    TMP_MOUNT,
    TMP_VOLUME,
    container_security_context,
    pod_security_context,
    pod_spec_defaults,
    resources,
    spread_constraints,
)
from components.platform.topology import ServiceSize
from components.platform.versions import ChartPin


def container(
    name: str,
    *,
    image: str,
    size: ServiceSize,
    command: Sequence[str] | None = None,
    args: Sequence[str] | None = None,
    env: Sequence[k8s.core.v1.EnvVarArgs] = (),
    ports: Mapping[str, int] | None = None,
    mounts: Sequence[k8s.core.v1.VolumeMountArgs] = (),
    readiness: k8s.core.v1.ProbeArgs | None = None,
    liveness: k8s.core.v1.ProbeArgs | None = None,
    startup: k8s.core.v1.ProbeArgs | None = None,
) -> k8s.core.v1.ContainerArgs:
    """A restricted container sized by the topology, with /tmp mounted (the pod must carry `kube.TMP_VOLUME`)."""
    return k8s.core.v1.ContainerArgs(
        name=name,
        image=image,
        image_pull_policy="IfNotPresent",
        command=list(command) if command is not None else None,
        args=list(args) if args is not None else None,
        env=list(env) or None,
        ports=[k8s.core.v1.ContainerPortArgs(name=port_name, container_port=port) for port_name, port in (ports or {}).items()]
        or None,
        resources=resources(size),
        security_context=container_security_context(),
        readiness_probe=readiness,
        liveness_probe=liveness,
        startup_probe=startup,
        volume_mounts=[TMP_MOUNT, *mounts],
    )


def pod_template(
    *,
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    containers: Sequence[k8s.core.v1.ContainerArgs],
    spread_keys: Sequence[str],
    volumes: Sequence[k8s.core.v1.VolumeArgs] = (),
    affinity: k8s.core.v1.AffinityArgs | None = None,
    user_id: int = DEFAULT_USER_ID,
    init_containers: Sequence[k8s.core.v1.ContainerArgs] = (),
    annotations: Mapping[str, pulumi.Input[str]] | None = None,
) -> k8s.core.v1.PodTemplateSpecArgs:
    """A restricted pod spread over `spread_keys` (the topology's failure domains), with a writable /tmp."""
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(labels), annotations=dict(annotations) if annotations else None),
        spec=k8s.core.v1.PodSpecArgs(
            **pod_spec_defaults(),
            security_context=pod_security_context(user_id=user_id),
            topology_spread_constraints=spread_constraints(spread_keys, match_labels),
            affinity=affinity,
            init_containers=list(init_containers) or None,
            containers=list(containers),
            volumes=[TMP_VOLUME, *volumes],
        ),
    )


def statefulset(
    resource_name: str,
    *,
    name: str,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    service_name: str,
    replicas: int,
    template: k8s.core.v1.PodTemplateSpecArgs,
    volume_claims: Sequence[k8s.core.v1.PersistentVolumeClaimArgs] = (),
    parallel: bool = True,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    annotations: Mapping[str, str] | None = None,
    ready_timeout_minutes: int | None = None,
    protect: bool = False,
) -> k8s.apps.v1.StatefulSet:
    """A StatefulSet with a fixed `name` (peers address `<name>-<n>.<service_name>`). `parallel` starts all
    members at once: clustered stores wait for their peers, so ordered start-up would never finish.
    `ready_timeout_minutes` replaces Pulumi's 10-minute wait for readiness, for slow first starts. Its volume
    claims outlive a scale-down and the StatefulSet itself; `protect` (data the platform keeps) also makes Pulumi
    refuse to delete or replace it (`PlatformSettings.protect_data`)."""
    timeouts = (
        pulumi.CustomTimeouts(create=f"{ready_timeout_minutes}m", update=f"{ready_timeout_minutes}m")
        if ready_timeout_minutes
        else None
    )
    return k8s.apps.v1.StatefulSet(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name, namespace=namespace, labels=dict(labels), annotations=dict(annotations) if annotations else None
        ),
        spec=k8s.apps.v1.StatefulSetSpecArgs(
            service_name=service_name,
            replicas=replicas,
            pod_management_policy="Parallel" if parallel else "OrderedReady",
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(match_labels)),
            template=template,
            volume_claim_templates=list(volume_claims) or None,
            persistent_volume_claim_retention_policy=k8s.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicyArgs(
                when_deleted="Retain", when_scaled="Retain"
            )
            if volume_claims
            else None,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on), custom_timeouts=timeouts, protect=protect or None),
    )


def deployment(
    resource_name: str,
    *,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    replicas: int | None,
    containers: Sequence[k8s.core.v1.ContainerArgs],
    spread_keys: Sequence[str],
    parent: pulumi.Resource,
    volumes: Sequence[k8s.core.v1.VolumeArgs] = (),
    pod_annotations: Mapping[str, pulumi.Input[str]] | None = None,
    name: str | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
    one_at_most: bool = False,
    annotations: Mapping[str, str] | None = None,
) -> k8s.apps.v1.Deployment:
    """A Deployment of restricted pods (`pod_template`) running `containers`, spread over `spread_keys`.
    `replicas` None leaves the count to an autoscaler (`kube.replicas_unless_autoscaled`); a rollout replaces one
    pod at a time and never goes below the count. `one_at_most`: the old pod stops before the new one starts
    (`Recreate`), for a process that must never run twice (a scheduler). `annotations` go on the Deployment
    (checkov's suppressions, with their reasons), `pod_annotations` on its pods (a configuration hash rolls them)."""
    template = pod_template(
        labels=labels,
        match_labels=match_labels,
        containers=containers,
        spread_keys=spread_keys,
        volumes=volumes,
        annotations=pod_annotations,
    )
    return k8s.apps.v1.Deployment(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=name, namespace=namespace, labels=dict(labels), annotations=dict(annotations) if annotations else None
        ),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=replicas,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(match_labels)),
            strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate")
            if one_at_most
            else k8s.apps.v1.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1),
            ),
            template=template,
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


def chart_release(
    resource_name: str,
    pin: ChartPin,
    *,
    namespace: pulumi.Input[str],
    values: pulumi.Input[Mapping[str, Any]],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    timeout_seconds: int | None = None,
) -> k8s.helm.v3.Release:
    """A Helm release of a pinned chart under its fixed release name (`versions.ChartPin`). Pulumi waits for
    its workloads (and runs the chart's hooks as Helm does); `timeout_seconds` for charts slower than Helm's 5
    minutes."""
    return k8s.helm.v3.Release(
        resource_name,
        name=pin.release,
        chart=pin.chart,
        version=pin.version,
        namespace=namespace,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pin.repository),
        values=values,
        skip_await=False,
        timeout=timeout_seconds,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
