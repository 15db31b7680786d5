"""The callback request entity and its state machine (IN-09, AG-17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

import attrs

from kc_domain.callbacks.events import (
    CallbackAssigned,
    CallbackAttempted,
    CallbackCancelled,
    CallbackCompleted,
    CallbackDialling,
    CallbackEvent,
    CallbackFailed,
    CallbackMerged,
    CallbackReleased,
    CallbackRequested,
)
from kc_domain.errors import DomainError, FieldError, ValidationFailed

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_AFTER_S = 15 * 60


class CallbackState(StrEnum):
    OPEN = "open"  # waiting for its turn (or for its due time)
    ASSIGNED = "assigned"  # reserved for one agent
    DIALLING = "dialling"  # an agent is calling the customer now
    DONE = "done"
    FAILED = "failed"  # max attempts without reaching the customer
    CANCELLED = "cancelled"


ACTIVE_STATES = frozenset({CallbackState.OPEN, CallbackState.ASSIGNED, CallbackState.DIALLING})
FINAL_STATES = frozenset({CallbackState.DONE, CallbackState.FAILED, CallbackState.CANCELLED})


class CallbackSource(StrEnum):
    QUEUE_DTMF = "queue_dtmf"  # pressed a key while waiting in the queue
    IVR = "ivr"
    WEB = "web"
    VOICEMAIL = "voicemail"


class AttemptOutcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # technical failure (bad number, trunk error)


class IllegalCallbackTransition(DomainError):
    """The action is not allowed in the request's current state; nothing was changed."""

    def __init__(self, callback_id: str, state: CallbackState, action: str) -> None:
        self.callback_id, self.state, self.action = callback_id, state, action
        super().__init__(f"callback {callback_id!r}: cannot {action} when {state.value}")


class NotYourCallback(DomainError):
    """The request is assigned to (or being dialled by) another agent; nothing was changed."""

    def __init__(self, callback_id: str, agent_id: int, holder_id: int | None) -> None:
        self.callback_id, self.agent_id, self.holder_id = callback_id, agent_id, holder_id
        super().__init__(f"callback {callback_id!r} belongs to agent {holder_id}, not {agent_id}")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


@attrs.frozen
class Attempt:
    at: datetime
    agent_id: int
    outcome: AttemptOutcome
    note: str = ""


