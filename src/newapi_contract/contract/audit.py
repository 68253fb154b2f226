"""The audit (issue 18): the server's whole visible world checked against the run's model.

Each clause test looks at its own token right after its own delete; a server whose deletes
reach beyond their target, or do not last, passes every one of them. The audit looks at
everything the run touched, at the end of the run (before the cleanup):

- every token the run made and never asked to delete is listed, readable, unchanged (the
  fields it was made with, the item the list first showed, still enabled) and its key, when
  the run holds it, still works on the relay (DEL-ALL-1 vanished, DEL-ALL-2 changed);
- every token the run deleted is absent from the list and the search, and its key is refused
  (DEL-ALL-3), again after a settle window when one is set (`--settle`);
- the list and the search show the caller's live tokens, all of them and nothing under the
  run's prefix the run did not make (DEL-ALL-5).

A token whose fate the run cannot know (a delete meant for it whose answer was lost, or one
answered success that the run could not attribute) is not judged: no false alarm. A token
absent from a complete listing is judged vanished only once a second complete listing and a
GET answering `record not found` agree (pages shift while other processes delete).

`observe` sends the requests (every API behind a small protocol, so tests use fakes);
`judge` is pure: findings per clause from the model and what was observed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from newapi_contract.client.api import Answer
from newapi_contract.client.ledger import DeleteIntent, TokenModel, comparable_item
from newapi_contract.client.listing import Listing
from newapi_contract.client.recording import Observation
from newapi_contract.contract.answers import NOT_FOUND
from newapi_contract.contract.revocation import refused_within
from newapi_contract.contract.verdict import ClauseViolation
from newapi_contract.errors import FeatureAbsent

__all__ = [
    "CLAUSES",
    "EXPECTED",
    "MAX_GETS",
    "Finding",
    "Look",
    "Observed",
    "expected_alive",
    "judge",
    "likely_culprits",
    "observe",
    "observed_text",
    "report",
    "run",
    "surplus",
    "vanished",
    "violation",
]

VANISHED, CHANGED, LASTS, LISTS = "DEL-ALL-1", "DEL-ALL-2", "DEL-ALL-3", "DEL-ALL-5"
CLAUSES = (VANISHED, CHANGED, LASTS, LISTS)
# What each clause of the audit expects, as its bug report says it.
EXPECTED = {
    VANISHED: "every token the run never asked to delete is still there",
    CHANGED: "every token the run never asked to delete is listed as it was made, and its key works",
    LASTS: "every token the run deleted stays gone from the list, search and GET, its key refused",
    LISTS: (
        "the list and search show every live token of the run, and nothing under its prefix it did not "
        "make; the list's total counts its live tokens"
    ),
}
MAX_GETS = 10  # confirmation GETs at most (requests count against the global limit)
CULPRITS_SHOWN = 4


class Api(Protocol):
    def list_all(self) -> Listing: ...
    def search_all(self, keyword: str) -> Listing: ...
    def get_token(self, token_id: int | str) -> Answer: ...
    def relay_models(self, key: str | None, form: str = ...) -> Answer: ...
    def self_info(self) -> Answer: ...


@dataclass(frozen=True)
class Finding:
    clause: str
    token_id: int
    text: str  # what was seen, one sentence, naming the token, its test, its last sighting
    culprits: tuple[str, ...] = ()  # requests that most likely did it, likely first
    answer: Answer | None = field(default=None, compare=False, repr=False)  # the answer it is about
    made_for: str = ""  # the test the token was handed to (`TokenModel.used_by`)


@dataclass
class Look:
    """One look at the world: each user's whole list and search (by the run's prefix)."""

    at: float
    lists: dict[int, Listing] = field(default_factory=dict)
    searches: dict[int, Listing] = field(default_factory=dict)
    relay: dict[int, Answer] = field(default_factory=dict)  # token id -> its key's answer


@dataclass
class Observed:
    first: Look
    second: Look | None = None  # after the settle window
    # Asked only for suspects: a second complete listing per user, and one GET per token.
    again: dict[int, Listing] = field(default_factory=dict)
    gets: dict[int, Answer] = field(default_factory=dict)
    search_absent: str | None = None  # why the search was not used
    # user id -> GET /api/user/self at the end, for users with a quota seen before any delete
    accounts: dict[int, Answer] = field(default_factory=dict)

    def requests(self) -> int:
        looks = [self.first, *([self.second] if self.second else [])]
        seen = [lst for look in looks for lst in (*look.lists.values(), *look.searches.values())]
        pages = sum(len(lst.answers) for lst in seen)
        again = sum(len(lst.answers) for lst in self.again.values())
        return pages + again + len(self.gets) + len(self.accounts)


def expected_alive(token: TokenModel) -> bool:
    """Never deleted, and no request that may have acted was meant to delete it."""
    return not token.deleted and not token.asked


def _judged_deleted(token: TokenModel) -> bool:
    return token.deleted


# -- observing (sends requests) ---------------------------------------------------------


def observe(
    model: Sequence[TokenModel],
    apis: Mapping[int, Api],
    *,
    prefix: str,
    bound_s: float,
    settle_s: float = 0.0,
    search: bool = True,
    accounts: Iterable[int] = (),
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Observed:
    """Look at every user's tokens (`apis`: user id -> that user's API), confirm suspects, probe
    every key the run holds; with `settle_s`, look again after that pause."""
    users = sorted({t.owner_id for t in model} & set(apis))
    first = Look(clock())
    observed = Observed(first)
    for user in users:
        first.lists[user] = apis[user].list_all()
    if search and users:
        owner = users[0] if len(users) == 1 else _busiest(model, users)
        try:
            first.searches[owner] = apis[owner].search_all(prefix + "%")
        except FeatureAbsent as absent:
            observed.search_absent = str(absent)
    for user in accounts:
        if user in apis:
            observed.accounts[user] = apis[user].self_info()
    _confirm(model, apis, observed)
    _probe_keys(model, apis, first, bound_s, clock, sleep)
    if settle_s > 0:
        sleep(settle_s)
        second = observed.second = Look(clock())
        for user in users:
            second.lists[user] = apis[user].list_all()
        _probe_keys([t for t in model if _judged_deleted(t)], apis, second, 0.0, clock, sleep)
    return observed


def _busiest(model: Sequence[TokenModel], users: Sequence[int]) -> int:
    """The user with the most tokens in the model (the owner): searched by the run's prefix
    (search is limited to 10 a minute per user upstream, ref §7)."""
    return max(users, key=lambda u: sum(1 for t in model if t.owner_id == u))


def _confirm(model: Sequence[TokenModel], apis: Mapping[int, Api], observed: Observed) -> None:
    suspects: list[TokenModel] = []
    for token in model:
        listing = observed.first.lists.get(token.owner_id)
        if listing is None:
            continue
        if expected_alive(token) and listing.complete and not listing.has(token.token_id):
            suspects.append(token)  # vanished, or hidden by the list
        elif _judged_deleted(token) and listing.has(token.token_id):
            suspects.append(token)  # back, or never gone
    miscounted = {user for user, listing in observed.first.lists.items() if surplus(listing)}
    for user in sorted({t.owner_id for t in suspects} | miscounted):
        observed.again[user] = apis[user].list_all()
    for token in suspects[:MAX_GETS]:
        observed.gets[token.token_id] = apis[token.owner_id].get_token(token.token_id)


def _probe_keys(
    model: Sequence[TokenModel],
    apis: Mapping[int, Api],
    look: Look,
    bound_s: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> None:
    """Each key the run holds, once on the relay (free upstream); a key deleted less than
    `bound_s` ago is probed until refused or the bound is past (`revocation.refused_within`)."""
    for token in model:
        if token.key is None or token.owner_id not in apis:
            continue
        api, key = apis[token.owner_id], token.key
        if expected_alive(token):
            look.relay[token.token_id] = api.relay_models(key)
        elif _judged_deleted(token):
            left = bound_s - (clock() - token.deleted_at) if token.deleted_at is not None else 0.0
            send = _sender(api, key)
            if left > 0:
                look.relay[token.token_id] = refused_within(send, left, _refused, sleep=sleep)
            else:
                look.relay[token.token_id] = send()


def _refused(answer: Answer) -> bool:
    return answer.status == 401


def _sender(api: Api, key: str) -> Callable[[], Answer]:
    return lambda: api.relay_models(key)


# -- judging (pure) ---------------------------------------------------------------------


def _ago(at: float | None, now: float) -> str:
    return "never" if at is None else f"{max(0.0, now - at):.1f} s before the audit"


def _who(token: TokenModel, now: float) -> str:
    seen = token.last_seen
    where = f" ({seen.how}, in {seen.test})" if seen else ""
    made = f", made for {token.used_by}" if token.used_by else ""
    return (
        f"token {token.token_id} ({token.name}{made}; last seen alive "
        f"{_ago(seen.at if seen else None, now)}{where})"
    )


def _intent_line(intent: DeleteIntent, now: float) -> str:
    count = f", data {intent.deleted}" if intent.deleted is not None else ""
    by = {None: "", 0: " with no credential"}.get(intent.by, f" as user {intent.by}")
    return f"{intent.request}{by} -> {intent.outcome}{count} ({intent.test}, {_ago(intent.at, now)})"


def _since(token: TokenModel) -> float:
    return token.last_seen.at if token.last_seen else float("-inf")


def likely_culprits(token: TokenModel, intents: Iterable[DeleteIntent], now: float) -> tuple[str, ...]:
    """The requests sent since the token was last seen alive that could have removed it,
    likely first: one meant for it (answered as refused: it acted anyway), then those that
    answered success, then by how near the ids they named are to it, then the latest. One
    meant for it that answered `record not found` found it gone already: not a culprit."""
    since = _since(token)
    candidates = [
        i
        for i in intents
        if i.at >= since and i.outcome != "throttled" and not (i.not_found and token.token_id in i.token_ids)
    ]

    def rank(intent: DeleteIntent) -> tuple[int, int, int, float]:
        distance = min((abs(t - token.token_id) for t in intent.token_ids), default=1 << 62)
        return (token.token_id not in intent.token_ids, intent.outcome != "success", distance, -intent.at)

    return tuple(_intent_line(i, now) for i in sorted(candidates, key=rank)[:CULPRITS_SHOWN])


def judge(
    model: Sequence[TokenModel],
    observed: Observed,
    intents: Sequence[DeleteIntent],
    *,
    prefix: str,
    asked_for: Callable[[str], bool] = lambda name: False,
    created_unrecorded: Sequence[str] = (),
    quota_before: Mapping[int, int] | None = None,
) -> dict[str, list[Finding]]:
    """Findings per clause (every clause of `CLAUSES` is a key; empty: it held).
    `created_unrecorded`: names whose create answered success but that no list showed when the
    run looked for them (they must be in the final listing of some user)."""
    found: dict[str, list[Finding]] = {cid: [] for cid in CLAUSES}
    _judge_unlisted(created_unrecorded, observed, found)
    _judge_accounts(quota_before or {}, model, observed, found)
    now = observed.first.at
    known = {t.token_id for t in model}
    # A name the run asked for explains one token: creates are never resent (a lost answer is
    # left to the list), so a second token under a name the model already gives an id to was
    # made by the server itself (a delete that re-creates its token, a create made twice).
    made_as = {t.name: t.token_id for t in model}
    for token in model:
        listing = observed.first.lists.get(token.owner_id)
        if listing is None:
            continue
        if expected_alive(token):
            _judge_alive(token, listing, observed, intents, now, found)
        elif _judged_deleted(token):
            _judge_deleted(token, listing, observed, now, found)
    for user, listing in observed.first.lists.items():
        for item in listing.tokens:
            name, token_id = str(item.get("name", "")), item.get("id")
            if not name.startswith(prefix) or token_id in known:
                continue
            if name in made_as:
                why = (
                    f"a second token of that name: the run asked for it once and made it as token "
                    f"{made_as[name]}"
                )
            elif not asked_for(name):
                why = "which the run never asked to create"
            else:
                continue  # asked for, its create's answer lost: the run's own
            found[LISTS].append(
                Finding(
                    LISTS,
                    token_id if isinstance(token_id, int) else 0,
                    f"user {user}'s list shows token {token_id} ({name}) under the run's prefix, {why}",
                    answer=listing.last,
                )
            )
    _judge_search(model, observed, found)
    _judge_totals(observed, found)
    return found


def _judge_alive(
    token: TokenModel,
    listing: Listing,
    observed: Observed,
    intents: Sequence[DeleteIntent],
    now: float,
    found: dict[str, list[Finding]],
) -> None:
    tid = token.token_id
    if listing.has(tid):
        changes = _changes(token, listing.item(tid) or {})
        if changes:
            text = f"{_who(token, now)} changed: {'; '.join(changes)}"
            found[CHANGED].append(Finding(CHANGED, tid, text, answer=listing.last))
        relay = observed.first.relay.get(tid)
        if relay is not None and relay.status != 200:
            found[CHANGED].append(
                Finding(
                    CHANGED,
                    tid,
                    f"{_who(token, now)} is listed, but its key is refused by the relay "
                    f"(GET /v1/models answered HTTP {relay.status})",
                    answer=relay,
                )
            )
        return
    if not listing.complete:
        return  # absent from an incomplete listing proves nothing
    again = observed.again.get(token.owner_id)
    get = observed.gets.get(tid)
    if again is None or not again.complete or again.has(tid) or get is None:
        return  # not confirmed: not judged
    if get.success is True:
        found[LISTS].append(
            Finding(
                LISTS,
                tid,
                f"{_who(token, now)} is alive (GET answers it) but missing from two complete "
                f"listings of its user's tokens",
                answer=again.last,
            )
        )
    elif get.success is False and get.message == NOT_FOUND:
        found[VANISHED].append(
            Finding(
                VANISHED,
                tid,
                f"{_who(token, now)} vanished: the run never asked to delete it, yet two complete "
                f"listings leave it out and GET /api/token/{tid} answers {NOT_FOUND!r}",
                likely_culprits(token, intents, now),
                get,
                made_for=token.used_by,
            )
        )


def _judge_deleted(
    token: TokenModel, listing: Listing, observed: Observed, now: float, found: dict[str, list[Finding]]
) -> None:
    tid = token.token_id
    deleted = f"{_ago(token.deleted_at, now)}" if token.deleted_at else "earlier"
    by = next((i for i in token.intents if i.outcome == "success"), None)
    how = f" by {_intent_line(by, now)}" if by else ""
    what = f"token {tid} ({token.name}), deleted {deleted}{how},"
    seen: list[str] = []
    if listing.has(tid):
        seen.append("is listed again at the end of the run")
    get = observed.gets.get(tid)
    if get is not None and get.success is True:
        seen.append(f"GET /api/token/{tid} answers it")
    for user, search in observed.first.searches.items():
        if user == token.owner_id and search.has(tid):
            seen.append("search by the run's prefix finds it")
    relay = observed.first.relay.get(tid)
    if relay is not None and relay.status != 401:
        seen.append(f"its key is accepted by the relay (HTTP {relay.status}) past the revocation bound")
    second = observed.second
    if second is not None:
        later = second.lists.get(token.owner_id)
        if later is not None and later.has(tid):
            seen.append(f"is listed again {second.at - observed.first.at:.1f} s later (settle window)")
        relay_later = second.relay.get(tid)
        if relay_later is not None and relay_later.status != 401:
            seen.append(f"its key is accepted after the settle window (HTTP {relay_later.status})")
    if seen:
        about = (
            get if get is not None and get.success is True else listing.last if listing.has(tid) else relay
        )
        found[LASTS].append(Finding(LASTS, tid, f"{what} {'; '.join(seen)}", answer=about))


def _judge_accounts(
    before: Mapping[int, int],
    model: Sequence[TokenModel],
    observed: Observed,
    found: dict[str, list[Finding]],
) -> None:
    """A delete touches its token only: the owner's account quota (GET /api/user/self) at the
    end is what it was before the run's first delete (the run's relay calls bill nothing)."""
    for user, answer in observed.accounts.items():
        data = answer.data if isinstance(answer.data, dict) else {}
        quota = data.get("quota")
        if (
            user not in before
            or answer.success is not True
            or type(quota) is not int
            or quota == before[user]
        ):
            continue
        deleted = [t for t in model if t.owner_id == user and t.deleted]
        made = sorted(
            {str(t.created_with.get("remain_quota")) for t in deleted if "remain_quota" in t.created_with}
        )
        found[CHANGED].append(
            Finding(
                CHANGED,
                0,
                f"user {user}'s account quota was {before[user]} before the run's first delete and is "
                f"{quota} at its end ({quota - before[user]:+d}) after {len(deleted)} deletes of its "
                f"tokens (made with remain_quota {', '.join(made) or 'unknown'}): a delete moved it",
                answer=answer,
            )
        )


def _judge_unlisted(names: Sequence[str], observed: Observed, found: dict[str, list[Finding]]) -> None:
    """A token whose create answered success exists: a complete listing (or the search) must
    show it. Judged only when every user's listing is complete."""
    looked = [*observed.first.lists.values(), *observed.first.searches.values()]
    if (
        not names
        or not observed.first.lists
        or not all(lst.complete for lst in observed.first.lists.values())
    ):
        return
    shown = {str(item.get("name", "")) for lst in looked for item in lst.tokens}
    for name in names:
        if name not in shown:
            found[LISTS].append(
                Finding(
                    LISTS,
                    0,
                    f"the token named {name} was created (POST /api/token/ answered success) but no "
                    "list of the run showed it, nor the complete lists and the search at its end",
                )
            )


