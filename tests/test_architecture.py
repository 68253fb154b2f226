"""ARCHITECTURE.md says what the package is made of, and this keeps it true.

It reads three kinds of line from ARCHITECTURE.md (the format is stated at its top):
- `` - `room/`: ... ``: a room (a folder of `src/newapi_contract/`);
- `` - `room/module.py`: ... `` or `` - `module.py`: ... ``: a module;
- `` - `room` may import: `a`, `b` `` (or `nothing`): the layering.
Then it checks that the rooms and modules named are exactly those on disk (package
`__init__.py` files aside), and that every `newapi_contract` import of every module (read
with `ast`, wherever it stands in the file) goes to its own room or to one its layering
line allows.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from newapi_contract.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "src" / "newapi_contract"
ARCHITECTURE = (PROJECT_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")

ROOM_LINE = re.compile(r"^- `(\w+)/`: ", re.M)
MODULE_LINE = re.compile(r"^- `((?:\w+/)?\w+\.py)`: ", re.M)
LAYER_LINE = re.compile(r"^- `(\w+)` may import: (.+)$", re.M)

# Imports that break the layering today, each with the issue that removes it. A known
# exception is (importing module, imported room); nothing else may run against the rules.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()  # none since the run layer left suite/ (issue 20)


def _modules_on_disk() -> set[str]:
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def _rooms_on_disk() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _room_of(module: str) -> str:
    """`client/api.py` -> `client`; a top-level module is a room of its own: `errors.py` -> `errors`."""
    return module.split("/")[0] if "/" in module else module.removesuffix(".py")


def _allowed() -> dict[str, set[str]]:
    allowed: dict[str, set[str]] = {}
    for room, targets in LAYER_LINE.findall(ARCHITECTURE):
        assert room not in allowed, f"two layering lines for {room!r}"
        allowed[room] = set() if targets.strip() == "nothing" else set(re.findall(r"`(\w+)`", targets))
    return allowed


def _imported_rooms(path: Path) -> set[str]:
    """The rooms (or top-level modules) a module imports, by absolute `newapi_contract.X` imports.
    `from newapi_contract import __version__` (the bare package) counts as no room."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (the package imports absolutely)"
            if node.module == "newapi_contract":
                names += [f"newapi_contract.{alias.name}" for alias in node.names]
            elif node.module:
                names.append(node.module)
    rooms = {name.split(".")[1] for name in names if name.startswith("newapi_contract.")}
    return {room for room in rooms if not room.startswith("__")}


def test_every_module_is_named_and_every_name_is_a_module():
    named = MODULE_LINE.findall(ARCHITECTURE)
    assert len(named) == len(set(named)), "a module is named twice"
    on_disk = _modules_on_disk()
    assert not on_disk - set(named), f"not named in ARCHITECTURE.md: {sorted(on_disk - set(named))}"
    assert not set(named) - on_disk, f"named in ARCHITECTURE.md, not in src/: {sorted(set(named) - on_disk)}"


def test_every_room_is_named_and_every_name_is_a_room():
    assert set(ROOM_LINE.findall(ARCHITECTURE)) == _rooms_on_disk()


def test_every_room_and_top_level_module_has_one_layering_line():
    expected = _rooms_on_disk() | {_room_of(m) for m in _modules_on_disk() if "/" not in m}
    allowed = _allowed()
    assert set(allowed) == expected
    for room, targets in allowed.items():
        assert targets <= expected, f"{room!r} may import rooms that do not exist: {targets - expected}"


@pytest.mark.parametrize("module", sorted(_modules_on_disk()))
def test_imports_follow_the_layering(module):
    room, allowed = _room_of(module), _allowed()
    wrong = {
        target
        for target in _imported_rooms(PACKAGE / module) - {room}
        if target not in allowed.get(room, set()) and (module, target) not in KNOWN_EXCEPTIONS
    }
    assert not wrong, f"{module} imports {sorted(wrong)}; ARCHITECTURE.md allows {sorted(allowed[room])}"


def test_each_known_exception_still_exists():
    # Once the code is mended, the exception goes too: it must not stay as a free pass.
    for module, target in KNOWN_EXCEPTIONS:
        assert target in _imported_rooms(PACKAGE / module), f"{module} no longer imports {target}: drop it"


def test_the_checks_see_a_wrong_import_and_a_missing_line(tmp_path):
    # The checks themselves: an import against the rules and an unnamed module are both seen.
    stray = tmp_path / "stray.py"
    stray.write_text("from newapi_contract.run.settings import OPTIONS\nimport newapi_contract.errors\n")
    assert _imported_rooms(stray) == {"run", "errors"}
    assert "suite" not in _allowed()["client"]
    assert "client/stray.py" not in MODULE_LINE.findall(ARCHITECTURE)
    lines = "- `client/stray.py`: a line\n- `cli.py`: another\n"
    assert MODULE_LINE.findall(lines) == ["client/stray.py", "cli.py"]


def _third_party(path: Path) -> set[str]:
    """The top-level packages a module imports, other than its own."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names - {"newapi_contract"}


@pytest.mark.parametrize("room", ["run", "client", "contract", "report", "refserver", "apifox"])
def test_the_rooms_below_the_plugin_import_nothing_of_pytest(room):
    """ARCHITECTURE.md: the run layer knows nothing of pytest; nor does anything it rests on.
    (`report` renders what the plugin collects; it may name pytest's report type, not import
    pytest's plugin machinery: it is checked for `_pytest` only.)"""
    banned = {"_pytest", "xdist", "pytest_html"} | ({"pytest"} if room != "report" else set())
    found = {
        path.relative_to(PACKAGE).as_posix(): sorted(_third_party(path) & banned)
        for path in (PACKAGE / room).rglob("*.py")
        if _third_party(path) & banned
    }
    assert not found
