"""Pod building blocks: security contexts, resources, probes, spreading, volumes.

Every layer builds its pods from these, so the platform's rules live in one place:

* pods run as a non-root user with a read-only root filesystem, no privilege escalation, every
  capability dropped and the runtime's default seccomp profile (Pod Security Standards "restricted");
* every container has requests and limits from the topology profile;
* replicas are spread over the profile's failure domains (zones, then hosts).

The restricted security contexts and the spread rules are defined once, as manifest fragments
(`*_values`), which Helm values and custom resources use as they are; the typed arguments for pod specs
are built from the same fragments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform.topology import ServiceSize

DEFAULT_USER_ID = 10001
"""Non-root UID for images that do not fix one. Above 10000 so it never maps to a host user (checkov CKV_K8S_40)."""


def pod_security_values(*, user_id: int | None = DEFAULT_USER_ID, group_id: int | None = None) -> dict[str, Any]:
    """The restricted pod security context as a manifest fragment. `user_id` None keeps the image's own user
    (charts whose images fix one)."""
    values: dict[str, Any] = {"runAsNonRoot": True}
    if user_id is not None:
        group = group_id if group_id is not None else user_id
        values.update(
            runAsUser=user_id,
            runAsGroup=group,
            fsGroup=group,
            # Changing ownership of a large volume on every start delays pods by minutes.
            fsGroupChangePolicy="OnRootMismatch",
        )
    values["seccompProfile"] = {"type": "RuntimeDefault"}
    return values


def container_security_values(*, read_only_root_filesystem: bool = True) -> dict[str, Any]:
    """The restricted container security context as a manifest fragment. Callers that pass
    `read_only_root_filesystem=False` must say why (and list the exception)."""
    return {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": read_only_root_filesystem,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context(*, user_id: int = DEFAULT_USER_ID, group_id: int | None = None) -> k8s.core.v1.PodSecurityContextArgs:
    values = pod_security_values(user_id=user_id, group_id=group_id)
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=values["runAsNonRoot"],
        run_as_user=values["runAsUser"],
        run_as_group=values["runAsGroup"],
        fs_group=values["fsGroup"],
        fs_group_change_policy=values["fsGroupChangePolicy"],
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type=values["seccompProfile"]["type"]),
    )


def container_security_context(*, read_only_root_filesystem: bool = True) -> k8s.core.v1.SecurityContextArgs:
    values = container_security_values(read_only_root_filesystem=read_only_root_filesystem)
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=values["allowPrivilegeEscalation"],
        privileged=values["privileged"],
        read_only_root_filesystem=values["readOnlyRootFilesystem"],
        run_as_non_root=values["runAsNonRoot"],
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=values["capabilities"]["drop"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type=values["seccompProfile"]["type"]),
    )


def pod_spec_defaults() -> dict[str, object]:
    """PodSpec fields every platform pod sets, as keyword arguments for `PodSpecArgs`.

    No API token is mounted unless a workload talks to the API server and says so, and no
    `<SERVICE>_PORT` variables are injected for every Service of the namespace.
    """
    return {"automount_service_account_token": False, "enable_service_links": False}


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


def exec_probe(
    command: Sequence[str], *, period_seconds: int = 10, failure_threshold: int = 3, timeout_seconds: int = 5
) -> k8s.core.v1.ProbeArgs:
    """A probe that runs `command` in the container; exit status 0 passes."""
    return k8s.core.v1.ProbeArgs(
        exec_=k8s.core.v1.ExecActionArgs(command=list(command)),
        period_seconds=period_seconds,
        failure_threshold=failure_threshold,
        timeout_seconds=timeout_seconds,
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


TMP_VOLUME = k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="256Mi"))
TMP_MOUNT = k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")
"""A writable /tmp for containers with a read-only root filesystem."""


def pod_name_env() -> k8s.core.v1.EnvVarArgs:
    """POD_NAME from the downward API, for `$(POD_NAME)` in arguments (a StatefulSet pod's stable name)."""
    return k8s.core.v1.EnvVarArgs(
        name="POD_NAME",
        value_from=k8s.core.v1.EnvVarSourceArgs(field_ref=k8s.core.v1.ObjectFieldSelectorArgs(field_path="metadata.name")),
    )


def env_vars(values: Mapping[str, str]) -> list[k8s.core.v1.EnvVarArgs]:
    """Plain (non-secret) environment variables, in the given order."""
    return [k8s.core.v1.EnvVarArgs(name=name, value=value) for name, value in values.items()]


def mount(name: str, path: str, *, read_only: bool = False) -> k8s.core.v1.VolumeMountArgs:
    return k8s.core.v1.VolumeMountArgs(name=name, mount_path=path, read_only=read_only)


def config_map_volume(name: str, config_map: pulumi.Input[str]) -> k8s.core.v1.VolumeArgs:
    return k8s.core.v1.VolumeArgs(name=name, config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=config_map))


def secret_volume(name: str, secret: pulumi.Input[str]) -> k8s.core.v1.VolumeArgs:
    return k8s.core.v1.VolumeArgs(name=name, secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=secret))


def empty_dir(name: str, size_limit: str, *, in_memory: bool = False) -> k8s.core.v1.VolumeArgs:
    """Scratch space of the pod; `in_memory` for files that must never reach a node's disk (secrets)."""
    return k8s.core.v1.VolumeArgs(
        name=name,
        empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(medium="Memory" if in_memory else None, size_limit=size_limit),
    )


def share_out(size: ServiceSize, share: Mapping[str, int]) -> tuple[ServiceSize, ServiceSize]:
    """A topology row shared by a main container and a sidecar: the sidecar gets `share` (requests and limits),
    the main container the rest, so that the pod requests exactly the row the capacity check counts."""
    main_update = {key: getattr(size, key) - amount for key, amount in share.items()}
    sidecar_update = dict(share)
    for resource in ("cpu", "memory"):
        unit = "millis" if resource == "cpu" else "mib"
        request, limit = f"{resource}_request_{unit}", f"{resource}_limit_{unit}"
        main_limit = main_update.get(limit, getattr(size, limit))
        main_request = main_update.get(request, getattr(size, request))
        if main_request > main_limit:
            # A row whose request equals its limit: the sidecar's request grows to its limit, so that neither
            # container requests more than it may use and the pod still requests exactly the row.
            main_update[request] = main_limit
            sidecar_update[request] = getattr(size, request) - main_limit
    main = size.model_copy(update=main_update)
    sidecar = size.model_copy(update={**sidecar_update, "storage_gib": None})
    return main, sidecar
