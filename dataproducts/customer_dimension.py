"""Enhanced customer dimension (seed 004): the unified customer with churn score, lifetime value,
segmentation and affinities, as a CDM folder.

The seed: Customer Insights "can create a 360-degree customer view by unifying data from transactional,
behavioral, and observational sources" and "takes customer data from multiple source systems and cleans
and merges it", enriching records "with attributes like churn scores and brand affinities"; the
architecture brings in "source systems (ERP, CRM, POS, and so on)", and Customer Insights' enrichments
include customer lifetime value and segments.

Unification, across the CRM and the ERP:

- The CRM may hold one company twice; records are merged on the normalised web domain (scheme,
  ``www.``, case and trailing slash ignored; a blank website matches nothing) and the earliest-created
  record survives (ties: the lowest id), keeping every source id in ``SourceCustomerIds``.
- Each ERP customer joins the CRM customer whose account number it holds; one without a known number
  joins the CRM customer whose normalised name (case, blanks and punctuation ignored) is its own, when
  exactly one unified customer has that name; otherwise it is a customer of its own (``Sources`` ERP),
  reported as an ``ErpCustomerWithoutCrmAccount`` finding. ERP orders of any merged id count for the
  survivor, and ``ErpCustomerIds`` lists the ERP's ids.
- The billing address is chosen deterministically: a "Bill To" address of the survivor, then of the
  records merged into it; among those the lowest address number, then the lowest address id. A
  customer with more than one is a ``MultipleBillingAddresses`` finding.

Enrichments, all as of the business date (orders after it have not happened; customers created after
it do not exist yet, so a backfill publishes what its window did):

- ``ChurnScore`` (0-100): the share of a year since the customer's last order that was not cancelled,
  capped at 100 (100 for a customer who never ordered). Customer Insights' churn model is a prebuilt
  service a landing zone does not have; this recency rule is transparent and needs no training.
- ``LifetimeValue``: the revenue of the customer's orders that are not cancelled, to the business date
  (historical value: Customer Insights' predictive CLV model is, like churn, a prebuilt service);
  ``AverageOrderValue`` the same per order.
- ``ValueSegment``: ``Prospect`` (no order), ``Lost`` (churn score 100: no order for a year), ``At risk``
  (churn score 50 or more), ``High value`` (lifetime value in the top fifth of the customers who
  ordered), else ``Active``; the first that applies.
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
from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from cloudscale.dataproducts import cleansing
from cloudscale.dataproducts.contracts.products import CUSTOMER_DIMENSION, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = CUSTOMER_DIMENSION
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))
CDM_ENTITIES = tuple(name for name, table in outputs(CONTRACT).items() if table.format == "cdm")
"""The outputs that are entities of the CDM folder (the findings are a curated table beside it)."""
MANIFEST = "default.manifest.cdm.json"
PARTITION_REGEX = ".+\\.parquet$"
PARQUET_TRAIT = "is.partition.format.parquet"
CDM_FOLDER = "cdm"
# The CRM's label for a billing address (Dataverse customeraddress addresstypecode 1).
BILLING = "Bill To"
CANCELLED = "Cancelled"
HIGH_VALUE_SHARE = 0.2
"""The share of ordering customers, by lifetime value, that is High value."""
AT_RISK_CHURN = 50.0
CRM, ERP = "CRM", "ERP"

# A customer without addresses has no billing address; an ERP that holds no customers yet adds none.
EXPECTATIONS = expectations(
    CONTRACT,
    max_null_rate={"customers": {"Name": 0.0, "CreatedDate": 0.0}},
    allow_empty=("addresses", "erp_customers"),
)

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


def normalised_domain(website: Column) -> Column:
    """The web domain a website names, or null for a blank one."""
    bare = F.regexp_replace(F.lower(cleansing.text(website)), r"^(https?://)?(www\.)?", "")
    return cleansing.text(F.regexp_replace(bare, r"/+$", ""))


def normalised_name(name: Column) -> Column:
    """A company name to match on: lower case, letters and digits only; null when nothing is left."""
    return cleansing.text(F.regexp_replace(F.lower(name), r"[^\p{L}\p{N}]", ""))


def survivors(customers: DataFrame) -> DataFrame:
    """``CustomerId -> SurvivorId``: records of one domain map to the earliest created one."""
    keyed = customers.withColumn(
        "MergeKey", F.coalesce(normalised_domain(F.col("Website")), F.concat(F.lit("id:"), F.col("CustomerId")))
    )
    earliest = Window.partitionBy("MergeKey").orderBy(F.col("CreatedDate").asc_nulls_last(), F.col("CustomerId").asc())
    return keyed.withColumn("SurvivorId", F.first("CustomerId").over(earliest)).select(
        "CustomerId", "SurvivorId", "MergeKey"
    )


def erp_matches(erp_customers: DataFrame, customers: DataFrame, survivor_map: DataFrame) -> DataFrame:
    """``ErpCustomerId, CustomerId (as the orders key it), ErpName, SurvivorId, MatchedBy``: every ERP customer with
    the unified customer it belongs to (by account number, then by a name only one unified customer has),
    or itself when the CRM does not know it."""
    erp = erp_customers.select(
        cleansing.text("ErpCustomerId").alias("ErpCustomerId"),
        cleansing.text("CustomerId").alias("CustomerId"),
        normalised_name(F.col("Name")).alias("__name"),
        cleansing.text("Name").alias("ErpName"),
    ).where(F.col("ErpCustomerId").isNotNull() & F.col("CustomerId").isNotNull())
    by_number = survivor_map.select(F.col("CustomerId").alias("__number"), F.col("SurvivorId").alias("__by_number"))
    names = (
        customers.join(survivor_map, "CustomerId")
        .select("SurvivorId", normalised_name(F.col("Name")).alias("__name"))
        .where(F.col("__name").isNotNull())
        .groupBy("__name")
        .agg(F.count_distinct("SurvivorId").alias("__owners"), F.min("SurvivorId").alias("__by_name"))
        .where("__owners = 1")
        .drop("__owners")
    )
    matched = erp.join(by_number, erp["CustomerId"] == by_number["__number"], "left").join(names, "__name", "left")
    return matched.select(
        "ErpCustomerId",
        "CustomerId",
        "ErpName",
        F.coalesce("__by_number", "__by_name", "CustomerId").alias("SurvivorId"),
        F.when(F.col("__by_number").isNotNull(), "AccountNumber")
        .when(F.col("__by_name").isNotNull(), "Name")
        .alias("MatchedBy"),
    )


def order_owners(survivor_map: DataFrame, matches: DataFrame) -> DataFrame:
    """``CustomerId -> SurvivorId`` for every key an order may carry: CRM numbers and ERP-only keys."""
    crm_keys = survivor_map.select("CustomerId")
    erp_keys = matches.select("CustomerId", "SurvivorId").join(crm_keys, "CustomerId", "left_anti")
    return survivor_map.select("CustomerId", "SurvivorId").unionByName(erp_keys).dropDuplicates(["CustomerId"])


def customer_affinity(sales_headers: DataFrame, sales_lines: DataFrame, owners: DataFrame) -> DataFrame:
    """Per unified customer and category: spend, share of spend x 100, and rank."""
    live = sales_headers.where(F.col("Status") != CANCELLED).select("OrderId", "CustomerId")
    spend = (
        sales_lines.join(live, "OrderId")
        .join(owners, "CustomerId")
        .withColumn("Category", cleansing.text("ProductCategory"))
        .where(F.col("Category").isNotNull())
        .groupBy(F.col("SurvivorId").alias("CustomerId"), "Category")
        .agg(F.sum("Amount").alias("Spend"))
        .where(F.col("Spend") > 0)
    )
    per_customer = Window.partitionBy("CustomerId")
    ranked = Window.partitionBy("CustomerId").orderBy(F.desc("Spend"), F.asc("Category"))
    share = F.col("Spend") / F.sum("Spend").over(per_customer) * 100
    return spend.select(
        "CustomerId",
        "Category",
        F.round("Spend", 2).alias("Spend"),
        F.round(F.least(share, F.lit(100.0)), 2).alias("AffinityScore"),
        F.row_number().over(ranked).alias("AffinityRank"),
    )


def billing_addresses(addresses: DataFrame, survivor_map: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The billing address of each unified customer, and the findings of customers with several."""
    billing = (
        addresses.where(F.lower(cleansing.text("Type")) == BILLING.lower())
        .withColumn("CustomerId", cleansing.text("CustomerId"))
        .join(survivor_map, "CustomerId")
    )
    preferred = Window.partitionBy("SurvivorId").orderBy(
        (F.col("CustomerId") != F.col("SurvivorId")).asc(),
        F.col("AddressNumber").asc_nulls_last(),
        F.col("AddressId").asc(),
    )
    ranked = billing.withColumn("__rank", F.row_number().over(preferred)).withColumn(
        "__count", F.count(F.lit(1)).over(Window.partitionBy("SurvivorId"))
    )
    chosen = ranked.where("__rank = 1").select(
        F.col("SurvivorId").alias("CustomerId"), "AddressId", "City", "Region", "Country", "__count"
    )
    several = chosen.where("__count > 1")
    found = cleansing.finding(
        several,
        "MultipleBillingAddresses",
        "addresses",
        F.col("CustomerId"),
        F.concat(F.col("__count").cast("string"), F.lit(" billing addresses; chose "), F.col("AddressId")),
        "The survivor's address with the lowest address number, then address id",
    )
    return chosen.drop("AddressId", "__count"), found


