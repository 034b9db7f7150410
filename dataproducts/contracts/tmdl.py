"""Semantic models in the Power BI project format: TMDL rendered from the declarations, and read back.

Standard library only, like the rest of the contracts.

A model lives in its product's definition set as ``semanticModel/<Name>.SemanticModel/``, the folder
Power BI Desktop saves a project's model to and Fabric's item definition takes part by part
(``definition.pbism``, ``definition/database.tmdl``, ``definition/model.tmdl``,
``definition/relationships.tmdl``, ``definition/expressions.tmdl``, ``definition/tables/<table>.tmdl``;
Microsoft Learn, "Power BI Desktop projects: semantic model folder" and "Tabular Model Definition
Language (TMDL)", learn.microsoft.com/power-bi/developer/projects/projects-dataset and
learn.microsoft.com/analysis-services/tmdl/tmdl-overview).

Rendering writes the subset of TMDL a model here needs; reading takes any TMDL document apart into its
objects (by tab indentation, as the language defines), so a model a team edits in Desktop is read as
written and checked against the serving contract. The data source is written with placeholders
(``{{ fabric.workspaceId }}``, ``{{ fabric.lakehouseId }}``, ``{{ synapse.serverlessEndpoint }}``) that
the deployment resolves per zone, like the pipelines' definitions.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cloudscale.dataproducts.contracts.model import SetContract
from cloudscale.dataproducts.contracts.semantic import SERVING_DATABASE, SemanticModel, StorageMode

DEFINITION = "definition"
PLATFORM_FILE = ".platform"
PBISM_FILE = "definition.pbism"
DIRECT_LAKE_EXPRESSION = "DatabaseQuery"
WORKSPACE_PLACEHOLDER = "{{ fabric.workspaceId }}"
LAKEHOUSE_PLACEHOLDER = "{{ fabric.lakehouseId }}"
SERVERLESS_PLACEHOLDER = "{{ synapse.serverlessEndpoint }}"
PLACEHOLDERS = (WORKSPACE_PLACEHOLDER, LAKEHOUSE_PLACEHOLDER, SERVERLESS_PLACEHOLDER)
# Power BI's compatibility level for Direct Lake on OneLake and TMDL (Learn, "Compatibility level for
# Analysis Services tabular models": 1604 is the level Power BI Desktop writes for Direct Lake models).
COMPATIBILITY_LEVEL = 1604
_BARE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAMESPACE = uuid.UUID("6f1f3c1e-6c0e-4c55-9a53-8e0f2b6d7a10")


def quote(name: str) -> str:
    """A TMDL object name: bare when it is a plain identifier, else in single quotes (doubled inside)."""
    return name if _BARE_NAME.match(name) else "'" + name.replace("'", "''") + "'"


def _lineage(*parts: str) -> str:
    # Stable across renders, so a re-rendered model is byte-identical and Fabric keeps its objects.
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def render(model: SemanticModel, contracts: dict[str, SetContract] | None = None) -> dict[str, str]:
    """The model's folder as files (path relative to ``<Name>.SemanticModel/`` -> text)."""
    mode = model.storage_mode(contracts)
    tables = model.model_tables(contracts)
    files = {
        PLATFORM_FILE: json.dumps(
            {
                "$schema": "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/platformProperties/2.0.0/schema.json",
                "metadata": {"type": "SemanticModel", "displayName": model.name, "description": model.description},
                "config": {"version": "2.0", "logicalId": _lineage(model.name, "item")},
            },
            indent=2,
        )
        + "\n",
        PBISM_FILE: json.dumps({"version": "4.2", "settings": {}}, indent=2) + "\n",
        f"{DEFINITION}/database.tmdl": f"database\n\tcompatibilityLevel: {COMPATIBILITY_LEVEL}\n",
        f"{DEFINITION}/model.tmdl": _model_tmdl(model, [t.name for t in tables]),
    }
    if mode == "directLake":
        files[f"{DEFINITION}/expressions.tmdl"] = (
            f"/// OneLake location of the zone's lakehouse, whose table shortcuts point at the products' tables\n"
            f"expression {DIRECT_LAKE_EXPRESSION} =\n"
            "\t\tlet\n"
            f'\t\t    Source = AzureStorage.DataLake("https://onelake.dfs.fabric.microsoft.com/{WORKSPACE_PLACEHOLDER}/'
            f'{LAKEHOUSE_PLACEHOLDER}", [HierarchicalNavigation = true])\n'
            "\t\tin\n"
            "\t\t    Source\n"
            f"\tlineageTag: {_lineage(model.name, 'expression')}\n"
        )
    if model.relationships:
        files[f"{DEFINITION}/relationships.tmdl"] = "\n".join(
            f"relationship {quote(r.name)}\n"
            f"\tfromColumn: {quote(r.from_table)}.{quote(r.from_column)}\n"
            f"\ttoColumn: {quote(r.to_table)}.{quote(r.to_column)}\n"
            for r in model.relationships
        )
    for table in tables:
        files[f"{DEFINITION}/tables/{table.name}.tmdl"] = _table_tmdl(model, table.name, table.columns, mode)
    return files


