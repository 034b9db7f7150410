"""Run a consumer's Pulumi program offline, in update or preview mode, and read what it registered.

The engine is the one ``cloudscale plan`` and cloudscale's own tests use (``cloudscale.stacks.offline``):
Pulumi's in-process mock engine, answering each resource with an ARM-shaped id and what Azure computes
on create (endpoints, principal ids, key URIs, the firewall's private IP), as each type's component
declares it; a preview answers with the inputs only, as ``pulumi preview`` knows nothing more. The
component library is imported before the first run, so a consumer's resources of a cloudscale type get
their computed outputs whether or not the consumer imported the component that declares them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from cloudscale.components.baseline.type_facts import type_token
from cloudscale.components.library import declared
from cloudscale.stacks.offline.engine import OfflineRun, RegisteredOptions, install_mocks, run_program
from cloudscale.stacks.offline.findings import Finding, run_findings
from cloudscale.stacks.offline.inline import inline_event_loop
from cloudscale.stacks.offline.mocks import Invoke, RecordedResource
from cloudscale.stacks.offline.ordering import ordering_findings

Mode = Literal["update", "preview"]
MODES: tuple[Mode, ...] = ("update", "preview")


@dataclass(frozen=True)
class ProgramRun:
    """What one run of a program registered, and what the platform's checks find in it."""

    mode: Mode
    run: OfflineRun

    @property
    def preview(self) -> bool:
        return self.mode == "preview"

    @property
    def resources(self) -> list[RecordedResource]:
        """Every resource in registration order: Pulumi type token, logical name and wire inputs (camelCase)."""
        return self.run.resources

    def of_type(self, resource_type: Any) -> list[RecordedResource]:
        """The resources of one type, given as an SDK class (``storage.StorageAccount``) or a type token."""
        return self.run.of_type(type_token(resource_type))

    def one(self, resource_type: Any, name: str | None = None) -> RecordedResource:
        """The one resource of the type (and logical name); fails naming those found otherwise."""
        return self.run.one(type_token(resource_type), name)

    def resource_id(self, resource: RecordedResource) -> str:
        """The ARM id the mocks gave the resource; "" in a preview, where Azure has assigned none yet."""
        return self.run.mocks.ids.get((resource.typ, resource.name), "")

    def options(self, name: str) -> RegisteredOptions:
        """The URN, parent, ``protect`` flag and dependencies the resource called ``name`` registered with."""
        found = [option for option in self.run.monitor.options.values() if option.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected exactly one resource named {name!r}, found {len(found)}")
        return found[0]

    @property
    def outputs(self) -> dict[str, Any]:
        """The stack outputs (``pulumi.export`` or a returned mapping), resolved; a preview resolves
        only what is known before deployment."""
        return dict(self.run.exports)

    def findings(
        self, *, environment: str = "", protects_state: bool | None = None, required_tags: tuple[str, ...] = ()
    ) -> list[Finding]:
        """The platform's security findings (the policy pack's rules, accepted exceptions included) and
        ordering findings over the program's resources, as ``cloudscale plan`` reports them.

        By default each resource's ``Environment`` tag decides what its environment asks for (protect
        and locks outside dev, customer-managed keys in prd), as the policy pack decides;
        ``environment`` and ``protects_state`` override it for every resource. ``required_tags`` are
        required on top of the platform's tags (``platform_tags``).
        """
        policy = run_findings(
            self.run, protects_state=protects_state, required_tags=required_tags, environment=environment
        )
        return [*policy, *ordering_findings(self.run)]

    def violations(self, **facts: Any) -> list[Finding]:
        """``findings`` without the accepted exceptions: what a review would stop."""
        return [finding for finding in self.findings(**facts) if finding.severity != "accepted"]


@dataclass
class OfflineEngine:
    """Runs programs under the offline engine in one mode; use it inside ``offline()``."""

    mode: Mode = "update"
    project: str = "project"
    stack: str = "test"
    # Outputs of the stacks the program reads through a StackReference, by stack name.
    stack_outputs: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # Answers to invokes the platform's mocks do not know (getClientConfig they do), by token.
    invokes: Mapping[str, Invoke] = field(default_factory=dict)

    @property
    def preview(self) -> bool:
        return self.mode == "preview"

    def run(self, program: Callable[[], Any], *, config: Mapping[str, Any] | None = None) -> ProgramRun:
        """Run ``program`` to completion and return what it registered.

        ``config`` is the stack's config (``{"location": "westeurope"}`` or qualified keys such as
        ``"azure-native:location"``; structures are passed as JSON, as the CLI passes them). The program
        may call ``pulumi.export`` or return a mapping of outputs.
        """
        declared()
        mocks, monitor = install_mocks(
            preview=self.preview,
            stack=self.stack,
            project=self.project,
            stack_outputs=dict(self.stack_outputs),
            invokes=self.invokes,
        )
        run = run_program(_with_exports(program), mocks, monitor, config)
        return ProgramRun(self.mode, run)


def _with_exports(program: Callable[[], Any]) -> Callable[[], Any]:
    """The program, returning what it exported when it returns nothing itself."""

    def exporting() -> Any:
        value = program()
        if value is not None:
            return value
        root = pulumi.runtime.settings.get_root_resource()
        return dict(getattr(root, "outputs", None) or {}) or None

    return exporting


@contextmanager
def offline(
    mode: Mode = "update",
    *,
    project: str = "project",
    stack: str = "test",
    stack_outputs: Mapping[str, dict[str, Any]] | None = None,
    invokes: Mapping[str, Invoke] | None = None,
) -> Iterator[OfflineEngine]:
    """An offline engine on a fresh event loop, with Pulumi's runtime state reset afterwards.

    ::

        with offline("preview") as engine:
            run = engine.run(my_program, config={"location": "westeurope"})
        assert run.violations() == []
    """
    # The engine answers each call in the loop's own thread, as cloudscale plan runs it.
    with inline_event_loop():
        try:
            yield OfflineEngine(mode, project, stack, dict(stack_outputs or {}), dict(invokes or {}))
        finally:
            pulumi.runtime.reset_options()


def run_in_both_modes(program: Callable[[], Any], **engine: Any) -> dict[Mode, ProgramRun]:
    """``program`` run once in each mode, each on its own engine (keyword arguments as for ``offline``)."""
    config = engine.pop("config", None)
    runs: dict[Mode, ProgramRun] = {}
    for mode in MODES:
        with offline(mode, **engine) as offline_engine:
            runs[mode] = offline_engine.run(program, config=config)
    return runs
