"""A zone's pipelines through the whole program: the dev sales zone deploys the bundled set."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cloudscale.dataproducts.azureml.code import CODE_ASSET, code_version
from cloudscale.dataproducts.contracts.products import PRODUCTS
from cloudscale.dataproducts.wheel import content_version, spark_wheel, wheel_file_name
from cloudscale.pipelines.definitions import bundled_root
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.ordering import ordering_findings

from ..stack_runs import StackRuns
from .support import config_with, sales_zone, team_notebook_set

ARTIFACT = "pulumi-python:dynamic/synapse:Artifact"
STARTED_TRIGGER = "pulumi-python:dynamic/datafactory:StartedTrigger"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SYNAPSE_ROLE = "pulumi-python:dynamic/synapse:RoleAssignment"
FIXTURES = Path(__file__).parent.parent / "pipelines" / "fixtures"
SCORING = "customer-360 Publish renewal predictions"


def _program() -> dict[str, Any]:
    return build_platform(load_config())


def _urn(run: OfflineRun, name: str) -> str:
    (urn,) = [u for u, o in run.monitor.options.items() if o.name == name]
    return urn


@pytest.fixture(scope="module", params=["update", "preview"])
def dev(request: pytest.FixtureRequest, stack_runs: StackRuns, dev_config: dict[str, str]) -> OfflineRun:
    return stack_runs.run(dev_config, request.param)


def test_dev_sales_zone_deploys_every_bundled_pipeline_to_its_service(dev):
    factory_pipelines = {r.inputs["pipelineName"] for r in dev.of_type("azure-native:datafactory:Pipeline")}
    assert factory_pipelines == {
        "pl_crm_ingestion",
        "pl_erp_ingestion",
        "pl_leasing_ingestion",
        "pl_m365_ingestion",
        "pl_master",
    }
    datasets = {r.inputs["datasetName"] for r in dev.of_type("azure-native:datafactory:Dataset")}
    assert datasets == {
        "ds_crm_entity",
        "ds_raw_crm_parquet",
        "ds_erp_table",
        "ds_raw_erp_parquet",
        "ds_leasing_extract",
        "ds_m365_table",
        "ds_raw_m365_delivery",
        "ds_raw_m365_window",
        "ds_raw_leasing_parquet",
    }
    linked = {r.inputs["linkedServiceName"] for r in dev.of_type("azure-native:datafactory:LinkedService")}
    assert "ls_dataverse_crm" in linked
    synapse = {(r.inputs["kind"], r.inputs["artifact_name"]) for r in dev.of_type(ARTIFACT)}
    assert synapse == {
        # The master runs every notebook: the Cosmos DB link, the conforming steps, the data products.
        ("notebook", "nb_customer_service_link"),
        ("notebook", "nb_crm_conform"),
        ("notebook", "nb_erp_conform"),
        ("notebook", "nb_leasing_conform"),
        ("notebook", "nb_m365_conform"),
        ("notebook", "nb_sales_analytics"),
        ("notebook", "nb_customer_360"),
        ("notebook", "nb_relationship_mesh"),
        ("notebook", "nb_customer_dimension"),
        ("notebook", "nb_customer_service"),
        # Customer 360's training pipeline is inlined in the master; its definition stays for ad-hoc runs.
        ("pipeline", "pl_customer_360"),
        # The serving layer's setup, for reference in Synapse Studio; the master's Script activities run it.
        ("sqlscript", "sql_logical_warehouse"),
    }
    serverless = dev.one("azure-native:datafactory:LinkedService", "sales-integration-ls-master-ls_serverless_sql")
    assert serverless.inputs["linkedServiceName"] == "ls_serverless_sql"


def test_the_erp_dataset_keeps_its_column_list_and_names_schema_and_table(dev):
    dataset = dev.one("azure-native:datafactory:Dataset", "sales-integration-erp_ingestion-ds-ds_erp_table").inputs
    # azure-native merges typeProperties into the dataset: a SQL schema name there replaced this list.
    assert dataset["properties"]["schema"] == []
    assert dataset["properties"]["tableName"]["value"] == "@concat('[', dataset().schema, '].[', dataset().table, ']')"
    pipeline = dev.one("azure-native:datafactory:Pipeline", "sales-integration-erp_ingestion-pl-pl_erp_ingestion")
    copy = pipeline.inputs["activities"][0]["activities"][0]
    assert "FROM [@{item().schema}].[@{item().table}]" in copy["source"]["sqlReaderQuery"]["value"]


def test_dataverse_signs_in_as_a_user_assigned_identity_that_holds_no_azure_role(dev):
    linked = dev.one("azure-native:datafactory:LinkedService", "sales-integration-ls-crm_ingestion-ls_dataverse_crm")
    properties = linked.inputs["properties"]
    # Dataverse offers no system-assigned identity; azure-native's Dataverse-only model has no credential.
    assert (properties["type"], properties["authenticationType"]) == ("Dynamics", "ManagedIdentity")
    assert properties["credential"] == {"referenceName": "cred_dataverse", "type": "CredentialReference"}
    credential = dev.one("azure-native:datafactory:CredentialOperation")
    assert credential.inputs["credentialName"] == "cred_dataverse"
    dependencies = dev.monitor.options[_urn(dev, linked.name)].dependencies
    assert _urn(dev, "sales-integration-credential-cred_dataverse") in dependencies
    identity = dev.one("azure-native:managedidentity:UserAssignedIdentity", "sales-integration-identity-cred_dataverse")
    assert identity.inputs["resourceName"] == "id-adatum-dev-sales-adf-cred-dataverse"
    if dev.mocks.preview:
        return
    factory = dev.one("azure-native:datafactory:Factory").inputs
    assert list(factory["identity"]["userAssignedIdentities"]) == [credential.inputs["properties"]["resourceId"]]
    principal = dev.exports["landingZones"]["sales"]["dataFactoryCredentials"]["cred_dataverse"]["principalId"]
    assert principal not in {r.inputs["principalId"] for r in dev.of_type(ASSIGNMENT)}
    assert any(
        "id-adatum-dev-sales-adf-cred-dataverse" in action and "https://adatum-sales.crm4.dynamics.com" in action
        for action in dev.exports["operatorActions"]
    )


def test_triggers_are_started_resources_with_their_schedules(dev):
    master = dev.one(STARTED_TRIGGER).inputs
    assert master["trigger_name"] == "tr_master"
    assert master["properties"]["typeProperties"]["frequency"] == "Hour"
    assert master["properties"]["typeProperties"]["interval"] == 24
    assert master["properties"]["typeProperties"]["startTime"] == "2026-01-01T02:00:00Z"
    # The master is the zone's one schedule: no set brings a trigger of its own.
    assert {r.inputs["kind"] for r in dev.of_type(ARTIFACT)} >= {"notebook"}
    assert [r for r in dev.of_type(ARTIFACT) if r.inputs["kind"] == "trigger"] == []
    # azure-native's own Trigger would deploy it stopped; none is declared.
    assert dev.of_type("azure-native:datafactory:Trigger") == []


def test_placeholders_are_resolved_from_the_zone(dev):
    crm = dev.one("azure-native:datafactory:LinkedService", "sales-integration-ls-crm_ingestion-ls_dataverse_crm")
    assert crm.inputs["properties"]["serviceUri"] == "https://adatum-sales.crm4.dynamics.com"
    # `${{inputs.x}}` is Azure ML's own binding syntax in the Customer 360 training job's command.
    assert "{{" not in json.dumps([r.inputs for r in dev.of_type(ARTIFACT)], default=str).replace("${{", "")
    factory = json.dumps([r.inputs for r in dev.of_type("azure-native:datafactory:Pipeline")], default=str)
    assert "{{" not in factory.replace("${{", "")


def test_the_master_serves_each_product_after_it_publishes_from_the_paths_its_contract_writes(dev):
    master = dev.one("azure-native:datafactory:Pipeline", "sales-integration-master-pl-pl_master").inputs
    serving = {a["name"]: a for a in master["activities"] if a["name"].startswith("Serve ")}
    assert set(serving) == {f"Serve {p}" for p in PRODUCTS}
    for product, contract in PRODUCTS.items():
        activity = serving[f"Serve {product}"]
        # Views are recreated each window, after the product has published (not once at deploy time).
        waits_for = {d["activity"] for d in activity["dependsOn"]}
        assert "Prepare serving data source" in waits_for and len(waits_for) == 2, waits_for
        scripts = "\n".join(script["text"] for script in activity["scripts"])
        # Delta tables are read as Delta; CDM entities are folders of Parquet partitions.
        bulk = {
            "delta": "/', DATA_SOURCE = 'curated', FORMAT = 'DELTA'",
            "cdm": "/*.parquet', DATA_SOURCE = 'curated', FORMAT = 'PARQUET'",
        }
        for table in contract.writes:
            if table.format in bulk:
                assert f"BULK '{product}/{table.path}{bulk[table.format]}" in scripts, (product, table.path)
    # Nothing runs the serving setup at deploy time, before any product has published.
    assert all(not r.inputs["run_after_change"] for r in dev.of_type(ARTIFACT))


def test_synapse_artifacts_wait_for_the_development_endpoint_and_each_other(dev):
    dev_pe, dev_dns = _urn(dev, "sales-synapse-workspace-pe-dev"), _urn(dev, "sales-synapse-workspace-pe-dev-dns")
    for resource in dev.of_type(ARTIFACT):
        dependencies = dev.monitor.options[_urn(dev, resource.name)].dependencies
        assert dev_pe in dependencies and dev_dns in dependencies, resource.name
    # The ordering check knows artifacts are data-plane calls, and finds the pipelines well ordered
    # (their derived grants come through the services' access callbacks).
    assert ordering_findings(dev) == []
    training = dev.monitor.options[_urn(dev, "sales-synapse-customer_360-pipeline-pl_customer_360")]
    assert _urn(dev, "sales-synapse-customer_360-notebook-nb_customer_360") in training.dependencies


def test_factory_trigger_waits_for_its_pipelines(dev):
    trigger = dev.monitor.options[_urn(dev, dev.one(STARTED_TRIGGER).name)]
    assert _urn(dev, "sales-integration-master-pl-pl_master") in trigger.dependencies


def test_definitions_wait_for_what_they_reference_across_sets(dev):
    # The factory rejects a pipeline whose references do not exist yet: the master waits for the
    # ingestion pipelines it executes, pipelines for every dataset and linked service.
    master = dev.monitor.options[_urn(dev, "sales-integration-master-pl-pl_master")].dependencies
    assert _urn(dev, "sales-integration-crm_ingestion-pl-pl_crm_ingestion") in master
    assert _urn(dev, "sales-integration-erp_ingestion-pl-pl_erp_ingestion") in master
    crm = dev.monitor.options[_urn(dev, "sales-integration-crm_ingestion-pl-pl_crm_ingestion")].dependencies
    assert _urn(dev, "sales-integration-crm_ingestion-ds-ds_raw_crm_parquet") in crm
    dataset = dev.monitor.options[_urn(dev, "sales-integration-crm_ingestion-ds-ds_crm_entity")].dependencies
    assert _urn(dev, "sales-integration-ls-crm_ingestion-ls_dataverse_crm") in dataset


def test_data_roles_follow_the_definitions(dev):
    names = {r.name for r in dev.of_type(ASSIGNMENT)}
    # Synapse writes what the conforming steps and the link write in the enriched lake, and no other
    # container of that lake; the factory's ingestion writes the raw containers.
    synapse_writes = {n for n in names if n.endswith("-storage-blob-data-contributor-sales-synapse-workspace")}
    assert {n for n in synapse_writes if n.startswith("sales-lake-enriched-")} == {
        f"sales-lake-enriched-{c}-storage-blob-data-contributor-sales-synapse-workspace"
        for c in ("crm", "data", "erp", "leasing", "m365")
    }
    # Raw data is only read by Synapse, never written.
    assert not {n for n in synapse_writes if n.startswith("sales-lake-raw-")}
    factory_writes = {n for n in names if n.endswith("-storage-blob-data-contributor-sales-integration-factory")}
    assert {
        "sales-lake-raw-crm-storage-blob-data-contributor-sales-integration-factory",
        "sales-lake-raw-erp-storage-blob-data-contributor-sales-integration-factory",
    } <= factory_writes


def test_zone_outputs_list_pipelines_triggers_and_schedules(dev):
    if dev.mocks.preview:
        assert dev.exports.get("landingZones") is None  # unknown until deployed
        return
    outputs = dev.exports["landingZones"]["sales"]
    triggers = {p["name"]: p["schedule"] for p in outputs["pipelines"] if p["kind"] == "trigger"}
    assert triggers == {"tr_master": "TumblingWindowTrigger: every 24 Hour from 2026-01-01T02:00:00Z"}
    assert outputs["dataAccess"] == [
        "dataFactory reads external/data",
        "dataFactory writes raw/crm",
        "dataFactory writes raw/erp",
        "dataFactory writes raw/leasing",
        "dataFactory writes raw/m365",
        # The conforming steps and the Cosmos DB link, from their contracts.
        "synapse writes enriched/crm",
        "synapse writes enriched/data",
        "synapse writes enriched/erp",
        "synapse writes enriched/leasing",
        "synapse writes enriched/m365",
        "synapse reads raw/crm",
        "synapse reads raw/erp",
        "synapse reads raw/leasing",
        "synapse reads raw/m365",
        # The data products' notebooks, from their contracts.
        "synapse writes workspace/customer-360",
        "synapse writes workspace/customer-dimension",
        "synapse writes workspace/customer-service",
        "synapse writes workspace/relationship-mesh",
        "synapse writes workspace/sales-analytics",
    ]


def test_a_zone_without_pipelines_declares_none(stack_runs, dev_config):
    zone = sales_zone(dev_config)
    zone["pipelines"] = []
    zone["orchestration"] = {"enabled": False}
    # Data products deploy their notebooks whatever the ingestion selection; this zone has none.
    zone["dataProducts"] = []
    zone.get("access", {}).pop("dataProducts", None)
    run = stack_runs.run(config_with(dev_config, landingZones=[zone]))
    assert run.of_type("azure-native:datafactory:Pipeline") == []
    assert run.of_type(ARTIFACT) == []


def test_a_team_folder_is_validated_and_deployed_like_the_bundled_ones(stack_runs, dev_config, tmp_path):
    team = shutil.copytree(bundled_root() / "erp_ingestion", tmp_path / "finance_ingestion")
    # Another system's extract: the ERP's contract (its tables have one writer, erp_ingestion) does not apply.
    (team / "contract.json").unlink()
    for path in (team / "dataset").iterdir():
        document = json.loads(path.read_text())
        document["name"] = document["name"].replace("erp", "finance")
        path.rename(path.with_name(document["name"] + ".json")).write_text(json.dumps(document))
    pipeline = team / "pipeline" / "pl_erp_ingestion.json"
    text = (
        pipeline.read_text()
        .replace("ds_erp_table", "ds_finance_table")
        .replace("ds_raw_erp_parquet", "ds_raw_finance_parquet")
    )
    document = json.loads(text)
    document["name"] = "pl_finance_ingestion"
    (team / "pipeline" / "pl_finance_ingestion.json").write_text(json.dumps(document))
    pipeline.unlink()
    zone = sales_zone(dev_config)
    zone["pipelineFolders"] = [{"path": str(team)}]
    run = stack_runs.run(config_with(dev_config, landingZones=[zone]))
    names = {r.inputs["pipelineName"] for r in run.of_type("azure-native:datafactory:Pipeline")}
    assert "pl_finance_ingestion" in names
    master = run.one("azure-native:datafactory:Pipeline", "sales-integration-master-pl-pl_master").inputs
    assert "Ingest pl_finance_ingestion" in {a["name"] for a in master["activities"]}


@pytest.mark.parametrize(
    ("edit", "key", "fragment"),
    [
        (
            lambda z: z["pipelines"].append({"name": "crm_ingest"}),
            "landingZones[0].pipelines[6].name",
            "no bundled set",
        ),
        (
            lambda z: z["pipelines"][0].update(settings={}),
            "landingZones[0].pipelines[0].settings.crmServiceUri",
            "required",
        ),
        (
            lambda z: z["services"]["sqlHyperscale"].update(enabled=False),
            "landingZones[0].pipelines[1]",
            "linkedService 'ls_sql_erp' does not exist",
        ),
        (
            lambda z: z.update(dataIntegrations=["erp"]),
            "landingZones[0].dataIntegrations",
            "write container 'crm' of the raw lake",
        ),
        (
            lambda z: z["services"]["cosmos"].update(enabled=False),
            "landingZones[0].pipelines[2]",
            "customer_service_link/contract.json: $.sources[0]: reads cosmos/interactions from Cosmos DB analytical "
            "store (Synapse Link), but services.cosmos is not enabled",
        ),
        (
            lambda z: z["orchestration"]["schedule"].update(frequency="Fortnight"),
            "landingZones[0].orchestration.schedule.frequency",
            "Input should be",
        ),
        (
            lambda z: z["orchestration"]["schedule"].update(frequency="Minute", interval=5),
            "landingZones[0].orchestration.schedule.interval",
            "a tumbling window is at least 15 minutes",
        ),
    ],
)
def test_bad_pipeline_config_is_rejected_before_any_resource_is_registered(offline, dev_config, edit, key, fragment):
    zone = sales_zone(dev_config)
    edit(zone)
    values = config_with(dev_config, landingZones=[zone])
    with pytest.raises(ConfigError) as raised:
        offline.run(_program, config=values)
    assert key in raised.value.keys, raised.value
    assert fragment in str(raised.value)
    assert offline.mocks is not None and offline.mocks.resources == []


def test_a_broken_team_definition_names_its_file_and_json_path(dev_config, tmp_path):
    team = shutil.copytree(bundled_root() / "crm_ingestion", tmp_path / "crm_copy")
    (team / "pipeline" / "pl_crm_ingestion.json").write_text("{not json")
    zone = sales_zone(dev_config)
    zone["pipelineFolders"] = [{"path": str(team)}]
    with pytest.raises(ConfigError) as raised:
        parse_config(config_with(dev_config, landingZones=[zone]))
    assert "landingZones[0].pipelineFolders[0]" in raised.value.keys
    assert "crm_copy/pipeline/pl_crm_ingestion.json: $: malformed JSON" in str(raised.value)


def _grants_of(run: OfflineRun, principal: str) -> set[str]:
    return {r.name for r in run.of_type(ASSIGNMENT) if r.name.endswith(principal)}


def test_a_zone_without_pipelines_grants_its_services_only_their_platform_needs(stack_runs, dev_config):
    zone = sales_zone(dev_config)
    zone["pipelines"] = []
    zone["orchestration"] = {"enabled": False}
    # Data products ship notebooks, which are definitions too: none here.
    zone["dataProducts"] = []
    zone.get("access", {}).pop("dataProducts", None)
    run = stack_runs.run(config_with(dev_config, landingZones=[zone]))
    assert _grants_of(run, "sales-integration-factory") == {
        "sales-vault-vault-key-vault-secrets-user-sales-integration-factory"
    }
    assert _grants_of(run, "sales-synapse-workspace") == {
        "sales-lake-workspace-synapse-storage-blob-data-contributor-sales-synapse-workspace"
    }
    assert run.of_type(SYNAPSE_ROLE) == []


def test_a_sets_access_file_grants_its_service_exactly_what_it_declares(stack_runs, dev_config, tmp_path):
    team = team_notebook_set(tmp_path / "team_notebooks", {"reads": [{"lake": "external", "container": "data"}]})
    zone = sales_zone(dev_config)
    zone["pipelineFolders"] = [{"path": str(team), "target": "synapse"}]
    run = stack_runs.run(config_with(dev_config, landingZones=[zone]))
    without = stack_runs.run(dev_config)
    added = _grants_of(run, "sales-synapse-workspace") - _grants_of(without, "sales-synapse-workspace")
    assert added == {"sales-lake-external-data-storage-blob-data-reader-sales-synapse-workspace"}
    assert _grants_of(run, "sales-integration-factory") == _grants_of(without, "sales-integration-factory")


@pytest.mark.parametrize(
    ("access", "fragment"),
    [
        (
            {"reads": [{"lake": "raw", "container": "hr"}]},
            "team_notebooks/access.json: $.reads[0].container: reads container 'hr' of the raw lake, which this zone",
        ),
        ({"writes": [{"lake": "lake9", "container": "crm"}]}, "team_notebooks/access.json: $.writes[0].lake: one of"),
        ({"reads": [{"container": "crm"}]}, "team_notebooks/access.json: $.reads[0]: expected exactly"),
        ({"read": []}, "team_notebooks/access.json: $.read: unknown key"),
    ],
)
def test_a_bad_access_file_names_its_file_and_key(offline, dev_config, tmp_path, access, fragment):
    team = team_notebook_set(tmp_path / "team_notebooks", access)
    zone = sales_zone(dev_config)
    zone["pipelineFolders"] = [{"path": str(team), "target": "synapse"}]
    with pytest.raises(ConfigError) as raised:
        offline.run(_program, config=config_with(dev_config, landingZones=[zone]))
    assert "landingZones[0].pipelineFolders[0]" in raised.value.keys, raised.value
    assert fragment in str(raised.value)
    assert offline.mocks is not None and offline.mocks.resources == []


def test_a_notebook_using_an_undeclared_container_is_rejected(dev_config, tmp_path):
    team = team_notebook_set(tmp_path / "team_notebooks", {})
    path = team / "notebook" / "nb_team_reference_data.json"
    document = json.loads(path.read_text())
    document["properties"]["cells"].append(
        {
            "cell_type": "code",
            "source": ['spark.read.load("abfss://data@{{ lake.workspace.account }}.dfs.core.windows.net/x")'],
        }
    )
    path.write_text(json.dumps(document))
    zone = sales_zone(dev_config)
    zone["pipelineFolders"] = [{"path": str(team), "target": "synapse"}]
    with pytest.raises(ConfigError) as raised:
        parse_config(config_with(dev_config, landingZones=[zone]))
    assert "team_notebooks/notebook/nb_team_reference_data.json: $.properties.cells: uses container 'data'" in str(
        raised.value
    )
    (team / "access.json").write_text(json.dumps({"reads": [{"lake": "workspace", "container": "data"}]}))
    parse_config(config_with(dev_config, landingZones=[zone]))


def _zone_with_a_product_notebook(dev_config: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The dev zone with one more data product, ``churn-model``, whose notebook a team ships."""
    team = tmp_path / "churn"
    (team / "notebook").mkdir(parents=True)
    notebook = json.loads(
        (bundled_root() / "customer_service_link" / "notebook" / "nb_customer_service_link.json").read_text()
    )
    notebook["name"] = "nb_churn_model"
    # The master passes every product notebook its window, which its parameters cell declares.
    notebook["properties"]["cells"] = [
        {
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "source": ['window_start = ""\n', 'window_end = ""\n'],
        },
        {"cell_type": "code", "source": ["print('churn', window_end)"]},
    ]
    (team / "notebook" / "nb_churn_model.json").write_text(json.dumps(notebook))
    (team / "access.json").write_text(json.dumps({"writes": [{"lake": "workspace", "container": "churn-model"}]}))
    zone = sales_zone(dev_config)
    zone["dataProducts"] = [*zone["dataProducts"], "churn-model"]
    zone["pipelineFolders"] = [{"path": str(team)}]
    return config_with(dev_config, landingZones=[zone])


