"""The serving stand-in: the logical warehouse's views in DuckDB over the local lake.

The master's serving steps run T-SQL rendered from the serving declaration
(``cloudscale.dataproducts.contracts.serving``). The flow plays a step by finding, for each statement, the
declaration it was rendered from, and creating the same view in an embedded DuckDB database over the files
of the table's current version (Delta through ``deltalake``: the files its log lists, never files a later
version removed; a CDM entity's Parquet partitions). A statement the declaration does not render is not
played. The database is kept in the run's folder, so the queries Power BI would send can be run after.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudscale.dataproducts.contracts import serving
from cloudscale.dataproducts.contracts.serving import View

if TYPE_CHECKING:
    from cloudscale.flow.platform import LocalPlatform


class ServingEngine:
    def __init__(self, database: Path) -> None:
        import duckdb

        database.parent.mkdir(parents=True, exist_ok=True)
        database.unlink(missing_ok=True)
        self.path = database
        self.connection = duckdb.connect(str(database))

    def play(self, statements: Sequence[str], views: Sequence[View], platform: LocalPlatform) -> list[View]:
        """Run what the serverless endpoint would; returns the views created."""
        account = str(platform.values["lake.workspace.account"])
        rendered_views = {serving.tsql_view(v): v for v in views}
        setup = {serving.tsql_database(), serving.tsql_data_source(account)}
        schemas = {serving.tsql_schema(v.schema): v.schema for v in views}
        created = []
        for statement in statements:
            if statement in setup:
                continue
            if statement in schemas:
                self.connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schemas[statement]}"')
            elif statement in rendered_views:
                view = rendered_views[statement]
                self.connection.execute(serving.duckdb_view(view, self._files(view, platform)))
                created.append(view)
            else:
                first = statement.strip().splitlines()[0] if statement.strip() else "(empty)"
                raise ValueError(f"the statement {first!r} is not one the serving declaration renders")
        return created

    @staticmethod
    def _files(view: View, platform: LocalPlatform) -> list[str]:
        folder = platform.container("workspace", view.table.container) / view.table.path
        if view.table.format == "delta":
            from deltalake import DeltaTable
            from deltalake.exceptions import TableNotFoundError

            try:
                return list(DeltaTable(str(folder)).file_uris())
            except TableNotFoundError:
                raise ValueError(f"{view.qualified}: {view.table.id} holds no Delta table") from None
        return sorted(str(p) for p in folder.glob("*.parquet"))

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql)
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.connection.close()