def _crm_customers(customers: DataFrame, survivor_map: DataFrame) -> DataFrame:
    """The CRM records that survived the merge, with the CRM's attributes."""
    survivor_ids = survivor_map.where(F.col("CustomerId") == F.col("SurvivorId")).select("CustomerId")
    return customers.join(survivor_ids, "CustomerId").select(
        "CustomerId",
        "Name",
        normalised_domain(F.col("Website")).alias("Domain"),
        "Segment",
        "Industry",
        F.to_date("CreatedDate").alias("CreatedDate"),
        F.lit(True).alias("__in_crm"),
    )


def _erp_only_customers(matches: DataFrame, sales_headers: DataFrame) -> DataFrame:
    """The ERP customers no CRM record owns, in the columns of :func:`_crm_customers`."""
    # An ERP-only customer exists from its first order (the ERP keeps no creation date).
    first_orders = (
        matches.where(F.col("MatchedBy").isNull())
        .join(sales_headers.select("CustomerId", F.to_date("OrderDate").alias("OrderDate")), "CustomerId")
        .groupBy("CustomerId")
        .agg(F.min("ErpName").alias("Name"), F.min("OrderDate").alias("CreatedDate"))
    )
    return first_orders.select(
        "CustomerId",
        "Name",
        F.lit(None).cast("string").alias("Domain"),
        F.lit(None).cast("string").alias("Segment"),
        F.lit(None).cast("string").alias("Industry"),
        "CreatedDate",
        F.lit(False).alias("__in_crm"),
    )


