"""What every dynamic provider of the platform shares: input validation, domain diffs, errors.

The contract (shared/reference/provider-contract.md) in code:

* `validate_inputs`: `check` validates with a pydantic model and turns every error into a
  CheckFailure naming the property; values still unknown during a preview are passed through
  unchecked. No network call.
* `domain_diff`: `diff` compares only the domain fields (never `__provider`), lists the keys that force
  a replacement, and reports the unchanged keys as `stables`.
* `ProviderError`: messages name the operation, the object and the endpoint, never a credential.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pulumi.dynamic
from pulumi.output import Unknown
from pydantic import BaseModel, ValidationError

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
