"""The Kubernetes building blocks every layer's objects are made of.

* `labels`: the `app.kubernetes.io/*` labels and the service label the NetworkPolicies select;
* `pods`: restricted security contexts, resources, probes, spreading, volumes;
* `workloads`: the restricted container, pod template and StatefulSet every workload is built from;
* `availability`: disruption budgets, autoscalers, spreading of chart-rendered Deployments;
* `services`: headless and client Services;
* `jobs`: one-shot set-up Jobs;
* `secrets`: Secrets from Outputs, generated credentials;
* `certificates`: server certificates from the platform CA;
* `chart_values`: the same rules as Helm values.

Everything is re-exported here, so layers write `kube.http_probe(...)`.
"""

from components.platform.kube.availability import (
    CPU_TARGET_UTILIZATION_PERCENT,
    autoscaler,
    chart_deployment_spread,
    disruption_budget,
    replicas_unless_autoscaled,
)
from components.platform.kube.certificates import server_certificate, service_dns_names
from components.platform.kube.jobs import cron_job, job_template, one_shot_job
from components.platform.kube.labels import MANAGED_BY, PART_OF, platform_labels, selector_labels, standard_labels
from components.platform.kube.pods import (
    DEFAULT_USER_ID,
    TMP_MOUNT,
    TMP_VOLUME,
    config_map_volume,
    container_security_context,
    container_security_values,
    empty_dir,
    env_vars,
    exec_probe,
    http_probe,
    jvm_memory_options,
    mount,
    pod_name_env,
    pod_security_context,
    pod_security_values,
    pod_spec_defaults,
    resource_values,
    resources,
    secret_volume,
    share_out,
    spread_constraint_values,
    spread_constraints,
    startup_budget,
    tcp_probe,
    volume_claim_template,
)
from components.platform.kube.secrets import generated_password, generated_s3_credentials, secret
from components.platform.kube.services import ServiceAddress, cluster_service, headless_service, service_address
from components.platform.kube.workloads import chart_release, container, deployment, pod_template, statefulset

__all__ = [
    "chart_release",
    "ServiceAddress",
    "service_address",
    "CPU_TARGET_UTILIZATION_PERCENT",
    "DEFAULT_USER_ID",
    "MANAGED_BY",
    "PART_OF",
    "TMP_MOUNT",
    "TMP_VOLUME",
    "autoscaler",
    "server_certificate",
    "service_dns_names",
    "chart_deployment_spread",
    "cluster_service",
    "config_map_volume",
    "container",
    "container_security_context",
    "container_security_values",
    "cron_job",
    "deployment",
    "disruption_budget",
    "empty_dir",
    "env_vars",
    "exec_probe",
    "generated_password",
    "generated_s3_credentials",
    "headless_service",
    "http_probe",
    "job_template",
    "jvm_memory_options",
    "mount",
    "one_shot_job",
    "platform_labels",
    "pod_name_env",
    "pod_security_context",
    "pod_security_values",
    "pod_spec_defaults",
    "pod_template",
    "replicas_unless_autoscaled",
    "resource_values",
    "resources",
    "secret",
    "secret_volume",
    "share_out",
    "selector_labels",
    "spread_constraint_values",
    "spread_constraints",
    "standard_labels",
    "startup_budget",
    "statefulset",
    "tcp_probe",
    "volume_claim_template",
]
