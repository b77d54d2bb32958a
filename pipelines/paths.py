"""Default locations of one deployment, relative to the repository root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES_TOML = ROOT / "sources.toml"
RAW_DIR = ROOT / "data" / "raw"
WAREHOUSE_DB = ROOT / "data" / "warehouse" / "xxgk.duckdb"
SNAPSHOT_DB = ROOT / "data" / "warehouse" / "xxgk_snapshot.duckdb"
DQ_DIR = ROOT / "data" / "warehouse" / "dq"
