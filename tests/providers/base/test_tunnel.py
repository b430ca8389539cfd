"""Port-forwarding (`post_deploy.access: port-forward`) against a fake of the API server's port-forward endpoint,
written from the protocol, with a real HTTP server standing in for the pod: a tunnel that works, a pod that is not
ready (refused, then waited for), a stream reset in the middle of a request, and missing RBAC permissions."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.providers.base.contract import ProviderError
from components.providers.base.http import LoginConnection, reach_session, send
from components.providers.base.tunnel import Tunnel
from tests.support.fake_kube_api import FakeKubeApi, FakePod
from tests.support.http_fake import serve

NAMESPACE = "dp-presentation"
URL = "http://superset.dp-presentation.svc.cluster.local:8088"


@pytest.fixture
def backend() -> Iterator[dict]:
    seen: dict = {"hosts": [], "paths": []}

    def dispatch(method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, object, str]:
        seen["hosts"].append(headers.get("Host"))
        seen["paths"].append(path)
        return 200, {"pong": True, "path": path}, "application/json"

    server = serve(dispatch)
    seen["port"] = server.server_address[1]
    yield seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(backend: dict) -> Iterator[FakeKubeApi]:
    fake = FakeKubeApi(namespace=NAMESPACE)
    fake.services["superset"] = {"selector": {"app.kubernetes.io/name": "superset"}, "ports": [{"port": 8088, "targetPort": "http"}]}
    fake.pods.append(FakePod(name="superset-web-0", labels={"app.kubernetes.io/name": "superset"}, ports={"http": 8088}, backend=backend["port"]))
    fake.start()
    yield fake
    fake.stop()


def connection(api: FakeKubeApi, tmp_path: Path, *, service: str = "superset", ready_timeout_seconds: int = 0) -> LoginConnection:
    tunnel = Tunnel(service=service, namespace=NAMESPACE, port=8088, kubeconfig=str(api.kubeconfig(tmp_path)), context="fake")
    return LoginConnection(url=URL, username="admin", password="pw-123456", tunnel=tunnel, ready_timeout_seconds=ready_timeout_seconds)


def get(conn: LoginConnection, path: str = "/ping") -> object:
    response = send(reach_session(conn), "test request", "GET", f"{conn.url}{path}")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_tunnel_carries_requests_to_a_ready_pod_with_the_services_host(api: FakeKubeApi, backend: dict, tmp_path: Path) -> None:
    conn = connection(api, tmp_path)
    assert get(conn, "/ping?x=1") == {"pong": True, "path": "/ping?x=1"}
    assert get(conn, "/again")["path"] == "/again"
    assert backend["hosts"][-1] == "superset.dp-presentation.svc.cluster.local:8088"
    assert ("GET", f"/api/v1/namespaces/{NAMESPACE}/pods/superset-web-0/portforward") in api.requests


def test_a_pod_that_is_not_ready_is_named_and_waited_for(api: FakeKubeApi, backend: dict, tmp_path: Path) -> None:
    api.pods[0].ready = False
    with pytest.raises(ProviderError, match=r"no Ready pod behind the Service \(1 pod\(s\) match app.kubernetes.io/name=superset\)"):
        get(connection(api, tmp_path))
    # Within the ready timeout, the same request waits until the pod is ready.
    threading.Timer(1.5, lambda: setattr(api.pods[0], "ready", True)).start()
    started = time.monotonic()
    assert get(connection(api, tmp_path, ready_timeout_seconds=30))["pong"] is True
    assert time.monotonic() - started >= 1.0


def test_a_stream_reset_mid_request_is_retried_on_a_new_stream(api: FakeKubeApi, backend: dict, tmp_path: Path) -> None:
    conn = connection(api, tmp_path)
    get(conn)  # the tunnel is up
    before_streams, before_requests = api.streams, len(backend["paths"])
    api.reset_streams = 1
    assert get(conn, "/after-reset")["path"] == "/after-reset"
    assert api.streams - before_streams == 2, "the broken stream, then a new one"
    assert backend["paths"][before_requests:] == ["/after-reset"], "the broken request never reached the pod"


@pytest.mark.parametrize(
    ("denied", "named"),
    [
        (("create", "pods/portforward"), "RBAC verb 'create' on 'pods/portforward' in namespace dp-presentation"),
        (("list", "pods"), "RBAC verb 'list' on 'pods' in namespace dp-presentation"),
        (("get", "services"), "RBAC verb 'get' on 'services' in namespace dp-presentation"),
    ],
)
def test_a_missing_permission_names_the_rbac_verb(api: FakeKubeApi, tmp_path: Path, denied: tuple[str, str], named: str) -> None:
    api.denied.add(denied)
    with pytest.raises(ProviderError, match=re.escape(named)):
        get(connection(api, tmp_path, ready_timeout_seconds=30))


def test_a_missing_service_is_named(api: FakeKubeApi, tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match=r"service dp-presentation/nothing does not exist"):
        get(connection(api, tmp_path, service="nothing"))


def test_a_new_connection_costs_one_port_forward_and_a_gone_pod_is_found_again(api: FakeKubeApi, backend: dict, tmp_path: Path) -> None:
    conn = connection(api, tmp_path)
    get(conn)
    before = len(api.requests)
    get(conn, "/fresh-session")  # a new session, so a new connection through the tunnel
    assert [path for _, path in api.requests[before:]] == [f"/api/v1/namespaces/{NAMESPACE}/pods/superset-web-0/portforward"]
    # The pod is replaced: the next connection resolves the Service again and reaches the new one.
    api.pods[0] = FakePod(name="superset-web-1", labels={"app.kubernetes.io/name": "superset"}, ports={"http": 8088}, backend=backend["port"])
    assert get(conn, "/after-replacement")["path"] == "/after-replacement"
    assert ("GET", f"/api/v1/namespaces/{NAMESPACE}/pods/superset-web-1/portforward") in api.requests
