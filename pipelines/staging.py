"""A run's batch between stages, on disk: a directory per chunk of reports, a Parquet file per frame.

Extraction writes a chunk, checking adds its verdicts, loading reads it back: no stage holds more
than a chunk in memory, whatever the size of the batch, and a failed step can be re-executed from
what the step before it staged.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from . import frames, narrative

SCHEMAS = {
    "reports": frames.REPORT, **frames.SECTIONS, "statements": narrative.STATEMENT,
    "unread": frames.UNREAD, "used": frames.USED, "errors": frames.ERROR,
    "checks": {**frames.CHECK, "passed": pl.Boolean},
}


@dataclass(frozen=True)
class Staged:
    """The chunks of one run (their directories under `root`, in order) and what they hold."""

    root: Path
    chunks: tuple[Path, ...] = ()
    reports: int = 0
    failed: int = 0  # documents that stopped at a stage

    def read(self, chunk: Path, name: str) -> pl.DataFrame:
        """Frame `name` of a chunk (an empty frame of its schema if the chunk has none)."""
        path = chunk / f"{name}.parquet"
        return pl.read_parquet(path) if path.exists() else frames.empty(SCHEMAS[name])

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def clear(root: Path) -> None:
    """An empty staging directory at `root` (what a previous attempt left is removed)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)


def write(chunk: Path, parts: dict[str, pl.DataFrame]) -> None:
    """Write the frames of one chunk; the directory appears whole (renamed into place)."""
    tmp = chunk.with_name(f".{chunk.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, df in parts.items():
        df.select(list(SCHEMAS[name])).write_parquet(tmp / f"{name}.parquet", compression="lz4")
    shutil.rmtree(chunk, ignore_errors=True)
    tmp.rename(chunk)


def add(chunk: Path, name: str, df: pl.DataFrame) -> None:
    """Add (or replace) one frame of a written chunk."""
    tmp = chunk / f".{name}.parquet.tmp"
    df.select(list(SCHEMAS[name])).write_parquet(tmp, compression="lz4")
    tmp.replace(chunk / f"{name}.parquet")
