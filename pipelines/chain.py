"""The zone's data chain, checked offline from its sets' contracts: every table a step reads is written
by a step of the zone (or declared as a source outside the platform), every column a step needs is one
its writer declares, and in the master pipeline every reader runs after its writers.

Each problem names the contract file (or the master's definition) and the JSON path to change, like
every other definition problem, so ``cloudscale pipelines validate`` and ``cloudscale plan`` report a
broken producer path, a renamed column or a view over a folder nobody writes before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cloudscale.dataproducts.contracts.model import CONTRACT_FILE, SetContract, Table
from cloudscale.dataproducts.contracts.serving import SERVING_SET
from cloudscale.pipelines.compose import MASTER_PIPELINE, MASTER_SET
from cloudscale.pipelines.definitions import DefinitionProblem, DefinitionSet
from cloudscale.pipelines.json_paths import walk
from cloudscale.pipelines.validate import all_activities


def declared_tables(sets: Sequence[DefinitionSet]) -> dict[str, tuple[str, Table]]:
    """Table id -> (the set that declares it, the table), over every set's writes and sources."""
    found: dict[str, tuple[str, Table]] = {}
    for definitions in sets:
        contract = definitions.contract
        for table in contract.declared() if contract else ():
            found.setdefault(table.id, (definitions.name, table))
    return found


def check_chain(sets: Sequence[DefinitionSet]) -> list[DefinitionProblem]:
    contracts = {s.name: s.contract for s in sets if s.contract is not None}
    tables = declared_tables(sets)
    problems = _twice_declared(sets)
    products = _zone_products(sets)
    for name, contract in contracts.items():
        shown = f"{name}/{CONTRACT_FILE}"
        for i, read in enumerate(contract.reads):
            if name == SERVING_SET and read.table.split("/")[1] not in products:
                continue  # the zone does not run that product, so it serves none of its tables
            where = f"$.reads[{i}]"
            if read.table not in tables:
                problems.append(
                    DefinitionProblem(
                        shown,
                        f"{where}.table",
                        f"reads {read.table}, which no set of this zone writes or declares as a source"
                        + _nearest(read.table, tables),
                    )
                )
                continue
            writer, table = tables[read.table]
            for j, column in enumerate(read.columns):
                if column not in table.column_names:
                    problems.append(
                        DefinitionProblem(
                            shown,
                            f"{where}.columns[{j}]",
                            f"needs column {column} of {read.table}, which {writer}/{CONTRACT_FILE} does not declare "
                            f"(it has {', '.join(table.column_names)})",
                        )
                    )
    problems += _master_order(sets, contracts, tables)
    problems += _job_paths(sets, tables)
    return problems


# A lake URL in a definition, as the placeholders write it: abfss://<container>@{{ lake.<key>.account }}...
_LAKE_URL = re.compile(
    r"abfss://([a-z0-9][a-z0-9-]*)@\{\{\s*lake\.([a-z]+)\.account\s*\}\}\.dfs\.core\.windows\.net/([^'\"\s?]+)"
)


def _job_paths(sets: Sequence[DefinitionSet], tables: Mapping[str, tuple[str, Table]]) -> list[DefinitionProblem]:
    """What a Web activity hands an Azure ML job to read or write (its inputs' and outputs' URIs) is a table
    a set of the zone declares, so a job never trains on a folder no step writes."""
    problems = []
    for definitions in sets:
        for pipeline in definitions.of_kind("pipeline").values():
            for path, activity in all_activities(pipeline):
                if activity.get("type") != "WebActivity":
                    continue
                body = (activity.get("typeProperties") or {}).get("body")
                for where, text in walk(body, f"{path}.typeProperties.body"):
                    for match in _LAKE_URL.finditer(text) if isinstance(text, str) else ():
                        table = f"{match[2]}/{match[1]}/{match[3].strip('/')}"
                        if table not in tables:
                            problems.append(
                                DefinitionProblem(
                                    pipeline.file,
                                    where,
                                    f"the job uses {table}, which no set of this zone writes or declares"
                                    + _nearest(table, tables),
                                )
                            )
    return problems


def _zone_products(sets: Sequence[DefinitionSet]) -> set[str]:
    return {t.container for s in sets if s.contract is not None for t in s.contract.writes if t.layer == "workspace"}


