"""Turn an offline run into what a person reads: a tree by zone and component, counts, findings,
a Mermaid diagram, and the same facts as JSON for machines."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from cloudscale.stacks.config.checks import MANAGEMENT_ZONE
from cloudscale.stacks.offline.changes import resource_entries
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.findings import Finding, run_findings
from cloudscale.stacks.offline.ordering import ORDERING_RULES, ordering_findings

PLATFORM = "platform"
STACK_TYPE = "pulumi:pulumi:Stack"
ZONE_TITLES = {MANAGEMENT_ZONE: "Data management landing zone"}


@dataclass
class Node:
    urn: str
    typ: str
    name: str
    children: list[Node] = field(default_factory=list)

    @property
    def is_component(self) -> bool:
        return self.typ.startswith("cloudscale:")

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)

    def types(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for child in self.children:
            counts[child.typ] += 1
            counts.update(child.types())
        return counts


@dataclass
class Plan:
    stack: str
    preview: bool
    role: str
    zones: dict[str, list[Node]]
    by_type: Counter[str]
    findings: list[Finding]
    exports: dict[str, Any]
    export_keys: list[str]
    peerings: set[tuple[str, str]]
    data_paths: set[tuple[str, str, str]]
    seconds: float = 0.0
    peak_memory_mib: float = 0.0
    pipelines: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """Per zone: every pipeline and trigger the run declares, with the trigger schedules."""
    flows: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    """Per zone: (from, to, by) edges of the data flow its definitions implement (filled by the caller)."""
    data_products: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per zone: each configured data product, whether and how it runs, what it publishes (filled by the caller)."""
    resources: list[dict[str, Any]] = field(default_factory=list)
    """Every resource with its inputs, options and the locks over it: what ``--against`` compares."""

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    @property
    def azure_total(self) -> int:
        return sum(count for typ, count in self.by_type.items() if typ.startswith("azure-native:"))


def build_plan(
    run: OfflineRun,
    *,
    stack: str,
    preview: bool,
    role: str,
    protects_state: bool,
    required_tags: Iterable[str] = (),
) -> Plan:
    options = run.monitor.options
    nodes = {urn: Node(urn, o.typ, o.name) for urn, o in options.items()}
    roots: list[Node] = []
    for urn, node in nodes.items():
        parent = nodes.get(options[urn].parent)
        (parent.children if parent else roots).append(node)
    # The stack resource is the engine's root, not something a person deploys.
    roots = [child for root in roots for child in (root.children if root.typ == STACK_TYPE else [root])]
    zone_of_name = {r.name: str(r.inputs.get("tags", {}).get("Zone", "")) for r in run.resources if r.custom}
    known_zones = {MANAGEMENT_ZONE} | {zone for zone in zone_of_name.values() if zone}
    zones: dict[str, list[Node]] = defaultdict(list)
    for root in sorted(roots, key=lambda n: (not n.is_component, n.typ, n.name)):
        # Untagged roots (peerings) carry their zone as the first word of their logical name.
        prefix = root.name.split("-", 1)[0]
        zones[_zone(root, zone_of_name) or (prefix if prefix in known_zones else PLATFORM)].append(root)
    # The policy pack's rules (cloudscale.policy), in preview too: targets are matched by dependency.
    found = run_findings(run, protects_state=protects_state, required_tags=required_tags)
    # Orders Azure enforces and mocks never do, reported as high: ``--strict`` fails on them too.
    found += ordering_findings(run)
    return Plan(
        stack=stack,
        preview=preview,
        role=role,
        zones=dict(zones),
        by_type=Counter(o.typ for o in options.values() if o.typ != STACK_TYPE),
        findings=found,
        exports=run.exports,
        export_keys=run.export_keys,
        peerings=_peerings(run, zone_of_name),
        data_paths=_data_paths(run, roots),
        pipelines=_pipelines(run, dict(zones)),
        resources=resource_entries(run),
    )


_FACTORY_PIPELINE = "azure-native:datafactory:Pipeline"
_FACTORY_TRIGGER = "pulumi-python:dynamic/datafactory:StartedTrigger"
_SYNAPSE_ARTIFACT = "pulumi-python:dynamic/synapse:Artifact"


