"""A PodMonitor for every metrics endpoint of the catalog (`catalog.SCRAPES`) that the stack deploys, in the
scraped service's own namespace; kube-prometheus-stack declares its own components' ServiceMonitors.

Every target is labelled `platform_service=<catalog name>`, which the alerts and dashboards select on, and is
scraped by port number, so a chart's port names do not matter.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.platform import kube
from components.platform.catalog import SCRAPES, Scrape, Zone, service
from components.platform.settings import PlatformSettings

SCRAPE_INTERVAL = "30s"


def declared_scrapes(settings: PlatformSettings) -> list[Scrape]:
    """The scrapes the layer declares for this stack: those of deployed services, not the chart's own."""
    active = {spec.name for spec in settings.active_services}
    return [scrape for scrape in SCRAPES if not scrape.by_chart and scrape.service in active]


def pod_monitors(
    name: str, settings: PlatformSettings, namespaces: Mapping[Zone, pulumi.Input[str]], *, parent: pulumi.Resource,
    depends_on: list[pulumi.Resource],
) -> list[k8s.apiextensions.CustomResource]:
    monitors = []
    for scrape in declared_scrapes(settings):
        spec = service(scrape.service)
        endpoint: dict = {
            "portNumber": spec.ports[scrape.port_name],
            "path": scrape.path,
            "scheme": scrape.scheme,
            "interval": SCRAPE_INTERVAL,
            "relabelings": [{"targetLabel": "platform_service", "replacement": spec.name, "action": "replace"}],
        }
        if scrape.insecure_skip_verify:
            endpoint["tlsConfig"] = {"insecureSkipVerify": True}
        monitors.append(
            k8s.apiextensions.CustomResource(
                f"{name}-{spec.kubernetes_name}-{scrape.port_name}-monitor",
                api_version="monitoring.coreos.com/v1",
                kind="PodMonitor",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"{spec.kubernetes_name}-{scrape.port_name}",
                    namespace=namespaces[spec.zone],
                    labels=kube.platform_labels(),
                ),
                spec={
                    "selector": {"matchLabels": {**spec.policy_selector, **dict(scrape.pod_labels)}},
                    "podMetricsEndpoints": [endpoint],
                },
                opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
            )
        )
    return monitors
