"""DremioTable: a folder or file of a source promoted to a table, and the table's reflection refresh policy.

Create promotes the folder (the architecture's "promote folder to dataset"): `POST /api/v3/catalog/{id}`
with the folder's synthetic id (`dremio:/<source>/<path>`) and a `format` such as `{"type": "Parquet"}`.
Dremio then gives the table a UUID, which is the resource id. Tables of PostgreSQL or Elasticsearch
sources need no promotion: with `adopt=True` their refresh policy can be managed the same way.

The refresh policy is always sent in full (Dremio's defaults when `refresh_policy` is unset: refresh
hourly, expire after 3 hours, FULL), because a PUT without it removes the stored policy. Delete
un-promotes the folder (its files stay untouched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from components.providers.base.contract import ContractResource, ProviderError
from components.providers.base.service import ServiceInputs, create_once
from components.providers.dremio.client import DremioClient, encode_path
from components.providers.dremio.provider import DremioProvider, current_entity, is_conflict

FORMAT_OPTIONS = {
    "Parquet": {"ignoreOtherFileFormats", "autoCorrectCorruptDates"},
    "JSON": {"ignoreOtherFileFormats"},
    "Text": {
        "ignoreOtherFileFormats",
        "fieldDelimiter",
        "lineDelimiter",
        "quote",
        "escape",
        "comment",
        "extractHeader",
        "skipFirstLine",
        "trimHeader",
        "autoGenerateColumnNames",
        "skipLines",
    },
    "Avro": {"ignoreOtherFileFormats"},
    "Iceberg": set(),
    "Delta": set(),
    "Excel": {"extractHeader", "hasMergedCells", "sheetName"},
    "XLS": {"extractHeader", "hasMergedCells", "sheetName"},
}
MIN_PERIOD_MS = 60000


class RefreshPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_period_ms: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 3600000
    grace_period_ms: Annotated[int, Field(ge=MIN_PERIOD_MS)] = 10800000
    method: Literal["FULL", "INCREMENTAL"] = "FULL"
    refresh_field: str | None = None
    never_expire: StrictBool = False
    never_refresh: StrictBool = False

    @model_validator(mode="after")
    def _field_only_for_incremental(self) -> RefreshPolicy:
        if self.refresh_field and self.method != "INCREMENTAL":
            raise ValueError("refresh_field is used by INCREMENTAL refreshes only; remove it or set method INCREMENTAL")
        return self

    def to_dremio(self) -> dict[str, Any]:
        return {
            "refreshPeriodMs": self.refresh_period_ms,
            "gracePeriodMs": self.grace_period_ms,
            "method": self.method,
            "refreshField": self.refresh_field,
            "neverExpire": self.never_expire,
            "neverRefresh": self.never_refresh,
        }

    @classmethod
    def from_dremio(cls, policy: dict[str, Any]) -> dict[str, Any]:
        return {
            "refresh_period_ms": policy.get("refreshPeriodMs"),
            "grace_period_ms": policy.get("gracePeriodMs"),
            "method": policy.get("method"),
            "refresh_field": policy.get("refreshField"),
            "never_expire": policy.get("neverExpire"),
            "never_refresh": policy.get("neverRefresh"),
        }


class TableInputs(ServiceInputs):
    path: Annotated[list[str], Field(min_length=2)]
    format: dict[str, Any] = {"type": "Parquet"}
    refresh_policy: RefreshPolicy = RefreshPolicy()

    @field_validator("path")
    @classmethod
    def _path(cls, path: list[str]) -> list[str]:
        if any(not part.strip() for part in path):
            raise ValueError("path elements may not be empty: [source, bucket, folder, ...]")
        return path

    @field_validator("format")
    @classmethod
    def _format(cls, format_: dict[str, Any]) -> dict[str, Any]:
        kind = format_.get("type")
        if kind not in FORMAT_OPTIONS:
            raise ValueError(f"format.type: one of {', '.join(FORMAT_OPTIONS)}")
        unknown = set(format_) - {"type"} - FORMAT_OPTIONS[kind]
        if unknown:
            raise ValueError(f"format: {', '.join(sorted(unknown))} not a {kind} option")
        return format_


class DremioTableProvider(DremioProvider):
    kind = "table"
    inputs_model = TableInputs
    # A new path is another folder: promote it, then un-promote the old one.
    replace_keys = ("path",)
    natural_key = ("path",)

    def describe(self, inputs: TableInputs) -> str:
        return ".".join(inputs.path)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        found = client.by_path(inputs.path)
        if found is None:
            raise ProviderError(
                f"{client.operation}: {client.by_path_url(inputs.path)}: 404: there is no folder or file at this path "
                "in the source (check the path, and that the source can see the data)"
            )
        if found.get("entityType") == "dataset":
            if not inputs.adopt:
                raise self.exists(inputs)
            created = _put(client, found, inputs)
        elif found.get("entityType") in ("folder", "file") and found.get("id", "").startswith("dremio:"):
            body = {
                "entityType": "dataset",
                "type": "PHYSICAL_DATASET",
                "path": inputs.path,
                "format": inputs.format,
                "accelerationRefreshPolicy": inputs.refresh_policy.to_dremio(),
            }

            def promoted() -> dict[str, Any] | None:
                again = client.by_path(inputs.path)
                return again if again and again.get("entityType") == "dataset" else None

            created = create_once(
                client,
                f"/api/v3/catalog/{encode_path([found['id']])}",
                body,
                promoted,
                lambda: self.exists(inputs),
                conflict=is_conflict,
            )
        else:
            raise ProviderError(
                f"{client.operation} at {inputs.connection.url}: it is a {found.get('entityType')}, not a folder or "
                "file of a source; only those can be promoted to a table"
            )
        return pulumi.dynamic.CreateResult(created["id"], inputs.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        entity = self.client(stored, "read").by_id(id_)
        if entity is None or entity.get("type") != "PHYSICAL_DATASET":
            return pulumi.dynamic.ReadResult(None, {})
        reported = entity.get("format") or {}
        policy = entity.get("accelerationRefreshPolicy")
        outs = stored.dump() | {
            "path": entity["path"],
            # Dremio fills in name, location and more: compare the options the program sets. A database
            # table has no format at all.
            "format": {k: reported.get(k) for k in stored.format} if reported else stored.format,
            # No stored policy means the table fell back to its source's: drift from the declared one.
            "refresh_policy": RefreshPolicy.from_dremio(policy) if policy else None,
        }
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def apply(self, client: DremioClient, id_: str, inputs: TableInputs, _olds: dict[str, Any]) -> dict[str, Any]:
        _put(client, current_entity(client, id_), inputs)
        return inputs.dump()

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs(props)
        client = self.client(stored, "delete")
        current = client.by_id(id_)
        if current is None:
            return
        if not current.get("format"):
            # A database source's table cannot be deleted; dropping its own policy is what delete means.
            body = {
                "entityType": "dataset",
                "type": "PHYSICAL_DATASET",
                "id": id_,
                "tag": current.get("tag"),
                "path": current["path"],
            }
            client.request("PUT", f"/api/v3/catalog/{quote(id_, safe='')}", body)
            return
        client.delete_entity(id_)


def _put(client: DremioClient, current: dict[str, Any], inputs: TableInputs) -> dict[str, Any]:
    # The whole table every time: a PUT without the policy would drop it, one without a format fails.
    body = {
        "entityType": "dataset",
        "type": "PHYSICAL_DATASET",
        "id": current["id"],
        "tag": current.get("tag"),
        "path": current["path"],
        "accelerationRefreshPolicy": inputs.refresh_policy.to_dremio(),
    }
    if current.get("format"):
        body["format"] = inputs.format
    return client.request("PUT", f"/api/v3/catalog/{quote(current['id'], safe='')}", body)


@dataclass(frozen=True, kw_only=True)
class DremioTableArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    path: pulumi.Input[list[str]]
    """The source's name, then the folders down to the one to promote, e.g. ["lake", "bronze", "orders"]."""
    format: pulumi.Input[dict[str, Any]] | None = None
    """A Dremio format object; default `{"type": "Parquet"}`."""
    refresh_policy: pulumi.Input[dict[str, Any]] | None = None
    """`{refresh_period_ms, grace_period_ms, method: FULL|INCREMENTAL, refresh_field, never_expire, never_refresh}`."""
    adopt: pulumi.Input[bool] = False


class DremioTable(ContractResource, module="dremio", name="Table"):
    """Declare with `DremioTable(resource_name, DremioTableArgs(...), opts)`."""

    provider_class = DremioTableProvider

    path: pulumi.Output[list[str]]
    format: pulumi.Output[dict[str, Any]]
    refresh_policy: pulumi.Output[dict[str, Any]]
    connection: pulumi.Output[dict[str, Any]]