def test_the_factory_may_run_the_workspace_notebooks_and_nothing_more(stack_runs, dev_config, tmp_path):
    run = stack_runs.run(_zone_with_a_product_notebook(dev_config, tmp_path))
    master = run.one("azure-native:datafactory:Pipeline", "sales-integration-master-pl-pl_master").inputs
    assert "Build churn-model" in {a["name"] for a in master["activities"]}
    factory_id = run.exports["landingZones"]["sales"]["dataFactoryPrincipalId"]
    workspace = run.exports["landingZones"]["sales"]["synapseWorkspaceName"]
    pool = run.one("azure-native:synapse:BigDataPool").inputs["bigDataPoolName"]
    roles = {(r.inputs["role_name"], r.inputs["scope"], r.inputs["principal_id"]) for r in run.of_type(SYNAPSE_ROLE)}
    assert roles == {
        ("Synapse Artifact User", f"workspaces/{workspace}", factory_id),
        ("Synapse Compute Operator", f"workspaces/{workspace}/bigDataPools/{pool}", factory_id),
        ("Synapse Credential User", f"workspaces/{workspace}/credentials/WorkspaceSystemIdentity", factory_id),
    }
    # The factory's linked service to the workspace, and so every pipeline using it, waits for them;
    # they wait for the development endpoint's name to resolve privately.
    assert ordering_findings(run) == []
    linked = run.monitor.options[_urn(run, "sales-integration-ls-master-ls_synapse_workspace")].dependencies
    dev_dns = _urn(run, "sales-synapse-workspace-pe-dev-dns")
    for grant in run.of_type(SYNAPSE_ROLE):
        assert _urn(run, grant.name) in linked
        assert dev_dns in run.monitor.options[_urn(run, grant.name)].dependencies
    # The product's notebook writes its container, as its access.json declares.
    assert "sales-lake-workspace-churn-model-storage-blob-data-contributor-sales-synapse-workspace" in _grants_of(
        run, "sales-synapse-workspace"
    )


