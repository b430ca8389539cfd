"""SupersetRole against a real Superset 6.1.0, in process and over gRPC: create, read, drift, repair, adopt,
delete, bad input, and the platform's four roles."""

from __future__ import annotations

import pytest

from components.layers.presentation.roles import ROLES
from components.providers.superset.role import OUTPUT_KEYS
from tests.providers.superset.builders import Driver, Outsider, connection
from tests.support.fault_proxy import FaultProxy
from tests.support.provider_protocol import ProviderCallError, checked, create

READER = [
    {"permission": "can_read", "view_menu": "Dashboard"},
    {"permission": "can_read", "view_menu": "Chart"},
    {"permission": "menu_access", "view_menu": "Dashboards"},
]


def role(proxy: FaultProxy, **overrides: object) -> dict:
    return {"connection": connection(proxy), "name": "Readers", "permissions": READER, **overrides}


def writes(proxy: FaultProxy) -> list[tuple[str, str]]:
    """The requests that change Superset (a login, which the short test tokens make frequent, changes nothing)."""
    return [(method, path) for method, path in proxy.requests if method != "GET" and path != "/api/v1/security/login"]


def without_logins(proxy: FaultProxy) -> list[tuple[str, str]]:
    """The requests of the operation itself: the 10-second test tokens may expire in the middle of it, and a
    renewal (login and CSRF token) is not the operation's cost."""
    return [(m, p) for m, p in proxy.requests if p not in ("/api/v1/security/login", "/api/v1/security/csrf_token/")]


def test_role_lifecycle_drift_and_repair(providers: dict[str, Driver], proxy: FaultProxy, outsider: Outsider) -> None:
    driver = providers["role"]
    proxy.requests.clear()
    role_id, outs = create(driver, role(proxy, permissions=list(reversed(READER)) + [READER[0]]))
    assert role_id == "Readers" and outs["role_id"] == outsider.role_id("Readers")
    assert [p["view_menu"] for p in outs["permissions"]] == ["Chart", "Dashboard", "Dashboards"], "stored as a sorted set"
    assert outsider.permissions_of(outs["role_id"]) == {(p["permission"], p["view_menu"]) for p in READER}
    create_requests = list(proxy.requests)

    proxy.requests.clear()
    read = driver.read(role_id, outs)
    assert read.outs == outs and read.inputs == {k: v for k, v in outs.items() if k not in OUTPUT_KEYS}
    assert writes(proxy) == [] and len(without_logins(proxy)) <= 3

    # Drift: someone grants SQL Lab by hand and takes the charts away.
    ids = outsider.pair_ids()
    wanted = {("can_read", "Dashboard"), ("menu_access", "Dashboards"), ("can_sqllab", "Superset")}
    outsider.call("POST", f"/api/v1/security/roles/{outs['role_id']}/permissions", {"permission_view_menu_ids": [ids[p] for p in wanted]})
    drifted = driver.read(role_id, outs)
    assert drifted.outs["permissions"] != outs["permissions"]
    assert {"permission": "can_sqllab", "view_menu": "Superset"} in drifted.outs["permissions"]
    diff = driver.diff(role_id, drifted.outs, checked(driver, role(proxy)))
    assert diff.changes and diff.replaces == []

    proxy.requests.clear()
    repaired = driver.update(role_id, drifted.outs, checked(driver, role(proxy)))
    assert writes(proxy) == [("POST", f"/api/v1/security/roles/{outs['role_id']}/permissions")], "one write repairs the role"
    assert outsider.permissions_of(outs["role_id"]) == {(p["permission"], p["view_menu"]) for p in READER}
    assert driver.read(role_id, repaired).outs == outs
    update_requests = list(proxy.requests)

    proxy.requests.clear()
    driver.delete(role_id, repaired)
    assert "Readers" not in {r["name"] for r in outsider.all("security/roles")}
    assert driver.read(role_id, repaired).id is None, "a deleted role reads as gone"
    print(f"role requests: create {len(create_requests)}, read {3}, repair {len(update_requests)}, delete {len(proxy.requests)}")