def _model_tmdl(model: SemanticModel, tables: list[str]) -> str:
    lines = [
        "model Model",
        "\tculture: en-US",
        "\tdefaultPowerBIDataSourceVersion: powerBI_V3",
        "\tsourceQueryCulture: en-US",
        "\tdataAccessOptions",
        "\t\tlegacyRedirects",
        "\t\treturnErrorValuesAsNull",
        "",
    ]
    lines += [f"ref table {quote(name)}" for name in tables]
    return "\n".join(lines) + "\n"


def _table_tmdl(model: SemanticModel, name: str, columns: list, mode: StorageMode) -> str:
    lines = [f"table {quote(name)}", f"\tlineageTag: {_lineage(model.name, name)}", ""]
    for measure in (m for m in model.measures if m.table == name):
        if measure.description:
            lines.append(f"\t/// {measure.description}")
        lines.append(f"\tmeasure {quote(measure.name)} = {measure.expression}")
        if measure.format_string:
            lines.append(f"\t\tformatString: {measure.format_string}")
        lines += [f"\t\tlineageTag: {_lineage(model.name, name, 'measure', measure.name)}", ""]
    for column in columns:
        lines += [
            f"\tcolumn {quote(column.name)}",
            f"\t\tdataType: {column.data_type}",
            f"\t\tsourceColumn: {column.name}",
            "\t\tsummarizeBy: none",
            f"\t\tlineageTag: {_lineage(model.name, name, 'column', column.name)}",
            "",
        ]
    if mode == "directLake":
        lines += [
            f"\tpartition {quote(name)} = entity",
            "\t\tmode: directLake",
            "\t\tsource",
            f"\t\t\tentityName: {name}",
            f"\t\t\tschemaName: {model.schema}",
            f"\t\t\texpressionSource: {DIRECT_LAKE_EXPRESSION}",
        ]
    else:
        lines += [
            f"\tpartition {quote(name)} = m",
            "\t\tmode: directQuery",
            "\t\tsource =",
            "\t\t\t\tlet",
            f'\t\t\t\t    Source = Sql.Database("{SERVERLESS_PLACEHOLDER}", "{SERVING_DATABASE}"),',
            f'\t\t\t\t    View = Source{{[Schema = "{model.schema}", Item = "{name}"]}}[Data]',
            "\t\t\t\tin",
            "\t\t\t\t    View",
        ]
    return "\n".join(lines) + "\n"


