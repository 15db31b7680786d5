"""Administration taking effect in the running engine (ADM-02, ADM-10): queues, agents with their
skills, and caller rules replaced while calls go on.

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

from kc_domain.routing import agents, queueing
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import CallStage
from kc_domain.routing.commands import Reconfigure
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.rules import CallerRule
from kc_domain.routing.state import RoutingState

BY_ADMINISTRATION = 0  # AgentForced.supervisor_id when the administration, not a supervisor, acted


def apply(s: RoutingState, message: Reconfigure) -> None:
    """The administration read again: queues, agents and rules (``reconfigure``); the IVR trees for
    calls arriving from now on (callers already in a tree finish the version they started); the
    general announcements for calls arriving from now on."""
    reconfigure(s, message.queues, message.agents, message.rules)
    if message.ivr is not None:
        s.directory = message.ivr
    if message.general_prompts is not None:
        s.general_prompts = message.general_prompts


def reconfigure(
    s: RoutingState, queues: Iterable[QueueRouting], agents: Iterable[Agent], rules: Sequence[CallerRule]
) -> None:
    """Apply the administered configuration read again: the active queues, the agents (as built
    for the engine's start) and the active caller rules in their order."""
    drop_finished(s)  # what the last reload left behind, once its desktops saw the change
    s.rules = tuple(rules)
    set_queues(s, {q.queue_id: q for q in queues})
    wanted = {a.agent_id: a for a in agents}
    leaving = [a for a in s.agents.values() if a.agent_id not in wanted]
    for agent in leaving:  # first, so that nothing below is offered to them
        s.not_ready(agent)
    s.retired -= wanted.keys()  # administered again: may log in again
    changes = {agent_id: set_skills(s, agent) for agent_id, agent in wanted.items()}
    index_skilled(s)
    lost: set[int] = set()
    for agent_id, (gained, dropped) in changes.items():
        lost |= dropped
        apply_sign_ins(s, s.agents[agent_id], gained, dropped)
    for agent in leaving:
        lost |= retire(s, agent)
    index_skilled(s)
    queueing.overflow_if_nobody_left(s, lost & s.queues.keys())


def set_queues(s: RoutingState, wanted: dict[int, QueueRouting]) -> None:
    for queue_id, queue in wanted.items():
        if queue_id not in s.queues:
            s.heaps[queue_id], s.queued[queue_id], s.ready_in[queue_id] = [], set(), set()
            s.skilled[queue_id] = []
        s.queues[queue_id] = queue
    s.closing = set(s.queues.keys() - wanted.keys())
    s.by_number = {q.number: q.queue_id for q in wanted.values() if q.number}


def set_skills(s: RoutingState, wanted: Agent) -> tuple[set[int], set[int]]:
    """Take the agent's administered skills (a new agent is added logged out); returns the queues
    gained and lost. A lost queue is left at once, so that it offers her nothing more."""
    skills = {q: skill for q, skill in wanted.skills.items() if q in s.queues}
    agent = s.agents.get(wanted.agent_id)
    if agent is None:
        wanted.skills, wanted.signed_in = skills, set()
        s.agents[wanted.agent_id] = wanted
        return set(), set()
    gained, lost = skills.keys() - agent.skills.keys(), agent.skills.keys() - skills.keys()
    agent.name, agent.skills, agent.locked_queues = wanted.name, skills, wanted.locked_queues
    for queue_id in sorted(lost & agent.signed_in):
        agents.signed_out(s, agent, queue_id)
    return set(gained), set(lost)


def apply_sign_ins(s: RoutingState, agent: Agent, gained: set[int], lost: set[int]) -> None:
    """A logged-in agent joins the queues she gained (a free one takes a call waiting there);
    calls that waited for her in a queue she lost go to someone else."""
    for queue_id in sorted(lost):
        queueing.release_parked(s, agent, queue_id)
    if agent.state == AgentState.LOGGED_OUT or not gained:
        return
    now = s.now()
    for queue_id in sorted(gained):
        agent.signed_in.add(queue_id)
        s.emit(ev.AgentSignedIntoQueue(now, agent.agent_id, queue_id))
    if agent.state == AgentState.READY:
        queueing.became_ready(s, agent)


def retire(s: RoutingState, agent: Agent) -> set[int]:
    """The agent is no longer administered: out of every queue now, logged out now or once her
    call is over (checked again at every reload); returns the queues she was signed into."""
    queues, first = set(agent.signed_in), agent.agent_id not in s.retired
    s.retired.add(agent.agent_id)
    agent.skills = {}
    if agent.state == AgentState.LOGGED_OUT:  # (signed into a queue while logged out: left too)
        agent.signed_in = set()
        return queues
    waits = agent.on_call
    if first:
        now = s.now()
        s.emit(ev.AgentForced(now, agent.agent_id, BY_ADMINISTRATION, "log_out", "", waits))
    if waits:
        agent.pending, agent.signed_in = "log_out", set()
        queueing.release_parked(s, agent)
    else:
        agent.pending = ""
        agents.log_out(s, agent.agent_id)
    return queues


def index_skilled(s: RoutingState) -> None:
    s.skilled = {q: [] for q in s.queues}
    for agent in s.agents.values():
        for queue_id in agent.skills:
            s.skilled[queue_id].append(agent)


def drop_finished(s: RoutingState) -> None:
    """Closing queues without a live call, and removed agents logged out whom no live call names,
    leave the engine (at the reload after the one that removed them)."""
    live = [c for c in s.calls.values() if c.stage != CallStage.ENDED]
    busy_queues = {c.queue_id for c in live}
    for queue_id in sorted(s.closing - busy_queues):
        for agent in s.skilled.pop(queue_id):
            del agent.skills[queue_id]
            agent.signed_in.discard(queue_id)
        del s.queues[queue_id], s.heaps[queue_id], s.queued[queue_id], s.ready_in[queue_id]
        s.last_served.pop(queue_id, None)
        s.handle_s.pop(queue_id, None)
        s.closing.discard(queue_id)
    named = {a for c in live for a in (c.agent_id, c.consult_agent_id, c.sticky_agent_id)}
    for agent_id in sorted(s.retired - named):
        if s.agents[agent_id].state == AgentState.LOGGED_OUT:
            del s.agents[agent_id]
            s.timers.disarm("wrap", str(agent_id))  # a wrap-up she was logged out of
            s.waiting_for.pop(agent_id, None)
            s.retired.discard(agent_id)
