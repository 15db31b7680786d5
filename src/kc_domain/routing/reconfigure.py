"""Administration taking effect in the running engine (ADM-02, ADM-10): queues, agents with their
skills, and caller rules replaced while calls go on. A part of ``RoutingEngine`` (a mixin).

What changes and when:

- Queue settings apply to what happens from now on: a call arriving, the next offer, the next
  wrap-up, the next overflow. Timers already armed for a waiting call (maximum wait) keep their time.
- A new queue takes calls at once. A queue no longer in the list (deactivated or deleted) takes no
  new call (its number, caller rules, IVR routes, transfers and overflows no longer reach it), but
  the calls already in it keep their place and are served by its agents, as a queue closing by its
  opening hours keeps its callers; once none is left it leaves the engine with its skills. Its open
  callback requests stay open for handling by hand (``/callbacks/``).
- An agent new in the list appears logged out. Changed skills, levels, priorities and sign-in locks
  route the next call: a logged-in agent is signed into a queue she gained and out of one she lost
  (with the usual events), and a free agent takes a call waiting in a queue she gained.
- An agent no longer in the list (a deactivated user, a lost agent role) is never offered another
  call nor dialled a callback, and is logged out at once when not on a call, else as soon as the
  call ends (without wrap-up); ``AgentForced`` with ``supervisor_id`` 0 (``BY_ADMINISTRATION``)
  records it. She may not log in again; she leaves the engine at the next reload
  once no live call names her.
- Caller rules are replaced for calls arriving from now on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kc_domain.errors import NotFound
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import Call, CallStage
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.rules import CallerRule

if TYPE_CHECKING:
    from kc_ports.system import Clock

BY_ADMINISTRATION = 0  # AgentForced.supervisor_id when the administration, not a supervisor, acted


class Reconfiguration:
    if TYPE_CHECKING:  # provided by RoutingEngine
        _clock: Clock
        _rules: Sequence[CallerRule]
        _by_number: dict[str, int]
        _skilled: dict[int, list[Agent]]
        _heaps: dict[int, list[tuple[int, int, str]]]
        _queued: dict[int, set[str]]
        _ready: dict[int, set[int]]
        _parked: dict[int, list[str]]
        _last_served: dict[int, int]
        _handle_s: dict[int, float]
        queues: dict[int, QueueRouting]
        agents: dict[int, Agent]
        calls: dict[str, Call]

        def _emit(self, event: ev.Event) -> None: ...
        def _agent(self, agent_id: int) -> Agent: ...
        def _not_ready(self, agent: Agent) -> None: ...
        def _became_ready(self, agent: Agent) -> None: ...
        def _release_parked(self, agent: Agent, queue_id: int | None = None) -> None: ...
        def _overflow_if_nobody_left(self, queue_ids: set[int]) -> None: ...
        def _signed_out(self, agent: Agent, queue_id: int) -> None: ...
        def log_out(self, agent_id: int) -> None: ...

    def _init_reconfigure(self) -> None:
        self._closing: set[int] = set()  # queues taking no new calls, left until their calls are over
        self._retired: set[int] = set()  # agents no longer administered, left until logged out

    def reconfigure(
        self, queues: Iterable[QueueRouting], agents: Iterable[Agent], rules: Sequence[CallerRule]
    ) -> None:
        """Apply the administered configuration read again: the active queues, the agents (as built
        for the engine's start) and the active caller rules in their order."""
        self._drop_finished()  # what the last reload left behind, once its desktops saw the change
        self._rules = tuple(rules)
        self._set_queues({q.queue_id: q for q in queues})
        wanted = {a.agent_id: a for a in agents}
        leaving = [a for a in self.agents.values() if a.agent_id not in wanted]
        for agent in leaving:  # first, so that nothing below is offered to them
            self._not_ready(agent)
        self._retired -= wanted.keys()  # administered again: may log in again
        changes = {agent_id: self._set_skills(agent) for agent_id, agent in wanted.items()}
        self._index_skilled()
        lost: set[int] = set()
        for agent_id, (gained, dropped) in changes.items():
            lost |= dropped
            self._apply_sign_ins(self.agents[agent_id], gained, dropped)
        for agent in leaving:
            lost |= self._retire(agent)
        self._index_skilled()
        self._overflow_if_nobody_left(lost & self.queues.keys())

    def takes_calls(self, queue_id: int | None) -> bool:
        """Whether new calls may enter the queue (it is known and not being closed)."""
        return queue_id in self.queues and queue_id not in self._closing

    def _active_agent(self, agent_id: int) -> Agent:
        """The agent, refused when the administration removed her (she may finish, not start, work)."""
        if agent_id in self._retired:
            raise NotFound("agent", agent_id)
        return self._agent(agent_id)

    # == queues =====================================================================================
    def _set_queues(self, wanted: dict[int, QueueRouting]) -> None:
        for queue_id, queue in wanted.items():
            if queue_id not in self.queues:
                self._heaps[queue_id], self._queued[queue_id], self._ready[queue_id] = [], set(), set()
                self._skilled[queue_id] = []
            self.queues[queue_id] = queue
        self._closing = set(self.queues.keys() - wanted.keys())
        self._by_number = {q.number: q.queue_id for q in wanted.values() if q.number}

    # == agents =====================================================================================
    def _set_skills(self, wanted: Agent) -> tuple[set[int], set[int]]:
        """Take the agent's administered skills (a new agent is added logged out); returns the queues
        gained and lost. A lost queue is left at once, so that it offers her nothing more."""
        skills = {q: s for q, s in wanted.skills.items() if q in self.queues}
        agent = self.agents.get(wanted.agent_id)
        if agent is None:
            wanted.skills, wanted.signed_in = skills, set()
            self.agents[wanted.agent_id] = wanted
            return set(), set()
        gained, lost = skills.keys() - agent.skills.keys(), agent.skills.keys() - skills.keys()
        agent.name, agent.skills, agent.locked_queues = wanted.name, skills, wanted.locked_queues
        for queue_id in sorted(lost & agent.signed_in):
            self._signed_out(agent, queue_id)
        return set(gained), set(lost)

    def _apply_sign_ins(self, agent: Agent, gained: set[int], lost: set[int]) -> None:
        """A logged-in agent joins the queues she gained (a free one takes a call waiting there);
        calls that waited for her in a queue she lost go to someone else."""
        for queue_id in sorted(lost):
            self._release_parked(agent, queue_id)
        if agent.state == AgentState.LOGGED_OUT or not gained:
            return
        now = self._clock.now()
        for queue_id in sorted(gained):
            agent.signed_in.add(queue_id)
            self._emit(ev.AgentSignedIntoQueue(now, agent.agent_id, queue_id))
        if agent.state == AgentState.READY:
            self._became_ready(agent)

    def _retire(self, agent: Agent) -> set[int]:
        """The agent is no longer administered: out of every queue now, logged out now or once her
        call is over (checked again at every reload); returns the queues she was signed into."""
        queues, first = set(agent.signed_in), agent.agent_id not in self._retired
        self._retired.add(agent.agent_id)
        agent.skills = {}
        if agent.state == AgentState.LOGGED_OUT:  # (signed into a queue while logged out: left too)
            agent.signed_in = set()
            return queues
        waits = agent.on_call
        if first:
            now = self._clock.now()
            self._emit(ev.AgentForced(now, agent.agent_id, BY_ADMINISTRATION, "log_out", "", waits))
        if waits:
            agent.pending, agent.signed_in = "log_out", set()
            self._release_parked(agent)
        else:
            agent.pending = ""
            self.log_out(agent.agent_id)
        return queues

    def _index_skilled(self) -> None:
        self._skilled = {q: [] for q in self.queues}
        for agent in self.agents.values():
            for queue_id in agent.skills:
                self._skilled[queue_id].append(agent)

    # == leaving the engine =========================================================================
    def _drop_finished(self) -> None:
        """Closing queues without a live call, and removed agents logged out whom no live call names,
        leave the engine (at the reload after the one that removed them)."""
        live = [c for c in self.calls.values() if c.stage != CallStage.ENDED]
        busy_queues = {c.queue_id for c in live}
        for queue_id in sorted(self._closing - busy_queues):
            for agent in self._skilled.pop(queue_id):
                del agent.skills[queue_id]
                agent.signed_in.discard(queue_id)
            del self.queues[queue_id], self._heaps[queue_id], self._queued[queue_id], self._ready[queue_id]
            self._last_served.pop(queue_id, None)
            self._handle_s.pop(queue_id, None)
            self._closing.discard(queue_id)
        named = {a for c in live for a in (c.agent_id, c.consult_agent_id, c.sticky_agent_id)}
        for agent_id in sorted(self._retired - named):
            if self.agents[agent_id].state == AgentState.LOGGED_OUT:
                del self.agents[agent_id]
                self._parked.pop(agent_id, None)
                self._retired.discard(agent_id)
