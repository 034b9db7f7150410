"""Make a zone's lake match its plan, idempotently, with the real ADLS Gen2 SDK.

For each folder, parents first: create it when missing; add the execute-only entries it needs to
let principals pass through (read-modify-write of that folder's ACL alone); and when an entry of
its recursive grants is missing or different, apply them to the folder and everything below it with
the SDK's recursive ACL update (``update_access_control_recursive``), which the service runs in
batches that continue by token (learn.microsoft.com/azure/storage/blobs/data-lake-storage-acl-python,
"Set ACLs recursively"). A folder already as planned costs a conditional create (answered 409) and
one ACL read, and is reported unchanged.

A recursive update that stops part-way leaves the folder's own ACL complete but not all of its
children's, so the folder is journalled before the update starts and cleared only when it ends
without failures; the next run resumes it from the service's continuation token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure.core import MatchConditions
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError

from cloudscale.lake.connection import Connections
from cloudscale.lake.errors import LakeError, Target, explain
from cloudscale.lake.layout import AclEntry, FolderPlan, LakePlan

if TYPE_CHECKING:
    from azure.storage.filedatalake import AccessControlChanges, DataLakeDirectoryClient

# The service's largest batch (the SDK's default); tests pass small ones to see continuations.
DEFAULT_BATCH_SIZE = 2000
INIT_ROLE = "Storage Blob Data Owner"


@dataclass
class RecursiveOutcome:
    directories: int = 0
    files: int = 0
    failures: int = 0
    batches: int = 0
    resumed: bool = False
    failed_paths: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class FolderOutcome:
    folder: FolderPlan
    created: bool = False
    traverse_added: list[AclEntry] = field(default_factory=list)
    recursive_changed: list[AclEntry] = field(default_factory=list)
    # Named entries on the folder that neither it nor a folder above it declares: reported, and
    # removed only when the run prunes, since people and other tools may have added them on purpose.
    undeclared: list[str] = field(default_factory=list)
    recursive: RecursiveOutcome | None = None
    # Entries a pruning run took away: from the folder and everything below it, or (when a folder
    # below still declares the principal) from this folder alone.
    pruned: list[str] = field(default_factory=list)
    pruned_here_only: list[str] = field(default_factory=list)
    prune_failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            self.created
            or bool(self.traverse_added)
            or self.recursive is not None
            or bool(self.pruned or self.pruned_here_only)
        )


class Journal:
    """Recursive ACL updates begun and not yet finished, with their continuation tokens, in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: dict[str, dict[str, Any]] = {}
        if path.exists():
            try:
                self.pending = json.loads(path.read_text())
            except json.JSONDecodeError:
                self.pending = {}

    def begin(self, location: str, acl: str, continuation: str | None) -> None:
        self.pending[location] = {"acl": acl, "continuation": continuation}
        self._save()

    def finish(self, location: str) -> None:
        if self.pending.pop(location, None) is not None:
            self._save()

    def resume_token(self, location: str, acl: str) -> tuple[bool, str | None]:
        """Whether the folder is unfinished, and the token to resume from (only for the same ACL)."""
        entry = self.pending.get(location)
        if entry is None:
            return False, None
        return True, entry.get("continuation") if entry.get("acl") == acl else None

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.pending:
            self.path.write_text(json.dumps(self.pending, indent=2, sort_keys=True))
        elif self.path.exists():
            self.path.unlink()


def parse_acl(acl: str) -> dict[tuple[bool, str, str], str]:
    """Named entries of an ACL string by (default, kind, object id); owner/group/other/mask are left out."""
    entries: dict[tuple[bool, str, str], str] = {}
    for item in filter(None, (part.strip() for part in acl.split(","))):
        parts = item.split(":")
        default = parts[0] == "default"
        if default:
            parts = parts[1:]
        if len(parts) != 3 or not parts[1]:
            continue
        kind, identifier, permissions = parts
        entries[(default, kind, identifier)] = permissions
    return entries


def _covers(have: str | None, want: str) -> bool:
    return have is not None and all(c == "-" or c in have for c in want)


