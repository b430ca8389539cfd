"""The shared provider contract: every kind's fields are declared once, in its inputs model, and its Args match."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest

import components.providers
from components.providers.base.contract import ContractResource, ProviderInputs


def resource_classes() -> list[type[ContractResource]]:
    for module in pkgutil.walk_packages(components.providers.__path__, "components.providers."):
        importlib.import_module(module.name)
    found, pending = [], list(ContractResource.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return sorted(found, key=lambda cls: cls.__name__)


def args_class(resource: type[ContractResource]) -> type:
    return getattr(importlib.import_module(resource.__module__), f"{resource.__name__}Args")


def test_every_provider_folder_declares_resources() -> None:
    names = {cls.__name__ for cls in resource_classes()}
    assert {"Bucket", "DremioSource", "DremioReflection", "SupersetDatabase", "SupersetDataset"} <= names


@pytest.mark.parametrize("resource", resource_classes(), ids=lambda cls: cls.__name__)
def test_args_declare_exactly_the_inputs_of_the_model(resource: type[ContractResource]) -> None:
    model: type[ProviderInputs] = resource.provider_class.inputs_model
    fields = [field.name for field in dataclasses.fields(args_class(resource))]
    assert sorted(fields) == sorted(model.keys())
    assert dataclasses.is_dataclass(args_class(resource)) and args_class(resource).__dataclass_params__.frozen
    for secret in resource.secret_inputs:
        assert secret in model.keys()


@pytest.mark.parametrize("resource", resource_classes(), ids=lambda cls: cls.__name__)
def test_flags_are_inputs_and_never_domain_keys(resource: type[ContractResource]) -> None:
    model = resource.provider_class.inputs_model
    assert set(model.flags) <= set(model.keys())
    assert {"connection", "adopt"} <= set(model.stored_keys())
    assert not set(model.domain_keys()) & set(model.flags)
    assert set(model.domain_keys()) | set(model.stored_keys()) == set(model.keys())
