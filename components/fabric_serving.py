"""A landing zone's Fabric workspace serving its data products to Power BI.

On the platform's capacity: a workspace with its workspace identity and the zone's Entra groups in its
roles, a lakehouse (with schemas) whose table shortcuts point at the products' published Delta tables in the
zone's workspace lake, one connection to that lake signing in as the workspace identity, and one semantic
model per data product from its bundled TMDL.

The lake keeps its public endpoint as tight as before: it denies by default and admits the workspace by a
resource-instance rule, which is what Microsoft documents for Fabric reaching a firewall-enabled ADLS Gen2
account ("trusted workspace access", MicrosoftDocs/fabric-docs, docs/security/
security-trusted-workspace-access.md; the trusted-service exception it also mentions is "not recommended"
and would admit every workspace of the tenant). The rule names the workspace by ``resource_instance_id``;
the landing zone puts it on the lake. The workspace identity reads only the products' containers:
Storage Blob Delegator on the account and Storage Blob Data Reader per container, the narrowest grant that
page lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.baseline.access import Principal
from cloudscale.components.data_lake import DataLake
from cloudscale.components.fabric_items import (
    FabricConnection,
    FabricConnectionArgs,
    FabricLakehouse,
    FabricLakehouseArgs,
    FabricSemanticModel,
    FabricSemanticModelArgs,
    FabricShortcut,
    FabricShortcutArgs,
    FabricWorkspace,
    FabricWorkspaceArgs,
    fabric_workspace_resource_id,
)
from cloudscale.dataproducts.contracts import tmdl

TABLES_FOLDER = "Tables"


@dataclass(frozen=True)
class ServedTable:
    """A product's published Delta table, shortcut into the lakehouse as ``Tables/<schema>/<name>``."""

    schema: str
    name: str
    container: str
    folder: str
    """The table's folder in its container (``curated/sales_summary``)."""


@dataclass(frozen=True)
class ModelDefinition:
    name: str
    description: str
    parts: Mapping[str, str]
    """The model folder's files (``definition/tables/x.tmdl``, ...)."""
    schemas: tuple[str, ...] = ()
    """Lakehouse schemas whose shortcuts it reads in Direct Lake (none when it reads serverless SQL)."""


@dataclass
class FabricServingArgs:
    baseline: ServiceBaseline
    capacity_name: pulumi.Input[str]
    lake: DataLake
    """The zone's workspace lake, where the products publish; it must admit ``resource_instance_id``."""
    tables: Sequence[ServedTable] = ()
    models: Sequence[ModelDefinition] = ()
    serverless_endpoint: pulumi.Input[str] | None = None
    """The zone's serverless SQL endpoint, for models that read its views."""
    admins: Sequence[str] = ()
    contributors: Sequence[str] = ()
    viewers: Sequence[str] = ()
    capacity: pulumi.Resource | None = None
    """The capacity, where the same program declares it."""


class FabricServing(SecureComponent):
    def __init__(self, name: str, args: FabricServingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:analytics:FabricServing", name, args.baseline, opts)
        b = args.baseline
        roles = [
            {"principal_id": str(group), "principal_type": "Group", "role": role}
            for role, groups in (("Admin", args.admins), ("Contributor", args.contributors), ("Viewer", args.viewers))
            for group in groups
        ]
        self.workspace = FabricWorkspace(
            f"{name}-workspace",
            FabricWorkspaceArgs(
                display_name=b.namer.name("fabric_workspace"),
                capacity_name=args.capacity_name,
                description=f"Power BI and OneLake over the {b.namer.zone} zone's data products",
                role_assignments=roles,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.capacity] if args.capacity else None),
        )
        self.workspace_id: pulumi.Output[str] = self.workspace.workspace_id
        self.resource_instance_id: pulumi.Output[str] = self.workspace_id.apply(fabric_workspace_resource_id)
        self.principal = Principal(f"{name}-workspace-identity", self.workspace.identity_service_principal_id)
        containers = sorted({t.container for t in args.tables})
        grants = args.lake.grant_folder_reads(self.principal, containers) if containers else []
        self.lakehouse = FabricLakehouse(
            f"{name}-lakehouse",
            FabricLakehouseArgs(
                workspace_id=self.workspace_id,
                display_name=b.namer.name("fabric_lakehouse", "serving"),
                description="Table shortcuts to the data products' published tables",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        dfs = args.lake.account.primary_endpoints.apply(lambda endpoints: endpoints.dfs.rstrip("/"))
        self.connection = FabricConnection(
            f"{name}-lake-connection",
            FabricConnectionArgs(
                workspace_id=self.workspace_id,
                display_name=b.namer.name("fabric_connection", "lake"),
                server=dfs,
                path="",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.shortcuts = self._shortcuts(name, args, dfs, grants)
        self.models = self._models(name, args)
        self.register_outputs({"workspace_id": self.workspace_id, "lakehouse_id": self.lakehouse.lakehouse_id})

    def _shortcuts(
        self, name: str, args: FabricServingArgs, dfs: pulumi.Output[str], grants: Sequence[pulumi.Resource]
    ) -> dict[str, FabricShortcut]:
        shortcuts: dict[str, FabricShortcut] = {}
        for table in args.tables:
            # After the lake admits the workspace (its rules are on the account) and the identity may read.
            shortcuts[f"{table.schema}.{table.name}"] = FabricShortcut(
                f"{name}-shortcut-{table.schema}-{table.name}".replace("_", "-"),
                FabricShortcutArgs(
                    workspace_id=self.workspace_id,
                    item_id=self.lakehouse.lakehouse_id,
                    path=f"{TABLES_FOLDER}/{table.schema}",
                    shortcut_name=table.name,
                    target_url=dfs,
                    subpath=f"/{table.container}/{table.folder}",
                    connection_id=self.connection.connection_id,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.lake.account, *grants]),
            )
        return shortcuts

    def _models(self, name: str, args: FabricServingArgs) -> dict[str, FabricSemanticModel]:
        # What the bundled TMDL leaves to the zone: its workspace, lakehouse and serverless endpoint.
        values = pulumi.Output.all(
            self.workspace_id, self.lakehouse.lakehouse_id, args.serverless_endpoint or ""
        ).apply(
            lambda ids: {
                tmdl.WORKSPACE_PLACEHOLDER: ids[0],
                tmdl.LAKEHOUSE_PLACEHOLDER: ids[1],
                tmdl.SERVERLESS_PLACEHOLDER: ids[2],
            }
        )
        models: dict[str, FabricSemanticModel] = {}
        for model in args.models:
            reads = [s for key, s in self.shortcuts.items() if key.split(".", 1)[0] in model.schemas]
            models[model.name] = FabricSemanticModel(
                f"{name}-model-{model.name}",
                FabricSemanticModelArgs(
                    workspace_id=self.workspace_id,
                    display_name=model.name,
                    description=model.description,
                    parts=dict(model.parts),
                    placeholders=values,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=reads or None),
            )
        return models
