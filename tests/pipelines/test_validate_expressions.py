"""The validator's expression checks and pipeline limits: each names the file and the JSON path."""

from __future__ import annotations

import copy

import pytest

from cloudscale.pipelines.definitions import Artifact, DefinitionSet
from cloudscale.pipelines.platform import MAX_ACTIVITIES, MAX_ACTIVITY_NAME
from cloudscale.pipelines.validate import notebook_parameters, validate
from tests.pipelines.test_definitions import problems_with

CRM = ("crm_ingestion", "pipeline/pl_crm_ingestion.json")
CRM_FILE = "crm_ingestion/pipeline/pl_crm_ingestion.json"
FAIL_MESSAGE = "$.properties.activities[1].typeProperties.message"
INNER_COPY = "$.properties.activities[0].typeProperties.activities[0]"


def crm_problems(tmp_path, change) -> list[str]:
    return problems_with(tmp_path, *CRM, change)


def failing_with(message: str):
    def change(properties):
        properties["activities"][1]["typeProperties"]["message"] = message

    return change


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (
            "@concatenate('a', 'b')",
            "concatenate() is not a function of the expression language; did you mean concat()?",
        ),
        ("@toUpper('a', 'b')", "toUpper() takes 1 argument, got 2"),
        ("@substring('abc', 1)", "substring() takes 3 arguments, got 2"),
        ("@concat('failed at ', 42)", "concat(): argument 2 is an integer ('42'); it must be an array or a string"),
        ("@concat('x', add(1, 2))", "concat(): argument 2 is an integer; it must be an array or a string"),
        ("@concat('x', length(pipeline().parameters.windowEnd))", "concat(): argument 2 is an integer; it must be"),
        (
            "@concat('x', mul(activity('Copy each entity').output.n, 2))",
            "concat(): argument 2 is a float or an integer; it must be",
        ),
        (
            "@addDays(pipeline().parameters.windowEnd, '1')",
            "addDays(): argument 2 is a string ('1'); it must be an integer",
        ),
        ("@if('yes', 'a', 'b')", "if(): argument 1 is a string ('yes'); it must be a boolean"),
        (
            "@formatDateTime(pipeline().parameters.windowEnd, 'Q')",
            "formatDateTime(): argument 2: 'Q' is not a standard",
        ),
        (
            "@addToTime(pipeline().parameters.windowEnd, 1, 'Days')",
            "addToTime(): argument 3: 'Days' is not a time unit",
        ),
        (
            "@convertFromUtc(pipeline().parameters.windowEnd, 'CET')",
            "convertFromUtc(): argument 2: 'CET' is not a Windows",
        ),
        ("@formatDateTime('next tuesday')", "formatDateTime(): argument 1: 'next tuesday' is not a timestamp"),
        ("@concat('run ', string(int('ten')))", "int(): 'ten' is not an integer"),
        ("@item().entity", "item() is defined only inside a ForEach activity"),
        ("@activity('Copy modified rows').error.message", "activity 'Copy modified rows' is not upstream of 'Fail CRM"),
        ("@activity('Copy everything').error.message", "activity 'Copy everything' does not exist in this pipeline"),
        ("@variables('attempt')", "variable 'attempt' is not declared"),
        ("@pipeline().parameters.windowEnds", "@pipeline().parameters.windowEnds is not a declared parameter"),
        ("@pipeline().parameters['windowEnds']", "@pipeline().parameters.windowEnds is not a declared parameter"),
        ("@pipeline().runIdentifier", "@pipeline().runIdentifier is not a system variable"),
        ("@dataset().entity", "dataset() cannot be used in a pipeline: @dataset() is only defined inside a dataset"),
        ("@trigger().startTime", "trigger() cannot be used in a pipeline: only a trigger's pipeline parameters"),
        (
            "failed at @{pipeline().parameters.windowEnd",
            "expression does not parse: @{ is not closed with } (position 10)",
        ),
    ],
)
def test_an_expression_problem_is_named_with_file_and_path(tmp_path, message, problem):
    found = crm_problems(tmp_path, failing_with(message))
    assert len(found) == 1, found
    assert found[0].startswith(f"{CRM_FILE}: {FAIL_MESSAGE}: {problem}")


def test_what_a_fail_activity_may_read_of_the_activity_it_handles(tmp_path):
    # The failure handler depends on the ForEach: its result (and error) exists when the handler runs.
    assert crm_problems(tmp_path, failing_with("@activity('Copy each entity').error.message")) == []


