"""The semantic layer's declarations (`lakehouse/semantic.py`) against what exists: every reflection and dataset
names a dbt model or a declared view, every dataset a database the platform declares, and names are unique."""

from __future__ import annotations

from components.platform.dbt_project import dbt_models
from components.platform.errors import ConfigurationError
from components.platform.semantic import Model, SemanticLayer, View

DATABASES = ("Dremio lakehouse",)
"""The Superset databases the platform declares."""
SOURCE = "lakehouse/semantic.py"


def check_semantic(semantic: SemanticLayer) -> None:
    models = dbt_models()
    views = {view.path for view in semantic.views}
    problems: list[str] = []

    def dataset_problem(where: str, dataset: Model | View) -> None:
        if isinstance(dataset, Model) and dataset.name not in models:
            problems.append(
                f"{SOURCE}: {where}: dbt builds no model {dataset.name!r} (models: {', '.join(sorted(models))}). Fix: name "
                "a model of lakehouse/dbt/models, or declare the dataset as a View in SEMANTIC.views"
            )
        if isinstance(dataset, View) and dataset.path not in views:
            problems.append(
                f"{SOURCE}: {where}: the view {'.'.join(dataset.path)} is not declared in SEMANTIC.views. Fix: add it there"
            )

    for index, reflection in enumerate(semantic.reflections):
        dataset_problem(f"reflections[{index}] ({reflection.name}).dataset", reflection.dataset)
        if reflection.type == "RAW" and not reflection.display:
            problems.append(f"{SOURCE}: reflections[{index}] ({reflection.name}): a RAW reflection needs display columns")
        if reflection.type == "AGGREGATION" and not (reflection.dimensions or reflection.measures):
            problems.append(f"{SOURCE}: reflections[{index}] ({reflection.name}): an AGGREGATION reflection needs dimensions or measures")
    for index, dataset in enumerate(semantic.datasets):
        dataset_problem(f"datasets[{index}].dataset", dataset.dataset)
        if dataset.database not in DATABASES:
            problems.append(
                f"{SOURCE}: datasets[{index}].database = {dataset.database!r}: the platform declares no such Superset "
                f"database (it declares {', '.join(repr(name) for name in DATABASES)}). Fix: use one of those"
            )
    for label, names in (
        ("reflection", [r.name for r in semantic.reflections]),
        ("view", [".".join(v.path) for v in semantic.views]),
        ("dataset", [_dataset_name(d.dataset) for d in semantic.datasets]),
    ):
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            problems.append(f"{SOURCE}: two {label}s are both named {repeated[0]!r}. Fix: give each its own name")
    if problems:
        raise ConfigurationError(
            "the semantic layer names what does not exist; nothing was deployed:\n" + "\n".join(f"  - {p}" for p in problems),
            problems,
        )


def _dataset_name(dataset: Model | View) -> str:
    return dataset.name if isinstance(dataset, Model) else ".".join(dataset.path)
