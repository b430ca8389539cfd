"""Observability: metrics, alerts, dashboards, logs and traces (see layer.py)."""
