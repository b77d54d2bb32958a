"""Unreadable documents in a batch: each becomes an ingest_error row naming stage and reason; the rest loads."""

import duckdb

from pipelines import batch, fetch

from conftest import FIXTURES, SEEDS

PDF = FIXTURES / "pdf"
# file → (stage, words the reason must contain)
BAD = {
    "f7_scanned.pdf": ("decode", "no text layer"),
    "f8_encrypted.pdf": ("decode", "encrypted"),
    "f9_truncated.pdf": ("decode", "not a readable PDF"),
    "f6_cid_unmapped.pdf": ("decode", "Unicode map"),
    "f5_no_tounicode.pdf": ("decode", "Unicode map"),
    "report.doc": ("decode", "LibreOffice"),
    "scan.png": ("decode", "OCR"),
    "t001.docx": ("extract", "no values"),
    "empty.txt": ("decode", "empty"),
}


def test_bad_documents_are_recorded_and_the_rest_loads(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in BAD:
        if (PDF / name).exists():
            (inbox / name).write_bytes((PDF / name).read_bytes())
    (inbox / "report.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (inbox / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (inbox / "t001.docx").write_bytes((FIXTURES / "docx" / "t001.docx").read_bytes())
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / SEEDS[3].name).write_bytes(SEEDS[3].read_bytes())
    (inbox / "p002.pdf").write_bytes((FIXTURES / "public" / "p002.pdf").read_bytes())

    landed = fetch.fetch_all([str(inbox)], tmp_path / "raw").files
    batch.run(tmp_path / "w.duckdb", landed, tmp_path / "staging", "run")

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        errors = {uri.rsplit("/", 1)[-1]: (stage, error) for uri, stage, error in
                  con.execute("SELECT source_uri, stage, error FROM ingest_error").fetchall()}
        loaded = con.execute("SELECT count(*) FROM dim_report").fetchone()[0]
    assert set(errors) == set(BAD)
    for name, (stage, words) in BAD.items():
        assert errors[name][0] == stage and words in errors[name][1], (name, errors[name])
    assert loaded == 2
    assert all((tmp_path / "raw" / f"{f.sha256}{f.path.suffix}").exists() for f in landed)
