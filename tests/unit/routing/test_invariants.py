"""Invariants of the ACD engine under random sequences of PBX events, agents' commands and time
(IN-01, IN-03, IN-04, IN-22): whatever happens, no call is at two agents, no agent holds two calls,
no ready agent idles while a call waits in their queue, and every call ends exactly once; and the
administered configuration may change at any time (ADM-02, ADM-10): an agent removed from it is
never offered another call."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from kc_adapters.system import FixedClock
from kc_domain.errors import DomainError, NotFound, ValidationFailed
from kc_domain.organisation.hours import OpeningHours
from kc_domain.organisation.model import OverflowKind, OverflowTarget
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState, Skill
from kc_domain.routing.call import CallStage
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.policy import Strategy

from .fakes import RecordingPbx

START = datetime(2026, 3, 2, 15, 40, tzinfo=UTC)  # Monday 16:40 in Prague: office hours end at 17:00
CALLERS = ("+420601000001", "+420601000002", "+420601000003", "+420601000004", "")
LIVE = (CallStage.RINGING, CallStage.ANSWERED)


@st.composite
def queue_settings(draw: st.DrawFn, queue_id: int, others: list[int]) -> QueueRouting:
    overflow = draw(
        st.sampled_from(
            [OverflowTarget(), OverflowTarget(OverflowKind.VOICEMAIL, "box")]
            + [OverflowTarget(OverflowKind.QUEUE, str(q)) for q in others]
        )
    )
    return QueueRouting(
        queue_id,
        number=f"80{queue_id}",
        strategy=draw(st.sampled_from(list(Strategy))),
        wrap_up_s=draw(st.sampled_from([0, 10, 45])),
        rona_timeout_s=draw(st.sampled_from([5, 20])),
        max_wait_s=draw(st.sampled_from([0, 0, 60, 150])),
        sticky_wait_s=draw(st.sampled_from([0, 15, 60])),
        overflow_when_no_agents=draw(st.sampled_from([False, False, True])),
        hours=draw(
            st.sampled_from([OpeningHours.always_open(), OpeningHours.always_open(), OpeningHours.office()])
        ),
        overflow=overflow,
    )


@st.composite
def agent_settings(draw: st.DrawFn, agent_id: int, queue_ids: list[int]) -> Agent:
    skilled = draw(st.lists(st.sampled_from(queue_ids), min_size=1, unique=True))
    skills = {q: Skill(draw(st.integers(1, 10)), draw(st.integers(1, 10))) for q in skilled}
    locked = frozenset(draw(st.sets(st.sampled_from(skilled), max_size=1)))
    return Agent(agent_id, skills=skills, locked_queues=locked)


class EngineMachine(RuleBasedStateMachine):
    @initialize(data=st.data(), n_queues=st.integers(2, 3), n_agents=st.integers(2, 6))
    def build(self, data: st.DataObject, n_queues: int, n_agents: int) -> None:
        self.queue_ids = list(range(1, n_queues + 1))
        queues = [
            data.draw(queue_settings(q, [o for o in self.queue_ids if o != q]), label=f"queue {q}")
            for q in self.queue_ids
        ]
        self.agent_ids = list(range(1, n_agents + 1))
        agents = [data.draw(agent_settings(a, self.queue_ids), label=f"agent {a}") for a in self.agent_ids]
        self.clock = FixedClock(START)
        self.pbx = RecordingPbx()
        self.engine = RoutingEngine(self.clock, queues, agents, self.pbx)
        self.drained: list[ev.Event] = []
        self.n = 0
        self.ever_queues = set(self.queue_ids)
        self.removed_at: dict[int, int] = {}  # agent -> how many events there were when she was removed
        for agent_id in data.draw(st.sets(st.sampled_from(self.agent_ids)), label="ready at start"):
            self.engine.log_in(agent_id)
            self.engine.ready(agent_id)

    # -- helpers -----------------------------------------------------------------------------------
    def calls_in(self, *stages: CallStage) -> list[str]:
        return sorted(c.call_id for c in self.engine.calls.values() if c.stage in stages)

    def all_events(self) -> list[ev.Event]:
        return self.drained + self.engine.events

    # -- the PBX -----------------------------------------------------------------------------------
    @rule(data=st.data(), caller=st.sampled_from(CALLERS), known=st.integers(0, 9))
    def arrive(self, data: st.DataObject, caller: str, known: int) -> None:
        self.n += 1
        queue_id = data.draw(st.sampled_from(self.queue_ids))
        dialled = f"80{queue_id}" if known else "999"
        self.engine.call_arrived(f"c{self.n}", caller, dialled)

    @rule(data=st.data())
    def arrive_again(self, data: st.DataObject) -> None:
        if self.engine.calls:
            call_id = data.draw(st.sampled_from(sorted(self.engine.calls)))
            self.engine.call_arrived(call_id, "+420601000009", "801")

    @rule(data=st.data())
    def answer_by_the_offered_agent(self, data: st.DataObject) -> None:
        ringing = self.calls_in(CallStage.RINGING)
        if ringing:
            call = self.engine.calls[data.draw(st.sampled_from(ringing))]
            assert call.agent_id is not None
            self.engine.call_answered(call.call_id, call.agent_id)

    @rule(data=st.data())
    def answer_by_anyone(self, data: st.DataObject) -> None:
        if self.engine.calls:
            call_id = data.draw(st.sampled_from(sorted(self.engine.calls)))
            self.engine.call_answered(call_id, data.draw(st.sampled_from(self.agent_ids)))

    @rule(data=st.data(), cause=st.sampled_from(["normal", "caller_hangup"]))
    def hang_up(self, data: st.DataObject, cause: str) -> None:
        if self.engine.calls:
            self.engine.call_ended(data.draw(st.sampled_from(sorted(self.engine.calls))), cause)

    @rule(data=st.data(), held=st.booleans())
    def hold(self, data: st.DataObject, held: bool) -> None:
        if self.engine.calls:
            self.engine.call_held(data.draw(st.sampled_from(sorted(self.engine.calls))), held)

    @rule(data=st.data(), to_queue=st.booleans())
    def transfer(self, data: st.DataObject, to_queue: bool) -> None:
        answered = self.calls_in(CallStage.ANSWERED)
        if answered:
            call_id = data.draw(st.sampled_from(answered))
            if to_queue:
                self.engine.transfer(call_id, "queue", str(data.draw(st.sampled_from(self.queue_ids))))
            else:
                self.engine.transfer(call_id, "external", "+420222333444")

    # -- agents --------------------------------------------------------------------------------------
    @rule(data=st.data())
    def become_ready(self, data: st.DataObject) -> None:
        """The common path, from any state: log in if needed, then ready (refused while on a call)."""
        agent = self.engine.agents[data.draw(st.sampled_from(sorted(self.engine.agents)))]
        try:
            if agent.state == AgentState.LOGGED_OUT:
                self.engine.log_in(agent.agent_id)
            self.engine.ready(agent.agent_id)
        except DomainError:
            assert agent.state in (AgentState.RINGING, AgentState.BUSY) or agent.agent_id in self.removed_at

    @rule(data=st.data(), command=st.sampled_from(["log_in", "log_out", "ready", "pause", "extend_wrap_up"]))
    def agent_command(self, data: st.DataObject, command: str) -> None:
        agent = self.engine.agents[data.draw(st.sampled_from(sorted(self.engine.agents)))]
        before = (agent.state, agent.call_id, agent.pause_code, set(agent.signed_in))
        args = {"pause": ("BREAK",), "extend_wrap_up": (20,)}.get(command, ())
        try:
            getattr(self.engine, command)(agent.agent_id, *args)
        except DomainError:  # IllegalTransition: the engine refused and nothing changed
            assert (agent.state, agent.call_id, agent.pause_code, set(agent.signed_in)) == before

    @rule(agent_id=st.integers(0, 7), queue_id=st.integers(0, 4))
    def unknown_ids_are_not_found(self, agent_id: int, queue_id: int) -> None:
        if agent_id in self.engine.agents and queue_id in self.engine.queues:
            return
        with pytest.raises(NotFound):
            self.engine.sign_in(agent_id, queue_id)

    @rule(data=st.data(), sign_in=st.booleans(), sup=st.booleans())
    def sign(self, data: st.DataObject, sign_in: bool, sup: bool) -> None:
        agent_id = data.draw(st.sampled_from(self.agent_ids))
        queue_id = data.draw(st.sampled_from(self.queue_ids))
        command = self.engine.sign_in if sign_in else self.engine.sign_out
        before = set(self.engine.agents[agent_id].signed_in)
        try:
            command(agent_id, queue_id, by_supervisor=sup)
        except ValidationFailed as refused:
            assert refused.errors[0].code in ("sign_in_locked", "no_skill_in_queue")
            assert self.engine.agents[agent_id].signed_in == before

    # -- the administration ------------------------------------------------------------------------
    @rule(data=st.data())
    def reconfigure(self, data: st.DataObject) -> None:
        """The host's reload: queues kept, changed, removed or added; agents kept with new skills,
        removed or added."""
        queue_ids = sorted(data.draw(st.sets(st.integers(1, 4), min_size=1), label="queues now"))
        queues = [
            data.draw(queue_settings(q, [o for o in queue_ids if o != q]), label=f"queue {q}")
            for q in queue_ids
        ]
        agent_ids = sorted(data.draw(st.sets(st.integers(1, 7), min_size=1), label="agents now"))
        agents = [data.draw(agent_settings(a, queue_ids), label=f"agent {a}") for a in agent_ids]
        for agent_id in set(self.agent_ids) - set(agent_ids):
            self.removed_at.setdefault(agent_id, len(self.all_events()))
        for agent_id in agent_ids:
            self.removed_at.pop(agent_id, None)
        self.engine.reconfigure(queues, agents, ())
        self.queue_ids, self.agent_ids = queue_ids, agent_ids
        self.ever_queues |= set(queue_ids)

    # -- time ----------------------------------------------------------------------------------------
    @rule(seconds=st.sampled_from([1, 5, 10, 20, 30, 60, 120]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)
        self.engine.tick()

    @precondition(lambda self: self.engine.events)
    @rule()
    def drain(self) -> None:
        self.drained += self.engine.drain_events()
        assert self.engine.events == []

    # -- invariants ------------------------------------------------------------------------------------
    @invariant()
    def one_call_per_agent_and_one_agent_per_call(self) -> None:
        holders: Counter[int] = Counter()
        for call in self.engine.calls.values():
            if call.stage in LIVE:
                assert call.agent_id is not None, call
                agent = self.engine.agents[call.agent_id]
                assert agent.call_id == call.call_id, (call, agent)
                expected = AgentState.RINGING if call.stage == CallStage.RINGING else AgentState.BUSY
                assert agent.state == expected, (call, agent)
                holders[call.agent_id] += 1
        assert all(n == 1 for n in holders.values()), holders
        for agent in self.engine.agents.values():
            if agent.state in (AgentState.RINGING, AgentState.BUSY):
                call = self.engine.calls[agent.call_id]
                assert call.stage in LIVE and call.agent_id == agent.agent_id, (agent, call)
            else:
                assert agent.call_id == "", agent

    @invariant()
    def no_ready_agent_idles_while_a_call_waits_in_their_queue(self) -> None:
        for queue_id in self.engine.queues:
            able = {a.agent_id for a in self.engine.agents.values() if a.can_take(queue_id)}
            assert self.engine.ready_agents(queue_id) == able, queue_id
            waiting = self.engine.waiting(queue_id)
            assert not (waiting and able), (queue_id, [c.call_id for c in waiting], able)
            assert all(c.stage == CallStage.QUEUED and c.queue_id == queue_id for c in waiting)

    @invariant()
    def every_queued_call_is_waiting_or_parked_for_a_busy_agent(self) -> None:
        now = self.clock.now()
        waiting = {c.call_id for q in self.engine.queues for c in self.engine.waiting(q)}
        for call_id in self.calls_in(CallStage.QUEUED):
            call = self.engine.calls[call_id]
            if call_id in waiting:
                continue
            assert call.sticky_agent_id is not None and call.sticky_until is not None, call
            assert call.sticky_until > now, call
            assert self.engine.agents[call.sticky_agent_id].state != AgentState.READY, call
        assert not self.calls_in(CallStage.ARRIVED, CallStage.IVR)

    @invariant()
    def no_timer_is_left_overdue(self) -> None:
        due = self.engine.next_due()
        assert due is None or due > self.clock.now()
        for agent in self.engine.agents.values():
            if agent.state == AgentState.WRAP_UP:
                assert agent.wrap_up_until is not None and agent.wrap_up_until > self.clock.now()

    @invariant()
    def the_pbx_rings_the_agent_the_engine_offered(self) -> None:
        last_ring = {c[1]: c[2] for c in self.pbx.commands if c[0] == "ring_agent"}
        for call_id in self.calls_in(CallStage.RINGING):
            assert last_ring[call_id] == self.engine.calls[call_id].agent_id

    @invariant()
    def every_call_arrives_once_and_ends_at_most_once(self) -> None:
        events = self.all_events()
        arrived = Counter(e.call_id for e in events if isinstance(e, ev.CallArrived))
        ended = Counter(e.call_id for e in events if isinstance(e, ev.CallEnded))
        assert set(arrived) == set(self.engine.calls) and set(arrived.values()) <= {1}
        assert set(ended.values()) <= {1}
        finished = {c for c, call in self.engine.calls.items() if call.stage == CallStage.ENDED}
        assert set(ended) == finished
        assert all(self.engine.calls[c].end is not None for c in finished)
        live = len(self.engine.calls) - len(finished)
        assert len(ended) + live == sum(arrived.values())

    @invariant()
    def agent_state_changes_chain_up_to_the_current_state_and_pause_code(self) -> None:
        last: dict[int, tuple[str, str]] = {}
        for e in self.all_events():
            if isinstance(e, ev.AgentStateChanged):
                assert last.get(e.agent_id, ("logged_out", ""))[0] == e.previous, e
                last[e.agent_id] = (e.state, e.pause_code)
        for agent in self.engine.agents.values():
            assert last.get(agent.agent_id, ("logged_out", "")) == (agent.state.value, agent.pause_code)

    @invariant()
    def every_decision_chooses_one_of_its_candidates(self) -> None:
        for decisions in self.engine.decisions.values():
            for d in decisions:
                assert d.chosen in {c.agent_id for c in d.candidates}, d
                assert d.queue_id in self.ever_queues and d.reason

    @invariant()
    def an_agent_removed_by_the_administration_is_offered_and_dialled_nothing(self) -> None:
        events = self.all_events()
        for agent_id, since in self.removed_at.items():
            for e in events[since:]:
                assert not (isinstance(e, ev.CallOffered | ev.CallDialled) and e.agent_id == agent_id), e
            agent = self.engine.agents.get(agent_id)
            if agent is not None:
                assert not agent.skills and not agent.signed_in, agent
                assert agent.state in (AgentState.LOGGED_OUT, AgentState.PAUSED) or agent.on_call, agent


EngineMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestEngineInvariants = pytest.mark.req("IN-01", "IN-03", "IN-04", "IN-22")(EngineMachine.TestCase)
