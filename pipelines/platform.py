"""What a landing zone provides to definitions without them declaring it: linked services the
components create, integration runtimes, and the activity types each target can run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cloudscale.components.data_factory import INTEGRATION_RUNTIME, KEY_VAULT_LINKED_SERVICE, lake_linked_service_name

__all__ = ["INTEGRATION_RUNTIME"]
from cloudscale.pipelines.definitions import Target

LAKE_KEYS = ("raw", "enriched", "workspace")
# Linked services the zone's data services create (stacks/data_services.py uses the same names).
ERP_LINKED_SERVICE = "ls_sql_erp"
COSMOS_LINKED_SERVICE = "ls_cosmos_customer_service"
# The linked service a factory runs Synapse notebooks through; the master pipeline declares it.
SYNAPSE_ARTIFACTS_LINKED_SERVICE = "ls_synapse_workspace"
# The linked service the master's serving steps reach the serverless SQL endpoint through.
SERVERLESS_LINKED_SERVICE = "ls_serverless_sql"

# Activity types both services run (Data Factory / Synapse pipeline activity reference).
COMMON_ACTIVITIES = frozenset(
    {
        "AppendVariable",
        "AzureDataExplorerCommand",
        "AzureFunctionActivity",
        "AzureMLBatchExecution",
        "AzureMLExecutePipeline",
        "AzureMLUpdateResource",
        "Copy",
        "Custom",
        "DatabricksNotebook",
        "DatabricksSparkJar",
        "DatabricksSparkPython",
        "Delete",
        "ExecuteDataFlow",
        "ExecutePipeline",
        "Fail",
        "Filter",
        "ForEach",
        "GetMetadata",
        "HDInsightHive",
        "HDInsightMapReduce",
        "HDInsightPig",
        "HDInsightSpark",
        "HDInsightStreaming",
        "IfCondition",
        "Lookup",
        "Script",
        "SetVariable",
        "SqlServerStoredProcedure",
        "Switch",
        "Until",
        "Validation",
        "Wait",
        "WebActivity",
        "WebHook",
    }
)
SYNAPSE_ONLY_ACTIVITIES = frozenset({"SqlPoolStoredProcedure"})
DATA_FACTORY_ONLY_ACTIVITIES = frozenset({"ExecuteSSISPackage", "ExecuteWranglingDataflow"})
# Synapse runs these natively; a factory only through an AzureSynapseArtifacts linked service.
SYNAPSE_SPARK_ACTIVITIES = frozenset({"SynapseNotebook", "SparkJob"})
CONTAINER_ACTIVITIES = {
    "ForEach": ("activities",),
    "Until": ("activities",),
    "IfCondition": ("ifTrueActivities", "ifFalseActivities"),
    "Switch": ("defaultActivities",),
}
# Data Factory and Synapse refuse activity names longer than 55 characters (Data Factory "Naming
# rules": "Activity name ... maximum length 55") and pipelines of more than 80 activities, inner
# activities of containers included ("Azure subscription and service limits", Data Factory limits).
MAX_ACTIVITY_NAME = 55
MAX_ACTIVITIES = 80
TRIGGER_TYPES = frozenset({"ScheduleTrigger", "TumblingWindowTrigger", "BlobEventsTrigger", "CustomEventsTrigger"})
RECURRENCE_FREQUENCIES = frozenset({"Minute", "Hour", "Day", "Week", "Month"})
TUMBLING_FREQUENCIES = frozenset({"Minute", "Hour", "Month"})
# Data Factory "Create a tumbling window trigger" and the TumblingWindowTrigger model ("The minimum
# interval allowed is 15 Minutes"; startTime and endTime: "Only UTC time is currently supported").
TUMBLING_MINIMUM_MINUTES = 15


def tumbling_window_problems(frequency: object, interval: object, start_time: object) -> dict[str, str]:
    """What a tumbling window trigger refuses, by property: under 15 minutes, or a start time not in UTC.

    Values that are not literals yet (placeholders) are not judged; the config check judges their values.
    """
    problems: dict[str, str] = {}
    if frequency == "Minute" and isinstance(interval, int) and interval < TUMBLING_MINIMUM_MINUTES:
        problems["interval"] = (
            f"a tumbling window is at least {TUMBLING_MINIMUM_MINUTES} minutes; {interval} Minute is shorter"
        )
    if isinstance(start_time, str) and "{{" not in start_time:
        zone = start_time.strip()[19:].lstrip(".0123456789")
        if zone not in ("Z", "z", "+00:00", "-00:00"):
            problems["startTime"] = f"a tumbling window trigger starts in UTC only; write it with Z (got {start_time})"
    return problems


# System variables a trigger may pass to its pipeline, by trigger type.
TRIGGER_OUTPUTS = {
    "ScheduleTrigger": frozenset({"scheduledTime", "startTime"}),
    "TumblingWindowTrigger": frozenset(
        {"outputs.windowStartTime", "outputs.windowEndTime", "scheduledTime", "startTime"}
    ),
    "BlobEventsTrigger": frozenset({"outputs.body.fileName", "outputs.body.folderPath", "startTime"}),
    "CustomEventsTrigger": frozenset({"outputs.body.event", "startTime"}),
}


def activity_types(target: Target) -> frozenset[str]:
    extra = SYNAPSE_ONLY_ACTIVITIES | SYNAPSE_SPARK_ACTIVITIES if target == "synapse" else DATA_FACTORY_ONLY_ACTIVITIES
    return COMMON_ACTIVITIES | extra


@dataclass(frozen=True)
class Platform:
    """Linked services (name -> type) and integration runtimes the zone declares, per target."""

    linked_services: Mapping[Target, Mapping[str, str]] = field(default_factory=dict)
    integration_runtimes: Mapping[Target, frozenset[str]] = field(default_factory=dict)

    def linked_service_type(self, target: Target, name: str) -> str | None:
        return self.linked_services.get(target, {}).get(name)

    def has_runtime(self, target: Target, name: str) -> bool:
        return name in self.integration_runtimes.get(target, frozenset())


def zone_platform(
    *, data_factory: bool = True, synapse: bool = True, erp: bool = True, cosmos: bool = True
) -> Platform:
    """What a zone with the given services declares; all of it when nothing is said (offline validation)."""
    factory_services: dict[str, str] = {}
    if data_factory:
        factory_services = {lake_linked_service_name(key): "AzureBlobFS" for key in LAKE_KEYS}
        factory_services[lake_linked_service_name("external")] = "AzureBlobStorage"
        factory_services[KEY_VAULT_LINKED_SERVICE] = "AzureKeyVault"
        if erp:
            factory_services[ERP_LINKED_SERVICE] = "AzureSqlDatabase"
    synapse_services = {COSMOS_LINKED_SERVICE: "CosmosDb"} if synapse and cosmos else {}
    return Platform(
        linked_services={"dataFactory": factory_services, "synapse": synapse_services},
        integration_runtimes={
            "dataFactory": frozenset({INTEGRATION_RUNTIME}) if data_factory else frozenset(),
            "synapse": frozenset({INTEGRATION_RUNTIME}) if synapse else frozenset(),
        },
    )
