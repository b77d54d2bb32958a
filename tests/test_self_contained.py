"""A clone is self-contained: no file points outside the repository, every file it names is in it."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Paths of the machine the project was started on, and its shared folder beside the repository.
OUTSIDE = re.compile(r"\.\./shared|\bshared/(?:spec|notes|corpus)|/work/|/root/|/home/")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
MD_NAME = re.compile(r"(?<![\w./<>-])((?:[\w.-]+/)*[\w-]+\.md)(?![\w(\]])")  # not a link's text


def texts() -> dict[Path, str]:
    """Every file git tracks or would track (not ignored), as text; binary files left out."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    out = {}
    for name in names:
        path = ROOT / name
        data = path.read_bytes() if path.is_file() else b"\0"
        if b"\0" not in data[:8192]:
            out[path] = data.decode("utf-8", errors="replace")
    return out


TEXTS = {path: text for path, text in texts().items() if path != Path(__file__).resolve()}
# The reports the benchmarks write (`args.out / "results.md"`, in benchmarks/out/, not committed).
WRITTEN = {name for path, text in TEXTS.items() if path.parent == ROOT / "benchmarks"
           for name in re.findall(r'/ "([\w.-]+\.md)"', text)}


def inside(target: Path) -> bool:
    return target.exists() and target.resolve().is_relative_to(ROOT)


def test_no_file_points_outside_the_repository():
    hits = [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {m.group()}"
            for path, text in TEXTS.items() for m in OUTSIDE.finditer(text)]
    assert not hits, "\n".join(hits)


def test_markdown_links_resolve_inside_the_repository():
    broken = [f"{path.relative_to(ROOT)}: {target}" for path, text in TEXTS.items() if path.suffix == ".md"
              for target in MD_LINK.findall(text)
              if not re.match(r"[a-z]+:|#", target) and not inside(path.parent / target.split("#")[0])]
    assert not broken, "\n".join(broken)


def test_every_markdown_file_named_is_in_the_repository():
    """`docs/template.md §4.1` in a docstring, `template.md` beside it in docs/: each one exists."""
    missing = [f"{path.relative_to(ROOT)}: {name}" for path, text in TEXTS.items()
               for name in MD_NAME.findall(text)
               if name not in WRITTEN and not inside(path.parent / name) and not inside(ROOT / name)]
    assert not missing, "\n".join(missing)


def test_the_design_notes_and_the_spec_are_in_docs():
    assert {p.name for p in (ROOT / "docs").glob("*.md")} >= {
        "design.md", "template.md", "report-json.md", "extraction-notes.md"}
