"""Class 2, LLM or OCR markdown: a report converted to markdown by a language model or an OCR service.

Headings as `##`/`###`/bold, prose reflowed into paragraphs, every table a pipe table with a |---|
separator under its first row. What such converters do to the template's tables:

- section 三's applicant columns renamed 数据1 … 数据6 (总计 kept, or renamed 数据7 too), or named but
  with the 法人或其他组织 sub-header row lost; the 勾稽 note moved above the table or dropped;
- group labels (三、本年度办理结果, （三）不予公开 …) merged into the row label, given rows of their
  own, dropped, or kept in label columns of their own (blank or repeated below their first row);
- section 三 split into one mini-table per row group, each with its own header row, and the last
  block put under a header the converter invented (the next section's heading, section 四's column
  names, or made-up names);
- （六）其他处理 written (六) 其他; full- and half-width parentheses mixed in labels;
- section 二's captions as bold lines, headings or first table rows; section 四 with its three
  header rows, with one flattened header (行政复议结果维持 …), or transposed (one row per proceeding);
- the agency name misspelt by OCR (淮→准, 市→巿 …) wherever it is printed: the variant's gold agency
  is the misspelt name (what is printed is what must be kept);
- subheadings such as （一）主动公开情况 in bold; the whole output wrapped in a ```markdown fence.
"""

from __future__ import annotations

import re
from random import Random

from pipelines import template as T
from pipelines.labels import key

from .layout import Rendered, applicant_header, pad, paragraphs, pipe, review_header, swap_parens, title_lines
from .source import Clean, Grid, Heading, Other, Prose, Row

KLASS = "llm-markdown"

# Characters OCR confuses with one that looks alike; the agency's first such character is misread.
CONFUSABLE = {"淮": "准", "洪": "烘", "泽": "择", "鄂": "鄠", "梁": "粱", "潭": "谭", "石": "右", "城": "域",
              "离": "高", "丽": "郦", "铁": "钦", "黄": "寅", "实": "买", "信": "倍", "市": "巿", "东": "束",
              "吕": "吴", "平": "乎"}
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[)）][^。]{1,20}$")  # （一）主动公开情况
_FAMILIES = {"received": "in", "carried_over": "in", "total_handled": "out", "carried_forward": "out",
             "disclosed": "results", "partially_disclosed": "results", "other": "other"}


def _family(code: str) -> str:
    return _FAMILIES.get(code) or code.split(".")[0]


def _is_results(label: str) -> bool:
    return "本年度办理结果" in key(label)


class _Options:
    def __init__(self, rng: Random):
        self.heading = rng.choice(("## ", "### ", "**"))
        self.rule = rng.choice(("---", " --- ", ":---", "------"))
        self.caption = rng.choice(("bold", "heading", "row", "plain"))
        self.columns = rng.choice(("org_subheader_lost", "renamed6", "renamed7", "two_header_rows"))
        self.first = rng.choice(("title", "项目", "", "note"))
        self.groups = rng.choice(("merged", "rows", "dropped", "columns"))
        self.repeat_groups = rng.random() < 0.3
        self.note = rng.choice(("above", "dropped"))
        self.mini = rng.random() < 0.5
        self.wrong_last = self.mini and rng.random() < 0.6
        self.other_short = rng.random() < 0.5
        self.parens = rng.random() < 0.5
        self.review = rng.choice(("grouped", "flat", "transposed"))
        self.misspell = rng.random() < 0.25
        self.fence = rng.random() < 0.1
        self.bold_subheadings = rng.random() < 0.5
        self.hits: set[str] = set()  # label damages that found something to change

    def pipe(self, sheet) -> list[str]:
        return pipe(sheet, self.rule)


def _proactive(grid: Grid, o: _Options, rng: Random) -> list[str]:
    width = max([len(grid.header)] + [1 + len(r.values) for r in grid.rows])
    lines, sheet = [], []
    if grid.caption:
        if o.caption == "bold":
            lines += [f"**{grid.caption}**", ""]
        elif o.caption == "heading":
            lines += [f"#### {grid.caption}", ""]
        elif o.caption == "plain":
            lines += [grid.caption, ""]
        else:
            sheet.append(pad([grid.caption], width))
    sheet.append(pad(grid.header, width))
    sheet += [pad([_label(r.label, o, rng), *r.values], width) for r in grid.rows]
    return lines + o.pipe(sheet)


def _label(text: str, o: _Options, rng: Random) -> str:
    if o.other_short and re.match(r"^[（(]六[)）]\s*其他处理$", text.strip()):
        text = rng.choice(("(六) 其他", "（六）其他", "(六)其他"))
        o.hits.add("other_shortened")
    if o.parens and re.search("[()（）]", text) and rng.random() < 0.5:
        text = swap_parens(text)
        o.hits.add("parens_mixed")
    return text


