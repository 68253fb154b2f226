"""`newapi-contract doctor`: can a run work against this target, and what could it check?

It reaches the target, tells whether it is a new-api, its generation and version, checks
the credentials in the environment (the given users' access tokens, or root's login and
the two test users the run would use or create), states the rate limits it will meet and
the pacing the run will use, and lists the clauses a run could check and why others would
be skipped. It changes nothing on the server: no user is created, no access token rotated,
no token created (logins do count against upstream's critical limit, ref §7).

Problems that stop a run raise the suite's errors (exit 3 for the target, 2 for usage),
after the checks that passed have been said.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

import httpx

from newapi_contract.client.api import Credentials, NewApi
from newapi_contract.contract.clauses import Clause, load_clauses
from newapi_contract.contract.doors import clause_not_applicable
from newapi_contract.contract.features import Features, detect
from newapi_contract.errors import CredentialsRejected, UsageError
from newapi_contract.report.summary import NOT_APPLICABLE, why_not
from newapi_contract.run.bootstrap import OWNER_NAME, PEER_NAME, ROLE_ROOT, derived_password
from newapi_contract.run.context import RunContext
from newapi_contract.run.settings import LATENCY_CLAUSES, RunSettings, add_arguments, cli_values, no_budget

__all__ = ["Plan", "diagnose", "register", "runnable_clauses", "unjudged_latency"]

DOCTOR_TIMEOUT_S = 5.0
# Upstream's defaults (reference §7, common/init.go); GET /api/status does not expose them
# (controller/misc.go GetStatus), so the doctor can only state them.
UPSTREAM_LIMITS = (
    "global: 180 requests per 180 s per IP on /api/* at the legacy commit 4ca47ee2, 360 from "
    "59a93cf5 on (both generations may have either; an operator may set any)",
    "critical: 20 per 20 min per IP for login, register, key reveal, batch keys (current also "
    "GET /api/user/token)",
    "search: 10 per 60 s per user",
)
QUICK_PROFILE_REQUESTS = 170  # the quick profile's budget: one window of the legacy default

Say = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What a run against this target would do with the given credentials."""

    generation: str
    has_peer: bool
    checks: list[Clause]
    skips: list[tuple[Clause, str]]
    features_known: bool = True  # False: what the server offers is told when a run starts


def register(sub: Any) -> None:
    doctor = sub.add_parser(
        "doctor",
        help="check a target and the credentials, and say what a run could check",
        description="Check that the target is reachable and a new-api (generation, version), that the "
        "credentials in the environment work and are non-root users (or, with root credentials, which "
        "test users a run would use or create), the rate limits and pacing, and which clauses a run "
        "could check. Changes nothing on the server.",
    )
    add_arguments(doctor, "doctor")
    doctor.set_defaults(handler=doctor_command)


def doctor_command(args: argparse.Namespace) -> int:
    settings = RunSettings.from_values(cli_values(args))
    diagnose(settings, say=print)
    return 0


def unjudged_latency(plan: Plan, budgets: Collection[str]) -> list[tuple[Clause, str]]:
    """The latency clauses of `plan` that do not apply, having no budget for their operation."""
    given = dict.fromkeys(budgets, 0.0)
    return [
        (clause, reason)
        for clause in plan.checks
        if (op := LATENCY_CLAUSES.get(clause.id)) is not None and (reason := no_budget(op, given))
    ]


def runnable_clauses(
    generation: str, has_peer: bool, features: Features | None = None, profile: str = "quick"
) -> Plan:
    """The clauses a run could check on a server of `generation`, and why the others are not
    checked (the reasons a run gives: the clause gate's, and the relay doors' for a clause none
    of whose doors applies to this release or profile)."""
    checks: list[Clause] = []
    skips: list[tuple[Clause, str]] = []
    paged = features.paged_list if features is not None else None
    for clause in load_clauses().values():
        absent = features.absent_reason(clause.needs) if features is not None else None
        reason = clause.skip_reason(generation, has_peer, absent) or clause_not_applicable(
            clause.id, generation, profile, paged
        )
        if reason:
            skips.append((clause, reason))
        else:
            checks.append(clause)
    return Plan(generation, has_peer, checks, skips, features_known=features is not None)


def diagnose(settings: RunSettings, say: Say) -> Plan:
    """Run every check, saying each result; raise the error of the first one that stops a run."""
    quick = replace(settings, timeout=DOCTOR_TIMEOUT_S, rate=None, network_patience=DOCTOR_TIMEOUT_S)
    ctx = RunContext(quick, ledger_file=False)
    try:
        found = ctx.check_target()  # reachability, new-api, generation; given users' tokens
        where = settings.base_url or "the embedded reference server"
        say(f"ok    reachable: {where} answers GET /api/status like new-api")
        how = "detected" if found.detected else "given by --server-generation"
        say(f"ok    generation: {found.generation} ({how}); version {found.version or 'not reported'}")
        has_peer = _check_users(ctx, settings, found.setup_done, say)
        features = _say_features(ctx, settings, found.generation, say)
    finally:
        ctx.close()
    _say_limits(settings, say)
    plan = runnable_clauses(found.generation, has_peer, features, settings.profile)
    _say_plan(plan, say, [op for op, _ in settings.latency_budgets])
    return plan


