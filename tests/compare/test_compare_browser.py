"""The compare report (legacy -> current) in a real browser (Debian's `chromium`, driven by
playwright without a browser download): at 1400 px nothing scrolls sideways, and the first
screen shows the verdict with its counts and the first changes."""

from __future__ import annotations

from pathlib import Path

import pytest

WIDTH, HEIGHT = 1400, 900


@pytest.fixture
def page(browser, legacy_to_current):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto((legacy_to_current.report_dir / "compare.html").as_uri())
    yield page
    page.close()


def test_no_horizontal_scroll_at_1400_px_with_every_step_open(page, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / "compare-first-screen.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    # Every fold opened (answers side by side, the long lists of steps): still no sideways scroll.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide at {WIDTH} px"


def test_the_first_screen_shows_the_verdict_and_the_changes(page, legacy_to_current) -> None:
    document = legacy_to_current.document
    verdict = page.locator(".nac-verdict").bounding_box()
    assert verdict is not None and verdict["y"] + verdict["height"] < HEIGHT
    line = page.locator(".nac-verdict-line").inner_text()
    counts = document["change_counts"]
    assert (
        line.startswith("DIFFERENT:")
        and f"{counts['shape']} shape" in line
        and f"{counts['text']} text" in line
    )
    first_change = page.locator(".cmp-summary tr").nth(1).bounding_box()
    assert first_change is not None and first_change["y"] < HEIGHT
    chips = page.locator(".cmp-chips").first.inner_text()
    assert f"{counts['contract']} contract" in chips


def test_every_change_links_to_a_step_that_shows_it(page, legacy_to_current) -> None:
    links = page.evaluate("[...document.querySelectorAll('.cmp-summary a')].map(a => a.getAttribute('href'))")
    assert links
    for href in set(links):
        assert page.locator(href).count() == 1, href
        assert "cmp-c-same" not in (page.locator(href).get_attribute("class") or ""), href
