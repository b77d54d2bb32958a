"""The landing zone: every source's bytes, stored once under their SHA-256 and logged in a manifest.

Sources (sources.toml) are directories, files, file:// URLs or http(s) URLs. A file lands as
raw_dir/<sha256>.<ext> and is never rewritten; raw_dir/manifest.jsonl gets one line per
(sha256, source_uri) first seen. Every document is bounded (FetchSettings): bytes are streamed to a
temporary file under a byte cap and renamed to their SHA-256 name, an HTTP fetch has a total
deadline, redirects stay on the source's host, a directory's symbolic links do not lead out of it,
and every entry left out is recorded with the reason. An unchanged source is not read again
(raw_dir/fetch_state.json): a URL is asked with a conditional GET, and a local file whose size and
modification time are those last seen is taken as the bytes landed then. A source is recorded as
its URL, or for a local file as its path relative to the project root (`data/raw/sample/p001.pdf`),
or as its file:// URL when it lies outside the root: never as a machine path.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import random
import re
import stat
import time
import tomllib
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote, urljoin, urlparse

import httpx

from . import paths
from .errors import IngestError, internal_error

STAGE = "fetch"
MANIFEST = "manifest.jsonl"
STATE = "fetch_state.json"  # what each source gave last time: a URL's ETag, a local file's size and mtime
_LANDED = re.compile(r"([0-9a-f]{64})\.[a-z0-9]+")
_PART = re.compile(r"\.fetch-(\d+)-\d+\.part")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_RETRY = (httpx.TransportError,)  # connection, timeout, protocol and network errors
_CHUNK = 1 << 20
_MAX_REDIRECTS = 10
_SETTLED_NS = 2 * 10**9  # a file modified this recently may change again within one mtime tick: not trusted


@dataclass(frozen=True)
class FetchSettings:
    """What fetching one document may cost, and how politely it is done (the [fetch] table of sources.toml)."""

    deadline_seconds: float = 120.0  # per document: every attempt, redirect and byte included
    max_bytes: int = 100 * 2**20  # per document, HTTP or file
    host_delay_seconds: float = 1.0  # between two requests to one host
    attempts: int = 3  # on connection errors, timeouts, 429 and 5xx
    backoff_seconds: float = 0.5  # before the 2nd attempt, doubled each time, ±50 % jitter
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # silence allowed between two chunks
    user_agent: str = "xxgk-warehouse/0.1 (batch archive of government information-disclosure annual reports)"
    # Per source URL, other hosts its redirects may lead to ("*": any); by default only its own.
    redirect_hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RawFile:
    sha256: str
    path: Path
    source_uri: str
    size: int
    content_type: str | None = None  # from the HTTP Content-Type header; None for local files
    charset: str | None = None
    first_seen: datetime | None = None  # UTC; when the landing zone first got these bytes (manifest)


@dataclass
class FetchResult:
    files: list[RawFile] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    new: int = 0  # files landed for the first time

    # Dagster pickles the result between steps: as rows of plain values, a hundred thousand files
    # unpickle in a quarter of the time their RawFile and Path objects take.
    def __getstate__(self) -> dict:
        return {"files": [(f.sha256, str(f.path), f.source_uri, f.size, f.content_type, f.charset, f.first_seen)
                          for f in self.files], "errors": self.errors, "new": self.new}

    def __setstate__(self, state: dict) -> None:
        self.files = [RawFile(sha, Path(path), *rest) for sha, path, *rest in state["files"]]
        self.errors, self.new = state["errors"], state["new"]


def load_sources(path: Path) -> list[str]:
    """The source URIs of a sources.toml; relative paths are taken from the file's directory."""
    with open(path, "rb") as f:
        sources = tomllib.load(f).get("source", [])
    return [s["uri"] if _SCHEME.match(s["uri"]) else str((path.parent / s["uri"]).resolve()) for s in sources]


