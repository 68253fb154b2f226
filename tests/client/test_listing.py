"""Reading every page of a token list (`client.listing`), whatever the release's paging:
paged objects with a 1-based `p` (2025-06 on), bare arrays with a 0-based `p` (a late-2024
release, reference §10), and one-api's bare arrays with a 1-based `p`. No sockets."""

from __future__ import annotations

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.listing import Listing, items, read_all


def _answer(data: object, status: int = 200, success: object = True) -> Answer:
    return Answer(status, httpx.Headers(), "", {"success": success, "message": "", "data": data})


class Pages:
    """A user's tokens, newest first, served `size` at a time in one release's way of paging."""

    def __init__(self, count: int, *, size: int, style: str, honours_size: bool = True) -> None:
        self.ids = list(range(count, 0, -1))  # newest first
        self.size = size
        self.style = style  # "paged" (1-based object), "zero" (0-based array), "one" (1-based array)
        self.asked: list[int | None] = []

    def __call__(self, page: int | None) -> Answer:
        self.asked.append(page)
        index = (page or 0) if self.style == "zero" else (page or 1) - 1
        chunk = [{"id": i} for i in self.ids[index * self.size : (index + 1) * self.size]]
        if self.style == "paged":
            return _answer(
                {"page": index + 1, "page_size": self.size, "total": len(self.ids), "items": chunk}
            )
        return _answer(chunk)


@pytest.mark.parametrize("style", ["paged", "zero", "one"])
@pytest.mark.parametrize("count", [0, 1, 9, 10, 11, 25])
def test_every_token_is_read_once_in_every_paging(style: str, count: int) -> None:
    pages = Pages(count, size=10, style=style)
    listing = read_all(pages)
    assert listing.complete
    assert [item["id"] for item in listing.tokens] == list(range(count, 0, -1))
    assert listing.ids() == set(range(1, count + 1))


def test_a_paged_list_stops_at_its_total_without_an_extra_request() -> None:
    pages = Pages(100, size=100, style="paged")
    read_all(pages)
    assert pages.asked == [None]  # one request: the quick run's budget counts it


def test_a_zero_based_array_is_told_by_p1_and_not_skipped() -> None:
    """The late-2024 release: `p=1` is the second page. Reading `p=2` next would skip it, the
    false 'deleting token 38 also removed live tokens [39]' of issue 22."""
    pages = Pages(25, size=10, style="zero")
    listing = read_all(pages)
    assert pages.asked == [None, 1, 2, 3]
    assert listing.has(16) and listing.has(6)


@pytest.mark.parametrize(("count", "requests"), [(7, 1), (37, 1), (10, 2), (100, 2)])
def test_a_short_array_page_is_the_last(count: int, requests: int) -> None:
    """A bare-array page shorter than 100 (asked) and 10 (a release that ignores `size`) ends
    the list at once; a page of exactly 10 or 100 may have more behind it."""
    pages = Pages(count, size=100, style="zero")
    assert len(read_all(pages).tokens) == count
    assert len(pages.asked) == requests


def test_a_one_based_array_answers_the_first_page_again_for_p1() -> None:
    pages = Pages(15, size=10, style="one")
    listing = read_all(pages)
    assert pages.asked == [None, 1, 2, 3]
    assert len(listing.tokens) == 15


def test_a_refused_page_leaves_the_listing_incomplete_and_names_the_answer() -> None:
    calls: list[int | None] = []

    def list_page(page: int | None) -> Answer:
        calls.append(page)
        if page == 2:
            return _answer(None, success=False)
        return _answer({"page": 1, "page_size": 2, "total": 5, "items": [{"id": 5}, {"id": 4}]})

    listing = read_all(list_page)
    assert not listing.complete
    assert listing.refused is listing.last and listing.last.success is False
    assert listing.ids() == {5, 4}


def test_a_first_answer_that_is_no_success_is_incomplete() -> None:
    listing = read_all(lambda page: _answer(None, status=500))
    assert not listing.complete and listing.refused is not None and listing.tokens == ()


