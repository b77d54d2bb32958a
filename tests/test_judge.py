"""`validate.judge` (the verdicts `xxgk extract` prints, without Great Expectations) against the
committed GX suites: the same `passed` on every check row, on real, damaged and planted reports."""

from decimal import Decimal

import duckdb
import polars as pl
import pytest

from pipelines import batch, fetch, validate
from pipelines import template as T
from pipelines.errors import IngestError
from pipelines.ingest import process

import damage
from conftest import FIXTURES, SAMPLE, SEEDS
from gold import gold_frames, planted

VARIANTS_PER_CLASS = 100
GOLD_FILES = [*(s.path for s in damage.sources()), *damage.REAL_FILES]


def assert_same_verdicts(judged_by_gx: pl.DataFrame) -> None:
    free = validate.judge(judged_by_gx.drop("passed"))
    differ = judged_by_gx.with_columns(free=free["passed"]).filter(pl.col("passed").ne_missing(pl.col("free")))
    assert differ.is_empty(), differ
    assert free.equals(judged_by_gx)


def gx_judged(reports: list) -> pl.DataFrame:
    return validate.run_suites(batch.checks_of(reports))


def reports_of(documents) -> list:
    """The extracted reports of (bytes, name) pairs, one per report id; refused documents left out."""
    found = {}
    for data, name in documents:
        try:
            report = process(data, name)
        except IngestError:
            continue
        found.setdefault(report.report_id, report)
    return list(found.values())


def test_gold_files_and_sample():
    files = [*GOLD_FILES, *sorted(SAMPLE.iterdir())]
    judged = gx_judged(reports_of((p.read_bytes(), p.name) for p in files))
    assert judged.filter(~pl.col("passed")).height > 0  # the gold files' own expected failures
    assert_same_verdicts(judged)


def test_damaged_variants():
    reports = reports_of((v.text.encode("utf-8"), v.name) for klass in damage.CLASSES
                         for v in damage.variants(klass, VARIANTS_PER_CLASS))
    # What the variants give: partial reports, cells read by an identity (role "used"), failures.
    assert any(r.status == "partial" for r in reports) and any(r.rules_used for r in reports)
    judged = gx_judged(reports)
    assert {"used", "tested"} <= set(judged["role"]) and judged.filter(~pl.col("passed")).height > 0
    assert_same_verdicts(judged)


def planted_gold(path, changes: dict) -> tuple:
    """gold_frames of the gold JSON `path` as another report, with cells set (gold.planted)."""
    rid, template, *found = gold_frames(path)
    names = ("applications", "review_litigation", "proactive")
    frames_ = planted(dict(zip(names, found)), changes)
    return (f"{rid}.planted", template, *(frames_[k].with_columns(report_id=pl.lit(f"{rid}.planted")) for k in names))


EDGES = [(Decimal("5.00"), Decimal(5)), (Decimal("5.01"), Decimal(5)), (Decimal("4.99"), Decimal(5)),
         (Decimal(0), Decimal(0)), (Decimal("-0.01"), Decimal(0))]
EDGE_VERDICTS = {"balance.total_handled_equals_sum_of_outcomes": [True, False, False, True, False],  # lhs = rhs
                 "range.non_negative": [True, True, False, True, False]}  # lhs >= 0


@pytest.fixture(scope="module")
def planted_checks() -> pl.DataFrame:
    """Gold reports of both templates with a failure of every report rule planted, plus edge rows."""
    t2019, t2021 = (next((FIXTURES / "seeds" / "gold").glob(f"{n}_*.json")) for n in ("000", "003"))
    assert (gold_frames(t2019)[1], gold_frames(t2021)[1]) == ("2019", "2021")
    changes = {
        ("applications", "received", "natural_person"): -3,  # negative: range, column and row balances
        ("applications", "total_handled", "commercial"): 10**6,  # (七)总计 off its leaves and its row
        ("review_litigation", "review", "upheld"): 10**6,  # each proceeding's total off its results
        ("review_litigation", "litigation_direct", "pending"): -1,
        ("review_litigation", "litigation_after_review", "corrected"): 10**6,
    }
    cent_below = {t2019: ("proactive", "rules", "new_made"), t2021: ("proactive", "rules", "issued")}
    reports = [*map(gold_frames, cent_below),
               *(planted_gold(path, {**changes, cell: Decimal("-0.01")}) for path, cell in cent_below.items())]
    checks = validate.build_checks(*(pl.concat([r[k] for r in reports]) for k in (2, 3, 4)),
                                   {r[0]: r[1] for r in reports})
    # Rows at the edge of each comparison (EDGES): equal to the cent, a cent apart either way, zero.
    edge = checks.head(1)
    extra = [edge.with_columns(rule_id=pl.lit(rule), column_code=pl.lit("edge"),
                               lhs=pl.lit(lhs, edge.schema["lhs"]), rhs=pl.lit(rhs, edge.schema["rhs"]))
             for rule in EDGE_VERDICTS for lhs, rhs in EDGES]
    unknown = edge.with_columns(rule_id=pl.lit("made_up.rule"))  # no suite, no comparison: NULL
    rows = pl.concat([checks, *extra, unknown])
    return rows.with_columns(check_id=pl.int_range(rows.height, dtype=pl.Int64))


