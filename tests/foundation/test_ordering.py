"""The ordering check: each rule flags a small program that breaks it and passes the same program fixed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulumi
import pytest
from pulumi_azure_native import authorization, datafactory, network, sql, storage, synapse

from cloudscale.components.synapse_dataplane import SynapseManagedPrivateEndpoint, SynapseManagedPrivateEndpointArgs
from cloudscale.stacks.offline.findings import Finding
from cloudscale.stacks.offline.ordering import (
    DNS_FIRST,
    GRANT_FIRST,
    REMOTE_VNET,
    SERIALISED,
    DependencyGraph,
    ordering_findings,
)

RG = "rg-net"


def _found(offline, program: Callable[[], object]) -> list[Finding]:
    return ordering_findings(offline.run(program))


def _rules(found: Sequence[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.resource) for f in found}


def _vnet(name: str, space: str) -> network.VirtualNetwork:
    return network.VirtualNetwork(
        name, virtual_network_name=name, resource_group_name=RG, address_space={"address_prefixes": [space]}
    )


def _subnet(name: str, vnet: str, prefix: str, after: Sequence[pulumi.Resource]) -> network.Subnet:
    return network.Subnet(
        name,
        subnet_name=name,
        virtual_network_name=vnet,
        resource_group_name=RG,
        address_prefix=prefix,
        opts=pulumi.ResourceOptions(depends_on=list(after)),
    )


# -- writes serialised on one parent ----------------------------------------------------------------


@pytest.mark.parametrize("chained", [False, True])
def test_subnets_written_together_on_one_vnet_are_flagged(offline, chained):
    def program() -> None:
        vnet = _vnet("vnet-a", "10.0.0.0/16")
        first = _subnet("snet-1", "vnet-a", "10.0.1.0/24", [vnet])
        _subnet("snet-2", "vnet-a", "10.0.2.0/24", [first] if chained else [vnet])

    found = _found(offline, program)
    assert _rules(found) == (set() if chained else {(SERIALISED, "snet-2")})


@pytest.mark.parametrize("chained", [False, True])
def test_storage_settings_written_together_are_flagged(offline, chained):
    def program() -> None:
        account = storage.StorageAccount(
            "acct", account_name="acct", resource_group_name=RG, kind="StorageV2", sku={"name": "Standard_ZRS"}
        )
        blob = storage.BlobServiceProperties(
            "blob", account_name=account.name, resource_group_name=RG, blob_services_name="default"
        )
        storage.ManagementPolicy(
            "lifecycle",
            account_name=account.name,
            resource_group_name=RG,
            management_policy_name="default",
            policy={"rules": []},
            opts=pulumi.ResourceOptions(depends_on=[blob] if chained else []),
        )

    # The account's name is unknown in a preview; the settings took it from the account, which names it.
    assert _rules(_found(offline, program)) == (set() if chained else {(SERIALISED, "lifecycle")})


def test_synapse_administrator_settings_written_together_are_flagged(offline):
    def program() -> None:
        admin = {
            "workspace_name": "synw",
            "resource_group_name": RG,
            "administrator_type": "ActiveDirectory",
            "login": "admins",
            "sid": "5b0c3a5e-1111-4c3e-9d7a-0a1b2c3d4e5f",
        }
        synapse.WorkspaceAadAdmin("aad-admin", **admin)
        synapse.WorkspaceSqlAadAdmin("sql-aad-admin", **admin)

    assert _rules(_found(offline, program)) == {(SERIALISED, "sql-aad-admin")}


@pytest.mark.parametrize("ordered", [False, True])
def test_sql_server_defender_settings_written_together_are_flagged(offline, ordered):
    def program() -> None:
        alerts = sql.ServerSecurityAlertPolicy(
            "threat-detection",
            security_alert_policy_name="Default",
            server_name="sql-erp",
            resource_group_name=RG,
            state="Enabled",
        )
        sql.SqlVulnerabilityAssessmentsSetting(
            "vulnerability-assessment",
            vulnerability_assessment_name="default",
            server_name="sql-erp",
            resource_group_name=RG,
            state="Enabled",
            opts=pulumi.ResourceOptions(depends_on=[alerts] if ordered else []),
        )

    assert _rules(_found(offline, program)) == (set() if ordered else {(SERIALISED, "vulnerability-assessment")})


# -- a peering waits for the remote VNet's subnets --------------------------------------------------


@pytest.mark.parametrize("waits_for_remote", [False, True])
def test_peering_before_the_remote_subnets_is_flagged(offline, waits_for_remote):
    def program() -> None:
        local, remote = _vnet("vnet-a", "10.0.0.0/16"), _vnet("vnet-b", "10.1.0.0/16")
        local_subnet = _subnet("snet-a", "vnet-a", "10.0.1.0/24", [local])
        remote_subnet = _subnet("snet-b", "vnet-b", "10.1.1.0/24", [remote])
        network.VirtualNetworkPeering(
            "a-to-b",
            virtual_network_peering_name="a-to-b",
            virtual_network_name="vnet-a",
            resource_group_name=RG,
            remote_virtual_network={"id": remote.id},
            opts=pulumi.ResourceOptions(depends_on=[local_subnet, *([remote_subnet] if waits_for_remote else [])]),
        )

    found = _found(offline, program)
    assert _rules(found) == (set() if waits_for_remote else {(REMOTE_VNET, "a-to-b")})


# -- data-plane calls wait for the DNS zone group ---------------------------------------------------


def _endpoint(target: pulumi.Resource, group_id: str) -> tuple[network.PrivateEndpoint, network.PrivateDnsZoneGroup]:
    endpoint = network.PrivateEndpoint(
        "pe",
        private_endpoint_name="pe",
        resource_group_name=RG,
        subnet={"id": "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},
        private_link_service_connections=[
            {"name": "pe", "private_link_service_id": target.id, "group_ids": [group_id]}  # type: ignore[attr-defined]
        ],
    )
    zone_group = network.PrivateDnsZoneGroup(
        "pe-dns",
        private_dns_zone_group_name="default",
        private_endpoint_name=endpoint.name,
        resource_group_name=RG,
        private_dns_zone_configs=[{"name": "dev", "private_dns_zone_id": "/zones/privatelink.dev.azuresynapse.net"}],
        opts=pulumi.ResourceOptions(parent=endpoint),
    )
    return endpoint, zone_group


def _workspace() -> synapse.Workspace:
    return synapse.Workspace("synw", workspace_name="synw", resource_group_name=RG, identity={"type": "SystemAssigned"})


@pytest.mark.parametrize("waits_for_dns", [False, True])
def test_data_plane_call_before_the_zone_group_is_flagged(offline, waits_for_dns):
    def program() -> None:
        workspace = _workspace()
        endpoint, zone_group = _endpoint(workspace, "Dev")
        SynapseManagedPrivateEndpoint(
            "mpe",
            SynapseManagedPrivateEndpointArgs(
                workspace_name=workspace.name, endpoint_name="mpe", private_link_resource_id="/lake", group_id="dfs"
            ),
            opts=pulumi.ResourceOptions(depends_on=[endpoint, *([zone_group] if waits_for_dns else [])]),
        )

    found = _found(offline, program)
    assert _rules(found) == (set() if waits_for_dns else {(DNS_FIRST, "mpe")})


def test_data_plane_call_without_the_services_private_endpoint_is_flagged(offline):
    def program() -> None:
        workspace = _workspace()
        # An endpoint for serverless SQL does not carry the development endpoint's calls.
        _, zone_group = _endpoint(workspace, "SqlOnDemand")
        SynapseManagedPrivateEndpoint(
            "mpe",
            SynapseManagedPrivateEndpointArgs(
                workspace_name=workspace.name, endpoint_name="mpe", private_link_resource_id="/lake", group_id="dfs"
            ),
            opts=pulumi.ResourceOptions(depends_on=[zone_group]),
        )

    found = _found(offline, program)
    assert _rules(found) == {(DNS_FIRST, "mpe")}
    assert "Dev endpoint" in found[0].detail


def test_waiting_for_an_endpoint_but_not_its_zone_group_is_flagged(offline):
    def program() -> None:
        endpoint, _ = _endpoint(_workspace(), "Sql")
        storage.BlobContainer(
            "reader", account_name="acct", resource_group_name=RG, opts=pulumi.ResourceOptions(depends_on=[endpoint])
        )

    assert _rules(_found(offline, program)) == {(DNS_FIRST, "reader")}


# -- a role assignment comes before the resource that needs it --------------------------------------


@pytest.mark.parametrize("waits_for_grant", [False, True])
def test_linked_service_before_its_identitys_grant_is_flagged(offline, waits_for_grant):
    def program() -> None:
        factory = datafactory.Factory(
            "adf", factory_name="adf", resource_group_name=RG, identity={"type": "SystemAssigned"}
        )
        lake = storage.StorageAccount(
            "lake", account_name="lake", resource_group_name=RG, kind="StorageV2", sku={"name": "Standard_ZRS"}
        )
        other = storage.StorageAccount(
            "other", account_name="other", resource_group_name=RG, kind="StorageV2", sku={"name": "Standard_ZRS"}
        )
        # The mocks' preview echoes the identity without its principal id; a placeholder keeps the property.
        principal = factory.identity.apply(lambda i: (i.principal_id if i else None) or "pending")
        grant = authorization.RoleAssignment(
            "lake-grant", principal_id=principal, role_definition_id="/reader", scope=lake.id
        )
        # A grant on another account is not what this linked service needs.
        authorization.RoleAssignment(
            "other-grant", principal_id=principal, role_definition_id="/reader", scope=other.id
        )
        datafactory.LinkedService(
            "ls-lake",
            factory_name=factory.name,
            resource_group_name=RG,
            linked_service_name="ls_lake",
            properties={"type": "AzureBlobFS", "url": lake.primary_endpoints.dfs},
            opts=pulumi.ResourceOptions(depends_on=[grant] if waits_for_grant else []),
        )

    found = _found(offline, program)
    assert _rules(found) == (set() if waits_for_grant else {(GRANT_FIRST, "ls-lake")})
    if found:
        assert "lake-grant" in found[0].detail


# -- the dependency graph ---------------------------------------------------------------------------


def test_reachability_is_transitive_and_follows_custom_parents(offline):
    def program() -> None:
        vnet = _vnet("vnet-a", "10.0.0.0/16")
        first = _subnet("snet-1", "vnet-a", "10.0.1.0/24", [vnet])
        second = _subnet("snet-2", "vnet-a", "10.0.2.0/24", [first])
        network.Subnet(
            "child",
            subnet_name="child",
            virtual_network_name="vnet-a",
            resource_group_name=RG,
            opts=pulumi.ResourceOptions(parent=second),
        )

    run = offline.run(program)
    graph = DependencyGraph(run.monitor.options)
    urn = {o.name: u for u, o in run.monitor.options.items()}
    assert graph.after(urn["snet-2"], urn["vnet-a"])
    assert graph.after(urn["child"], urn["vnet-a"])
    assert not graph.after(urn["vnet-a"], urn["snet-2"])
    assert not graph.after(urn["snet-1"], urn["snet-1"])
