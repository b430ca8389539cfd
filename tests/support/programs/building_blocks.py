"""A workload declared only from the shared building blocks, so the tests can hold those blocks to the
same checks as the layers (strict schema, Pod Security "restricted", checkov) before any layer uses them.

Evaluated by tests/platform/test_kube.py with each shipped stack's config.
"""

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import service
from components.platform.settings import load_settings

IMAGE = "registry.example.com/sample/web:1.0.0@sha256:" + "0" * 64


class Sample(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("data-platform:test:Sample", name, None, None)
        settings = load_settings()
        spec = service("superset_web")
        size = settings.services[spec.name]
        namespace = settings.namespace(str(spec.zone))
        labels = kube.standard_labels(spec, instance=settings.instance, version="1.0.0")
        match = kube.selector_labels(spec, instance=settings.instance)
        http = spec.ports["http"]

        readiness = kube.http_probe("/health", http)
        deployment = k8s.apps.v1.Deployment(
            f"{name}-web",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=kube.replicas_unless_autoscaled(size),
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=match),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        **kube.pod_spec_defaults(),
                        security_context=kube.pod_security_context(),
                        topology_spread_constraints=kube.spread_constraints(
                            settings.profile.spread_topology_keys, match
                        ),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name="web",
                                image=IMAGE,
                                image_pull_policy="IfNotPresent",
                                ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=http)],
                                resources=kube.resources(size),
                                security_context=kube.container_security_context(),
                                readiness_probe=readiness,
                                liveness_probe=kube.http_probe("/health", http, failure_threshold=6),
                                startup_probe=kube.startup_budget(readiness, startup_seconds=120),
                                volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
                            )
                        ],
                        volumes=[k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs())],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        kube.disruption_budget(f"{name}-web", namespace=namespace, labels=labels, match_labels=match, parent=self)
        kube.autoscaler(
            f"{name}-web",
            namespace=namespace,
            labels=labels,
            deployment_name=deployment.metadata.name,
            size=size,
            parent=self,
        )
        self.register_outputs({"deployment": deployment.metadata.name})


Sample("sample")
