"""Body identity: names read as places + organisation, completed from the report's own text."""

import pytest

from pipelines import bodies
from pipelines.formats import to_document
from pipelines.segment import agency, segment

from conftest import PUBLIC, SEEDS


@pytest.mark.parametrize("name, level, province, prefecture, county, canonical", [
    ("湖北省人民政府", "province", "湖北省", None, None, "湖北省人民政府"),
    ("北京市人民政府", "province", "北京市", None, None, "北京市人民政府"),
    ("淮安市人民政府", "prefecture", None, "淮安市", None, "淮安市人民政府"),
    ("江苏省淮安市人民政府", "prefecture", "江苏省", "淮安市", None, "淮安市人民政府"),
    ("天津市东丽区人民政府", "county", "天津市", None, "东丽区", "天津市东丽区人民政府"),
    ("重庆市万州区政府", "county", "重庆市", None, "万州区", "重庆市万州区人民政府"),
    ("杭州市西湖区人民政府", "county", None, "杭州市", "西湖区", "杭州市西湖区人民政府"),
    ("苏州市昆山市人民政府", "county", None, "苏州市", "昆山市", "苏州市昆山市人民政府"),
    ("延边朝鲜族自治州人民政府", "prefecture", None, "延边朝鲜族自治州", None, "延边朝鲜族自治州人民政府"),
    ("淮安市洪泽区 高良涧街道办事处", "township", None, "淮安市", "洪泽区", "淮安市洪泽区高良涧街道办事处"),
    ("上海市人民政府办公厅", "department", "上海市", None, None, "上海市人民政府办公厅"),
    ("淮安市城市管理局", "department", None, "淮安市", None, "淮安市城市管理局"),
    ("国务院办公厅", "department", None, None, None, "国务院办公厅"),
    ("中国人民银行", "unknown", None, None, None, "中国人民银行"),
])
def test_name_alone(name, level, province, prefecture, county, canonical):
    body = bodies.resolve(name)
    assert (body.level, body.province, body.prefecture, body.county, body.name) == (
        level, province, prefecture, county, canonical)
    assert body.id == bodies.resolve(name.replace("市", "市 ")).id  # spacing does not matter


@pytest.mark.parametrize("text, prefecture, province", [
    ("地址：淮安市洪泽区洪泽湖大道", "淮安市", None),  # one mention whose start punctuation marks
    ("本报告由淮安市洪泽区人民政府办公室编制，请与淮安市洪泽区联系", "淮安市", None),  # common ending
    ("地址：江苏省淮安市洪泽区，与淮安市洪泽区", "淮安市", "江苏省"),
    ("本报告由淮安市洪泽区人民政府办公室编制", None, None),  # one mention, start unknown: refused
    ("洪泽区坚持以习近平新时代中国特色社会主义思想为指导", None, None),
])
def test_parent_from_the_text(text, prefecture, province):
    body = bodies.resolve("洪泽区人民政府", text)
    assert (body.prefecture, body.province, body.county) == (prefecture, province, "洪泽区")


def _resolved(path):
    doc = to_document(path.read_bytes(), path.name)
    text = "".join(b.text for b in doc.blocks if hasattr(b, "text"))
    return bodies.resolve(agency(segment(doc), text), text)


def test_p001_and_p002_are_one_body():
    """p001 (2023) prints 洪泽区人民政府 and, in its preamble, 淮安市洪泽区; p002 (2024) 淮安市洪泽区人民政府."""
    p001, p002 = _resolved(PUBLIC[0]), _resolved(PUBLIC[1])
    assert p001 == p002 == bodies.Body("淮安市洪泽区人民政府", "county", None, "淮安市", "洪泽区")


def test_bodies_of_the_other_sample_reports():
    assert _resolved(PUBLIC[2]) == bodies.Body("淮安市人民政府", "prefecture", None, "淮安市", None)
    assert _resolved(SEEDS[4]).name == "吕梁市离石区人民政府"
    assert _resolved(SEEDS[3]) == bodies.Body("东丽区人民政府", "county", None, None, "东丽区")  # no city printed
