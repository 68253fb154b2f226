"""After a run against a server started here, no file under the report directory holds
an access token or a key: neither the ones this test knows (the two users' access tokens,
the full keys of tokens that existed during the run) nor anything shaped like a key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tester import population, user_env

RUN_TIMEOUT_S = 900  # a hang guard for a whole run
SK_KEY = re.compile(r"sk-[0-9A-Za-z]{48}")
BARE_KEY = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{48}(?![0-9A-Za-z])")
JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")


def _variants(secret: str) -> set[str]:
    """The secret as sent and as it would read percent-encoded in a URL or a curl line."""
    return {secret, quote(secret, safe="")}


def test_no_secret_in_any_report_file(
    run_script: Any, populated: tuple[str, list[Any]], tmp_path: Path
) -> None:
    base_url, users = populated
    owner, peer = users[0], users[1]
    population.seed_tokens(base_url, owner, 2)  # tokens that live through the run
    keys = [token["key"] for token in population.snapshot(base_url, [owner]).values()]
    report_dir = tmp_path / "reports"

    run = run_script(
        "run", "--base-url", base_url, "--rate", "0", "--report-dir", str(report_dir),
        env=user_env(owner, peer), timeout=RUN_TIMEOUT_S,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr[-2000:]
    files = sorted(p for p in report_dir.rglob("*") if p.is_file())
    assert {"report.html", "junit.xml", "summary.json"} <= {p.name for p in files}
    known = set().union(*(_variants(s) for s in (owner.access_token, peer.access_token, *keys)))
    leaks: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{path.name}: a known secret" for secret in known if secret in text]
        for pattern in (SK_KEY, BARE_KEY, JWT):
            leaks += [f"{path.name}: {match[:6]}... ({pattern.pattern})" for match in pattern.findall(text)]
    assert not leaks, leaks
