"""Fault injection at the fetch stage: a loopback HTTP server misbehaving on purpose, and hostile
entries in a source directory. Each case is a recorded error (or a clear refusal) and the rest lands."""

import gzip
import json
import os
import sys
from pathlib import Path

import pytest

from pipelines.fetch import STATE, MANIFEST, FetchSettings, fetch_all

from conftest import SEEDS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from hostile import Hostile, serve  # noqa: E402  the misbehaving server, shared with the benchmark

REPORT = SEEDS[2].read_bytes()
CAP = 1 << 20
SETTINGS = FetchSettings(deadline_seconds=3, max_bytes=CAP, host_delay_seconds=0, read_timeout=1,
                         backoff_seconds=0.05)


@pytest.fixture
def server():
    Hostile.report, Hostile.bomb = REPORT, gzip.compress(bytes(50 * CAP))
    Hostile.drip_pause, Hostile.silence, Hostile.stop_after = 0.2, 3, 20
    Hostile.log, Hostile.full_bodies = [], 0
    httpd, base = serve()
    yield base
    httpd.shutdown()
    httpd.server_close()


def errors_by_source(result) -> dict[str, str]:
    return {e.source.rsplit("/", 1)[-1]: e.reason for e in result.errors}


def leftovers(raw: Path) -> list[str]:
    return [p.name for p in raw.iterdir() if p.name.startswith(".")]


def test_each_hostile_answer_is_a_recorded_error_and_the_rest_lands(tmp_path, server):
    raw = tmp_path / "raw"
    names = ["endless", "drip", "silent", "huge-declared", "gzip-bomb", "away", "to-file", "loop", "report.txt"]
    result = fetch_all([f"{server}/{n}" for n in names], raw, settings=SETTINGS)
    errors = errors_by_source(result)
    assert set(errors) == set(names) - {"report.txt"}
    assert "over the 1,048,576-byte limit" in errors["endless"]
    assert "3 s deadline" in errors["drip"]
    assert "ReadTimeout" in errors["silent"] and "3 attempts" in errors["silent"]
    assert errors["huge-declared"].startswith("10,000,000,000 bytes, over the")
    assert "over the 1,048,576-byte limit" in errors["gzip-bomb"]  # inflated under the cap, not all at once
    assert "another host (localhost)" in errors["away"] and "redirect_hosts" in errors["away"]
    assert "only http(s) is followed" in errors["to-file"]
    assert "more than 10 redirects" in errors["loop"]
    [report] = result.files
    assert report.path.read_bytes() == REPORT
    assert leftovers(raw) == []  # no part file of a refused download stays


def test_redirect_to_an_allowed_host_is_followed(tmp_path, server):
    url = f"{server}/away"
    settings = FetchSettings(host_delay_seconds=0, redirect_hosts={url: ("localhost",)})
    [got] = fetch_all([url], tmp_path / "raw", settings=settings).files
    assert got.path.read_bytes() == REPORT and got.source_uri == url


def test_unchanged_url_is_not_downloaded_again(tmp_path, server):
    raw = tmp_path / "raw"
    first = fetch_all([f"{server}/etag"], raw, settings=SETTINGS).files
    again = fetch_all([f"{server}/etag"], raw, settings=SETTINGS).files
    assert again == first and Hostile.full_bodies == 1
    assert [h.get("If-None-Match") for p, h in Hostile.log] == [None, '"v1"']
    assert json.loads((raw / STATE).read_text())[f"{server}/etag"]["etag"] == '"v1"'
    assert len((raw / MANIFEST).read_text().splitlines()) == 1
    first[0].path.unlink()  # the landed copy is gone: the next fetch asks for the whole body
    assert fetch_all([f"{server}/etag"], raw, settings=SETTINGS).files == first
    assert Hostile.full_bodies == 2 and Hostile.log[-1][1].get("If-None-Match") is None
    assert first[0].path.read_bytes() == REPORT


def test_user_agent_host_delay_and_retry_after(tmp_path, server):
    settings = FetchSettings(host_delay_seconds=0.3, backoff_seconds=0.01)
    result = fetch_all([f"{server}/busy", f"{server}/report.txt"], tmp_path / "raw", settings=settings)
    assert result.errors == [] and len(result.files) == 2
    assert {h["User-Agent"] for _, h in Hostile.log} == {settings.user_agent}
    assert [p for p, _ in Hostile.log] == ["/busy", "/busy", "/report.txt"]  # 429 retried after Retry-After


def test_schemes(tmp_path):
    local = tmp_path / "a report.txt"
    local.write_bytes(REPORT)
    result = fetch_all([local.as_uri(), "ftp://example.org/r.pdf", "gopher://x/1"], tmp_path / "raw",
                       settings=SETTINGS)
    [got] = result.files
    assert got.source_uri == local.as_uri() and got.path.read_bytes() == REPORT and got.path.suffix == ".txt"
    assert [e.reason for e in result.errors] == [
        "the scheme 'ftp' is not supported: use http(s)://, file:// or a path",
        "the scheme 'gopher' is not supported: use http(s)://, file:// or a path"]


def test_hostile_directory_entries_are_recorded_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    src = tmp_path / "inbox"
    src.mkdir()
    (src / "report.txt").write_bytes(REPORT)
    (src / "passwd").symlink_to(secret)
    (src / "dir-link").symlink_to(tmp_path)
    (src / "alias.txt").symlink_to(src / "report.txt")  # a link inside the directory is fine
    (src / "dangling").symlink_to(src / "gone")
    (src / "nested").mkdir()
    os.mkfifo(src / "pipe")
    (src / "huge.pdf").write_bytes(b"%PDF" + bytes(CAP))
    (src / ".gitkeep").write_bytes(b"")
    raw = tmp_path / "raw"
    result = fetch_all([str(src)], raw, settings=SETTINGS)

    errors = errors_by_source(result)
    assert errors["passwd"] == f"a symbolic link to {secret}, outside the source directory; not followed"
    assert errors["dir-link"].startswith(f"a symbolic link to {tmp_path}, outside")
    assert errors["dangling"] == "a broken symbolic link"
    assert errors["nested"].startswith("a directory")
    assert errors["pipe"] == "not a regular file (a FIFO)"
    assert errors["huge.pdf"].startswith(f"{CAP + 4:,} bytes, over the")
    assert set(errors) == {"passwd", "dir-link", "dangling", "nested", "pipe", "huge.pdf"}
    assert sorted(Path(f.source_uri).name for f in result.files) == ["alias.txt", "report.txt"]
    stored = b"".join(p.read_bytes() for p in raw.iterdir())
    assert b"root:x:0:0" not in stored  # neither landed nor in the manifest


def test_manifest_line_cut_by_a_killed_run_is_dropped(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "report.txt").write_bytes(REPORT)
    raw = tmp_path / "raw"
    fetch_all([str(src)], raw, settings=SETTINGS)
    manifest = raw / MANIFEST
    whole = manifest.read_bytes()
    manifest.write_bytes(whole + whole[:40])  # a second record cut short
    (raw / ".fetch-999999999-1.part").write_bytes(b"half a download of a dead process")
    again = fetch_all([str(src)], raw, settings=SETTINGS)
    assert again.errors == [] and manifest.read_bytes() == whole and leftovers(raw) == []
