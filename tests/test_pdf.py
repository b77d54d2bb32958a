"""The PDF adapter on the real reports and on generated fixtures (no mocks), and its grid geometry."""

import json
import re
from functools import cache
from pathlib import Path

import pytest

from pipelines.document import Line, Table
from pipelines.errors import IngestError
from pipelines.extract import extract
from pipelines.formats import to_document
from pipelines.formats.pdf import read_pdf
from pipelines.formats.pdfgrid import Seg, build_grid, components, snap_join
from pipelines.labels import clean
from pipelines.report_json import to_json

from conftest import FIXTURES

PUBLIC = sorted((FIXTURES / "public").glob("*.pdf"))
GENERATED = sorted((FIXTURES / "pdf").glob("*.pdf"))
KEYS = ("agency", "year", "template", "published", "applications", "review_litigation")


def gold(path: Path) -> dict:
    return json.loads((path.parent / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))


REPORTS = [p for p in GENERATED if "ingest_error" not in gold(p)]
BROKEN = [p for p in GENERATED if "ingest_error" in gold(p)]


@cache
def document(path: Path):
    return read_pdf(path.read_bytes(), path.name)


@cache
def report_json(path: Path) -> dict:
    return to_json(extract(document(path), "x"), [])


def by_cell(proactive):
    return sorted(proactive, key=lambda p: (p["item"], p["metric"]))


def named(name: str) -> Path:
    return next(p for p in PUBLIC + GENERATED if p.name == name)


def assert_equals_gold(path: Path):
    got, want = report_json(path), gold(path)
    for key in KEYS:
        assert got[key] == want[key], key
    assert by_cell(got["proactive"]) == by_cell(want["proactive"])


# --- real reports --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.stem)
def test_public_pdf_equals_gold(path):
    assert_equals_gold(path)


def test_p001_section4_totals_kept_as_printed():
    # The report itself prints 0 in the 总计 cells of 行政复议 (10+1) and 复议后起诉 (5).
    review = report_json(named("p001.pdf"))["review_litigation"]
    assert review["review"] == {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0}
    assert review["litigation_after_review"]["total"] == 0


