"""Extraction measured against the hand-checked gold files, and bad input."""

import re

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import process
from pipelines.report_json import to_json

from conftest import SEEDS, gold_of
from pipelines.template import APPLICANT_CODES as APPLICANTS

ROW_RULE = "balance.total_column_equals_sum_of_applicant_columns"

KEYS = ("source", "agency", "year", "template", "published", "applications", "review_litigation")


def extracted_json(path, data=None):
    report = process(data if data is not None else path.read_bytes(), path.name)
    return to_json(report, [])


def by_cell(proactive):
    return sorted(proactive, key=lambda p: (p["item"], p["metric"]))


def test_seed_equals_gold(seed):
    got, gold = extracted_json(seed), gold_of(seed)
    for key in KEYS:
        assert got[key] == gold[key], key
    assert by_cell(got["proactive"]) == by_cell(gold["proactive"])


def test_every_value_has_provenance(seed):
    got = extracted_json(seed)
    assert all(ref.startswith("line ") for ref in got["provenance"].values())
    assert len(got["provenance"]) == 7 * len(got["applications"]) + 15 + len(got["proactive"])


def test_absent_proactive_items_stay_absent():
    # Seed 001 reports only 规章, 规范性文件 and 政府集中采购: nothing else may appear, not even as 0.
    got = extracted_json(SEEDS[1])
    assert {p["item"] for p in got["proactive"]} == {"rules", "normative_documents", "procurement"}


def test_label_typo_and_spacing_are_tolerated():
    # p001's typo and seed 004's letter spacing, applied to seed 003: same numbers.
    path = SEEDS[3]
    text = path.read_text(encoding="utf-8")
    mangled = (text.replace("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
                   .replace("4.无正当理由大量反复申请", "4.无正当理由大量反复 申请")
                   .replace("(一)予以公开", "（一） 予 以 公 开"))
    assert mangled != text
    assert extracted_json(path, mangled.encode())["applications"] == gold_of(path)["applications"]


def test_blank_cell_in_filled_table_is_zero_and_keeps_raw_text():
    path = SEEDS[4]  # tab-separated rows
    text = path.read_text(encoding="utf-8").replace(
        "2. 没有现成信息需要另行制作\t0\t0", "2. 没有现成信息需要另行制作\t—\t0")
    report = process(text.encode(), path.name)
    cell = report.applications.filter(outcome_code="unavailable.needs_creation", applicant_code="natural_person")
    assert cell["value"].to_list() == [0] and cell["raw_text"].to_list() == ["—"]


def fails(data: bytes, name="bad.txt") -> IngestError:
    with pytest.raises(IngestError) as info:
        process(data, name)
    assert name in str(info.value)
    return info.value


def test_empty_file():
    assert fails(b"").stage == "decode"


def test_binary_junk():
    import random
    assert fails(random.Random(0).randbytes(4096)).stage == "decode"


def test_undecodable_byte_soup():
    soup = bytes(random_byte for random_byte in range(0x80, 0x100)) * 40
    assert fails(soup).stage == "decode"


def test_report_cut_off_in_section_three_keeps_what_was_read():
    path = SEEDS[3]
    text = path.read_text(encoding="utf-8")
    got, gold = extracted_json(path, text[: text.index("4.保护第三方合法权益")].encode()), gold_of(path)
    assert got["status"] == "partial"
    assert got["sections"] == {"proactive": "read", "applications": "partial", "review_litigation": "absent"}
    assert by_cell(got["proactive"]) == by_cell(gold["proactive"])
    read = ["received", "carried_over", "disclosed", "partially_disclosed", "denied.state_secret",
            "denied.prohibited_by_law", "denied.security_stability"]
    assert got["applications"] == {row: gold["applications"][row] for row in read}
    unread = {u["row"] for u in got["unread"]}
    assert {"denied.third_party_rights", "total_handled", "carried_forward"} <= unread


def test_text_without_tables():
    narrative = "\n".join(line for line in SEEDS[3].read_text(encoding="utf-8").splitlines() if "|" not in line)
    error = fails(narrative.encode())
    assert error.stage == "extract" and "no table" in error.reason


def test_row_with_an_unknown_label_is_placed_only_where_one_row_is_missing_and_the_sums_agree():
    path = SEEDS[3]
    text = path.read_text(encoding="utf-8").replace("3.补正后申请内容仍不明确", "3.某个不存在的办理结果")
    got, gold = extracted_json(path, text.encode()), gold_of(path)
    assert got["status"] == "complete" and got["applications"] == gold["applications"]
    assert {got["methods"][f"applications.unavailable.still_unclear.{c}"] for c in APPLICANTS} == {"position"}
    assert {"rule": ROW_RULE, "column": "unavailable.still_unclear"} in got["rules_used"]


def test_extra_row_with_an_unknown_label_is_not_read_and_never_shifts_values():
    path = SEEDS[3]
    extra = "其中：网上申请 |\n5 |\n0 |\n0 |\n0 |\n0 |\n0 |\n5 | |\n"
    text = path.read_text(encoding="utf-8").replace("(二)部分公开", extra + "(二)部分公开", 1)
    got, gold = extracted_json(path, text.encode()), gold_of(path)
    assert got["status"] == "partial" and got["applications"] == gold["applications"]
    assert any("网上申请" in u["reason"] for u in got["unread"])


@pytest.mark.parametrize("magic,word", [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "LibreOffice"),
                                        (b"\x89PNG\r\n\x1a\n", "OCR"), (b"PK\x03\x04", "ZIP")])
