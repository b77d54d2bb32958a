"""The warehouse loader on real DuckDB files: idempotence, replacement, dq status, views, snapshot."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from pipelines import bodies, frames, load
from pipelines import template as T

RID = "r0000000000000001"
ZERO_ROWS = {code: 0 for code in T.APPLICANT_CODES}


def section3(template: str = T.T2021, **rows: dict[str, int | None]) -> pl.DataFrame:
    """Every section 三 cell of the template, 0 unless given as row=dict(column=value)."""
    return pl.DataFrame(
        [{"report_id": RID, "outcome_code": o, "applicant_code": a, "value": v,
          "raw_text": "?" if v is None else str(v), "ref": f"table1:{o}:{a}", "method": "read"}
         for o in T.outcome_rows(template) for a, v in {**ZERO_ROWS, **rows.get(o, {})}.items()],
        schema=frames.APPLICATION)


def cells(n_person: int, n_commercial: int) -> dict[str, int]:
    return {"natural_person": n_person, "commercial": n_commercial, "total": n_person + n_commercial}


# Balanced: 6 received + 2 carried over = 8 handled + 0 forward; 3 + 1 + 2 + 1 + 1 = 8.
BALANCED = dict(
    received=cells(5, 1), carried_over=cells(2, 0), disclosed=cells(2, 1),
    partially_disclosed=cells(1, 0), **{"unavailable.not_held": cells(2, 0),
                                        "rejected.duplicate": cells(1, 0), "other.misc": cells(1, 0)},
    total_handled=cells(7, 1),
)


def report(agency: str = "淮安市洪泽区人民政府") -> pl.DataFrame:
    body = bodies.resolve(agency)
    return pl.DataFrame([{
        "report_id": RID, "source_uri": "file:///sample/003.txt", "sha256": "ab" * 32,
        "media_type": "text/plain", "encoding": "utf-8", "agency": agency, "report_year": 2021,
        "template_version": T.T2021, "scope": "self", "published_date": date(2022, 1, 28),
        "parser_version": "0.2.0", "first_seen": datetime(2022, 2, 1, 8), "body": body.name,
        "level": body.level, "province": body.province, "prefecture": body.prefecture, "county": body.county,
        "extract_status": "complete", "status_proactive": "read", "status_applications": "read",
        "status_review_litigation": "read",
    }], schema=frames.REPORT)


def proactive(fee: Decimal | None = Decimal("2400.00")) -> pl.DataFrame:
    return pl.DataFrame([
        {"report_id": RID, "item_code": "rules", "metric_code": "in_force", "value": Decimal(5),
         "raw_text": "5", "ref": "p2", "method": "read"},
        {"report_id": RID, "item_code": "fees", "metric_code": "amount_yuan", "value": fee,
         "raw_text": "0.24" if fee is not None else "■", "ref": "p2", "method": "read"},
    ], schema=frames.PROACTIVE)


def review_litigation() -> pl.DataFrame:
    values = {"review": (2, 1, 0, 1, 4), "litigation_direct": (1, 1, 0, 0, 2),
              "litigation_after_review": (0, 0, 0, 0, 0)}
    return pl.DataFrame([{"report_id": RID, "proceeding_code": p, "result_code": r, "value": v,
                          "raw_text": str(v), "ref": "p4", "method": "read"}
                         for p, row in values.items() for r, v in zip(T.RESULT_CODES, row)],
                        schema=frames.REVIEW_LITIGATION)


def checks(passed: bool = True, severity: str = "error") -> pl.DataFrame:
    rule = "balance.received_plus_carried_equals_handled_plus_forward"
    rows = [(1, rule, "total", Decimal(8), Decimal(8) if passed else Decimal(9), severity, "tested", passed),
            (2, "balance.review_total_equals_sum_of_results", "review", Decimal(4), Decimal(4), "error", "tested",
             True)]
    return pl.DataFrame([dict(zip([*frames.CHECK, "passed"], (r[0], RID, *r[1:]))) for r in rows],
                        schema={**frames.CHECK, "passed": pl.Boolean})


def load_sample(con, *, meta=None, applications=None, values=None, results=None, run_id="run-1") -> bool:
    """Load the sample report, with any of its frames (report, section 三, section 二, checks) swapped."""
    return 1 == load.load_reports(
        con, report() if meta is None else meta, section3(**BALANCED) if applications is None else applications,
        proactive() if values is None else values, review_litigation(), checks() if results is None else results,
        run_id)


@pytest.fixture
def con(tmp_path):
    con = load.connect(tmp_path / "warehouse" / "xxgk.duckdb")
    yield con
    con.close()


def test_connect_is_idempotent_and_fills_dimensions(tmp_path):
    path = tmp_path / "xxgk.duckdb"
    with load.connect(path) as first:
        digest = load.table_digest(first)
    with load.connect(path) as con:
        assert load.table_digest(con) == digest
        groups = con.sql("SELECT outcome_code FROM dim_outcome WHERE NOT is_leaf ORDER BY sort_order").fetchall()
        assert [g for (g,) in groups] == ["results", "denied", "unavailable", "rejected", "other_total"]
        assert con.sql("SELECT count(*) FROM dim_applicant WHERE is_org").fetchone() == (5,)
        assert con.sql("SELECT count(*) FROM dim_rule").fetchone() == (len(T.RULES),)
        assert con.sql("SELECT templates, unit FROM dim_proactive_metric WHERE item_code = 'licensing' "
                       "AND metric_code = 'decisions'").fetchone() == (["2019", "2021"], "件")
        assert con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (load.SCHEMA_VERSION,)


def test_load_then_query_facts(con):
    assert load_sample(con)
    assert con.sql("SELECT count(*) FROM fact_application").fetchone() == (25 * 7,)
    assert con.sql("SELECT value, raw_text, ref FROM fact_application WHERE outcome_code = 'received' "
                   "AND applicant_code = 'total'").fetchone() == (6, "6", "table1:received:total")
    assert con.sql("SELECT value FROM fact_proactive WHERE item_code = 'fees'").fetchone() == (Decimal("2400.00"),)
    assert con.sql("SELECT count(*) FROM fact_review_litigation").fetchone() == (15,)
    agency = con.sql("SELECT a.name, a.level, a.province, a.prefecture, a.county, r.agency_name, r.dq_status "
                     "FROM dim_report r JOIN dim_agency a USING (agency_id)").fetchone()
    assert agency == ("淮安市洪泽区人民政府", "county", None, "淮安市", "洪泽区", "淮安市洪泽区人民政府", "passed")


def test_same_report_twice_gives_identical_tables(con):
    assert load_sample(con, run_id="run-1")
    digest = load.table_digest(con)
    assert not load_sample(con, run_id="run-2")
    assert load.table_digest(con) == digest


def test_reconnect_and_reload_in_a_new_session_change_nothing(tmp_path):
    path = tmp_path / "xxgk.duckdb"
    with load.connect(path) as con:
        load_sample(con)
        digest = load.table_digest(con)
    with load.connect(path) as con:
        assert not load_sample(con, run_id="run-2")
        assert load.table_digest(con) == digest


def test_a_new_warehouse_opens_in_duckdb_1_3_and_an_older_file_still_loads(tmp_path):
    """The README's promise: a new warehouse is in DuckDB 1.3's storage format (DuckDB 1.3 and later open
    it); a file in DuckDB's default format (a warehouse made before) keeps it and loads as before."""
    new, old = tmp_path / "new.duckdb", tmp_path / "old.duckdb"
    duckdb.connect(str(old)).close()
    for path in (new, old):
        with load.connect(path) as con:
            assert load_sample(con)
    formats = {}
    for path in (new, old):
        with duckdb.connect(str(path), read_only=True) as con:
            formats[path.stem] = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                                             "WHERE database_name = ?", [path.stem]).fetchone()[0]
            assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 1
    assert formats["new"] == "v1.3.0+" and formats["old"] != formats["new"]


