"""The operators: pinned charts, sizes from the topology, release names the NetworkPolicies select by."""

from __future__ import annotations

import pytest

from components.platform import versions
from components.platform.catalog import SERVICES_BY_NAME
from offline.graph import unwrap_secrets
from offline.manifests import helm_releases, integral_numbers
from tests.support.stacks import STACKS, backend_graph, shipped_settings


@pytest.mark.parametrize("stack", STACKS)
def test_operators_are_pinned_and_sized(stack: str) -> None:
    settings = shipped_settings(stack)
    operators = (versions.CERT_MANAGER, versions.CLOUDNATIVE_PG, versions.BARMAN_CLOUD_PLUGIN, versions.ECK_OPERATOR)
    pins = {pin.release: pin for pin in operators}
    releases = {
        unwrap_secrets(r.inputs)["name"]: integral_numbers(unwrap_secrets(r.inputs))
        for r in helm_releases(backend_graph(stack, "minio"))
        if unwrap_secrets(r.inputs)["name"] in pins
    }
    assert set(releases) == set(pins)
    sizes = {"cert-manager": "cert_manager", "cloudnative-pg": "cnpg_operator", "plugin-barman-cloud": "barman_cloud_plugin", "eck-operator": "eck_operator"}
    for name, release in releases.items():
        pin = pins[name]
        assert (release["chart"], release["version"], release["repositoryOpts"]["repo"]) == (pin.chart, pin.version, pin.repository)
        assert release["namespace"] == "dp-operators"
        size = settings.services[sizes[name]]
        assert release["values"]["replicaCount"] == size.replicas
        assert release["values"]["resources"]["requests"] == {"cpu": f"{size.cpu_request_millis}m", "memory": f"{size.memory_request_mib}Mi"}
    # The NetworkPolicies select chart pods by the instance label the release name sets.
    for service_name, release_name in (("cnpg_operator", "cloudnative-pg"), ("eck_operator", "eck-operator"),
                                       ("cert_manager", "cert-manager"), ("barman_cloud_plugin", "plugin-barman-cloud")):
        assert SERVICES_BY_NAME[service_name].policy_selector["app.kubernetes.io/instance"] == release_name
    # Elasticsearch in storage, Kibana in observability; nothing else.
    assert releases["eck-operator"]["values"]["managedNamespaces"] == ["dp-storage", "dp-observability"]
    assert releases["eck-operator"]["values"]["telemetry"] == {"disabled": True}
