"""One raw document through decode, segment and extract: the per-document unit of work."""

from __future__ import annotations

import hashlib

from .errors import IngestError, internal_error
from .extract import Extracted, extract
from .formats import to_document

PARSER_VERSION = "0.3.0"


def report_id(data: bytes) -> str:
    """Reports are identified by their content: the first 16 hex digits of the SHA-256."""
    return hashlib.sha256(data).hexdigest()[:16]


def process(data: bytes, source: str, charset: str | None = None) -> Extracted:
    """Extract one document; raises IngestError naming the stage that failed.

    Whatever goes wrong inside a stage is an IngestError: a bug of ours (any other exception) is
    recorded as an internal error of that stage. MemoryError is left to the caller's memory limit.
    """
    stage = "decode"
    try:
        document = to_document(data, source, charset)
        stage = "extract"
        return extract(document, report_id(data))
    except (IngestError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - the document boundary
        raise internal_error(source, stage, error) from error
