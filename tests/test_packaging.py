"""A tool people install: the wheel carries the contract, runs from any folder, and its
pytest plugin stays out of every pytest session that does not run the contract.

The proof builds the wheel, installs it (not editable) into a fresh venv, runs
`newapi-contract run` from an unrelated folder and an unrelated project's `pytest` in the
same venv. The fresh venv borrows this venv's dependencies (a .pth line), so only the wheel
is installed; building it needs the package index the machine's pip uses (hatchling).
"""

from __future__ import annotations

import configparser
import os
import site
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

from newapi_contract import paths
from newapi_contract.suite.commands import RUN_INI

CHECKOUT = paths.CHECKOUT
INSTALL_TIMEOUT_S = 600  # hang guards, not speed checks
RUN_TIMEOUT_S = 300

# The unrelated project: its own contracts/ folder and a test there without a clause, and a
# conftest that records every file of the newapi_contract package (other than its code) and
# every file of the contract that the session opens, from pytest_configure on (conftests
# load before it); pytest reading the distribution's metadata is not the plugin's doing.
UNRELATED = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        addopts = "-p no:cacheprovider"
    """,
    "conftest.py": """
        import signal
        import sys

        OPENED = []


        def _audit(event, args):
            if event == "open" and isinstance(args[0], str):
                path = args[0]
                package = "/newapi_contract/" in path and not path.endswith((".py", ".pyc"))
                contract = path.endswith(("clauses.yaml", "overlay.yaml", "schemathesis.toml"))
                if package or contract or "delete-token." in path:
                    OPENED.append(path)


        sys.addaudithook(_audit)
        SIGTERM_BEFORE = signal.getsignal(signal.SIGTERM)
    """,
    "contracts/test_unrelated.py": """
        import signal

        import conftest


        def test_arithmetic():
            assert 1 + 1 == 2


        def test_the_contract_plugin_stayed_out(request, pytestconfig):
            manager = pytestconfig.pluginmanager
            names = [name for name, _ in manager.list_name_plugin() if name and "newapi" in name]
            assert names == ["newapi_contract"], names  # loaded (pytest11), nothing registered
            assert not any(line.startswith("clause") for line in pytestconfig.getini("markers"))
            assert not any("newapi_contract" in css for css in getattr(pytestconfig.option, "css", []))
            assert pytestconfig.option.tbstyle == "auto"
            assert signal.getsignal(signal.SIGTERM) == conftest.SIGTERM_BEFORE
            assert conftest.OPENED == []
    """,
}


def _unrelated_project(root: Path) -> Path:
    for name, text in UNRELATED.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("NEWAPI_", "PYTEST_", "VIRTUAL_ENV"))}


def _pytest_in(python: str, project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "pytest", "-q"],
        cwd=project,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def _assert_unaffected(done: subprocess.CompletedProcess[str], project: Path) -> None:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
    assert "newapi-contract:" not in done.stdout + done.stderr
    assert not (project / "reports").exists()


# -- fast: this checkout's environment ----------------------------------------------------


def test_paths_are_the_checkouts_when_editable():
    assert CHECKOUT is not None and (CHECKOUT / "pyproject.toml").is_file()
    assert paths.PROJECT_ROOT == CHECKOUT
    assert paths.CONTRACTS_DIR == CHECKOUT / "contracts"
    assert paths.CLAUSES_FILE.is_file() and paths.EFFECTIVE_CONTRACT.is_file()
    assert paths.SCHEMATHESIS_CONFIG.is_file() and paths.SEED_SOURCE.is_file()
    assert paths.REPORTS_DIR == CHECKOUT / "reports"


def test_an_unrelated_project_is_unaffected_by_the_plugin(tmp_path):
    project = _unrelated_project(tmp_path / "unrelated")
    _assert_unaffected(_pytest_in(sys.executable, project), project)


def test_the_runs_configuration_agrees_with_pyproject():
    """`run` reads run.ini; plain `pytest contracts` in a checkout reads pyproject: the
    pytest-html settings they share must say the same."""
    assert CHECKOUT is not None
    ini = configparser.ConfigParser()
    ini.read(RUN_INI, encoding="utf-8")
    pyproject = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))
    options = pyproject["tool"]["pytest"]["ini_options"]
    assert ini["pytest"]["render_collapsed"] == options["render_collapsed"]
    redact = [line for line in ini["pytest"]["environment_table_redact_list"].splitlines() if line]
    assert redact == options["environment_table_redact_list"]


# -- the wheel, a fresh venv, an unrelated folder ---------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert CHECKOUT is not None
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(CHECKOUT)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("newapi_contract-*.whl")
    return built


def _tracked(folder: str) -> set[str]:
    assert CHECKOUT is not None
    listed = subprocess.run(
        ["git", "ls-files", folder], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {name for name in listed if (CHECKOUT / name).is_file()}


def test_the_wheel_carries_the_one_copy_of_the_contract(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for folder in ("contracts", "openapi"):
            packaged = {
                n.removeprefix("newapi_contract/")
                for n in names
                if n.startswith(f"newapi_contract/{folder}/")
            }
            assert packaged == _tracked(folder)
            for name in packaged:
                assert archive.read(f"newapi_contract/{name}") == (CHECKOUT / name).read_bytes()  # type: ignore[operator]
        notes = archive.read("newapi_contract/docs/server-notes.md")
        assert notes == (CHECKOUT / "docs" / "server-notes.md").read_bytes()  # type: ignore[operator]
        assert {
            "newapi_contract/py.typed",
            "newapi_contract/report/report.css",
            "newapi_contract/report/verdict.css",
            "newapi_contract/compare/compare.css",
            "newapi_contract/suite/run.ini",
        } <= names
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "newapi_contract = newapi_contract.suite.plugin" in entry_points


def _borrow_dependencies(python: str) -> None:
    """The fresh venv sees this venv's site-packages through a .pth line, so that only the
    wheel itself is installed (no minute of resolving ~40 dependencies). A folder named in a
    .pth file is put on sys.path without reading its own .pth files, so this checkout's
    editable install (a .pth line naming src/) stays invisible there."""
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    host = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "borrowed-dependencies.pth").write_text("\n".join(host) + "\n", encoding="utf-8")


def test_the_installed_wheel_runs_from_any_folder_and_leaves_other_projects_alone(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=INSTALL_TIMEOUT_S)
    python, script = str(venv / "bin" / "python"), str(venv / "bin" / "newapi-contract")
    _borrow_dependencies(python)
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        env=_clean_env(),
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = subprocess.run(
        [python, "-c", "import newapi_contract; print(newapi_contract.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where  # the wheel's copy, not this checkout's

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [script, "run"],  # verbose: the test ids print
        cwd=elsewhere,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = elsewhere / "reports"
    assert sorted(p.name for p in reports.iterdir()) == [
        ".hypothesis",
        "junit.xml",
        "report.html",
        "summary.json",
    ]
    # Nothing else in the folder the run started in (hypothesis's files went to the reports).
    assert sorted(p.name for p in elsewhere.iterdir()) == ["reports"]
    # Test ids print short, as the report has them, not through ../venv/lib/...
    ids = [line.split(" ")[0] for line in done.stdout.splitlines() if "::" in line]
    assert ids and all(i.startswith("contracts/test_") for i in ids), ids[:3]
    assert "../" not in done.stdout
    assert '"verdict": "held"' in (reports / "summary.json").read_text(encoding="utf-8")
    # The clause tests ran from the installed package, not from this checkout.
    assert str(CHECKOUT) not in (reports / "junit.xml").read_text(encoding="utf-8")

    # convert without a SOURCE writes ./openapi of the current folder, never the package.
    package = Path(where).parent
    before = {p: p.read_bytes() for p in (package / "openapi").iterdir()}
    converted = subprocess.run(
        [script, "convert"], cwd=elsewhere, env=_clean_env(), capture_output=True, text=True, check=False
    )
    assert converted.returncode == 0, converted.stderr[-2000:]
    assert sorted(p.name for p in (elsewhere / "openapi").iterdir()) == sorted(p.name for p in before)
    assert {p: p.read_bytes() for p in (package / "openapi").iterdir()} == before
    checked = subprocess.run(
        [script, "convert", "--check"], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True
    )
    assert checked.returncode == 0 and "up to date" in checked.stdout, checked.stdout + checked.stderr

    project = _unrelated_project(tmp_path / "unrelated")
    _assert_unaffected(_pytest_in(python, project), project)