def test_a_list_that_never_ends_is_cut_at_max_pages() -> None:
    counter = iter(range(10**6, 0, -1))

    def endless(page: int | None) -> Answer:
        return _answer([{"id": next(counter)} for _ in range(10)])

    listing = read_all(endless, max_pages=4)
    assert not listing.complete
    assert len(listing.answers) <= 6


def test_item_and_items() -> None:
    listing = Listing(({"id": 3, "name": "a"}, {"id": "x"}), (), True)
    assert listing.item(3) == {"id": 3, "name": "a"} and listing.item(4) is None
    assert listing.ids() == {3}
    assert items(_answer({"items": [{"id": 1}, "junk"]})) == [{"id": 1}]
    assert items(_answer([{"id": 2}])) == [{"id": 2}]


def test_a_paged_server_that_ignores_p_is_read_once_more_and_no_further() -> None:
    calls: list[int | None] = []

    def same_page(page: int | None) -> Answer:
        calls.append(page)
        return _answer({"page": 1, "page_size": 3, "total": 9, "items": [{"id": 3}, {"id": 2}, {"id": 1}]})

    listing = read_all(same_page)
    assert calls == [None, 2] and listing.ids() == {1, 2, 3}


class Script:
    """Answers page `p` with `pages[p]` (a list of ids, or an Answer), recording what was asked."""

    def __init__(self, pages: dict[int | None, object], *, paged: dict[str, object] | None = None) -> None:
        self.pages = pages
        self.paged = paged  # the object's other fields, or None for a bare array
        self.asked: list[int | None] = []

    def __call__(self, page: int | None) -> Answer:
        self.asked.append(page)
        got = self.pages.get(page, [])
        if isinstance(got, Answer):
            return got
        chunk = [{"id": i} if isinstance(i, int) else i for i in got]  # type: ignore[attr-defined]
        if self.paged is None:
            return _answer(chunk)
        return _answer({**self.paged, "items": chunk})


def test_a_paged_list_stops_exactly_at_its_total() -> None:
    pages = Pages(20, size=10, style="paged")
    listing = read_all(pages)
    assert pages.asked == [None, 2]
    assert listing.complete and len(listing.answers) == 2
    assert [item["id"] for item in listing.tokens] == list(range(20, 0, -1))


def test_a_paged_page_shorter_than_page_size_is_the_last_without_a_total() -> None:
    script = Script({None: [5, 4, 3, 2, 1]}, paged={"page": 1, "page_size": 10})
    listing = read_all(script)
    assert script.asked == [None] and listing.complete
    assert listing.ids() == {1, 2, 3, 4, 5}


def test_a_paged_list_without_total_reads_until_a_short_page() -> None:
    script = Script({None: [6, 5], 2: [4, 3], 3: [2]}, paged={"page_size": 2})
    listing = read_all(script)
    assert script.asked == [None, 2, 3]
    assert listing.complete and [t["id"] for t in listing.tokens] == [6, 5, 4, 3, 2]
    assert len(listing.answers) == 3 and listing.refused is None


def test_a_page_size_of_one_is_honoured() -> None:
    script = Script({None: [3, 2], 2: [1]}, paged={"page_size": 1})
    listing = read_all(script)
    assert script.asked == [None, 2, 3]
    assert listing.complete and listing.ids() == {1, 2, 3}


@pytest.mark.parametrize("page_size", [0, -1, None, "100"])
def test_a_paged_answer_without_a_usable_page_size_pages_by_its_first_page(page_size: object) -> None:
    script = Script({None: [3, 2], 2: [1]}, paged={"page_size": page_size})
    listing = read_all(script)
    assert script.asked == [None, 2]  # the second page is shorter than the first: the last
    assert listing.complete and listing.ids() == {1, 2, 3}


