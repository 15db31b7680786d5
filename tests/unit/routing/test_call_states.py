"""The call as a state machine: every legal move, every illegal one refused, one place that ends it."""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc_domain import transitions
from kc_domain.errors import DomainError
from kc_domain.routing import agent
from kc_domain.routing import events as ev
from kc_domain.routing.call import Call, CallEnd, CallStage, IllegalTransition

from .fakes import CLAIMS, SALES, START
from .test_desk import talking

S = CallStage
T = START
Action = Callable[[Call], object]

ACTIONS: dict[str, Action] = {
    "enter_ivr": lambda c: c.enter_ivr(),
    "queue": lambda c: c.queue(SALES, T),
    "offer": lambda c: c.offer(7, T),
    "ring_no_answer": lambda c: c.ring_no_answer(),
    "answer": lambda c: c.answer(7, T),
    "dial": lambda c: c.dial(7, SALES, T),
    "connect": lambda c: c.connect(),
    "take_over": lambda c: c.take_over(8, T),
    "hand_over": lambda c: c.hand_over(),
    "start_over": lambda c: c.start_over(),
    "ask_callback": lambda c: c.ask_callback(),
    "to_voicemail": lambda c: c.to_voicemail(SALES),
    "finish": lambda c: c.finish(CallEnd.COMPLETED, T),
}

LEGAL: dict[tuple[CallStage, str], CallStage] = {
    (S.ARRIVED, "enter_ivr"): S.IVR,
    (S.ARRIVED, "queue"): S.QUEUED,
    (S.ARRIVED, "dial"): S.RINGING,
    (S.IVR, "enter_ivr"): S.IVR,  # a jump to another tree
    (S.IVR, "queue"): S.QUEUED,
    (S.IVR, "ask_callback"): S.CALLBACK,
    (S.IVR, "to_voicemail"): S.VOICEMAIL,
    (S.QUEUED, "enter_ivr"): S.IVR,  # overflow to a tree
    (S.QUEUED, "queue"): S.QUEUED,  # overflow to another queue
    (S.QUEUED, "offer"): S.RINGING,
    (S.QUEUED, "ask_callback"): S.CALLBACK,
    (S.QUEUED, "to_voicemail"): S.VOICEMAIL,
    (S.RINGING, "ring_no_answer"): S.QUEUED,
    (S.RINGING, "answer"): S.ANSWERED,
    (S.ANSWERED, "take_over"): S.ANSWERED,
    (S.ANSWERED, "hand_over"): S.QUEUED,
    (S.ANSWERED, "start_over"): S.ARRIVED,
    # an inbound call is never "connected": only outbound calls are (see the tests below)
} | {(stage, "finish"): S.ENDED for stage in CallStage if stage != S.ENDED}

ALL = [(stage, action) for stage in CallStage for action in ACTIONS]

PATH: dict[CallStage, list[str]] = {
    S.ARRIVED: [],
    S.IVR: ["enter_ivr"],
    S.QUEUED: ["queue"],
    S.RINGING: ["queue", "offer"],
    S.ANSWERED: ["queue", "offer", "answer"],
    S.VOICEMAIL: ["queue", "to_voicemail"],
    S.CALLBACK: ["queue", "ask_callback"],
    S.ENDED: ["finish"],
}


def new_call() -> Call:
    return Call("c1", "+420600100200", "800", START, 1)


def call_in(stage: CallStage) -> Call:
    """A fresh inbound call walked into ``stage`` through legal moves only (offered to agent 7)."""
    c = new_call()
    for action in PATH[stage]:
        ACTIONS[action](c)
    assert c.stage == stage
    return c


@pytest.mark.req("IN-04")
def test_every_stage_and_verb_is_classified():
    assert len(ALL) == 8 * 13 and len(LEGAL) == 24
    assert all(key in ALL for key in LEGAL)


@pytest.mark.req("IN-04")
@pytest.mark.parametrize(("stage", "action"), [k for k in ALL if k in LEGAL], ids=str)
def test_legal_transition_reaches_the_expected_stage_and_returns_the_previous_one(stage, action):
    c = call_in(stage)
    assert ACTIONS[action](c) == stage
    assert c.stage == LEGAL[(stage, action)]


@pytest.mark.req("IN-04")
@pytest.mark.parametrize(("stage", "action"), [k for k in ALL if k not in LEGAL], ids=str)
def test_illegal_transition_raises_and_leaves_the_call_untouched(stage, action):
    c = call_in(stage)
    before = attrs.asdict(c)
    with pytest.raises(IllegalTransition) as raised:
        ACTIONS[action](c)
    assert raised.value.state == stage and raised.value.call_id == "c1"
    assert attrs.asdict(c) == before


@pytest.mark.req("IN-04")
@given(st.lists(st.sampled_from(sorted(ACTIONS)), max_size=15))
def test_any_sequence_of_verbs_moves_by_the_table_or_raises_and_changes_nothing(actions):
    c = new_call()
    for action in actions:
        stage, before = c.stage, attrs.asdict(c)
        outbound_connects = action == "connect" and c.direction == "outbound" and not c.connected
        if (stage, action) in LEGAL or (stage == S.ANSWERED and outbound_connects):
            assert ACTIONS[action](c) == stage
            assert c.stage == LEGAL.get((stage, action), S.ANSWERED)
        else:
            with pytest.raises(IllegalTransition):
                ACTIONS[action](c)
            assert attrs.asdict(c) == before


