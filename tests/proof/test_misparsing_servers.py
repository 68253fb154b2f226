"""Safe against a broken server too: behind a server that mis-reads DELETE's path id (Unicode
digits, floats and exponents, trailing junk, base prefixes, whitespace, any digit run,
64-bit wrap-around) or aims at the neighbouring id, a quick run changes no token it did not
create, whatever its exit code: not the test users' own earlier tokens, not other users'.

Foreign tokens sit below the run's ids (made first, on the ids today's odd ids name), in
between and above them (made while the run goes on); every column of each is compared,
straight from the store, with what it was when made. The same run must also turn red on the
clause that catches the fault (`mistargeting.MISTARGETING`).
"""

from __future__ import annotations

import os

import pytest
from bystanders import bystanders
from mistargeting import MISTARGETING
from tiers import cases

from newapi_contract.refserver.server import ServerConfig, start


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_") and k != "PYTEST_BASE_URL"}
    return {**env, **extra}


# The default run's core: a mis-read id in one generation, a neighbour aimed at in the
# other; `pytest -m slow` runs every mis-reading.
CORE = {"id-leading-digits", "delete-off-by-minus-one"}


@pytest.mark.parametrize(
    ("fault", "generation", "clause"), cases(((f, (f, *gc)) for f, gc in MISTARGETING.items()), CORE)
)
def test_a_mistargeting_server_loses_no_foreign_token(run_suite, fault, generation, clause):
    with start(ServerConfig(generation=generation, faults=(fault,))) as server:
        others = bystanders(server)
        others.populate()
        others.keep_creating()
        try:
            run = run_suite("--base-url", server.base_url, "--rate", "0", "--", "-q", env=_env(others.env()))
        finally:
            others.stop()
        changes = others.changes()
        run_ids = others.run_ids()
    verdicts = run.summary["clauses"] if (run.report_dir / "summary.json").exists() else {}
    failed = sorted(cid for cid, row in verdicts.items() if row["verdict"] == "failed")
    context = f"exit {run.exit_code}, failed {failed}\n{run.output[-2500:]}"
    assert run_ids, f"the run created no token: {context}"
    # The setup did what it claims: foreign tokens below, between and above the run's ids.
    foreign = set(others.tokens)
    assert min(foreign) < min(run_ids) and max(foreign) > max(run_ids), (min(run_ids), max(run_ids))
    assert any(min(run_ids) < tid < max(run_ids) for tid in foreign), "no foreign token between the run's"
    assert changes == [], f"{len(changes)} foreign token(s) changed: {changes[:12]}; {context}"
    assert run.exit_code == 1 and clause in failed, f"the fault went unnoticed by {clause}: {context}"
