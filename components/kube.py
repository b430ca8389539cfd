"""Shared Kubernetes building blocks: labels, security contexts, resources, probes, spreading,
disruption budgets and autoscalers.

Every layer builds its pods from these, so the platform's rules live in one place:

* pods run as a non-root user with a read-only root filesystem, no privilege escalation, every
  capability dropped and the runtime's default seccomp profile (Pod Security Standards "restricted");
* every container has requests and limits from the topology profile;
* replicas are spread over the profile's failure domains (zones, then hosts);
* every workload has a PodDisruptionBudget, and stateless services with an autoscaling range an HPA.

Functions return Pulumi input types; none of them declares a resource except `disruption_budget` and
`autoscaler`, which take the owning component as parent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.catalog import SERVICE_LABEL, ServiceSpec
from components.topology import ServiceSize

PART_OF = "data-platform"
MANAGED_BY = "pulumi"

DEFAULT_USER_ID = 10001
"""Non-root UID for images that do not fix one. Above 10000 so it never maps to a host user (checkov CKV_K8S_40)."""


def standard_labels(service: ServiceSpec, *, instance: str, version: str | None = None) -> dict[str, str]:
    """The recommended `app.kubernetes.io/*` labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/)."""
    labels = {
        **selector_labels(service, instance=instance),
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        # What the NetworkPolicies select on (see components/network.py).
        SERVICE_LABEL: service.kubernetes_name,
    }
    if version:
        # Label values allow only [-A-Za-z0-9_.], at most 63 characters: image tags qualify, digests do not.
        labels["app.kubernetes.io/version"] = version[:63]
    return labels


def selector_labels(service: ServiceSpec, *, instance: str) -> dict[str, str]:
    """The immutable subset of the labels used in selectors; never includes the version."""
    return {**service.selector_labels, "app.kubernetes.io/instance": instance}


def pod_security_context(*, user_id: int = DEFAULT_USER_ID, group_id: int | None = None) -> k8s.core.v1.PodSecurityContextArgs:
    group = group_id if group_id is not None else user_id
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=user_id,
        run_as_group=group,
        fs_group=group,
        # Changing ownership of a large volume on every start delays pods by minutes.
        fs_group_change_policy="OnRootMismatch",
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def container_security_context(*, read_only_root_filesystem: bool = True) -> k8s.core.v1.SecurityContextArgs:
    """Restricted container context. Callers that pass `read_only_root_filesystem=False` must say why."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        privileged=False,
        read_only_root_filesystem=read_only_root_filesystem,
        run_as_non_root=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def pod_spec_defaults() -> dict[str, object]:
    """PodSpec fields every platform pod sets, as keyword arguments for `PodSpecArgs`.

    No API token is mounted unless a workload talks to the API server and says so, and no
    `<SERVICE>_PORT` variables are injected for every Service of the namespace.
    """
    return {"automount_service_account_token": False, "enable_service_links": False}


def replicas_unless_autoscaled(size: ServiceSize) -> int | None:
    """The Deployment's `replicas`, or None when an HPA owns the count (Pulumi would otherwise reset
    the HPA's choice on every `pulumi up` and report drift after every scale-out)."""
    return None if size.autoscaled else size.replicas


def resource_values(size: ServiceSize) -> dict[str, dict[str, str]]:
    """Requests and limits from the profile, as a plain manifest fragment (custom resources, Helm values)."""
    return {
        "requests": {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"},
        "limits": {"cpu": f"{size.cpu_limit_millis}m", "memory": f"{size.memory_limit_mib}Mi"},
    }


def resources(size: ServiceSize) -> k8s.core.v1.ResourceRequirementsArgs:
    return k8s.core.v1.ResourceRequirementsArgs(**resource_values(size))


def jvm_memory_options(size: ServiceSize) -> str:
    """-Xms/-Xmx (and direct memory) from the profile; equal Xms and Xmx avoid heap resizing pauses."""
    if size.jvm_heap_mib is None:
        raise ValueError("jvm_memory_options needs a service size with jvm_heap_mib")
    options = [f"-Xms{size.jvm_heap_mib}m", f"-Xmx{size.jvm_heap_mib}m"]
    if size.jvm_direct_memory_mib is not None:
        options.append(f"-XX:MaxDirectMemorySize={size.jvm_direct_memory_mib}m")
    return " ".join(options)


def http_probe(
    path: str,
    port: int | str,
    *,
    period_seconds: int = 10,
    failure_threshold: int = 3,
    timeout_seconds: int = 5,
    scheme: str = "HTTP",
) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port, scheme=scheme),
        period_seconds=period_seconds,
        failure_threshold=failure_threshold,
        timeout_seconds=timeout_seconds,
    )


def tcp_probe(port: int | str, *, period_seconds: int = 10, failure_threshold: int = 3) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        tcp_socket=k8s.core.v1.TCPSocketActionArgs(port=port),
        period_seconds=period_seconds,
        failure_threshold=failure_threshold,
        timeout_seconds=5,
    )


def exec_probe(command: Sequence[str], *, period_seconds: int = 10, failure_threshold: int = 3) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        exec_=k8s.core.v1.ExecActionArgs(command=list(command)),
        period_seconds=period_seconds,
        failure_threshold=failure_threshold,
        timeout_seconds=5,
    )


