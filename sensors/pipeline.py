"""pipeline_sensor: every 30 seconds, register the landing zone and launch the plan as one asset backfill.

The plan is the one `stratengine update` runs (stratengine_assets/lineage/plan.py); Dagster's backfill daemon then
runs each asset's partitions in one run, in the order the partition mappings give, and a failed or killed run
leaves its marks for the next tick's plan. While a backfill it launched is running, the sensor only waits.
RunRequest.for_asset_graph_subset and the backfill filters are Dagster internals (pinned: dagster < 1.14).
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus
from filelock import Timeout

from resources import LandingZoneResource, PipelineSettings, WarehouseResource
from stratengine_assets.common.partition_range import TRIGGER_TAG
from stratengine_assets.lineage.graph import asset_graph
from stratengine_assets.lineage.plan import Plan, make_plan, register_zone

AUTOMATION_TAG, AUTOMATION = "stratengine/automation", "pipeline_sensor"
LOCK_SECONDS = 5  # a tick passes when a run holds the warehouse
REGISTRATION_SECONDS = 40  # within Dagster's 60 s sensor timeout; the rest is registered on the next tick
IN_FLIGHT = [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING]


def plan_subset(plan: Plan) -> AssetGraphSubset:
    """The plan's partitions, as the backfill daemon takes them."""
    graph, by_asset, unpartitioned = asset_graph(), {}, set()
    for step in plan.steps:
        partitions_def = graph.get(step.asset).partitions_def
        if partitions_def is None:
            unpartitioned.add(step.asset)
        else:
            by_asset[step.asset] = partitions_def.empty_subset().with_partition_keys(step.partition_keys)
    return AssetGraphSubset(partitions_subsets_by_asset_key=by_asset, non_partitioned_asset_keys=unpartitioned)


def backfill_in_flight(context: SensorEvaluationContext) -> bool:
    filters = BulkActionsFilter(statuses=IN_FLIGHT, tags={AUTOMATION_TAG: AUTOMATION})
    return context.instance.get_backfills_count(filters=filters) > 0


@sensor(asset_selection=AssetSelection.all(), minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def pipeline_sensor(
    context: SensorEvaluationContext,
    landing_zone: LandingZoneResource,
    warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> SensorResult | SkipReason:
    """New, changed or removed files are registered by content; whatever is stale (from files, or a run that
    failed or was killed) is launched as one backfill, tagged with why."""
    if backfill_in_flight(context):
        return SkipReason("the backfill this sensor launched is still running")
    try:
        with warehouse.session(lock_timeout=LOCK_SECONDS) as store:
            registration = register_zone(store, context.instance, landing_zone, REGISTRATION_SECONDS)
            if registration.pending:
                return SkipReason(f"{registration.pending} files left to register")
            plan = make_plan(store, context.instance, settings.coverage())
    except Timeout:
        return SkipReason("the warehouse is busy; trying again next tick")
    for event in registration.events[:50]:
        context.log.info(event)
    if plan.held:
        context.log.warning(f"held back: {dict(list(plan.held.items())[:10])}")
    if not plan.steps:
        return SkipReason("nothing is stale")
    trigger = "; ".join(dict.fromkeys(why for step in plan.steps for why in step.why))[:1000]
    tags = {
        AUTOMATION_TAG: AUTOMATION,
        TRIGGER_TAG: trigger or "never materialized",
        "stratengine/plan": plan.summary(),
    }
    context.log.info(f"plan ({plan.phase}):\n{plan.describe()}")
    return SensorResult(run_requests=[RunRequest.for_asset_graph_subset(plan_subset(plan), tags=tags)])