def _twice_declared(sets: Sequence[DefinitionSet]) -> list[DefinitionProblem]:
    problems = []
    owner: dict[str, str] = {}
    for definitions in sets:
        contract = definitions.contract
        for kind in ("sources", "writes"):
            for i, table in enumerate(getattr(contract, kind) if contract else ()):
                if table.id in owner and owner[table.id] != definitions.name:
                    problems.append(
                        DefinitionProblem(
                            f"{definitions.name}/{CONTRACT_FILE}",
                            f"$.{kind}[{i}].table",
                            f"{table.id} is also declared by {owner[table.id]}/{CONTRACT_FILE}; a table has one writer",
                        )
                    )
                owner.setdefault(table.id, definitions.name)
    return problems


def _nearest(table_id: str, tables: Mapping[str, object]) -> str:
    """A hint: the declared table in the same container with the closest name."""
    import difflib

    prefix = table_id.rsplit("/", 1)[0] + "/"
    candidates = [t for t in tables if t.startswith(prefix)]
    close = difflib.get_close_matches(table_id, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _master_order(
    sets: Sequence[DefinitionSet], contracts: Mapping[str, SetContract], tables: Mapping[str, tuple[str, Table]]
) -> list[DefinitionProblem]:
    """In the master, each step that reads a table waits (through its dependencies) for the steps of the
    set writing it, where that set runs in the master too."""
    master = next((s for s in sets if s.name == MASTER_SET), None)
    pipeline = master.of_kind("pipeline").get(MASTER_PIPELINE) if master else None
    if pipeline is None:
        return []
    activities = [a for _, a in all_activities(pipeline)]
    index = {str(a.get("name")): i for i, a in enumerate(pipeline.properties.get("activities") or [])}
    steps_of = _steps_by_set(activities, contracts)
    upstream = _upstream(pipeline.properties.get("activities") or [])
    problems = []
    for reader, reader_steps in steps_of.items():
        contract = contracts[reader]
        firsts = [s for s in reader_steps if not any(u in reader_steps for u in upstream.get(s, ()))]
        for read in contract.reads:
            writer = tables.get(read.table, ("", None))[0]
            if not writer or writer == reader or writer not in steps_of:
                continue
            for step in firsts:
                if not set(steps_of[writer]) & upstream.get(step, set()):
                    problems.append(
                        DefinitionProblem(
                            f"{MASTER_SET}/pipeline/{MASTER_PIPELINE}.json",
                            f"$.properties.activities[{index.get(step, 0)}].dependsOn",
                            f"{step} reads {read.table}, but does not wait for {writer}'s step(s) "
                            f"{', '.join(steps_of[writer])}, which write it",
                        )
                    )
    return problems


def _steps_by_set(
    activities: Sequence[Mapping[str, object]], contracts: Mapping[str, SetContract]
) -> dict[str, list[str]]:
    """The master's steps per set with a contract: its ingestion pipeline, notebook or inlined steps."""
    found: dict[str, list[str]] = {}
    for activity in activities:
        name = str(activity.get("name"))
        kind = activity.get("type")
        properties = activity.get("typeProperties") or {}
        set_name = ""
        if kind == "SynapseNotebook":
            notebook = str((properties.get("notebook") or {}).get("referenceName", ""))  # type: ignore[union-attr]
            set_name = notebook.removeprefix("nb_")
        elif kind == "ExecutePipeline":
            pipeline = str((properties.get("pipeline") or {}).get("referenceName", ""))  # type: ignore[union-attr]
            set_name = next((s for s in contracts if pipeline == f"pl_{s}"), "")
        if set_name in contracts:
            found.setdefault(set_name, []).append(name)
    return found


def _upstream(activities: Sequence[Mapping[str, object]]) -> dict[str, set[str]]:
    """Every activity's transitive dependencies at the master's top level."""
    direct = {
        str(a.get("name")): {str(d.get("activity")) for d in a.get("dependsOn") or []}  # type: ignore[union-attr]
        for a in activities
    }
    found: dict[str, set[str]] = {}

    def visit(name: str, trail: frozenset[str]) -> set[str]:
        if name in found:
            return found[name]
        result: set[str] = set()
        for dependency in direct.get(name, ()):
            if dependency not in trail:
                result |= {dependency} | visit(dependency, trail | {name})
        found[name] = result
        return result

    for name in direct:
        visit(name, frozenset())
    return found