def test_the_dev_factory_holds_exactly_the_roles_to_run_the_product_notebooks(dev):
    roles = sorted((r.inputs["role_name"], r.name) for r in dev.of_type(SYNAPSE_ROLE))
    assert roles == [
        ("Synapse Artifact User", "sales-synapse-rbac-artifact-user-sales-integration-factory"),
        ("Synapse Compute Operator", "sales-synapse-rbac-compute-operator-sales-integration-factory"),
        ("Synapse Credential User", "sales-synapse-rbac-credential-user-sales-integration-factory"),
    ]
    assert ordering_findings(dev) == []


def test_a_factory_that_runs_no_notebooks_holds_no_synapse_role(stack_runs, dev_config):
    zone = sales_zone(dev_config)
    zone["orchestration"] = {"enabled": False}
    run = stack_runs.run(config_with(dev_config, landingZones=[zone]))
    assert run.of_type(SYNAPSE_ROLE) == []


def test_the_dev_master_runs_customer_360_to_its_predictions_as_the_factory(dev):
    master = dev.one("azure-native:datafactory:Pipeline", "sales-integration-master-pl-pl_master").inputs
    names = {a["name"] for a in master["activities"]}
    assert {"customer-360 Build features", "customer-360 Submit training job", SCORING} <= names
    assert master["variables"] == {"customer_360_jobStatus": {"type": "String", "defaultValue": "NotStarted"}}
    submit = next(a for a in master["activities"] if a["name"] == "customer-360 Submit training job")
    assert submit["type"] == "WebActivity" and submit["authentication"]["type"] == "MSI"
    if not dev.mocks.preview:  # the id holds the workspace's subscription, unknown in a preview
        code_id = submit["body"]["properties"]["codeId"]
        assert code_id.endswith(f"/codes/{CODE_ASSET}/versions/{code_version()}")


