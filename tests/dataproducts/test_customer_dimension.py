"""Enhanced customer dimension: merged duplicates, churn and affinity, and a valid CDM folder."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from cdm.enums import CdmStatusLevel
from cdm.objectmodel import CdmCorpusDefinition
from cdm.storage import CdmStandardsAdapter, LocalAdapter
from pyspark.sql import functions as F

from cloudscale.dataproducts import customer_dimension, lake
from cloudscale.dataproducts.quality import DataQualityError

from .conftest import inputs_of


@pytest.fixture(scope="module")
def outputs(enriched, sample):
    built = customer_dimension.build(inputs_of(enriched, customer_dimension.INPUTS), as_of=sample.facts.as_of)
    return {name: df.cache() for name, df in built.items()}


def test_the_planted_duplicate_company_merges_into_the_earliest_record(outputs, sample):
    survivor, duplicate = sample.facts.duplicate_customer_ids
    customers = outputs["Customer"]
    # The duplicate merges; the ERP's customer the CRM does not know is a customer of its own.
    assert customers.count() == len(sample.tables["enriched/crm/customers"]) - 1 + 1
    assert customers.where(F.col("CustomerId") == duplicate).count() == 0
    row = customers.where(F.col("CustomerId") == survivor).first()
    assert row["SourceCustomerIds"] == f"{survivor},{duplicate}"
    orders = [
        h
        for h in sample.tables["enriched/erp/sales_headers"]
        if h["CustomerId"] in (survivor, duplicate) and h["Status"] != "Cancelled"
    ]
    assert row["Orders"] == len(orders)


def test_churn_score_is_the_share_of_a_year_since_the_last_order(outputs, sample):
    as_of = sample.facts.as_of
    for row in outputs["Customer"].collect():
        expected = min((as_of - row["LastOrderDate"]).days / 365, 1.0) * 100
        assert row["ChurnScore"] == pytest.approx(expected, abs=0.01)
    scores = [row["ChurnScore"] for row in outputs["Customer"].collect()]
    assert min(scores) < 10 and max(scores) == 100.0


def test_affinity_scores_are_shares_of_spend_and_the_top_one_is_on_the_customer(outputs):
    totals = outputs["CustomerAffinity"].groupBy("CustomerId").agg(F.sum("AffinityScore").alias("Total")).collect()
    assert all(row["Total"] == pytest.approx(100, abs=0.1) for row in totals)
    top = outputs["CustomerAffinity"].where("AffinityRank = 1").select("CustomerId", "Category")
    joined = outputs["Customer"].join(top, "CustomerId")
    assert joined.where(F.col("Category") != F.col("TopAffinityCategory")).count() == 0
    assert joined.count() == outputs["Customer"].count()


async def _load_manifest(root):
    corpus = CdmCorpusDefinition()
    problems = []
    corpus.set_event_callback(lambda level, message: problems.append(message), CdmStatusLevel.WARNING)
    corpus.storage.mount("local", LocalAdapter(str(root)))
    corpus.storage.mount("cdm", CdmStandardsAdapter())
    corpus.storage.default_namespace = "local"
    manifest = await corpus.fetch_object_async(f"local:/{customer_dimension.MANIFEST}")
    entities = {}
    for reference in manifest.entities:
        entity = await corpus.fetch_object_async(reference.entity_path, manifest)
        entities[reference.entity_name] = (reference, [a.name for a in entity.attributes])
    await manifest.file_status_check_async()
    partitions = {e.entity_name: sorted(p.location for p in e.data_partitions) for e in manifest.entities}
    return manifest, entities, partitions, problems


def test_the_cdm_manifest_lists_every_entity_with_its_partition_pattern(outputs, spark, tmp_path):
    root = str(tmp_path / "cdm")
    for name in customer_dimension.CDM_ENTITIES:
        outputs[name].write.parquet(f"{root}/{name}")
    for path, text in customer_dimension.cdm_documents(outputs).items():
        lake.write_text(spark, lake.join(root, path), text)

    manifest, entities, partitions, problems = asyncio.run(_load_manifest(tmp_path / "cdm"))

    assert manifest.manifest_name == "default"
    assert set(entities) == set(customer_dimension.CDM_ENTITIES) == {"Customer", "CustomerAffinity"}
    for name, (reference, attributes) in entities.items():
        (pattern,) = reference.data_partition_patterns
        assert pattern.root_location == f"{name}/"
        assert pattern.regular_expression == customer_dimension.PARTITION_REGEX
        assert [t.named_reference for t in pattern.exhibits_traits] == ["is.partition.format.parquet"]
        assert attributes == outputs[name].columns
        assert partitions[name] and all(
            p.startswith(f"{name}/part-") and p.endswith(".parquet") for p in partitions[name]
        )
    assert problems == []


def test_a_customer_without_a_name_fails_before_anything_is_written(enriched):
    inputs = inputs_of(enriched, customer_dimension.INPUTS)
    inputs["customers"] = inputs["customers"].withColumn(
        "Name", F.when(F.col("CustomerId") == "C0001", F.lit(None)).otherwise(F.col("Name"))
    )
    with pytest.raises(
        DataQualityError,
        match=r"customers: column Name is 3\.2% null or blank, above the 0\.0% allowed \(1 of 31 rows\)",
    ):
        customer_dimension.build(inputs, as_of=date(2026, 6, 30))
