"""`xxgk sql` on a warehouse built from the sample: query from an argument, a file or stdin; every
output format; one-line errors. Expected values come from the gold files."""

import csv
import io
import json
import subprocess
import sys

import duckdb
import pytest

from conftest import SAMPLE_FILES, gold_of

GOLD = [gold_of(p) for p in SAMPLE_FILES]
REPORTS = ("SELECT agency_printed AS agency, report_year, template_version FROM v_report_summary "
           "ORDER BY agency, report_year")  # the names the gold files have: as printed
EXPECTED = sorted((g["agency"], g["year"], g["template"]) for g in GOLD)


def xxgk_sql(db, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "sql", "--db", str(db), *args],
                          capture_output=True, text=True, input=stdin)


def test_query_from_argument_file_and_stdin_agree(sample_warehouse, tmp_path):
    sql = tmp_path / "q.sql"
    sql.write_text(f"-- the reports\n{REPORTS};\n", encoding="utf-8")
    runs = [xxgk_sql(sample_warehouse, REPORTS), xxgk_sql(sample_warehouse, "-f", str(sql)),
            xxgk_sql(sample_warehouse, "-", stdin=REPORTS)]
    assert [r.returncode for r in runs] == [0, 0, 0] and all(r.stderr == "" for r in runs)
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert all(agency in runs[0].stdout for agency, _, _ in EXPECTED)
    to_file = xxgk_sql(sample_warehouse, "--output", str(tmp_path / "it's a table.txt"), REPORTS)
    assert to_file.stdout == "" and (tmp_path / "it's a table.txt").read_text(encoding="utf-8") == runs[0].stdout


def test_table_shows_every_column_uncut(sample_warehouse):
    run = xxgk_sql(sample_warehouse, "SELECT * FROM v_report_summary")
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        columns = [d[0] for d in con.execute("SELECT * FROM v_report_summary LIMIT 0").description]
    header = run.stdout.splitlines()[1]
    assert [cell.strip() for cell in header.strip("│").split("│")] == columns
    assert "…" not in run.stdout and len(header) > 200


def test_table_row_limit_and_csv_gives_every_row(sample_warehouse):
    cells = sum(7 * len(g["applications"]) for g in GOLD)  # seven applicant columns per section 三 row
    shown = xxgk_sql(sample_warehouse, "--max-rows", "10", "SELECT * FROM fact_application").stdout
    assert f"{cells} rows (10 shown)" in shown
    rows = list(csv.DictReader(io.StringIO(xxgk_sql(
        sample_warehouse, "--format", "csv", "SELECT * FROM fact_application").stdout)))
    assert len(rows) == cells


def test_csv_and_json(sample_warehouse, tmp_path):
    out = xxgk_sql(sample_warehouse, "--format", "csv", REPORTS)
    assert [(r["agency"], int(r["report_year"]), r["template_version"])
            for r in csv.DictReader(io.StringIO(out.stdout))] == EXPECTED
    to_file = xxgk_sql(sample_warehouse, "--format", "csv", "--output", str(tmp_path / "it's.csv"), REPORTS)
    assert to_file.stdout == "" and (tmp_path / "it's.csv").read_text(encoding="utf-8") == out.stdout

    rows = json.loads(xxgk_sql(sample_warehouse, "--format", "json", REPORTS).stdout)
    assert [(r["agency"], r["report_year"], r["template_version"]) for r in rows] == EXPECTED


def test_parquet_needs_an_output_file(sample_warehouse, tmp_path):
    refused = xxgk_sql(sample_warehouse, "--format", "parquet", REPORTS)
    assert refused.returncode != 0 and refused.stdout == ""
    assert refused.stderr == "xxgk sql: --format parquet needs --output FILE\n"

    path = tmp_path / "r.parquet"
    assert xxgk_sql(sample_warehouse, "--format", "parquet", "-o", str(path), REPORTS).returncode == 0
    assert duckdb.sql(f"SELECT * FROM '{path}'").fetchall() == EXPECTED


@pytest.mark.parametrize("args,message", [
    (["SELEC agency FROM v_report_summary"], 'xxgk sql: Parser Error: syntax error at or near "SELEC"'),
    (["SELECT * FROM v_report_summry"], "xxgk sql: Catalog Error: Table with name v_report_summry does not exist! "
                                        'Did you mean "v_report_summary"?'),
    (["DROP TABLE dim_report"], "xxgk sql: Invalid Input Error: Cannot execute statement of type \"DROP\""),
    (["-f", "no-such-file.sql"], "xxgk sql: cannot read no-such-file.sql: No such file or directory"),
    ([], "xxgk sql: give a query, -f FILE, or - to read it from standard input"),
], ids=["typo", "unknown table", "read-only", "no file", "no query"])
def test_errors_are_one_line(sample_warehouse, args, message):
    run = xxgk_sql(sample_warehouse, *args)
    assert run.returncode != 0 and run.stdout == ""
    assert run.stderr.startswith(message) and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_no_warehouse_yet(tmp_path):
    run = xxgk_sql(tmp_path / "none.duckdb", "SELECT 1")
    assert run.returncode != 0 and run.stderr.startswith("xxgk sql: no warehouse at ")
    assert run.stderr.count("\n") == 1
