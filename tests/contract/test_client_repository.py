"""The client repository (IN-11, CDB-02, CDB-03), on memory, SQLite and PostgreSQL alike: every field
comes back as stored, phones are shared and looked up by number, search ignores case and accents,
``save`` checks the version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kc_domain.clients.model import Client, ClientKind
from kc_domain.errors import Conflict
from kc_domain.plain import to_plain
from kc_ports.persistence import UnitOfWorkFactory

pytestmark = pytest.mark.req("IN-11", "CDB-02", "CDB-03")

FAMILY = "+420603111222"
PRAGUE_WINTER = timezone(timedelta(hours=1))
AT = datetime(2026, 11, 25, 9, 30, 15, 123_456, tzinfo=PRAGUE_WINTER)


def person(first: str, surname: str, *phones: str, identifier: str = "", icis_id: str = "") -> Client:
    return Client(
        ClientKind.INSURED,
        identifier,
        icis_id,
        first,
        surname,
        phones=frozenset(phones),
        created_at=AT,
        updated_at=AT,
        version=1,
    )


def full() -> Client:
    return Client(
        ClientKind.SELF_EMPLOYED,
        "9403304196",
        "K-1350444",
        "Jakub",
        "Doležal",
        "Ing.",
        "Doležal – truhlářství",
        frozenset({"+420777888999", "+420381222333"}),
        "jakub@dolezal-truhlarstvi.cz",
        {"obec": "Tábor", "vip": "true", "poznamka": "Řádek 1\nŘádek 2 – „uvozovky“"},
        AT,
        AT + timedelta(minutes=5),
        3,
    )


def add(uow_factory: UnitOfWorkFactory, *clients: Client) -> list[int]:
    with uow_factory() as uow:
        ids = [uow.clients.add(c).id for c in clients]
        uow.commit()
    return [int(i) for i in ids if i is not None]


def plain(client: Client | None) -> dict[str, Any]:
    assert client is not None
    data: dict[str, Any] = to_plain(client)
    return data


def test_a_client_comes_back_with_every_field_as_stored_and_times_in_utc(
    uow_factory: UnitOfWorkFactory,
) -> None:
    original = full()
    (client_id,) = add(uow_factory, original)

    with uow_factory() as uow:
        stored = uow.clients.get(client_id)

    assert stored is not None and stored is not original
    assert plain(stored) == plain(original) | {
        "created_at": AT.astimezone(UTC).isoformat(),
        "updated_at": (AT + timedelta(minutes=5)).astimezone(UTC).isoformat(),
    }
    assert stored.created_at == AT


def test_add_gives_ids_and_nothing_stays_without_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        added = uow.clients.add(person("Jana", "Svobodová", FAMILY))
        assert isinstance(added.id, int)
    with uow_factory() as uow:
        assert uow.clients.get(added.id) is None  # type: ignore[arg-type]
        assert uow.clients.by_phone(FAMILY) == []


def test_a_shared_number_finds_every_client_ordered_by_name(uow_factory: UnitOfWorkFactory) -> None:
    jana, petr, other = add(
        uow_factory,
        person("Jana", "Svobodová", FAMILY, "+420731222333"),
        person("Petr", "Svoboda", FAMILY),
        person("Tomáš", "Veselý", "+420739000111"),
    )

    with uow_factory() as uow:
        assert [c.id for c in uow.clients.by_phone(FAMILY)] == [petr, jana]
        assert [c.id for c in uow.clients.by_phone("+420731222333")] == [jana]
        assert [c.phones for c in uow.clients.by_phone("+420739000111")] == [{"+420739000111"}]
        assert uow.clients.by_phone("+420600000000") == []
    assert other


@pytest.mark.req("OUT-06")
def test_many_numbers_and_identifiers_are_looked_up_at_once(uow_factory: UnitOfWorkFactory) -> None:
    """A campaign list's import asks for thousands at once (CDB-02): one answer per known value."""
    jana, petr, _ = add(
        uow_factory,
        person("Jana", "Svobodová", FAMILY, "+420731222333", identifier="7856121230"),
        person("Petr", "Svoboda", FAMILY),
        person("Tomáš", "Veselý", "+420739000111"),
    )
    numbers = [FAMILY, "+420731222333", *(f"+420601{n:06d}" for n in range(12_000))]
    with uow_factory() as uow:
        assert uow.clients.ids_by_phones(numbers) == {FAMILY: {jana, petr}, "+420731222333": {jana}}
        assert uow.clients.ids_by_identifiers(["7856121230", "8001010009", ""]) == {"7856121230": {jana}}
        assert uow.clients.ids_by_phones([]) == {}


