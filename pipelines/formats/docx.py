"""DOCX adapter: a Word (or WPS) .docx report into a Document, read from the package XML with lxml.

The body of word/document.xml is read in order:
- a paragraph is a Line of its runs' text (w:t, tabs, symbols; deleted and hidden text and field
  codes left out); a w:br / w:cr inside it starts a new Line (a signature and its date are often one
  paragraph with a line break); automatic list numbers (numbering.xml, directly or through the
  paragraph style) are rendered in front of the text, so "一、" of a numbered heading is not lost;
  empty paragraphs are skipped; paragraphs in text boxes follow their anchor paragraph;
- a table becomes a grid: w:gridBefore shifts a row, w:gridSpan (and legacy w:hMerge) is a colspan,
  w:vMerge restart/continue a rowspan; anchors are kept, covered slots are not repeated; a nested
  table is its own table. Content controls (w:sdt) and custom XML wrappers are read through.

Tables and lines then go through the same assembly as HTML pages (pipelines/formats/html.py:
layout tables unwrapped, heading rows taken out, lines through the text rules, non-report tables
out of sections 二/三/四, and the blank template refused with a "no values" error).
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from ..document import Document
from ..errors import IngestError
from . import DOCX
from .assemble import RawCell, RawTable, TextItem, assemble, check_nesting, out_of_memory

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = f"{{{W}}}"
_MAX_PART = 256 * 1024 * 1024  # refuse zip bombs
_WRAPPERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag", f"{_W}ins", f"{_W}moveTo",
             f"{_W}hyperlink", f"{_W}fldSimple", f"{_W}dir", f"{_W}bdo"}
_SKIPPED = {f"{_W}del", f"{_W}moveFrom", f"{_W}sdtPr", f"{_W}sdtEndPr", f"{_W}rPr", f"{_W}pPr",
            f"{_W}tblPr", f"{_W}trPr", f"{_W}tcPr", f"{_W}tblGrid", f"{_W}sectPr", f"{_W}instrText",
            f"{_W}delText", f"{_W}footnoteReference", f"{_W}endnoteReference", f"{_W}commentReference"}
_CHINESE = "〇一二三四五六七八九"


def _val(el, name: str, default=None):
    child = el.find(f"{_W}{name}") if el is not None else None
    if child is None:
        return default
    return child.get(f"{_W}val", default if default is not None else "")


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- automatic numbering -------------------------------------------------------------------------


def _chinese(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CHINESE[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CHINESE[tens]) + "十" + (_CHINESE[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _format(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting",
               "taiwaneseCountingThousand", "ideographTraditional", "japaneseCounting"):
        return _chinese(n)
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join(_CHINESE[int(d)] for d in str(n))
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("decimalEnclosedParen",):
        return f"({n})"
    if fmt == "lowerLetter":
        return _letter(n)
    if fmt == "upperLetter":
        return _letter(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """List numbers as Word shows them: counters per abstract list, levels reset below."""

    def __init__(self, numbering, styles):
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.style_base: dict[str, str] = {}
        if numbering is not None:
            for abstract in numbering.iter(f"{_W}abstractNum"):
                aid = abstract.get(f"{_W}abstractNumId")
                self.levels[aid] = {
                    _int(lvl.get(f"{_W}ilvl"), 0): (_int(_val(lvl, "start", "1"), 1), _val(lvl, "numFmt", "decimal"),
                                                    _val(lvl, "lvlText", ""))
                    for lvl in abstract.iter(f"{_W}lvl")}
            for num in numbering.iter(f"{_W}num"):
                overrides = {_int(o.get(f"{_W}ilvl"), 0): _int(_val(o, "startOverride"), 1)
                             for o in num.iter(f"{_W}lvlOverride") if o.find(f"{_W}startOverride") is not None}
                self.nums[num.get(f"{_W}numId")] = (_val(num, "abstractNumId"), overrides)
        if styles is not None:
            for style in styles.iter(f"{_W}style"):
                sid = style.get(f"{_W}styleId")
                based = _val(style, "basedOn")
                if based:
                    self.style_base[sid] = based
                numpr = style.find(f"{_W}pPr/{_W}numPr")
                if numpr is not None:
                    self.style_num[sid] = (_val(numpr, "numId"), _int(_val(numpr, "ilvl"), None))

    def _from_style(self, sid: str | None) -> tuple[str | None, int | None]:
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            if sid in self.style_num:
                return self.style_num[sid]
            sid = self.style_base.get(sid)
        return None, None

    def label(self, ppr) -> str:
        if ppr is None:
            return ""
        num_id, ilvl = self._from_style(_val(ppr, "pStyle"))
        numpr = ppr.find(f"{_W}numPr")
        if numpr is not None:
            num_id = _val(numpr, "numId", num_id)
            ilvl = _int(_val(numpr, "ilvl"), ilvl if ilvl is not None else 0)
        ilvl = ilvl or 0
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        aid, overrides = self.nums[num_id]
        levels = self.levels.get(aid, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, [0] * 10)
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                if 0 <= lvl < 10:
                    counters[lvl] = start - 1
        counters[ilvl] = (counters[ilvl] if counters[ilvl] else levels[ilvl][0] - 1) + 1
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = 0
        text = levels[ilvl][2]
        for lvl in range(ilvl, -1, -1):
            start, fmt, _ = levels.get(lvl, (1, "decimal", ""))
            text = text.replace(f"%{lvl + 1}", _format(counters[lvl] or start, fmt))
        return text


# --- reading the body ----------------------------------------------------------------------------


class _Reader:
    def __init__(self, numbering: _Numbering):
        self.numbering = numbering
        self.paragraphs = 0
        self.tables = 0
        self.warnings: list[str] = []

    def blocks(self, parent) -> list:
        items: list = []
        for child in parent:
            tag = child.tag
            if tag == f"{_W}p":
                items += self.paragraph(child)
            elif tag == f"{_W}tbl":
                items.append(self.table(child))
            elif tag in _WRAPPERS or tag == f"{{{MC}}}AlternateContent":
                items += self.blocks(self._content(child))
        return items

    @staticmethod
    def _content(el):
        if el.tag == f"{{{MC}}}AlternateContent":
            choice = el.find(f"{{{MC}}}Choice")
            if choice is None:
                choice = el.find(f"{{{MC}}}Fallback")
            return choice if choice is not None else []
        return el

    def paragraph(self, p) -> list[TextItem]:
        self.paragraphs += 1
        node = f"paragraph {self.paragraphs}"
        pieces: list[str] = [self.numbering.label(p.find(f"{_W}pPr"))]
        boxes: list = []
        self._runs(p, pieces, boxes)
        items = [TextItem(line.strip(), node) for line in "".join(pieces).split("\n") if line.strip()]
        for box in boxes:
            items += self.blocks(box)
        return items

    def _runs(self, el, pieces: list[str], boxes: list):
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag == f"{_W}r":
                rpr = child.find(f"{_W}rPr")
                if rpr is not None and rpr.find(f"{_W}vanish") is not None \
                        and _val(rpr, "vanish", "true") not in ("0", "false", "off"):
                    continue
                self._run(child, pieces, boxes)
            elif tag == f"{{{MC}}}AlternateContent":
                self._runs(self._content(child), pieces, boxes)
            elif tag.startswith(_W) or tag.startswith(f"{{{MC}}}"):
                self._runs(child, pieces, boxes)

    def _run(self, run, pieces: list[str], boxes: list):
        for child in run:
            tag = child.tag
            if tag == f"{_W}t":
                pieces.append(child.text or "")
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                pieces.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                pieces.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                pieces.append("-")
            elif tag == f"{_W}sym":
                code = _int(int(child.get(f"{_W}char", "0"), 16) if child.get(f"{_W}char") else 0, 0)
                if code and not 0xE000 <= code <= 0xF8FF:
                    pieces.append(chr(code))
            elif tag == f"{{{MC}}}AlternateContent":
                self._run(self._content(child), pieces, boxes)
            elif isinstance(tag, str) and tag not in _SKIPPED:
                boxes += child.iter(f"{_W}txbxContent")

    def table(self, tbl) -> RawTable:
        self.tables += 1
        number = self.tables
        occupied: dict[tuple[int, int], RawCell] = {}
        rows: list[list[RawCell]] = []
        for y, tr in enumerate(self._rows(tbl)):
            trpr = tr.find(f"{_W}trPr")
            x = _int(_val(trpr, "gridBefore"), 0)
            anchors: list[RawCell] = []
            for tc in self._cells(tr):
                tcpr = tc.find(f"{_W}tcPr")
                span = max(1, _int(_val(tcpr, "gridSpan"), 1))
                vmerge = _val(tcpr, "vMerge")
                hmerge = _val(tcpr, "hMerge")
                above = occupied.get((y - 1, x))
                if vmerge is not None and vmerge != "restart" and above is not None:
                    if above.row + above.rowspan == y:  # continue the cell above
                        above.rowspan += 1
                    items = self.blocks(tc)
                    if any(isinstance(i, TextItem) for i in items):
                        self.warnings.append(f"table {number} row {y + 1}: text in a vertically merged "
                                             "continuation cell ignored, as Word does")
                    for dx in range(span):
                        occupied[(y, x + dx)] = above
                elif hmerge is not None and hmerge != "restart" and anchors:
                    left = anchors[-1]
                    left.colspan += span
                    left.items += self.blocks(tc)
                    for dx in range(span):
                        occupied[(y, x + dx)] = left
                else:
                    cell = RawCell(self.blocks(tc), y, x, 1, span)
                    for dx in range(span):
                        occupied[(y, x + dx)] = cell
                    anchors.append(cell)
                x += span
            rows.append(anchors)
        width = max((c for _, c in occupied), default=-1) + 1
        return RawTable(number, "", rows, width)

    def _rows(self, tbl):
        for child in tbl:
            if child.tag == f"{_W}tr":
                yield child
            elif child.tag in _WRAPPERS:
                yield from self._rows(child)

    def _cells(self, tr):
        for child in tr:
            if child.tag == f"{_W}tc":
                yield child
            elif child.tag in _WRAPPERS:
                yield from self._cells(child)


def _part(z: zipfile.ZipFile, name: str, source: str, required: bool = False):
    try:
        info = z.getinfo(name)
    except KeyError:
        if required:
            raise IngestError(source, "decode", f"{DOCX}: the package has no {name}") from None
        return None
    if info.file_size > _MAX_PART:
        raise IngestError(source, "decode", f"{DOCX}: {name} is {info.file_size} bytes uncompressed; refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
    try:
        data = z.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise IngestError(source, "decode", f"{DOCX}: {name} cannot be read from the package ({error})") from error
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        if out_of_memory(error):
            raise MemoryError(f"parsing {name}") from error
        if "Excessive depth" in str(error):
            raise IngestError(source, "decode", f"{DOCX}: {name} has elements nested more than "
                                                "libxml2's depth limit; not a report") from error
        if required:
            raise IngestError(source, "decode", f"{DOCX}: {name} is not well-formed XML ({error})") from error
        return None


def read_docx(data: bytes, source: str) -> Document:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise IngestError(source, "decode", f"{DOCX}: not a readable ZIP package ({error})") from error
    with z:
        root = _part(z, "word/document.xml", source, required=True)
        numbering = _Numbering(_part(z, "word/numbering.xml", source), _part(z, "word/styles.xml", source))
    body = root.find(f"{_W}body")
    if body is None:
        raise IngestError(source, "decode", f"{DOCX}: word/document.xml has no body")
    check_nesting(root, source, DOCX)
    reader = _Reader(numbering)
    items = reader.blocks(body)
    doc = Document(source, DOCX, None, warnings=reader.warnings)
    return assemble(items, doc)


