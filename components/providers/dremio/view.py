"""DremioView: a virtual dataset (SQL view) in a space, e.g. silver.orders_clean.

Dremio validates the SQL against existing objects when the view is saved, so declare views after what
they read (`depends_on`), bronze before silver before gold. The id is Dremio's UUID. A new `path`
replaces the view; `sql` and `sql_context` change in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
import pulumi.dynamic
from pydantic import Field, field_validator

from components.providers.base.contract import ContractResource
from components.providers.base.service import ServiceInputs
from components.providers.dremio.client import DremioClient
from components.providers.dremio.provider import DremioProvider, current_entity


class ViewInputs(ServiceInputs):
    path: Annotated[list[str], Field(min_length=2)]
    sql: str
    sql_context: list[Annotated[str, Field(min_length=1)]] | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, path: list[str]) -> list[str]:
        for part in path:
            if not part.strip() or any(char in part for char in '."/'):
                raise ValueError(f"path element {part!r}: not empty, no periods, slashes or double quotes")
        if path[0].startswith("@") or path[0].lower() == "tmp":
            raise ValueError("the first path element is a space (not a home space, not 'tmp')")
        return path

    @field_validator("sql")
    @classmethod
    def _sql(cls, sql: str) -> str:
        if not sql.strip():
            raise ValueError("the view's SQL is empty")
        return sql


class DremioViewProvider(DremioProvider):
    kind = "view"
    inputs_model = ViewInputs
    replace_keys = ("path",)
    natural_key = ("path",)

    def describe(self, inputs: ViewInputs) -> str:
        return ".".join(inputs.path)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        body = {
            "entityType": "dataset",
            "type": "VIRTUAL_DATASET",
            "path": inputs.path,
            "sql": inputs.sql,
            "sqlContext": inputs.sql_context,
        }
        created = self.create_in_catalog(
            client,
            inputs,
            inputs.path,
            body,
            is_same_kind=lambda found: found.get("type") == "VIRTUAL_DATASET",
            adopt=lambda found: _put(client, found, inputs),
        )
        return pulumi.dynamic.CreateResult(created["id"], inputs.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        entity = self.client(stored, "read").by_id(id_)
        if entity is None or entity.get("type") != "VIRTUAL_DATASET":
            return pulumi.dynamic.ReadResult(None, {})
        outs = stored.dump() | {
            "path": entity["path"],
            "sql": entity.get("sql", ""),
            "sql_context": entity.get("sqlContext"),
        }
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def apply(self, client: DremioClient, id_: str, inputs: ViewInputs, _olds: dict[str, Any]) -> dict[str, Any]:
        _put(client, current_entity(client, id_), inputs)
        return inputs.dump()

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs(props)
        self.client(stored, "delete").delete_entity(id_)


def _put(client: DremioClient, current: dict[str, Any], inputs: ViewInputs) -> dict[str, Any]:
    # Dremio does not enforce a view's tag, but sending the current one costs nothing.
    body = {
        "entityType": "dataset",
        "type": "VIRTUAL_DATASET",
        "id": current["id"],
        "tag": current.get("tag"),
        "path": inputs.path,
        "sql": inputs.sql,
        "sqlContext": inputs.sql_context,
    }
    return client.request("PUT", f"/api/v3/catalog/{current['id']}", body)


@dataclass(frozen=True, kw_only=True)
class DremioViewArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    path: pulumi.Input[list[str]]
    """Space first, then folders, then the view's name; changing it replaces the view."""
    sql: pulumi.Input[str]
    sql_context: pulumi.Input[list[str]] | None = None
    """Where unqualified names in the SQL are looked up, e.g. ["bronze"]."""
    adopt: pulumi.Input[bool] = False


class DremioView(ContractResource, module="dremio", name="View"):
    """Declare with `DremioView(resource_name, DremioViewArgs(...), opts)`."""

    provider_class = DremioViewProvider

    path: pulumi.Output[list[str]]
    sql: pulumi.Output[str]
    sql_context: pulumi.Output[list[str] | None]
    connection: pulumi.Output[dict[str, Any]]
