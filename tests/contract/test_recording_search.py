"""The RecordingSearch contract (REC-02, REC-06): a hand-made day of recorded calls whose right
orders and filters are written here, so the in-memory fake, SQLite and PostgreSQL must give them
alike. The day is written through the ports (unit of work, journal), as the services write it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.memory.recording_search import MemoryRecordingSearch
from kc_adapters.persistence.journal import SqlJournal
from kc_adapters.persistence.recording_search import SqlRecordingSearch
from kc_domain.contacts.model import ContactRecord, NoteVersion
from kc_domain.identity.model import User
from kc_domain.identity.sight import Sight
from kc_domain.organisation.model import CallCategory, Queue
from kc_domain.recordings.model import Recording
from kc_domain.routing import events as ev
from kc_ports.journal import ContactJournal
from kc_ports.persistence import UnitOfWorkFactory
from kc_ports.recording_search import RecordingQuery, RecordingSearch
from tests.contract.conftest import open_database

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
DAY = {"since": MONDAY - timedelta(hours=1), "until": MONDAY + timedelta(hours=23)}


def at(seconds: float) -> datetime:
    return MONDAY + timedelta(seconds=seconds)


@attrs.frozen
class Stores:
    """Where the day is written, and the search under test that reads it."""

    uow_factory: UnitOfWorkFactory
    journal: ContactJournal
    search: RecordingSearch


@pytest.fixture
def stores(backend: str, tmp_path: Path) -> Iterator[Stores]:
    if backend == "memory":
        uow_factory, journal = MemoryUnitOfWorkFactory(), MemoryJournal()
        yield Stores(uow_factory, journal, MemoryRecordingSearch(uow_factory, journal))
        return
    database, drop = open_database(backend, tmp_path)
    try:
        yield Stores(database.uow_factory(), SqlJournal(database.engine), SqlRecordingSearch(database.engine))
    finally:
        database.dispose()
        drop()


@pytest.fixture
def search(stores: Stores) -> RecordingSearch:
    return stores.search


@pytest.fixture
def day(stores: Stores) -> dict[str, Any]:
    """Calls: c1 inbound (Alfa, queue Obecna, 6 s in the queue, category Dotaz, two note versions),
    recorded twice (rec1 by Alfa, rec7 by Beta after a transfer); c2 inbound (Beta, Platby, 33 s,
    Stiznost, a note); c3 outbound by Beta, connected; c4 outbound by Alfa, not connected; c5 lost
    in the queue; x6 a recording without a journal row; rec8 the day before."""
    with stores.uow_factory() as uow:
        alfa = uow.users.add(User("alfa", "Adam Alfa", agent_number="2101"))
        beta = uow.users.add(User("beta", "Bara Beta", agent_number="2102"))
        obecna = uow.queues.add(Queue("Obecna", "2001"))
        platby = uow.queues.add(Queue("Platby", "2002"))
        dotaz = uow.categories.add(CallCategory("Dotaz"))
        stiznost = uow.categories.add(CallCategory("Stiznost"))
        uow.commit()
        a, b, q1, q2 = alfa.id, beta.id, obecna.id, platby.id
        cat1, cat2 = dotaz.id, stiznost.id
    assert a is not None and b is not None and q1 is not None and q2 is not None
    stores.journal.record(
        [
            ev.CallArrived(at(0), "c1", "+420777000001", "+420261105555"),
            ev.CallQueued(at(2), "c1", q1, 5),
            ev.CallOffered(at(3), "c1", q1, a),
            ev.CallAnswered(at(8), "c1", q1, a, 6),
            ev.CallEnded(at(160), "c1", "completed", q1, a),
            ev.CallArrived(at(60), "c2", "+420777000002", "+420261105555"),
            ev.CallQueued(at(62), "c2", q2, 5),
            ev.CallOffered(at(80), "c2", q2, b),
            ev.CallAnswered(at(95), "c2", q2, b, 33),
            ev.CallEnded(at(155), "c2", "completed", q2, b),
            ev.CallDialled(at(3800), "c3", "+420603000003", None, b),
            ev.CallConnected(at(3810), "c3"),
            ev.CallEnded(at(3910), "c3", "completed", None, b),
            ev.CallDialled(at(3900), "c4", "+420603000004", None, a),
            ev.CallEnded(at(3930), "c4", "not_reached", None, a),
            ev.CallArrived(at(3990), "c5", "+420777000005", "+420261105556"),
            ev.CallQueued(at(3995), "c5", q1, 5),
            ev.CallEnded(at(4010), "c5", "abandoned_in_queue", q1, None, "caller"),
        ],
        [],
    )
    made: dict[str, int] = {}
    with stores.uow_factory() as uow:
        for name, call, start, duration, agent in [
            ("rec1", "c1", at(8), 120.0, a),
            ("rec2", "c2", at(95), 60.0, b),
            ("rec3", "c3", at(3810), 100.0, b),
            ("rec4", "c4", at(3900), 5.0, a),
            ("rec5", "c5", at(4000), 3.0, None),
            ("rec6", "x6", at(5000), 10.0, a),
            ("rec7", "c1", at(130), 30.0, b),
            ("rec8", "old", at(-86400), 50.0, a),
        ]:
            recording = uow.recordings.add(
                Recording(
                    call_id=call,
                    started_at=start,
                    duration_s=duration,
                    path=f"2026/11/23/{name}.wav",
                    size=1000,
                    sha256="0" * 64,
                    agent_id=agent,
                    legal_hold=name == "rec3",
                    hold_reason="Stiznost 1/2026" if name == "rec3" else "",
                    purged_at=at(90000) if name == "rec6" else None,
                )
            )
            assert recording.id is not None
            made[name] = recording.id
        for call, agent, category in (("c1", a, cat1), ("c2", b, cat2), ("c3", b, None)):
            uow.contacts.save(ContactRecord(call, agent, None, category, False, at(200), 1))
        for call, number, text in (
            ("c1", 1, "stará verze"),
            ("c1", 2, "Klient žádá PŘEPLATEK"),
            ("c2", 1, "reklamace"),
        ):
            uow.contacts.save_note(NoteVersion(call, number, text, None, "", at(200 + number)))
        uow.commit()
    return {"ids": made, "a": a, "b": b, "q1": q1, "q2": q2, "cat1": cat1, "cat2": cat2}


def names(day: dict[str, Any], search: RecordingSearch, **query: Any) -> list[str]:
    by_id = {v: k for k, v in day["ids"].items()}
    _, rows = search.search(RecordingQuery(**{**DAY, **query}))
    return [by_id[row.id] for row in rows]


@pytest.mark.req("REC-06")
def test_sorted_by_every_column_both_ways(search, day):
    def order(sort: str, descending: bool) -> list[str]:
        return names(day, search, sort=sort, descending=descending)

    assert order("started_at", True) == ["rec6", "rec5", "rec4", "rec3", "rec7", "rec2", "rec1"]
    assert order("started_at", False) == ["rec1", "rec2", "rec7", "rec3", "rec4", "rec5", "rec6"]
    assert order("duration", False) == ["rec5", "rec4", "rec6", "rec7", "rec2", "rec3", "rec1"]
    assert order("duration", True) == ["rec1", "rec3", "rec2", "rec7", "rec6", "rec4", "rec5"]
    # the agent is the recording's, else the call's; ties by id in the same direction, unknown last
    assert order("agent", False) == ["rec1", "rec4", "rec6", "rec2", "rec3", "rec7", "rec5"]
    assert order("agent", True) == ["rec7", "rec3", "rec2", "rec6", "rec4", "rec1", "rec5"]
    assert order("number", False) == ["rec3", "rec4", "rec1", "rec7", "rec2", "rec5", "rec6"]
    assert order("queue_wait", True) == ["rec2", "rec7", "rec1", "rec6", "rec5", "rec4", "rec3"]
    assert order("queue_wait", False) == ["rec1", "rec7", "rec2", "rec3", "rec4", "rec5", "rec6"]
    assert order("category", False) == ["rec1", "rec7", "rec2", "rec3", "rec4", "rec5", "rec6"]
    assert order("queue", False) == ["rec1", "rec5", "rec7", "rec2", "rec3", "rec4", "rec6"]
    assert order("note", False) == ["rec1", "rec7", "rec2", "rec3", "rec4", "rec5", "rec6"]
    assert order("note", True) == ["rec2", "rec7", "rec1", "rec6", "rec5", "rec4", "rec3"]
    with pytest.raises(ValueError, match="sort"):
        search.search(RecordingQuery(**DAY, sort="colour"))


@pytest.mark.req("REC-02", "REC-06")
def test_filters(search, day):
    def found(**query: Any) -> list[str]:
        return names(day, search, **query)

    assert found(agent_id=day["a"]) == ["rec6", "rec4", "rec1"]
    assert found(agent_id=day["b"]) == ["rec3", "rec7", "rec2"]
    assert found(queue_id=day["q1"]) == ["rec5", "rec7", "rec1"]
    assert found(number="603") == ["rec4", "rec3"]
    assert found(number="105555") == ["rec7", "rec2", "rec1"]  # the dialled number too
    assert found(number="%") == []  # a wildcard is a plain character
    assert found(category_id=day["cat1"]) == ["rec7", "rec1"]
    assert found(kind="inbound") == ["rec7", "rec2", "rec1"]
    assert found(kind="outbound") == ["rec3"]
    assert found(kind="not_connected") == ["rec4"]
    assert found(kind="lost") == ["rec5"]
    assert found(min_duration=30, max_duration=100) == ["rec3", "rec7", "rec2"]
    assert found(note_text="přeplatek") == ["rec7", "rec1"]  # the latest version, any case
    assert found(note_text="KLIENT ŽÁDÁ") == ["rec7", "rec1"]
    assert found(note_text="stará") == []  # an older version does not count
    assert found(call_id="c1") == ["rec7", "rec1"]
    assert found(agent_id=day["b"], kind="inbound") == ["rec7", "rec2"]
    everything = {**DAY, "since": MONDAY - timedelta(days=2)}
    total, rows = search.search(RecordingQuery(**everything, call_id="old"))
    assert total == 1 and rows[0].id == day["ids"]["rec8"]
    with pytest.raises(ValueError, match="kind"):
        search.search(RecordingQuery(**DAY, kind="internal"))


@pytest.mark.req("REC-02", "REC-06")
def test_rows_carry_the_calls_data_and_pages_count_the_total(search, day):
    total, rows = search.search(RecordingQuery(**DAY, offset=3, limit=3))
    assert total == 7 and [r.id for r in rows] == [day["ids"][n] for n in ("rec3", "rec7", "rec2")]
    rec3, rec7, rec2 = rows
    assert (rec3.kind, rec3.direction, rec3.caller, rec3.agent_name, rec3.legal_hold) == (
        "outbound",
        "outbound",
        "+420603000003",
        "Bara Beta",
        True,
    )
    assert rec3.category_name == "" and rec3.note == "" and rec3.queue_wait_s is None
    assert (rec2.agent_name, rec2.agent_number, rec2.queue_name, rec2.queue_number) == (
        "Bara Beta",
        "2102",
        "Platby",
        "2002",
    )
    assert (rec2.queue_wait_s, rec2.category_name, rec2.note, rec2.kind) == (
        33,
        "Stiznost",
        "reklamace",
        "inbound",
    )
    assert rec7.note == "Klient žádá PŘEPLATEK" and rec7.category_id == day["cat1"]
    assert rec7.started_at == at(130) and rec7.duration_s == 30
    purged = search.find(day["ids"]["rec6"])
    assert purged is not None and purged.purged and purged.kind == "" and purged.agent_name == "Adam Alfa"
    assert search.find(999999) is None
    assert search.search(RecordingQuery(**DAY, offset=6, limit=50))[1][0].id == day["ids"]["rec1"]


@pytest.mark.req("REC-02")
def test_which_calls_have_recordings_to_link_to(search, day):
    # x6's only recording is purged: nothing to listen to, no link; c1 was transferred (two stretches)
    ids = day["ids"]
    assert search.recorded_calls(["c1", "c2", "c9", "x6", "old", "c1"]) == {
        "c1": [ids["rec1"], ids["rec7"]],
        "c2": [ids["rec2"]],
        "old": [ids["rec8"]],
    }
    assert search.recorded_calls([]) == {}


@pytest.mark.req("REC-02", "REC-06")
def test_a_sight_limits_the_search_to_the_calls_of_its_queues_or_agents(search, day):
    def seen(queue_ids: set[int] | None, agent_ids: set[int] | None) -> list[str]:
        wanted = Sight(
            None if queue_ids is None else frozenset(queue_ids),
            None if agent_ids is None else frozenset(agent_ids),
        )
        return names(day, search, sight=wanted)

    assert seen({day["q1"]}, None) == ["rec5", "rec7", "rec1"]
    assert seen(set(), {day["b"]}) == ["rec3", "rec7", "rec2"]  # rec7: Beta's stretch of c1
    assert seen({day["q2"]}, {day["a"]}) == ["rec6", "rec4", "rec2", "rec1"]
    assert seen(set(), set()) == []
    assert seen(None, None) == names(day, search)


@pytest.mark.req("REC-06")
@pytest.mark.parametrize("sort", ["started_at", "agent", "queue_wait", "note"])
def test_pages_follow_each_other_without_gaps_or_repeats(search, day, sort):
    whole = names(day, search, sort=sort, descending=False)

    pages = [names(day, search, sort=sort, descending=False, offset=o, limit=3) for o in (0, 3, 6)]

    assert [name for page in pages for name in page] == whole
    assert search.search(RecordingQuery(**DAY, offset=7, limit=3)) == (7, [])
