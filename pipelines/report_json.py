"""The canonical report JSON of docs/report-json.md (what `xxgk extract` prints)."""

from __future__ import annotations

from decimal import Decimal

from . import template as T
from .extract import Extracted


def _number(value: Decimal, amount: bool):
    return f"{value:.2f}" if amount else int(value)


def to_json(ex: Extracted, rule_failures: list[dict]) -> dict:
    apps = {}
    for row in ex.applications.iter_rows(named=True):
        apps.setdefault(row["outcome_code"], {})[row["applicant_code"]] = row["value"]
    review = {p: {} for p in T.PROCEEDING_CODES}
    for row in ex.review_litigation.iter_rows(named=True):
        review[row["proceeding_code"]][row["result_code"]] = row["value"]
    proactive = [
        {"item": r["item_code"], "metric": r["metric_code"],
         "value": _number(r["value"], T.METRIC_BY_CODE[r["metric_code"]].is_amount)}
        for r in ex.proactive.iter_rows(named=True)
    ]
    provenance = {f"applications.{r['outcome_code']}.{r['applicant_code']}": r["ref"]
                  for r in ex.applications.iter_rows(named=True)}
    provenance.update({f"review_litigation.{r['proceeding_code']}.{r['result_code']}": r["ref"]
                       for r in ex.review_litigation.iter_rows(named=True)})
    provenance.update({f"proactive.{r['item_code']}.{r['metric_code']}": r["ref"]
                       for r in ex.proactive.iter_rows(named=True)})
    return {
        "source": ex.source,
        "agency": ex.agency,
        "year": ex.year,
        "template": ex.template,
        "published": ex.published.isoformat() if ex.published else None,
        "scope": ex.scope,
        "proactive": proactive,
        "applications": apps,
        "review_litigation": review,
        "rule_failures": rule_failures,
        "warnings": ex.warnings,
        "provenance": provenance,
    }
