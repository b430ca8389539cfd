"""What the Airbyte providers share: the inputs every resource takes, and the provider base.

Every Airbyte object has a UUID that Airbyte assigns and a natural key the provider looks it up by (`find`):
create looks first (an existing object needs `adopt`), and after a lost answer looks again before posting a
second time; read projects Airbyte's answer onto the resource's inputs (`described`), so that a refresh
compares like with like.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pulumi.dynamic
from pydantic import StrictBool, field_validator

from components.providers.airbyte.client import AirbyteClient, AirbyteConnection
from components.providers.base.contract import ProviderInputs
from components.providers.base.service import ServiceProvider, create_once

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def uuid_field(value: str) -> str:
    if not UUID.fullmatch(value):
        raise ValueError("an Airbyte id is a lower-case UUID, e.g. 4816b78f-1489-44c1-9060-4b19d5fa9362")
    return value


class AirbyteInputs(ProviderInputs):
    """Inputs every Airbyte resource takes besides its own."""

    flags: ClassVar[frozenset[str]] = frozenset({"connection", "adopt"})

    connection: AirbyteConnection
    adopt: StrictBool = False

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, name: str) -> str:
        if not name or name != name.strip() or len(name) > 256:
            raise ValueError("give 1-256 characters without leading or trailing spaces")
        return name


class AirbyteProvider(ServiceProvider):
    client_class = AirbyteClient
    collection: ClassVar[str]
    """The API collection: "sources", "destinations" or "connections"."""
    id_field: ClassVar[str]
    """The id's field in Airbyte's answers: "sourceId", ..."""
    output_key: ClassVar[str]
    """The id as an output: "source_id", ..."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "output_key" in cls.__dict__:
            cls.output_keys = (cls.output_key,)

    # -- for the subclasses ------------------------------------------------------------------------------

    def find(self, client: AirbyteClient, inputs: Any) -> dict[str, Any] | None:
        """The object with the inputs' natural key, as Airbyte lists it, or None."""
        raise NotImplementedError

    def create_body(self, inputs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def described(self, server: dict[str, Any], stored: Any | None) -> dict[str, Any]:
        """Airbyte's answer as this resource's inputs name it; `stored` (the inputs last sent, None when
        adopting) stands behind what Airbyte masks."""
        raise NotImplementedError

    # -- the contract --------------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = self.inputs(props)
        client = self.client(inputs, "create")
        existing = self.find(client, inputs)
        if existing and not inputs.adopt:
            raise self.exists(inputs)
        if existing:
            object_id = existing[self.id_field]
            return pulumi.dynamic.CreateResult(object_id, self.apply(client, object_id, inputs, self.described(existing, None)))
        created = create_once(
            client,
            f"/{self.collection}",
            self.create_body(inputs),
            lambda: self.find(client, inputs),
            lambda: self.exists(inputs),
            conflict=lambda error: error.status == 409,
        )
        object_id = created[self.id_field]
        return pulumi.dynamic.CreateResult(object_id, self.outputs(inputs, {self.output_key: object_id}))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        stored = self.inputs(props)
        server = self.current(self.client(stored, "read"), id_)
        if server is None:
            return pulumi.dynamic.ReadResult(None, {})
        outs = {**stored.dump(), **self.described(server, stored), self.output_key: id_}
        return pulumi.dynamic.ReadResult(id_, outs, {k: v for k, v in outs.items() if k != self.output_key})

    def outputs(self, inputs: Any, olds: dict[str, Any]) -> dict[str, Any]:
        return {**inputs.dump(), self.output_key: olds.get(self.output_key)}

    def describe(self, inputs: Any) -> str:
        return repr(inputs.name)

    def current(self, client: AirbyteClient, id_: str) -> dict[str, Any] | None:
        found = client.request("GET", f"/{self.collection}/{id_}", allow=(404,))
        return None if isinstance(found, tuple) else found

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.client(self.inputs(props), "delete")
        client.request("DELETE", f"/{self.collection}/{id_}", allow=(404,))
