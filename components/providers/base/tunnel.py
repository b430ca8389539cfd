"""Port-forwarding through the Kubernetes API, for providers that run outside the cluster (`post_deploy.access:
port-forward`): nothing needs to be exposed, and the kubeconfig and context are those of the Kubernetes provider.

A `Tunnel` names a Service port. `local_port(tunnel)` starts, once per provider process and tunnel, a listener on
127.0.0.1; every connection accepted there is carried to a ready pod behind the Service over its own port-forward
stream (the API server's `pods/portforward` WebSocket, channel protocol v4, as `kubectl port-forward` uses), so a
stream that breaks costs one connection, which the HTTP clients retry. The Service is resolved as kube-proxy
would: its selector, a Ready pod, the target port (a number or a container port's name).

Errors name what to fix: a Service or pod that is not there or not ready, and a missing permission with the RBAC
verb and resource that the kubeconfig's user needs (`get services`, `list pods`, `create pods/portforward`).
"""

from __future__ import annotations

import re
import select
import socket
import threading
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from components.providers.base.contract import ProviderError

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class Tunnel(BaseModel):
    """The `tunnel` part of a `connection`: reach the service through the Kubernetes API's port-forwarding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: Annotated[str, Field(pattern=_DNS_LABEL, max_length=63)]
    namespace: Annotated[str, Field(pattern=_DNS_LABEL, max_length=63)]
    port: Annotated[int, Field(ge=1, le=65535)]
    """The Service's port (as clients inside the cluster use it)."""
    context: str | None = None
    """kubeconfig context; None: the current context."""
    kubeconfig: str | None = None
    """kubeconfig file; None: $KUBECONFIG, else ~/.kube/config."""


class TunnelError(ProviderError):
    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable
        """True while the service is starting (no Ready pod yet): worth waiting for, within the ready timeout."""


_FORWARDERS: dict[Tunnel, _Forwarder] = {}
_LOCK = threading.Lock()


def local_port(tunnel: Tunnel) -> int:
    """The local port that reaches `tunnel` (started on first use in this process; checked before it is handed out)."""
    with _LOCK:
        forwarder = _FORWARDERS.get(tunnel)
        if forwarder is None:
            forwarder = _Forwarder(tunnel)
            _FORWARDERS[tunnel] = forwarder
        return forwarder.port


def describe(tunnel: Tunnel) -> str:
    return f"service {tunnel.namespace}/{tunnel.service}:{tunnel.port} (port-forward{f', context {tunnel.context}' if tunnel.context else ''})"


