"""The customer database (IN-11, CDB-02, CDB-03, CHAT-05, AG-18, AG-19): field definitions and their
validation, phone numbers, the ICIS link, identification by number, search, manual entry and edits."""

from __future__ import annotations

from typing import Any

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.clients.model import (
    Client,
    ClientField,
    ClientKind,
    FieldType,
    fold,
    icis_link,
    masked,
    normalise_phone,
    search_terms,
)
from kc_domain.clients.service import ClientService
from kc_domain.errors import Conflict, NotFound, ValidationFailed

from .support import ROOT, Store

FAMILY = "+420603111222"


def codes(error: ValidationFailed) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


@pytest.fixture
def clients(uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, audit: AuditTrail) -> ClientService:
    with uow_factory() as uow:
        for position, field in enumerate(
            [
                ClientField("datum_narozeni", "Datum narození", FieldType.DATE),
                ClientField("obec", "Obec", FieldType.TEXT, show_in_list=True),
                ClientField("mobil", "Mobil", FieldType.PHONE),
                ClientField("email_2", "Další e-mail", FieldType.EMAIL),
                ClientField("dluh", "Dlužná částka", FieldType.NUMBER),
                ClientField("stav", "Stav pojištění", FieldType.CHOICE, ("aktivní", "ukončené", "dlužník")),
                ClientField("vip", "VIP", FieldType.BOOL),
                ClientField("poznamka", "Poznámka", FieldType.LONGTEXT),
                ClientField("stare", "Zrušené pole", FieldType.TEXT, active=False),
            ]
        ):
            field.position = 100 - position * 10  # stored in reverse order on purpose
            uow.client_fields.add(field)
        uow.commit()
    return ClientService(uow_factory, clock, audit)


def jana(**extra: Any) -> dict[str, Any]:
    return {
        "first_name": "Jana",
        "surname": "Svobodová",
        "title": "Ing.",
        "identifier": "785314/4123",
        "icis_id": "K-1004321",
        "phones": ["+420 603 111 222", "731222333"],
        "values": {"obec": "Praha 4", "stav": "aktivní"},
        **extra,
    }


# -- field definitions -----------------------------------------------------------------------------
@pytest.mark.req("CDB-03")
def test_a_field_definition_needs_an_identifier_like_key_a_label_and_choices_only_for_a_choice() -> None:
    bad = ClientField("Datum narození", "", FieldType.TEXT, ("a",), position=-1)
    no_choices = ClientField("stav", "Stav", FieldType.CHOICE, ())
    repeated = ClientField("stav", "Stav", FieldType.CHOICE, ("aktivní", "aktivní"))

    assert {(e.field, e.code) for e in bad.problems()} == {
        ("key", "bad_field_key"),
        ("label", "required"),
        ("choices", "must_be_empty"),
        ("position", "out_of_range"),
    }
    assert [e.code for e in no_choices.problems()] == ["empty"]
    assert [e.code for e in repeated.problems()] == ["duplicate"]
    assert ClientField("datova_schranka", "ID datové schránky").problems() == []


@pytest.mark.req("CDB-03", "AG-19")
@pytest.mark.parametrize(
    ("kind", "choices", "raw", "stored", "code"),
    [
        (FieldType.TEXT, (), "  Na Pankráci 12 ", "Na Pankráci 12", None),
        (FieldType.TEXT, (), "x" * 201, None, "too_long"),
        (FieldType.LONGTEXT, (), "řádek\n" * 100, ("řádek\n" * 100).strip(), None),
        (FieldType.LONGTEXT, (), "x" * 4001, None, "too_long"),
        (FieldType.DATE, (), "1978-03-14", "1978-03-14", None),
        (FieldType.DATE, (), "14. 3. 1978", None, "bad_date"),
        (FieldType.DATE, (), "1978-02-30", None, "bad_date"),
        (FieldType.EMAIL, (), "jana@seznam.cz", "jana@seznam.cz", None),
        (FieldType.EMAIL, (), "jana.seznam.cz", None, "bad_email"),
        (FieldType.EMAIL, (), "jana@seznam", None, "bad_email"),
        (FieldType.PHONE, (), "603 123 456", "+420603123456", None),
        (FieldType.PHONE, (), "12345", None, "bad_external_number"),
        (FieldType.NUMBER, (), "3200,50", "3200.50", None),
        (FieldType.NUMBER, (), "-12", "-12", None),
        (FieldType.NUMBER, (), "tisíc", None, "bad_number"),
        (FieldType.CHOICE, ("aktivní", "dlužník"), "dlužník", "dlužník", None),
        (FieldType.CHOICE, ("aktivní", "dlužník"), "Dlužník", None, "invalid_choice"),
        (FieldType.BOOL, (), "ano", "true", None),
        (FieldType.BOOL, (), True, "true", None),
        (FieldType.BOOL, (), "off", "false", None),
        (FieldType.BOOL, (), "možná", None, "invalid_choice"),
    ],
)
def test_each_field_type_accepts_its_values_normalised_and_refuses_others(
    kind: FieldType, choices: tuple[str, ...], raw: Any, stored: str | None, code: str | None
) -> None:
    field = ClientField("pole", "Pole", kind, choices)

    value, problem = field.clean(raw)

    if code is None:
        assert problem is None
        assert value == stored
    else:
        assert problem is not None
        assert (problem.field, problem.code) == ("values.pole", code)