def surplus(listing: Listing) -> int:
    """How many tokens a complete paged listing's `total` counts beyond the items it holds
    (negative: fewer): 0 when they agree, or for a bare-array listing (no `total`)."""
    if not listing.complete or not listing.answers:
        return 0
    data = listing.answers[0].data
    total = data.get("total") if isinstance(data, dict) else None
    return total - len(listing.tokens) if type(total) is int else 0


def _judge_totals(observed: Observed, found: dict[str, list[Finding]]) -> None:
    """A complete listing's `total` is the number of live tokens it lists (ref §5): a count
    that still holds deleted tokens (a COUNT without the soft-delete filter) shows there.
    Judged when a second complete listing miscounts by as much (a token made or deleted by
    another process between a page's count and its items is no proof)."""
    for user, listing in observed.first.lists.items():
        extra = surplus(listing)
        again = observed.again.get(user)
        if not extra or again is None or surplus(again) != extra:
            continue
        found[LISTS].append(
            Finding(
                LISTS,
                0,
                f"user {user}'s complete token list holds {len(again.tokens)} tokens but its total says "
                f"{len(again.tokens) + extra} ({extra:+d}), in two listings: the count "
                + (
                    "holds tokens the list does not show (deleted ones?)"
                    if extra > 0
                    else "misses live tokens"
                ),
                answer=again.answers[0],
            )
        )


