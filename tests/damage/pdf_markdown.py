"""Class 3, PDF-to-markdown/text tools: a report's PDF put through a layout converter (marker-style pipe
tables, or `pdftotext -layout`-style columns aligned with spaces).

What those tools leave in the text:

- prose with a hard line break every ~28 characters (24-32), mid-word; headings as plain lines or `#`;
- table titles (第二十条第（一）项) on a line of their own, separated from their rows by blank lines;
- column headers broken mid-word across two header rows (商业企 | 业), the 勾稽 note wrapped down the
  header rows;
- the tables' real grid: group labels in label columns of their own, the vertical 三、本年度办理结果
  one character per row, rowspan group labels split across two rows ((三)不 | 予公开);
- row labels wrapped onto separate lines (the values on the first, middle or last of them), and some
  row labels lost entirely (bare number rows);
- page footers (— 2 —, 第 3 页) between table rows; footnote rows (注：…) under tables;
- annotations inside numeric cells (22（其中修订 16 件）, 55（含自然失效 29 件）: the number before the
  note is the value, the note's number never exceeds it);
- headings missing (no 四 or 五 heading) or renumbered (the sections from one point on restarting at 一).

No damage changes a value or what a label means, so the gold is the source's.
"""

from __future__ import annotations

import re
from random import Random

from pipelines import template as T
from pipelines.labels import key
from pipelines.values import parse

from .layout import (NUMERALS, Rendered, aligned, applicant_header, pad, paragraphs, pipe, renumber,
                     review_header, title_lines, wrap)
from .source import Clean, Grid, Heading, Other, Prose

KLASS = "pdf-markdown"
_DOCUMENTS = re.compile("规章|规范性文件|主动公开文件")  # section 二 rows whose counts carry notes

PAGE_MARKS = ("— {n} —", "- {n} -", "第 {n} 页", "第{n}页 共{m}页", "—{n}—")
# Notes printed inside a numeric cell after its value, by section; k never exceeds the value.
NOTES = {"proactive": ("（其中修订 {k} 件）", "（含自然失效 {k} 件）", "(其中新增{k}项)"),
         "applications": ("（含转办{k}件）", "（其中网上申请{k}件）", "(其中{k}件为上年结转)")}
FOOTNOTES = ("注：本表数据统计期限为{y}年1月1日至{y}年12月31日。", "注：“—”表示无此项内容。",
             "注：1.本表“其他”指除上述类别以外的申请人；2.数据由各部门报送。", "注：数据来源于本机关政府信息公开工作台账。")


class _Options:
    def __init__(self, rng: Random, clean: Clean):
        self.rng = rng
        self.style = rng.choice(("pipe", "aligned"))
        self.width = rng.randint(24, 32)
        self.prefix = rng.choice(("", "# ", "## ")) if self.style == "pipe" else ""
        self.drop = {s for s in ("review_litigation", "problems") if rng.random() < 0.25}
        self.renumber_from = rng.choice(("proactive", "applications", "review_litigation")) \
            if rng.random() < 0.2 else None
        self.caption_gap = rng.random() < 0.6
        self.header_split = rng.random() < 0.6
        self.label_width = rng.randint(8, 16) if rng.random() < 0.6 else None
        self.value_line = rng.choice(("first", "middle", "last"))
        self.p_lost = rng.choice((0, 0, 0.1, 0.25))
        self.group_split = rng.random() < 0.5
        self.vertical = rng.random() < 0.5
        self.footers = rng.random() < 0.5
        self.p_note = rng.choice((0, 0.1, 0.3))
        self.footnote = rng.random() < 0.4
        self.gap = rng.random() < 0.5
        self.year = clean.source.gold["year"]
        self.pages = rng.randint(1, 3)
        self.hits: set[str] = set()

    def print(self, sheet) -> list[str]:
        return pipe(sheet) if self.style == "pipe" else aligned(sheet, self.rng)


