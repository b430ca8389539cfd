"""SupersetDataset: a physical (a table) or virtual (`sql`) dataset with its metrics and column settings.

Following Superset's dataset API (docs/providers/superset-api.md, "Datasets"):

* The id is Superset's numeric id; the outputs carry the dataset's `uuid` and read checks it, so an id
  reused for another dataset (SQLite metadata reuses ids) reads as gone.
* `database_name` is resolved to the database's id. Changing it, `schema` or `table_name`, or turning a
  physical dataset virtual or back (`sql` set or not) replaces the dataset; editing a virtual dataset's
  SQL is in place, followed by a refresh of its columns.
* Metrics. Superset's PUT replaces the whole list, so every update merges: the declared metrics are set
  (existing ones keep their ids), every other metric on the server is sent back unchanged. The program
  manages the metrics it declares. A metric it stops declaring is deleted only if this resource created
  it (`managed_metrics` in the outputs); metrics that others made, such as Superset's default `count`,
  are listed in `unmanaged_metrics` and never cause a diff. Of a metric's optional fields
  (`verbose_name`, `d3format`, `description`) only those declared are managed.
* Columns come from the table (or the SQL). `columns` holds optional per-column settings by name
  (`verbose_name`, `description`, `is_dttm`, `filterable`, `groupby`); no column is ever deleted, and a
  setting not declared is left as it is.
* `cache_timeout` None means Superset's default: Superset reports the database's value for a dataset
  that has none of its own, and read takes that for None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from components.providers.base.contract import ContractResource, ProviderError
from components.providers.base.service import ServiceInputs, create_once
from components.providers.superset.client import SupersetClient
from components.providers.superset.provider import SupersetProvider

OUTPUT_KEYS = ("dataset_id", "uuid", "managed_metrics", "unmanaged_metrics")
METRIC_KEYS = ("id", "metric_name", "expression", "metric_type", "verbose_name", "description", "d3format", "extra",
               "warning_text")  # fmt: skip
COLUMN_KEYS = ("id", "column_name", "verbose_name", "description", "expression", "filterable", "groupby", "is_dttm",
               "is_active", "python_date_format", "type", "advanced_data_type", "extra")  # fmt: skip
"""What a PUT accepts of each metric and column: the GET shapes cannot be echoed back."""
Name = Annotated[str, Field(min_length=1, max_length=250)]


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric_name: Name
    expression: Annotated[str, Field(min_length=1)]
    verbose_name: str | None = None
    d3format: str | None = None
    description: str | None = None

    @field_validator("expression")
    @classmethod
    def _expression(cls, expression: str) -> str:
        if not expression.strip():
            raise ValueError("an SQL expression such as SUM(amount)")
        return expression


class ColumnSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column_name: Name
    verbose_name: str | None = None
    description: str | None = None
    is_dttm: StrictBool | None = None
    filterable: StrictBool | None = None
    groupby: StrictBool | None = None


class DatasetInputs(ServiceInputs):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    database_name: Name
    schema_name: Annotated[Name, Field(alias="schema")]
    table_name: Name
    sql: str | None = None
    description: str | None = None
    cache_timeout: Annotated[int, Field(ge=0)] | None = None
    metrics: list[Metric] = []
    columns: list[ColumnSettings] = []

    @field_validator("sql")
    @classmethod
    def _sql(cls, sql: str | None) -> str | None:
        if sql is not None and not sql.strip():
            raise ValueError("a virtual dataset's SELECT; leave sql unset (None) for a physical dataset")
        return sql

    @field_validator("metrics")
    @classmethod
    def _unique_metrics(cls, metrics: list[Metric]) -> list[Metric]:
        _refuse_repeats("metric names", [metric.metric_name for metric in metrics])
        return metrics

    @field_validator("columns")
    @classmethod
    def _unique_columns(cls, columns: list[ColumnSettings]) -> list[ColumnSettings]:
        _refuse_repeats("column settings", [column.column_name for column in columns])
        return columns

    def dump(self) -> dict[str, Any]:
        # Optional fields left out are not managed: outputs carry only what was declared.
        return {
            **super().dump(),
            "metrics": [metric.model_dump(exclude_none=True) for metric in self.metrics],
            "columns": [column.model_dump(exclude_none=True) for column in self.columns],
        }


def _refuse_repeats(what: str, names: list[str]) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{what} repeat: {', '.join(repeated)}")


class SupersetDatasetProvider(SupersetProvider):
    kind = resource = "dataset"
    inputs_model = DatasetInputs
    replace_keys = ("database_name", "schema", "table_name")
    natural_key = ("database_name", "schema", "table_name")
    output_keys = OUTPUT_KEYS

    def describe(self, inputs: DatasetInputs) -> str:
        return f"{inputs.schema_name}.{inputs.table_name} in {inputs.database_name!r}"

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        if (olds.get("sql") is None) != (news.get("sql") is None):
            # Physical ↔ virtual is another kind of dataset; same name, so the old one goes first.
            result.replaces = [*result.replaces, "sql"]
            result.changes = True
            result.delete_before_replace = all(olds.get(key) == news.get(key) for key in self.natural_key)
        return result

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        database_id = _database_id(client, inputs)
        existing = _find(client, inputs, database_id)
        if existing and not inputs.adopt:
            raise self.exists(inputs)
        if existing:
            olds = {"managed_metrics": []}
            return pulumi.dynamic.CreateResult(
                str(existing["id"]), self.apply(client, str(existing["id"]), inputs, olds)
            )
        body = {"database": database_id, "schema": inputs.schema_name, "table_name": inputs.table_name}
        if inputs.sql is not None:
            body["sql"] = inputs.sql
        created = create_once(
            client,
            "/api/v1/dataset/",
            body,
            lambda: _find(client, inputs, database_id),
            lambda: self.exists(inputs),
            conflict=lambda error: error.status == 422 and "already exists" in error.server_message,
        )
        dataset_id = str(created["id"])
        try:
            outputs = self.apply(client, dataset_id, inputs, {"managed_metrics": []})
        except ProviderError as error:
            # Leave nothing half-made behind: the next `pulumi up` starts clean.
            client.request("DELETE", f"/api/v1/dataset/{dataset_id}", allow=(404,))
            raise ProviderError(f"{error} (the new dataset was removed again; nothing was created)") from None
        return pulumi.dynamic.CreateResult(dataset_id, outputs)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        client = self.client(stored, "read")
        found = client.request("GET", f"/api/v1/dataset/{int(id_)}", allow=(404,))
        if isinstance(found, tuple) or found["result"].get("uuid") != props.get("uuid"):
            return pulumi.dynamic.ReadResult(None, {})
        server = found["result"]
        declared = {metric.metric_name: metric for metric in stored.metrics}
        on_server = {metric["metric_name"]: metric for metric in server.get("metrics") or []}
        columns = {column["column_name"]: column for column in server.get("columns") or []}
        outs = {
            **stored.dump(),
            "database_name": server["database"]["database_name"],
            "schema": server.get("schema"),
            "table_name": server["table_name"],
            "sql": server.get("sql"),
            "description": server.get("description"),
            "cache_timeout": _own_cache_timeout(client, stored, server),
            # Declared metrics and column settings as the server has them; a missing one is left out.
            "metrics": [
                _observed(declared[name], on_server[name], ("metric_name", "expression"))
                for name in declared
                if name in on_server
            ],
            "columns": [
                _observed(settings, columns[settings.column_name], ("column_name",))
                for settings in stored.columns
                if settings.column_name in columns
            ],
            "dataset_id": server["id"],
            "uuid": server["uuid"],
            "managed_metrics": list(props.get("managed_metrics") or []),
            "unmanaged_metrics": sorted(name for name in on_server if name not in declared),
        }
        return pulumi.dynamic.ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    def apply(self, client: SupersetClient, id_: str, inputs: DatasetInputs, olds: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/v1/dataset/{int(id_)}"
        # Right after our own create the uuid is not known yet: the id was just handed to us.
        current = self.ours_to_update(client, id_, olds) if olds.get("uuid") else client.request("GET", path)["result"]
        declared = {metric.metric_name: metric for metric in inputs.metrics}
        previously_managed = set(olds.get("managed_metrics") or [])
        server_metrics = {metric["metric_name"]: metric for metric in current.get("metrics") or []}
        dropped = previously_managed - set(declared)
        metrics = [
            _projected(metric, METRIC_KEYS) | (declared[name].model_dump(exclude_none=True) if name in declared else {})
            for name, metric in server_metrics.items()
            if name not in dropped
        ] + [metric.model_dump(exclude_none=True) for name, metric in declared.items() if name not in server_metrics]
        body: dict[str, Any] = {
            "description": inputs.description,
            "cache_timeout": inputs.cache_timeout,
            "metrics": metrics,
        }
        if inputs.columns:
            settings = {column.column_name: column.model_dump(exclude_none=True) for column in inputs.columns}
            missing = sorted(set(settings) - {column["column_name"] for column in current.get("columns") or []})
            if missing:
                raise ProviderError(
                    f"{client.operation} at {inputs.connection.url}: no column {', '.join(missing)} in the dataset "
                    "(columns come from the table or the SQL; check the names)"
                )
            body["columns"] = [
                _projected(column, COLUMN_KEYS) | settings.get(column["column_name"], {})
                for column in current["columns"]
            ]
        sql_changed = inputs.sql is not None and inputs.sql != current.get("sql")
        if sql_changed:
            body["sql"] = inputs.sql
        client.request("PUT", path, body)
        if sql_changed:
            client.request("PUT", f"{path}/refresh")  # a new SELECT may bring other columns
        managed = sorted((previously_managed - dropped) | (set(declared) - set(server_metrics)))
        return {
            **inputs.dump(),
            "dataset_id": int(id_),
            "uuid": current["uuid"],
            "managed_metrics": managed,
            "unmanaged_metrics": sorted(set(server_metrics) - set(declared) - dropped),
        }


def _database_id(client: SupersetClient, inputs: DatasetInputs) -> int:
    found = client.find("database", [("database_name", "eq", inputs.database_name)], columns=("id", "database_name"))
    if not found:
        raise ProviderError(
            f"{client.operation}: GET {inputs.connection.url}/api/v1/database/: 200, but Superset has no database named "
            f"{inputs.database_name!r} (declare the SupersetDatabase first, and make the dataset depend on it)"
        )
    return found[0]["id"]


def _find(client: SupersetClient, inputs: DatasetInputs, database_id: int) -> dict[str, Any] | None:
    found = client.find(
        "dataset",
        [
            ("table_name", "eq", inputs.table_name),
            ("schema", "eq", inputs.schema_name),
            ("database", "rel_o_m", database_id),
        ],
        columns=("id", "uuid", "table_name", "schema", "sql"),
    )
    return found[0] if found else None


def _own_cache_timeout(client: SupersetClient, stored: DatasetInputs, server: dict[str, Any]) -> int | None:
    """The dataset's own cache timeout: Superset shows the database's for a dataset that has none."""
    shown = server.get("cache_timeout")
    if shown is None or stored.cache_timeout is not None:
        return shown
    database = client.request("GET", f"/api/v1/database/{server['database']['id']}")["result"]
    return None if database.get("cache_timeout") == shown else shown


def _observed(declared: BaseModel, server: dict[str, Any], always: tuple[str, ...]) -> dict[str, Any]:
    """The server's values of what the declaration sets (its name and required fields, plus set options)."""
    keys = list(always) + [key for key, value in declared.model_dump(exclude_none=True).items() if key not in always]
    return {key: server.get(key) for key in keys}


