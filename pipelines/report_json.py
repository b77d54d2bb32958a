"""The canonical report JSON of docs/report-json.md (what `xxgk extract` prints)."""

from __future__ import annotations

from decimal import Decimal

from . import template as T
from .extract import Extracted

# (JSON key, frame attribute, the two code columns of its rows)
_FRAMES = (("applications", "applications", "outcome_code", "applicant_code"),
           ("review_litigation", "review_litigation", "proceeding_code", "result_code"),
           ("proactive", "proactive", "item_code", "metric_code"))


def _number(value: Decimal, amount: bool):
    return f"{value:.2f}" if amount else int(value)


def to_json(ex: Extracted, rule_failures: list[dict]) -> dict:
    apps = {}
    for row in ex.applications.iter_rows(named=True):
        apps.setdefault(row["outcome_code"], {})[row["applicant_code"]] = row["value"]
    review = {}
    for row in ex.review_litigation.iter_rows(named=True):
        review.setdefault(row["proceeding_code"], {})[row["result_code"]] = row["value"]
    proactive = [
        {"item": r["item_code"], "metric": r["metric_code"],
         "value": _number(r["value"], T.METRIC_BY_CODE[r["metric_code"]].is_amount)}
        for r in ex.proactive.iter_rows(named=True)
    ]
    cells = [(f"{name}.{r[a]}.{r[b]}", r) for name, attr, a, b in _FRAMES
             for r in getattr(ex, attr).iter_rows(named=True)]
    return {
        "source": ex.source,
        "agency": ex.agency,
        "year": ex.year,
        "template": ex.template,
        "published": ex.published.isoformat() if ex.published else None,
        "scope": ex.scope,
        "status": ex.status,
        "sections": ex.sections,
        "proactive": proactive,
        "applications": apps,
        "review_litigation": review,
        "rule_failures": rule_failures,
        "rules_used": [{"rule": rule, "column": place} for rule, place in ex.rules_used],
        "unread": [{"section": u.section, "row": u.row, "reason": u.reason,
                    "candidates": [list(c) for c in u.candidates]} for u in ex.unread],
        "warnings": ex.warnings,
        "methods": {k: r["method"] for k, r in cells},
        "annotations": {k: r["note"] for k, r in cells if r["note"]},
        "provenance": {k: r["ref"] for k, r in cells},
    }
