"""How the providers reach each service, by `post_deploy.access` (README, "Edge and access").

The providers run in the process that runs `pulumi up`. Each service is known by its in-cluster URL,
`http(s)://<service>.<namespace>.svc.cluster.local:<port>[/path]`; from it:

* `port-forward` (default): that URL, with a `tunnel` to the Service port through the Kubernetes API (the
  kubeconfig and context of the Kubernetes provider);
* `gateway`: `https://<ui hostname>` through the edge, for the services it publishes; the object store, which it
  does not publish, is still reached by port-forward;
* `in-cluster`: that URL as it is.

HTTPS is verified against the platform CA (or, for an edge with ACME certificates, the system's CAs), and every
request waits up to `post_deploy.ready_timeout_minutes` for a service that is still starting.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pulumi

from components.platform import kube
from components.platform.settings import PlatformSettings


def reach(settings: PlatformSettings, url: str, *, ui: str | None, ca_pem: pulumi.Input[str]) -> tuple[str, dict[str, Any]]:
    """(the URL the provider uses, the connection's reach fields) for a service's in-cluster `url`."""
    post_deploy, edge = settings.config.post_deploy, settings.config.edge
    fields: dict[str, Any] = {"ready_timeout_seconds": post_deploy.ready_timeout_minutes * 60}
    if post_deploy.access == "gateway" and ui is not None:
        path = urlsplit(url).path
        if edge.acme_email is None:
            fields["ca_certificate"] = ca_pem
        return f"https://{edge.hostname(ui)}{path}", fields
    if urlsplit(url).scheme == "https":
        fields["ca_certificate"] = ca_pem
    if post_deploy.access == "in-cluster" or kube.service_address(url) is None:
        # An external object store is reached where it is.
        return url, fields
    fields["tunnel"] = tunnel(url, context=post_deploy.kube_context or pulumi.Config("kubernetes").get("context"))
    return url, fields


def tunnel(url: str, *, context: str | None) -> dict[str, Any]:
    """The port-forward to the Service an in-cluster URL names."""
    address = kube.service_address(url)
    if address is None:
        raise ValueError(f"{url}: not a Service URL (<service>.<namespace>.svc...)")
    return {"service": address.service, "namespace": address.namespace, "port": address.port, **({"context": context} if context else {})}