def _schedule(properties: Any) -> str:
    if not isinstance(properties, dict):
        return "(unknown until deployed)"
    type_properties = properties.get("typeProperties") or {}
    recurrence = type_properties.get("recurrence") or type_properties
    kind = properties.get("type", "")
    if "frequency" not in recurrence:
        return str(kind)
    interval = recurrence.get("interval")
    # The engine carries every number as a double.
    interval = int(interval) if isinstance(interval, float) and interval.is_integer() else interval
    return f"{kind}: every {interval} {recurrence.get('frequency')} from {recurrence.get('startTime')}"


def _pipelines(run: OfflineRun, zones: dict[str, list[Node]]) -> dict[str, list[dict[str, str]]]:
    zone_of: dict[str, str] = {}

    def walk(node: Node, zone: str) -> None:
        zone_of[node.name] = zone
        for child in node.children:
            walk(child, zone)

    for zone, roots in zones.items():
        for root in roots:
            walk(root, zone)
    listing: dict[str, list[dict[str, str]]] = defaultdict(list)
    for resource in run.resources:
        inputs = resource.inputs
        if resource.typ == _FACTORY_PIPELINE:
            entry = {"service": "Data Factory", "kind": "pipeline", "name": str(inputs.get("pipelineName"))}
        elif resource.typ == _FACTORY_TRIGGER:
            entry = {
                "service": "Data Factory",
                "kind": "trigger",
                "name": str(inputs.get("trigger_name")),
                "schedule": _schedule(inputs.get("properties")) + ", started",
            }
        elif resource.typ == _SYNAPSE_ARTIFACT and inputs.get("kind") in ("pipeline", "trigger"):
            entry = {"service": "Synapse", "kind": str(inputs["kind"]), "name": str(inputs.get("artifact_name"))}
            if inputs["kind"] == "trigger":
                entry["schedule"] = _schedule(inputs.get("properties")) + ", started"
            elif inputs.get("run_after_change"):
                entry["schedule"] = "runs once after each change"
        else:
            continue
        listing[zone_of.get(resource.name, PLATFORM)].append(entry)
    return {
        zone: sorted(entries, key=lambda e: (e["service"], e["kind"], e["name"])) for zone, entries in listing.items()
    }


def _zone(node: Node, zone_of_name: dict[str, str]) -> str:
    pending = [node]
    while pending:
        current = pending.pop(0)
        if zone_of_name.get(current.name):
            return zone_of_name[current.name]
        pending.extend(current.children)
    return ""


def _peerings(run: OfflineRun, zone_of_name: dict[str, str]) -> set[tuple[str, str]]:
    vnet_zone = {
        run.mocks.ids.get((r.typ, r.name), ""): zone_of_name.get(r.name, "")
        for r in run.of_type("azure-native:network:VirtualNetwork")
    }
    local_zone = {
        str(r.inputs.get("virtualNetworkName", "")): zone_of_name.get(r.name, "")
        for r in run.of_type("azure-native:network:VirtualNetwork")
    }
    pairs = set()
    for peering in run.of_type("azure-native:network:VirtualNetworkPeering"):
        remote = vnet_zone.get(str(peering.inputs.get("remoteVirtualNetwork", {}).get("id", "")))
        local = local_zone.get(str(peering.inputs.get("virtualNetworkName", "")))
        if remote and local and remote != local:
            pairs.add(tuple(sorted((local, remote))))
    return pairs  # type: ignore[return-value]


def _data_paths(run: OfflineRun, roots: list[Node]) -> set[tuple[str, str, str]]:
    """(from component, to component, groupId) for every managed private endpoint: how data moves."""
    owner: dict[tuple[str, str], str] = {}

    def walk(node: Node, top: str) -> None:
        owner[(node.typ, node.name)] = top
        for child in node.children:
            walk(child, top)

    for root in roots:
        walk(root, root.name)
    owner_of_id = {resource_id: owner.get(key, "") for key, resource_id in run.mocks.ids.items()}
    paths = set()
    for resource in run.resources:
        if resource.typ == "azure-native:datafactory:ManagedPrivateEndpoint":
            target = resource.inputs.get("properties", {}).get("privateLinkResourceId")
            group = resource.inputs.get("properties", {}).get("groupId", "")
        elif resource.typ == "pulumi-python:dynamic/synapse:ManagedPrivateEndpoint":
            target, group = resource.inputs.get("private_link_resource_id"), resource.inputs.get("group_id", "")
        else:
            continue
        source, destination = owner.get((resource.typ, resource.name)), owner_of_id.get(str(target))
        if source and destination and source != destination:
            paths.add((source, destination, str(group)))
    return paths


