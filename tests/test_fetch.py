"""The landing zone, with real HTTP on a loopback server."""

import hashlib
import json
import os
import pickle
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines import batch
from pipelines.fetch import MANIFEST, STATE, FetchSettings, RawFile, fetch_all, load_settings, load_sources

from conftest import SEEDS

SEED_GBK = SEEDS[1].read_text(encoding="utf-8").encode("gbk")
FAST = FetchSettings(host_delay_seconds=0)  # the loopback server needs no politeness


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    flaky_failures = 1  # /flaky answers 500 this many times, then 200

    def do_GET(self):
        hits = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/reports/seed.txt":
            self.reply(200, SEED_GBK, "text/plain; charset=gbk")
        elif self.path == "/flaky" and hits <= self.flaky_failures:
            self.reply(500, b"try again", "text/plain")
        elif self.path == "/flaky":
            self.reply(200, SEED_GBK, "text/html; charset=GB2312")
        elif self.path == "/old":
            self.send_response(302)
            self.send_header("Location", "/reports/seed.txt")
            self.end_headers()
        else:
            self.reply(404, b"not here", "text/plain")

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.hits, Handler.flaky_failures = {}, 1
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def manifest(raw_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (raw_dir / MANIFEST).read_text(encoding="utf-8").splitlines()]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_load_sources_resolves_paths_against_the_toml(tmp_path):
    (tmp_path / "conf").mkdir()
    toml = tmp_path / "conf" / "sources.toml"
    toml.write_text('[[source]]\nuri = "../inbox"\n[[source]]\nuri = "https://example.org/r.pdf"\n'
                    'redirect_hosts = ["cdn.example.org"]\n[[source]]\nuri = "file:///srv/reports"\n'
                    '[fetch]\nmax_bytes = 1000\ndeadline_seconds = 5\n', encoding="utf-8")
    assert load_sources(toml) == [str(tmp_path / "inbox"), "https://example.org/r.pdf", "file:///srv/reports"]
    settings = load_settings(toml)
    assert (settings.max_bytes, settings.deadline_seconds, settings.host_delay_seconds) == (1000, 5, 1.0)
    assert settings.redirect_hosts == {"https://example.org/r.pdf": ("cdn.example.org",)}
    toml.write_text('[fetch]\nmax_byte = 1\n', encoding="utf-8")
    with pytest.raises(ValueError, match="has no setting max_byte; the settings are"):
        load_settings(toml)


def test_a_fetch_result_survives_pickling_between_dagster_steps(tmp_path):
    result = fetch_all([str(SEEDS[0].parent), str(tmp_path / "missing.txt")], tmp_path / "raw")
    assert result.files and result.errors and all(f.first_seen for f in result.files)
    again = pickle.loads(pickle.dumps(result))
    assert again.files == result.files and all(isinstance(f.path, Path) for f in again.files)
    assert [(e.source, e.stage, e.reason) for e in again.errors] == [(e.source, e.stage, e.reason) for e in result.errors]
    assert again.new == result.new == len(result.files)


def test_repo_sources_toml_lists_the_sample():
    repo = Path(__file__).parent.parent
    assert str(repo / "data" / "raw" / "sample") in load_sources(repo / "sources.toml")


def test_sources_are_recorded_relative_to_the_root_never_as_machine_paths(tmp_path, monkeypatch):
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    (root / "in").mkdir(parents=True)
    outside.mkdir()
    (root / "in" / "a.txt").write_bytes(b"a")
    far = outside / "年报 b.txt"
    far.write_bytes(b"b")
    monkeypatch.chdir(outside)  # relative sources are taken from the root, not the working directory
    result = fetch_all(["in", str(root / "in" / "a.txt"), str(far), str(outside), "in/missing.txt"], tmp_path / "raw",
                       project_root=root)
    assert [f.source_uri for f in result.files] == ["in/a.txt", "in/a.txt", far.as_uri(), far.as_uri()]
    assert [e.source for e in result.errors] == ["in/missing.txt"]
    assert batch.source_name(far.as_uri()) == "年报 b.txt"
    again = fetch_all([far.as_uri()], tmp_path / "raw", project_root=root)  # a file:// URI is a source too
    assert [(f.source_uri, f.size) for f in again.files] == [(far.as_uri(), 1)]


