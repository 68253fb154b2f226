"""Generated layer: schemathesis custom checks fitted to new-api, and the hook that aims cases.

new-api answers business errors with HTTP 200 and `success:false` (reference §3), so the
status-code based built-ins (negative_data_rejection, positive_data_acceptance, use_after_free,
ensure_resource_availability, ignored_auth, missing_required_header) are switched off in
`contracts/schemathesis.toml` and replaced by these checks, which read the body and then read
the token back through the API (`Arena.settle`, once per case).

Checks and hooks are process-global in schemathesis; they act only while an arena is active
(`contract.generated.activate`) and only on cases that arena aimed, so importing this module
changes nothing for any other schemathesis run in the process.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

from newapi_contract.contract.generated import Settlement, TargetKind, active_arena

__all__ = [
    "deleted_token_is_gone",
    "invalid_delete_never_succeeds",
    "untouched_tokens_survive",
    "valid_delete_succeeds",
]


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: Any) -> None:
    """Sees every request schemathesis sends, coverage phase included (tooling facts)."""
    arena = active_arena()
    if arena is not None and case.method.upper() == "DELETE":
        arena.aim(case)


def _settlement(response: schemathesis.Response, case: schemathesis.Case) -> Settlement | None:
    arena = active_arena()
    if arena is None or response.status_code == 429:  # limiters run before auth: no effect
        return None
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    return arena.settle(case.id, body)


@schemathesis.check
def invalid_delete_never_succeeds(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """DEL-GEN-1: an invalid request never answers `success:true`."""
    settled = _settlement(response, case)
    if settled is None or settled.aim.deserves_success:
        return None
    if settled.success is True:
        raise AssertionError(
            "[DEL-GEN-1 invalid never succeeds] an invalid delete answered success:true "
            f"({settled.aim.why_invalid()})"
        )
    return True


@schemathesis.check
def valid_delete_succeeds(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """DEL-GEN-1: the owner's valid delete of its own live token answers `success:true`."""
    settled = _settlement(response, case)
    if settled is None or not settled.aim.deserves_success:
        return None
    if settled.success is not True:
        raise AssertionError(
            "[DEL-GEN-1 valid delete succeeds] the owner's delete of its live token "
            f"{settled.aim.token_id} answered success={settled.success!r}, expected true"
        )
    return True


@schemathesis.check
def deleted_token_is_gone(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """DEL-GEN-1: after `success:true` the token is gone from GET and from the list."""
    settled = _settlement(response, case)
    if settled is None or settled.success is not True or settled.aim.kind is TargetKind.HARMLESS:
        return None
    token = f"[DEL-GEN-1 deleted is gone] token {settled.aim.token_id} answered deleted but"
    if settled.still_there:
        raise AssertionError(f"{token} GET still finds it")
    if settled.still_listed:
        raise AssertionError(f"{token} is still listed")
    return True


@schemathesis.check
def untouched_tokens_survive(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """DEL-GEN-1: a token the request had no right to delete is still there afterwards."""
    settled = _settlement(response, case)
    if settled is None or settled.aim.kind is TargetKind.HARMLESS:
        return None
    aim = settled.aim
    if aim.live and not aim.deserves_success and settled.still_there is False:
        raise AssertionError(
            f"[DEL-GEN-1 others survive] {aim.kind.value} token {aim.token_id} vanished after a delete "
            f"that had no right to it ({aim.why_invalid()})"
        )
    if settled.missing_bystanders:
        raise AssertionError(
            f"[DEL-GEN-1 others survive] deleting token {aim.token_id} also removed "
            f"{list(settled.missing_bystanders)} (still live in the ledger)"
        )
    return True
