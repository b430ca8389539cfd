"""The catalog: internal consistency, and pods rendered by charts that the NetworkPolicies can select."""

from __future__ import annotations

import pytest

from components.platform import versions
from components.platform.catalog import SERVICES, ChartPods, PlatformPods, validate_catalog


def test_catalog_is_consistent() -> None:
    validate_catalog()


def test_a_chart_service_must_say_how_its_pods_are_selected() -> None:
    with pytest.raises(ValueError, match="record the chart's pod labels or where SERVICE_LABEL is injected"):
        ChartPods(release="airbyte")


def test_every_chart_rendered_service_names_a_pinned_release_and_selectable_labels() -> None:
    releases = {pin.release for pin in versions.CHARTS}
    chart_services = [spec for spec in SERVICES if isinstance(spec.pods, ChartPods)]
    assert chart_services, "the operators at least are rendered by charts"
    for spec in chart_services:
        assert spec.pods.release in releases, f"{spec.name}: release {spec.pods.release} is not pinned in versions.py"
        if spec.pods.labels:
            assert spec.policy_selector == spec.pods.labels
        else:
            assert spec.policy_selector == {"dataplatform.io/service": spec.kubernetes_name}
            assert all(path.endswith(".labels") for path in spec.pods.label_values)


def test_platform_rendered_services_are_selected_by_the_service_label() -> None:
    for spec in SERVICES:
        if isinstance(spec.pods, PlatformPods):
            assert spec.policy_selector == {"dataplatform.io/service": spec.kubernetes_name}
