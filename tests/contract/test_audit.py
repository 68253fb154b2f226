"""The audit (contract.audit): judging the world against the run's model, with fakes only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.ledger import DeleteIntent, Ledger, Sighting
from newapi_contract.client.listing import Listing
from newapi_contract.client.recording import Recorder
from newapi_contract.contract import audit
from newapi_contract.errors import FeatureAbsent

OWNER, PEER = 2, 3
PREFIX = "nac-0000abcd-"


def answer(body: Any, status: int = 200) -> Answer:
    text = json.dumps(body)
    return Answer(status, httpx.Headers({"content-type": "application/json"}), text, body)


def item(token_id: int, **fields: Any) -> dict[str, Any]:
    base = {
        "id": token_id,
        "name": f"{PREFIX}{token_id:03d}",
        "status": 1,
        "key": "abcd**********wxyz",
        "unlimited_quota": True,
        "expired_time": -1,
        "remain_quota": 0,
        "accessed_time": 0,
    }
    return {**base, **fields}


def listing(tokens: Iterable[dict[str, Any]], complete: bool = True) -> Listing:
    found = tuple(tokens)
    return Listing(found, (answer({"success": True, "data": {"items": list(found)}}),), complete)


NOT_FOUND = answer({"success": False, "message": "record not found"})
ALIVE = answer({"success": True, "message": "", "data": {"id": 0}})


def ledger_with(*ids: int, owner: int = OWNER) -> Ledger:
    ledger = Ledger(PREFIX)
    for token_id in ids:
        ledger.note_asked(f"{PREFIX}{token_id:03d}")
        ledger.record(
            token_id,
            f"{PREFIX}{token_id:03d}",
            owner,
            created_with={"name": f"{PREFIX}{token_id:03d}", "unlimited_quota": True, "expired_time": -1},
            item=item(token_id),
        )
        ledger.note_seen([token_id], Sighting(100.0, "test_made", "list"))
    return ledger


def delete(
    ledger: Ledger, token_id: int, at: float, outcome: str = "success", by: int | None = OWNER
) -> None:
    ledger.note_intent(
        DeleteIntent((token_id,), f"DELETE /api/token/{token_id}", f"test_{token_id}", at, outcome, by=by)
    )
    if outcome == "success" and by == OWNER:
        ledger.mark_deleted(token_id)


def judged(ledger: Ledger, observed: audit.Observed) -> dict[str, list[audit.Finding]]:
    return audit.judge(ledger.model(), observed, ledger.intents(), prefix=PREFIX, asked_for=ledger.asked_for)


def look(*tokens: dict[str, Any], complete: bool = True, at: float = 200.0) -> audit.Look:
    return audit.Look(at, lists={OWNER: listing(tokens, complete)})


def only(found: dict[str, list[audit.Finding]]) -> dict[str, list[int]]:
    return {cid: [f.token_id for f in fs] for cid, fs in found.items() if fs}


def test_a_world_that_matches_the_model_holds_every_clause():
    ledger = ledger_with(10, 11, 12)
    delete(ledger, 11, 150.0)
    assert only(judged(ledger, audit.Observed(look(item(10), item(12))))) == {}


def test_a_vanished_token_is_judged_once_a_second_listing_and_get_confirm_it_with_the_likely_culprit_first():
    ledger = ledger_with(10, 11, 12, 20)
    delete(ledger, 20, 120.0)  # far away, earlier
    delete(ledger, 11, 150.0)  # its neighbour: the likely culprit
    observed = audit.Observed(look(item(12)), again={OWNER: listing([item(12)])}, gets={10: NOT_FOUND})
    found = judged(ledger, observed)
    assert only(found) == {"DEL-ALL-1": [10]}
    (finding,) = found["DEL-ALL-1"]
    assert finding.culprits[0].startswith("DELETE /api/token/11 as user 2 -> success (test_11")
    assert finding.culprits[1].startswith("DELETE /api/token/20")
    assert "last seen alive 100.0 s before the audit (list, in test_made)" in finding.text
    assert "token 10" in audit.report(found["DEL-ALL-1"]) and "likely culprit first" in audit.report(
        found["DEL-ALL-1"]
    )


def test_a_missing_token_is_not_judged_vanished_without_confirmation():
    ledger = ledger_with(10, 12)
    unconfirmed = [
        audit.Observed(look(item(12))),  # no second look at all
        audit.Observed(look(item(12)), again={OWNER: listing([item(10), item(12)])}, gets={10: NOT_FOUND}),
        audit.Observed(
            look(item(12)), again={OWNER: listing([item(12)], complete=False)}, gets={10: NOT_FOUND}
        ),
        audit.Observed(look(item(12), complete=False)),  # absent from an incomplete list: nothing
    ]
    for observed in unconfirmed:
        assert only(judged(ledger, observed)) == {}


def test_a_live_token_the_list_hides_breaks_the_list_clause_not_the_delete_clause():
    ledger = ledger_with(10, 12)
    observed = audit.Observed(look(item(12)), again={OWNER: listing([item(12)])}, gets={10: ALIVE})
    assert only(judged(ledger, observed)) == {"DEL-ALL-5": [10]}


def test_a_token_its_owner_asked_to_delete_is_not_judged_whatever_the_answer():
    ledger = ledger_with(10, 12)
    for outcome in ("lost", "http 500", "success"):
        ledger.note_intent(DeleteIntent((10,), "DELETE /api/token/10", "t", 150.0, outcome, by=OWNER))
    observed = audit.Observed(look(item(12)), again={OWNER: listing([item(12)])}, gets={10: NOT_FOUND})
    assert only(judged(ledger, observed)) == {}


def test_a_delete_by_another_user_or_refused_never_counts_as_asked():
    for intent in (
        DeleteIntent((10,), "DELETE /api/token/10", "peer", 150.0, "success", by=PEER),
        DeleteIntent((10,), "DELETE /api/token/10", "no auth", 150.0, "success", by=0),
        DeleteIntent((10,), "DELETE /api/token/10", "refused", 150.0, "refused", by=OWNER),
        DeleteIntent((10,), "DELETE /api/token/10", "429", 150.0, "throttled", by=OWNER),
    ):
        ledger = ledger_with(10, 12)
        ledger.note_intent(intent)
        observed = audit.Observed(look(item(12)), again={OWNER: listing([item(12)])}, gets={10: NOT_FOUND})
        found = judged(ledger, observed)
        assert only(found) == {"DEL-ALL-1": [10]}, intent
        if intent.outcome != "throttled":
            assert found["DEL-ALL-1"][0].culprits[0].startswith("DELETE /api/token/10")


def test_an_unknown_sender_counts_as_asked_no_false_alarm():
    ledger = ledger_with(10, 12)
    ledger.note_intent(DeleteIntent((10,), "DELETE /api/token/10", "gen", 150.0, "success", by=None))
    observed = audit.Observed(look(item(12)), again={OWNER: listing([item(12)])}, gets={10: NOT_FOUND})
    assert only(judged(ledger, observed)) == {}


def test_a_sibling_changed_or_its_key_refused_breaks_the_unchanged_clause():
    ledger = ledger_with(10, 11, 12)
    ledger.note_key(12, "k" * 48)
    observed = audit.Observed(look(item(10, status=2), item(11, remain_quota=5, accessed_time=99), item(12)))
    observed.first.relay[12] = answer({"error": {"message": "Invalid token"}}, 401)
    found = judged(ledger, observed)
    assert only(found) == {"DEL-ALL-2": [10, 11, 12]}
    texts = " ".join(f.text for f in found["DEL-ALL-2"])
    assert "status was 1, now 2" in texts and "remain_quota was 0, now 5" in texts
    assert "accessed_time" not in texts  # changes with use
    assert "GET /v1/models answered HTTP 401" in texts


def test_a_full_key_in_the_list_is_kept_only_as_a_fingerprint_and_compared_so():
    ledger = Ledger(PREFIX)
    full = "A" * 48
    ledger.record(10, f"{PREFIX}010", OWNER, item=item(10, key=full))
    (token,) = ledger.model()
    assert token.first_item is not None and full not in json.dumps(token.first_item)
    assert only(judged(ledger, audit.Observed(look(item(10, key=full))))) == {}
    found = judged(ledger, audit.Observed(look(item(10, key="B" * 48))))
    assert only(found) == {"DEL-ALL-2": [10]}
    assert "its key changed" in found["DEL-ALL-2"][0].text and "sha256" not in found["DEL-ALL-2"][0].text


def test_a_deleted_token_back_in_the_list_search_get_or_relay_breaks_the_deletion_lasts():
    ledger = ledger_with(10, 11)
    delete(ledger, 10, 150.0)
    ledger.note_key(10, "k" * 48)
    first = look(item(10), item(11))
    first.searches[OWNER] = listing([item(10), item(11)])
    first.relay[10] = answer({"success": True, "data": []})
    observed = audit.Observed(first, again={OWNER: listing([item(10), item(11)])}, gets={10: ALIVE})
    (finding,) = judged(ledger, observed)["DEL-ALL-3"]
    for seen in (
        "listed again",
        "GET /api/token/10 answers it",
        "search by the run's prefix finds it",
        "HTTP 200",
    ):
        assert seen in finding.text
    assert "by DELETE /api/token/10 as user 2 -> success (test_10" in finding.text


def test_the_second_look_after_the_settle_window_catches_a_delete_undone_later():
    ledger = ledger_with(10, 11)
    delete(ledger, 10, 150.0)
    second = audit.Look(205.0, lists={OWNER: listing([item(10), item(11)])})
    found = judged(ledger, audit.Observed(look(item(11)), second=second))
    assert only(found) == {"DEL-ALL-3": [10]} and "5.0 s later (settle window)" in found["DEL-ALL-3"][0].text


def test_a_stranger_under_the_runs_prefix_breaks_the_list_clause_unless_the_run_asked_for_its_name():
    ledger = ledger_with(10)
    ledger.note_asked(f"{PREFIX}099")  # asked for, its create's answer lost: the run's own
    stranger = {"id": 77, "name": f"{PREFIX}zzz"}
    others = [{"id": 78, "name": "someone-elses"}, {"id": 79, "name": f"{PREFIX}099"}]
    found = judged(ledger, audit.Observed(look(item(10), stranger, *others)))
    assert only(found) == {"DEL-ALL-5": [77]}


def test_a_second_token_under_a_name_the_run_made_once_breaks_the_list_clause():
    # A server whose delete re-creates its token under the same name (found by the unseen
    # proxy, tests/proof/unseen_proxy.py "recreate-same-name"): the name was asked for, once,
    # and the run knows the token it made under it; the new one is nobody's.
    ledger = ledger_with(10, 11)
    delete(ledger, 10, 150.0)
    twin = item(12, name=f"{PREFIX}010")
    found = judged(ledger, audit.Observed(look(item(11), twin)))
    assert only(found) == {"DEL-ALL-5": [12]}
    assert "a second token of that name" in found["DEL-ALL-5"][0].text
    assert "made it as token 10" in found["DEL-ALL-5"][0].text
    # A name asked for whose create's answer was lost (no token of the model has it) stays the run's own.
    ledger.note_asked(f"{PREFIX}099")
    found = judged(ledger, audit.Observed(look(item(11), item(13, name=f"{PREFIX}099"))))
    assert only(found) == {}


def paged(tokens: Iterable[dict[str, Any]], total: int) -> Listing:
    found = tuple(tokens)
    body = {"success": True, "data": {"page": 1, "page_size": 100, "total": total, "items": list(found)}}
    return Listing(found, (answer(body),), True)


def test_a_list_total_that_counts_deleted_tokens_breaks_the_list_clause_when_a_second_listing_agrees():
    # Found behind the unseen proxy (tests/proof/unseen_proxy.py "list-total-counts-deleted"):
    # items right, `total` still counting the deleted tokens (a COUNT without deleted_at).
    ledger = ledger_with(10, 11, 12)
    delete(ledger, 11, 150.0)
    first = audit.Look(200.0, lists={OWNER: paged([item(12), item(10)], total=3)})
    assert audit.surplus(first.lists[OWNER]) == 1
    found = judged(ledger, audit.Observed(first, again={OWNER: paged([item(12), item(10)], total=3)}))
    assert only(found) == {"DEL-ALL-5": [0]}
    assert "total says 3 (+1)" in found["DEL-ALL-5"][0].text
    # Not confirmed (a second listing that agrees with itself, or none): not judged.
    assert only(judged(ledger, audit.Observed(first, again={OWNER: paged([item(12), item(10)], 2)}))) == {}
    assert only(judged(ledger, audit.Observed(first))) == {}
    # A bare-array listing has no total; an incomplete one proves nothing.
    assert audit.surplus(listing([item(12)])) == 0
    assert audit.surplus(Listing((item(12),), paged([item(12)], 5).answers, False)) == 0


def test_the_audit_lists_again_a_user_whose_total_miscounts():
    ledger = ledger_with(10, 12)

    class Api:
        calls = 0

        def list_all(self) -> Listing:
            Api.calls += 1
            return paged([item(12), item(10)], total=3)

        def search_all(self, keyword: str) -> Listing:
            return paged([item(12), item(10)], total=2)

        def get_token(self, token_id):
            return ALIVE

        def relay_models(self, key, form="bearer-sk"):
            return answer({}, 200)

        def self_info(self):
            return answer({"success": True, "data": {"quota": 0}})

    observed = audit.observe(ledger.model(), {OWNER: Api()}, prefix=PREFIX, bound_s=0.0)
    assert Api.calls == 2 and OWNER in observed.again
    assert only(audit.judge(ledger.model(), observed, [], prefix=PREFIX)) == {"DEL-ALL-5": [0]}


def test_search_misses_a_live_token_only_when_it_finds_another():
    ledger = ledger_with(10, 11)
    first = look(item(10), item(11))
    first.searches[OWNER] = listing([item(11)])
    assert only(judged(ledger, audit.Observed(first))) == {"DEL-ALL-5": [10]}
    first.searches[OWNER] = listing([])  # a release whose search takes no pattern: no proof
    assert only(judged(ledger, audit.Observed(first))) == {}


def test_tokens_of_users_not_looked_at_are_not_judged():
    ledger = ledger_with(30, owner=PEER)
    assert only(judged(ledger, audit.Observed(look()))) == {}


@dataclass
class FakeApi:
    """A user's token API over a set of live ids; counts what it is asked."""

    live: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    search: bool = True
    hide: set[int] = field(default_factory=set)

    def list_all(self) -> Listing:
        self.calls.append("list")
        return listing([t for i, t in sorted(self.live.items()) if i not in self.hide])

    def search_all(self, keyword: str) -> Listing:
        self.calls.append(f"search {keyword}")
        if not self.search:
            raise FeatureAbsent("token search", "no search")
        return listing([t for t in self.live.values() if t["name"].startswith(keyword.rstrip("%"))])

    def get_token(self, token_id: int | str) -> Answer:
        self.calls.append(f"get {token_id}")
        return ALIVE if token_id in self.live else NOT_FOUND

    def relay_models(self, key: str | None, form: str = "bearer-sk") -> Answer:
        self.calls.append("relay")
        alive = key in self.keys and self.keys[key] in self.live
        return answer({"success": True}) if alive else answer({"error": {}}, 401)


