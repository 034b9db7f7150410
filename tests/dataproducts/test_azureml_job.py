"""The renewal-training command job, built with azure-ai-ml and validated offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cloudscale.dataproducts.azureml import job, pipeline, train_renewal

REPO = Path(__file__).resolve().parents[2]


def test_the_job_validates_and_its_rest_body_runs_the_script_on_the_cluster():
    body = pipeline.job_body()["properties"]
    assert body["jobType"] == "Command"
    assert body["computeId"].endswith("/computes/{{ ml.compute }}")
    assert body["environmentId"] == job.CURATED_ENVIRONMENT
    assert re.fullmatch(r".*/codes/renewal-training/versions/[0-9a-f]{12}", body["codeId"])
    assert body["inputs"]["features"] == {
        # The renewal features' folder as the Customer 360 contract declares it.
        "uri": "abfss://customer-360@{{ lake.workspace.account }}.dfs.core.windows.net/staging/renewal_features",
        "mode": "ReadOnlyMount",
        "jobInputType": "uri_folder",
    }
    assert body["outputs"]["model"]["uri"].endswith("/models/renewal")


def test_the_command_line_parses_with_the_scripts_own_parser():
    command = job.COMMAND.replace("${{inputs.features}}", "/in").replace("${{outputs.model}}", "/out").split()
    assert command[:2] == ["python", job.SCRIPT]
    assert (Path(train_renewal.__file__).name) == job.SCRIPT
    args = train_renewal.build_parser().parse_args(command[2:])
    assert (args.features, args.model_output) == ("/in", "/out")


def test_a_command_referencing_an_undeclared_input_is_refused():
    bad = job.training_job(
        "cluster", "abfss://c@a.dfs.core.windows.net/f", "abfss://c@a.dfs.core.windows.net/m", code="."
    )
    bad.command = bad.command.replace("inputs.features", "inputs.feature_table")
    with pytest.raises(job.JobDefinitionError, match=r"references \$\{\{inputs\.feature_table\}\}"):
        job.validate(bad)


def test_the_pipeline_file_is_what_the_builder_generates():
    path = pipeline.pipeline_path(REPO / "pipelines")
    assert json.loads(path.read_text()) == pipeline.build_pipeline(), "regenerate with write_pipeline('pipelines')"


def test_the_pipeline_scores_only_after_a_completed_training_job():
    activities = {a["name"]: a for a in pipeline.build_pipeline()["properties"]["activities"]}
    assert [d["activity"] for d in activities["Publish renewal predictions"]["dependsOn"]] == ["Training completed"]
    gate = activities["Training completed"]["typeProperties"]
    assert gate["expression"]["value"] == "@equals(variables('jobStatus'), 'Completed')"
    assert [a["type"] for a in gate["ifFalseActivities"]] == ["Fail"]
    stages = [
        a["typeProperties"]["parameters"]["stage"]["value"]
        for a in activities.values()
        if a["type"] == "SynapseNotebook"
    ]
    assert stages == ["features", "score"]