@contextmanager
def _explained(target: Target) -> Iterator[None]:
    try:
        yield
    except AzureError as error:
        actionable = explain(error, target)
        if actionable is not None:
            raise actionable from None
        raise


def _directory(connections: Connections, folder: FolderPlan) -> DataLakeDirectoryClient:
    file_system = connections.service(folder.dfs_endpoint).get_file_system_client(folder.container)
    # "/" is the container's root directory, whose ACL is the container's (the SDK's own
    # FileSystemClient._get_root_directory_client does the same).
    return file_system.get_directory_client(folder.path or "/")


def _declared_keys(plan: LakePlan, folder: FolderPlan) -> set[tuple[bool, str, str]]:
    """Entries the plan puts on this folder: its own, and recursive ones from folders above it."""
    keys = {g.entry.key for g in (*folder.recursive, *folder.traverse)}
    for other in plan.folders:
        above = other.path == "" or folder.path.startswith(other.path + "/")
        if other is not folder and other.location.split("/")[:2] == folder.location.split("/")[:2] and above:
            keys |= {g.entry.key for g in other.recursive}
    return keys


def _declared_below(plan: LakePlan, folder: FolderPlan) -> set[tuple[str, str]]:
    """Principals (kind, object id) that the folder or any folder below it declares an entry for."""
    prefix = folder.location.rstrip("/") + "/"
    principals: set[tuple[str, str]] = set()
    for other in plan.folders:
        if other.location == folder.location or other.location.startswith(prefix):
            principals |= {(g.entry.kind, g.entry.object_id) for g in (*other.recursive, *other.traverse)}
    return principals


def _entry_text(key: tuple[bool, str, str], permissions: str | None = None) -> str:
    default, kind, identifier = key
    text = f"{'default:' if default else ''}{kind}:{identifier}"
    return text if permissions is None else f"{text}:{permissions}"


def _prune(
    directory: DataLakeDirectoryClient,
    plan: LakePlan,
    folder: FolderPlan,
    undeclared: list[tuple[bool, str, str]],
    outcome: FolderOutcome,
) -> None:
    """Revoke entries the config no longer declares (a team removed from ``access``, a grant by hand).

    A principal that no folder at or below this one declares loses the entry on the whole subtree
    through the service's recursive remove (its files inherited the default entries when they were
    created, so removing it from the folder alone would leave them readable). One that a folder below
    still declares keeps its entries there; it loses the undeclared entry on this folder only.
    """
    below = _declared_below(plan, folder)
    subtree = [key for key in undeclared if (key[1], key[2]) not in below]
    here_only = [key for key in undeclared if (key[1], key[2]) in below]
    if subtree:

        def collect(changes: AccessControlChanges) -> None:
            outcome.prune_failures += [(f.name, f.error_message) for f in changes.batch_failures]

        directory.remove_access_control_recursive(
            acl=",".join(_entry_text(key) for key in subtree), continue_on_failure=True, progress_hook=collect
        )
        outcome.pruned = [_entry_text(key) for key in subtree]
    if here_only:
        acl = directory.get_access_control()["acl"] or ""
        kept = [item for item in acl.split(",") if item and next(iter(parse_acl(item)), None) not in here_only]
        directory.set_access_control(acl=",".join(kept))
        outcome.pruned_here_only = [_entry_text(key) for key in here_only]


def _create(directory: DataLakeDirectoryClient) -> bool:
    try:
        directory.create_directory(match_condition=MatchConditions.IfMissing)
    except ResourceExistsError:
        return False
    return True


def _add_traverse(directory: DataLakeDirectoryClient, folder: FolderPlan, acl: str) -> list[AclEntry]:
    current = parse_acl(acl)
    missing = [g.entry for g in folder.traverse if not _covers(current.get(g.entry.key), g.entry.permissions)]
    if not missing:
        return []
    kept = [item for item in acl.split(",") if item]
    by_key = {entry.key: entry for entry in missing}
    merged = []
    for item in kept:
        key = next(iter(parse_acl(item)), None)
        if key in by_key:
            entry = by_key.pop(key)
            merged.append(str(AclEntry(entry.kind, entry.object_id, _union(current[key], entry.permissions))))
        else:
            merged.append(item)
    merged += [str(entry) for entry in by_key.values()]
    # Set ACL replaces the folder's whole ACL, so the existing entries go back with the new ones.
    directory.set_access_control(acl=",".join(merged))
    return missing


