"""The web UI in real Chromium: search, facets, views, documents, exports,
feeds, keyboard use, accessibility (axe-core) and an XSS battery."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.webapp import sample

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def search_for(page, words: str):
    page.goto("/")
    page.fill("#q", words)
    with page.expect_navigation():
        page.click("button:has-text('Search')")


def test_search_from_the_home_page_shows_highlighted_paragraphs_by_authority(page):
    search_for(page, "staying put")
    assert "/search?q=staying+put" in page.url
    assert page.locator("h1").inner_text().endswith("paragraphs found")
    authorities = set(page.locator(".app-result__authority").all_inner_texts())
    assert {a.split(" ·")[0] for a in authorities} >= {"Wigan", "Leeds", "Kent"}
    assert page.locator(".app-result__snippet mark").count() >= 4
    # The JavaScript enhancement ran (and the CSP let our own script load).
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")


def test_ticking_facets_filters_with_or(page):
    page.goto("/search?q=staying+put")
    page.check("input[name=authority][value=Wigan]")
    page.check("input[name=authority][value=Leeds]")
    with page.expect_navigation():
        page.click("button:has-text('Apply filters')")
    assert "authority=Wigan" in page.url and "authority=Leeds" in page.url
    shown = {t.split(" ·")[0] for t in page.locator(".app-result__authority").all_inner_texts()}
    assert shown == {"Wigan", "Leeds"}
    with page.expect_navigation():
        page.click("a.app-chosen__remove:has-text('Leeds')")
    assert {t.split(" ·")[0] for t in page.locator(".app-result__authority").all_inner_texts()} == {"Wigan"}


def test_group_by_authority(page):
    page.goto("/search?q=staying+put")
    with page.expect_navigation():
        page.click("text=group by authority")
    assert "view=authorities" in page.url
    headings = page.locator(".app-group > h2").all_inner_texts()
    assert sorted(h.split("\n")[0].split(" ")[0] for h in headings) == ["Kent", "Leeds", "Wigan"]


def test_compare_shows_a_chart_and_a_table(page):
    page.goto("/search?q=staying+put")
    with page.expect_navigation():
        page.click("text=compare themes across authorities")
    assert page.locator("svg[role=img] rect").count() >= 6
    rows = page.locator(".app-compare-table tbody th").all_inner_texts()
    assert sorted(rows) == ["Kent", "Leeds", "Wigan"]


def test_document_view_with_permalink_and_citation(page, live_server):
    search_for(page, "taster flat")
    with page.expect_navigation():
        page.locator(".app-result__title a").first.click()
    anchor = page.url.split("#")[1]
    assert page.locator(f"#{anchor}").is_visible()
    paragraph = page.locator(f"#{anchor}")
    paragraph.locator("summary").click()
    citation = paragraph.locator(".app-cite__text").inner_text()
    assert citation.startswith("Ofsted, ")
    assert citation.endswith(f"#{anchor}") and citation.split(". ")[-1].startswith(live_server)
    # With JavaScript, the citation can be copied with one button.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    paragraph.locator("button:has-text('Copy citation')").click()
    expect(paragraph.locator(".app-cite__status")).to_have_text("Citation copied")
    assert page.evaluate("navigator.clipboard.readText()") == citation


@pytest.mark.parametrize("fmt", ["CSV", "Excel (XLSX)", "NDJSON"])
def test_each_export_downloads_and_parses_back(page, fmt, tmp_path):
    page.goto("/search?q=staying+put")
    total = int(page.locator("h1").inner_text().split()[0])
    with page.expect_download() as info:
        page.click(f".app-downloads a:has-text('{fmt}')")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    if fmt == "CSV":
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    elif fmt == "NDJSON":
        rows = [json.loads(line) for line in path.read_text().splitlines()]
    else:
        sheet = openpyxl.load_workbook(path, read_only=True).active
        header, *values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(header, v)) for v in values]
    assert len(rows) == total
    assert {r["authority"] for r in rows} >= {"Wigan", "Leeds", "Kent"}


def test_atom_feed_is_linked_and_parses(page):
    page.goto("/search?q=staying+put")
    href = page.locator(".app-downloads a:has-text('Atom feed')").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())
    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) >= 4


def test_keyboard_skip_link_then_search_box(page):
    page.goto("/")
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    page.wait_for_url("**/#main-content")  # a same-page navigation completes asynchronously
    # From the main content the next stop is the search box, then its button.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("staying put")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=staying+put" in page.url


def _pages_to_check(ids) -> list[str]:
    wigan = ids["https://files.example.test/v1/file/1001"]
    kent = ids["https://files.example.test/v1/file/1003"]
    return [
        "/",
        "/search?q=staying+put",
        "/search?q=staying+put&view=authorities",
        "/search?q=staying+put&from=2024-01-01&authority=Wigan",
        f"/documents/{wigan}?q=staying+put",
        "/search?q=zzzz",
        "/compare?q=staying+put",
        f"/documents/{wigan}",
        f"/documents/{kent}",
        "/authorities",
        "/authorities/kent",
        "/status",
        "/help",
        "/no-such-page",
    ]


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    # Every rule axe has, best practices included (heading order, landmarks), at any impact.
    result = page.evaluate("() => axe.run(document)")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in result["violations"]
    ]


def test_axe_as_run_here_does_report_heading_order_and_landmark_faults(browser, live_server):
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto("/help")
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><h1>A</h1><h3>B</h3>'
            "</main><p>outside every landmark</p></body></html>"
        )
        found = " ".join(_axe(page))
        assert "heading-order" in found and "region" in found
    finally:
        context.close()


def test_axe_finds_no_accessibility_violations(browser, live_server, ids, sample_data):
    assert AXE.is_file(), "run `npm ci` (make setup does) to install axe-core"
    # axe is injected as a script, which our CSP would rightly refuse.
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    problems = {}
    settings, _ = sample_data
    try:
        # The demo's "sample documents" banner is part of every page it serves: check it too.
        settings.sample_data_marker.write_text("sample\n")
        for url in ("/", "/search?q=staying+put"):
            page.goto(url)
            assert page.locator("#sample-data-banner").is_visible()
            if violations := _axe(page):
                problems[f"{url} (demo)"] = violations
        settings.sample_data_marker.unlink()
        for url in _pages_to_check(ids):
            page.goto(url)
            if violations := _axe(page):
                problems[url] = violations
    finally:
        settings.sample_data_marker.unlink(missing_ok=True)
        context.close()
    assert not problems, json.dumps(problems, indent=1)


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_xss_battery_nothing_executes(browser, live_server, ids, bypass_csp):
    """Payloads in documents (text, title, section, source URL) and in queries and
    filters. Run with and without the CSP, so escaping alone is proven too."""
    context = browser.new_context(base_url=live_server, bypass_csp=bypass_csp)
    page = context.new_page()
    executed = []
    page.on("dialog", lambda dialog: (executed.append(dialog.message), dialog.dismiss()))
    hostile = ids[sample.HOSTILE[0]]
    kent = ids["https://files.example.test/v1/file/1003"]
    urls = [
        f"/documents/{hostile}",
        f"/documents/{kent}",
        "/search?q=leaving+care",
        "/search?q=staying+put&authority=Kent",
        "/search?q=leaving+care&view=authorities",
        "/compare?q=leaving",
        "/authorities/barnet",
        "/status",
    ]
    for payload in sample.XSS_PAYLOADS + ("<script>alert(1)</script>", "javascript:alert(1)"):
        urls.append(f"/search?q={payload}")
        urls.append(f"/search?q=care&authority={payload}&theme={payload}")
        urls.append(f"/compare?q={payload}")
    try:
        for url in urls:
            page.goto(url)
            page.wait_for_load_state()
            assert page.evaluate("typeof window.__xss") == "undefined", url
            # Click every link whose href is not ordinary navigation: there must be none.
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))], url
            assert page.locator("[onerror], [onload], [onclick]").count() == 0, url
        assert executed == []
    finally:
        context.close()


def test_screenshot_tool_writes_the_main_pages(browser, live_server, tmp_path):
    from webapp import screenshots

    written = screenshots.take_with(browser, live_server, tmp_path)
    assert {p.name for p in written} == {
        "home.png",
        "search.png",
        "document.png",
        "group-by-authority.png",
        "compare.png",
        "status.png",
    }
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in written)


def test_pages_run_without_script_errors_or_csp_violations(page, ids):
    """Our own JavaScript and GOV.UK Frontend's must live within the CSP."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for url in _pages_to_check(ids):
        if url == "/no-such-page":
            continue  # its 404 is reported on the console by design
        page.goto(url)
        page.wait_for_load_state("load")
    page.goto(f"/documents/{ids['https://files.example.test/v1/file/1001']}")
    page.locator("summary").first.click()
    assert problems == []


