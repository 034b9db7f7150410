"""A zone's pipeline selection turned into definition sets, and every problem with it as config errors.

Runs with the other checks, before any resource is registered: the selected sets, the data products'
sets and users' folders are loaded, the master pipeline composed, and everything validated against
what the zone actually declares (a zone without an ERP database has no ``ls_sql_erp``). Problems name
the config key and, for definitions, the file and JSON path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudscale.pipelines.chain import check_chain
from cloudscale.pipelines.compose import Schedule, SetChoice, ZonePipelines, bundled_choice, compose_zone
from cloudscale.pipelines.data_access import lake_access
from cloudscale.pipelines.definitions import bundled_set_names
from cloudscale.pipelines.model_check import check_models
from cloudscale.pipelines.placeholders import SCHEDULE_KEYS, SETTINGS_PREFIX, keys_in_texts
from cloudscale.pipelines.platform import Platform, tumbling_window_problems, zone_platform
from cloudscale.pipelines.set_settings import set_settings
from cloudscale.pipelines.validate import validate
from cloudscale.stacks.config.errors import ConfigProblem
from cloudscale.stacks.config.model import LandingZoneConfig, PipelineSchedule

# Containers every lake of a zone has besides the configured ones (landing_zone.py creates them).
SHARED_CONTAINER = "data"
SYNAPSE_FILESYSTEM = "synapse"


def _schedule(schedule: PipelineSchedule | None) -> Schedule | None:
    if schedule is None:
        return None
    start = schedule.start_time.isoformat().replace("+00:00", "Z")
    return Schedule(schedule.frequency, schedule.interval, start, schedule.time_zone)


def zone_choices(key: str, zone: LandingZoneConfig, location: str = "") -> list[SetChoice]:
    choices = [
        bundled_choice(
            s.name,
            f"{key}.pipelines[{i}]",
            schedule=_schedule(s.schedule),
            settings=_effective_settings(s.name, s.settings, location),
        )
        for i, s in enumerate(zone.pipelines)
    ]
    for i, folder in enumerate(zone.pipeline_folders):
        path = Path(folder.path)
        if not path.is_absolute():
            # Relative to the project directory, where `pulumi up` (and `cloudscale plan`) run the program.
            path = Path.cwd() / path
        choices.append(
            SetChoice(
                name=path.name,
                folder=path,
                key=f"{key}.pipelineFolders[{i}]",
                target=folder.target,
                schedule=_schedule(folder.schedule),
                settings=folder.settings,
            )
        )
    return choices


def _effective_settings(name: str, given: Mapping[str, str], location: str) -> Mapping[str, Any]:
    """A bundled set's settings as its definitions read them: validated, with defaults filled in."""
    settings, problems = set_settings(name, given, location=location)
    return settings.placeholder_values() if settings is not None and not problems else given


def zone_platform_of(zone: LandingZoneConfig) -> Platform:
    services = zone.services
    return zone_platform(
        data_factory=services.data_factory.enabled,
        synapse=services.synapse.enabled,
        erp=services.sql_hyperscale.enabled,
        cosmos=services.cosmos.enabled,
    )


def zone_pipelines(index: int, zone: LandingZoneConfig, location: str = "") -> ZonePipelines:
    """The zone's definition sets and master pipeline, composed once per zone.

    The config check composes them (the index names config keys in its problems, the platform's
    location derives settings such as a runtime region) and the validated zone carries them to the
    deployment and the plan, which only read them; a zone that never went through the check is
    composed on first use.
    """
    if zone._pipelines is None:
        zone._pipelines = _compose(index, zone, location)
    return zone._pipelines


def deployed_pipelines(zone: LandingZoneConfig) -> ZonePipelines:
    """The zone's composition for deploying, whichever index the config check composed it under."""
    return zone_pipelines(0, zone)


def _compose(index: int, zone: LandingZoneConfig, location: str) -> ZonePipelines:
    key = f"landingZones[{index}]"
    services = zone.services
    master_target = None
    if zone.orchestration.enabled:
        master_target = (
            "dataFactory" if services.data_factory.enabled else "synapse" if services.synapse.enabled else None
        )
    return compose_zone(
        zone_choices(key, zone, location),
        products=zone.data_products if services.synapse.enabled else [],
        master_target=master_target,
        master_schedule=_schedule(zone.orchestration.schedule),
        synapse=services.synapse.enabled,
    )


def lake_containers(zone: LandingZoneConfig) -> dict[str, set[str]]:
    integration = {SHARED_CONTAINER, *zone.data_integrations}
    workspace = {SHARED_CONTAINER, *zone.data_products}
    if zone.services.synapse.enabled:
        workspace.add(SYNAPSE_FILESYSTEM)
    return {"raw": integration, "enriched": integration, "workspace": workspace, "external": {SHARED_CONTAINER}}