def test_formats_we_cannot_read_yet_are_named(magic, word):
    error = fails(magic + bytes(100))
    assert error.stage == "decode" and word in error.reason


# The same report laid out the ways converted text arrives: columns aligned with spaces instead of
# tabs or pipes, or one cell per line with the delimiters gone. Each must give the gold values.
LAYOUTS = {
    "tabs as spaces": lambda t: re.sub(r"\t+", "  ", t),
    "pipes as spaces": lambda t: re.sub(r"[ ]*\|[ |]*", "  ", t),
    "pipes removed": lambda t: re.sub(r"[ ]*\|[ |]*", "", t),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_relaid_seed_equals_gold(seed, layout):
    text = seed.read_text(encoding="utf-8")
    relaid = LAYOUTS[layout](text)
    if relaid == text:
        pytest.skip("layout does not apply to this seed")
    got, gold = extracted_json(seed, relaid.encode()), gold_of(seed)
    for key in KEYS:
        assert got[key] == gold[key], key
    assert by_cell(got["proactive"]) == by_cell(gold["proactive"])


def test_section_four_printed_without_numbers_is_zeros():
    path = SEEDS[4]  # tab-separated: section 四's one data row is a single line
    text = path.read_text(encoding="utf-8")
    row = "\t".join(["0"] * 5 + ["1", "0", "0", "0", "1"] + ["0"] * 5)
    assert row in text
    report = process(text.replace(row, "\t".join(["—"] * 15)).encode(), path.name)
    assert report.review_litigation["value"].to_list() == [0] * 15
    assert set(report.review_litigation["raw_text"]) == {"—"}


def test_header_missing_a_column_label_is_warned():
    text = SEEDS[3].read_text(encoding="utf-8").replace("科研 机构 |", "？？ |")
    report = process(text.encode(), SEEDS[3].name)
    assert any("research" in w and "template order" in w for w in report.warnings)


@pytest.mark.parametrize("text,mark", [("- 3 -", True), ("— 5 —", True), ("-2-", True), ("第3页", True),
                                       ("3/5", True), ("-2", False), ("3", False), ("+1036", False),
                                       ("988.2576万", False), ("（一）予以公开", False)])
def test_page_marks_are_never_values(text, mark):
    from pipelines.values import is_page_mark
    assert is_page_mark(text) is mark
