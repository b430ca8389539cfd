"""Wiring: the dynamic providers configure the deployed platform in the same `pulumi up`.

Composed last in `__main__.py` from the other layers' outputs only: each service's API (`ServiceApi`), what
the plan needs (`Handover`), and the workloads that must be up first. The plan (plan.py) lists every object;
this component declares each as its provider resource, with the connection `post_deploy.access` asks for
(access.py), after what it names and the platform workloads it needs:

* the object store's set-up Job (it bootstraps the buckets the servers need at start; the Bucket resources
  adopt them and own their settings);
* Dremio's set-up Job (the coordinator answers and its first administrator exists);
* Superset's migration Job;
* the deploy-time dbt build, for objects on the models it builds;
* Airbyte's Helm release.

Then `lakehouse/ingestion.py` declares the data team's Airbyte sources and connections into the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.layers.wiring.access import reach
from components.layers.wiring.plan import Gate, Handover, Item, Ref, Service, plan
from components.platform.contracts import CertificateAuthority, ServiceApi
from components.platform.semantic import SemanticLayer
from components.platform.settings import PlatformSettings
from lakehouse import ingestion


@dataclass(frozen=True, kw_only=True)
class WiringArgs:
    settings: PlatformSettings
    """Validated stack settings: `post_deploy.*`, `edge.*` (gateway access), bucket retention."""
    semantic: SemanticLayer
    """The lakehouse's semantic layer (lakehouse/semantic.py), already checked."""
    handover: Handover
    """What the plan needs from the other layers."""
    services: Mapping[Service, ServiceApi]
    """Each service's API: `s3`, `dremio`, `superset`, `airbyte`."""
    gates: Mapping[Gate, pulumi.Resource]
    """What must be up before the objects of each kind (see the module's docstring)."""
    ca: CertificateAuthority
    """The platform CA: HTTPS to Dremio (and to the edge, unless it uses ACME) is verified against it."""


class Wiring(pulumi.ComponentResource):
    resources: dict[str, pulumi.Resource]
    """Every declared object, by its plan item's name."""

    def __init__(self, name: str, args: WiringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("data-platform:wiring:Wiring", name, None, opts)
        connections = {service: self._connection(args, api) for service, api in args.services.items()}
        self.resources = {}
        items = plan(args.settings, args.semantic, args.handover)
        for item in items:
            self.resources[item.name] = self._declare(name, item, connections[item.service], args.gates)
        workspace, bronze = self.resources["airbyte-workspace"], self.resources["airbyte-bronze"]
        connections_declared = ingestion.declare(
            connection=connections["airbyte"],
            workspace_id=workspace.workspace_id,  # type: ignore[attr-defined]
            destination_id=bronze.destination_id,  # type: ignore[attr-defined]
            parent=self,
        )
        counts: dict[str, int] = {}
        for item in items:
            counts[item.service] = counts.get(item.service, 0) + 1
        counts["airbyte"] = counts.get("airbyte", 0) + len(connections_declared)
        self.register_outputs(
            {
                "resources": {item_name: resource.urn for item_name, resource in self.resources.items()},
                "access": args.settings.config.post_deploy.access,
                "objects": counts,
                "airbyte_workspace_id": workspace.workspace_id,  # type: ignore[attr-defined]
                "bronze_destination_id": bronze.destination_id,  # type: ignore[attr-defined]
            }
        )

    def _declare(
        self, prefix: str, item: Item, connection: pulumi.Input[dict[str, Any]], gates: Mapping[Gate, pulumi.Resource]
    ) -> pulumi.Resource:
        inputs = {key: self._resolve(value) for key, value in item.inputs.items()}
        depends_on = [self.resources[name] for name in item.after] + [gates[gate] for gate in item.gates if gate in gates]
        return item.resource(
            f"{prefix}-{item.name}",
            item.args(connection=connection, **inputs),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on, retain_on_delete=item.retain or None),
        )

    def _resolve(self, value: Any) -> Any:
        return getattr(self.resources[value.item], value.output) if isinstance(value, Ref) else value

    @staticmethod
    def _connection(args: WiringArgs, api: ServiceApi) -> dict[str, Any]:
        url, fields = reach(args.settings, api.url, ui=api.ui, ca_pem=args.ca.certificate_pem)
        return {api.url_key: url, **api.extra, **api.credentials, **fields}
