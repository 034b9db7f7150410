"""Running a Synapse notebook's cells as Synapse runs them for a pipeline activity: the parameters cell,
then the activity's parameters over it, then every other cell, in one Python namespace with ``spark``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def code_cells(notebook: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in notebook.get("cells") or [] if c.get("cell_type") == "code"]


def execute(
    name: str,
    cells: Sequence[Mapping[str, Any]],
    spark: Any,
    parameters: Mapping[str, Any],
    localize: Callable[[str], str] = lambda value: value,
) -> dict[str, Any]:
    """Run the cells; returns the namespace. ``localize`` maps each string value after the parameters
    cell (a lake URL to where the lake is on this machine); what a cell raises propagates."""
    namespace: dict[str, Any] = {"spark": spark, "__name__": "__notebook__"}
    for index, cell in enumerate(cells):
        source = "".join(cell.get("source") or [])
        exec(compile(source, f"{name}[{index}]", "exec"), namespace)  # the notebook's own cells, as Synapse runs them
        if "parameters" in (cell.get("metadata") or {}).get("tags", []):
            namespace.update(parameters)
            for key, value in list(namespace.items()):
                if isinstance(value, str):
                    namespace[key] = localize(value)
    return namespace