def _short(typ: str) -> str:
    return typ.split(":")[-1]


def render_text(plan: Plan, *, full: bool = False) -> str:
    mode = "preview (outputs unknown)" if plan.preview else "update"
    lines = [f"cloudscale plan: stack {plan.stack}, role {plan.role}, {mode}", ""]
    for zone, roots in plan.zones.items():
        size = sum(root.size() for root in roots)
        lines.append(
            f"{ZONE_TITLES.get(zone, 'Landing zone' if zone != PLATFORM else 'Platform')} [{zone}]: {size} resources"
        )
        for root in roots:
            lines += _render_node(root, "  ", full)
        lines.append("")
    for zone, entries in plan.pipelines.items():
        lines.append(f"Pipelines [{zone}]:")
        for entry in entries:
            schedule = f"  ({entry['schedule']})" if entry.get("schedule") else ""
            lines.append(f"  {entry['service']} {entry['kind']} {entry['name']}{schedule}")
        lines.append("")
    lines += _render_data_products(plan)
    lines.append("Resources by type:")
    width = max((len(t) for t in plan.by_type), default=10)
    for typ, count in sorted(plan.by_type.items()):
        lines.append(f"  {typ:<{width}}  {count:>4}")
    lines.append(
        f"Total: {plan.total} resources ({plan.azure_total} Azure resources, "
        f"{plan.total - plan.azure_total} components and other)"
    )
    lines.append("")
    lines += _render_findings(plan)
    actions = plan.exports.get("operatorActions") or []
    if actions:
        lines.append("")
        lines.append("Steps outside this stack:")
        lines += [f"  - {action}" for action in actions]
    if plan.export_keys:
        lines.append("")
        lines.append("Stack outputs: " + ", ".join(plan.export_keys))
    return "\n".join(lines)


def _render_data_products(plan: Plan) -> list[str]:
    lines: list[str] = []
    for zone, products in plan.data_products.items():
        lines.append(f"Data products [{zone}]:")
        for product in products:
            published = ", ".join(product["publishes"]) or "nothing the platform knows of"
            lines.append(f"  {product['product']}: {product['runs']}")
            lines.append(f"    publishes to workspace/{product['product']}: {published}")
        lines.append("")
    return lines


def _render_node(node: Node, indent: str, full: bool) -> list[str]:
    if not node.is_component and not full:
        return [f"{indent}{_short(node.typ)} {node.name}"]
    lines = [f"{indent}{node.typ} {node.name}" + (f" ({_plural(node.size() - 1)})" if node.children else "")]
    if full:
        for child in node.children:
            lines += _render_node(child, indent + "  ", full)
        return lines
    components = [c for c in node.children if c.is_component]
    for child in components:
        lines += _render_node(child, indent + "  ", full)
    counts = Counter(c.typ for c in node.children if not c.is_component)
    for child in node.children:
        if not child.is_component:
            counts.update(child.types())
    if counts:
        lines.append(indent + "  " + ", ".join(f"{_short(t)} x{n}" for t, n in sorted(counts.items())))
    return lines


def _render_findings(plan: Plan) -> list[str]:
    security = [f for f in plan.findings if f.rule not in ORDERING_RULES]
    violations = sorted(
        (f for f in security if f.severity != "accepted"), key=lambda f: (f.severity != "high", f.rule, f.resource)
    )
    accepted = sorted((f for f in security if f.severity == "accepted"), key=lambda f: (f.rule, f.resource))
    high = sum(f.severity == "high" for f in violations)
    lines = [f"Policy violations: {len(violations)} ({high} high, {len(violations) - high} medium)"]
    lines += [f"  [{f.severity}] {f.rule}: {f.resource}: {f.detail}" for f in violations]
    lines.append(f"Accepted exceptions: {len(accepted)}" + (", each with its reason:" if accepted else ""))
    lines += [f"  [accepted] {f.rule}: {f.resource}: {f.detail}" for f in accepted]
    ordering = sorted(
        (f for f in plan.findings if f.rule in ORDERING_RULES),
        key=lambda f: (f.severity != "high", f.severity, f.rule, f.resource),
    )
    lines.append("Ordering findings:" if ordering else "Ordering findings: none")
    lines += [f"  [{f.severity}] {f.rule}: {f.resource}: {f.detail}" for f in ordering]
    return lines