def test_observe_costs_one_list_per_user_and_one_search_when_nothing_is_suspect():
    ledger = ledger_with(10, 11)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))
    ledger.note_key(10, "k10")
    owner, peer = FakeApi({10: item(10), 11: item(11)}, {"k10": 10}), FakeApi({30: item(30)})
    observed = audit.observe(ledger.model(), {OWNER: owner, PEER: peer}, prefix=PREFIX, bound_s=2.0)
    assert owner.calls == ["list", f"search {PREFIX}%", "relay"] and peer.calls == ["list"]
    assert observed.requests() == 3
    assert only(audit.judge(ledger.model(), observed, [], prefix=PREFIX)) == {}


def test_observe_confirms_suspects_and_looks_again_after_the_settle_window():
    ledger = ledger_with(10, 11, 12)
    delete(ledger, 12, 0.0)
    api = FakeApi({11: item(11), 12: item(12)})  # 10 vanished, 12 still there
    slept: list[float] = []
    observed = audit.observe(
        ledger.model(),
        {OWNER: api},
        prefix=PREFIX,
        bound_s=0.0,
        settle_s=3.0,
        sleep=slept.append,
        clock=lambda: 500.0,
    )
    assert api.calls == ["list", f"search {PREFIX}%", "list", "get 10", "get 12", "list"] and slept == [3.0]
    assert only(audit.judge(ledger.model(), observed, ledger.intents(), prefix=PREFIX)) == {
        "DEL-ALL-1": [10],
        "DEL-ALL-3": [12],
    }


