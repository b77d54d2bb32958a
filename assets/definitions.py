"""The Dagster code location: the batch as assets, rule checks, the nightly job, its schedule and sensor.

Assets are thin: each calls one stage of pipelines/ and describes what it did in its metadata.
"""

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from pipelines import batch, fetch, load, report
from pipelines.progress import Progress
from pipelines.staging import Staged
from pipelines.template import RULES

from .resources import RunLock, XxgkPaths, resources

GROUP = "xxgk"
MAX_ROWS = 50  # rows of a markdown table in metadata

def _progress(context: dg.AssetExecutionContext, verb: str, unit: str):
    """A pipelines `progress(done, total, uri)` callback: a line on the terminal (make run), and a log
    message about every tenth of the way."""
    line = Progress(verb, unit)

    def report(done: int, total: int, uri: str = "") -> None:
        line(done, total)
        if uri and (done == total or done % max(1, total // 10) == 0):
            context.log.info(f"{verb} {done}/{total} {unit} ({batch.source_name(uri)})")
    return report


def _markdown(header: tuple[str, ...], rows: list[tuple], total: int | None = None) -> dg.MetadataValue:
    """A markdown table of at most MAX_ROWS rows, saying how many of `total` (default: all rows) were left out."""
    total = len(rows) if total is None else total
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows[:MAX_ROWS]]
    if total > MAX_ROWS:
        lines.append(f"\n… and {total - MAX_ROWS} more")
    return dg.MetadataValue.md("\n".join(lines) if rows else "none")


@dg.asset(group_name=GROUP)
def raw_files(context: dg.AssetExecutionContext, paths: XxgkPaths,
              run_lock: RunLock) -> dg.Output[fetch.FetchResult]:
    """Every source of sources.toml landed in raw_dir under its SHA-256, and the sources that failed.
    (The assets that write, this one and warehouse, hold the run lock.)"""
    toml = Path(paths.sources_toml)
    result = fetch.fetch_all(fetch.load_sources(toml), Path(paths.raw_dir), settings=fetch.load_settings(toml),
                             project_root=toml.parent, progress=_progress(context, "fetched", "files"))
    for error in result.errors:
        context.log.warning(str(error))
    return dg.Output(result, metadata={
        "files": len(result.files),
        "new files": result.new,
        "fetch errors": _markdown(("source", "reason"), [(e.source, e.reason) for e in result.errors]),
    })


@dg.asset(group_name=GROUP)
def extracted_reports(context: dg.AssetExecutionContext, paths: XxgkPaths,
                      raw_files: fetch.FetchResult) -> dg.Output[Staged]:
    """Each landed file not yet loaded by this parser version, extracted on every core, or the error
    that stopped it; staged in chunks on disk (the step passes on where they are, not the reports)."""
    files = batch.pending(Path(paths.warehouse_db), raw_files.files)
    staged = batch.extract(files, paths.staging(context.run.run_id), workers=paths.workers or None,
                           progress=_progress(context, "extracted", "documents"))
    failed = [(batch.source_name(uri), stage, reason) for chunk in staged.chunks
              for uri, _, stage, reason in staged.read(chunk, "errors").iter_rows()][:MAX_ROWS + 1]
    return dg.Output(staged, metadata={
        "unchanged or failed before, skipped": len(raw_files.files) - len(files),
        "reports extracted": staged.reports,
        "documents failed": staged.failed,
        "failures": _markdown(("source", "stage", "reason"), failed, staged.failed),
    })


@dg.multi_asset(
    specs=[
        dg.AssetSpec("rule_checks", group_name=GROUP, deps=["extracted_reports"],
                     description="The report rules on the reports new in this run, judged by the GX suites "
                                 "a chunk at a time (their GX Data Docs in dq_dir/gx)."),
        dg.AssetSpec("warehouse", group_name=GROUP, deps=["rule_checks", "raw_files"],
                     description="The DuckDB star schema: the new reports loaded, vanished ones retired, one "
                                 "current report per body and year, the warehouse rules checked, the run "
                                 "recorded; its snapshot and data-quality page, published again only when "
                                 "what they show changed."),
    ],
    ins={"raw_files": dg.AssetIn(), "extracted_reports": dg.AssetIn()},
)
def check_and_load(context: dg.AssetExecutionContext, paths: XxgkPaths, run_lock: RunLock,
                   raw_files: fetch.FetchResult, extracted_reports: Staged):
    """Both in one step, so that GX judges the next chunks while DuckDB loads the one before; the
    template_rules checks then judge the whole warehouse."""
    db, snapshot, page = Path(paths.warehouse_db), Path(paths.snapshot_db), Path(paths.dq_dir) / "index.html"
    start = time.perf_counter()
    judged, loaded = batch.check_and_load(db, extracted_reports, context.run.run_id, raw_files.errors,
                                          landed=raw_files.files, docs_dir=Path(paths.dq_dir) / "gx",
                                          progress=_progress(context, "checked and loaded", "reports"))
    extracted_reports.remove()
    seconds = {"check, load and warehouse checks": time.perf_counter() - start}
    yield dg.MaterializeResult(asset_key="rule_checks", metadata={
        "checks run": sum(j.checks for j in judged), "checks failed": sum(j.failed for j in judged),
        "GX data docs": dg.MetadataValue.path(Path(paths.dq_dir) / "gx" / "index.html"),
    })
    seconds |= batch.publish(db, snapshot, page, Path(paths.raw_dir), loaded.state)
    with load.read_only(snapshot) as con:
        rows = load.row_counts(con)
    yield dg.MaterializeResult(asset_key="warehouse", metadata={
        **{f"seconds: {stage}": n for stage, n in seconds.items()}, "reports written": loaded.written,
        "snapshot and page published": "publish snapshot" in seconds,
        "path": dg.MetadataValue.path(db), "snapshot": dg.MetadataValue.path(snapshot),
        "data quality page": dg.MetadataValue.path(page), **{f"rows {t}": n for t, n in rows.items()},
    })


def check_name(rule_id: str) -> str:
    """Asset check name of a rule id (check names allow no dots)."""
    return rule_id.replace(".", "__")


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(check_name(r.id), asset="warehouse", description=r.description) for r in RULES],
)
def template_rules(paths: XxgkPaths):
    """One result per rule over the current reports of the warehouse (its snapshot), not the run's batch:
    a night with nothing new states what the warehouse holds. Where it was checked and where it failed.

    Severity WARN: a report that breaks a rule is loaded anyway and flagged in dq_result.
    """
    with load.read_only(paths.snapshot_db) as con:
        counts, failures = report.rule_counts(con), report.rule_failures(con, MAX_ROWS)
    for rule in RULES:
        checked, failed, unjudged = counts.get(rule.id, (0, 0, 0))
        yield dg.AssetCheckResult(
            check_name=check_name(rule.id), passed=not failed and not unjudged,
            severity=dg.AssetCheckSeverity.WARN,
            description=("no suite in expectations/ judges this rule" if unjudged else None),
            metadata={"rule": rule.id, "checked": checked, "failed": failed,
                      "failures": _markdown(("source", "agency", "column", "lhs", "rhs"),
                                            failures.get(rule.id, []), failed)},
        )


