"""What the flow's activities touch: the zone's definitions, its lakes on disk, the source emulators, the
local Spark session, the Azure ML jobs and the serving engine; and the players of the activities that
move data (Copy, SynapseNotebook, WebActivity to Azure ML, Script on the serving endpoint, Delete,
GetMetadata).
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import re
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudscale.dataproducts.contracts import arrow
from cloudscale.dataproducts.contracts.model import SetContract
from cloudscale.dataproducts.contracts.serving import View
from cloudscale.flow.engine import ActivityFailedError, ActivityRun, Engine, NotPlayableError, Scope
from cloudscale.flow.notebook import code_cells, execute
from cloudscale.flow.platform import LocalPlatform
from cloudscale.flow.serving import ServingEngine
from cloudscale.flow.sources import Dataverse, ErpDatabase, GraphDataConnect, SourceError
from cloudscale.pipelines.definitions import Artifact, DefinitionSet
from cloudscale.pipelines.expressions import ExpressionError, evaluate_value
from cloudscale.pipelines.placeholders import resolve

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

_ML_JOB = re.compile(r"/providers/Microsoft\.MachineLearningServices/workspaces/([^/]+)/jobs/([^/?]+)")
_CODE_ID = re.compile(r"/codes/([^/]+)/versions/([^/?]+)")
# The lakes' platform linked services, by what they connect to (components/data_factory.py names them).
LAKE_LINKED_SERVICES = {
    "ls_lake_raw": "raw",
    "ls_lake_enriched": "enriched",
    "ls_lake_workspace": "workspace",
    "ls_lake_external": "external",
}
# Copy's interim types (Learn, "Data type mapping in copy activity") as Arrow types.
_INTERIM = {
    "string": "string",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "single": "float",
    "double": "double",
    "decimal": "double",
    "boolean": "bool",
    "datetime": "timestamp[us, tz=UTC]",
    "datetimeoffset": "timestamp[us, tz=UTC]",
    "guid": "string",
}


@dataclass
class MachineLearningJob:
    name: str
    status: str
    error: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    platform: LocalPlatform
    sets: Sequence[DefinitionSet]
    values_for: Callable[[str], Mapping[str, Any]]
    dataverse: Dataverse
    erp: ErpDatabase
    graph: GraphDataConnect
    serving: ServingEngine
    views: Sequence[View]
    contracts: Mapping[str, SetContract]
    out: Path
    run_time: datetime
    spark_factory: Callable[[], SparkSession]
    cosmos_store: Path
    jobs: dict[str, MachineLearningJob] = field(default_factory=dict)
    _spark: SparkSession | None = None
    _resolved: dict[tuple[str, str, str], Artifact | None] = field(default_factory=dict)

    # -- definitions ---------------------------------------------------------------------------------

    def definition(self, target: str, kind: str, name: str) -> Artifact | None:
        """A definition of the zone, with its set's placeholders resolved as the deployment resolves them."""
        key = (target, kind, name)
        if key not in self._resolved:
            found = None
            for definitions in self.sets:
                if definitions.target == target and name in definitions.of_kind(kind):
                    artifact = definitions.of_kind(kind)[name]
                    properties = resolve(artifact.properties, self.values_for(definitions.name))
                    found = Artifact(kind, name, properties, artifact.file, artifact.set_name)
                    break
            self._resolved[key] = found
        return self._resolved[key]

    def spark(self) -> SparkSession:
        if self._spark is None:
            self._spark = self.spark_factory()
        return self._spark

    def players(self, engine: Engine) -> dict[str, Callable[[dict[str, Any], Scope, ActivityRun], dict[str, Any]]]:
        plays = _Players(self, engine)
        return {
            "Copy": plays.copy,
            "SynapseNotebook": plays.notebook,
            "WebActivity": plays.web,
            "Script": plays.script,
            "Delete": plays.delete,
            "GetMetadata": plays.get_metadata,
        }