def test_observe_without_search_says_why():
    ledger = ledger_with(10)
    observed = audit.observe(
        ledger.model(), {OWNER: FakeApi({10: item(10)}, search=False)}, prefix=PREFIX, bound_s=0
    )
    assert observed.search_absent and not observed.first.searches


def test_a_deleted_key_is_probed_until_refused_within_the_bound():
    ledger = ledger_with(10)
    delete(ledger, 10, 1000.0)
    ledger.note_key(10, "k10")
    api = FakeApi({}, {"k10": 10})
    observed = audit.observe(ledger.model(), {OWNER: api}, prefix=PREFIX, bound_s=2.0, clock=lambda: 1000.5)
    assert observed.first.relay[10].status == 401


def test_vanished_after_a_delete_needs_a_complete_list_and_get():
    ledger = ledger_with(10, 11, 12)
    api = FakeApi({12: item(12)})
    model = ledger.model()
    assert audit.vanished(model, api.list_all(), OWNER, api.get_token, besides=[11]) == [10]
    assert audit.vanished(model, listing([], complete=False), OWNER, api.get_token) == []
    api.live[10] = item(10)
    assert audit.vanished(model, listing([item(12)]), OWNER, api.get_token, besides=[11]) == []


def test_a_token_created_with_success_that_no_list_shows_breaks_the_list_clause():
    ledger = ledger_with(10)
    names = [f"{PREFIX}hidden", f"{PREFIX}shown"]
    observed = audit.Observed(look(item(10), {"id": 11, "name": f"{PREFIX}shown"}))
    found = audit.judge(
        ledger.model(), observed, [], prefix=PREFIX, asked_for=lambda n: True, created_unrecorded=names
    )
    assert [f.text.split(" was created")[0] for f in found["DEL-ALL-5"]] == [
        f"the token named {PREFIX}hidden"
    ]
    incomplete = audit.Observed(look(item(10), complete=False))
    assert not audit.judge(ledger.model(), incomplete, [], prefix=PREFIX, created_unrecorded=names)[
        "DEL-ALL-5"
    ]


def test_the_ledger_names_what_was_created_but_never_recorded():
    ledger = ledger_with(10)
    ledger.note_created(f"{PREFIX}010")
    ledger.note_created(f"{PREFIX}lost")
    assert ledger.created_unrecorded() == [f"{PREFIX}lost"]


