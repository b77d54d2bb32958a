"""Format sniffing by content, and dispatch to the adapter that builds the common Document."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from ..decode import decode_text, utf16_pattern
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
    "application/x-damaged-zip": "a damaged or truncated ZIP/.docx file; fetch it again",
    "application/vnd.ms-word.xml": "a Word XML file (2003 XML or Flat OPC); save it as .docx",
    "image/png": _SCAN, "image/jpeg": _SCAN, "image/gif": _SCAN, "image/tiff": _SCAN,
}
_MAGIC = (
    (b"%PDF", "application/pdf"), (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"), (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"), (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|table|meta|div|p|br|span)[\s>/]", re.I)
_WORD_XML = re.compile(rb"<(?:w:wordDocument|pkg:package)\b")


def sniff(data: bytes) -> str:
    """The media type of a file, judged by its bytes rather than its name."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return _zip_kind(data) if media_type == "application/zip" else media_type
    head = data[:4096]
    if (encoding := utf16_pattern(head)) or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode(encoding or "utf-16", "ignore").encode("utf-8", "ignore")
    if _WORD_XML.search(head):
        return "application/vnd.ms-word.xml"
    return "text/html" if _MARKUP.search(head) else "text/plain"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return DOCX if "word/document.xml" in z.namelist() else "application/zip"
    except zipfile.BadZipFile:
        return "application/x-damaged-zip"


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
