"""Format sniffing by content, and dispatch to the adapter that builds the common Document."""

from __future__ import annotations

import io
import zipfile

from ..decode import decode_text
from ..document import Document
from ..errors import IngestError
from .text import read_text

STAGE = "decode"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_SCAN = "an image (a scanned report has no text layer); it needs OCR"
# Formats we recognise by their bytes but cannot read, with what to do about them.
_UNSUPPORTED = {
    "application/zip": "a ZIP container that is not a Word .docx (e.g. .odt); convert it to .docx",
    "application/x-ole-storage": "a legacy Office file (.doc/.wps/.et); convert it with LibreOffice "
                                 "(soffice --headless --convert-to docx FILE)",
    "image/png": _SCAN, "image/jpeg": _SCAN, "image/gif": _SCAN, "image/tiff": _SCAN,
}
_MAGIC = (
    (b"%PDF", "application/pdf"), (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"), (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"), (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff(data: bytes) -> str:
    """The media type of a file, judged by its bytes rather than its name."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            if media_type == "application/zip" and _is_docx(data):
                return DOCX
            return media_type
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in head or b"<meta" in head:
        return "text/html"
    return "text/plain"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def to_document(data: bytes, source: str, charset: str | None = None) -> Document:
    """Any supported input as the common Document; IngestError (stage "decode") otherwise."""
    media_type = sniff(data)
    if media_type in _UNSUPPORTED:
        raise IngestError(source, STAGE, f"{media_type}: {_UNSUPPORTED[media_type]}")
    if media_type == "application/pdf":
        from .pdf import read_pdf
        return read_pdf(data, source)
    if media_type == DOCX:
        from .docx import read_docx
        return read_docx(data, source)
    if media_type == "text/html":
        from .html import read_html
        return read_html(data, source, charset)
    decoded = decode_text(data, source, charset)
    return read_text(decoded.text, source, decoded.encoding, media_type)
