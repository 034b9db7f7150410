"""Reading the stack outputs: a saved file, the Automation API, and what a missing key says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudscale.lake.connection import CONNECTION_TIMEOUT_SECONDS, LakeSettings
from cloudscale.lake.errors import LakeError
from cloudscale.lake.outputs import read_automation_outputs, read_outputs_file, zone_outputs

from .conftest import FACTORY_ID, stack_outputs


def _endpoint(name: str) -> str:
    return f"https://{name}.dfs.core.windows.net/"


def test_saved_output_file_is_read(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(stack_outputs(_endpoint)))
    zone = zone_outputs(read_outputs_file(path), "sales", str(path))
    assert zone.lakes["raw"].account_name == "stsalesraw"
    assert zone.data_factory_principal_id == FACTORY_ID
    assert zone.vnet_name == "vnet-adatum-dev-sales"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "pulumi stack output --json >"), ("{not json", "is not the JSON of"), ("[]", "expected an object")],
    ids=["missing", "not-json", "not-an-object"],
)
def test_bad_output_files_say_how_to_make_one(tmp_path, content, fragment):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(LakeError, match=fragment):
        read_outputs_file(path)


def test_missing_zone_and_missing_lake_are_named():
    with pytest.raises(LakeError, match=r"has no landingZones\.hr \(zones there: sales\)"):
        zone_outputs(stack_outputs(_endpoint), "hr", "outputs.json")
    outputs = stack_outputs(_endpoint)
    del outputs["landingZones"]["sales"]["lakes"]["enriched"]
    with pytest.raises(LakeError, match=r"landingZones\.sales\.lakes\.enriched\.accountName/dfsEndpoint"):
        zone_outputs(outputs, "sales", "outputs.json")


def test_unrevealed_secrets_count_as_missing():
    outputs = stack_outputs(_endpoint, synapsePrincipalId="[secret]")
    assert zone_outputs(outputs, "sales", "x").synapse_principal_id is None


def test_automation_api_failures_are_one_line():
    def select_stack(**_kwargs: Any) -> Any:
        raise RuntimeError("no stack named 'dev' found\nfull CLI output here")

    with pytest.raises(LakeError) as raised:
        read_automation_outputs("dev", ".", select_stack)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "could not read the outputs of stack dev through the Pulumi CLI (no stack named 'dev' found)"
    )


def test_real_clients_give_up_on_an_unreachable_endpoint_in_seconds_not_minutes():
    assert LakeSettings().client_kwargs["connection_timeout"] == CONNECTION_TIMEOUT_SECONDS <= 30


def test_zone_outputs_carry_the_identities_that_lake_acls_name(stack_runs, dev_config):

    run = stack_runs.run(dev_config)
    zone = run.exports["landingZones"]["sales"]
    granted = {r.inputs["principalId"] for r in run.of_type("azure-native:authorization:RoleAssignment")}
    # The same identities the control plane grants roles to, so ACLs and roles name one principal.
    assert zone["dataFactoryPrincipalId"] in granted
    assert zone["synapsePrincipalId"] in granted
    assert zone["dataFactoryPrincipalId"] != zone["synapsePrincipalId"]
    parsed = zone_outputs(run.exports, "sales", "offline")
    assert parsed.data_factory_principal_id == zone["dataFactoryPrincipalId"]