def _judge_search(model: Sequence[TokenModel], observed: Observed, found: dict[str, list[Finding]]) -> None:
    """Search by the run's prefix: every live token the list shows, the search shows too
    (judged only when the search found one at least: a release whose search takes no
    pattern finds nothing by a prefix, which proves nothing)."""
    for user, search in observed.first.searches.items():
        listing = observed.first.lists.get(user)
        if listing is None or not search.complete or not listing.complete:
            continue
        alive = [t for t in model if t.owner_id == user and expected_alive(t) and listing.has(t.token_id)]
        if not any(search.has(t.token_id) for t in alive):
            continue
        for token in alive:
            if not search.has(token.token_id):
                found[LISTS].append(
                    Finding(
                        LISTS,
                        token.token_id,
                        f"token {token.token_id} ({token.name}) is listed but a search by the "
                        "run's prefix does not find it",
                        answer=search.last,
                    )
                )


# Fields the audit compares with the item the list first showed (every other field of the item
# too; `ledger.VOLATILE_FIELDS` change with use and are left out).
def _changes(token: TokenModel, item: Mapping[str, Any]) -> list[str]:
    now = comparable_item(item)
    changes = []
    for name, value in (token.first_item or {}).items():
        if name in now and now[name] != value:
            # A key (masked or a fingerprint) is never quoted: only that it changed.
            changes.append("its key changed" if name == "key" else f"{name} was {value!r}, now {now[name]!r}")
    for name, value in token.created_with.items():
        if name in now and name not in (token.first_item or {}) and now[name] != value:
            changes.append(f"{name} made as {value!r}, now {now[name]!r}")
    return changes


