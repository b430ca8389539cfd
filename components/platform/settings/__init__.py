"""Stack settings: every config key of the program, declared once (one module per settings group),
validated once, before anything is declared. See `loading` for how, `stack` for the tree of keys."""

from components.platform.settings.loading import (
    SettingsError,
    declared_secret_keys,
    load_settings,
    parse_settings,
    project_config,
    secret_setting,
)
from components.platform.settings.stack import PROJECT, PlatformSettings, StackConfig

__all__ = [
    "PROJECT",
    "PlatformSettings",
    "SettingsError",
    "StackConfig",
    "declared_secret_keys",
    "load_settings",
    "parse_settings",
    "project_config",
    "secret_setting",
]
