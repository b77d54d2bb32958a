"""Validation: the rules of `template.RULES` as checks, judged by the GX suites in expectations/.

`build_checks` lays every report rule over the extracted frames (one row per rule × place × report,
both sides exact); the warehouse rules (cross-year, narrative) get their rows from SQL in
pipelines.dq. `Suites` judges check rows, hard or soft, with Great Expectations on pandas (its SQL
path on DuckDB is broken), one chunk of rows at a time; `run_suites` is one such judgement, and
`rule_failures` gives one report's failures in report-json shape. The suites are generated from
RULES (`python -m pipelines.validate --write-expectations`); `judge` gives their verdicts without GX
(one report in `xxgk extract`), from the same rules. Great Expectations is imported inside
the functions that need it (the import takes seconds), so importing this module stays fast.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl

from . import frames
from . import template as T

EXPECTATIONS_DIR = Path(__file__).parents[1] / "expectations"
# Failing rows by id only: lhs and rhs stay in the checks frame anyway.
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["check_id"],
                 "exclude_unexpected_values": True}

# How a rule's `comparison` judges a check row: the GX expectation of the committed suites
# (`expectation_suites`, with its keyword arguments), and the same verdict as a Polars expression
# (`judge`, for one report without importing GX).
EXPECTATION = {
    "equal": ("ExpectColumnPairValuesToBeEqual", {}),
    "non_negative": ("ExpectColumnPairValuesAToBeGreaterThanB", {"or_equal": True}),
}
VERDICT = {
    "equal": pl.col("lhs") == pl.col("rhs"),
    "non_negative": pl.col("lhs") >= pl.col("rhs"),
}

# How an `along` lays a rule over a frame: the frame, the column naming the place, the column whose
# codes the rule's lhs and rhs name.
ALONG = {
    "applicant": ("applications", "applicant_code", "outcome_code"),
    "outcome": ("applications", "outcome_code", "applicant_code"),
    "proceeding": ("review_litigation", "proceeding_code", "result_code"),
}
# Cells of the range rules: frame, row and column code, in section order (二, 三, 四).
CELLS = (("proactive", "item_code", "metric_code"), ("applications", "outcome_code", "applicant_code"),
         ("review_litigation", "proceeding_code", "result_code"))
# Template order of each code column; checks are sorted by it.
ORDER = {
    "applicant_code": T.APPLICANT_CODES, "outcome_code": tuple(c.code for c in T.OUTCOMES),
    "proceeding_code": T.PROCEEDING_CODES, "result_code": T.RESULT_CODES,
    "item_code": tuple(c.code for c in T.PROACTIVE_ITEMS),
    "metric_code": tuple(m.code for m in T.PROACTIVE_METRICS),
}


def _rank(column: str) -> pl.Expr:
    """Template position of the code in `column`; unknown codes sort last."""
    codes = ORDER[column]
    return pl.col(column).replace_strict({c: i for i, c in enumerate(codes)}, default=len(codes),
                                         return_dtype=pl.Int32)


UNKNOWN_TEMPLATE = "unknown"  # a partial report whose section 三 version could not be told


def _codes(side: tuple[str, ...] | str, template: str) -> tuple[str, ...]:
    return T.outcome_leaves(template) if side == "leaves" else side


def _sides(rule: T.Rule) -> pl.DataFrame:
    """Which codes each side of `rule` sums, per template version: (template, code, side). A rule
    over the template's leaf rows has no sides for a report of unknown version."""
    versions = [*sorted(T.BOTH), *([] if "leaves" in (rule.lhs, rule.rhs) else [UNKNOWN_TEMPLATE])]
    rows = [(t, code, side) for t in versions
            for side, spec in (("lhs", rule.lhs), ("rhs", rule.rhs)) for code in _codes(spec, t)]
    return pl.DataFrame(rows, schema={"template": pl.String, "code": pl.String, "side": pl.String},
                        orient="row")


