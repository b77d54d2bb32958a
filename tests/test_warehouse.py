"""The warehouse built from the sample corpus holds exactly the gold values and rule results."""

from decimal import Decimal

import duckdb
import pytest

from pipelines import load
from pipelines.ingest import report_id

from conftest import PUBLIC, SAMPLE, SAMPLE_FILES, SEEDS, gold_of

REPORTS = SAMPLE_FILES


def test_sample_corpus_is_the_gold_reports():
    assert sorted(p.name for p in SAMPLE.iterdir()) == sorted(p.name for p in REPORTS)
    assert all((SAMPLE / p.name).read_bytes() == p.read_bytes() for p in REPORTS)


def test_sources_are_recorded_relative_to_the_repository(sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        uris = sorted(uri for (uri,) in con.execute("SELECT source_uri FROM dim_report").fetchall())
    assert uris == sorted(f"data/raw/sample/{p.name}" for p in REPORTS)


@pytest.fixture(params=REPORTS, ids=lambda p: p.stem[:4])
def report(request):
    return request.param


@pytest.fixture(scope="module")
def warehouse(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    yield con
    con.close()


def test_facts_hold_the_gold_values(warehouse, report):
    """Every value loaded is the gold value; a gold value not loaded is one the report's unread_row
    names (r011's 行政规范性文件 run, which its digits cannot decide): none is lost silently."""
    gold, rid = gold_of(report), report_id(report.read_bytes())
    got = {("applications", o, a): v for o, a, v in warehouse.execute(
        "SELECT outcome_code, applicant_code, value FROM fact_application WHERE report_id = ?", [rid]).fetchall()}
    got |= {("review_litigation", p, r): v for p, r, v in warehouse.execute(
        "SELECT proceeding_code, result_code, value FROM fact_review_litigation WHERE report_id = ?", [rid]).fetchall()}
    got |= {("proactive", i, m): v for i, m, v in warehouse.execute(
        "SELECT item_code, metric_code, value FROM fact_proactive WHERE report_id = ?", [rid]).fetchall()}
    expected = {("applications", o, a): v for o, cols in gold["applications"].items() for a, v in cols.items()}
    expected |= {("review_litigation", p, r): v for p, res in gold["review_litigation"].items() for r, v in res.items()}
    expected |= {("proactive", p["item"], p["metric"]): Decimal(str(p["value"])) for p in gold["proactive"]}
    assert {k: v for k, v in got.items()} == {k: expected[k] for k in got if k in expected}
    assert set(got) <= set(expected)
    unread = set(warehouse.execute("SELECT section, row_code FROM unread_row WHERE report_id = ?", [rid]).fetchall())
    assert {(section, row) for section, row, _ in set(expected) - set(got)} <= unread


def test_dq_result_flags_exactly_the_gold_failures(warehouse, report):
    gold, rid = gold_of(report), report_id(report.read_bytes())
    failed = warehouse.execute(
        "SELECT rule_id, column_code, lhs, rhs FROM dq_result WHERE report_id = ? AND NOT passed "
        "AND severity = 'error' ORDER BY ALL", [rid]).fetchall()
    expected = sorted((f["rule"], f["column"], Decimal(f["lhs"]), Decimal(f["rhs"]))
                      for f in gold["expected_rule_failures"])
    assert failed == expected
    (status,) = warehouse.execute("SELECT dq_status FROM dim_report WHERE report_id = ?", [rid]).fetchone()
    assert status == ("failed" if expected else "passed")
    # every report rule was judged for this report
    rules = {r for (r,) in warehouse.execute("SELECT DISTINCT rule_id FROM dq_result WHERE report_id = ? "
                                             "AND severity = 'error'", [rid]).fetchall()}
    assert rules == {r.id for r in load.T.REPORT_RULES}


# Worked values of docs/template.md §8.2 (seed 003 and p003), computed by hand in the spec.
RATES = [
    (SEEDS[3], "disclosure_rate_handled", (583 + 51) / 1611),
    (SEEDS[3], "backlog_rate", 17 / 1628),
    (SEEDS[3], "review_correction_rate_closed", 21 / (89 - 7)),
    (SEEDS[3], "review_correction_rate_total", 21 / 89),
    (SEEDS[3], "litigation_loss_rate", (2 + 4) / (9 + 17 - 1 - 0)),
    (PUBLIC[2], "litigation_loss_rate", 5 / 39),
]


@pytest.mark.parametrize("path,rate,expected", RATES, ids=lambda v: getattr(v, "stem", str(v))[:30])
def test_named_rates_match_the_spec(warehouse, path, rate, expected):
    (value,) = warehouse.execute(f"SELECT {rate} FROM v_report_summary WHERE report_id = ?",
                                 [report_id(path.read_bytes())]).fetchone()
    assert value == pytest.approx(expected)
