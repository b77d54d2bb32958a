"""Schemas of the long-form Polars frames that carry extracted values between stages."""

import polars as pl

AMOUNT = pl.Decimal(18, 2)

REPORT = {
    "report_id": pl.String, "source_uri": pl.String, "sha256": pl.String, "media_type": pl.String,
    "encoding": pl.String, "agency": pl.String, "report_year": pl.Int32, "template_version": pl.String,
    "scope": pl.String, "published_date": pl.Date, "parser_version": pl.String,
    "extract_status": pl.String, "status_proactive": pl.String, "status_applications": pl.String,
    "status_review_litigation": pl.String,
    "first_seen": pl.Datetime("us"),  # UTC, when the bytes were first fetched
    # the body the report names (pipelines.bodies.Body), NULL without a name
    "body": pl.String, "level": pl.String, "province": pl.String, "prefecture": pl.String, "county": pl.String,
}
# What a partial report could not read (pipelines.extract.Unread); candidates as a JSON list.
UNREAD = {"report_id": pl.String, "section": pl.String, "row_code": pl.String, "reason": pl.String,
          "candidates": pl.String}
APPLICATION = {
    "report_id": pl.String, "outcome_code": pl.String, "applicant_code": pl.String,
    "value": pl.Int64, "raw_text": pl.String, "ref": pl.String, "method": pl.String, "note": pl.String,
}
PROACTIVE = {
    "report_id": pl.String, "item_code": pl.String, "metric_code": pl.String,
    "value": AMOUNT, "raw_text": pl.String, "ref": pl.String, "method": pl.String, "note": pl.String,
}
REVIEW_LITIGATION = {
    "report_id": pl.String, "proceeding_code": pl.String, "result_code": pl.String,
    "value": pl.Int64, "raw_text": pl.String, "ref": pl.String, "method": pl.String, "note": pl.String,
}
# The frame of each table section (二, 三, 四 in document order), by its name in Extracted and in a chunk's frames.
SECTIONS = {"proactive": PROACTIVE, "applications": APPLICATION, "review_litigation": REVIEW_LITIGATION}
# A document that stopped at a stage (pipelines.errors.IngestError), before it is recorded in ingest_error.
ERROR = {"source_uri": pl.String, "sha256": pl.String, "stage": pl.String, "reason": pl.String}
# How a cell was obtained (pipelines/extract.py): as printed, with a note, cut from a digit run, placed by order.
METHODS = ("read", "annotated", "split", "position")
# One row per rule × place: both sides of the identity, computed exactly.
CHECK = {
    "check_id": pl.Int64, "report_id": pl.String, "rule_id": pl.String, "column_code": pl.String,
    "lhs": AMOUNT, "rhs": AMOUNT, "severity": pl.String, "role": pl.String,
}
# Places whose identity was used to read a report (to cut a digit run, to place a row): for that
# report the check there is no independent test (role "used" instead of "tested").
USED = {"report_id": pl.String, "rule_id": pl.String, "column_code": pl.String}


def empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
