"""The ownership ledger: what the run created, persisted for crash cleanup."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.client.ledger import (
    DeleteIntent,
    Ledger,
    LedgerEntry,
    Sighting,
    fingerprint,
    new_run_prefix,
)
from newapi_contract.errors import InputError


def test_record_owns_delete_and_live() -> None:
    ledger = Ledger("nac-00000000-")
    ledger.record(5, "nac-00000000-a", owner_id=2)
    ledger.record(6, "nac-00000000-b", owner_id=3)
    ledger.mark_deleted(5)
    assert ledger.owns(5) and ledger.owns(6) and not ledger.owns(7)
    assert ledger.entries() == [
        LedgerEntry(5, "nac-00000000-a", 2, deleted=True),
        LedgerEntry(6, "nac-00000000-b", 3, deleted=False),
    ]
    assert [e.token_id for e in ledger.live()] == [6]
    assert ledger.run_prefix == "nac-00000000-"


def test_mark_deleted_of_a_foreign_id_is_an_error() -> None:
    with pytest.raises(KeyError):
        Ledger("p-").mark_deleted(1)


def test_every_change_is_persisted_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "ledger.json"
    ledger = Ledger("nac-1-", path)
    assert not path.exists()  # the file appears with the first token
    ledger.record(9, "nac-1-x", 4)
    ledger.mark_deleted(9)
    ledger.record(10, "nac-1-y", 4)
    loaded = Ledger.load(path)
    assert loaded.run_prefix == "nac-1-"
    assert loaded.entries() == ledger.entries()
    loaded.mark_deleted(10)  # the loaded ledger goes on saving to the same file
    assert Ledger.load(path).live() == []
    assert [p.name for p in path.parent.iterdir()] == ["ledger.json"]  # no temp files left


def test_the_file_is_indented_json_of_the_prefix_and_every_token(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    ledger = Ledger("nac-1-", path)
    ledger.record(9, "nac-1-ü", 4)  # escaped: the file is ASCII whatever the locale
    ledger.mark_deleted(9)
    assert path.read_bytes() == (
        b'{\n "run_prefix": "nac-1-",\n "tokens": [\n  {\n   "token_id": 9,\n'
        b'   "name": "nac-1-\\u00fc",\n   "owner_id": 4,\n   "deleted": true\n  }\n ]\n}'
    )


def test_missing_folders_above_the_ledger_are_created(tmp_path: Path) -> None:
    path = tmp_path / "out" / "reports" / "run" / "ledger.json"
    Ledger("nac-1-", path).record(1, "nac-1-a", 2)
    assert [e.token_id for e in Ledger.load(path).entries()] == [1]


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Ledger, str]:
    """A ledger saved once with token 1: its path, the ledger, the file's text."""
    path = tmp_path / "ledger.json"
    ledger = Ledger("nac-1-", path)
    ledger.record(1, "nac-1-a", 2)
    return path, ledger, path.read_text()


def test_a_save_writes_a_hidden_sibling_then_renames_it_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: tuple[Path, Ledger, str]
) -> None:
    path, ledger, old = saved
    real_replace = os.replace
    seen: dict[str, object] = {}

    def replace(src: str, dst: Path) -> None:
        # What a crash just before the rename would leave behind.
        seen.update(
            src=Path(src), listing=sorted(p.name for p in tmp_path.iterdir()), at_path=path.read_text()
        )
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    ledger.record(2, "nac-1-b", 2)
    src = seen["src"]
    assert (
        isinstance(src, Path) and src.parent == tmp_path
    )  # same folder: the rename cannot cross filesystems
    assert re.fullmatch(r"\.ledger\.json\..+", src.name)  # hidden, and says whose it is
    assert seen["listing"] == sorted(["ledger.json", src.name])
    assert seen["at_path"] == old  # the old ledger stays whole until the rename
    assert [e.token_id for e in Ledger.load(path).entries()] == [1, 2]