def load_settings(path: Path) -> FetchSettings:
    """The [fetch] table of a sources.toml (any key of FetchSettings) and each source's redirect_hosts."""
    with open(path, "rb") as f:
        config = tomllib.load(f)
    hosts = {s["uri"]: tuple(s["redirect_hosts"]) for s in config.get("source", []) if s.get("redirect_hosts")}
    known = set(FetchSettings.__dataclass_fields__) - {"redirect_hosts"}
    if unknown := set(config.get("fetch", {})) - known:
        raise ValueError(f"{path}: [fetch] has no setting {', '.join(sorted(unknown))}; "
                         f"the settings are {', '.join(sorted(known))}")
    return FetchSettings(**config.get("fetch", {}), redirect_hosts=hosts)


def fetch_all(uris: list[str], raw_dir: Path, *, settings: FetchSettings = FetchSettings(),
              project_root: Path = paths.ROOT, client: httpx.Client | None = None,
              progress=None) -> FetchResult:
    """Land every source; whatever fails is an IngestError (stage "fetch") and the batch goes on.

    Relative paths are taken from `project_root` (the directory of sources.toml), and local files are
    recorded relative to it (source_uri). `progress(done, total, uri)` is called after each file or URL.
    """
    raw_dir.mkdir(parents=True, exist_ok=True)
    landed = _scan(raw_dir)
    result, items = FetchResult(), []
    for uri in uris:
        found, skipped = _expand(uri if _SCHEME.match(uri) else str(project_root / uri))
        items += found
        result.errors += [IngestError(source_uri(e.source, project_root), e.stage, e.reason) for e in skipped]
    manifest = raw_dir / MANIFEST
    entries = _entries(manifest)
    seen = {(e["sha256"], e["source_uri"]) for e in entries}
    first: dict[str, datetime] = {}
    last = None  # the manifest's latest fetch time
    for e in entries:
        at = datetime.fromisoformat(e["fetched_at"])
        first[e["sha256"]] = min(at, first.get(e["sha256"], at))
        last = max(at, last or at)
    own_client = client is None
    client = client or httpx.Client(headers={"User-Agent": settings.user_agent}, follow_redirects=False)
    state = _State(raw_dir, landed)
    http = _Http(client, settings, raw_dir, state)
    try:
        with open(manifest, "a", encoding="utf-8") as log:
            for done, (uri, root) in enumerate(items, 1):
                name = source_uri(uri, project_root) if root is None else _entry_uri(uri, project_root)
                got = None
                try:
                    got = http.get(uri) if _is_http(uri) else _local(uri, root, raw_dir, settings, state)
                    if got.sha256 not in landed:
                        landed[got.sha256] = raw_dir / f"{got.sha256}.{_extension(uri, got.content_type)}"
                        os.replace(got.part, landed[got.sha256])
                        result.new += 1
                    if (got.sha256, name) not in seen:
                        seen.add((got.sha256, name))
                        now = last = _fetch_time(last)
                        first.setdefault(got.sha256, now)
                        log.write(json.dumps({
                            "sha256": got.sha256, "source_uri": name, "fetched_at": now.isoformat(timespec="milliseconds"),
                            "size": got.size, "content_type": got.content_type, "charset": got.charset,
                        }, ensure_ascii=False) + "\n")
                        log.flush()
                    result.files.append(RawFile(got.sha256, landed[got.sha256], name, got.size,
                                                got.content_type, got.charset, first[got.sha256]))
                except IngestError as error:
                    result.errors.append(IngestError(name, error.stage, error.reason))
                except Exception as error:  # noqa: BLE001 - the document boundary: a bug of ours
                    result.errors.append(internal_error(name, STAGE, error))
                finally:
                    if got and got.part:  # bytes landed before (or not landed: an error)
                        got.part.unlink(missing_ok=True)
                if progress:
                    progress(done, len(items), name)
    finally:
        state.save()
        if own_client:
            client.close()
    return result