def _projected(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: item[key] for key in keys if item.get(key) is not None}


@dataclass(frozen=True, kw_only=True)
class SupersetDatasetArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, username, password}` of a Superset administrator; kept secret."""
    database_name: pulumi.Input[str]
    """The SupersetDatabase's `database_name`; changing it replaces the dataset."""
    schema: pulumi.Input[str]
    table_name: pulumi.Input[str]
    """The table (physical) or the dataset's name (virtual); changing it replaces the dataset."""
    sql: pulumi.Input[str] | None = None
    """A SELECT makes the dataset virtual; switching between physical and virtual replaces it."""
    description: pulumi.Input[str] | None = None
    cache_timeout: pulumi.Input[int] | None = None
    metrics: pulumi.Input[list[dict[str, Any]]] = field(default_factory=list)
    """`{metric_name, expression, verbose_name?, d3format?, description?}`."""
    columns: pulumi.Input[list[dict[str, Any]]] = field(default_factory=list)
    """Per-column settings by name: `{column_name, verbose_name?, description?, is_dttm?, filterable?, groupby?}`."""
    adopt: pulumi.Input[bool] = False


class SupersetDataset(ContractResource, module="superset", name="Dataset"):
    """Declare with `SupersetDataset(resource_name, SupersetDatasetArgs(...), opts)`."""

    provider_class = SupersetDatasetProvider

    table_name: pulumi.Output[str]
    dataset_id: pulumi.Output[int]
    uuid: pulumi.Output[str]
    managed_metrics: pulumi.Output[list[str]]
    unmanaged_metrics: pulumi.Output[list[str]]
    connection: pulumi.Output[dict[str, Any]]