def test_directory_source_lands_every_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for seed in SEEDS:
        (src / seed.name).write_bytes(seed.read_bytes())
    (src / ".gitkeep").write_bytes(b"")
    (src / "EMPTY.TXT").write_bytes(b"")
    (src / "sub").mkdir()
    calls = []
    result = fetch_all([str(src)], tmp_path / "raw", project_root=tmp_path, progress=lambda *a: calls.append(a))
    [sub] = result.errors  # a subdirectory is left out, and said so
    assert sub.source == "src/sub" and "directory" in sub.reason
    names = [f.source_uri for f in result.files]
    assert names == [f"src/{seed.name}" for seed in SEEDS] + ["src/EMPTY.TXT"]
    for f in result.files:
        data = (tmp_path / f.source_uri).read_bytes()
        assert f == RawFile(sha(data), tmp_path / "raw" / f"{sha(data)}.txt", f.source_uri, len(data), None, None,
                            f.first_seen)
        assert f.path.read_bytes() == data
    assert result.files[-1].size == 0  # empty files land too; decoding reports them
    assert [(done, total) for done, total, _ in calls] == [(i, 6) for i in range(1, 7)]
    lines = manifest(tmp_path / "raw")
    assert [(e["sha256"], e["source_uri"], e["size"]) for e in lines] == \
        [(f.sha256, f.source_uri, f.size) for f in result.files]
    assert lines[0]["fetched_at"].endswith("+00:00") and lines[0]["content_type"] is None


def test_first_fetch_follows_the_order_of_arrival(tmp_path):
    """Files landed one after another never share a first fetch time, in this run or against the
    manifest's last: which version of a report is newer (pipelines.identity) must not depend on how
    many of them one millisecond held."""
    source = tmp_path / "in"
    source.mkdir()
    for i in range(60):  # tiny files: many land within one millisecond
        (source / f"{i:03d}.txt").write_bytes(b"report %d" % i)
    raw = tmp_path / "raw"
    first = fetch_all([str(source)], raw, project_root=tmp_path)
    (source / "060.txt").write_bytes(b"report 60")
    later = fetch_all([str(source)], raw, project_root=tmp_path)
    seen = [f.first_seen for f in later.files]
    assert [f.source_uri for f in later.files] == [f"in/{i:03d}.txt" for i in range(61)]
    assert seen[:60] == [f.first_seen for f in first.files]
    assert all(a < b for a, b in zip(seen, seen[1:]))


def test_content_addressing(tmp_path):
    a, b = tmp_path / "a" / "report.txt", tmp_path / "b" / "copy.TXT"
    for path in (a, b):
        path.parent.mkdir()
        path.write_bytes(SEED_GBK)
    raw = tmp_path / "raw"
    first = fetch_all([str(a.parent), str(b)], raw, project_root=tmp_path)
    assert {f.path for f in first.files} == {raw / f"{sha(SEED_GBK)}.txt"}
    assert sorted(p.name for p in raw.iterdir()) == [f"{sha(SEED_GBK)}.txt", STATE, MANIFEST]
    assert [e["source_uri"] for e in manifest(raw)] == ["a/report.txt", "b/copy.TXT"]
    mtime = first.files[0].path.stat().st_mtime_ns
    again = fetch_all([str(a.parent), str(b)], raw, project_root=tmp_path)
    assert again.files == first.files and len(manifest(raw)) == 2  # first_seen included: it is kept
    assert first.files[0].first_seen == first.files[1].first_seen  # when the bytes, not the source, came first
    assert first.files[0].path.stat().st_mtime_ns == mtime  # not rewritten


def test_http_sources(tmp_path, server):
    raw = tmp_path / "raw"
    local = tmp_path / "local.txt"
    local.write_bytes(SEEDS[0].read_bytes())
    uris = [f"{server}/reports/seed.txt", f"{server}/missing.pdf", str(local), f"{server}/flaky",
            f"{server}/old", str(tmp_path / "nowhere")]
    result = fetch_all(uris, raw, settings=FAST, project_root=tmp_path)

    [missing, nowhere] = result.errors
    assert (missing.source, missing.stage) == (f"{server}/missing.pdf", "fetch")
    assert "404" in str(missing) and f"{server}/missing.pdf" in str(missing)
    assert Handler.hits["/missing.pdf"] == 1  # a 4xx is not retried
    assert (nowhere.source, nowhere.stage) == ("nowhere", "fetch") and "no such file" in nowhere.reason.lower()

    seed, plain, flaky, moved = result.files
    assert (seed.source_uri, seed.content_type, seed.charset, seed.size) == \
        (uris[0], "text/plain", "gbk", len(SEED_GBK))
    assert seed.path == raw / f"{sha(SEED_GBK)}.txt" and seed.path.read_bytes() == SEED_GBK
    assert plain.content_type is None and plain.path.read_bytes() == local.read_bytes()
    assert Handler.hits["/flaky"] == 2 and (flaky.content_type, flaky.charset) == ("text/html", "gb2312")
    assert flaky.path == seed.path  # same bytes; the name "flaky" has no suffix, yet no second copy
    assert moved.source_uri == uris[4] and moved.sha256 == seed.sha256
    assert [(e["source_uri"], e["content_type"], e["charset"]) for e in manifest(raw)] == [
        (uris[0], "text/plain", "gbk"), ("local.txt", None, None), (uris[3], "text/html", "gb2312"),
        (uris[4], "text/plain", "gbk")]


def test_extension_from_content_type_or_bin(tmp_path, server):
    raw = tmp_path / "raw"
    odd = tmp_path / "README"
    odd.write_bytes(b"no suffix")
    result = fetch_all([f"{server}/flaky", str(odd)], raw, settings=FAST)
    assert [f.path.name for f in result.files] == [f"{sha(SEED_GBK)}.html", f"{sha(b'no suffix')}.bin"]