# -- small screens (issue 21) ---------------------------------------------------------------------


def test_on_a_phone_results_come_first_and_the_skip_link_reaches_the_first_result(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        page.goto("/search?q=staying+put")
        page.wait_for_load_state("load")
        first = page.locator(".app-result").first.bounding_box()
        control = page.locator("details.app-filters > summary")
        assert control.inner_text().strip() == "Filter results"
        assert control.bounding_box()["y"] > first["y"]  # results before filters
        assert not page.locator("details.app-filters").evaluate("d => d.open")
        assert not page.locator("#f-authority-1").is_visible()  # filters behind the control
        control.click()
        assert page.locator("#f-authority-1").is_visible()
        # From the top of the page, a few Tab presses reach the "Skip to the first result" link.
        page.goto("/search?q=staying+put")
        for presses in range(1, 16):  # noqa: B007 - read after the loop
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == "#first-result":
                break
        assert presses < 15, "the skip link to the first result is not near the top"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        first_link = page.locator(".app-result a").first.get_attribute("href")
        assert href == first_link
    finally:
        context.close()


def test_compare_charts_keep_legible_text_at_375px(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        page.goto("/compare?q=staying+put")
        labels = page.locator(".app-chart__label")
        assert labels.count() > 0
        sizes = labels.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert min(sizes) >= 12, sizes  # 13px text, not scaled down to ~7px
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the page itself fits
    finally:
        context.close()


def test_on_a_wide_screen_the_filters_are_open_beside_the_results(page):
    page.goto("/search?q=staying+put")
    page.wait_for_load_state("load")
    assert page.locator("details.app-filters").evaluate("d => d.open")
    filters = page.locator("details.app-filters").bounding_box()
    results = page.locator(".app-result").first.bounding_box()
    assert filters["x"] < results["x"] and filters["y"] < results["y"] + results["height"]


def test_a_highlighted_word_does_not_look_like_the_focus_ring(page):
    page.goto("/search?q=staying+put")
    mark = page.locator(".app-result__snippet mark").first.evaluate(
        "m => getComputedStyle(m).backgroundColor"
    )
    link = page.locator(".app-result a").first
    link.focus()
    focus = link.evaluate("a => getComputedStyle(a).backgroundColor")
    assert mark != focus and focus == "rgb(255, 221, 0)"
