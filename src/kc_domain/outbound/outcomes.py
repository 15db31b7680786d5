"""What an outbound attempt came to (OUT-12, OUT-13, OUT-15): set by the dialler, the agent or the end
state of a call script."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    CALLBACK = "callback"
    WRONG_NUMBER = "wrong_number"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    ANSWERING_MACHINE = "answering_machine"
    ABANDONED = "abandoned"
    INVALID = "invalid"
