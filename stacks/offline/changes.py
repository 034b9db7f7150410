"""``cloudscale plan --against PREVIOUS``: what an update from one program to the next would do in Azure.

A plan's ``--json`` lists every resource with its URN, wire inputs, options and the delete locks that
stand over it (stacks/offline/locks.py). Two such plans give the steps ``pulumi up`` would take:

- a URN only in the current plan is a **create**, one only in the previous plan a **delete** (a URN
  that a current resource names as an alias is the same resource, renamed);
- a resource in both whose inputs differ is an **update**, or a **replace** when an input that names
  it or its place differs: its own name or a parent's (every ``...Name`` input), its resource group,
  its ``location`` or its ``scope``. azure-native replaces a resource when an input that is part of its
  ARM id changes, and treats ``location`` the same way; a dynamic resource's names (``..._name``,
  ``..._url``) decide for it. Paths under ``ignore_changes`` are not compared, as the engine does.

Each delete, and the delete of the old resource a replacement makes, is checked against Azure's
locks as the previous plan recorded them: refused while a lock stands over it (one the current
program keeps, or one Pulumi leaves in Azure on delete) unless the resource lifts that lock for its
delete; ``protect`` refuses it too. A replacement of a stateful resource (type facts,
components/baseline/type_facts.py) is flagged: the data of the old one is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pulumi

from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.findings import declared
from cloudscale.stacks.offline.locks import locks_over

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
_PLACE_INPUTS = frozenset({"location", "scope"})


def resource_entries(run: OfflineRun) -> list[dict[str, Any]]:
    """Every resource of a run as ``--json`` lists it, for a later ``--against``."""
    options = run.monitor.options
    inputs = {(r.typ, r.name): r.inputs for r in run.resources}
    over = locks_over(options)
    registry = declared()
    entries = []
    for urn, option in options.items():
        if not option.custom or option.typ.startswith("pulumi:"):
            continue
        facts = registry.get(option.typ)
        entries.append(
            {
                "urn": urn,
                "type": option.typ,
                "name": option.name,
                "inputs": _plain(inputs.get((option.typ, option.name), {})),
                "protect": option.protect,
                "retainOnDelete": option.retain_on_delete,
                "ignoreChanges": option.ignore_changes,
                "aliases": option.aliases,
                "stateful": bool(facts and facts.stateful),
                "locks": [asdict(lock) for lock in over.get(urn, [])],
            }
        )
    return entries


@dataclass
class Change:
    action: str
    urn: str
    type: str
    name: str
    changed: list[str] = field(default_factory=list)
    stateful: bool = False
    # Why Azure or Pulumi refuses the delete this change makes, if they do.
    refused: list[str] = field(default_factory=list)
    # Locks this change's delete lifts for the moment of the delete.
    lifted: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """Inputs as JSON holds them; an asset or archive as its kind and what it names."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        named = {
            key: getattr(value, key) for key in ("path", "text", "uri") if isinstance(getattr(value, key, None), str)
        }
        return {"asset": type(value).__name__, **named}
    return value


def _without(inputs: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(inputs)
    for path in paths:
        *parents, last = path.split(".")
        node: Any = out
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        else:
            if isinstance(node, dict):
                node.pop(last, None)
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _names_place(key: str) -> bool:
    return (key.endswith(("Name", "_name", "_url")) and key != "skuName") or key in _PLACE_INPUTS


def _compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    ignored = [*old.get("ignoreChanges", []), *new.get("ignoreChanges", [])]
    before = _without(_copy(old.get("inputs", {})), ignored)
    after = _without(_copy(new.get("inputs", {})), ignored)
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    if not changed:
        return None, []
    return (REPLACE if any(_names_place(key) for key in changed) else UPDATE), changed


def _delete_checks(
    old: Mapping[str, Any], current_urns: set[str], previous: Mapping[str, Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    refused, lifted = [], []
    if old.get("protect"):
        refused.append("protect (pulumi state unprotect first)")
    for lock in old.get("locks", []):
        lock_entry = previous.get(lock["lock"], {})
        lock_name = lock_entry.get("inputs", {}).get("lockName") or lock_entry.get("name", lock["lock"])
        stands = lock["lock"] in current_urns or lock_entry.get("retainOnDelete", False)
        if not stands:
            continue
        if lock["lifted"]:
            lifted.append(lock_name)
        else:
            refused.append(f"CanNotDelete lock {lock_name} (409 ScopeLocked)")
    return refused, lifted


def compare(previous: Mapping[str, Any], current: Mapping[str, Any]) -> list[Change]:
    """The steps from the program of ``previous`` to that of ``current`` (two ``--json`` plans)."""
    before = {entry["urn"]: entry for entry in previous.get("resources", [])}
    after = {entry["urn"]: entry for entry in current.get("resources", [])}
    renamed = {alias: urn for urn, entry in after.items() for alias in entry.get("aliases", []) if alias in before}
    changes: list[Change] = []
    for urn, new in after.items():
        old_urn = urn if urn in before else next((a for a, u in renamed.items() if u == urn), None)
        if old_urn is None:
            changes.append(Change(CREATE, urn, new["type"], new["name"], stateful=new.get("stateful", False)))
            continue
        old = before[old_urn]
        action, changed = _compare(old, new)
        if action is None:
            continue
        change = Change(action, urn, new["type"], new["name"], changed, stateful=new.get("stateful", False))
        if action == REPLACE:
            change.refused, change.lifted = _delete_checks(old, set(after), before)
        changes.append(change)
    kept = set(after) | set(renamed)
    for urn, old in before.items():
        if urn in kept:
            continue
        change = Change(DELETE, urn, old["type"], old["name"], stateful=old.get("stateful", False))
        change.refused, change.lifted = _delete_checks(old, set(after), before)
        changes.append(change)
    order = {DELETE: 0, REPLACE: 1, UPDATE: 2, CREATE: 3}
    return sorted(changes, key=lambda c: (order[c.action], c.type, c.name))


def blocking(changes: Iterable[Change]) -> list[Change]:
    """What ``--strict`` fails on: a refused delete or replacement, or a stateful resource replaced."""
    return [c for c in changes if c.refused or (c.action == REPLACE and c.stateful)]


def render_changes(changes: list[Change], *, against: str) -> str:
    lines = [f"Changes against {against}:"]
    if not changes:
        lines.append("  none")
    for change in changes:
        line = f"  {change.action:<8} {change.type.split(':')[-1]} {change.name}"
        if change.changed:
            line += f"  (changed: {', '.join(change.changed)})"
        notes = []
        if change.action == REPLACE and change.stateful:
            notes.append("replaces a stateful resource: its data is lost")
        notes += [f"refused by {reason}" for reason in change.refused]
        notes += [f"lock {lock} lifted for the delete, then restored: succeeds" for lock in change.lifted]
        lines.append(line + "".join(f"\n      - {note}" for note in notes))
    counts = {action: sum(c.action == action for c in changes) for action in (CREATE, UPDATE, REPLACE, DELETE)}
    lines.append(
        f"Summary: {counts[CREATE]} to create, {counts[UPDATE]} to update, {counts[REPLACE]} to replace, "
        f"{counts[DELETE]} to delete; {sum(bool(c.refused) for c in changes)} refused, "
        f"{sum(c.action == REPLACE and c.stateful for c in changes)} stateful replacements"
    )
    return "\n".join(lines)


def changes_json(changes: list[Change], *, against: str) -> dict[str, Any]:
    return {"against": against, "changes": [asdict(c) for c in changes]}
