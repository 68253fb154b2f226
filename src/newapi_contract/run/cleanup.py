"""The run's clean-up: every live token it created is deleted at the end, one batch call per
user (one by one on a release without batch delete), and tried again while the road fails; a
token a broken server kept is reported with the command that deletes it later."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from newapi_contract.contract.answers import NOT_FOUND
from newapi_contract.errors import FeatureAbsent, GuardRefusal, RoadFault

if TYPE_CHECKING:  # the context calls these with itself
    from newapi_contract.run.context import Actor, RunContext

__all__ = ["CLEANUP_WAIT_S", "clean_up", "hint"]

# The clean-up may wait this long for the rate limits even when the run's budget is spent:
# one window of upstream's default limit, and a little more.
CLEANUP_WAIT_S = 200.0


def clean_up(
    ctx: RunContext,
    report: Callable[[str], None],
    patience_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> list[int]:
    """Delete every live token this run created, one batch call per user (requests are
    rate-limited upstream), and keep trying for `patience_s` while the road fails (a
    restarting server, a flaky proxy); return the ids that could not be deleted."""
    deadline = time.monotonic() + patience_s
    pause = 1.0
    rounds = 3  # a server that answers and still keeps tokens is asked again, twice
    ctx.pacer.allow(CLEANUP_WAIT_S)
    with ctx.recorder.scope("(cleanup)"):
        while True:
            try:
                left = _once(ctx, report)
                rounds -= 1
                if not left or rounds == 0 or time.monotonic() + pause > deadline:
                    break
            except RoadFault as fault:
                if time.monotonic() + pause > deadline:
                    report(f"cleanup gave up after {patience_s:.0f} s: {fault}")
                    left = [entry.token_id for entry in ctx.ledger.live()]
                    break
            sleep(pause)
            pause = min(pause * 2, 15.0)
    if not left and ctx.ledger.path is not None:
        with contextlib.suppress(FileNotFoundError):
            Path(ctx.ledger.path).unlink()
    return left


def hint(ctx: RunContext, left: list[int]) -> str:
    """What to tell the user about tokens the cleanup could not delete."""
    if ctx.target is not None and ctx.target.embedded:
        return f"{len(left)} token(s) of this run were not deleted; the embedded server is gone with them"
    base = ctx.target.base_url if ctx.target else (ctx.settings.base_url or "URL")
    return (
        f"{len(left)} token(s) of this run could not be deleted (ids {left}); once the server "
        f"answers again, run: newapi-contract cleanup --base-url {base} --prefix {ctx.run_prefix}"
    )


def _once(ctx: RunContext, report: Callable[[str], None]) -> list[int]:
    # A token whose create was answered but whose id was not yet recorded (an interrupt
    # in between) still carries this run's unique prefix: adopt it.
    if ctx.pending_names:
        ctx.adopt_leftovers(ctx.run_prefix)
        ctx.pending_names.clear()
    left: list[int] = []
    for owner_id in sorted({entry.owner_id for entry in ctx.ledger.live()}):
        # Every id of the user, also those a delete answered success for: a broken server
        # may have kept them. The count tells whether the list must be read to be sure.
        ids = [e.token_id for e in ctx.ledger.entries() if e.owner_id == owner_id]
        expected = sum(1 for e in ctx.ledger.live() if e.owner_id == owner_id)
        actor = ctx.actor(owner_id)
        if actor is None:
            left.extend(ids)
            continue
        try:
            answer = actor.api.batch_delete(ids)
        except RoadFault as fault:
            if fault.kind != "lost":
                raise
            answer = None  # it may have deleted them: the list below tells
        except FeatureAbsent:  # a release without batch delete (ref §10): one by one
            answer = None
            live = [e.token_id for e in ctx.ledger.live() if e.owner_id == owner_id]
            _delete_one_by_one(ctx, actor, live, report)
        if answer is not None and answer.success is not True:
            report(f"cleanup: batch delete of {ids} answered {answer.message!r}")
        if answer is not None and answer.success is True and answer.data == expected:
            remaining: set[int] = set()  # the live ones deleted, says the count (ref §3)
        else:
            remaining = _listed_ids(ctx, actor) & set(ids)
        for token_id in ids:
            if token_id in remaining:
                left.append(token_id)
            else:
                ctx.ledger.mark_deleted(token_id)
    return left


def _delete_one_by_one(ctx: RunContext, actor: Actor, ids: list[int], report: Callable[[str], None]) -> None:
    """The clean-up of a release without batch delete. The run's newest token has a
    neighbour that is not the run's, which the guard's off-by-one rule protects: it is
    vouched for once its GET shows it is none of the user's tokens (`Guard.vouch`)."""
    for token_id in ids:
        try:
            try:
                actor.api.delete_token(token_id)
            except GuardRefusal:
                if not _vouch_neighbours(ctx, actor, token_id):
                    report(f"cleanup: token {token_id} left: a neighbour id is one of the user's tokens")
                    continue
                actor.api.delete_token(token_id)
        except RoadFault as fault:
            if fault.kind != "lost":
                raise  # the list afterwards tells what a lost answer did


def _vouch_neighbours(ctx: RunContext, actor: Actor, token_id: int) -> bool:
    assert ctx.guard is not None
    for beside in (token_id - 1, token_id + 1):
        if beside <= 0 or ctx.ledger.knows(beside):
            continue
        if actor.api.get_token(beside).message != NOT_FOUND:
            return False
        ctx.guard.vouch(beside)
    return True


def _listed_ids(ctx: RunContext, actor: Actor) -> set[int]:
    return actor.api.list_all().ids()
