"""One raw document through decode, segment and extract: the per-document unit of work."""

from __future__ import annotations

import hashlib

from .extract import Extracted, extract
from .formats import to_document

PARSER_VERSION = "0.1.0"


def report_id(data: bytes) -> str:
    """Reports are identified by their content: the first 16 hex digits of the SHA-256."""
    return hashlib.sha256(data).hexdigest()[:16]


def process(data: bytes, source: str, charset: str | None = None) -> tuple[Extracted, str]:
    """Extract one document; raises IngestError naming the stage. Returns the report and its encoding."""
    doc = to_document(data, source, charset)
    return extract(doc, report_id(data)), doc.encoding
