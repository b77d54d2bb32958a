"""Numbers the prose states plainly, read from the sample reports, and the soft rules on the sample.

Expected statements are those docs/template.md §6.1 and the gold notes list for each report."""

from decimal import Decimal

import duckdb
import pytest

from pipelines import narrative
from pipelines.formats import to_document
from pipelines.ingest import report_id

from conftest import PUBLIC, SEEDS

STATED = {
    SEEDS[0]: {"received": 5, "total_handled": 5, "litigation": 9},  # 受理…5件…均办结; 行政诉讼事件9次
    SEEDS[1]: {},
    SEEDS[2]: {"received": 0},  # 未接到受理政府信息公开申请
    SEEDS[3]: {"received": 1600, "carried_over": 28, "total_handled": 1611, "carried_forward": 17},
    SEEDS[4]: {},
    PUBLIC[0]: {"received": 21, "total_handled": 21},  # 受理…21件，均在法定期限答复
    PUBLIC[1]: {"received": 17, "total_handled": 17},  # 区政府办代表区政府受理…17件，均已…答复
    PUBLIC[2]: {"received": 3119, "total_handled": 3050, "carried_over": 34, "carried_forward": 103,
                "review": 351, "litigation": 46},
}


@pytest.mark.parametrize("path", list(STATED), ids=lambda p: p.stem[:4])
def test_statements_of_the_sample(path):
    said = narrative.read(to_document(path.read_bytes(), path.name), "r", None).statements
    assert {code: value for _, code, value, _, _ in said} == STATED[path]
    assert all(ref and excerpt for *_, ref, excerpt in said)


def test_a_number_stated_twice_differently_is_not_plain():
    from pipelines.document import Document, Line, Ref
    doc = Document("x.txt", "text/plain", "utf-8", [
        Line("全年共收到政府信息公开申请12件。", Ref(line=1)), Line("本年度受理政府信息公开申请13件。", Ref(line=2)),
        Line("另有2件结转下年度继续办理。", Ref(line=3)), Line("共受理行政许可事项7件，答复7件。", Ref(line=4))])
    said = narrative.read(doc, "r", None).statements
    assert {code: value for _, code, value, _, _ in said} == {"carried_forward": 2}


def test_soft_rules_on_the_sample(sample_warehouse):
    """Warnings: seed 000 handles 9 in its table but says 5 were all handled; p002 says 17 received and
    handled where the table has 95. p001 → p002 (one body across its two names) balances year to year."""
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        warned = con.execute("SELECT report_id, rule_id, column_code, lhs, rhs FROM v_dq_failures "
                             "WHERE severity = 'warning' ORDER BY ALL").fetchall()
        seed, p001, p002 = (report_id(p.read_bytes()) for p in (SEEDS[0], PUBLIC[0], PUBLIC[1]))
        rule = "narrative.stated_numbers_equal_table"
        assert sorted(warned) == sorted([(seed, rule, "total_handled", 5, 9), (p002, rule, "received", 17, 95),
                                         (p002, rule, "total_handled", 17, 95)])
        pairs = con.execute("SELECT rule_id, column_code, lhs, rhs, passed FROM dq_result WHERE report_id = ? "
                            "AND related_report_id = ? ORDER BY ALL", [p002, p001]).fetchall()
        assert [p for p in pairs if p[0].endswith("in_force_stock_flow")] == [
            ("cross_year.in_force_stock_flow", "normative_documents", Decimal(8), Decimal(8), True),
            ("cross_year.in_force_stock_flow", "rules", Decimal(0), Decimal(0), True)]
        carried = [p for p in pairs if p[0].startswith("cross_year.carried")]
        assert len(carried) == 7 and all(p[2] == p[3] == 0 and p[4] for p in carried)
        assert con.execute("SELECT agency, report_year, previous_year, received_total, previous_received_total "
                           "FROM v_year_over_year").fetchall() == [("淮安市洪泽区人民政府", 2024, 2023, 95, 21)]