def _equality(rule: T.Rule, data: pl.LazyFrame, versions: pl.LazyFrame) -> pl.LazyFrame:
    """Σ lhs and Σ rhs per report and place; a place missing any cell of either side gets no check."""
    _, place, code = ALONG[rule.along]
    sides = _sides(rule).lazy()
    is_lhs, is_rhs = pl.col("side") == "lhs", pl.col("side") == "rhs"
    need = sides.group_by("template").agg(need_lhs=is_lhs.sum(), need_rhs=is_rhs.sum())
    if rule.place is not None:
        data = data.filter(pl.col(place) == rule.place)
    # A rule fixed to one place (a section 四 proceeding) reports its lhs cell as the column.
    column = pl.col(place) if rule.place is None else pl.lit("+".join(rule.lhs))
    return (
        data.drop_nulls("value").join(versions, on="report_id")
        .join(sides, left_on=["template", code], right_on=["template", "code"])
        .group_by("report_id", "template", place)
        .agg(lhs=pl.col("value").filter(is_lhs).sum(), rhs=pl.col("value").filter(is_rhs).sum(),
             n_lhs=is_lhs.sum(), n_rhs=is_rhs.sum())
        .join(need, on="template")
        .filter((pl.col("n_lhs") == pl.col("need_lhs")) & (pl.col("n_rhs") == pl.col("need_rhs")))
        .select("report_id", "lhs", "rhs", column_code=column, _k1=_rank(place), _k2=pl.lit(0, pl.Int32))
    )