def test_search_matches_every_word_ignoring_case_and_accents_and_respects_the_limit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    jana, jitka, dvorak = add(
        uow_factory,
        person("Jana", "Svobodová", FAMILY, identifier="7853144123", icis_id="K-1004321"),
        person("Jitka", "Svobodová", "+420733444555"),
        person("Petr", "Dvořák", "+420602345678"),
    )

    with uow_factory() as uow:
        assert [c.id for c in uow.clients.search("SVOBODOVA", 10)] == [jana, jitka]
        assert [c.id for c in uow.clients.search("svobodová jit", 10)] == [jitka]
        assert [c.id for c in uow.clients.search("dvorak", 10)] == [dvorak]
        assert [c.id for c in uow.clients.search("785314/4123", 10)] == [jana]
        assert [c.id for c in uow.clients.search("k-1004321", 10)] == [jana]
        assert [c.id for c in uow.clients.search("603111", 10)] == [jana]
        assert [c.id for c in uow.clients.search("svobodova", 1)] == [jana]
        assert uow.clients.search("100%_", 10) == []
        assert uow.clients.search("", 10) == []


def test_save_stores_the_change_and_the_new_phones_and_raises_the_version(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (client_id,) = add(uow_factory, full())

    with uow_factory() as uow:
        client = uow.clients.get(client_id)
        assert client is not None
        client.surname, client.phones = "Doležalová", frozenset({FAMILY})
        client.values = {"obec": "Písek"}
        uow.clients.save(client)
        assert client.version == 4
        uow.commit()

    with uow_factory() as uow:
        stored = uow.clients.get(client_id)
        assert stored is not None
        assert (stored.surname, stored.phones, stored.values, stored.version) == (
            "Doležalová",
            {FAMILY},
            {"obec": "Písek"},
            4,
        )
        assert uow.clients.by_phone("+420777888999") == []
        assert [c.id for c in uow.clients.by_phone(FAMILY)] == [client_id]
        assert [c.id for c in uow.clients.search("dolezalova", 5)] == [client_id]


def test_saving_a_stale_copy_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    (client_id,) = add(uow_factory, full())
    with uow_factory() as uow:
        stale = uow.clients.get(client_id)
    with uow_factory() as uow:
        fresh = uow.clients.get(client_id)
        assert fresh is not None
        fresh.title = "Mgr."
        uow.clients.save(fresh)
        uow.commit()

    assert stale is not None
    stale.title = "Bc."
    with uow_factory() as uow, pytest.raises(Conflict):
        uow.clients.save(stale)

    with uow_factory() as uow:
        assert uow.clients.get(client_id).title == "Mgr."  # type: ignore[union-attr]


def test_a_loaded_client_is_a_copy_until_saved(uow_factory: UnitOfWorkFactory) -> None:
    (client_id,) = add(uow_factory, full())

    with uow_factory() as uow:
        loaded = uow.clients.get(client_id)
        assert loaded is not None
        loaded.surname = "Změněno bez uložení"
        uow.commit()

    with uow_factory() as uow:
        assert uow.clients.get(client_id).surname == "Doležal"  # type: ignore[union-attr]


def test_list_pages_by_id(uow_factory: UnitOfWorkFactory) -> None:
    ids = add(uow_factory, *(person("Jan", f"Novák{n}") for n in range(5)))

    with uow_factory() as uow:
        assert [c.id for c in uow.clients.list(2)] == ids[:2]
        assert [c.id for c in uow.clients.list(2, 3)] == ids[3:]
        assert uow.clients.list(10, 10) == []
