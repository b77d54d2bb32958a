"""The Dagster code location: definitions, schedule, a full in-process run on the seeds, checks, sensor."""

import importlib
import shutil
import tomllib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets import materialize
from assets.definitions import check_name, defs, inbox_sensor
from assets.resources import XxgkPaths, resources
from pipelines import load
from pipelines import template as T
from pipelines.template import RULES

from conftest import SAMPLE, SAMPLE_FILES, SEEDS, gold_of

GOLD = [gold_of(seed) for seed in SEEDS]
BALANCE = "balance.received_plus_carried_equals_handled_plus_forward"


def deployment(root: Path, reports=SEEDS) -> XxgkPaths:
    """`reports` (the seeds) as the sample source of a deployment under `root`, with an empty inbox."""
    sample, inbox = root / "sample", root / "raw" / "inbox"
    sample.mkdir()
    inbox.mkdir(parents=True)
    for seed in reports:
        shutil.copy(seed, sample)
    toml = root / "sources.toml"
    toml.write_text(f'[[source]]\nuri = "{sample}"\n[[source]]\nuri = "{inbox}"\n', encoding="utf-8")
    out = root / "warehouse"
    return XxgkPaths(sources_toml=str(toml), raw_dir=str(root / "raw"), warehouse_db=str(out / "xxgk.duckdb"),
                     snapshot_db=str(out / "xxgk_snapshot.duckdb"), dq_dir=str(out / "dq"))


def with_paths(paths: XxgkPaths) -> dg.Definitions:
    return dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs,
                          sensors=defs.sensors, resources=resources(paths))


def query(paths: XxgkPaths, sql: str) -> list[tuple]:
    with duckdb.connect(paths.warehouse_db, read_only=True) as con:
        return con.execute(sql).fetchall()


def digest(paths: XxgkPaths) -> dict[str, str]:
    with duckdb.connect(paths.warehouse_db, read_only=True) as con:
        return load.table_digest(con)


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, instance):
    """A deployment of the seeds after one successful run: (paths, result)."""
    paths = deployment(tmp_path_factory.mktemp("seeded"))
    result = materialize.run(with_paths(paths), instance)
    assert result.success
    return paths, result


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    assert {key.to_user_string() for key in defs.resolve_all_asset_keys()} == {
        "raw_files", "extracted_reports", "rule_checks", "warehouse"}
    assert defs.resolve_sensor_def("inbox_sensor").job_name == "xxgk_nightly"


