"""Run the real program inside Pulumi's in-process mock engine.

``cloudscale plan`` and the test suite both come through here, so what a person sees in a plan is
exactly what the tests assert on.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.sync_await import _ensure_event_loop

from cloudscale.stacks.aliases import apply_alias_policy
from cloudscale.stacks.offline.inline import state_struct, use_inline_executor
from cloudscale.stacks.offline.mocks import AzureMocks, Invoke, RecordedResource
from cloudscale.stacks.offline.urn_pins import alias_to_urn, make_urn

PROJECT = "cloudscale"


@dataclass(slots=True)
class RegisteredOptions:
    urn: str
    typ: str
    name: str
    parent: str
    protect: bool
    # Every URN the engine waits for before creating this resource: ``depends_on`` (components
    # expanded to their custom descendants) and the resources behind each Output input.
    dependencies: list[str]
    ignore_changes: list[str]
    # The URN each alias names (the resource's own aliases; urn_pins.py adds those a parent implies).
    aliases: list[str]
    custom: bool = True
    # Input property -> the URNs its value came from (which resource a name or id belongs to).
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # Names of the error hooks bound to the resource (retries the engine runs on a failed operation).
    error_hooks: list[str] = field(default_factory=list)
    # Names of the hooks the engine runs before deleting it (a delete lock lifted for the delete).
    before_delete_hooks: list[str] = field(default_factory=list)
    # Pulumi drops it from state on delete and leaves it in Azure.
    retain_on_delete: bool = False


class StrictMonitor(mocks.MockMonitor):
    """Rejects duplicate URNs as the engine does, and records options and component outputs."""

    def __init__(self, mock: AzureMocks) -> None:
        super().__init__(mock)
        self.options: dict[str, RegisteredOptions] = {}
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine's own rule (pulumi/pulumi resource.NewURN): the parent's whole type chain, and no
        # chain under the root stack. Pulumi's mock monitor keeps only the parent's last type and
        # prefixes the stack's, so its URNs are not the ones a real state holds, and URN pins need those.
        return make_urn(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def record_options(self, request: Any) -> str:
        """The URN of the resource ``request`` registers, with its options recorded."""
        urn = sys.intern(self.make_urn(request.parent, request.type, request.name))
        if urn in self.resources or urn in self.options:
            raise ValueError(f"duplicate resource URN {urn}")
        # Every URN arrives as a new string each time a resource names it; interned, the options of a
        # large stack hold each URN once instead of once per dependency.
        self.options[urn] = RegisteredOptions(
            urn=urn,
            typ=sys.intern(request.type),
            name=request.name,
            parent=sys.intern(request.parent),
            protect=bool(request.protect),
            dependencies=[sys.intern(u) for u in request.dependencies],
            ignore_changes=list(request.ignoreChanges),
            aliases=[alias_to_urn(alias, urn=urn, parent=request.parent) for alias in request.aliases],
            custom=bool(request.custom),
            property_dependencies={
                key: [sys.intern(u) for u in deps.urns] for key, deps in request.propertyDependencies.items()
            },
            error_hooks=list(request.hooks.on_error) if request.HasField("hooks") else [],
            before_delete_hooks=list(request.hooks.before_delete) if request.HasField("hooks") else [],
            retain_on_delete=bool(request.retainOnDelete),
        )
        return urn

    # RegisterResource, ReadResource and Invoke are MockMonitor's, step for step, except that the
    # mock's answer is serialised by ``state_struct`` instead of ``_sync_await(serialize_properties)``:
    # the engine runs these calls inside the event loop (inline.py), which they must not pump.

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        urn = self.record_options(request)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        # Deserialising a resource reference needs an event loop in this thread (as MockMonitor does).
        _ensure_event_loop()
        resource_args = mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=rpc.deserialize_properties(request.object),
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
            transforms=mocks._resolve_callbacks(request.transforms),  # MockMonitor's own lookup
        )
        id_, obj_proto = self._create(urn, resource_args)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj_proto)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        _ensure_event_loop()
        resource_args = mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=rpc.deserialize_properties(request.properties),
            provider=request.provider,
            resource_id=request.id,
        )
        urn = self.make_urn(request.parent, request.type, request.name)
        _, props_proto = self._create(urn, resource_args)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=props_proto)

    def _create(self, urn: str, resource_args: mocks.MockResourceArgs) -> tuple[str, Any]:
        """The mock's id and state for a resource, recorded under its URN; the state as the wire carries it."""
        id_, state = self.mocks.new_resource(resource_args)
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        return id_, state_struct(state)

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        _ensure_event_loop()
        args = rpc.deserialize_properties(request.args)
        if request.tok == "pulumi:pulumi:getResource":
            registered = self.resources.get(args["urn"])
            if registered is None:
                raise Exception(f"unknown resource {args['urn']}")  # MockMonitor's error
            return resource_pb2.ResourceInvokeResponse(failures=None, **{"return": state_struct(registered._asdict())})
        answer = self.mocks.call(mocks.MockCallArgs(token=request.tok, args=args, provider=request.provider))
        failures = None
        if not isinstance(answer, dict):
            answer, reported = answer
            failures = [provider_pb2.CheckFailure(property=prop, reason=reason) for prop, reason in reported]
        return resource_pb2.ResourceInvokeResponse(failures=failures, **{"return": state_struct(answer)})

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.component_outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


