"""Latency and revocation figures: operations, percentiles, outliers named, budgets, HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from newapi_contract.report.timings import (
    RunTimings,
    Sample,
    operation,
    samples_of,
    slower_than,
    timings_html,
)


@pytest.mark.parametrize(
    ("method", "url", "op"),
    [
        ("POST", "http://h/api/token/", "create"),
        ("GET", "http://h/api/token/?page_size=100", "list"),
        ("GET", "http://h/api/token/search?keyword=x", "search"),
        ("GET", "http://h/api/token/12", "get"),
        ("DELETE", "http://h/api/token/12", "delete"),
        ("DELETE", "http://h/api/token/%2B12/", "delete"),
        ("DELETE", "http://h/api/token/search", "delete"),
        ("POST", "http://h/api/token/batch", "batch"),
        ("POST", "http://h/api/token/12/key", "key"),
        ("GET", "http://h/v1/models", "relay"),
        ("GET", "http://h/v1beta/models?key=x", "relay"),
        ("POST", "http://h/api/user/login", "other"),
    ],
)
def test_each_request_has_its_operation(method, url, op):
    assert operation(method, url) == op


@dataclass
class Ex:
    method: str
    url: str
    status: int | None
    elapsed_ms: float
    error: str | None = None


def test_the_road_is_left_out_of_the_samples():
    found = samples_of(
        [
            Ex("DELETE", "http://h/api/token/3", 200, 12.0),
            Ex("DELETE", "http://h/api/token/3", 429, 1.0),
            Ex("GET", "http://h/v1/models?key=SECRET", None, 5.0, error="ConnectError"),
        ],
        test="t",
    )
    assert [(s.op, s.ms, s.path, s.test) for s in found] == [("delete", 12.0, "/api/token/3", "t")]


def _timings(delete_ms: list[float], budgets: dict[str, float] | None = None) -> RunTimings:
    timings = RunTimings(budgets_ms=budgets or {})
    rows = [Sample("delete", ms, "DELETE", f"/api/token/{n}", 200).as_row() for n, ms in enumerate(delete_ms)]
    timings.add([("timings", json.dumps(rows))], "contracts/test_x.py::test_y")
    return timings


def test_percentiles_and_a_3s_delete_named_among_fast_ones():
    latency = _timings([10.0] * 19 + [3000.0]).latency()["delete"]
    assert (latency["n"], latency["p50_ms"], latency["p95_ms"], latency["max_ms"]) == (20, 10.0, 10.0, 3000.0)
    assert latency["outliers"] == ["DELETE /api/token/19 3000 ms, HTTP 200 (contracts/test_x.py::test_y)"]
    assert "budget_ms" not in latency  # no budget: an observation, not a verdict


def test_all_slow_is_plain_in_the_figures_without_outliers():
    latency = _timings([3000.0, 3010.0, 3005.0]).latency()["delete"]
    assert latency["p50_ms"] == 3005.0 and latency["outliers"] == []
    assert "p50 3005" in " ".join(_timings([3000.0, 3010.0, 3005.0]).lines())


def test_a_budget_counts_the_answers_over_it():
    timings = _timings([10.0, 600.0, 3000.0], {"delete": 500.0})
    assert timings.latency()["delete"]["over_budget"] == 2
    assert [s.ms for s in slower_than(timings.samples, "delete", 500.0)] == [3000.0, 600.0]


def test_only_the_teardown_report_counts_a_tests_rows():
    timings = RunTimings()
    row = json.dumps({"door": "x-api-key", "clause": "DEL-DOOR-3", "sends": "x", "accepted_after_delete": 1})
    for when in ("setup", "call", "teardown"):
        timings.add([("revocation", row)], "t", when)
    assert len(timings.revocation) == 1
    assert "door x-api-key accepted the deleted key 1 time(s)" in " ".join(timings.lines())


def test_html_escapes_and_shows_both_tables():
    timings = _timings([10.0, 3000.0])
    timings.add(
        [
            (
                "revocation",
                json.dumps({"door": "<ws>", "clause": "DEL-DOOR-5", "sends": "a&b", "refused_at_ms": 2.1}),
            )
        ],
        "t",
    )
    html = timings_html(timings)
    assert "Latency per operation" in html and "Revocation per door" in html
    assert "&lt;ws&gt;" in html and "a&amp;b" in html and "<ws>" not in html
    assert timings_html(RunTimings()) == ""
    assert repr(timings).startswith("RunTimings(2 samples")
