"""A deterministic benchmark corpus: the five seed reports replicated N times with varied content.

Each copy scales every number cell of sections 二–四 by one integer factor (so every balance rule
that held still holds), moves the years, renames the agency and is written in one of four
encodings; a few per cent get one section 三/四 cell bumped so that some rules fail. The edits are
general regexes over delimited table cells, not per-file rules. The first copy of each seed keeps
its numbers, years and agency, so its extraction must equal the seed's gold exactly.

With `html_share`, that share of the copies are government web pages instead: the seed's gold,
scaled, moved and renamed the same way, rendered by tests/fixtures/make_html_docx.py as the
seed's HTML fixture is (CMS page or Word "save as web page", its encoding, merged headers,
Word-pasted cell markup), so a mixed corpus costs what the HTML adapter costs on real pages.

    .venv/bin/python benchmarks/corpus.py --reports 3000 [--html-share 0.5]   # writes benchmarks/out/corpus/
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "tests" / "fixtures" / "seeds"
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))  # make_html_docx, the HTML fixtures' renderer
VERSION = 2  # bump when the generator changes, so a stale corpus is rebuilt

ENCODINGS = {"utf-8": 0.5, "utf-8-sig": 0.15, "gb18030": 0.25, "utf-16": 0.1}
PERTURBED_SHARE = 0.04
CITIES = ("武汉市", "杭州市", "南京市", "宁波市", "成都市", "长沙市", "合肥市", "郑州市", "济南市", "福州市")
DISTRICTS = ("江夏区", "洪山区", "西湖区", "滨江区", "鼓楼区", "江宁区", "鄞州区", "武侯区", "岳麓区",
             "蜀山区", "金水区", "历下区", "仓山区", "长丰县", "象山县", "桐庐县", "宁海县")

# A number cell: a whole tab/pipe-delimited cell (or line) holding one number, maybe with a money unit.
_CELL = re.compile(r"(?:^|(?<=[\t|]))([ \u3000]*)(-?\d+(?:\.\d+)?)((?: ?(?:万元|万|元))?[ \u3000]*)(?=[\t|]|$)",
                   re.M)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?= ?年)")
_SECTION = {n: re.compile(rf"^{n}、", re.M) for n in "二三五"}


@dataclass(frozen=True)
class Entry:
    """One corpus file and how it was made from its seed."""

    name: str
    seed: str  # seed file name
    factor: int  # every number cell of sections 二–四 multiplied by it
    year_shift: int
    agency: str | None  # the new name, None when the seed's name is kept (or not printed)
    encoding: str
    perturbed: str | None  # "old→new" of the one section 三/四 cell bumped, if any


def _span(text: str, start: str, end: str) -> tuple[int, int]:
    """Offsets from the line starting with section heading `start` to the one starting with `end`."""
    m = _SECTION[start].search(text)
    begin = m.start() if m else 0
    m = _SECTION[end].search(text, begin)
    return begin, m.start() if m else len(text)


def scale(text: str, factor: int) -> str:
    """Every number cell of sections 二, 三 and 四 multiplied by `factor` (exactly, units kept)."""
    begin, end = _span(text, "二", "五")

    def times(m: re.Match) -> str:
        return f"{m[1]}{Decimal(m[2]) * factor:f}{m[3]}"

    return text[:begin] + _CELL.sub(times, text[begin:end]) + text[end:]


def perturb(text: str, rng: random.Random) -> tuple[str, str]:
    """One whole-number cell of sections 三/四 increased by 1–3: a typo that breaks a balance rule."""
    begin, end = _span(text, "三", "五")
    cells = [m for m in _CELL.finditer(text, begin, end) if "." not in m[2]]
    m = rng.choice(cells)
    new = int(m[2]) + rng.randint(1, 3)
    return text[:m.start(2)] + str(new) + text[m.end(2):], f"{m[2]}→{new}"


def variant(seed: Path, seed_agency: str | None, index: int, rng: random.Random,
            original: bool) -> tuple[str, Entry]:
    """Copy number `index` of a seed; `original` keeps its numbers, years and agency."""
    factor, shift, agency, perturbed = 1, 0, None, None
    text = seed.read_text(encoding="utf-8")
    if not original:
        factor = int(10 ** rng.uniform(0, 2.5))
        shift = rng.randint(-1, 3)
        text = _YEAR.sub(lambda m: str(int(m[1]) + shift), scale(text, factor))
        if seed_agency and seed_agency in text:
            agency = rng.choice(CITIES) + rng.choice(DISTRICTS)
            agency += "人民政府" if seed_agency.endswith("人民政府") else ""
            text = text.replace(seed_agency, agency)
        if rng.random() < PERTURBED_SHARE:
            text, perturbed = perturb(text, rng)
    encoding = rng.choices(list(ENCODINGS), weights=list(ENCODINGS.values()))[0]
    # An index number line (as on government sites) keeps every copy's bytes, so its report_id, unique.
    text = f"索引号：XXGK-BENCH-{index:06d}\n{text}"
    name = f"{index:05d}_{encoding}.txt"
    return text, Entry(name, seed.name, factor, shift, agency, encoding, perturbed)


def _scaled_gold(gold: dict, factor: int, shift: int, agency: str | None) -> dict:
    """The gold as a copy prints it: every value times `factor`, years moved, the agency renamed."""
    def times(value):
        return f"{Decimal(value) * factor:f}" if isinstance(value, str) else value * factor

    return {**gold, "year": gold["year"] + shift, "agency": agency or gold["agency"],
            "published": (f"{int(gold['published'][:4]) + shift}{gold['published'][4:]}"
                          if gold["published"] else None),
            "applications": {row: {col: v * factor for col, v in cells.items()}
                             for row, cells in gold["applications"].items()},
            "review_litigation": {row: {col: v * factor for col, v in cells.items()}
                                  for row, cells in gold["review_litigation"].items()},
            "proactive": [{**p, "value": times(p["value"])} for p in gold["proactive"]]}


def html_variant(seed: Path, gold: dict, index: int, rng: random.Random, original: bool) -> tuple[bytes, Entry]:
    """Copy number `index` of a seed as a web page rendered from its gold (see the module docstring)."""
    import make_html_docx as pages  # tests/fixtures: the renderer of the HTML fixtures

    factor, shift, agency, perturbed = 1, 0, None, None
    if not original:
        factor, shift = int(10 ** rng.uniform(0, 2.5)), rng.randint(-1, 3)
        agency = rng.choice(CITIES) + rng.choice(DISTRICTS) + ("人民政府" if gold["agency"].endswith("人民政府") else "")
    copy = _scaled_gold(gold, factor, shift, agency)
    if not original and rng.random() < PERTURBED_SHARE:
        row = rng.choice(sorted(copy["applications"]))
        col = rng.choice(sorted(copy["applications"][row]))
        old = copy["applications"][row][col]
        copy["applications"] = {**copy["applications"], row: {**copy["applications"][row], col: old + rng.randint(1, 3)}}
        perturbed = f"{old}→{copy['applications'][row][col]}"
    kind, encoding, meta, opts = pages.HTML_PAGES[seed.name[:3]]
    page = pages.word_page(copy, opts) if kind == "word" else pages.cms_page(copy, meta or "", opts)
    # An index number comment keeps every copy's bytes, so its report_id, unique.
    page = f"<!-- 索引号：XXGK-BENCH-{index:06d} -->\n{page}"
    name = f"{index:05d}_{encoding}.html"
    return page.encode(encoding), Entry(name, seed.name, factor, shift, agency, encoding, perturbed)


def seeds() -> list[tuple[Path, dict]]:
    """The seed files with their gold JSON."""
    return [(p, json.loads((SEEDS_DIR / "gold" / f"{p.stem}.json").read_text(encoding="utf-8")))
            for p in sorted(SEEDS_DIR.glob("*.txt"))]


def build(out_dir: Path, reports: int, seed: int = 0, html_share: float = 0.0) -> list[Entry]:
    """Write the corpus to `out_dir` (with manifest.json), or reuse it if made with the same settings.
    `html_share` of the copies are web pages (every 1/html_share-th one, the originals included)."""
    manifest = out_dir / "manifest.json"
    settings = {"version": VERSION, "reports": reports, "seed": seed, "html_share": html_share}
    if manifest.is_file():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        entries = [Entry(**e) for e in found.pop("files")]
        if found == settings and all((out_dir / e.name).is_file() for e in entries):
            return entries
    if manifest.is_file():
        shutil.rmtree(out_dir)  # a corpus of ours with other settings
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise SystemExit(f"{out_dir} is not empty and holds no corpus manifest; not overwriting it")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sources = seeds()
    entries = []
    html = 0
    for i in range(reports):
        path, gold = sources[i % len(sources)]
        original = i < len(sources)
        if html_share and (html + 1) / (i + 1) <= html_share:  # evenly spread, exactly the share
            html += 1
            data, entry = html_variant(path, gold, i, rng, original)
        else:
            text, entry = variant(path, gold["agency"], i, rng, original)
            data = text.encode(entry.encoding)
        (out_dir / entry.name).write_bytes(data)
        entries.append(entry)
    manifest.write_text(json.dumps({**settings, "files": [asdict(e) for e in entries]},
                                   ensure_ascii=False, indent=1), encoding="utf-8")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--html-share", type=float, default=0.0, help="share of web pages, e.g. 0.5")
    parser.add_argument("--out", type=Path, default=OUT / "corpus")
    args = parser.parse_args()
    entries = build(args.out, args.reports, args.seed, args.html_share)
    size = sum((args.out / e.name).stat().st_size for e in entries)
    print(f"{len(entries)} reports, {size / 2**20:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
