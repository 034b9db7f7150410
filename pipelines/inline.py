"""A data product's own pipeline, inlined into the zone's master pipeline as the product's steps.

A product that needs more than one notebook run ships ``pl_<product>`` in its set (Customer 360:
features, the Azure ML training job, scoring). The master cannot call it with ``ExecutePipeline`` when
the master lives in the zone's Data Factory: that activity runs only a pipeline of the same factory
(Data Factory "Execute Pipeline activity": ``pipeline`` is "a pipeline reference to the pipeline that
this activity calls"; a factory has no reference type for a Synapse pipeline). So the master carries
the pipeline's activities themselves, for both targets, the same way:

* every activity is renamed ``<product> <name>`` so the names stay unique in the master, and every
  ``dependsOn`` and ``activity('...')`` reference follows the new names;
* the pipeline's variables become ``<product>_<variable>`` (``variables('...')`` and ``SetVariable``
  / ``AppendVariable`` follow);
* its first steps wait for every ingestion step of the master;
* its notebook runs get the master's window end, like the one-notebook products; in a factory they
  run through the ``AzureSynapseArtifacts`` linked service and lose ``snapshot``, which only a Synapse
  pipeline's notebook activity has (azure-native ``datafactory.SynapseNotebookActivity``).

The pipeline's own failure paths come along, so each step that can fail still ends the run Failed
with the step named.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cloudscale.pipelines.definitions import Artifact, Target
from cloudscale.pipelines.platform import CONTAINER_ACTIVITIES, SYNAPSE_ARTIFACTS_LINKED_SERVICE

_ACTIVITY = re.compile(r"activity\(\s*'([^']+)'\s*\)")
_VARIABLE = re.compile(r"variables\(\s*'([^']+)'\s*\)")
_VARIABLE_ACTIVITIES = frozenset({"SetVariable", "AppendVariable"})


def window_parameters() -> dict[str, Any]:
    """What the master hands every notebook: the window it runs for."""
    return {
        name: {"value": {"value": f"@pipeline().parameters.{parameter}", "type": "Expression"}, "type": "string"}
        for name, parameter in (("window_start", "windowStart"), ("window_end", "windowEnd"))
    }


def final_steps(activities: Sequence[Mapping[str, Any]]) -> list[str]:
    """The activities that end a pipeline's success path: not a ``Fail``, and no other activity waits
    for their success (what the steps after an inlined pipeline wait for)."""
    awaited = {
        str(d.get("activity"))
        for a in activities
        for d in a.get("dependsOn") or []
        if "Succeeded" in (d.get("dependencyConditions") or [])
    }
    return [str(a["name"]) for a in activities if a.get("type") != "Fail" and a["name"] not in awaited]


def product_pipeline_of(set_name: str) -> str:
    return f"pl_{set_name}"


def inline_names(product: str, pipeline: Artifact) -> dict[str, str]:
    """Old activity name -> its name in the master, for every activity (inside loops and branches too)."""
    return {name: f"{product} {name}" for name in _names(pipeline.properties.get("activities") or [])}


def inline_variables(product: str, pipeline: Artifact) -> dict[str, Any]:
    """The pipeline's variables under their names in the master."""
    prefix = product.replace("-", "_")
    return {f"{prefix}_{name}": spec for name, spec in (pipeline.properties.get("variables") or {}).items()}


def inline_activities(target: Target, product: str, pipeline: Artifact, after: Sequence[str]) -> list[dict[str, Any]]:
    """The pipeline's activities as master steps; the ones that depended on nothing wait for ``after``."""
    names = inline_names(product, pipeline)
    prefix = product.replace("-", "_")
    variables = {name: f"{prefix}_{name}" for name in pipeline.properties.get("variables") or {}}

    def rename_text(text: str) -> str:
        text = _ACTIVITY.sub(lambda m: f"activity('{names.get(m[1], m[1])}')", text)
        return _VARIABLE.sub(lambda m: f"variables('{variables.get(m[1], m[1])}')", text)

    activities = [
        _inline(activity, target, names, variables, rename_text)
        for activity in copy.deepcopy(pipeline.properties.get("activities") or [])
    ]
    for activity in activities:
        if not activity.get("dependsOn"):
            activity["dependsOn"] = [{"activity": name, "dependencyConditions": ["Succeeded"]} for name in after]
    return activities


def _names(activities: Sequence[Mapping[str, Any]]) -> list[str]:
    found: list[str] = []
    for activity in activities:
        found.append(str(activity.get("name")))
        for key in CONTAINER_ACTIVITIES.get(str(activity.get("type")), ()):
            found += _names((activity.get("typeProperties") or {}).get(key) or [])
    return found


def _inline(
    activity: dict[str, Any],
    target: Target,
    names: Mapping[str, str],
    variables: Mapping[str, str],
    rename_text: Callable[[str], str],
) -> dict[str, Any]:
    activity = _rewrite_strings(activity, rename_text)
    activity["name"] = names[activity["name"]]
    for dependency in activity.get("dependsOn") or []:
        dependency["activity"] = names.get(dependency["activity"], dependency["activity"])
    type_properties = activity.setdefault("typeProperties", {})
    if activity.get("type") in _VARIABLE_ACTIVITIES:
        name = type_properties.get("variableName")
        type_properties["variableName"] = variables.get(name, name)
    if activity.get("type") == "SynapseNotebook":
        for name, value in window_parameters().items():
            type_properties.setdefault("parameters", {}).setdefault(name, value)
        if target == "dataFactory":
            type_properties.pop("snapshot", None)
            activity["linkedServiceName"] = {
                "referenceName": SYNAPSE_ARTIFACTS_LINKED_SERVICE,
                "type": "LinkedServiceReference",
            }
    for key in CONTAINER_ACTIVITIES.get(str(activity.get("type")), ()):
        type_properties[key] = [
            _inline(inner, target, names, variables, lambda text: text) for inner in type_properties.get(key) or []
        ]
    return activity


def _rewrite_strings(value: Any, rename: Callable[[str], str]) -> Any:
    """Every string of an activity with its activity and variable references renamed (nested too)."""
    if isinstance(value, dict):
        return {key: _rewrite_strings(item, rename) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite_strings(item, rename) for item in value]
    return rename(value) if isinstance(value, str) else value
