"""The run's settings: one table of options, with the NEWAPI_* environment as their defaults.

The table (`OPTIONS`) makes the CLI's arguments (`add_arguments`), pytest's options
(`add_options`, given pytest's parser by the plugin: this module imports nothing of pytest)
and the flags `run` forwards to pytest (`pytest_flags`).

Order of precedence: command line > environment > configuration file (`newapi-contract.toml`
in the current folder, else `[tool.newapi-contract]` of its `pyproject.toml`, or `--config
FILE`; keys are the flags without `--`) > built-in default. Credentials come only from
options or the environment, never from a file: a credential key in one is refused.
`--base-url` itself is pytest-base-url's option (env PYTEST_BASE_URL, ini base_url);
NEWAPI_BASE_URL is read as a further default.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from newapi_contract.contract.revocation import DEFAULT_BOUND_S
from newapi_contract.errors import UsageError
from newapi_contract.paths import REPORTS_DIR
from newapi_contract.refserver.config import GENERATIONS as EMBEDDED_PROFILES
from newapi_contract.refserver.flaky_spec import FlakySpec, parse_network

__all__ = [
    "BUDGET_OPERATIONS",
    "CONFIG_FILE",
    "EMBEDDED_PROFILES",
    "LATENCY_CLAUSES",
    "NETWORK_PATIENCE_S",
    "OPTIONS",
    "PROFILES",
    "WAIT_BUDGET_S",
    "RunSettings",
    "UserSecret",
    "add_arguments",
    "add_options",
    "check_credentials",
    "check_report_dir",
    "cli_values",
    "duration_s",
    "file_values",
    "latency_budgets",
    "no_budget",
    "owned_flags",
    "pytest_flags",
]

PROFILES = ("quick", "thorough")
# The operations a latency budget may name (`--latency-budget`, clauses DEL-LAT-1..4).
BUDGET_OPERATIONS = ("create", "list", "delete", "relay")
# The latency clauses, by the operation whose budget (--latency-budget) makes them a verdict
# (contracts/test_latency.py): without one, a run observes latency and the clause does not apply.
LATENCY_CLAUSES = {f"DEL-LAT-{n}": op for n, op in enumerate(BUDGET_OPERATIONS, start=1)}


def no_budget(op: str, budgets: dict[str, float]) -> str | None:
    """Why the latency clause of `op` does not apply to a run with these budgets, or None."""
    if op in budgets:
        return None
    return f"not applicable: no {op} budget: latency is observed, not judged (--latency-budget {op}=500ms)"


GENERATIONS = ("legacy", "current")  # how auth answers (ref §2); releases differ in more (contract.features)
# Seconds a run may spend waiting for the server's rate limits, by profile: the thorough
# profile needs several windows of upstream's default limit (180 or 360 per 180 s per IP).
WAIT_BUDGET_S = {"quick": 600.0, "thorough": 7200.0}
# The audit's settle window by profile (`--settle`): quick looks once at the end of the run
# (the run's earlier deletes have had its length to be undone); thorough looks again after.
SETTLE_S = {"quick": 0.0, "thorough": 5.0}
NETWORK_PATIENCE_S = 60.0
# Upstream issues access tokens of 29 to 32 characters (controller/user.go GenerateAccessToken:
# common.GenerateRandomKey(29 + randI), both generations). One shorter than the redactor's
# minimum (8) is refused here, naming its variable; any other the server judges.
MIN_ACCESS_TOKEN = 8


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s)?")


def duration_s(text: str, flag: str) -> float:
    """`500ms`, `2s`, `1.5` (seconds) -> seconds; anything else is a usage error."""
    found = _DURATION.fullmatch(text.strip())
    if not found:
        raise UsageError(f"{flag} {text!r}: expected a duration such as 500ms or 2s")
    value = float(found.group(1))
    return value / 1000 if found.group(2) == "ms" else value


def latency_budgets(text: str | None) -> dict[str, float]:
    """`delete=500ms,relay=2s` -> {"delete": 0.5, "relay": 2.0} (seconds)."""
    budgets: dict[str, float] = {}
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        op, sep, value = item.partition("=")
        op = op.strip()
        if not sep or op not in BUDGET_OPERATIONS:
            raise UsageError(
                f"--latency-budget {item!r}: expected OPERATION=DURATION with OPERATION one of "
                f"{', '.join(BUDGET_OPERATIONS)} (e.g. delete=500ms)"
            )
        budgets[op] = duration_s(value, f"--latency-budget {op}=")
        if budgets[op] <= 0:
            raise UsageError(f"--latency-budget {item!r}: a budget must be more than 0")
    return budgets


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class _Option:
    """One run option, declared once: pytest's option (`add_options`), the CLI's argument for
    each command in `commands` (`add_arguments`), the forwarding from the CLI to pytest
    (`pytest_flags`) and the settings (`RunSettings.from_values`) all come from it."""

    flag: str
    dest: str
    help: str
    env: str | None = None
    default: Any = None
    type: Any = None
    choices: tuple[str, ...] | None = None
    commands: tuple[str, ...] = ()  # the newapi-contract commands that take it (none: env only)
    metavar: str | None = None
    pytest: bool = True  # False: another plugin declares it (pytest-base-url's --base-url)
    help_for: tuple[tuple[str, str], ...] = ()  # (command, help) where a command differs

    @property
    def key(self) -> str:
        """Its key in a configuration file (`newapi-contract.toml`): the flag without `--`."""
        return self.flag.removeprefix("--")

    @property
    def cli_dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    def default_value(self) -> Any:
        """The environment variable's value if set, else the built-in default."""
        raw = _env(self.env) if self.env else None
        if raw is None:
            return self.default
        return self.type(raw) if self.type is not None else raw


