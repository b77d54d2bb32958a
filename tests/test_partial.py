"""A partial report in the warehouse: what was read is loaded with how it was read, what was not is
recorded with the reason, and identities used to read are not counted as tests."""

import json

import duckdb
import pytest

from pipelines import batch, fetch

from conftest import FIXTURES, SEEDS, gold_of

R011 = FIXTURES / "damaged" / "r011.txt"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("partial")
    inbox = tmp / "in"
    inbox.mkdir()
    for path in (R011, SEEDS[3]):
        (inbox / path.name).write_bytes(path.read_bytes())
    batch.run(tmp / "w.duckdb", fetch.fetch_all([str(inbox)], tmp / "raw").files, tmp / "staging", "run")
    con = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    yield con
    con.close()


def rid(con, name: str) -> str:
    return con.execute("SELECT report_id FROM dim_report WHERE source_uri LIKE ?", [f"%{name}"]).fetchone()[0]


def test_partial_report_is_loaded_with_its_status_per_section(warehouse):
    rows = warehouse.execute("""
        SELECT source_uri, extract_status, status_proactive, status_applications, status_review_litigation
        FROM dim_report ORDER BY source_uri""").fetchall()
    status = {uri.rsplit("/", 1)[-1]: rest for uri, *rest in rows}
    assert status[R011.name] == ["partial", "partial", "read", "read"]
    assert status[SEEDS[3].name] == ["complete", "read", "read", "read"]


def test_what_was_read_equals_gold_and_says_how(warehouse):
    gold, r = gold_of(R011), rid(warehouse, R011.name)
    cells = {(o, a): (v, m) for o, a, v, m in warehouse.execute(
        "SELECT outcome_code, applicant_code, value, method FROM fact_application WHERE report_id = ?", [r]).fetchall()}
    assert {k: v for k, (v, _) in cells.items()} == {
        (o, a): v for o, row in gold["applications"].items() for a, v in row.items()}
    assert {m for _, m in cells.values()} == {"split"}  # every section 三 cell was cut out of a digit run
    read = warehouse.execute("SELECT count(*) FROM fact_proactive WHERE report_id = ? AND method = 'read'",
                             [r]).fetchone()[0]
    assert read == 4  # 行政许可, 行政处罚, 行政强制 and 行政事业性收费 hold one cell each


def test_what_was_not_read_is_recorded_with_the_candidates(warehouse):
    [(section, row, reason, candidates)] = warehouse.execute(
        "SELECT section, row_code, reason, candidates FROM unread_row WHERE report_id = ?",
        [rid(warehouse, R011.name)]).fetchall()
    gold = [str(p["value"]) for p in gold_of(R011)["proactive"] if p["item"] == "normative_documents"]
    assert (section, row) == ("proactive", "normative_documents") and "no identity" in reason
    assert gold in json.loads(candidates)
    assert warehouse.execute("SELECT count(*) FROM fact_proactive WHERE report_id = ? "
                             "AND item_code = 'normative_documents'", [rid(warehouse, R011.name)]).fetchone() == (0,)


def test_identities_used_to_read_are_not_counted_as_tests(warehouse):
    r = rid(warehouse, R011.name)
    used = warehouse.execute("SELECT count(*), bool_and(passed) FROM dq_result WHERE report_id = ? AND role = 'used'",
                             [r]).fetchone()
    assert used[0] > 0 and used[1]
    # Every row was cut by its total: the row rule tested nothing in this report, the column rules
    # that chose between cuts neither; only range checks and unchosen columns remain tests.
    tested = {rule for (rule,) in warehouse.execute(
        "SELECT DISTINCT rule_id FROM dq_result WHERE report_id = ? AND role = 'tested'", [r]).fetchall()}
    assert "balance.total_column_equals_sum_of_applicant_columns" not in tested
    assert warehouse.execute("SELECT count(*) FROM dq_result WHERE report_id = ? AND role = 'used'",
                             [rid(warehouse, SEEDS[3].name)]).fetchone() == (0,)


def test_analysts_can_keep_to_cells_read_as_printed(warehouse):
    # v_applications carries the method; derived subtotals carry the least certain of their children.
    methods = dict(warehouse.execute("""
        SELECT DISTINCT method, count(*) OVER (PARTITION BY method) FROM v_applications a
        JOIN dim_report r USING (report_id) WHERE r.source_uri LIKE ? AND a.is_derived""",
                                     [f"%{R011.name}"]).fetchall())
    assert set(methods) == {"split"}