def test_server_that_keeps_failing(tmp_path, server):
    Handler.flaky_failures = 5
    [error] = fetch_all([f"{server}/flaky"], tmp_path / "raw", settings=FAST).errors
    assert "HTTP 500" in error.reason and "3 attempts" in error.reason and Handler.hits["/flaky"] == 3


def test_connection_refused_is_an_error_not_a_crash(tmp_path):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = fetch_all([f"http://127.0.0.1:{port}/r.txt"], tmp_path / "raw")
    assert result.files == [] and result.errors[0].stage == "fetch" and "ConnectError" in result.errors[0].reason


HOUR_AGO = time.time_ns() - 3600 * 10**9


def inbox(tmp_path, files: dict[str, bytes]) -> Path:
    """A source directory whose files were last modified an hour ago (settled, as on a quiet night)."""
    src = tmp_path / "src"
    src.mkdir()
    for name, data in files.items():
        (src / name).write_bytes(data)
        os.utime(src / name, ns=(HOUR_AGO, HOUR_AGO))
    return src


def rewrite_keeping_stat(path: Path, data: bytes) -> None:
    """Other bytes of the same size under the same mtime: only reading the file can tell."""
    before = path.stat()
    assert len(data) == before.st_size
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_unchanged_local_file_is_not_read_again(tmp_path):
    src, raw = inbox(tmp_path, {"a.txt": b"version 1", "b.txt": b"other"}), tmp_path / "raw"
    first = fetch_all([str(src)], raw, project_root=tmp_path).files
    rewrite_keeping_stat(src / "a.txt", b"version 2")
    again = fetch_all([str(src)], raw, project_root=tmp_path).files
    assert again == first and again[0].sha256 == sha(b"version 1")  # size and mtime were trusted

    os.utime(src / "a.txt", ns=(HOUR_AGO, HOUR_AGO + 10**9))  # a new mtime: read, and the new bytes land
    a, b = fetch_all([str(src)], raw, project_root=tmp_path).files
    assert (a.sha256, a.path.read_bytes(), b) == (sha(b"version 2"), b"version 2", first[1])
    assert [(e["sha256"], e["source_uri"]) for e in manifest(raw)] == [
        (sha(b"version 1"), "src/a.txt"), (sha(b"other"), "src/b.txt"), (sha(b"version 2"), "src/a.txt")]
    rewrite_keeping_stat(src / "a.txt", b"version 3")
    assert fetch_all([str(src)], raw, project_root=tmp_path).files[0].sha256 == sha(b"version 2")


def test_deleted_landed_copy_makes_the_file_read_again(tmp_path):
    src, raw = inbox(tmp_path, {"a.txt": b"version 1"}), tmp_path / "raw"
    [first] = fetch_all([str(src)], raw, project_root=tmp_path).files
    first.path.unlink()
    rewrite_keeping_stat(src / "a.txt", b"version 2")
    [again] = fetch_all([str(src)], raw, project_root=tmp_path).files
    assert again.sha256 == sha(b"version 2") and again.path.read_bytes() == b"version 2"


def test_file_modified_just_now_is_read_again(tmp_path):
    src, raw = tmp_path / "src", tmp_path / "raw"
    src.mkdir()
    (src / "a.txt").write_bytes(b"version 1")  # still being written, maybe: its mtime may not move again
    fetch_all([str(src)], raw, project_root=tmp_path)
    rewrite_keeping_stat(src / "a.txt", b"version 2")
    [again] = fetch_all([str(src)], raw, project_root=tmp_path).files
    assert again.sha256 == sha(b"version 2")


def test_file_that_now_leads_out_of_its_directory_is_refused_though_its_stat_matches(tmp_path):
    src, raw = inbox(tmp_path, {"a.txt": b"report a", "b.txt": b"report b"}), tmp_path / "raw"
    secret = tmp_path / "secret"
    fetch_all([str(src)], raw, project_root=tmp_path)
    secret.write_bytes(b"secret b")  # the size and mtime b.txt had
    os.utime(secret, ns=(HOUR_AGO, HOUR_AGO))

    def swap(done, total, uri):  # b.txt becomes a link out of src after the directory was listed
        if uri == "src/a.txt":
            (src / "b.txt").unlink()
            (src / "b.txt").symlink_to(secret)
    result = fetch_all([str(src)], raw, project_root=tmp_path, progress=swap)
    assert [f.source_uri for f in result.files] == ["src/a.txt"]
    [error] = result.errors
    assert (error.source, error.reason) == ("src/b.txt", f"leads to {secret}, outside the source directory; not read")
    [error] = fetch_all([str(src)], raw, project_root=tmp_path).errors  # the next night: left out when listed
    assert error.reason == f"a symbolic link to {secret}, outside the source directory; not followed"
    assert b"secret b" not in b"".join(p.read_bytes() for p in raw.iterdir())
