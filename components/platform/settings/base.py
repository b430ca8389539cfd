"""What every settings group shares: strict models that document themselves, and the common validators.

A settings group is one sub-model of the stack's config (`object_storage`, `backups`, ...), in its own
module. It declares its keys as fields with attribute docstrings (the generated reference prints them)
and the secret config keys it reads, so adding a group touches its module and one field of `StackConfig`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _refuse_booleans(value: Any) -> Any:
    # YAML and JSON booleans are ints to pydantic's lax mode: `host_count: true` would become 1.
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a boolean; give a whole number")
    return value


def whole(minimum: int, maximum: int) -> Any:
    """An integer setting between `minimum` and `maximum`, never a boolean in disguise."""
    return Annotated[int, BeforeValidator(_refuse_booleans), Field(ge=minimum, le=maximum)]


class SettingsGroup(BaseModel):
    """Base of every settings model: frozen, unknown keys refused, attribute docstrings as descriptions."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    secret_keys: ClassVar[dict[str, str]] = {}
    """Top-level config keys holding credentials that this group reads, with what each holds. They are set
    with `pulumi config set --secret` and only ever read as secret Outputs."""

    def required_secret_keys(self) -> dict[str, str]:
        """The secret keys this configuration cannot do without, each with why (e.g. "required with ...")."""
        return {}

    def unused_secret_reason(self, key: str) -> str | None:
        """Why a secret key of this group, set in the stack, is not used by this configuration; None if it is."""
        return None

    @classmethod
    def reference_default(cls, field_name: str) -> str | None:
        """The default to print in the configuration reference, when the field's own default is not it."""
        return None


def validated_cidrs(cidrs: list[str]) -> list[str]:
    if not cidrs:
        raise ValueError("list at least one CIDR, e.g. ['10.0.0.1/32']")
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError as error:
            raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
    return cidrs