def test_the_job_submitters_may_use_the_zone_workspace_and_its_code_is_registered(dev):
    workspace_id = _urn(dev, "sales-retention-workspace")
    # The name carries the role (BuiltInRole.AZUREML_DATA_SCIENTIST); the definition id is unknown in a preview.
    scientists = [r for r in dev.of_type(ASSIGNMENT) if "-azureml-data-scientist-" in r.name]
    # The factory runs the master's inlined job steps; the workspace runs pl_customer_360 on its own.
    assert sorted(r.name for r in scientists) == [
        "sales-retention-workspace-azureml-data-scientist-sales-integration-factory",
        "sales-retention-workspace-azureml-data-scientist-sales-synapse-workspace",
    ]
    for grant in scientists:
        assert workspace_id in dev.monitor.options[_urn(dev, grant.name)].dependencies
        if not dev.mocks.preview:
            assert grant.inputs["roleDefinitionId"].endswith("/f6c7c914-8db3-469d-8ca1-694a8f32e121")
    (version,) = dev.of_type("azure-native:machinelearningservices:CodeVersion")
    assert (version.inputs["name"], version.inputs["version"]) == (CODE_ASSET, code_version())
    (blob,) = dev.of_type("azure-native:storage:Blob")
    assert blob.inputs["blobName"] == f"{CODE_ASSET}/{code_version()}/train_renewal.py"
    assert _urn(dev, blob.name) in dev.monitor.options[_urn(dev, version.name)].dependencies
    if not dev.mocks.preview:
        account = dev.one("azure-native:storage:StorageAccount", "sales-retention-storage").inputs["accountName"]
        assert version.inputs["properties"]["codeUri"] == (
            f"https://{account}.blob.core.windows.net/code/{CODE_ASSET}/{code_version()}"
        )


