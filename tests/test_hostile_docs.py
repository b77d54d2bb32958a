"""Fault injection at extraction and load: hostile files generated here, run through the real batch.
Each is an ingest_error with a true stage and reason, the rest of the batch loads, and a failed
document is not extracted again until its bytes or the parser version change."""

import io
import re
import subprocess
import sys
import zipfile

import duckdb
import pytest

from pipelines import batch, fetch
from pipelines.errors import IngestError
from pipelines.formats.pdf import read_pdf
from pipelines.ingest import PARSER_VERSION, process
from pipelines.report_json import to_json

from conftest import FIXTURES, SEEDS, gold_of
from test_limits import pdf_of

DOCX = FIXTURES / "docx" / "t001.docx"
F1 = FIXTURES / "pdf" / "f1_stsong_cid.pdf"


def deep_html(levels: int) -> bytes:
    """A real report inside `levels` nested <div>s."""
    body = "".join(f"<p>{line}</p>" for line in SEEDS[1].read_text(encoding="utf-8").splitlines())
    return f"<html><body>{'<div>' * levels}{body}{'</div>' * levels}</body></html>".encode()


def docx_with_body(extra: str) -> bytes:
    """The blank template with `extra` XML at the start of the body."""
    source = zipfile.ZipFile(DOCX)
    xml = source.read("word/document.xml").decode()
    at = xml.index("<w:body>") + len("<w:body>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in source.namelist():
            z.writestr(name, xml[:at] + extra + xml[at:] if name == "word/document.xml" else source.read(name))
    return out.getvalue()


def shifted_xref(pdf: bytes, by: int = 7) -> bytes:
    return re.sub(rb"(\d{10}) (\d{5}) n", lambda m: b"%010d %s n" % (int(m[1]) + by, m[2]), pdf)


NO_PAGES = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """200 MB of one-character paragraphs in under 1 MB of .docx: parsing it needs gigabytes."""
    para = "<w:p><w:r><w:t>年</w:t></w:r></w:p>"
    return docx_with_body(para * (200 * 2**20 // len(para.encode())))


def test_hostile_documents_in_a_batch(tmp_path, docx_bomb):
    inbox = tmp_path / "in"
    inbox.mkdir()
    files = {
        "deep.html": deep_html(5000),
        "deep.docx": docx_with_body("<w:sdt><w:sdtContent>" * 200 + "<w:p/>" + "</w:sdtContent></w:sdt>" * 200),
        "bomb.docx": docx_bomb,
        "no_pages.pdf": pdf_of(NO_PAGES),
        "broken_xref_no_pages.pdf": shifted_xref(pdf_of(NO_PAGES), 5),
        "broken_xref.pdf": shifted_xref(F1.read_bytes()),
        SEEDS[3].name: SEEDS[3].read_bytes(),
    }
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    landed = fetch.fetch_all([str(inbox)], tmp_path / "raw").files
    db = tmp_path / "w.duckdb"
    batch.run(db, landed, tmp_path / "staging", "run", limits=batch.Limits(seconds=60, memory_mb=1200))

    with duckdb.connect(str(db), read_only=True) as con:
        errors = {uri.rsplit("/", 1)[-1]: (stage, error, version) for uri, stage, error, version in
                  con.execute("SELECT source_uri, stage, error, parser_version FROM ingest_error").fetchall()}
        loaded = sorted(uri.rsplit("/", 1)[-1] for (uri,) in con.execute("SELECT source_uri FROM dim_report").fetchall())
    assert loaded == sorted(["broken_xref.pdf", SEEDS[3].name])
    assert errors["deep.html"][:2] == ("decode", "text/html: elements nested more than 256 deep; not a report "
                                                  "page (no report nests its content so)")
    assert errors["deep.docx"][0] == "decode" and "nested more than 256 deep" in errors["deep.docx"][1]
    assert errors["bomb.docx"][:2] == ("extract", "needed more memory than the limit")  # not "bad XML"
    assert errors["no_pages.pdf"][:2] == ("decode", "not a readable PDF: it has no pages")
    assert errors["broken_xref_no_pages.pdf"][1].startswith("not a readable PDF: its cross-reference table")
    assert set(errors) == {"deep.html", "deep.docx", "bomb.docx", "no_pages.pdf", "broken_xref_no_pages.pdf"}
    assert {version for *_, version in errors.values()} == {PARSER_VERSION}

    # the next night: failed documents are not extracted again, a changed one is
    assert batch.pending(db, landed) == []
    (inbox / "no_pages.pdf").write_bytes(files["broken_xref.pdf"] + b"\n% fixed\n")
    again = fetch.fetch_all([str(inbox)], tmp_path / "raw").files
    assert [f.source_uri.rsplit("/", 1)[-1] for f in batch.pending(db, again)] == ["no_pages.pdf"]
    with duckdb.connect(str(db)) as con:  # as if recorded by an older parser
        con.execute("UPDATE ingest_error SET parser_version = '0.0.1' WHERE source_uri LIKE '%deep.html'")
    assert sorted(f.source_uri.rsplit("/", 1)[-1] for f in batch.pending(db, again)) == ["deep.html", "no_pages.pdf"]


def test_pdf_with_a_broken_xref_is_read_by_scanning():
    doc = read_pdf(shifted_xref(F1.read_bytes()), "f1.pdf")
    assert any("cross-reference table is broken" in w for w in doc.warnings)
    got = to_json(process(shifted_xref(F1.read_bytes()), "f1.pdf"), [])
    gold = gold_of(F1)
    assert (got["agency"], got["applications"], got["review_litigation"]) == \
        (gold["agency"], gold["applications"], gold["review_litigation"])


def test_an_unexpected_exception_is_an_internal_error_of_its_stage(tmp_path):
    path = tmp_path / "r.html"
    path.write_bytes((FIXTURES / "html" / f"{SEEDS[0].stem}.html").read_bytes())
    # A charset that is not a string is a caller's bug, not the document's fault.
    [outcome] = batch.extract_stream([fetch.RawFile("", path, str(path), path.stat().st_size, None, 5)])
    assert outcome.error.stage == "decode"
    assert re.fullmatch(r"internal error \((TypeError|AttributeError): .*\); the document is kept, please report it",
                        outcome.error.reason), outcome.error.reason


def test_xxgk_extract_has_the_batch_limits_and_error_form(tmp_path, docx_bomb):
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(docx_bomb)
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "extract", str(bomb)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr == "bomb.docx: extract: needed more memory than the limit\n"
    deep = tmp_path / "deep.html"
    deep.write_bytes(deep_html(5000))
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "extract", str(deep)], capture_output=True, text=True)
    assert run.returncode == 1 and run.stderr.startswith("deep.html: decode: text/html: elements nested")
    assert "Traceback" not in run.stderr


def test_nesting_within_the_bound_still_reads():
    got = to_json(process(deep_html(200), "page.html"), [])
    assert got["applications"] == gold_of(SEEDS[1])["applications"]


def test_ingest_error_form_is_unchanged():
    assert str(IngestError("a.pdf", "decode", "why")) == "a.pdf: decode: why"