def test_the_owners_account_quota_moved_by_a_delete_breaks_the_unchanged_clause():
    ledger = ledger_with(10, 11)
    delete(ledger, 11, 150.0)
    first = look(item(10))
    moved = audit.Observed(
        first, accounts={OWNER: answer({"success": True, "data": {"id": OWNER, "quota": 1000}})}
    )
    (finding,) = audit.judge(ledger.model(), moved, [], prefix=PREFIX, quota_before={OWNER: 0})["DEL-ALL-2"]
    assert "quota was 0 before the run's first delete and is 1000 at its end (+1000)" in finding.text
    kept = audit.Observed(
        first, accounts={OWNER: answer({"success": True, "data": {"id": OWNER, "quota": 0}})}
    )
    assert not audit.judge(ledger.model(), kept, [], prefix=PREFIX, quota_before={OWNER: 0})["DEL-ALL-2"]
    assert not audit.judge(ledger.model(), moved, [], prefix=PREFIX)["DEL-ALL-2"]  # no baseline: not judged


def test_a_quota_baseline_counts_only_when_seen_before_the_first_delete():
    ledger = ledger_with(10)
    ledger.note_quota(OWNER, 5, 100.0)
    ledger.note_quota(PEER, 7, 300.0)
    intents = [DeleteIntent((10,), "DELETE /api/token/10", "t", 200.0, "success", by=OWNER)]
    assert audit._quota_before(ledger, [OWNER, PEER], intents) == {OWNER: 5}


def test_a_deleted_token_seen_everywhere_is_reported_with_every_sighting_in_order():
    ledger = ledger_with(10, 11)
    delete(ledger, 11, 150.0)
    first = audit.Look(
        200.0,
        lists={OWNER: listing([item(10), item(11)])},
        searches={OWNER: listing([item(11)]), PEER: listing([item(11)])},
        relay={11: answer({}, 200)},
    )
    second = audit.Look(262.5, lists={OWNER: listing([item(10), item(11)])}, relay={11: answer({}, 403)})
    (finding,) = judged(ledger, audit.Observed(first, second=second, gets={11: ALIVE}))["DEL-ALL-3"]
    assert finding.token_id == 11 and finding.clause == "DEL-ALL-3"
    assert finding.text == (
        "token 11 (nac-0000abcd-011), deleted 50.0 s before the audit by DELETE /api/token/11 as user 2 "
        "-> success (test_11, 50.0 s before the audit), is listed again at the end of the run; "
        "GET /api/token/11 answers it; search by the run's prefix finds it; its key is accepted by the "
        "relay (HTTP 200) past the revocation bound; is listed again 62.5 s later (settle window); "
        "its key is accepted after the settle window (HTTP 403)"
    )
    assert finding.answer is ALIVE


def _deleted_token(ledger: Ledger, token_id: int) -> Any:
    return next(t for t in ledger.model() if t.token_id == token_id)


def test_a_deleted_token_without_a_known_delete_says_earlier_and_names_the_list_answer():
    ledger = ledger_with(11)
    delete(ledger, 11, 150.0)
    token = replace(_deleted_token(ledger, 11), deleted_at=None, intents=())
    shown = listing([item(11)])
    found: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    observed = audit.Observed(audit.Look(200.0), gets={11: NOT_FOUND})
    audit._judge_deleted(token, shown, observed, 200.0, found)
    (finding,) = found["DEL-ALL-3"]
    assert (
        finding.text == "token 11 (nac-0000abcd-011), deleted earlier, is listed again at the end of the run"
    )
    assert finding.answer is shown.last


def test_a_deleted_token_only_its_key_betrays_names_the_relay_answer():
    ledger = ledger_with(11)
    delete(ledger, 11, 150.0)
    delete(ledger, 11, 160.0, outcome="refused")
    token = _deleted_token(ledger, 11)
    relay = answer({}, 200)
    found: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    observed = audit.Observed(audit.Look(200.0, searches={PEER: listing([item(11)])}, relay={11: relay}))
    audit._judge_deleted(token, listing([]), observed, 200.0, found)
    (finding,) = found["DEL-ALL-3"]
    assert finding.text.endswith(
        "(test_11, 50.0 s before the audit), "
        "its key is accepted by the relay (HTTP 200) past the revocation bound"
    )
    assert finding.answer is relay


def test_a_deleted_token_refused_and_unlisted_everywhere_is_no_finding():
    ledger = ledger_with(11)
    delete(ledger, 11, 150.0)
    token = _deleted_token(ledger, 11)
    found: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    first = audit.Look(200.0, searches={OWNER: listing([item(12)])}, relay={11: answer({}, 401)})
    second = audit.Look(230.0, lists={OWNER: listing([item(12)])}, relay={11: answer({}, 401)})
    observed = audit.Observed(first, second=second, gets={11: NOT_FOUND})
    audit._judge_deleted(token, listing([item(12)]), observed, 200.0, found)
    assert found["DEL-ALL-3"] == []


def test_an_account_quota_finding_is_exact_and_needs_a_plain_int_quota_and_success():
    ledger = ledger_with(10, 11, 12)
    delete(ledger, 11, 150.0)
    delete(ledger, 12, 150.0)
    model = ledger.model()
    model = [t if t.token_id != 11 else replace(t, created_with={"remain_quota": 500}) for t in model]

    def account(quota: Any, success: bool = True) -> Answer:
        return answer({"success": success, "data": {"id": OWNER, "quota": quota}})

    moved = account(700)
    found: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    audit._judge_accounts(
        {OWNER: 1000}, model, audit.Observed(audit.Look(200.0), accounts={OWNER: moved}), found
    )
    (finding,) = found["DEL-ALL-2"]
    assert (finding.clause, finding.token_id) == ("DEL-ALL-2", 0)
    assert finding.text == (
        "user 2's account quota was 1000 before the run's first delete and is 700 at its end (-300) after "
        "2 deletes of its tokens (made with remain_quota 500): a delete moved it"
    )
    assert finding.answer is moved
    for odd in (account(700, success=False), account(True), account(700.0), account(None), account(1000)):
        quiet: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
        audit._judge_accounts(
            {OWNER: 1000}, model, audit.Observed(audit.Look(200.0), accounts={OWNER: odd}), quiet
        )
        assert quiet["DEL-ALL-2"] == []
    other: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    audit._judge_accounts(
        {PEER: 1000}, model, audit.Observed(audit.Look(200.0), accounts={OWNER: moved}), other
    )
    assert other["DEL-ALL-2"] == []
    unknown: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    plain = ledger_with(10).model()
    audit._judge_accounts(
        {OWNER: 5}, plain, audit.Observed(audit.Look(200.0), accounts={OWNER: moved}), unknown
    )
    assert unknown["DEL-ALL-2"][0].text == (
        "user 2's account quota was 5 before the run's first delete and is 700 at its end (+695) after "
        "0 deletes of its tokens (made with remain_quota unknown): a delete moved it"
    )


