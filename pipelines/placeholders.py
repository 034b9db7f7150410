"""``{{ key }}`` placeholders: platform values a definition never hard-codes.

They are resolved from the zone's component outputs (lake endpoints, workspace and server names),
from the zone's pipeline selection (``schedule.*`` and ``settings.*``), and never edited by hand. A
string that is exactly one placeholder takes the value's own type, so ``"interval": "{{
schedule.interval }}"`` becomes the number 24 rather than the text "24".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pulumi

from cloudscale.pipelines.json_paths import walk

# `${{inputs.x}}` is Azure ML's binding syntax inside a command job's command line (the job body a
# Web activity submits), resolved by Azure ML at run time, not a platform placeholder.
PLACEHOLDER = re.compile(r"(?<!\$)\{\{\s*([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}")

# Every key the platform resolves, with what it stands for (docs/pipelines.md, Placeholders, lists the same).
PLATFORM_KEYS: dict[str, str] = {
    "zone.name": "the landing zone's name",
    "lake.raw.dfs": "https dfs endpoint of the raw lake",
    "lake.enriched.dfs": "https dfs endpoint of the enriched-curated lake",
    "lake.workspace.dfs": "https dfs endpoint of the workspace (data products) lake",
    "lake.raw.account": "storage account name of the raw lake",
    "lake.enriched.account": "storage account name of the enriched-curated lake",
    "lake.workspace.account": "storage account name of the workspace lake",
    "synapse.workspace": "Synapse workspace name",
    "synapse.workspaceId": "Synapse workspace resource id",
    "synapse.serverless": "serverless SQL endpoint (host name)",
    "synapse.sparkPool": "Spark pool name",
    "sql.server": "ERP SQL server FQDN",
    "sql.database": "ERP database name",
    "cosmos.endpoint": "Cosmos DB account endpoint",
    "cosmos.database": "Cosmos DB database name",
    "cosmos.containers": "comma-separated Cosmos DB container names of the zone",
    "keyVault.uri": "zone Key Vault URI",
    "dataFactory.name": "shared-integration Data Factory name",
    "ml.workspace": "Azure ML workspace name",
    "ml.compute": "Azure ML compute cluster name",
    "ml.resourceGroup": "Azure ML workspace resource group",
    "ml.subscriptionId": "Azure ML workspace subscription",
}
SCHEDULE_KEYS = frozenset({"schedule.frequency", "schedule.interval", "schedule.startTime", "schedule.timeZone"})
SETTINGS_PREFIX = "settings."


def is_known_key(key: str) -> bool:
    return key in PLATFORM_KEYS or key in SCHEDULE_KEYS or (key.startswith(SETTINGS_PREFIX) and len(key) > 9)


def keys_in(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """(JSON path, placeholder key) for every placeholder in a document."""
    return keys_in_texts((where, scalar) for where, scalar in walk(value, path) if isinstance(scalar, str))


def keys_in_texts(texts: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(JSON path, placeholder key) for every placeholder in (JSON path, text) pairs, e.g. ``Artifact.texts``."""
    for where, text in texts:
        if "{{" in text:
            for match in PLACEHOLDER.finditer(text):
                yield where, match[1]


class UnresolvedPlaceholderError(KeyError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def resolve(value: Any, values: Mapping[str, Any]) -> Any:
    """A copy of ``value`` with every placeholder replaced; values may be Pulumi outputs.

    Strings holding an output are returned as ``pulumi.Output`` so the engine can wait for them; a
    string that is exactly one placeholder keeps the value's type.
    """
    if isinstance(value, dict):
        return {key: resolve(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, values) for item in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole:
        return _lookup(whole[1], values)
    parts: list[Any] = []
    position = 0
    for match in PLACEHOLDER.finditer(value):
        parts.append(value[position : match.start()])
        parts.append(_lookup(match[1], values))
        position = match.end()
    parts.append(value[position:])
    if all(isinstance(part, str | int | float) for part in parts):
        return "".join(str(part) for part in parts)
    return pulumi.Output.concat(*[part if not isinstance(part, int | float) else str(part) for part in parts])


def _lookup(key: str, values: Mapping[str, Any]) -> Any:
    if key not in values:
        raise UnresolvedPlaceholderError(key)
    return values[key]
