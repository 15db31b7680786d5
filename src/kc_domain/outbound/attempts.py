"""Campaign attempts (OUT-14, OUT-15, OUT-18): one row per time an agent had a contact of a preview or
manual campaign, from when she was shown it until she skipped it (with the reason) or said how the
call ended (the outcome), or a dialler's call put through to her; and one row per dialler's call
that reached no agent (no answer, busy, answering machine, invalid number, abandoned), with no
agent and its outcome. It keeps the engine's call id of her dial (when the desktop knew it), the
answers of the call script she ran (``ScriptRun.to_plain()``) and the script's version they were
given against. The answers can be changed while the attempt is open, that is until the outcome is
set at the end of wrap-up; after that the attempt is closed and refuses changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from kc_domain.outbound.outcomes import Outcome

SKIP_REASON_MAX = 200


@attrs.define(slots=False, eq=False)
class CampaignAttempt:
    campaign_id: int
    entry_id: int
    agent_id: int | None  # None: a dialler's attempt that reached no agent (no answer, abandoned...)
    started_at: datetime
    call_id: str = ""  # the engine's call of her dial; "" when the desktop did not know it
    ended_at: datetime | None = None
    outcome: Outcome | None = None
    skip_reason: str = ""  # skipped without a call
    answers: dict[str, Any] = attrs.field(factory=dict)  # ScriptRun.to_plain()
    script_version: int | None = None  # of the campaign's script the answers were given against
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.ended_at is None

    @property
    def skipped(self) -> bool:
        return bool(self.skip_reason) and self.outcome is None

    def end(self, now: datetime, outcome: Outcome | None = None, skip_reason: str = "") -> None:
        self.ended_at, self.outcome = now, outcome
        self.skip_reason = skip_reason[:SKIP_REASON_MAX]