def test_planted_failures_of_every_rule(planted_checks):
    judged = validate.run_suites(planted_checks)
    failing = set(judged.filter(~pl.col("passed"))["rule_id"])
    assert failing == {r.id for r in T.REPORT_RULES}
    for rule, verdicts in EDGE_VERDICTS.items():
        assert judged.filter(rule_id=rule, column_code="edge")["passed"].to_list() == verdicts, rule
    assert judged.filter(rule_id="made_up.rule")["passed"].to_list() == [None]
    assert_same_verdicts(judged)


def test_chunks_judged_in_one_validation_keep_their_own_verdicts(planted_checks):
    """Each chunk numbers its checks from 0: judged together, a failure in one chunk fails no row of another."""
    rid, template, apps, review, proactive = gold_frames(next((FIXTURES / "seeds" / "gold").glob("002_*.json")))
    other = validate.build_checks(apps, review, proactive, {rid: template})
    # The two chunks' verdicts differ on rows with the same check id.
    assert (validate.judge(planted_checks.head(other.height))["passed"] != validate.judge(other)["passed"]).any()
    suites = validate.Suites()
    judged = suites.judge(pl.concat([planted_checks, other]))
    assert_same_verdicts(judged)
    assert judged.tail(other.height).equals(suites.judge(other))


def test_check_stages_each_chunks_verdicts(tmp_path):
    """`batch.check` judges several staged chunks per GX validation and stages each chunk's own verdicts."""
    files = fetch.fetch_all([str(SAMPLE)], tmp_path / "raw").files
    staged = batch.extract(files, tmp_path / "staging", workers=1, chunk=2)
    assert len(staged.chunks) >= 3
    judged = list(batch.check(staged, validate.Suites()))
    assert [j.chunk for j in judged] == list(staged.chunks)
    expected = []
    for chunk in staged.chunks:
        reports = staged.read(chunk, "reports")
        unjudged = validate.build_checks(*(staged.read(chunk, n) for n in ("applications", "review_litigation",
                                                                           "proactive")),
                                         dict(zip(reports["report_id"], reports["template_version"])),
                                         staged.read(chunk, "used"))
        expected.append(validate.judge(unjudged))
        assert staged.read(chunk, "checks").equals(expected[-1]), chunk
    everything = pl.concat(expected)
    assert [(j.checks, j.failed) for j in judged] == [(e.height, e.filter(~pl.col("passed")).height)
                                                        for e in expected]
    assert everything.filter(~pl.col("passed")).height > 0


def test_check_and_load_stops_at_a_chunk_it_cannot_check(tmp_path, monkeypatch):
    """The check runs in a thread ahead of the load: a chunk it cannot read stops the step with that
    error (it neither hangs nor is lost), the chunks before it are loaded and none after it."""
    monkeypatch.setattr(batch, "JUDGE_ROWS", 1)  # a GX validation per chunk
    files = fetch.fetch_all([str(SAMPLE)], tmp_path / "raw").files
    staged = batch.extract(files, tmp_path / "staging", workers=1, chunk=2)
    broken = staged.chunks[2]
    (broken / "applications.parquet").write_bytes(b"not parquet")
    with pytest.raises(pl.exceptions.ComputeError, match="parquet"):
        batch.check_and_load(tmp_path / "w.duckdb", staged, "run")
    before = pl.concat([staged.read(chunk, "reports") for chunk in staged.chunks[:2]])
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert sorted(r for (r,) in con.execute("SELECT report_id FROM dim_report").fetchall()) == \
            sorted(before["report_id"])


def test_a_chunk_of_failed_documents_is_loaded_in_its_turn(tmp_path, monkeypatch):
    """A chunk that holds only a document that failed has no checks; `check` still yields it in order
    (judged alone here: no GX validation of no rows), and the load records its failure beside the
    reports of the other chunks."""
    monkeypatch.setattr(batch, "JUDGE_ROWS", 1)  # each chunk judged on its own
    source = tmp_path / "in"
    source.mkdir()
    for seed in SEEDS:
        (source / seed.name).write_bytes(seed.read_bytes())
    (source / "zz_not_a_report.txt").write_text("not a report at all", encoding="utf-8")
    files = fetch.fetch_all([str(source)], tmp_path / "raw", project_root=tmp_path).files
    staged = batch.extract(files, tmp_path / "staging", workers=1, chunk=1)
    judged, loaded = batch.check_and_load(tmp_path / "w.duckdb", staged, "run")
    assert [j.chunk for j in judged] == list(staged.chunks)
    assert (judged[-1].checks, judged[-1].failed) == (0, 0) and all(j.checks for j in judged[:-1])
    assert loaded.written == len(SEEDS)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT source_uri FROM ingest_error").fetchall() == [("in/zz_not_a_report.txt",)]
