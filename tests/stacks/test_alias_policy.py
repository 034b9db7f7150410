"""The program's alias policy: API-version aliases dropped, every other alias kept, a switch to keep all."""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi_azure_native import cosmosdb, resources

from cloudscale.stacks.aliases import is_api_version_alias
from cloudscale.stacks.offline.engine import OfflineRun, run_offline
from tests.stacks.support import config_with

STACK_URN = "urn:pulumi:dev::cloudscale::"


@pytest.mark.parametrize(
    ("alias", "dropped"),
    [
        (pulumi.Alias(type_="azure-native:resources/v20210401:ResourceGroup"), True),
        (pulumi.Alias(type_="azure-native:network/v20230201preview:VirtualNetwork"), True),
        (pulumi.Alias(type_="azure-native:datashare/v20181101privatepreview:BlobDataSet"), True),
        (f"{STACK_URN}azure-native:storage/v20230101:StorageAccount::lake", True),
        (f"{STACK_URN}cloudscale:zone:Landing$azure-native:storage/v20230101:StorageAccount::lake", True),
        (pulumi.Alias(type_="azure-native:documentdb:DatabaseAccount"), False),
        (pulumi.Alias(type_="cloudscale:platform:OldLake"), False),
        (pulumi.Alias(name="old-name"), False),
        (pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE), False),
        (f"{STACK_URN}azure-native:storage:StorageAccount::lake", False),
        (pulumi.Output.from_input("azure-native:resources/v20210401:ResourceGroup"), False),
    ],
)
def test_only_api_version_type_tokens_are_dropped(alias, dropped):
    assert is_api_version_alias(alias) is dropped


def _type_of(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


def _alias_types(run: OfflineRun, typ: str) -> list[list[str]]:
    return [[_type_of(alias) for alias in o.aliases] for o in run.monitor.options.values() if o.typ == typ]


def test_module_rename_alias_survives_and_api_versions_go(offline):
    def program() -> None:
        cosmosdb.DatabaseAccount(
            "cosmos",
            resource_group_name="rg",
            database_account_offer_type=cosmosdb.DatabaseAccountOfferType.STANDARD,
            locations=[cosmosdb.LocationArgs(location_name="westeurope")],
        )
        resources.ResourceGroup("rg", location="westeurope")

    run = offline.run(program)
    assert _alias_types(run, "azure-native:cosmosdb:DatabaseAccount") == [["azure-native:documentdb:DatabaseAccount"]]
    assert _alias_types(run, "azure-native:resources:ResourceGroup") == [[]]


def test_our_own_component_alias_survives(offline):
    class Lake(pulumi.ComponentResource):
        def __init__(self) -> None:
            # A renamed component keeps its old type as an alias, so existing state follows it.
            super().__init__(
                "cloudscale:test:Lake",
                "lake",
                opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="cloudscale:test:OldLake")]),
            )
            resources.ResourceGroup("rg", location="westeurope", opts=pulumi.ResourceOptions(parent=self))
            self.register_outputs({})

    run = offline.run(Lake)
    assert _alias_types(run, "cloudscale:test:Lake") == [["cloudscale:test:OldLake"]]
    assert _alias_types(run, "azure-native:resources:ResourceGroup") == [[]]


def test_the_engine_adds_no_policy_of_its_own():
    run = run_offline(lambda: resources.ResourceGroup("rg", location="westeurope"), config={})
    [aliases] = _alias_types(run, "azure-native:resources:ResourceGroup")
    assert len(aliases) > 20 and all(a.startswith("azure-native:resources/v") for a in aliases)


def _registrations(run: OfflineRun) -> tuple[list[str], list[str]]:
    urns = sorted(run.monitor.options)
    inputs = sorted(
        f"{r.typ} {r.name} {json.dumps(r.inputs, sort_keys=True, default=lambda v: type(v).__name__)}"
        for r in run.resources
    )
    return urns, inputs


def test_the_policy_changes_no_urn_and_no_input(dev_config, stack_runs, mode):
    kept = stack_runs.run(config_with(dev_config, keepProviderAliases=True), mode)
    dropped = stack_runs.run(dev_config, mode)
    assert _registrations(dropped) == _registrations(kept)
    azure = [o for o in kept.monitor.options.values() if o.typ.startswith("azure-native:")]
    assert sum(len(o.aliases) for o in azure) > 10 * len(azure)
    remaining = {_type_of(a) for o in dropped.monitor.options.values() for a in o.aliases}
    kept_others = {_type_of(a) for o in kept.monitor.options.values() for a in o.aliases if "/v" not in _type_of(a)}
    assert remaining == kept_others and "azure-native:documentdb:DatabaseAccount" in remaining