def test_item_is_valid_inside_a_foreach_and_only_there(tmp_path):
    def misuse(properties):
        properties["activities"][0]["typeProperties"]["items"]["value"] = "@item().entities"

    found = crm_problems(tmp_path, misuse)
    assert found == [
        f"{CRM_FILE}: $.properties.activities[0].typeProperties.items.value: "
        "item() is defined only inside a ForEach activity"
    ]


def test_declared_parameter_types_are_known_types(tmp_path):
    def count(properties):
        properties["parameters"]["attempts"] = {"type": "Int", "defaultValue": 1}
        properties["activities"][1]["typeProperties"]["message"] = "@concat('attempt ', pipeline().parameters.attempts)"

    found = crm_problems(tmp_path, count)
    assert found == [f"{CRM_FILE}: {FAIL_MESSAGE}: concat(): argument 2 is an integer; it must be an array or a string"]


def test_an_activity_inside_a_container_sees_what_is_upstream_of_the_container(tmp_path):
    def look_back(properties):
        properties["activities"].insert(
            0, {"name": "Start", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}
        )
        properties["activities"][1]["dependsOn"] = [{"activity": "Start", "dependencyConditions": ["Succeeded"]}]
        inner = properties["activities"][1]["typeProperties"]["activities"][0]
        inner["userProperties"] = [{"name": "started", "value": "@string(activity('Start').output)"}]

    assert crm_problems(tmp_path, look_back) == []

    def look_sideways(properties):
        look_back(properties)
        properties["activities"][1]["dependsOn"] = []

    found = crm_problems(tmp_path / "sideways", look_sideways)
    assert found == [
        f"{CRM_FILE}: $.properties.activities[1].typeProperties.activities[0].userProperties[0].value: "
        "activity 'Start' is not upstream of 'Copy modified rows': its result exists only for activities that "
        "depend on it (dependsOn), directly or through the container they are in"
    ]


def test_until_reads_the_results_of_its_own_activities_and_nothing_after_it_does(tmp_path):
    status = "@equals(activity('Read training job status').output.properties.status, 'Completed')"

    def until(properties):
        properties["activities"][2]["typeProperties"]["expression"]["value"] = status

    assert problems_with(tmp_path, "customer_360", "pipeline/pl_customer_360.json", until) == []

    def after(properties):
        properties["activities"][3]["typeProperties"]["expression"]["value"] = status

    found = problems_with(tmp_path / "after", "customer_360", "pipeline/pl_customer_360.json", after)
    assert found == [
        "customer_360/pipeline/pl_customer_360.json: $.properties.activities[3].typeProperties.expression.value: "
        "activity 'Read training job status' is not upstream of 'Training completed': its result exists only for "
        "activities that depend on it (dependsOn), directly or through the container they are in"
    ]


def test_dataset_and_linked_service_parameters_and_their_functions(tmp_path):
    def dataset(properties):
        properties["typeProperties"]["location"]["folderPath"]["value"] = (
            "@concat(dataset().entity, '/', dataset().windows, pipeline().RunId)"
        )

    found = problems_with(tmp_path, "crm_ingestion", "dataset/ds_raw_crm_parquet.json", dataset)
    where = "crm_ingestion/dataset/ds_raw_crm_parquet.json: $.properties.typeProperties.location.folderPath.value"
    assert found == [
        f"{where}: @dataset().windows is not a declared parameter",
        f"{where}: pipeline() cannot be used in a dataset: @pipeline() is only defined inside a pipeline",
    ]

    def linked_service(properties):
        properties["typeProperties"]["serviceUri"] = "https://@{linkedService().environments}.crm4.dynamics.com"

    found = problems_with(tmp_path / "ls", "crm_ingestion", "linkedService/ls_dataverse_crm.json", linked_service)
    assert found == [
        "crm_ingestion/linkedService/ls_dataverse_crm.json: $.properties.typeProperties.serviceUri: "
        "@linkedService().environments is not a declared parameter"
    ]


def test_placeholders_inside_expressions_are_words_and_notebook_cells_are_code(tmp_path):
    def placeholder(properties):
        properties["activities"][1]["typeProperties"]["message"] = (
            "@concat('{{ zone.name }}: failed at ', pipeline().parameters.windowEnd, ' in {{ lake.raw.account }}')"
        )

    assert crm_problems(tmp_path, placeholder) == []

    def decorator(properties):
        properties["cells"][1]["source"].append("@{not an expression}\n")

    assert problems_with(tmp_path / "nb", "sales_analytics", "notebook/nb_sales_analytics.json", decorator) == []


