"""`dbt` and `lakehouse`: when the transformations run, and whether a stack gets sample data."""

from __future__ import annotations

import re

from pydantic import StrictBool, field_validator

from components.platform.settings.base import SettingsGroup

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


def cron_problem(expression: str) -> str | None:
    """Why a five-field cron expression (as Kubernetes CronJobs take it) is invalid; None when it is valid."""
    fields = expression.split()
    if len(fields) != 5:
        return f"a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this one has {len(fields)}"
    for text, (name, low, high) in zip(fields, _FIELDS, strict=True):
        for part in text.split(","):
            match = re.fullmatch(r"(\*|(\d+)(-(\d+))?)(/(\d+))?", part)
            if not match or (match.group(6) is not None and int(match.group(6)) == 0):
                return f"the {name} field {text!r} is not a number, a range, a list, `*` or a step such as `*/15`"
            for number in (match.group(2), match.group(4)):
                if number is not None and not low <= int(number) <= high:
                    return f"the {name} field {text!r} is outside {low}-{high}"
    return None


class DbtSettings(SettingsGroup):
    """`dbt`: the nightly transformation run."""

    schedule: str = "30 2 * * *"
    """When the nightly `dbt build` runs (cron, UTC). The default is 02:30, after the 01:00 ingestion window and before the dashboards' 04:35 cache warm-up."""
    timeout_minutes: int = 120
    """A run still going after this long is stopped (the CronJob's deadline) and counted as failed."""

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(f"{problem}. Fix: `pulumi config set --path dbt.schedule '30 2 * * *'` (02:30 UTC daily)")
        return value

    @field_validator("timeout_minutes")
    @classmethod
    def _timeout(cls, value: int) -> int:
        if isinstance(value, bool) or not 5 <= value <= 1440:
            raise ValueError("give 5 to 1440 minutes. Fix: `pulumi config set --path dbt.timeout_minutes 120`")
        return value


class LakehouseSettings(SettingsGroup):
    """`lakehouse`: the data team's content (`lakehouse/`)."""

    sample_data: StrictBool | None = None
    """Load the dbt project's synthetic seeds into bronze, so a fresh stack has data flowing end to end without any source connected. Unset: true in dev, false in staging and prod."""

    @classmethod
    def reference_default(cls, field_name: str) -> str | None:
        return "dev: `true`; staging, prod: `false`" if field_name == "sample_data" else None