def _intent(ids: tuple[int, ...], at: float, outcome: str = "success", **kw: Any) -> DeleteIntent:
    request = f"DELETE /api/token/{ids[0]}" if len(ids) == 1 else f"POST /api/token/batch {list(ids)}"
    return DeleteIntent(ids, request, f"t{int(at)}", at, outcome, **kw)


def test_likely_culprits_rank_the_target_then_success_then_nearness_then_the_latest():
    token = _deleted_token(ledger_with(10), 10)  # last seen alive at 100.0
    intents = [
        _intent((10,), 99.0, by=OWNER),  # before the last sighting: not a culprit
        _intent((10,), 150.0, "refused", by=OWNER),
        _intent((11,), 140.0, by=PEER),
        _intent((13,), 160.0, by=None),
        _intent((12,), 170.0, by=0),
        _intent((9,), 180.0, by=OWNER),
        _intent((10,), 190.0, "throttled", by=OWNER),  # no effect
        _intent((10,), 100.0, by=OWNER),  # at the sighting itself: a culprit
    ]
    assert audit.likely_culprits(token, intents, 200.0) == (
        "DELETE /api/token/10 as user 2 -> success (t100, 100.0 s before the audit)",
        "DELETE /api/token/10 as user 2 -> refused (t150, 50.0 s before the audit)",
        "DELETE /api/token/9 as user 2 -> success (t180, 20.0 s before the audit)",
        "DELETE /api/token/11 as user 3 -> success (t140, 60.0 s before the audit)",
    )
    rest = [i for i in intents if i.token_ids in ((12,), (13,))]
    assert audit.likely_culprits(token, rest, 200.0) == (
        "DELETE /api/token/12 with no credential -> success (t170, 30.0 s before the audit)",
        "DELETE /api/token/13 -> success (t160, 40.0 s before the audit)",
    )


def test_a_delete_meant_for_the_token_that_found_it_gone_already_is_no_culprit():
    token = _deleted_token(ledger_with(10), 10)  # last seen alive at 100.0
    intents = [
        _intent((10,), 150.0, "refused", by=OWNER, not_found=True),  # it was gone already
        _intent((11,), 140.0, by=OWNER, not_found=True),  # found nothing, but not its own: kept
        _intent((9,), 120.0, by=OWNER),
    ]
    assert audit.likely_culprits(token, intents, 200.0) == (
        "DELETE /api/token/11 as user 2 -> success (t140, 60.0 s before the audit)",
        "DELETE /api/token/9 as user 2 -> success (t120, 80.0 s before the audit)",
    )


def test_the_violation_of_an_audit_clause_carries_its_vanished_tokens_and_their_tests():
    ledger = ledger_with(10, 11, 12)
    ledger.note_used_by([10], "contracts/test_auth.py::test_a")
    delete(ledger, 11, 150.0)
    observed = audit.Observed(look(item(12)), again={OWNER: listing([item(12)])}, gets={10: NOT_FOUND})
    found = judged(ledger, observed)
    (finding,) = found["DEL-ALL-1"]
    assert finding.made_for == "contracts/test_auth.py::test_a"
    violation = audit.violation("DEL-ALL-1", found["DEL-ALL-1"], 3)
    assert (violation.clause, violation.expected) == ("DEL-ALL-1", audit.EXPECTED["DEL-ALL-1"])
    assert violation.observed == audit.observed_text(found["DEL-ALL-1"], 3)
    assert violation.answer is NOT_FOUND
    assert violation.vanished == [{"token": 10, "made_for": "contracts/test_auth.py::test_a"}]
    # Every vanished token, past the limit of the text; other clauses' findings name none.
    many = [audit.Finding("DEL-ALL-1", i, f"t{i}", made_for=f"m{i}") for i in range(8)]
    assert [v["token"] for v in audit.violation("DEL-ALL-1", many, 8).vanished] == list(range(8))
    assert audit.violation("DEL-ALL-3", [audit.Finding("DEL-ALL-3", 1, "back")], 1).vanished == []


def test_likely_culprits_of_a_token_never_seen_count_every_request_and_batches_by_their_nearest_id():
    token = replace(_deleted_token(ledger_with(10), 10), last_seen=None)
    intents = [
        _intent((), 10.0, deleted=0),
        _intent((40, 12), 5.0, "lost", deleted=None),
        _intent((30, 20), 6.0, "lost", deleted=2),
        _intent((3,), 1.0),
        _intent((50,), 2.0, "http 500"),
    ]
    assert audit.likely_culprits(token, intents, 12.5) == (
        "DELETE /api/token/3 -> success (t1, 11.5 s before the audit)",
        "POST /api/token/batch [] -> success, data 0 (t10, 2.5 s before the audit)",  # names no id: far
        "POST /api/token/batch [40, 12] -> lost (t5, 7.5 s before the audit)",
        "POST /api/token/batch [30, 20] -> lost, data 2 (t6, 6.5 s before the audit)",
    )  # four at most: the farthest refusal (token 50) is left out
    assert audit.likely_culprits(token, intents[3:], 12.5)[1] == (
        "DELETE /api/token/50 -> http 500 (t2, 10.5 s before the audit)"
    )


@dataclass
class AccountApi(FakeApi):
    quota: int = 0

    def self_info(self) -> Answer:
        self.calls.append("self")
        return answer({"success": True, "data": {"id": OWNER, "quota": self.quota}})


def _ctx(
    ledger: Ledger, owner: FakeApi, peer: FakeApi | None, *, search: bool | None = None, settle: float = 0.0
):
    routes = {"token search": search}
    return SimpleNamespace(
        audit_result=None,
        audited=False,
        ledger=ledger,
        owner=SimpleNamespace(user_id=OWNER, api=owner),
        peer=SimpleNamespace(user_id=PEER, api=peer) if peer is not None else None,
        target=SimpleNamespace(features=SimpleNamespace(routes=routes)),
        run_prefix=PREFIX,
        settings=SimpleNamespace(revocation_bound_s=0.0, settle_s=settle),
    )


