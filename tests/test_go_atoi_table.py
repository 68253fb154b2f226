"""One table of Go `strconv.Atoi` cases (tests/data/go_atoi_cases.json) that Go itself and
both Python ports agree on: `client/ids.py go_atoi` (the guard's) and `refserver/goparse.py
atoi` (the reference server's, which also gives the error text upstream quotes).

The reference server must stay independent of the suite, hence two ports; this table is
what keeps them honest, and `tools/goatoi/main.go` checks the table against Go when Go is
on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.client.ids import go_atoi, go_unescape_path
from newapi_contract.refserver.goparse import atoi

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "data" / "go_atoi_cases.json"
CASES: list[dict[str, Any]] = json.loads(TABLE.read_text(encoding="utf-8"))["cases"]


def _case_id(case: dict[str, Any]) -> str:
    return ascii(case["input"])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_client_port_matches_the_table(case: dict[str, Any]) -> None:
    assert go_atoi(case["input"]) == (case["value"], case["ok"])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_reference_server_port_matches_the_table(case: dict[str, Any]) -> None:
    result = atoi(case["input"])
    assert (result.value, result.ok, result.error) == (case["value"], case["ok"], case["error"])


def test_table_has_each_input_once() -> None:
    inputs = [case["input"] for case in CASES]
    assert len(inputs) == len(set(inputs))


def test_every_odd_id_of_the_differential_check_is_in_the_table() -> None:
    from tools.upstream.sequence import odd_id_segments

    inputs = {case["input"] for case in CASES}
    missing = [s for s in odd_id_segments() if go_unescape_path(s) not in inputs]
    assert missing == []


def test_go_agrees_with_the_table(tmp_path: Path) -> None:
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not on PATH: the table is not re-checked against strconv.Atoi")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOWORK": "off", "GOFLAGS": ""}
    done = subprocess.run(
        [go, "run", str(ROOT / "tools" / "goatoi" / "main.go"), str(TABLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    truth = json.loads(done.stdout)
    table = [{k: case[k] for k in ("input", "value", "ok", "error")} for case in CASES]
    assert truth == table
