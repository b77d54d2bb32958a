"""HTML and DOCX adapters: pages and Word files rendered from the gold (tests/fixtures/make_html_docx.py)
extract to the gold; encodings, table models, page chrome, layout tables and the blank template."""

import io
import re
import zipfile
from html import escape

import pytest

from pipelines.errors import IngestError
from pipelines.formats import DOCX, sniff, to_document
from pipelines.formats.docx import read_docx
from pipelines.formats.html import decode_html, read_html
from pipelines.ingest import process
from pipelines.report_json import to_json

from conftest import FIXTURES, SEEDS, gold_of
from fixtures import make_html_docx as make

KEYS = ("agency", "year", "template", "published", "applications", "review_litigation")
HTML_DIR, DOCX_DIR = FIXTURES / "html", FIXTURES / "docx"
GBK_PAGE = HTML_DIR / f"{SEEDS[0].stem}.html"  # seed 000: GBK, only <meta charset=gb2312>
NOISY_PAGE = HTML_DIR / f"noisy_{SEEDS[4].stem}.html"
BLANK_TEMPLATE = DOCX_DIR / "t001.docx"


def extracted(data: bytes, name: str) -> dict:
    return to_json(process(data, name), [])


def assert_gold(got: dict, gold: dict):
    for key in KEYS:
        assert got[key] == gold[key], key
    order = lambda rows: sorted(rows, key=lambda p: (p["item"], p["metric"]))  # noqa: E731
    assert order(got["proactive"]) == order(gold["proactive"])


def rendered(kind: str, seed) -> bytes:
    return ((HTML_DIR / f"{seed.stem}.html") if kind == "html" else (DOCX_DIR / f"{seed.stem}.docx")).read_bytes()


# --- every seed, as a web page and as a Word file --------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_rendering_extracts_to_gold(seed, kind):
    got = extracted(rendered(kind, seed), f"{seed.stem}.{kind}")
    assert_gold(got, gold_of(seed))


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_values_point_back_to_their_cells(seed, kind):
    got = extracted(rendered(kind, seed), f"{seed.stem}.{kind}")
    refs = got["provenance"]
    assert len(refs) == 7 * len(got["applications"]) + 15 + len(got["proactive"])
    assert all(re.fullmatch(r"table \d+ row \d+ col \d+", ref) for ref in refs.values())


def test_fixtures_are_what_the_generator_makes():
    """The committed pages and Word files are exactly the generator's output from the gold."""
    for seed in SEEDS:
        gold = make.load(seed.stem)
        kind, encoding, meta, opts = make.HTML_PAGES[seed.stem[:3]]
        page = make.word_page(gold, opts) if kind == "word" else make.cms_page(gold, meta or "", opts)
        assert (HTML_DIR / f"{seed.stem}.html").read_bytes() == page.encode(encoding)
        assert (DOCX_DIR / f"{seed.stem}.docx").read_bytes() == make.build_docx(gold, make.DOCX_OPTIONS[seed.stem[:3]])
    assert NOISY_PAGE.read_bytes() == make.noisy_page(make.load(SEEDS[4].stem), make.NOISY["004"]).encode("utf-8")


# --- encodings ---------------------------------------------------------------------------------------


def test_gbk_page_with_only_meta_gb2312_decodes():
    data = GBK_PAGE.read_bytes()
    assert b"<meta charset=gb2312>" in data and b"http-equiv" not in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")  # 镕 is GBK, not GB2312: the label must be read as GB18030
    doc = to_document(data, GBK_PAGE.name)
    assert doc.media_type == "text/html" and doc.encoding == "gb18030"
    assert any("刘镕" in line.text for line in doc.lines())
    assert not doc.warnings


