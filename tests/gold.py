"""Gold report JSON (docs/report-json.md) as the long-form frames of pipelines/frames.py."""

import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines import frames


def gold_frames(path: Path) -> tuple[str, str, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(report_id, template, applications, review_litigation, proactive); report_id is the file stem."""
    gold = json.loads(Path(path).read_text(encoding="utf-8"))
    rid = Path(path).stem
    applications = pl.DataFrame(
        [(rid, row, col, value, None, None, "read", None)
         for row, cells in gold["applications"].items() for col, value in cells.items()],
        schema=frames.APPLICATION, orient="row")
    review = pl.DataFrame(
        [(rid, proceeding, result, value, None, None, "read", None)
         for proceeding, cells in gold["review_litigation"].items() for result, value in cells.items()],
        schema=frames.REVIEW_LITIGATION, orient="row")
    proactive = pl.DataFrame(
        [(rid, p["item"], p["metric"], Decimal(str(p["value"])), None, None, "read", None) for p in gold["proactive"]],
        schema=frames.PROACTIVE, orient="row")
    return rid, gold["template"], applications, review, proactive


KEYS = {"applications": ("outcome_code", "applicant_code"),
        "review_litigation": ("proceeding_code", "result_code"), "proactive": ("item_code", "metric_code")}


def planted(frames_: dict[str, pl.DataFrame], changes: dict) -> dict[str, pl.DataFrame]:
    """`frames_` (by name: "applications", "review_litigation", "proactive") with cells set:
    {(frame, row code, column code): value}; each cell must exist once."""
    frames_ = dict(frames_)
    for (name, row, col), value in changes.items():
        frame = frames_[name]
        hit = (pl.col(KEYS[name][0]) == row) & (pl.col(KEYS[name][1]) == col)
        assert frame.filter(hit).height == 1, (name, row, col)
        frames_[name] = frame.with_columns(value=pl.when(hit).then(pl.lit(value, frame.schema["value"]))
                                           .otherwise(pl.col("value")))
    return frames_


def load_gold(con, path: Path, *, report_id: str, agency: str, year: int, scope: str = "self",
              published=None, first_seen=None, changes: dict | None = None, statements: dict | None = None,
              run_id: str = "run") -> str:
    """Load a gold report as a report of its own (another id, body, year, dates) through the real loader:
    checks built and judged by the GX suites. `changes` plants values: {(frame, row, column): value}
    with frame "applications", "review_litigation" or "proactive"; `statements` are prose numbers
    {code: value}. Which report is current is left to pipelines.identity."""
    from datetime import datetime

    from pipelines import bodies, load, narrative, validate

    _, template, apps, review, proactive = gold_frames(path)
    frames_ = planted({"applications": apps, "review_litigation": review, "proactive": proactive}, changes or {})
    frames_ = {k: v.with_columns(report_id=pl.lit(report_id), ref=pl.lit(f"{k} cell"))
               for k, v in frames_.items()}
    checks = validate.run_suites(validate.build_checks(frames_["applications"], frames_["review_litigation"],
                                                       frames_["proactive"], {report_id: template}))
    body = bodies.resolve(agency)
    report = pl.DataFrame([{
        "report_id": report_id, "source_uri": f"/reports/{report_id}.txt", "sha256": (report_id * 64)[:64],
        "media_type": "text/plain", "encoding": "utf-8", "agency": agency, "report_year": year,
        "template_version": template, "scope": scope, "published_date": published,
        "parser_version": "test", "extract_status": "complete", "status_proactive": "read",
        "status_applications": "read", "status_review_litigation": "read",
        "first_seen": first_seen or datetime(year + 1, 2, 1), "body": body.name,
        "level": body.level, "province": body.province, "prefecture": body.prefecture, "county": body.county,
    }], schema=frames.REPORT)
    said = pl.DataFrame([(report_id, code, value, "line 1", f"…{value}件…") for code, value in
                         (statements or {}).items()], schema=narrative.STATEMENT, orient="row")
    load.load_reports(con, report, frames_["applications"], frames_["proactive"], frames_["review_litigation"],
                      checks, run_id, said)
    return report_id