def test_run_without_tokens_observes_nothing():
    ctx = _ctx(Ledger(PREFIX), AccountApi(), None)
    findings, count, observation = audit.run(ctx, Recorder())
    assert findings == {"DEL-ALL-1": [], "DEL-ALL-2": [], "DEL-ALL-3": [], "DEL-ALL-5": []}
    assert count == 0 and observation.exchanges == []
    assert ctx.audited is False and ctx.audit_result is None and ctx.owner.api.calls == []


def test_run_observes_judges_settles_the_ledger_and_runs_once():
    ledger = ledger_with(10, 11, 12)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))
    ledger.note_quota(OWNER, 5, 0.0)  # before any delete: the baseline
    ledger.note_quota(PEER, 7, 0.0)
    delete(ledger, 11, 150.0)
    owner = AccountApi({10: item(10), 99: item(99, name=f"{PREFIX}stray")}, quota=9)  # 12 gone, 11 gone
    peer = AccountApi({30: item(30)})
    ctx = _ctx(ledger, owner, peer)
    result = audit.run(ctx, Recorder())
    findings, count, _ = result
    assert count == 4 and ctx.audited is True and ctx.audit_result is result
    assert owner.calls == ["list", f"search {PREFIX}%", "self", "list", "get 12"]
    assert peer.calls == ["list"]  # its quota is not the busiest user's: not asked
    assert only(findings) == {"DEL-ALL-1": [12], "DEL-ALL-2": [0], "DEL-ALL-5": [99]}
    assert "quota was 5 before the run's first delete and is 9" in findings["DEL-ALL-2"][0].text
    assert [e.token_id for e in ledger.entries() if e.deleted] == [11, 12]  # 12 settled as gone
    assert audit.run(ctx, Recorder()) is result and owner.calls[-1] == "get 12"  # once a process


@pytest.mark.parametrize(("search", "asked"), [(None, True), (True, True), (False, False)])
def test_run_searches_unless_the_server_has_no_search(search: bool | None, asked: bool):
    ledger = ledger_with(10)
    owner = AccountApi({10: item(10)})
    audit.run(_ctx(ledger, owner, None, search=search), Recorder())
    assert owner.calls == (["list", f"search {PREFIX}%"] if asked else ["list"])


def test_run_without_a_target_searches_and_looks_again_after_the_settle_window():
    ledger = ledger_with(10)
    owner = AccountApi({10: item(10)})
    ctx = _ctx(ledger, owner, None, settle=0.01)  # a real 10 ms pause
    ctx.target = None
    findings, count, _ = audit.run(ctx, Recorder())
    assert owner.calls == ["list", f"search {PREFIX}%", "list"] and count == 1
    assert only(findings) == {}


def test_report_shows_culprits_or_says_none_and_cuts_at_the_limit():
    with_culprits = audit.Finding("DEL-ALL-1", 1, "token 1 vanished", ("DELETE a", "DELETE b"))
    without = audit.Finding("DEL-ALL-1", 2, "token 2 vanished")
    other = audit.Finding("DEL-ALL-3", 3, "token 3 is back")
    assert audit.report([with_culprits, without, other]) == (
        "token 1 vanished; deletes sent since, likely culprit first: DELETE a | DELETE b\n"
        "token 2 vanished; this process sent no delete since (another process of the run may have)\n"
        "token 3 is back"
    )
    many = [audit.Finding("DEL-ALL-3", i, f"t{i}") for i in range(8)]
    assert audit.report(many) == "t0\nt1\nt2\nt3\nt4\n... and 3 more"
    assert audit.report(many[:5]) == "t0\nt1\nt2\nt3\nt4"
    assert audit.report(many, limit=2) == "t0\nt1\n... and 6 more"
    assert audit.observed_text(many[:2], 7) == "2 finding(s) over the run's 7 tokens: t0\nt1"


def test_unlisted_names_are_judged_only_over_complete_lists_and_the_search_counts():
    names = [f"{PREFIX}lost", f"{PREFIX}010", f"{PREFIX}found"]
    first = audit.Look(
        200.0,
        lists={OWNER: listing([item(10)]), PEER: listing([])},
        searches={OWNER: listing([item(5, name=names[2])])},
    )
    found: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    audit._judge_unlisted(names, audit.Observed(first), found)
    assert [(f.clause, f.token_id, f.text) for f in found["DEL-ALL-5"]] == [
        (
            "DEL-ALL-5",
            0,
            f"the token named {PREFIX}lost was created (POST /api/token/ answered success) "
            "but no list of the run showed it, nor the complete lists and the search at its end",
        )
    ]
    for look_ in (
        audit.Look(200.0, lists={OWNER: listing([]), PEER: listing([], complete=False)}),
        audit.Look(200.0, searches={OWNER: listing([])}),
    ):
        quiet: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
        audit._judge_unlisted(names, audit.Observed(look_), quiet)
        assert quiet["DEL-ALL-5"] == []


def test_search_is_judged_per_complete_pair_once_it_finds_one_live_token():
    ledger = ledger_with(10, 11, 12)
    delete(ledger, 12, 150.0)
    model = ledger.model()
    search = listing([item(10), item(12)])
    first = audit.Look(200.0, lists={OWNER: listing([item(10), item(11)])}, searches={OWNER: search})
    found: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
    audit._judge_search(model, audit.Observed(first), found)
    (finding,) = found["DEL-ALL-5"]
    assert (finding.token_id, finding.answer) == (11, search.last)
    assert (
        finding.text == f"token 11 ({PREFIX}011) is listed but a search by the run's prefix does not find it"
    )
    for lists, searched in (
        ({OWNER: listing([item(10), item(11)], complete=False)}, listing([item(10)])),
        ({OWNER: listing([item(10), item(11)])}, listing([item(10)], complete=False)),
        ({OWNER: listing([item(10), item(11)])}, listing([item(12)])),  # finds no live one
        ({PEER: listing([item(10), item(11)])}, listing([item(10)])),  # the search's user not listed
    ):
        quiet: dict[str, list[audit.Finding]] = {cid: [] for cid in audit.CLAUSES}
        audit._judge_search(
            model, audit.Observed(audit.Look(200.0, lists=lists, searches={OWNER: searched})), quiet
        )
        assert quiet["DEL-ALL-5"] == []