def _check_users(ctx: RunContext, settings: RunSettings, setup_done: bool, say: Say) -> bool:
    """Say who the run would act as; True when a second user (the peer) will be there."""
    if settings.base_url is None:
        say("ok    users: the run sets up the embedded server's root and creates its two test users")
        return True
    base_url = settings.base_url
    if settings.owner is not None:
        # check_target() has already refused rejected tokens and root users.
        for label, secret in (
            ("NEWAPI_ACCESS_TOKEN", settings.owner),
            ("NEWAPI_PEER_ACCESS_TOKEN", settings.peer),
        ):
            if secret is None:
                say("note  NEWAPI_PEER_ACCESS_TOKEN / NEWAPI_PEER_USER_ID not set: no second user")
                continue
            info = NewApi(ctx.client(base_url), Credentials(secret.user_id, secret.access_token)).self_info()
            data = info.data if isinstance(info.data, dict) else {}
            say(
                f"ok    {label}: user {secret.user_id} ({data.get('username', '?')}), role "
                f"{data.get('role', '?')} (not root), access token accepted"
            )
        return settings.peer is not None
    if not (settings.root_username and settings.root_password):
        raise UsageError(
            "no credentials: set NEWAPI_ACCESS_TOKEN and NEWAPI_USER_ID (and the NEWAPI_PEER_* "
            "pair), or NEWAPI_ROOT_USERNAME and NEWAPI_ROOT_PASSWORD"
        )
    if not setup_done:
        say(
            f"note  first-time setup not done: a run would set up root {settings.root_username!r} "
            f"and create test users {OWNER_NAME!r} and {PEER_NAME!r}"
        )
        return True
    role = _login_role(ctx.client(base_url, cookies=True), settings.root_username, settings.root_password)
    if role is None:
        raise CredentialsRejected(
            f"NEWAPI_ROOT_USERNAME/PASSWORD: login as {settings.root_username!r} refused"
        )
    kind = "root" if role >= ROLE_ROOT else f"role {role}, not root: creating test users may be refused"
    say(f"ok    NEWAPI_ROOT_USERNAME: login as {settings.root_username!r} works ({kind})")
    for name in (OWNER_NAME, PEER_NAME):
        existing = _login_role(
            ctx.client(base_url, cookies=True), name, derived_password(settings.root_password, name)
        )
        if existing is None:
            say(f"note  test user {name!r}: not there (or another password): a run would create it")
        elif existing >= ROLE_ROOT:
            raise UsageError(f"test user {name!r} is root; the suite needs common users")
        else:
            say(f"ok    test user {name!r}: exists, a run would reuse it (its access token is rotated)")
    return True


def _say_features(ctx: RunContext, settings: RunSettings, generation: str, say: Say) -> Features | None:
    """What the server offers (`contract.features`), as the given owner sees it (read only: one
    list, at most one GET /api/user/self). With root's login alone there is no access token to
    read it with (getting one would rotate it): a run detects it at its start."""
    if settings.base_url is None or settings.owner is None:
        say("note  what the server offers (paging, keys, batch, New-Api-User) is detected when a run starts")
        return None
    creds = Credentials(settings.owner.user_id, settings.owner.access_token)
    features = detect(NewApi(ctx.client(settings.base_url), creds), generation)
    for line in features.describe():
        say(f"ok    offers: {line}")
    return features


def _login_role(client: httpx.Client, username: str, password: str) -> int | None:
    """The user's role if the login works, else None. A login changes nothing on the server."""
    answer = NewApi(client, None).call(
        "POST", "/api/user/login", json={"username": username, "password": password}
    )
    if answer.success is not True or not isinstance(answer.data, dict):
        return None
    nested = answer.data.get("user")
    user = nested if isinstance(nested, dict) else answer.data
    return int(user.get("role") or 0)


def _say_limits(settings: RunSettings, say: Say) -> None:
    if settings.base_url is None:
        say("ok    rate limits: the embedded server runs without them (--embedded-rate-limits on to try)")
        return
    say("note  rate limits: upstream does not report its limits (GET /api/status); its defaults are")
    for limit in UPSTREAM_LIMITS:
        say(f"        {limit}")
    say(
        f"ok    pacing: the quick profile sends about {QUICK_PROFILE_REQUESTS} requests, within one window "
        "of the legacy default; the run sends as fast as the server allows, learns the limit from "
        f"its first 429 and waits each one out (up to {settings.max_wait:g} s in all, --max-wait)"
    )
    if settings.rate:
        say(f"note  --rate {settings.rate:g}: at most that many requests per second besides")


def _say_plan(plan: Plan, say: Say, budgets: Collection[str] = ()) -> None:
    """The count a run would report: the clauses it checks (a latency clause only with its
    budget) of all clauses, and why each other one is not checked."""
    total = len(plan.checks) + len(plan.skips)
    unjudged = unjudged_latency(plan, budgets)
    checked = len(plan.checks) - len(unjudged)
    if plan.features_known:
        say(f"ok    a run could check {checked} of {total} clauses on this {plan.generation} server")
    else:  # an older release lacks routes and doors: a run finds out at its start
        say(
            f"ok    a run could check up to {checked} of {total} clauses on this {plan.generation} server "
            "(fewer on a release without batch delete or some relay doors: a run tells which at its "
            "start, as not applicable)"
        )
    for clause, reason in [*plan.skips, *unjudged]:
        # As the run's tally says it: not applicable (this server, the options), or skipped.
        label, why = ("n/a ", why_not(reason)) if reason.startswith(NOT_APPLICABLE) else ("skip", reason)
        say(f"{label}  {clause.id}  {clause.title}: {why}")
    relay = [c.id for c in plan.checks if "relay" in c.needs]
    if relay:
        say(
            f"note  {', '.join(relay)} reveal full keys (POST /api/token/{{id}}/key, upstream's critical "
            "limit of 20 per 20 min)"
        )
