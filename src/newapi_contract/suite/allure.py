"""Allure results (`newapi-contract run -- --alluredir DIR`), through the allure-pytest plugin.

allure-pytest writes the results; this adds what a reader of an Allure report looks for in a
contract test: the clause as its title, labels (`clause`, `source`, and epic / feature / story
so the clauses group by family), a link to the clause's source when it is a URL, and on a
failure the bug report (the plain text of `report.failure.Failure`, and its JSON) attached.

Registered only when `--alluredir` is given (see `suite.plugin`): without it allure-pytest's
listener does not exist and nothing here runs, so a run without Allure and plain `pytest` over
the harness's own tests are unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from newapi_contract.contract.clauses import Clause
from newapi_contract.report.failure import Failure
from newapi_contract.suite.reporting import clause_id

__all__ = ["AllureLabels", "allure_wanted"]

EPIC = "new-api token contract"


def allure_wanted(config: pytest.Config) -> bool:
    """True when allure-pytest is installed and asked to write results (`--alluredir`)."""
    return bool(getattr(config.option, "allure_report_dir", None))


class AllureLabels:
    """Labels each contract test with its clause and attaches its bug report (one per process:
    under xdist every worker writes its own tests' results)."""

    def __init__(self, clauses: dict[str, Clause]) -> None:
        self.clauses = clauses

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        """After set-up, where allure-pytest has named the test (it would overwrite a title
        given earlier), and before the test body (a failing set-up is labelled too)."""
        if call.when != "setup":
            return
        cid = clause_id(item)
        clause = self.clauses.get(cid) if cid else None
        if clause is None:
            return
        import allure

        callspec = getattr(item, "callspec", None)
        allure.dynamic.title(f"{clause.id}: {clause.title}" + (f" [{callspec.id}]" if callspec else ""))
        allure.dynamic.label("clause", clause.id)
        allure.dynamic.label("source", clause.source)
        allure.dynamic.epic(EPIC)
        allure.dynamic.feature(clause.id.rsplit("-", 1)[0])  # the family: DEL-OWN, DEL-DOOR, ...
        allure.dynamic.story(clause.id)
        allure.dynamic.description(f"{clause.statement}\n\nSource: {clause.source}")
        for word in clause.source.replace(";", " ").split():
            if word.startswith(("http://", "https://")):
                allure.dynamic.link(word.rstrip(").,"), name="source")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """The bug report of a failed test, attached while allure-pytest still holds its result."""
        props: dict[str, Any] = dict(report.user_properties)
        if not report.failed or "failure" not in props or hasattr(report, "node"):
            return  # (`node`: xdist's controller hearing of a worker's test; the worker attached it)
        import allure

        data = json.loads(props["failure"])
        failure = Failure.from_dict(data)
        allure.attach(
            failure.text_block(),
            name=f"bug report {failure.clause}",
            attachment_type=allure.attachment_type.TEXT,
        )
        allure.attach(
            json.dumps(data, indent=2, ensure_ascii=False),
            name=f"bug report {failure.clause} (json)",
            attachment_type=allure.attachment_type.JSON,
        )
