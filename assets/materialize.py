"""`python -m assets.materialize`: run the nightly job in-process (make run) and print a summary.

Runs are recorded in the instance at DAGSTER_HOME when it is set, so they show in `make ui`. The exit
status is non-zero only when the run failed; a document that failed is recorded and summarised.
"""

import logging
import os
import sys
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import report

from .definitions import defs, xxgk_nightly
from .resources import XxgkPaths

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run(definitions: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Materialise every asset of the nightly job (and run its checks) in this process."""
    return definitions.resolve_job_def(xxgk_nightly.name).execute_in_process(
        instance=instance, run_config=QUIET, raise_on_error=False)


def summary(paths: XxgkPaths) -> str:
    """Reports loaded, documents failed and rules failed per report, and where the outputs are."""
    with duckdb.connect(paths.warehouse_db, read_only=True) as con:
        lines = report.summary(con)
    lines += [f"warehouse: {report.display_source(paths.warehouse_db)}",
              f"snapshot:  {report.display_source(paths.snapshot_db)} (open it read-only)",
              f"data quality: {report.display_source(str(Path(paths.dq_dir) / 'index.html'))}"]
    return "\n".join(lines)


def main() -> int:
    logging.getLogger("dagster").setLevel(logging.WARNING)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with instance:
        result = run(defs, instance)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"{event.step_key} failed: {event.step_failure_data.error.message.strip()}", file=sys.stderr)
        print(f"run {result.run_id} failed", file=sys.stderr)
        return 1
    print(summary(defs.resources["paths"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