OPTIONS: tuple[_Option, ...] = (
    _Option(
        "--base-url",
        "base_url",
        "the new-api to check; none: the embedded reference server",
        env="NEWAPI_BASE_URL",
        commands=("run", "cleanup", "doctor"),
        pytest=False,
        help_for=(("cleanup", "the new-api to clean up (required: the embedded server keeps nothing)"),),
    ),
    _Option(
        "--server-generation",
        "newapi_generation",
        "skip detection: legacy or current (ref §2)",
        env="NEWAPI_SERVER_GENERATION",
        choices=GENERATIONS,
        commands=("run", "cleanup", "doctor"),
    ),
    _Option("--access-token", "newapi_access_token", "the tester's access token", env="NEWAPI_ACCESS_TOKEN"),
    _Option("--user-id", "newapi_user_id", "the tester's user id", env="NEWAPI_USER_ID"),
    _Option(
        "--peer-access-token",
        "newapi_peer_access_token",
        "a second non-root user's access token",
        env="NEWAPI_PEER_ACCESS_TOKEN",
    ),
    _Option("--peer-user-id", "newapi_peer_user_id", "the second user's id", env="NEWAPI_PEER_USER_ID"),
    _Option(
        "--root-username",
        "newapi_root_username",
        "root, for first-time setup and the test users",
        env="NEWAPI_ROOT_USERNAME",
    ),
    _Option("--root-password", "newapi_root_password", "root's password", env="NEWAPI_ROOT_PASSWORD"),
    _Option(
        "--report-dir",
        "newapi_report_dir",
        "where summary.json and the ledger go",
        env="NEWAPI_REPORT_DIR",
        default=str(REPORTS_DIR),
        commands=("run", "cleanup", "compare"),
    ),
    _Option(
        "--rate",
        "newapi_rate",
        "a client-side cap, requests/s (default none: the run goes as fast as the server's "
        "rate limits allow, learned from its 429s)",
        env="NEWAPI_RATE",
        type=float,
        commands=("run", "compare"),
        metavar="N",
    ),
    _Option(
        "--max-wait",
        "newapi_max_wait",
        "seconds the run may wait for the server's rate limits in all (default "
        + ", ".join(f"{s:g} {p}" for p, s in WAIT_BUDGET_S.items())
        + "); past it the throttled clauses are unverified (exit 3)",
        env="NEWAPI_MAX_WAIT",
        type=float,
        commands=("run", "compare"),
        metavar="S",
    ),
    _Option(
        "--network-patience",
        "newapi_network_patience",
        f"seconds one request is retried after network faults or a proxy's 502/503/504 "
        f"(default {NETWORK_PATIENCE_S:g})",
        env="NEWAPI_NETWORK_PATIENCE",
        type=float,
        default=NETWORK_PATIENCE_S,
        commands=("run", "compare"),
        metavar="S",
    ),
    _Option(
        "--profile",
        "newapi_profile",
        "size of the generated layer: quick (CI) or thorough (release)",
        env="NEWAPI_PROFILE",
        default="quick",
        choices=PROFILES,
        commands=("run", "doctor"),
    ),
    _Option(
        "--request-timeout", "newapi_timeout", "seconds to wait for one answer", default=15.0, type=float
    ),
    _Option(
        "--embedded-generation",
        "newapi_embedded_generation",
        "the embedded reference server's release: legacy, current or late2024 (a release of 2024-12)",
        env="NEWAPI_EMBEDDED_GENERATION",
        default="current",
        choices=EMBEDDED_PROFILES,
        commands=("run", "doctor"),
    ),
    _Option(
        "--embedded-faults",
        "newapi_faults",
        "comma-separated fault modes of the embedded server "
        "(self-tests; see `newapi-contract serve --list-faults`)",
        env="NEWAPI_EMBEDDED_FAULTS",
        commands=("run",),
        metavar="F1,F2",
    ),
    _Option(
        "--embedded-network",
        "newapi_embedded_network",
        "between the suite and the embedded server: direct, or flaky[:seed=N,rate=0.04,"
        "kinds=reset+lost+bad-gateway+latency+redeploy+timeout,latency=2,redeploy=4,hold=20] "
        "(a fault-injecting proxy)",
        env="NEWAPI_EMBEDDED_NETWORK",
        default="direct",
        commands=("run", "compare"),
        metavar="direct|flaky[:SPEC]",
    ),
    _Option(
        "--revocation-bound",
        "newapi_revocation_bound",
        "how long after a delete's answer a deleted key may still work on the relay "
        f"(default {DEFAULT_BOUND_S:g}s; 0: the very next request must be refused)",
        env="NEWAPI_REVOCATION_BOUND",
        default=f"{DEFAULT_BOUND_S:g}s",
        commands=("run", "compare"),
        metavar="DURATION",
    ),
    _Option(
        "--settle",
        "newapi_settle",
        "the audit's settle window: how long it waits at the end of the run before a second "
        "look at every token, to catch deletes that do not last (default "
        + ", ".join(f"{s:g}s {p}" for p, s in SETTLE_S.items())
        + "; 0: one look at the end of the run)",
        env="NEWAPI_SETTLE",
        commands=("run",),
        metavar="DURATION",
    ),
    _Option(
        "--latency-budget",
        "newapi_latency_budget",
        "budgets that turn latency into verdicts, e.g. delete=500ms,relay=1s "
        f"(operations: {', '.join(BUDGET_OPERATIONS)}; none by default: latency is only observed)",
        env="NEWAPI_LATENCY_BUDGET",
        commands=("run", "doctor"),
        metavar="OP=DURATION,...",
    ),
    _Option(
        "--token-cache",
        "newapi_token_cache",
        "on: the embedded server imitates the Redis token cache of its generation "
        "(legacy evicts after the delete, current before it)",
        env="NEWAPI_TOKEN_CACHE",
        default="off",
        choices=("on", "off"),
        commands=("run",),
    ),
    _Option(
        "--embedded-rate-limits",
        "newapi_embedded_rate_limits",
        "on: the embedded server enforces upstream's rate limits",
        env="NEWAPI_EMBEDDED_RATE_LIMITS",
        default="off",
        choices=("on", "off"),
        commands=("run",),
    ),
    _Option(
        "--embedded-limit",
        "newapi_embedded_limit",
        "the embedded server's limiters, e.g. global=180/180,critical=20/1200,search=off "
        "(with --embedded-rate-limits on; unnamed ones keep upstream's defaults)",
        env="NEWAPI_EMBEDDED_LIMIT",
        commands=("run",),
        metavar="NAME=N/S,...",
    ),
    _Option(
        "--known-failures",
        "newapi_known_failures",
        "a YAML list of known defects (clause, ticket, reason, until): a listed clause that fails "
        "before its `until` is reported as known and does not fail the run",
        env="NEWAPI_KNOWN_FAILURES",
        commands=("run",),
        metavar="FILE",
    ),
)


