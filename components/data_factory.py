"""The landing zone's shared-integration Data Factory: private, with a managed VNet integration runtime.

All data movement runs on the AutoResolve integration runtime inside the factory's managed virtual
network and reaches the lakes, Key Vault and Purview only through managed private endpoints.

A linked service that cannot sign in as the factory's system-assigned identity names a factory
credential instead: Dataverse takes a service principal, Office 365, or a *user-assigned* managed
identity through a credential (Microsoft Learn, "Copy and transform data in Dynamics 365 (Microsoft
Dataverse) or Dynamics CRM": ``authenticationType`` ``ManagedIdentity`` with ``credential``). Each
credential the factory is given is backed by a user-assigned identity of its own that the factory
carries, and that holds no Azure role: the system it signs in to (a Dataverse environment) grants it
access there.

Managed private endpoints are created in state Pending (reference issue data-landing-zone#160): Azure
asks the owner of the target resource to approve the connection, and the factory cannot use the
endpoint before that. Approval is deliberately not automated here. The targets belong to other teams
(the management zone's Purview) or hold data (the lakes), so their owners approve the connections
in the portal or with ``az network private-endpoint-connection approve`` after the first deployment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import datafactory, managedidentity, resources

from cloudscale.components.baseline import (
    LOGS_AND_METRICS_DEDICATED,
    Principal,
    SecureComponent,
    ServiceBaseline,
    user_assigned_identity,
)
from cloudscale.components.baseline.type_facts import (
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.purview import lineage_private_endpoints

# Azure's fixed names: a factory has one managed virtual network, and the portal and every pipeline
# default to the AutoResolve runtime.
MANAGED_VIRTUAL_NETWORK = "default"
INTEGRATION_RUNTIME = "AutoResolveIntegrationRuntime"
# azure-native 3.29 has no typed resource for factories/managedVirtualNetworks, so it is declared as
# a generic ARM resource at the factory API version.
FACTORY_API_VERSION = "2018-06-01"


declare_type(
    datafactory.Factory,
    rules=(public_network_access_disabled(), managed_identity_required()),
    diagnosable=True,
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={"dataFactory": ("privatelink.datafactory.azure.net",), "portal": ("privatelink.adf.azure.com",)},
)
# Reviewed: the managed virtual network, its runtime, endpoints and linked services live inside the factory.
for _child in (
    resources.Resource,
    datafactory.IntegrationRuntime,
    datafactory.ManagedPrivateEndpoint,
    datafactory.LinkedService,
    datafactory.Dataset,
    datafactory.Pipeline,
    datafactory.CredentialOperation,
):
    declare_type(_child)


@dataclass(frozen=True)
class FactoryLake:
    """A lake the factory reads and writes: the private endpoint target and its linked service."""

    key: str
    account_id: pulumi.Input[str]
    # The dfs endpoint for HNS accounts, the blob endpoint for flat ones.
    endpoint: pulumi.Input[str]
    hierarchical_namespace: bool = True


@dataclass
class DataFactoryArgs:
    baseline: ServiceBaseline
    lakes: Sequence[FactoryLake]
    key_vault_id: pulumi.Input[str]
    key_vault_uri: pulumi.Input[str]
    # Lineage goes to the management zone's Purview (reference issue data-landing-zone#114), through
    # private endpoints on the account and on its ingestion storage.
    purview_id: pulumi.Input[str] | None = None
    purview_ingestion_storage_id: pulumi.Input[str] | None = None
    # The role assignments the factory's identity needs, declared by the caller as soon as the identity
    # exists: linked services sign in as that identity, so they are ordered after the grants.
    access: Callable[[Principal], Sequence[pulumi.Resource]] | None = None
    # Names of the credentials linked services refer to (``credential.referenceName``), each a
    # user-assigned identity of its own.
    credentials: Sequence[str] = ()


@dataclass(frozen=True)
class FactoryCredential:
    """A factory credential and the user-assigned identity it signs in as."""

    name: str
    identity: managedidentity.UserAssignedIdentity
    principal: Principal
    resource: datafactory.CredentialOperation


def credential_identity_purpose(credential: str) -> str:
    """The naming purpose of a credential's identity (``id-<prefix>-<env>-<zone>-adf-<credential>``)."""
    return f"adf-{credential.replace('_', '-')}"


def lake_linked_service_name(key: str) -> str:
    """Pipeline definitions refer to linked services by these names."""
    return f"ls_lake_{key}"


