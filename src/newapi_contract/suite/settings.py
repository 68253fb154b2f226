"""The run's settings: pytest options, with the NEWAPI_* environment as their defaults.

Order of precedence, as pytest-base-url has it: command line > environment > ini.
Credentials come only from options or the environment, never from files in the repo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from newapi_contract.errors import UsageError
from newapi_contract.paths import REPORTS_DIR

__all__ = ["PROFILES", "RunSettings", "add_options"]

# Generated-case budgets and client pacing per profile (sized in the README).
PROFILES = ("quick", "thorough")
# Upstream's default global limit is 360 requests per 180 s per IP (reference §7): stay under it.
REMOTE_DEFAULT_RATE = 1.8


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("newapi-contract", "newapi-contract: the target and the run")
    # --base-url itself is pytest-base-url's option (PYTEST_BASE_URL, ini base_url);
    # NEWAPI_BASE_URL is read as a further default in RunSettings.from_config.
    group.addoption(
        "--server-generation",
        dest="newapi_generation",
        choices=("legacy", "current"),
        default=_env("NEWAPI_SERVER_GENERATION"),
        help="skip detection: the target is a legacy or current new-api (reference §2)",
    )
    group.addoption(
        "--access-token",
        dest="newapi_access_token",
        default=_env("NEWAPI_ACCESS_TOKEN"),
        help="the tester's access token (env NEWAPI_ACCESS_TOKEN)",
    )
    group.addoption(
        "--user-id",
        dest="newapi_user_id",
        default=_env("NEWAPI_USER_ID"),
        help="the tester's user id (env NEWAPI_USER_ID)",
    )
    group.addoption(
        "--peer-access-token",
        dest="newapi_peer_access_token",
        default=_env("NEWAPI_PEER_ACCESS_TOKEN"),
        help="a second non-root user's access token (env NEWAPI_PEER_ACCESS_TOKEN)",
    )
    group.addoption(
        "--peer-user-id",
        dest="newapi_peer_user_id",
        default=_env("NEWAPI_PEER_USER_ID"),
        help="the second user's id (env NEWAPI_PEER_USER_ID)",
    )
    group.addoption(
        "--root-username",
        dest="newapi_root_username",
        default=_env("NEWAPI_ROOT_USERNAME"),
        help="root user for first-time setup and test users (env NEWAPI_ROOT_USERNAME)",
    )
    group.addoption(
        "--root-password",
        dest="newapi_root_password",
        default=_env("NEWAPI_ROOT_PASSWORD"),
        help="root password (env NEWAPI_ROOT_PASSWORD)",
    )
    group.addoption(
        "--report-dir",
        dest="newapi_report_dir",
        default=_env("NEWAPI_REPORT_DIR") or str(REPORTS_DIR),
        help="where summary.json and the ledger go (default: reports/)",
    )
    group.addoption(
        "--rate",
        dest="newapi_rate",
        type=float,
        default=None,
        help="client-side limit in requests per second (default: none against the embedded "
        f"server, {REMOTE_DEFAULT_RATE}/s against a remote one; 0 = none)",
    )
    group.addoption(
        "--profile",
        dest="newapi_profile",
        choices=PROFILES,
        default=_env("NEWAPI_PROFILE") or "quick",
        help="size of the generated layer: quick (CI) or thorough (release)",
    )
    group.addoption(
        "--request-timeout",
        dest="newapi_timeout",
        type=float,
        default=15.0,
        help="seconds to wait for one answer (default 15)",
    )
    group.addoption(
        "--embedded-faults",
        dest="newapi_faults",
        default=_env("NEWAPI_EMBEDDED_FAULTS"),
        help="comma-separated fault modes for the embedded reference server (self-tests)",
    )
    group.addoption(
        "--embedded-generation",
        dest="newapi_embedded_generation",
        choices=("legacy", "current"),
        default=_env("NEWAPI_EMBEDDED_GENERATION") or "current",
        help="generation of the embedded reference server (default current)",
    )
    group.addoption(
        "--embedded-rate-limits",
        dest="newapi_embedded_rate_limits",
        action="store_true",
        default=False,
        help="turn on upstream's rate limiters in the embedded reference server",
    )


@dataclass(frozen=True)
class UserSecret:
    user_id: int
    access_token: str


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
    embedded_generation: str
    embedded_faults: tuple[str, ...]
    embedded_rate_limits: bool

    @classmethod
    def from_config(cls, config: pytest.Config) -> RunSettings:
        opt = config.getoption
        base_url = opt("base_url", None) or _env("NEWAPI_BASE_URL")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url {base_url!r}: expected an http:// or https:// URL")
        rate = opt("newapi_rate")
        if rate is None:
            rate = REMOTE_DEFAULT_RATE if base_url else 0.0
        if rate < 0:
            raise UsageError(f"--rate {rate}: must be 0 (no limit) or more")
        faults = opt("newapi_faults") or ""
        return cls(
            base_url=base_url.rstrip("/") if base_url else None,
            generation=opt("newapi_generation"),
            owner=_user("", opt("newapi_access_token"), opt("newapi_user_id")),
            peer=_user("PEER_", opt("newapi_peer_access_token"), opt("newapi_peer_user_id")),
            root_username=opt("newapi_root_username"),
            root_password=opt("newapi_root_password"),
            report_dir=Path(opt("newapi_report_dir")),
            rate=rate or None,
            profile=opt("newapi_profile"),
            timeout=opt("newapi_timeout"),
            embedded_generation=opt("newapi_embedded_generation"),
            embedded_faults=tuple(f.strip() for f in faults.split(",") if f.strip()),
            embedded_rate_limits=opt("newapi_embedded_rate_limits"),
        )


def _user(kind: str, token: str | None, user_id: str | None) -> UserSecret | None:
    if not token and not user_id:
        return None
    if not token or not user_id:
        missing = f"NEWAPI_{kind}ACCESS_TOKEN" if not token else f"NEWAPI_{kind}USER_ID"
        raise UsageError(f"{missing} is missing: give an access token and a user id together")
    if not user_id.isdigit() or int(user_id) <= 0:
        raise UsageError(f"NEWAPI_{kind}USER_ID {user_id!r}: expected a positive integer")
    return UserSecret(int(user_id), token)
