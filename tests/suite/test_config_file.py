"""The configuration file (issue 21): `newapi-contract.toml` in the current folder, else
`[tool.newapi-contract]` of its `pyproject.toml`, or `--config FILE`; every option of the
table by its flag without `--`; command line > environment > file > built-in default;
credentials never read from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newapi_contract.cli import build_parser
from newapi_contract.errors import UsageError
from newapi_contract.run.settings import CREDENTIAL_FLAGS, OPTIONS, RunSettings, cli_values, pytest_flags


@pytest.fixture(autouse=True)
def in_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for option in OPTIONS:
        if option.env:
            monkeypatch.delenv(option.env, raising=False)
    return tmp_path


def _settings(*argv: str) -> RunSettings:
    return RunSettings.from_values(cli_values(build_parser("run").parse_args(["run", *argv])))


def test_the_file_gives_options_by_their_flag(in_a_folder: Path) -> None:
    (in_a_folder / "newapi-contract.toml").write_text(
        'base-url = "http://staging.example:3000"\nprofile = "thorough"\nmax-wait = 30\n'
        'token-cache = true\nreport-dir = "out"\n',
        encoding="utf-8",
    )
    settings = _settings()
    assert settings.base_url == "http://staging.example:3000"
    assert (settings.profile, settings.max_wait, settings.report_dir) == ("thorough", 30.0, Path("out"))
    assert settings.embedded_token_cache is True


def test_command_line_beats_environment_beats_file(
    in_a_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_a_folder / "newapi-contract.toml").write_text('profile = "thorough"\nrate = 3\n', encoding="utf-8")
    monkeypatch.setenv("NEWAPI_RATE", "5")
    assert _settings().rate == 5.0  # environment over the file
    assert _settings().profile == "thorough"  # the file over the default
    assert _settings("--rate", "7", "--profile", "quick").rate == 7.0
    assert _settings("--profile", "quick").profile == "quick"
    # What `run` hands pytest carries the file's value (pytest reads no file of ours).
    values = cli_values(build_parser("run").parse_args(["run"]))
    assert "--profile=thorough" in pytest_flags(values) and "--rate=3.0" not in pytest_flags(values)


def test_pyproject_table_and_an_explicit_file(in_a_folder: Path) -> None:
    (in_a_folder / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.newapi-contract]\nprofile = "thorough"\n', encoding="utf-8"
    )
    assert _settings().profile == "thorough"
    named = in_a_folder / "ci.toml"
    named.write_text("network-patience = 9\n", encoding="utf-8")
    assert _settings("--config", str(named)).network_patience == 9.0
    assert _settings("--config", str(named)).profile == "quick"  # only the named file is read
    (in_a_folder / "newapi-contract.toml").write_text('profile = "quick"\n', encoding="utf-8")
    assert _settings().profile == "quick"  # newapi-contract.toml first


@pytest.mark.parametrize("flag", sorted(CREDENTIAL_FLAGS))
def test_a_credential_in_the_file_is_refused(in_a_folder: Path, flag: str) -> None:
    (in_a_folder / "newapi-contract.toml").write_text(
        f'{flag[2:]} = "s3cret-value-0123456789"\n', encoding="utf-8"
    )
    with pytest.raises(UsageError) as refused:
        _settings()
    message = str(refused.value)
    assert flag[2:] in message and "never read from a file" in message and "NEWAPI_" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("no-such-option = 1\n", "unknown option 'no-such-option'"),
        ('profile = "nope"\n', "--profile 'nope'"),
        ("max-wait = 'soon'\n", "max-wait = 'soon'"),
        ("profile = [1]\n", "expected a string or a number"),
        ("profile = \n", "not valid TOML"),
    ],
)
def test_bad_files_are_usage_errors(in_a_folder: Path, text: str, says: str) -> None:
    (in_a_folder / "newapi-contract.toml").write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        _settings()
    assert says in str(refused.value)


def test_a_missing_named_file_is_a_usage_error(in_a_folder: Path) -> None:
    with pytest.raises(UsageError, match=r"--config 'gone\.toml': cannot read it"):
        _settings("--config", "gone.toml")


def test_every_option_of_the_table_has_a_key() -> None:
    keys = [o.key for o in OPTIONS]
    assert len(set(keys)) == len(keys) and all(not k.startswith("-") for k in keys)
