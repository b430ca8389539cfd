"""What the edge publishes: the four web interfaces, and Dremio's Arrow Flight when `edge.publish_flight` is set.
Ports stay in the services' rows; the network layer admits the edge's proxies to exactly these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class EdgeRoute:
    ui: str
    """The UI's key in `edge.hostnames` (its hostname is `<label>.<edge.domain>`)."""
    service: str
    """The catalog service behind it."""
    port_name: str
    backend_tls: bool = False
    """The service itself speaks TLS (the edge verifies it against the platform CA)."""


EDGE_ROUTES: tuple[EdgeRoute, ...] = (
    EdgeRoute(ui="superset", service="superset_web", port_name="http"),
    EdgeRoute(ui="dremio", service="dremio_coordinator", port_name="web", backend_tls=True),
    EdgeRoute(ui="airbyte", service="airbyte_server", port_name="http"),
    EdgeRoute(ui="grafana", service="grafana", port_name="http"),
)
FLIGHT_ROUTE = EdgeRoute(ui="dremio", service="dremio_coordinator", port_name="flight", backend_tls=True)
"""Published only with `edge.publish_flight`, as TLS passthrough (Dremio's own certificate reaches the client)."""
LISTENER_PORTS = {"http": 80, "https": 443, "flight": 32010}
"""The Gateway's listeners: HTTP (ACME challenges, and a redirect to HTTPS), HTTPS, and Flight."""
