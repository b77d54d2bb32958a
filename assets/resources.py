"""Where the pipeline reads and writes: one resource, defaults relative to the repository root."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parents[1]


class XxgkPaths(dg.ConfigurableResource):
    """Sources, landing zone, warehouse, snapshot and data-quality site of one deployment."""

    sources_toml: str = str(ROOT / "sources.toml")
    raw_dir: str = str(ROOT / "data" / "raw")
    warehouse_db: str = str(ROOT / "data" / "warehouse" / "xxgk.duckdb")
    snapshot_db: str = str(ROOT / "data" / "warehouse" / "xxgk_snapshot.duckdb")
    dq_dir: str = str(ROOT / "data" / "warehouse" / "dq")
    workers: int = 1  # extraction processes

    @property
    def inbox(self) -> Path:
        """Drop folder the sensor watches."""
        return Path(self.raw_dir) / "inbox"
