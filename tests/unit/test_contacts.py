"""What the agent records about a call and the agent's own history and statistics (IN-12, AG-04,
AG-05, AG-07, AG-08, AG-09, AG-13, AG-15, REC-01), on the in-memory fakes with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.clients.model import Client
from kc_domain.contacts.model import NOTE_MAX, CallPhase, category_refusal
from kc_domain.contacts.service import ContactService
from kc_domain.errors import Forbidden, NotFound, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.organisation.model import CallCategory, CategoryKind, Queue
from kc_domain.routing import events as ev

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
NOVAKOVA = Actor("novakova", "10.0.0.7")
HORAK = Actor("horak", "10.0.0.8")
CALLER = "+420777123456"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class World:
    def __init__(self) -> None:
        self.uow_factory = MemoryUnitOfWorkFactory()
        self.clock = FixedClock(T0)
        self.journal = MemoryJournal()
        self.service = ContactService(self.uow_factory, self.clock, AuditTrail(self.clock), self.journal)
        with self.uow_factory() as uow:
            self.novakova = uow.users.add(User("novakova", "Eva Nováková", {Role.AGENT})).id
            self.horak = uow.users.add(User("horak", "Petr Horák", {Role.AGENT})).id
            self.general = uow.queues.add(Queue("Obecná linka", sl_threshold_s=20)).id
            self.payments = uow.queues.add(Queue("Platby", sl_threshold_s=60)).id
            self.complaint = uow.categories.add(CallCategory("Stížnost")).id
            self.info = uow.categories.add(CallCategory("Informace")).id
            self.old = uow.categories.add(CallCategory("Zrušená", active=False)).id
            self.product = uow.categories.add(CallCategory("Produkt", kind=CategoryKind.PRODUCT)).id
            self.dvorak = uow.clients.add(Client(first_name="Jan", surname="Dvořák")).id
            uow.commit()

    def answered(
        self,
        call_id: str,
        agent: int,
        start: float = 0,
        caller: str = CALLER,
        queue: int | None = None,
        waited: float = 5,
        talk: float = 120,
        ended: bool = True,
        wrap_up_open: bool = False,
    ) -> None:
        q = self.general if queue is None else queue
        events: list[ev.Event] = [
            ev.CallArrived(at(start), call_id, caller, "+420261105555"),
            ev.CallQueued(at(start), call_id, q, 5),
            ev.CallOffered(at(start + waited - 1), call_id, q, agent),
            ev.CallAnswered(at(start + waited), call_id, q, agent, waited),
        ]
        if ended:
            end = at(start + waited + talk)
            events += [
                ev.AgentStateChanged(end, agent, "wrap_up", "busy", "", call_id),
                ev.CallEnded(end, call_id, "completed", q, agent, "normal"),
            ]
            if not wrap_up_open:
                events.append(ev.AgentStateChanged(end + timedelta(seconds=30), agent, "ready", "wrap_up"))
        self.journal.record(events, [])

    def lost(self, call_id: str, start: float, queue: int, stage: str = "abandoned_in_queue") -> None:
        self.journal.record(
            [
                ev.CallArrived(at(start), call_id, "+420601000001", "+420261105555"),
                ev.CallQueued(at(start), call_id, queue, 5),
                ev.CallEnded(at(start + 40), call_id, stage, queue, None, "caller"),
            ],
            [],
        )

    def audit(self) -> list:
        with self.uow_factory() as uow:
            return list(uow.audit.ordered())


@pytest.fixture
def w() -> World:
    return World()


# -- notes (AG-04) ------------------------------------------------------------------------------------
@pytest.mark.req("AG-04", "IN-12")
def test_autosaves_during_the_call_overwrite_one_draft_and_finishing_seals_it_as_version_1(w):
    w.answered("c1", w.novakova, ended=False)
    w.service.save_note(NOVAKOVA, w.novakova, "c1", "Klient volá kvůli")
    w.clock.advance(seconds=5)
    saved = w.service.save_note(NOVAKOVA, w.novakova, "c1", "Klient volá kvůli přeplatku")
    assert saved.phase == CallPhase.LIVE
    assert [(n.number, n.text, n.draft) for n in saved.notes] == [(1, "Klient volá kvůli přeplatku", True)]
    assert [r.params["chars"] for r in w.audit() if r.action == "contact.note"] == [17, 27]

    sealed = w.service.save_note(NOVAKOVA, w.novakova, "c1", "Přeplatek vrácen", final=True)

    note = sealed.notes[0]
    assert (len(sealed.notes), note.number, note.draft, note.text) == (1, 1, False, "Přeplatek vrácen")
    assert (note.author_id, note.author_name, note.at) == (w.novakova, "Eva Nováková", w.clock.now())


@pytest.mark.req("AG-04")
def test_in_wrap_up_the_note_stays_a_draft_and_the_first_save_after_it_seals_it(w):
    w.answered("c1", w.novakova, wrap_up_open=True)
    w.clock.at = at(200)
    assert w.service.save_note(NOVAKOVA, w.novakova, "c1", "rozepsáno").phase == CallPhase.WRAP_UP
    assert w.service.record("c1").notes[0].draft
    w.journal.record([ev.AgentStateChanged(at(210), w.novakova, "ready", "wrap_up")], [])
    w.clock.at = at(300)

    done = w.service.save_note(NOVAKOVA, w.novakova, "c1", "Hotovo")

    assert done.phase == CallPhase.FINISHED
    assert [(n.number, n.text, n.draft) for n in done.notes] == [(1, "Hotovo", False)]


@pytest.mark.req("AG-04")
def test_amendments_are_new_versions_and_earlier_ones_are_kept(w):
    w.answered("c1", w.novakova)
    w.clock.at = at(600)
    w.service.save_note(NOVAKOVA, w.novakova, "c1", "První verze")
    w.clock.at = at(900)

    amended = w.service.amend_note(NOVAKOVA, w.novakova, "c1", "Druhá verze")

    assert [(n.number, n.text, n.at, n.draft) for n in amended.notes] == [
        (1, "První verze", at(600), False),
        (2, "Druhá verze", at(900), False),
    ]
    assert w.audit()[-1].action == "contact.note_amend" and w.audit()[-1].params["number"] == 2


@pytest.mark.req("AG-04")
def test_a_plain_save_after_sealing_is_refused_and_points_to_amending(w):
    w.answered("c1", w.novakova)
    w.clock.at = at(600)
    w.service.save_note(NOVAKOVA, w.novakova, "c1", "Zapečetěno")
    w.service.save_note(NOVAKOVA, w.novakova, "c1", "Zapečetěno")  # the same text again: nothing new
    with pytest.raises(ValidationFailed) as refused:
        w.service.save_note(NOVAKOVA, w.novakova, "c1", "Jiný text")
    assert refused.value.errors[0].code == "note_sealed"
    assert len(w.service.record("c1").notes) == 1


@pytest.mark.req("AG-04")
def test_a_note_over_4000_characters_is_refused_and_nothing_is_saved(w):
    w.answered("c1", w.novakova, ended=False)
    with pytest.raises(ValidationFailed) as refused:
        w.service.save_note(NOVAKOVA, w.novakova, "c1", "x" * (NOTE_MAX + 1))
    error = refused.value.errors[0]
    assert (error.field, error.code, error.params) == ("note", "too_long", {"max": 4000})
    assert w.service.record("c1").notes == ()
    assert w.audit()[-1].outcome == Outcome.REJECTED
    w.service.save_note(NOVAKOVA, w.novakova, "c1", "x" * NOTE_MAX)  # exactly at the limit is fine


@pytest.mark.req("AG-04")
def test_empty_text_clears_a_draft_but_cannot_seal_or_amend(w):
    w.answered("c1", w.novakova, ended=False)
    w.service.save_note(NOVAKOVA, w.novakova, "c1", "omyl")
    assert w.service.save_note(NOVAKOVA, w.novakova, "c1", "  ").notes[0].text == ""
    for call in (
        lambda: w.service.save_note(NOVAKOVA, w.novakova, "c1", "", final=True),
        lambda: w.service.amend_note(NOVAKOVA, w.novakova, "c1", ""),
    ):
        with pytest.raises(ValidationFailed) as refused:
            call()
        assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("note", "required")


# -- authorisation ------------------------------------------------------------------------------------
@pytest.mark.req("AG-04")
def test_only_the_agent_of_the_call_or_a_supervisor_may_write_and_refusals_are_audited(w):
    w.answered("c1", w.novakova)
    with pytest.raises(Forbidden):
        w.service.save_note(HORAK, w.horak, "c1", "cizí hovor")
    refusal = w.audit()[-1]
    assert (refusal.actor, refusal.action, refusal.object_id, refusal.outcome) == (
        "horak",
        "contact.note",
        "c1",
        Outcome.REJECTED,
    )
    with pytest.raises(Forbidden):
        w.service.set_category(HORAK, w.horak, "c1", w.info)
    assert w.service.record("c1").notes == ()

    by_supervisor = w.service.amend_note(HORAK, w.horak, "c1", "Doplněno vedoucím", may_supervise=True)
    assert by_supervisor.notes[0].author_name == "Petr Horák"


def test_an_unknown_call_is_not_found(w):
    with pytest.raises(NotFound):
        w.service.record("nope")
    with pytest.raises(NotFound):
        w.service.save_note(NOVAKOVA, w.novakova, "nope", "x")
    assert w.audit()[-1].outcome == Outcome.REJECTED


# -- category, client, recording (AG-13, IN-12, REC-01) -------------------------------------------------
@pytest.mark.req("AG-13")
def test_the_category_can_be_changed_later_and_each_change_is_audited_with_before_and_after(w):
    w.answered("c1", w.novakova)
    w.service.set_category(NOVAKOVA, w.novakova, "c1", w.complaint)
    w.clock.advance(days=2)

    changed = w.service.set_category(NOVAKOVA, w.novakova, "c1", w.info)

    assert changed.record.category_id == w.info and changed.record.version == 2
    assert changed.record.updated_at == w.clock.now()
    assert [r.params for r in w.audit() if r.action == "contact.category"] == [
        {"agent_id": w.novakova, "before": None, "after": w.complaint},
        {"agent_id": w.novakova, "before": w.complaint, "after": w.info},
    ]


@pytest.mark.req("AG-13")
def test_inactive_unknown_or_non_call_categories_are_refused(w):
    w.answered("c1", w.novakova)
    for category_id, code in (
        (w.old, "category_inactive"),
        (999, "unknown_reference"),
        (w.product, "unknown_reference"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            w.service.set_category(NOVAKOVA, w.novakova, "c1", category_id)
        assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("category_id", code)
    assert w.service.record("c1").record.category_id is None


@pytest.mark.req("AG-13")
def test_the_categories_offered_are_exactly_those_a_call_accepts(w):
    """The desktop offers the categories ``category_refusal`` has nothing against; the server
    checks the same rule, so nothing offered fails and nothing refused is offered."""
    w.answered("c1", w.novakova)
    with w.uow_factory() as uow:
        categories = uow.categories.list()
    offered = {c.id for c in categories if category_refusal(c) is None}
    accepted = set()
    for category in categories:
        try:
            w.service.set_category(NOVAKOVA, w.novakova, "c1", category.id)
        except ValidationFailed:
            continue
        accepted.add(category.id)
    assert offered == accepted == {w.complaint, w.info}


@pytest.mark.req("IN-12", "REC-01")
def test_the_client_and_the_do_not_record_choice_are_kept_on_the_call(w):
    w.answered("c1", w.novakova, ended=False)
    w.service.set_recording_opt_out(NOVAKOVA, w.novakova, "c1", True)
    w.service.set_client(NOVAKOVA, w.novakova, "c1", w.dvorak)
    with pytest.raises(ValidationFailed) as refused:
        w.service.set_client(NOVAKOVA, w.novakova, "c1", 999)
    assert refused.value.errors[0].code == "unknown_reference"
    record = w.service.record("c1").record
    assert (record.recording_opt_out, record.client_id, record.agent_id) == (True, w.dvorak, w.novakova)
    assert [r.params["after"] for r in w.audit() if r.action == "contact.recording"] == [True]


# -- history (AG-05, AG-07) --------------------------------------------------------------------------
@pytest.mark.req("AG-05", "AG-07")
def test_history_merges_the_numbers_calls_with_the_clients_calls_from_other_numbers(w):
    w.answered("old", w.horak, start=0)
    w.answered("other-number", w.novakova, start=3600, caller="+420602000002")
    w.answered("now", w.novakova, start=7200, ended=False)
    w.journal.record(
        [ev.CallDialled(at(5000), "out", CALLER, None, w.horak), ev.CallConnected(at(5010), "out")], []
    )
    w.clock.at = at(4000)
    w.service.save_note(HORAK, w.horak, "old", "Dotaz na průkaz")
    w.service.amend_note(HORAK, w.horak, "old", "Dotaz na průkaz, zasláno poštou")
    w.service.set_category(HORAK, w.horak, "old", w.info)
    w.service.set_client(NOVAKOVA, w.novakova, "other-number", w.dvorak)

    history = w.service.history_for(CALLER, w.dvorak, exclude="now")

    assert [(h.call_id, h.direction, h.agent_name) for h in history] == [
        ("out", "outbound", "Petr Horák"),
        ("other-number", "inbound", "Eva Nováková"),
        ("old", "inbound", "Petr Horák"),
    ]
    old = history[-1]
    assert (old.note, old.note_versions, old.category_id, old.talk_s, old.end_stage, old.at) == (
        "Dotaz na průkaz, zasláno poštou",
        2,
        w.info,
        120.0,
        "completed",
        at(0),
    )
    assert old.recording == "" and history[1].client_id == w.dvorak
    assert [h.call_id for h in w.service.history_for(CALLER, None, limit=2)] == ["now", "out"]


# -- own history (AG-09, AG-15) ------------------------------------------------------------------------
@pytest.mark.req("AG-09", "AG-15")
def test_own_history_in_a_period_searches_notes_of_every_version_and_client_names(w):
    w.answered("a", w.novakova, start=0)
    w.answered("b", w.novakova, start=600)
    w.answered("c", w.novakova, start=1200)
    w.answered("h", w.horak, start=1300)
    w.lost("l", 1400, w.general, "abandoned_ringing")
    w.clock.at = at(3000)
    w.service.save_note(NOVAKOVA, w.novakova, "a", "Změna ADRESY")
    w.service.amend_note(NOVAKOVA, w.novakova, "a", "Oprava údajů")
    w.service.save_note(NOVAKOVA, w.novakova, "b", "Platba")
    w.service.set_client(NOVAKOVA, w.novakova, "c", w.dvorak)
    since, until = at(-60), at(3600)

    assert [c.call_id for c in w.service.my_calls(w.novakova, since, until)] == ["c", "b", "a"]
    assert [c.call_id for c in w.service.my_calls(w.novakova, since, until, "adresy")] == ["a"]
    assert [c.call_id for c in w.service.my_calls(w.novakova, since, until, "dvorak")] == ["c"]
    injected = ContactService(
        w.uow_factory, w.clock, AuditTrail(w.clock), w.journal, client_ids_matching=lambda text: {w.dvorak}
    )
    assert [c.call_id for c in injected.my_calls(w.novakova, since, until, "kdokoli")] == ["c"]
    assert w.service.my_calls(w.novakova, at(700), until)[-1].call_id == "c"
    assert [c.call_id for c in w.service.my_calls(w.novakova, since, until, limit=1)] == ["c"]
    assert [c.call_id for c in w.service.last_calls(w.novakova, limit=2)] == ["c", "b"]


# -- personal statistics (AG-08) -----------------------------------------------------------------------
@pytest.mark.req("AG-08")
def test_personal_statistics_count_handled_lost_and_service_level_per_period_and_queue(w):
    day = 86400
    now = at(31 * day)
    w.answered("h1", w.novakova, start=now.timestamp() - T0.timestamp() - 3600, waited=10)  # in 24 h, SL ok
    w.answered("h2", w.novakova, start=31 * day - 3 * day, waited=45, queue=w.payments)  # 7 d, SL ok (60 s)
    w.answered("h3", w.novakova, start=31 * day - 10 * day, waited=30)  # 14 d, over 20 s
    w.answered("x1", w.horak, start=31 * day - 2 * 3600, waited=5)  # someone else's, in 24 h
    w.answered("old", w.novakova, start=0)  # older than 30 days
    w.lost("l1", 31 * day - 600, w.general)  # 24 h
    w.lost("l2", 31 * day - 20 * day, w.payments, "abandoned_ringing")  # 30 d

    stats = w.service.personal_stats(w.novakova, [w.payments, w.general], now)

    by = {p.period: p for p in stats.periods}
    assert list(by) == ["24h", "7d", "14d", "30d"]
    assert [(by[p].handled, by[p].lost, by[p].offered, by[p].within_sl) for p in by] == [
        (1, 1, 3, 2),
        (2, 1, 4, 3),
        (3, 1, 5, 3),
        (3, 2, 6, 3),
    ]
    assert by["24h"].service_level == pytest.approx(66.7)
    general = next(q for q in by["30d"].queues if q.queue_id == w.general)
    payments = next(q for q in by["30d"].queues if q.queue_id == w.payments)
    assert (general.handled, general.lost, general.offered, general.service_level, general.threshold_s) == (
        2,
        1,
        4,
        50.0,
        20,
    )
    assert (payments.handled, payments.lost, payments.service_level) == (1, 1, 50.0)
    assert by["24h"].since == now - timedelta(hours=24) and stats.queue_ids == tuple(
        sorted([w.payments, w.general])
    )


@pytest.mark.req("AG-08")
def test_with_nothing_offered_the_service_level_is_unknown_not_zero(w):
    stats = w.service.personal_stats(w.novakova, [w.general], at(0))
    assert all(p.service_level is None and p.handled == 0 for p in stats.periods)