class _Players:
    def __init__(self, world: World, engine: Engine) -> None:
        self.world = world
        self.engine = engine

    # -- datasets ------------------------------------------------------------------------------------

    def dataset(
        self, target: str, reference: Mapping[str, Any], scope: Scope, who: str
    ) -> tuple[Artifact, dict[str, Any]]:
        """A dataset reference: the dataset, and its properties with ``dataset()`` parameters evaluated."""
        name = str(reference.get("referenceName"))
        dataset = self.world.definition(target, "dataset", name)
        if dataset is None:
            raise ActivityFailedError(f"{who}: dataset {name!r} does not exist")
        declared = dataset.properties.get("parameters") or {}
        given = self.engine.evaluate(reference.get("parameters") or {}, scope, who)
        parameters = {key: spec.get("defaultValue") for key, spec in declared.items()}
        parameters.update(given)
        context = self.engine.context(scope, dataset=parameters)
        try:
            properties = evaluate_value({k: v for k, v in dataset.properties.items() if k != "parameters"}, context)
        except ExpressionError as error:
            raise ActivityFailedError(f"{who}: dataset {name}: {error}", "InvalidTemplate") from None
        return dataset, properties

    def lake_folder(self, target: str, properties: Mapping[str, Any], who: str) -> tuple[Path, str]:
        """The local folder a lake dataset points at, and its file name (empty: the folder)."""
        linked = str((properties.get("linkedServiceName") or {}).get("referenceName"))
        lake = LAKE_LINKED_SERVICES.get(linked) or self._lake_of(target, linked)
        if lake is None:
            raise NotPlayableError(who, f"linked service {linked!r} is not one of the zone's lakes")
        location = (properties.get("typeProperties") or {}).get("location") or {}
        container = location.get("fileSystem") or location.get("container")
        folder = self.world.platform.container(lake, str(container))
        if location.get("folderPath"):
            folder = folder / str(location["folderPath"]).strip("/")
        return folder, str(location.get("fileName") or "")

    def _lake_of(self, target: str, linked: str) -> str | None:
        service = self.world.definition(target, "linkedService", linked)
        url = str(((service.properties.get("typeProperties") or {}) if service else {}).get("url", ""))
        for lake, account in self.world.platform.accounts.items():
            if account in url:
                return lake
        return None

    # -- Copy ----------------------------------------------------------------------------------------

    def copy(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        inputs, outputs = activity.get("inputs") or [], activity.get("outputs") or []
        if len(inputs) != 1 or len(outputs) != 1:
            raise NotPlayableError(run.name, "a copy with other than one input and one output")
        properties = self.engine.evaluate(activity.get("typeProperties") or {}, scope, run.name)
        source_dataset, source = self.dataset(scope.target, inputs[0], scope, run.name)
        sink_dataset, sink = self.dataset(scope.target, outputs[0], scope, run.name)
        table, origin = self.read_source(scope.target, properties.get("source") or {}, source, run)
        table = _translate(table, properties.get("translator"), run.name)
        folder, file_name = self.lake_folder(scope.target, sink, run.name)
        written = _write_sink(table, properties.get("sink") or {}, sink, folder, file_name, run.name)
        run.rows_in = run.rows_out = table.num_rows
        run.bytes_written = written.stat().st_size
        run.reads = [origin]
        run.writes = [self._lake_path(written.parent)]
        return {
            "rowsRead": table.num_rows,
            "rowsCopied": table.num_rows,
            "dataWritten": run.bytes_written,
            "filesWritten": 1,
            "sourceDataset": source_dataset.name,
            "sinkDataset": sink_dataset.name,
        }

    def _lake_path(self, folder: Path) -> str:
        relative = folder.relative_to(self.world.platform.lake_root).parts
        account = relative[0]
        lake = next(k for k, v in self.world.platform.accounts.items() if v == account)
        return "/".join((lake, *relative[1:]))

    def read_source(
        self, target: str, source: Mapping[str, Any], dataset: Mapping[str, Any], run: ActivityRun
    ) -> tuple[pa.Table, str]:
        kind = str(source.get("type"))
        try:
            if kind in ("CommonDataServiceForAppsSource", "DynamicsSource", "DynamicsCrmSource"):
                table, rows = self.world.dataverse.fetch(str(source.get("query")))
                return arrow.to_arrow(table, rows), f"dataverse/{table.path}"
            if kind == "AzureSqlSource":
                query = source.get("sqlReaderQuery")
                if not query:
                    raise NotPlayableError(run.name, "a SQL copy without sqlReaderQuery (a whole-table read)")
                return self.world.erp.query(str(query)), "erp/" + _tables_in(str(query))
            if kind == "Office365Source":
                type_properties = dataset.get("typeProperties") or {}
                columns = [str(c.get("name")) for c in source.get("outputColumns") or []]
                table, rows = self.world.graph.extract(
                    str(type_properties.get("tableName")),
                    str(source.get("dateFilterColumn")),
                    str(source.get("startTime")),
                    str(source.get("endTime")),
                    columns,
                )
                chosen = [c for c in table.columns if c.name in (columns or table.column_names)]
                from cloudscale.dataproducts.contracts.model import Table

                return arrow.to_arrow(Table(table.id, tuple(chosen), format=table.format), rows), f"mgdc/{table.path}"
            if kind in ("DelimitedTextSource", "ParquetSource", "JsonSource"):
                return self._read_files(target, kind, source, dataset, run)
        except SourceError as error:
            raise ActivityFailedError(f"{run.name}: {error}", "SourceError") from None
        raise NotPlayableError(run.name, f"the flow has no emulator for a {kind}")

    def _read_files(
        self, target: str, kind: str, source: Mapping[str, Any], dataset: Mapping[str, Any], run: ActivityRun
    ) -> tuple[pa.Table, str]:
        import pyarrow as pa
        import pyarrow.csv as csv
        import pyarrow.json as pj
        import pyarrow.parquet as pq

        folder, file_name = self.lake_folder(target, dataset, run.name)
        settings = source.get("storeSettings") or {}
        pattern = settings.get("wildcardFileName") or file_name or "*"
        start, end = _moment(settings.get("modifiedDatetimeStart")), _moment(settings.get("modifiedDatetimeEnd"))
        walk = folder.rglob("*") if settings.get("recursive", True) else folder.glob("*")
        files = sorted(
            p
            for p in walk
            if p.is_file()
            and fnmatch.fnmatch(p.name, pattern)
            and (start is None or _mtime(p) >= start)
            and (end is None or _mtime(p) < end)
        )
        tables = []
        for path in files:
            if kind == "DelimitedTextSource":
                # Every column as text, an empty value as null (DelimitedText's treatEmptyAsNull, on by default).
                header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
                tables.append(
                    csv.read_csv(
                        path,
                        convert_options=csv.ConvertOptions(
                            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True
                        ),
                    )
                )
            elif kind == "ParquetSource":
                tables.append(pq.read_table(path))
            else:
                tables.append(pj.read_json(path))
        origin = self._lake_path(folder)
        if not tables:
            return pa.table({}), origin
        return pa.concat_tables(tables, promote_options="default"), origin

    # -- Synapse notebooks ---------------------------------------------------------------------------

    def notebook(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        from cloudscale.dataproducts import lake

        properties = activity.get("typeProperties") or {}
        name = str((properties.get("notebook") or {}).get("referenceName"))
        notebook = self.world.definition("synapse", "notebook", name)
        if notebook is None:
            raise ActivityFailedError(f"{run.name}: notebook {name!r} does not exist in the workspace")
        parameters = {
            key: spec.get("value") if isinstance(spec, Mapping) else spec
            for key, spec in (properties.get("parameters") or {}).items()
        }
        parameters = self.engine.evaluate(parameters, scope, run.name)
        spark = self.world.spark()
        spark.conf.set("spark.cloudscale.cosmos.analyticalStore", str(self.world.cosmos_store))
        touched: list[tuple[str, str]] = []
        rows: list[int] = []

        def observe(action: str, table: str, count: int | None) -> None:
            touched.append((action, table))
            if action == "write" and count is not None:
                rows.append(count)

        lake.OBSERVERS.append(observe)
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                execute(name, code_cells(notebook.properties), spark, parameters, self.world.platform.local)
        except Exception as error:  # the notebook's own failure, as Synapse reports it
            raise ActivityFailedError(f"{run.name}: {type(error).__name__}: {error}", "NotebookFailed") from None
        finally:
            lake.OBSERVERS.remove(observe)
            run.log = printed.getvalue()
        run.reads = sorted({t for action, t in touched if action == "read"})
        run.writes = sorted({t for action, t in touched if action == "write"})
        run.rows_out = sum(rows) if rows else None
        return {"status": {"Output": {"result": {"exitValue": None}}}}

    # -- Azure ML jobs -------------------------------------------------------------------------------

    def web(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = self.engine.evaluate(activity.get("typeProperties") or {}, scope, run.name)
        url, method = str(properties.get("url")), str(properties.get("method", "GET")).upper()
        match = _ML_JOB.search(url)
        if match is None:
            raise NotPlayableError(run.name, f"a web call to {url.split('?')[0]} (the flow plays Azure ML jobs only)")
        name = match[2]
        if method == "PUT":
            job = self._run_training(name, properties.get("body") or {}, run)
            self.world.jobs[name] = job
            return {"name": name, "properties": {"status": "Starting"}}
        if method == "GET":
            job = self.world.jobs.get(name)
            if job is None:
                raise ActivityFailedError(f"{run.name}: Azure ML has no job {name}", "NotFound")
            return {"name": name, "properties": {"status": job.status, **({"error": job.error} if job.error else {})}}
        raise NotPlayableError(run.name, f"{method} on an Azure ML job")

    def _run_training(self, name: str, body: Mapping[str, Any], run: ActivityRun) -> MachineLearningJob:
        """The command job run locally: the registered code asset's script with the job's inputs and outputs."""
        import os

        from cloudscale.dataproducts.azureml import code, train_renewal

        job = body.get("properties") or {}
        asset = _CODE_ID.search(str(job.get("codeId", "")))
        if asset is None or (asset[1], asset[2]) != (code.CODE_ASSET, code.code_version()):
            found = f"{asset[1]}:{asset[2]}" if asset else "none"
            return MachineLearningJob(name, "Failed", f"code asset {found} is not the registered {code.CODE_ASSET}")
        features = self.world.platform.local(str(((job.get("inputs") or {}).get("features") or {}).get("uri")))
        model = self.world.platform.local(str(((job.get("outputs") or {}).get("model") or {}).get("uri")))
        os.environ["MLFLOW_TRACKING_URI"] = (self.world.out / "mlruns").resolve().as_uri()
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        run.reads, run.writes = [self._lake_path(Path(features))], [self._lake_path(Path(model))]
        try:
            metrics = train_renewal.train(features, model)
        except Exception as error:  # the job's own failure: Azure ML reports it as the job's status
            return MachineLearningJob(name, "Failed", f"{type(error).__name__}: {error}")
        return MachineLearningJob(name, "Completed", metrics=metrics)

    # -- serving -------------------------------------------------------------------------------------

    def script(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        linked = activity.get("linkedServiceName") or {}
        service = self.world.definition(scope.target, "linkedService", str(linked.get("referenceName")))
        if (
            service is None
            or service.type != "AzureSqlDW"
            or "sql.azuresynapse.net" not in json.dumps(service.properties)
        ):
            raise NotPlayableError(run.name, "a script on a database other than the zone's serverless SQL endpoint")
        properties = self.engine.evaluate(activity.get("typeProperties") or {}, scope, run.name)
        statements = [str(s.get("text")) for s in properties.get("scripts") or []]
        try:
            played = self.world.serving.play(statements, self.world.views, self.world.platform)
        except ValueError as error:
            raise NotPlayableError(run.name, str(error)) from None
        run.reads = [v.table.id for v in played]
        run.writes = [f"serving/{v.qualified}" for v in played]
        return {"resultSetCount": 0, "views": [v.qualified for v in played]}

    # -- files ---------------------------------------------------------------------------------------

    def delete(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = self.engine.evaluate(activity.get("typeProperties") or {}, scope, run.name)
        _, dataset = self.dataset(scope.target, properties.get("dataset") or {}, scope, run.name)
        folder, file_name = self.lake_folder(scope.target, dataset, run.name)
        recursive = bool((properties.get("storeSettings") or {}).get("recursive", False))
        if not folder.exists():
            # The service deletes nothing and succeeds when the path is not there.
            return {"filesDeleted": 0}
        targets = [folder / file_name] if file_name and "*" not in file_name else sorted(folder.glob(file_name or "*"))
        deleted = 0
        for path in targets:
            if path.is_file():
                path.unlink()
                deleted += 1
            elif path.is_dir() and recursive:
                deleted += sum(1 for p in path.rglob("*") if p.is_file())
                shutil.rmtree(path)
        run.writes = [self._lake_path(folder)]
        return {"filesDeleted": deleted}

    def get_metadata(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = self.engine.evaluate(activity.get("typeProperties") or {}, scope, run.name)
        _, dataset = self.dataset(scope.target, properties.get("dataset") or {}, scope, run.name)
        folder, file_name = self.lake_folder(scope.target, dataset, run.name)
        path = folder / file_name if file_name else folder
        found: dict[str, Any] = {}
        for field_name in properties.get("fieldList") or []:
            if field_name == "exists":
                found["exists"] = path.exists()
            elif field_name == "childItems":
                if not path.is_dir():
                    raise ActivityFailedError(f"{run.name}: {self._lake_path(path)} does not exist", "PathNotFound")
                found["childItems"] = [
                    {"name": p.name, "type": "Folder" if p.is_dir() else "File"} for p in sorted(path.iterdir())
                ]
            elif field_name == "itemName":
                found["itemName"] = path.name
            elif field_name == "lastModified":
                found["lastModified"] = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
            else:
                raise NotPlayableError(run.name, f"GetMetadata field {field_name!r}")
        return found


def _translate(table: pa.Table, translator: Any, who: str) -> pa.Table:
    """A TabularTranslator's column mapping: each sink column from its source column, converted."""
    import pyarrow as pa

    if not translator:
        return table
    if isinstance(translator, str):
        translator = json.loads(translator)
    if translator.get("type") != "TabularTranslator":
        raise NotPlayableError(who, f"translator {translator.get('type')!r}")
    mappings = translator.get("mappings") or []
    if not mappings:
        return table
    columns, names = [], []
    for mapping in mappings:
        source = str((mapping.get("source") or {}).get("name") or (mapping.get("source") or {}).get("path", ""))
        sink = mapping.get("sink") or {}
        if source not in table.column_names:
            if table.num_rows == 0:
                columns.append(pa.nulls(0))
                names.append(str(sink.get("name") or source))
                continue
            raise ActivityFailedError(f"{who}: the source has no column {source!r} the mapping names", "ColumnNotFound")
        column = table.column(source)
        kind = str(sink.get("type") or "").lower()
        if kind and kind in _INTERIM and translator.get("typeConversion", False):
            column = column.cast(
                pa.type_for_alias(_INTERIM[kind]) if "tz" not in _INTERIM[kind] else pa.timestamp("us", tz="UTC")
            )
        columns.append(column)
        names.append(str(sink.get("name") or source))
    return pa.table(columns, names=names)


def _write_sink(
    table: pa.Table, sink: Mapping[str, Any], dataset: Mapping[str, Any], folder: Path, file_name: str, who: str
) -> Path:
    import pyarrow.parquet as pq

    kind = str(sink.get("type"))
    folder.mkdir(parents=True, exist_ok=True)
    # Without a file name the service names each file it writes anew, so a rerun adds files.
    generated = f"data_{uuid.uuid4()}"
    if kind == "ParquetSink":
        target = folder / (file_name or f"{generated}.parquet")
        pq.write_table(table, target)
        return target
    if kind in ("JsonSink", "BinarySink"):
        target = folder / (file_name or f"{generated}.json")
        arrow.write_json_lines(table.to_pylist(), target)
        return target
    if kind == "DelimitedTextSink":
        import pyarrow.csv as csv

        target = folder / (file_name or f"{generated}.csv")
        csv.write_csv(table, target)
        return target
    raise NotPlayableError(who, f"a copy to a {kind}")


def _moment(value: Any) -> float | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def _tables_in(query: str) -> str:
    match = re.search(r"FROM\s+\[?([A-Za-z0-9_]+)\]?\.\[?([A-Za-z0-9_]+)\]?", query, re.IGNORECASE)
    return f"{match[1]}.{match[2]}" if match else "query"
