"""Report identity over the warehouse: one current report per body, year and scope.

A report is (body, year, scope). When several documents have the same identity, the newest is
current and the others are superseded (kept, with the current one and the reason). Newer means:
the later signing date printed in the report, when every version prints one; otherwise the later
first fetch (first_seen in the landing zone's manifest); equal on both, the larger SHA-256, only so
that the choice is stable (the reason says it was a tie). Identical bytes are one report. A scope
of 'unknown' joins the body and year's one known scope, if it has exactly one; a report without a
body or a year is an identity of its own.

A report whose bytes no source served in this run is retired (retired_at, not deleted) and leaves
the current views; it comes back when a source serves the bytes again. A source the run could not
fetch retires nothing it may hold. The same goes for the ingest errors of documents that vanished.
Everything here is a handful of set-based statements over the warehouse.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from .load import transaction

# The status every report should have now, and why (one row per report).
_STATUS = """
WITH live AS (
    SELECT report_id, agency_id, report_year, scope, published_date, first_seen, sha256
    FROM dim_report WHERE retired_at IS NULL
),
known AS (
    SELECT agency_id, report_year, count(DISTINCT scope) AS scopes, min(scope) AS scope
    FROM live WHERE scope <> 'unknown' GROUP BY ALL
),
keyed AS (
    SELECT l.*,
           CASE WHEN l.agency_id IS NULL OR l.report_year IS NULL THEN l.report_id
                WHEN l.scope <> 'unknown' THEN l.scope
                WHEN k.scopes = 1 THEN k.scope
                ELSE 'unknown' END AS identity_scope
    FROM live l LEFT JOIN known k ON k.agency_id = l.agency_id AND k.report_year = l.report_year
),
dated AS (
    SELECT *, bool_and(published_date IS NOT NULL) OVER identity AS all_dated
    FROM keyed
    WINDOW identity AS (PARTITION BY agency_id, report_year, identity_scope)
),
ranked AS (
    SELECT *, row_number() OVER newest_first AS rank,
           first_value(report_id) OVER newest_first AS newest,
           first_value(published_date) OVER newest_first AS newest_published,
           first_value(first_seen) OVER newest_first AS newest_seen
    FROM dated
    WINDOW newest_first AS (PARTITION BY agency_id, report_year, identity_scope
                            ORDER BY CASE WHEN all_dated THEN published_date END DESC NULLS LAST,
                                     first_seen DESC NULLS LAST, sha256 DESC)
)
SELECT report_id,
       CASE WHEN rank = 1 THEN 'current' ELSE 'superseded' END AS status,
       CASE WHEN rank > 1 THEN newest END AS superseded_by,
       CASE WHEN rank = 1 THEN NULL
            WHEN all_dated AND newest_published > published_date
                THEN 'newer signing date: ' || newest_published || ' after ' || published_date
            WHEN newest_seen > first_seen
                THEN 'newer: first fetched ' || strftime(newest_seen, '%Y-%m-%d %H:%M:%S') || ' UTC, after '
                     || strftime(first_seen, '%Y-%m-%d %H:%M:%S') || ' UTC'
                     || CASE WHEN all_dated THEN '' ELSE ' (the versions do not all print a signing date)' END
            ELSE 'tie: same signing date and first fetch; the larger SHA-256 is kept current' END AS reason
FROM ranked
UNION ALL
SELECT report_id, 'retired', NULL, 'no source served this document since '
       || strftime(retired_at, '%Y-%m-%d %H:%M:%S') || ' UTC'
FROM dim_report WHERE retired_at IS NOT NULL
"""


def refresh(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Set every report's status (current, superseded, retired) from the warehouse as it now is.

    Only rows whose status, successor or reason change are written (status_since moves with them),
    so a run with nothing new changes nothing. Returns how many reports changed.
    """
    return con.execute(f"""
        WITH target AS ({_STATUS})
        UPDATE dim_report d SET status = t.status, superseded_by = t.superseded_by,
                                status_reason = t.reason, status_since = ?
        FROM target t
        WHERE d.report_id = t.report_id AND (d.status IS DISTINCT FROM t.status
              OR d.superseded_by IS DISTINCT FROM t.superseded_by OR d.status_reason IS DISTINCT FROM t.reason)
        """, [now]).fetchone()[0]


def retire(con: duckdb.DuckDBPyConnection, served: list[str], unreachable: list[str], now: datetime) -> None:
    """Retire reports and ingest errors whose documents no source served this run; revive those served.

    `served` is the SHA-256 of every document the sources gave this run, `unreachable` the sources
    that could not be fetched (nothing under them is retired: the run could not look).
    """
    con.register("_served", pl.DataFrame({"sha256": served}, schema={"sha256": pl.String}).to_arrow())
    con.register("_unreachable", pl.DataFrame({"uri": unreachable}, schema={"uri": pl.String}).to_arrow())
    under = "EXISTS (SELECT 1 FROM _unreachable u WHERE {0} = u.uri OR starts_with({0}, rtrim(u.uri, '/') || '/'))"
    try:
        with transaction(con):
            con.execute(f"""UPDATE dim_report SET retired_at = ? WHERE retired_at IS NULL
                            AND sha256 NOT IN (SELECT sha256 FROM _served) AND NOT {under.format('source_uri')}""",
                        [now])
            con.execute("UPDATE dim_report SET retired_at = NULL WHERE retired_at IS NOT NULL "
                        "AND sha256 IN (SELECT sha256 FROM _served)")
            # A document's error goes with the document; a fetch error with its source (fixed or removed).
            con.execute(f"""UPDATE ingest_error SET retired_at = ? WHERE retired_at IS NULL AND (
                                (stage <> 'fetch' AND sha256 NOT IN (SELECT sha256 FROM _served)
                                 AND NOT {under.format('source_uri')})
                                OR (stage = 'fetch' AND source_uri NOT IN (SELECT uri FROM _unreachable)))""",
                        [now])
    finally:
        con.unregister("_served")
        con.unregister("_unreachable")
