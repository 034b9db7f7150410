"""The engine answers Pulumi's calls in the event loop's thread (stacks/offline/inline.py): it must
record exactly what the engine recorded when Pulumi's thread pool and MockMonitor answered them."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown
from pulumi.runtime import mocks
from pulumi.runtime.settings import get_monitor

from cloudscale.stacks import load_config, run_platform
from cloudscale.stacks.offline import engine
from cloudscale.stacks.offline.inline import InlineExecutor, state_struct
from cloudscale.stacks.offline.stack_files import load_stack_config
from cloudscale.stacks.program import wait_for_registrations


class ThreadedMonitor(engine.StrictMonitor):
    """The engine before inline.py: MockMonitor's own calls, which serialise the mock's answer with
    ``_sync_await`` in the worker thread the SDK hands each call to."""

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.record_options(request)
        return mocks.MockMonitor.RegisterResource(self, request)

    Invoke = mocks.MockMonitor.Invoke
    ReadResource = mocks.MockMonitor.ReadResource


def _stack_program() -> Any:
    """The program as ``cloudscale plan`` runs it: zone by zone, waiting for the answers in between."""
    return run_platform(load_config(), settle=wait_for_registrations)


def wire_recording(base: type[engine.StrictMonitor]) -> type[engine.StrictMonitor]:
    """``base`` keeping the bytes of every answer it sends the SDK."""

    class Recording(base):  # type: ignore[valid-type, misc]
        wire: list[bytes]

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            answer = super().RegisterResource(request)
            self.wire.append(answer.SerializeToString(deterministic=True))
            return answer

        def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            answer = super().Invoke(request)
            self.wire.append(answer.SerializeToString(deterministic=True))
            return answer

    Recording.wire = []
    return Recording


def _plain(value: Any) -> Any:
    """What json cannot write: unknowns (their repr holds an address) and assets, by type and fields."""
    if isinstance(value, Unknown):
        return "<unknown>"
    return {"type": type(value).__name__, **vars(value)}


# A preview's user-assigned identities are keyed by their unknown ids (mocks.py ``_preview_outputs``),
# so the key is an Unknown's repr, address included: the address is zeroed, keeping its length.
_UNKNOWN_ADDRESS = re.compile(rb"(<pulumi\.output\.Unknown object at 0x)([0-9a-f]+)")


def _without_addresses(data: bytes) -> bytes:
    return _UNKNOWN_ADDRESS.sub(lambda found: found[1] + b"0" * len(found[2]), data)


def _options(options: engine.RegisteredOptions) -> dict[str, Any]:
    """The SDK sends a resource's dependencies in the order of a set of Resource objects (by address),
    which differs from run to run with either engine: compared as sets."""
    plain = asdict(options)
    plain["dependencies"] = sorted(plain["dependencies"])
    plain["property_dependencies"] = {k: sorted(v) for k, v in plain["property_dependencies"].items()}
    return plain


def recorded(run: engine.OfflineRun, wire: list[bytes]) -> dict[str, Any]:
    """Everything a run records, in an order that does not depend on which call was answered first."""
    monitor = run.monitor

    def lines(values: Any) -> list[bytes]:
        return sorted(_without_addresses(json.dumps(v, sort_keys=True, default=_plain).encode()) for v in values)

    return {
        "options": lines(_options(o) for o in monitor.options.values()),
        "states": lines([r.urn, r.id, r.state] for r in monitor.resources.values()),
        "component_outputs": lines(monitor.component_outputs.items()),
        "resources": lines(asdict(r) for r in run.resources),
        "calls": lines([c.token, c.args, c.provider] for c in run.mocks.calls),
        "exports": lines([run.exports]),
        "export_keys": run.export_keys,
        "wire": sorted(_without_addresses(answer) for answer in wire),
    }


def run_dev(preview: bool, monitor: type[engine.StrictMonitor], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    recording = wire_recording(monitor)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "StrictMonitor", recording)
        if monitor is ThreadedMonitor:
            # The loop's default executor stays Pulumi's: a pool of worker threads.
            patch.setattr(engine, "use_inline_executor", lambda loop: None)
        run = engine.run_offline(_stack_program, config=load_stack_config("dev"), preview=preview)
    assert isinstance(run.monitor, recording)
    return recorded(run, recording.wire)


def test_the_inline_engine_records_what_the_threaded_engine_recorded(mode, monkeypatch):
    preview = mode == "preview"
    threaded = run_dev(preview, ThreadedMonitor, monkeypatch)
    inline = run_dev(preview, engine.StrictMonitor, monkeypatch)
    assert len(inline["options"]) > 300
    for key in threaded:
        assert inline[key] == threaded[key], key


def test_an_asynchronous_program_settles_between_its_steps(offline):
    """A program that awaits between zones (as ``pulumi.run`` runs it) gets each registration answered
    in the loop's thread, and a registration it waited for is answered before the next is declared."""
    answered_in: set[int] = set()
    seen: dict[str, Any] = {}

    async def program() -> pulumi.Output[str]:
        first = pulumi.CustomResource("test:index:Zone", "first", {"label": "a"})
        await asyncio.sleep(0)
        await wait_for_registrations()
        seen["first answered"] = any(urn.endswith("::first") for urn in get_monitor().resources)
        second = pulumi.CustomResource(
            "test:index:Zone", "second", {"after": first.id}, pulumi.ResourceOptions(depends_on=[first])
        )
        seen["first id"] = await first.id.future()
        return second.urn

    original = engine.AzureMocks.new_resource

    def new_resource(self: engine.AzureMocks, args: mocks.MockResourceArgs) -> Any:
        answered_in.add(threading.get_ident())
        return original(self, args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine.AzureMocks, "new_resource", new_resource)
        run = offline.run(program)

    assert answered_in == {threading.get_ident()}
    assert seen["first answered"]
    # A preview answers with no id (mocks.py), and the SDK hands the program the empty string.
    assert seen["first id"] == ("" if offline.preview else "test:index:Zone::first")
    second = next(o for o in run.monitor.options.values() if o.name == "second")
    first_urn = next(o.urn for o in run.monitor.options.values() if o.name == "first")
    assert first_urn in second.dependencies
    assert run.value == second.urn
    if not offline.preview:
        assert run.one("test:index:Zone", "second").inputs == {"after": "test:index:Zone::first"}


