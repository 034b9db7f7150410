"""Ordering findings: the order Azure enforces on writes, checked against the program's dependency graph.

Mocks create every resource at once and never refuse one; Azure refuses a write that arrives while
another holds its parent, a peering whose remote VNet is still being written, and a data-plane call
that cannot resolve its service's private name yet. The engine only orders what the program orders:
``depends_on`` (a component stands for its custom descendants, never for their children), the
resources behind each Output input, and a custom parent. ``A`` is *ordered after* ``B`` when a chain
of those edges leads from ``A`` to ``B``; each rule below asks for such a path.

Which writes Azure serialises on which parent is declared with the parent's type
(``declare_type(..., serialised_writes=...)``), so a new service's ordering is checked without an edit
here. A write's parent is the resource its name came from (an Output of it), else the one with that
name, so a preview places the same writes as an update. The grant rule follows each identity's principal
id, which the mocks leave out of a preview, so it checks fully only in an update, which
``cloudscale plan`` runs by default.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from cloudscale.components.library import declared
from cloudscale.stacks.offline.engine import OfflineRun, RegisteredOptions
from cloudscale.stacks.offline.findings import UNKNOWN, Finding

VNET = "azure-native:network:VirtualNetwork"
PEERING = "azure-native:network:VirtualNetworkPeering"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
DNS_ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SYNAPSE_MANAGED_PRIVATE_ENDPOINT = "pulumi-python:dynamic/synapse:ManagedPrivateEndpoint"
SYNAPSE_LINKED_SERVICE = "pulumi-python:dynamic/synapse:LinkedService"
SYNAPSE_ARTIFACT = "pulumi-python:dynamic/synapse:Artifact"
SYNAPSE_ROLE_ASSIGNMENT = "pulumi-python:dynamic/synapse:RoleAssignment"
FACTORY_LINKED_SERVICE = "azure-native:datafactory:LinkedService"
SYNAPSE_WORKSPACE = "azure-native:synapse:Workspace"
SYNAPSE_KEY_ACTIVATION = "azure-native:synapse:Key"

SERIALISED = "ordering-serialised-writes"
REMOTE_VNET = "ordering-peering-after-remote-vnet"
DNS_FIRST = "ordering-dns-before-data-plane"
GRANT_FIRST = "ordering-grant-before-use"
ACTIVATION_FIRST = "ordering-activation-before-use"
ORDERING_RULES = frozenset({SERIALISED, REMOTE_VNET, DNS_FIRST, GRANT_FIRST, ACTIVATION_FIRST})


@dataclass(frozen=True)
class SerialisedParent:
    """Writes that Azure accepts one at a time on one parent resource, as its type declares them
    (``SerialisedWrites`` in components/baseline/type_facts.py, which says how a write finds its parent)."""

    parent: str
    types: frozenset[str]
    parent_type: str
    name_input: str
    source: str


def serialised_parents() -> tuple[SerialisedParent, ...]:
    """Every serialised parent the component library declares."""
    return tuple(
        SerialisedParent(writes.parent, writes.types, parent_type, writes.name_input, writes.source)
        for parent_type, writes in declared().serialised_writes()
    )


@dataclass(frozen=True)
class DataPlaneCall:
    """A resource created by calling the service itself, through the private endpoint of ``group_id``."""

    service_property: str
    group_id: str


# Azure Synapse's development endpoint serves workspace artifacts (managed private endpoints,
# linked services) and is reachable only through the workspace's ``Dev`` private endpoint.
DATA_PLANE_CALLS: Mapping[str, DataPlaneCall] = {
    SYNAPSE_MANAGED_PRIVATE_ENDPOINT: DataPlaneCall("workspace_name", "Dev"),
    SYNAPSE_LINKED_SERVICE: DataPlaneCall("workspace_name", "Dev"),
    # Pipelines, triggers, notebooks, SQL scripts and datasets (components/synapse_artifacts.py).
    SYNAPSE_ARTIFACT: DataPlaneCall("workspace_name", "Dev"),
    # Synapse RBAC role assignments (components/synapse_role_assignments.py).
    SYNAPSE_ROLE_ASSIGNMENT: DataPlaneCall("workspace_name", "Dev"),
    # A key's rotation policy and expiry, through the vault's own endpoint (components/key_rotation.py).
    "pulumi-python:dynamic/keyvault:KeyRotationPolicy": DataPlaneCall("vault_url", "vault"),
}


@dataclass(frozen=True)
class IdentityConsumer:
    """A resource that acts with a service's managed identity on the resources its inputs name."""

    service_property: str
    target_properties: tuple[str, ...]


