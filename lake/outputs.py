"""The stack outputs the lake commands need, from the Automation API or a saved output file.

With the Pulumi CLI on the PATH, the outputs come from the stack itself through
``pulumi.automation`` (imported only then, since it needs the CLI). Without it, from the file that
``pulumi stack output --json > outputs.json`` writes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudscale.lake.errors import LakeError

LAKE_KEYS = ("raw", "enriched", "workspace")


@dataclass(frozen=True)
class LakeEndpoint:
    key: str
    account_name: str
    dfs_endpoint: str
    resource_id: str


@dataclass(frozen=True)
class ZoneOutputs:
    """What one landing zone's outputs tell the data plane."""

    zone: str
    lakes: Mapping[str, LakeEndpoint]
    vnet_name: str | None
    data_factory_name: str | None
    data_factory_principal_id: str | None
    synapse_workspace_name: str | None
    synapse_principal_id: str | None


def cli_available() -> bool:
    return shutil.which("pulumi") is not None


def read_outputs_file(path: Path) -> dict[str, Any]:
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        raise LakeError(f"no outputs file {path}: write it with `pulumi stack output --json > {path}`") from None
    except json.JSONDecodeError as error:
        raise LakeError(f"{path} is not the JSON of `pulumi stack output --json` ({error})") from None
    if not isinstance(values, dict):
        raise LakeError(f"{path} is not the JSON of `pulumi stack output --json` (expected an object)")
    return values


def read_automation_outputs(
    stack: str, project_dir: Path, select_stack: Callable[..., Any] | None = None
) -> dict[str, Any]:
    """The stack's outputs through the Automation API; ``select_stack`` replaces the real one in tests."""
    if select_stack is None:
        from pulumi import automation

        select_stack = automation.select_stack
    try:
        selected = select_stack(stack_name=stack, work_dir=str(project_dir))
        values = selected.outputs()
    except Exception as error:  # the Automation API raises CommandError and friends for every CLI failure
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LakeError(f"could not read the outputs of stack {stack} through the Pulumi CLI ({first})") from None
    return {key: output.value for key, output in values.items()}


def read_stack_outputs(stack: str, project_dir: Path, outputs_file: Path | None) -> dict[str, Any] | None:
    """The outputs from the file when given, else from the CLI when present; None when neither is."""
    if outputs_file is not None:
        return read_outputs_file(outputs_file)
    if cli_available():
        return read_automation_outputs(stack, project_dir)
    return None


def _text(value: Any) -> str | None:
    # A preview or an unrevealed secret leaves placeholders; only real strings count.
    return value if isinstance(value, str) and value and value != "[secret]" else None


def zone_outputs(outputs: Mapping[str, Any], zone: str, source: str) -> ZoneOutputs:
    """One zone's outputs; a missing key is named, with where the outputs came from."""
    zones = outputs.get("landingZones")
    if not isinstance(zones, Mapping) or zone not in zones:
        have = ", ".join(sorted(zones)) if isinstance(zones, Mapping) else "none"
        raise LakeError(
            f"{source} has no landingZones.{zone} (zones there: {have}): run `pulumi up` first, or pass the "
            "outputs of the stack that deploys this zone"
        )
    values = zones[zone]
    lakes_value = values.get("lakes") if isinstance(values, Mapping) else None
    lakes: dict[str, LakeEndpoint] = {}
    for key in LAKE_KEYS:
        lake = lakes_value.get(key) if isinstance(lakes_value, Mapping) else None
        name = _text(lake.get("accountName")) if isinstance(lake, Mapping) else None
        endpoint = _text(lake.get("dfsEndpoint")) if isinstance(lake, Mapping) else None
        if not name or not endpoint:
            raise LakeError(f"{source} has no landingZones.{zone}.lakes.{key}.accountName/dfsEndpoint")
        lakes[key] = LakeEndpoint(key, name, endpoint, _text(lake.get("id")) or "")
    return ZoneOutputs(
        zone=zone,
        lakes=lakes,
        vnet_name=_text(values.get("vnetName")),
        data_factory_name=_text(values.get("dataFactoryName")),
        data_factory_principal_id=_text(values.get("dataFactoryPrincipalId")),
        synapse_workspace_name=_text(values.get("synapseWorkspaceName")),
        synapse_principal_id=_text(values.get("synapsePrincipalId")),
    )
