"""`python -m assets.materialize`: run the nightly job in-process (make run) and print a summary.

Runs are recorded in the instance at DAGSTER_HOME when it is set, so they show in `make ui`. The exit
status is non-zero only when the run failed; a document that failed is recorded and summarised.
"""

import logging
import os
import sys
from pathlib import Path

import dagster as dg

from pipelines import load, progress, report

from .definitions import defs, xxgk_nightly
from .resources import XxgkPaths

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}  # main() prints what failed


def run(definitions: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Materialise every asset of the nightly job (and run its checks) in this process."""
    return definitions.resolve_job_def(xxgk_nightly.name).execute_in_process(
        instance=instance, run_config=QUIET, raise_on_error=False)


def summary(paths: XxgkPaths) -> str:
    """Reports loaded, documents failed and rules failed per report, and where the outputs are."""
    with load.read_only(paths.warehouse_db) as con:
        lines = report.summary(con)
    lines += [f"warehouse: {_shown(paths.warehouse_db)}", f"snapshot:  {_shown(paths.snapshot_db)} (open it read-only)",
              f"data quality: {_shown(Path(paths.dq_dir) / 'index.html')}"]
    return "\n".join(lines)


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """What stopped the run, one line each: the root cause, not Dagster's wrapping of it."""
    lines = []
    for event in result.all_events:
        error = (event.step_failure_data.error if event.is_step_failure else
                 event.event_specific_data.error if event.event_type_value == "PIPELINE_FAILURE"
                 and event.event_specific_data else None)
        while error is not None and error.cause is not None:
            error = error.cause
        if error is not None:
            lines.append(f"{event.step_key or 'run'} failed: {error.message.strip()}")
    return lines


def _shown(path: str | Path) -> str:
    """A path as the user can type it here: relative to the working directory when inside it."""
    path = Path(os.path.abspath(path))
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def main(definitions: dg.Definitions = defs) -> int:
    logging.getLogger("dagster").setLevel(logging.WARNING)
    progress.keep_terminal()  # a line per stage on the terminal: fetched, extracted, checked and loaded
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with instance:
        result = run(definitions, instance)
    if not result.success:
        for line in failures(result):
            print(line, file=sys.stderr)
        print(f"run {result.run_id} failed", file=sys.stderr)
        return 1
    print(summary(definitions.resources["paths"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
