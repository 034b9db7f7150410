"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` into config the way the Pulumi CLI delivers it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class StackFileError(ValueError):
    pass


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_cli_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def load_stack_config(stack: str, project_dir: Path = PROJECT_ROOT) -> dict[str, str]:
    """Project defaults first, then the stack file, as the CLI merges them; every value a string."""
    project_file = project_dir / "Pulumi.yaml"
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"no stack file {stack_file.name}; stacks here: {', '.join(stacks) or 'none'}")
    project = yaml.safe_load(project_file.read_text())
    name = project["name"]
    values: dict[str, str] = {}
    for key, declaration in (project.get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            values[_qualify(name, key)] = _as_cli_string(declaration["default"])
        elif not isinstance(declaration, dict):
            values[_qualify(name, key)] = _as_cli_string(declaration)
    stack_config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    for key, value in stack_config.items():
        if isinstance(value, dict) and "secure" in value:
            raise StackFileError(f"{key} is a secret; offline plans need plain values")
        values[_qualify(name, key)] = _as_cli_string(value)
    return values


def project_config_schema(project_dir: Path = PROJECT_ROOT) -> dict[str, Any]:
    return yaml.safe_load((project_dir / "Pulumi.yaml").read_text()).get("config") or {}