class OptionParser(Protocol):
    """What `add_options` needs of pytest's parser (`pytest.Parser`)."""

    def getgroup(self, name: str, description: str = ..., after: str | None = ...) -> Any: ...


class OptionValues(Protocol):
    """What `RunSettings.from_config` needs of pytest's config (`pytest.Config`)."""

    def getoption(self, name: str, default: Any = ..., skip: bool = ...) -> Any: ...


def add_options(parser: OptionParser) -> None:
    group = parser.getgroup("newapi-contract", "newapi-contract: the target and the run")
    group.addoption(
        "--clause",
        dest="newapi_clauses",
        action="append",
        default=[],
        metavar="ID",
        help="run only the tests of this clause (repeatable; e.g. DEL-OWN-2)",
    )
    for option in OPTIONS:
        if option.pytest:
            group.addoption(option.flag, dest=option.dest, **_declared(option))


def _declared(option: _Option, command: str | None = None) -> dict[str, Any]:
    """What pytest's addoption and argparse's add_argument share of an option: its help
    (for `command` where it differs) with its default and environment variable."""
    text = dict(option.help_for).get(command or "", option.help)
    if option.default is not None and "default" not in text:
        text += f" (default {option.default})"
    env = f" (env {option.env})" if option.env else ""
    kwargs: dict[str, Any] = {"default": None, "help": (text + env).replace("%", "%%")}
    for name in ("type", "choices", "metavar"):
        if getattr(option, name) is not None:
            kwargs[name] = getattr(option, name)
    return kwargs


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The options of `command` (`run`, `cleanup`, `doctor`, `compare`), as the table says."""
    for option in OPTIONS:
        if command in option.commands:
            parser.add_argument(option.flag, dest=option.cli_dest, **_declared(option, command))
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help=f"a configuration file of these options (default ./{CONFIG_FILE}, else "
        f"[{PYPROJECT_TABLE}] of ./pyproject.toml); the command line and the environment win",
    )


# -- the configuration file -------------------------------------------------------------
CONFIG_FILE = "newapi-contract.toml"
PYPROJECT_TABLE = "tool.newapi-contract"
# Options that carry a credential: from the command line or the environment only, never a file.
CREDENTIAL_FLAGS = frozenset(
    {
        "--access-token",
        "--user-id",
        "--peer-access-token",
        "--peer-user-id",
        "--root-username",
        "--root-password",
    }
)


def _config_table(path: Path | None) -> tuple[str, dict[str, Any]]:
    """The file's options table and its name for messages: `path` (a usage error if it
    cannot be read), else ./newapi-contract.toml, else [tool.newapi-contract] of
    ./pyproject.toml, else nothing."""
    if path is None:
        if Path(CONFIG_FILE).is_file():
            path = Path(CONFIG_FILE)
        elif Path("pyproject.toml").is_file():
            table = _read_toml(Path("pyproject.toml")).get("tool", {}).get("newapi-contract", {})
            return f"pyproject.toml [{PYPROJECT_TABLE}]", table if isinstance(table, dict) else {}
        else:
            return "", {}
    return str(path), _read_toml(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except OSError as exc:
        raise UsageError(
            f"--config {str(path)!r}: cannot read it ({exc.strerror or type(exc).__name__})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def file_values(path: Path | None = None) -> dict[str, Any]:
    """The configuration file's options, keyed by their settings name (`dest`); a key no
    option has, or a credential, is a usage error naming it."""
    where, table = _config_table(path)
    by_key = {o.key: o for o in OPTIONS}
    values: dict[str, Any] = {}
    for key, value in table.items():
        option = by_key.get(key)
        if option is None:
            raise UsageError(f"{where}: unknown option {key!r} (keys are run's options without --)")
        if option.flag in CREDENTIAL_FLAGS:
            raise UsageError(
                f"{where}: {key!r} is a credential, never read from a file: set {option.env} instead"
            )
        if isinstance(value, bool) and option.choices == ("on", "off"):
            value = "on" if value else "off"
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise UsageError(f"{where}: {key} = {value!r}: expected a string or a number")
        try:
            values[option.dest] = option.type(value) if option.type is not None else str(value)
        except ValueError:
            raise UsageError(f"{where}: {key} = {value!r}: not a valid value for {option.flag}") from None
    return values


def owned_flags(command: str) -> frozenset[str]:
    """The flags the table gives `command`: after `--` they would reach pytest alone."""
    return frozenset(o.flag for o in OPTIONS if command in o.commands)


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    """The table's options a command was given, keyed by their settings name (`dest`):
    on its command line, else (when its environment variable is not set) in the
    configuration file. Order: command line > environment > file > built-in default."""
    given = vars(args)
    values = {o.dest: given[o.cli_dest] for o in OPTIONS if given.get(o.cli_dest) is not None}
    for dest, value in file_values(given.get("config")).items():
        option = next(o for o in OPTIONS if o.dest == dest)
        if dest not in values and not (option.env and _env(option.env)):
            values[dest] = value
    return values


def pytest_flags(values: dict[str, Any]) -> list[str]:
    """`--flag=value` for each option in `values` (keyed by `dest`): what `run` hands pytest."""
    return [f"{o.flag}={values[o.dest]}" for o in OPTIONS if values.get(o.dest) is not None]


@dataclass(frozen=True)
class UserSecret:
    user_id: int
    access_token: str

    def __repr__(self) -> str:  # never print the token
        return f"UserSecret(user_id={self.user_id})"


@dataclass(frozen=True)
class RunSettings:
    base_url: str | None  # None: start the embedded reference server
    generation: str | None  # None: detect
    owner: UserSecret | None
    peer: UserSecret | None
    root_username: str | None
    root_password: str | None
    report_dir: Path
    rate: float | None
    profile: str
    timeout: float
    max_wait: float
    network_patience: float
    embedded_generation: str
    embedded_faults: tuple[str, ...]
    embedded_rate_limits: bool
    embedded_network: FlakySpec | None = None  # None: the suite talks to the server directly
    embedded_limit: str | None = None  # a limit spec (refserver.ratelimit.parse_limit_spec)
    revocation_bound_s: float = DEFAULT_BOUND_S
    settle_s: float = 0.0  # the audit's settle window (contract.audit)
    latency_budgets: tuple[tuple[str, float], ...] = ()  # (operation, seconds)
    embedded_token_cache: bool = False
    known_failures: str | None = None  # --known-failures FILE (report.known reads it)

    def __repr__(self) -> str:  # never print credentials
        return f"RunSettings(base_url={self.base_url!r}, generation={self.generation!r})"

    @classmethod
    def from_config(cls, config: OptionValues) -> RunSettings:
        values = {o.dest: config.getoption(o.dest, None) for o in OPTIONS}
        values["base_url"] = config.getoption("base_url", None)
        return cls.from_values(values)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> RunSettings:
        """Settings from option values keyed by `dest`; None or missing takes the default
        (the NEWAPI_* environment variable, else the built-in default)."""
        merged = {o.dest: o.default_value() for o in OPTIONS}
        merged.update({k: v for k, v in values.items() if v is not None})
        for option in OPTIONS:
            value = merged.get(option.dest)
            if option.choices and value is not None and value not in option.choices:
                raise UsageError(f"{option.flag} {value!r}: choose one of {', '.join(option.choices)}")
        base_url = merged.get("base_url") or _env("NEWAPI_BASE_URL")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url {base_url!r}: expected an http:// or https:// URL")
        if base_url and (urlsplit(base_url).query or urlsplit(base_url).fragment):
            raise UsageError(f"--base-url {base_url!r}: expected no query or fragment")
        # A path (https://host/newapi/) is the prefix a reverse proxy serves new-api under: the
        # prefix is part of the origin (client.origin); every request goes under it.
        rate = merged["newapi_rate"] or 0.0
        if rate < 0:
            raise UsageError(f"--rate {rate}: must be 0 (no limit) or more")
        max_wait = merged["newapi_max_wait"]
        max_wait = WAIT_BUDGET_S[merged["newapi_profile"]] if max_wait is None else max_wait
        patience = merged["newapi_network_patience"]
        for flag, value in (("--max-wait", max_wait), ("--network-patience", patience)):
            if value < 0:
                raise UsageError(f"{flag} {value:g}: must be 0 or more seconds")
        faults = tuple(f.strip() for f in (merged["newapi_faults"] or "").split(",") if f.strip())
        _check_faults(faults)
        network = parse_network(merged["newapi_embedded_network"])
        if network is not None and base_url:
            raise UsageError(
                "--embedded-network puts a flaky network in front of the embedded server; for "
                f"{base_url} use `newapi-contract proxy --upstream {base_url}` and run against the proxy"
            )
        limit_spec = merged.get("newapi_embedded_limit")
        if limit_spec:
            from newapi_contract.refserver.ratelimit import parse_limit_spec

            parse_limit_spec(limit_spec)  # a UsageError names what is wrong
            if merged["newapi_embedded_rate_limits"] != "on":
                raise UsageError("--embedded-limit needs --embedded-rate-limits on")
        _check_root_pair(merged["newapi_root_username"], merged["newapi_root_password"])
        return cls(
            base_url=base_url.rstrip("/") if base_url else None,
            generation=merged["newapi_generation"],
            owner=_user("", merged["newapi_access_token"], merged["newapi_user_id"]),
            peer=_user("PEER_", merged["newapi_peer_access_token"], merged["newapi_peer_user_id"]),
            root_username=merged["newapi_root_username"],
            root_password=merged["newapi_root_password"],
            report_dir=Path(merged["newapi_report_dir"]),
            rate=rate or None,
            profile=merged["newapi_profile"],
            timeout=float(merged["newapi_timeout"]),
            max_wait=float(max_wait),
            network_patience=float(patience),
            embedded_generation=merged["newapi_embedded_generation"],
            embedded_faults=faults,
            embedded_rate_limits=merged["newapi_embedded_rate_limits"] == "on",
            embedded_network=network,
            embedded_limit=limit_spec or None,
            revocation_bound_s=duration_s(str(merged["newapi_revocation_bound"]), "--revocation-bound"),
            settle_s=(
                SETTLE_S[merged["newapi_profile"]]
                if merged.get("newapi_settle") in (None, "")
                else duration_s(str(merged["newapi_settle"]), "--settle")
            ),
            latency_budgets=tuple(latency_budgets(merged["newapi_latency_budget"]).items()),
            embedded_token_cache=merged["newapi_token_cache"] == "on",
            known_failures=merged.get("newapi_known_failures") or None,
        )


NO_CREDENTIALS = (
    "no credentials: set NEWAPI_ACCESS_TOKEN and NEWAPI_USER_ID (and the NEWAPI_PEER_* "
    "pair), or NEWAPI_ROOT_USERNAME and NEWAPI_ROOT_PASSWORD"
)


def _check_root_pair(username: str | None, password: str | None) -> None:
    """Root's username and password come together; one alone names the other as missing."""
    if bool(username) != bool(password):
        missing = "NEWAPI_ROOT_PASSWORD" if username else "NEWAPI_ROOT_USERNAME"
        raise UsageError(f"{missing} is missing: give root's username and password together")


