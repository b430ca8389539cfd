"""The dbt image's entry point: a `dbt build` with the platform's bookkeeping around it, and an exporter.

    python -m runner build      bootstrap Dremio's lake source and space if missing, run `dbt build`, upload
                                the run's artifacts, refresh the marts' reflections, record the run
    python -m runner exporter   serve Prometheus metrics about the recorded runs (port 9102)

Everything comes from the environment and from mounted Secret files (`runner.config`); nothing secret is
printed or passed on a command line.
"""
