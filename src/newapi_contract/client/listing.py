"""Every page of a user's token list, whatever the release's way of paging.

Releases page differently (reference §5, §10): from 2025-06 the answer is
`{"page", "page_size", "total", "items"}` with a 1-based `p` and `page_size`; before that it
is a bare array with a 0-based `p` and `size`. A token is only absent from the list when
every page was read: `Listing.complete` says so, and a judgement of absence must ask for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # api.py reads its lists through this module
    from newapi_contract.client.api import Answer

__all__ = ["MAX_PAGES", "Listing", "items", "read_all"]

MAX_PAGES = 50  # 5,000 tokens at 100 a page: past that the listing is reported incomplete
# A bare-array page shorter than both sizes a release may use is the last: 100 (what the suite
# asks for, and upstream's maximum) and 10 (`common.ItemsPerPage`, the size of a release that
# ignores `size`, as one-api does). Saves one request per listing on releases before 2025-06.
_ASKED, _DEFAULT = 100, 10


def items(answer: Answer) -> list[dict[str, Any]]:
    """Token items of a list or search answer (`data.items`; older builds answer a bare list)."""
    data = answer.data
    if isinstance(data, dict):
        data = data.get("items")
    return [item for item in data or [] if isinstance(item, dict)] if isinstance(data, list) else []


@dataclass(frozen=True)
class Listing:
    """The tokens of every page read, newest first, each once; the answers in order."""

    tokens: tuple[dict[str, Any], ...]
    answers: tuple[Answer, ...]
    complete: bool  # every page was read and answered success:true

    def ids(self) -> set[int]:
        return {item["id"] for item in self.tokens if isinstance(item.get("id"), int)}

    def has(self, token_id: int) -> bool:
        return token_id in self.ids()

    def item(self, token_id: int) -> dict[str, Any] | None:
        return next((item for item in self.tokens if item.get("id") == token_id), None)

    @property
    def refused(self) -> Answer | None:
        """The first answer that was not a success (the listing stopped there), if any."""
        return next((a for a in self.answers if not _ok(a)), None)

    @property
    def last(self) -> Answer:
        return self.answers[-1]


def _ok(answer: Answer) -> bool:
    return answer.status == 200 and answer.success is True


def _first_id(found: list[dict[str, Any]]) -> int | None:
    first = found[0].get("id") if found else None
    return first if isinstance(first, int) else None


def read_all(list_page: Callable[[int | None], Answer], max_pages: int = MAX_PAGES) -> Listing:
    """Read pages until the last: `list_page(None)` asks for the first page without `p`,
    `list_page(n)` for `p=n`. A paged answer ends at `total` or a short page; a bare array
    ends at a first page shorter than any page size (see `_ASKED`) or a page that adds no
    token. Whether `p` counts from 0 or 1 is told by `p=1`: a 1-based server answers the first
    page again (its newest id is not older), a 0-based one the second."""
    answers: list[Answer] = []
    seen: dict[int, dict[str, Any]] = {}

    def take(answer: Answer) -> list[dict[str, Any]]:
        answers.append(answer)
        found = items(answer)
        for item in found:
            token_id = item.get("id")
            if isinstance(token_id, int) and token_id not in seen:
                seen[token_id] = item
        return found

    def done(complete: bool) -> Listing:
        return Listing(tuple(seen.values()), tuple(answers), complete)

    first = list_page(None)
    page = take(first)
    if not _ok(first):
        return done(False)
    data = first.data
    if isinstance(data, dict):  # {"page", "page_size", "total", "items"}: `p` counts from 1
        total = data.get("total")
        size = data.get("page_size")
        size = size if isinstance(size, int) and size > 0 else len(page)
        number = 1
        while page and len(page) >= size and not (isinstance(total, int) and len(seen) >= total):
            number += 1
            if number > max_pages:
                return done(False)
            before = len(seen)
            answer = list_page(number)
            page = take(answer)
            if not _ok(answer):
                return done(False)
            if len(seen) == before:
                break  # a page that adds nothing (a server that ignores `p`): nothing more to read
        return done(True)
    if len(page) < _ASKED and len(page) != _DEFAULT:
        return done(True)
    newest = _first_id(page)
    number = 1
    while True:
        if number > max_pages:
            return done(False)
        before = len(seen)
        answer = list_page(number)
        found = take(answer)
        if not _ok(answer):
            return done(False)
        again = number == 1 and (_first_id(found) or -1) >= (newest or 0) and bool(found)
        if not again and len(seen) == before:
            return done(True)  # a page that adds nothing: the end
        number += 1