def observed_text(findings: Sequence[Finding], tokens: int) -> str:
    """The observed part of a clause's bug report."""
    return f"{len(findings)} finding(s) over the run's {tokens} tokens: {report(findings)}"


def violation(clause: str, findings: Sequence[Finding], tokens: int) -> ClauseViolation:
    """The bug report of an audit clause whose `findings` are not empty: expected, observed,
    the answer it is about, and the evidence the report's root-cause grouping reads (each
    vanished token, with the test it was handed to: `report.rootcause`)."""
    return ClauseViolation(
        EXPECTED[clause],
        observed_text(findings, tokens),
        clause,
        answer=findings[0].answer,
        vanished=[{"token": f.token_id, "made_for": f.made_for} for f in findings if f.clause == VANISHED],
    )


def report(findings: Sequence[Finding], limit: int = 5) -> str:
    """The observed part of a bug report: each finding, its likely culprits."""
    lines = []
    for finding in findings[:limit]:
        line = finding.text
        if finding.culprits:
            line += "; deletes sent since, likely culprit first: " + " | ".join(finding.culprits)
        elif finding.clause == VANISHED:
            line += "; this process sent no delete since (another process of the run may have)"
        lines.append(line)
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more")
    return "\n".join(lines)


def run(ctx: Any, recorder: Any) -> tuple[dict[str, list[Finding]], int, Observation]:
    """The audit of one process of the run (`ctx`: its `run.context.RunContext`): the
    model as it stands, observed (the exchanges in an `Observation` the clauses share), then
    judged. Returns the findings per clause, the number of tokens audited, the observation."""
    if ctx.audit_result is not None:
        return ctx.audit_result  # one audit a process: its tests and its session's end share it
    model = ctx.ledger.model()
    observation = Observation(recorder, "the audit")
    if not model:
        return {cid: [] for cid in CLAUSES}, 0, observation
    apis = {actor.user_id: actor.api for actor in (ctx.owner, ctx.peer) if actor is not None}
    features = ctx.target.features if ctx.target is not None else None
    search = features is None or features.routes.get("token search") is not False
    before = _quota_before(ctx.ledger, apis, ctx.ledger.intents())
    with observation.recording():
        observed = observe(
            model,
            apis,
            prefix=ctx.run_prefix,
            bound_s=ctx.settings.revocation_bound_s,
            settle_s=ctx.settings.settle_s,
            search=search,
            accounts=[u for u in before if u == _busiest(model, sorted(apis))],
        )
    ctx.audited = True
    _settle_ledger(ctx.ledger, model, observed)
    intents = ctx.ledger.intents()
    findings = judge(
        model,
        observed,
        intents,
        prefix=ctx.run_prefix,
        asked_for=ctx.ledger.asked_for,
        created_unrecorded=ctx.ledger.created_unrecorded(),
        quota_before=before,
    )
    ctx.audit_result = (findings, len(model), observation)
    return ctx.audit_result


