"""What the lakehouse's dbt project builds, read from its files: every model and the Dremio schema (folder of
the lakehouse space) its view goes to. The semantic layer's declarations are checked against it, and the tests
hold it equal to what `dbt parse` itself reports."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2] / "lakehouse" / "dbt"


@functools.cache
def dbt_models(project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Model name → its schema (`+schema` of the model's folder in dbt_project.yml)."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    folders = project.get("models", {}).get(project["name"], {})
    models: dict[str, str] = {}
    for model_dir in project.get("model-paths", ["models"]):
        root = project_dir / model_dir
        for sql in sorted(root.rglob("*.sql")):
            folder = sql.relative_to(root).parts[0] if len(sql.relative_to(root).parts) > 1 else ""
            schema = folders.get(folder, {}).get("+schema") if isinstance(folders.get(folder), dict) else None
            models[sql.stem] = schema or "public"
    return models


def view_path(space: str, model: str, project_dir: Path = PROJECT_DIR) -> tuple[str, ...]:
    """Where dbt-dremio keeps a model's view: `<space>.<schema>.<model>`."""
    return (space, dbt_models(project_dir)[model], model)
