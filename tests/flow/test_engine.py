"""The pipeline player: dependency conditions, retries, containers, variables and the service's rule for
a run's outcome, on definitions built in the test (no Spark, no lake)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from cloudscale.flow.engine import ActivityFailedError, Engine, NotPlayableError
from cloudscale.pipelines.definitions import Artifact


class Recorder:
    """A world whose only data activity is ``Stub``: it fails while ``fail[name]`` > 0 and counts attempts."""

    def __init__(self, pipelines, fail=None):
        self.pipelines = pipelines
        self.fail = dict(fail or {})
        self.played: list[str] = []
        self.run_time = datetime(2026, 7, 1, 2, tzinfo=UTC)
        self.platform = SimpleNamespace(values={"dataFactory.name": "adf-test"})

    def definition(self, target, kind, name):
        properties = self.pipelines.get(name)
        return Artifact("pipeline", name, properties, f"test/{name}.json", "test") if properties else None

    def players(self, engine):
        def stub(activity, scope, run):
            self.played.append(run.name)
            if self.fail.get(run.name, 0) > 0:
                self.fail[run.name] -= 1
                raise ActivityFailedError(f"{run.name} broke", "Broken")
            return {"value": (activity.get("typeProperties") or {}).get("value")}

        return {"Stub": stub}


def _activity(name, *after, condition="Succeeded", kind="Stub", **extra):
    return {
        "name": name,
        "type": kind,
        "dependsOn": [{"activity": a, "dependencyConditions": [condition]} for a in after],
        **extra,
    }


def _run(activities, fail=None, parameters=None, parameters_declared=None, **pipeline):
    declared = {name: {"type": "String"} for name in parameters or {}}
    world = Recorder({"pl": {"activities": activities, "parameters": declared, **pipeline}}, fail)
    return Engine(world).run_pipeline("dataFactory", "pl", parameters or {}), world


def test_activities_run_after_their_dependencies_and_skip_when_a_condition_is_not_met():
    run, world = _run(
        [
            _activity("report", "load"),
            _activity("load"),
            _activity("on failure", "load", condition="Failed"),
            _activity("always", "load", condition="Completed"),
        ]
    )
    assert world.played == ["load", "report", "always"]
    assert {a.name: a.status for a in run.activities}["on failure"] == "Skipped"
    assert run.status == "Succeeded"  # a skipped leaf counts as its parent, which succeeded


def test_a_failure_path_that_runs_a_fail_activity_fails_the_run_with_its_message():
    run, _ = _run(
        [
            _activity("load"),
            {
                "name": "Fail load",
                "type": "Fail",
                "dependsOn": [{"activity": "load", "dependencyConditions": ["Failed"]}],
                "typeProperties": {
                    "message": "@concat('load failed for ', pipeline().parameters.window)",
                    "errorCode": "E1",
                },
            },
        ],
        fail={"load": 1},
        parameters={"window": "2026-06-30"},
        parameters_declared=None,
    )
    assert run.status == "Failed"
    assert run.errors == [{"message": "load failed for 2026-06-30", "errorCode": "E1", "failureType": "UserError"}]


def test_a_handled_failure_still_fails_the_run_when_its_success_path_is_skipped():
    # Learn, "Pipeline failure and error handling": the skipped leaf is evaluated as its failed parent.
    run, world = _run(
        [_activity("load"), _activity("next", "load"), _activity("log", "load", condition="Failed")], {"load": 1}
    )
    assert world.played == ["load", "log"]
    assert run.status == "Failed"


def test_a_retried_activity_succeeds_on_a_later_attempt():
    run, world = _run([_activity("load", policy={"retry": 2, "retryIntervalInSeconds": 60})], {"load": 2})
    assert world.played == ["load", "load", "load"]
    assert (run.activities[0].status, run.activities[0].attempts, run.status) == ("Succeeded", 3, "Succeeded")


def test_for_each_runs_its_activities_per_item_and_until_loops_on_a_variable():
    activities = [
        {
            "name": "each",
            "type": "ForEach",
            "typeProperties": {"items": "@pipeline().parameters.tables", "activities": [_activity("copy")]},
        },
        {
            "name": "loop",
            "type": "Until",
            "dependsOn": [{"activity": "each", "dependencyConditions": ["Succeeded"]}],
            "typeProperties": {
                "expression": "@equals(length(variables('seen')), 3)",
                "activities": [
                    {"name": "add", "type": "AppendVariable", "typeProperties": {"variableName": "seen", "value": "x"}}
                ],
            },
        },
    ]
    run, world = _run(
        activities,
        parameters={"tables": ["a", "b"]},
        variables={"seen": {"type": "Array", "defaultValue": []}},
        parameters_declared=None,
    )
    assert world.played == ["copy", "copy"]
    assert run.status == "Succeeded" and run.activities[1].output == {"iterations": 3}


def test_an_if_condition_runs_one_branch_and_a_failing_branch_fails_it():
    branch = {
        "name": "check",
        "type": "IfCondition",
        "typeProperties": {
            "expression": "@greater(pipeline().parameters.rows, 0)",
            "ifTrueActivities": [_activity("publish")],
            "ifFalseActivities": [
                {"name": "stop", "type": "Fail", "typeProperties": {"message": "no rows", "errorCode": "E"}}
            ],
        },
    }
    run, world = _run([branch], parameters={"rows": 3})
    assert world.played == ["publish"] and run.status == "Succeeded"
    run, _ = _run([branch], parameters={"rows": 0})
    assert run.status == "Failed" and run.errors[0]["message"] == "no rows"


def test_an_activity_type_it_cannot_play_stops_the_run_with_the_activity_name():
    with pytest.raises(
        NotPlayableError, match="cannot play activity 'transform': the flow does not play ExecuteDataFlow"
    ):
        _run([_activity("transform", kind="ExecuteDataFlow")])


def test_a_missing_parameter_and_a_broken_expression_are_failures_that_say_so():
    engine = Engine(Recorder({"pl": {"activities": [], "parameters": {"window": {"type": "String"}}}}))
    with pytest.raises(ActivityFailedError, match="missing value for parameter"):
        engine.run_pipeline("dataFactory", "pl", {})
    run, _ = _run(
        [{"name": "set", "type": "SetVariable", "typeProperties": {"variableName": "v", "value": "@nosuch()"}}],
        variables={"v": {"type": "String"}},
    )
    assert run.status == "Failed" and "nosuch() is not a function" in run.errors[0]["message"]
