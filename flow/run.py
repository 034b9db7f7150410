"""One run of a zone's master pipeline on this machine, for one window, from generated sources."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from cloudscale.dataproducts import sample_data, source_data
from cloudscale.dataproducts.contracts import serving
from cloudscale.dataproducts.source_data import SourceData
from cloudscale.flow.engine import ActivityRun, Engine, PipelineRun
from cloudscale.flow.platform import LocalPlatform, zone_platform
from cloudscale.flow.serving import ServingEngine
from cloudscale.flow.sources import Dataverse, ErpDatabase, GraphDataConnect, drop_csv_files, write_analytical_store
from cloudscale.flow.world import World
from cloudscale.pipelines.compose import MASTER_PIPELINE, MASTER_SET, MASTER_TRIGGER, ZonePipelines
from cloudscale.pipelines.definitions import Artifact
from cloudscale.pipelines.expressions import ExpressionContext, evaluate_value
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig
from cloudscale.stacks.config.pipeline_checks import deployed_pipelines

COSMOS_LINKED_SERVICE = "ls_cosmos_customer_service"


class FlowError(ValueError):
    """The flow cannot start: a zone without a master pipeline, a malformed window."""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, text: str) -> Window:
        """``START/END`` in ISO 8601 (UTC when no offset is given)."""
        parts = text.split("/")
        if len(parts) != 2:
            raise FlowError(f"--window: expected START/END (ISO 8601), got {text!r}")
        try:
            start, end = (_utc(datetime.fromisoformat(p.replace("Z", "+00:00"))) for p in parts)
        except ValueError as error:
            raise FlowError(f"--window: {error}") from None
        if end <= start:
            raise FlowError(f"--window: the end {parts[1]} is not after the start {parts[0]}")
        return cls(start, end)

    def text(self) -> tuple[str, str]:
        return _iso(self.start), _iso(self.end)


@dataclass
class FlowResult:
    stack: str
    zone: str
    window: Window
    run: PipelineRun
    views: dict[str, int]
    seconds: float
    out: Path
    size: str
    steps: list[tuple[int, ActivityRun]] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.run.status == "Succeeded"


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def initial_window(sources: source_data.SourceData, start_time: datetime | None, step: timedelta) -> Window:
    """The first load: from the day of the sources' earliest change to the end of the schedule's window
    that holds their latest change, so every row lands in this one window."""
    earliest, latest = source_data.modified_range(sources)
    anchor = _utc(start_time) if start_time else datetime.combine(earliest.date(), clock_time(), UTC)
    end = anchor
    while end <= _utc(latest):
        end += step
    return Window(datetime.combine(earliest.date(), clock_time(), UTC), end)


def _schedule_step(trigger: Any) -> tuple[datetime | None, timedelta]:
    if trigger is None:
        return None, timedelta(days=1)
    properties = trigger.properties.get("typeProperties") or {}
    interval = int(properties.get("interval") or 1)
    unit = {"Minute": timedelta(minutes=1), "Hour": timedelta(hours=1), "Month": timedelta(days=30)}
    start = properties.get("startTime")
    anchor = datetime.fromisoformat(str(start).replace("Z", "+00:00")) if start else None
    return anchor, unit.get(str(properties.get("frequency")), timedelta(hours=1)) * interval


def run_flow(
    stack: str,
    config: PlatformConfig,
    zone: LandingZoneConfig,
    *,
    out: Path,
    window: Window | None = None,
    size: str = "small",
    seed: int = 7,
    as_of: date = sample_data.DEFAULT_AS_OF,
    spark_factory: Callable[[], Any] | None = None,
    observe: Callable[[ActivityRun, int], None] | None = None,
) -> FlowResult:
    started = time.perf_counter()
    composed = deployed_pipelines(zone)
    master = next((s for s in composed.sets if s.name == MASTER_SET), None)
    if master is None or MASTER_PIPELINE not in master.of_kind("pipeline"):
        raise FlowError(f"landing zone {zone.name!r} has no master pipeline to play (orchestration is off or empty)")
    platform = zone_platform(config, zone, out / "lake")
    sources = source_data.render(sample_data.generate(size, seed=seed, as_of=as_of))
    drop_csv_files(sources, platform.container("external", "data"))
    cosmos_store = out / "cosmos-analytical-store"
    write_analytical_store(sources, cosmos_store, COSMOS_LINKED_SERVICE)
    trigger = master.of_kind("trigger").get(MASTER_TRIGGER)
    anchor, step = _schedule_step(trigger)
    chosen = window or initial_window(sources, anchor, step)
    world = _world(composed, platform, sources, out, chosen, spark_factory, cosmos_store)
    steps: list[tuple[int, ActivityRun]] = []

    def record(run: ActivityRun, depth: int) -> None:
        steps.append((depth, run))
        if observe:
            observe(run, depth)

    trigger_context, parameters = _as_triggered(trigger, chosen)
    run = Engine(world, record).run_pipeline(
        master.target,
        MASTER_PIPELINE,
        parameters,
        trigger=trigger_context if trigger else None,
        trigger_name=MASTER_TRIGGER if trigger else "",
    )
    counts = {
        v.qualified: int(world.serving.query(f'SELECT count(*) AS n FROM "{v.schema}"."{v.name}"')[0]["n"])
        for v in world.views
        if _exists(world.serving, v)
    }
    world.serving.close()
    return FlowResult(stack, zone.name, chosen, run, counts, time.perf_counter() - started, out, size, steps)


def _world(
    composed: ZonePipelines,
    platform: LocalPlatform,
    sources: SourceData,
    out: Path,
    window: Window,
    spark_factory: Callable[[], Any] | None,
    cosmos_store: Path,
) -> World:
    """The local stand-ins the zone's definitions run against: sources, lake, Spark, serving engine."""
    contracts = {s.name: s.contract for s in composed.sets if s.contract is not None}
    reads = contracts.get(serving.SERVING_SET) or serving.SERVING
    if spark_factory is None:
        from cloudscale.flow.spark import local_session

        spark_factory = local_session
    return World(
        platform=platform,
        sets=composed.sets,
        values_for=lambda name: {**platform.values, **composed.values_for(name)},
        dataverse=Dataverse(sources),
        erp=ErpDatabase(sources),
        graph=GraphDataConnect(sources),
        serving=ServingEngine(out / "serving.duckdb"),
        views=serving.views(composed.products, contracts, reads),
        contracts=contracts,
        out=out,
        run_time=window.end,
        spark_factory=spark_factory,
        cosmos_store=cosmos_store,
    )


def _as_triggered(trigger: Artifact | None, window: Window) -> tuple[dict[str, Any], dict[str, Any]]:
    """The master's trigger context for the window, and the parameters its trigger passes (the window's
    bounds, as the deployed trigger maps them; without a trigger, the window's bounds by their names)."""
    start, end = window.text()
    context = {
        "outputs": {"windowStartTime": start, "windowEndTime": end},
        "startTime": end,
        "scheduledTime": end,
        "name": MASTER_TRIGGER,
    }
    if trigger is None:
        return context, {"windowStart": start, "windowEnd": end}
    expressions = ExpressionContext(
        pipeline={"parameters": {}}, trigger=context, variables={}, activities={}, now=window.end
    )
    given = (trigger.properties.get("pipeline") or {}).get("parameters") or {}
    return context, {key: evaluate_value(value, expressions) for key, value in given.items()}


def _exists(engine: ServingEngine, view: serving.View) -> bool:
    found = engine.query(
        "SELECT count(*) AS n FROM information_schema.tables "
        f"WHERE table_schema = '{view.schema}' AND table_name = '{view.name}'"
    )
    return bool(found[0]["n"])


__all__ = ["FlowError", "FlowResult", "Window", "date", "run_flow"]