def test_observe_searches_as_the_busiest_user_and_asks_accounts_only_of_known_users():
    ledger = ledger_with(10)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))
    ledger.record(31, f"{PREFIX}031", PEER, item=item(31))
    owner, peer, stranger = AccountApi({10: item(10)}), AccountApi({30: item(30), 31: item(31)}), AccountApi()
    observed = audit.observe(
        ledger.model(),
        {OWNER: owner, PEER: peer, 9: stranger},
        prefix=PREFIX,
        bound_s=0.0,
        accounts=[OWNER, 77],
        clock=lambda: 42.0,
    )
    assert (
        owner.calls == ["list", "self"]
        and peer.calls == ["list", f"search {PREFIX}%"]
        and stranger.calls == []
    )
    assert observed.first.at == 42.0 and observed.second is None
    assert sorted(observed.first.lists) == [OWNER, PEER] and list(observed.first.searches) == [PEER]
    assert list(observed.accounts) == [OWNER] and observed.search_absent is None
    assert observed.requests() == 4


def test_observe_without_search_asked_sends_none_and_a_missing_search_is_named():
    ledger = ledger_with(10)
    api = FakeApi({10: item(10)})
    observed = audit.observe(ledger.model(), {OWNER: api}, prefix=PREFIX, bound_s=0.0, search=False)
    assert api.calls == ["list"] and observed.search_absent is None and observed.first.searches == {}
    absent = audit.observe(
        ledger.model(), {OWNER: FakeApi({10: item(10)}, search=False)}, prefix=PREFIX, bound_s=0
    )
    assert absent.search_absent == "no search"
    assert audit.observe([], {OWNER: api}, prefix=PREFIX, bound_s=0.0).first.lists == {}


def test_probe_keys_sends_each_held_key_once_when_no_bound_is_left():
    ledger = ledger_with(10, 11, 12, 13)
    for token_id in (10, 11, 12):
        ledger.note_key(token_id, f"k{token_id}")
    delete(ledger, 11, 150.0)
    delete(ledger, 12, 150.0)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))
    ledger.note_key(30, "k30")
    model = [replace(t, deleted_at=None) if t.token_id == 11 else t for t in ledger.model()]
    api = FakeApi({10: item(10), 12: item(12)}, {"k10": 10, "k11": 11, "k12": 12})
    look_ = audit.Look(0.0)
    slept: list[float] = []
    audit._probe_keys(model, {OWNER: api}, look_, 5.0, lambda: 10_000.0, slept.append)
    assert sorted(look_.relay) == [10, 11, 12]  # 13 holds no key, 30's user is not looked at
    assert look_.relay[10].status == 200 and look_.relay[11].status == 401 and look_.relay[12].status == 200
    assert api.calls == ["relay", "relay", "relay"] and slept == []


def test_settle_ledger_marks_gone_only_what_every_complete_listing_leaves_out():
    ledger = ledger_with(10, 11, 12, 13)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))
    delete(ledger, 13, 150.0)
    model = ledger.model()
    observed = audit.Observed(
        audit.Look(200.0, lists={OWNER: listing([item(10)])}),
        again={OWNER: listing([item(11)])},
    )
    audit._settle_ledger(ledger, model, observed)
    assert sorted(e.token_id for e in ledger.entries() if e.deleted) == [12, 13]  # 11 is in the second
    partial = ledger_with(10, 11)
    audit._settle_ledger(
        partial,
        partial.model(),
        audit.Observed(
            audit.Look(200.0, lists={OWNER: listing([item(10)])}), again={OWNER: listing([], complete=False)}
        ),
    )
    audit._settle_ledger(partial, partial.model(), audit.Observed(audit.Look(200.0)))
    assert not any(e.deleted for e in partial.entries())
    alone = ledger_with(10, 11)
    audit._settle_ledger(
        alone, alone.model(), audit.Observed(audit.Look(200.0, lists={OWNER: listing([item(10)])}))
    )
    assert [e.token_id for e in alone.entries() if e.deleted] == [11]


WHO = (
    f"token 10 ({PREFIX}010, made for test_use; "
    "last seen alive 100.0 s before the audit (list, in test_made))"
)


def _alive(**changes: Any) -> Any:
    return replace(ledger_with(10).model()[0], **changes)


def _found() -> dict[str, list[audit.Finding]]:
    return {cid: [] for cid in audit.CLAUSES}


def test_a_live_token_changed_and_refused_is_reported_exactly():
    token = _alive(used_by="test_use")
    shown = listing([item(10, status=2, remain_quota=7, key="abcd**********zzzz")])
    relay = answer({}, 401)
    found = _found()
    audit._judge_alive(token, shown, audit.Observed(audit.Look(200.0, relay={10: relay})), [], 200.0, found)
    changed, refused = found["DEL-ALL-2"]
    assert changed.text == f"{WHO} changed: status was 1, now 2; its key changed; remain_quota was 0, now 7"
    assert changed.answer is shown.last and changed.token_id == 10
    assert refused.text == (
        f"{WHO} is listed, but its key is refused by the relay (GET /v1/models answered HTTP 401)"
    )
    assert refused.answer is relay
    fine = _found()
    ok = audit.Observed(audit.Look(200.0, relay={10: answer({}, 200)}))
    audit._judge_alive(token, listing([item(10, accessed_time=5)]), ok, [], 200.0, fine)
    assert only(fine) == {}


def test_fields_are_compared_with_what_the_token_was_made_with_when_no_item_was_seen():
    token = _alive(first_item=None, last_seen=Sighting(300.0, "test_later", "get"))
    found = _found()
    shown = listing([item(10, unlimited_quota=False, expired_time=-1)])
    audit._judge_alive(token, shown, audit.Observed(audit.Look(200.0)), [], 200.0, found)
    (finding,) = found["DEL-ALL-2"]
    assert finding.text == (
        f"token 10 ({PREFIX}010; last seen alive 0.0 s before the audit (get, in test_later)) changed: "
        "unlimited_quota made as True, now False"
    )