def test_charset_order_bom_then_http_header_then_meta_then_detection():
    body = "<p>政府信息公开工作年度报告 镕</p>"
    gbk = f"<html><head><meta charset=utf-8></head><body>{body}</body></html>".encode("gbk")
    # the <meta> lies (GBK bytes, says UTF-8): detection
    decoded, warnings = decode_html(gbk, "x.html")
    assert decoded.encoding == "gb18030" and "镕" in decoded.text and warnings
    # the HTTP header is right and beats the <meta>
    assert decode_html(gbk, "x.html", "GBK")[0].encoding == "gb18030"
    # a BOM beats both
    utf8 = b"\xef\xbb\xbf" + f"<html><head><meta charset=gb2312></head><body>{body}</body></html>".encode()
    assert decode_html(utf8, "x.html", "gbk")[0].encoding == "utf-8-sig"
    # UTF-8 bytes under a gb2312 label: the label does not fit, detection finds UTF-8
    mislabelled = f"<html><head><meta charset=gb2312></head><body>{body}</body></html>".encode()
    assert decode_html(mislabelled, "x.html")[0].encoding == "utf-8"
    # http-equiv form
    equiv = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=GB2312"></head>' \
            f"<body>{body}</body></html>".encode("gb18030")
    assert decode_html(equiv, "x.html")[0].encoding == "gb18030"


# --- site chrome, non-report tables, layout tables ----------------------------------------------------


def test_page_with_chrome_and_extra_tables_extracts_only_the_report():
    doc = to_document(NOISY_PAGE.read_bytes(), NOISY_PAGE.name)
    text = "\n".join(line.text for line in doc.lines())
    for chrome in ("今天是", "ICP备", "打印本页", "首页"):
        assert chrome not in text
    got = extracted(NOISY_PAGE.read_bytes(), NOISY_PAGE.name)
    assert_gold(got, gold_of(SEEDS[4]))
    assert any("moved out" in w for w in got["warnings"])  # the 政务新媒体 table inside section 二


def test_chrome_is_dropped_from_cms_pages(seed):
    doc = to_document(rendered("html", seed), "x.html")
    text = "\n".join(line.text for line in doc.lines())
    for chrome in ("今天是", "版权所有", "无障碍浏览", "当前位置", "分享到", "相关链接 "):
        assert chrome not in text
    assert "2024年1月1日" not in text


def test_metadata_table_inside_a_section_is_moved_out():
    """A CMS metadata table after section 二's tables would be read as a section 二 row (主题分类 行政许可)."""
    seed = SEEDS[3]
    gold = make.load(seed.stem)
    page = make.cms_page(gold, "<meta charset=utf-8>", {})
    metadata = ("<table><tr><td>索引号</td><td>000014349/2023-00012</td><td>主题分类</td><td>行政许可</td></tr>"
                "<tr><td>发布机构</td><td>东丽区人民政府</td><td>文号</td><td>无</td></tr></table>")
    marker = make.escape(make.HEADINGS["applications"])
    at = page.index(marker)
    at = page.rindex("<p", 0, at)
    page = page[:at] + metadata + page[at:]
    got = extracted(page.encode(), "x.html")
    assert_gold(got, gold_of(seed))
    assert any("moved out" in w for w in got["warnings"])


def test_section_heading_as_first_row_of_its_table():
    seed = SEEDS[3]
    gold = make.load(seed.stem)
    page = make.cms_page(gold, "<meta charset=utf-8>", {"word_cells": False})
    heading = make.HEADINGS["applications"]
    page = re.sub(rf"<p[^>]*><strong>{heading}</strong></p>", "", page)
    page = page.replace("<tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'>",
                        f"<tr><td colspan=10><b>{heading}</b></td></tr><tr>", 1)
    assert heading in page
    doc = to_document(page.encode(), "x.html")
    assert any(line.text == heading for line in doc.lines())
    assert_gold(extracted(page.encode(), "x.html"), gold_of(seed))


def test_report_in_a_single_cell_layout_table():
    seed = SEEDS[1]
    gold = make.load(seed.stem)
    page = (f"<html><head><meta charset=utf-8><title>{make.title(gold)}_网站</title></head><body>"
            f"<table><tr><td>{make.report_html(gold, {})}</td></tr></table></body></html>")
    got = extracted(page.encode(), "x.html")
    assert_gold(got, gold_of(seed))  # the title comes from <head><title>, without the site name


