"""The clause tests under contracts/ call the suite's helpers as their signatures say.

A clause test's `except` branch runs only when the server is broken: a call there that no
longer binds (a helper whose signature changed) turns every bug report of that test into
a TypeError of the suite's own (found behind the unseen proxy, tests/proof/unseen_proxy.py:
the replay line of the generated layer and of the state machine). Checked statically here,
for every call of an imported helper, so the branch need not run.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def _imported_helpers(tree: ast.Module) -> dict[str, object]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("newapi_contract."):
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if inspect.isfunction(value):
                    found[alias.asname or alias.name] = value
    return found


def _calls(path: Path) -> list[tuple[int, str, object, ast.Call]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    helpers = _imported_helpers(tree)
    return [
        (node.lineno, node.func.id, helpers[node.func.id], node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers
    ]


@pytest.mark.parametrize("path", sorted(CONTRACTS.glob("test_*.py")), ids=lambda p: p.name)
def test_every_helper_call_binds_to_its_signature(path):
    wrong = []
    for line, name, function, call in _calls(path):
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            continue  # *args / **kwargs: not checkable statically
        args = [object()] * len(call.args)
        kwargs = {k.arg: object() for k in call.keywords if k.arg is not None}
        try:
            inspect.signature(function).bind(*args, **kwargs)  # type: ignore[arg-type]
        except TypeError as exc:
            wrong.append(f"{path.name}:{line}: {name}(...): {exc}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_call_that_does_not_bind(tmp_path):
    bad = tmp_path / "test_bad.py"
    bad.write_text(
        "from newapi_contract.report.replay import replay_command\n"
        "def test_x(request):\n    replay_command(request.config, request.node)\n",
        encoding="utf-8",
    )
    ((_line, _name, function, call),) = _calls(bad)
    with pytest.raises(TypeError):
        inspect.signature(function).bind(*[object()] * len(call.args))  # type: ignore[arg-type]
