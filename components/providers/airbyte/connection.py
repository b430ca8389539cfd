"""AirbyteConnection: a sync from a source to a destination, its streams, schedule and status.

Following Airbyte's public API (docs/providers/airbyte-api.md):

* The id is Airbyte's UUID; the name is the natural key within the source's workspace (adopt, lost answers).
* `streams` are the streams to sync, each with a sync mode (`full_refresh_overwrite`, `full_refresh_append`,
  `incremental_append`, `incremental_deduped_history`), a cursor field and a primary key where the mode needs
  them; their order does not matter. Checked before any request.
* `schedule_cron` is a Quartz cron expression (seconds first, as Airbyte takes it): daily at 01:00 UTC by
  default, the architecture's batch window. Airbyte reads it back with ` UTC` appended; read removes it, so
  no drift is reported. `"manual"` means manual syncs only.
* Update sends one PATCH with only what changed; a new source or destination is a replacement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from components.providers.airbyte.client import AirbyteClient
from components.providers.airbyte.provider import AirbyteInputs, AirbyteProvider, uuid_field
from components.providers.base.contract import ContractResource

SyncMode = Literal["full_refresh_overwrite", "full_refresh_append", "incremental_append", "incremental_deduped_history"]
DAILY_AT_ONE = "0 0 1 * * ?"
MANUAL = "manual"
"""Quartz cron for daily at 01:00 (UTC): the architecture's ingestion window."""
_QUARTZ = re.compile(r"\S+( \S+){5,6}")


class Stream(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1)]
    sync_mode: SyncMode
    cursor_field: list[str] | None = None
    """Path of the cursor column; None: the source's own cursor (where it defines one)."""
    primary_key: list[list[str]] | None = None
    """Paths of the primary key columns; None: the source's own key."""

    @model_validator(mode="after")
    def _mode_needs(self) -> Stream:
        if self.sync_mode == "incremental_deduped_history" and not self.primary_key:
            raise ValueError(f"stream {self.name!r}: incremental_deduped_history needs a primary_key, e.g. [['id']]")
        return self


class ConnectionInputs(AirbyteInputs):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    source_id: str
    destination_id: str
    streams: list[Stream]
    schedule_cron: str = DAILY_AT_ONE
    status: Literal["active", "inactive"] = "active"

    @field_validator("source_id", "destination_id")
    @classmethod
    def _ids(cls, value: str) -> str:
        return uuid_field(value)

    @field_validator("streams")
    @classmethod
    def _streams(cls, streams: list[Stream]) -> list[Stream]:
        if not streams:
            raise ValueError("list at least one stream to sync")
        names = [stream.name for stream in streams]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"stream {repeated[0]!r} is listed twice")
        return sorted(streams, key=lambda stream: stream.name)

    @field_validator("schedule_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if value != MANUAL and not _QUARTZ.fullmatch(value.strip()):
            raise ValueError(
                "use a Quartz cron expression (seconds minutes hours day-of-month month day-of-week), "
                f"e.g. {DAILY_AT_ONE!r} for daily at 01:00 UTC, or {MANUAL!r} for manual syncs"
            )
        return value.strip()


class AirbyteConnectionProvider(AirbyteProvider):
    kind = "connection"
    collection = "connections"
    id_field = "connectionId"
    inputs_model = ConnectionInputs
    natural_key = ("name",)
    replace_keys = ("source_id", "destination_id")
    output_key = "connection_id"

    def find(self, client: AirbyteClient, inputs: ConnectionInputs) -> dict[str, Any] | None:
        return next(
            (c for c in client.all("connections") if c["name"] == inputs.name and c["sourceId"] == inputs.source_id),
            None,
        )

    def create_body(self, inputs: ConnectionInputs) -> dict[str, Any]:
        return {"sourceId": inputs.source_id, "destinationId": inputs.destination_id, **_body(inputs, None)}

    def described(self, server: dict[str, Any], stored: ConnectionInputs | None) -> dict[str, Any]:
        return _as_outputs(server)

    def apply(self, client: AirbyteClient, id_: str, inputs: ConnectionInputs, olds: dict[str, Any]) -> dict[str, Any]:
        patch = _body(inputs, olds)
        if patch:
            client.request("PATCH", f"/connections/{id_}", patch)
        return self.outputs(inputs, {self.output_key: id_})


def _body(inputs: ConnectionInputs, olds: dict[str, Any] | None) -> dict[str, Any]:
    """The fields that differ from `olds` (all of them for a create), as Airbyte names them."""
    wanted = {
        "name": inputs.name,
        "status": inputs.status,
        "schedule": {"scheduleType": "manual"}
        if inputs.schedule_cron == MANUAL
        else {"scheduleType": "cron", "cronExpression": inputs.schedule_cron},
        "configurations": {"streams": [_stream(stream) for stream in inputs.streams]},
    }
    if olds is None:
        return wanted
    current = ConnectionInputs.model_validate({**inputs.model_dump(), **{k: v for k, v in olds.items() if k in ("name", "status", "schedule_cron", "streams")}})
    before = _body(current, None)
    return {key: value for key, value in wanted.items() if before[key] != value}


def _stream(stream: Stream) -> dict[str, Any]:
    body: dict[str, Any] = {"name": stream.name, "syncMode": stream.sync_mode}
    if stream.cursor_field is not None:
        body["cursorField"] = stream.cursor_field
    if stream.primary_key is not None:
        body["primaryKey"] = stream.primary_key
    return body


def _as_outputs(server: dict[str, Any]) -> dict[str, Any]:
    """Airbyte's view of a connection, as this resource's inputs name it."""
    schedule = server.get("schedule") or {}
    cron = schedule.get("cronExpression") if schedule.get("scheduleType") == "cron" else None
    streams = [
        {"name": s["name"], "sync_mode": s.get("syncMode"), "cursor_field": s.get("cursorField") or None,
         "primary_key": s.get("primaryKey") or None}
        for s in (server.get("configurations") or {}).get("streams") or []
    ]
    return {
        "name": server["name"],
        "source_id": server["sourceId"],
        "destination_id": server["destinationId"],
        "status": server.get("status"),
        # Airbyte appends the time zone it runs the schedule in.
        "schedule_cron": cron.removesuffix(" UTC") if cron else MANUAL,
        "streams": sorted(streams, key=lambda stream: stream["name"]),
    }


@dataclass(frozen=True, kw_only=True)
class AirbyteConnectionArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, client_id, client_secret}`; kept secret."""
    name: pulumi.Input[str]
    source_id: pulumi.Input[str]
    destination_id: pulumi.Input[str]
    streams: pulumi.Input[list[dict[str, Any]]] = field(default_factory=list)
    """`[{"name", "sync_mode", "cursor_field"?, "primary_key"?}]`, in any order."""
    schedule_cron: pulumi.Input[str] = DAILY_AT_ONE
    """Quartz cron (UTC); "manual": manual syncs only."""
    status: pulumi.Input[str] = "active"
    adopt: pulumi.Input[bool] = False


class AirbyteConnection(ContractResource, module="airbyte", name="Connection"):
    """Declare with `AirbyteConnection(resource_name, AirbyteConnectionArgs(...), opts)`."""

    provider_class = AirbyteConnectionProvider

    connection_id: pulumi.Output[str]
    name: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]