def test_the_spark_pool_installs_the_data_products_wheel_uploaded_before_it(dev):
    (package,) = dev.of_type("pulumi-python:dynamic/synapse:WorkspacePackage")
    name = wheel_file_name(content_version())
    assert package.inputs["library_name"] == name
    assert base64.b64decode(package.inputs["content"]) == spark_wheel(content_version())
    dependencies = dev.monitor.options[_urn(dev, package.name)].dependencies
    assert _urn(dev, "sales-synapse-workspace-pe-dev-dns") in dependencies
    pool = dev.one("azure-native:synapse:BigDataPool")
    assert _urn(dev, package.name) in dev.monitor.options[_urn(dev, pool.name)].dependencies
    (library,) = pool.inputs["customLibraries"]
    assert library["name"] == name
    if not dev.mocks.preview:
        workspace = dev.exports["landingZones"]["sales"]["synapseWorkspaceName"]
        assert library == {
            "name": name,
            "path": f"{workspace}/libraries/{name}",
            "containerName": "prep",
            "type": "whl",
        }


def test_a_zone_without_data_products_uploads_no_package(offline_update, dev_config):
    zone = sales_zone(dev_config)
    zone["dataProducts"] = []
    zone.get("access", {}).pop("dataProducts", None)
    run = offline_update.run(_program, config=config_with(dev_config, landingZones=[zone]))
    assert run.of_type("pulumi-python:dynamic/synapse:WorkspacePackage") == []
    assert run.one("azure-native:synapse:BigDataPool").inputs.get("customLibraries") is None


