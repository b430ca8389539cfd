"""What both Superset providers share: ids checked against the uuid, and deletes that leave other people's
objects alone (Superset's SQLite metadata hands freed ids to new objects)."""

from __future__ import annotations

from typing import Any, ClassVar

from components.providers.base.contract import ProviderError
from components.providers.base.service import ServiceProvider
from components.providers.superset.client import SupersetClient


class SupersetProvider(ServiceProvider):
    """A Superset resource's provider: the service contract plus Superset's ids, checked by uuid."""

    client_class = SupersetClient
    resource: ClassVar[str]
    """The API collection: "database" or "dataset"."""

    def ours(self, client: SupersetClient, id_: str, uuid: str | None) -> dict[str, Any] | None:
        """The object at `id_` while it is still ours: Superset may have handed a freed id to another one."""
        found = client.request("GET", f"/api/v1/{self.resource}/{int(id_)}", allow=(404,))
        if isinstance(found, tuple) or found["result"].get("uuid") != uuid:
            return None
        return found["result"]

    def ours_to_update(self, client: SupersetClient, id_: str, olds: dict[str, Any]) -> dict[str, Any]:
        current = self.ours(client, id_, olds.get("uuid"))
        if current is None:
            raise ProviderError(
                f"{client.operation}: GET {client.connection.url}/api/v1/{self.resource}/{int(id_)}: it is gone, or its "
                "id now belongs to another object; run `pulumi refresh`, then `pulumi up` creates it again"
            )
        return current

    def outputs(self, inputs: Any, olds: dict[str, Any]) -> dict[str, Any]:
        return {**inputs.dump(), **{key: olds.get(key) for key in self.output_keys}}

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stored = self.inputs(props)
        client = self.client(stored, "delete")
        if self.ours(client, id_, props.get("uuid")) is not None:  # gone, or no longer ours: nothing to do
            client.request("DELETE", f"/api/v1/{self.resource}/{int(id_)}", allow=(404,))
