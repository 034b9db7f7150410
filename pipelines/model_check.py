"""The semantic models checked offline against the serving contract, as the zone composes it.

Every table a model reads is a view the zone's serving layer publishes (``schema.name`` of a product the
zone runs), every column reads a column of that view, with the data type the product's contract gives
it, every relationship joins two columns of the model whose types match, and every measure reads only
columns and tables of the model in the DAX the checks understand (``cloudscale.pipelines.dax``). A
problem names the TMDL file and the path of the object in it (``table sales_summary / column Revenue /
sourceColumn``, with its line), so a report that reads a column no product publishes fails
``cloudscale pipelines validate`` and ``cloudscale plan`` before anything is deployed.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudscale.dataproducts.contracts.semantic import tmdl_type
from cloudscale.dataproducts.contracts.serving import SERVING_SET, View, views
from cloudscale.dataproducts.contracts.tmdl import ModelFiles, Node, column_ref
from cloudscale.pipelines import dax
from cloudscale.pipelines.definitions import DefinitionProblem, DefinitionSet


def served_views(sets: Sequence[DefinitionSet]) -> dict[str, View] | None:
    """The zone's serving views by ``schema.name``; None when the zone serves none (no serving set)."""
    serving = next((s.contract for s in sets if s.name == SERVING_SET and s.contract is not None), None)
    if serving is None:
        return None
    contracts = {s.name: s.contract for s in sets if s.contract is not None and s.name != SERVING_SET}
    products = sorted({t.container for c in contracts.values() for t in c.writes if t.layer == "workspace"})
    return {v.qualified: v for v in views(products, contracts, serving)}


def check_models(sets: Sequence[DefinitionSet]) -> list[DefinitionProblem]:
    problems = _same_names(sets)
    served = served_views(sets)
    if served is None:
        return problems
    for definitions in sets:
        for model in definitions.semantic_models:
            problems += _check_model(model, served)
    return problems


def _same_names(sets: Sequence[DefinitionSet]) -> list[DefinitionProblem]:
    """A zone deploys each model under its folder's name (its display name in the zone's workspace, and the name
    of its resource), so two folders of one name cannot both deploy."""
    first: dict[str, str] = {}
    problems = []
    for definitions in sets:
        for model in definitions.semantic_models:
            if model.name in first:
                message = f"a second semantic model named {model.name} (the first is {first[model.name]})"
                problems.append(DefinitionProblem(model.folder, "$", message))
            first.setdefault(model.name, model.folder)
    return problems


def _where(*parts: str, line: int) -> str:
    return " / ".join(parts) + f" (line {line})"


def _check_model(model: ModelFiles, served: dict[str, View]) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []
    # Model table -> model column -> (data type as declared, data type its view column has)
    types: dict[str, dict[str, str]] = {}
    for relative, table in model.tables():
        file = model.shown(relative)
        view = _table_view(table, served, file, problems)
        published = {name: kind for name, kind in view.typed_columns} if view else {}
        types[table.name] = {}
        for column in table.of_kind("column"):
            source, line = column.properties.get("sourceColumn", (column.name, column.line))
            declared = column.value("dataType")
            types[table.name][column.name] = declared
            if view is None:
                continue
            where = _where(f"table {table.name}", f"column {column.name}", "sourceColumn", line=line)
            if source not in published:
                problems.append(
                    DefinitionProblem(
                        file,
                        where,
                        f"reads column {source} of the view {view.qualified}, which the serving contract does not "
                        f"publish (it publishes {', '.join(published)})",
                    )
                )
            elif declared and declared != tmdl_type(published[source]):
                problems.append(
                    DefinitionProblem(
                        file,
                        _where(f"table {table.name}", f"column {column.name}", "dataType", line=column.line),
                        f"is {declared}, but {view.qualified}.{source} is {published[source]} "
                        f"({tmdl_type(published[source])} in the model)",
                    )
                )
    for relative, relationship in model.relationships():
        problems += _check_relationship(model.shown(relative), relationship, types)
    for relative, table in model.tables():
        for measure in table.of_kind("measure"):
            problems += _check_measure(model.shown(relative), table.name, measure, types)
    return problems


def _table_view(table: Node, served: dict[str, View], file: str, problems: list[DefinitionProblem]) -> View | None:
    partitions = list(table.of_kind("partition"))
    if not partitions:
        problems.append(
            DefinitionProblem(
                file, _where(f"table {table.name}", line=table.line), "has no partition: it reads nothing"
            )
        )
        return None
    for partition in partitions:
        qualified = dax.partition_view(partition)
        if qualified in served:
            return served[qualified]
        source = next(partition.of_kind("source"), partition)
        line = source.properties.get("entityName", ("", source.line))[1]
        problems.append(
            DefinitionProblem(
                file,
                _where(f"table {table.name}", f"partition {partition.name}", "source", line=line),
                f"reads {qualified or 'no view'}, which the zone's serving layer does not publish; "
                f"it publishes {', '.join(sorted(served)) or 'no view'}",
            )
        )
    return None


def _check_relationship(file: str, relationship: Node, types: dict[str, dict[str, str]]) -> list[DefinitionProblem]:
    problems = []
    ends = []
    for key in ("fromColumn", "toColumn"):
        text, line = relationship.properties.get(key, ("", relationship.line))
        where = _where(f"relationship {relationship.name}", key, line=line)
        reference = column_ref(text)
        if reference is None or reference.column not in types.get(reference.table, {}):
            problems.append(DefinitionProblem(file, where, f"{text or 'nothing'} is no column of the model"))
        else:
            ends.append((text, types[reference.table][reference.column]))
    if len(ends) == 2 and ends[0][1] != ends[1][1]:
        problems.append(
            DefinitionProblem(
                file,
                _where(f"relationship {relationship.name}", line=relationship.line),
                f"joins {ends[0][0]} ({ends[0][1]}) to {ends[1][0]} ({ends[1][1]}): a relationship joins columns "
                "of one type",
            )
        )
    return problems


def _check_measure(file: str, table: str, measure: Node, types: dict[str, dict[str, str]]) -> list[DefinitionProblem]:
    where = _where(f"table {table}", f"measure {measure.name}", line=measure.line)
    try:
        expression = dax.parse(measure.expression)
    except dax.DaxError as error:
        return [DefinitionProblem(file, where, f"DAX the checks cannot read: {error}")]
    problems = []
    for read in dax.columns_read(expression):
        if read.table not in types:
            problems.append(
                DefinitionProblem(file, where, f"reads table '{read.table}', which the model does not have")
            )
        elif isinstance(read, dax.Column) and read.column not in types[read.table]:
            problems.append(
                DefinitionProblem(
                    file,
                    where,
                    f"reads '{read.table}'[{read.column}], which is no column of the model's table {read.table}",
                )
            )
    return problems
