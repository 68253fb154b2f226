"""The mutation bench's scoring (`bench/mutation.py`): the number the README reports is read
from mutmut's `.meta` files, net of the survivors judged equivalent, and a stale judgement
fails the bench instead of inflating the score."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from newapi_contract.paths import PROJECT_ROOT


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_bench", PROJECT_ROOT / "bench" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _meta(root: Path, module: str, codes: dict[str, int | None]) -> None:
    path = root / "mutants" / "src" / "newapi_contract" / f"{module}.py.meta"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": codes}), encoding="utf-8")


@pytest.mark.parametrize(
    ("code", "status"),
    [(1, "killed"), (3, "killed"), (-24, "killed"), (0, "survived"), (33, "no tests"), (None, "not checked")],
)
def test_mutmut_exit_codes_fold_into_statuses(code: int | None, status: str) -> None:
    assert bench._status(code) == status


def test_results_read_every_meta_file(tmp_path: Path) -> None:
    _meta(tmp_path, "a", {"m.a__mutmut_1": 1, "m.a__mutmut_2": 0})
    _meta(tmp_path, "b", {"m.b__mutmut_1": None})
    assert bench.results(tmp_path) == {
        "newapi_contract/a.py": {"m.a__mutmut_1": "killed", "m.a__mutmut_2": "survived"},
        "newapi_contract/b.py": {"m.b__mutmut_1": "not checked"},
    }


def _found(killed: int, survived: list[str]) -> dict[str, dict[str, str]]:
    statuses = {f"k{n}": "killed" for n in range(killed)} | {name: "survived" for name in survived}
    return {"newapi_contract/x.py": statuses}


def test_equivalent_survivors_leave_the_denominator(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(bench, "EQUIVALENT", {"eq": "the same codec"})
    assert bench.score(_found(9, ["eq"])) == 0
    assert "score: 9 / 9 = 100.0% (raw 90.0%)" in capsys.readouterr().out


def test_a_score_below_the_target_fails(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(bench, "EQUIVALENT", {})
    assert bench.score(_found(8, ["s1", "s2"])) == 1  # 80 % < 90 %
    out = capsys.readouterr().out
    assert "score: 8 / 10 = 80.0%" in out and "  s1" in out and "  s2" in out


def test_a_stale_equivalent_fails_the_bench(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    # A judged name the run no longer has (killed now, or renumbered) must be noticed.
    monkeypatch.setattr(bench, "EQUIVALENT", {"gone": "was equivalent"})
    assert bench.score(_found(10, [])) == 1
    assert "not survivors of this run (remove them): gone" in capsys.readouterr().out


def test_every_judged_equivalent_gives_a_reason() -> None:
    assert bench.EQUIVALENT and all(isinstance(r, str) and r.strip() for r in bench.EQUIVALENT.values())
