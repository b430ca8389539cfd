"""Jobs: set-up scripts that run to completion, and the pod template of every Job and CronJob."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.platform.kube.pods import DEFAULT_USER_ID, TMP_VOLUME, pod_security_context, pod_spec_defaults
from components.platform.kube.workloads import container
from components.platform.topology import ServiceSize


def job_template(
    *,
    labels: Mapping[str, str],
    containers: Sequence[k8s.core.v1.ContainerArgs],
    volumes: Sequence[k8s.core.v1.VolumeArgs] = (),
    init_containers: Sequence[k8s.core.v1.ContainerArgs] = (),
    restart_policy: str = "OnFailure",
    user_id: int = DEFAULT_USER_ID,
    service_account_token: bool = False,
    service_account_name: pulumi.Input[str] | None = None,
) -> k8s.core.v1.PodTemplateSpecArgs:
    """The restricted pod of a Job or CronJob, with a writable /tmp; no spreading (it runs to completion)."""
    defaults = {**pod_spec_defaults(), "automount_service_account_token": service_account_token}
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(labels)),
        spec=k8s.core.v1.PodSpecArgs(
            **defaults,
            service_account_name=service_account_name,
            restart_policy=restart_policy,
            security_context=pod_security_context(user_id=user_id),
            init_containers=list(init_containers) or None,
            containers=list(containers),
            volumes=[TMP_VOLUME, *volumes],
        ),
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
            template=job_template(
                labels=labels,
                containers=[container("run", image=image, size=size, command=["sh", "-c", script], env=env, mounts=mounts)],
                volumes=volumes,
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
