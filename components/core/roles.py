"""Built-in Azure role definition GUIDs, named by what they let a principal do."""

from __future__ import annotations

from enum import StrEnum


class BuiltInRole(StrEnum):
    OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
    READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
    STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
    STORAGE_BLOB_DELEGATOR = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a"
    KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
    KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
    KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
    KEY_VAULT_READER = "21090545-7ca7-4776-b22c-e363652d74d2"
    # Read a key and wrap/unwrap with it: what a service needs for customer-managed keys.
    KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
    LOG_ANALYTICS_READER = "73c42c96-874c-492b-b04d-ab87d138a893"
    MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
    NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
    PRIVATE_DNS_ZONE_CONTRIBUTOR = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
    DATA_FACTORY_CONTRIBUTOR = "673868aa-7521-48a0-acc6-0f60742d39f5"
    SQL_DB_CONTRIBUTOR = "9b7fa17d-e63e-47b0-bb0a-15c516ac86ec"
    AZUREML_DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    AZUREML_COMPUTE_OPERATOR = "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815"
    COSMOS_DB_ACCOUNT_READER = "fbdf93bf-df7d-467e-a4d2-9458aa1360c8"
    # "Azure AI Enterprise Network Connection Approver": approves private endpoint connections to Azure
    # AI dependency resources (MicrosoftDocs azure-docs, role-based-access-control/built-in-roles/
    # ai-machine-learning.md). An Azure ML workspace's identity needs it on each target of its managed
    # network's private endpoints (azure-ai-docs, machine-learning/how-to-managed-network.md).
    AI_NETWORK_CONNECTION_APPROVER = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"


# Cosmos DB data-plane roles live inside the account, not in ARM.
COSMOS_BUILT_IN_DATA_READER = "00000000-0000-0000-0000-000000000001"
COSMOS_BUILT_IN_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"

# Roles the identity that deploys a stack needs (Microsoft Learn, "Azure built-in roles": Privileged).
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
# Manages role assignments only, and takes a condition that limits which roles it may assign
# (Microsoft Learn, "Delegate Azure role assignment management to others with conditions").
ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"

# Display names as Azure lists them ("Azure built-in roles"), for what a person reads.
ROLE_NAMES: dict[str, str] = {
    BuiltInRole.OWNER: "Owner",
    BuiltInRole.CONTRIBUTOR: "Contributor",
    BuiltInRole.READER: "Reader",
    BuiltInRole.STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    BuiltInRole.STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    BuiltInRole.STORAGE_BLOB_DATA_OWNER: "Storage Blob Data Owner",
    BuiltInRole.STORAGE_BLOB_DELEGATOR: "Storage Blob Delegator",
    BuiltInRole.KEY_VAULT_ADMINISTRATOR: "Key Vault Administrator",
    BuiltInRole.KEY_VAULT_SECRETS_USER: "Key Vault Secrets User",
    BuiltInRole.KEY_VAULT_SECRETS_OFFICER: "Key Vault Secrets Officer",
    BuiltInRole.KEY_VAULT_READER: "Key Vault Reader",
    BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER: "Key Vault Crypto Service Encryption User",
    BuiltInRole.ACR_PULL: "AcrPull",
    BuiltInRole.ACR_PUSH: "AcrPush",
    BuiltInRole.LOG_ANALYTICS_READER: "Log Analytics Reader",
    BuiltInRole.MONITORING_METRICS_PUBLISHER: "Monitoring Metrics Publisher",
    BuiltInRole.NETWORK_CONTRIBUTOR: "Network Contributor",
    BuiltInRole.PRIVATE_DNS_ZONE_CONTRIBUTOR: "Private DNS Zone Contributor",
    BuiltInRole.DATA_FACTORY_CONTRIBUTOR: "Data Factory Contributor",
    BuiltInRole.SQL_DB_CONTRIBUTOR: "SQL DB Contributor",
    BuiltInRole.AZUREML_DATA_SCIENTIST: "AzureML Data Scientist",
    BuiltInRole.AZUREML_COMPUTE_OPERATOR: "AzureML Compute Operator",
    BuiltInRole.COSMOS_DB_ACCOUNT_READER: "Cosmos DB Account Reader Role",
    BuiltInRole.AI_NETWORK_CONNECTION_APPROVER: "Azure AI Enterprise Network Connection Approver",
    USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
    ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR: "Role Based Access Control Administrator",
}


def role_name(role_id: str) -> str:
    """A role's display name from its GUID or full role definition id; the GUID when it is not ours."""
    guid = role_id.rsplit("/", 1)[-1].lower()
    return ROLE_NAMES.get(guid, guid)
