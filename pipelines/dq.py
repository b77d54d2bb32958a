"""Checks on the warehouse: every run judges the current warehouse, not the batch it loaded.

After each load, `refresh`:
- re-checks every report (from the facts in the warehouse, a chunk of reports at a time) when the
  rules changed since the warehouse was last checked (meta.rules_fingerprint: template.RULES and
  the GX suites);
- recomputes the rows of the warehouse rules (cross-year, narrative) for the current reports with
  one SQL statement per rule, and has GX judge only the rows that are new or whose sides changed:
  a row's verdict is kept until its sides or the rules change, so a quiet night costs a few
  group-bys and states the same truth as the night that loaded the data;
- records the run in dq_run and, per rule, in dq_run_rule (current reports checked, failed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime

import duckdb
import polars as pl

from . import frames, validate
from . import template as T
from .load import transaction

CHUNK_REPORTS = 2_000  # reports re-checked per chunk after a rule change
CHUNK_ROWS = 200_000  # check rows per GX validation

# One statement per warehouse rule: (report_id, column_code, lhs, rhs, related_report_id) of the
# current reports; a row only where both sides could be computed. v_previous_report (views.sql)
# pairs a report with the same body's report of the year before.
SQL = {
    "cross_year.carried_forward_equals_next_carried_over": """
        SELECT p.report_id, b.applicant_code AS column_code, a.value AS lhs, b.value AS rhs,
               p.previous_id AS related_report_id
        FROM v_previous_report p
        JOIN fact_application b ON b.report_id = p.report_id AND b.outcome_code = 'carried_over'
        JOIN fact_application a ON a.report_id = p.previous_id AND a.outcome_code = 'carried_forward'
            AND a.applicant_code = b.applicant_code
        WHERE a.value IS NOT NULL AND b.value IS NOT NULL""",
    "cross_year.in_force_stock_flow": """
        WITH m AS (SELECT report_id, item_code, metric_code, value FROM fact_proactive
                   WHERE metric_code IN ('in_force', 'issued', 'abolished') AND value IS NOT NULL)
        SELECT p.report_id, now_.item_code AS column_code, before.value + issued.value - abolished.value AS lhs,
               now_.value AS rhs, p.previous_id AS related_report_id
        FROM v_previous_report p
        JOIN m now_ ON now_.report_id = p.report_id AND now_.metric_code = 'in_force'
        JOIN m issued ON issued.report_id = p.report_id AND issued.item_code = now_.item_code
            AND issued.metric_code = 'issued'
        JOIN m abolished ON abolished.report_id = p.report_id AND abolished.item_code = now_.item_code
            AND abolished.metric_code = 'abolished'
        JOIN m before ON before.report_id = p.previous_id AND before.item_code = now_.item_code
            AND before.metric_code = 'in_force'""",
    "narrative.stated_numbers_equal_table": """
        WITH tables AS (
            SELECT report_id, outcome_code AS code, value FROM fact_application
            WHERE applicant_code = 'total'
              AND outcome_code IN ('received', 'carried_over', 'total_handled', 'carried_forward')
            UNION ALL
            SELECT report_id, 'review', value FROM fact_review_litigation
            WHERE proceeding_code = 'review' AND result_code = 'total'
            UNION ALL
            SELECT report_id, 'litigation', CASE WHEN count(value) = 2 THEN sum(value) END
            FROM fact_review_litigation
            WHERE proceeding_code IN ('litigation_direct', 'litigation_after_review') AND result_code = 'total'
            GROUP BY report_id
        )
        SELECT n.report_id, n.statement_code AS column_code, n.value AS lhs, t.value AS rhs,
               NULL AS related_report_id
        FROM fact_narrative n
        JOIN dim_report r ON r.report_id = n.report_id AND r.status = 'current'
        JOIN tables t ON t.report_id = n.report_id AND t.code = n.statement_code
        WHERE t.value IS NOT NULL""",
}
WAREHOUSE_RULES = tuple(r for r in T.RULES if r.kind != "report")
_CHECK_ROWS = {**frames.CHECK, "related_report_id": pl.String}


def fingerprint() -> str:
    """Changes whenever a rule or a committed GX suite changes: what a verdict depends on. (The rows
    of the warehouse rules are recomputed on every run anyway.)"""
    suites = {p.name: p.read_text(encoding="utf-8") for p in sorted(validate.EXPECTATIONS_DIR.glob("*.json"))}
    text = json.dumps([[asdict(r) for r in T.RULES], suites], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def refresh(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, reports_loaded: int = 0,
            judged: int = 0) -> int:
    """Re-check after a load (see the module docstring); `judged` check rows were judged by the load.

    Returns how many check rows GX judged in this call. Writes one dq_run row for `run_id`.
    """
    suites = _LazySuites()
    current = fingerprint()
    stored = con.execute("SELECT value FROM meta WHERE key = 'rules_fingerprint'").fetchone()
    # A warehouse never refreshed holds only rows its loads judged, by these rules.
    changed = stored is not None and stored[0] != current
    count = _recheck_reports(con, run_id, suites) if changed else 0
    count += _warehouse_rules(con, run_id, suites, everything=changed)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('rules_fingerprint', ?)", [current])
    _record_run(con, run_id, now, current, reports_loaded, judged + count)
    return count


class _LazySuites:
    """validate.Suites, set up (GX imported) only when something needs judging."""

    def __init__(self):
        self._suites = None

    def judge(self, checks: pl.DataFrame) -> pl.DataFrame:
        self._suites = self._suites or validate.Suites()
        return self._suites.judge(checks)


def _judge(suites, rows: pl.DataFrame) -> pl.DataFrame:
    """GX verdicts for check rows, CHUNK_ROWS at a time."""
    rows = rows.with_row_index("check_id").with_columns(pl.col("check_id").cast(pl.Int64))
    if rows.is_empty():
        return rows.with_columns(passed=pl.lit(None, pl.Boolean))
    return pl.concat([suites.judge(rows.slice(start, CHUNK_ROWS)) for start in range(0, rows.height, CHUNK_ROWS)])


def _recheck_reports(con: duckdb.DuckDBPyConnection, run_id: str, suites) -> int:
    """Rebuild and re-judge the report rules of every report from the warehouse's facts, by chunks."""
    templates = dict(con.execute("SELECT report_id, template_version FROM dim_report ORDER BY report_id").fetchall())
    ids = list(templates)
    rules = [r.id for r in T.REPORT_RULES]
    count = 0
    for start in range(0, len(ids), CHUNK_REPORTS):
        chunk = ids[start:start + CHUNK_REPORTS]
        con.register("_chunk", pl.DataFrame({"report_id": chunk}).to_arrow())
        try:
            facts = {name: con.execute(f"SELECT {', '.join(schema)} FROM {table} "
                                       f"WHERE report_id IN (SELECT report_id FROM _chunk)").pl()
                     .cast(schema) for name, table, schema in (
                         ("applications", "fact_application", frames.APPLICATION),
                         ("review_litigation", "fact_review_litigation", frames.REVIEW_LITIGATION),
                         ("proactive", "fact_proactive", frames.PROACTIVE))}
            used = con.execute("SELECT report_id, rule_id, column_code FROM dq_result WHERE role = 'used' "
                               "AND report_id IN (SELECT report_id FROM _chunk)").pl().cast(frames.USED)
            checks = validate.build_checks(facts["applications"], facts["review_litigation"], facts["proactive"],
                                           {rid: templates[rid] for rid in chunk}, used)
            judged = _judge(suites, checks.drop("check_id"))
            with transaction(con):
                con.execute("DELETE FROM dq_result WHERE report_id IN (SELECT report_id FROM _chunk) "
                            "AND rule_id IN (SELECT unnest(?))", [rules])
                _insert(con, judged.with_columns(related_report_id=pl.lit(None, pl.String)), run_id)
                con.execute("""UPDATE dim_report r SET dq_status = CASE WHEN EXISTS (
                                   SELECT 1 FROM dq_result d WHERE d.report_id = r.report_id
                                   AND d.severity = 'error' AND NOT d.passed) THEN 'failed' ELSE 'passed' END
                               WHERE report_id IN (SELECT report_id FROM _chunk)""")
        finally:
            con.unregister("_chunk")
        count += judged.height
    return count


