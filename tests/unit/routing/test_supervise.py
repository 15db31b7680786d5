"""A supervisor's actions (IN-17, RT-07, RT-01): listen, whisper and barge through the PBX; pause,
log out, sign an agent into or out of a queue; a busy agent's pause waits for the call's work."""

from __future__ import annotations

import pytest

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import events as ev

from .fakes import CLAIMS, SALES, Harness, agent, queue

SUPERVISOR = 90


def talking() -> tuple[Harness, str]:
    h = Harness([queue(SALES, wrap_up_s=30), queue(CLAIMS)], [agent(1, SALES), agent(2, SALES, CLAIMS)])
    h.ready(1)
    call = h.arrive()
    h.answer(call)
    return h, call


@pytest.mark.req("IN-17", "RT-07", "IN-05")
def test_listen_whisper_barge_and_leave_go_to_the_pbx_and_the_call():
    h, call = talking()
    h.engine.monitor(SUPERVISOR, call, "listen")
    h.engine.monitor(SUPERVISOR, call, "listen")  # the same mode again: nothing more
    assert h.engine.view_of(1)["call"]["monitors"] == {}  # silent listening is not shown
    h.engine.monitor(SUPERVISOR, call, "whisper")
    assert h.pbx.of("monitor") == [
        ("monitor", call, SUPERVISOR, "listen"),
        ("monitor", call, SUPERVISOR, "whisper"),
    ]
    assert h.engine.calls[call].monitors == {SUPERVISOR: "whisper"}
    assert h.engine.view_of(1)["call"]["monitors"] == {str(SUPERVISOR): "whisper"}  # the agent sees it
    h.engine.stop_monitor(SUPERVISOR, call)
    assert (
        h.pbx.of("stop_monitor") == [("stop_monitor", call, SUPERVISOR)] and not h.engine.calls[call].monitors
    )
    assert [e.mode for e in h.events(ev.CallMonitored)] == ["listen", "whisper", ""]


@pytest.mark.req("IN-17")
def test_monitoring_needs_an_answered_call_and_a_known_mode():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    ringing = h.arrive()
    with pytest.raises(ValidationFailed):
        h.engine.monitor(SUPERVISOR, ringing, "listen")
    h.answer(ringing)
    with pytest.raises(ValidationFailed):
        h.engine.monitor(SUPERVISOR, ringing, "shout")
    with pytest.raises(NotFound):
        h.engine.monitor(SUPERVISOR, "no-such-call", "listen")
    with pytest.raises(ValidationFailed):
        h.engine.stop_monitor(SUPERVISOR, ringing)  # not on it
    assert h.pbx.of("monitor") == []


@pytest.mark.req("RT-01")
def test_a_free_agent_is_paused_or_logged_out_at_once():
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1, 2)
    assert h.engine.force_pause(SUPERVISOR, 1, "PORADA") is False
    assert h.state(1) == "paused" and h.engine.agents[1].pause_code == "PORADA"
    assert h.engine.force_log_out(SUPERVISOR, 2) is False
    assert h.state(2) == "logged_out"
    assert [(e.agent_id, e.action, e.pending) for e in h.events(ev.AgentForced)] == [
        (1, "pause", False),
        (2, "log_out", False),
    ]
    with pytest.raises(ValidationFailed):
        h.engine.force_pause(SUPERVISOR, 2, "PORADA")  # logged out already
    with pytest.raises(ValidationFailed):
        h.engine.force_pause(SUPERVISOR, 1, "")


@pytest.mark.req("RT-01")
def test_a_busy_agents_pause_waits_for_the_wrap_up_and_then_wins_over_ready():
    h, call = talking()
    assert h.engine.force_pause(SUPERVISOR, 1, "SKOLENI") is True
    assert h.state(1) == "busy"
    h.engine.call_ended(call)
    assert h.state(1) == "wrap_up"
    h.engine.ready(1)  # the agent cuts the wrap-up short: the supervisor's pause applies
    assert h.state(1) == "paused" and h.engine.agents[1].pause_code == "SKOLENI"
    assert not h.engine.agents[1].pending


@pytest.mark.req("RT-01")
def test_a_busy_agents_log_out_waits_for_the_end_of_the_wrap_up():
    h, call = talking()
    assert h.engine.force_log_out(SUPERVISOR, 1) is True
    h.engine.call_ended(call)
    h.advance(31)
    assert h.state(1) == "logged_out"


@pytest.mark.req("RT-01", "AG-03")
def test_a_supervisor_signs_an_agent_into_a_locked_queue_and_out_again():
    h = Harness([queue(SALES), queue(CLAIMS)], [agent(2, SALES, CLAIMS)])
    h.engine.agents[2].locked_queues = frozenset({CLAIMS})
    h.ready(2)
    with pytest.raises(ValidationFailed):
        h.engine.sign_out(2, CLAIMS)  # the agent may not
    h.engine.supervisor_sign_out(SUPERVISOR, 2, CLAIMS)
    assert CLAIMS not in h.engine.agents[2].signed_in
    h.engine.supervisor_sign_in(SUPERVISOR, 2, CLAIMS)
    assert CLAIMS in h.engine.agents[2].signed_in
    assert [(e.action, e.detail) for e in h.events(ev.AgentForced)] == [
        ("sign_out", str(CLAIMS)),
        ("sign_in", str(CLAIMS)),
    ]