# Placeholder families and the service a zone needs to resolve them.
_PLACEHOLDER_SERVICES = {
    "synapse.": ("synapse", "services.synapse"),
    "sql.": ("sql_hyperscale", "services.sqlHyperscale"),
    "cosmos.": ("cosmos", "services.cosmos"),
    "ml.": ("machine_learning", "services.machineLearning"),
    "dataFactory.": ("data_factory", "services.dataFactory"),
}


# Source formats read from one of the zone's own services (a contract's ``sources[].format``), by the
# placeholder family of that service: the service each needs is declared once, in _PLACEHOLDER_SERVICES.
_SOURCE_FAMILIES = {"sql": "sql.", "cosmos": "cosmos."}


def source_service(zone: LandingZoneConfig, source_format: str) -> str | None:
    """The config key of the zone's service a source of this format is read from, when it is switched off."""
    family = _SOURCE_FAMILIES.get(source_format)
    return _missing_service(zone, family) if family else None


def _check_sources(key: str, zone: LandingZoneConfig, composed: ZonePipelines) -> list[ConfigProblem]:
    """A set reading one of the zone's services (its ERP database, its Cosmos DB) needs that service."""
    problems: list[ConfigProblem] = []
    for definitions in composed.sets:
        choice = composed.choices.get(definitions.name)
        for i, source in enumerate(definitions.contract.sources if definitions.contract else ()):
            if service_key := source_service(zone, source.format):
                problems.append(
                    ConfigProblem(
                        choice.key if choice else f"{key}.pipelines",
                        f"{definitions.name}/contract.json: $.sources[{i}]: reads {source.id} from "
                        f"{source.system or source.format}, but {service_key} is not enabled",
                    )
                )
    return problems


def _missing_service(zone: LandingZoneConfig, placeholder: str) -> str | None:
    for prefix, (service, key) in _PLACEHOLDER_SERVICES.items():
        if placeholder.startswith(prefix) and not getattr(zone.services, service).enabled:
            return key
    return None


def check_pipelines(index: int, zone: LandingZoneConfig, location: str) -> list[ConfigProblem]:
    key = f"landingZones[{index}]"
    problems = _check_selection(key, zone) or _check_settings(key, zone, location)
    if problems:
        return problems
    if (zone.pipelines or zone.pipeline_folders) and not (
        zone.services.data_factory.enabled or zone.services.synapse.enabled
    ):
        return [ConfigProblem(f"{key}.pipelines", "pipelines need services.dataFactory or services.synapse")]
    composed = zone_pipelines(index, zone, location)
    found = (
        composed.problems
        + validate(composed.sets, zone_platform_of(zone))
        + check_chain(composed.sets)
        + check_models(composed.sets)
    )
    problems += [ConfigProblem(_owner_key(key, composed, p.file), str(p)) for p in found]
    problems += _check_placeholders(key, zone, composed)
    problems += _check_sources(key, zone, composed)
    problems += _check_tumbling_windows(key, zone, composed)
    problems += _check_lake_access(key, zone, composed)
    return sorted(set(problems), key=lambda p: (p.key, p.message))


def _check_selection(key: str, zone: LandingZoneConfig) -> list[ConfigProblem]:
    """Every selected bundled set exists and is selected once."""
    problems: list[ConfigProblem] = []
    known = set(bundled_set_names())
    names = [s.name for s in zone.pipelines]
    for i, name in enumerate(names):
        if name not in known:
            problems.append(
                ConfigProblem(
                    f"{key}.pipelines[{i}].name", f"no bundled set {name!r}; one of {', '.join(sorted(known))}"
                )
            )
        elif names.index(name) != i:
            problems.append(ConfigProblem(f"{key}.pipelines[{i}].name", f"{name!r} is selected twice"))
    return problems


def _check_settings(key: str, zone: LandingZoneConfig, location: str) -> list[ConfigProblem]:
    """Each bundled set's settings are what the set takes (pipelines/set_settings.py)."""
    return [
        ConfigProblem(f"{key}.pipelines[{i}].settings.{setting}", message)
        for i, selection in enumerate(zone.pipelines)
        for setting, message in set_settings(selection.name, selection.settings, location=location)[1]
    ]