def test_the_loops_of_the_harness_answer_inline():
    assert isinstance(asyncio.get_event_loop()._default_executor, InlineExecutor)
    assert isinstance(InlineExecutor(), ThreadPoolExecutor)


def test_a_failing_call_fails_the_awaiting_task_not_the_loop():
    future = InlineExecutor().submit(lambda: 1 / 0)
    assert future.done()
    with pytest.raises(ZeroDivisionError):
        future.result()


@pytest.mark.parametrize(
    "state",
    [
        {"a": "x", "n": 1, "f": 1.5, "b": True, "none": None, "nested": {"k": None, "l": [1, "y", None, (2, 3)]}},
        {"unknown": Unknown(), "deep": {"list": [Unknown(), {"u": Unknown()}]}},
        {"secret": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s"}},
        {"asset": pulumi.StringAsset("text"), "enum": type("Tier", (str,), {})("Premium")},
    ],
)
def test_the_state_serialiser_builds_what_pulumi_builds(state):
    from pulumi.runtime import rpc

    expected = asyncio.get_event_loop().run_until_complete(rpc.serialize_properties(state, {}))
    assert state_struct(state).SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)


def test_a_state_that_is_not_known_yet_is_refused():
    pending = asyncio.get_event_loop().create_future()
    with pytest.raises(RuntimeError, match="not known yet"):
        state_struct({"later": pending})
