"""The DuckDB warehouse: schema and dimensions, one transaction per report, error log, snapshot.

One writer (docs/design.md): the pipeline holds the only read-write connection and analysts open the
snapshot `publish` makes. Loading is idempotent: a report whose content is unchanged is not written
again, so running twice leaves every table (loaded_at and run_id included) as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from . import frames, narrative
from . import template as T
from .bodies import Body
from .labels import clean

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SCHEMA_VERSION = "4"
# Every connection to a warehouse file (one process's connections to a file must agree):
# - DuckDB's own memory (default: 80 % of the machine); past it, large joins and sorts spill to disk;
# - a new file is written in DuckDB 1.3's storage format (DuckDB 1.3 or later reads it): its string
#   compression costs a seventh less load time than the default, 0.10.2's, and the file is smaller.
CONFIG = {"memory_limit": "512MB", "storage_compatibility_version": "v1.3.0"}
# How a writing connection compresses: without FSST, which the warehouse's strings (ids and codes, held
# as dictionaries) do not need. In a file of the 0.10.2 format (a warehouse made before 2026-12-04),
# choosing it cost an eighth of the load's time; the file is as small.
WRITING = "SET disabled_compression_methods = 'fsst'"

FACT_COLUMNS = {
    "fact_application": list(frames.APPLICATION),
    "fact_proactive": list(frames.PROACTIVE),
    "fact_review_litigation": list(frames.REVIEW_LITIGATION),
    "fact_narrative": list(narrative.STATEMENT),
}
# What makes a row of each table unique (checked when loading; the tables have no index).
KEYS = {"fact_application": ["report_id", "outcome_code", "applicant_code"],
        "fact_proactive": ["report_id", "item_code", "metric_code"],
        "fact_review_litigation": ["report_id", "proceeding_code", "result_code"],
        "fact_narrative": ["report_id", "statement_code"], "dq_result": ["report_id", "rule_id", "column_code"]}
DQ_COLUMNS = ["report_id", "rule_id", "column_code", "lhs", "rhs", "passed", "severity", "role"]
REPORT_TABLES = ("dim_report", *FACT_COLUMNS, "dq_result", "unread_row")


# --- Connection, schema and dimensions ------------------------------------------------------------


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse, apply schema.sql and views.sql, rebuild the dimensions."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config=CONFIG)
    try:
        con.execute(WRITING)
        con.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
        found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found and found[0] != SCHEMA_VERSION:
            raise RuntimeError(f"{path} has schema version {found[0]}, this code writes "
                               f"{SCHEMA_VERSION}: rebuild the warehouse")
        con.execute((SQL_DIR / "views.sql").read_text(encoding="utf-8"))
        with transaction(con):
            _fill_dimensions(con)
    except BaseException:
        con.close()
        raise
    return con


def _fill_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """Replace every dimension with its rows from pipelines.template (codes dropped there go too)."""
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    for table, rows in dimension_rows().items():
        con.execute(f"DELETE FROM {table}")
        _insert(con, table, pl.DataFrame(rows))


def dimension_rows() -> dict[str, list[dict]]:
    """Rows of each code dimension, in template order."""
    groups = {g.code: g for g in T.OUTCOME_GROUPS}
    outcomes: list[dict] = []
    for code in T.OUTCOMES:  # a group row goes just before its first member
        chain, parent = [], code.group
        while parent and parent not in {o["outcome_code"] for o in outcomes}:
            chain.append(groups[parent])
            parent = groups[parent].group
        for c, is_leaf in [*((g, False) for g in reversed(chain)), (code, True)]:
            outcomes.append({"outcome_code": c.code, "group_code": c.group, "label_zh": c.label_zh,
                             "label_en": c.label_en, "is_leaf": is_leaf, "templates": sorted(c.templates),
                             "sort_order": len(outcomes) + 1})
    items = {c.code: c for c in T.PROACTIVE_ITEMS}
    pairs: dict[tuple[str, str], list[str]] = {}
    for version, table in sorted(T.PROACTIVE_TABLES.items()):
        for item, metrics in table.items():
            for metric in metrics:
                pairs.setdefault((item, metric), []).append(version)
    order = {code: i for i, code in enumerate([*items, *T.METRIC_BY_CODE])}
    metrics = []
    for i, ((item, metric), versions) in enumerate(sorted(pairs.items(), key=lambda p: (
            order[p[0][0]], order[p[0][1]])), start=1):
        m = T.METRIC_BY_CODE[metric]
        metric_zh = "金额" if m.is_amount else m.label_zh  # amount_yuan's label names procurement only
        metrics.append({"item_code": item, "metric_code": metric,
                        "label_zh": f"{items[item].label_zh}/{metric_zh}",
                        "label_en": f"{items[item].label_en}: {m.label_en}", "unit": m.unit,
                        "may_be_negative": m.may_be_negative, "templates": versions, "sort_order": i})
    return {
        "dim_outcome": outcomes,
        "dim_applicant": [{"applicant_code": c.code, "label_zh": c.label_zh, "label_en": c.label_en,
                           "is_org": c.code in T.ORG_COLUMNS, "sort_order": i}
                          for i, c in enumerate(T.APPLICANTS, start=1)],
        "dim_proactive_metric": metrics,
        "dim_proceeding": [{"proceeding_code": c.code, "label_zh": c.label_zh, "label_en": c.label_en,
                            "is_litigation": c.code.startswith("litigation"), "sort_order": i}
                           for i, c in enumerate(T.PROCEEDINGS, start=1)],
        "dim_result": [{"result_code": c.code, "label_zh": c.label_zh, "label_en": c.label_en,
                        "sort_order": i} for i, c in enumerate(T.RESULTS, start=1)],
        "dim_rule": [{"rule_id": r.id, "description": r.description, "severity": r.severity,
                      "along": r.along, "comparison": r.comparison, "kind": r.kind, "title_zh": r.title_zh}
                     for r in T.RULES],
        "dim_rule_cell": rule_cells(),
    }


def rule_cells() -> list[dict]:
    """dim_rule_cell: each cell of each balance identity with its coefficient in lhs − rhs, per template."""
    rows = []
    for template in sorted(T.BOTH):
        rows_of = T.outcome_rows(template)
        for rule in T.REPORT_RULES:
            if rule.comparison != "equal":
                continue
            rhs = T.outcome_leaves(template) if rule.rhs == "leaves" else rule.rhs
            sides = [(code, 1) for code in rule.lhs] + [(code, -1) for code in rhs]
            if rule.along == "applicant":  # down a column: the codes are rows
                cells = [(col, row, col, c) for col in T.APPLICANT_CODES for row, c in sides]
            elif rule.along == "outcome":  # along a row: the codes are columns
                cells = [(row, row, col, c) for row in rows_of for col, c in sides]
            else:  # within one proceeding, reported as its lhs code
                cells = [("+".join(rule.lhs), rule.place, result, c) for result, c in sides]
            section = "review_litigation" if rule.along == "proceeding" else "applications"
            rows += [{"template": template, "rule_id": rule.id, "column_code": place,
                      "grp": rule.place or "applications", "section": section, "row_code": row,
                      "col_code": col, "coeff": coeff} for place, row, col, coeff in cells]
    return rows


# --- Agencies -------------------------------------------------------------------------------------


def agency_row(body: Body) -> dict:
    """dim_agency row of a body (pipelines.bodies): stable id, canonical name, level and places."""
    return {"agency_id": body.id, "name": body.name, "name_normalized": clean(body.name),
            "level": body.level, "province": body.province, "prefecture": body.prefecture,
            "county": body.county}


# --- Reports --------------------------------------------------------------------------------------


def load_reports(con: duckdb.DuckDBPyConnection, reports: pl.DataFrame, applications: pl.DataFrame,
                 proactive: pl.DataFrame, review_litigation: pl.DataFrame, checks: pl.DataFrame,
                 run_id: str, statements: pl.DataFrame | None = None, unread: pl.DataFrame | None = None) -> int:
    """Replace the rows of these reports (dim_report, facts, dq_result, unread_row) in one transaction.

    `reports` has frames.REPORT rows, `checks` is frames.CHECK plus a Boolean `passed`, `unread`
    frames.UNREAD rows, `statements` the numbers the prose states (narrative.STATEMENT). A report
    whose content is what is already loaded is left as it is. Returns how many reports were written.
    Which report of a body and year is current is decided afterwards, over the whole warehouse
    (pipelines.identity).
    """
    reports = reports.select(list(frames.REPORT))
    statements = frames.empty(narrative.STATEMENT) if statements is None else statements
    parts = {**{t: df.select(FACT_COLUMNS[t]) for t, df in
                zip(FACT_COLUMNS, (applications, proactive, review_litigation, statements))},
             "dq_result": checks.select(DQ_COLUMNS),
             "unread_row": (unread if unread is not None else frames.empty(frames.UNREAD)).select(list(frames.UNREAD))}
    for table, df in parts.items():
        if not df["report_id"].is_in(reports["report_id"].implode()).all():
            raise ValueError(f"{table} has rows of a report not in `reports`")
        if table in KEYS and df.select(KEYS[table]).is_duplicated().any():
            raise ValueError(f"{table} has two rows for one of its keys {KEYS[table]}")
    hashes = _content_hashes([reports, *parts.values()])
    con.register("_batch", hashes.to_arrow())
    try:
        stored = dict(con.execute("SELECT r.report_id, r.content_hash FROM dim_report r "
                                  "JOIN _batch b USING (report_id)").fetchall())
    finally:
        con.unregister("_batch")
    stored_hashes = pl.DataFrame(list(stored.items()), schema={"report_id": pl.String, "stored": pl.String},
                                 orient="row")
    changed = (hashes.join(stored_hashes, on="report_id", how="left", maintain_order="left")
               .filter(pl.col("stored").is_null() | (pl.col("stored") != pl.col("content_hash"))).drop("stored"))
    if changed.is_empty():
        return 0
    keep = pl.col("report_id").is_in(changed["report_id"].implode())
    failed = (parts["dq_result"].filter((pl.col("severity") == "error") & pl.col("passed").not_())
              ["report_id"].unique().implode())
    reports = reports.filter(keep)
    body = ["body", "level", "province", "prefecture", "county"]
    agencies = pl.DataFrame([agency_row(Body(*row)) for row in reports.select(body).drop_nulls("body")
                             .unique().iter_rows()], schema=AGENCY)
    dim_report = (
        reports.join(agencies.select("agency_id", body=pl.col("name")), on="body", how="left")
        .drop(body).rename({"agency": "agency_name"}).join(changed, on="report_id")
        .with_columns(dq_status=pl.when(pl.col("report_id").is_in(failed)).then(pl.lit("failed"))
                      .otherwise(pl.lit("passed")),
                      loaded_at=pl.lit(datetime.now(timezone.utc).replace(tzinfo=None), pl.Datetime("us")))
    )
    replaced = changed.filter(pl.col("report_id").is_in(list(stored)))  # rows to delete first
    with transaction(con):
        if not replaced.is_empty():  # (a scan of every table: skipped when every report is new)
            con.register("_replaced", replaced.select("report_id").to_arrow())
            try:
                for table in REPORT_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE report_id IN (SELECT report_id FROM _replaced)")
            finally:
                con.unregister("_replaced")
        _insert(con, "dim_report", dim_report)
        for table, df in parts.items():
            df = df.filter(keep)
            _insert(con, table, df.with_columns(run_id=pl.lit(run_id)) if table == "dq_result" else df)
        if not agencies.is_empty():
            con.register("_agencies", agencies.group_by("agency_id").agg(pl.all().min()).to_arrow())
            try:
                # A place one report of the body prints and another leaves out is kept (least ignores NULL).
                con.execute("INSERT INTO dim_agency BY NAME SELECT * FROM _agencies "
                            "ON CONFLICT (agency_id) DO UPDATE SET level = excluded.level, "
                            "province = least(dim_agency.province, excluded.province), "
                            "prefecture = least(dim_agency.prefecture, excluded.prefecture), "
                            "county = least(dim_agency.county, excluded.county)")
            finally:
                con.unregister("_agencies")
        con.execute("DELETE FROM dim_agency WHERE agency_id NOT IN "
                    "(SELECT agency_id FROM dim_report WHERE agency_id IS NOT NULL)")
    return changed.height


AGENCY = {"agency_id": pl.String, "name": pl.String, "name_normalized": pl.String, "level": pl.String,
          "province": pl.String, "prefecture": pl.String, "county": pl.String}


def _content_hashes(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Per report, a hash of its rows in every frame, independent of row order: (report_id, content_hash)."""
    per_frame = [
        df.select("report_id", h=pl.struct(pl.exclude("report_id")).hash(seed=0).cast(pl.String))
        .group_by("report_id").agg(**{f"h{i}": pl.col("h").sort().str.join(",")})
        for i, df in enumerate(parts)
    ]
    joined = per_frame[0]
    for frame in per_frame[1:]:
        joined = joined.join(frame, on="report_id", how="left")
    return joined.select("report_id", content_hash=pl.concat_str(pl.exclude("report_id"), separator="|",
                                                                 ignore_nulls=True).hash(seed=0).cast(pl.String))


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> None:
    """Insert a frame through Arrow, matching columns by name."""
    con.register("_incoming", df.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit the block's writes together, or none of them."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


# --- Ingest errors --------------------------------------------------------------------------------


def record_error(con: duckdb.DuckDBPyConnection, source_uri: str, sha256: str | None, stage: str,
                 error: str, now: datetime, parser_version: str | None = None) -> None:
    """Upsert a failure of one document at one stage: first_seen stays, error, last_seen and the
    parser version it failed with move (and a failure seen again is no longer retired)."""
    seen = _utc(now)
    con.execute("INSERT INTO ingest_error BY NAME SELECT ? AS source_uri, ? AS sha256, ? AS stage, "
                "? AS error, ? AS first_seen, ? AS last_seen, ? AS parser_version "
                "ON CONFLICT (source_uri, sha256, stage) DO UPDATE SET error = excluded.error, "
                "last_seen = excluded.last_seen, parser_version = excluded.parser_version, retired_at = NULL",
                [source_uri, sha256 or "", stage, error, seen, seen, parser_version])


def clear_errors(con: duckdb.DuckDBPyConnection, documents: list[tuple[str, str | None]]) -> None:
    """Forget the failures of documents (source_uri, sha256) that have now gone through."""
    con.register("_cleared", pl.DataFrame([(uri, sha or "") for uri, sha in documents],
                                          schema={"source_uri": pl.String, "sha256": pl.String},
                                          orient="row").to_arrow())
    try:
        con.execute("DELETE FROM ingest_error WHERE (source_uri, sha256) IN "
                    "(SELECT (source_uri, sha256) FROM _cleared)")
    finally:
        con.unregister("_cleared")


def _utc(moment: datetime) -> datetime:
    """Naive UTC, as stored in TIMESTAMP columns (a naive input is taken to be UTC already)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


# --- Snapshot and digest --------------------------------------------------------------------------


def publish(db_path: Path, snapshot_path: Path) -> None:
    """Copy the warehouse to a read-only snapshot, atomically replacing the previous one.

    A checkpoint first moves every committed write into the database file, which is then copied as
    it is (the run lock keeps other writers out); analysts with the old snapshot open keep reading it.
    """
    db_path, snapshot_path = Path(db_path), Path(snapshot_path)
    if not db_path.is_file():
        raise FileNotFoundError(db_path)
    tmp = snapshot_path.with_name(f".{snapshot_path.name}.tmp")
    try:
        with duckdb.connect(str(db_path), config=CONFIG) as con:
            con.execute(WRITING)
            con.execute("CHECKPOINT")
            shutil.copyfile(db_path, tmp)
        tmp.chmod(0o444)
        os.replace(tmp, snapshot_path)
    finally:
        tmp.unlink(missing_ok=True)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY table_name").fetchall()]


def table_digest(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """MD5 of each table's rows, sorted; equal digests mean equal contents."""
    return {t: con.execute(f'SELECT md5(coalesce(string_agg(line, chr(10) ORDER BY line), \'\')) '
                           f'FROM (SELECT CAST(r AS VARCHAR) AS line FROM "{t}" AS r)').fetchone()[0]
            for t in _tables(con)}


def state(con: duckdb.DuckDBPyConnection) -> tuple:
    """What the snapshot and the data-quality page show, in a few numbers: reports (their status and
    versions), failed checks, failed documents; not the run history, nor when a failure was last seen.
    Equal states: nothing to publish."""
    return con.execute("""
        SELECT (SELECT (count(*), sum(hash(report_id, status, dq_status, retired_at, loaded_at, superseded_by)))
                FROM dim_report),
               (SELECT (count(*), sum(hash(report_id, rule_id, column_code, lhs, rhs)) FILTER (WHERE NOT passed))
                FROM dq_result),
               (SELECT (count(*), sum(hash(source_uri, sha256, stage, error, retired_at))) FROM ingest_error)
        """).fetchone()


def published_state(snapshot_path: Path) -> tuple | None:
    """The state of the published snapshot, None if there is none."""
    if not Path(snapshot_path).is_file():
        return None
    with read_only(snapshot_path) as con:
        return state(con)


def read_only(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A reading connection to a warehouse or snapshot, within the pipeline's memory limit."""
    return duckdb.connect(str(path), read_only=True, config=CONFIG)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(con)}


def failed(con: duckdb.DuckDBPyConnection, parser_version: str) -> set[str]:
    """SHA-256 of the documents that failed with this parser version (same bytes would fail again)."""
    return {sha for (sha,) in con.execute(
        "SELECT sha256 FROM ingest_error WHERE parser_version = ? AND sha256 <> ''", [parser_version]).fetchall()}


def loaded(con: duckdb.DuckDBPyConnection, parser_version: str) -> set[str]:
    """SHA-256 of the documents already loaded by this parser version (nothing to redo for them)."""
    return {sha for (sha,) in con.execute(
        "SELECT sha256 FROM dim_report WHERE parser_version = ?", [parser_version]).fetchall()}