def test_schedule_runs_nightly_at_two_in_shanghai():
    schedule = defs.resolve_schedule_def("xxgk_nightly_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "0 2 * * *", "Asia/Shanghai", "xxgk_nightly")


def test_schedule_and_sensor_are_on_from_the_start():
    assert defs.resolve_schedule_def("xxgk_nightly_schedule").default_status == dg.DefaultScheduleStatus.RUNNING
    assert defs.resolve_sensor_def("inbox_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_dg_loads_the_code_location_xxgk():
    """`dg dev` (make ui) takes the location from pyproject.toml's [tool.dg.project]."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["dg"]
    assert project["directory_type"] == "project"
    assert project["project"]["code_location_name"] == "xxgk"
    assert importlib.import_module(project["project"]["code_location_target_module"]).defs is defs


def test_run_loads_every_seed(seeded):
    paths, _ = seeded
    expected_cells = sum(7 * len(gold["applications"]) for gold in GOLD)
    assert query(paths, "SELECT count(*) FROM dim_report") == [(len(SEEDS),)]
    assert query(paths, "SELECT count(*) FROM fact_application") == [(expected_cells,)]
    assert query(paths, "SELECT count(*) FROM ingest_error") == [(0,)]
    assert Path(paths.snapshot_db).is_file() and (Path(paths.dq_dir) / "index.html").is_file()


def test_a_check_per_rule_reports_the_failures(seeded):
    paths, result = seeded
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {check_name(r.id) for r in RULES}
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in evaluations.values())

    expected = [(gold, f) for gold in GOLD for f in gold["expected_rule_failures"] if f["rule"] == BALANCE]
    balance = evaluations[check_name(BALANCE)]
    assert not balance.passed
    assert balance.metadata["rule"].value == BALANCE
    assert balance.metadata["failed"].value == len(expected) > 0
    assert balance.metadata["checked"].value > len(expected)
    table = balance.metadata["failures"].value
    for gold, failure in expected:
        assert f"{gold['source']} | {gold['agency']} | {failure['column']} | {failure['lhs']} | {failure['rhs']} |" in table


def test_second_run_changes_nothing(seeded, instance):
    """Only the run history grows (dq_run, dq_run_rule: one more row per run, by design)."""
    paths, _ = seeded
    before, published = digest(paths), Path(paths.snapshot_db).stat().st_mtime_ns
    result = materialize.run(with_paths(paths), instance)
    assert result.success
    after = digest(paths)
    # nothing the snapshot or the page shows changed: neither is written again
    [warehouse] = [m for m in result.asset_materializations_for_node("check_and_load")
                   if m.asset_key == dg.AssetKey("warehouse")]
    assert warehouse.metadata["snapshot and page published"].value is False
    assert Path(paths.snapshot_db).stat().st_mtime_ns == published
    assert {t for t in before if before[t] != after[t]} == {"dq_run", "dq_run_rule"}
    assert query(paths, "SELECT count(*), count(DISTINCT rules_fingerprint) FROM dq_run") == [(2, 1)]
    assert query(paths, "SELECT checks_judged, reports_loaded FROM dq_run ORDER BY finished_at DESC LIMIT 1") == [
        (0, 0)]  # nothing new: every verdict kept


def test_summary(seeded, monkeypatch):
    paths, _ = seeded
    root = Path(paths.sources_toml).parent
    monkeypatch.chdir(root)  # as `make run` runs: in the project root
    text = materialize.summary(paths)
    assert f"reports current: {len(SEEDS)} (superseded 0, retired 0)" in text and "documents failed: 0" in text
    assert f"000_c7925c89c326f8ac.txt  黄石经济技术开发区·铁山区  2020: {BALANCE}" in text
    assert "warehouse: warehouse/xxgk.duckdb\n" in text and "data quality: warehouse/dq/index.html" in text
    assert str(root) not in text


def test_sources_are_recorded_relative_to_the_project_root(seeded):
    paths, _ = seeded
    assert sorted(uri for (uri,) in query(paths, "SELECT source_uri FROM dim_report")) == \
        [f"sample/{seed.name}" for seed in SEEDS]
    manifest = (Path(paths.raw_dir) / "manifest.jsonl").read_text(encoding="utf-8")
    assert str(Path(paths.sources_toml).parent) not in manifest


def test_a_quiet_night_shows_the_failures_of_the_warehouse(tmp_path, instance):
    """The sample corpus run twice, nothing new the second time: the asset checks of both runs show the
    7 failures the gold files expect (seed 000's five, p001's two), read from the warehouse."""
    paths = deployment(tmp_path, sorted(SAMPLE.iterdir()))
    expected = sorted((gold["source"], f["rule"], f["column"], str(f["lhs"]), str(f["rhs"]))
                      for gold in map(gold_of, SAMPLE_FILES) for f in gold["expected_rule_failures"])
    assert len(expected) == 7
    for night in (1, 2):
        result = materialize.run(with_paths(paths), instance)
        assert result.success
        failures = []
        for e in result.get_asset_check_evaluations():
            rule = e.metadata["rule"].value
            if T.RULE_BY_ID[rule].severity == "error":
                table = e.metadata["failures"].value
                rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]] if table != "none" else []
                failures += [(Path(source).name, rule, column, lhs, rhs) for source, _, column, lhs, rhs in rows]
                assert e.metadata["failed"].value == len(rows)
        assert sorted(failures) == expected, night
    assert query(paths, "SELECT reports_loaded FROM dq_run ORDER BY finished_at") == [(len(SAMPLE_FILES),), (0,)]


def test_inbox_sensor_runs_the_job_for_a_new_file(tmp_path, instance):
    paths = deployment(tmp_path)
    definitions = with_paths(paths)

    def evaluate(cursor):
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"paths": paths})
        return inbox_sensor(context), context.cursor

    skipped, cursor = evaluate(None)
    assert isinstance(skipped, dg.SkipReason)

    (paths.inbox / "junk.bin").write_bytes(b"\x00\x01 not a report " * 20)
    request, cursor = evaluate(cursor)
    assert isinstance(request, dg.RunRequest) and request.run_key
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)  # nothing changed since

    assert materialize.run(definitions, instance).success
    assert [uri for (uri,) in query(paths, "SELECT source_uri FROM ingest_error")] == ["raw/inbox/junk.bin"]
    assert query(paths, "SELECT count(*) FROM dim_report") == [(len(SEEDS),)]
