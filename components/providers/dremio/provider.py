"""What every Dremio provider adds to the service contract (`service.py`): Dremio's catalog conventions.

* `DremioProvider`: the service provider with a `DremioClient`, and `create_in_catalog`.
* `create_in_catalog`: look before creating, refuse what exists unless adopted, and after a lost answer
  look again rather than posting twice (`service.create_once`).
* `current_entity`: the entity about to be updated, or an error that says how to recover.
* `with_fresh_tag`: write with the current tag; on a stale one read again and retry once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components.providers.base.contract import ProviderError
from components.providers.base.http import ApiError
from components.providers.base.service import ServiceInputs, ServiceProvider, create_once
from components.providers.dremio.client import DremioClient


class DremioProvider(ServiceProvider):
    """A Dremio resource's provider: the service contract plus Dremio's catalog conventions."""

    client_class = DremioClient

    def create_in_catalog(
        self,
        client: DremioClient,
        inputs: ServiceInputs,
        path: list[str],
        body: dict[str, Any],
        is_same_kind: Callable[[dict[str, Any]], bool],
        adopt: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Create the catalog entity at `path` with `body`; an existing one is refused, or adopted with `adopt`."""

        def find() -> dict[str, Any] | None:
            found = client.by_path(path)
            return found if found and is_same_kind(found) else None

        existing = client.by_path(path)
        if existing is None:
            return create_once(client, "/api/v3/catalog", body, find, lambda: self.exists(inputs), conflict=is_conflict)
        if inputs.adopt and is_same_kind(existing):
            return adopt(existing)
        raise self.exists(inputs)


def is_conflict(error: ApiError) -> bool:
    """Dremio's answer to a create whose name is taken."""
    return error.status == 409


def current_entity(client: DremioClient, id_: str) -> dict[str, Any]:
    """The catalog entity about to be updated; gone is an error that says how to recover."""
    entity = client.by_id(id_)
    if entity is None:
        raise ApiError(
            f"{client.operation}: GET {client.connection.url}/api/v3/catalog/{id_}: 404: it no longer exists; "
            "run `pulumi refresh`",
            404,
        )
    return entity


def with_fresh_tag(
    client: DremioClient, read: Callable[[], dict[str, Any]], write: Callable[[dict[str, Any]], Any]
) -> Any:
    """Write over what `read` returns (its tag included); on a stale tag (409) read again and retry once."""
    try:
        return write(read())
    except ApiError as error:
        if error.status != 409:
            raise
    try:
        return write(read())
    except ApiError as error:
        if error.status == 409:
            raise ProviderError(
                f"{client.operation} at {client.connection.url}: it keeps changing under us (409 twice: "
                f"{error.server_message}). Someone else is editing it; run `pulumi up` again once they are done"
            ) from None
        raise
