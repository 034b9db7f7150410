"""URN pins: what a stack's resources are called in Pulumi state, and which renames are safe.

A resource's URN is its identity in state. Change a component's type token, a child's name or its
parent, and the next ``pulumi up`` deletes the resource under the old URN and creates a new one: for a
lake, a database or a vault, that is data loss. Pulumi keeps the old identity only through an alias
(Pulumi docs, "Resource option: aliases"). The pins are the URNs a bundled stack had when they were
last written; a pinned URN that the program no longer declares, and that no declared resource
answers to through an alias (its own or one inherited from an aliased parent), is a rename that
would replace the resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

ROOT_TYPE = "pulumi:pulumi:Stack"


class Registration(Protocol):
    urn: str
    parent: str
    aliases: list[str]


def split_urn(urn: str) -> tuple[str, str, str, str]:
    """``urn:pulumi:<stack>::<project>::<qualified type>::<name>`` -> (stack, project, type chain, name)."""
    head, project, qualified_type, name = urn.split("::", 3)
    return head.removeprefix("urn:pulumi:"), project, qualified_type, name


def make_urn(stack: str, project: str, parent_urn: str, typ: str, name: str) -> str:
    """The URN the engine gives ``typ::name`` under ``parent_urn`` (pulumi/pulumi ``resource.NewURN``)."""
    chain = ""
    if parent_urn:
        parent_chain = split_urn(parent_urn)[2]
        if parent_chain != ROOT_TYPE:
            chain = parent_chain + "$"
    return f"urn:pulumi:{stack}::{project}::{chain}{typ}::{name}"


def alias_to_urn(alias: Any, *, urn: str, parent: str) -> str:
    """One alias as the engine receives it (``alias_pb2.Alias``: a URN or a spec) as the URN it names.

    A spec leaves out what does not change: name, type, stack, project and parent default to the
    resource's own.
    """
    if alias.urn:
        return str(alias.urn)
    spec = alias.spec
    stack, project, chain, name = split_urn(urn)
    typ = chain.rsplit("$", 1)[-1]
    alias_parent = "" if spec.noParent else (spec.parentUrn or parent)
    return make_urn(spec.stack or stack, spec.project or project, alias_parent, spec.type or typ, spec.name or name)


def answered_urns(registrations: Mapping[str, Registration]) -> dict[str, set[str]]:
    """Every URN each resource answers to: its own, its aliases, and those its parents' aliases imply.

    The engine applies a parent's aliases to its children (a renamed component keeps its children's
    state), so a child of an aliased component answers to the child URN under each old parent URN.
    """
    answered: dict[str, set[str]] = {}

    def resolve(urn: str) -> set[str]:
        if urn in answered:
            return answered[urn]
        registration = registrations[urn]
        names = {urn, *registration.aliases}
        if registration.parent in registrations:
            stack, project, chain, name = split_urn(urn)
            typ = chain.rsplit("$", 1)[-1]
            for old_parent in resolve(registration.parent) - {registration.parent}:
                names.add(make_urn(stack, project, old_parent, typ, name))
        answered[urn] = names
        return names

    for urn in registrations:
        resolve(urn)
    return answered


def _covered(registrations: Mapping[str, Registration]) -> set[str]:
    return set().union(*answered_urns(registrations).values()) if registrations else set()


def vanished(pinned: Iterable[str], registrations: Mapping[str, Registration]) -> list[str]:
    """Pinned URNs that no declared resource answers to: each would be deleted and recreated."""
    return sorted(set(pinned) - _covered(registrations))


def read_pins(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def write_pins(path: Path, pinned: Iterable[str], registrations: Mapping[str, Registration]) -> list[str]:
    """Pin what the stack declares now, and keep every old pin an alias still answers to.

    Keeping them is what makes a rename permanent: the alias stays checked for as long as the pins
    list the old name, so removing it later fails like any other rename.
    """
    answered = _covered(registrations)
    kept = {urn for urn in pinned if urn in answered and urn not in registrations}
    lines = sorted(set(registrations) | kept)
    header = "# URNs of this stack in Pulumi state. Regenerate: python -m tests.stacks.urn_pins --write\n"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return lines