# -- Microsoft 365 ingestion through Graph Data Connect ------------------------------------------------

MGDC_APP = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
MGDC_TENANT = "6c2d8e4f-3a1b-4c5d-9e7f-0a1b2c3d4e5f"
SELLERS_GROUP = "4b6d8f0a-2c4e-4a6b-8d0f-2a4c6e8b0d2f"
M365 = "sales-integration-m365_ingestion"


def test_graph_data_connect_copies_on_an_azure_runtime_of_another_region_of_the_geography(dev):
    runtime = dev.one("azure-native:datafactory:IntegrationRuntime", f"{M365}-ir-graph-data-connect").inputs
    # Outside the managed VNet (MGDC's copy runs on no other), beside the West Europe lake.
    assert runtime["integrationRuntimeName"] == "graph-data-connect"
    assert runtime["properties"]["type"] == "Managed"
    assert runtime["properties"]["computeProperties"] == {"location": "northeurope"}
    assert "managedVirtualNetwork" not in runtime["properties"]
    source = dev.one("azure-native:datafactory:LinkedService", "sales-integration-ls-m365_ingestion-ls_office365_mgdc")
    properties = source.inputs["properties"]
    assert (properties["type"], properties["servicePrincipalId"], properties["office365TenantId"]) == (
        "Office365",
        MGDC_APP,
        MGDC_TENANT,
    )
    assert properties["connectVia"] == {"referenceName": "graph-data-connect", "type": "IntegrationRuntimeReference"}
    dependencies = dev.monitor.options[_urn(dev, source.name)].dependencies
    assert _urn(dev, f"{M365}-ir-graph-data-connect") in dependencies
    pipeline = dev.one("azure-native:datafactory:Pipeline", f"{M365}-pl-pl_m365_ingestion").inputs
    copy = next(a for a in pipeline["activities"][0]["activities"] if a["type"] == "Copy")
    assert copy["source"]["allowedGroups"] == [SELLERS_GROUP]
    master = dev.one("azure-native:datafactory:Pipeline", "sales-integration-master-pl-pl_master").inputs
    assert "Ingest pl_m365_ingestion" in {a["name"] for a in master["activities"]}


