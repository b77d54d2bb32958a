"""Checks on the warehouse: soft rules over several reports, verdicts kept across runs and redone
when the rules change, the run history, and the one wrong cell behind several failed identities.

Synthetic reports are gold reports loaded under other ids, bodies and years, with planted values;
what each test expects follows from the gold values and the template's arithmetic.
"""

import json
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from pipelines import dq, identity, load
from pipelines.ingest import report_id

from conftest import PUBLIC, SEEDS
from gold import load_gold

GOLD_003 = SEEDS[3].parent / "gold" / f"{SEEDS[3].stem}.json"  # 东丽区人民政府 2022, T2021
G = json.loads(GOLD_003.read_text(encoding="utf-8"))
APPS = G["applications"]
PROACTIVE = {(p["item"], p["metric"]): p["value"] for p in G["proactive"]}
NOW = datetime(2026, 1, 1)
BODY = "天津市东丽区人民政府"
CARRIED = "cross_year.carried_forward_equals_next_carried_over"
STOCK = "cross_year.in_force_stock_flow"
NARRATIVE = "narrative.stated_numbers_equal_table"


@pytest.fixture
def con(tmp_path):
    con = load.connect(tmp_path / "xxgk.duckdb")
    yield con
    con.close()


def refresh(con, run_id):
    identity.refresh(con, NOW)
    return dq.refresh(con, run_id, NOW)


def rows(con, rule):
    return con.execute("SELECT report_id, column_code, lhs, rhs, passed, related_report_id FROM dq_result "
                       "WHERE rule_id = ? ORDER BY ALL", [rule]).fetchall()


def next_year(planted: dict | None = None):
    """Year 2023 of the same body: carried over = 2022's carried forward and received raised by the
    difference (so the year still balances), 现行有效 = 62 + 3 − 1 (制发 3, 废止 1); `planted` on top."""
    changes = {("applications", "carried_over", col): v for col, v in APPS["carried_forward"].items()}
    changes.update({("applications", "received", col): v + APPS["carried_over"][col] - APPS["carried_forward"][col]
                    for col, v in APPS["received"].items()})
    changes[("proactive", "normative_documents", "abolished")] = Decimal(1)
    changes[("proactive", "normative_documents", "in_force")] = Decimal(PROACTIVE["normative_documents", "in_force"]
                                                                         + 3 - 1)
    changes.update(planted or {})
    return changes


def test_cross_year_rules_pass_on_consistent_years(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022)
    load_gold(con, GOLD_003, report_id="b" * 16, agency="东丽区人民政府", year=2023, changes=next_year())
    load_gold(con, GOLD_003, report_id="c" * 16, agency="东丽区人民政府", year=2025)  # no 2024: no pair
    refresh(con, "r1")
    # the 2023 report prints no city: another body, no pair
    assert rows(con, CARRIED) == rows(con, STOCK) == []
    load_gold(con, GOLD_003, report_id="b" * 16, agency=BODY, year=2023, changes=next_year())  # replaces it
    refresh(con, "r2")
    carried = rows(con, CARRIED)
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in carried] == sorted(
        (col, Decimal(v), Decimal(v), True, "a" * 16) for col, v in APPS["carried_forward"].items())
    assert rows(con, STOCK) == [("b" * 16, "normative_documents", Decimal(64), Decimal(64), True, "a" * 16),
                                ("b" * 16, "rules", Decimal(0), Decimal(0), True, "a" * 16)]


def test_planted_cross_year_errors_are_warnings_on_the_later_report(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022)
    load_gold(con, GOLD_003, report_id="b" * 16, agency=BODY, year=2023, changes=next_year({
        ("applications", "carried_over", "natural_person"): APPS["carried_forward"]["natural_person"] + 1,
        ("proactive", "normative_documents", "in_force"): Decimal(65)}))
    refresh(con, "r1")
    failed = con.execute("SELECT report_id, rule_id, column_code, lhs, rhs, severity, related_report_id "
                         "FROM v_dq_failures WHERE severity = 'warning' ORDER BY ALL").fetchall()
    assert failed == [("b" * 16, CARRIED, "natural_person", Decimal(15), Decimal(16), "warning", "a" * 16),
                      ("b" * 16, STOCK, "normative_documents", Decimal(64), Decimal(65), "warning", "a" * 16)]
    # soft rules never fail a report
    assert con.execute("SELECT dq_status FROM dim_report WHERE report_id = ?", ["a" * 16]).fetchone() == ("passed",)


def test_narrative_statements_against_the_table(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022, statements={
        "received": 1600, "total_handled": 1611, "carried_forward": 18, "review": 89, "litigation": 26})
    refresh(con, "r1")
    assert [(r[1], r[2], r[3], r[4]) for r in rows(con, NARRATIVE)] == [
        ("carried_forward", 18, 17, False), ("litigation", 26, 9 + 17, True), ("received", 1600, 1600, True),
        ("review", 89, 89, True), ("total_handled", 1611, 1611, True)]


