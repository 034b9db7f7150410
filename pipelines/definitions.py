"""Definition sets: folders of Data Factory / Synapse JSON in Synapse Studio's git layout.

A set is one folder holding ``linkedService/``, ``dataset/``, ``pipeline/``, ``trigger/``,
``notebook/``, ``sqlscript/`` and ``integrationRuntime/``, each with ``<name>.json`` files of the form
``{"name": ..., "properties": {...}}``, exactly what Studio's git integration writes, so a data
engineer can diff a set against an export. Loading never raises on bad input: every problem comes
back with the file and the JSON path to fix.

A set may also hold ``access.json``, which declares what its code reads and writes beyond what the
definitions themselves show (a notebook's Python names its lake paths; a Copy activity's datasets
do not need this)::

    {"reads": [{"lake": "raw", "container": "crm"}],
     "writes": [{"lake": "workspace", "container": "sales-analytics"}]}

The set's service identity is granted exactly these containers, so the file is what a reviewer
reads to see what the set may touch.

A product's set may also hold ``semanticModel/<Name>.SemanticModel/``: its Power BI semantic model in
the project format (TMDL, ``cloudscale.dataproducts.contracts.tmdl``), read here and checked against the
serving contract by ``cloudscale.pipelines.model_check``.

A set may hold ``contract.json`` instead (``cloudscale.dataproducts.contracts``): the tables it reads
and writes with their columns, types and keys. Its lake tables grant their containers like
``access.json`` entries, and the validator checks the zone's chain of them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from cloudscale.dataproducts.contracts.model import CONTRACT_FILE, SetContract, contract_from_json
from cloudscale.dataproducts.contracts.semantic import SEMANTIC_MODEL_FOLDER
from cloudscale.dataproducts.contracts.tmdl import ModelFiles, read_model
from cloudscale.pipelines.json_paths import walk

Target = Literal["dataFactory", "synapse"]
TARGETS: tuple[Target, ...] = ("dataFactory", "synapse")

# Studio's folder names, in the order the service needs them created (dependencies first).
KINDS: tuple[str, ...] = (
    "integrationRuntime",
    "linkedService",
    "dataset",
    "notebook",
    "sqlscript",
    "pipeline",
    "trigger",
)
ACCESS_FILE = "access.json"
LAKES = ("raw", "enriched", "workspace", "external")
# What only a Synapse workspace can hold.
SYNAPSE_ONLY_KINDS = frozenset({"notebook", "sqlscript"})


@dataclass(frozen=True)
class DefinitionProblem:
    """One thing wrong with a definition: the file, the JSON path inside it, and what to change."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


@dataclass(frozen=True)
class Artifact:
    kind: str
    name: str
    properties: dict[str, Any]
    file: str
    """Where the definition came from, as shown in problems (relative to the set's parent folder)."""
    set_name: str

    @property
    def type(self) -> str:
        return str(self.properties.get("type", ""))

    @cached_property
    def texts(self) -> tuple[tuple[str, str], ...]:
        """(JSON path, text) of every string under ``$.properties``: walked once, read by every check."""
        return tuple((path, value) for path, value in walk(self.properties, "$.properties") if isinstance(value, str))


@dataclass(frozen=True)
class DeclaredAccess:
    """One container a set's code reads or writes, as declared in its ``access.json``."""

    lake: str
    container: str
    write: bool
    file: str
    path: str
    """The JSON path of the entry, e.g. ``$.reads[0]``."""


