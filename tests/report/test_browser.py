"""The red run's report in a real browser (Debian's `chromium`, driven by playwright without
a browser download): at 1400 px nothing scrolls sideways, the first screen shows the verdict
and the root cause, and every failed clause is shown failed and nowhere passed."""

from __future__ import annotations

from pathlib import Path

import pytest
from finished_runs import FinishedRun

WIDTH, HEIGHT = 1400, 900


@pytest.fixture
def page(browser, red_run: FinishedRun):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto((red_run.report_dir / "report.html").as_uri())
    page.wait_for_selector("#results-table tbody")
    yield page
    page.close()


def test_no_horizontal_scroll_at_1400_px(page, tmp_path: Path) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide at {WIDTH} px"
    page.screenshot(path=str(tmp_path / "red-first-screen.png"))
    page.screenshot(path=str(tmp_path / "red-full.png"), full_page=True)
    assert (tmp_path / "red-first-screen.png").stat().st_size > 0


def test_first_screen_shows_verdict_and_root_cause(page, red_run: FinishedRun) -> None:
    root = red_run.summary["root_causes"][0]
    verdict = page.locator(".nac-verdict").bounding_box()
    card = page.locator(f"#clause-{root}.nac-card").bounding_box()
    assert verdict is not None and verdict["y"] < HEIGHT
    assert card is not None and card["y"] < HEIGHT * 0.6, card
    assert "FAILED" in page.locator(".nac-verdict-line").inner_text()
    environment = page.locator("#environment").bounding_box()
    assert environment is not None and environment["y"] > card["y"], "the environment table comes last"


def test_every_failed_clause_shown_failed_and_never_passed(page, red_run: FinishedRun) -> None:
    failed = red_run.clauses("failed")
    table = page.evaluate(
        """() => [...document.querySelectorAll('table.newapi-clauses tr')].slice(1).map(
            tr => [tr.cells[0].innerText.trim(), tr.cells[1].innerText.trim()])"""
    )
    shown = dict(table)
    assert {cid for cid, verdict in shown.items() if verdict == "failed"} == failed
    rows = page.evaluate(
        """() => [...document.querySelectorAll('#results-table tbody.results-table-row')].map(
            tb => [tb.querySelector('.col-clause').innerText.split(' ')[0],
                   tb.querySelector('.col-result').innerText])"""
    )
    results: dict[str, set[str]] = {}
    for clause, result in rows:
        results.setdefault(clause, set()).add(result.split(" ")[0])
    for cid in failed:
        # failed, and nowhere passed (a door the server lacks may be a skipped row beside it)
        assert "Failed" in results.get(cid, set()) and "Passed" not in results[cid], (cid, results.get(cid))
        badge = page.locator(f"#clause-{cid} .nac-badge").first.inner_text()
        assert badge == "failed", cid


def test_figure_tables_are_padded_and_break_no_word(page) -> None:
    """The latency table's cells are padded ("15.3" and "33.6" do not read "15.333.6"); the
    revocation table breaks no word ("Verdic/t") and says yes/no, not True/False."""
    padding = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('table.newapi-latency td')).paddingRight)"
    )
    assert padding >= 6
    styles = page.evaluate(
        """() => [...document.querySelectorAll('table.newapi-revocation th, table.newapi-revocation td')].map(
            c => [getComputedStyle(c).overflowWrap, getComputedStyle(c).wordBreak])"""
    )
    assert styles and all(wrap == "normal" and brk == "normal" for wrap, brk in styles), set(
        map(tuple, styles)
    )
    text = page.locator("table.newapi-revocation").inner_text()
    assert "True" not in text and "False" not in text and "Verdict" in text
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in font and "Microsoft YaHei" in font


def test_a_green_run_has_no_empty_why_column(browser, tmp_path_factory) -> None:
    from finished_runs import run_suite

    green = run_suite(
        tmp_path_factory.mktemp("green-why") / "reports",
        "--latency-budget",
        "create=60s,list=60s,delete=60s,relay=60s",
    )
    assert green.exit_code == 0, green.stdout[-2000:]
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto((green.report_dir / "report.html").as_uri())
    headers = page.evaluate(
        "() => [...document.querySelectorAll('table.newapi-clauses th')].map(th => th.innerText)"
    )
    page.close()
    assert headers and "Why" not in headers, headers


# -- the red run with known defects (--known-failures) -----------------------------------


@pytest.fixture
def known_page(browser, known_run: FinishedRun):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto((known_run.report_dir / "report.html").as_uri())
    page.wait_for_selector("#results-table tbody")
    yield page
    page.close()