def plain_page(gold: dict) -> str:
    """A bare CMS article body: plain <td>s, header slots as empty cells instead of rowspans."""
    td = lambda v: f"<td>{v}</td>"  # noqa: E731
    a, r = gold["applications"], gold["review_litigation"]
    rows = ["<tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
            "<td colspan=7>申请人情况</td></tr>",
            "<tr><td>自然人</td><td colspan=5>法人或其他组织</td><td>总计</td></tr>",
            "<tr><td></td>" + "".join(td(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"))
            + "<td></td></tr>"]
    for code, label, group in make.outcome_rows(gold["template"]):
        rows.append("<tr>" + (td(label) if group and group != "results" else f"<td colspan=3>{label}</td>")
                    + "".join(td(v) for v in a[code].values()) + "</tr>")
    review = ("<table><tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr><tr>"
              + "".join(td(x.label_zh) for x in make.T.RESULTS) + "<td colspan=5>未经复议直接起诉</td>"
              "<td colspan=5>复议后起诉</td></tr><tr>" + "<td></td>" * 5
              + "".join(td(x.label_zh) for x in make.T.RESULTS) * 2 + "</tr><tr>"
              + "".join(td(v) for p in r.values() for v in p.values()) + "</tr></table>")
    text = make.narrative(gold)
    body = [f"<p>{make.title(gold)}</p>", *(f"<p>{t}</p>" for t in text["intro"])]
    for code, heading in make.HEADINGS.items():
        body.append(f"<p><br />{heading}</p>")
        body += [f"<p>{t}</p>" for t in text[code]]
        if code == "proactive":
            body.append(make.proactive_html(gold, one_table=True, word=False))
        elif code == "applications":
            body.append("<table>" + "".join(rows) + "</table>")
        elif code == "review_litigation":
            body.append(review)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><div id=zoom>"
            + "".join(body) + "</div></body></html>")


def test_plain_tables_with_empty_cells_instead_of_spans():
    seed = SEEDS[3]
    assert_gold(extracted(plain_page(make.load(seed.stem)).encode(), "x.html"), gold_of(seed))


# --- tables written as text --------------------------------------------------------------------------


@pytest.mark.parametrize("wrap", ["p", "pre"])
def test_tables_written_as_paragraphs_follow_the_text_rules(seed, wrap):
    text = seed.read_text(encoding="utf-8")
    if wrap == "pre":
        body = f"<pre>{escape(text)}</pre>"
    else:  # columns aligned with runs of &nbsp;, as editors do without a table
        body = "\n".join(f"<p>{escape(line).replace(chr(9), '&nbsp;&nbsp;')}</p>" for line in text.split("\n"))
    page = f"<html><head><meta charset=utf-8></head><body>{body}</body></html>".encode()
    assert_gold(extracted(page, "x.html"), gold_of(seed))


# --- the HTML table model ----------------------------------------------------------------------------


def grid(html: str):
    doc = read_html(f"<html><body><p>政府信息公开</p>{html}</body></html>".encode(), "t.html")
    return [[(c.text, c.rowspan, c.colspan, c.ref.node) for c in row] for t in doc.tables() for row in t.rows]


def test_whatwg_spans():
    rows = grid("<table><tbody><tr><td rowspan=0>a</td><td colspan=abc>b</td><td colspan=0>c</td></tr>"
                "<tr><td rowspan='2px'>d</td><td colspan=' 2'>e</td></tr><tr><td>f</td></tr></tbody>"
                "<tfoot><tr><td>z</td></tr></tfoot><tbody><tr><td rowspan=9>g</td></tr></tbody></table>")
    assert rows == [
        [("a", 3, 1, "table 1 row 1 col 1"), ("b", 1, 1, "table 1 row 1 col 2"), ("c", 1, 1, "table 1 row 1 col 3")],
        [("d", 2, 1, "table 1 row 2 col 2"), ("e", 1, 2, "table 1 row 2 col 3")],
        [("f", 1, 1, "table 1 row 3 col 3")],
        [("g", 1, 1, "table 1 row 4 col 1")],  # rowspan clipped to its row group
        [("z", 1, 1, "table 1 row 5 col 1")],  # tfoot last
    ]


def test_cell_text_word_markup_and_blanks():
    rows = grid("<table><tr>"
                "<td><p class=MsoNormal><span>商业</span><span lang=EN-US>企</span>业<o:p></o:p></p></td>"
                "<td><p>法律服务</p><p>机构</p></td><td>三<br>、<br>本<br>年</td><td>5<br>件</td>"
                "<td>&nbsp;</td><td>\u3000</td><td><o:p></o:p></td><td><p><o:p>&nbsp;</o:p></p></td>"
                "<td><!--[if gte mso 9]><xml>9</xml><![endif]--><![if !supportLists]>1.<![endif]>属于"
                "<span style='display:none'>隐藏</span>国家秘密<script>7</script></td></tr></table>")
    assert [text for text, *_ in rows[0]] == ["商业企业", "法律服务机构", "三、本年", "5 件", "", "", "", "",
                                              "1.属于国家秘密"]


def test_nested_data_table_is_its_own_table():
    doc = read_html("<html><body><p>政府信息公开</p><table><tr><td>备注</td><td>外"
                    "<table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr></table>"
                    "层</td></tr></table></body></html>".encode(), "t.html")
    # the outer table holds a table, so it is layout: its cells flow on as lines around the inner table
    assert [[c.text for c in row] for row in doc.tables()[0].rows] == [["a", "1"], ["b", "2"]]
    assert [b.text if hasattr(b, "text") else "T" for b in doc.blocks] == ["政府信息公开", "备注", "外", "T", "层"]


# --- DOCX ----------------------------------------------------------------------------------------------


def test_blank_template_is_refused_as_having_no_values():
    with pytest.raises(IngestError) as info:
        process(BLANK_TEMPLATE.read_bytes(), BLANK_TEMPLATE.name)
    assert info.value.stage == "extract"
    assert "blank template" in info.value.reason and "no values" in info.value.reason


def test_blank_template_as_a_web_page_is_refused_too():
    gold = make.load(SEEDS[3].stem)
    for row in gold["applications"].values():
        row.update(dict.fromkeys(row, ""))
    for row in gold["review_litigation"].values():
        row.update(dict.fromkeys(row, ""))
    gold["proactive"] = []
    page = make.cms_page(gold, "<meta charset=utf-8>", {})
    with pytest.raises(IngestError, match="no values"):
        process(page.encode(), "blank.html")


def test_template_merges_become_anchor_spans():
    doc = read_docx(rendered("docx", SEEDS[3]), "x.docx")
    applications = doc.tables()[1]
    spans = {c.text: (c.rowspan, c.colspan) for c in applications.cells() if c.text}
    assert spans["申请人情况"] == (1, 7) and spans["法人或其他组织"] == (1, 5) and spans["自然人"] == (2, 1)
    assert spans["三、本年度办理结果"] == (22, 1) and spans["（三）不予公开"] == (8, 1)
    assert spans["（六）其他处理"] == (3, 1) and spans["（七）总计"] == (1, 2)
    assert [len(row) for row in applications.rows[:4]] == [2, 3, 5, 8]
    review = doc.tables()[2]
    assert [c.text for c in review.rows[1]][:2] == ["结果维持", "结果纠正"]  # "结果<w:br/>维持" joined


def test_t2019_rendering_keeps_word_structure():
    doc = read_docx(rendered("docx", SEEDS[0]), "x.docx")
    proactive, applications = doc.tables()[:2]
    assert any(c.text == "（六）其他处理" and c.colspan == 2 for c in applications.cells())
    assert [(c.text, c.colspan) for c in proactive.rows[-1]] == [("政府集中采购", 1), ("236", 1), ("988.2576万元", 2)]


def test_numbered_headings_and_line_breaks():
    doc = read_docx(rendered("docx", SEEDS[1]), "x.docx")  # headings use automatic chineseCounting numbers
    headings = [line.text for line in doc.lines() if re.match("[一二三四五六]、", line.text)]
    assert headings == list(make.HEADINGS.values())
    doc = read_docx(rendered("docx", SEEDS[0]), "x.docx")  # signature and date in one paragraph
    assert [line.text for line in doc.lines()][-2:] == ["黄石经济技术开发区·铁山区", "2021年3月4日"]


W = make.W


def docx_of(body: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}">'
                   f"<w:body>{body}</w:body></w:document>")
    return out.getvalue()