def _warehouse_rules(con: duckdb.DuckDBPyConnection, run_id: str, suites, everything: bool) -> int:
    """Recompute the warehouse rules' rows; judge the new and changed ones; drop the stale ones."""
    rules = {r.id: r for r in WAREHOUSE_RULES}
    union = " UNION ALL ".join(f"SELECT report_id, '{rid}' AS rule_id, column_code, "
                               f"CAST(lhs AS DECIMAL(18, 2)) AS lhs, CAST(rhs AS DECIMAL(18, 2)) AS rhs, "
                               f"'{rules[rid].severity}' AS severity, 'tested' AS role, related_report_id FROM ({SQL[rid]})"
                               for rid in rules)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rows AS {union}")
    try:
        same = """d.report_id = s.report_id AND d.rule_id = s.rule_id AND d.column_code = s.column_code
                  AND d.lhs IS NOT DISTINCT FROM s.lhs AND d.rhs IS NOT DISTINCT FROM s.rhs
                  AND d.related_report_id IS NOT DISTINCT FROM s.related_report_id"""
        fresh = con.execute(f"SELECT * FROM _rows s WHERE ? OR NOT EXISTS "
                            f"(SELECT 1 FROM dq_result d WHERE {same})", [everything]).pl()
        judged = _judge(suites, fresh.cast({k: v for k, v in _CHECK_ROWS.items() if k != "check_id"}))
        with transaction(con):
            con.execute(f"""DELETE FROM dq_result d WHERE rule_id IN (SELECT unnest(?)) AND (?
                            OR NOT EXISTS (SELECT 1 FROM _rows s WHERE {same}))""", [list(rules), everything])
            _insert(con, judged, run_id)
    finally:
        con.execute("DROP TABLE IF EXISTS _rows")
    return judged.height