def test_other_schema_version_is_refused(tmp_path):
    path = tmp_path / "xxgk.duckdb"
    with load.connect(path) as con:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(RuntimeError, match="schema version 0"):
        load.connect(path)


def test_reload_with_changed_values_replaces_rows(con):
    load_sample(con)
    changed = {**BALANCED, "received": cells(6, 1), "total_handled": cells(8, 1), "disclosed": cells(3, 1)}
    assert load_sample(con, applications=section3(**changed), run_id="run-2")
    assert con.sql("SELECT count(*) FROM fact_application").fetchone() == (25 * 7,)
    assert con.sql("SELECT count(*) FROM dim_report").fetchone() == (1,)
    assert con.sql("SELECT value FROM fact_application WHERE outcome_code = 'received' "
                   "AND applicant_code = 'total'").fetchone() == (7,)
    assert con.sql("SELECT DISTINCT run_id FROM dq_result").fetchall() == [("run-2",)]


def test_renamed_agency_leaves_no_orphan(con):
    load_sample(con)
    load_sample(con, meta=report(agency="淮安市人民政府"))
    assert con.sql("SELECT name, level FROM dim_agency").fetchall() == [("淮安市人民政府", "prefecture")]


def test_failing_error_check_fails_the_report(con):
    load_sample(con, results=checks(passed=False))
    assert con.sql("SELECT dq_status FROM dim_report").fetchone() == ("failed",)
    failure = con.sql("SELECT agency, report_year, source_uri, rule_id, column_code, lhs, rhs, difference "
                      "FROM v_dq_failures").fetchall()
    assert failure == [("淮安市洪泽区人民政府", 2021, "file:///sample/003.txt",
                        "balance.received_plus_carried_equals_handled_plus_forward", "total",
                        Decimal(8), Decimal(9), Decimal(-1))]
    assert con.sql("SELECT failed_rules FROM v_report_summary").fetchone() == (1,)


def test_failing_warning_keeps_the_report_passed(con):
    load_sample(con, results=checks(passed=False, severity="warning"))
    assert con.sql("SELECT dq_status FROM dim_report").fetchone() == ("passed",)
    assert con.sql("SELECT count(*) FROM v_dq_failures").fetchone() == (1,)


