"""Shared fixtures: each shipped stack is evaluated once per test session under Pulumi's mocks."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from offline.graph import StackGraph, evaluate_stack  # noqa: E402
from offline.manifests import Manifest, kubernetes_manifests  # noqa: E402

STACKS = ("dev", "staging", "prod")


@functools.cache
def stack_graph(stack: str) -> StackGraph:
    return evaluate_stack(stack)


@functools.cache
def stack_manifests(stack: str) -> tuple[Manifest, ...]:
    return tuple(kubernetes_manifests(stack_graph(stack)))


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def graph(stack: str) -> StackGraph:
    return stack_graph(stack)


@pytest.fixture
def manifests(stack: str) -> tuple[Manifest, ...]:
    return stack_manifests(stack)