def check_credentials(settings: RunSettings) -> None:
    """A run against a given server has credentials to start with (checked before any report
    is touched; the embedded server needs none): else one line, exit 2."""
    if settings.base_url is None or settings.owner is not None:
        return
    if not (settings.root_username and settings.root_password):
        raise UsageError(NO_CREDENTIALS)


def _check_faults(faults: tuple[str, ...]) -> None:
    """Fault modes of the embedded server are known names (checked before any report)."""
    if not faults:
        return
    from newapi_contract.refserver.faults import FAULTS

    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise UsageError(
            f"--embedded-faults: unknown fault mode(s) {', '.join(unknown)}; "
            "`newapi-contract serve --list-faults` lists them"
        )


def check_report_dir(path: Path) -> None:
    """The report directory exists (or can be made) and takes files, else a usage error."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"--report-dir {str(path)!r}: cannot write reports there ({reason})") from None


def _user(kind: str, token: str | None, user_id: str | None) -> UserSecret | None:
    if not token and not user_id:
        return None
    variable = f"NEWAPI_{kind}ACCESS_TOKEN"
    if not token or not user_id:
        missing = variable if not token else f"NEWAPI_{kind}USER_ID"
        raise UsageError(f"{missing} is missing: give an access token and a user id together")
    if not str(user_id).isdigit() or int(user_id) <= 0:
        raise UsageError(f"NEWAPI_{kind}USER_ID {user_id!r}: expected a positive integer")
    if len(token) < MIN_ACCESS_TOKEN:
        # Caught here, before any request: a usage error (exit 2), like a missing one; a
        # secret this short could not be redacted reliably, so it is never sent.
        raise UsageError(
            f"{variable} ({len(token)} characters) is not an access token new-api issues "
            "(29 to 32 characters): the server would refuse it; copy it again from Personal settings"
        )
    return UserSecret(int(user_id), token)
