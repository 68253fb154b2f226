"""The ready-to-copy pipelines in `ci/`: valid YAML of the right shape, reports published
even on failure, every `newapi-contract` command line accepted by the real CLI parser,
a distinct failure for exit codes 1, 2 and 3, and credentials taken from the CI's secret
store, never written in the file."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import yaml

from newapi_contract.cli import build_parser
from newapi_contract.paths import PROJECT_ROOT

CI_DIR = PROJECT_ROOT / "ci"
REPORTS = {"reports/report.html", "reports/summary.json", "reports/junit.xml"}
CREDENTIALS = (
    "NEWAPI_ACCESS_TOKEN", "NEWAPI_USER_ID", "NEWAPI_PEER_ACCESS_TOKEN", "NEWAPI_PEER_USER_ID",
    "NEWAPI_ROOT_USERNAME", "NEWAPI_ROOT_PASSWORD",
)  # fmt: skip


def _load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((CI_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _command_lines(script: str) -> list[list[str]]:
    """Every `newapi-contract ...` invocation in a shell script, as argv (a trailing
    `|| code=$?` is shell, not part of the command)."""
    found = []
    for line in script.splitlines():
        line = line.strip()
        if line.startswith("newapi-contract "):
            found.append(shlex.split(line.split("||")[0]))
    return found


def _github() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document = _load("github-actions.yml")
    jobs = document["jobs"]
    assert list(jobs) == ["contract"]
    return document, jobs["contract"]["steps"]


def _gitlab_job() -> dict[str, Any]:
    document = _load("gitlab-ci.yml")
    jobs = {name: job for name, job in document.items() if isinstance(job, dict) and "script" in job}
    assert list(jobs) == ["newapi-contract"]
    assert jobs["newapi-contract"]["stage"] in document["stages"]
    return jobs["newapi-contract"]


def _github_scripts() -> str:
    return "\n".join(step.get("run", "") for step in _github()[1])


def _gitlab_scripts() -> str:
    return "\n".join(_gitlab_job()["script"])


@pytest.mark.parametrize("scripts", [_github_scripts, _gitlab_scripts], ids=["github", "gitlab"])
def test_commands_parse_with_the_real_cli(scripts: Any) -> None:
    commands = _command_lines(scripts())
    assert [argv[:2] for argv in commands] == [["newapi-contract", "run"]]
    args = build_parser().parse_args(commands[0][1:])
    assert args.base_url == "$STAGING_URL"
    assert args.report_dir is None, "the pipelines publish the default reports/ directory"


@pytest.mark.parametrize("scripts", [_github_scripts, _gitlab_scripts], ids=["github", "gitlab"])
def test_the_suite_is_installed_from_the_checkout(scripts: Any) -> None:
    assert "python -m pip install -e ." in scripts()


def test_github_publishes_reports_always_and_fails_per_exit_code() -> None:
    document, steps = _github()
    assert document.get("on", document.get(True))  # PyYAML reads the bare key `on` as True
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert {"actions/checkout", "actions/setup-python"} <= uses.keys()
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()" and set(upload["with"]["path"].split()) == REPORTS
    junit = uses["mikepenz/action-junit-report"]
    assert junit["if"] == "always()" and junit["with"]["report_paths"] == "reports/junit.xml"
    assert document["permissions"]["checks"] == "write"
    run = next(step for step in steps if step.get("id") == "contract")
    assert 'echo "exit_code=$code" >> "$GITHUB_OUTPUT"' in run["run"]
    failures = {step["if"]: step for step in steps if "exit_code ==" in str(step.get("if", ""))}
    for code in ("1", "2", "3"):
        step = failures[f"steps.contract.outputs.exit_code == '{code}'"]
        assert f"(exit {code})" in step["name"] and f"exit {code}" in step["run"]
        assert "::error title=" in step["run"]


def test_gitlab_keeps_reports_always_and_explains_each_exit_code() -> None:
    job = _gitlab_job()
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    assert set(artifacts["paths"]) == REPORTS
    assert artifacts["reports"]["junit"] == "reports/junit.xml"
    script = _gitlab_scripts()
    for code in ("1", "2", "3"):
        assert re.search(rf"^\s*{code}\) echo \"FAILED \(exit {code}\): ", script, re.MULTILINE)
    assert 'exit "$code"' in script


def test_github_credentials_come_from_the_secret_store() -> None:
    _, steps = _github()
    env = next(step for step in steps if step.get("id") == "contract")["env"]
    assert env["STAGING_URL"] == "${{ vars.STAGING_URL }}"
    for name in CREDENTIALS:
        assert env[name] == f"${{{{ secrets.{name} }}}}"
    for step in steps:
        if step.get("id") != "contract":
            assert not set(step.get("env", {})) & set(CREDENTIALS)


def test_gitlab_credentials_come_from_ci_variables() -> None:
    document = _load("gitlab-ci.yml")
    job = _gitlab_job()
    written = set(document.get("variables", {})) | set(job.get("variables", {}))
    assert not written & {*CREDENTIALS, "STAGING_URL"}


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_no_secret_literal_in_the_file(name: str) -> None:
    text = (CI_DIR / name).read_text(encoding="utf-8")
    assignments = re.findall(r"^\s*(NEWAPI_\w+):\s*(.+)$", text, re.MULTILINE)
    assert all(value.startswith("${{ secrets.") for _, value in assignments), assignments
    assert not re.search(r"sk-[0-9A-Za-z]{20,}|[0-9A-Za-z+/]{28,}={0,2}\b", text)


def test_github_writes_the_step_summary() -> None:
    """The run appends its verdict to $GITHUB_STEP_SUMMARY itself (Actions sets it for every
    step: the run step must not unset it); each failure step adds its line."""
    _, steps = _github()
    run = next(step for step in steps if step.get("id") == "contract")
    assert "GITHUB_STEP_SUMMARY" not in run.get("env", {})
    for code in ("1", "2", "3"):
        step = next(s for s in steps if s.get("if") == f"steps.contract.outputs.exit_code == '{code}'")
        assert f"**Exit {code}:**" in step["run"] and '>> "$GITHUB_STEP_SUMMARY"' in step["run"]
