"""HTML adapter: a saved government web page (or a Word "save as web page" file) into a Document.

Decoding follows WHATWG order: BOM, then the charset of the HTTP header, then a `<meta charset>` /
`http-equiv` declaration, then detection (pipelines/decode.py). A declared charset is trusted only
if it decodes the bytes strictly into text with the template's words; GB2312/GBK labels decode as
GB18030 and Big5 as cp950.

The page is parsed with lxml (libxml2's HTML parser) and walked in document order:
- scripts, styles, forms controls, hidden elements (`display:none`, `hidden`), comments (MS Office
  conditional comments included; the content of "downlevel-revealed" `<![if ...]>` blocks stays, as
  browsers show it), `<nav>`, `<aside>`, and `<header>`/`<footer>` outside an article are dropped;
  so are elements whose class or id names site chrome (nav, menu, breadcrumb, footer, copyright,
  sidebar, share, ...), unless they hold the report's own headings or tables;
- text outside tables becomes one Line per block (p, div, li, h1-h6, br, ...); a line made only of
  link text (menus, related links, other years' reports) is navigation and is dropped;
- every `<table>` becomes a slot grid by the WHATWG table model (rowspan/colspan, rowspan=0 to the
  end of the row group, bad values as 1), kept as anchor cells. Cell text leaves nested tables out;
  its block and `<br>` breaks are joined back without a separator between CJK characters, so a label
  split over `<span>`s, `<p>`s or one character per line comes out whole. `&nbsp;`, U+3000 and
  `<o:p></o:p>` are blank;
- a layout table (a cell holding a table, a section heading or long prose, or a one-cell box) is
  unwrapped: its cells' content flows on as lines and tables; a full-width row that is a section
  heading is taken out of a data table as a Line, so the segmenter sees it.

The lines and grids then become Document blocks by pipelines/formats/assemble.py, as for DOCX.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .. import template as T
from ..decode import Decoded, codec, decode_text
from ..document import Document
from ..errors import IngestError
from ..labels import CJK, clean
from ..segment import heading
from .assemble import RawCell, RawTable, TextItem, assemble, check_nesting, out_of_memory

MEDIA_TYPE = "text/html"

# --- decoding ------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_META_SCAN = 16384  # WHATWG prescans 1024 bytes, but browsers re-parse on a later <meta>; CMS heads are long


def meta_charset(data: bytes) -> str | None:
    """The charset a `<meta charset>` or `http-equiv` declaration names near the top of the page."""
    m = _META_CHARSET.search(data[:_META_SCAN])
    return m.group(1).decode("ascii", "replace") if m else None


def decode_html(data: bytes, source: str, charset: str | None = None) -> tuple[Decoded, list[str]]:
    """BOM → HTTP charset → <meta> → detection; a declaration the bytes do not bear out is overruled."""
    declared = charset or meta_charset(data)
    decoded = decode_text(data, source, declared)
    said = declared and codec(declared)
    warnings = ([f"decode: declared charset '{declared}' but the bytes read as {decoded.encoding}"]
                if said and said != decoded.encoding and decoded.method != "bom" else [])
    return decoded, warnings


# --- parsing and walking -------------------------------------------------------------------------

_SKIP = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "applet", "select",
    "option", "optgroup", "button", "input", "textarea", "svg", "math", "canvas", "map", "area", "audio",
    "video", "source", "track", "head", "title", "meta", "link", "base", "nav", "aside", "dialog", "img",
})
_BLOCK = frozenset({
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dir", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "ol", "p", "plaintext",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "xmp",
})
_PRE = frozenset({"pre", "listing", "xmp", "plaintext"})
_CHROME = re.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|navigation|menu|mainmenu|submenu|breadcrumbs?|crumbs?|footer|foot|"
    r"copyright|sidebar|share|bdshare|toolbar|topbar|header|banner|skip)(?:$|[\s_\-\d])", re.I)
# Lines only site chrome writes: today's date, breadcrumbs, copyright and filing numbers, page tools.
_CHROME_LINE = re.compile(
    r"(?:今天是|今日是|今天[:：])\d{4}年|^(?:当前位置|您(?:现在)?(?:的|所在的)?位置)|版权所有|ICP备|网站标识码|公网安备|公安备案|"
    r"【打印本页】|【关闭窗口】|【打印】|【关闭】|分享到[:：]")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Words only the report itself has: a subtree holding them is never chrome.
_REPORT_WORDS = (*T.TABLE_SIGNATURES.values(), T.APPLICANT_HEADER_LABEL)
_CJK_BREAK = re.compile(rf"(?<=[{CJK}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{CJK}])")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_NON_NEGATIVE = re.compile(r"\s*\+?(\d+)")


_TAGS: dict = {}  # element tag → lower-case local name; None for comments and processing instructions


def _tag(el) -> str | None:
    try:
        return _TAGS[el.tag]
    except KeyError:
        tag = el.tag
        _TAGS[tag] = tag.lower().rpartition("}")[2] if isinstance(tag, str) else None
        return _TAGS[tag]


@lru_cache(maxsize=1 << 16)  # the same label and number texts recur in every page
def collapse(text: str) -> str:
    """Rendered whitespace: a line break between CJK characters vanishes, other runs of collapsible
    whitespace are one space; no-break spaces are not collapsible (a run of &nbsp; aligns columns)."""
    return _SPACES.sub(" ", _CJK_BREAK.sub("", text)).replace("\xa0", " ").strip()


class _Line(TextItem):
    """A line of the page. Its node path is worked out only when asked for: most lines are in the
    cells of data tables, whose refs name the table, row and column instead."""

    def __init__(self, text: str, el, links_only: bool):
        self.text, self.el, self.links_only = text, el, links_only

    @property
    def node(self) -> str:
        return self.el.getroottree().getpath(self.el) if self.el is not None else ""


class _Flow:
    """Inline text gathered into lines; tables and line breaks end a line. A line's node is the
    element its first text came from."""

    def __init__(self):
        self.items: list = []
        self.parts: list[tuple[str, bool]] = []
        self.el = None

    def add(self, text: str, el, link: bool):
        """Text (not empty) from el."""
        if self.el is None and text.strip():
            self.el = el
        self.parts.append((text, link))

    def flush(self, pre: bool = False):
        if not self.parts:
            return
        parts = self.parts
        if len(parts) == 1:
            raw, links_only = parts[0]
        else:
            raw = "".join(t for t, _ in parts)
            links_only = all(link for t, link in parts if t.strip())
        text = raw.strip() if pre else collapse(raw)  # stripped: not empty only if raw has more than spaces
        if text:
            self.items.append(_Line(text, self.el, links_only))
        self.parts, self.el = [], None

    def table(self, table: RawTable):
        self.flush()
        self.items.append(table)


@lru_cache(maxsize=1 << 12)  # pages repeat a few style attributes on every element
def _hidden_style(style: str) -> bool:
    style = style.lower()
    return ("display" in style or "visibility" in style) and bool(_HIDDEN.search(style))


def _hidden(el, names: list[str] | None = None) -> bool:
    """A hidden attribute, or a style that hides the element (`names`: its attribute names, if read)."""
    names = el.keys() if names is None else names
    return "hidden" in names or "style" in names and _hidden_style(el.get("style"))


@lru_cache(maxsize=1 << 12)
def _chrome_names(cls: str | None, ident: str | None) -> bool:
    names = " ".join(filter(None, (cls, ident)))
    return bool(names and _CHROME.search(names))


_NOT_CHROME = frozenset({"td", "th", "tr", "tbody", "thead", "tfoot", "body", "html"})


def _span(value: str | None, default: int, cap: int, zero_ok: bool) -> int:
    """WHATWG "rules for parsing non-negative integers": leading digits; garbage → default."""
    m = _NON_NEGATIVE.match(value) if value else None
    if not m:
        return default
    n = int(m.group(1))
    if n == 0:
        return 0 if zero_ok else default
    return min(n, cap)


class _Page:
    def __init__(self, root):
        self.root = root
        self.tree = root.getroottree()
        self.tables = 0
        self.warnings: list[str] = []

    def _skipped(self, el, tag: str) -> bool:
        if tag in _SKIP:
            return True
        names = el.keys()  # most elements have no attributes, or only a style
        if names and _hidden(el, names):
            return True
        if tag in ("header", "footer") and not any(_tag(a) in ("article", "main") for a in el.iterancestors()):
            return not self._holds_report(el)
        if ("class" in names or "id" in names) and tag not in _NOT_CHROME \
                and _chrome_names(el.get("class"), el.get("id")):
            return not self._holds_report(el)
        return False

    @staticmethod
    def _holds_report(el) -> bool:
        text = "".join(el.itertext())
        if any(w in clean(text) for w in _REPORT_WORDS):
            return True
        if any(_tag(h) in ("h1", "h2", "h3") and "报告" in "".join(h.itertext()) for h in el.iter()):
            return True
        return any(heading(line) for line in text.splitlines() if line.strip())

    def walk(self, el, flow: _Flow, link: bool = False, pre: bool = False):
        """Append el's content (not its tail) to flow."""
        tag = _tag(el)
        if tag is None or self._skipped(el, tag):
            return
        if tag == "br":
            flow.flush(pre)
            return
        if tag == "table":
            flow.table(self.table(el))
            return
        block = tag in _BLOCK
        if block and flow.parts:
            flow.flush(pre)
        link = link or (tag == "a" and el.get("href") is not None)
        pre = pre or tag in _PRE
        self._children(el, flow, link, pre)
        if block and flow.parts:
            flow.flush(pre)

    def _children(self, el, flow: _Flow, link: bool, pre: bool):
        """el's text, its children and their tails, into flow."""
        text = el.text
        if text:
            self._pre_text(text, el, flow, link) if pre else flow.add(text, el, link)
        for child in el:
            self.walk(child, flow, link, pre)
            text = child.tail
            if text:
                self._pre_text(text, el, flow, link) if pre else flow.add(text, el, link)

    @staticmethod
    def _pre_text(text: str, el, flow: _Flow, link: bool):
        """Preformatted text: each newline ends a line."""
        for i, piece in enumerate(text.split("\n")):
            if i:
                flow.flush(pre=True)
            if piece:
                flow.add(piece, el, link)

    def table(self, el) -> RawTable:
        """The WHATWG table model: row groups in order (tfoot last), slots, anchors with spans."""
        self.tables += 1
        number = self.tables
        groups: list[list] = []
        tfoot: list[list] = []
        caption: list = []
        loose: list | None = None
        for child in el:
            tag = _tag(child)
            if tag == "tr":
                if loose is None:
                    loose = []
                    groups.append(loose)
                loose.append(child)
                continue
            loose = None
            if tag in ("thead", "tbody"):
                groups.append([tr for tr in child if _tag(tr) == "tr"])
            elif tag == "tfoot":
                tfoot.append([tr for tr in child if _tag(tr) == "tr"])
            elif tag == "caption" and not self._skipped(child, tag):
                flow = _Flow()
                self.walk(child, flow)
                flow.flush()
                caption += flow.items
        below: set[tuple[int, int]] = set()  # slots that cells of the rows above span down into
        rows: list[list[RawCell]] = []
        y = width = 0
        for group in groups + tfoot:
            group = [tr for tr in group if not _hidden(tr)]
            end = y + len(group)
            for tr in group:
                x, anchors = 0, []
                for td in tr:
                    if _tag(td) not in ("td", "th") or _hidden(td):
                        continue
                    while (y, x) in below:
                        x += 1
                    colspan = _span(td.get("colspan"), 1, 1000, zero_ok=False)
                    rowspan = _span(td.get("rowspan"), 1, 65534, zero_ok=True)
                    rowspan = end - y if rowspan == 0 else min(rowspan, end - y)
                    flow = _Flow()
                    self._children(td, flow, False, False)
                    flow.flush()
                    anchors.append(RawCell(flow.items, y, x, rowspan, colspan))
                    if rowspan > 1:
                        below.update((y + dy, x + dx) for dy in range(1, rowspan) for dx in range(colspan))
                    x += colspan
                    width = max(width, x)
                rows.append(anchors)
                y += 1
        return RawTable(number, self.tree.getpath(el), rows, width, caption)


