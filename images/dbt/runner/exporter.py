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
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runner import history


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
