"""Report identity over time: one current report per body, year and scope; newer supersedes older
(kept, with the reason); a vanished source's report is retired, and comes back with its source."""

import shutil
from datetime import date, datetime

import duckdb
import pytest

from pipelines import batch, fetch, identity, load

from conftest import SAMPLE, SAMPLE_FILES, SEEDS
from gold import load_gold

SEED_003 = SEEDS[3]  # 东丽区人民政府 2022, received 1600; prints no signing date
GOLD_003 = SEED_003.parent / "gold" / f"{SEED_003.stem}.json"
NOW = datetime(2026, 1, 1)


def night(root, *sources, run_id):
    """One nightly run of the plain-Python stages over `sources`, into root/xxgk.duckdb."""
    result = fetch.fetch_all([str(s) for s in sources], root / "raw")
    batch.run(root / "xxgk.duckdb", batch.pending(root / "xxgk.duckdb", result.files), root / "staging", run_id,
              result.errors, landed=result.files)
    return duckdb.connect(str(root / "xxgk.duckdb"), read_only=True)


@pytest.fixture
def sample(tmp_path):
    """A copy of the sample corpus as a source directory, and an empty inbox."""
    shutil.copytree(SAMPLE, tmp_path / "sample")
    (tmp_path / "inbox").mkdir()
    return tmp_path


def test_republished_copy_leaves_one_current_report(sample):
    with night(sample, sample / "sample", sample / "inbox", run_id="n1") as con:
        totals = con.execute("SELECT count(*), sum(received_total), sum(total_handled_total) "
                             "FROM v_report_summary").fetchone()
        (old,) = con.execute("SELECT report_id FROM v_report_summary WHERE agency = '东丽区人民政府'").fetchone()
    data = SEED_003.read_bytes()
    at = data.index(b",")  # a typo fixed in the preamble's prose: one byte
    (sample / "inbox" / "003_revised.txt").write_bytes(data[:at] + b"." + data[at + 1:])

    with night(sample, sample / "sample", sample / "inbox", run_id="n2") as con:
        rows = con.execute("SELECT report_id, received_total FROM v_report_summary "
                           "WHERE agency = '东丽区人民政府' AND report_year = 2022").fetchall()
        assert len(rows) == 1 and rows[0][0] != old and rows[0][1] == 1600
        assert con.execute("SELECT count(*), sum(received_total), sum(total_handled_total) "
                           "FROM v_report_summary").fetchone() == totals
        status, by, reason = con.execute("SELECT status, superseded_by, status_reason FROM v_report_versions "
                                         "WHERE report_id = ?", [old]).fetchone()
        assert (status, by) == ("superseded", rows[0][0])
        assert reason.startswith("newer: first fetched")  # neither version prints a signing date
        # the superseded report's facts are kept, and out of the views
        assert con.execute("SELECT count(*) FROM fact_application WHERE report_id = ?", [old]).fetchone()[0] == 175
        assert con.execute("SELECT count(*) FROM v_dq_failures WHERE report_id = ?", [old]).fetchone()[0] == 0


def test_vanished_source_is_retired_and_comes_back(sample):
    (sample / "inbox" / "junk.bin").write_bytes(b"\x00\x01 not a report " * 20)
    night(sample, sample / "sample", sample / "inbox", run_id="n1").close()
    moved = sample / "p001.pdf"
    (sample / "sample" / "p001.pdf").rename(moved)
    (sample / "inbox" / "junk.bin").unlink()

    with night(sample, sample / "sample", sample / "inbox", run_id="n2") as con:
        status, retired_at = con.execute("SELECT status, retired_at FROM v_report_versions "
                                         "WHERE source_uri LIKE '%p001.pdf'").fetchone()
        assert status == "retired" and retired_at is not None
        assert con.execute("SELECT count(*) FROM v_report_summary").fetchone() == (len(SAMPLE_FILES) - 1,)
        assert con.execute("SELECT count(*) FROM v_dq_failures WHERE source_uri LIKE '%p001.pdf'").fetchone() == (0,)
        # p002 (2024) has no year before any more
        assert con.execute("SELECT count(*) FROM v_year_over_year").fetchone() == (0,)
        # the unreadable document's error is retired with it, not deleted
        assert con.execute("SELECT count(*) FROM ingest_error WHERE retired_at IS NOT NULL").fetchone() == (1,)
        assert con.execute("SELECT documents_failed FROM dq_run WHERE run_id = 'n2'").fetchone() == (0,)

    moved.rename(sample / "sample" / "p001.pdf")
    with night(sample, sample / "sample", sample / "inbox", run_id="n3") as con:
        assert con.execute("SELECT status, retired_at FROM v_report_versions "
                           "WHERE source_uri LIKE '%p001.pdf'").fetchone() == ("current", None)
        assert con.execute("SELECT count(*) FROM v_report_summary").fetchone() == (len(SAMPLE_FILES),)
        assert con.execute("SELECT count(*) FROM v_year_over_year").fetchone() == (1,)


