"""Shared fixtures: each shipped stack, its graph and its manifests (evaluated once per session, see support/stacks.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from offline.graph import StackGraph  # noqa: E402
from offline.manifests import Manifest  # noqa: E402
from tests.support.stacks import STACKS, stack_graph, stack_manifests  # noqa: E402


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def graph(stack: str) -> StackGraph:
    return stack_graph(stack)


@pytest.fixture
def manifests(stack: str) -> tuple[Manifest, ...]:
    return stack_manifests(stack)
