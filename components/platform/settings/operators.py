"""`operators`: which operators the program installs, and which the cluster already runs."""

from __future__ import annotations

from pydantic import StrictBool

from components.platform.settings.base import SettingsGroup


class ExistingOperators(SettingsGroup):
    """Operators the cluster already runs: the program does not install them, and checks that the custom
    resource definitions it needs are served (a missing one fails the preview, naming this key)."""

    cert_manager: StrictBool = False
    """Use the cluster's cert-manager (1.15 or newer) instead of installing one."""
    cloudnative_pg: StrictBool = False
    """Use the cluster's CloudNativePG (1.26 or newer) and its Barman Cloud plugin instead of installing them."""
    eck: StrictBool = False
    """Use the cluster's ECK (3.0 or newer) instead of installing one. It must manage the `storage` and `observability` namespaces."""
    prometheus_operator: StrictBool = False
    """Use the cluster's Prometheus operator (0.80 or newer): kube-prometheus-stack is installed without its operator and CRDs. The operator must watch the `observability` namespace."""


class OperatorSettings(SettingsGroup):
    """`operators`: the controllers behind the platform's custom resources."""

    existing: ExistingOperators = ExistingOperators()
    """Operators to use from the cluster instead of installing them; see the `operators.existing.*` keys."""