class _Forwarder:
    def __init__(self, tunnel: Tunnel):
        from kubernetes import client, config  # imported here: only port-forwarding needs the Kubernetes client

        self.tunnel = tunnel
        self._pod: tuple[str, int] | None = None
        try:
            api_client = config.new_client_from_config(config_file=tunnel.kubeconfig, context=tunnel.context)
        except Exception as error:  # noqa: BLE001 - the kubeconfig's own message says what is wrong
            raise TunnelError(f"{describe(tunnel)}: cannot load the kubeconfig: {error}") from None
        self.api = client.CoreV1Api(api_client)
        # Resolve and open one stream now, so that a missing Service, pod or permission is reported as such, not
        # as a refused connection.
        self.check()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name=f"port-forward {tunnel.namespace}/{tunnel.service}", daemon=True).start()

    def _target(self) -> tuple[str, int]:
        """(pod name, pod port) of a Ready pod behind the Service's port."""
        from kubernetes.client.exceptions import ApiException

        t = self.tunnel
        try:
            service = self.api.read_namespaced_service(t.service, t.namespace)
        except ApiException as error:
            raise self._api_error(error, "get", "services", f"service {t.namespace}/{t.service}") from None
        port = next((p for p in service.spec.ports or [] if p.port == t.port), None)
        if port is None:
            ports = ", ".join(str(p.port) for p in service.spec.ports or []) or "none"
            raise TunnelError(f"{describe(t)}: the Service has no port {t.port} (it has {ports})")
        selector = service.spec.selector or {}
        if not selector:
            raise TunnelError(f"{describe(t)}: the Service has no selector, so there is no pod to forward to")
        label_selector = ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
        try:
            pods = self.api.list_namespaced_pod(t.namespace, label_selector=label_selector).items
        except ApiException as error:
            raise self._api_error(error, "list", "pods", f"pods of {t.namespace}/{t.service}") from None
        ready = [pod for pod in pods if _is_ready(pod)]
        if not ready:
            raise TunnelError(
                f"{describe(t)}: no Ready pod behind the Service ({len(pods)} pod(s) match {label_selector}); the service "
                f"is not up yet, or its pods fail their readiness probe (`kubectl -n {t.namespace} get pods -l "
                f"{label_selector}` shows which)",
                retryable=True,
            )
        pod = sorted(ready, key=lambda p: p.metadata.name)[0]
        return pod.metadata.name, _pod_port(pod, port.target_port if port.target_port is not None else port.port, t)

    def _api_error(self, error: Any, verb: str, resource: str, what: str) -> TunnelError:
        if error.status == 403:
            return TunnelError(
                f"{describe(self.tunnel)}: the Kubernetes API refused to {verb} {what}: the kubeconfig's user needs the "
                f"RBAC verb {verb!r} on {resource!r} in namespace {self.tunnel.namespace}"
            )
        if error.status == 404:
            return TunnelError(f"{describe(self.tunnel)}: {what} does not exist (has the layer that declares it been deployed?)")
        return TunnelError(f"{describe(self.tunnel)}: {verb} {what}: {error.status} {error.reason}")

    def open_stream(self) -> Any:
        """A socket-like stream to the target pod's port, over a new port-forward. The pod found for the last
        stream is tried first, so that a connection costs the API server one request, not three; the Service is
        resolved again when that pod is gone (or the first time)."""
        cached = self._pod
        if cached is not None:
            try:
                return self._forward(*cached)
            except TunnelError as error:
                if not error.retryable:
                    raise
        self._pod = self._target()
        return self._forward(*self._pod)

    def _forward(self, pod: str, pod_port: int) -> Any:
        from kubernetes.stream import portforward

        try:
            forward = portforward(
                self.api.connect_get_namespaced_pod_portforward, pod, self.tunnel.namespace, ports=str(pod_port)
            )
        except Exception as error:  # noqa: BLE001 - the client raises ApiException, or AttributeError while wrapping it
            reason = f"{getattr(error, 'reason', '')} {error.__context__ or ''} {error}"
            status = re.search(r"Handshake status (\d{3})", reason)
            if status and status.group(1) == "403":
                raise TunnelError(
                    f"{describe(self.tunnel)}: the Kubernetes API refused to port-forward to pod {pod}: the kubeconfig's "
                    f"user needs the RBAC verb 'create' on 'pods/portforward' in namespace {self.tunnel.namespace}"
                ) from None
            detail = status.group(0) if status else type(error).__name__
            raise TunnelError(f"{describe(self.tunnel)}: port-forward to pod {pod} failed: {detail}", retryable=True) from None
        return forward, forward.socket(pod_port), pod_port

    def check(self) -> None:
        """Open and close one stream: a refused port-forward is reported before the first request."""
        forward, stream, _ = self.open_stream()
        stream.close()
        forward.close()

    def _accept(self) -> None:
        while True:
            client_socket, _ = self._listener.accept()
            threading.Thread(target=self._relay, args=(client_socket,), daemon=True).start()

    def _relay(self, client_socket: socket.socket) -> None:
        try:
            forward, stream, _ = self.open_stream()
        except TunnelError:
            # The HTTP client sees a reset connection and retries; the next attempt resolves the pod again.
            client_socket.close()
            return
        try:
            _pump(client_socket, stream)
        finally:
            for closing in (client_socket, stream):
                try:
                    closing.close()
                except OSError:
                    pass
            forward.close()


def _pump(a: Any, b: Any) -> None:
    """Copy bytes both ways until either side closes."""
    while True:
        readable, _, _ = select.select([a, b], [], [], 300)
        if not readable:
            return
        for source in readable:
            target = b if source is a else a
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            target.sendall(data)


def _is_ready(pod: Any) -> bool:
    if pod.status is None or pod.status.phase != "Running" or pod.metadata.deletion_timestamp is not None:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def _pod_port(pod: Any, target: int | str, tunnel: Tunnel) -> int:
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in pod.spec.containers:
        for port in container.ports or []:
            if port.name == target:
                return port.container_port
    raise TunnelError(f"{describe(tunnel)}: pod {pod.metadata.name} has no container port named {target!r}")
