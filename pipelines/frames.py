"""Schemas of the long-form Polars frames that carry extracted values between stages."""

import polars as pl

AMOUNT = pl.Decimal(18, 2)

REPORT = {
    "report_id": pl.String, "source_uri": pl.String, "sha256": pl.String, "media_type": pl.String,
    "encoding": pl.String, "agency": pl.String, "report_year": pl.Int32, "template_version": pl.String,
    "scope": pl.String, "published_date": pl.Date, "parser_version": pl.String,
    "first_seen": pl.Datetime("us"),  # UTC, when the bytes were first fetched
    # the body the report names (pipelines.bodies.Body), NULL without a name
    "body": pl.String, "level": pl.String, "province": pl.String, "prefecture": pl.String, "county": pl.String,
}
APPLICATION = {
    "report_id": pl.String, "outcome_code": pl.String, "applicant_code": pl.String,
    "value": pl.Int64, "raw_text": pl.String, "ref": pl.String,
}
PROACTIVE = {
    "report_id": pl.String, "item_code": pl.String, "metric_code": pl.String,
    "value": AMOUNT, "raw_text": pl.String, "ref": pl.String,
}
REVIEW_LITIGATION = {
    "report_id": pl.String, "proceeding_code": pl.String, "result_code": pl.String,
    "value": pl.Int64, "raw_text": pl.String, "ref": pl.String,
}
# One row per rule × place: both sides of the identity, computed exactly.
CHECK = {
    "check_id": pl.Int64, "report_id": pl.String, "rule_id": pl.String, "column_code": pl.String,
    "lhs": AMOUNT, "rhs": AMOUNT, "severity": pl.String,
}


def empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