def test_p001_rule_failures_are_the_reports_own(capsys):
    # Through `xxgk extract`, as analysts see it: the 总计 cells that do not add up are flagged.
    from pipelines.cli import main
    path = named("p001.pdf")
    assert main(["extract", str(path)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["rule_failures"] == gold(path)["expected_rule_failures"]
    assert got["provenance"]["review_litigation.review.total"].startswith("page 4 ")


def test_document_form():
    doc = document(named("p001.pdf"))
    assert (doc.media_type, doc.encoding, doc.warnings) == ("application/pdf", None, [])
    assert all(isinstance(b, (Line, Table)) for b in doc.blocks)


# --- generated fixtures --------------------------------------------------------------------------


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_generated_pdf_equals_gold(path):
    assert_equals_gold(path)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_unreadable_pdf_is_a_decode_error(path):
    expected = gold(path)["ingest_error"]
    with pytest.raises(IngestError) as info:
        to_document(path.read_bytes(), path.name)  # through format sniffing, as the pipeline does
    assert info.value.stage == expected["stage"] == "decode"
    assert info.value.reason.startswith(expected["reason"]), info.value.reason
    assert info.value.source == path.name


def test_corrupt_and_empty_pdfs():
    with pytest.raises(IngestError, match="not a readable PDF"):
        read_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 8, "junk.pdf")
    with pytest.raises(IngestError, match="no text layer"):
        read_pdf(_blank_pdf(), "blank.pdf")


def _blank_pdf() -> bytes:
    """A valid one-page PDF with nothing on the page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- layout traps --------------------------------------------------------------------------------


def section3_tables(doc) -> list[Table]:
    return [t for t in doc.tables() if any("本年新收" in clean(c.text) for c in t.cells())]


@pytest.mark.parametrize("name", ["p001.pdf", "p002.pdf", "p003.pdf", "f2_repeat_header.pdf",
                                  "f3_open_break.pdf", "f4_identity_h.pdf"])
def test_table_split_over_pages_is_one_table(name):
    doc = document(named(name))
    [table] = section3_tables(doc)
    pages = sorted({c.ref.page for c in table.cells()})
    assert len(pages) == 2 and pages[1] == pages[0] + 1
    assert sum(clean(c.text) == "申请人情况" for c in table.cells()) == 1  # repeated header dropped
    labels = [clean(c.text) for c in table.cells()]
    assert "(四)无法提供" in labels  # a label cut by the break is rejoined (p003, f3)
    assert labels.count("三、本年度办理结果") == 1  # vertical one-character-per-line label, one cell


def test_open_bottom_edge_keeps_the_last_row_before_the_break():
    # f3 and p001 leave the bottom rule undrawn at the break; the row above it must survive.
    for name, label, page in [("f3_open_break.pdf", "1.本机关不掌握相关政府信息", 2),
                              ("p001.pdf", "2.没有现成信息需要另行制作", 3)]:
        doc = document(named(name))
        [table] = section3_tables(doc)
        row = next(r for r in table.rows if any(clean(c.text) == label for c in r))
        assert all(c.ref.page == page for c in row) and len(row) >= 8
        assert not any("no cell" in w for w in doc.warnings)


def test_merged_cells_have_spans():
    [table] = section3_tables(document(named("f1_stsong_cid.pdf")))
    spans = {clean(c.text): (c.rowspan, c.colspan) for c in table.cells()}
    assert spans["三、本年度办理结果"] == (22, 1)
    assert spans["(三)不予公开"] == (8, 1)
    assert spans["申请人情况"] == (1, 7)
    assert spans["一、本年新收政府信息公开申请数量"] == (1, 3)


def test_provenance_carries_page_and_box():
    got = report_json(named("p003.pdf"))["provenance"]
    assert got["applications.received.total"].startswith("page 4 bbox ")
    assert got["applications.carried_forward.total"].startswith("page 5 bbox ")
    assert got["review_litigation.review.total"].startswith("page 5 bbox ")
    assert got["proactive.fees.amount_yuan"].startswith("page 4 bbox ")
    assert all(re.fullmatch(r"page \d+ bbox \d+,\d+,\d+,\d+", ref) for ref in got.values())


def test_headings_precede_their_tables():
    doc = document(named("p003.pdf"))
    index = {id(b): i for i, b in enumerate(doc.blocks)}
    heading = next(b for b in doc.lines() if clean(b.text) == "三、收到和处理政府信息公开申请情况")
    [table] = section3_tables(doc)
    assert index[id(heading)] < index[id(table)]
    assert not any(isinstance(b, Line) for b in doc.blocks[index[id(heading)] + 1:index[id(table)]])


@pytest.mark.parametrize("name", ["p001.pdf", "p003.pdf", "f2_repeat_header.pdf", "f3_open_break.pdf"])
def test_page_furniture_is_not_text(name):
    doc = document(named(name))
    texts = [clean(line.text) for line in doc.lines()] + [clean(c.text) for c in
                                                          (c for t in doc.tables() for c in t.cells())]
    assert not [t for t in texts if re.fullmatch(r"[-—–]+\d+[-—–]+", t)]  # "- 3 -", "— 5 —", "-2-"
    assert not [clean(line.text) for line in doc.lines() if re.fullmatch(r"\d+", clean(line.text))]
    assert "黄石经济技术开发区·铁山区2020年政府信息公开工作年度报告" not in texts  # f2's running header


def test_invisible_boxes_are_not_rules_and_fake_bold_is_single():
    # f1 paints white boxes behind every text line and cell and shades its caption rows.
    doc = document(named("f1_stsong_cid.pdf"))
    assert len(doc.tables()) == 3
    lines = [clean(line.text) for line in doc.lines()]
    assert "一、总体情况" in lines and "二、主动公开政府信息情况" in lines  # drawn twice, read once


def test_radical_code_points_are_mapped():
    # f3's text layer says U+2EA0 for 民 (and Kangxi U+2F8F for 行, which NFKC maps).
    doc = document(named("f3_open_break.pdf"))
    assert doc.lines()[0].text == "东丽区人民政府"
    assert "\u2ea0" not in "".join(line.text for line in doc.lines())
    assert report_json(named("f3_open_break.pdf"))["agency"] == "东丽区人民政府"


def test_table_without_column_rules_is_split_at_text_gaps():
    # f2's section 二 has row rules and an outer frame only: one ruled cell per row.
    doc = document(named("f2_repeat_header.pdf"))
    table = next(t for t in doc.tables() if any(c.text == "其他主动公开文件" for c in t.cells()))
    row = next(r for r in table.rows if r[0].text == "其他主动公开文件")
    assert [c.text for c in row] == ["其他主动公开文件", "78", "47", "47"]
    assert any("column rules missing" in w for w in doc.warnings)


def test_turned_cell_text_reads_along_its_direction():
    # f2 sets 三、本年度办理结果 as one line turned 90° counter-clockwise.
    [table] = section3_tables(document(named("f2_repeat_header.pdf")))
    assert any(clean(c.text) == "三、本年度办理结果" and c.rowspan == 20 for c in table.cells())


def test_unruled_table_from_text_positions():
    doc = document(named("f4_identity_h.pdf"))
    table = next(t for t in doc.tables() if any(c.text == "其他主动公开文件" for c in t.cells()))
    assert [c.text for c in table.rows[0]] == ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    assert [c.text for c in table.rows[3]] == ["其他主动公开文件", "78", "47", "47"]


# --- grid geometry -------------------------------------------------------------------------------


def test_snap_and_join_collinear_pieces():
    segs = snap_join([Seg(100.0, 0, 50), Seg(101.5, 51, 100), Seg(200, 0, 2)])
    assert [(round(s.pos, 2), s.a, s.b) for s in segs] == [(100.75, 0, 100)]  # 2 pt stub dropped


def test_grid_closes_an_open_bottom_and_merges_cells():
    # Two columns, rows at y=100 and y=80, verticals running down to y=60 with no bottom rule; the
    # middle vertical stops at y=80, so the lower row is one merged cell.
    hs = [Seg(100, 0, 100), Seg(80, 0, 100)]
    vs = [Seg(0, 60, 100), Seg(50, 80, 100), Seg(100, 60, 100)]
    [(ch, cv)] = components(hs, vs)
    grid = build_grid(ch, cv)
    assert grid.closed == ["bottom"]
    assert [(c.row, c.col, c.rowspan, c.colspan) for c in grid.cells] == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 2)]
    assert grid.locate(75, 70) == 2 and grid.locate(25, 90) == 0 and grid.locate(200, 70) is None


def test_cut_label_rules():
    from pipelines.formats.pdf import _Cell, _cut_label

    def cell(text, rowspan):
        return _Cell(0, rowspan, 0, 50, text, 1, (0, 0, 50, 20))

    assert _cut_label(cell("（四）无", 1), cell("法提供", 2))  # p003: one label cut by the break
    assert _cut_label(cell("三、本年度办理结果", 12), cell("", 10))  # its blank continuation
    assert not _cut_label(cell("（三）不予公开", 8), cell("（四）无法提供", 3))  # a new group starts
    assert not _cut_label(cell("行政许可", 1), cell("行政处罚", 1))  # two rows
    assert not _cut_label(cell("12", 2), cell("3", 2))  # values never join


def test_decorated_page_number_at_the_page_edge_is_dropped():
    from pipelines.formats.pdf import Glyph, _without_page_marks

    def text(s, x, y):
        return [Glyph(ch, x + 10 * i, y, x + 10 * i + 10, y + 10, 10, 0) for i, ch in enumerate(s)]

    page = text("规章", 100, 300) + text("5", 300, 300) + text("-3-", 290, 40)
    assert "".join(g.text for g in _without_page_marks(page)) == "规章5"
    bare = text("规章", 100, 300) + text("3", 300, 40)  # a bare number may be a value: kept here
    assert len(_without_page_marks(bare)) == 3
