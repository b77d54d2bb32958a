"""The data-quality page in a real headless browser (the system Chromium driven by Playwright):
it renders with no console message and no network request, and shows seed 000's five failures with
their cells. A screenshot is kept in test-artifacts/ (git-ignored) for people to look at."""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import report

from conftest import SEEDS, gold_of

ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (apt-get install chromium; "
                                                          ".ci/run installs it)")


@pytest.fixture(scope="module")
def page_file(sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        return report.write_dq_page(con, ARTIFACTS / "dq" / "index.html", sample_warehouse.parent / "raw")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, page_file):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.messages, page.requests = [], []
    page.on("console", lambda m: page.messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.messages.append(f"pageerror: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
               else route.abort())
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dq-page.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the data-quality page: {shot}")
    yield page
    page.close()


def rows(page, table):
    return page.eval_on_selector_all(f"#{table} tbody tr", "rows => rows.filter(r => r.style.display !== 'none')"
                                     ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))")


def test_renders_offline_without_errors(page, page_file):
    assert page.messages == []
    assert page.requests == [page_file.as_uri()]
    assert page.title() == "数据质量报告 xxgk data quality"


def test_shows_seed_000s_five_failures_and_their_cells(page):
    gold = gold_of(SEEDS[0])
    mine = [r for r in rows(page, "failures") if gold["agency"] in r[0] and "错误" in r[1]]
    assert len(mine) == len(gold["expected_rule_failures"]) == 5
    for failure in gold["expected_rule_failures"]:
        match = [r for r in mine if failure["rule"] in r[1] and r[2].endswith(failure["column"])
                 and (r[3], r[4]) == (str(failure["lhs"]), str(failure["rhs"]))]
        assert len(match) == 1, failure
        (row,) = match
        assert row[5] == str(failure["lhs"] - failure["rhs"])
        assert "000_c7925c89c326f8ac.txt" in row[8] and "行" in row[8]  # file and line, never a machine path
        assert "没有单个单元格能解释" in row[7]  # from the arithmetic: more than one cell is wrong
    assert "/tmp" not in page.content() and str(Path.home()) + "/" not in page.content()


def test_tables_sort_and_filter(page):
    page.fill("input[data-table=failures]", "洪泽区")
    assert {r[0].split()[0] for r in rows(page, "failures")} == {"淮安市洪泽区人民政府"}
    page.fill("input[data-table=failures]", "")
    header = page.locator("#by-body th").nth(1)  # 年度 year
    header.click()
    years = [int(r[1]) for r in rows(page, "by-body")]
    assert years == sorted(years)
    header.click()
    assert [int(r[1]) for r in rows(page, "by-body")] == sorted(years, reverse=True)


def test_drill_down_to_a_report(page):
    page.click("#failures a[href^='#r-']")
    assert page.locator("details[open] summary").first.is_visible()


def test_a_partial_report_says_what_was_not_read(page):
    # r011 (the sample's crawler text): its 行政规范性文件 run has no single reading.
    assert page.locator(".card", has_text="部分读取").inner_text().startswith("1")
    section = page.locator("details", has_text="平潭综合实验区").first
    section.locator("summary").click()
    text = section.inner_text()
    assert "部分读取" in text and "normative_documents" in text and "no identity" in text