@pytest.mark.req("CDB-03")
def test_a_required_field_must_be_filled_and_a_required_tick_box_ticked() -> None:
    assert ClientField("obec", "Obec", required=True).clean("  ")[1].code == "required"  # type: ignore[union-attr]
    consent = ClientField("souhlas", "Souhlas", FieldType.BOOL, required=True)
    assert consent.clean("false")[1].code == "required"  # type: ignore[union-attr]
    assert consent.clean("true") == ("true", None)
    assert ClientField("obec", "Obec").clean("") == ("", None)


# -- phones, identifiers, links -------------------------------------------------------------------
@pytest.mark.req("IN-11")
@pytest.mark.parametrize(
    "raw", ["+420603123456", "+420 603 123 456", "603123456", "603 123 456", "00420603123456", "420603123456"]
)
def test_every_common_writing_of_a_czech_number_is_the_same_e164_number(raw: str) -> None:
    assert normalise_phone(raw) == "+420603123456"


@pytest.mark.req("IN-11")
@pytest.mark.parametrize("raw", ["", "12345", "+0603123456", "telefon", "60312345"])
def test_what_is_not_a_phone_number_is_refused(raw: str) -> None:
    assert normalise_phone(raw) is None


@pytest.mark.req("CHAT-05", "AG-18")
def test_the_icis_link_is_the_template_with_the_quoted_icis_id_or_identifier() -> None:
    client = Client(identifier="7853144123", icis_id="K 1004/321", surname="Svobodová")

    assert icis_link("https://icis.ozp.example/klient/{icis_id}", client) == (
        "https://icis.ozp.example/klient/K%201004%2F321"
    )
    assert icis_link("https://icis.ozp.example/pojistenec?rc={identifier}", client) == (
        "https://icis.ozp.example/pojistenec?rc=7853144123"
    )


@pytest.mark.req("CHAT-05", "AG-18")
def test_there_is_no_icis_link_without_an_icis_record_or_without_a_template() -> None:
    unknown = Client(identifier="7853144123", surname="Svobodová")
    known = Client(icis_id="K-1", surname="Svobodová")

    assert icis_link("https://icis.ozp.example/klient/{icis_id}", unknown) is None
    assert icis_link("", known) is None


def test_lists_show_only_the_last_four_digits_of_an_identifier() -> None:
    assert masked("7853144123") == "••••••4123"
    assert masked("") == ""


@pytest.mark.req("CDB-03")
def test_a_client_is_checked_by_kind_insurance_number_for_people_and_ico_for_organisations() -> None:
    person = Client(ClientKind.INSURED, "7853144124", surname="Svobodová")
    employer = Client(ClientKind.EMPLOYER, "45301222", company="Strojírny Pankrác a.s.")
    nameless = Client(ClientKind.PROVIDER, "45301221")

    assert [(e.field, e.code) for e in person.problems()] == [("identifier", "bad_insurance_number")]
    assert [(e.field, e.code) for e in employer.problems()] == [("identifier", "bad_ico")]
    assert [(e.field, e.code) for e in nameless.problems()] == [("company", "required")]
    assert Client(ClientKind.SELF_EMPLOYED, "45301221", surname="Doležal").problems() == []


def test_names_are_searched_without_case_and_accents() -> None:
    assert fold("Dvořáková ŠŤĚPÁNKA") == "dvorakova stepanka"
    assert search_terms("  Svobodová  785314/4123 ") == ["svobodova", "7853144123"]