def p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{p(text) if text else '<w:p/>'}</w:tc>"


def test_docx_grid_and_runs():
    body = (
        "<w:p><w:r><w:t>政府信息</w:t></w:r><w:del><w:r><w:delText>删掉</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>公开</w:t></w:r></w:ins><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType='begin'/><w:instrText>PAGE</w:instrText></w:r></w:p><w:p/>"
        "<w:tbl><w:tr>" + tc("A", "<w:vMerge w:val='restart'/>") + tc("B", "<w:gridSpan w:val='2'/>") + "</w:tr>"
        "<w:tr>" + tc("", "<w:vMerge/>") + tc("1") + tc("2") + "</w:tr>"
        "<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>" + tc("3")
        + "<w:sdt><w:sdtContent>" + tc("4") + "</w:sdtContent></w:sdt></w:tr></w:tbl>"
    )
    doc = read_docx(docx_of(body), "t.docx")
    assert doc.lines()[0].text == "政府信息公开"
    tables = doc.tables()
    outer = [[(c.text, c.rowspan, c.colspan, c.ref.node) for c in row] for row in tables[0].rows]
    assert outer[0] == [("A", 2, 1, "table 1 row 1 col 1"), ("B", 1, 2, "table 1 row 1 col 2")]
    assert outer[1] == [("1", 1, 1, "table 1 row 2 col 2"), ("2", 1, 1, "table 1 row 2 col 3")]
    assert outer[2] == [("3", 1, 1, "table 1 row 3 col 2"), ("4", 1, 1, "table 1 row 3 col 3")]


