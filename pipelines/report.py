"""What the warehouse says about data quality: the run summary and the analysts' data-quality page."""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb

from .batch import source_name

_REPORTS = """
    SELECT r.source_uri, a.name, r.report_year, r.template_version, r.dq_status,
           count(*) FILTER (WHERE NOT q.passed) AS failed_checks, count(q.rule_id) AS checks
    FROM dim_report r LEFT JOIN dim_agency a USING (agency_id) LEFT JOIN dq_result q USING (report_id)
    GROUP BY ALL ORDER BY r.dq_status, a.name, r.report_year, r.source_uri"""
_FAILURES = """
    SELECT source_uri, agency, report_year, rule_id, column_code, lhs, rhs, difference
    FROM v_dq_failures ORDER BY agency, report_year, rule_id, column_code"""
_ERRORS = "SELECT source_uri, stage, error, first_seen, last_seen FROM ingest_error ORDER BY source_uri, stage"


def summary(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Reports loaded, documents failed (why), and the rules each flagged report breaks."""
    reports = con.execute(_REPORTS).fetchall()
    errors = con.execute(_ERRORS).fetchall()
    broken = con.execute("""
        SELECT source_uri, agency, report_year, string_agg(DISTINCT rule_id, ', ' ORDER BY rule_id)
        FROM v_dq_failures GROUP BY ALL ORDER BY agency, report_year""").fetchall()
    partial = con.execute("""
        SELECT r.source_uri, string_agg(DISTINCT coalesce(u.row_code, u.section), ', ' ORDER BY 1)
        FROM dim_report r JOIN unread_row u USING (report_id) GROUP BY ALL ORDER BY 1""").fetchall()
    lines = [f"reports loaded: {len(reports)}", f"documents failed: {len(errors)}"]
    lines += [f"  {source_name(uri)}  {stage}: {error}" for uri, stage, error, *_ in errors]
    lines.append(f"reports read in part: {len(partial)}")
    lines += [f"  {source_name(uri)}  not read: {what}" for uri, what in partial]
    lines.append(f"reports failing a rule: {len(broken)}")
    lines += [f"  {source_name(uri)}  {agency or '?'}  {year or '?'}: {rules}" for uri, agency, year, rules in broken]
    return lines


def write_dq_page(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """A static HTML page for analysts: every report's status, every failed check, every failed document."""
    sections = [
        ("Reports", ("source", "agency", "year", "template", "status", "failed checks", "checks"),
         con.execute(_REPORTS).fetchall()),
        ("Failed checks (both sides of each identity)",
         ("source", "agency", "year", "rule", "column", "lhs", "rhs", "lhs − rhs"), con.execute(_FAILURES).fetchall()),
        ("Documents that could not be read", ("source", "stage", "reason", "first seen", "last seen"),
         con.execute(_ERRORS).fetchall()),
    ]
    body = [f"<h2>{escape(title)} ({len(rows)})</h2>" + _table(header, rows) for title, header, rows in sections]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!doctype html><meta charset='utf-8'><title>xxgk data quality</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
        "table{border-collapse:collapse}</style><h1>xxgk warehouse: data quality</h1>"
        "<p>Rules: see the rule catalogue in the README; the GX validation pages are in "
        "<a href='gx/index.html'>gx/</a>.</p>" + "".join(body), encoding="utf-8")
    return path


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    cells = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                    for row in rows)
    return f"<table><tr>{head}</tr>{cells}</table>"
