"""AirbyteSource and AirbyteDestination: a connector instance in a workspace, by definition and configuration.

Following Airbyte's public API (docs/providers/airbyte-api.md):

* The id is Airbyte's UUID; the name is the natural key within a workspace: create looks for it first (an
  existing one needs `adopt=True`), and after a lost answer looks again before posting a second time.
* Airbyte masks secret fields on read (`**********`, by the connector's spec). Read puts the stored value back
  where Airbyte shows the mask, so a refresh reports drift only in what Airbyte shows; a secret changed
  outside Pulumi cannot be seen (rotate it here).
* Update sends only what changed (one PATCH with the name and/or the whole configuration); Airbyte checks the
  configuration against the connector's spec and refuses it with its own message.
* A new definition or workspace is a replacement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
from pydantic import Field, field_validator

from components.providers.airbyte.client import AirbyteClient
from components.providers.airbyte.provider import AirbyteInputs, AirbyteProvider, uuid_field
from components.providers.base.contract import ContractResource

MASK = "**********"


class ActorInputs(AirbyteInputs):
    workspace_id: str
    name: Annotated[str, Field(min_length=1, max_length=256)]
    definition_id: str
    configuration: dict[str, Any]

    @field_validator("workspace_id", "definition_id")
    @classmethod
    def _ids(cls, value: str) -> str:
        return uuid_field(value)

    @field_validator("configuration")
    @classmethod
    def _configuration(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("give the connector's configuration (its spec's fields)")
        if _contains_mask(value):
            raise ValueError(f"{MASK!r} is Airbyte's mask for a hidden secret: give the secret itself")
        return value


class ActorProvider(AirbyteProvider):
    inputs_model = ActorInputs
    natural_key = ("name",)
    replace_keys = ("workspace_id", "definition_id")

    def find(self, client: AirbyteClient, inputs: ActorInputs) -> dict[str, Any] | None:
        return next((a for a in client.all(self.collection, inputs.workspace_id) if a["name"] == inputs.name), None)

    def create_body(self, inputs: ActorInputs) -> dict[str, Any]:
        return {"name": inputs.name, "workspaceId": inputs.workspace_id, "definitionId": inputs.definition_id,
                "configuration": inputs.configuration}

    def described(self, server: dict[str, Any], stored: ActorInputs | None) -> dict[str, Any]:
        shown = server.get("configuration") or {}
        return {
            "name": server["name"],
            "workspace_id": server["workspaceId"],
            "definition_id": server.get("definitionId") or (stored.definition_id if stored else None),
            # Adopting, nothing of ours stands behind the mask: the declared configuration is sent.
            "configuration": unmask(shown, stored.configuration) if stored else shown,
        }

    def apply(self, client: AirbyteClient, id_: str, inputs: ActorInputs, olds: dict[str, Any]) -> dict[str, Any]:
        patch: dict[str, Any] = {}
        if olds.get("name") != inputs.name:
            patch["name"] = inputs.name
        if olds.get("configuration") != inputs.configuration:
            patch["configuration"] = inputs.configuration
        if patch:
            client.request("PATCH", f"/{self.collection}/{id_}", patch)
        return self.outputs(inputs, {self.output_key: id_})


def unmask(shown: Any, ours: Any) -> Any:
    """What Airbyte shows, with the stored value where it shows the mask: equal to ours when nothing drifted."""
    if shown == MASK:
        return ours
    if isinstance(shown, dict) and isinstance(ours, dict):
        return {key: unmask(value, ours.get(key)) for key, value in shown.items()}
    if isinstance(shown, list) and isinstance(ours, list) and len(shown) == len(ours):
        return [unmask(value, mine) for value, mine in zip(shown, ours, strict=True)]
    return shown


def _contains_mask(value: Any) -> bool:
    if value == MASK:
        return True
    if isinstance(value, dict):
        return any(_contains_mask(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_mask(item) for item in value)
    return False


class AirbyteSourceProvider(ActorProvider):
    kind = "source"
    collection = "sources"
    id_field = "sourceId"
    output_key = "source_id"


class AirbyteDestinationProvider(ActorProvider):
    kind = "destination"
    collection = "destinations"
    id_field = "destinationId"
    output_key = "destination_id"


@dataclass(frozen=True, kw_only=True)
class AirbyteActorArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, client_id, client_secret}`: Airbyte's public API and an application's credentials; kept secret."""
    workspace_id: pulumi.Input[str]
    name: pulumi.Input[str]
    """Unique within the workspace: how an existing one is found (and adopted with `adopt`)."""
    definition_id: pulumi.Input[str]
    """The connector's definition (e.g. 4816b78f-1489-44c1-9060-4b19d5fa9362 for the S3 destination)."""
    configuration: pulumi.Input[dict[str, Any]] = field(default_factory=dict)
    """The connector's configuration, as its spec names the fields; kept secret."""
    adopt: pulumi.Input[bool] = False


AirbyteSourceArgs = AirbyteActorArgs
AirbyteDestinationArgs = AirbyteActorArgs


class AirbyteSource(ContractResource, module="airbyte", name="Source"):
    """Declare with `AirbyteSource(resource_name, AirbyteSourceArgs(...), opts)`."""

    provider_class = AirbyteSourceProvider
    secret_inputs = ("connection", "configuration")

    source_id: pulumi.Output[str]
    name: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]


class AirbyteDestination(ContractResource, module="airbyte", name="Destination"):
    """Declare with `AirbyteDestination(resource_name, AirbyteDestinationArgs(...), opts)`."""

    provider_class = AirbyteDestinationProvider
    secret_inputs = ("connection", "configuration")

    destination_id: pulumi.Output[str]
    name: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]
