"""`python -m runner build|exporter` (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from runner import artifacts, dbt, exporter, history
from runner.config import ConfigError, Dremio, Lake, env
from runner.dremio import DremioError, Session


def build() -> int:
    run_id, started = str(uuid.uuid4()), datetime.now(UTC)
    kind, project = env("RUN_KIND", "nightly"), env("DBT_PROJECT_NAME", "lakehouse")
    sample_data = env("SAMPLE_DATA", "false").lower() == "true"
    dremio, lake = Dremio.from_environment(), Lake.from_environment()
    created = Session(dremio).ensure_lake(lake)
    if created:
        print(f"runner: created {', '.join(created)} in Dremio (the platform's wiring adopts them)", flush=True)
    summary = dbt.build(dremio, sample_data=sample_data)
    problems = []
    keys = []
    try:
        keys = artifacts.upload(Path(env("DBT_TARGET_PATH")), run_id=run_id, day=started.strftime("%Y-%m-%d"))
        print(f"runner: artifacts uploaded to {env('LOGS_BUCKET')}: {', '.join(keys) or 'none (dbt ran nothing)'}", flush=True)
    except Exception as error:  # noqa: BLE001 - reported, and the run is recorded as incomplete
        problems.append(f"uploading the artifacts failed: {type(error).__name__}: {error}")
    refreshed = []
    if summary.succeeded:
        try:
            session = Session(dremio)
            refreshed = [".".join(table) for table in summary.marts if session.refresh_reflections(table)]
            print(f"runner: reflections refreshed on {', '.join(refreshed) or 'no mart'}", flush=True)
        except DremioError as error:
            problems.append(str(error))
    status = "success" if summary.succeeded and not problems else "error" if not summary.succeeded else "incomplete"
    metadata = {**summary.metadata(), "artifacts": keys, "reflections_refreshed": refreshed, "problems": problems}
    history.record(
        run_id=run_id, project=project, kind=kind, started=started, finished=datetime.now(UTC), status=status,
        models_run=len(summary.models), tests_run=sum(summary.tests.values()), test_failures=summary.test_failures,
        metadata=metadata,
    )
    print(
        f"runner: run {run_id} {status}: {len(summary.models)} models, {sum(summary.tests.values())} tests, "
        f"{summary.test_failures} failing" + "".join(f"; {problem}" for problem in problems),
        flush=True,
    )
    return 0 if status == "success" else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="runner")
    parser.add_argument("command", choices=["build", "exporter"])
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return build()
        exporter.serve(int(env("EXPORTER_PORT", "9102")))
        return 0
    except (ConfigError, DremioError) as error:
        print(f"runner: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