def test_a_paged_list_is_cut_at_max_pages_exactly() -> None:
    script = Script({None: [4], 2: [3], 3: [2], 4: [1]}, paged={"page_size": 1, "total": 4})
    listing = read_all(script, max_pages=4)
    assert script.asked == [None, 2, 3, 4] and listing.complete
    cut = Script({None: [4], 2: [3], 3: [2], 4: [1]}, paged={"page_size": 1, "total": 4})
    listing = read_all(cut, max_pages=3)
    assert cut.asked == [None, 2, 3]
    assert not listing.complete and listing.ids() == {2, 3, 4}
    assert listing.refused is None  # cut, not refused


def test_a_paged_list_reads_fifty_pages_by_default() -> None:
    counter = iter(range(10**6, 0, -1))
    asked: list[int | None] = []

    def endless(page: int | None) -> Answer:
        asked.append(page)
        return _answer({"page_size": 1, "items": [{"id": next(counter)}]})

    listing = read_all(endless)
    assert asked == [None, *range(2, 51)]
    assert not listing.complete and len(listing.tokens) == 50


def test_a_bare_array_is_cut_at_max_pages_exactly() -> None:
    full = {p: list(range(100 - 10 * (p or 0), 90 - 10 * (p or 0), -1)) for p in (None, 1, 2, 3)}
    script = Script(full)
    listing = read_all(script, max_pages=3)
    assert script.asked == [None, 1, 2, 3]
    assert not listing.complete and len(listing.tokens) == 40
    assert listing.refused is None
    script = Script(full)
    listing = read_all(script, max_pages=4)
    assert script.asked == [None, 1, 2, 3, 4] and listing.complete


def test_a_bare_array_reads_fifty_pages_by_default() -> None:
    counter = iter(range(10**6, 0, -1))
    asked: list[int | None] = []

    def endless(page: int | None) -> Answer:
        asked.append(page)
        return _answer([{"id": next(counter)} for _ in range(10)])

    listing = read_all(endless)
    assert asked == [None, *range(1, 51)]
    assert not listing.complete and len(listing.tokens) == 510


def test_a_bare_array_server_that_ignores_p_is_read_twice_more() -> None:
    """p=1 answering the first page again looks 1-based; p=2 answering it once more adds
    nothing, and is the end."""
    script = Script({p: list(range(10, 0, -1)) for p in (None, 1, 2, 3, 4)})
    listing = read_all(script)
    assert script.asked == [None, 1, 2]
    assert listing.complete and len(listing.tokens) == 10 and len(listing.answers) == 3


def test_a_refused_bare_array_page_is_incomplete() -> None:
    refused = _answer(None, status=429, success=False)
    script = Script({None: list(range(20, 10, -1)), 1: list(range(10, 0, -1)), 2: refused})
    listing = read_all(script)
    assert script.asked == [None, 1, 2]
    assert not listing.complete and listing.refused is refused and len(listing.tokens) == 20


def test_a_first_answer_is_a_success_only_when_200_and_success_true() -> None:
    for answer in (
        _answer([{"id": 1}], success=False),
        _answer([{"id": 1}], status=201),
        _answer([{"id": 1}], success=1),
    ):
        listing = read_all(lambda page, a=answer: a)  # type: ignore[misc]
        assert not listing.complete and listing.refused is answer
        assert listing.answers == (answer,)
        assert listing.ids() == {1}  # what it showed is kept


def test_each_token_is_kept_once_as_first_seen_and_idless_items_are_left_out() -> None:
    first = [{"id": 3, "name": "new"}, {"id": "x"}, {"name": "none"}, {"id": 2}]
    script = Script(
        {None: first, 2: [{"id": 3, "name": "old"}, {"id": 1}]}, paged={"page_size": 4, "total": 3}
    )
    listing = read_all(script)
    assert listing.tokens == ({"id": 3, "name": "new"}, {"id": 2}, {"id": 1})
    assert listing.complete and script.asked == [None, 2]


def test_idless_first_pages_do_not_look_one_based() -> None:
    script = Script({p: [{"name": str(n)} for n in range(10)] for p in (None, 1, 2, 3)})
    listing = read_all(script)
    assert script.asked == [None, 1]
    assert listing.complete and listing.tokens == ()