def test_a_failed_save_raises_its_own_error_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: tuple[Path, Ledger, str]
) -> None:
    path, ledger, old = saved

    def replace(src: str, dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        ledger.record(2, "nac-1-b", 2)
    assert path.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.json"]


@pytest.mark.parametrize("content", ["", "{", '{"tokens": []}', '{"run_prefix": "p", "tokens": [{"x": 1}]}'])
def test_load_rejects_malformed_ledgers(tmp_path: Path, content: str) -> None:
    path = tmp_path / "ledger.json"
    path.write_text(content)
    with pytest.raises(InputError, match="malformed ledger"):
        Ledger.load(path)


def test_load_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no ledger"):
        Ledger.load(tmp_path / "absent.json")


def test_concurrent_records_all_land(tmp_path: Path) -> None:
    ledger = Ledger("p-", tmp_path / "l.json")
    threads = [
        threading.Thread(target=lambda k=k: [ledger.record(k * 100 + i, f"t{k}-{i}", 1) for i in range(20)])
        for k in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ledger.entries()) == 160
    assert len(Ledger.load(tmp_path / "l.json").entries()) == 160


def test_run_prefix_shape_and_room_for_a_suffix() -> None:
    plain, worker = new_run_prefix(), new_run_prefix("gw15")
    assert re.fullmatch(r"nac-[0-9a-f]{8}-", plain)
    assert re.fullmatch(r"nac-[0-9a-f]{8}-gw15-", worker)
    assert plain != new_run_prefix()
    longest = new_run_prefix("w" * 16)
    assert len((longest + "x" * 12).encode()) < 50  # upstream's name limit


@pytest.mark.parametrize("worker", ["", "gw-0", "w" * 17, "ü"])
def test_run_prefix_rejects_odd_worker_names(worker: str) -> None:
    with pytest.raises(ValueError):
        new_run_prefix(worker)


def test_a_run_id_given_is_used_and_must_be_8_lowercase_hex_digits() -> None:
    assert new_run_prefix("gw0", run_id="0a1b2c3d") == "nac-0a1b2c3d-gw0-"
    for bad in ("0A1B2C3D", "0a1b2c3", "0a1b2c3d9", "xxxxxxxx"):
        with pytest.raises(ValueError, match=f"run id must be 8 hex digits, not '{bad}'"):
            new_run_prefix(run_id=bad)
    with pytest.raises(ValueError, match="worker name must be 1-16 ASCII letters or digits, not 'gw-0'"):
        new_run_prefix("gw-0")


def test_an_interrupt_just_after_the_rename_goes_on_and_the_new_ledger_stays(
    monkeypatch: pytest.MonkeyPatch, saved: tuple[Path, Ledger, str]
) -> None:
    # SIGTERM became a KeyboardInterrupt between the rename and the end of the save.
    path, ledger, _ = saved
    real_replace = os.replace

    def replace(src: str, dst: Path) -> None:
        real_replace(src, dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        ledger.record(2, "nac-1-b", 2)
    assert [e.token_id for e in Ledger.load(path).entries()] == [1, 2]


# -- the model (issue 18): memory only --------------------------------------------------


def test_the_model_keeps_what_each_token_was_made_with_and_never_writes_it_or_its_key(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    ledger = Ledger("nac-1-", path)
    full = "Z" * 48
    ledger.note_key(9, full)
    ledger.record(
        9, "nac-1-x", 4, created_with={"name": "nac-1-x", "expired_time": -1}, item={"id": 9, "key": full}
    )
    ledger.note_used_by([9], "test_a")
    ledger.note_seen([9], Sighting(5.0, "test_a", "list"))
    ledger.note_seen([9], Sighting(6.0, "test_b", "get"))
    ledger.note_intent(DeleteIntent((9,), "DELETE /api/token/9", "test_b", 7.0, "success", by=4))
    (token,) = ledger.model()
    assert token.created_with == {"name": "nac-1-x", "expired_time": -1} and token.key == full
    assert token.first_item is not None and token.first_item["key"].startswith("sha256:")
    assert (token.used_by, token.last_seen, token.last_listed) == (
        "test_a",
        Sighting(6.0, "test_b", "get"),
        Sighting(5.0, "test_a", "list"),
    )
    assert token.deleted_at == 7.0 and token.asked and not token.deleted
    assert full not in path.read_text(encoding="utf-8") and "sha256" not in path.read_text(encoding="utf-8")
    assert full not in repr(token)  # the key is left out of its repr
    assert Ledger.load(path).entries() == ledger.entries()  # the file format is unchanged


def test_who_may_rightly_have_deleted_a_token() -> None:
    from newapi_contract.client.ledger import DeleteIntent

    def intent(outcome: str, by: int | None, ids: tuple[int, ...] = (9,)) -> DeleteIntent:
        return DeleteIntent(ids, "r", "t", 0.0, outcome, by=by)

    assert intent("success", 4).may_have_deleted(9, 4)
    assert intent("lost", 4).may_have_deleted(9, 4) and intent("http 500", None).may_have_deleted(9, 4)
    assert not intent("success", 5).may_have_deleted(9, 4)  # another user's
    assert not intent("success", 0).may_have_deleted(9, 4)  # no credential
    assert not intent("refused", 4).may_have_deleted(9, 4) and not intent("throttled", 4).may_have_deleted(
        9, 4
    )
    assert not intent("success", 4, (8, 10)).may_have_deleted(9, 4)  # not named


def test_fingerprint_is_the_first_sixteen_hex_digits_of_the_keys_sha256() -> None:
    assert fingerprint("AbCd") == "sha256:2647b246668ed557"
    assert fingerprint("ключ") == "sha256:1de36a32af798da0"  # UTF-8 bytes
    assert fingerprint("k\udcff") == "sha256:1afd8b9ac52e1dc6"  # a lone surrogate: its raw byte
    assert fingerprint("AbCd") != fingerprint("AbCe")


def test_a_delete_is_dated_by_its_first_intent_that_may_have_deleted_it() -> None:
    from newapi_contract.client.ledger import DeleteIntent, Sighting

    ledger = Ledger("nac-00000000-")
    for token_id in (1, 2, 3, 4, 5, 6):
        ledger.record(token_id, f"nac-00000000-{token_id}", owner_id=2)

    def intent(ids: tuple[int, ...], at: float, outcome: str = "success", **kw: object) -> DeleteIntent:
        return DeleteIntent(ids, "DELETE", "t", at, outcome, **kw)  # type: ignore[arg-type]

    ledger.note_intent(intent((1,), 10.0, by=2))
    ledger.note_intent(intent((1,), 20.0, by=2))  # the first stands
    ledger.note_intent(intent((2, 3), 11.0, deleted=1))  # a batch that deleted one, sender unknown
    ledger.note_intent(intent((4,), 12.0, deleted=0, by=2))  # deleted nothing
    ledger.note_intent(intent((5,), 13.0, "refused", by=2))
    ledger.note_intent(intent((6,), 14.0, by=3))  # the peer's: never rightly
    ledger.note_intent(intent((99,), 15.0, by=2))  # not the run's
    dated = {t.token_id: t.deleted_at for t in ledger.model()}
    assert dated == {1: 10.0, 2: 11.0, 3: 11.0, 4: None, 5: None, 6: None}
    assert len(ledger.intents()) == 7
    ledger.mark_deleted(1)
    ledger.mark_deleted(4)
    after = {t.token_id: t for t in ledger.model()}
    assert after[1].deleted_at == 10.0 and after[1].deleted
    assert after[4].deleted_at is not None and after[4].deleted_at > 1e9  # the wall clock now
    assert [i.at for i in after[1].intents] == [10.0, 20.0] and after[6].intents[0].by == 3

    ledger.note_seen([2], Sighting(1.0, "t_list", "list"))
    ledger.note_seen([2], Sighting(2.0, "t_get", "get"))
    ledger.note_used_by([2], "test_user")
    ledger.note_key(2, "k2")
    two = {t.token_id: t for t in ledger.model()}[2]
    assert (two.name, two.owner_id, two.deleted, two.key, two.used_by) == (
        "nac-00000000-2",
        2,
        False,
        "k2",
        "test_user",
    )
    assert two.last_seen == Sighting(2.0, "t_get", "get") and two.last_listed == Sighting(
        1.0, "t_list", "list"
    )
    three = {t.token_id: t for t in ledger.model()}[3]
    assert (three.key, three.used_by, three.last_seen, three.last_listed, three.created_with) == (
        None,
        "",
        None,
        None,
        {},
    )


def test_who_may_have_acted_on_a_token_as_its_target_under_any_reading() -> None:
    def intent(outcome: str, ids: tuple[int, ...] = (9,), readings: tuple[int, ...] = (), **kw: Any) -> bool:
        sent = DeleteIntent(ids, "r", "t", 0.0, outcome, by=kw.pop("by", 4), readings=readings, **kw)
        return sent.may_have_named(9)

    # Named by Go's reading: whatever the sender and the answer, but a refusal that says it
    # was gone already (a broken server may act and answer failure: delete-answers-failure).
    assert intent("success") and intent("success", by=5) and intent("refused") and intent("lost")
    assert not intent("refused", not_found=True)
    assert not intent("throttled")
    # Named only by a broken server's reading (octal 011 is 9): only when it may have acted.
    assert intent("success", (11,), (9,)) and intent("http 500", (11,), (9,))
    assert not intent("refused", (11,), (9,))
    assert not intent("success", (11,), (8, 10))
