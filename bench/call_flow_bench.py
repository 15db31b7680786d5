"""Cost of the call flow around the queue in the ACD engine (never pass/fail; JSON out).

    .venv/bin/python bench/call_flow_bench.py [SAMPLES]

- ivr_arrival: a call reaches a number with an IVR tree while 2,000 callers are in the IVR and 5,000
  wait in queues: rules, answer, tree start, first prompt;
- ivr_key_to_queue: a caller's key press in the menu tags the call and queues it (first staffed queue
  of the node's list, announcements armed);
- announcement_tick: an engine step (0.2 s) announcing position and expected wait to the callers
  whose turn it is among 5,000 waiting (each hears it every 30 s: about 33 per step);
- callback_for_free_agent: an agent becomes free and gets the earliest due callback request among
  5,000 open ones in 100 queues, dialled from their phone;
- idle_tick_with_callbacks: a tick with 5,000 open requests not yet due and ready agents (the
  dispatch scan every engine step pays).
"""

from __future__ import annotations

import gc
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.callbacks.model import CallbackRequest
from kc_domain.ivr.model import HangUp, IvrTree, Menu, Prompt, RouteToQueue, SetTag
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import IvrDirectory, QueueRouting
from kc_domain.routing.engine import RoutingEngine

AGENTS, QUEUES, WAITING, IN_IVR, CALLBACKS = 1000, 100, 5000, 2000, 5000
START = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
DID = "+420261105550"


def tree() -> IvrTree:
    choices = {str(k): f"tag{k}" for k in range(1, 10)}
    nodes = [Menu(id="menu", prompt=Prompt("Vyberte téma hovoru."), choices=choices, retries=2)]
    for k in range(1, 10):
        nodes.append(SetTag(id=f"tag{k}", key="tema", value=str(k), next=f"q{k}"))
        nodes.append(RouteToQueue(id=f"q{k}", queue_ids=(k, k + 10, k + 20)))
    nodes.append(HangUp(id="end"))
    return IvrTree("bench", 1, "menu", nodes)


class Centre:
    def __init__(self, callbacks: int = 0, ready: bool = False) -> None:
        self.clock = FixedClock(START)
        self.pbx = SimulatedPbx(record_commands=False, strict=False)
        self.rng = random.Random(5)
        queues = [
            QueueRouting(
                q, f"Fronta {q:03d}", wrap_up_s=0, announce_every_s=30, callback_key="1", voicemail_key="2"
            )
            for q in range(1, QUEUES + 1)
        ]
        agents = [
            Agent(a, f"agent {a}", {q: Skill(5, 5) for q in self.rng.sample(range(1, QUEUES + 1), 4)})
            for a in range(1, AGENTS + 1)
        ]
        requests = [
            CallbackRequest.create(
                id=f"cb{n}",
                caller=f"+420{600000000 + n}",
                queue_id=1 + n % QUEUES,
                created_at=START,
                seq=n,
                source="web",
                preferred_at=START + timedelta(days=1),
            )
            for n in range(callbacks)
        ]
        ids = (f"new{n}" for n in itertools.count())
        self.engine = RoutingEngine(
            self.clock,
            queues,
            agents,
            self.pbx,
            record_events=False,
            ivr=IvrDirectory.of([tree()], {DID: "bench"}),
            callbacks=requests,
            new_id=lambda: next(ids),
        )
        self.ids = (f"c{n}" for n in itertools.count(1))
        if ready:
            for a in agents:
                self.engine.log_in(a.agent_id)
                self.engine.ready(a.agent_id)

    def arrive(self, dialled: str, queue_id: int | None = None) -> str:
        call_id = next(self.ids)
        caller = f"+420{700000000 + self.rng.randrange(10**8)}"
        self.pbx.incoming(call_id, caller, dialled)
        self.engine.call_arrived(call_id, caller, dialled, queue_id=queue_id)
        return call_id

    def in_ivr(self) -> str:
        call_id = self.arrive(DID)
        self.engine.on_pbx(pbx.PromptFinished(self.clock.now(), call_id))
        return call_id

    def crowd(self) -> None:
        for agent in self.engine.agents.values():  # everyone signed in but busy elsewhere: paused
            self.engine.log_in(agent.agent_id)
        for _ in range(WAITING):
            self.arrive("q", queue_id=self.rng.randrange(1, QUEUES + 1))
        for _ in range(IN_IVR):  # their menu timeouts spread over 5 s
            self.clock.advance(seconds=5 / IN_IVR)
            self.in_ivr()


def timed(samples: int, setup: Callable[[], object], action: Callable[[object], None]) -> dict[str, float]:
    times = []
    for _ in range(samples):
        state = setup()
        gc.disable()
        started = time.perf_counter_ns()
        action(state)
        times.append((time.perf_counter_ns() - started) / 1000)
        gc.enable()
    times.sort()
    return {
        "n": samples,
        "p50_us": round(statistics.median(times), 1),
        "p99_us": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
        "max_us": round(times[-1], 1),
    }


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    crowded = Centre()
    crowded.crowd()
    figures = {
        "ivr_arrival": timed(samples, lambda: None, lambda _: crowded.arrive(DID)),
        "ivr_key_to_queue": timed(
            samples,
            crowded.in_ivr,
            lambda call_id: crowded.engine.on_pbx(
                pbx.DigitsPressed(crowded.clock.now(), str(call_id), str(crowded.rng.randrange(1, 10)))
            ),
        ),
    }

    def due_announcements() -> None:
        crowded.clock.advance(seconds=0.2)  # an engine step: about 33 of 5,000 announcements fall due

    figures["announcement_tick"] = timed(samples // 10, due_announcements, lambda _: crowded.engine.tick())

    dialling = Centre(callbacks=CALLBACKS)
    dialling.clock.advance(days=1, seconds=1)
    for agent in dialling.engine.agents.values():
        dialling.engine.log_in(agent.agent_id)
    agent_ids = iter(list(dialling.engine.agents))
    figures["callback_for_free_agent"] = timed(
        min(samples, AGENTS),
        lambda: next(agent_ids),
        lambda agent_id: dialling.engine.ready(int(str(agent_id))),
    )
    idle = Centre(callbacks=CALLBACKS, ready=True)
    figures["idle_tick_with_callbacks"] = timed(samples // 10, lambda: None, lambda _: idle.engine.tick())
    print(
        json.dumps(
            {
                "agents": AGENTS,
                "queues": QUEUES,
                "waiting": WAITING,
                "in_ivr": IN_IVR,
                "open_callbacks": CALLBACKS,
                "figures": figures,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