def _fetch_time(last: datetime | None) -> datetime:
    """Now, to the millisecond as the manifest keeps it, but after `last`, the manifest's latest. Which
    version of a report is newer may rest on it (pipelines.identity): two files landed one after the
    other must not tie by landing in one millisecond, or the choice would depend on the machine's
    speed, not on the order of arrival."""
    now = datetime.now(timezone.utc)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    return max(now, last + timedelta(milliseconds=1)) if last else now


# --- sources --------------------------------------------------------------------------------------


def _is_http(uri: str) -> bool:
    return (scheme := _SCHEME.match(uri)) is not None and scheme[1].lower() in ("http", "https")


def source_uri(uri: str, project_root: Path) -> str:
    """How a source is recorded: a URL as it is; a local file relative to the project root, or as its
    file:// URL when it lies outside the root."""
    if _SCHEME.match(uri) and urlparse(uri).scheme != "file":
        return uri
    root = os.path.abspath(project_root)
    path = os.path.abspath(os.path.join(root, _local_path(uri)))
    inside = os.path.join(root, "")
    return path[len(inside):] if path.startswith(inside) else "." if path == root else Path(path).as_uri()


def _entry_uri(path: str, project_root: Path) -> str:
    """`source_uri` of a directory source's entry, from its directory's (worked out once per directory)."""
    directory, name = os.path.split(path)
    recorded = _directory_uri(directory, project_root)
    if recorded in (".", ""):  # the project root itself ("" when that is /)
        return name
    if recorded.startswith("file:"):
        name = quote_from_bytes(os.fsencode(name))
    return recorded + name if recorded.endswith("/") else f"{recorded}/{name}"


@lru_cache(maxsize=64)
def _directory_uri(directory: str, project_root: Path) -> str:
    return source_uri(directory, project_root)


def _local_path(uri: str) -> str:
    """A path source as itself; a file:// URL as the path it names."""
    scheme = _SCHEME.match(uri)
    return unquote(urlparse(uri).path) if scheme and scheme[1].lower() == "file" else uri


def _expand(uri: str) -> tuple[list[tuple[str, str | None]], list[IngestError]]:
    """A source as (uri, directory it must stay in) items, and the entries left out with the reason.

    A directory gives its regular files, sorted; dotfiles (.gitkeep, editors' temporaries) are left
    out silently; subdirectories, symbolic links leading out of it, broken links, FIFOs, sockets and
    devices are recorded. A symbolic link within the directory is read as the file it names.
    """
    scheme = _SCHEME.match(uri)
    if scheme and scheme[1].lower() not in ("http", "https", "file"):
        return [], [IngestError(uri, STAGE, f"the scheme '{scheme[1]}' is not supported: use http(s)://, "
                                            "file:// or a path")]
    if _is_http(uri):
        return [(uri, None)], []
    path = _local_path(uri)
    if not os.path.isdir(path):
        return [(uri, None)], []
    root = os.path.realpath(path)
    try:
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        return [], [IngestError(uri, STAGE, f"cannot list the directory: {error.strerror or error}")]
    items, skipped = [], []
    for entry in entries:  # entry types come with the listing: no system call for a regular file
        if entry.name.startswith("."):
            continue
        reason = None
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not _within(target, root):
                reason = f"a symbolic link to {target}, outside the source directory; not followed"
            elif not os.path.exists(target):
                reason = "a broken symbolic link"
        if reason is None and entry.is_dir():
            reason = ("a directory; a source directory is not read recursively (name it in sources.toml "
                      "to read it)")
        if reason is None and not entry.is_file():
            reason = f"not a regular file ({_kind(entry.path)})"
        if reason:
            skipped.append(IngestError(entry.path, STAGE, reason))
        else:
            items.append((entry.path, root))
    return items, skipped


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(os.path.join(directory, ""))


