"""The contact repository (IN-12, AG-04, AG-13, REC-01), on memory, SQLite and PostgreSQL alike:
records and note versions come back as saved, ``save`` and ``save_note`` insert or replace, and the
batch reads and the search behave the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest

from kc_domain.contacts.model import ContactRecord, NoteVersion
from kc_ports.persistence import UnitOfWorkFactory

pytestmark = pytest.mark.req("IN-12", "AG-04", "AG-13", "REC-01")

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
PRAGUE_WINTER = timezone(timedelta(hours=1))


def note(call_id: str, number: int, text: str, draft: bool = False, author_id: int | None = 7) -> NoteVersion:
    return NoteVersion(
        call_id, number, text, author_id, "Eva Nováková", T0 + timedelta(minutes=number), draft
    )


def test_a_record_comes_back_as_saved_and_saving_again_replaces_it(uow_factory: UnitOfWorkFactory):
    record = ContactRecord("c1", 7, 42, 3, True, datetime(2026, 11, 25, 10, 0, tzinfo=PRAGUE_WINTER), 1)
    with uow_factory() as uow:
        assert uow.contacts.get("c1") is None
        uow.contacts.save(record)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.contacts.get("c1")
        assert loaded is not None and attrs.asdict(loaded) == {
            **attrs.asdict(record),
            "updated_at": T0 + timedelta(hours=1),
        }
        assert loaded.updated_at is not None and loaded.updated_at.utcoffset() == timedelta(0)
        loaded.category_id, loaded.version, loaded.client_id = None, 2, None
        uow.contacts.save(loaded)
        uow.commit()
    with uow_factory() as uow:
        again = uow.contacts.get("c1")
        assert again is not None and (again.category_id, again.version, again.client_id) == (None, 2, None)


def test_a_loaded_record_is_a_copy(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        uow.contacts.save(ContactRecord("c1", 7, version=1, updated_at=T0))
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.contacts.get("c1")
        assert loaded is not None
        loaded.category_id = 5
        assert uow.contacts.get("c1").category_id is None  # type: ignore[union-attr]


def test_note_versions_keep_their_order_and_a_draft_is_replaced_in_place(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        uow.contacts.save_note(note("c1", 1, "roz", draft=True))
        uow.contacts.save_note(note("c1", 1, "rozepsáno", draft=True))
        uow.commit()
    with uow_factory() as uow:
        assert [(n.number, n.text, n.draft) for n in uow.contacts.notes("c1")] == [(1, "rozepsáno", True)]
        uow.contacts.save_note(note("c1", 1, "Hotovo"))
        uow.contacts.save_note(note("c1", 2, "Doplněno", author_id=None))
        uow.commit()
    with uow_factory() as uow:
        versions = uow.contacts.notes("c1")
    assert [attrs.asdict(v) for v in versions] == [
        attrs.asdict(note("c1", 1, "Hotovo")),
        attrs.asdict(note("c1", 2, "Doplněno", author_id=None)),
    ]
    assert versions[0].at.utcoffset() == timedelta(0)


def test_batch_reads_return_only_the_calls_that_have_something(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        uow.contacts.save(ContactRecord("a", 7, 42, updated_at=T0, version=1))
        uow.contacts.save(ContactRecord("b", 8, None, updated_at=T0, version=1))
        uow.contacts.save_note(note("a", 1, "jedna"))
        uow.contacts.save_note(note("a", 2, "dvě"))
        uow.contacts.save_note(note("c", 1, "tři", draft=True))
        uow.commit()
    with uow_factory() as uow:
        assert sorted(uow.contacts.records_of(["a", "b", "x"])) == ["a", "b"]
        notes = uow.contacts.notes_of(["a", "c", "x"])
    assert {k: [n.text for n in v] for k, v in notes.items()} == {"a": ["jedna", "dvě"], "c": ["tři"]}


def test_records_of_a_client_are_the_most_recently_updated_first(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        for i, call_id in enumerate(["a", "b", "c"]):
            uow.contacts.save(ContactRecord(call_id, 7, 42, updated_at=T0 + timedelta(minutes=i), version=1))
        uow.contacts.save(ContactRecord("d", 7, 43, updated_at=T0 + timedelta(hours=1), version=1))
        uow.commit()
    with uow_factory() as uow:
        assert [r.call_id for r in uow.contacts.for_client(42)] == ["c", "b", "a"]
        assert [r.call_id for r in uow.contacts.for_client(42, limit=1)] == ["c"]
        assert uow.contacts.for_client(44) == []


def test_matching_finds_text_in_any_note_version_ignoring_case_or_the_client(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        uow.contacts.save_note(note("a", 1, "Změna adresy"))
        uow.contacts.save_note(note("a", 2, "Oprava údajů"))
        uow.contacts.save_note(note("b", 1, "Platba 100% vrácena"))
        uow.contacts.save_note(note("z", 1, "adresa mimo hledané hovory"))
        uow.contacts.save(ContactRecord("c", 7, 42, updated_at=T0, version=1))
        uow.commit()
    calls = ["a", "b", "c", "d"]
    with uow_factory() as uow:
        assert uow.contacts.matching(calls, "ADRES") == {"a"}
        assert uow.contacts.matching(calls, "údajů") == {"a"}
        assert uow.contacts.matching(calls, "100%") == {"b"}
        assert uow.contacts.matching(calls, "0%_") == set()  # wildcards are taken literally
        assert uow.contacts.matching(calls, "nic", [42]) == {"c"}
        assert uow.contacts.matching(calls, "platba", [42, 43]) == {"b", "c"}
        assert uow.contacts.matching([], "adres") == set()


def test_nothing_is_kept_without_a_commit(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        uow.contacts.save(ContactRecord("a", 7, updated_at=T0, version=1))
        uow.contacts.save_note(note("a", 1, "x"))
    with uow_factory() as uow:
        assert uow.contacts.get("a") is None and uow.contacts.notes("a") == []