def read_html(data: bytes, source: str, charset: str | None = None) -> Document:
    decoded, warnings = decode_html(data, source, charset)
    text, encoding = decoded.text.replace("\x00", ""), decoded.encoding
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=True,
                              huge_tree=True, no_network=True)
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser)
        if root is None:
            raise etree.ParserError("Document is empty")
    except (etree.ParserError, ValueError) as error:
        if isinstance(error, etree.Error) and out_of_memory(error):
            raise MemoryError("parsing the page") from error
        raise IngestError(source, "decode", f"text/html: no HTML content to parse ({error})") from error
    check_nesting(root, source, MEDIA_TYPE)
    page = _Page(root)
    flow = _Flow()
    body = root.find("body")
    page.walk(body if body is not None else root, flow)
    flow.flush()
    doc = Document(source, MEDIA_TYPE, encoding, warnings=warnings + page.warnings)
    assemble(flow.items, doc, title=_head_title(root), drop=_is_chrome_line)
    return doc


def _is_chrome_line(item: TextItem) -> bool:
    """Navigation (a line of nothing but links) or a line only site chrome writes."""
    if heading(item.text):
        return False
    return item.links_only or bool(_CHROME_LINE.search(clean(item.text)))


def _head_title(root) -> TextItem | None:
    """The report title from <head><title>, without the site name ("… _XX区人民政府网")."""
    title = root.find("head/title")
    if title is None or not (title.text or "").strip():
        return None
    pieces = [p.strip() for p in re.split(r"\s*(?:[_|｜]|--|\s[-—–]\s|——)\s*", collapse(title.text))]
    pieces = [p for p in pieces if "报告" in p]
    return TextItem(max(pieces, key=len), "/html/head/title") if pieces else None
