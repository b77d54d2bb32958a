"""The batch as plain Python (no Dagster): extract landed files, validate, load, summarise.

Each function is one stage; the Dagster assets and the benchmarks call them, so the pipeline has
one implementation whatever runs it.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import polars as pl

from . import frames, load, validate
from .errors import IngestError
from .extract import Extracted
from .fetch import RawFile
from .ingest import PARSER_VERSION, process


@dataclass(frozen=True)
class Outcome:
    """What became of one landed file: an extracted report, or the error that stopped it."""

    raw: RawFile
    report: Extracted | None = None
    error: IngestError | None = None


def source_name(uri: str) -> str:
    return Path(urlparse(uri).path).name or uri


def extract_one(raw: RawFile) -> Outcome:
    try:
        return Outcome(raw, process(raw.path.read_bytes(), source_name(raw.source_uri), raw.charset))
    except IngestError as error:
        return Outcome(raw, error=error)


def extract_files(files: list[RawFile], *, workers: int = 1, progress=None) -> list[Outcome]:
    """Extract every file; failures are outcomes too, so the rest of the batch carries on."""
    outcomes: list[Outcome] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for outcome in pool.map(extract_one, files, chunksize=16):
                outcomes.append(outcome)
                if progress:
                    progress(len(outcomes), len(files), outcome.raw.source_uri)
        return outcomes
    for raw in files:
        outcomes.append(extract_one(raw))
        if progress:
            progress(len(outcomes), len(files), raw.source_uri)
    return outcomes


def reports(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.report is not None]


def frame(outcomes: list[Outcome], name: str) -> pl.DataFrame:
    """All reports' `applications`, `proactive` or `review_litigation` rows in one frame."""
    schema = {"applications": frames.APPLICATION, "proactive": frames.PROACTIVE,
              "review_litigation": frames.REVIEW_LITIGATION}[name]
    parts = [getattr(o.report, name) for o in reports(outcomes)]
    return pl.concat(parts) if parts else frames.empty(schema)


def report_row(o: Outcome) -> pl.DataFrame:
    r = o.report
    return pl.DataFrame([{
        "report_id": r.report_id, "source_uri": o.raw.source_uri, "sha256": o.raw.sha256,
        "media_type": r.media_type, "encoding": r.encoding, "agency": r.agency, "report_year": r.year,
        "template_version": r.template, "scope": r.scope, "published_date": r.published,
        "parser_version": PARSER_VERSION,
    }], schema=frames.REPORT)


def check(outcomes: list[Outcome], docs_dir: Path | None = None) -> pl.DataFrame:
    """Every hard rule on every report, judged by the GX suites in expectations/."""
    checks = validate.build_checks(frame(outcomes, "applications"), frame(outcomes, "review_litigation"),
                                   frame(outcomes, "proactive"),
                                   {o.report.report_id: o.report.template for o in reports(outcomes)})
    return validate.run_suites(checks, docs_dir=docs_dir)


def pending(db_path: Path, files: list[RawFile]) -> list[RawFile]:
    """The files this parser version has not loaded yet: a nightly run costs what is new or changed."""
    if not Path(db_path).exists():
        return files
    con = load.connect(db_path)
    try:
        done = load.loaded(con, PARSER_VERSION)
    finally:
        con.close()
    return [f for f in files if f.sha256 not in done]


def load_all(db_path: Path, outcomes: list[Outcome], checks: pl.DataFrame, run_id: str,
             fetch_errors: list[IngestError] = (), chunk: int = 500) -> int:
    """Load the reports (each chunk in one transaction) and record every failure; the one writer.
    Returns how many reports were written (unchanged ones are not)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    good = reports(outcomes)
    con = load.connect(db_path)
    try:
        for error in fetch_errors:
            load.record_error(con, error.source, None, error.stage, error.reason, now)
        for o in outcomes:
            if o.error is not None:
                load.record_error(con, o.raw.source_uri, o.raw.sha256, o.error.stage, o.error.reason, now)
        written = 0
        for start in range(0, len(good), chunk):
            part = good[start:start + chunk]
            ids = pl.Series([o.report.report_id for o in part]).implode()
            written += load.load_reports(
                con, pl.concat([report_row(o) for o in part]), frame(part, "applications"),
                frame(part, "proactive"), frame(part, "review_litigation"),
                checks.filter(pl.col("report_id").is_in(ids)), run_id)
            load.clear_errors(con, [(o.raw.source_uri, o.raw.sha256) for o in part])
        return written
    finally:
        con.close()
