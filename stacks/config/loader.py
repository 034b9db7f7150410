"""Load the stack's config from Pulumi and validate it once, before any resource exists."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from cloudscale.stacks.config.checks import check
from cloudscale.stacks.config.errors import NAMESPACE, ConfigError, ConfigProblem
from cloudscale.stacks.config.model import PlatformConfig

# Keys whose value is a string as typed; everything else arrives JSON-encoded from the CLI.
_PLAIN_STRING_KEYS = frozenset(
    {"prefix", "environment", "location", "role", "managementStack", "landingZone", "nameSeed"}
)
_OPTIONAL_STRING_KEYS = frozenset({"managementStack", "landingZone"})
_HINTS = {
    "ip_v4_network": "expected a CIDR block such as 10.1.0.0/16 with no host bits set",
    "ip_v4_address": "expected an IPv4 address such as 10.0.0.4",
    "string_pattern_mismatch": "",
    "extra_forbidden": "not a cloudscale setting; check the spelling against Pulumi.yaml",
    "uuid_parsing": "expected an Entra object id (a GUID)",
}

_SEQUENCE_ERRORS = frozenset({"too_short", "too_long", "tuple_type"})


def config_keys() -> list[str]:
    return [field.alias or name for name, field in PlatformConfig.model_fields.items()]


def _key_path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _decode(key: str, raw: str) -> Any:
    if key in _PLAIN_STRING_KEYS:
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def parse_config(values: Mapping[str, str]) -> PlatformConfig:
    """Validate CLI-shaped config (``cloudscale:<key>`` -> string) into the typed model.

    Once per process for the same settings: ``cloudscale plan`` validates a stack's config for its own
    error report and the program it runs validates it again through ``load_config()``; the second gets
    the first's model. The model is immutable, so sharing it is safe. Refused config is not kept.
    """
    # Relative pipelineFolders resolve against the working directory, so it is part of the input.
    return _validated(str(Path.cwd()), tuple(sorted(_settings(values).items())))


def forget_parsed_configs() -> None:
    """Validate again from now on: for a process that changes what the checks read (naming rules, facts)."""
    _validated.cache_clear()


# The most recent few; a refused config raises, and an exception is never cached.
@functools.lru_cache(maxsize=4)
def _validated(working_directory: str, settings: tuple[tuple[str, str], ...]) -> PlatformConfig:
    return _validate(dict(settings))


def _settings(values: Mapping[str, str]) -> dict[str, str]:
    """The values that make up the config, by cloudscale key, as typed."""
    settings: dict[str, str] = {}
    prefix = f"{NAMESPACE}:"
    for qualified, value in values.items():
        if qualified.startswith(prefix):
            key = qualified[len(prefix) :]
            if value == "" and key in _OPTIONAL_STRING_KEYS:
                continue  # Pulumi.yaml declares these with an empty default meaning "not set"
            settings[key] = value
    if "location" not in settings and "azure-native:location" in values:
        settings["location"] = values["azure-native:location"]
    return settings


def _validate(settings: Mapping[str, str]) -> PlatformConfig:
    raw = {key: _decode(key, value) for key, value in settings.items()}
    unknown = sorted(set(raw) - set(config_keys()))
    if unknown:
        raise ConfigError([ConfigProblem(k, _HINTS["extra_forbidden"]) for k in unknown])
    try:
        config = PlatformConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError([_problem(detail) for detail in error.errors()]) from None
    problems = check(config)
    if problems:
        raise ConfigError(problems)
    return config


def _problem(detail: Mapping[str, Any]) -> ConfigProblem:
    key = _key_path(tuple(p for p in detail["loc"] if not (isinstance(p, str) and p.startswith("function-"))))
    message = str(detail["msg"]).removeprefix("Value error, ")
    if detail["type"] in _SEQUENCE_ERRORS:
        # The model holds JSON arrays as tuples (immutable); the person wrote a list.
        message = message.replace("Tuple should", "List should").replace("valid tuple", "valid list")
    hint = _HINTS.get(detail["type"], "")
    if detail["type"] == "string_pattern_mismatch":
        hint = f"got {detail.get('input')!r}"
    elif detail["type"] == "missing":
        hint = "required"
    return ConfigProblem(key or "(root)", f"{message}{'; ' + hint if hint else ''}")


def _present_keys() -> set[str]:
    # pulumi.Config cannot list keys; the runtime's config map can, and a typo'd key must not pass silently.
    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def load_config() -> PlatformConfig:
    """Read every cloudscale key from the running Pulumi program's config."""
    config = pulumi.Config(NAMESPACE)
    values = {f"{NAMESPACE}:{key}": value for key in config_keys() if (value := config.get(key)) is not None}
    for qualified in _present_keys():
        if qualified.startswith(f"{NAMESPACE}:") and qualified not in values:
            values[qualified] = str(runtime_config.get_config(qualified))
    location = pulumi.Config("azure-native").get("location")
    if location:
        values["azure-native:location"] = location
    return parse_config(values)