def _check_placeholders(key: str, zone: LandingZoneConfig, composed: ZonePipelines) -> list[ConfigProblem]:
    """Each placeholder a definition uses has its service enabled, its schedule or its setting given."""
    problems: list[ConfigProblem] = []
    for definitions in composed.sets:
        choice = composed.choices.get(definitions.name)
        for artifact in definitions:
            for path, placeholder in keys_in_texts(artifact.texts):
                if service := _missing_service(zone, placeholder):
                    owner = choice.key if choice else f"{key}.pipelines"
                    problems.append(
                        ConfigProblem(
                            owner, f"{artifact.file}: {path} uses {{{{ {placeholder} }}}}, but {service} is not enabled"
                        )
                    )
                elif placeholder in SCHEDULE_KEYS and (choice is None or choice.schedule is None):
                    owner = choice.key if choice else f"{key}.pipelines"
                    problems.append(
                        ConfigProblem(
                            f"{owner}.schedule", f"required: {artifact.file}: {path} uses {{{{ {placeholder} }}}}"
                        )
                    )
                elif placeholder.startswith(SETTINGS_PREFIX) and (
                    choice is None or placeholder[len(SETTINGS_PREFIX) :] not in choice.settings
                ):
                    owner = choice.key if choice else f"{key}.pipelines"
                    problems.append(
                        ConfigProblem(
                            f"{owner}.settings.{placeholder[len(SETTINGS_PREFIX) :]}",
                            f"required: {artifact.file}: {path} uses {{{{ {placeholder} }}}}",
                        )
                    )
    return problems


def _check_tumbling_windows(key: str, zone: LandingZoneConfig, composed: ZonePipelines) -> list[ConfigProblem]:
    """Schedules that become tumbling windows (the master's, and a set's whose trigger is one) are at
    least 15 minutes long and start in UTC; a tumbling window trigger has no time zone."""
    schedules: list[tuple[str, PipelineSchedule]] = []
    if zone.orchestration.enabled and zone.orchestration.schedule is not None:
        schedules.append((f"{key}.orchestration.schedule", zone.orchestration.schedule))
    tumbling = {
        definitions.name
        for definitions in composed.sets
        if any(trigger.type == "TumblingWindowTrigger" for trigger in definitions.of_kind("trigger").values())
    }
    for name, (owner, schedule) in _set_schedules(key, zone).items():
        if name in tumbling and schedule is not None:
            schedules.append((f"{owner}.schedule", schedule))
    problems: list[ConfigProblem] = []
    for owner, schedule in schedules:
        start = schedule.start_time.isoformat().replace("+00:00", "Z")
        found = tumbling_window_problems(schedule.frequency, schedule.interval, start)
        problems += [ConfigProblem(f"{owner}.{name}", message) for name, message in found.items()]
        if schedule.time_zone != "UTC":
            utc_only = f"a tumbling window trigger runs in UTC only (got {schedule.time_zone!r})"
            problems.append(ConfigProblem(f"{owner}.timeZone", utc_only))
    return problems


def _set_schedules(key: str, zone: LandingZoneConfig) -> dict[str, tuple[str, PipelineSchedule | None]]:
    """Each selected set's config key and schedule, by set name."""
    found = {s.name: (f"{key}.pipelines[{i}]", s.schedule) for i, s in enumerate(zone.pipelines)}
    for i, folder in enumerate(zone.pipeline_folders):
        found[Path(folder.path).name] = (f"{key}.pipelineFolders[{i}]", folder.schedule)
    return found


def _check_lake_access(key: str, zone: LandingZoneConfig, composed: ZonePipelines) -> list[ConfigProblem]:
    """The lakes and containers the definitions read and write exist in the zone."""
    access, access_problems = lake_access(composed.sets)
    problems = [ConfigProblem(_owner_key(key, composed, p.file), str(p)) for p in access_problems]
    containers = lake_containers(zone)
    for grant in sorted(access):
        if grant.lake not in containers:
            problems.append(ConfigProblem(f"{key}.pipelines", f"definitions use an unknown lake {grant.lake!r}"))
        elif grant.container not in containers[grant.lake] and grant.origin:
            # A declared grant is fixed where it is declared: the file and key name it.
            problems.append(
                ConfigProblem(
                    _owner_key(key, composed, grant.origin),
                    f"{grant.origin}.container: {'writes' if grant.write else 'reads'} container "
                    f"{grant.container!r} of the {grant.lake} lake, which this zone does not have",
                )
            )
        elif grant.container not in containers[grant.lake]:
            where = {"workspace": "dataProducts", "external": "pipelines"}.get(grant.lake, "dataIntegrations")
            problems.append(
                ConfigProblem(
                    f"{key}.{where}",
                    f"the pipelines {'write' if grant.write else 'read'} container {grant.container!r} of the "
                    f"{grant.lake} lake, which it does not have"
                    + ("" if grant.lake == "external" else f"; add it to {where}"),
                )
            )
    return problems


def _owner_key(key: str, composed: ZonePipelines, file: str) -> str:
    choice = composed.choices.get(file.split("/", 1)[0])
    return choice.key if choice else f"{key}.pipelines"
