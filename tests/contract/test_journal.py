"""The engine journal contract (IN-04, IN-26), on memory, SQLite and PostgreSQL alike: events and
decisions are kept, and the interaction and agent-interval projections fold them correctly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing.policy import Candidate, Decision

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answered_call(call_id: str = "c1", agent: int = 7) -> list[ev.Event]:
    return [
        ev.CallArrived(at(0), call_id, "+420777123456", "+420261105555"),
        ev.CallQueued(at(1), call_id, 1, 5, "vip"),
        ev.AgentStateChanged(at(1), agent, "ringing", "ready", "", call_id),
        ev.CallOffered(at(1), call_id, 1, agent),
        ev.AgentStateChanged(at(4), agent, "busy", "ringing", "", call_id),
        ev.CallAnswered(at(4), call_id, 1, agent, 3.0),
        ev.CallHeld(at(30), call_id, agent),
        ev.CallRetrieved(at(40), call_id, agent),
        ev.AgentStateChanged(at(184), agent, "wrap_up", "busy", "", call_id),
        ev.CallEnded(at(184), call_id, "completed", 1, agent, "normal"),
    ]


@pytest.mark.req("IN-04")
def test_an_answered_call_becomes_one_interaction_with_all_its_times(journal):
    journal.record(answered_call(), [])
    row = journal.interaction("c1")
    assert row is not None
    assert (row.caller, row.queue_id, row.agent_id, row.rule) == ("+420777123456", 1, 7, "vip")
    assert (row.arrived_at, row.queued_at, row.offered_at, row.answered_at, row.ended_at) == (
        at(0),
        at(1),
        at(1),
        at(4),
        at(184),
    )
    assert (row.end_stage, row.waited_s, row.talk_s, row.holds, row.offers) == ("completed", 3.0, 180.0, 1, 1)
    assert [type(e).__name__ for e in journal.events_for("c1")][:2] == ["CallArrived", "CallQueued"]
    assert journal.events_for("c1")[3] == ev.CallAnswered(at(4), "c1", 1, 7, 3.0)


@pytest.mark.req("IN-04")
def test_events_of_one_call_may_arrive_in_several_batches(journal):
    events = answered_call()
    for start in range(0, len(events), 3):
        journal.record(events[start : start + 3], [])
    row = journal.interaction("c1")
    assert row is not None and row.end_stage == "completed" and row.talk_s == 180.0


@pytest.mark.req("IN-04")
def test_a_call_id_used_again_never_merges_two_calls_into_one(journal, caplog):
    journal.record(answered_call(), [])
    later = [  # another call, a day later, under the same id: in one batch, then in pieces
        ev.CallArrived(at(86400), "c1", "+420603999888", "+420261105556"),
        ev.CallQueued(at(86401), "c1", 2, 5),
        ev.CallAnswered(at(86410), "c1", 2, 9, 9.0),
        ev.CallEnded(at(86500), "c1", "completed", 2, 9, "normal"),
    ]
    journal.record(later, [])
    journal.record(later[2:], [])
    row = journal.interaction("c1")
    assert row is not None
    assert (row.caller, row.queue_id, row.agent_id, row.answered_at, row.ended_at, row.talk_s) == (
        "+420777123456",
        1,
        7,
        at(4),
        at(184),
        180.0,
    )
    refused = [r for r in caplog.records if r.levelname == "ERROR" and "call=c1" in r.getMessage()]
    assert len(refused) == 6  # each refused event named, for the operators


@pytest.mark.req("IN-26", "IN-04")
def test_missed_calls_lists_lost_calls_by_stage_newest_first(journal):
    journal.record(answered_call("ok"), [])
    journal.record(
        [
            ev.CallArrived(at(10), "q", "+420601000001", "+420261105555"),
            ev.CallQueued(at(11), "q", 2, 5),
            ev.CallEnded(at(70), "q", "abandoned_in_queue", 2, None, "caller"),
            ev.CallArrived(at(20), "r", "+420601000002", "+420261105555"),
            ev.CallQueued(at(21), "r", 1, 5),
            ev.CallOffered(at(22), "r", 1, 7),
            ev.CallEnded(at(30), "r", "abandoned_ringing", 1, 7, "caller"),
        ],
        [],
    )
    missed = journal.missed_calls(T0, at(3600))
    assert [(m.call_id, m.end_stage) for m in missed] == [
        ("r", "abandoned_ringing"),
        ("q", "abandoned_in_queue"),
    ]
    assert [m.call_id for m in journal.missed_calls(T0, at(3600), queue_ids=[2])] == ["q"]
    assert journal.missed_calls(at(3600), at(7200)) == []


@pytest.mark.req("IN-04")
def test_decisions_are_kept_with_their_candidates(journal):
    decision = Decision(
        "c1",
        at(1),
        1,
        "skill_first",
        7,
        (Candidate(7, 9, 1, 12.0, 300.0), Candidate(8, 5, 1, 40.0, 10.0)),
        "level 9, priority 1, idle 12 s; best of 2 ready agent(s)",
    )
    journal.record(answered_call(), [decision])
    assert journal.decisions_for("c1") == [decision]
    assert journal.decisions_for("other") == []


@pytest.mark.req("IN-04")
def test_agent_state_intervals_open_and_close(journal):
    journal.record(
        [
            ev.AgentStateChanged(at(-120), 7, "paused", "logged_out", "LOGIN"),
            ev.AgentStateChanged(at(-60), 7, "ready", "paused"),
        ],
        [],
    )
    journal.record(answered_call(), [])
    journal.record([ev.AgentStateChanged(at(300), 7, "logged_out", "wrap_up")], [])
    intervals = journal.intervals(7, at(-3600), at(3600))
    assert [(i.state, i.started_at, i.ended_at) for i in intervals] == [
        ("paused", at(-120), at(-60)),
        ("ready", at(-60), at(1)),
        ("ringing", at(1), at(4)),
        ("busy", at(4), at(184)),
        ("wrap_up", at(184), at(300)),
    ]
    assert intervals[0].pause_code == "LOGIN" and intervals[2].call_id == "c1"
    assert [i.state for i in journal.intervals(7, at(2), at(10))] == ["ringing", "busy"]
    assert journal.intervals(8, T0, at(3600)) == []


@pytest.mark.req("IN-21", "IN-04")
def test_an_overflow_to_an_external_number_is_counted_in_the_interaction(journal):
    journal.record(
        [
            ev.CallArrived(at(0), "x", "+420601000003", "+420261105555"),
            ev.CallQueued(at(0), "x", 1, 5),
            ev.CallOverflowed(at(0), "x", 1, "closed", "external", "+420222333444"),
            ev.CallEnded(at(0), "x", "overflowed", 1, None, "closed"),
        ],
        [],
    )
    row = journal.interaction("x")
    assert row is not None and (row.end_stage, row.overflow_reason) == ("overflowed", "closed")
    assert not row.lost and journal.missed_calls(T0, at(60)) == []


@pytest.mark.req("AG-05")
def test_calls_of_a_number_are_its_interactions_newest_first_up_to_the_limit(journal):
    journal.record(answered_call("first"), [])  # +420777123456 at 0 s, answered by agent 7
    journal.record(
        [
            ev.CallArrived(at(600), "other", "+420601000001", "+420261105555"),
            ev.CallArrived(at(300), "second", "+420777123456", "+420261105555"),
            ev.CallQueued(at(301), "second", 2, 5),
            ev.CallEnded(at(330), "second", "abandoned_in_queue", 2, None, "caller"),
            ev.CallArrived(at(900), "third", "+420777123456", "+420261105556"),
        ],
        [],
    )

    history = journal.calls_of("+420777123456")

    assert [(c.call_id, c.queue_id, c.agent_id, c.end_stage) for c in history] == [
        ("third", None, None, ""),
        ("second", 2, None, "abandoned_in_queue"),
        ("first", 1, 7, "completed"),
    ]
    assert history[0].arrived_at == at(900) and history[0].arrived_at.utcoffset() == timedelta(0)
    assert [c.call_id for c in journal.calls_of("+420777123456", limit=2)] == ["third", "second"]
    assert journal.calls_of("+420999999999") == []


def _period_calls() -> list[ev.Event]:
    """Agent 7: answered in queue 1 (waited 3 s) and 2 (waited 50 s), an outbound call; agent 8:
    answered in queue 1 (waited 25 s); lost in queue 1 (in queue) and 2 (ringing at agent 7)."""
    return [
        *answered_call("a7", 7),
        ev.CallArrived(at(100), "b7", "+420601000001", "+420261105555"),
        ev.CallQueued(at(100), "b7", 2, 5),
        ev.CallAnswered(at(150), "b7", 2, 7, 50.0),
        ev.CallEnded(at(400), "b7", "completed", 2, 7, "normal"),
        ev.CallDialled(at(500), "o7", "+420602000002", None, 7),
        ev.CallConnected(at(510), "o7"),
        ev.CallEnded(at(600), "o7", "completed", None, 7, "normal"),
        ev.CallArrived(at(200), "a8", "+420601000003", "+420261105555"),
        ev.CallQueued(at(200), "a8", 1, 5),
        ev.CallAnswered(at(225), "a8", 1, 8, 25.0),
        ev.CallArrived(at(300), "lq", "+420601000004", "+420261105555"),
        ev.CallQueued(at(300), "lq", 1, 5),
        ev.CallEnded(at(340), "lq", "abandoned_in_queue", 1, None, "caller"),
        ev.CallArrived(at(700), "lr", "+420601000005", "+420261105555"),
        ev.CallQueued(at(700), "lr", 2, 5),
        ev.CallOffered(at(701), "lr", 2, 7),
        ev.CallEnded(at(720), "lr", "abandoned_ringing", 2, 7, "caller"),
        ev.CallArrived(at(7200), "late", "+420601000006", "+420261105555"),
    ]


@pytest.mark.req("AG-09", "AG-15")
def test_interactions_of_a_period_filter_by_agent_queue_and_answer_newest_first(journal):
    journal.record(_period_calls(), [])
    hour = (T0, at(3600))

    assert [c.call_id for c in journal.interactions(*hour)] == ["lr", "o7", "lq", "a8", "b7", "a7"]
    assert [c.call_id for c in journal.interactions(*hour, agent_id=7)] == ["lr", "o7", "b7", "a7"]
    assert [c.call_id for c in journal.interactions(*hour, agent_id=7, answered_only=True)] == [
        "o7",
        "b7",
        "a7",
    ]
    assert [c.call_id for c in journal.interactions(*hour, queue_ids=[2])] == ["lr", "b7"]
    assert [c.call_id for c in journal.interactions(*hour, agent_id=7, limit=2)] == ["lr", "o7"]
    assert [c.call_id for c in journal.interactions(at(100), at(300))] == ["a8", "b7"]
    row = journal.interactions(*hour, agent_id=7)[1]
    assert (row.direction, row.arrived_at, row.talk_s) == ("outbound", at(500), 90.0)


@pytest.mark.req("AG-08")
def test_tally_counts_offered_answered_within_the_threshold_lost_and_outbound_by_queue(journal):
    from kc_domain.contacts.stats import CallTally

    journal.record(_period_calls(), [])
    thresholds = {1: 20.0, 2: 60.0}
    hour = (T0, at(3600))

    assert journal.tally(*hour, thresholds) == {
        1: CallTally(offered=3, answered=2, within_sl=1, lost=1, outbound=0),
        2: CallTally(offered=2, answered=1, within_sl=1, lost=1, outbound=0),
        None: CallTally(outbound=1),
    }
    assert journal.tally(*hour, thresholds, agent_id=7) == {
        1: CallTally(offered=1, answered=1, within_sl=1),
        2: CallTally(offered=2, answered=1, within_sl=1, lost=1),
        None: CallTally(outbound=1),
    }
    assert journal.tally(*hour, {1: 30.0}, queue_ids=[1]) == {1: CallTally(3, 2, 2, 1, 0)}
    assert journal.tally(*hour, {}, queue_ids=[2]) == {2: CallTally(2, 1, 0, 1, 0)}
    assert journal.tally(at(3600), at(7200), thresholds) == {}


@pytest.mark.req("AG-05", "AG-09")
def test_the_rows_of_several_calls_are_read_at_once(journal):
    journal.record(answered_call("c1") + answered_call("c2", agent=8), [])
    found = journal.interactions_of(["c2", "c1", "unknown", "c1"])
    assert sorted(found) == ["c1", "c2"] and found["c2"].agent_id == 8
    assert journal.interactions_of([]) == {}


@pytest.mark.req("GEN-03", "IN-04")
def test_open_calls_and_intervals_are_what_a_restarted_engine_must_close(journal):
    journal.record(answered_call("done"), [])
    journal.record(
        [
            ev.AgentStateChanged(at(200), 8, "ready", "logged_out"),
            ev.CallArrived(at(210), "waiting", "+420603111222", "+420261105555"),
            ev.CallQueued(at(211), "waiting", 1, 5),
            ev.CallArrived(at(220), "talking", "+420603333444", "+420261105555"),
            ev.AgentStateChanged(at(221), 8, "busy", "ready", "", "talking"),
            ev.CallAnswered(at(221), "talking", 1, 8, 1.0),
            ev.CallRecorded(at(230), "ghost", None, "r1", at(225), 5.0),  # never arrived: not a call
        ],
        [],
    )
    assert [r.call_id for r in journal.open_calls()] == ["waiting", "talking"]
    assert [(i.agent_id, i.state, i.started_at) for i in journal.open_intervals()] == [
        (7, "wrap_up", at(184)),
        (8, "busy", at(221)),
    ]
    assert journal.last_event_at() == at(230)


@pytest.mark.req("GEN-03", "IN-04")
def test_the_journal_keeps_how_far_the_engines_numbered_batches_reached_it(journal):
    assert journal.recorded_through() == 0 and journal.last_event_at() is None
    journal.record(answered_call("a"), [], through=3)
    journal.record([], [], through=2)  # an older number never moves the mark back
    assert journal.recorded_through() == 3
    journal.record(answered_call("b"), [], through=4)
    assert journal.recorded_through() == 4


@pytest.mark.req("IN-04", "GEN-03")
def test_events_of_a_call_never_seen_arriving_make_no_interaction_row(journal):
    journal.record([ev.CallRecorded(at(5), f"ghost-{n}", None, f"r{n}", at(1), 4.0) for n in range(50)], [])
    assert journal.interactions_of([f"ghost-{n}" for n in range(50)]) == {}
    assert journal.open_calls() == []
    assert len(journal.events_for("ghost-7")) == 1  # the event log keeps them
