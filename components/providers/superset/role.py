"""SupersetRole: a Superset role and exactly the permissions it is declared with.

Following Superset's security API (Flask-AppBuilder's, on with `FAB_ADD_SECURITY_API`; docs/providers/superset-api.md,
"Roles"):

* The id is the role's name (the natural id): Superset's numeric id is looked up by name on every call, so a
  role deleted and recreated by hand is still found. Renaming is a replacement.
* `permissions` is a set of `{"permission", "view_menu"}` pairs as Superset names them; order and repeats do
  not matter (it is stored sorted). Unknown names are refused at check, before any request
  (`permissions.py` holds Superset 6.1's names). `None` leaves the role's permissions unmanaged: that is how
  the built-in Admin is declared, since `superset init` keeps it complete on every upgrade.
* Read lists the role's permissions; drift (a permission added or removed by hand) shows as a difference.
  Update writes the whole set in one request (`POST .../permissions`, which replaces the set), after one
  listing of Superset's permission pairs to find their ids: the fewest writes there are.
* Superset's built-in roles (Admin, Alpha, Gamma, Public, sql_lab) are adopted without `adopt`, and delete
  leaves them in place; any other existing role needs `adopt=True`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from components.providers.base.contract import ContractResource, ProviderError
from components.providers.base.service import ServiceInputs, create_once
from components.providers.superset.client import SupersetClient
from components.providers.superset.permissions import OBJECT_PERMISSIONS, OBJECT_VIEW_MENU, PERMISSIONS, VIEW_MENUS
from components.providers.superset.provider import SupersetProvider

BUILTIN_ROLES = frozenset({"Admin", "Alpha", "Gamma", "Public", "sql_lab"})
OUTPUT_KEYS = ("role_id",)


class Permission(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    permission: Annotated[str, Field(min_length=1)]
    view_menu: Annotated[str, Field(min_length=1)]

    @field_validator("permission")
    @classmethod
    def _permission(cls, name: str) -> str:
        if name not in PERMISSIONS and name not in OBJECT_PERMISSIONS:
            raise ValueError(f"unknown permission {name!r}{_suggestion(name, PERMISSIONS | OBJECT_PERMISSIONS)}")
        return name

    @field_validator("view_menu")
    @classmethod
    def _view_menu(cls, name: str) -> str:
        if name not in VIEW_MENUS and not OBJECT_VIEW_MENU.fullmatch(name):
            raise ValueError(
                f"unknown view menu {name!r}{_suggestion(name, VIEW_MENUS)}; per-object ones are bracketed, "
                "e.g. '[Dremio].(id:1)'"
            )
        return name


class RoleInputs(ServiceInputs):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    permissions: list[Permission] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if name != name.strip():
            raise ValueError("no leading or trailing spaces")
        return name

    @field_validator("permissions")
    @classmethod
    def _as_a_set(cls, permissions: list[Permission] | None) -> list[Permission] | None:
        if permissions is None:
            return None
        for pair in permissions:
            if pair.permission in OBJECT_PERMISSIONS and not OBJECT_VIEW_MENU.fullmatch(pair.view_menu):
                raise ValueError(f"{pair.permission} applies to one object: its view menu is bracketed, e.g. '[Dremio].(id:1)'")
        return sorted(set(permissions), key=lambda pair: (pair.view_menu, pair.permission))


class SupersetRoleProvider(SupersetProvider):
    kind = "role"
    resource = "security/roles"
    inputs_model = RoleInputs
    output_keys = OUTPUT_KEYS
    natural_key = ("name",)
    replace_keys = ("name",)

    def describe(self, inputs: RoleInputs) -> str:
        return repr(inputs.name)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        existing = _find(client, inputs.name)
        if existing and not (inputs.adopt or inputs.name in BUILTIN_ROLES):
            raise self.exists(inputs)
        if existing is None:
            existing = create_once(
                client,
                "/api/v1/security/roles/",
                {"name": inputs.name},
                lambda: _find(client, inputs.name),
                lambda: self.exists(inputs),
                conflict=lambda error: error.status == 422,
            )
        role_id = int(existing["id"])
        if inputs.permissions is not None and _pairs(_role_permissions(client, role_id)) != _pairs_of(inputs):
            _set_permissions(client, role_id, inputs)
        return pulumi.dynamic.CreateResult(inputs.name, {**inputs.dump(), "role_id": role_id})

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        client = self.client(stored, "read")
        found = _find(client, id_)
        if found is None:
            return pulumi.dynamic.ReadResult(None, {})
        outs = {**stored.dump(), "name": found["name"], "role_id": int(found["id"])}
        if stored.permissions is not None:
            outs["permissions"] = [
                {"permission": permission, "view_menu": view_menu}
                for view_menu, permission in sorted(_pairs(_role_permissions(client, int(found["id"]))))
            ]
        return pulumi.dynamic.ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    def apply(self, client: SupersetClient, id_: str, inputs: RoleInputs, olds: dict[str, Any]) -> dict[str, Any]:
        found = _find(client, inputs.name)
        if found is None:
            raise ProviderError(
                f"{client.operation}: GET {client.connection.url}/api/v1/security/roles/: the role is gone; run "
                "`pulumi refresh`, then `pulumi up` creates it again"
            )
        if inputs.permissions is not None:
            _set_permissions(client, int(found["id"]), inputs)
        return {**inputs.dump(), "role_id": int(found["id"])}

    def outputs(self, inputs: Any, olds: dict[str, Any]) -> dict[str, Any]:
        return {**inputs.dump(), "role_id": olds.get("role_id")}

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if id_ in BUILTIN_ROLES:
            return  # Superset cannot run without them; they are only ever adopted
        stored = self.inputs(props)
        client = self.client(stored, "delete")
        found = _find(client, id_)
        if found is not None:
            client.request("DELETE", f"/api/v1/security/roles/{int(found['id'])}", allow=(404,))


def _find(client: SupersetClient, name: str) -> dict[str, Any] | None:
    # The filter matches case-insensitively on some databases: compare exactly here.
    return next((role for role in client.find("security/roles", [("name", "eq", name)]) if role["name"] == name), None)


def _role_permissions(client: SupersetClient, role_id: int) -> list[dict[str, Any]]:
    return client.request("GET", f"/api/v1/security/roles/{role_id}/permissions/")["result"]


def _pairs(listed: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["view_menu_name"], item["permission_name"]) for item in listed}


def _pairs_of(inputs: RoleInputs) -> set[tuple[str, str]]:
    return {(pair.view_menu, pair.permission) for pair in inputs.permissions or []}


def _set_permissions(client: SupersetClient, role_id: int, inputs: RoleInputs) -> None:
    """Replace the role's permissions with the declared set (one listing of the pairs' ids, one write)."""
    ids = {
        (item["view_menu"]["name"], item["permission"]["name"]): item["id"]
        for item in client.find("security/permissions-resources", [])
    }
    missing = sorted(_pairs_of(inputs) - set(ids))
    if missing:
        shown = ", ".join(f"{permission} on {view_menu}" for view_menu, permission in missing)
        raise ProviderError(
            f"{client.operation} at {client.connection.url}: Superset has no permission {shown}. Per-object permissions "
            "appear once the object exists (declare the role after it); others may need `superset init`"
        )
    client.request(
        "POST",
        f"/api/v1/security/roles/{role_id}/permissions",
        {"permission_view_menu_ids": sorted(ids[pair] for pair in _pairs_of(inputs))},
    )


def _suggestion(name: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, kw_only=True)
class SupersetRoleArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, username, password}` of a Superset administrator; kept secret."""
    name: pulumi.Input[str]
    """The role's name: its id. Renaming replaces the role."""
    permissions: pulumi.Input[list[dict[str, str]]] | None = None
    """`[{"permission": "can_read", "view_menu": "Dashboard"}, ...]` as Superset names them, in any order. None:
    the role's permissions are not managed (built-in roles that `superset init` maintains)."""
    adopt: pulumi.Input[bool] = False
    """Manage a role that already exists (built-in roles are always adopted, never deleted)."""


class SupersetRole(ContractResource, module="superset", name="Role"):
    """Declare with `SupersetRole(resource_name, SupersetRoleArgs(...), opts)`."""

    provider_class = SupersetRoleProvider

    name: pulumi.Output[str]
    permissions: pulumi.Output[list[dict[str, str]] | None]
    role_id: pulumi.Output[int]
    connection: pulumi.Output[dict[str, Any]]
