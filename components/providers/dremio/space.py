"""DremioSpace: a top-level space (e.g. bronze, silver, gold) holding folders and views.

The id is Dremio's UUID. Spaces cannot be renamed in Dremio OSS, so a new name replaces the space.
Deleting a space in Dremio deletes everything in it, so delete refuses a space that still holds items
unless `force_destroy=True` (Pulumi deletes the views it manages first, so only others remain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import StrictBool, field_validator

from components.providers.base.contract import ContractResource, ProviderError
from components.providers.base.service import ServiceInputs
from components.providers.dremio.client import DremioClient
from components.providers.dremio.provider import DremioProvider


class SpaceInputs(ServiceInputs):
    flags: ClassVar[frozenset[str]] = ServiceInputs.flags | {"force_destroy"}

    name: str
    force_destroy: StrictBool = False

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not name.strip() or any(char in name for char in '."/'):
            raise ValueError("a space name may not be empty or contain periods, slashes or double quotes")
        if name.startswith("@") or name.lower() == "tmp":
            raise ValueError("names starting with @ (home spaces) and 'tmp' are reserved by Dremio")
        return name


class DremioSpaceProvider(DremioProvider):
    kind = "space"
    inputs_model = SpaceInputs
    replace_keys = ("name",)
    natural_key = ("name",)

    def describe(self, inputs: SpaceInputs) -> str:
        return repr(inputs.name)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        created = self.create_in_catalog(
            self.client(inputs, "create"),
            inputs,
            [inputs.name],
            {"entityType": "space", "name": inputs.name},
            is_same_kind=lambda found: found.get("entityType") == "space",
            adopt=lambda found: found,
        )
        return pulumi.dynamic.CreateResult(created["id"], inputs.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        entity = self.client(stored, "read").by_id(id_)
        if entity is None or entity.get("entityType") != "space":
            return pulumi.dynamic.ReadResult(None, {})
        outs = stored.dump() | {"name": entity["name"]}
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def apply(self, client: DremioClient, _id: str, _inputs: SpaceInputs, _olds: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("a space's only domain field, its name, replaces it")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs(props)
        client = self.client(stored, "delete")
        entity = client.by_id(id_)
        if entity is None:
            return
        children = entity.get("children") or []
        if children and not stored.force_destroy:
            names = ", ".join(".".join(child["path"][1:]) for child in children[:5])
            raise ProviderError(
                f"{client.operation} at {stored.connection.url}: it still holds {len(children)} item(s) ({names}) "
                "that Pulumi does not manage, and Dremio would delete them with it. Move or delete them, or set "
                "force_destroy=True"
            )
        client.delete_entity(id_)


@dataclass(frozen=True, kw_only=True)
class DremioSpaceArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    name: pulumi.Input[str]
    force_destroy: pulumi.Input[bool] = False
    """Let delete remove a space that still holds items Pulumi does not manage (Dremio deletes them too)."""
    adopt: pulumi.Input[bool] = False


class DremioSpace(ContractResource, module="dremio", name="Space"):
    """Declare with `DremioSpace(resource_name, DremioSpaceArgs(...), opts)`."""

    provider_class = DremioSpaceProvider

    name: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]
