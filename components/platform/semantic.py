"""The vocabulary of the semantic layer that a data team declares in `lakehouse/semantic.py`: Dremio views and
reflections, and Superset datasets. Plain frozen dataclasses, so that the declarations are checked against the
dbt project before any resource is declared (`components/platform/checks/semantic.py`), and the wiring layer
turns them into provider resources.

Datasets are named by path: a dbt model by `Model("<name>")` (its view in the lakehouse space, which dbt
rebuilds every night), a view of this module by `View.path`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class Model:
    """A dataset dbt builds: its view `<space>.<dbt schema>.<name>` in Dremio."""

    name: str


@dataclass(frozen=True, kw_only=True)
class View:
    """A Dremio view the data team declares (not built by dbt), in the lakehouse space."""

    path: tuple[str, ...]
    """Inside the lakehouse space, e.g. ("gold", "revenue_by_region")."""
    sql: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Measure:
    field: str
    types: tuple[Literal["SUM", "COUNT", "MIN", "MAX", "APPROX_COUNT_DISTINCT"], ...] = ("SUM", "COUNT")


@dataclass(frozen=True, kw_only=True)
class Dimension:
    field: str
    granularity: Literal["NORMAL", "DATE"] = "NORMAL"


@dataclass(frozen=True, kw_only=True)
class Reflection:
    """A Dremio reflection on a dbt model or a declared view.

    Dremio refreshes a reflection from its physical datasets: the nightly dbt run refreshes those of the models
    it rebuilt, and `refresh_hours` sets the period of the model's table as a safety net."""

    name: str
    dataset: Model | View
    type: Literal["RAW", "AGGREGATION"]
    display: tuple[str, ...] = ()
    """RAW: the columns kept."""
    dimensions: tuple[Dimension, ...] = ()
    measures: tuple[Measure, ...] = ()
    """AGGREGATION: the grouping columns and the aggregated ones."""
    partition_by: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = ()
    refresh_hours: int = 24


@dataclass(frozen=True, kw_only=True)
class Metric:
    name: str
    expression: str
    label: str = ""
    d3format: str = ""


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str
    label: str = ""
    is_time: bool = False
    groupby: bool = True
    filterable: bool = True


@dataclass(frozen=True, kw_only=True)
class Dataset:
    """A Superset dataset on a dbt model or a declared view, with its metrics and column settings."""

    dataset: Model | View
    database: str = "Dremio lakehouse"
    """A Superset database the platform declares (the lakehouse's, over Arrow Flight)."""
    description: str = ""
    metrics: tuple[Metric, ...] = ()
    columns: tuple[Column, ...] = ()
    cache_timeout_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class SemanticLayer:
    views: tuple[View, ...] = ()
    reflections: tuple[Reflection, ...] = ()
    datasets: tuple[Dataset, ...] = ()
