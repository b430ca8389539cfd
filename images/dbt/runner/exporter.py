"""Prometheus metrics about dbt runs, read from the run history: the exporter the observability layer scrapes.

Metrics (gauges unless noted), all labelled with the dbt project:

    dbt_last_run_success               1 when the latest run succeeded
    dbt_last_run_finished_timestamp_seconds
    dbt_last_run_duration_seconds
    dbt_last_run_models                models the latest run built
    dbt_last_run_tests                 tests it ran
    dbt_last_run_test_failures         tests that failed or errored
    dbt_model_build_seconds{model}     each model's build time in the latest run
    dbt_runs_total{status}             runs recorded, by status (a counter)
    dbt_exporter_up                    0 when the history could not be read (the scrape still succeeds)

and Dremio's query statistics over the last 15 minutes, from `sys.jobs_recent` (Dremio's own metrics carry no
query durations), when the exporter is given Dremio's address (`DREMIO_HOST`):

    dremio_queries_recent              queries that finished in the window
    dremio_queries_slow                those that took longer than DREMIO_SLOW_QUERY_SECONDS
    dremio_query_seconds_max           the longest of them (submission to end)
    dremio_query_seconds_avg           their average
    dremio_query_stats_up              0 when Dremio could not be asked

dbt's own queries (its user) and Dremio's internal jobs (reflection builds, metadata refreshes) are left out:
the statistics are about the queries people and dashboards wait for. The answer is kept for a minute, so that
scrapes from every Prometheus replica cost Dremio one query a minute.
"""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runner import history
from runner.config import Dremio, env
from runner.dremio import Session

WINDOW_SECONDS = 15 * 60
CACHE_SECONDS = 60
USER_QUERY_TYPES = frozenset({"UI_RUN", "UI_PREVIEW", "ODBC", "JDBC", "REST", "FLIGHT"})
"""The query types of what people and dashboards run; Dremio's internal jobs have others."""

_cache: dict[str, object] = {"at": 0.0, "stats": None}
_cache_lock = threading.Lock()


def query_stats(rows: list[dict], *, exclude_user: str, slow_seconds: float, since_millis: int) -> dict[str, float]:
    """The window's statistics from `sys.jobs_recent` rows (only the columns the query selects)."""
    durations = [
        (int(row["final_state_epoch_millis"]) - int(row["submitted_epoch_millis"])) / 1000
        for row in rows
        if row.get("query_type") in USER_QUERY_TYPES
        and row.get("user_name") != exclude_user
        and int(row.get("final_state_epoch_millis") or 0) >= since_millis
    ]
    return {
        "recent": float(len(durations)),
        "slow": float(sum(1 for seconds in durations if seconds > slow_seconds)),
        "max": max(durations, default=0.0),
        "avg": sum(durations) / len(durations) if durations else 0.0,
    }


def dremio_stats() -> dict[str, float] | None:
    """The window's statistics, at most a minute old; None when Dremio could not be asked."""
    with _cache_lock:
        if time.monotonic() - float(_cache["at"]) < CACHE_SECONDS and _cache["stats"] is not None:
            return _cache["stats"]  # type: ignore[return-value]
        dremio = Dremio.from_environment()
        since_millis = int((time.time() - WINDOW_SECONDS) * 1000)
        # Dremio filters by time; the user and type filters are applied here, where they are tested.
        rows = Session(dremio).query(
            "SELECT query_type, user_name, submitted_epoch_millis, final_state_epoch_millis FROM sys.jobs_recent "
            f"WHERE final_state_epoch_millis >= {since_millis}"
        )
        stats = query_stats(
            rows,
            exclude_user=dremio.username,
            slow_seconds=float(env("DREMIO_SLOW_QUERY_SECONDS", "30")),
            since_millis=since_millis,
        )
        _cache.update(at=time.monotonic(), stats=stats)
        return stats


def render() -> str:
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            rendered = ",".join(f'{key}="{_escape(str(val))}"' for key, val in labels.items())
            lines.append(f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}")

    try:
        latest, counts = history.latest_runs()
        up = 1.0
    except Exception as error:  # noqa: BLE001 - any failure to read is reported as a metric, and logged
        print(f"exporter: reading the run history failed: {type(error).__name__}: {error}", flush=True)
        latest, counts, up = None, {}, 0.0
    metric("dbt_exporter_up", "gauge", "1 when the run history could be read.", [({}, up)])
    if latest:
        project = {"project": latest["project"]}
        duration = (latest["finished_at"] - latest["started_at"]).total_seconds()
        metric("dbt_last_run_success", "gauge", "1 when the latest dbt run succeeded.", [(project, float(latest["status"] == "success"))])
        metric("dbt_last_run_finished_timestamp_seconds", "gauge", "When the latest dbt run finished.", [(project, latest["finished_at"].timestamp())])
        metric("dbt_last_run_duration_seconds", "gauge", "How long the latest dbt run took.", [(project, duration)])
        metric("dbt_last_run_models", "gauge", "Models the latest dbt run built.", [(project, latest["models_run"])])
        metric("dbt_last_run_tests", "gauge", "Tests the latest dbt run ran.", [(project, latest["tests_run"])])
        metric("dbt_last_run_test_failures", "gauge", "Tests of the latest dbt run that failed or errored.", [(project, latest["test_failures"])])
        models = (latest["metadata"] or {}).get("models", {})
        metric(
            "dbt_model_build_seconds", "gauge", "Build time of each model in the latest dbt run.",
            [({**project, "model": name}, float(model["seconds"])) for name, model in sorted(models.items())],
        )
    metric(
        "dbt_runs_total", "counter", "dbt runs recorded, by status.",
        [({"project": project, "status": status}, float(count)) for (project, status), count in sorted(counts.items())],
    )
    if os.environ.get("DREMIO_HOST"):
        try:
            stats, stats_up = dremio_stats(), 1.0
        except Exception as error:  # noqa: BLE001 - reported as a metric, and logged
            print(f"exporter: asking Dremio for its recent queries failed: {type(error).__name__}: {error}", flush=True)
            stats, stats_up = None, 0.0
        metric("dremio_query_stats_up", "gauge", "1 when Dremio's recent queries could be read.", [({}, stats_up)])
        if stats is not None:
            metric("dremio_queries_recent", "gauge", "Queries that finished in the last 15 minutes.", [({}, stats["recent"])])
            metric("dremio_queries_slow", "gauge", "Of those, the queries slower than the threshold.", [({}, stats["slow"])])
            metric("dremio_query_seconds_max", "gauge", "The longest query of the last 15 minutes.", [({}, stats["max"])])
            metric("dremio_query_seconds_avg", "gauge", "The average query time of the last 15 minutes.", [({}, stats["avg"])])
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def serve(port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path not in ("/metrics", "/healthz"):
                self.send_error(404)
                return
            body = (render() if self.path == "/metrics" else "ok\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    print(f"exporter: serving dbt run metrics on :{port}/metrics", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
