"""The in-repo Pod Security Standards checker, rule by rule, including the cases other checkers get wrong."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from offline.pod_security import BASELINE, RESTRICTED, check_pod


def hardened_pod() -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "x"}},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}, {"name": "tmp", "emptyDir": {}}],
            "initContainers": [_container("init")],
            "containers": [_container("main")],
        },
    }


def _container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": "example/app:1@sha256:" + "0" * 64,
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
    }


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    pod = copy.deepcopy(hardened_pod())
    change(pod)
    return pod


def rules(pod: dict[str, Any], level: str = RESTRICTED) -> set[str]:
    return {violation.rule for violation in check_pod(pod, level)}


def test_hardened_pod_passes() -> None:
    assert check_pod(hardened_pod()) == []


def _main(pod: dict[str, Any]) -> dict[str, Any]:
    return pod["spec"]["containers"][0]


def _init(pod: dict[str, Any]) -> dict[str, Any]:
    return pod["spec"]["initContainers"][0]


FAILING = [
    ("host network", lambda p: p["spec"].update(hostNetwork=True), "host-namespaces", BASELINE),
    ("host PID", lambda p: p["spec"].update(hostPID=True), "host-namespaces", BASELINE),
    ("privileged init container", lambda p: _init(p)["securityContext"].update(privileged=True), "privileged", BASELINE),
    ("SYS_ADMIN", lambda p: _main(p)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]), "capabilities", BASELINE),
    ("hostPath", lambda p: p["spec"]["volumes"].append({"name": "h", "hostPath": {"path": "/"}}), "host-path-volumes", BASELINE),
    ("hostPort", lambda p: _main(p).update(ports=[{"containerPort": 80, "hostPort": 80}]), "host-ports", BASELINE),
    ("unsafe sysctl", lambda p: p["spec"]["securityContext"].update(sysctls=[{"name": "vm.max_map_count", "value": "262144"}]), "sysctls", BASELINE),
    ("Unconfined seccomp", lambda p: _main(p)["securityContext"].update(seccompProfile={"type": "Unconfined"}), "seccomp", BASELINE),
    ("AppArmor unconfined", lambda p: _main(p)["securityContext"].update(appArmorProfile={"type": "Unconfined"}), "apparmor", BASELINE),
    ("AppArmor annotation", lambda p: p["metadata"].update(annotations={"container.apparmor.security.beta.kubernetes.io/main": "unconfined"}), "apparmor", BASELINE),
    ("SELinux user", lambda p: _main(p)["securityContext"].update(seLinuxOptions={"user": "root"}), "selinux", BASELINE),
    ("unmasked proc", lambda p: _main(p)["securityContext"].update(procMount="Unmasked"), "proc-mount", BASELINE),
    ("probe host", lambda p: _main(p)["readinessProbe"]["httpGet"].update(host="10.0.0.1"), "probe-host", BASELINE),
    ("Windows host process", lambda p: p["spec"]["securityContext"].update(windowsOptions={"hostProcess": True}), "host-process", BASELINE),
    ("NFS volume", lambda p: p["spec"]["volumes"].append({"name": "n", "nfs": {"server": "x", "path": "/"}}), "volume-types", RESTRICTED),
    ("escalation not set", lambda p: _init(p)["securityContext"].pop("allowPrivilegeEscalation"), "privilege-escalation", RESTRICTED),
    ("escalation allowed", lambda p: _main(p)["securityContext"].update(allowPrivilegeEscalation=True), "privilege-escalation", RESTRICTED),
    ("container overrides runAsNonRoot", lambda p: _main(p)["securityContext"].update(runAsNonRoot=False), "run-as-non-root", RESTRICTED),
    ("no runAsNonRoot anywhere", lambda p: p["spec"]["securityContext"].pop("runAsNonRoot"), "run-as-non-root", RESTRICTED),
    ("root UID in pod", lambda p: p["spec"]["securityContext"].update(runAsUser=0), "run-as-user", RESTRICTED),
    ("root UID in container", lambda p: _main(p)["securityContext"].update(runAsUser=0), "run-as-user", RESTRICTED),
    ("no seccomp anywhere", lambda p: p["spec"]["securityContext"].pop("seccompProfile"), "seccomp", RESTRICTED),
    ("capabilities not dropped", lambda p: _main(p)["securityContext"].pop("capabilities"), "capabilities", RESTRICTED),
    ("CHOWN added", lambda p: _main(p)["securityContext"]["capabilities"].update(add=["CHOWN"]), "capabilities", RESTRICTED),
]


@pytest.mark.parametrize(("change", "rule", "level"), [case[1:] for case in FAILING], ids=[case[0] for case in FAILING])
def test_each_rule_is_enforced(change: Callable, rule: str, level: str) -> None:
    pod = mutated(change)
    assert rule in rules(pod, RESTRICTED)
    assert (rule in rules(pod, BASELINE)) == (level == BASELINE)


PASSING = [
    ("runAsNonRoot on every container only", lambda p: (
        p["spec"]["securityContext"].pop("runAsNonRoot"),
        _main(p)["securityContext"].update(runAsNonRoot=True),
        _init(p)["securityContext"].update(runAsNonRoot=True),
    )),
    ("seccomp on every container only", lambda p: (
        p["spec"]["securityContext"].pop("seccompProfile"),
        _main(p)["securityContext"].update(seccompProfile={"type": "RuntimeDefault"}),
        _init(p)["securityContext"].update(seccompProfile={"type": "Localhost", "localhostProfile": "x.json"}),
    )),
    ("NET_BIND_SERVICE added", lambda p: _main(p)["securityContext"]["capabilities"].update(add=["NET_BIND_SERVICE"])),
    ("safe sysctl", lambda p: p["spec"]["securityContext"].update(sysctls=[{"name": "net.ipv4.tcp_keepalive_time", "value": "60"}])),
    ("read-write root filesystem", lambda p: _main(p)["securityContext"].update(readOnlyRootFilesystem=False)),
    ("low non-zero UID", lambda p: p["spec"]["securityContext"].update(runAsUser=999)),
    ("user namespaces instead of non-root", lambda p: (
        p["spec"].update(hostUsers=False), p["spec"]["securityContext"].update(runAsNonRoot=False, runAsUser=0),
    )),
    ("projected, secret, configMap, CSI, ephemeral volumes", lambda p: p["spec"]["volumes"].extend([
        {"name": "a", "projected": {"sources": []}}, {"name": "b", "secret": {"secretName": "s"}},
        {"name": "c", "configMap": {"name": "c"}}, {"name": "d", "csi": {"driver": "x"}},
        {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}}, {"name": "f", "downwardAPI": {"items": []}},
    ])),
]


@pytest.mark.parametrize("change", [case[1] for case in PASSING], ids=[case[0] for case in PASSING])
def test_what_the_standard_allows_passes(change: Callable) -> None:
    assert check_pod(mutated(change)) == []


def test_windows_pods_skip_the_linux_only_rules() -> None:
    def windows(pod: dict[str, Any]) -> None:
        pod["spec"]["os"] = {"name": "windows"}
        for container in (_main(pod), _init(pod)):
            container["securityContext"] = {}
        pod["spec"]["securityContext"].pop("seccompProfile")

    assert check_pod(mutated(windows)) == []


def test_ephemeral_containers_are_checked() -> None:
    pod = mutated(lambda p: p["spec"].update(ephemeralContainers=[{"name": "debug", "image": "busybox"}]))
    assert {"privilege-escalation", "capabilities"} <= rules(pod)
