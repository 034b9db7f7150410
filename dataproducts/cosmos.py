"""The customer-service container's analytical store as the contract's table.

Synapse Link exposes a container's documents in the analytical store with one of two schema
representations (Learn, "What is Azure Cosmos DB analytical store?", "Schema representation"): the
well-defined one has one column per property; the full-fidelity one keeps a column per property and
data type, which Spark shows as a struct with a field per type (``csat: struct<int32, string>``) and SQL
as suffixed names (``csat.int32``). A property written with two types is both. The snapshot takes, for
each column the contract declares, whichever of these the store has, coalescing the types.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from cloudscale.dataproducts.contracts.model import Table

SNAPSHOT_COLUMN = "_snapshot_time"


def _candidates(store: DataFrame, name: str) -> list[Column]:
    found: list[Column] = []
    for field in store.schema.fields:
        if field.name == name:
            if isinstance(field.dataType, T.StructType):
                found += [F.col(f"`{name}`").getField(sub.name) for sub in field.dataType.fields]
            else:
                found.append(F.col(f"`{name}`"))
        elif field.name.startswith(f"{name}."):
            found.append(F.col(f"`{field.name}`"))
    return found


def snapshot(store: DataFrame, table: Table, window_end: str) -> DataFrame:
    """The declared columns of the store's documents, typed, stamped with the window the snapshot is for."""
    columns = []
    for column in table.columns:
        if column.name == SNAPSHOT_COLUMN:
            continue
        candidates = [c.cast(column.type) for c in _candidates(store, column.name)]
        value = F.coalesce(*candidates) if len(candidates) > 1 else candidates[0] if candidates else F.lit(None)
        columns.append(value.cast(column.type).alias(column.name))
    stamp = F.to_timestamp(F.lit(window_end.replace("Z", "+00:00")) if window_end else F.current_timestamp())
    return store.select(*columns, stamp.alias(SNAPSHOT_COLUMN))
