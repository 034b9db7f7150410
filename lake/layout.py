"""The lake layout a zone should have: folders and their POSIX ACL entries, from config and outputs.

Pure: no Azure calls. The issue-level names map onto the platform's accounts and containers so:

* ``raw/<integration>/<entity>/``      -> raw account, container ``<integration>``, folder ``<entity>``
* ``enriched/<integration>/<entity>/`` -> enriched-curated account, container ``<integration>``, folder
  ``<entity>``; a flow that is not one of the zone's integrations (the customer-service link) has no
  container of its own and writes ``<integration>/<entity>`` in the shared ``data`` container
* ``curated/<product>/``               -> workspace account, container ``<product>``, folder ``curated``

ACLs follow the access rules of ADLS Gen2 (learn.microsoft.com/azure/storage/blobs/
data-lake-storage-access-control, "Common scenarios related to ACL permissions"): reading a file needs
execute on every parent folder and read on the file, listing a folder needs read and execute on it,
creating files needs write and execute on the folder. Default entries make new children inherit the
access, so files a pipeline writes later are covered without another run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from cloudscale.lake.entities import BUNDLED_PIPELINE_ENTITIES, PipelineOutput
from cloudscale.lake.errors import LakeError
from cloudscale.lake.outputs import ZoneOutputs
from cloudscale.stacks.config import LandingZoneConfig

# The container every lake has next to the team containers (stacks.landing_zone.SHARED_CONTAINER).
SHARED_CONTAINER = "data"
CURATED_FOLDER = "curated"
READ = "r-x"
WRITE = "rwx"
TRAVERSE = "--x"
# ADLS Gen2 allows 32 entries per access ACL and 32 per default ACL, counting the owner, owning group,
# mask and other entries (learn.microsoft.com/azure/storage/blobs/data-lake-storage-access-control,
# "What are the limits for Azure role assignments and ACL entries?").
MAX_ACL_ENTRIES = 32
LAKE_ORDER = ("raw", "enriched", "workspace")
UNNAMED_ENTRIES = 4

Kind = Literal["user", "group"]


@dataclass(frozen=True)
class AclEntry:
    """One named entry, e.g. ``default:group:<object id>:r-x``."""

    kind: Kind
    object_id: str
    permissions: str
    default: bool = False

    @property
    def key(self) -> tuple[bool, str, str]:
        return (self.default, self.kind, self.object_id)

    def __str__(self) -> str:
        return f"{'default:' if self.default else ''}{self.kind}:{self.object_id}:{self.permissions}"


@dataclass(frozen=True)
class Grant:
    """An ACL entry and who it is for, so a plan reads as intent."""

    entry: AclEntry
    principal: str


@dataclass(frozen=True)
class FolderPlan:
    lake: str
    account_name: str
    dfs_endpoint: str
    container: str
    path: str  # "" is the container's root
    logical: str  # the name people use, e.g. raw/crm/customers
    # Access and default entries for this folder and everything below it (recursive update).
    recursive: tuple[Grant, ...] = ()
    # Access-only execute entries on this folder alone, so a principal can pass through it.
    traverse: tuple[Grant, ...] = ()

    @property
    def location(self) -> str:
        return f"{self.account_name}/{self.container}/{self.path}".rstrip("/")


@dataclass(frozen=True)
class LakePlan:
    stack: str
    zone: str
    vnet_name: str | None
    folders: tuple[FolderPlan, ...]

    @property
    def entry_count(self) -> int:
        return sum(len(f.recursive) + len(f.traverse) for f in self.folders)


@dataclass
class _Folder:
    logical: str
    recursive: dict[tuple[bool, str, str], Grant] = field(default_factory=dict)
    traverse: dict[tuple[bool, str, str], Grant] = field(default_factory=dict)


def _union(first: str, second: str) -> str:
    return "".join(c if c in (first + second) else "-" for c in "rwx")


def _merge(into: dict[tuple[bool, str, str], Grant], grant: Grant) -> None:
    existing = into.get(grant.entry.key)
    if existing is None:
        into[grant.entry.key] = grant
        return
    permissions = _union(existing.entry.permissions, grant.entry.permissions)
    principal = (
        existing.principal if existing.principal == grant.principal else f"{existing.principal}; {grant.principal}"
    )
    entry = AclEntry(grant.entry.kind, grant.entry.object_id, permissions, grant.entry.default)
    into[grant.entry.key] = Grant(entry, principal)


class _Builder:
    def __init__(self, outputs: ZoneOutputs) -> None:
        self.outputs = outputs
        self.folders: dict[tuple[str, str, str], _Folder] = {}

    def folder(self, lake: str, container: str, path: str, logical: str) -> _Folder:
        key = (lake, container, path)
        if key not in self.folders:
            self.folders[key] = _Folder(logical)
        return self.folders[key]

    def grant(
        self, lake: str, container: str, path: str, logical: str, kind: Kind, object_id: str, permissions: str, who: str
    ) -> None:
        """``permissions`` on the folder and below (access and default), execute on every parent."""
        target = self.folder(lake, container, path, logical)
        for default in (False, True):
            _merge(target.recursive, Grant(AclEntry(kind, object_id, permissions, default), who))
        parts = path.split("/") if path else []
        top = logical.split("/")[: len(logical.split("/")) - len(parts)]
        for depth in range(len(parts)):
            parent_path = "/".join(parts[:depth])
            parent_logical = "/".join(top + parts[:depth])
            parent = self.folder(lake, container, parent_path, parent_logical)
            _merge(parent.traverse, Grant(AclEntry(kind, object_id, TRAVERSE), who))

    def ensure(self, lake: str, container: str, path: str, logical: str) -> None:
        self.folder(lake, container, path, logical)

    def build(self, stack: str) -> LakePlan:
        folders = []
        # Layer by layer, and parents before their children (a prefix sorts first).
        for (lake, container, path), folder in sorted(self.folders.items(), key=lambda item: _folder_order(item[0])):
            traverse = {
                key: grant
                for key, grant in folder.traverse.items()
                if not self._covered(lake, container, path, grant.entry)
            }
            endpoint = self.outputs.lakes[lake]
            folders.append(
                FolderPlan(
                    lake=lake,
                    account_name=endpoint.account_name,
                    dfs_endpoint=endpoint.dfs_endpoint,
                    container=container,
                    path=path,
                    logical=folder.logical,
                    recursive=tuple(sorted(folder.recursive.values(), key=_order)),
                    traverse=tuple(sorted(traverse.values(), key=_order)),
                )
            )
        return LakePlan(stack, self.outputs.zone, self.outputs.vnet_name, tuple(folders))

    def _covered(self, lake: str, container: str, path: str, entry: AclEntry) -> bool:
        """True when a recursive grant on this folder or above already lets the principal pass."""
        parts = path.split("/") if path else []
        for depth in range(len(parts) + 1):
            above = self.folders.get((lake, container, "/".join(parts[:depth])))
            grant = above.recursive.get((False, entry.kind, entry.object_id)) if above else None
            if grant is not None and "x" in grant.entry.permissions:
                return True
        return False


def _folder_order(key: tuple[str, str, str]) -> tuple[int, str, str]:
    lake, container, path = key
    return (LAKE_ORDER.index(lake), container, path)


def _order(grant: Grant) -> tuple[bool, str, str]:
    return (grant.entry.default, grant.entry.kind, grant.entry.object_id)


def _identity(outputs: ZoneOutputs, writer: str, source: str) -> tuple[str, str]:
    if writer == "dataFactory":
        principal, name, key = outputs.data_factory_principal_id, outputs.data_factory_name, "dataFactoryPrincipalId"
        label = f"Data Factory {name or ''}".strip()
    else:
        principal, name, key = outputs.synapse_principal_id, outputs.synapse_workspace_name, "synapsePrincipalId"
        label = f"Synapse {name or ''}".strip()
    if not principal:
        raise LakeError(
            f"{source} has no landingZones.{outputs.zone}.{key}: run `pulumi up` with this version of cloudscale, "
            "which exports the identity, then save the outputs again"
        )
    return principal, label


def _enabled_writers(zone: LandingZoneConfig) -> set[str]:
    writers = set()
    if zone.services.data_factory.enabled:
        writers.add("dataFactory")
    if zone.services.synapse.enabled:
        writers.add("synapse")
    return writers


def pipeline_outputs_for(zone: LandingZoneConfig, entities: Iterable[PipelineOutput]) -> list[PipelineOutput]:
    """The bundled pipelines' folders that exist in this zone: its integrations, its enabled services."""
    writers = _enabled_writers(zone)
    chosen = []
    for output in entities:
        if output.writer not in writers:
            continue
        if output.integration in zone.data_integrations:
            chosen.append(output)
        elif output.writer == "synapse" and zone.services.cosmos.enabled and output.layer == "enriched":
            chosen.append(output)  # the customer-service link: needs Cosmos DB and Synapse
    return chosen


