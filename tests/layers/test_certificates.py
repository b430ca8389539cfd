"""The platform CA: its key stays secret, cert-manager issues from it, every namespace can trust it."""

from __future__ import annotations

import json

import pytest

from components.platform.catalog import Zone
from offline.graph import strip_secrets, unwrap_secrets
from tests.support.lookup import find, one
from tests.support.stacks import STACKS, stack_graph, stack_manifests


@pytest.mark.parametrize("stack", STACKS)
def test_the_issuer_signs_with_the_ca_secret_in_cert_managers_namespace(stack: str) -> None:
    manifests = stack_manifests(stack)
    issuer = one(manifests, "ClusterIssuer")
    assert issuer["metadata"]["name"] == "dp-platform-ca"
    secret_name = issuer["spec"]["ca"]["secretName"]
    (secret,) = [m for m in manifests if m.kind == "Secret" and m.name == secret_name]
    assert secret.namespace == f"dp-{Zone.OPERATORS}"
    assert secret.document["type"] == "kubernetes.io/tls" and set(secret.document["stringData"]) == {"tls.crt", "tls.key"}


@pytest.mark.parametrize("stack", STACKS)
def test_every_namespace_has_the_ca_certificate_and_not_its_key(stack: str) -> None:
    graph = stack_graph(stack)
    manifests = stack_manifests(stack)
    namespaces = {m.name for m in manifests if m.kind == "Namespace"}
    published = {m.namespace: m.document for m in manifests if m.kind == "ConfigMap" and m.name == "platform-ca"}
    assert set(published) == namespaces
    certificate = next(r for r in graph.resources if r.type == "tls:index/selfSignedCert:SelfSignedCert")
    for config_map in published.values():
        assert config_map["data"] == {"ca.crt": certificate.state["certPem"]}
    key = next(r for r in graph.resources if r.type == "tls:index/privateKey:PrivateKey")
    private_key = key.state["privateKeyPem"]
    assert private_key in graph.secret_values
    assert private_key not in json.dumps(find(manifests, "ConfigMap"))


def test_the_ca_key_reaches_the_self_signed_certificate_only_as_a_secret() -> None:
    graph = stack_graph("prod")
    certificate = next(r for r in graph.resources if r.type == "tls:index/selfSignedCert:SelfSignedCert")
    inputs = unwrap_secrets(certificate.inputs)
    assert inputs["isCaCertificate"] is True and inputs["validityPeriodHours"] == 87600
    assert inputs["privateKeyPem"].startswith("mock-secret-") and strip_secrets(certificate.inputs).get("privateKeyPem") is None
    assert set(inputs["allowedUses"]) == {"cert_signing", "crl_signing", "digital_signature"}


def test_the_issuer_waits_for_cert_manager() -> None:
    graph = stack_graph("dev")
    issuer = next(r for r in graph.resources if r.type == "kubernetes:cert-manager.io/v1:ClusterIssuer")
    cert_manager = next(r for r in graph.resources if r.type == "kubernetes:helm.sh/v3:Release" and r.name == "operators-cert-manager")
    assert cert_manager.urn in issuer.dependencies