def write(folder: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def read_folder(folder: Path) -> dict[str, str]:
    """Every file of a model folder, by its path relative to the folder."""
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --------------------------------------------------------------------------------------------------
# Reading TMDL back


class TmdlError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class Node:
    """One TMDL object: ``kind name [= expression]`` with its properties and child objects."""

    kind: str
    name: str
    expression: str
    line: int
    properties: dict[str, tuple[str, int]] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def of_kind(self, kind: str) -> Iterator[Node]:
        return (child for child in self.children if child.kind == kind)

    def value(self, key: str) -> str:
        return self.properties.get(key, ("", 0))[0]


_NAME = re.compile(r"^(?P<name>'(?:[^']|'')*'|[^\s=']+)\s*(?P<rest>.*)$")
_PROPERTY = re.compile(r"^(?P<key>[A-Za-z]+):(?P<value>.*)$")
_OBJECT_KINDS = frozenset(
    {
        "database",
        "model",
        "table",
        "column",
        "measure",
        "partition",
        "relationship",
        "expression",
        "source",
        "ref table",
        "hierarchy",
        "level",
        "annotation",
        "dataAccessOptions",
        "role",
        "perspective",
        "culture",
        "calculationGroup",
        "calculationItem",
        "changedProperty",
    }
)


def _declaration(content: str) -> tuple[str, str, str | None] | None:
    """(kind, name, expression or None) of an object's first line, or None when it is no object."""
    kind, _, rest = content.partition(" ")
    if kind == "ref":
        second, _, rest = rest.partition(" ")
        kind = f"ref {second}"
    if kind not in _OBJECT_KINDS:
        return None
    rest = rest.strip()
    if rest.startswith("="):
        return kind, "", rest[1:]
    if not rest:
        return kind, "", None
    match = _NAME.match(rest)
    if match is None:
        return None
    tail = match["rest"].strip()
    if tail and not tail.startswith("="):
        return None
    return kind, match["name"], tail[1:] if tail else None


def unquote(name: str) -> str:
    return name[1:-1].replace("''", "'") if name.startswith("'") and name.endswith("'") else name


def parse(text: str) -> list[Node]:
    """The top-level objects of one TMDL document; raises ``TmdlError`` with the line for what it cannot read."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i]
        number = i + 1
        i += 1
        if not raw.strip() or raw.strip().startswith("///"):
            continue
        if raw.startswith(" ") and raw.strip():
            raise TmdlError(number, "TMDL indents with tabs")
        depth = len(raw) - len(raw.lstrip("\t"))
        content = raw.strip()
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        if parent is not None and depth != stack[-1][0] + 1:
            raise TmdlError(number, f"indented {depth} level(s) under an object at level {stack[-1][0]}")
        property_match = _PROPERTY.match(content)
        if property_match and parent is not None:
            parent.properties[property_match["key"]] = (property_match["value"].strip(), number)
            continue
        declared = _declaration(content)
        if declared is None:
            if parent is not None and re.fullmatch(r"[A-Za-z]+", content):
                # A flag property (``legacyRedirects``) under an object: present means true.
                parent.properties[content] = ("true", number)
                continue
            raise TmdlError(number, f"cannot read {content!r}")
        kind, name, expr = declared
        expression = (expr or "").strip()
        if expr is not None and not expression:
            # A multi-line expression: the following lines indented two levels deeper.
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip("\t")) >= depth + 2):
                body.append(lines[i].strip("\n")[depth + 2 :] if lines[i].strip() else "")
                i += 1
            expression = "\n".join(body).strip()
        node = Node(kind, unquote(name), expression, number)
        (parent.children if parent is not None else roots).append(node)
        stack.append((depth, node))
    return roots


@dataclass(frozen=True)
class ColumnRef:
    table: str
    column: str


_COLUMN_REF = re.compile(r"^(?P<table>'(?:[^']|'')*'|[^.']+)\.(?P<column>'(?:[^']|'')*'|.+)$")


def column_ref(text: str) -> ColumnRef | None:
    match = _COLUMN_REF.match(text.strip())
    return ColumnRef(unquote(match["table"]), unquote(match["column"])) if match else None


@dataclass
class ModelFiles:
    """A semantic model folder as read: its files, and each file's parsed objects."""

    name: str
    folder: str
    """As shown in problems: ``<set>/semanticModel/<Name>.SemanticModel``."""
    files: dict[str, str]
    documents: dict[str, list[Node]] = field(default_factory=dict)

    def shown(self, relative: str) -> str:
        return f"{self.folder}/{relative}"

    def tables(self) -> Iterator[tuple[str, Node]]:
        for relative, nodes in self.documents.items():
            for node in nodes:
                if node.kind == "table":
                    yield relative, node

    def relationships(self) -> Iterator[tuple[str, Node]]:
        for relative, nodes in self.documents.items():
            for node in nodes:
                if node.kind == "relationship":
                    yield relative, node

    @property
    def storage_mode(self) -> str:
        """``directLake`` when every partition reads the lakehouse in Direct Lake, else ``directQuery``."""
        modes = {p.value("mode") for _, table in self.tables() for p in table.of_kind("partition")}
        return "directLake" if modes == {"directLake"} else "directQuery"

    def substituted(self, values: Mapping[str, str]) -> dict[str, str]:
        """The files with the data source's placeholders replaced (what the service receives)."""
        result = {}
        for relative, text in self.files.items():
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            result[relative] = text
        return result


def read_model(folder: Path, shown: str) -> tuple[ModelFiles, list[tuple[str, str, str]]]:
    """A model folder read and parsed; problems are (file, path, message), nothing raises."""
    files = read_folder(folder)
    model = ModelFiles(folder.name.removesuffix(".SemanticModel"), shown, files)
    problems: list[tuple[str, str, str]] = []
    if PBISM_FILE not in files:
        problems.append((model.shown(PBISM_FILE), "$", "missing: a semantic model folder holds definition.pbism"))
    if f"{DEFINITION}/model.tmdl" not in files:
        problems.append((model.shown(f"{DEFINITION}/model.tmdl"), "$", "missing: the model's TMDL definition"))
    for relative, text in files.items():
        if not relative.endswith(".tmdl"):
            continue
        try:
            model.documents[relative] = parse(text)
        except TmdlError as error:
            problems.append((model.shown(relative), f"line {error.line}", str(error).split(": ", 1)[1]))
    return model, problems
