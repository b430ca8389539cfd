"""The whole program, evaluated per stack under mocks: structure, namespaces, network zones, failures."""

from __future__ import annotations

import json

import pytest

from components.platform.catalog import (
    SERVICE_LABEL,
    SERVICES,
    ZONES,
    ChartPods,
)
from components.platform.checks.capacity import CapacityError
from components.platform.settings import SettingsError
from offline.graph import StackGraph, evaluate_stack, read_stack_config, unwrap_secrets
from offline.manifests import Manifest, helm_releases, integral_numbers, pod_templates
from tests.support.stacks import PROJECT_ROOT, report_of, shipped_settings

COMPONENT_TYPES_PREFIX = "data-platform:"


def test_every_stack_evaluates_and_exports_its_topology(graph: StackGraph, stack: str) -> None:
    assert unwrap_secrets(graph.outputs["topology"]) == stack
    assert len(graph.resources) > 1


def test_every_resource_sits_under_a_layer_component(graph: StackGraph) -> None:
    """Nothing is declared loose at the stack root: every child gets parent=self."""
    root = graph.root()
    index = graph.by_urn()
    for record in graph.resources:
        if record is root:
            continue
        assert record.parent in index, f"{record.urn} has no registered parent"
        if record.parent == root.urn:
            assert record.type.startswith(COMPONENT_TYPES_PREFIX), f"{record.urn} is declared at the stack root"
        else:
            assert any(a.type.startswith(COMPONENT_TYPES_PREFIX) for a in graph.ancestors(record))


def test_every_component_registers_its_outputs(graph: StackGraph) -> None:
    components = [r for r in graph.resources if r.type.startswith(COMPONENT_TYPES_PREFIX)]
    assert components
    for component in components:
        assert graph.registered_outputs.get(component.urn), f"{component.urn} never called register_outputs"


def test_stack_outputs_hold_no_secret_and_name_every_namespace(graph: StackGraph) -> None:
    namespaces = graph.outputs["namespaces"]
    assert set(namespaces) == {str(zone.zone) for zone in ZONES}
    rendered = json.dumps(unwrap_secrets(graph.outputs))
    for secret in graph.secret_values:
        assert secret not in rendered


def _config_with(stack: str, **overrides: object) -> dict[str, str]:
    config, _ = read_stack_config(PROJECT_ROOT / f"Pulumi.{stack}.yaml")
    for key, value in overrides.items():
        config[f"data-platform:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config


def test_an_overcommitted_stack_names_the_shortfall_and_the_largest_services() -> None:
    config = _config_with("staging", services={"dremio_executor": {"replicas": 6}})
    shipped = report_of(shipped_settings("staging")).scenarios[-1]
    executor = shipped_settings("staging").services["dremio_executor"].memory_request_mib
    requested = shipped.requested_memory_mib + 4 * executor
    with pytest.raises(CapacityError) as caught:
        evaluate_stack("staging", config=config)
    message = str(caught.value)
    assert (
        f"one host lost (2 host(s)): memory: {requested:,} MiB requested, {shipped.allocatable_memory_mib:,} MiB "
        f"allocatable, {requested - shipped.allocatable_memory_mib:,} MiB short"
    ) in message
    assert f"Largest requests: dremio_executor {6 * executor:,} MiB" in message


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"services": {"dremio_executor": {"replicas": -1}}}, SettingsError),
        ({"cluster": {"host_memory_mib": 4096}}, CapacityError),
    ],
)
def test_a_failing_program_registers_no_kubernetes_object(overrides: dict, error: type[Exception]) -> None:
    """Validation and the capacity check run before the first declaration."""
    recorded = StackGraph(stack="dev")
    with pytest.raises(error):
        evaluate_stack("dev", config=_config_with("dev", **overrides), into=recorded)
    assert [record.type for record in recorded.resources] == ["pulumi:pulumi:Stack"]


