"""The ingestion layer: Airbyte from its V2 chart, with what the chart lacks (administrator credentials,
disruption budgets, a Prometheus endpoint for its metrics). `layer.Ingestion` is the only entry point
`__main__.py` uses; `values.py` builds the chart's values."""