def _split_header(rows: list[list[str]], o: _Options) -> list[list[str]]:
    """Header labels broken mid-word: each row may get a continuation row holding the tails."""
    if not o.header_split:
        return rows
    out = []
    for row in rows:
        head, tail = list(row), [""] * len(row)
        for i, cell in enumerate(row):
            if len(cell) >= 3 and "勾稽" not in cell and o.rng.random() < 0.5:
                cut = o.rng.randint(1, len(cell) - 1)
                head[i], tail[i] = cell[:cut], cell[cut:]
        out += [head, tail] if any(tail) else [head]
    if out != rows:
        o.hits.add("header_split")
    return out


def _annotated(value: str, section: str | None, o: _Options) -> str:
    """A count with a note after it: in section 二's documents table, and a third as often in
    section 三 (other tables' counts carry none)."""
    v = parse(value)
    p = {"proactive": o.p_note, "applications": o.p_note / 3}.get(section, 0)
    if v.kind != "number" or v.number <= 0 or v.number != v.number.to_integral_value() or v.unit_scale \
            or o.rng.random() >= p:
        return value
    o.hits.add("annotations")
    return value + o.rng.choice(NOTES[section]).format(k=o.rng.randint(1, int(v.number)))


def _data_rows(section: str | None, prefix: list[str], col: int, label: str, values: list[str], width: int,
               o: _Options, lost_p: float) -> list[list[str]]:
    """One table row with its label at `col` of the label columns `prefix`; a lost label leaves a
    bare number row, a long label wraps onto lines of its own around the values' line."""
    values = [_annotated(v, section, o) for v in values]
    if label and o.rng.random() < lost_p:
        o.hits.add("labels_lost")
        label = ""
    chunks = wrap(label, o.label_width) if label and o.label_width else [label]
    if len(chunks) > 1:
        o.hits.add("labels_wrapped")
    at = {"first": 0, "middle": (len(chunks) - 1) // 2, "last": len(chunks) - 1}[o.value_line]
    rows = []
    for i, chunk in enumerate(chunks):
        cells = list(prefix) if i == at else [""] * len(prefix)
        cells[col] = chunk
        rows.append(pad(cells + (values if i == at else []), width))
    return rows


def _finish(head: list[list[str]], body: list[list[str]], width: int, o: _Options) -> list[str]:
    """Header and body printed, with a page footer between two rows and a footnote under it."""
    sheet: list = _split_header(head, o) + body
    if o.footers and len(body) > 2 and o.rng.random() < 0.6:
        o.pages += 1
        mark = o.rng.choice(PAGE_MARKS).format(n=o.pages, m=o.pages + o.rng.randint(1, 4))
        at = len(sheet) - o.rng.randint(1, len(body) - 1)
        sheet.insert(at, pad([mark], width) if o.style == "pipe" and o.rng.random() < 0.5 else mark)
        o.hits.add("page_footers")
    tail = []
    if o.footnote and o.rng.random() < 0.5:
        note = o.rng.choice(FOOTNOTES).format(y=o.year)
        if o.style == "pipe" and o.rng.random() < 0.5:
            sheet.append(pad([note], width))
        else:
            tail = [""] * o.rng.randint(0, 1) + [note]
        o.hits.add("footnotes")
    return o.print(sheet) + tail


def _proactive(grid: Grid, o: _Options) -> list[str]:
    width = max([len(grid.header)] + [1 + len(r.values) for r in grid.rows])
    lines = []
    if grid.caption:
        lines.append(grid.caption)
        if o.caption_gap:
            lines += [""] * o.rng.randint(1, 2)
            o.hits.add("caption_gap")
    body = [row for r in grid.rows
            for row in _data_rows("proactive" if _DOCUMENTS.search(r.label) else None, [""], 0, r.label, r.values,
                                  width, o, o.p_lost / 2)]
    return lines + _finish([pad(grid.header, width)], body, width, o)


def _group_cells(grid: Grid, o: _Options) -> list[list[str]]:
    """Per section 三 row, its two group-label cells: the span's label on its first row, split over
    two rows, or (三、本年度办理结果) one character per row."""
    rows = grid.rows
    cells = [["", ""] for _ in rows]

    def place(span: list[int], text: str, level: int):
        if not text or not span:
            return
        if level == 0 and o.vertical and len(span) >= len(text):
            for i, ch in zip(span, text):
                cells[i][0] = ch
            o.hits.add("vertical_group_label")
        elif o.group_split and len(span) >= 2 and len(text) >= 4:
            cut = o.rng.randint(2, len(text) - 2)
            cells[span[0]][level], cells[span[1]][level] = text[:cut], text[cut:]
            o.hits.add("group_labels_split")
        else:
            cells[span[0]][level] = text

    parents = [T.OUTCOME_BY_CODE[r.code].group for r in rows]
    results = next((g for r in rows for g in r.groups if "本年度办理结果" in key(g)), "")
    place([i for i, p in enumerate(parents) if p is not None], results, 0)
    i = 0
    while i < len(rows):
        if parents[i] in (None, "results"):
            i += 1
            continue
        j = i
        while j < len(rows) and parents[j] == parents[i]:
            j += 1
        label = next((g for g in rows[i].groups if "本年度办理结果" not in key(g)), "")
        place(list(range(i, j)), label, 1)
        i = j
    return cells


def _applications(grid: Grid, o: _Options) -> list[str]:
    h = applicant_header(grid)
    cols, width = h.columns, 3 + len(T.APPLICANT_CODES)
    head = [["", "", "", h.title] + [""] * 6,
            ["", "", "", cols[0], h.group, "", "", "", "", cols[6]],
            ["", "", "", "", *cols[1:6], ""]]
    if h.note:
        chunks = wrap(h.note, o.rng.randint(6, 12)) if o.header_split else [h.note]
        head += [[""] * width for _ in range(len(chunks) - len(head))]
        for row, chunk in zip(head, chunks):
            row[0] = chunk
    groups = _group_cells(grid, o)
    body = []
    for row, (g1, g2) in zip(grid.rows, groups):
        parent = T.OUTCOME_BY_CODE[row.code].group
        col = 0 if parent is None else 1 if parent == "results" else 2
        body += _data_rows("applications", [g1, g2, ""], col, row.label, row.values, width, o, o.p_lost)
    return _finish(head, body, width, o)


def _review(grid: Grid, o: _Options) -> list[str]:
    h = review_header(grid)
    head = [[h.review, "", "", "", "", h.litigation] + [""] * 9,
            h.results[:5] + [h.direct, "", "", "", "", h.after_review, "", "", "", ""],
            [""] * 5 + h.results[5:]]
    return _finish(head, [grid.rows[0].values], 15, o)


def _heading(block: Heading, o: _Options, order: list[str]) -> list[str]:
    if block.section in o.drop:
        o.hits.add("headings_missing")
        return []
    text = block.text
    if o.renumber_from and order.index(block.section) >= order.index(o.renumber_from):
        text = renumber(text, NUMERALS[order.index(block.section) - order.index(o.renumber_from)])
        o.hits.add("headings_renumbered")
    return [o.prefix + line for line in wrap(text, o.width)]


def render(clean: Clean, rng: Random) -> Rendered:
    o = _Options(rng, clean)
    applied = [f"tables_{o.style}"]
    order = [s.code for s in T.SECTIONS]
    titles = title_lines(clean)
    out: list[str] = []
    for block in paragraphs(clean):
        if isinstance(block, Heading):
            lines = _heading(block, o, order)
        elif isinstance(block, Prose):
            if block.text in titles:
                lines = [o.prefix + block.text]
            else:
                lines = wrap(block.text, o.width)
                if len(lines) > 1:
                    o.hits.add("prose_wrapped")
        elif isinstance(block, Other):
            width = max(len(r) for r in block.rows)
            lines = o.print([pad(r, width) for r in block.rows])
        elif block.section == "proactive":
            lines = _proactive(block, o)
        elif block.section == "applications":
            lines = _applications(block, o)
        else:
            lines = _review(block, o)
        out += lines
        if lines and (o.style == "pipe" or o.gap or not isinstance(block, Prose)):
            out.append("")
    applied += sorted(o.hits)
    return Rendered("\n".join(out).rstrip("\n") + "\n", applied, {})