def _union(first: str, second: str) -> str:
    return "".join(c if c in (first + second) else "-" for c in "rwx")


def _update_recursive(
    directory: DataLakeDirectoryClient,
    acl: str,
    location: str,
    journal: Journal,
    batch_size: int,
    on_batch: Callable[[str, RecursiveOutcome], None] | None,
) -> RecursiveOutcome:
    unfinished, token = journal.resume_token(location, acl)
    outcome = RecursiveOutcome(resumed=unfinished and token is not None)
    journal.begin(location, acl, token)

    def progress(changes: AccessControlChanges) -> None:
        outcome.batches += 1
        outcome.directories = changes.aggregate_counters.directories_successful
        outcome.files = changes.aggregate_counters.files_successful
        outcome.failures = changes.aggregate_counters.failure_count
        outcome.failed_paths += [(f.name, f.error_message) for f in changes.batch_failures]
        if changes.continuation:
            journal.begin(location, acl, changes.continuation)
        if on_batch is not None:
            on_batch(location, outcome)

    try:
        directory.update_access_control_recursive(
            acl=acl,
            continuation_token=token,
            batch_size=batch_size,
            continue_on_failure=True,
            progress_hook=progress,
        )
    except HttpResponseError as error:
        # The SDK hands back the last token that succeeded, for the next run to resume from.
        journal.begin(
            location, acl, getattr(error, "continuation_token", None) or journal.resume_token(location, acl)[1]
        )
        raise
    if outcome.failures:
        # Failed paths are scattered through the tree: the next run repeats the folder from the start.
        journal.begin(location, acl, None)
    else:
        journal.finish(location)
    return outcome


def apply_plan(
    plan: LakePlan,
    connections: Connections,
    journal: Journal,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_folder: Callable[[FolderOutcome], None] | None = None,
    on_batch: Callable[[str, RecursiveOutcome], None] | None = None,
    prune: bool = False,
) -> list[FolderOutcome]:
    """Apply every folder of the plan in order; a failure stops the run with an actionable error.

    With ``prune``, named entries the plan does not declare are revoked (``_prune``); without it they
    are reported in ``FolderOutcome.undeclared`` and left alone.
    """
    outcomes = []
    for folder in plan.folders:
        target = Target(folder.account_name, plan.stack, plan.vnet_name, INIT_ROLE)
        outcome = FolderOutcome(folder)
        with _explained(target):
            directory = _directory(connections, folder)
            if folder.path:
                outcome.created = _create(directory)
            acl = directory.get_access_control()["acl"] or ""
            outcome.traverse_added = _add_traverse(directory, folder, acl)
            declared = _declared_keys(plan, folder)
            undeclared = {key: p for key, p in parse_acl(acl).items() if key not in declared}
            outcome.undeclared = [_entry_text(key, permissions) for key, permissions in undeclared.items()]
            if prune and undeclared:
                _prune(directory, plan, folder, list(undeclared), outcome)
            desired = ",".join(str(g.entry) for g in folder.recursive)
            current = parse_acl(acl)
            outcome.recursive_changed = [
                g.entry for g in folder.recursive if current.get(g.entry.key) != g.entry.permissions
            ]
            unfinished, _ = journal.resume_token(folder.location, desired)
            if desired and (outcome.recursive_changed or unfinished):
                outcome.recursive = _update_recursive(
                    directory, desired, folder.location, journal, batch_size, on_batch
                )
        outcomes.append(outcome)
        if on_folder is not None:
            on_folder(outcome)
    return outcomes


def failures(outcomes: list[FolderOutcome]) -> list[tuple[str, str]]:
    granted = [path for o in outcomes if o.recursive for path in o.recursive.failed_paths]
    return granted + [path for o in outcomes for path in o.prune_failures]


__all__ = ["FolderOutcome", "Journal", "LakeError", "RecursiveOutcome", "apply_plan", "failures", "parse_acl"]
