"""Domain events (IN-04): one CallEnded per call, one AgentStateChanged per change, a draining outbox."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from kc_adapters.system import FixedClock
from kc_domain.organisation.hours import OpeningHours
from kc_domain.organisation.model import OverflowKind
from kc_domain.routing import events as ev
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.rules import CallerRule

from .fakes import CLAIMS, SALES, START, Harness, RecordingPbx, agent, queue

pytestmark = pytest.mark.req("IN-04")


def test_a_simple_answered_call_tells_its_whole_story_in_order():
    h = Harness([queue(SALES, wrap_up_s=10)], [agent(1, SALES)])
    h.ready(1)
    h.engine.drain_events()
    call = h.arrive("+420606000000")
    h.clock.advance(seconds=4)
    h.answer(call)
    h.clock.advance(seconds=60)
    h.engine.call_ended(call, "agent_hangup")
    h.advance(10)
    names = [e.name for e in h.engine.events]
    assert names == [
        "CallArrived",
        "CallQueued",
        "AgentStateChanged",  # ready -> ringing
        "CallOffered",
        "AgentStateChanged",  # ringing -> busy
        "CallAnswered",
        "AgentStateChanged",  # busy -> wrap_up
        "CallEnded",
        "AgentStateChanged",  # wrap_up -> ready
    ]
    answered = h.events(ev.CallAnswered)[0]
    assert (answered.queue_id, answered.agent_id, answered.waited_s) == (SALES, 1, 4)
    ended = h.events(ev.CallEnded)[0]
    assert (ended.stage, ended.queue_id, ended.agent_id, ended.cause) == (
        "completed",
        SALES,
        1,
        "agent_hangup",
    )
    assert ended.at == START + timedelta(seconds=64)


def test_every_way_a_call_ends_gives_exactly_one_call_ended():
    closed = OpeningHours(closed_on_holidays=False)  # never open
    h = Harness(
        [
            queue(SALES, wrap_up_s=0),
            queue(CLAIMS, hours=closed, overflow=(OverflowKind.VOICEMAIL, "box")),
        ],
        [agent(1, SALES), agent(2, SALES)],
        rules=[CallerRule("blocked", numbers=frozenset({"+420666"}), block=True)],
    )
    h.ready(1)
    completed = h.arrive()
    h.talk(completed)
    ringing = h.arrive()
    h.engine.call_ended(ringing)
    h.answer(h.arrive(call_id="transfer"))
    h.engine.transfer("transfer", "external", "+420222333444")
    h.engine.pause(1, "BREAK")
    queued = h.arrive()
    assert h.engine.calls[queued].stage == "queued"
    h.engine.call_ended(queued)
    rejected = h.arrive("+420666")
    unknown = h.arrive(dialled="000")
    overflowed = h.arrive(dialled="802")
    ends = Counter(e.call_id for e in h.events(ev.CallEnded))
    assert set(ends.values()) == {1}
    stages = {e.call_id: e.stage for e in h.events(ev.CallEnded)}
    assert stages[completed] == "completed"
    assert stages[ringing] == "abandoned_ringing"
    assert stages[queued] == "abandoned_in_queue"
    assert stages["transfer"] == "transferred"
    assert stages[rejected] == stages[unknown] == "rejected"
    assert stages.get(overflowed) is None  # overflowed to voicemail: the caller is being recorded
    h.engine.call_ended(overflowed)
    stages = {e.call_id: e.stage for e in h.events(ev.CallEnded)}
    assert stages[overflowed] == "voicemail"
    assert all(h.engine.calls[c].end == s for c, s in stages.items())


def test_an_abandon_in_the_queue_is_reported_at_that_stage():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    call = h.arrive()
    h.clock.advance(seconds=12)
    h.engine.call_ended(call, "caller_hangup")
    (ended,) = h.events(ev.CallEnded)
    assert (ended.stage, ended.queue_id, ended.agent_id, ended.cause) == (
        "abandoned_in_queue",
        SALES,
        None,
        "caller_hangup",
    )
    assert h.engine.waiting(SALES) == []
    h.ready(1)
    assert h.pbx.rings() == []


def test_an_agent_state_change_is_reported_only_when_something_changed():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    h.engine.ready(1)  # already ready
    changes = h.events(ev.AgentStateChanged)
    assert [(e.previous, e.state) for e in changes] == [("logged_out", "paused"), ("paused", "ready")]
    assert changes[0].pause_code == "LOGIN"


def test_drain_events_hands_over_the_outbox_and_empties_it():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    first = h.engine.drain_events()
    assert [e.name for e in first] == ["AgentStateChanged", "AgentLoggedIn", "AgentStateChanged"]
    assert h.engine.events == [] and h.engine.drain_events() == []
    h.arrive()
    assert [e.name for e in h.engine.drain_events()][:2] == ["CallArrived", "CallQueued"]
    assert h.engine.events == []


def test_drain_decisions_hands_over_each_decision_once():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    (d,) = h.engine.drain_decisions()
    assert d.call_id == call and h.engine.drain_decisions() == []
    assert h.engine.decisions[call] == [d]


def test_events_can_be_switched_off_for_fast_simulation():
    clock, pbx = FixedClock(START), RecordingPbx()
    engine = RoutingEngine(clock, [queue(SALES)], [agent(1, SALES)], pbx, record_events=False)
    engine.log_in(1)
    engine.ready(1)
    engine.call_arrived("c", "+420600", "801")
    assert engine.events == [] and pbx.rings() == [("c", 1)]


def test_events_survive_a_round_trip_through_plain_data():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    h.talk(h.arrive())
    for event in h.engine.events:
        assert ev.event_from_plain(event.name, ev.event_to_plain(event)) == event


def test_ended_calls_can_be_forgotten_once_journaled_and_live_ones_stay():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    done = h.arrive()
    h.talk(done)
    waiting = h.arrive()
    h.advance(600)
    assert h.engine.forget_ended(h.clock.now()) == 1
    assert done not in h.engine.calls and done not in h.engine.decisions and waiting in h.engine.calls
