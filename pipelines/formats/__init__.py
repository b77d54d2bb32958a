"""Format sniffing by content, and dispatch to the adapter that builds the common Document."""

from __future__ import annotations

from ..decode import decode_text
from ..document import Document
from ..errors import IngestError

STAGE = "decode"

# Magic bytes of formats we recognise but cannot read yet, with what to do about them.
_UNSUPPORTED = (
    (b"%PDF", "application/pdf", "PDF reports are not supported yet"),
    (b"PK\x03\x04", "application/zip",
     "a ZIP container (.docx/.wps/.odt) is not supported yet; convert it to text or HTML"),
    (b"\xd0\xcf\x11\xe0", "application/msword",
     "a legacy Office file (.doc/.wps); convert it with LibreOffice (soffice --convert-to docx)"),
    (b"\x89PNG", "image/png", "an image (a scanned report has no text layer); it needs OCR"),
    (b"\xff\xd8\xff", "image/jpeg", "an image (a scanned report has no text layer); it needs OCR"),
    (b"GIF8", "image/gif", "an image (a scanned report has no text layer); it needs OCR"),
    (b"II*\x00", "image/tiff", "an image (a scanned report has no text layer); it needs OCR"),
    (b"MM\x00*", "image/tiff", "an image (a scanned report has no text layer); it needs OCR"),
)


def sniff(data: bytes) -> str:
    """The media type of a file, judged by its bytes rather than its name."""
    for magic, media_type, _ in _UNSUPPORTED:
        if data.startswith(magic):
            return media_type
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<table" in head:
        return "text/html"
    return "text/plain"


def to_document(data: bytes, source: str, charset: str | None = None) -> Document:
    media_type = sniff(data)
    for _, unsupported, reason in _UNSUPPORTED:
        if media_type == unsupported:
            raise IngestError(source, STAGE, f"{media_type}: {reason}")
    if media_type == "text/html":
        raise IngestError(source, STAGE, "text/html: HTML reports are not supported yet; save the page as text")
    from .text import read_text

    decoded = decode_text(data, source, charset)
    return read_text(decoded.text, source, decoded.encoding, media_type)
