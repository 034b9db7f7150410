"""The lake plan: which folders exist where, and which ACL entries each principal gets on them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudscale.lake.entities import BUNDLED_PIPELINE_ENTITIES
from cloudscale.lake.errors import LakeError
from cloudscale.lake.layout import SHARED_CONTAINER, FolderPlan, LakePlan, plan_zone
from cloudscale.lake.outputs import zone_outputs
from cloudscale.stacks.config import LandingZoneConfig, parse_config
from cloudscale.stacks.offline.stack_files import load_stack_config

from .conftest import ACCOUNTS, FACTORY_ID, SYNAPSE_ID, stack_outputs

CRM_WRITERS = "3f2a1b4c-0d5e-4f60-8a71-92b3c4d5e6f7"
CRM_READERS = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
SALES_ANALYTICS_READERS = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"


def _zone(**edits: Any) -> LandingZoneConfig:
    values = load_stack_config("dev")
    zones = json.loads(values["cloudscale:landingZones"])
    zones[0].update(edits)
    values["cloudscale:landingZones"] = json.dumps(zones)
    return parse_config(values).zone("sales")


def _plan(zone: LandingZoneConfig | None = None, **output_overrides: Any) -> LakePlan:
    outputs = zone_outputs(
        stack_outputs(lambda name: f"https://{name}.dfs.core.windows.net/", **output_overrides), "sales", "test"
    )
    return plan_zone("dev", zone or _zone(), outputs)


def _folder(plan: LakePlan, logical: str) -> FolderPlan:
    return next(f for f in plan.folders if f.logical == logical)


def _entries(folder: FolderPlan, kind: str = "recursive") -> set[str]:
    return {str(g.entry) for g in getattr(folder, kind)}


def test_every_layer_maps_onto_the_platforms_accounts_and_containers():
    plan = _plan()
    where = {f.logical: (f.account_name, f.container, f.path) for f in plan.folders}
    integrations = [o for o in BUNDLED_PIPELINE_ENTITIES if o.integration != "customer_service"]
    assert {o.integration for o in integrations} == {"crm", "erp", "leasing", "m365"}
    for output in integrations:
        logical = f"{output.layer}/{output.integration}/{output.entity}"
        assert where[logical] == (ACCOUNTS[output.layer], output.integration, output.entity)
    # The customer-service link is no integration team: it writes the shared container.
    assert where["enriched/customer_service/interactions"] == (
        ACCOUNTS["enriched"],
        SHARED_CONTAINER,
        "customer_service/interactions",
    )
    for product in ("sales-analytics", "customer-360", "relationship-mesh"):
        assert where[f"curated/{product}"] == (ACCOUNTS["workspace"], product, "curated")
    assert not any(f.account_name == ACCOUNTS["external"] for f in plan.folders)


def test_shared_container_is_the_one_the_control_plane_creates():
    from cloudscale.stacks import landing_zone

    assert landing_zone.SHARED_CONTAINER == SHARED_CONTAINER


def test_factory_writes_and_synapse_reads_exactly_the_ingested_folders():
    plan = _plan()
    accounts = _folder(plan, "raw/crm/account")
    assert _entries(accounts) == {
        f"user:{FACTORY_ID}:rwx",
        f"default:user:{FACTORY_ID}:rwx",
        f"user:{SYNAPSE_ID}:r-x",
        f"default:user:{SYNAPSE_ID}:r-x",
    }
    # Execute only, access only, on the container root they pass through.
    assert _entries(_folder(plan, "raw/crm"), "traverse") == {f"user:{FACTORY_ID}:--x", f"user:{SYNAPSE_ID}:--x"}
    interactions = _folder(plan, "enriched/customer_service/interactions")
    assert _entries(interactions) == {f"user:{SYNAPSE_ID}:rwx", f"default:user:{SYNAPSE_ID}:rwx"}
    assert _entries(_folder(plan, "enriched/customer_service"), "traverse") == {f"user:{SYNAPSE_ID}:--x"}
    assert _entries(_folder(plan, "enriched/data"), "traverse") == {f"user:{SYNAPSE_ID}:--x"}
    curated = _folder(plan, "curated/sales-analytics")
    assert _entries(curated) == {f"user:{SYNAPSE_ID}:rwx", f"default:user:{SYNAPSE_ID}:rwx"}
    # The factory never touches the data products' workspace.
    workspace = [f for f in plan.folders if f.lake == "workspace"]
    assert not any(FACTORY_ID in str(g.entry) for f in workspace for g in (*f.recursive, *f.traverse))


def test_team_groups_get_access_and_default_entries_on_their_folders():
    plan = _plan()
    for layer in ("raw", "enriched"):
        root = _folder(plan, f"{layer}/crm")
        assert {
            f"group:{CRM_WRITERS}:rwx",
            f"default:group:{CRM_WRITERS}:rwx",
            f"group:{CRM_READERS}:r-x",
            f"default:group:{CRM_READERS}:r-x",
        } <= _entries(root)
    product = _folder(plan, "workspace/sales-analytics")
    assert {f"group:{SALES_ANALYTICS_READERS}:r-x", f"default:group:{SALES_ANALYTICS_READERS}:r-x"} <= _entries(product)
    assert _folder(plan, "workspace/relationship-mesh").recursive == ()


def test_plan_follows_the_enabled_services():
    services = {"dataFactory": {"enabled": False}, "synapse": {"enabled": False}, "cosmos": {"enabled": False}}
    # Without a factory or a workspace, no pipeline can run: the zone selects none.
    zone = _zone(services=services, pipelines=[])
    plan = _plan(zone, dataFactoryPrincipalId=None, synapsePrincipalId=None)
    logical = {f.logical for f in plan.folders}
    assert "raw/crm/account" not in logical
    assert "enriched/customer_service/interactions" not in logical
    assert "curated/sales-analytics" in logical  # the folder, without identities
    assert not any(FACTORY_ID in str(g.entry) or SYNAPSE_ID in str(g.entry) for f in plan.folders for g in f.recursive)


def test_missing_identity_output_names_the_key():
    with pytest.raises(LakeError, match=r"landingZones\.sales\.dataFactoryPrincipalId"):
        _plan(dataFactoryPrincipalId=None)


def test_too_many_groups_for_one_acl_is_refused_before_any_call():
    groups = [f"00000000-0000-4000-8000-{i:012d}" for i in range(29)]
    zone = _zone(access={"integrations": {"crm": {"read": groups}}})
    with pytest.raises(LakeError, match=r"raw/crm would get 3\d named access ACL entries"):
        _plan(zone)


def test_entities_are_what_the_integration_contracts_write():
    from cloudscale.dataproducts.contracts.integration import INGESTED

    crm = {o.entity for o in BUNDLED_PIPELINE_ENTITIES if o.integration == "crm" and o.layer == "raw"}
    assert crm == {raw.path for _, raw in INGESTED if raw.container == "crm"}
