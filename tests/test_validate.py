"""Validation against the gold files, with real Great Expectations runs on the committed suites."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines import frames, validate
from pipelines import template as T

from conftest import FIXTURES
from gold import gold_frames

GOLD = sorted([*FIXTURES.glob("public/gold/*.json"), *FIXTURES.glob("seeds/gold/*.json")])  # real reports
SEED = {p.stem[:3]: p for p in GOLD if not p.stem.startswith("p")}
RANGE = "range.non_negative"


def checks_of(*golds):
    """build_checks over gold reports (tuples from gold_frames), in one batch."""
    return validate.build_checks(pl.concat([g[2] for g in golds]), pl.concat([g[3] for g in golds]),
                                 pl.concat([g[4] for g in golds]), {g[0]: g[1] for g in golds})


def with_value(frame, value, **cell):
    """`frame` with the one cell matching `cell` (column=code) set to `value` (None for NULL)."""
    hit = pl.all_horizontal(pl.col(k) == v for k, v in cell.items())
    assert frame.filter(hit).height == 1
    new = pl.lit(value, frame.schema["value"])
    return frame.with_columns(value=pl.when(hit).then(new).otherwise(pl.col("value")))


@pytest.fixture(scope="module")
def batch():
    return validate.run_suites(checks_of(*map(gold_frames, GOLD)))


@pytest.mark.parametrize("path", GOLD, ids=lambda p: p.stem[:4])
def test_gold_rule_failures_in_order(path, batch):
    """Alone, each report gives its gold failures in gold order; in the 8-report batch, the same rows."""
    g = gold_frames(path)
    alone = validate.run_suites(checks_of(g))
    expected = json.loads(path.read_text(encoding="utf-8"))["expected_rule_failures"]
    assert validate.rule_failures(alone, g[0]) == expected
    assert batch.filter(report_id=g[0]).drop("check_id").equals(alone.drop("check_id"))


def test_places_per_rule():
    _, _, apps, review, proactive = g = gold_frames(SEED["000"])  # T2019, with two 本年增/减 cells
    rows = len(T.outcome_rows(T.T2019))
    assert apps.height == 7 * rows and review.height == 15
    places = {"applicant": 7, "outcome": rows, "proceeding": 1}
    cells = apps.height + review.height + proactive.filter(pl.col("metric_code") != "change").height
    assert dict(checks_of(g).group_by("rule_id").len().iter_rows()) == {
        r.id: places.get(r.along, cells) for r in T.REPORT_RULES}


@pytest.mark.parametrize(("seed", "item", "value"), [("000", "fees", -2), ("002", "licensing", -3)])
def test_negative_net_change_passes(seed, item, value):
    g = gold_frames(SEED[seed])
    assert g[4].filter(item_code=item, metric_code="change")["value"].item() == value
    checks = validate.run_suites(checks_of(g))
    assert f"{item}.change" not in checks["column_code"]
    assert checks.filter(rule_id=RANGE)["passed"].all()


def test_negative_count_fails_non_negative():
    rid, template, apps, review, proactive = gold_frames(SEED["001"])
    apps = with_value(apps, -1, outcome_code="rejected.duplicate", applicant_code="commercial")
    got = validate.rule_failures(validate.run_suites(checks_of((rid, template, apps, review, proactive))), rid)
    assert [f for f in got if f["rule"] == RANGE] == [
        {"rule": RANGE, "column": "rejected.duplicate.commercial", "lhs": -1, "rhs": 0}]


def test_null_or_missing_cells_give_no_check_not_zero():
    rid, template, apps, review, proactive = gold_frames(SEED["003"])  # 1600 received in total
    apps = with_value(apps, None, outcome_code="received", applicant_code="total")
    apps = apps.filter(~((pl.col("outcome_code") == "disclosed") & (pl.col("applicant_code") == "natural_person")))
    review = with_value(review, None, proceeding_code="review", result_code="upheld")
    proactive = with_value(proactive, None, item_code="fees", metric_code="amount_yuan")
    checks = validate.run_suites(checks_of((rid, template, apps, review, proactive)))
    places = set(checks.select("rule_id", "column_code").iter_rows())
    assert not places & {
        ("balance.received_plus_carried_equals_handled_plus_forward", "total"),
        ("balance.total_column_equals_sum_of_applicant_columns", "received"),
        ("balance.total_handled_equals_sum_of_outcomes", "natural_person"),
        ("balance.total_column_equals_sum_of_applicant_columns", "disclosed"),
        ("balance.review_total_equals_sum_of_results", "total"),
        (RANGE, "received.total"), (RANGE, "disclosed.natural_person"), (RANGE, "review.upheld"),
        (RANGE, "fees.amount_yuan"),
    }
    assert ("balance.received_plus_carried_equals_handled_plus_forward", "natural_person") in places
    assert checks["passed"].all()  # a 0 in place of 1600 would have broken two balances


def test_equality_is_exact_to_the_cent():
    big = Decimal("1000000000000000")  # 1e15: float64 cannot tell big from big + 0.01
    rule = "balance.total_column_equals_sum_of_applicant_columns"
    checks = pl.DataFrame([
        (0, "r", rule, "received", big + Decimal("0.01"), big, "error", "tested"),
        (1, "r", rule, "other", big, big, "error", "tested"),
        (2, "r", RANGE, "fees.amount_yuan", Decimal("-0.01"), Decimal(0), "error", "tested"),
    ], schema=frames.CHECK, orient="row")
    judged = validate.run_suites(checks)
    assert judged["passed"].to_list() == [False, True, False]
    assert validate.rule_failures(judged, "r") == [
        {"rule": rule, "column": "received", "lhs": "1000000000000000.01", "rhs": 1000000000000000},
        {"rule": RANGE, "column": "fees.amount_yuan", "lhs": "-0.01", "rhs": 0},
    ]


def test_report_without_template_version_is_refused():
    rid, _, apps, review, proactive = gold_frames(GOLD[0])
    with pytest.raises(ValueError, match=rid):
        validate.build_checks(apps, review, proactive, {})


def test_committed_expectations_are_generated_from_rules():
    committed = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                 for p in validate.EXPECTATIONS_DIR.glob("*.json")}
    assert committed == validate.expectation_suites()
    rule_ids = {e["meta"]["rule_id"] for suite in committed.values() for e in suite["expectations"]}
    assert rule_ids == set(T.RULE_BY_ID)


def test_data_docs_index_is_written(tmp_path):
    validate.run_suites(checks_of(gold_frames(SEED["000"])), docs_dir=tmp_path / "docs")
    assert (tmp_path / "docs" / "index.html").is_file()
    assert list((tmp_path / "docs" / "validations").rglob("*.html"))


def test_module_imports_without_great_expectations():
    code = "import sys, pipelines.validate; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1]).returncode == 0
