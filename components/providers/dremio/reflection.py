"""DremioReflection: a raw or aggregation reflection on a dataset (table or view).

Reflection names are not unique in Dremio: create first lists the dataset's reflections and refuses a
second one with the same name (set `adopt=True` to take the existing one over). `dataset_path` is
resolved to the dataset's id. Updates send the whole definition with the current tag (a PUT clears
omitted field lists) and retry once on a stale tag. Changing `type` or `dataset_path` replaces the
reflection, deleting the old one first when the name stays. Dremio's refresh status is deliberately
not an output: it changes by itself, and a nightly `pulumi refresh --expect-no-changes` would call that
drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import quote

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from components.providers.base.contract import ContractResource, ProviderError
from components.providers.base.http import ApiError
from components.providers.base.service import ServiceInputs, create_once
from components.providers.dremio.client import DremioClient
from components.providers.dremio.provider import DremioProvider, is_conflict, with_fresh_tag

MeasureType = Literal["MIN", "MAX", "SUM", "COUNT", "APPROX_COUNT_DISTINCT"]
ColumnName = Annotated[str, Field(min_length=1)]


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ColumnName
    granularity: Literal["DATE", "NORMAL"] = "DATE"


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ColumnName
    measure_types: Annotated[list[MeasureType], Field(min_length=1)]

    @field_validator("measure_types")
    @classmethod
    def _unique(cls, types: list[str]) -> list[str]:
        if len(set(types)) != len(types):
            raise ValueError("measure types repeat")
        return types


class ReflectionInputs(ServiceInputs):
    dataset_path: Annotated[list[ColumnName], Field(min_length=1)]
    name: ColumnName
    type: Literal["RAW", "AGGREGATION"]
    enabled: StrictBool = True
    display_fields: list[ColumnName] = []
    partition_fields: list[ColumnName] = []
    sort_fields: list[ColumnName] = []
    distribution_fields: list[ColumnName] = []
    dimension_fields: list[Dimension] = []
    measure_fields: list[Measure] = []
    partition_distribution_strategy: Literal["CONSOLIDATED", "STRIPED"] = "CONSOLIDATED"
    arrow_caching_enabled: StrictBool = False

    @model_validator(mode="after")
    def _definition(self) -> ReflectionInputs:
        if self.type == "RAW":
            if not self.display_fields:
                raise ValueError("a RAW reflection needs display_fields")
            if self.dimension_fields or self.measure_fields:
                raise ValueError("a RAW reflection has no dimension_fields or measure_fields")
            scope, label = set(self.display_fields), "display_fields"
        else:
            if self.display_fields:
                raise ValueError("an AGGREGATION reflection has no display_fields")
            if not self.dimension_fields and not self.measure_fields:
                raise ValueError("an AGGREGATION reflection needs dimension_fields or measure_fields")
            scope, label = {d.name for d in self.dimension_fields}, "dimension_fields"
        for list_name in ("partition_fields", "sort_fields", "distribution_fields"):
            outside = [name for name in getattr(self, list_name) if name not in scope]
            if outside:
                raise ValueError(f"{list_name} {outside} must also be {label}")
        if len(set(self.partition_fields)) != len(self.partition_fields):
            raise ValueError("partition_fields repeat a column")
        both = set(self.partition_fields) & set(self.sort_fields)
        if both:
            raise ValueError(f"{sorted(both)} cannot be both sort and partition fields")
        return self

    def to_dremio(self, dataset_id: str) -> dict[str, Any]:
        def names(values: list[str]) -> list[dict[str, str]] | None:
            return [{"name": value} for value in values] or None

        body: dict[str, Any] = {
            "type": self.type,
            "name": self.name,
            "datasetId": dataset_id,
            "enabled": self.enabled,
            "arrowCachingEnabled": self.arrow_caching_enabled,
            "partitionDistributionStrategy": self.partition_distribution_strategy,
            "displayFields": names(self.display_fields),
            "partitionFields": names(self.partition_fields),
            "sortFields": names(self.sort_fields),
            "distributionFields": names(self.distribution_fields),
            "dimensionFields": [d.model_dump() for d in self.dimension_fields] or None,
            "measureFields": [{"name": m.name, "measureTypeList": m.measure_types} for m in self.measure_fields]
            or None,
        }
        return {key: value for key, value in body.items() if value is not None}


class DremioReflectionProvider(DremioProvider):
    kind = "reflection"
    inputs_model = ReflectionInputs
    replace_keys = ("type", "dataset_path")

    def describe(self, inputs: ReflectionInputs) -> str:
        return f"{inputs.name!r} on {'.'.join(inputs.dataset_path)}"

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        # Create refuses a second reflection of the same name on a dataset: the old one goes first.
        result.delete_before_replace = bool(result.replaces) and olds.get("name") == news.get("name")
        return result

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        dataset_id = _dataset_id(client, inputs)

        def same_name() -> list[dict[str, Any]]:
            return [r for r in _reflections(client, dataset_id) if r.get("name") == inputs.name]

        existing = same_name()
        if len(existing) > 1:
            raise ProviderError(
                f"{client.operation} at {inputs.connection.url}: {len(existing)} reflections already share this name "
                "(Dremio allows that); delete the extra ones in Dremio, then set adopt=True to take the last one over"
            )
        if existing and not inputs.adopt:
            raise self.exists(inputs)
        if existing:
            _put(client, existing[0]["id"], inputs)
            reflection_id = existing[0]["id"]
        else:
            created = create_once(
                client,
                "/api/v3/reflection",
                inputs.to_dremio(dataset_id),
                lambda: next(iter(same_name()), None),
                lambda: self.exists(inputs),
                conflict=is_conflict,
            )
            reflection_id = created["id"]
        return pulumi.dynamic.CreateResult(reflection_id, inputs.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        found = self.client(stored, "read").request("GET", f"/api/v3/reflection/{quote(id_, safe='')}", allow=(404,))
        if isinstance(found, tuple):
            return pulumi.dynamic.ReadResult(None, {})
        # The dataset path is not in the answer: a reflection cannot move, so the stored path stands.
        outs = stored.dump() | {
            "name": found.get("name"),
            "type": found.get("type"),
            "enabled": found.get("enabled"),
            "display_fields": _names(found.get("displayFields")),
            "partition_fields": _names(found.get("partitionFields")),
            "sort_fields": _names(found.get("sortFields")),
            "distribution_fields": _names(found.get("distributionFields")),
            "dimension_fields": [
                {"name": d["name"], "granularity": d.get("granularity", "DATE")}
                for d in found.get("dimensionFields") or []
            ],
            "measure_fields": [
                {"name": m["name"], "measure_types": m.get("measureTypeList", [])}
                for m in found.get("measureFields") or []
            ],
            "partition_distribution_strategy": found.get("partitionDistributionStrategy", "CONSOLIDATED"),
            "arrow_caching_enabled": found.get("arrowCachingEnabled", False),
        }
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def apply(self, client: DremioClient, id_: str, inputs: ReflectionInputs, _olds: dict[str, Any]) -> dict[str, Any]:
        _put(client, id_, inputs)
        return inputs.dump()

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs(props)
        self.client(stored, "delete").request("DELETE", f"/api/v3/reflection/{quote(id_, safe='')}", allow=(404,))


def _dataset_id(client: DremioClient, inputs: ReflectionInputs) -> str:
    dataset = client.by_path(inputs.dataset_path)
    if dataset is None or dataset.get("entityType") != "dataset":
        raise ProviderError(
            f"{client.operation}: {client.by_path_url(inputs.dataset_path)}: no dataset at "
            f"{'.'.join(inputs.dataset_path)} (declare the table or view first, and make the reflection depend on it)"
        )
    return dataset["id"]


def _reflections(client: DremioClient, dataset_id: str) -> list[dict[str, Any]]:
    return client.request("GET", f"/api/v3/dataset/{quote(dataset_id, safe='')}/reflection").get("data", [])


def _put(client: DremioClient, reflection_id: str, inputs: ReflectionInputs) -> dict[str, Any]:
    path = f"/api/v3/reflection/{quote(reflection_id, safe='')}"

    def read() -> dict[str, Any]:
        current = client.request("GET", path, allow=(404,))
        if isinstance(current, tuple):
            raise ApiError(
                f"{client.operation}: GET {inputs.connection.url}{path}: 404: it no longer exists; run `pulumi refresh`",
                404,
            )
        return current

    # The whole definition every time (a PUT clears the field lists it omits), on the reflection's own
    # dataset: a new dataset_path is a replacement, never an update.
    return with_fresh_tag(
        client,
        read,
        lambda current: client.request("PUT", path, {**inputs.to_dremio(current["datasetId"]), "tag": current["tag"]}),
    )


def _names(items: list[dict[str, Any]] | None) -> list[str]:
    return [item["name"] for item in items or []]


@dataclass(frozen=True, kw_only=True)
class DremioReflectionArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    dataset_path: pulumi.Input[list[str]]
    """Path of the table or view; changing it replaces the reflection."""
    name: pulumi.Input[str]
    type: pulumi.Input[str]
    """"RAW" or "AGGREGATION"; changing it replaces the reflection."""
    enabled: pulumi.Input[bool] = True
    display_fields: pulumi.Input[list[str]] = field(default_factory=list)
    partition_fields: pulumi.Input[list[str]] = field(default_factory=list)
    sort_fields: pulumi.Input[list[str]] = field(default_factory=list)
    distribution_fields: pulumi.Input[list[str]] = field(default_factory=list)
    dimension_fields: pulumi.Input[list[dict[str, str]]] = field(default_factory=list)
    """`{name, granularity: "DATE" | "NORMAL"}`."""
    measure_fields: pulumi.Input[list[dict[str, Any]]] = field(default_factory=list)
    """`{name, measure_types: [MIN, MAX, SUM, COUNT, APPROX_COUNT_DISTINCT]}`."""
    partition_distribution_strategy: pulumi.Input[str] = "CONSOLIDATED"
    arrow_caching_enabled: pulumi.Input[bool] = False
    adopt: pulumi.Input[bool] = False


class DremioReflection(ContractResource, module="dremio", name="Reflection"):
    """Declare with `DremioReflection(resource_name, DremioReflectionArgs(...), opts)`."""

    provider_class = DremioReflectionProvider

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    enabled: pulumi.Output[bool]
    connection: pulumi.Output[dict[str, Any]]
