"""pytest's failure text: the headline becomes the crash message (JUnit's message, the short
summary), the bug report follows the traceback, secrets never pass, and xdist keeps it."""

from __future__ import annotations

import pytest

from newapi_contract.report.longrepr import BUG_REPORT_SECTION, HeadedText, headed, redact_longrepr

SECRET = "tok-0123456789abcdef"


def _longrepr():
    def failing(token: str = SECRET) -> None:
        raise AssertionError(f"expected: x\nobserved: {token}")

    with pytest.raises(AssertionError) as info:
        failing()
    return info.getrepr(style="short", funcargs=True)


def test_headline_is_the_crash_message_and_the_bug_report_follows() -> None:
    longrepr = headed(
        _longrepr(), "DEL-OWN-2 failed: expected x; observed y", "DEL-OWN-2 failed\n  curl: ..."
    )
    assert longrepr.reprcrash.message == "DEL-OWN-2 failed: expected x; observed y"
    text = str(longrepr)
    assert "raise AssertionError" in text and BUG_REPORT_SECTION in text and "curl: ..." in text
    assert text.count(BUG_REPORT_SECTION) == 1
    assert str(headed(longrepr, "again", "again")).count(BUG_REPORT_SECTION) == 1


def test_redaction_reaches_every_text_of_the_traceback() -> None:
    longrepr = redact_longrepr(_longrepr(), lambda s: s.replace(SECRET, "[redacted]"))
    assert SECRET not in str(longrepr) and "[redacted]" in str(longrepr)
    assert redact_longrepr(("f.py", 1, f"skip {SECRET}"), lambda s: s.replace(SECRET, "x")) == (
        "f.py",
        1,
        "skip x",
    )
    assert redact_longrepr(None, str) is None


def test_xdist_serialisation_keeps_the_headline() -> None:
    longrepr = headed(_longrepr(), "DEL-X-1 failed: y", "body")
    report = pytest.TestReport("t.py::t", ("t.py", 1, "t"), {}, "failed", longrepr, "call")
    data = report._to_json()  # what xdist sends to the controller
    again = pytest.TestReport._from_json(data)
    assert again.longrepr.reprcrash.message == "DEL-X-1 failed: y"


def test_a_text_failure_gets_a_headline_too() -> None:
    text = headed("contains 1 failed subtest", "DEL-GEN-1 failed: 1 case", "report")
    assert isinstance(text, HeadedText)
    assert text.reprcrash.message == "DEL-GEN-1 failed: 1 case" and "contains 1 failed subtest" in str(text)