@pytest.mark.req("IN-04")
def test_the_call_and_agent_errors_share_one_base_and_stay_domain_errors():
    assert issubclass(IllegalTransition, transitions.IllegalTransition)
    assert issubclass(agent.IllegalTransition, transitions.IllegalTransition)
    assert issubclass(transitions.IllegalTransition, DomainError)
    error = IllegalTransition("c1", S.ENDED, "answer")
    assert str(error) == "call c1 cannot answer while ended" and error.subject == "call c1"


@pytest.mark.req("IN-04")
def test_answer_by_another_agent_than_the_offered_one_is_illegal():
    c = call_in(S.RINGING)
    with pytest.raises(IllegalTransition, match="offered 7"):
        c.answer(8, T)
    assert c.stage == S.RINGING and c.answered_at is None and c.talkers == []


@pytest.mark.req("IN-04")
def test_queue_offer_and_answer_record_their_times_and_the_talker():
    c = new_call()
    c.queue(SALES, T)
    c.offer(7, T + timedelta(seconds=5))
    c.answer(7, T + timedelta(seconds=9))
    assert (c.queue_id, c.queued_at, c.agent_id) == (SALES, T, 7)
    assert (c.offered_at, c.answered_at) == (T + timedelta(seconds=5), T + timedelta(seconds=9))
    assert c.talkers == [(T + timedelta(seconds=9), 7)]


@pytest.mark.req("IN-04")
def test_an_overflow_to_another_queue_keeps_the_time_the_call_first_queued():
    c = call_in(S.QUEUED)
    c.queue(CLAIMS, T + timedelta(minutes=2))
    assert c.queue_id == CLAIMS and c.queued_at == T


@pytest.mark.req("IN-04")
def test_ring_no_answer_puts_the_call_back_to_waiting_and_counts_it():
    c = call_in(S.RINGING)
    c.ring_no_answer()
    assert (c.stage, c.agent_id, c.rona_count) == (S.QUEUED, None, 1)


@pytest.mark.req("IN-04")
def test_a_transfer_to_a_queue_starts_over_and_one_to_an_agent_keeps_the_wait():
    to_queue, to_agent = call_in(S.ANSWERED), call_in(S.ANSWERED)
    to_queue.start_over()
    to_agent.hand_over()
    assert (to_queue.agent_id, to_queue.answered_at, to_queue.queued_at) == (None, None, None)
    assert (to_agent.agent_id, to_agent.answered_at, to_agent.queued_at) == (None, None, T)


@pytest.mark.req("IN-04")
def test_take_over_hands_the_talk_to_the_consulted_agent():
    c = call_in(S.ANSWERED)
    c.take_over(8, T + timedelta(seconds=30))
    assert c.agent_id == 8 and c.talkers[-1] == (T + timedelta(seconds=30), 8)


@pytest.mark.req("IN-04")
def test_asking_for_a_callback_clears_digits_and_voicemail_may_name_the_queue():
    c = call_in(S.QUEUED)
    c.keyed = "12"
    c.ask_callback()
    assert c.keyed == ""
    from_ivr = call_in(S.IVR)
    from_ivr.to_voicemail(None)
    assert from_ivr.queue_id is None
    from_queue = call_in(S.IVR)
    from_queue.to_voicemail(CLAIMS)
    assert from_queue.queue_id == CLAIMS


@pytest.mark.req("IN-04")
def test_an_outbound_call_rings_the_agent_then_connects_once():
    c = new_call()
    c.dial(7, None, T)
    assert (c.direction, c.stage, c.agent_id, c.offered_at, c.queued_at) == ("outbound", S.RINGING, 7, T, T)
    c.answer(7, T)
    c.connect()
    assert c.connected
    with pytest.raises(IllegalTransition):
        c.connect()


@pytest.mark.req("IN-04")
def test_finish_sets_the_final_stage_end_and_time_once():
    c = call_in(S.RINGING)
    assert c.finish(CallEnd.ABANDONED_RINGING, T + timedelta(seconds=3)) == S.RINGING
    assert (c.stage, c.end, c.ended_at) == (S.ENDED, CallEnd.ABANDONED_RINGING, T + timedelta(seconds=3))
    with pytest.raises(IllegalTransition):
        c.finish(CallEnd.COMPLETED, T)
    assert c.end == CallEnd.ABANDONED_RINGING


@pytest.mark.req("IN-04")
@pytest.mark.xfail(strict=True, reason="defect kept: a blind transfer to an agent keeps queued_at")
def test_the_wait_after_a_blind_transfer_to_an_agent_is_counted_from_the_transfer():
    """As it is for a transfer to a queue (test_transfer.py); today the first wait and talk count too."""
    h, call = talking()
    h.clock.advance(seconds=120)
    h.engine.blind_transfer(1, call, "agent:2")
    h.clock.advance(seconds=4)
    h.engine.answer_call(2, call)
    assert h.events(ev.CallAnswered)[-1].waited_s == 4


STAGE_FIELDS = {"stage", "end", "ended_at", "queued_at", "offered_at", "answered_at", "agent_id"}


@pytest.mark.req("IN-04")
def test_no_engine_module_assigns_a_call_s_stage_fields_directly():
    """Only the verbs in call.py move a call: the engine's modules call them."""
    routing = Path(__file__).parents[3] / "src" / "kc_domain" / "routing"
    offenders = []
    for module in sorted(routing.glob("*.py")):
        if module.name == "call.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (
                        isinstance(element, ast.Attribute)
                        and isinstance(element.value, ast.Name)
                        and element.value.id == "call"
                        and element.attr in STAGE_FIELDS
                    ):
                        offenders.append(f"{module.name}:{node.lineno} call.{element.attr}")
    assert offenders == []
