"""The mock harness itself: it must fail loudly where Pulumi's defaults pass silently."""

from __future__ import annotations

import asyncio
import copy
import gc

import pulumi
import pytest
from pulumi_azure_native import resources

from cloudscale.stacks.config import config_keys
from cloudscale.stacks.offline.engine import install_mocks, run_program
from cloudscale.stacks.offline.stack_files import StackFileError, load_stack_config, project_config_schema


def test_duplicate_urns_are_rejected(offline):
    def program():
        resources.ResourceGroup("same", location="westeurope")
        resources.ResourceGroup("same", location="westeurope")

    with pytest.raises(Exception, match="duplicate resource URN"):
        offline.run(program)


def test_running_without_mocks_fails_loudly():
    pulumi.runtime.reset_options()

    @pulumi.runtime.test
    def program():
        group = resources.ResourceGroup("forgotten", location="westeurope")
        return group.id.apply(lambda value: value)

    with pytest.raises(TypeError, match="NoneType"):
        program()
    # The abandoned registrations failed the same way; mark them seen so the log stays readable.
    for leftover in gc.get_objects():
        # type(), not isinstance(): some libraries keep proxies whose __class__ raises (azure-ai-ml's docker proxy).
        if issubclass(type(leftover), asyncio.Future) and leftover.done() and not leftover.cancelled():
            leftover.exception()


def test_preview_leaves_computed_outputs_unknown_and_update_resolves_them(offline):
    def program():
        group = resources.ResourceGroup("rg", resource_group_name="rg-x", location="westeurope")
        return group.id

    run = offline.run(program)
    if offline.preview:
        assert run.value is None
    else:
        assert run.value == "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-x"


def test_config_set_in_one_run_does_not_leak_into_the_next(offline):
    offline.run(lambda: None, config={"cloudscale:prefix": "first"})
    run = offline.run(lambda: pulumi.Config("cloudscale").get("prefix"))
    assert run.value is None


def test_component_outputs_and_options_are_recorded(offline):
    class Widget(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("cloudscale:test:Widget", "widget")
            resources.ResourceGroup(
                "child", location="westeurope", opts=pulumi.ResourceOptions(parent=self, protect=True)
            )
            self.register_outputs({"answer": 42})

    run = offline.run(Widget)
    widget_urn = next(urn for urn, o in run.monitor.options.items() if o.typ == "cloudscale:test:Widget")
    assert run.monitor.component_outputs[widget_urn] == {"answer": 42}
    [child] = [o for o in run.monitor.options.values() if o.name == "child"]
    assert child.protect is True and child.parent == widget_urn


def test_the_harness_applies_the_programs_alias_policy(offline):
    run = offline.run(lambda: resources.ResourceGroup("rg", location="westeurope"))
    assert [len(o.aliases) for o in run.monitor.options.values() if o.name == "rg"] == [0]


def test_provider_aliases_are_present_without_the_policy():
    mock, monitor = install_mocks(alias_policy=False)
    try:
        run_program(lambda: resources.ResourceGroup("rg", location="westeurope"), mock, monitor)
    finally:
        pulumi.runtime.reset_options()
    assert next(len(o.aliases) for o in monitor.options.values() if o.name == "rg") > 0


def test_unmocked_invokes_fail_loudly(offline):
    from pulumi_azure_native import storage

    with pytest.raises(Exception, match="no offline mock"):
        offline.run(lambda: storage.list_storage_account_keys_output(account_name="a", resource_group_name="b"))


def test_stack_files_are_read_as_the_cli_delivers_them(dev_config):
    assert dev_config["cloudscale:environment"] == "dev"
    assert dev_config["cloudscale:landingZones"].startswith("[{")
    assert dev_config["azure-native:location"] == "westeurope"
    with pytest.raises(StackFileError, match="stacks here"):
        load_stack_config("nosuchstack")


def test_pulumi_yaml_declares_every_config_key_with_a_type_and_description():
    schema = project_config_schema()
    assert sorted(schema) == sorted(config_keys())
    for key, declaration in schema.items():
        assert declaration.get("type") in {"string", "boolean", "integer", "array", "object"}, key
        assert declaration.get("description"), key


def test_a_shared_stack_run_refuses_changes_and_copies_are_plain(stack_runs, dev_config):
    run = stack_runs.run({**dev_config, "cloudscale:role": "management"})
    assert stack_runs.run({**dev_config, "cloudscale:role": "management"}) is run
    resource = run.resources[0]
    with pytest.raises(TypeError, match="read-only"):
        resource.inputs["location"] = "northeurope"
    with pytest.raises(TypeError, match="read-only"):
        run.resources.append(resource)
    with pytest.raises(TypeError, match="read-only"):
        run.exports.update(extra=1)
    with pytest.raises(TypeError, match="read-only"):
        next(iter(run.monitor.options.values())).dependencies.append("urn")
    inputs = copy.deepcopy(resource.inputs)
    inputs["location"] = "northeurope"
    assert type(inputs) is dict and inputs != resource.inputs