def _kind(path: str) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError as error:
        return error.strerror or str(error)
    return ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else
            "a device" if stat.S_ISBLK(mode) or stat.S_ISCHR(mode) else "not readable as a file")


def _entries(manifest: Path) -> list[dict]:
    """The manifest's records; a last line cut short by a killed run is dropped from the file."""
    if not manifest.exists():
        return []
    data = manifest.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(manifest, "r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)
        data = data[:data.rfind(b"\n") + 1]
    lines = (line for line in data.decode("utf-8").splitlines() if line.strip())
    return json.loads("[" + ",".join(lines) + "]")  # one parse, not one per line


# --- bytes to a part file -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Got:
    """Bytes of one source in a part file (or already landed, for an unchanged source)."""

    part: Path | None
    sha256: str
    size: int
    content_type: str | None = None
    charset: str | None = None


class _Sink:
    """A part file in raw_dir receiving bytes under the byte cap, hashing them on the way; removed when
    its `with` block ends in an error."""

    _count = 0

    def __init__(self, raw_dir: Path, source: str, max_bytes: int):
        _Sink._count += 1
        self.path = raw_dir / f".fetch-{os.getpid()}-{_Sink._count}.part"
        self.source, self.max_bytes = source, max_bytes
        self.hash, self.size = hashlib.sha256(), 0
        self.file = open(self.path, "wb")

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, error_type, *_) -> None:
        self.file.close()
        if error_type is not None:
            self.path.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise IngestError(self.source, STAGE, _too_big(self.max_bytes))
        self.hash.update(chunk)
        self.file.write(chunk)

    def got(self, **fields) -> _Got:
        return _Got(self.path, self.hash.hexdigest(), self.size, **fields)


def _too_big(max_bytes: int, size: int | None = None) -> str:
    said = f"{size:,} bytes, " if size is not None else ""
    return f"{said}over the {max_bytes:,}-byte limit per document (max_bytes in sources.toml [fetch])"


def _local(uri: str, root: str | None, raw_dir: Path, settings: FetchSettings, state: _State) -> _Got:
    """A local file: as landed before if its size and mtime are those last seen, else copied. Inside a
    directory source it must still be inside it, links resolved, either way."""
    # A directory's entry is looked at as root/name: one system call, unless it is a link.
    real = os.path.realpath(_local_path(uri)) if root is None else os.path.join(root, os.path.basename(uri))
    info = _lstat(real)
    if root is not None and info and stat.S_ISLNK(info.st_mode):
        real = os.path.realpath(real)
        if not _within(real, root):
            raise IngestError(uri, STAGE, f"leads to {real}, outside the source directory; not read")
        info = _lstat(real)
    known = state.get(real)
    if (known and info and stat.S_ISREG(info.st_mode) and info.st_size <= settings.max_bytes
            and (info.st_size, info.st_mtime_ns) == (known["size"], known.get("mtime_ns"))):
        return _Got(None, known["sha256"], known["size"])
    return _copy_local(uri, real, raw_dir, settings, state)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None  # copying says why