def _applications(grid: Grid, o: _Options, next_heading: str, rng: Random, applied: list[str]) -> list[str]:
    header = applicant_header(grid)
    cols = header.columns
    extra = 2 if o.groups == "columns" else 0  # label columns for the group labels
    first = {"title": header.title, "项目": "项目", "": "", "note": header.note or header.title}[o.first]
    if o.columns == "renamed6":
        names = [f"数据{i}" for i in range(1, 7)] + [cols[-1]]
    elif o.columns == "renamed7":
        names = [f"数据{i}" for i in range(1, 8)]
    else:
        names = list(cols)
    head = [[first] + [""] * extra + names]
    if o.columns == "two_header_rows":
        head = [[first] + [""] * extra + [cols[0], header.group, "", "", "", "", cols[-1]],
                [""] * (extra + 2) + cols[1:6] + [""]]
    else:
        applied.append("org_subheader_lost")
        if o.columns.startswith("renamed"):
            applied.append("columns_renamed")
    applied.append(f"group_labels_{o.groups}")

    lines = []
    if header.note and o.note == "above" and o.first != "note":
        lines += [header.note, ""]

    blocks: list[list[Row]] = []
    for row in grid.rows:
        if not blocks or (o.mini and _family(row.code) != _family(blocks[-1][-1].code)):
            blocks.append([])
        blocks[-1].append(row)

    g1 = g2 = ""
    tables: list[tuple[list[list[str]], list[list[str]]]] = []  # (header rows, body rows)
    for block in blocks:
        body: list[list[str]] = []
        top = head
        if o.mini and len(blocks) > 1 and block[0].groups and o.groups != "columns" and rng.random() < 0.5:
            top = [[_label(block[0].groups[-1], o, rng)] + names]  # the group label heads its mini-table
            groups_shown = block[0].groups[:-1]
        else:
            groups_shown = block[0].groups
        for i, row in enumerate(block):
            shown = [] if o.groups == "dropped" else groups_shown if i == 0 else row.groups
            groups = [_label(g, o, rng) for g in shown]
            label = _label(row.label, o, rng)
            if o.groups == "merged":
                body.append([" ".join(groups + [label]), *row.values])
            elif o.groups == "rows":
                body += [[g] + [""] * 7 for g in groups]
                body.append([label, *row.values])
            elif o.groups == "dropped":
                body.append([label, *row.values])
            else:
                parent = T.OUTCOME_BY_CODE[row.code].group
                new1 = next((g for g in groups if _is_results(g)), None)
                new2 = next((g for g in groups if not _is_results(g)), None)
                if parent is None:
                    g1 = g2 = ""
                    cells = [label, "", ""]
                elif parent == "results":
                    g1, g2 = (new1 or g1), ""
                    cells = [new1 or (g1 if o.repeat_groups else ""), label, ""]
                else:
                    g2 = new2 or g2
                    cells = [new1 or (g1 if o.repeat_groups else ""), new2 or (g2 if o.repeat_groups else ""),
                             label]
                body.append(cells + row.values)
        tables.append((top, body))
    if o.mini and len(tables) > 1:
        applied.append("mini_tables")
        if o.wrong_last:
            applied.append("wrong_header_last_block")
            width = len(tables[-1][0][0])
            invented = rng.choice((
                [next_heading],
                ["行政复议", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
                ["统计项", *(f"数量{i}" for i in range(1, width))],
            ))
            tables[-1] = ([pad(invented, width)[:width]], tables[-1][1])
    for top, body in tables:
        lines += o.pipe(top + body) + [""]
    return lines[:-1]


def _review(grid: Grid, o: _Options, applied: list[str]) -> list[str]:
    h = review_header(grid)
    values = grid.rows[0].values
    applied.append(f"review_{o.review}")
    if o.review == "grouped":
        return o.pipe([[h.review] + [""] * 4 + [h.litigation] + [""] * 9,
                       h.results[:5] + [h.direct] + [""] * 4 + [h.after_review] + [""] * 4,
                       [""] * 5 + h.results[5:], values])
    if o.review == "flat":
        names = [p + r for p, rs in ((h.review, h.results[:5]), (h.direct, h.results[5:10]),
                                     (h.after_review, h.results[10:])) for r in rs]
        return o.pipe([names, values])
    return o.pipe([["项目", *h.results[:5]], [h.review, *values[:5]],
                   [f"{h.litigation}（{h.direct}）", *values[5:10]],
                   [f"{h.litigation}（{h.after_review}）", *values[10:]]])


def _misspelt(agency: str) -> str | None:
    for i, ch in enumerate(agency[:-2]):  # the suffix (…区, 人民政府, 局) is left alone
        if ch in CONFUSABLE:
            return agency[:i] + CONFUSABLE[ch] + agency[i + 1:]
    return None


def render(clean: Clean, rng: Random) -> Rendered:
    o = _Options(rng)
    applied = ["markdown"]
    titles = title_lines(clean)
    blocks = paragraphs(clean)
    out: list[str] = []
    for i, block in enumerate(blocks):
        if isinstance(block, Heading):
            out.append(o.heading + block.text + ("**" if o.heading == "**" else ""))
        elif isinstance(block, Prose):
            if block.text in titles:
                out.append("# " + block.text)
            elif o.bold_subheadings and _SUBHEADING.match(block.text) and rng.random() < 0.7:
                out.append(f"**{block.text}**")
            else:
                out.append(block.text)
        elif isinstance(block, Other):
            width = max(len(r) for r in block.rows)
            out += o.pipe([pad(r, width) for r in block.rows])
        elif block.section == "proactive":
            out += _proactive(block, o, rng)
        elif block.section == "applications":
            following = next((b.text for b in blocks[i:] if isinstance(b, Heading)), T.SECTIONS[3].label_zh)
            out += _applications(block, o, following, rng, applied)
        else:
            out += _review(block, o, applied)
        out.append("")
    if any(g.caption for g in clean.grids("proactive")):
        applied.append(f"captions_{o.caption}")
    applied += sorted(o.hits)
    text = "\n".join(out).rstrip("\n") + "\n"
    gold: dict = {}
    agency = clean.source.gold["agency"]
    wrong = _misspelt(agency) if o.misspell and agency in text else None
    if wrong:
        text = text.replace(agency, wrong)
        gold["agency"] = wrong
        applied.append("agency_misspelt")
    if o.fence:
        text = "```markdown\n" + text + "```\n"
        applied.append("code_fence")
    return Rendered(text, applied, gold)