def _settle_ledger(ledger: Any, model: Sequence[TokenModel], observed: Observed) -> None:
    """Tokens the run's last complete listings leave out are gone: marked deleted, the cleanup
    that follows counts on the batch's answer instead of listing again (one request fewer).
    Safe: the cleanup still names every id of the run, deleted or not."""
    for token in model:
        if token.deleted:
            continue
        listings = [observed.first.lists.get(token.owner_id), observed.again.get(token.owner_id)]
        seen = [lst for lst in listings if lst is not None]
        if seen and all(lst.complete and not lst.has(token.token_id) for lst in seen):
            ledger.mark_deleted(token.token_id)


def vanished(
    model: Sequence[TokenModel],
    listing: Listing,
    owner_id: int,
    get: Callable[[int], Answer],
    *,
    besides: Iterable[int] = (),
    max_gets: int = 3,
) -> list[int]:
    """The generated layer's and the state machine's check against the model, right after a
    delete: tokens of `owner_id` the run never asked to delete (`besides`: the target, and any
    other the caller allows) that a complete `listing` leaves out and GET confirms gone
    (`record not found`; a page that shifted under another process's delete is no proof)."""
    if not listing.complete:
        return []
    allowed = set(besides)
    missing = [
        t.token_id
        for t in model
        if t.owner_id == owner_id
        and t.token_id not in allowed
        and expected_alive(t)
        and not listing.has(t.token_id)
    ]
    gone = []
    for token_id in missing[:max_gets]:
        answer = get(token_id)
        if answer.success is False and answer.message == NOT_FOUND:
            gone.append(token_id)
    return gone


def _quota_before(ledger: Any, users: Iterable[int], intents: Sequence[DeleteIntent]) -> dict[int, int]:
    """Each user's account quota as first seen, when that was before the run's first delete
    (the bootstrap's login or credential check shows it; an xdist worker sees none: not judged)."""
    first_delete = min((i.at for i in intents), default=float("inf"))
    before = {}
    for user in users:
        first, _ = ledger.quota_seen(user)
        if first is not None and first[1] < first_delete:
            before[user] = first[0]
    return before
