"""One raw document through decode, segment and extract: the per-document unit of work."""

from __future__ import annotations

import hashlib

from .extract import Extracted, extract
from .formats import to_document

PARSER_VERSION = "0.2.0"


def report_id(data: bytes) -> str:
    """Reports are identified by their content: the first 16 hex digits of the SHA-256."""
    return hashlib.sha256(data).hexdigest()[:16]


def process(data: bytes, source: str, charset: str | None = None) -> Extracted:
    """Extract one document; raises IngestError naming the stage that failed."""
    return extract(to_document(data, source, charset), report_id(data))