def _mermaid_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def render_mermaid(plan: Plan) -> str:
    lines = ["flowchart LR"]
    for zone, roots in plan.zones.items():
        title = ZONE_TITLES.get(zone, "Landing zone" if zone != PLATFORM else "Platform")
        lines.append(f'  subgraph {_mermaid_id(zone)}["{title}: {zone}"]')
        for root in roots:
            if root.is_component:
                lines.append(f'    {_mermaid_id(root.name)}["{_short(root.typ)}<br/>{root.name}"]')
        lines.append("  end")
    for local, remote in sorted(plan.peerings):
        lines.append(f"  {_mermaid_id(local)} <-->|VNet peering| {_mermaid_id(remote)}")
    for source, destination, group in sorted(plan.data_paths):
        lines.append(f"  {_mermaid_id(source)} -->|{group}| {_mermaid_id(destination)}")
    return "\n".join(lines)


def render_data_flow(plan: Plan) -> str:
    """Source -> raw -> enriched -> curated -> serving endpoint, per zone, from its definitions."""
    lines = ["flowchart LR"]
    for zone, edges in plan.flows.items():
        lines.append(f'  subgraph {_mermaid_id(zone)}_flow["{zone}: data flow"]')
        nodes = sorted({node for edge in edges for node in edge[:2]})
        for node in nodes:
            lines.append(f'    {_mermaid_id(zone + "_" + node)}["{node}"]')
        for source, destination, label in edges:
            lines.append(f"    {_mermaid_id(zone + '_' + source)} -->|{label}| {_mermaid_id(zone + '_' + destination)}")
        lines.append("  end")
    return "\n".join(lines)


def render_markdown(plan: Plan) -> str:
    body = render_text(plan)
    flow = ["## Data flow", "", "```mermaid", render_data_flow(plan), "```", ""] if plan.flows else []
    products = []
    if plan.data_products:
        products = ["## Data products", "", "| Zone | Product | Runs | Publishes |", "|---|---|---|---|"]
        for zone, entries in plan.data_products.items():
            products += [
                f"| {zone} | `{e['product']}` | {e['runs']} | {', '.join(f'`{t}`' for t in e['publishes'])} |"
                for e in entries
            ]
        products.append("")
    return "\n".join(
        [
            f"# cloudscale plan: stack `{plan.stack}`",
            "",
            "```mermaid",
            render_mermaid(plan),
            "```",
            "",
            *flow,
            *products,
            "```text",
            body,
            "```",
            "",
        ]
    )


def render_json(plan: Plan) -> str:
    def tree(node: Node) -> dict[str, Any]:
        return {"type": node.typ, "name": node.name, "children": [tree(c) for c in node.children]}

    return json.dumps(
        {
            "stack": plan.stack,
            "role": plan.role,
            "mode": "preview" if plan.preview else "update",
            "total": plan.total,
            "azureResources": plan.azure_total,
            "byType": dict(sorted(plan.by_type.items())),
            "zones": {
                zone: {"total": sum(r.size() for r in roots), "tree": [tree(r) for r in roots]}
                for zone, roots in plan.zones.items()
            },
            "findings": [asdict(f) for f in plan.findings],
            "outputs": {key: plan.exports.get(key) for key in plan.export_keys},
            "peerings": sorted(list(pair) for pair in plan.peerings),
            "dataPaths": sorted(list(path) for path in plan.data_paths),
            "pipelines": plan.pipelines,
            "dataFlow": {zone: [list(edge) for edge in edges] for zone, edges in plan.flows.items()},
            "dataProducts": plan.data_products,
            "resources": plan.resources,
            "seconds": round(plan.seconds, 3),
            "peakMemoryMiB": round(plan.peak_memory_mib, 1),
        },
        indent=2,
        default=str,
    )


def _plural(count: int) -> str:
    return f"{count} resource{'' if count == 1 else 's'}"