# -- the service -----------------------------------------------------------------------------------
@pytest.mark.req("IN-11", "CDB-02")
def test_given_a_family_phone_when_it_calls_then_every_client_with_the_number_is_listed(
    clients: ClientService,
) -> None:
    wife = clients.create(ROOT, jana())
    husband = clients.create(
        ROOT, {"first_name": "Petr", "surname": "Svoboda", "identifier": "7511023190", "phones": [FAMILY]}
    )
    clients.create(ROOT, {"first_name": "Tomáš", "surname": "Veselý", "phones": ["+420739000111"]})

    for writing in ("+420 603 111 222", "603111222", "00420603111222"):
        assert [c.id for c in clients.by_phone(writing)] == [husband.id, wife.id]
    assert clients.by_phone("+420777000000") == []
    assert clients.by_phone("nesmysl") == []


@pytest.mark.req("IN-11", "CDB-02")
def test_search_finds_by_name_without_accents_company_identifier_and_icis_id(clients: ClientService) -> None:
    wife = clients.create(ROOT, jana())
    employer = clients.create(
        ROOT, {"kind": "employer", "company": "Strojírny Pankrác a.s.", "identifier": "45301221"}
    )

    assert [c.id for c in clients.search("svobodova")] == [wife.id]
    assert [c.id for c in clients.search("JANA svob")] == [wife.id]
    assert [c.id for c in clients.search("785314/4123")] == [wife.id]
    assert [c.id for c in clients.search("k-1004321")] == [wife.id]
    assert [c.id for c in clients.search("strojirny")] == [employer.id]
    assert [c.id for c in clients.search("45301221")] == [employer.id]
    assert clients.search("Svobodová Brno") == []
    assert clients.search("  ") == []


@pytest.mark.req("IN-11", "CDB-03")
def test_a_client_entered_by_hand_is_stored_normalised_and_audited(
    clients: ClientService, store: Store, clock: FixedClock
) -> None:
    created = clients.create(ROOT, jana(values={"obec": "Praha 4", "vip": "ano", "dluh": "10,5"}))

    stored = clients.get(created.id)  # type: ignore[arg-type]
    assert stored.identifier == "7853144123"
    assert stored.phones == {FAMILY, "+420731222333"}
    assert stored.values == {"obec": "Praha 4", "vip": "true", "dluh": "10.5"}
    assert (stored.version, stored.created_at, stored.updated_at) == (1, clock.now(), clock.now())
    record = store.last()
    assert (record.action, record.object_type, record.object_id) == (
        "client.create",
        "client",
        str(created.id),
    )
    assert record.params["after"]["surname"] == "Svobodová"


@pytest.mark.req("CDB-03", "AG-19")
def test_an_update_with_errors_reports_every_problem_at_once_and_saves_nothing(
    clients: ClientService, store: Store
) -> None:
    created = clients.create(ROOT, jana())

    with pytest.raises(ValidationFailed) as refused:
        clients.update(
            ROOT,
            created.id,  # type: ignore[arg-type]
            {
                "surname": "",
                "identifier": "7853144124",
                "email": "jana.seznam.cz",
                "phones": ["12345"],
                "shoe_size": "38",
                "values": {
                    "datum_narozeni": "14. 3. 1978",
                    "stav": "neznámý",
                    "mobil": "abc",
                    "neznámé": "x",
                    "stare": "y",
                    "obec": "Brno",
                },
            },
            version=1,
        )

    assert codes(refused.value) == {
        ("surname", "required"),
        ("identifier", "bad_insurance_number"),
        ("email", "bad_email"),
        ("phones", "bad_external_number"),
        ("shoe_size", "unknown_field"),
        ("values.datum_narozeni", "bad_date"),
        ("values.stav", "invalid_choice"),
        ("values.mobil", "bad_external_number"),
        ("values.neznámé", "unknown_field"),
        ("values.stare", "unknown_field"),
    }
    unchanged = clients.get(created.id)  # type: ignore[arg-type]
    assert (unchanged.surname, unchanged.values["obec"], unchanged.version) == ("Svobodová", "Praha 4", 1)
    assert (store.last().action, store.last().outcome) == ("client.update", Outcome.REJECTED)


