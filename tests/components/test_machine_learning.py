"""The retention-prediction workspace: private AML with its own stores, a managed network and a CPU cluster."""

from __future__ import annotations

from cloudscale.components.core import BuiltInRole
from cloudscale.components.machine_learning import (
    LakeDatastore,
    MachineLearningArgs,
    MachineLearningWorkspace,
    OutboundPrivateEndpoint,
)

from .support import WORKSPACE_ID, service_baseline, zone_id

SHARED_REGISTRY = "/subscriptions/m/resourceGroups/rg-mgmt/providers/Microsoft.ContainerRegistry/registries/crmgmt"
ENRICHED_ID = "/subscriptions/s/resourceGroups/rg-lake/providers/Microsoft.Storage/storageAccounts/stencur"
ML = "azure-native:machinelearningservices"


def _workspace(*, lock: bool = False, **overrides) -> MachineLearningWorkspace:
    settings = {
        "tenant_id": "tenant-id",
        "container_registry_id": SHARED_REGISTRY,
        "allowed_outbound_fqdns": ["pypi.org", "files.pythonhosted.org"],
        "outbound_private_endpoints": [
            OutboundPrivateEndpoint("enriched-dfs", ENRICHED_ID, "dfs", "enriched"),
            OutboundPrivateEndpoint("enriched-blob", ENRICHED_ID, "blob", "enriched"),
        ],
        "datastores": [LakeDatastore("enriched_crm", "stencur", "crm")],
        "cluster_max_nodes": 6,
        **overrides,
    }
    baseline = service_baseline(environment="tst", tags={"Zone": "sales"}, lock=lock)
    return MachineLearningWorkspace("churn", MachineLearningArgs(baseline=baseline, **settings))


def test_workspace_is_private_hbi_and_uses_identities_for_its_datastores(offline):
    run = offline.run(_workspace)
    workspace = run.one(f"{ML}:Workspace").inputs
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["allowPublicAccessWhenBehindVnet"] is False
    assert workspace["hbiWorkspace"] is True
    assert workspace["identity"] == {"type": "SystemAssigned"}
    assert workspace["systemDatastoresAuthMode"] == "Identity"
    assert workspace["imageBuildCompute"] == "mlc-adatum-tst-sales-cpu"


def test_workspace_private_endpoint_registers_the_api_and_notebooks_zones(offline):
    run = offline.run(_workspace)
    endpoint = run.one("azure-native:network:PrivateEndpoint", "churn-workspace-pe-amlworkspace")
    assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["amlworkspace"]
    group = run.one("azure-native:network:PrivateDnsZoneGroup", "churn-workspace-pe-amlworkspace-dns")
    assert [c["privateDnsZoneId"] for c in group.inputs["privateDnsZoneConfigs"]] == [
        zone_id("privatelink.api.azureml.ms"),
        zone_id("privatelink.notebooks.azure.net"),
    ]


