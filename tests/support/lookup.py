"""Finding objects among a stack's manifests."""

from __future__ import annotations

from offline.manifests import Manifest


def find(manifests: tuple[Manifest, ...], kind: str, name: str | None = None) -> list[dict]:
    return [m.document for m in manifests if m.kind == kind and (name is None or m.name == name)]


def one(manifests: tuple[Manifest, ...], kind: str, name: str | None = None) -> dict:
    found = find(manifests, kind, name)
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def statefulsets(manifests: tuple[Manifest, ...], app: str, component: str) -> list[dict]:
    return [
        s
        for s in find(manifests, "StatefulSet")
        if s["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == app
        and s["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == component
    ]