# Linked services sign in as their factory's or workspace's identity; managed private endpoints
# reach their target as the workspace (its linked access check looks at the target resource).
IDENTITY_CONSUMERS: Mapping[str, IdentityConsumer] = {
    FACTORY_LINKED_SERVICE: IdentityConsumer("factoryName", ("properties",)),
    SYNAPSE_LINKED_SERVICE: IdentityConsumer("workspace_name", ("properties",)),
    SYNAPSE_MANAGED_PRIVATE_ENDPOINT: IdentityConsumer("workspace_name", ("private_link_resource_id",)),
    # Activating a workspace's customer-managed key checks that the workspace's identity can wrap and
    # unwrap with the key (MicrosoftDocs azure-docs, synapse-analytics/security/workspaces-encryption.md).
    SYNAPSE_KEY_ACTIVATION: IdentityConsumer("workspaceName", ("keyVaultUrl",)),
}

# What names a Synapse workspace as the place it writes: its child resources (``workspaceName``) and
# the data-plane calls behind its development endpoint (``workspace_name``).
WORKSPACE_NAME_INPUTS = ("workspaceName", "workspace_name")


# Grants by type: the input naming the identity, the input naming what it may act on, and whether
# that scope may be a child of what a consumer names (a container of an account). Synapse RBAC
# grants a factory's identity the right to run notebooks in a workspace; its scope is a path built
# from the workspace's name, never a child resource.
GRANTS: Mapping[str, tuple[str, str, bool]] = {
    ROLE_ASSIGNMENT: ("principalId", "scope", True),
    SYNAPSE_ROLE_ASSIGNMENT: ("principal_id", "scope", False),
}


class DependencyGraph:
    """Who waits for whom, with transitive reachability as one bit set per resource."""

    def __init__(self, options: Mapping[str, RegisteredOptions]) -> None:
        self.options = options
        self.urns = list(options)
        self.index = {urn: i for i, urn in enumerate(self.urns)}
        self.edges: list[list[int]] = [self._direct(options[urn]) for urn in self.urns]
        self._ancestors = self._closure()

    def _direct(self, option: RegisteredOptions) -> list[int]:
        waits_for = list(option.dependencies)
        parent = self.options.get(option.parent)
        # The engine registers a child once its parent's registration has finished: for a custom
        # parent, once it exists.
        if parent is not None and parent.custom:
            waits_for.append(option.parent)
        return [self.index[urn] for urn in waits_for if urn in self.index]

    def _closure(self) -> list[int]:
        ancestors = [0] * len(self.urns)
        done = [False] * len(self.urns)
        for start in range(len(self.urns)):
            if done[start]:
                continue
            stack = [(start, False)]
            while stack:
                node, expanded = stack.pop()
                if done[node]:
                    continue
                if expanded:
                    bits = 0
                    for dep in self.edges[node]:
                        bits |= ancestors[dep] | (1 << dep)
                    ancestors[node] = bits
                    done[node] = True
                    continue
                stack.append((node, True))
                stack.extend((dep, False) for dep in self.edges[node] if not done[dep])
        return ancestors

    def after(self, later: str, earlier: str) -> bool:
        """Whether ``later`` is created only once ``earlier`` exists."""
        return bool(self._ancestors[self.index[later]] >> self.index[earlier] & 1)

    def position(self, urn: str) -> int:
        """Registration order, which is a topological order: a resource registers after what it waits for."""
        return self.index[urn]