def test_failed_load_rolls_back(con):
    load_sample(con)
    before = load.table_digest(con)
    no_method = section3(**BALANCED).with_columns(method=pl.lit(None, pl.String))  # NOT NULL, so the
    with pytest.raises(duckdb.ConstraintException):  # insert fails inside the transaction, after others
        load_sample(con, applications=no_method, run_id="run-2")
    assert load.table_digest(con) == before


def test_two_rows_for_one_cell_are_refused(con):
    duplicated = pl.concat([section3(**BALANCED), section3(**BALANCED).head(1)])
    with pytest.raises(ValueError, match="two rows for one of its keys"):
        load_sample(con, applications=duplicated)


def test_rows_of_another_report_are_refused(con):
    stray = section3(**BALANCED).with_columns(report_id=pl.lit("other"))
    with pytest.raises(ValueError, match="not in `reports`"):
        load_sample(con, applications=stray)


def test_record_error_keeps_first_seen(con):
    first = datetime(2025, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    load.record_error(con, "http://x/a.pdf", "cd" * 32, "decode", "no text layer", first)
    load.record_error(con, "http://x/a.pdf", "cd" * 32, "decode", "still no text", first + timedelta(days=1))
    assert con.sql("SELECT error, first_seen, last_seen FROM ingest_error").fetchall() == [
        ("still no text", datetime(2025, 1, 1, 0), datetime(2025, 1, 2, 0))]
    load.clear_errors(con, [("http://x/a.pdf", "cd" * 32)])
    assert con.sql("SELECT count(*) FROM ingest_error").fetchone() == (0,)


def test_summary_rates_computed_by_hand(con):
    load_sample(con)
    row = con.sql("SELECT received_total, total_handled_total, unavailable_total, rejected_total, "
                  "other_total, disclosure_rate_handled, disclosure_rate_strict, disclosure_rate_caseload, "
                  "backlog_rate, review_correction_rate_closed, review_correction_rate_total, "
                  "litigation_total, litigation_loss_rate, dispute_intensity FROM v_report_summary").fetchone()
    assert row == (6, 8, 2, 1, 1, (3 + 1) / 8, 3 / 8, 4 / 8, 0 / 8, 1 / (4 - 1), 1 / 4, 2, 1 / 2, (4 + 2) / 6)


def test_wide_view_derives_group_rows(con):
    load_sample(con)
    rows = con.sql("SELECT outcome_code, is_derived, natural_person, commercial, total FROM v_applications_wide "
                   "WHERE outcome_code IN ('denied', 'unavailable', 'other_total', 'disclosed') "
                   "ORDER BY sort_order").fetchall()
    assert rows == [("disclosed", False, 2, 1, 3), ("denied", True, 0, 0, 0),
                    ("unavailable", True, 2, 0, 2), ("other_total", True, 1, 0, 1)]


def test_t2019_other_is_other_total(con):
    load_sample(con, applications=section3(T.T2019, other=cells(4, 1)))
    assert con.sql("SELECT outcome_code, is_derived, total FROM v_applications_wide "
                   "WHERE outcome_code LIKE 'other%' ORDER BY sort_order").fetchall() == [
        ("other", False, 5), ("other_total", True, 5)]


def test_zero_denominator_gives_null_rate(con):
    load_sample(con, applications=section3())
    assert con.sql("SELECT disclosure_rate_handled, backlog_rate FROM v_report_summary").fetchone() == (None, None)


def test_unreadable_cell_stays_null(con):
    rows = {**BALANCED, "disclosed": {**cells(2, 1), "total": None}}
    load_sample(con, applications=section3(**rows), values=proactive(fee=None))
    assert con.sql("SELECT value, raw_text FROM fact_application WHERE outcome_code = 'disclosed' "
                   "AND applicant_code = 'total'").fetchone() == (None, "?")
    assert con.sql("SELECT value FROM fact_proactive WHERE item_code = 'fees'").fetchone() == (None,)
    assert con.sql("SELECT disclosure_rate_handled FROM v_report_summary").fetchone() == (None,)
    other = {**BALANCED, "other.misc": {**cells(1, 0), "total": None}}
    load_sample(con, applications=section3(**other))
    assert con.sql("SELECT total FROM v_applications_wide WHERE outcome_code = 'other_total'").fetchone() == (None,)


def test_publish_makes_a_read_only_copy(tmp_path, con):
    load_sample(con)
    digest = load.table_digest(con)
    db_path = tmp_path / "warehouse" / "xxgk.duckdb"
    snapshot = tmp_path / "warehouse" / "xxgk_snapshot.duckdb"
    for _ in range(2):  # the second publish replaces the first
        load.publish(db_path, snapshot)
    assert not [p for p in snapshot.parent.iterdir() if p.name.startswith(".")]  # no temp files left
    with duckdb.connect(str(snapshot), read_only=True) as analyst:
        assert load.table_digest(analyst) == digest
        assert analyst.sql("SELECT disclosure_rate_handled FROM v_report_summary").fetchone() == (0.5,)
        with pytest.raises(duckdb.Error):
            analyst.execute("DELETE FROM dim_report")