def test_known_defects_read_at_1400_px_with_the_verdict_of_the_exit_code(
    known_page, known_run: FinishedRun, tmp_path: Path
) -> None:
    known_page.screenshot(path=str(tmp_path / "known-first-screen.png"))
    known_page.screenshot(path=str(tmp_path / "known-full.png"), full_page=True)
    width = known_page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide at {WIDTH} px"
    # The expired entry's clause fails the run: exit 1, and the top says FAILED, in red.
    assert known_run.exit_code == 1, known_run.stdout[-2000:]
    verdict = known_page.locator(".nac-verdict")
    assert "nac-run-failed" in (verdict.get_attribute("class") or "")
    line = known_page.locator(".nac-verdict-line").inner_text()
    assert line.startswith("FAILED") and "(and 2 known defects)" in line, line
    assert known_page.locator(".nac-chip.nac-v-known").inner_text() == "2 known"


def test_stale_known_failures_entries_are_warnings_on_the_first_screen(known_page) -> None:
    warnings = known_page.locator(".nac-known-warnings li")
    texts = warnings.all_inner_texts()
    assert texts == [
        "known-failures: DEL-OWN-3 (BUG-EXPIRED) expired on 2020-01-01: no longer shields its clause",
        "known-failures: DEL-AUTH-1 (BUG-HOLDS) the clause now holds: remove the entry",
    ], texts
    for index in range(len(texts)):
        box = warnings.nth(index).bounding_box()
        assert box is not None and box["y"] + box["height"] < HEIGHT, box
    background = warnings.first.evaluate("li => getComputedStyle(li).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # a warning, not plain text
    # The entries' table says the same against each clause, and so do the clause table's rows.
    stale = known_page.evaluate(
        """() => [...document.querySelectorAll('table.newapi-known tr.nac-stale')].map(
            tr => [tr.cells[0].innerText, tr.cells[1].innerText, tr.cells[5].innerText])"""
    )
    assert stale == [
        ["DEL-OWN-3", "failed", "expired on 2020-01-01: no longer shields its clause"],
        ["DEL-AUTH-1", "held", "the clause now holds: remove the entry"],
    ]
    why = _clause_rows(known_page)
    assert "(BUG-EXPIRED): expired on 2020-01-01" in why["DEL-OWN-3"][1]
    assert "(BUG-HOLDS): the clause now holds" in why["DEL-AUTH-1"][1]


def test_known_clauses_are_visibly_known_with_ticket_reason_and_bug_report(known_page) -> None:
    rows = _clause_rows(known_page)
    for cid, ticket, reason in (
        ("DEL-OWN-2", "BUG-KNOWN-2", "the delete is a no-op until the rewrite"),
        ("DEL-AGAIN-1", "BUG-KNOWN-9", "follows from BUG-KNOWN-2"),
    ):
        verdict, why = rows[cid]
        assert verdict == "known" and ticket in why and reason in why, (cid, why)
        color = known_page.evaluate(
            f"""() => getComputedStyle([...document.querySelectorAll('table.newapi-clauses tr')]
                .find(tr => tr.cells[0].innerText.trim() == '{cid}').querySelector('.nac-badge'))
                .backgroundColor"""
        )
        assert color == "rgb(21, 101, 192)", (cid, color)  # blue: neither red nor green
        # Its row links to its bug report, folded (as the failures under a root cause are):
        # the link brings it into view, and it opens on its ticket and reason.
        known_page.locator(f"table.newapi-clauses a[href='#clause-{cid}']").click()
        item = known_page.locator(f"details#clause-{cid}")
        summary = item.locator(":scope > summary")
        assert summary.is_visible() and f"({ticket})" in summary.inner_text(), cid
        box = summary.bounding_box()
        assert box is not None and -1 < box["y"] < HEIGHT, (cid, box)  # scrolled to it
        summary.click()
        card = item.locator(".nac-card")
        assert card.is_visible(), cid
        assert card.locator(".nac-badge").first.inner_text() == "known"
        assert f"{ticket}, until 2099-12-31: {reason}" in card.inner_text()
    # A known clause is no root cause, and no failure card calls it failed.
    assert not known_page.locator("#clause-DEL-OWN-2.nac-card.nac-failed").count()


def _clause_rows(page) -> dict[str, tuple[str, str]]:
    """The clause table: clause -> (verdict, why)."""
    rows = page.evaluate(
        """() => [...document.querySelectorAll('table.newapi-clauses tr')].slice(1).map(
            tr => [tr.cells[0].innerText.trim(), tr.cells[1].innerText.trim(), tr.cells[3].innerText])"""
    )
    return {cid: (verdict, why) for cid, verdict, why in rows}
