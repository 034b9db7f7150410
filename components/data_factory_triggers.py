"""Data Factory triggers that are started, as a dynamic resource over ``azure-mgmt-datafactory``.

ARM creates a factory trigger stopped, and refuses to update or delete a started one; azure-native's
``datafactory.Trigger`` therefore deploys schedules that never fire, and cannot change them once
someone starts them (pulumi-azure-native #3540). This resource owns the whole trigger, definition and
run state: it PUTs the definition, subscribes event triggers to their Event Grid source, starts the
trigger, and around every update or delete stops it first and starts it again afterwards.

Like the Synapse providers it holds no state: credentials and client options are read per call from
the module-level ``settings``, which tests replace to point at a local fake of the ARM endpoint.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import AzureError, ResourceNotFoundError

from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.credentials import closing_credential, default_credential

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.datafactory import DataFactoryManagementClient

__all__ = ["DataFactoryTrigger", "DataFactoryTriggerArgs", "DataFactoryTriggerError", "TriggerProvider", "settings"]

STARTED = "Started"
EVENT_TRIGGERS = frozenset({"BlobEventsTrigger", "CustomEventsTrigger"})
_READ_ONLY = ("runtimeState",)


class DataFactoryTriggerError(RuntimeError):
    """A trigger operation failed; the message names factory, trigger and step."""


@dataclass
class ManagementSettings:
    credential_factory: Callable[[], TokenCredential] = default_credential
    base_url: str | None = None
    """None means public Azure's ARM endpoint."""
    client_kwargs: dict[str, Any] = field(default_factory=dict)
    poll_interval_seconds: float = 5.0
    timeout_seconds: float = 900.0


settings = ManagementSettings()


@contextmanager
def _client(subscription_id: str) -> Iterator[DataFactoryManagementClient]:
    # Imported here, by the provider, when it calls the service: about 0.5 s that a program which only
    # declares resources does not pay.
    from azure.mgmt.datafactory import DataFactoryManagementClient

    kwargs = {"polling_interval": settings.poll_interval_seconds, **settings.client_kwargs}
    with (
        closing_credential(settings.credential_factory) as credential,
        DataFactoryManagementClient(credential, subscription_id, base_url=settings.base_url, **kwargs) as client,
    ):
        yield client


@contextmanager
def _surface(props: dict[str, Any], step: str) -> Iterator[None]:
    try:
        yield
    except AzureError as exc:
        raise DataFactoryTriggerError(
            f"Data Factory '{props['factory_name']}': cannot {step} trigger '{props['trigger_name']}': {exc}"
        ) from exc


def _json_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    return value


def _state(client: DataFactoryManagementClient, props: dict[str, Any]) -> str | None:
    trigger = client.triggers.get(props["resource_group_name"], props["factory_name"], props["trigger_name"])
    return trigger.properties.runtime_state if trigger is not None and trigger.properties else None


class TriggerProvider(pulumi.dynamic.ResourceProvider):
    REPLACE_KEYS = ("subscription_id", "resource_group_name", "factory_name", "trigger_name")

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outs = self._apply(props, stop_first=False)
        id_ = (
            f"/subscriptions/{props['subscription_id']}/resourceGroups/{props['resource_group_name']}"
            f"/providers/Microsoft.DataFactory/factories/{props['factory_name']}/triggers/{props['trigger_name']}"
        )
        return pulumi.dynamic.CreateResult(id_=id_, outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._apply(news, stop_first=True))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        with _client(props["subscription_id"]) as client, _surface(props, "read"):
            try:
                state = _state(client, props)
            except ResourceNotFoundError:
                return pulumi.dynamic.ReadResult(id_="", outs={})
        return pulumi.dynamic.ReadResult(id_=id_, outs={**_outputs(props), "runtime_state": state})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [key for key in self.REPLACE_KEYS if olds.get(key) != news.get(key)]
        changed = olds.get("properties") != news.get("properties")
        # Stopped by hand (or never started): the next update starts it again.
        drifted = olds.get("runtime_state") not in (None, STARTED)
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed or drifted), replaces=replaces)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        group, factory, name = props["resource_group_name"], props["factory_name"], props["trigger_name"]
        with _client(props["subscription_id"]) as client:
            with _surface(props, "stop"):
                try:
                    if _state(client, props) == STARTED:
                        client.triggers.begin_stop(group, factory, name).result(timeout=settings.timeout_seconds)
                except ResourceNotFoundError:
                    return
            with _surface(props, "delete"):
                client.triggers.delete(group, factory, name)

    def _apply(self, props: dict[str, Any], *, stop_first: bool) -> dict[str, Any]:
        group, factory, name = props["resource_group_name"], props["factory_name"], props["trigger_name"]
        properties = {k: v for k, v in _json_numbers(props["properties"]).items() if k not in _READ_ONLY}
        with _client(props["subscription_id"]) as client:
            if stop_first:
                # A trigger deleted out of band has nothing to stop: the PUT below recreates it.
                with _surface(props, "stop"), contextlib.suppress(ResourceNotFoundError):
                    if _state(client, props) == STARTED:
                        client.triggers.begin_stop(group, factory, name).result(timeout=settings.timeout_seconds)
            with _surface(props, "update" if stop_first else "create"):
                client.triggers.create_or_update(group, factory, name, {"properties": properties})
            if properties.get("type") in EVENT_TRIGGERS:
                with _surface(props, "subscribe"):
                    self._subscribe(client, props)
            with _surface(props, "start"):
                client.triggers.begin_start(group, factory, name).result(timeout=settings.timeout_seconds)
                state = _state(client, props)
        return {**_outputs(props), "runtime_state": state}

    def _subscribe(self, client: DataFactoryManagementClient, props: dict[str, Any]) -> None:
        group, factory, name = props["resource_group_name"], props["factory_name"], props["trigger_name"]
        status = client.triggers.begin_subscribe_to_events(group, factory, name).result(
            timeout=settings.timeout_seconds
        )
        deadline = time.monotonic() + settings.timeout_seconds
        while (state := getattr(status, "status", None)) != "Enabled":
            if state == "Disabled" or time.monotonic() >= deadline:
                raise DataFactoryTriggerError(
                    f"Data Factory '{factory}': event subscription of trigger '{name}' is '{state}'"
                )
            time.sleep(settings.poll_interval_seconds)
            status = client.triggers.get_event_subscription_status(group, factory, name)


def _outputs(props: dict[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in (*TriggerProvider.REPLACE_KEYS, "properties")}


@dataclass
class DataFactoryTriggerArgs:
    subscription_id: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    factory_name: pulumi.Input[str]
    trigger_name: str
    properties: pulumi.Input[dict[str, Any]]
    """The trigger's JSON ``properties`` body (Studio/ARM form), sent verbatim without runtimeState."""


class DataFactoryTrigger(pulumi.dynamic.Resource, module="datafactory", name="StartedTrigger"):
    """A factory trigger kept started across creates and updates."""

    runtime_state: pulumi.Output[str]

    def __init__(self, name: str, args: DataFactoryTriggerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {
            "subscription_id": args.subscription_id,
            "resource_group_name": args.resource_group_name,
            "factory_name": args.factory_name,
            "trigger_name": args.trigger_name,
            "properties": args.properties,
            "runtime_state": None,
        }
        super().__init__(TriggerProvider(), name, props, opts)


# Reviewed: a trigger's run state carries no network or identity settings; the factory does.
declare_type("pulumi-python:dynamic/datafactory:StartedTrigger")
