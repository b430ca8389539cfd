"""DremioAdmin: the first administrator of a fresh Dremio, or proof that the given one can log in.

On a fresh server (login answers "No User Available") create bootstraps the first user with the
connection's user name and password (`PUT /apiv2/bootstrap/firstuser`). On a server that already has
users it only checks that these credentials log in, and fails clearly otherwise. The id is the user
name. Read checks the login again: a server that lost its users reads as gone (so the next `up`
bootstraps it again), credentials that stopped working are an error.

Dremio OSS has no API to change a user's names or e-mail, so those apply at bootstrap only; a changed
password is an in-place update that checks the new one. Delete leaves the user in place: the platform
cannot run without an administrator (remove it in Dremio's UI if you must).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
import pulumi.dynamic
from pydantic import Field, field_validator

from components.providers.base.contract import ContractResource, ProviderError
from components.providers.base.service import ServiceInputs
from components.providers.dremio.client import DremioClient
from components.providers.dremio.provider import DremioProvider


class AdminInputs(ServiceInputs):
    first_name: Annotated[str, Field(min_length=1, max_length=100)]
    last_name: Annotated[str, Field(min_length=1, max_length=100)]
    email: str

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("use an e-mail address such as admin@example.com")
        return value

    @field_validator("connection")
    @classmethod
    def _password_rule(cls, connection: Any) -> Any:
        password = connection.password
        # Dremio's own rule (SimpleUserService#validatePassword), checked before any request.
        if len(password) < 8 or not re.search(r"\d", password) or not re.search(r"[A-Za-z]", password):
            raise ValueError("connection.password needs at least 8 characters with a letter and a digit")
        return connection


class DremioAdminProvider(DremioProvider):
    kind = "admin"
    inputs_model = AdminInputs

    def describe(self, inputs: AdminInputs) -> str:
        return repr(inputs.connection.username)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        # Another user name is another administrator: replace. A new password or URL is in place.
        if (olds.get("connection") or {}).get("username") != (news.get("connection") or {}).get("username"):
            result.replaces = ["connection"]
        return result

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        if client.login() is None:
            client.create_first_user(inputs.first_name, inputs.last_name, inputs.email)
            if client.login() is None:
                raise ProviderError(f"{client.operation} at {inputs.connection.url}: Dremio still reports no user")
        return pulumi.dynamic.CreateResult(inputs.connection.username, inputs.dump())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        inputs = self.inputs(props)
        if self.client(inputs, "read").login() is None:
            return pulumi.dynamic.ReadResult(None, {})
        outs = inputs.dump()
        return pulumi.dynamic.ReadResult(id_, outs, outs)

    def apply(self, client: DremioClient, _id: str, inputs: AdminInputs, _olds: dict[str, Any]) -> dict[str, Any]:
        """Names and e-mail apply at bootstrap only (Dremio OSS has no API to change them): prove the login."""
        client.verify_login()
        return inputs.dump()

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to do: the administrator stays (see the module documentation)."""


@dataclass(frozen=True, kw_only=True)
class DremioAdminArgs:
    connection: pulumi.Input[dict[str, pulumi.Input[str]]]
    """`{url, username, password}`: the administrator to create or check; kept secret."""
    first_name: pulumi.Input[str]
    last_name: pulumi.Input[str]
    email: pulumi.Input[str]
    adopt: pulumi.Input[bool] = False
    """Accepted for symmetry with the other resources: an existing administrator is always taken over."""


class DremioAdmin(ContractResource, module="dremio", name="Admin"):
    """Declare with `DremioAdmin(resource_name, DremioAdminArgs(...), opts)`."""

    provider_class = DremioAdminProvider

    first_name: pulumi.Output[str]
    last_name: pulumi.Output[str]
    email: pulumi.Output[str]
    connection: pulumi.Output[dict[str, Any]]