def _source_ids(survivor_map: DataFrame, matches: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Per survivor: the CRM ids merged into it (``__crm``); and the ERP's ids (``ErpCustomerIds``) with
    the order keys they carry (``__erp_keys``)."""
    crm_ids = survivor_map.groupBy("SurvivorId").agg(F.collect_list("CustomerId").alias("__crm"))
    erp_ids = matches.groupBy("SurvivorId").agg(
        F.array_join(F.array_sort(F.collect_set("ErpCustomerId")), ",").alias("ErpCustomerIds"),
        F.collect_set("CustomerId").alias("__erp_keys"),
    )
    return crm_ids, erp_ids


def order_history(sales_headers: DataFrame, sales_lines: DataFrame, owners: DataFrame) -> DataFrame:
    """Per unified customer, of the orders not cancelled: the last order date, the count and the value."""
    amounts = sales_lines.groupBy("OrderId").agg(F.sum("Amount").alias("__amount"))
    return (
        sales_headers.where(F.col("Status") != CANCELLED)
        .join(owners, "CustomerId")
        .join(amounts, "OrderId", "left")
        .groupBy(F.col("SurvivorId").alias("CustomerId"))
        .agg(
            F.max(F.to_date("OrderDate")).alias("LastOrderDate"),
            F.count(F.lit(1)).alias("Orders"),
            F.sum(F.coalesce("__amount", F.lit(0.0))).alias("__value"),
        )
    )


def _top_affinity(affinity: DataFrame) -> DataFrame:
    return affinity.where(F.col("AffinityRank") == 1).select(
        "CustomerId", F.col("Category").alias("TopAffinityCategory"), F.col("AffinityScore").alias("TopAffinityScore")
    )


def churn_score(as_of: date) -> Column:
    """The share of a year since ``LastOrderDate``, x 100 and capped at 100; 100 without an order."""
    days_since = F.greatest(F.datediff(F.lit(as_of), F.col("LastOrderDate")), F.lit(0))
    return F.when(F.col("LastOrderDate").isNull(), 100.0).otherwise(
        F.round(F.least(days_since / 365.0, F.lit(1.0)) * 100, 2)
    )


def value_segment() -> Column:
    """The segment of a customer with ``ChurnScore`` and ``__value_rank``: the first rule that applies."""
    return (
        F.when(F.col("LastOrderDate").isNull(), "Prospect")
        .when(F.col("ChurnScore") >= 100, "Lost")
        .when(F.col("ChurnScore") >= AT_RISK_CHURN, "At risk")
        .when(F.col("__value_rank") >= 1 - HIGH_VALUE_SHARE, "High value")
        .otherwise("Active")
    )


def _sources() -> Column:
    in_erp = F.col("ErpCustomerIds").isNotNull()
    return (
        F.when(F.col("__in_crm") & in_erp, F.lit(f"{CRM},{ERP}"))
        .when(F.col("__in_crm"), F.lit(CRM))
        .otherwise(F.lit(ERP))
    )


def _source_customer_ids() -> Column:
    no_ids = F.array().cast("array<string>")
    source_ids = F.array_union(F.coalesce("__crm", no_ids), F.coalesce("__erp_keys", no_ids))
    return F.array_join(F.array_sort(F.array_distinct(source_ids)), ",")


def _customer_columns(ranked: DataFrame) -> DataFrame:
    """The dimension's columns, from the joined customer with its ``__value_rank``."""
    return ranked.select(
        "CustomerId",
        "Name",
        "Domain",
        "Segment",
        "Industry",
        "City",
        "Region",
        "Country",
        "CreatedDate",
        _source_customer_ids().alias("SourceCustomerIds"),
        F.coalesce("Orders", F.lit(0)).cast("int").alias("Orders"),
        "LastOrderDate",
        "ChurnScore",
        "TopAffinityCategory",
        "TopAffinityScore",
        _sources().alias("Sources"),
        "ErpCustomerIds",
        "LifetimeValue",
        F.when(F.col("Orders") > 0, F.round(F.col("LifetimeValue") / F.col("Orders"), 2)).alias("AverageOrderValue"),
        value_segment().alias("ValueSegment"),
    )


def customer(
    customers: DataFrame,
    addresses: DataFrame,
    sales_headers: DataFrame,
    sales_lines: DataFrame,
    affinity: DataFrame,
    survivor_map: DataFrame,
    matches: DataFrame,
    as_of: date,
) -> tuple[DataFrame, DataFrame]:
    """One row per unified customer: attributes, billing address, value, churn, segment, top affinity;
    and the findings of its billing addresses."""
    owners = order_owners(survivor_map, matches)
    crm_ids, erp_ids = _source_ids(survivor_map, matches)
    base = _crm_customers(customers, survivor_map).unionByName(_erp_only_customers(matches, sales_headers))
    billing, found = billing_addresses(addresses, survivor_map)
    joined = (
        base.join(crm_ids, base.CustomerId == crm_ids.SurvivorId, "left")
        .drop("SurvivorId")
        .join(erp_ids, base.CustomerId == erp_ids.SurvivorId, "left")
        .drop("SurvivorId")
        .join(billing, "CustomerId", "left")
        .join(order_history(sales_headers, sales_lines, owners), "CustomerId", "left")
        .join(_top_affinity(affinity), "CustomerId", "left")
        .withColumn("ChurnScore", churn_score(as_of))
        .withColumn("LifetimeValue", F.round(F.coalesce("__value", F.lit(0.0)), 2))
    )
    ordering = Window.partitionBy(F.col("LastOrderDate").isNotNull()).orderBy("LifetimeValue")
    ranked = joined.withColumn("__value_rank", F.percent_rank().over(ordering))
    return _customer_columns(ranked), found


def as_of_date(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """The inputs as the business date knew them: customers created and orders placed after it do not
    exist yet."""
    day = F.lit(as_of)
    return {
        **inputs,
        "customers": inputs["customers"].where(F.to_date("CreatedDate") <= day),
        "sales_headers": inputs["sales_headers"].where(F.to_date("OrderDate") <= day),
    }


def _erp_findings(matches: DataFrame) -> DataFrame:
    unmatched = matches.where(F.col("MatchedBy").isNull())
    return cleansing.finding(
        unmatched,
        "ErpCustomerWithoutCrmAccount",
        "erp_customers",
        F.col("ErpCustomerId"),
        F.concat(F.lit("no CRM account has its account number or its name; keyed "), F.col("CustomerId")),
        "A customer of its own, sourced from the ERP only",
    )


def build(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """Check the inputs, then compute every entity of the dimension as of the business date."""
    checked = as_of_date(check_inputs(inputs), as_of)
    customers = checked["customers"].withColumn("CustomerId", cleansing.text("CustomerId"))
    headers = checked["sales_headers"].withColumn("CustomerId", cleansing.text("CustomerId"))
    survivor_map = survivors(customers)
    matches = erp_matches(checked["erp_customers"], customers, survivor_map)
    affinity = customer_affinity(headers, checked["sales_lines"], order_owners(survivor_map, matches))
    unified, billing_findings = customer(
        customers, checked["addresses"], headers, checked["sales_lines"], affinity, survivor_map, matches, as_of
    )
    return {
        "Customer": unified,
        "CustomerAffinity": affinity,
        cleansing.FINDINGS: cleansing.findings(customers.sparkSession, billing_findings, _erp_findings(matches)),
    }


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
    """Every CDM document of the folder, path (relative to the folder) to JSON text: the entities among
    ``tables``."""
    schemas = {name: df.schema for name, df in tables.items() if name in CDM_ENTITIES}
    documents = {MANIFEST: manifest_document(schemas)}
    for name, schema in schemas.items():
        documents[f"{name}.cdm.json"] = entity_document(name, schema)
    return {path: json.dumps(document, indent=2) for path, document in documents.items()}
