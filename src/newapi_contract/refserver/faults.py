"""Named fault modes: each turns the reference server into one realistic broken new-api.

A fault changes only the behaviour its summary names. Most imitate a defect that really
shipped in new-api, one-api or a fork (reference doc §9); the summary says which.
`root-deletes-any` is deliberately absent: upstream's answer there depends on the version,
so it is not a defect a contract may flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ABSENT_IN", "FAULTS", "Fault", "unknown_faults"]


@dataclass(frozen=True)
class Fault:
    """One fault mode: its name, what a real server would get wrong, and whether it is
    about token deletion (the suite's core) or about the surroundings (auth, relay, search)."""

    name: str
    summary: str
    deletion_related: bool


_ALL = (
    Fault("delete-noop", "DELETE answers success but deletes nothing", True),
    Fault(
        "delete-ignores-owner",
        "DELETE has no owner filter: it deletes other users' tokens (cf. one-hub 317e0a63)",
        True,
    ),
    Fault(
        "new-api-user-unchecked",
        "legacy auth accepts a missing, malformed or mismatched New-Api-User header",
        False,
    ),
    Fault(
        "missing-auth-accepted",
        "a request without Authorization is served as the user named by New-Api-User",
        False,
    ),
    Fault(
        "stale-relay-key",
        "the relay caches keys and delete never evicts: a key used before its delete keeps "
        "working (one-api #465, new-api a2873b6d)",
        True,
    ),
    Fault(
        "relay-ignores-deleted",
        "the relay's key lookup ignores deleted_at: every deleted key keeps working",
        True,
    ),
    Fault("list-shows-deleted", "token list and search still show deleted tokens", True),
    Fault("get-shows-deleted", "GET /api/token/{id} still returns a deleted token", True),
    Fault("nonnumeric-id-500", "a non-numeric path id makes the handler panic: HTTP 500", True),
    Fault(
        "second-delete-succeeds",
        "deleting an already deleted token answers success again (lookup is unscoped)",
        True,
    ),
    Fault("wrong-content-type", "DELETE answers its JSON as text/plain", True),
    Fault("missing-content-type", "DELETE answers its JSON with no Content-Type", True),
    Fault("success-missing", "DELETE answers without the `success` field", True),
    Fault("success-as-string", 'DELETE answers `success` as the string "true"/"false"', True),
    Fault(
        "delete-off-by-one",
        "DELETE removes the caller's token id+1 instead of the one asked",
        True,
    ),
    Fault(
        "delete-off-by-minus-one",
        "DELETE removes the caller's token id-1 instead of the one asked",
        True,
    ),
    # Path ids read by another parser than Go's Atoi (refserver/misparse.py); one at a time.
    Fault(
        "id-unicode-digits",
        "DELETE reads the id as Python int() does: Unicode digits count (%D9%A3 is 3, %EF%BC%91 is 1)",
        True,
    ),
    Fault(
        "id-float-truncated",
        "DELETE reads the id as a float and truncates it (1.5 is 1, 1e3 is 1000)",
        True,
    ),
    Fault(
        "id-leading-digits",
        "DELETE reads the id's leading digits, ignoring the rest (strtol, parseInt): 12abc is 12, ' 1' is 1",
        True,
    ),
    Fault(
        "id-base-prefix",
        "DELETE reads the id with Go ParseInt(s, 0, 64): 0x10 is 16, 010 is 8, 0b10 is 2, 1_000 is 1000",
        True,
    ),
    Fault(
        "id-whitespace-trimmed",
        "DELETE trims whitespace around the id before Atoi (' 1' and '1 ' are 1)",
        True,
    ),
    Fault(
        "id-first-digit-run",
        "DELETE reads the first run of digits anywhere in the id, sign dropped (-5 is 5, id7 is 7)",
        True,
    ),
    Fault(
        "id-overflow-wraps",
        "DELETE parses the id in int64 with wrap-around instead of clamping (2^64+5 is 5)",
        True,
    ),
    Fault(
        "concurrent-double-delete",
        "check-then-act race: concurrent deletes of one token all answer success",
        True,
    ),
    Fault("batch-ignores-owner", "batch delete also removes other users' ids", True),
    Fault(
        "batch-count-wrong",
        "batch delete answers the number of ids asked, not the number deleted",
        True,
    ),
    Fault("slow-delete", "every DELETE takes seconds (3 s unless configured)", True),
    Fault(
        "delete-answers-failure",
        "DELETE removes the token but answers success:false (`Deletion failed`)",
        True,
    ),
    Fault(
        "relay-tells-deleted",
        "the relay's 401 for a deleted key differs from a never-issued key's (before new-api 59c582d1)",
        True,
    ),
    # One door of the relay keeps a deleted key alive (reference §4 "Every door", §9: stale keys
    # are the most common defect; a proxy or a fork's adapter caches per door). Each is a cache
    # in front of that door keyed by the credential text as sent, which a delete never evicts.
    Fault(
        "stale-key-authorization",
        "delete evicts only the `Bearer sk-<key>` spelling: `bearer`, raw and `sk-`-less spellings "
        "of Authorization keep a deleted key working",
        True,
    ),
    Fault(
        "stale-key-channel-suffix",
        "a key sent with a channel suffix (`sk-<key>-<n>`) is cached under the whole text: it "
        "outlives its delete",
        True,
    ),
    Fault(
        "stale-key-x-api-key",
        "the Anthropic door (`x-api-key`) caches keys and a delete never evicts them",
        True,
    ),
    Fault(
        "stale-key-gemini",
        "the Gemini doors (`?key=`, `x-goog-api-key`) cache keys and a delete never evicts them",
        True,
    ),
    Fault(
        "stale-key-websocket",
        "the WebSocket door (`Sec-WebSocket-Protocol: openai-insecure-api-key.<key>`) caches keys "
        "and a delete never evicts them",
        True,
    ),
    Fault(
        "stale-key-midjourney",
        "the Midjourney door (`mj-api-secret`) caches keys and a delete never evicts them",
        True,
    ),
    # Found in upstream's history and tracker (reference doc §9):
    Fault(
        "delete-trailing-slash-noop",
        "DELETE /api/token/{id}/ answers success and deletes nothing instead of redirecting "
        "(one-api PR #2206)",
        True,
    ),
    Fault(
        "relay-echoes-key",
        "the relay's 401 quotes the key it was given (new-api before 2024-02)",
        True,
    ),
    Fault(
        "key-reveals-foreign",
        "POST /api/token/{id}/key reveals other users' keys (new-api #4741)",
        False,
    ),
    Fault(
        "search-trims-sk",
        'token search strips any leading/trailing "s", "k", "-" from the key, missing live '
        "tokens (new-api PR #2928)",
        False,
    ),
)

# A delete removes exactly its target, everywhere, for good (issue 18): defects that a check
# of the target alone, right after its own delete, cannot see. They act in every generation
# (the batch ones need the batch route, which late2024 lacks).
_WHOLE_EFFECT = (
    Fault(
        "delete-also-removes-sibling",
        "DELETE also soft-deletes the caller's next live token by id (a wrong WHERE, an off-by-one "
        "range): gone from GET, list, search and the relay",
        True,
    ),
    Fault(
        "delete-modifies-sibling",
        "DELETE disables (status 2) another of the caller's live tokens, the previous one by id (else "
        "the next): changed in GET, list and search, refused on the relay",
        True,
    ),
    Fault(
        "batch-keeps-listed",
        "batch-deleted tokens stay in the list and in search (a forgotten deleted_at filter on the "
        "rows the batch path marks); GET and the relay see them gone",
        True,
    ),
    Fault(
        "batch-keeps-key",
        "batch delete leaves the deleted tokens' keys working on the relay (the batch path skips "
        "the key cache; single deletes are fine); GET, list and search see them gone",
        True,
    ),
    Fault(
        "delete-resurrects",
        "a delete is undone resurrect_after_s (1.5 s) after it (a cache written back, a replica "
        "that rolls back): the token is back in GET, list, search and on the relay",
        True,
    ),
    Fault(
        "list-hides-live",
        "the list and search omit the caller's oldest live token (a wrong filter); GET and the "
        "relay still see it",
        True,
    ),
    Fault(
        "delete-refunds-quota",
        "DELETE credits the token's remaining quota to its owner's account (one-api 7bd4c0e4, where "
        "a token's quota was carved from the user's, and its sign bug 929f87d1); seen in "
        "/api/user/self's quota when the token had remain_quota",
        True,
    ),
    Fault(
        "batch-deletes-one",
        "batch delete removes only the first of the caller's listed ids but answers the count of all "
        "it found (a loop that returns early)",
        True,
    ),
)

FAULTS: dict[str, Fault] = {fault.name: fault for fault in (*_ALL, *_WHOLE_EFFECT)}

# Faults a server profile cannot have: they break a route, door or check that release lacks
# (reference §10: a late-2024 release has no batch delete, no key reveal, no x-api-key or Gemini
# door, and never reads New-Api-User for access tokens).
ABSENT_IN: dict[str, frozenset[str]] = {
    "late2024": frozenset(
        {
            "batch-ignores-owner",
            "batch-count-wrong",
            "batch-keeps-listed",
            "batch-keeps-key",
            "batch-deletes-one",
            "key-reveals-foreign",
            "stale-key-x-api-key",
            "stale-key-gemini",
            "new-api-user-unchecked",
        }
    ),
}


def unknown_faults(names: Iterable[str]) -> list[str]:
    """The names in `names` that are not fault modes, in order."""
    return [name for name in names if name not in FAULTS]