def _copy_local(uri: str, real: str, raw_dir: Path, settings: FetchSettings, state: _State) -> _Got:
    """Copy a local file (its real path) to a part file, and remember its size and mtime."""
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO must not block us
    except OSError as error:
        raise IngestError(uri, STAGE, f"cannot read: {error.strerror or error}") from error
    with open(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise IngestError(uri, STAGE, "not a regular file")
        if info.st_size > settings.max_bytes:
            raise IngestError(uri, STAGE, _too_big(settings.max_bytes, info.st_size))
        with _Sink(raw_dir, uri, settings.max_bytes) as sink:
            try:
                while chunk := f.read(_CHUNK):
                    sink.write(chunk)
            except OSError as error:
                raise IngestError(uri, STAGE, f"cannot read: {error.strerror or error}") from error
    got = sink.got()
    settled = time.time_ns() - info.st_mtime_ns > _SETTLED_NS
    state.put(real, got, mtime_ns=info.st_mtime_ns if settled else None)
    return got


def _scan(raw_dir: Path) -> dict[str, Path]:
    """The landed copies by SHA-256, in one pass over raw_dir that also removes the part files of
    processes that no longer run (a run killed mid-download)."""
    landed = {}
    with os.scandir(raw_dir) as entries:
        for entry in entries:
            if m := _LANDED.fullmatch(entry.name):
                landed[m[1]] = raw_dir / entry.name
            elif (m := _PART.fullmatch(entry.name)) and not _alive(int(m[1])):
                Path(entry.path).unlink(missing_ok=True)
    return landed


class _State:
    """What each source gave last time (raw_dir/fetch_state.json), by URL or a local file's real path:
    SHA-256, size and media type, and a URL's ETag / Last-Modified or a file's mtime. An entry counts
    only while its bytes are landed. Read once and written once per run."""

    def __init__(self, raw_dir: Path, landed: dict[str, Path]):
        self.path, self.landed, self.changed = raw_dir / STATE, landed, False
        try:
            self.sources = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.sources = {}

    def get(self, key: str) -> dict | None:
        entry = self.sources.get(key)
        return entry if entry and entry["sha256"] in self.landed else None

    def put(self, key: str, got: _Got, **fields) -> None:
        self.sources[key] = {"sha256": got.sha256, "size": got.size, "content_type": got.content_type,
                             "charset": got.charset, **fields}
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        tmp = self.path.with_name(f".{STATE}.{os.getpid()}")
        tmp.write_text(json.dumps(self.sources, ensure_ascii=False), encoding="utf-8")  # one line: the fast encoder
        os.replace(tmp, self.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


# --- HTTP -----------------------------------------------------------------------------------------


class _Http:
    """GET under a deadline and a byte cap, with redirects checked, retries, a per-host delay and
    conditional requests for URLs fetched before."""

    def __init__(self, client: httpx.Client, settings: FetchSettings, raw_dir: Path, state: _State):
        self.client, self.settings, self.raw_dir, self.state = client, settings, raw_dir, state
        self.last_request: dict[str, float] = {}

    def get(self, url: str) -> _Got:
        s = self.settings
        deadline = time.monotonic() + s.deadline_seconds
        known = self.state.get(url)  # None when the landed copy is gone: fetched whole
        problem, tried = "", 0
        for attempt in range(s.attempts):
            if attempt:
                pause = s.backoff_seconds * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            tried += 1
            try:
                return self._follow(url, deadline, known)
            except _Retry as retry:
                problem = retry.reason
                if retry.after is not None and time.monotonic() + retry.after < deadline:
                    time.sleep(retry.after)
        raise IngestError(url, STAGE, f"{problem} (after {tried} attempt{'s' * (tried > 1)})")

    def _follow(self, url: str, deadline: float, known: dict | None) -> _Got:
        """One attempt: the request and its redirects, each hop checked."""
        origin = urlparse(url).hostname
        allowed = self.settings.redirect_hosts.get(url, ())
        target = url
        for _ in range(_MAX_REDIRECTS + 1):
            headers = {"Accept-Encoding": "identity"}  # compressed bodies are inflated under the cap below
            if known and target == url:
                headers |= {k: v for k, v in (("If-None-Match", known.get("etag")),
                                             ("If-Modified-Since", known.get("last_modified"))) if v}
            try:
                with self._send(url, target, headers, deadline) as response:
                    if response.status_code == 304 and known:
                        return _Got(None, known["sha256"], known["size"], known["content_type"], known["charset"])
                    if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                        target = urljoin(target, response.headers["location"])
                        hop = urlparse(target)
                        if hop.scheme not in ("http", "https"):
                            raise IngestError(url, STAGE, f"redirected to {target}: only http(s) is followed")
                        if hop.hostname != origin and "*" not in allowed and hop.hostname not in allowed:
                            raise IngestError(url, STAGE, f"redirected to another host ({hop.hostname}); not "
                                                          "followed (allow it with redirect_hosts in sources.toml)")
                        continue
                    return self._body(url, response, deadline)
            except httpx.TransportError as error:
                raise _Retry(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__) from error
            except httpx.InvalidURL as error:
                raise IngestError(url, STAGE, f"not a valid URL ({error})") from error
        raise IngestError(url, STAGE, f"more than {_MAX_REDIRECTS} redirects")

    def _send(self, url: str, target: str, headers: dict, deadline: float):
        """The response to one request, as a context manager; waits for the host's turn first."""
        host = urlparse(target).hostname or ""
        wait = self.last_request.get(host, -1e9) + self.settings.host_delay_seconds - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
        self.last_request[host] = time.monotonic()
        left = deadline - time.monotonic()
        if left <= 0:
            raise IngestError(url, STAGE, f"did not finish within the {self.settings.deadline_seconds:g} s deadline")
        timeout = httpx.Timeout(min(self.settings.read_timeout, left),
                                connect=min(self.settings.connect_timeout, left))
        return self.client.stream("GET", target, headers=headers, timeout=timeout)

    def _body(self, url: str, response: httpx.Response, deadline: float) -> _Got:
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status} {response.reason_phrase}", _retry_after(response))
        if status >= 400:
            raise IngestError(url, STAGE, f"HTTP {status} {response.reason_phrase}")
        if status != 200:
            raise IngestError(url, STAGE, f"HTTP {status} {response.reason_phrase}: no document in the answer")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.settings.max_bytes:
            raise IngestError(url, STAGE, _too_big(self.settings.max_bytes, int(length)))
        content_type, charset = _content_type(response.headers.get("content-type"))
        with _Sink(self.raw_dir, url, self.settings.max_bytes) as sink:
            for chunk in _inflated(url, response):
                sink.write(chunk)
                if time.monotonic() > deadline:
                    raise IngestError(url, STAGE, f"did not finish within the {self.settings.deadline_seconds:g} s "
                                                  f"deadline ({sink.size:,} bytes received)")
        got = sink.got(content_type=content_type, charset=charset)
        etag, last_modified = response.headers.get("etag"), response.headers.get("last-modified")
        if etag or last_modified:  # for a conditional request next time
            self.state.put(url, got, etag=etag, last_modified=last_modified)
        return got


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None = None):
        super().__init__(reason)
        self.reason, self.after = reason, after