def test_a_pipeline_holds_at_most_80_activities(tmp_path):
    def grow(properties):
        inner = properties["activities"][0]["typeProperties"]["activities"]
        template = inner[0]
        for index in range(MAX_ACTIVITIES - 1):
            extra = copy.deepcopy(template)
            extra["name"] = f"Copy {index}"
            inner.append(extra)

    found = crm_problems(tmp_path, grow)
    assert found == [
        f"{CRM_FILE}: $.properties.activities: {MAX_ACTIVITIES + 2} activities, inner activities of containers "
        f"included; a pipeline holds at most {MAX_ACTIVITIES} (split it, or run part of it with ExecutePipeline)"
    ]


def test_activity_names_are_at_most_55_characters(tmp_path):
    name = "Copy the modified rows of every entity since the last window"

    def rename(properties):
        properties["activities"][0]["typeProperties"]["activities"][0]["name"] = name

    found = crm_problems(tmp_path, rename)
    assert found == [f"{CRM_FILE}: {INNER_COPY}.name: activity name {name!r} has {len(name)} characters; at most 55"]
    assert len(name) > MAX_ACTIVITY_NAME


def test_activity_names_are_unique_across_nesting_levels(tmp_path):
    def rename(properties):
        properties["activities"][0]["typeProperties"]["activities"][0]["name"] = "Fail CRM ingestion"

    found = crm_problems(tmp_path, rename)
    assert found == [
        f"{CRM_FILE}: $.properties.activities[1].name: activity name 'Fail CRM ingestion' is also used at "
        f"{INNER_COPY}; names are unique in the whole pipeline, inside containers too"
    ]


def test_notebook_parameters_are_the_ones_its_parameters_cell_assigns(tmp_path):
    def typo(properties):
        parameters = properties["activities"][0]["typeProperties"]["parameters"]
        parameters["stages"] = parameters.pop("stage")

    found = problems_with(tmp_path, "customer_360", "pipeline/pl_customer_360.json", typo)
    assert found == [
        "customer_360/pipeline/pl_customer_360.json: "
        "$.properties.activities[0].typeProperties.parameters.stages: notebook 'nb_customer_360' "
        "declares no parameter 'stages' in its parameters cell "
        "(it declares as_of, enriched_root, raw_root, stage, window_end, window_start, workspace_root)"
    ]


def test_notebook_parameters_cells_in_python_and_scala():
    def notebook(*cells):
        return Artifact("notebook", "nb", {"cells": list(cells)}, "s/notebook/nb.json", "s")

    python = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["a = 1\n", "b: str = 'x'\n"]}
    scala = {"metadata": {"tags": ["parameters"]}, "source": ['val window_end = ""\n', "var count: Int = 3\n"]}
    plain = {"metadata": {}, "source": ["c = 1\n"]}
    assert notebook_parameters(notebook(plain, python)) == {"a", "b"}
    assert notebook_parameters(notebook(scala)) == {"window_end", "count"}
    assert notebook_parameters(notebook(plain)) is None


def test_a_master_with_every_product_validates():
    """The composed master reads the inlined Customer 360 activities by their new names, upstream."""
    from cloudscale.pipelines.compose import bundled_choice, compose_zone

    composed = compose_zone(
        [bundled_choice(name, "k") for name in ("crm_ingestion", "erp_ingestion", "leasing_ingestion")],
        products=["sales-analytics", "customer-360", "relationship-mesh", "customer-dimension", "customer-service"],
        master_target="dataFactory",
        master_schedule=None,
    )
    assert composed.problems == []
    assert validate(composed.sets) == []
    assert isinstance(composed.sets[-1], DefinitionSet)


@pytest.mark.parametrize("text", ["@activity('Copy').output", "@variables('v')", "@item()"])
def test_activity_results_variables_and_items_exist_only_in_a_pipeline(text):
    from cloudscale.pipelines.expressions import parse
    from cloudscale.pipelines.expressions.analysis import Scope, problems

    name = text[1:].split("(", 1)[0]
    assert problems(parse(text), Scope("dataset")) == [
        f"{name}() cannot be used in a dataset: @{name}() is only defined inside a pipeline"
    ]