def test_docx_layout_table_is_unwrapped_and_nested_table_kept():
    body = ("<w:tbl><w:tr><w:tc>" + p("一、总体情况") + p("正文。")
            + "<w:tbl><w:tr>" + tc("n1") + tc("1") + "</w:tr><w:tr>" + tc("n2") + tc("2") + "</w:tr></w:tbl>"
            + "</w:tc></w:tr></w:tbl>")
    doc = read_docx(docx_of(body), "t.docx")
    assert [b.text for b in doc.lines()] == ["一、总体情况", "正文。"]
    assert [[c.text for c in row] for row in doc.tables()[0].rows] == [["n1", "1"], ["n2", "2"]]


def test_docx_tables_typed_with_tabs_follow_the_text_rules():
    seed = SEEDS[4]  # tab-separated rows
    paragraphs = []
    for line in seed.read_text(encoding="utf-8").split("\n"):
        runs = "<w:r><w:tab/></w:r>".join(f"<w:r><w:t xml:space='preserve'>{escape(part)}</w:t></w:r>"
                                           for part in line.split("\t"))
        paragraphs.append(f"<w:p>{runs}</w:p>")
    assert_gold(extracted(docx_of("".join(paragraphs)), "x.docx"), gold_of(seed))


# --- sniffing by content ----------------------------------------------------------------------------------


def test_wrong_extensions_are_sniffed_by_content():
    seed = SEEDS[3]
    html, docx = rendered("html", seed), rendered("docx", seed)
    assert sniff(html) == "text/html" and sniff(docx) == DOCX
    assert_gold(extracted(html, "report.txt"), gold_of(seed))
    assert_gold(extracted(docx, "report.doc"), gold_of(seed))
    assert_gold(extracted(rendered("html", SEEDS[2]), "report.doc"), gold_of(SEEDS[2]))  # Word "web page"


@pytest.mark.parametrize("data,named", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "legacy Office"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "image"),
    (b"PK\x03\x04" + bytes(64), "ZIP"),
])
def test_unreadable_formats_name_the_format(data, named):
    with pytest.raises(IngestError) as info:
        process(data, "report.wps")
    assert info.value.stage == "decode" and named in info.value.reason


@pytest.mark.parametrize("broken", [
    docx_of("<w:p>"),  # not well-formed XML
    docx_of(p("政府信息公开")).replace("政府信息公开".encode(), "政府信息".encode()),  # member bytes changed
    rendered("docx", SEEDS[3])[:6000],  # truncated download
])
def test_corrupt_docx_is_a_decode_error(broken):
    with pytest.raises(IngestError) as info:
        process(broken, "x.docx")
    assert info.value.stage == "decode"

