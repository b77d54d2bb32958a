"""decode_text: every seed in every encoding we meet gives the original text back; bad bytes fail."""

import codecs
import random

import chardet
import pytest

from pipelines.decode import Decoded, decode_text
from pipelines.errors import IngestError

from conftest import SEEDS

# GBK cannot encode two characters of the seeds: NBSP (seed 000) and © (seed 003). For the GBK case
# they are replaced with what a GBK editor would have saved; the gb18030 case keeps them as they are.
NOT_IN_GBK = str.maketrans({"\xa0": " ", "©": "(C)"})

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "gbk": lambda t: t.encode("gbk"),
    "gb18030": lambda t: t.encode("gb18030"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "utf-16-le-bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
}

BIG5_REPORT = """臺北市政府資訊公開工作年度報告

一、總體情況
本年度共受理政府資訊公開申請 12 件，已全部辦理完畢。
二、收到和處理政府資訊公開申請情況
總計\t12
三、行政復議及行政訴訟情況
行政復議 0 件，行政訴訟 0 件。
"""


def original(seed) -> str:
    return seed.read_text(encoding="utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("name", ENCODINGS)
def test_seed_round_trips(seed, name):
    text = original(seed)
    if name == "gbk":
        text = text.translate(NOT_IN_GBK)
    decoded = decode_text(ENCODINGS[name](text), seed.name)
    assert decoded.text == text
    assert decoded.method == {"utf-8": "utf-8", "gbk": "anchor-words", "gb18030": "anchor-words",
                              "utf-16-le": "utf-16-pattern", "utf-16-be": "utf-16-pattern"}.get(name, "bom")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_prose_without_tables(encoding):
    # Few ASCII NULs, many CJK ones: 开 is U+5F00 and 公开 is everywhere.
    text = "\n".join(line for line in original(SEEDS[3]).splitlines() if "|" not in line)
    assert decode_text(text.encode(encoding), "prose.txt") == Decoded(text, encoding, "utf-16-pattern")


def test_only_two_seeds_need_the_gbk_substitution():
    assert [s.name[:3] for s in SEEDS if original(s) != original(s).translate(NOT_IN_GBK)] == ["000", "003"]


def test_crlf_and_cr_become_newlines():
    text = original(SEEDS[3])
    assert decode_text(text.replace("\n", "\r\n").encode("gb18030"), "crlf.txt").text == text
    assert decode_text(text.replace("\n", "\r").encode("utf-8"), "cr.txt").text == text


def test_big5_is_not_read_as_gb18030():
    data = BIG5_REPORT.encode("cp950")
    assert data.decode("gb18030") != BIG5_REPORT  # strict GB18030 succeeds, into nonsense
    decoded = decode_text(data, "taipei.txt")
    assert (decoded.text, decoded.encoding, decoded.method) == (BIG5_REPORT, "cp950", "anchor-words")


def test_declared_gb2312_decodes_as_gb18030():
    text = "朱镕基 政府信息公开工作年度报告：本年度收到申请总计 3 件。\n"  # 镕 is GBK but not GB2312
    data = text.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    decoded = decode_text(data, "meta.html", declared="gb2312")
    assert (decoded.text, decoded.encoding, decoded.method) == (text, "gb18030", "declared")


def test_wrong_declared_charset_falls_back_to_the_template_words():
    data = BIG5_REPORT.encode("cp950")
    decoded = decode_text(data, "taipei.txt", declared="gbk")  # decodes strictly, as nonsense
    assert (decoded.text, decoded.encoding) == (BIG5_REPORT, "cp950")
    assert decode_text(data, "taipei.txt", declared="iso-8859-1").encoding == "cp950"
    assert decode_text(data, "taipei.txt", declared="no-such-charset").encoding == "cp950"


def test_tie_between_candidates_is_broken_by_chardet():
    # 申请 in GBK then 申請 in Big5: each decoding spells exactly one template word.
    data = "申请".encode("gbk") + "申請".encode("cp950")
    guess = chardet.detect(data, include_encodings=["gb18030", "cp950"], no_match_encoding="gb18030")
    decoded = decode_text(data, "tie.txt")
    assert decoded.method == "chardet"
    assert decoded.encoding == {"GB18030": "gb18030", "Big5": "cp950"}[guess["encoding"]]
    assert decoded.text == data.decode(decoded.encoding)


def error_of(data: bytes, source: str = "bad.txt") -> IngestError:
    with pytest.raises(IngestError) as info:
        decode_text(data, source)
    assert info.value.stage == "decode" and source in str(info.value)
    return info.value


def test_empty_file():
    assert error_of(b"").reason == "empty file (0 bytes)"


def test_binary_junk():
    assert "binary content, not text" in error_of(random.Random(0).randbytes(4096)).reason
    assert "binary content, not text" in error_of(bytes(512)).reason


def test_byte_soup_without_template_words():
    rng = random.Random(0)
    soup = "".join(chr(rng.randrange(0x80, 0x100)) for _ in range(2000)).encode("latin-1")
    assert "undecodable" in error_of(soup).reason
    # Bytes that do decode strictly (as GB18030 and Big5) but spell none of the template's words.
    pairs = bytes(b for _ in range(500) for b in (rng.randrange(0xB0, 0xF7), rng.randrange(0xA1, 0xFE)))
    pairs.decode("gb18030")
    assert "none of the template's words" in error_of(pairs).reason


def test_valid_text_that_is_not_a_report():
    assert "none of the template's words" in error_of("Hello, world.\n".encode("utf-8")).reason
    assert "none of the template's words" in error_of(("天气很好。\n" * 10).encode("utf-16-le")).reason
