"""A bundled stack's URNs are pinned: an accidental rename, which replaces the resource, fails here."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from cloudscale.components import DataLake, DataLakeArgs
from cloudscale.components.baseline import interface
from cloudscale.stacks.offline.stack_files import load_stack_config
from cloudscale.stacks.offline.urn_pins import read_pins, vanished, write_pins
from tests.components.support import service_baseline
from tests.stacks.urn_pins import PINNED_STACKS, pin_file

REPIN = "python -m tests.stacks.urn_pins --write"


def _run(stack_runs, stack: str, mode: str = "update"):
    return stack_runs.run(load_stack_config(stack), mode, stack=stack)


@pytest.mark.parametrize("stack", PINNED_STACKS)
def test_no_pinned_urn_of_a_bundled_stack_disappears(stack, stack_runs):
    registrations = _run(stack_runs, stack).monitor.options
    lost = vanished(read_pins(pin_file(stack)), registrations)
    assert not lost, (
        f"these resources of the {stack} stack would be deleted and recreated on the next `pulumi up`: "
        f"{lost}. If the rename is meant, give the new resource an alias to its old name "
        f"(pulumi.ResourceOptions(aliases=[...])) and run `{REPIN}`; if the deletion is meant, re-pin."
    )


@pytest.mark.parametrize("stack", PINNED_STACKS)
def test_the_pins_list_everything_the_stack_declares(stack, stack_runs):
    new = sorted(set(_run(stack_runs, stack).monitor.options) - set(read_pins(pin_file(stack))))
    assert not new, f"the {stack} stack declares resources that are not pinned yet: run `{REPIN}`. New: {new}"


@pytest.mark.parametrize("stack", PINNED_STACKS)
def test_preview_declares_the_same_urns_as_update(stack, stack_runs):
    assert set(_run(stack_runs, stack, "preview").monitor.options) == set(_run(stack_runs, stack).monitor.options)


OLD_TOKEN = "cloudscale:storage:DataLake"
RENAMED_TOKEN = "cloudscale:data:DataLake"


def _raw_lake(*, alias: bool):
    """The sales raw lake; with ``alias``, the component says which type token it was created under."""

    def program() -> None:
        opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=OLD_TOKEN)]) if alias else None
        DataLake("sales-raw", DataLakeArgs(baseline=service_baseline(), purpose="raw", containers=["crm"]), opts)

    return program


@pytest.fixture
def move_the_lake_token(monkeypatch):
    """Returns a switch that moves DataLake's type token to another module, as a refactoring might."""

    def move() -> None:
        original = interface.SecureComponent.__init__

        def moved(self, token, name, baseline, opts):
            original(self, RENAMED_TOKEN if token == OLD_TOKEN else token, name, baseline, opts)

        monkeypatch.setattr(interface.SecureComponent, "__init__", moved)

    return move


def _urns(offline, program) -> dict:
    pulumi.runtime.reset_options()
    return offline.run(program).monitor.options


def test_moving_a_components_type_without_an_alias_replaces_the_lake_and_its_containers(offline, move_the_lake_token):
    shipped = _urns(offline, _raw_lake(alias=False))
    move_the_lake_token()
    lost = vanished(shipped, _urns(offline, _raw_lake(alias=False)))
    assert any(OLD_TOKEN in urn for urn in lost)
    assert any(urn.endswith("azure-native:storage:StorageAccount::" + urn.rsplit("::", 1)[-1]) for urn in lost)
    assert any("azure-native:storage:BlobContainer" in urn for urn in lost)


def test_the_components_alias_keeps_the_lake_and_every_child(offline, move_the_lake_token):
    shipped = _urns(offline, _raw_lake(alias=False))
    move_the_lake_token()
    moved = _urns(offline, _raw_lake(alias=True))
    assert all(OLD_TOKEN not in urn for urn in moved)
    assert vanished(shipped, moved) == []


def test_re_pinning_keeps_an_aliased_old_urn_so_dropping_the_alias_later_fails(
    tmp_path: Path, offline, move_the_lake_token
):
    pins = tmp_path / "lake.txt"
    shipped = write_pins(pins, [], _urns(offline, _raw_lake(alias=False)))
    move_the_lake_token()
    repinned = write_pins(pins, read_pins(pins), _urns(offline, _raw_lake(alias=True)))
    assert set(shipped) <= set(repinned)

    lost = vanished(read_pins(pins), _urns(offline, _raw_lake(alias=False)))
    assert lost
    assert set(lost) <= set(shipped)