@attrs.define(slots=False, eq=False)
class CallbackRequest:
    """One caller waiting to be called back; build with ``create`` so the input is checked.

    ``joined_at`` is when the caller originally joined the queue (for a queue-DTMF request, before
    the request was made); with ``seq`` as tie-breaker it keeps the caller's place in line.
    """

    id: str
    caller: str
    queue_id: int
    created_at: datetime
    joined_at: datetime
    seq: int
    source: CallbackSource
    preferred_at: datetime | None = None  # None: as soon as possible
    call_id: str = ""  # the original call, if any
    client_ids: tuple[str, ...] = ()
    state: CallbackState = CallbackState.OPEN
    agent_id: int | None = None
    attempts: list[Attempt] = attrs.field(factory=list)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_after_s: int = DEFAULT_RETRY_AFTER_S
    next_try_at: datetime | None = None  # after an unsuccessful attempt
    note: str = ""
    closed_at: datetime | None = None
    cancel_reason: str = ""

    @classmethod
    def create(
        cls,
        *,
        id: str,
        caller: str,
        queue_id: int,
        created_at: datetime,
        seq: int,
        source: CallbackSource | str,
        joined_at: datetime | None = None,
        preferred_at: datetime | None = None,
        call_id: str = "",
        client_ids: tuple[str, ...] = (),
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_after_s: int = DEFAULT_RETRY_AFTER_S,
        note: str = "",
    ) -> CallbackRequest:
        """A new OPEN request; raises ``ValidationFailed`` listing every bad field."""
        errors: list[FieldError] = []
        if not id.strip():
            errors.append(FieldError("id", "required"))
        if not caller.strip():
            errors.append(FieldError("caller", "required"))
        for name, value in (
            ("created_at", created_at),
            ("joined_at", joined_at),
            ("preferred_at", preferred_at),
        ):
            if value is not None and not _is_aware(value):
                errors.append(FieldError(name, "naive_datetime"))
        if source not in CallbackSource._value2member_map_:
            errors.append(FieldError("source", "invalid_choice", {"value": str(source)}))
        if max_attempts < 1:
            errors.append(FieldError("max_attempts", "too_small", {"min": 1}))
        if retry_after_s < 0:
            errors.append(FieldError("retry_after_s", "too_small", {"min": 0}))
        if errors:
            raise ValidationFailed(errors)
        created = _utc(created_at)
        return cls(
            id=id,
            caller=caller.strip(),
            queue_id=queue_id,
            created_at=created,
            joined_at=created if joined_at is None else _utc(joined_at),
            seq=seq,
            source=CallbackSource(source),
            preferred_at=None if preferred_at is None else _utc(preferred_at),
            call_id=call_id,
            client_ids=tuple(client_ids),
            max_attempts=max_attempts,
            retry_after_s=retry_after_s,
            note=note,
        )

    # -- queries ------------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def due_at(self) -> datetime | None:
        """When the request may be worked at the earliest: the later of preferred and retry time."""
        times = [t for t in (self.preferred_at, self.next_try_at) if t is not None]
        return max(times) if times else None

    def is_due(self, now: datetime) -> bool:
        """OPEN and its due time (if any) has come."""
        due = self.due_at
        return self.state is CallbackState.OPEN and (due is None or due <= now)

    def sort_key(self) -> tuple[datetime, int, str]:
        """Place in line: who joined the queue first, then arrival order, then id for determinism."""
        return (self.joined_at, self.seq, self.id)

    def requested(self) -> CallbackRequested:
        """The event announcing this request."""
        return CallbackRequested(
            self.created_at,
            self.id,
            self.queue_id,
            caller=self.caller,
            source=self.source.value,
            call_id=self.call_id,
            preferred_at=self.preferred_at,
        )

    # -- transitions --------------------------------------------------------------------------
    def _require(self, action: str, *allowed: CallbackState) -> None:
        if self.state not in allowed:
            raise IllegalCallbackTransition(self.id, self.state, action)

    def _require_holder(self, agent_id: int) -> None:
        if self.agent_id is not None and self.agent_id != agent_id:
            raise NotYourCallback(self.id, agent_id, self.agent_id)

    def merge(self, other: CallbackRequest, at: datetime) -> CallbackMerged:
        """The same caller asked again: keep this place in line, take the newer preferred time."""
        self._require("merge", *ACTIVE_STATES)
        self.preferred_at = other.preferred_at
        self.client_ids = tuple(dict.fromkeys(self.client_ids + other.client_ids))
        if other.note and other.note not in self.note:
            self.note = f"{self.note}\n{other.note}" if self.note else other.note
        return CallbackMerged(
            at, self.id, self.queue_id, preferred_at=self.preferred_at, call_id=other.call_id
        )

    def assign(self, agent_id: int, at: datetime) -> CallbackAssigned:
        """Reserve the request for an agent (also re-assigns an ASSIGNED one)."""
        self._require("assign", CallbackState.OPEN, CallbackState.ASSIGNED)
        previous, self.agent_id, self.state = self.agent_id, agent_id, CallbackState.ASSIGNED
        return CallbackAssigned(at, self.id, self.queue_id, agent_id=agent_id, previous_agent_id=previous)

    def start_dialling(self, agent_id: int, at: datetime) -> CallbackDialling:
        """The agent starts calling the customer; an ASSIGNED request only by its agent."""
        self._require("start dialling", CallbackState.OPEN, CallbackState.ASSIGNED)
        if self.state is CallbackState.ASSIGNED:
            self._require_holder(agent_id)
        self.agent_id, self.state = agent_id, CallbackState.DIALLING
        return CallbackDialling(at, self.id, self.queue_id, agent_id=agent_id, attempt=len(self.attempts) + 1)

    def record_attempt(
        self, outcome: AttemptOutcome | str, agent_id: int, at: datetime, note: str = ""
    ) -> tuple[CallbackEvent, ...]:
        """Record how the dialling went.

        Answered: DONE. Otherwise OPEN again, due ``retry_after_s`` later, or FAILED when this was
        the last allowed attempt. Returns ``CallbackAttempted`` followed by ``CallbackCompleted`` or
        ``CallbackFailed`` when the attempt ended the request.
        """
        self._require("record an attempt", CallbackState.DIALLING)
        if outcome not in AttemptOutcome._value2member_map_:
            raise ValidationFailed.one("outcome", "invalid_choice", value=str(outcome))
        self._require_holder(agent_id)
        result = AttemptOutcome(outcome)
        self.attempts.append(Attempt(at, agent_id, result, note))
        count = len(self.attempts)
        final: CallbackEvent | None = None
        if result is AttemptOutcome.ANSWERED:
            self.state, self.closed_at, self.next_try_at = CallbackState.DONE, at, None
            final = CallbackCompleted(
                at, self.id, self.queue_id, agent_id=agent_id, attempts=count, note=note
            )
        elif count >= self.max_attempts:
            self.state, self.closed_at, self.next_try_at = CallbackState.FAILED, at, None
            final = CallbackFailed(at, self.id, self.queue_id, attempts=count)
        else:
            self.state, self.agent_id = CallbackState.OPEN, None
            self.next_try_at = at + timedelta(seconds=self.retry_after_s)
        attempted = CallbackAttempted(
            at,
            self.id,
            self.queue_id,
            agent_id=agent_id,
            attempt=count,
            outcome=result.value,
            state=self.state.value,
            next_try_at=self.next_try_at,
            note=note,
        )
        return (attempted,) if final is None else (attempted, final)

    def release(self, at: datetime, reason: str) -> CallbackReleased:
        """Dialling did not start after all (the agent did not pick up their phone): OPEN again in its
        place, no attempt counted."""
        self._require("release", CallbackState.DIALLING)
        agent, self.state, self.agent_id = self.agent_id, CallbackState.OPEN, None
        return CallbackReleased(at, self.id, self.queue_id, agent_id=agent, reason=reason)

    def mark_done(self, agent_id: int, at: datetime, note: str = "") -> CallbackCompleted:
        """An agent settles the request without (another) call, e.g. the customer called in meanwhile."""
        self._require("mark done", *ACTIVE_STATES)
        if self.state is not CallbackState.OPEN:
            self._require_holder(agent_id)
        self.state, self.agent_id, self.closed_at, self.next_try_at = CallbackState.DONE, agent_id, at, None
        if note:
            self.note = f"{self.note}\n{note}" if self.note else note
        return CallbackCompleted(
            at, self.id, self.queue_id, agent_id=agent_id, attempts=len(self.attempts), note=note
        )

    def cancel(self, reason: str, at: datetime) -> CallbackCancelled:
        """Withdraw the request (the caller cancelled, a supervisor removed it); not while dialling."""
        self._require("cancel", CallbackState.OPEN, CallbackState.ASSIGNED)
        previous = self.state
        self.state, self.closed_at, self.cancel_reason, self.next_try_at = (
            CallbackState.CANCELLED,
            at,
            reason,
            None,
        )
        return CallbackCancelled(at, self.id, self.queue_id, reason=reason, previous_state=previous.value)
