"""A harness error is never a failed clause (issue 22): how a test's report is re-marked
(`suite.reporting._mark_harness_error`, `_mark_not_applicable`)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from newapi_contract.contract.features import Features
from newapi_contract.errors import FeatureAbsent, GuardRefusal, TargetError
from newapi_contract.suite.reporting import _mark_harness_error, _mark_not_applicable


def _report() -> pytest.TestReport:
    return pytest.TestReport("contracts/test_x.py::test_x", ("x", 1, "x"), {}, "failed", "boom", "call")


ITEM = SimpleNamespace(path="contracts/test_x.py", location=("contracts/test_x.py", 9, "test_x"))


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (TargetError("revealing the key of token 13 failed: HTTP 500"), "harness"),
        (GuardRefusal("no"), "internal"),
    ],
)
def test_a_harness_error_leaves_the_clause_unverified(error: Exception, kind: str) -> None:
    report = _report()
    _mark_harness_error(report, ITEM, error)  # type: ignore[arg-type]
    props = dict(report.user_properties)
    assert report.skipped and props["road_fault"] == kind
    assert str(error) in props["unverified"] and type(error).__name__ in props["unverified"]


def test_a_missing_route_makes_the_clause_not_applicable_and_is_remembered() -> None:
    features = Features("legacy", False, False, "observed")
    ctx = SimpleNamespace(target=SimpleNamespace(features=features))
    report = _report()
    absent = FeatureAbsent("batch delete", "this release has no batch delete (POST /api/token/batch ...)")
    _mark_not_applicable(report, ITEM, absent, ctx)  # type: ignore[arg-type]
    assert report.skipped and "unverified" not in dict(report.user_properties)
    assert isinstance(report.longrepr, tuple) and report.longrepr[2].startswith("not applicable: ")
    assert features.routes["batch delete"] is False


def test_ctrl_c_inside_a_subtest_is_no_failed_clause() -> None:
    from newapi_contract.contract.clauses import load_clauses
    from newapi_contract.report.summary import ClauseTally
    from newapi_contract.suite.reporting import _mark_interrupted

    report = _report()
    _mark_interrupted(report, ITEM)  # type: ignore[arg-type]
    report.user_properties.append(("clause", "DEL-GEN-1"))
    tally = ClauseTally(load_clauses())
    tally.add(report)
    tally.interrupted = True
    assert report.skipped and dict(report.user_properties)["road_fault"] == "interrupted"
    assert tally.verdict_of("DEL-GEN-1") == "unverified" and tally.verdict() == "interrupted"