@dataclass
class _Resource:
    urn: str
    typ: str
    name: str
    inputs: dict[str, Any]
    options: RegisteredOptions

    def deps_of(self, prop: str) -> list[str]:
        return self.options.property_dependencies.get(prop, [])


def _known(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and UNKNOWN not in value


def ordering_findings(run: OfflineRun) -> list[Finding]:
    """Every ordering rule, over one offline run."""
    options = run.monitor.options
    inputs = {(r.typ, r.name): r.inputs for r in run.resources}
    resources = [
        _Resource(urn, o.typ, o.name, inputs.get((o.typ, o.name), {}), o)
        for urn, o in options.items()
        if o.typ != "pulumi:pulumi:Stack"
    ]
    graph = DependencyGraph(options)
    parents = serialised_parents()
    groups = serialised_groups(resources, parents)
    by_urn = {r.urn: r for r in resources}
    found = [
        *_serialised_writes(groups, parents, by_urn, graph),
        *_peerings_after_remote_vnets(resources, groups, parents, graph),
        *_dns_before_data_plane(resources, graph),
        *_grants_before_use(resources, graph),
        *_activation_before_use(resources, graph),
    ]
    # A data-plane call that waits for the endpoint but not its zone group breaks two rules at once.
    return list(dict.fromkeys(found))


def serialised_groups(
    resources: Sequence[_Resource], parents: Sequence[SerialisedParent]
) -> dict[tuple[str, str], list[_Resource]]:
    """Writes by serialised parent: (parent kind, parent identity) -> writes."""
    by_urn = {r.urn: r for r in resources}
    named: dict[tuple[str, str, Any], list[str]] = defaultdict(list)
    for resource in resources:
        for parent in parents:
            if resource.typ == parent.parent_type:
                named[(parent.parent, resource.typ, resource.inputs.get(parent.name_input))].append(resource.urn)
    groups: dict[tuple[str, str], list[_Resource]] = defaultdict(list)
    for resource in resources:
        for parent in parents:
            if resource.typ in parent.types:
                identity = _parent_identity(resource, parent, by_urn, named)
                if identity is not None:
                    groups[(parent.parent, identity)].append(resource)
    return groups


def _parent_identity(
    resource: _Resource,
    parent: SerialisedParent,
    by_urn: Mapping[str, _Resource],
    named: Mapping[tuple[str, str, Any], Sequence[str]],
) -> str | None:
    if resource.typ == parent.parent_type:
        return resource.urn
    sources = [u for u in resource.deps_of(parent.name_input) if u in by_urn and by_urn[u].typ == parent.parent_type]
    if len(sources) == 1:
        return sources[0]
    name = resource.inputs.get(parent.name_input)
    if not _known(name):
        return None
    same_name = named.get((parent.parent, parent.parent_type, name), [])
    if len(same_name) == 1:
        return same_name[0]
    group = resource.inputs.get("resourceGroupName")
    return f"{group}/{name}" if _known(group) else None


def _serialised_writes(
    groups: Mapping[tuple[str, str], Sequence[_Resource]],
    parents: Sequence[SerialisedParent],
    by_urn: Mapping[str, _Resource],
    graph: DependencyGraph,
) -> list[Finding]:
    by_kind = {parent.parent: parent for parent in parents}
    found = []
    for key, writes in groups.items():
        parent = by_kind[key[0]]
        parent_name = by_urn[key[1]].name if key[1] in by_urn else key[1]
        ordered = sorted(writes, key=lambda w: graph.position(w.urn))
        # In a topological order, a total order needs only each neighbour to wait for the one before.
        for before, after in pairwise(ordered):
            if not graph.after(after.urn, before.urn):
                found.append(
                    Finding(
                        "high",
                        SERIALISED,
                        after.name,
                        f"writes {parent.parent} {parent_name} while {before.name} may still be "
                        f"writing it; order it after {before.name} ({parent.source})",
                    )
                )
    return found


def _peerings_after_remote_vnets(
    resources: Sequence[_Resource],
    groups: Mapping[tuple[str, str], Sequence[_Resource]],
    parents: Sequence[SerialisedParent],
    graph: DependencyGraph,
) -> list[Finding]:
    # A VNet of the program is its own group's identity.
    vnet_kinds = {parent.parent for parent in parents if parent.parent_type == VNET}
    writes_by_vnet = {identity: group for (kind, identity), group in groups.items() if kind in vnet_kinds}
    found = []
    for peering in (r for r in resources if r.typ == PEERING):
        for remote in peering.deps_of("remoteVirtualNetwork"):
            # The remote VNet's own peerings are excluded: they wait for this VNet in turn, and two
            # halves of one link are written concurrently by design (the retry covers that case).
            structural = [w for w in writes_by_vnet.get(remote, []) if w.typ != PEERING]
            remote_name = next((w.name for w in structural if w.typ == VNET), remote)
            for write in structural:
                if not graph.after(peering.urn, write.urn):
                    found.append(
                        Finding(
                            "high",
                            REMOTE_VNET,
                            peering.name,
                            f"peers with {remote_name} before {write.name} is written; Azure refuses a "
                            "peering while the remote VNet is Updating: 400 ReferencedResourceNotProvisioned "
                            "(hashicorp/terraform-provider-azurerm#2605, pulumi/pulumi-azure-native#4340)",
                        )
                    )
                    break
    return found


def _dns_before_data_plane(resources: Sequence[_Resource], graph: DependencyGraph) -> list[Finding]:
    zone_groups: dict[str, list[str]] = defaultdict(list)
    endpoints_of_service: dict[str, list[tuple[_Resource, list[str]]]] = defaultdict(list)
    for resource in resources:
        if resource.typ == DNS_ZONE_GROUP:
            for endpoint in {resource.options.parent, *resource.deps_of("privateEndpointName")}:
                zone_groups[endpoint].append(resource.urn)
    for resource in resources:
        if resource.typ == PRIVATE_ENDPOINT:
            connections = resource.inputs.get("privateLinkServiceConnections") or []
            group_ids = [g for c in connections if isinstance(c, dict) for g in c.get("groupIds", [])]
            for service in resource.deps_of("privateLinkServiceConnections"):
                endpoints_of_service[service].append((resource, group_ids))
    by_urn = {r.urn: r for r in resources}
    found = []
    for resource in resources:
        call = DATA_PLANE_CALLS.get(resource.typ)
        if call is not None:
            found += _data_plane_call(resource, call, endpoints_of_service, zone_groups, by_urn, graph)
        # Whoever waits for a private endpoint means to reach the service through it, which needs the
        # name to resolve to the endpoint: the zone group, a child the wait does not cover.
        for dep in resource.options.dependencies if resource.typ != DNS_ZONE_GROUP else ():
            if by_urn.get(dep) is not None and by_urn[dep].typ == PRIVATE_ENDPOINT:
                missing = [z for z in zone_groups.get(dep, []) if not graph.after(resource.urn, z)]
                if missing:
                    found.append(_dns_finding(resource, by_urn[dep].name, by_urn[missing[0]].name))
    return found


def _data_plane_call(
    resource: _Resource,
    call: DataPlaneCall,
    endpoints_of_service: Mapping[str, Sequence[tuple[_Resource, list[str]]]],
    zone_groups: Mapping[str, Sequence[str]],
    by_urn: Mapping[str, _Resource],
    graph: DependencyGraph,
) -> list[Finding]:
    found = []
    for service in resource.deps_of(call.service_property):
        endpoints = [e for e, groups in endpoints_of_service.get(service, []) if call.group_id in groups]
        if not endpoints:
            found.append(
                Finding(
                    "high",
                    DNS_FIRST,
                    resource.name,
                    f"calls {by_urn[service].name if service in by_urn else service} through its "
                    f"{call.group_id} endpoint, which this program does not declare",
                )
            )
        for endpoint in endpoints:
            missing = [z for z in zone_groups.get(endpoint.urn, []) if not graph.after(resource.urn, z)]
            if missing:
                found.append(_dns_finding(resource, endpoint.name, by_urn[missing[0]].name))
    return found


def _dns_finding(resource: _Resource, endpoint: str, zone_group: str) -> Finding:
    return Finding(
        "high",
        DNS_FIRST,
        resource.name,
        f"reaches a service through {endpoint} before {zone_group} registers its name; until then the "
        "name resolves to the public endpoint, which refuses the call (Microsoft Learn, Azure Private "
        "Endpoint DNS configuration)",
    )


def _grants_before_use(resources: Sequence[_Resource], graph: DependencyGraph) -> list[Finding]:
    by_urn = {r.urn: r for r in resources}
    grants_of: dict[str, list[_Resource]] = defaultdict(list)
    for grant in (r for r in resources if r.typ in GRANTS):
        for holder in grant.deps_of(GRANTS[grant.typ][0]):
            grants_of[holder].append(grant)
    found = []
    for consumer in resources:
        uses = IDENTITY_CONSUMERS.get(consumer.typ)
        if uses is None:
            continue
        targets = {urn for prop in uses.target_properties for urn in consumer.deps_of(prop)}
        for service in consumer.deps_of(uses.service_property):
            for grant in grants_of.get(service, []):
                if not _inside(grant, targets, by_urn) or graph.after(consumer.urn, grant.urn):
                    continue
                found.append(
                    Finding(
                        "high",
                        GRANT_FIRST,
                        consumer.name,
                        f"acts as {by_urn[service].name}'s identity on what {grant.name} grants, but is not "
                        "ordered after it; its first use fails with 403 until the grant exists",
                    )
                )
    return found


def _inside(grant: _Resource, targets: set[str], by_urn: Mapping[str, _Resource]) -> bool:
    """Whether the grant's scope is one of ``targets`` or a child of one (a container of an account)."""
    _principal, scope_input, children = GRANTS[grant.typ]
    for scope in grant.deps_of(scope_input):
        if scope in targets:
            return True
        if not children:
            continue
        scoped = by_urn.get(scope)
        # A child names its parent (a container's accountName); a resource that merely points at a
        # target (an ML workspace's managed-network rules name the lakes' ids) is not inside it.
        if scoped is not None and any(
            targets & set(urns) for prop, urns in scoped.options.property_dependencies.items() if prop.endswith("Name")
        ):
            return True
    return False


def _activation_before_use(resources: Sequence[_Resource], graph: DependencyGraph) -> list[Finding]:
    """A workspace created with a customer-managed key stays "Pending" until its key is activated, and
    most of it cannot be used until then (Microsoft Learn, "Encryption for Azure Synapse Analytics
    workspaces", MicrosoftDocs azure-docs synapse-analytics/security/workspaces-encryption.md: workspace
    activation). So every
    write under such a workspace, an ARM child or a data-plane call, waits for the activation."""
    by_urn = {r.urn: r for r in resources}
    activations: dict[str, list[_Resource]] = defaultdict(list)
    for activation in resources:
        if activation.typ == SYNAPSE_KEY_ACTIVATION and activation.inputs.get("isActiveCMK") is True:
            for workspace in activation.deps_of("workspaceName"):
                activations[workspace].append(activation)
    found = []
    for resource in resources:
        if resource.typ == SYNAPSE_KEY_ACTIVATION:
            continue
        workspaces = {urn for prop in WORKSPACE_NAME_INPUTS for urn in resource.deps_of(prop)}
        for workspace in workspaces:
            for activation in activations.get(workspace, []):
                if not graph.after(resource.urn, activation.urn):
                    found.append(
                        Finding(
                            "high",
                            ACTIVATION_FIRST,
                            resource.name,
                            f"writes to {by_urn[workspace].name} before {activation.name} activates its "
                            "customer-managed key; until then the workspace is Pending and refuses it",
                        )
                    )
    return found
