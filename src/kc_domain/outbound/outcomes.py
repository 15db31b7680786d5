"""How an outbound attempt ended (OUT-12, OUT-13): set by the agent (success, refused, callback, wrong
number), by the PBX (no answer, busy, answering machine, invalid number) or by the dialler
(abandoned: the callee answered and no agent was there within the connect time)."""

from __future__ import annotations

from enum import StrEnum

from kc_domain.texts import N_


class Outcome(StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    CALLBACK = "callback"  # the callee agreed a time to be called again
    WRONG_NUMBER = "wrong_number"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    ANSWERING_MACHINE = "answering_machine"
    ABANDONED = "abandoned"
    INVALID = "invalid"  # the number does not exist


FINAL_OUTCOMES = frozenset({Outcome.SUCCESS, Outcome.REFUSED, Outcome.WRONG_NUMBER, Outcome.INVALID})
BY_AGENT = frozenset({Outcome.SUCCESS, Outcome.REFUSED, Outcome.CALLBACK, Outcome.WRONG_NUMBER})
LIVE = BY_AGENT | {Outcome.ABANDONED}  # a person answered

# each outcome as the supervisor reads it (msgids: the reports, the campaign pages)
OUTCOME_NAMES = {
    Outcome.SUCCESS: N_("Successful"),
    Outcome.REFUSED: N_("Not interested"),
    Outcome.CALLBACK: N_("Call again at the agreed time"),
    Outcome.WRONG_NUMBER: N_("Wrong person at this number"),
    Outcome.NO_ANSWER: N_("No answer"),
    Outcome.BUSY: N_("Busy"),
    Outcome.ANSWERING_MACHINE: N_("Answering machine"),
    Outcome.ABANDONED: N_("Answered, but no agent was free"),
    Outcome.INVALID: N_("The number does not exist"),
}
