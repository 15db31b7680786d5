"""Fakes and builders shared by the ACD engine tests: a recording PBX and a small harness."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from kc_adapters.system import FixedClock
from kc_domain.organisation.hours import OpeningHours
from kc_domain.organisation.model import OverflowKind, OverflowTarget
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.policy import Strategy
from kc_domain.routing.rules import CallerRule

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # Monday 09:30 in Prague, inside office hours
SALES, CLAIMS, DEBTS = 1, 2, 3
E = TypeVar("E", bound=ev.Event)


class RecordingPbx:
    """CallControl that only writes down what it was told, in order."""

    def __init__(self) -> None:
        self.commands: list[tuple[Any, ...]] = []

    def _record(self, *command: Any) -> None:
        self.commands.append(command)

    def answer(self, call_id: str) -> None:
        self._record("answer", call_id)

    def play(self, call_id: str, prompt: str) -> None:
        self._record("play", call_id, prompt)

    def record_voicemail(self, call_id: str, box: str) -> None:
        self._record("record_voicemail", call_id, box)

    def ring_agent(self, call_id: str, agent_id: int) -> None:
        self._record("ring_agent", call_id, agent_id)

    def answer_at_phone(self, call_id: str, agent_id: int) -> None:
        self._record("answer_at_phone", call_id, agent_id)

    def route_agent(self, agent_id: int, device: str) -> None:
        self._record("route_agent", agent_id, device)

    def cancel_ring(self, call_id: str, agent_id: int) -> None:
        self._record("cancel_ring", call_id, agent_id)

    def hold(self, call_id: str) -> None:
        self._record("hold", call_id)

    def retrieve(self, call_id: str) -> None:
        self._record("retrieve", call_id)

    def transfer(self, call_id: str, target: str) -> None:
        self._record("transfer", call_id, target)

    def consult(self, call_id: str, target: str) -> None:
        self._record("consult", call_id, target)

    def complete_transfer(self, call_id: str) -> None:
        self._record("complete_transfer", call_id)

    def conference(self, call_id: str) -> None:
        self._record("conference", call_id)

    def hang_up(self, call_id: str, cause: str) -> None:
        self._record("hang_up", call_id, cause)

    def originate(self, call_id: str, agent_id: int, number: str, caller_id: str = "") -> None:
        self._record("originate", call_id, agent_id, number, *((caller_id,) if caller_id else ()))

    def dial_out(self, call_id: str, number: str, caller_id: str, ring_s: int) -> None:
        self._record("dial_out", call_id, number, caller_id, ring_s)

    def start_recording(self, call_id: str) -> None:
        self._record("start_recording", call_id)

    def stop_recording(self, call_id: str) -> None:
        self._record("stop_recording", call_id)

    def monitor(self, call_id: str, supervisor_id: int, mode: str) -> None:
        self._record("monitor", call_id, supervisor_id, mode)

    def stop_monitor(self, call_id: str, supervisor_id: int) -> None:
        self._record("stop_monitor", call_id, supervisor_id)

    def of(self, verb: str) -> list[tuple[Any, ...]]:
        return [c for c in self.commands if c[0] == verb]

    def rings(self) -> list[tuple[str, int]]:
        return [(c[1], c[2]) for c in self.of("ring_agent")]


def queue(
    queue_id: int,
    *,
    strategy: Strategy = Strategy.SKILL_FIRST,
    number: str | None = None,
    overflow: tuple[OverflowKind, str] | None = None,
    hours: OpeningHours | None = None,
    **settings: Any,
) -> QueueRouting:
    return QueueRouting(
        queue_id,
        name=f"q{queue_id}",
        number=f"80{queue_id}" if number is None else number,
        strategy=strategy,
        hours=hours or OpeningHours.always_open(),
        overflow=OverflowTarget(*overflow) if overflow else OverflowTarget(),
        **settings,
    )


def agent(agent_id: int, *queues: int, level: int = 5, priority: int = 5, **skills: Skill) -> Agent:
    """An agent skilled in ``queues`` (all at ``level``/``priority``), or per queue via ``q<id>=Skill``."""
    table = {q: Skill(level, priority) for q in queues}
    table.update({int(k[1:]): s for k, s in skills.items()})
    return Agent(agent_id, name=f"agent {agent_id}", skills=table)


class Harness:
    """An engine on a FixedClock with a recording PBX, plus the steps tests repeat."""

    def __init__(
        self,
        queues: Sequence[QueueRouting],
        agents: Iterable[Agent],
        *,
        at: datetime = START,
        rules: Sequence[CallerRule] = (),
        holidays: frozenset[date] | Any = frozenset(),
        caller_status: Callable[[str], Iterable[str]] | None = None,
        **engine_options: Any,
    ) -> None:
        self.clock = FixedClock(at)
        self.pbx = RecordingPbx()
        extra: dict[str, Any] = {"caller_status": caller_status} if caller_status else {}
        extra |= engine_options
        self.engine = RoutingEngine(
            self.clock, queues, list(agents), self.pbx, rules=rules, holidays=holidays, **extra
        )
        self._n = 0

    # -- steps -------------------------------------------------------------------------------------
    def ready(self, *agent_ids: int) -> None:
        """Log each agent in (if needed) and make them ready."""
        for agent_id in agent_ids:
            if self.engine.agents[agent_id].state == "logged_out":
                self.engine.log_in(agent_id)
            self.engine.ready(agent_id)

    def arrive(self, caller: str = "", dialled: str = "801", call_id: str = "") -> str:
        """A call from ``caller`` (by default a number of its own, so that sticky routing stays out)."""
        self._n += 1
        call_id = call_id or f"c{self._n}"
        caller = caller or f"+420601{self._n:06d}"
        self.engine.call_arrived(call_id, caller, dialled)
        return call_id

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        self.engine.tick()

    def answer(self, call_id: str) -> int:
        """The agent the call rings at answers it; returns that agent."""
        agent_id = self.engine.calls[call_id].agent_id
        assert agent_id is not None, f"{call_id} rings nowhere"
        self.engine.call_answered(call_id, agent_id)
        return agent_id

    def talk(self, call_id: str, seconds: float = 60) -> int:
        """Answer, talk for ``seconds`` and hang up; returns the agent."""
        agent_id = self.answer(call_id)
        self.clock.advance(seconds=seconds)
        self.engine.call_ended(call_id)
        return agent_id

    # -- looking ------------------------------------------------------------------------------------
    def at(self, call_id: str) -> int | None:
        return self.engine.calls[call_id].agent_id

    def state(self, agent_id: int) -> str:
        return self.engine.agents[agent_id].state.value

    def events(self, kind: type[E]) -> list[E]:
        return [e for e in self.engine.events if isinstance(e, kind)]

    def prompts_done(self, call_id: str) -> None:
        """The PBX finishes every prompt playing to the caller."""
        while self.engine.calls[call_id].prompts_playing:
            self.engine.on_pbx(pbx.PromptFinished(self.clock.now(), call_id))

    def press(self, call_id: str, digits: str) -> None:
        self.engine.on_pbx(pbx.DigitsPressed(self.clock.now(), call_id, digits))

    def said(self, call_id: str) -> list[str]:
        """What the caller was played, in order (TTS texts without their ``tts:`` prefix)."""
        return [c[2].removeprefix("tts:") for c in self.pbx.of("play") if c[1] == call_id]

    def ended(self, call_id: str) -> list[ev.CallEnded]:
        return [e for e in self.events(ev.CallEnded) if e.call_id == call_id]
