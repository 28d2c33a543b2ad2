"""`stratengine update`: register the landing zone, then run the plan until nothing is stale, as the sensor does.

Runs a killed process left STARTED are marked failed first; a step that fails skips the assets built on it and the
command says which and why; whatever it leaves stale is the next update's plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import AssetKey, DagsterInstance

from cli.runs import Say, fail_orphaned_runs, run_step
from stratengine_assets.definitions import defs
from stratengine_assets.ingestion.registration import Registration
from stratengine_assets.lineage.graph import asset_graph
from stratengine_assets.lineage.plan import RESEARCH, Plan, make_plan, register_zone

MAX_PHASES = 4  # ingestion, the build on it, and what the build's own changes (fundamentals) make stale


@dataclass
class Outcome:
    registration: Registration
    plans: list[Plan] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # asset -> why it failed
    skipped: dict[str, str] = field(default_factory=dict)  # asset -> the failed asset it builds on
    orphans: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def held(self) -> dict[str, str]:
        return self.plans[-1].held if self.plans else {}


def run_update(instance: DagsterInstance, resources: dict, resolved: dict, say: Say, research: bool = False) -> Outcome:
    """Register new files, then plan and run each phase until the plan is empty or a phase makes no progress."""
    orphans = fail_orphaned_runs(instance)
    outcome = Outcome(register(instance, resolved), orphans=orphans)
    for _ in range(MAX_PHASES):
        with resolved["warehouse"].session() as store:
            plan = make_plan(store, instance, resolved["settings"].coverage(), RESEARCH if research else ())
        if not plan.steps or (outcome.plans and plan.describe() == outcome.plans[-1].describe()):
            outcome.plans.append(plan)
            break
        outcome.plans.append(plan)
        say(f"plan ({plan.phase}):\n{_indented(plan.describe())}")
        execute(plan, instance, resources, say, outcome)
    return outcome


def register(instance: DagsterInstance, resolved: dict) -> Registration:
    """Every new, changed or removed landed file registered, its changes marked stale through the asset graph."""
    with resolved["warehouse"].session() as store:
        return register_zone(store, instance, resolved["landing_zone"])


def execute(plan: Plan, instance: DagsterInstance, resources: dict, say: Say, outcome: Outcome) -> None:
    """Each step's runs in dependency order; a step built on a failed one is skipped."""
    assets = {asset.key: asset for asset in defs.assets}
    for step in plan.steps:
        broken = _failed_ancestor(step.asset, outcome.failed)
        if broken:
            outcome.skipped[step.name] = broken
            say(f"{step.name} skipped: it is built on {broken}, which failed")
            continue
        for first, last in step.runs:
            label = step.name if first == last == "" else f"{step.name} {first}..{last}"
            ran = run_step(label, [assets[step.asset]], instance, resources, step.run_tags(first, last), say)
            outcome.seconds[label] = ran.seconds
            if ran.error:
                outcome.failed[step.name] = ran.error
                break


def _failed_ancestor(key: AssetKey, failed: dict[str, str]) -> str | None:
    graph, seen, todo = asset_graph(), set(), list(asset_graph().get(key).parent_keys - {key})
    while todo:
        parent = todo.pop()
        if parent.to_user_string() in failed:
            return parent.to_user_string()
        if parent not in seen:
            seen.add(parent)
            todo += list(graph.get(parent).parent_keys - {parent})
    return None


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