def test_unreachable_source_retires_nothing(sample):
    night(sample, sample / "sample", run_id="n1").close()
    shutil.rmtree(sample / "sample")  # the directory is gone: the run cannot look inside it
    with night(sample, sample / "sample", run_id="n2") as con:
        assert con.execute("SELECT count(*) FROM v_report_summary").fetchone() == (len(SAMPLE_FILES),)
        assert con.execute("SELECT stage FROM ingest_error WHERE retired_at IS NULL").fetchall() == [("fetch",)]


@pytest.fixture
def con(tmp_path):
    con = load.connect(tmp_path / "xxgk.duckdb")
    yield con
    con.close()


def statuses(con):
    return {rid: (status, reason) for rid, status, reason in con.execute(
        "SELECT report_id, status, status_reason FROM dim_report").fetchall()}


def test_signing_date_decides_when_every_version_prints_one(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency="东丽区人民政府", year=2022,
              published=date(2023, 3, 1), first_seen=datetime(2023, 4, 1))
    load_gold(con, GOLD_003, report_id="b" * 16, agency="东丽区人民政府", year=2022,
              published=date(2023, 2, 1), first_seen=datetime(2023, 5, 1))  # fetched later, signed earlier
    identity.refresh(con, NOW)
    got = statuses(con)
    assert got["a" * 16] == ("current", None)
    assert got["b" * 16] == ("superseded", "newer signing date: 2023-03-01 after 2023-02-01")


def test_fetch_time_decides_when_a_version_prints_no_date(con):
    load_gold(con, GOLD_003, report_id="a" * 16, agency="东丽区人民政府", year=2022,
              published=date(2023, 3, 1), first_seen=datetime(2023, 4, 1))
    load_gold(con, GOLD_003, report_id="b" * 16, agency="东丽区人民政府", year=2022,
              published=None, first_seen=datetime(2023, 5, 1))
    identity.refresh(con, NOW)
    assert statuses(con)["b" * 16][0] == "current"
    assert statuses(con)["a" * 16][1].startswith("newer: first fetched 2023-05-01 00:00:00 UTC")


def test_a_tie_is_settled_by_the_hash_and_says_so(con):
    for rid in ("a" * 16, "b" * 16):
        load_gold(con, GOLD_003, report_id=rid, agency="东丽区人民政府", year=2022, first_seen=datetime(2023, 4, 1))
    identity.refresh(con, NOW)
    assert statuses(con)["b" * 16][0] == "current"
    assert statuses(con)["a" * 16][1].startswith("tie")


def test_identity_is_body_year_and_scope(con):
    """A second scope of the same body and year is another report; 'unknown' joins the one known scope;
    the body is the same under both printed names."""
    load_gold(con, GOLD_003, report_id="a" * 16, agency="天津市东丽区人民政府", year=2022, scope="self")
    load_gold(con, GOLD_003, report_id="b" * 16, agency="天津市东丽区人民政府", year=2022,
              scope="jurisdiction_aggregate")
    load_gold(con, GOLD_003, report_id="c" * 16, agency="天津市 东丽区人民政府", year=2022, scope="unknown",
              first_seen=datetime(2024, 1, 1))
    load_gold(con, GOLD_003, report_id="d" * 16, agency="天津市东丽区人民政府", year=2021, scope="unknown")
    identity.refresh(con, NOW)
    got = {rid: status for rid, (status, _) in statuses(con).items()}
    # two known scopes in 2022: the unknown one cannot tell which it revises, so it stands alone
    assert got == {"a" * 16: "current", "b" * 16: "current", "c" * 16: "current", "d" * 16: "current"}
    con.execute("DELETE FROM dim_report WHERE report_id = ?", ["a" * 16])
    identity.refresh(con, NOW)
    got = {rid: status for rid, (status, _) in statuses(con).items()}
    assert got == {"b" * 16: "superseded", "c" * 16: "current", "d" * 16: "current"}


def test_refresh_twice_changes_nothing(con):
    for rid, seen in (("a" * 16, datetime(2023, 4, 1)), ("b" * 16, datetime(2023, 5, 1))):
        load_gold(con, GOLD_003, report_id=rid, agency="东丽区人民政府", year=2022, first_seen=seen)
    assert identity.refresh(con, NOW) == 1  # b was current already (the default); a becomes superseded
    digest = load.table_digest(con)
    assert identity.refresh(con, datetime(2026, 2, 1)) == 0
    assert load.table_digest(con) == digest
