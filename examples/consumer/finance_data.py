"""The finance team's data store on the cloudscale library: a private, locked lake, a vault, and who reads them.

The team deploys into a landing zone the platform already runs: its endpoints go into the zone's
private-endpoint subnet and register in the platform's private DNS zones, its diagnostics go to the
zone's Log Analytics workspace. The components bring the rest of the baseline (no public access,
Entra-only, a managed identity, protect and a delete lock outside dev), and in prd the lake is
encrypted with a key of the team's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, resources

from cloudscale.components import DataLake, DataLakeArgs, EncryptionKey, EncryptionKeyArgs, KeyVault, KeyVaultArgs
from cloudscale.components.baseline import Principal, PrivateEndpointPlacement, ServiceBaseline
from cloudscale.components.core import Namer, platform_tags
from cloudscale.components.library import platform_zones

PREFIX = "contoso"
ZONE = "finance"
LEDGER = "ledger"


@dataclass(frozen=True)
class FinanceSettings:
    environment: str
    location: str
    name_seed: str
    endpoint_subnet_id: str
    dns_zones_resource_group_id: str
    log_analytics_workspace_id: str
    readers_group_id: str

    @staticmethod
    def from_config(config: pulumi.Config) -> FinanceSettings:
        return FinanceSettings(
            environment=config.get("environment") or "dev",
            location=config.require("location"),
            name_seed=config.require("nameSeed"),
            endpoint_subnet_id=config.require("endpointSubnetId"),
            dns_zones_resource_group_id=config.require("dnsZonesResourceGroupId"),
            log_analytics_workspace_id=config.require("logAnalyticsWorkspaceId"),
            readers_group_id=config.require("readersGroupId"),
        )


def finance_data(settings: FinanceSettings) -> dict[str, pulumi.Output[str]]:
    """Declare the team's resources and return the outputs to export."""
    namer = Namer(PREFIX, settings.environment, ZONE, seed=settings.name_seed)
    tags = platform_tags(settings.environment, ZONE, "finance_data")
    group = resources.ResourceGroup(
        "finance", resource_group_name=namer.name("resource_group", "data"), location=settings.location, tags=tags
    )
    zones = settings.dns_zones_resource_group_id
    baseline = ServiceBaseline(
        namer=namer,
        resource_group_name=group.name,
        location=settings.location,
        tags=tags,
        private_endpoints=PrivateEndpointPlacement(
            subnet_id=settings.endpoint_subnet_id,
            dns_zone_ids={
                zone: f"{zones}/providers/Microsoft.Network/privateDnsZones/{zone}"
                for zone in platform_zones(settings.location)
            },
        ),
        log_analytics_workspace_id=settings.log_analytics_workspace_id,
        lock=settings.environment != "dev",
    )
    # The vault trusts the tenant the deployment signs in to.
    tenant_id = authorization.get_client_config_output().tenant_id
    production = settings.environment == "prd"
    # An HSM-backed key in production, which needs the vault's Premium SKU.
    vault = KeyVault(
        "finance",
        KeyVaultArgs(
            baseline=baseline, tenant_id=tenant_id, purpose="fin", sku="premium" if production else "standard"
        ),
    )
    key = None
    if production:
        key = EncryptionKey(
            "finance",
            EncryptionKeyArgs(
                baseline=baseline,
                vault_name=vault.vault.name,
                vault_uri=vault.uri,
                purpose="lake",
                hsm=True,
                # The key is created through the vault's private endpoint: it waits for its DNS record.
                vault_reachable=vault.reachable,
            ),
        ).customer_managed_key
    lake = DataLake(
        "finance",
        DataLakeArgs(baseline=baseline, purpose="fin", containers=[LEDGER], customer_managed_key=key),
    )
    readers = Principal.group("finance-readers", settings.readers_group_id)
    lake.grant_read(readers, container=LEDGER)
    vault.grant_secrets_read(readers)
    return {"lakeDfsEndpoint": lake.dfs_endpoint, "lakeAccountName": pulumi.Output.from_input(lake.account_name)}
