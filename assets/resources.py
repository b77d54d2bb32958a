"""Where the pipeline reads and writes: one resource, defaults relative to the repository root."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines import paths, runlock


class XxgkPaths(dg.ConfigurableResource):
    """Sources, landing zone, warehouse, snapshot and data-quality site of one deployment."""

    sources_toml: str = str(paths.SOURCES_TOML)
    raw_dir: str = str(paths.RAW_DIR)
    warehouse_db: str = str(paths.WAREHOUSE_DB)
    snapshot_db: str = str(paths.SNAPSHOT_DB)
    dq_dir: str = str(paths.DQ_DIR)
    workers: int = 0  # extraction processes; 0: one per core

    @property
    def inbox(self) -> Path:
        """Drop folder the sensor watches."""
        return Path(self.raw_dir) / "inbox"

    def staging(self, run_id: str) -> Path:
        """Where a run's chunks wait between its steps (removed once loaded)."""
        return Path(self.warehouse_db).parent / "staging" / run_id


class RunLock(dg.ConfigurableResource):
    """Held for the whole run (the job runs in one process): a second run, or a process with the
    working warehouse open, stops the run before any work with a message saying which."""

    warehouse_db: str = str(paths.WAREHOUSE_DB)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RunLock"]:
        with runlock.hold(Path(self.warehouse_db)):
            yield self


def resources(paths: XxgkPaths) -> dict:
    """The resources of a deployment at `paths`."""
    return {"paths": paths, "run_lock": RunLock(warehouse_db=paths.warehouse_db)}
