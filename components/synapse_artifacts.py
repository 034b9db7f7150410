"""Synapse workspace artifacts (datasets, notebooks, SQL scripts, pipelines, triggers) as dynamic resources.

Like linked services, these live behind the workspace development endpoint and azure-native cannot
declare them (pulumi-azure-native #2479, #2795). One provider drives them all through
``azure-synapse-artifacts``, sending each definition's JSON verbatim (the SDK's typed models drop
properties they do not know). Triggers own their run state: the service creates a trigger stopped
and refuses to change or delete a started one, so the provider starts it after creation, stops it
before an update or delete and starts it again afterwards (the gap pulumi-azure-native #3540 leaves
open for Data Factory, closed here for Synapse). A pipeline may ask to be run once after each
change, which is how the logical data warehouse's views follow the definitions.

Settings, credentials, clients and error wrapping are those of ``components.synapse_dataplane``.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import ResourceNotFoundError

from cloudscale.components import synapse_dataplane as dataplane
from cloudscale.components.baseline.type_facts import declare_type

if TYPE_CHECKING:
    from azure.synapse.artifacts import ArtifactsClient

__all__ = [
    "ARTIFACT_KINDS",
    "ArtifactProvider",
    "SynapseArtifact",
    "SynapseArtifactArgs",
]


@dataclass(frozen=True)
class _Operations:
    group: str
    noun: str
    label: str

    def create(self, client: ArtifactsClient) -> Any:
        return getattr(getattr(client, self.group), f"begin_create_or_update_{self.noun}")

    def get(self, client: ArtifactsClient) -> Any:
        return getattr(getattr(client, self.group), f"get_{self.noun}")

    def delete(self, client: ArtifactsClient) -> Any:
        return getattr(getattr(client, self.group), f"begin_delete_{self.noun}")


# Definition-folder kind -> SDK operation group and noun, in the service's dependency order.
ARTIFACT_KINDS: dict[str, _Operations] = {
    "dataset": _Operations("dataset", "dataset", "dataset"),
    "notebook": _Operations("notebook", "notebook", "notebook"),
    "sqlscript": _Operations("sql_script", "sql_script", "SQL script"),
    "pipeline": _Operations("pipeline", "pipeline", "pipeline"),
    "trigger": _Operations("trigger", "trigger", "trigger"),
}
# Read-only fields a Studio export carries; the service rejects or ignores them on PUT.
_READ_ONLY = ("runtimeState", "lastPublishTime")
STARTED = "Started"
# Event triggers deliver through an Event Grid subscription the service creates on subscribe; a
# trigger starts only once that subscription reports "Enabled".
EVENT_TRIGGERS = frozenset({"BlobEventsTrigger", "CustomEventsTrigger"})


def _label(props: dict[str, Any]) -> str:
    return f"{ARTIFACT_KINDS[props['kind']].label} '{props['artifact_name']}'"


def _body(props: dict[str, Any]) -> Any:
    from azure.synapse.artifacts.models import Dataset, Trigger

    properties = {k: v for k, v in dataplane._json_numbers(props["properties"]).items() if k not in _READ_ONLY}
    # Datasets and triggers take only typed models (the SDK wraps them in the resource envelope);
    # the base models' additional_properties are serialised as-is, so the service still receives
    # exactly the declared JSON. The other kinds take the raw body.
    if props["kind"] == "dataset":
        return Dataset(linked_service_name=None, additional_properties=properties)
    if props["kind"] == "trigger":
        return Trigger(additional_properties=properties)
    return io.BytesIO(json.dumps({"properties": properties}).encode())


def _runtime_state(resource: dict[str, Any] | None) -> str | None:
    return ((resource or {}).get("properties") or {}).get("runtimeState")


class ArtifactProvider(pulumi.dynamic.ResourceProvider):
    """One workspace artifact of any kind in ``ARTIFACT_KINDS``; triggers are kept started."""

    REPLACE_KEYS = ("workspace_name", "kind", "artifact_name")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures = []
        if news.get("kind") not in ARTIFACT_KINDS:
            failures.append(pulumi.dynamic.CheckFailure("kind", f"must be one of {', '.join(ARTIFACT_KINDS)}"))
        if not isinstance(news.get("properties"), dict | type(None)):
            failures.append(
                pulumi.dynamic.CheckFailure("properties", "must be the artifact's JSON 'properties' object")
            )
        return pulumi.dynamic.CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outs = self._apply(props, "create", was_started=False)
        id_ = f"{props['workspace_name']}/{props['kind']}/{props['artifact_name']}"
        return pulumi.dynamic.CreateResult(id_=id_, outs=outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._apply(news, "update", was_started=True))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        workspace, operations = props["workspace_name"], ARTIFACT_KINDS[props["kind"]]
        with (
            dataplane._artifacts_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "read"),
        ):
            try:
                resource = operations.get(client)(props["artifact_name"], cls=dataplane._raw_json)
            except ResourceNotFoundError:
                return pulumi.dynamic.ReadResult(id_="", outs={})
        return pulumi.dynamic.ReadResult(id_=id_, outs=_outputs(props, resource))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = dataplane._first_changed(self.REPLACE_KEYS, olds, news)
        changed = dataplane._first_changed(
            ("properties", "dev_endpoint", "run_after_change", "run_parameters"), olds, news
        )
        # A trigger someone stopped in Studio is drift: the next update starts it again.
        drifted = olds.get("kind") == "trigger" and olds.get("runtime_state") not in (None, STARTED)
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed or drifted), replaces=replaces)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        workspace, name, operations = props["workspace_name"], props["artifact_name"], ARTIFACT_KINDS[props["kind"]]
        with (
            dataplane._artifacts_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "delete"),
        ):
            if props["kind"] == "trigger":
                try:
                    self._stop(client, props)
                except ResourceNotFoundError:
                    return
            try:
                poller = operations.delete(client)(name)
            except ResourceNotFoundError:
                return
            dataplane._finish(poller, workspace, name, "delete")

    def _stop(self, client: ArtifactsClient, props: dict[str, Any]) -> None:
        # The service refuses to update or delete a started trigger, and stop is idempotent only
        # for an existing trigger, hence the read first.
        current = client.trigger.get_trigger(props["artifact_name"], cls=dataplane._raw_json)
        if _runtime_state(current) == STARTED:
            poller = client.trigger.begin_stop_trigger(props["artifact_name"])
            dataplane._finish(poller, props["workspace_name"], props["artifact_name"], "stop")

    def _apply(self, props: dict[str, Any], action: str, *, was_started: bool) -> dict[str, Any]:
        workspace, name, operations = props["workspace_name"], props["artifact_name"], ARTIFACT_KINDS[props["kind"]]
        run_id = None
        with (
            dataplane._artifacts_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), action),
        ):
            if props["kind"] == "trigger" and was_started:
                # A trigger deleted out of band has nothing to stop: the PUT below recreates it.
                with contextlib.suppress(ResourceNotFoundError):
                    self._stop(client, props)
            poller = operations.create(client)(name, _body(props), cls=dataplane._raw_json)
            resource = dataplane._finish(poller, workspace, name, action)
            if props["kind"] == "trigger":
                if (props["properties"] or {}).get("type") in EVENT_TRIGGERS:
                    _subscribe(client, workspace, name)
                poller = client.trigger.begin_start_trigger(name)
                dataplane._finish(poller, workspace, name, "start")
                resource = client.trigger.get_trigger(name, cls=dataplane._raw_json)
            if props["kind"] == "pipeline" and props.get("run_after_change"):
                parameters = dataplane._json_numbers(props.get("run_parameters") or {})
                run = client.pipeline.create_pipeline_run(name, parameters=parameters)
                run_id = run.run_id
        outs = _outputs(props, resource)
        if run_id is not None:
            outs["last_run_id"] = run_id
        return outs


def _subscribe(client: ArtifactsClient, workspace: str, name: str) -> None:
    poller = client.trigger.begin_subscribe_trigger_to_events(name)
    status = dataplane._finish(poller, workspace, name, "subscribe")
    deadline = time.monotonic() + dataplane.settings.timeout_seconds
    while (state := getattr(status, "status", None)) != "Enabled":
        if state == "Disabled" or dataplane._deadline_passed(deadline):
            raise dataplane.SynapseDataPlaneError(
                f"Synapse workspace '{workspace}': event subscription of trigger '{name}' is '{state}'"
            )
        time.sleep(dataplane.settings.poll_interval_seconds)
        status = client.trigger.get_event_subscription_status(name)


def _outputs(props: dict[str, Any], resource: dict[str, Any] | None) -> dict[str, Any]:
    resource = resource or {}
    return {
        # The declared definition, not the service's copy (which adds defaults and read-only fields).
        "workspace_name": props["workspace_name"],
        "kind": props["kind"],
        "artifact_name": props["artifact_name"],
        "properties": props["properties"],
        "dev_endpoint": props.get("dev_endpoint"),
        "run_after_change": props.get("run_after_change", False),
        "run_parameters": props.get("run_parameters"),
        "resource_id": resource.get("id"),
        "etag": resource.get("etag"),
        "runtime_state": _runtime_state(resource),
        "last_run_id": props.get("last_run_id"),
    }


@dataclass
class SynapseArtifactArgs:
    workspace_name: pulumi.Input[str]
    kind: str
    """One of ``ARTIFACT_KINDS``: dataset, notebook, sqlscript, pipeline or trigger."""
    artifact_name: str
    properties: pulumi.Input[dict[str, Any]]
    """The artifact's JSON ``properties`` body, sent verbatim (read-only fields dropped)."""
    run_after_change: bool = False
    """Pipelines only: start one run after each create or update."""
    run_parameters: dict[str, Any] | None = None
    dev_endpoint: pulumi.Input[str] | None = None


class SynapseArtifact(pulumi.dynamic.Resource, module="synapse", name="Artifact"):
    """A dataset, notebook, SQL script, pipeline or (started) trigger in a Synapse workspace."""

    artifact_name: pulumi.Output[str]
    resource_id: pulumi.Output[str]
    runtime_state: pulumi.Output[str]
    last_run_id: pulumi.Output[str]

    def __init__(self, name: str, args: SynapseArtifactArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if args.kind not in ARTIFACT_KINDS:
            raise ValueError(f"unknown Synapse artifact kind {args.kind!r}; use one of {', '.join(ARTIFACT_KINDS)}")
        props: dict[str, Any] = {
            "workspace_name": args.workspace_name,
            "kind": args.kind,
            "artifact_name": args.artifact_name,
            "properties": args.properties,
            "run_after_change": args.run_after_change,
            "run_parameters": args.run_parameters,
            "dev_endpoint": args.dev_endpoint,
            "resource_id": None,
            "etag": None,
            "runtime_state": None,
            "last_run_id": None,
        }
        super().__init__(ArtifactProvider(), name, props, opts)


# Reviewed: workspace artifacts carry no network or identity settings of their own; the workspace does.
declare_type("pulumi-python:dynamic/synapse:Artifact")
