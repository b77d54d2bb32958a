"""Class 1, crawler text: a scraped web page as a crawler saves it (tests/fixtures/damaged/r011.txt is
a real one).

A metadata header (标题, 发布时间, 文号, 发布机构, 栏目, 原文链接, 本地目录) and a separator line, site
chrome before and after the body (当前位置：首页 > …; 附件下载, 分享到, 【打印本页】【关闭窗口】), and the
body flattened to ONE line: prose and headings run together, every table cell concatenated with the
next with no separator (labels glued to digits, digit cells glued to each other, negative values
glued in: 6-2), tables glued to the headings and prose around them. Tables that are not the
template's (CMS metadata, page chrome) are not part of the crawled body and are dropped.

Seeded: which header fields are there, whether the title stays in the body (r011 has it only in
标题), the chrome, how often a space survives between two cells (`1513000 0154`) or between a label
and its first value, a line break inside a label cell read as a space (`本年度办 理结果`), and whether
a blank cell leaves a space or nothing. The title for 标题 is the printed one; a source that prints
none gets `{agency}{year}年政府信息公开工作年度报告` from its gold, as a CMS page title would say.
"""

from __future__ import annotations

import string
from datetime import date, timedelta
from random import Random

from pipelines.labels import clean as squeeze

from .layout import Rendered, title_lines
from .source import Clean, Grid, Heading, Prose

KLASS = "crawler"

_CHROME_AFTER = ("附件下载：", "附件：", "分享到：", "【打印本页】", "【关闭窗口】", "扫一扫在手机打开当前页",
                 "【我要纠错】", "相关链接")


def _cells(grid: Grid) -> list[tuple[str, str]]:
    """The grid's cells in the page's reading order, each as (kind, text)."""
    out = [("label", grid.caption)] if grid.caption else []
    out += [("label", h) for h in grid.header]
    for row in grid.rows:
        out += [("label", g) for g in row.groups]
        if row.label:
            out.append(("label", row.label))
        out += [("value" if squeeze(v) else "blank", v) for v in row.values]
    return out


def _header(clean: Clean, title: str, rng: Random, applied: list[str]) -> list[str]:
    gold = clean.source.gold
    if gold.get("published"):
        day = date.fromisoformat(gold["published"]) + timedelta(days=rng.randint(0, 20))
    else:
        day = date(gold["year"] + 1, rng.randint(1, 3), rng.randint(1, 28))
    host = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
    number = rng.randint(10000, 999999)
    folder = f"zwgk/zfxxgk/zfxxgknb/{day:%Y%m}"
    fields = [("标题", title),
              ("发布时间", f"{day.isoformat()} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"),
              ("文号", rng.choice(("", "无"))),
              ("发布机构", rng.choice((gold["agency"], gold["agency"] + "办公室", ""))),
              ("栏目", rng.choice(("政府信息公开年报", "政府信息公开工作年度报告", "年度报告"))),
              ("原文链接", f"https://www.{host}.gov.cn/{folder}/t{day:%Y%m%d}_{number}.htm"),
              ("本地目录", f"{folder}/{number}_{title}")]
    colon = rng.choice((": ", "：", ":"))
    lines = [f"{name}{colon}{value}" for name, value in fields if name == "标题" or rng.random() < 0.85]
    if rng.random() < 0.5:
        lines.append("页面链接与图片详见 links.tsv(同目录)")
    if rng.random() < 0.8:
        lines.append(rng.choice(("=" * 20 + " 正文 " + "=" * 20, "-" * 40, "【正文】")))
    applied.append("metadata_header")
    return lines


def _chrome_before(rng: Random) -> str:
    sep = rng.choice((" > ", ">", " » ", " / "))
    crumbs = sep.join(["首页", "政务公开", *rng.sample(["政府信息公开", "法定主动公开内容", "政府信息公开年报"], 2)])
    lead = rng.choice(("当前位置：", "您现在的位置：", "当前位置: "))
    extra = [x for x in ("【字体：大 中 小】", f"浏览次数：{rng.randint(10, 9999)}") if rng.random() < 0.3]
    return lead + crumbs + "".join(" " + x for x in extra)


def render(clean: Clean, rng: Random) -> Rendered:
    applied = ["flattened"]
    gold = clean.source.gold
    titles = title_lines(clean)
    title = "".join(titles) or f"{gold['agency']}{gold['year']}年政府信息公开工作年度报告"
    lines = _header(clean, title, rng, applied) if rng.random() < 0.85 else []
    drop_title = bool(lines) and bool(titles) and rng.random() < 0.5
    if drop_title:
        applied.append("title_only_in_header")

    p_cell = rng.choice((0, 0, 0.03, 0.1))  # a space survives between two cells
    p_label = rng.choice((0, 0.1, 0.5))  # a space between a label and its first value
    p_break = rng.choice((0, 0.1, 0.3))  # a line break inside a label cell, read as a space
    blank = rng.choice(("", " "))
    applied += [name for name, p in (("cell_spaces", p_cell), ("label_spaces", p_label),
                                     ("label_breaks", p_break)) if p]

    tokens: list[tuple[str, str]] = []
    seen_heading = False
    for block in clean.blocks:
        if isinstance(block, Heading):
            seen_heading = True
            tokens.append(("heading", block.text))
        elif isinstance(block, Prose):
            if not (drop_title and not seen_heading and block.text in titles):
                tokens.append(("prose", block.text))
        elif isinstance(block, Grid):
            tokens += _cells(block)
    if any(kind == "blank" for kind, _ in tokens):
        applied.append("blank_cells_as_space" if blank else "blank_cells_vanish")

    body, previous = [], None
    for kind, text in tokens:
        text = text.strip()
        if kind == "label" and len(text) >= 4 and rng.random() < p_break:
            cut = rng.randint(1, len(text) - 1)
            text = text[:cut] + " " + text[cut:]
        if kind == "blank":
            text = blank
        if previous == "heading":
            body.append(" " if rng.random() < 0.5 else "")
        elif previous == "label" and kind == "value":
            body.append(" " if rng.random() < p_label else "")
        elif previous in ("label", "value", "blank") and kind in ("label", "value", "blank"):
            body.append(" " if rng.random() < p_cell else "")
        body.append(text)
        previous = kind
    body_line = "".join(body)

    before, after = rng.random() < 0.5, rng.random() < 0.5
    chrome_after = rng.choice(("", " ")).join(rng.sample(_CHROME_AFTER, rng.randint(1, 4)))
    if before:
        applied.append("chrome_before")
        chrome = _chrome_before(rng)
        if rng.random() < 0.5:
            lines.append(chrome)
        else:
            body_line = chrome + rng.choice(("", " ")) + body_line
    own_line = after and rng.random() < 0.5
    if after:
        applied.append("chrome_after")
        if not own_line:
            body_line += rng.choice(("", " ")) + chrome_after
    lines.append(body_line)
    if own_line:
        lines.append(chrome_after)
    return Rendered("\n".join(lines) + "\n", applied, {})