KEY_VAULT_LINKED_SERVICE = "ls_key_vault"


def type_property_collisions(properties: Mapping[str, Any]) -> list[str]:
    """The ``typeProperties`` keys that azure-native cannot send, because flattening puts them where a
    property of the object itself already is.

    azure-native's typed models merge ``typeProperties`` into the object (a dataset, linked service or
    activity), so a key both levels use is one property there: ``AzureSqlTableDatasetArgs`` in
    azure-native 3.29 has a single ``schema``, the dataset's column list, and no property for the SQL
    schema name that ``typeProperties.schema`` holds on the wire (pulumi-azure-native issue 2006,
    "datafactory.Dataset does not support schema typeProperty", open).
    """
    inner = properties.get("typeProperties")
    if not isinstance(inner, Mapping):
        return []
    return sorted(key for key in inner if key in properties and key != "typeProperties")


def flatten_definition(properties: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON ``properties`` body (a linked service, dataset or activity) in the shape azure-native takes.

    Data Factory and Synapse share the JSON form (``type``, ``typeProperties``, ``connectVia``);
    azure-native flattens ``typeProperties`` into the properties object and keeps wire (camelCase)
    names. A key that both levels use cannot be flattened without losing one of the two values;
    validation refuses such definitions before anything is declared (``type_property_collisions``).
    """
    collisions = type_property_collisions(properties)
    if collisions:
        raise ValueError(f"typeProperties {', '.join(collisions)} would overwrite the definition's own property")
    flat = {key: value for key, value in properties.items() if key != "typeProperties"}
    flat.update(properties.get("typeProperties") or {})
    return flat


class DataFactory(SecureComponent):
    def __init__(self, name: str, args: DataFactoryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if args.purview_id is not None and args.purview_ingestion_storage_id is None:
            raise ValueError(f"{name}: lineage to a private Purview needs its ingestion storage id as well")
        super().__init__("cloudscale:integration:DataFactory", name, args.baseline, opts)
        self.factory_name = args.baseline.namer.name("data_factory", "integration")
        self.resource_group_name: pulumi.Input[str] = args.baseline.resource_group_name
        self.integration_runtime_name = INTEGRATION_RUNTIME
        self.managed_virtual_network_name = MANAGED_VIRTUAL_NETWORK
        self._create_factory(name, args)
        self._create_managed_runtime(name, args)
        self.managed_private_endpoints: dict[str, pulumi.Resource] = {}
        self.linked_services: dict[str, datafactory.LinkedService] = {}
        # Pipelines refer to linked services by these names: key (lake key, "key_vault") -> name.
        self.linked_service_names: dict[str, str] = {}
        self._connect_lakes(args)
        self._add_key_vault_endpoint(args)
        if args.purview_id is not None and args.purview_ingestion_storage_id is not None:
            self._add_lineage_endpoints(args, args.purview_id, args.purview_ingestion_storage_id)
        self._link_key_vault(args)
        self._secure(
            self.factory,
            logical_name=f"{name}-factory",
            purpose="adf",
            group_ids=["dataFactory", "portal"],
            diagnostics=LOGS_AND_METRICS_DEDICATED,
        )
        self.register_outputs(
            {
                "id": self.id,
                "factory_name": self.factory_name,
                "linked_service_names": self.linked_service_names,
            }
        )

    def _create_factory(self, name: str, args: DataFactoryArgs) -> None:
        b = args.baseline
        identities = {
            credential: user_assigned_identity(
                self,
                f"{name}-identity-{credential}",
                identity_name=b.namer.name("user_assigned_identity", credential_identity_purpose(credential)),
                resource_group_name=b.resource_group_name,
                location=b.location,
                tags=self._tags,
            )
            for credential in args.credentials
        }
        identity = self._identity()
        if identities:
            # Data Factory takes its user-assigned identities as a map keyed by resource id; the type
            # stays known in a preview, where the ids are not yet.
            ids = pulumi.Output.all(*(created.id for created, _principal in identities.values()))
            identity = {
                "type": "SystemAssigned,UserAssigned",
                "user_assigned_identities": ids.apply(lambda known: {i: {} for i in known}),
            }
        self.factory = datafactory.Factory(
            f"{name}-factory",
            factory_name=self.factory_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            identity=identity,
            public_network_access="Disabled",
            purview_configuration={"purview_resource_id": args.purview_id} if args.purview_id is not None else None,
            tags=self._tags,
            opts=self._child_opts(),
        )
        self.id: pulumi.Output[str] = self.factory.id
        self.principal = Principal.of_resource(f"{name}-factory", self.factory, identity=identity)
        self.access_grants: list[pulumi.Resource] = list(args.access(self.principal)) if args.access else []
        self.credentials: dict[str, FactoryCredential] = {
            credential: FactoryCredential(
                credential,
                created,
                principal,
                datafactory.CredentialOperation(
                    f"{name}-credential-{credential}",
                    factory_name=self.factory.name,
                    resource_group_name=b.resource_group_name,
                    credential_name=credential,
                    properties=datafactory.ManagedIdentityCredentialArgs(
                        type="ManagedIdentity",
                        resource_id=created.id,
                        description="A user-assigned identity of the factory, for linked services that name it",
                    ),
                    opts=self._child_opts(depends_on=[self.factory]),
                ),
            )
            for credential, (created, principal) in identities.items()
        }

    def _create_managed_runtime(self, name: str, args: DataFactoryArgs) -> None:
        """The managed virtual network and the integration runtime that runs inside it."""
        b = args.baseline
        self.managed_virtual_network = resources.Resource(
            f"{name}-managed-vnet",
            resource_provider_namespace="Microsoft.DataFactory",
            parent_resource_path=f"factories/{self.factory_name}",
            resource_type="managedVirtualNetworks",
            resource_name_=MANAGED_VIRTUAL_NETWORK,
            resource_group_name=b.resource_group_name,
            api_version=FACTORY_API_VERSION,
            properties={},
            opts=self._child_opts(depends_on=[self.factory]),
        )
        self.integration_runtime = datafactory.IntegrationRuntime(
            f"{name}-runtime",
            factory_name=self.factory.name,
            resource_group_name=b.resource_group_name,
            integration_runtime_name=INTEGRATION_RUNTIME,
            properties=datafactory.ManagedIntegrationRuntimeArgs(
                type="Managed",
                managed_virtual_network=datafactory.ManagedVirtualNetworkReferenceArgs(
                    reference_name=MANAGED_VIRTUAL_NETWORK, type="ManagedVirtualNetworkReference"
                ),
                compute_properties=datafactory.IntegrationRuntimeComputePropertiesArgs(location="AutoResolve"),
            ),
            opts=self._child_opts(depends_on=[self.managed_virtual_network]),
        )

    def _connect_lakes(self, args: DataFactoryArgs) -> None:
        """A managed private endpoint and a linked service for each lake."""
        for lake in args.lakes:
            group_id = "dfs" if lake.hierarchical_namespace else "blob"
            self.managed_private_endpoints[lake.key] = self.add_managed_private_endpoint(
                f"lake-{lake.key}",
                endpoint_name=args.baseline.namer.name("managed_private_endpoint", f"{lake.key}-{group_id}"),
                target_id=lake.account_id,
                group_id=group_id,
            )
            self.linked_services[lake.key] = self._lake_linked_service(lake)
            self.linked_service_names[lake.key] = lake_linked_service_name(lake.key)

    def _add_key_vault_endpoint(self, args: DataFactoryArgs) -> None:
        self.managed_private_endpoints["key_vault"] = self.add_managed_private_endpoint(
            "key-vault",
            endpoint_name=args.baseline.namer.name("managed_private_endpoint", "vault"),
            target_id=args.key_vault_id,
            group_id="vault",
        )

    def _add_lineage_endpoints(
        self, args: DataFactoryArgs, purview_id: pulumi.Input[str], ingestion_storage_id: pulumi.Input[str]
    ) -> None:
        for label, (target_id, group_id) in lineage_private_endpoints(purview_id, ingestion_storage_id).items():
            # The account's endpoint keeps the logical name it was first deployed with.
            key = "purview" if label == "account" else f"purview-{label}"
            self.managed_private_endpoints[key] = self.add_managed_private_endpoint(
                key,
                endpoint_name=args.baseline.namer.name("managed_private_endpoint", f"purview-{label}"),
                target_id=target_id,
                group_id=group_id,
            )

    def _link_key_vault(self, args: DataFactoryArgs) -> None:
        # Key Vault linked services take no integration runtime: secrets are fetched through the
        # managed private endpoint by whichever managed-VNet runtime needs them.
        self.linked_services["key_vault"] = self._linked_service(
            "key-vault",
            linked_service_name=KEY_VAULT_LINKED_SERVICE,
            properties=datafactory.AzureKeyVaultLinkedServiceArgs(type="AzureKeyVault", base_url=args.key_vault_uri),
            after=[self.managed_private_endpoints["key_vault"]],
        )
        self.linked_service_names["key_vault"] = KEY_VAULT_LINKED_SERVICE

    def _connect_via(self) -> datafactory.IntegrationRuntimeReferenceArgs:
        return datafactory.IntegrationRuntimeReferenceArgs(
            reference_name=INTEGRATION_RUNTIME, type="IntegrationRuntimeReference"
        )

    def _lake_linked_service(self, lake: FactoryLake) -> datafactory.LinkedService:
        # No credentials at all: the factory's managed identity signs in, as the lakes allow nothing else.
        properties: datafactory.AzureBlobFSLinkedServiceArgs | datafactory.AzureBlobStorageLinkedServiceArgs
        if lake.hierarchical_namespace:
            properties = datafactory.AzureBlobFSLinkedServiceArgs(
                type="AzureBlobFS", url=lake.endpoint, connect_via=self._connect_via()
            )
        else:
            properties = datafactory.AzureBlobStorageLinkedServiceArgs(
                type="AzureBlobStorage",
                service_endpoint=lake.endpoint,
                account_kind="StorageV2",
                authentication_type="Msi",
                connect_via=self._connect_via(),
            )
        return self._linked_service(
            f"lake-{lake.key}",
            linked_service_name=lake_linked_service_name(lake.key),
            properties=properties,
            after=[self.integration_runtime, self.managed_private_endpoints[lake.key]],
        )

    def definition_opts(self, after: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        """Options for a definition declared in the factory (dataset, pipeline, trigger): a child of the
        factory that waits for its integration runtime and for ``after``."""
        return self._child_opts(depends_on=[self.integration_runtime, *after])

    def add_managed_private_endpoint(
        self, logical_name: str, *, endpoint_name: str, target_id: pulumi.Input[str], group_id: str
    ) -> datafactory.ManagedPrivateEndpoint:
        """A private endpoint from the managed VNet; it stays Pending until the target's owner approves."""
        return datafactory.ManagedPrivateEndpoint(
            f"{self._name}-mpe-{logical_name}",
            factory_name=self.factory.name,
            resource_group_name=self.baseline.resource_group_name,
            managed_virtual_network_name=MANAGED_VIRTUAL_NETWORK,
            managed_private_endpoint_name=endpoint_name,
            properties=datafactory.ManagedPrivateEndpointArgs(private_link_resource_id=target_id, group_id=group_id),
            opts=self._child_opts(depends_on=[self.managed_virtual_network]),
        )

    def add_linked_service(
        self,
        logical_name: str,
        *,
        linked_service_name: str,
        properties: dict[str, Any],
        after: Sequence[pulumi.Resource] = (),
    ) -> datafactory.LinkedService:
        """A linked service from its JSON ``properties`` body (the form Synapse takes as well).

        Without a ``connectVia`` the service runs on the managed-VNet AutoResolve runtime, so it can
        only reach its target through a managed private endpoint.
        """
        body = flatten_definition(properties)
        body.setdefault("connectVia", {"referenceName": INTEGRATION_RUNTIME, "type": "IntegrationRuntimeReference"})
        # A credential must exist before a linked service may name it.
        credential = (body.get("credential") or {}).get("referenceName")
        if credential is not None and credential not in self.credentials:
            raise ValueError(
                f"{self._name}: linked service {linked_service_name} names credential {credential!r}, "
                "which the factory was not given (DataFactoryArgs.credentials)"
            )
        named = [self.credentials[credential].resource] if credential is not None else []
        return self._linked_service(
            logical_name,
            linked_service_name=linked_service_name,
            properties=body,
            after=[self.integration_runtime, *named, *after],
        )

    def _linked_service(
        self, logical_name: str, *, linked_service_name: str, properties: Any, after: Sequence[pulumi.Resource]
    ) -> datafactory.LinkedService:
        return datafactory.LinkedService(
            f"{self._name}-ls-{logical_name}",
            factory_name=self.factory.name,
            resource_group_name=self.baseline.resource_group_name,
            linked_service_name=linked_service_name,
            properties=properties,
            # It signs in as the factory's identity, so it waits for that identity's grants.
            opts=self._child_opts(depends_on=[*after, *self.access_grants]),
        )
