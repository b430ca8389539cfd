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
    size: ServiceSize,
    parent: pulumi.Resource,
    script: str | None = None,
    command: Sequence[str] | None = None,
    env: Sequence[k8s.core.v1.EnvVarArgs] = (),
    volumes: Sequence[k8s.core.v1.VolumeArgs] = (),
    mounts: Sequence[k8s.core.v1.VolumeMountArgs] = (),
    depends_on: Sequence[pulumi.Resource] = (),
    custom_timeouts: pulumi.CustomTimeouts | None = None,
) -> k8s.batch.v1.Job:
    """A restricted Job running one shell script (`script`, inline) or `command` to completion, with a
    writable /tmp.

    Scripts must be idempotent: a changed Job is replaced, which runs it again. Retries on failure, so a
    script may wait for the service it configures. In an inline `script`, a shell's `$(` is written `$$(`:
    Kubernetes expands `$(NAME)` in commands itself (scripts mounted from a ConfigMap need no escaping).
    """
    if (script is None) == (command is None):
        raise ValueError("one_shot_job takes either script or command")
    run = ["sh", "-c", script] if script is not None else list(command or ())
    return k8s.batch.v1.Job(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=dict(labels)),
        spec=k8s.batch.v1.JobSpecArgs(
            backoff_limit=6,
            template=job_template(
                labels=labels,
                containers=[container("run", image=image, size=size, command=run, env=env, mounts=mounts)],
                volumes=volumes,
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on), custom_timeouts=custom_timeouts),
    )


def cron_job(
    name: str,
    *,
    namespace: pulumi.Input[str],
    labels: Mapping[str, str],
    schedule: str,
    template: k8s.core.v1.PodTemplateSpecArgs,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    deadline_seconds: int | None = None,
    retries: int = 2,
) -> k8s.batch.v1.CronJob:
    """A CronJob on UTC that never runs twice at once and keeps the last three runs of each outcome.

    A run that cannot start within an hour of its time is skipped rather than started late (a backup taken
    in working hours competes with users); a failed run is retried `retries` times; a run still going after
    `deadline_seconds` is stopped and counts as failed.
    """
    return k8s.batch.v1.CronJob(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=dict(labels)),
        spec=k8s.batch.v1.CronJobSpecArgs(
            schedule=schedule,
            time_zone="Etc/UTC",
            concurrency_policy="Forbid",
            starting_deadline_seconds=3600,
            successful_jobs_history_limit=3,
            failed_jobs_history_limit=3,
            job_template=k8s.batch.v1.JobTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(labels)),
                spec=k8s.batch.v1.JobSpecArgs(
                    backoff_limit=retries, active_deadline_seconds=deadline_seconds, template=template
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