# One process for the whole run, so the run lock (a resource) is held from the first step to the last;
# extraction has its own worker processes. max_runtime: with run monitoring on (config/dagster.yaml), a run
# whose process was killed is failed after it, and stops holding the run queue's one slot.
xxgk_nightly = dg.define_asset_job("xxgk_nightly", selection=dg.AssetSelection.groups(GROUP),
                                   executor_def=dg.in_process_executor,
                                   tags={"dagster/max_runtime": str(6 * 3600)},
                                   description="Fetch, extract, check and load every source, then publish.")

# Both start RUNNING: the daemon of `make ui` (dg dev) runs them from the first start; the UI can stop them.
nightly_schedule = dg.ScheduleDefinition(name="xxgk_nightly_schedule", job=xxgk_nightly,
                                         cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
                                         default_status=dg.DefaultScheduleStatus.RUNNING)


@dg.sensor(job=xxgk_nightly, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, paths: XxgkPaths):
    """Run the job when a file in raw_dir/inbox is new or changed (cursor: name → [size, mtime_ns])."""
    seen = json.loads(context.cursor or "{}")
    inbox = paths.inbox
    now = {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(inbox.iterdir())
           if p.is_file() and not p.name.startswith(".")} if inbox.is_dir() else {}
    changed = [name for name, signature in now.items() if seen.get(name) != signature]
    cursor = json.dumps(now, sort_keys=True)
    context.update_cursor(cursor)
    if not changed:
        return dg.SkipReason(f"no new or changed file in {inbox}")
    return dg.RunRequest(run_key=hashlib.sha256(cursor.encode()).hexdigest()[:16],
                         tags={"xxgk/inbox": ", ".join(changed)[:200]})


defs = dg.Definitions(
    assets=[raw_files, extracted_reports, check_and_load],
    asset_checks=[template_rules],
    jobs=[xxgk_nightly],
    schedules=[nightly_schedule],
    sensors=[inbox_sensor],
    resources=resources(XxgkPaths()),
    executor=dg.in_process_executor,  # ad-hoc materialisations from the UI hold the run lock too
)