def test_without_delivery_addresses_the_raw_lake_stays_closed_and_the_plan_says_what_is_missing(dev):
    raw = dev.one("azure-native:storage:StorageAccount", "sales-lake-raw-account").inputs
    assert raw["networkRuleSet"]["ipRules"] == []
    if dev.mocks.preview:
        return
    actions = dev.exports["operatorActions"]
    assert any("Graph Data Connect cannot deliver to zone sales yet" in action for action in actions)
    assert any("enables Microsoft Graph Data Connect" in action and MGDC_APP in action for action in actions)
    assert any("as secret mgdc-client-secret" in action for action in actions)


def test_delivery_addresses_open_the_raw_lake_to_them_alone_with_their_reason(stack_runs, dev_config):
    from cloudscale.stacks.offline.findings import findings

    zone = sales_zone(dev_config)
    (selection,) = [s for s in zone["pipelines"] if s["name"] == "m365_ingestion"]
    selection["settings"]["deliveryAddressRanges"] = "20.38.80.0/22, 13.69.230.96/32"
    run = stack_runs.run(config_with(dev_config, landingZones=[zone]))
    accounts = {r.name: r.inputs for r in run.of_type("azure-native:storage:StorageAccount")}
    rules = accounts["sales-lake-raw-account"]["networkRuleSet"]
    assert (rules["defaultAction"], rules["bypass"]) == ("Deny", "Logging, Metrics")
    assert rules["ipRules"] == [
        {"iPAddressOrRange": "20.38.80.0/22", "action": "Allow"},
        {"iPAddressOrRange": "13.69.230.96", "action": "Allow"},
    ]
    assert accounts["sales-lake-enriched-account"]["networkRuleSet"]["ipRules"] == []
    reported = findings(run.resources, protects_state=False, locked=set())
    raw = [f for f in reported if f.resource == "sales-lake-raw-account" and f.rule == "public-network-access"]
    assert [f.severity for f in raw] == ["accepted"]
    assert "Graph Data Connect delivers raw/m365 from the Data Factory addresses of northeurope" in raw[0].detail
    assert any(
        "Keep landingZones[0].pipelines[5].settings.deliveryAddressRanges" in a for a in run.exports["operatorActions"]
    )
