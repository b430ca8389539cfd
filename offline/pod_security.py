"""Pod Security Standards ("baseline" and "restricted") for pod specs, as Pod Security Admission checks them.

Source: https://kubernetes.io/docs/concepts/security/pod-security-standards/ (rules of Kubernetes 1.31
to 1.34; the 1.34 rule that probes and lifecycle handlers set no `host` is included, so a pod that
passes here passes on every minor the platform supports). There is no authoritative Python
implementation (the reference is Go, inside kube-apiserver), hence this small one; its own tests
cover each rule with a passing and a failing pod.

Rules apply to containers, initContainers and ephemeralContainers. Windows pods and pods with
`hostUsers: false` get the exemptions the standard gives them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BASELINE = "baseline"
RESTRICTED = "restricted"
PRIVILEGED = "privileged"

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}
RESTRICTED_ADDABLE_CAPABILITIES = {"NET_BIND_SERVICE"}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}
VOLUME_SOURCE_KEYS_IGNORED = {"name"}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class Violation:
    level: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.level}] {self.rule}: {self.detail}"


def check_pod(pod: dict[str, Any], level: str = RESTRICTED) -> list[Violation]:
    """Violations of `level` (restricted includes baseline) in a pod or pod template (`{metadata, spec}`)."""
    spec = pod.get("spec") or {}
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    violations = list(_baseline(spec, annotations))
    if level == RESTRICTED:
        violations += list(_restricted(spec))
    return violations


def _containers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for list_name in CONTAINER_LISTS:
        for container in spec.get(list_name) or []:
            yield f"{list_name}[{container.get('name', '?')}]", container


def _baseline(spec: dict[str, Any], annotations: dict[str, str]) -> Iterator[Violation]:
    def violation(rule: str, detail: str) -> Violation:
        return Violation(BASELINE, rule, detail)

    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            yield violation("host-namespaces", f"spec.{field} is true")
    pod_context = spec.get("securityContext") or {}
    if (pod_context.get("windowsOptions") or {}).get("hostProcess"):
        yield violation("host-process", "spec.securityContext.windowsOptions.hostProcess is true")
    for volume in spec.get("volumes") or []:
        if "hostPath" in volume:
            yield violation("host-path-volumes", f"volume {volume.get('name')!r} is a hostPath")
    for key, value in annotations.items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and not (
            value == "runtime/default" or value.startswith("localhost/")
        ):
            yield violation("apparmor", f"annotation {key}={value}")
    for where, context in [("spec.securityContext", pod_context)] + [
        (f"{name}.securityContext", container.get("securityContext") or {}) for name, container in _containers(spec)
    ]:
        yield from _baseline_context(where, context)
    for sysctl in pod_context.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            yield violation("sysctls", f"sysctl {sysctl.get('name')!r} is not in the safe set")

    for name, container in _containers(spec):
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            yield violation("privileged", f"{name} is privileged")
        added = set((context.get("capabilities") or {}).get("add") or [])
        if added - BASELINE_CAPABILITIES:
            yield violation("capabilities", f"{name} adds {sorted(added - BASELINE_CAPABILITIES)}")
        if (context.get("windowsOptions") or {}).get("hostProcess"):
            yield violation("host-process", f"{name} sets windowsOptions.hostProcess")
        if context.get("procMount") not in (None, "Default"):
            yield violation("proc-mount", f"{name} sets procMount {context['procMount']}")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                yield violation("host-ports", f"{name} uses hostPort {port['hostPort']}")
        for handler_where, handler in _handlers(container):
            for action in ("httpGet", "tcpSocket"):
                if (handler.get(action) or {}).get("host"):
                    yield violation("probe-host", f"{name}.{handler_where}.{action}.host is set")


def _baseline_context(where: str, context: dict[str, Any]) -> Iterator[Violation]:
    seccomp = (context.get("seccompProfile") or {}).get("type")
    if seccomp == "Unconfined":
        yield Violation(BASELINE, "seccomp", f"{where}.seccompProfile.type is Unconfined")
    apparmor = (context.get("appArmorProfile") or {}).get("type")
    if apparmor not in (None, "RuntimeDefault", "Localhost"):
        yield Violation(BASELINE, "apparmor", f"{where}.appArmorProfile.type is {apparmor}")
    selinux = context.get("seLinuxOptions") or {}
    if selinux.get("type", "") not in SELINUX_TYPES or selinux.get("user") or selinux.get("role"):
        yield Violation(BASELINE, "selinux", f"{where}.seLinuxOptions {selinux} is not allowed")


def _handlers(container: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if container.get(probe):
            yield probe, container[probe]
    for hook in ("postStart", "preStop"):
        handler = (container.get("lifecycle") or {}).get(hook)
        if handler:
            yield f"lifecycle.{hook}", handler


def _restricted(spec: dict[str, Any]) -> Iterator[Violation]:
    def violation(rule: str, detail: str) -> Violation:
        return Violation(RESTRICTED, rule, detail)

    for volume in spec.get("volumes") or []:
        kinds = set(volume) - VOLUME_SOURCE_KEYS_IGNORED
        if kinds - RESTRICTED_VOLUME_TYPES:
            yield violation("volume-types", f"volume {volume.get('name')!r} is of type {sorted(kinds)}")

    windows = (spec.get("os") or {}).get("name") == "windows"
    user_namespaced = spec.get("hostUsers") is False
    pod_context = spec.get("securityContext") or {}
    pod_non_root = pod_context.get("runAsNonRoot")
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")

    if not user_namespaced:
        if pod_non_root is False:
            yield violation("run-as-non-root", "spec.securityContext.runAsNonRoot is false")
        if pod_context.get("runAsUser") == 0:
            yield violation("run-as-user", "spec.securityContext.runAsUser is 0")
    if not windows and pod_seccomp is not None and pod_seccomp not in ("RuntimeDefault", "Localhost"):
        yield violation("seccomp", f"spec.securityContext.seccompProfile.type is {pod_seccomp}")

    for name, container in _containers(spec):
        context = container.get("securityContext") or {}
        if not windows:
            if context.get("allowPrivilegeEscalation") is not False:
                yield violation("privilege-escalation", f"{name} must set allowPrivilegeEscalation: false")
            capabilities = context.get("capabilities") or {}
            if "ALL" not in (capabilities.get("drop") or []):
                yield violation("capabilities", f"{name} must drop ALL capabilities")
            added = set(capabilities.get("add") or [])
            if added - RESTRICTED_ADDABLE_CAPABILITIES:
                yield violation("capabilities", f"{name} adds {sorted(added - RESTRICTED_ADDABLE_CAPABILITIES)}")
            seccomp = (context.get("seccompProfile") or {}).get("type")
            if seccomp is None and pod_seccomp is None:
                yield violation("seccomp", f"{name} has no seccompProfile and the pod sets none")
            elif seccomp is not None and seccomp not in ("RuntimeDefault", "Localhost"):
                yield violation("seccomp", f"{name}.seccompProfile.type is {seccomp}")
        if not user_namespaced:
            non_root = context.get("runAsNonRoot")
            if non_root is False or (non_root is None and pod_non_root is not True):
                yield violation("run-as-non-root", f"{name} may run as root (runAsNonRoot not true)")
            if context.get("runAsUser") == 0:
                yield violation("run-as-user", f"{name} sets runAsUser 0")
