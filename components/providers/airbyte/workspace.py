"""AirbyteWorkspace: the workspace that the platform's sources, destinations and connections live in.

Following Airbyte's public API (docs/providers/airbyte-api.md):

* The id is Airbyte's UUID; the name is the natural key: create looks for it first (an existing one needs
  `adopt=True`, which is how Airbyte's own default workspace is taken over), and after a lost answer looks
  again before posting a second time.
* A rename is one PATCH. Delete removes the workspace and, in Airbyte, everything in it: Pulumi deletes the
  workspace's sources and connections first, because they depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
from pydantic import Field

from components.providers.airbyte.client import AirbyteClient
from components.providers.airbyte.provider import AirbyteInputs, AirbyteProvider
from components.providers.base.contract import ContractResource


class WorkspaceInputs(AirbyteInputs):
    name: Annotated[str, Field(min_length=1, max_length=256)]


class AirbyteWorkspaceProvider(AirbyteProvider):
    kind = "workspace"
    collection = "workspaces"
    id_field = "workspaceId"
    inputs_model = WorkspaceInputs
    natural_key = ("name",)
    output_key = "workspace_id"

    def find(self, client: AirbyteClient, inputs: WorkspaceInputs) -> dict[str, Any] | None:
        return next((w for w in client.all("workspaces") if w["name"] == inputs.name), None)

    def create_body(self, inputs: WorkspaceInputs) -> dict[str, Any]:
        return {"name": inputs.name}

    def described(self, server: dict[str, Any], stored: WorkspaceInputs | None) -> dict[str, Any]:
        return {"name": server["name"]}

    def apply(self, client: AirbyteClient, id_: str, inputs: WorkspaceInputs, olds: dict[str, Any]) -> dict[str, Any]:
        if olds.get("name") != inputs.name:
            client.request("PATCH", f"/workspaces/{id_}", {"name": inputs.name})
        return self.outputs(inputs, {self.output_key: id_})


@dataclass(frozen=True, kw_only=True)
class AirbyteWorkspaceArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, client_id, client_secret}`: Airbyte's public API and an application's credentials; kept secret."""
    name: pulumi.Input[str]
    """Unique in the instance: how an existing one is found (and adopted with `adopt`)."""
    adopt: pulumi.Input[bool] = False


class AirbyteWorkspace(ContractResource, module="airbyte", name="Workspace"):
    """Declare with `AirbyteWorkspace(resource_name, AirbyteWorkspaceArgs(...), opts)`."""

    provider_class = AirbyteWorkspaceProvider
    secret_inputs = ("connection",)

    workspace_id: pulumi.Output[str]
    name: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]
