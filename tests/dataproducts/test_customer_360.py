"""Customer 360: profile unification, renewal features, training (the Azure ML script) and scoring."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from pyspark.sql import functions as F

from cloudscale.dataproducts import customer_360
from cloudscale.dataproducts.azureml import train_renewal
from cloudscale.dataproducts.quality import DataQualityError
from cloudscale.dataproducts.sample_data import DEFAULT_AS_OF as AS_OF

from .conftest import inputs_of


@pytest.fixture(scope="module")
def features_stage(enriched, sample):
    built = customer_360.build_features(inputs_of(enriched, customer_360.FEATURE_INPUTS), as_of=sample.facts.as_of)
    return {name: df.cache() for name, df in built.items()}


@pytest.fixture(scope="module")
def trained(features_stage, tmp_path_factory):
    root = tmp_path_factory.mktemp("c360")
    features_path = str(root / "renewal_features")
    features_stage["renewal_features"].write.parquet(features_path)
    with pytest.MonkeyPatch.context() as patch:
        # MLflow 3 keeps the local file store behind an opt-in; Azure ML sets its own tracking URI.
        patch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        patch.setenv("MLFLOW_TRACKING_URI", (root / "mlruns").as_uri())
        metrics = train_renewal.main(["--features", features_path, "--model-output", str(root / "model")])
    assert metrics == 0
    return {
        "root": root,
        "metrics": json.loads((root / "model" / "model.json").read_text())["metrics"],
        "model": (root / "model" / "model.json").read_text(),
        "estimator": pickle.loads((root / "model" / "model.pkl").read_bytes()),
    }


def test_the_planted_duplicate_person_merges_into_one_profile(features_stage, sample):
    facts = sample.facts
    profiles = features_stage["profiles"]
    rows = profiles.where(F.col("NormalisedEmail") == facts.duplicate_person_email).collect()
    assert len(rows) == 1
    (row,) = rows
    assert row["ResidentIds"] == [facts.duplicate_person_resident_id]
    assert row["ContactIds"] == [facts.duplicate_person_contact_id]
    assert row["Sources"] == ["CRM", "PropertySystem"]
    # The newer of the two property-system records wins.
    assert row["FirstName"] == facts.duplicate_person_first_name
    people = {r["cid"] for r in sample.tables["enriched/leasing/residents"]}
    contacts = [c for c in sample.tables["enriched/crm/contacts"] if c["ContactType"] == "Contact"]
    # The contact entered twice shares one e-mail: one person, one profile.
    assert profiles.count() == len(people) + len(contacts) - 2


def test_lease_features_count_renewals_and_flag_early_move_outs(features_stage, sample):
    # The leases the business date knew: a renewal that starts later has not happened yet.
    leases = [lease for lease in sample.tables["enriched/leasing/leases"] if lease["StartDate"] <= sample.facts.as_of]
    features = {(r["cid"], r["uid"]): r for r in features_stage["renewal_features"].collect()}
    for lease in leases:
        row = features[(lease["cid"], lease["uid"])]
        renewals = sum(1 for other in leases if other["uid"] == lease["uid"] and other["Type"] == "Renewal")
        assert row["num_renewals"] == renewals
        assert row["isRenewed"] == ("Y" if renewals else "N")
        if row["isMovedOut"] == "Y":
            assert row["isEarlyMoveOut"] == (
                "Y" if (row["max_LeaseEndDate"] - row["max_MoveOutDate"]).days > 30 else "N"
            )
    assert {r["isEarlyMoveOut"] for r in features.values()} == {"Y", "N"}


def test_the_model_uses_no_feature_that_leaks_the_renewal(features_stage, trained):
    used = set(json.loads(trained["model"])["coefficients"])
    assert "InitialLeaseTerm" in used and any(name.startswith("WO_") for name in used)
    assert any(name.startswith("Movein_") for name in used)
    assert not [name for name in used if name.startswith("Renewal_") or name == "TotalLeaseTerm"]
    assert any(c.startswith("Renewal_") for c in features_stage["renewal_features"].columns)


def test_the_renewal_model_beats_a_constant_predictor_on_a_held_out_split(trained):
    metrics = trained["metrics"]
    # A quarter of the tenancies completed by the business date (one that ends later is no label yet).
    assert metrics["test_rows"] >= 30
    assert metrics["auc"] > 0.75
    assert metrics["accuracy"] > metrics["baseline_accuracy"]
    assert metrics["log_loss"] < metrics["baseline_log_loss"]


def test_training_logs_to_mlflow(trained):
    runs = list((trained["root"] / "mlruns").glob("*/*/metrics/auc"))
    assert len(runs) == 1


def test_spark_scoring_matches_the_trained_estimator(features_stage, trained):
    model = customer_360.load_model(trained["model"])
    scored = customer_360.score_tenancies(features_stage["renewal_features"], model).collect()
    features = {(r["cid"], r["uid"]): r for r in features_stage["renewal_features"].collect()}
    names = list(model["coefficients"])
    x = np.array([[float(features[(r["cid"], r["uid"])][n]) for n in names] for r in scored])
    expected = trained["estimator"].predict_proba(x)[:, 1]
    assert [r["RenewalProbability"] for r in scored] == pytest.approx(expected.tolist(), abs=1e-9)


def test_renewal_predictions_flag_the_planted_renewer_and_leaver(features_stage, trained, sample):
    model = customer_360.load_model(trained["model"])
    published = customer_360.build_predictions(features_stage["renewal_features"], model)["renewal_predictions"]
    bridge = {r["cid"]: r["CustomerId"] for r in customer_360.profile_bridge(features_stage["profiles"]).collect()}
    predictions = {r["CustomerId"]: r for r in published.collect()}
    renewer = predictions[bridge[sample.facts.likely_renewer_resident_id]]
    leaver = predictions[bridge[sample.facts.likely_leaver_resident_id]]
    assert (renewer["RenewalPrediction"], leaver["RenewalPrediction"]) == ("Y", "N")
    assert renewer["RenewalPredictionScore"] > 50 > leaver["RenewalPredictionScore"]
    assert all(0 <= r["RenewalPredictionScore"] <= 100 for r in predictions.values())


def test_the_lowest_tenancy_score_is_the_customer_score(spark):
    scored = spark.createDataFrame(
        [("c1", "r1", "p", "u1", 0.9, 1), ("c1", "r1", "p", "u2", 0.2, 0)],
        "CustomerId string, cid string, pid string, uid string, RenewalProbability double, RenewalPredicted int",
    )
    (row,) = customer_360.renewal_predictions(scored).collect()
    assert (row["RenewalPrediction"], row["RenewalPredictionScore"]) == ("N", 20.0)


def test_leases_without_a_term_fail_with_the_null_rate(enriched):
    inputs = inputs_of(enriched, customer_360.FEATURE_INPUTS)
    inputs["leases"] = inputs["leases"].withColumn("LeaseTerm", F.lit(None).cast("double"))
    with pytest.raises(
        DataQualityError, match=r"leases: column LeaseTerm is 100\.0% null or blank, above the 0\.0% allowed"
    ):
        customer_360.build_features(inputs, as_of=AS_OF)


def test_a_model_file_without_coefficients_is_refused():
    with pytest.raises(
        DataQualityError, match="renewal model: expected JSON with intercept, coefficients and threshold"
    ):
        customer_360.load_model('{"intercept": 0.1}')