def test_managed_network_allows_only_the_approved_endpoints_and_fqdns(offline):
    run = offline.run(_workspace)
    network = run.one(f"{ML}:Workspace").inputs["managedNetwork"]
    assert network["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert network["firewallSku"] == "Standard"
    rules = network["outboundRules"]
    assert rules["enriched-dfs"] == {
        "type": "PrivateEndpoint",
        "category": "UserDefined",
        "destination": {"serviceResourceId": ENRICHED_ID, "subresourceTarget": "dfs"},
    }
    assert rules["enriched-blob"]["destination"]["subresourceTarget"] == "blob"
    fqdn_rules = {name: rule for name, rule in rules.items() if rule["type"] == "FQDN"}
    assert fqdn_rules == {
        "fqdn-pypi-org": {"type": "FQDN", "category": "UserDefined", "destination": "pypi.org"},
        "fqdn-files-pythonhosted-org": {
            "type": "FQDN",
            "category": "UserDefined",
            "destination": "files.pythonhosted.org",
        },
    }


def test_internet_outbound_mode_has_no_fqdn_rules_and_no_firewall(offline):
    run = offline.run(lambda: _workspace(isolation_mode="AllowInternetOutbound"))
    network = run.one(f"{ML}:Workspace").inputs["managedNetwork"]
    assert network["isolationMode"] == "AllowInternetOutbound"
    assert "firewallSku" not in network
    assert {rule["type"] for rule in network["outboundRules"].values()} == {"PrivateEndpoint"}


def test_own_storage_is_flat_private_and_keeps_shared_key_only_for_aml(offline):
    run = offline.run(_workspace)
    account = run.one("azure-native:storage:StorageAccount").inputs
    assert account["isHnsEnabled"] is False
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["allowBlobPublicAccess"] is False
    assert account["defaultToOAuthAuthentication"] is True
    assert account["allowSharedKeyAccess"] is True
    groups = {
        e.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        for e in run.of_type("azure-native:network:PrivateEndpoint")
        if e.name.startswith("churn-storage")
    }
    assert groups == {"blob", "file"}
    services = {
        r.name for r in run.of_type("azure-native:monitor:DiagnosticSetting") if r.name.startswith("churn-storage")
    }
    assert services == {"churn-storage-diag", "churn-storage-blob-diag", "churn-storage-file-diag"}


def test_own_key_vault_is_rbac_and_private(offline):
    run = offline.run(_workspace)
    vault = run.one("azure-native:keyvault:Vault").inputs
    assert vault["properties"]["enableRbacAuthorization"] is True
    assert vault["properties"]["publicNetworkAccess"] == "Disabled"
    assert vault["vaultName"].startswith("kv-adatum-tst-sales-")


def test_application_insights_is_workspace_based_and_closed(offline):
    run = offline.run(_workspace)
    component = run.one("azure-native:applicationinsights:Component").inputs
    assert component["workspaceResourceId"] == WORKSPACE_ID
    assert component["ingestionMode"] == "LogAnalytics"
    assert component["publicNetworkAccessForIngestion"] == "Disabled"
    assert component["publicNetworkAccessForQuery"] == "Disabled"
    assert component["disableLocalAuth"] is True


def test_shared_registry_is_reused_and_the_workspace_may_push_and_the_cluster_pull(offline):
    run = offline.run(_workspace)
    assert run.of_type("azure-native:containerregistry:Registry") == []
    assert run.one(f"{ML}:Workspace").inputs["containerRegistry"] == SHARED_REGISTRY
    on_registry = {
        r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        for r in run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["scope"] == SHARED_REGISTRY
    }
    assert on_registry == {
        BuiltInRole.ACR_PUSH.value,
        BuiltInRole.ACR_PULL.value,
        BuiltInRole.AI_NETWORK_CONNECTION_APPROVER.value,
    }


def test_without_a_shared_registry_the_workspace_gets_a_private_premium_one(offline):
    run = offline.run(lambda: _workspace(container_registry_id=None))
    registry = run.one("azure-native:containerregistry:Registry").inputs
    assert registry["sku"] == {"name": "Premium"}
    assert registry["adminUserEnabled"] is False
    assert registry["anonymousPullEnabled"] is False
    assert registry["publicNetworkAccess"] == "Disabled"
    endpoint_groups = [
        e.inputs["privateLinkServiceConnections"][0]["groupIds"]
        for e in run.of_type("azure-native:network:PrivateEndpoint")
    ]
    assert ["registry"] in endpoint_groups


def test_cpu_cluster_scales_to_zero_without_public_ips(offline):
    run = offline.run(_workspace)
    compute = run.one(f"{ML}:Compute").inputs
    assert compute["computeName"] == "mlc-adatum-tst-sales-cpu"
    assert compute["identity"] == {"type": "SystemAssigned"}
    properties = compute["properties"]
    assert properties["computeType"] == "AmlCompute"
    assert properties["disableLocalAuth"] is True
    cluster = properties["properties"]
    assert cluster["scaleSettings"]["minNodeCount"] == 0
    assert cluster["scaleSettings"]["maxNodeCount"] == 6
    assert cluster["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT2M"
    assert cluster["enableNodePublicIp"] is False
    assert cluster["remoteLoginPortPublicAccess"] == "Disabled"
    assert cluster["vmSize"] == "Standard_DS3_v2"
    # With a managed network the cluster lives in the AML-managed VNet, not a landing-zone subnet.
    assert "subnet" not in cluster


def test_datastores_are_identity_based_adls_gen2(offline):
    run = offline.run(_workspace)
    datastore = run.one(f"{ML}:Datastore").inputs
    assert datastore["name"] == "enriched_crm"
    properties = datastore["properties"]
    assert properties["datastoreType"] == "AzureDataLakeGen2"
    assert properties["accountName"] == "stencur"
    assert properties["filesystem"] == "crm"
    assert properties["credentials"] == {"credentialsType": "None"}
    assert properties["serviceDataAccessAuthIdentity"] == "WorkspaceSystemAssignedIdentity"


def test_children_of_the_workspace_wait_for_it(offline):
    run = offline.run(_workspace)
    workspace_urn = next(o.urn for o in run.monitor.options.values() if o.name == "churn-workspace")
    for name in ("churn-cpu", "churn-datastore-enriched_crm"):
        assert workspace_urn in next(o for o in run.monitor.options.values() if o.name == name).dependencies


def test_workspace_and_cluster_read_and_write_the_workspace_storage_with_identities(offline_update):
    run = offline_update.run(_workspace)
    storage_id = run.mocks.ids[("azure-native:storage:StorageAccount", "churn-storage")]
    on_storage = [
        r.inputs for r in run.of_type("azure-native:authorization:RoleAssignment") if r.inputs["scope"] == storage_id
    ]
    data_access = [r for r in on_storage if r["roleDefinitionId"].endswith(BuiltInRole.STORAGE_BLOB_DATA_CONTRIBUTOR)]
    assert len({r["principalId"] for r in data_access}) == 2
    vault_id = run.mocks.ids[("azure-native:keyvault:Vault", "churn-kv-vault")]
    on_vault = [
        r.inputs for r in run.of_type("azure-native:authorization:RoleAssignment") if r.inputs["scope"] == vault_id
    ]
    assert sorted(r["roleDefinitionId"].rsplit("/", 1)[-1] for r in on_vault) == sorted(
        [BuiltInRole.KEY_VAULT_SECRETS_OFFICER.value, BuiltInRole.AI_NETWORK_CONNECTION_APPROVER.value]
    )


def test_workspace_may_approve_its_managed_network_endpoints_on_every_target(offline_update):
    # The managed network's private endpoints stay pending unless the workspace identity holds "Azure AI
    # Enterprise Network Connection Approver" on each target (azure-ai-docs, machine-learning/
    # how-to-managed-network.md; role b556d68e-..., role-based-access-control/built-in-roles/ai-machine-learning.md).
    run = offline_update.run(_workspace)
    approvals = [
        r
        for r in run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(BuiltInRole.AI_NETWORK_CONNECTION_APPROVER.value)
    ]
    scopes = sorted(r.inputs["scope"] for r in approvals)
    # One grant per target: the lake's dfs and blob endpoints share one.
    assert scopes == sorted(
        [
            run.mocks.ids[("azure-native:storage:StorageAccount", "churn-storage")],
            run.mocks.ids[("azure-native:keyvault:Vault", "churn-kv-vault")],
            SHARED_REGISTRY,
            ENRICHED_ID,
        ]
    )
    assert {r.name.rsplit("-approver-", 1)[-1] for r in approvals} == {"churn-workspace"}
    assert len({r.inputs["principalId"] for r in approvals}) == 1
    # The network is provisioned with the first compute, so the cluster waits for every approval grant.
    cluster = next(o for o in run.monitor.options.values() if o.name == "churn-cpu")
    for approval in approvals:
        assert next(o.urn for o in run.monitor.options.values() if o.name == approval.name) in cluster.dependencies


def test_workspace_and_its_stores_are_protected_and_locked_outside_dev(offline):
    run = offline.run(lambda: _workspace(lock=True))
    protected = {o.name for o in run.monitor.options.values() if o.protect}
    assert {"churn-workspace", "churn-storage", "churn-kv-vault"} <= protected
    assert "churn-cpu" not in protected
    locks = {r.name for r in run.of_type("azure-native:authorization:ManagementLockByScope")}
    assert {"churn-workspace-lock", "churn-storage-lock", "churn-kv-vault-lock"} <= locks


def test_workspace_diagnostics_use_resource_specific_tables(offline):
    run = offline.run(_workspace)
    setting = run.one("azure-native:monitor:DiagnosticSetting", "churn-workspace-diag").inputs
    assert setting["workspaceId"] == WORKSPACE_ID
    assert setting["logAnalyticsDestinationType"] == "Dedicated"
