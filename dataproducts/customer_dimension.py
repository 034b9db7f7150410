"""Enhanced customer dimension: the unified customer with churn score and affinities, as a CDM folder.

The CRM may hold one company twice; records are merged on the normalised web domain (scheme,
``www.``, case and trailing slash ignored) and the earliest-created record survives, keeping every
source id in ``SourceCustomerIds``. ERP orders of any merged id count for the survivor.

- ``ChurnScore`` (0-100): the share of a year since the customer's last order that was not cancelled,
  capped at 100 (100 for a customer who never ordered). Customer Insights' churn model is a prebuilt
  service a landing zone does not have; this recency rule is transparent and needs no training.
- Affinities: each category's share of the customer's spend, x 100 (``CustomerAffinity``), and the
  top category on the customer (``TopAffinityCategory``). Customer Insights' brand and interest
  affinities come from Microsoft's audience data, which is not available here; purchase affinity is
  the in-house equivalent.

The output is a Common Data Model folder, what Customer Insights and Power BI dataflows attach to:
``default.manifest.cdm.json``, one ``<Entity>.cdm.json`` per entity, and the data as parquet under
``<Entity>/``. The documents are built here as JSON to the CDM schema (the manifest's
``entities[].dataPartitionPatterns`` with ``rootLocation``, ``regularExpression`` and the
``is.partition.format.parquet`` trait; entity documents with typed ``hasAttributes``), not with
Microsoft's ``commondatamodel-objectmodel``: that library needs ``msal``, ``msrest``, ``regex`` and
``nest-asyncio``, which a Spark pool under data exfiltration protection cannot install. The tests
read the folder back with that object model to prove it is valid CDM.

The partitions are plain parquet, not Delta: a CDM reader lists the files the pattern matches, and a
Delta folder keeps files its log has removed, which such a reader would count twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from cloudscale.dataproducts.contracts.products import CUSTOMER_DIMENSION, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = CUSTOMER_DIMENSION
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))
MANIFEST = "default.manifest.cdm.json"
PARTITION_REGEX = ".+\\.parquet$"
PARQUET_TRAIT = "is.partition.format.parquet"
CDM_FOLDER = "cdm"
# The CRM's label for a billing address (Dataverse customeraddress addresstypecode 1).
BILLING = "Bill To"

EXPECTATIONS = expectations(CONTRACT, max_null_rate={"customers": {"Name": 0.0, "CreatedDate": 0.0}})

# Spark types to CDM data formats, as the Customer 360 accelerator's CDM writer maps them.
CDM_DATA_FORMATS: dict[type[T.DataType], str] = {
    T.StringType: "String",
    T.IntegerType: "Int32",
    T.LongType: "Int64",
    T.DoubleType: "Double",
    T.FloatType: "Double",
    T.DecimalType: "Decimal",
    T.BooleanType: "Boolean",
    T.DateType: "Date",
    T.TimestampType: "DateTime",
    T.TimestampNTZType: "DateTime",
}


def check_inputs(inputs: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def normalised_domain(website: F.Column) -> F.Column:
    bare = F.regexp_replace(F.lower(F.trim(website)), r"^(https?://)?(www\.)?", "")
    return F.regexp_replace(bare, r"/+$", "")


def survivors(customers: DataFrame) -> DataFrame:
    """``CustomerId -> SurvivorId``: records of one domain map to the earliest created one."""
    keyed = customers.withColumn(
        "MergeKey", F.coalesce(normalised_domain(F.col("Website")), F.concat(F.lit("id:"), F.col("CustomerId")))
    )
    earliest = Window.partitionBy("MergeKey").orderBy(F.col("CreatedDate").asc(), F.col("CustomerId").asc())
    return keyed.withColumn("SurvivorId", F.first("CustomerId").over(earliest)).select(
        "CustomerId", "SurvivorId", "MergeKey"
    )


def customer_affinity(sales_headers: DataFrame, sales_lines: DataFrame, survivor_map: DataFrame) -> DataFrame:
    """Per unified customer and category: spend, share of spend x 100, and rank."""
    live = sales_headers.where(F.col("Status") != "Cancelled").select("OrderId", "CustomerId")
    spend = (
        sales_lines.join(live, "OrderId")
        .join(survivor_map, "CustomerId")
        .groupBy(F.col("SurvivorId").alias("CustomerId"), F.col("ProductCategory").alias("Category"))
        .agg(F.sum("Amount").alias("Spend"))
    )
    per_customer = Window.partitionBy("CustomerId")
    ranked = Window.partitionBy("CustomerId").orderBy(F.desc("Spend"), F.asc("Category"))
    return spend.select(
        "CustomerId",
        "Category",
        F.round("Spend", 2).alias("Spend"),
        F.round(F.col("Spend") / F.sum("Spend").over(per_customer) * 100, 2).alias("AffinityScore"),
        F.row_number().over(ranked).alias("AffinityRank"),
    )


def customer(
    customers: DataFrame,
    addresses: DataFrame,
    sales_headers: DataFrame,
    affinity: DataFrame,
    survivor_map: DataFrame,
    as_of: object,
) -> DataFrame:
    """One row per unified customer: attributes, billing address, churn score, top affinity."""
    merged_ids = survivor_map.groupBy("SurvivorId").agg(
        F.array_join(F.array_sort(F.collect_list("CustomerId")), ",").alias("SourceCustomerIds")
    )
    base = customers.join(
        survivor_map.where(F.col("CustomerId") == F.col("SurvivorId")).select("CustomerId"), "CustomerId"
    )
    billing = addresses.where(F.col("Type") == BILLING).select("CustomerId", "City", "Region", "Country")
    last_order = (
        sales_headers.where(F.col("Status") != "Cancelled")
        .join(survivor_map, "CustomerId")
        .groupBy(F.col("SurvivorId").alias("CustomerId"))
        .agg(F.max(F.to_date("OrderDate")).alias("LastOrderDate"), F.count(F.lit(1)).alias("Orders"))
    )
    top = affinity.where(F.col("AffinityRank") == 1).select(
        "CustomerId", F.col("Category").alias("TopAffinityCategory"), F.col("AffinityScore").alias("TopAffinityScore")
    )
    days_since = F.datediff(F.lit(as_of), F.col("LastOrderDate"))
    return (
        base.join(merged_ids, base.CustomerId == merged_ids.SurvivorId)
        .drop("SurvivorId")
        .join(billing, "CustomerId", "left")
        .join(last_order, "CustomerId", "left")
        .join(top, "CustomerId", "left")
        .select(
            "CustomerId",
            "Name",
            normalised_domain(F.col("Website")).alias("Domain"),
            "Segment",
            "Industry",
            "City",
            "Region",
            "Country",
            F.to_date("CreatedDate").alias("CreatedDate"),
            "SourceCustomerIds",
            F.coalesce("Orders", F.lit(0)).cast("int").alias("Orders"),
            "LastOrderDate",
            F.when(days_since.isNull(), 100.0)
            .otherwise(F.round(F.least(days_since / 365.0, F.lit(1.0)) * 100, 2))
            .alias("ChurnScore"),
            "TopAffinityCategory",
            "TopAffinityScore",
        )
    )


def cdm_data_format(data_type: T.DataType) -> str:
    return CDM_DATA_FORMATS.get(type(data_type), "String")


def entity_document(name: str, schema: T.StructType, description: str = "") -> dict[str, object]:
    """A CDM entity document (``<name>.cdm.json``) with one typed attribute per column."""
    return {
        "jsonSchemaSemanticVersion": "1.0.0",
        "imports": [{"corpusPath": "cdm:/foundations.cdm.json"}],
        "definitions": [
            {
                "entityName": name,
                "description": description,
                "hasAttributes": [
                    {"name": field.name, "dataFormat": cdm_data_format(field.dataType)} for field in schema.fields
                ],
            }
        ],
    }


def manifest_document(entities: Mapping[str, T.StructType], manifest_name: str = "default") -> dict[str, object]:
    """The CDM manifest listing every entity with its parquet partition pattern."""
    return {
        "jsonSchemaSemanticVersion": "1.0.0",
        "imports": [{"corpusPath": "cdm:/foundations.cdm.json"}],
        "manifestName": manifest_name,
        "explanation": "Enhanced customer dimension: unified customers with churn score and affinities",
        "entities": [
            {
                "type": "LocalEntity",
                "entityName": name,
                "entityPath": f"{name}.cdm.json/{name}",
                "dataPartitionPatterns": [
                    {
                        "name": f"{name}Parquet",
                        "rootLocation": f"{name}/",
                        "regularExpression": PARTITION_REGEX,
                        "exhibitsTraits": [{"traitReference": PARQUET_TRAIT}],
                    }
                ],
            }
            for name in entities
        ],
    }


def cdm_documents(tables: Mapping[str, DataFrame]) -> dict[str, str]:
    """Every CDM document of the folder, path (relative to the folder) to JSON text."""
    schemas = {name: df.schema for name, df in tables.items()}
    documents = {MANIFEST: manifest_document(schemas)}
    for name, schema in schemas.items():
        documents[f"{name}.cdm.json"] = entity_document(name, schema)
    return {path: json.dumps(document, indent=2) for path, document in documents.items()}


def build(inputs: Mapping[str, DataFrame], as_of: object) -> dict[str, DataFrame]:
    """Check the inputs, then compute every entity of the dimension."""
    checked = check_inputs(inputs)
    survivor_map = survivors(checked["customers"])
    affinity = customer_affinity(checked["sales_headers"], checked["sales_lines"], survivor_map)
    return {
        "Customer": customer(
            checked["customers"], checked["addresses"], checked["sales_headers"], affinity, survivor_map, as_of
        ),
        "CustomerAffinity": affinity,
    }
