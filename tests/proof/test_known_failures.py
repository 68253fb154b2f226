"""--known-failures through `newapi-contract run`: a listed failure is known and the run passes,
an expired entry no longer shields it, a listed clause that holds is reported, and a malformed
file stops the run in one line before any report is touched."""

from __future__ import annotations

import json
import os

CLAUSES = ("--clause", "DEL-OWN-2", "--clause", "DEL-AUTH-1", "--embedded-faults", "delete-noop")


def _entry(clause: str, ticket: str, until: str) -> str:
    return f"- clause: {clause}\n  ticket: {ticket}\n  reason: seen in the tracker\n  until: {until}\n"


def test_known_failures_pass_the_run_and_keep_the_file_honest(run_suite, tmp_path):
    known = tmp_path / "known.yaml"
    known.write_text(_entry("DEL-OWN-2", "BUG-7", "2999-01-01") + _entry("DEL-AUTH-1", "BUG-8", "2999-01-01"))
    run = run_suite(*CLAUSES, "--known-failures", str(known))
    assert run.exit_code == 0, run.output[-3000:]
    assert run.clauses("known") == {"DEL-OWN-2"} and run.summary["verdict"] == "held"
    assert run.summary["clauses"]["DEL-OWN-2"]["known"]["ticket"] == "BUG-7"
    assert "known  DEL-OWN-2" in run.output and "HELD, WITH KNOWN DEFECTS" in run.output
    assert "known-failures: DEL-AUTH-1 (BUG-8) the clause now holds: remove the entry" in run.output
    assert "known defect BUG-7" in (run.report_dir / "report.html").read_text(encoding="utf-8")

    known.write_text(_entry("DEL-OWN-2", "BUG-7", "2001-01-01"))
    step = tmp_path / "step-summary.md"
    run = run_suite(
        *CLAUSES, "--known-failures", str(known), env={**os.environ, "GITHUB_STEP_SUMMARY": str(step)}
    )
    assert run.exit_code == 1, run.output[-3000:]
    markdown = step.read_text(encoding="utf-8")
    assert markdown.startswith("## newapi-contract: FAILED (exit 1)")
    assert "| DEL-OWN-2 | DEL-OWN-2 failed: expected HTTP 200" in markdown
    assert f"`{run.report_dir / 'report.html'}`" in markdown and "expired on 2001-01-01" in markdown
    assert run.clauses("failed") == {"DEL-OWN-2"}
    assert "known-failures: DEL-OWN-2 (BUG-7) expired on 2001-01-01" in run.output

    before = (run.report_dir / "summary.json").read_bytes()
    known.write_text("- clause: DEL-OWN-2\n  ticket: BUG-7\n")
    run = run_suite(*CLAUSES, "--known-failures", str(known))
    assert run.exit_code == 2
    assert run.output.strip().splitlines() == [
        f"newapi-contract: error: --known-failures {known}: entry 1: missing reason, until "
        "(no reports written, earlier ones left as they were; exit 2)"
    ]
    assert (run.report_dir / "summary.json").read_bytes() == before
    assert json.loads(before)["verdict"] == "failed"