def test_verdicts_are_kept_until_the_sides_or_the_rules_change(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022, statements={"received": 1601})
    load_gold(con, GOLD_003, report_id="b" * 16, agency=BODY, year=2023, changes=next_year())
    refresh(con, "r1")
    assert refresh(con, "r2") == 0  # a quiet night: nothing judged again
    failures = "SELECT report_id, rule_id, column_code, lhs, rhs FROM v_dq_failures ORDER BY ALL"
    expected = [("a" * 16, NARRATIVE, "received", 1601, 1600)]
    assert con.execute(failures).fetchall() == expected
    # an older, laxer rule set had passed everything
    con.execute("UPDATE dq_result SET passed = true, run_id = 'old'")
    con.execute("UPDATE meta SET value = 'older rules' WHERE key = 'rules_fingerprint'")
    judged = refresh(con, "r3")
    assert judged == con.execute("SELECT count(*) FROM dq_result").fetchone()[0]
    assert con.execute("SELECT DISTINCT run_id FROM dq_result").fetchall() == [("r3",)]
    assert con.execute(failures).fetchall() == expected
    history = con.execute("SELECT run_id, checks_judged, reports_current, reports_warned FROM dq_run "
                          "ORDER BY run_id").fetchall()
    assert [h[0] for h in history] == ["r1", "r2", "r3"] and history[1][1] == 0
    assert con.execute("SELECT reports_failed FROM dq_run_rule WHERE run_id = 'r2' AND rule_id = ?",
                       [NARRATIVE]).fetchone() == (1,)


def test_rule_change_restores_a_hard_failure(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022,
              changes={("applications", "received", "total"): 1601})
    refresh(con, "r1")
    assert con.execute("SELECT dq_status FROM dim_report").fetchone() == ("failed",)
    con.execute("UPDATE dq_result SET passed = true")
    con.execute("UPDATE dim_report SET dq_status = 'passed'")
    con.execute("UPDATE meta SET value = 'older rules' WHERE key = 'rules_fingerprint'")
    refresh(con, "r2")
    assert con.execute("SELECT dq_status FROM dim_report").fetchone() == ("failed",)
    assert con.execute("SELECT rule_id, column_code FROM v_dq_failures ORDER BY ALL").fetchall() == [
        ("balance.received_plus_carried_equals_handled_plus_forward", "total"),
        ("balance.total_column_equals_sum_of_applicant_columns", "received")]


# --- Localisation -------------------------------------------------------------------------------

def localise(con):
    return {grp: rest for grp, *rest in con.execute(
        "SELECT grp, verdict, row_code, col_code, value, corrected_value, candidate_cells "
        "FROM v_dq_localisation ORDER BY grp").fetchall()}


@pytest.mark.parametrize("row, col, delta", [
    ("disclosed", "natural_person", 3), ("received", "total", 2), ("total_handled", "total", -5),
    ("carried_forward", "commercial", 1), ("other.misc", "legal_service", 4), ("carried_over", "research", 2),
    ("total_handled", "natural_person", 7),
])
def test_a_planted_cell_is_found_with_its_gold_value(con, row, col, delta):
    gold = APPS[row][col]
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022,
              changes={("applications", row, col): gold + delta})
    refresh(con, "r1")
    assert localise(con) == {"applications": ["located", row, col, gold + delta, gold, [f"{row}.{col} → {gold}"]]}


def test_one_identity_with_five_cells_is_refused(con):
    """Section 四: one identity per proceeding; 维持 58 → 60 breaks 89 = Σ; any of the five cells can
    be changed by 2 to mend it, so no cell is named."""
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022,
              changes={("review_litigation", "review", "upheld"): 60})
    refresh(con, "r1")
    verdict, row, _, _, _, candidates = localise(con)["review"]
    assert (verdict, row) == ("ambiguous", None)
    assert sorted(candidates) == ["review.corrected → 19", "review.other → 1", "review.pending → 5",
                                  "review.total → 91", "review.upheld → 58"]


def test_two_planted_cells_are_refused(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency=BODY, year=2022, changes={
        ("applications", "disclosed", "natural_person"): APPS["disclosed"]["natural_person"] + 1,
        ("applications", "partially_disclosed", "commercial"): APPS["partially_disclosed"]["commercial"] + 1})
    refresh(con, "r1")
    assert localise(con) == {"applications": ["unexplained", None, None, None, None, None]}


def test_sample_failures_localised(sample_warehouse):
    """Seed 000: five identities fail in section 三 and no cell enters more than three: no single cell.
    p001 行政复议 10 + 1 + 0 + 0 vs 总计 0: only 总计 can be corrected without a negative value (11);
    复议后起诉 5 + 0 + 0 + 0 vs 总计 0: 总计 → 5 or 维持 → 0 both mend it, so no guess."""
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        got = {(rid, grp): rest for rid, grp, *rest in con.execute(
            "SELECT report_id, grp, failed_identities, verdict, row_code, col_code, value, corrected_value, "
            "candidate_cells FROM v_dq_localisation").fetchall()}
    seed, p001 = report_id(SEEDS[0].read_bytes()), report_id(PUBLIC[0].read_bytes())
    assert got == {
        (seed, "applications"): [5, "unexplained", None, None, None, None, None],
        (p001, "review"): [1, "located", "review", "total", 0, 11, ["review.total → 11"]],
        (p001, "litigation_after_review"): [1, "ambiguous", None, None, None, None,
                                            ["litigation_after_review.total → 5",
                                             "litigation_after_review.upheld → 0"]],
    }