def _non_negative(data: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """Every non-NULL cell against 0, except metrics that may be negative (T2019 本年增/减)."""
    signed = [m.code for m in T.PROACTIVE_METRICS if m.may_be_negative]
    data = dict(data, proactive=data["proactive"].filter(~pl.col("metric_code").is_in(signed)))
    parts = [
        data[name].drop_nulls("value")
        .select("report_id", lhs="value", rhs=pl.lit(0, frames.AMOUNT),
                column_code=pl.concat_str(row, pl.lit("."), col),
                _k1=pl.lit(1000 * section, pl.Int32) + _rank(row), _k2=_rank(col))
        for section, (name, row, col) in enumerate(CELLS)
    ]
    return pl.concat(parts, how="vertical_relaxed")


def build_checks(applications: pl.DataFrame, review_litigation: pl.DataFrame, proactive: pl.DataFrame,
                 templates: dict[str, str | None], used: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per report rule × place × report (frames.CHECK), sorted by report, RULES order, template order.

    `templates` maps report_id to its section 三 template version (None: unknown), which decides
    the "leaves" rows. `used` (frames.USED rows) names the places whose identity was used to read
    the report (to cut a digit run or place a row): their checks get role "used", not "tested".
    """
    data = {name: frame.lazy().with_columns(pl.col("value").cast(frames.AMOUNT)) for name, frame in
            (("applications", applications), ("review_litigation", review_litigation),
             ("proactive", proactive))}
    missing = (set(applications["report_id"]) | set(review_litigation["report_id"])) - set(templates)
    if missing:
        raise ValueError(f"no template version for reports {sorted(missing)}")
    versions = pl.DataFrame({"report_id": list(templates),
                             "template": [t or UNKNOWN_TEMPLATE for t in templates.values()]},
                            schema={"report_id": pl.String, "template": pl.String}).lazy()
    parts = [
        (_non_negative(data) if rule.comparison == "non_negative"
         else _equality(rule, data[ALONG[rule.along][0]], versions))
        .with_columns(rule_id=pl.lit(rule.id), severity=pl.lit(rule.severity), _rule=pl.lit(i))
        for i, rule in enumerate(T.REPORT_RULES)
    ]
    used = (used if used is not None else frames.empty(frames.USED)).with_columns(role=pl.lit("used"))
    return (pl.concat(parts, how="vertical_relaxed")
            .sort("report_id", "_rule", "_k1", "_k2", "column_code")
            .with_row_index("check_id")
            .join(used.lazy(), on=["report_id", "rule_id", "column_code"], how="left", maintain_order="left")
            .with_columns(pl.col("role").fill_null("tested"))
            .select(pl.col(name).cast(dtype) for name, dtype in frames.CHECK.items())
            .collect())


class Suites:
    """The committed GX suites, set up once, judging any number of chunks of check rows."""

    def __init__(self):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm bars
        batch = (self.context.data_sources.add_pandas("xxgk").add_dataframe_asset("checks")
                 .add_batch_definition_whole_dataframe("all"))
        self.definitions = []  # (file name, rule ids of its expectations, validation definition)
        for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
            suite = self.context.suites.add(gx.ExpectationSuite(**json.loads(path.read_text(encoding="utf-8"))))
            self.definitions.append((path.name, [e.meta["rule_id"] for e in suite.expectations],
                                     self.context.validation_definitions.add(
                                         gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))))

    def judge(self, checks: pl.DataFrame) -> pl.DataFrame:
        """`checks` (frames.CHECK rows, of one chunk or several) plus `passed`, NULL for a rule no suite covers."""
        # GX names the failing rows by position (a chunk's check_id is its position; several chunks repeat ids).
        # Each suite sees only the rows of its own rules (none: it is not run), rule_id categorical and
        # both sides in hundredths as integers: exact, and what makes GX's per-rule filters fast.
        checks = checks.with_row_index("_row")
        covered: set[str] = set()
        failed: set[int] = set()
        for name, rules, definition in self.definitions:
            covered.update(rules)
            rows = checks.filter(pl.col("rule_id").is_in(rules))
            if rows.is_empty():
                continue
            df = rows.select(pl.col("_row").cast(pl.Int64).alias("check_id"), pl.col("rule_id").cast(pl.Categorical),
                             *(pl.col(side).mul(100).cast(pl.Int64) for side in ("lhs", "rhs"))).to_pandas()
            run = definition.run(batch_parameters={"dataframe": df}, result_format=RESULT_FORMAT)
            for result in run.results:
                if result.success:
                    continue
                if "unexpected_index_list" not in result.result:
                    raise RuntimeError(f"{name}: {result.expectation_config.meta['rule_id']} "
                                       f"did not run: {result.exception_info}")
                failed.update(int(i) for row in result.result["unexpected_index_list"] for i in row["check_id"])
        passed = ~pl.col("_row").is_in(list(failed))
        return checks.with_columns(passed=pl.when(pl.col("rule_id").is_in(list(covered))).then(passed)).drop("_row")

    def build_docs(self, docs_dir: Path) -> None:
        """GX Data Docs of the validations this object ran (a static site, index.html at its root)."""
        self.context.add_data_docs_site("xxgk", {
            "class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(docs_dir).resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        self.context.build_data_docs(site_names=["xxgk"])


def run_suites(checks: pl.DataFrame, *, docs_dir: Path | None = None) -> pl.DataFrame:
    """`checks` plus `passed`, judged by the suites in expectations/ (NULL for a rule no suite covers).

    With `docs_dir`, GX Data Docs (a static site, index.html at its root) are built there.
    """
    suites = Suites()
    judged = suites.judge(checks)
    if docs_dir is not None:
        suites.build_docs(docs_dir)
    return judged


def judge(checks: pl.DataFrame) -> pl.DataFrame:
    """`checks` plus `passed` as `Suites.judge` gives it, without GX: each row by its rule's
    comparison (VERDICT); NULL for a rule whose comparison VERDICT does not know."""
    passed = pl.lit(None, pl.Boolean)
    for comparison, verdict in VERDICT.items():
        ids = [r.id for r in T.RULES if r.comparison == comparison]
        passed = pl.when(pl.col("rule_id").is_in(ids)).then(verdict).otherwise(passed)
    return checks.with_columns(passed=passed)


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else f"{value:.2f}"


def rule_failures(checks_with_passed: pl.DataFrame, report_id: str) -> list[dict]:
    """One report's failed checks as report-json `rule_failures`, in RULES order then template order."""
    failed = checks_with_passed.filter((pl.col("report_id") == report_id) & ~pl.col("passed"))
    return [{"rule": r["rule_id"], "column": r["column_code"],
             "lhs": _number(r["lhs"]), "rhs": _number(r["rhs"])}
            for r in failed.sort("check_id").iter_rows(named=True)]


def expectation_suites() -> dict[str, dict]:
    """GX suite JSON per rule family (the rule id's prefix: "balance", "range", "cross_year",
    "narrative"), from template.RULES."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    suites: dict[str, list] = {}
    for rule in T.RULES:
        name, kwargs = EXPECTATION[rule.comparison]
        suites.setdefault(rule.id.split(".")[0], []).append(getattr(gx.expectations, name)(
            **kwargs, column_A="lhs", column_B="rhs", row_condition=Column("rule_id") == rule.id,
            description=rule.description,  # what Data Docs show for the expectation
            meta={"rule_id": rule.id, "description": rule.description, "severity": rule.severity}))
    return {name: gx.ExpectationSuite(name=name, expectations=expectations).to_json_dict()
            for name, expectations in suites.items()}


def write_expectations() -> list[Path]:
    """(Re)write expectations/<suite>.json from RULES; the output is deterministic."""
    paths = []
    for name, suite in expectation_suites().items():
        path = EXPECTATIONS_DIR / f"{name}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-expectations"]:
        sys.exit("usage: python -m pipelines.validate --write-expectations")
    for written in write_expectations():
        print(written)