@dataclass
class DefinitionSet:
    """One scenario folder, deployed to one target (a zone's Data Factory or its Synapse workspace)."""

    name: str
    target: Target
    folder: Path | None = None
    artifacts: dict[str, dict[str, Artifact]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    declared_access: list[DeclaredAccess] = field(default_factory=list)
    contract: SetContract | None = None
    semantic_models: list[ModelFiles] = field(default_factory=list)

    def of_kind(self, kind: str) -> dict[str, Artifact]:
        return self.artifacts[kind]

    def __iter__(self) -> Iterator[Artifact]:
        for kind in KINDS:
            yield from self.artifacts[kind].values()

    def add(self, artifact: Artifact) -> None:
        self.artifacts[artifact.kind][artifact.name] = artifact


def default_target(folder: Path) -> Target:
    """Notebooks and SQL scripts exist only in Synapse; anything else runs in the shared factory."""
    return "synapse" if any((folder / kind).is_dir() for kind in SYNAPSE_ONLY_KINDS) else "dataFactory"


def is_set_folder(folder: Path) -> bool:
    """A folder of definitions, or of semantic models only (a team's reports over the served views)."""
    return folder.is_dir() and any((folder / kind).is_dir() for kind in (*KINDS, SEMANTIC_MODEL_FOLDER))


def load_set(
    folder: Path, *, target: Target | None = None, name: str | None = None
) -> tuple[DefinitionSet, list[DefinitionProblem]]:
    """Read one scenario folder; malformed files become problems, never exceptions."""
    folder = Path(folder)
    definitions = DefinitionSet(name or folder.name, target or default_target(folder), folder)
    problems: list[DefinitionProblem] = []
    for kind in KINDS:
        directory = folder / kind
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            shown = f"{definitions.name}/{kind}/{path.name}"
            if path.suffix != ".json":
                problems.append(DefinitionProblem(shown, "$", "only <name>.json files belong in a definition folder"))
                continue
            artifact, problem = _read(path, kind, shown, definitions.name)
            if problem:
                problems.append(problem)
            elif artifact:
                definitions.add(artifact)
    if (folder / ACCESS_FILE).is_file():
        declared, found = _read_access(folder / ACCESS_FILE, f"{definitions.name}/{ACCESS_FILE}")
        definitions.declared_access = declared
        problems += found
    if (folder / CONTRACT_FILE).is_file():
        shown = f"{definitions.name}/{CONTRACT_FILE}"
        contract, found = _read_contract(folder / CONTRACT_FILE, shown, definitions.name)
        definitions.contract = contract
        problems += found
        # A notebook's code reaches the lakes itself, so its set's identity is granted what the contract
        # names; other sets' access follows from their activities (a copy's datasets), and the serving
        # views read through the serverless endpoint as the workspace, which writes those tables.
        if contract is not None and definitions.of_kind("notebook"):
            definitions.declared_access += contract_access(contract, shown)
    models = folder / SEMANTIC_MODEL_FOLDER
    for model_folder in sorted(models.iterdir()) if models.is_dir() else ():
        shown = f"{definitions.name}/{SEMANTIC_MODEL_FOLDER}/{model_folder.name}"
        if not (model_folder.is_dir() and model_folder.name.endswith(".SemanticModel")):
            problems.append(DefinitionProblem(shown, "$", "only <Name>.SemanticModel folders belong in semanticModel/"))
            continue
        try:
            model, found = read_model(model_folder, shown)
        except UnicodeDecodeError as error:
            problems.append(DefinitionProblem(shown, "$", f"not UTF-8 text: {error.reason}"))
            continue
        definitions.semantic_models.append(model)
        problems += [DefinitionProblem(file, path, message) for file, path, message in found]
    return definitions, problems


def _read_contract(path: Path, shown: str, set_name: str) -> tuple[SetContract | None, list[DefinitionProblem]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return None, [
            DefinitionProblem(shown, "$", f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}")
        ]
    except UnicodeDecodeError as error:
        return None, [DefinitionProblem(shown, "$", f"not UTF-8 text: {error.reason}")]
    contract, found = contract_from_json(document, set_name)
    return contract, [DefinitionProblem(shown, p.path, p.message) for p in found]


def contract_access(contract: SetContract, shown: str) -> list[DeclaredAccess]:
    """The lake containers a contract's tables live in, read or written by the set's identity."""
    access = [
        DeclaredAccess(catalog_lake(read.table), read.table.split("/")[1], False, shown, f"$.reads[{i}]")
        for i, read in enumerate(contract.reads)
        if catalog_lake(read.table)
    ]
    access += [
        DeclaredAccess(table.layer, table.container, True, shown, f"$.writes[{i}]")
        for i, table in enumerate(contract.writes)
        if table.in_lake
    ]
    return access


def catalog_lake(table_id: str) -> str:
    """The lake a table id names, or empty for a source system's table."""
    layer = table_id.split("/", 1)[0]
    return layer if layer in LAKES and table_id.count("/") >= 2 else ""


def _read_access(path: Path, shown: str) -> tuple[list[DeclaredAccess], list[DefinitionProblem]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return [], [
            DefinitionProblem(shown, "$", f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}")
        ]
    except UnicodeDecodeError as error:
        return [], [DefinitionProblem(shown, "$", f"not UTF-8 text: {error.reason}")]
    if not isinstance(document, dict):
        return [], [DefinitionProblem(shown, "$", 'expected an object {"reads": [...], "writes": [...]}')]
    problems = [
        DefinitionProblem(shown, f"$.{key}", "unknown key; use reads and writes")
        for key in document
        if key not in ("reads", "writes")
    ]
    declared: list[DeclaredAccess] = []
    for key in ("reads", "writes"):
        entries = document.get(key, [])
        if not isinstance(entries, list):
            problems.append(DefinitionProblem(shown, f"$.{key}", 'a list of {"lake": ..., "container": ...}'))
            continue
        for i, entry in enumerate(entries):
            where = f"$.{key}[{i}]"
            if not isinstance(entry, dict) or set(entry) != {"lake", "container"}:
                problems.append(DefinitionProblem(shown, where, 'expected exactly {"lake": ..., "container": ...}'))
            elif entry["lake"] not in LAKES:
                problems.append(DefinitionProblem(shown, f"{where}.lake", f"one of {', '.join(LAKES)}"))
            elif not isinstance(entry["container"], str) or not entry["container"]:
                problems.append(DefinitionProblem(shown, f"{where}.container", "a container name"))
            else:
                declared.append(DeclaredAccess(entry["lake"], entry["container"], key == "writes", shown, where))
    return declared, problems


def _read(path: Path, kind: str, shown: str, set_name: str) -> tuple[Artifact | None, DefinitionProblem | None]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return None, DefinitionProblem(
            shown, "$", f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        )
    except UnicodeDecodeError as error:
        return None, DefinitionProblem(shown, "$", f"not UTF-8 text: {error.reason}")
    if not isinstance(document, dict):
        return None, DefinitionProblem(shown, "$", 'expected an object {"name": ..., "properties": {...}}')
    name, properties = document.get("name"), document.get("properties")
    if name != path.stem:
        return None, DefinitionProblem(shown, "$.name", f"must equal the file name {path.stem!r} (got {name!r})")
    if not isinstance(properties, dict):
        return None, DefinitionProblem(shown, "$.properties", "required, an object")
    return Artifact(kind, name, properties, shown, set_name), None


@functools.cache
def bundled_root() -> Path:
    """The folder of the package that ships the bundled scenario sets as package data."""
    return Path(str(resources.files("cloudscale.pipelines")))


def bundled_set_names() -> list[str]:
    return list(_bundled_set_names())


@functools.cache
def _bundled_set_names() -> tuple[str, ...]:
    # Package data, fixed for the life of the process; every zone's config check asks.
    return tuple(sorted(child.name for child in bundled_root().iterdir() if is_set_folder(child)))


def discover(folder: Path) -> list[Path]:
    """A scenario folder itself, or every scenario folder directly inside ``folder``."""
    folder = Path(folder)
    if is_set_folder(folder):
        return [folder]
    return sorted(child for child in folder.iterdir() if is_set_folder(child)) if folder.is_dir() else []


def load_sets(
    folders: Iterable[tuple[Path, Target | None]],
) -> tuple[list[DefinitionSet], list[DefinitionProblem]]:
    sets: list[DefinitionSet] = []
    problems: list[DefinitionProblem] = []
    for folder, target in folders:
        loaded, found = load_set(folder, target=target)
        sets.append(loaded)
        problems += found
    return sets, problems