def test_a_live_token_missing_twice_is_judged_by_its_get():
    token = _alive(last_seen=None)
    who = f"token 10 ({PREFIX}010; last seen alive never)"
    again = listing([])
    found = _found()
    audit._judge_alive(
        token,
        listing([]),
        audit.Observed(audit.Look(200.0), again={OWNER: again}, gets={10: ALIVE}),
        [],
        200.0,
        found,
    )
    (hidden,) = found["DEL-ALL-5"]
    assert (
        hidden.text
        == f"{who} is alive (GET answers it) but missing from two complete listings of its user's tokens"
    )
    assert hidden.answer is again.last
    found = _found()
    intents = [_intent((11,), 150.0, by=OWNER)]
    gone = audit.Observed(audit.Look(200.0), again={OWNER: again}, gets={10: NOT_FOUND})
    audit._judge_alive(token, listing([]), gone, intents, 200.0, found)
    (vanished,) = found["DEL-ALL-1"]
    assert vanished.text == (
        f"{who} vanished: the run never asked to delete it, yet two complete listings leave it out and "
        "GET /api/token/10 answers 'record not found'"
    )
    assert vanished.culprits == ("DELETE /api/token/11 as user 2 -> success (t150, 50.0 s before the audit)",)
    assert vanished.answer is NOT_FOUND
    for observed, first in (
        (gone, listing([], complete=False)),
        (
            audit.Observed(
                audit.Look(200.0), again={OWNER: listing([], complete=False)}, gets={10: NOT_FOUND}
            ),
            listing([]),
        ),
        (
            audit.Observed(audit.Look(200.0), again={OWNER: listing([item(10)])}, gets={10: NOT_FOUND}),
            listing([]),
        ),
        (audit.Observed(audit.Look(200.0), again={OWNER: again}), listing([])),
        (audit.Observed(audit.Look(200.0), gets={10: NOT_FOUND}), listing([])),
        (
            audit.Observed(audit.Look(200.0), again={OWNER: again}, gets={10: answer({"success": False})}),
            listing([]),
        ),
        (audit.Observed(audit.Look(200.0), again={OWNER: again}, gets={10: answer({}, 500)}), listing([])),
    ):
        quiet = _found()
        audit._judge_alive(token, first, observed, intents, 200.0, quiet)
        assert only(quiet) == {}


def test_judge_names_strays_under_the_prefix_unless_the_run_made_or_asked_for_them():
    ledger = ledger_with(10)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))
    first = audit.Look(
        200.0,
        lists={
            OWNER: listing(
                [
                    item(10),
                    item(40),
                    item(41, name="other-041"),
                    item(42, name=f"{PREFIX}asked"),
                    {"id": "x", "name": f"{PREFIX}odd"},
                    {"id": 43},
                ]
            ),
            PEER: listing([item(30)]),
        },
    )
    found = audit.judge(
        ledger.model(), audit.Observed(first), [], prefix=PREFIX, asked_for=lambda n: n.endswith("asked")
    )
    assert set(found) == {"DEL-ALL-1", "DEL-ALL-2", "DEL-ALL-3", "DEL-ALL-5"}
    assert [(f.clause, f.token_id, f.text) for f in found["DEL-ALL-5"]] == [
        (
            "DEL-ALL-5",
            40,
            f"user 2's list shows token 40 ({PREFIX}040) under the run's prefix, "
            "which the run never asked to create",
        ),
        (
            "DEL-ALL-5",
            0,
            f"user 2's list shows token x ({PREFIX}odd) under the run's prefix, "
            "which the run never asked to create",
        ),
    ]
    assert only(found) == {"DEL-ALL-5": [40, 0]}
    everything = audit.judge(ledger.model(), audit.Observed(first), [], prefix=PREFIX)
    assert only(everything) == {"DEL-ALL-5": [40, 42, 0]}  # by default nothing was asked for


def test_judge_passes_unrecorded_names_and_looks_only_at_listed_users():
    ledger = ledger_with(10)
    ledger.record(30, f"{PREFIX}030", PEER, item=item(30))  # PEER's list was not looked at
    delete(ledger, 10, 150.0)
    first = audit.Look(200.0, lists={OWNER: listing([item(10)])})
    found = audit.judge(
        ledger.model(), audit.Observed(first), [], prefix=PREFIX, created_unrecorded=[f"{PREFIX}zz"]
    )
    assert only(found) == {"DEL-ALL-3": [10], "DEL-ALL-5": [0]}
    assert found["DEL-ALL-3"][0].text.startswith(
        f"token 10 ({PREFIX}010), deleted 50.0 s before the audit by "
    )


def test_quota_before_needs_a_quota_seen_strictly_before_the_first_delete():
    ledger = ledger_with(10)
    ledger.note_quota(OWNER, 5, 200.0)
    ledger.note_quota(PEER, 7, 199.0)
    intents = [
        DeleteIntent((10,), "DELETE /api/token/10", "t", 300.0, "success", by=OWNER),
        DeleteIntent((10,), "DELETE /api/token/10", "t", 200.0, "refused", by=OWNER),
    ]
    assert audit._quota_before(ledger, [OWNER, PEER, 9], intents) == {PEER: 7}
    assert audit._quota_before(ledger, [OWNER, PEER], []) == {OWNER: 5, PEER: 7}  # no delete at all


def test_observed_requests_count_every_page_get_and_account():
    two_pages = Listing((), (ALIVE, ALIVE), True)
    observed = audit.Observed(
        audit.Look(1.0, lists={OWNER: two_pages, PEER: listing([])}, searches={OWNER: listing([])}),
        second=audit.Look(2.0, lists={OWNER: two_pages}),
        again={OWNER: two_pages},
        gets={10: ALIVE, 11: NOT_FOUND},
        accounts={OWNER: ALIVE},
    )
    assert observed.requests() == 2 + 1 + 1 + 2 + 2 + 2 + 1


def test_vanished_asks_get_of_at_most_max_gets_and_only_of_owned_unasked_tokens():
    ledger = ledger_with(10, 11, 12, 13, 14)
    ledger.record(30, f"{PREFIX}030", PEER)
    delete(ledger, 14, 150.0)
    asked: list[int] = []

    def get(token_id: int) -> Answer:
        asked.append(token_id)
        return NOT_FOUND if token_id != 12 else answer({"success": False, "message": "other"})

    shown = listing([item(13)])
    assert audit.vanished(ledger.model(), shown, OWNER, get, besides=[10]) == [11]
    assert asked == [11, 12]  # 13 listed, 14 deleted, 10 allowed, 30 not the owner's
    asked.clear()
    assert audit.vanished(ledger.model(), listing([]), OWNER, get) == [10, 11]
    assert asked == [10, 11, 12]  # three GETs at most by default
    asked.clear()
    assert audit.vanished(ledger.model(), listing([]), OWNER, get, max_gets=2) == [10, 11]
    assert asked == [10, 11]
    asked.clear()
    assert audit.vanished(ledger.model(), listing([], complete=False), OWNER, get) == []
    assert asked == []
