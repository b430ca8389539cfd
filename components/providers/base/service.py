"""What the providers of services with a REST API and a login (Dremio, Superset) add to the contract.

* `ServiceInputs`: `connection` (`{url, username, password}`) and `adopt`, on every resource.
* `ServiceProvider`: diff deletes first when a replacement keeps the object's name; update only proves
  the new login when nothing but the connection or our own flags changed, and otherwise hands over to the
  kind's `apply`. Outputs are the validated inputs (plus what a kind adds); read rebuilds them from the
  server.
* `create_once`: POST a create; after a lost answer look for the object before posting again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import pulumi
import pulumi.dynamic
from pydantic import StrictBool

from components.providers.base.contract import ContractProvider, ProviderError, ProviderInputs
from components.providers.base.http import ApiError, LoginConnection

TRANSIENT = {0, 502, 503, 504}
"""Statuses after which a POST may or may not have been applied (0: no answer at all)."""
CREATE_ATTEMPTS = 3


class ServiceClient(Protocol):
    connection: LoginConnection
    operation: str

    def __init__(self, connection: LoginConnection, operation: str) -> None: ...

    def verify_login(self) -> None: ...

    def request(self, method: str, path: str, body: Any = None) -> Any: ...


class ServiceInputs(ProviderInputs):
    """Inputs every resource of a service takes besides its own."""

    flags: ClassVar[frozenset[str]] = frozenset({"connection", "adopt"})

    connection: LoginConnection
    adopt: StrictBool = False


class ServiceProvider(ContractProvider):
    """Subclasses set the class attributes and implement create, read, delete, `describe` and `apply`."""

    client_class: ClassVar[type[ServiceClient]]
    kind: ClassVar[str]
    inputs_model: ClassVar[type[ServiceInputs]]
    natural_key: ClassVar[tuple[str, ...]] = ()
    """The inputs naming the object on the server (compared case-insensitively)."""

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        if self.natural_key and result.replaces:
            # A replacement under the same name (a new source type, "bronze" → "Bronze", a dataset turning
            # virtual): the server refuses two objects of one name, so the old one goes first.
            result.delete_before_replace = all(
                _folded(olds.get(key)) == _folded(news.get(key)) for key in self.natural_key
            )
        return result

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        inputs = self.inputs(news)
        client = self.client(inputs, "update")
        if unchanged(olds, news, self.inputs_model.domain_keys()):
            # A new URL or password, or a flag of ours: nothing changes on the server, the login is proved.
            client.verify_login()
            return pulumi.dynamic.UpdateResult(self.outputs(inputs, olds))
        return pulumi.dynamic.UpdateResult(self.apply(client, id_, inputs, olds))

    # -- for the subclasses ------------------------------------------------------------------------------

    def describe(self, inputs: Any) -> str:
        """How errors name the object, e.g. "'lake'" or "silver.orders_clean"."""
        raise NotImplementedError

    def apply(self, client: Any, id_: str, inputs: Any, olds: dict[str, Any]) -> dict[str, Any]:
        """Bring the object to `inputs` (domain fields changed); return the new outputs."""
        raise NotImplementedError

    def outputs(self, inputs: Any, _olds: dict[str, Any]) -> dict[str, Any]:
        """The outputs after an update that changed nothing on the server."""
        return inputs.dump()

    def client(self, inputs: ServiceInputs, operation: str) -> Any:
        return self.client_class(inputs.connection, f"{operation} {self.kind} {self.describe(inputs)}")

    def exists(self, inputs: ServiceInputs) -> ProviderError:
        """The provider contract's message for an object that is already there."""
        return ProviderError(
            f"create {self.kind} {self.describe(inputs)} at {inputs.connection.url}: it already exists. To manage "
            "it with Pulumi, set adopt=True (it is then brought to the declared configuration); otherwise choose "
            "another name"
        )


def unchanged(olds: dict[str, Any], news: dict[str, Any], keys: Sequence[str]) -> bool:
    """True when none of `keys` differ."""
    return all(olds.get(key) == news.get(key) for key in keys)


def create_once(
    client: ServiceClient,
    path: str,
    body: dict[str, Any],
    find: Callable[[], dict[str, Any] | None],
    exists: Callable[[], ProviderError],
    *,
    conflict: Callable[[ApiError], bool],
) -> dict[str, Any]:
    """POST a create. When its answer is lost (connection dropped, 502/503/504) the object may exist anyway,
    so look with `find` before posting again; an answer that `conflict` recognises means someone else
    holds the name (`exists`)."""
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return client.request("POST", path, body)
        except ApiError as error:
            if conflict(error):
                raise exists() from None
            if error.status not in TRANSIENT or attempt == CREATE_ATTEMPTS - 1:
                raise
        time.sleep(0.5 * 2**attempt)
        found = find()
        if found is not None:
            return found
    raise AssertionError("unreachable")


def _folded(name: Any) -> Any:
    if isinstance(name, str):
        return name.lower()
    if isinstance(name, list):
        return [_folded(part) for part in name]
    return name
