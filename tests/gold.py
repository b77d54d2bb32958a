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