@pytest.mark.req("AG-19", "CDB-03")
def test_an_update_during_a_call_changes_only_the_given_fields_and_audits_before_and_after(
    clients: ClientService, store: Store, clock: FixedClock
) -> None:
    created = clients.create(ROOT, jana())
    clock.advance(minutes=3)

    saved = clients.update(
        ROOT,
        created.id,  # type: ignore[arg-type]
        {"email": "jana@svobodovi.cz", "phones": ["603111222"], "values": {"obec": "", "vip": True}},
        version=1,
    )

    assert saved.version == 2
    assert saved.updated_at == clock.now()
    assert saved.values == {"stav": "aktivní", "vip": "true"}
    assert (saved.first_name, saved.phones) == ("Jana", {FAMILY})
    record = store.last()
    assert record.action == "client.update"
    assert record.params["before"] == {
        "email": "",
        "phones": [FAMILY, "+420731222333"],
        "values": {"obec": "Praha 4", "stav": "aktivní"},
    }
    assert record.params["after"]["email"] == "jana@svobodovi.cz"


@pytest.mark.req("AG-19")
def test_an_update_based_on_an_old_version_is_a_conflict_and_changes_nothing(
    clients: ClientService, store: Store
) -> None:
    created = clients.create(ROOT, jana())
    clients.update(ROOT, created.id, {"title": "Mgr."}, version=1)  # type: ignore[arg-type]

    with pytest.raises(Conflict):
        clients.update(ROOT, created.id, {"title": "Ph.D."}, version=1)  # type: ignore[arg-type]

    assert clients.get(created.id).title == "Mgr."  # type: ignore[arg-type]
    assert store.last().outcome == Outcome.REJECTED


@pytest.mark.req("CDB-03")
def test_a_new_required_field_must_be_filled_at_the_next_change(
    clients: ClientService, uow_factory: MemoryUnitOfWorkFactory
) -> None:
    created = clients.create(ROOT, jana())
    with uow_factory() as uow:
        uow.client_fields.add(ClientField("pobocka", "Pobočka", FieldType.CHOICE, ("Praha",), required=True))
        uow.commit()

    with pytest.raises(ValidationFailed) as refused:
        clients.update(ROOT, created.id, {"title": ""}, version=1)  # type: ignore[arg-type]
    saved = clients.update(ROOT, created.id, {"values": {"pobocka": "Praha"}}, version=1)  # type: ignore[arg-type]

    assert codes(refused.value) == {("values.pobocka", "required")}
    assert saved.values["pobocka"] == "Praha"


def test_the_card_fields_come_active_only_in_their_order(clients: ClientService) -> None:
    keys = [f.key for f in clients.fields()]

    assert keys[0] == "poznamka" and keys[-1] == "datum_narozeni"
    assert "stare" not in keys
    assert "stare" in [f.key for f in clients.fields(active_only=False)]


def test_an_unknown_client_is_not_found(clients: ClientService) -> None:
    with pytest.raises(NotFound):
        clients.get(999)


def test_an_identifier_belongs_to_one_client_only(clients: ClientService) -> None:
    clients.create(ROOT, jana())

    with pytest.raises(ValidationFailed) as refused:
        clients.create(ROOT, {"surname": "Svobodová", "identifier": "7853144123"})

    assert codes(refused.value) == {("identifier", "duplicate")}


@pytest.mark.req("SEC-03", "SEC-04")
def test_reading_a_card_is_audited_once_per_reader_and_client_in_a_window(
    clients: ClientService, store: Store, clock: FixedClock
) -> None:
    """Issue 16 #6: a card's personal data were read without any audit record."""
    created = clients.create(ROOT, jana())
    other = clients.create(ROOT, jana(identifier="", icis_id="", first_name="Petr", phones=[]))
    agent, colleague = Actor("novakova", "10.0.0.7"), Actor("horak", "10.0.0.8")

    def reads() -> list[tuple[str, str]]:
        return [(r.actor, r.object_id) for r in store.records() if r.action == "client.read"]

    for _ in range(3):
        assert clients.read(agent, created.id).surname == "Svobodová"  # type: ignore[arg-type]
    clients.read(agent, other.id)  # type: ignore[arg-type]
    clients.read(colleague, created.id)  # type: ignore[arg-type]
    assert reads() == [("novakova", str(created.id)), ("novakova", str(other.id)), ("horak", str(created.id))]

    clock.advance(minutes=16)  # a new window
    clients.read(agent, created.id)  # type: ignore[arg-type]
    assert reads()[-1] == ("novakova", str(created.id)) and len(reads()) == 4
    with pytest.raises(NotFound):
        clients.read(agent, 999)