def test_every_helm_release_is_claimed_by_the_catalog(graph: StackGraph) -> None:
    """A release whose pods no catalog service claims would be cut off by default-deny."""
    claimed = {spec.pods.release for spec in SERVICES if isinstance(spec.pods, ChartPods)}
    for record in helm_releases(graph):
        assert unwrap_secrets(record.inputs)["name"] in claimed, f"{record.urn}: no catalog service selects its pods"


def test_injected_pod_labels_are_in_the_release_values(graph: StackGraph) -> None:
    releases = {unwrap_secrets(r.inputs)["name"]: integral_numbers(unwrap_secrets(r.inputs)) for r in helm_releases(graph)}
    for spec in SERVICES:
        if not isinstance(spec.pods, ChartPods) or spec.pods.labels or spec.pods.release not in releases:
            continue
        for path in spec.pods.label_values:
            value = releases[spec.pods.release]["values"]
            for part in path.split("."):
                value = value.get(part, {}) if isinstance(value, dict) else {}
            assert value.get(SERVICE_LABEL) == spec.kubernetes_name, f"{spec.name}: {path} lacks {SERVICE_LABEL}"


def test_every_pod_the_program_renders_carries_its_service_label(manifests: tuple[Manifest, ...]) -> None:
    platform = {spec.kubernetes_name for spec in SERVICES if not isinstance(spec.pods, ChartPods)}
    templates = [(m, pod) for m, pod in pod_templates(manifests)]
    templates += [(m, {"metadata": {"labels": m.document["spec"]["inheritedMetadata"]["labels"]}}) for m in manifests if m.kind == "Cluster"]
    templates += [(m, ns["podTemplate"]) for m in manifests if m.kind == "Elasticsearch" for ns in m.document["spec"]["nodeSets"]]
    assert templates
    for manifest, pod in templates:
        label = ((pod.get("metadata") or {}).get("labels") or {}).get(SERVICE_LABEL)
        assert label in platform, f"{manifest.identity}: pods carry {SERVICE_LABEL}={label!r}"


def _component_classes() -> dict[str, type]:
    """Type token → class, for every ComponentResource of the layers."""
    import importlib
    import inspect
    import pkgutil
    import re

    import pulumi

    import components.layers

    found = {}
    for info in pkgutil.walk_packages(components.layers.__path__, "components.layers."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, pulumi.ComponentResource) and cls.__module__ == module.__name__:
                token = re.search(r'super\(\).__init__\("([^"]+)"', inspect.getsource(cls))
                if token:
                    found[token.group(1)] = cls
    return found


def test_every_component_registers_every_public_output(graph: StackGraph) -> None:
    """`register_outputs` lists every public attribute the class declares (the anatomy's rule)."""
    classes = _component_classes()
    components = {record.type for record in graph.resources if record.type.startswith(COMPONENT_TYPES_PREFIX)}
    assert components <= set(classes), f"components whose class was not found: {components - set(classes)}"
    for record in graph.resources:
        cls = classes.get(record.type)
        if cls is None:
            continue
        public = {name for name in getattr(cls, "__annotations__", {}) if not name.startswith("_")}
        assert public <= set(graph.registered_outputs[record.urn]), f"{record.type}: not registered: {public - set(graph.registered_outputs[record.urn])}"


def test_warnings_reach_the_engine(graph: StackGraph, stack: str) -> None:
    """`pulumi preview` prints what the program warns about: here, MinIO's frozen image outside dev."""
    frozen = [w for w in graph.warnings if "MinIO community image is frozen upstream" in w]
    assert bool(frozen) == (stack != "dev"), graph.warnings


def test_no_two_resources_share_a_urn(graph: StackGraph) -> None:
    """The engine refuses a program that declares one URN twice; the mocks do not, so this test does."""
    urns = [record.urn for record in graph.resources]
    assert sorted({u for u in urns if urns.count(u) > 1}) == []