def _location(zone: LandingZoneConfig, output: PipelineOutput) -> tuple[str, str, str]:
    if output.integration in zone.data_integrations:
        return output.layer, output.integration, output.entity
    return output.layer, SHARED_CONTAINER, f"{output.integration}/{output.entity}"


def plan_zone(
    stack: str,
    zone: LandingZoneConfig,
    outputs: ZoneOutputs,
    *,
    source: str = "the stack outputs",
    entities: Sequence[PipelineOutput] = BUNDLED_PIPELINE_ENTITIES,
) -> LakePlan:
    """Every folder and ACL entry ``lake init`` makes sure of in one zone."""
    builder = _Builder(outputs)
    for integration in zone.data_integrations:
        for layer in ("raw", "enriched"):
            builder.ensure(layer, integration, "", f"{layer}/{integration}")
    outputs_here = pipeline_outputs_for(zone, entities)
    for output in outputs_here:
        lake, container, path = _location(zone, output)
        builder.ensure(lake, container, "", f"{output.layer}/{container}")
        logical = f"{output.layer}/{output.integration}/{output.entity}"
        principal, label = _identity(outputs, output.writer, source)
        builder.grant(lake, container, path, logical, "user", principal, WRITE, f"{label} writes")
        # The data products (Synapse notebooks) read every integrated folder they do not write.
        if output.writer != "synapse" and "synapse" in _enabled_writers(zone):
            reader, reader_label = _identity(outputs, "synapse", source)
            builder.grant(lake, container, path, logical, "user", reader, READ, f"{reader_label} reads")
    for product in zone.data_products:
        logical = f"{CURATED_FOLDER}/{product}"
        builder.ensure("workspace", product, "", f"workspace/{product}")
        if "synapse" in _enabled_writers(zone):
            principal, label = _identity(outputs, "synapse", source)
            builder.grant("workspace", product, CURATED_FOLDER, logical, "user", principal, WRITE, f"{label} writes")
        else:
            builder.ensure("workspace", product, CURATED_FOLDER, logical)
    for team, access in zone.access.integrations.items():
        for layer in ("raw", "enriched"):
            _team_grants(builder, layer, team, f"{layer}/{team}", f"{team} team", access.read, access.write)
    for product, access in zone.access.data_products.items():
        _team_grants(
            builder, "workspace", product, f"workspace/{product}", f"{product} team", access.read, access.write
        )
    plan = builder.build(stack)
    _check_entry_limits(plan)
    return plan


def _team_grants(
    builder: _Builder,
    lake: str,
    container: str,
    logical: str,
    team: str,
    readers: Sequence[UUID],
    writers: Sequence[UUID],
) -> None:
    for groups, permissions, verb in ((readers, READ, "read"), (writers, WRITE, "write")):
        for group in groups:
            builder.grant(lake, container, "", logical, "group", str(group), permissions, f"{team} ({verb})")


def _check_entry_limits(plan: LakePlan) -> None:
    for folder in plan.folders:
        for default in (False, True):
            named = {g.entry.key for g in (*folder.recursive, *folder.traverse) if g.entry.default == default}
            if len(named) + UNNAMED_ENTRIES > MAX_ACL_ENTRIES:
                scope = "default" if default else "access"
                raise LakeError(
                    f"{folder.logical} would get {len(named)} named {scope} ACL entries, more than the "
                    f"{MAX_ACL_ENTRIES - UNNAMED_ENTRIES} ADLS allows next to owner, group, mask and other: grant "
                    f"fewer, larger Entra groups in landingZones[{plan.zone}].access"
                )