def test_a_rename_replaces_the_role(providers: dict[str, Driver], proxy: FaultProxy) -> None:
    driver = providers["role"]
    role_id, outs = create(driver, role(proxy))
    diff = driver.diff(role_id, outs, checked(driver, role(proxy, name="Readers 2")))
    assert diff.replaces == ["name"]


def test_builtin_roles_are_adopted_and_never_deleted(providers: dict[str, Driver], proxy: FaultProxy, outsider: Outsider) -> None:
    driver = providers["role"]
    before = outsider.permissions_of(outsider.role_id("Admin"))
    proxy.requests.clear()
    role_id, outs = create(driver, {"connection": connection(proxy), "name": "Admin"})
    assert role_id == "Admin" and outs.get("permissions") is None
    assert writes(proxy) == [], "an unmanaged built-in role is only looked up"
    assert driver.read(role_id, outs).outs == outs
    driver.delete(role_id, outs)
    assert outsider.permissions_of(outsider.role_id("Admin")) == before, "Admin is left exactly as it was"
    # A built-in role with declared permissions is adopted and brought to them.
    gamma_id, gamma = create(driver, {"connection": connection(proxy), "name": "Gamma", "permissions": READER})
    assert outsider.permissions_of(gamma["role_id"]) == {(p["permission"], p["view_menu"]) for p in READER}
    driver.delete(gamma_id, gamma)
    assert "Gamma" in {r["name"] for r in outsider.all("security/roles")}


def test_an_existing_role_needs_adopt(providers: dict[str, Driver], proxy: FaultProxy, outsider: Outsider) -> None:
    driver = providers["role"]
    outsider.call("POST", "/api/v1/security/roles/", {"name": "Readers"})
    with pytest.raises(ProviderCallError, match=r"create role 'Readers' at .*: it already exists\. To manage it with Pulumi, set adopt=True"):
        create(driver, role(proxy))
    _, outs = create(driver, role(proxy, adopt=True))
    assert outsider.permissions_of(outs["role_id"]) == {(p["permission"], p["view_menu"]) for p in READER}


@pytest.mark.parametrize(
    ("permissions", "message"),
    [
        ([{"permission": "can_reed", "view_menu": "Dashboard"}], "unknown permission 'can_reed' (did you mean 'can_read'?)"),
        ([{"permission": "can_read", "view_menu": "Dashbord"}], "unknown view menu 'Dashbord' (did you mean 'Dashboard'?)"),
        ([{"permission": "database_access", "view_menu": "Dashboard"}], "database_access applies to one object"),
        ([{"permission": "can_read"}], "view_menu"),
    ],
)
def test_bad_permissions_fail_at_check_without_a_request(providers: dict[str, Driver], proxy: FaultProxy, permissions: list, message: str) -> None:
    driver = providers["role"]
    proxy.requests.clear()
    with pytest.raises((AssertionError, ProviderCallError)) as caught:
        checked(driver, role(proxy, permissions=permissions))
    assert message in str(caught.value)
    assert proxy.requests == []


def test_a_per_object_permission_whose_object_does_not_exist_is_named(providers: dict[str, Driver], proxy: FaultProxy) -> None:
    with pytest.raises(ProviderCallError, match=r"Superset has no permission database_access on \[Nowhere\]\.\(id:99\)"):
        create(providers["role"], role(proxy, permissions=[{"permission": "database_access", "view_menu": "[Nowhere].(id:99)"}]))


@pytest.mark.parametrize("definition", [r for r in ROLES if r.permissions is not None], ids=lambda r: r.name)
def test_the_platforms_roles_exist_in_superset_as_declared(
    providers: dict[str, Driver], proxy: FaultProxy, outsider: Outsider, definition
) -> None:
    driver = providers["role"]
    role_id, outs = create(driver, {"connection": connection(proxy), "name": definition.name, "permissions": definition.as_input()})
    assert outsider.permissions_of(outs["role_id"]) == set(definition.permissions)
    assert driver.read(role_id, outs).outs == outs


def test_the_permission_catalogue_is_superset_6_1s(outsider: Outsider) -> None:
    from components.providers.superset.permissions import PERMISSIONS, VIEW_MENUS

    pairs = outsider.pair_ids()
    assert {permission for permission, _ in pairs} == set(PERMISSIONS)
    assert {view_menu for _, view_menu in pairs} == set(VIEW_MENUS)