def _inflated(url: str, response: httpx.Response):
    """The body in chunks of at most _CHUNK bytes, gzip/deflate inflated a bounded piece at a time
    (httpx would inflate a whole network chunk at once: a compression bomb)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw()  # as the network gives it (no chunk size: httpx would buffer)
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise IngestError(url, STAGE, f"the body is sent with Content-Encoding '{encoding}', not supported")
    inflater = zlib.decompressobj(wbits=47)  # a zlib or gzip header
    try:
        for chunk in response.iter_raw():
            data = inflater.decompress(chunk, _CHUNK)
            while data:
                yield data
                data = inflater.decompress(inflater.unconsumed_tail, _CHUNK) if inflater.unconsumed_tail else b""
    except zlib.error as error:
        raise IngestError(url, STAGE, f"the {encoding} body cannot be inflated ({error})") from error


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    """("text/plain", "gbk") from "text/plain; charset=gbk"."""
    media_type, _, params = (header or "").partition(";")
    charset = re.search(r"""charset\s*=\s*["']?([^"';\s]+)""", params, re.I)
    return media_type.strip().lower() or None, charset[1].lower() if charset else None


def _extension(uri: str, content_type: str | None) -> str:
    """From the name (or URL path), else from the Content-Type, else "bin"."""
    suffix = Path(urlparse(uri).path if _is_http(uri) else _local_path(uri)).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = (content_type and mimetypes.guess_extension(content_type)) or ".bin"
    return suffix[1:]