@dataclass
class OfflineRun:
    mocks: AzureMocks
    monitor: StrictMonitor
    value: Any = None
    exports: dict[str, Any] = field(default_factory=dict)
    export_keys: list[str] = field(default_factory=list)

    @property
    def resources(self) -> list[RecordedResource]:
        return self.mocks.resources

    def of_type(self, typ: str) -> list[RecordedResource]:
        return [r for r in self.mocks.resources if r.typ == typ]

    def one(self, typ: str, name: str | None = None) -> RecordedResource:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        if len(found) != 1:
            names = sorted(r.name for r in self.of_type(typ))
            raise AssertionError(f"expected exactly one {typ}{' named ' + name if name else ''}, found {names}")
        return found[0]


def config_values(config: Mapping[str, Any], project: str = PROJECT) -> dict[str, str]:
    """Config in the form the CLI hands a program: qualified keys, strings, JSON for structures."""
    return {
        (key if ":" in key else f"{project}:{key}"): (value if isinstance(value, str) else json.dumps(value))
        for key, value in config.items()
    }


def install_mocks(
    *,
    preview: bool = False,
    stack: str = "dev",
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    alias_policy: bool = True,
    project: str = PROJECT,
    invokes: Mapping[str, Invoke] | None = None,
) -> tuple[AzureMocks, StrictMonitor]:
    """Mocks for a test of a piece of the program.

    With ``alias_policy`` the stack applies the program's own alias policy (stacks/aliases.py) from
    the start, so a component tested on its own sees what it sees inside ``build_platform``, which
    registers the same policy. ``run_offline`` leaves it to the program, as ``pulumi up`` does.
    """
    mock = AzureMocks(preview=preview, stack_outputs=stack_outputs or {}, invokes=dict(invokes or {}))
    monitor = StrictMonitor(mock)
    pulumi.runtime.set_mocks(mock, project=project, stack=stack, preview=preview, monitor=monitor)
    if alias_policy:
        apply_alias_policy()
    return mock, monitor


def run_program(
    program: Callable[[], Any], mock: AzureMocks, monitor: StrictMonitor, config: Mapping[str, Any] | None = None
) -> OfflineRun:
    """Run ``program`` under the installed mocks and return once every registration has finished.

    Config is set inside the program's context so it cannot leak into a later run.
    """
    run = OfflineRun(mock, monitor)

    def finish(value: Any) -> Any:
        if isinstance(value, Mapping):
            # Keys are known even when values are not (preview), and a plan should list them.
            run.export_keys = list(value)
            return pulumi.Output.from_input(dict(value)).apply(lambda v: run.exports.update(v) or v)
        if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
            return pulumi.Output.from_input(value).apply(lambda v: setattr(run, "value", v))
        run.value = value
        return None

    async def finish_when_done(value: Awaitable[Any]) -> Any:
        return finish(await value)

    @pulumi.runtime.test
    def _program() -> Any:
        if config is not None:
            pulumi.runtime.set_all_config(config_values(config, pulumi.get_project()))
        value = program()
        # An asynchronous program (what ``pulumi.run`` takes) runs as a task of the engine's loop.
        return finish_when_done(value) if inspect.iscoroutine(value) else finish(value)

    _program()
    return run


def run_offline(
    program: Callable[[], Any],
    *,
    config: Mapping[str, Any],
    preview: bool = False,
    stack: str = "dev",
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> OfflineRun:
    """One-shot run for the CLI and benchmarks: its own event loop, mocks, and a clean reset after.

    The engine adds nothing to the program: the alias policy is the program's own, so a plan costs
    what ``pulumi up`` costs.
    """
    loop = asyncio.new_event_loop()
    use_inline_executor(loop)
    asyncio.set_event_loop(loop)
    try:
        mock, monitor = install_mocks(preview=preview, stack=stack, stack_outputs=stack_outputs, alias_policy=False)
        return run_program(program, mock, monitor, config)
    finally:
        pulumi.runtime.reset_options()
        loop.close()
        asyncio.set_event_loop(None)
