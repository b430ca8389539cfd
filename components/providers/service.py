"""The provider contract (shared/reference/provider-contract.md) for services with a REST API and a
login (Dremio, Superset), held once.

* `ServiceInputs`: `connection` and `adopt`; an optional input given as None takes its default.
* `ServiceProvider`: check (the kind's pydantic model, no network), diff (domain keys; replacements,
  deleting first when the replacement keeps the object's name), and update, which only proves the new
  login when nothing but the connection or our own flags changed and otherwise hands over to the kind's
  `apply`. Outputs are the validated inputs (plus what a kind adds); read rebuilds them from the server.
* `create_once`: POST a create; after a lost answer look for the object before posting again.
* `ServiceResource`: the resource classes users declare; every field of the kind's frozen `...Args`
  dataclass becomes an input, and `connection` (plus a kind's own secret inputs) stays secret.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import pulumi
import pulumi.dynamic
from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from components.providers.common import ProviderError, domain_diff, domain_values, validate_inputs
from components.providers.http import ApiError, LoginConnection

TRANSIENT = {0, 502, 503, 504}
"""Statuses after which a POST may or may not have been applied (0: no answer at all)."""
CREATE_ATTEMPTS = 3


class ServiceClient(Protocol):
    connection: LoginConnection
    operation: str

    def __init__(self, connection: LoginConnection, operation: str) -> None: ...

    def verify_login(self) -> None: ...

    def request(self, method: str, path: str, body: Any = None) -> Any: ...


class ServiceInputs(BaseModel):
    """Inputs every resource of a service takes besides its own."""

    model_config = ConfigDict(extra="forbid")

    connection: LoginConnection
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

    def dump(self) -> dict[str, Any]:
        """The inputs as the engine stores them (aliases such as `schema` for `schema_name`)."""
        return self.model_dump(mode="json", by_alias=True)


class ServiceProvider(pulumi.dynamic.ResourceProvider):
    """Subclasses set the class attributes and implement create, read, delete, `describe` and `apply`."""

    client_class: ClassVar[type[ServiceClient]]
    kind: ClassVar[str]
    inputs_model: ClassVar[type[ServiceInputs]]
    domain_keys: ClassVar[tuple[str, ...]]
    stored_keys: ClassVar[tuple[str, ...]] = ("connection", "adopt")
    replace_keys: ClassVar[tuple[str, ...]] = ()
    natural_key: ClassVar[tuple[str, ...]] = ()
    """The inputs naming the object on the server (compared case-insensitively)."""
    output_keys: ClassVar[tuple[str, ...]] = ()
    """Outputs the provider adds to the inputs (ids, uuids); the resource declares them empty."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        given = {key: value for key, value in news.items() if key not in self.output_keys}
        inputs, failures = validate_inputs(self.inputs_model, given)
        return pulumi.dynamic.CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = domain_diff(olds, news, keys=self.domain_keys + self.stored_keys, replace_keys=self.replace_keys)
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
        if unchanged(olds, news, self.domain_keys):
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

    def inputs(self, props: dict[str, Any]) -> Any:
        return self.inputs_model.model_validate(domain_values(props, self.domain_keys + self.stored_keys))

    def client(self, inputs: ServiceInputs, operation: str) -> Any:
        return self.client_class(inputs.connection, f"{operation} {self.kind} {self.describe(inputs)}")

    def exists(self, inputs: ServiceInputs) -> ProviderError:
        """The provider contract's message for an object that is already there."""
        return ProviderError(
            f"create {self.kind} {self.describe(inputs)} at {inputs.connection.url}: it already exists. To manage "
            "it with Pulumi, set adopt=True (it is then brought to the declared configuration); otherwise choose "
            "another name"
        )


class ServiceResource(pulumi.dynamic.Resource):
    """Base of the resource classes: `Kind(resource_name, KindArgs(...), opts)`."""

    provider_class: ClassVar[type[ServiceProvider]]
    secret_inputs: ClassVar[tuple[str, ...]] = ("connection",)

    def __init__(self, resource_name: str, args: Any, opts: pulumi.ResourceOptions | None = None):
        props = {field.name: getattr(args, field.name) for field in dataclasses.fields(args)}
        # Declared empty so that the resource exposes the outputs the provider adds (ids, uuids).
        props.update({key: None for key in self.provider_class.output_keys})
        for key in self.secret_inputs:
            props[key] = pulumi.Output.secret(props[key])
        options = pulumi.ResourceOptions(additional_secret_outputs=list(self.secret_inputs))
        super().__init__(self.provider_class(), resource_name, props, pulumi.ResourceOptions.merge(options, opts))


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
