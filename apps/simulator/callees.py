"""The campaign's callees: what happens when a number of the list is dialled.

A number is one callee, whose draws come from the seed and the number alone: the same number
behaves the same in either mode, so that two runs with the same seed compare the modes on the same
list. Only the live-answer rate may depend on the hour of the dial.
"""

from __future__ import annotations

import random

import attrs

from apps.simulator.campaign import CampaignScenario
from kc_domain.outbound.pacing_estimates import DialOutcome


@attrs.frozen
class Callee:
    outcome: DialOutcome
    after_s: float  # from the dial to a person's answer, or to the end of the attempt
    talk_s: float  # if a person answers and an agent takes the call
    wrap_s: float


def callee(s: CampaignScenario, number: int, dialled_s: float) -> Callee:
    """The callee of the list's ``number`` dialled ``dialled_s`` seconds after the run's start. A
    person or machine who would answer after the no-answer cut-off rings until it; busy and invalid
    numbers fail by it at the latest."""
    c = s.callees
    rng = random.Random(s.seed * 1_000_003 + number)
    u, answer = rng.random(), c.time_to_answer.sampler(rng)()
    detect, busy, invalid = (d.sampler(rng)() for d in (c.machine_detection, c.busy_after, c.invalid_after))
    talk, wrap = s.talk.sampler(rng)(), s.wrap_up.sampler(rng)()
    live = c.live_answer[int(dialled_s // 3600) % 24]
    cutoff = c.no_answer_after_s
    outcome, after = DialOutcome.NO_ANSWER, cutoff
    answered, busy_below = live + c.machine, live + c.machine + c.busy
    if u < live and answer < cutoff:
        outcome, after = DialOutcome.LIVE, answer
    elif live <= u < answered and answer < cutoff:
        outcome, after = DialOutcome.MACHINE, answer + detect
    elif answered <= u < busy_below:
        outcome, after = DialOutcome.BUSY, min(busy, cutoff)
    elif busy_below <= u < busy_below + c.invalid:
        outcome, after = DialOutcome.INVALID, min(invalid, cutoff)
    return Callee(outcome, after, talk, wrap)
