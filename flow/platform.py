"""The platform values a zone's definitions hold as ``{{ key }}`` placeholders, computed offline.

Names come from the naming function the components use (``components/core/naming.py``), so a local run
reads and writes the accounts and containers ``pulumi up`` creates; values only Azure knows (ids of a
subscription) are stand-ins. Every lake becomes a folder per account under the run's ``lake`` folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudscale.components.core.naming import Namer
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig

LAKE_PURPOSES = {"raw": "raw", "enriched": "encur", "workspace": "work", "external": "ext"}
LOCAL_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
_ABFSS = re.compile(r"abfss://([^@/]+)@([a-z0-9]+)\.dfs\.core\.windows\.net(/[^\"'\s]*)?")
_BLOB = re.compile(r"https://([a-z0-9]+)\.(?:blob|dfs)\.core\.windows\.net/([^/\"'\s]+)(/[^\"'\s]*)?")


@dataclass(frozen=True)
class LocalPlatform:
    """A zone's platform values, and where its lakes are on this machine."""

    zone: str
    values: dict[str, Any]
    accounts: dict[str, str]
    lake_root: Path

    def container(self, lake: str, container: str) -> Path:
        return self.lake_root / self.accounts[lake] / container

    def local(self, url: str) -> str:
        """A lake URL (``abfss://c@account.dfs...``, ``https://account.dfs.../c``) as its local path."""

        def abfss(match: re.Match[str]) -> str:
            return f"{self.lake_root}/{match[2]}/{match[1]}{match[3] or ''}"

        def blob(match: re.Match[str]) -> str:
            return f"{self.lake_root}/{match[1]}/{match[2]}{match[3] or ''}"

        return _BLOB.sub(blob, _ABFSS.sub(abfss, url))


def zone_platform(config: PlatformConfig, zone: LandingZoneConfig, lake_root: Path) -> LocalPlatform:
    namer = Namer(config.prefix, config.environment, zone.name, config.name_seed)
    accounts = {lake: namer.name("storage_account", purpose) for lake, purpose in LAKE_PURPOSES.items()}
    workspace = namer.name("synapse_workspace")
    services = zone.services
    values: dict[str, Any] = {"zone.name": zone.name}
    for lake, account in accounts.items():
        values[f"lake.{lake}.account"] = account
        values[f"lake.{lake}.dfs"] = f"https://{account}.dfs.core.windows.net/"
    values.update(
        {
            "synapse.workspace": workspace,
            "synapse.workspaceId": f"/subscriptions/{LOCAL_SUBSCRIPTION}/resourceGroups/"
            f"{namer.name('resource_group', 'synapse')}/providers/Microsoft.Synapse/workspaces/{workspace}",
            "synapse.serverless": f"{workspace}-ondemand.sql.azuresynapse.net",
            "synapse.sparkPool": namer.name("synapse_spark_pool", "spark"),
            "keyVault.uri": f"https://{namer.name('key_vault', 'kv')}.vault.azure.net/",
            "dataFactory.name": namer.name("data_factory", "integration"),
            "sql.server": f"{namer.name('sql_server', 'erp')}.database.windows.net",
            "sql.database": services.sql_hyperscale.database_name,
            "cosmos.endpoint": f"https://{namer.name('cosmos_account', 'care')}.documents.azure.com:443/",
            "cosmos.database": services.cosmos.database_name,
            "cosmos.containers": ",".join(c.name for c in services.cosmos.containers),
            "ml.workspace": namer.name("machine_learning_workspace", "churn"),
            "ml.compute": namer.name("machine_learning_compute", "cpu"),
            "ml.resourceGroup": namer.name("resource_group", "data"),
            "ml.subscriptionId": LOCAL_SUBSCRIPTION,
        }
    )
    return LocalPlatform(zone.name, values, accounts, lake_root)
