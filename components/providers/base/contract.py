"""The provider contract every dynamic provider of the platform follows (docs/providers/contract.md), in code.

* `ProviderInputs`: a kind's inputs model, where its fields are declared once. The key tuples (what is
  compared, what is stored) are derived from it; `flags` names the inputs that steer the provider
  (credentials, consent) rather than configure the object.
* `ContractProvider`: `check` validates with that model and turns every error into a CheckFailure naming
  the property, passing values still unknown during a preview through unchecked, with no network call;
  `diff` compares the model's keys only (never `__provider`), lists those that force a replacement and
  reports the unchanged ones as `stables`.
* `ContractResource`: the resource front end, `Kind(resource_name, KindArgs(...), opts)`: every field of the
  frozen `...Args` dataclass becomes an input, and the credential inputs stay secret.
* `ProviderError`: messages name the operation, the object and the endpoint, never a credential.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.output import Unknown
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

PROVIDER_KEY = "__provider"
SECRET_HINTS = ("password", "secret", "uri", "token")
"""A failing value is repeated in the message unless its property's name holds one of these."""


class ProviderError(Exception):
    """A failure the user can act on; its message is shown by `pulumi up` as is."""


def is_unknown(value: Any) -> bool:
    """True when `value` is, or contains, a value not known until apply (a preview's unknown)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(item) for item in value)
    return False


def validate_inputs(
    model: type[BaseModel], news: Mapping[str, Any]
) -> tuple[dict[str, Any], list[pulumi.dynamic.CheckFailure]]:
    """Validate `news` against `model`; return the normalised inputs and one failure per problem.

    Fields whose value is unknown (a preview) are left out of validation and passed through unchanged,
    so a preview never fails on values it cannot know yet.
    """
    given = {key: value for key, value in news.items() if key != PROVIDER_KEY}
    unknown = {key: value for key, value in given.items() if is_unknown(value)}
    known = {key: value for key, value in given.items() if key not in unknown}
    try:
        validated = model.model_validate(known)
    except ValidationError as error:
        failures = [
            pulumi.dynamic.CheckFailure(str(item["loc"][0]) if item["loc"] else "inputs", _reason(item))
            for item in error.errors()
            if not (item["type"] == "missing" and item["loc"] and item["loc"][0] in unknown)
        ]
        if failures:
            return dict(given), failures
        # Only fields that are still unknown are missing: fill what we can, keep the rest as given.
        return {**known, **unknown}, []
    # A model may shape its own stored form (`dump`), e.g. to leave out optional fields not declared.
    dump = getattr(validated, "dump", None)
    values = dump() if callable(dump) else validated.model_dump(mode="json", by_alias=True)
    return {**values, **unknown}, []


def _reason(item: Mapping[str, Any]) -> str:
    path = ".".join(str(part) for part in item["loc"])
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "extra_forbidden":
        return f"{path}: unknown property; remove it"
    if item["type"] == "missing":
        return f"{path}: required"
    if message.startswith((f"{path}.", f"{path}:")):
        return message  # the validator already named the nested field (config.port: ...)
    shown = item.get("input")
    hidden = isinstance(shown, dict | list) or any(hint in path.lower() for hint in SECRET_HINTS)
    value = "" if hidden else f" (got {shown!r})"
    return f"{path}: {message}{value}"


def domain_diff(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    keys: Iterable[str],
    replace_keys: Iterable[str] = (),
    delete_before_replace: bool = False,
) -> pulumi.dynamic.DiffResult:
    """Compare the domain `keys` only; any difference in `replace_keys` forces a replacement."""
    keys = list(keys)
    changed = [key for key in keys if is_unknown(news.get(key)) or olds.get(key) != news.get(key)]
    replaces = [key for key in replace_keys if key in changed]
    return pulumi.dynamic.DiffResult(
        changes=bool(changed),
        replaces=replaces,
        stables=[key for key in keys if key not in changed],
        delete_before_replace=delete_before_replace and bool(replaces),
    )


def domain_values(props: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The props a provider owns (never `__provider`), ready for its inputs model."""
    wanted = set(keys)
    return {key: value for key, value in props.items() if key in wanted}


class ProviderInputs(BaseModel):
    """Base of every kind's inputs model. An optional input given as None takes its documented default."""

    model_config = ConfigDict(extra="forbid")

    flags: ClassVar[frozenset[str]] = frozenset()
    """Inputs that steer the provider (the connection, `adopt`, consent flags such as `force_destroy`): kept in
    state and compared, never sent to the server as the object's configuration."""

    @model_validator(mode="before")
    @classmethod
    def _none_means_default(cls, data: Any) -> Any:
        """The engine drops None values over gRPC anyway, so in-process and real runs agree."""
        if not isinstance(data, dict):
            return data
        defaulted = {
            info.alias or name
            for name, info in cls.model_fields.items()
            if not info.is_required() and info.default is not None
        }
        return {name: value for name, value in data.items() if not (value is None and name in defaulted)}

    @classmethod
    @functools.cache
    def keys(cls) -> tuple[str, ...]:
        """Every input, as the engine stores it (by alias, e.g. `schema` for `schema_name`)."""
        return tuple(info.alias or name for name, info in cls.model_fields.items())

    @classmethod
    def domain_keys(cls) -> tuple[str, ...]:
        """The inputs that describe the object on the server."""
        return tuple(key for key in cls.keys() if key not in cls.flags)

    @classmethod
    def stored_keys(cls) -> tuple[str, ...]:
        """The inputs that steer the provider (see `flags`)."""
        return tuple(key for key in cls.keys() if key in cls.flags)

    def dump(self) -> dict[str, Any]:
        """The inputs as the engine stores them."""
        return self.model_dump(mode="json", by_alias=True)


class ContractProvider(pulumi.dynamic.ResourceProvider):
    """check, diff and input parsing from the kind's inputs model; subclasses add create, read, update, delete."""

    inputs_model: ClassVar[type[ProviderInputs]]
    replace_keys: ClassVar[tuple[str, ...]] = ()
    output_keys: ClassVar[tuple[str, ...]] = ()
    """Outputs the provider adds to the inputs (ids, uuids); the resource declares them empty."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        given = {key: value for key, value in news.items() if key not in self.output_keys}
        inputs, failures = validate_inputs(self.inputs_model, given)
        return pulumi.dynamic.CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        return domain_diff(olds, news, keys=self.inputs_model.keys(), replace_keys=self.replace_keys)

    def inputs(self, props: Mapping[str, Any]) -> Any:
        """The stored or checked inputs, validated again (numbers arrive from the engine as floats)."""
        return self.inputs_model.model_validate(domain_values(props, self.inputs_model.keys()))


class ContractResource(pulumi.dynamic.Resource):
    """Base of the resource classes: `Kind(resource_name, KindArgs(...), opts)`."""

    provider_class: ClassVar[type[ContractProvider]]
    secret_inputs: ClassVar[tuple[str, ...]] = ("connection",)
    """Inputs kept secret in the state and in every output of the same name."""

    def __init__(self, resource_name: str, args: Any, opts: pulumi.ResourceOptions | None = None):
        props = {field.name: getattr(args, field.name) for field in dataclasses.fields(args)}
        # Declared empty so that the resource exposes the outputs the provider adds (ids, uuids).
        props.update({key: None for key in self.provider_class.output_keys})
        for key in self.secret_inputs:
            props[key] = pulumi.Output.secret(props[key])
        options = pulumi.ResourceOptions(additional_secret_outputs=list(self.secret_inputs))
        super().__init__(self.provider_class(), resource_name, props, pulumi.ResourceOptions.merge(options, opts))
