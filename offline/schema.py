"""Strict OpenAPI-schema validation of manifests against pinned Kubernetes minors, offline.

Uses the schemas bundled with `kubernetes-validate` (its `-local-strict` flavour, where unknown fields
are errors). Unlike its `validate()`, which re-reads the schema files on every call and stops at the
first error, validators are built once per (minor, apiVersion, kind) and report every error.

Objects whose schema is not bundled (custom resources) raise `SchemaNotFoundError`; callers decide
which of those are acceptable (an explicit allow-list), because a missing schema is otherwise silent.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
from kubernetes_validate import utils as kv
from kubernetes_validate.utils import SchemaNotFoundError
from referencing import Registry, Resource

__all__ = ["SchemaNotFoundError", "schema_errors", "resolved_version"]


@functools.cache
def resolved_version(minor: str) -> str:
    """The newest bundled schema version not newer than `minor` ("1.34" → "1.34.x")."""
    candidates = [version for version in kv.all_versions() if kv.major_minor(version) <= kv.major_minor(minor)]
    if not candidates:
        raise kv.VersionNotSupportedError(version=minor)
    return candidates[-1]


@functools.cache
def _definitions(version: str) -> Resource:
    return Resource.from_contents(
        kv.schema_contents(f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version)
    )


@functools.cache
def _validator(minor: str, api_version: str, kind: str) -> jsonschema.Draft202012Validator:
    version = resolved_version(minor)
    # Same file naming as kubernetes-validate: "apps/v1" → "apps-v1", "networking.k8s.io/v1" → "networking-v1".
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = f"kubernetes-json-schema/v{version}-local-strict/{kind.lower()}-{group_version}.json"
    try:
        schema = kv.schema_contents(path, version)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=minor, kind=kind, api_version=api_version) from None
    registry = Resource.from_contents(schema) @ (_definitions(version) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def schema_errors(document: dict[str, Any], minor: str) -> list[str]:
    """Every schema error of `document` for Kubernetes `minor` (strict), as "path: message" lines."""
    validator = _validator(minor, document["apiVersion"], document["kind"])
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    return [f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}" for error in errors]
