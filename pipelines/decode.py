"""Bytes of a text report to str, never mojibake (strategy: docs/extraction-notes.md §3.3).

Order: BOM → strict UTF-8 → UTF-16 without BOM → declared charset → gb18030 / cp950 judged by the
template's own words, ties broken by chardet. A decoding must contain some of those words.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import chardet

from .errors import IngestError
from .template import ANCHOR_WORDS

STAGE = "decode"

# Traditional forms of ANCHOR_WORDS, as Big5 (Taiwan, Hong Kong, Macao) reports write them.
TRADITIONAL_ANCHOR_WORDS = ("政府資訊公開", "政府信息公開", "年度報告", "申請", "行政復議", "行政訴訟",
                            "總計", "情況", "辦理")
ANCHORS = ANCHOR_WORDS + TRADITIONAL_ANCHOR_WORDS

# UTF-32 first: its LE BOM starts with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
# C0 controls that plain text does not use (tab, newlines, form feed and ESC are allowed).
_CONTROLS = bytes(b for b in range(0x20) if b not in b"\t\n\x0b\x0c\r\x1b") + b"\x7f"
_LEGACY = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
           "big5": "cp950"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name
    method: str  # bom, utf-8, utf-16-pattern, declared, anchor-words or chardet


def decode_text(data: bytes, source: str, declared: str | None = None) -> Decoded:
    """Decode a text file; IngestError (stage "decode") if it is empty, binary or not a report."""
    def fail(reason: str) -> IngestError:
        return IngestError(source, STAGE, reason)

    if not data:
        raise fail("empty file (0 bytes)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if (text := _strict(data[len(bom):], encoding)) is None:
                raise fail(f"byte order mark says {encoding} but the bytes do not decode as it")
            return _checked(text, encoding, "bom", fail)
    # Over 2 % NULs or other controls: UTF-16 without BOM, or binary. Either way not UTF-8.
    binary = len(data.translate(None, _CONTROLS)) < 0.98 * len(data)
    if not binary and (text := _strict(data, "utf-8")) is not None:
        return _checked(text, "utf-8", "utf-8", fail)
    if (encoding := utf16_pattern(data)) and (text := _strict(data, encoding)) is not None:
        return _checked(text, encoding, "utf-16-pattern", fail)
    if binary:
        raise fail("binary content, not text")
    if declared and (encoding := codec(declared)) and (text := _strict(data, encoding)) is not None \
            and _anchored(text):
        return _checked(text, encoding, "declared", fail)

    decodings = {}
    for encoding in ("gb18030", "cp950", "big5hkscs"):
        if encoding == "big5hkscs" and "cp950" in decodings:
            continue
        if (text := _strict(data, encoding)) is not None:
            decodings[encoding] = text
    if not decodings:
        raise fail("undecodable bytes: not UTF-8, UTF-16, GB18030 or Big5")
    scores = {encoding: _score(text) for encoding, text in decodings.items()}
    best = max(scores.values())
    tied = [encoding for encoding, score in scores.items() if score == best]
    if best == 0:
        raise fail(f"none of the template's words in any decoding ({', '.join(decodings)}); "
                   "not a report, or an unsupported encoding")
    if len(tied) == 1:
        return _checked(decodings[tied[0]], tied[0], "anchor-words", fail)
    guess = codec(chardet.detect(data, include_encodings=tied, no_match_encoding="gb18030")["encoding"]
                   or "gb18030")
    encoding = guess if guess in tied else tied[0]
    return _checked(decodings[encoding], encoding, "chardet", fail)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def codec(label: str) -> str | None:
    """The Python codec for a charset label: GB2312/GBK as gb18030, Big5 as cp950; None if unknown."""
    label = label.strip().lower()
    try:
        name = codecs.lookup(_LEGACY.get(label, label)).name
    except LookupError:
        return None
    return _LEGACY.get(name, name)


def utf16_pattern(data: bytes) -> str | None:
    """utf-16-le/-be when the length is even and ASCII's NUL bytes sit mostly in odd/even positions.

    Only NULs paired with a byte below 0x4E count (whitespace, digits, punctuation): CJK code points
    U+4E00-U+9FFF such as 开 U+5F00 put a NUL in the other position, paired with a byte >= 0x4E.
    """
    if len(data) % 2:
        return None
    even, odd = data[:65536:2], data[1:65536:2]
    le = _both(even.translate(_ASCII_LOW), odd.translate(_NUL))
    be = _both(odd.translate(_ASCII_LOW), even.translate(_NUL))
    if le > 2 * be:
        return "utf-16-le"
    if be > 2 * le:
        return "utf-16-be"
    return None


# Byte → 1 where it counts, else 0, for counting byte pairs without a Python loop.
_NUL = bytes([1] + [0] * 255)
_ASCII_LOW = bytes([0] + [1] * 0x4D + [0] * (256 - 0x4E))


def _both(a: bytes, b: bytes) -> int:
    """How many positions are 1 in both 0/1 byte strings."""
    return (int.from_bytes(a, "big") & int.from_bytes(b, "big")).bit_count()


def _score(text: str) -> int:
    return sum(text.count(word) for word in ANCHORS)


def _anchored(text: str) -> bool:
    return any(word in text for word in ANCHORS)


def _checked(text: str, encoding: str, method: str, fail) -> Decoded:
    """The decoding, if it reads as a report; newlines as \\n, no leading U+FEFF."""
    if not _anchored(text):
        raise fail(f"decoded as {encoding} ({method}) but none of the template's words appear; "
                   "not a report, or the wrong encoding")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return Decoded(text, encoding, method)
