"""Where the pipeline reads and writes: one resource, defaults relative to the repository root."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines import paths


class XxgkPaths(dg.ConfigurableResource):
    """Sources, landing zone, warehouse, snapshot and data-quality site of one deployment."""

    sources_toml: str = str(paths.SOURCES_TOML)
    raw_dir: str = str(paths.RAW_DIR)
    warehouse_db: str = str(paths.WAREHOUSE_DB)
    snapshot_db: str = str(paths.SNAPSHOT_DB)
    dq_dir: str = str(paths.DQ_DIR)
    workers: int = 1  # extraction processes

    @property
    def inbox(self) -> Path:
        """Drop folder the sensor watches."""
        return Path(self.raw_dir) / "inbox"
