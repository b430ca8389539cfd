"""What every Dremio resource shares: its common inputs, and a provider base that holds the contract's
steps once (shared/reference/provider-contract.md, applied to Dremio's REST API).

* `DremioInputs`: `connection` and `adopt`; an optional input given as None takes its default.
* `DremioProvider`: check (the kind's pydantic model, no network), diff (domain keys, replacements),
  and update, which only proves the new login when nothing but the connection changed and otherwise
  hands over to the kind's `apply`. Outputs are the validated inputs; read rebuilds them from Dremio.
* `create_in_catalog` and `create_once`: look before creating, refuse what exists unless adopted, and
  after a lost answer look again rather than posting twice.
* `with_fresh_tag`: write with the current tag; on a stale one read again and retry once.
* `DremioResource`: the resource classes users declare; every field of the kind's frozen `...Args`
  dataclass becomes an input, and `connection` (plus a kind's own secret inputs) stays secret.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from components.providers.common import ProviderError, domain_diff, domain_values, validate_inputs
from components.providers.dremio_client import DremioClient, DremioConnection, DremioError

TRANSIENT = {0, 502, 503, 504}
"""Statuses after which a POST may or may not have been applied (0: no answer at all)."""
CREATE_ATTEMPTS = 3


class DremioInputs(BaseModel):
    """Inputs every Dremio resource takes besides its own."""

    model_config = ConfigDict(extra="forbid")

    connection: DremioConnection
    adopt: StrictBool = False

    @model_validator(mode="before")
    @classmethod
    def _none_means_default(cls, data: Any) -> Any:
        """An optional argument left as None takes its documented default (the engine drops None values
        over gRPC anyway, so in-process and real runs agree)."""
        if not isinstance(data, dict):
            return data
        defaulted = {
            name for name, info in cls.model_fields.items() if not info.is_required() and info.default is not None
        }
        return {name: value for name, value in data.items() if not (value is None and name in defaulted)}


class DremioProvider(pulumi.dynamic.ResourceProvider):
    """Subclasses set the class attributes and implement create, read, delete, `describe` and `apply`."""

    kind: ClassVar[str]
    inputs_model: ClassVar[type[DremioInputs]]
    domain_keys: ClassVar[tuple[str, ...]]
    stored_keys: ClassVar[tuple[str, ...]] = ("connection", "adopt")
    replace_keys: ClassVar[tuple[str, ...]] = ()
    natural_key: ClassVar[str | None] = None
    """The input naming the object in Dremio's catalog (case-insensitively)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        inputs, failures = validate_inputs(self.inputs_model, news)
        return pulumi.dynamic.CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = domain_diff(olds, news, keys=self.domain_keys + self.stored_keys, replace_keys=self.replace_keys)
        if self.natural_key and result.replaces:
            # A replacement under the same name (a new source type, "bronze" → "Bronze"): Dremio refuses two
            # objects of one name, so the old one goes first.
            result.delete_before_replace = _folded(olds.get(self.natural_key)) == _folded(news.get(self.natural_key))
        return result

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        inputs = self.inputs(news)
        client = self.client(inputs, "update")
        if unchanged(olds, news, self.domain_keys):
            # A new URL or password, or a flag of ours: nothing changes in Dremio, the login is proved.
            client.verify_login()
        else:
            self.apply(client, id_, inputs, olds)
        return pulumi.dynamic.UpdateResult(inputs.model_dump(mode="json"))

    # -- for the subclasses ------------------------------------------------------------------------------

    def describe(self, inputs: Any) -> str:
        """How errors name the object, e.g. "'lake'" or "silver.orders_clean"."""
        raise NotImplementedError

    def apply(self, client: DremioClient, id_: str, inputs: Any, olds: dict[str, Any]) -> None:
        """Bring the object to `inputs` (domain fields changed)."""
        raise NotImplementedError

    def inputs(self, props: dict[str, Any]) -> Any:
        return self.inputs_model.model_validate(domain_values(props, self.domain_keys + self.stored_keys))

    def client(self, inputs: DremioInputs, operation: str) -> DremioClient:
        return DremioClient(inputs.connection, f"{operation} {self.kind} {self.describe(inputs)}")

    def exists(self, inputs: DremioInputs) -> ProviderError:
        """The provider contract's message for an object that is already there."""
        return ProviderError(
            f"create {self.kind} {self.describe(inputs)} at {inputs.connection.url}: it already exists. To manage "
            "it with Pulumi, set adopt=True (it is then brought to the declared configuration); otherwise choose "
            "another name"
        )

    def create_in_catalog(
        self,
        client: DremioClient,
        inputs: DremioInputs,
        path: Sequence[str],
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
            return create_once(client, "/api/v3/catalog", body, find, lambda: self.exists(inputs))
        if inputs.adopt and is_same_kind(existing):
            return adopt(existing)
        raise self.exists(inputs)


def _folded(name: Any) -> Any:
    if isinstance(name, str):
        return name.lower()
    if isinstance(name, list):
        return [_folded(part) for part in name]
    return name


def current_entity(client: DremioClient, id_: str) -> dict[str, Any]:
    """The catalog entity about to be updated; gone is an error that says how to recover."""
    entity = client.by_id(id_)
    if entity is None:
        raise DremioError(
            f"{client.operation} at {client.connection.url}: it no longer exists; run `pulumi refresh`", 404
        )
    return entity


def unchanged(olds: dict[str, Any], news: dict[str, Any], keys: Sequence[str]) -> bool:
    """True when none of `keys` differ."""
    return all(olds.get(key) == news.get(key) for key in keys)


def create_once(
    client: DremioClient,
    path: str,
    body: dict[str, Any],
    find: Callable[[], dict[str, Any] | None],
    exists: Callable[[], ProviderError],
) -> dict[str, Any]:
    """POST a create. When its answer is lost (connection dropped, 502/503/504) the object may exist anyway,
    so look with `find` before posting again; a 409 means someone else holds the name (`exists`)."""
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return client.request("POST", path, body)
        except DremioError as error:
            if error.status == 409:
                raise exists() from None
            if error.status not in TRANSIENT or attempt == CREATE_ATTEMPTS - 1:
                raise
        time.sleep(0.5 * 2**attempt)
        found = find()
        if found is not None:
            return found
    raise AssertionError("unreachable")


def with_fresh_tag(
    client: DremioClient, read: Callable[[], dict[str, Any]], write: Callable[[dict[str, Any]], Any]
) -> Any:
    """Write over what `read` returns (its tag included); on a stale tag (409) read again and retry once
    (contract §5.2, §6.3)."""
    try:
        return write(read())
    except DremioError as error:
        if error.status != 409:
            raise
    try:
        return write(read())
    except DremioError as error:
        if error.status == 409:
            raise ProviderError(
                f"{client.operation} at {client.connection.url}: it keeps changing under us (409 twice: "
                f"{error.dremio_message}). Someone else is editing it; run `pulumi up` again once they are done"
            ) from None
        raise


class DremioResource(pulumi.dynamic.Resource):
    """Base of the Dremio resource classes: `Kind(resource_name, KindArgs(...), opts)`."""

    provider_class: ClassVar[type[DremioProvider]]
    secret_inputs: ClassVar[tuple[str, ...]] = ("connection",)

    def __init__(self, resource_name: str, args: Any, opts: pulumi.ResourceOptions | None = None):
        props = {field.name: getattr(args, field.name) for field in dataclasses.fields(args)}
        for key in self.secret_inputs:
            props[key] = pulumi.Output.secret(props[key])
        options = pulumi.ResourceOptions(additional_secret_outputs=list(self.secret_inputs))
        super().__init__(self.provider_class(), resource_name, props, pulumi.ResourceOptions.merge(options, opts))