def _insert(con: duckdb.DuckDBPyConnection, judged: pl.DataFrame, run_id: str) -> None:
    con.register("_judged", judged.select("report_id", "rule_id", "column_code", "lhs", "rhs", "passed",
                                          "severity", "role", "related_report_id").to_arrow())
    try:
        con.execute("INSERT INTO dq_result BY NAME SELECT *, ? AS run_id FROM _judged", [run_id])
    finally:
        con.unregister("_judged")


def _record_run(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, rules: str, loaded: int,
                judged: int) -> None:
    with transaction(con):
        con.execute("DELETE FROM dq_run WHERE run_id = ?", [run_id])
        con.execute("DELETE FROM dq_run_rule WHERE run_id = ?", [run_id])
        con.execute("""
            INSERT INTO dq_run
            SELECT ?, ?, ?, ?, ?,
                   count(*) FILTER (WHERE status = 'current'),
                   count(*) FILTER (WHERE status = 'superseded'),
                   count(*) FILTER (WHERE status = 'retired'),
                   count(*) FILTER (WHERE status = 'current' AND dq_status = 'failed'),
                   (SELECT count(DISTINCT d.report_id) FROM dq_result d JOIN dim_report r USING (report_id)
                    WHERE r.status = 'current' AND d.severity = 'warning' AND NOT d.passed),
                   (SELECT count(*) FROM ingest_error WHERE retired_at IS NULL)
            FROM dim_report""", [run_id, now, rules, loaded, judged])
        con.execute("""
            INSERT INTO dq_run_rule
            SELECT ?, ru.rule_id, ru.severity, count(DISTINCT d.report_id),
                   count(DISTINCT d.report_id) FILTER (WHERE NOT d.passed), count(*) FILTER (WHERE NOT d.passed)
            FROM dim_rule ru
            LEFT JOIN (SELECT d.* FROM dq_result d JOIN dim_report r ON r.report_id = d.report_id
                       AND r.status = 'current' WHERE d.role = 'tested') d ON d.rule_id = ru.rule_id
            GROUP BY ALL""", [run_id])