def startup_budget(probe: k8s.core.v1.ProbeArgs, *, startup_seconds: int) -> k8s.core.v1.ProbeArgs:
    """The same check as a startupProbe allowed `startup_seconds` to pass, so liveness stays strict."""
    period = 5
    return k8s.core.v1.ProbeArgs(
        http_get=probe.http_get,
        tcp_socket=probe.tcp_socket,
        exec_=probe.exec_,
        period_seconds=period,
        failure_threshold=max(1, startup_seconds // period),
        timeout_seconds=probe.timeout_seconds,
    )


def spread_constraint_values(topology_keys: Sequence[str], match_labels: Mapping[str, str]) -> list[dict]:
    """Spread replicas evenly over each failure domain, widest first, as plain manifest fragments.

    The widest domain (zone in prod, host in staging) is a hard rule, so losing one never takes more
    than its share of replicas. Narrower ones are preferences: a hard per-host rule inside a zone would
    leave pods pending when a zone's hosts are busy. A single-host topology passes no keys and gets none.
    """
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "DoNotSchedule" if index == 0 else "ScheduleAnyway",
            "labelSelector": {"matchLabels": dict(match_labels)},
        }
        for index, key in enumerate(topology_keys)
    ]


def spread_constraints(
    topology_keys: Sequence[str], match_labels: Mapping[str, str]
) -> list[k8s.core.v1.TopologySpreadConstraintArgs]:
    """`spread_constraint_values` as typed arguments for pod specs."""
    return [
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=value["maxSkew"],
            topology_key=value["topologyKey"],
            when_unsatisfiable=value["whenUnsatisfiable"],
            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=value["labelSelector"]["matchLabels"]),
        )
        for value in spread_constraint_values(topology_keys, match_labels)
    ]


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


def volume_claim_template(
    name: str, *, storage_gib: int, storage_class: str | None
) -> k8s.core.v1.PersistentVolumeClaimArgs:
    """A StatefulSet volume claim; `storage_class` None uses the cluster's default class."""
    return k8s.core.v1.PersistentVolumeClaimArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name),
        spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
            access_modes=["ReadWriteOnce"],
            storage_class_name=storage_class,
            resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": f"{storage_gib}Gi"}),
        ),
    )


def headless_service(
    name: str,
    *,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    match_labels: Mapping[str, str],
    ports: Mapping[str, int],
    parent: pulumi.Resource,
) -> k8s.core.v1.Service:
    """The governing Service of a StatefulSet: stable per-pod DNS names (`<pod>.<name>.<namespace>.svc`).

    Its name is fixed because peers address each other through it. Not-ready pods are published, since
    clustered stores (raft, erasure sets) must find each other before any of them is ready.
    """
    return k8s.core.v1.Service(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels=dict(labels)),
        spec=k8s.core.v1.ServiceSpecArgs(
            cluster_ip="None",
            publish_not_ready_addresses=True,
            selector=dict(match_labels),
            ports=[k8s.core.v1.ServicePortArgs(name=port_name, port=port) for port_name, port in ports.items()],
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


TMP_VOLUME = k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="256Mi"))
TMP_MOUNT = k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")
"""A writable /tmp for containers with a read-only root filesystem."""


def secret_env(name: str, *, secret_name: pulumi.Input[str], key: str) -> k8s.core.v1.EnvVarArgs:
    """An environment variable read from a Secret at start-up (the value never enters the pod spec)."""
    return k8s.core.v1.EnvVarArgs(
        name=name,
        value_from=k8s.core.v1.EnvVarSourceArgs(
            secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=secret_name, key=key)
        ),
    )


def pod_name_env() -> k8s.core.v1.EnvVarArgs:
    """POD_NAME from the downward API, for `$(POD_NAME)` in arguments (a StatefulSet pod's stable name)."""
    return k8s.core.v1.EnvVarArgs(
        name="POD_NAME",
        value_from=k8s.core.v1.EnvVarSourceArgs(field_ref=k8s.core.v1.ObjectFieldSelectorArgs(field_path="metadata.name")),
    )


def one_shot_job(
    name: str,
    *,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    image: str,
    script: str,
    size: ServiceSize,
    parent: pulumi.Resource,
    env: Sequence[k8s.core.v1.EnvVarArgs] = (),
    volumes: Sequence[k8s.core.v1.VolumeArgs] = (),
    mounts: Sequence[k8s.core.v1.VolumeMountArgs] = (),
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.batch.v1.Job:
    """A restricted Job running one shell script to completion, with a writable /tmp.

    Scripts must be idempotent: a changed Job is replaced, which runs it again. Retries on failure, so a
    script may wait for the service it configures. In `script`, a shell's `$(` is written `$$(`:
    Kubernetes expands `$(NAME)` in commands itself.
    """
    return k8s.batch.v1.Job(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=dict(labels)),
        spec=k8s.batch.v1.JobSpecArgs(
            backoff_limit=6,
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(labels)),
                spec=k8s.core.v1.PodSpecArgs(
                    **pod_spec_defaults(),
                    restart_policy="OnFailure",
                    security_context=pod_security_context(),
                    containers=[
                        k8s.core.v1.ContainerArgs(
                            name="run",
                            image=image,
                            image_pull_policy="IfNotPresent",
                            command=["sh", "-c", script],
                            env=list(env),
                            resources=resources(size),
                            security_context=container_security_context(),
                            volume_mounts=[TMP_MOUNT, *mounts],
                        )
                    ],
                    volumes=[TMP_VOLUME, *volumes],
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
