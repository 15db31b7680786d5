"""The callback request's state machine: transitions, illegal ones, attempts and retries (IN-09, AG-17)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kc_domain.callbacks.events import (
    CALLBACK_EVENT_TYPES,
    CallbackAssigned,
    CallbackAttempted,
    CallbackCancelled,
    CallbackCompleted,
    CallbackDialling,
    CallbackFailed,
    CallbackRequested,
    callback_event_from_plain,
    callback_event_to_plain,
)
from kc_domain.callbacks.model import (
    Attempt,
    AttemptOutcome,
    CallbackRequest,
    CallbackSource,
    CallbackState,
    IllegalCallbackTransition,
    NotYourCallback,
)
from kc_domain.errors import DomainError, ValidationFailed

pytestmark = pytest.mark.req("IN-09", "AG-17")

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
AGENT, OTHER = 7, 8


def make(**overrides: object) -> CallbackRequest:
    values: dict[str, object] = {
        "id": "cb-1",
        "caller": "+420601123456",
        "queue_id": 1,
        "created_at": T0,
        "seq": 1,
        "source": CallbackSource.QUEUE_DTMF,
        "call_id": "call-1",
    }
    values.update(overrides)
    return CallbackRequest.create(**values)  # type: ignore[arg-type]


def in_state(state: CallbackState) -> CallbackRequest:
    request = make()
    if state is CallbackState.ASSIGNED:
        request.assign(AGENT, T0)
    elif state is CallbackState.DIALLING:
        request.start_dialling(AGENT, T0)
    elif state is CallbackState.DONE:
        request.start_dialling(AGENT, T0)
        request.record_attempt("answered", AGENT, T0)
    elif state is CallbackState.FAILED:
        request = make(max_attempts=1)
        request.start_dialling(AGENT, T0)
        request.record_attempt("busy", AGENT, T0)
    elif state is CallbackState.CANCELLED:
        request.cancel("caller hung up", T0)
    assert request.state is state
    return request


# -- creation ------------------------------------------------------------------------------------
def test_create_normalises_to_utc_and_defaults() -> None:
    prague = ZoneInfo("Europe/Prague")
    request = make(created_at=datetime(2026, 11, 25, 10, 0, tzinfo=prague), client_ids=("c1",))
    assert request.created_at == T0 and request.created_at.tzinfo is UTC
    assert request.joined_at == T0
    assert request.state is CallbackState.OPEN
    assert request.max_attempts == 3 and request.retry_after_s == 900
    assert request.preferred_at is None and request.attempts == []
    assert request.client_ids == ("c1",)
    assert request.requested() == CallbackRequested(
        T0, "cb-1", 1, caller="+420601123456", source="queue_dtmf", call_id="call-1", preferred_at=None
    )


def test_create_lists_every_bad_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        make(
            id=" ",
            caller="",
            created_at=datetime(2026, 11, 25, 9, 0),
            source="fax",
            max_attempts=0,
            retry_after_s=-1,
        )
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("id", "required"),
        ("caller", "required"),
        ("created_at", "naive_datetime"),
        ("source", "invalid_choice"),
        ("max_attempts", "too_small"),
        ("retry_after_s", "too_small"),
    }


def test_entity_is_compared_by_identity() -> None:
    assert make() != make()
    first = make()
    assert first == first
    assert len({first, make()}) == 2


# -- transitions ---------------------------------------------------------------------------------
def test_assign_dial_answer() -> None:
    request = make()
    assert request.assign(AGENT, T0) == CallbackAssigned(T0, "cb-1", 1, agent_id=AGENT)
    assert request.state is CallbackState.ASSIGNED and request.agent_id == AGENT
    t1 = T0 + timedelta(minutes=1)
    assert request.start_dialling(AGENT, t1) == CallbackDialling(t1, "cb-1", 1, agent_id=AGENT, attempt=1)
    assert request.state in {CallbackState.DIALLING}
    t2 = t1 + timedelta(minutes=3)
    events = request.record_attempt(AttemptOutcome.ANSWERED, AGENT, t2, note="resolved")
    assert events == (
        CallbackAttempted(
            t2, "cb-1", 1, agent_id=AGENT, attempt=1, outcome="answered", state="done", note="resolved"
        ),
        CallbackCompleted(t2, "cb-1", 1, agent_id=AGENT, attempts=1, note="resolved"),
    )
    assert request.state is CallbackState.DONE and request.closed_at == t2
    assert request.attempts == [Attempt(t2, AGENT, AttemptOutcome.ANSWERED, "resolved")]
    assert not request.is_active


def test_reassign_reports_previous_agent() -> None:
    request = in_state(CallbackState.ASSIGNED)
    assert request.assign(OTHER, T0) == CallbackAssigned(
        T0, "cb-1", 1, agent_id=OTHER, previous_agent_id=AGENT
    )
    assert request.agent_id == OTHER


def test_dial_straight_from_open() -> None:
    request = make()
    request.start_dialling(OTHER, T0)
    assert request.state is CallbackState.DIALLING and request.agent_id == OTHER


def test_only_the_holder_may_dial_or_record() -> None:
    request = in_state(CallbackState.ASSIGNED)
    with pytest.raises(NotYourCallback):
        request.start_dialling(OTHER, T0)
    request.start_dialling(AGENT, T0)
    with pytest.raises(NotYourCallback):
        request.record_attempt("busy", OTHER, T0)
    with pytest.raises(NotYourCallback):
        request.mark_done(OTHER, T0)
    assert request.state is CallbackState.DIALLING and request.attempts == []


def test_mark_done_without_calling() -> None:
    request = make(note="first")
    event = request.mark_done(AGENT, T0, note="client called in")
    assert event == CallbackCompleted(T0, "cb-1", 1, agent_id=AGENT, attempts=0, note="client called in")
    assert request.state is CallbackState.DONE and request.note == "first\nclient called in"


@pytest.mark.parametrize("state", [CallbackState.OPEN, CallbackState.ASSIGNED])
def test_cancel(state: CallbackState) -> None:
    request = in_state(state)
    event = request.cancel("customer asked", T0)
    assert event == CallbackCancelled(T0, "cb-1", 1, reason="customer asked", previous_state=state.value)
    assert request.state is CallbackState.CANCELLED and request.cancel_reason == "customer asked"


ILLEGAL = [
    (CallbackState.DIALLING, "assign"),
    (CallbackState.DIALLING, "start dialling"),
    (CallbackState.DIALLING, "cancel"),
    (CallbackState.OPEN, "record an attempt"),
    (CallbackState.ASSIGNED, "record an attempt"),
    *[
        (final, action)
        for final in (CallbackState.DONE, CallbackState.FAILED, CallbackState.CANCELLED)
        for action in ("assign", "start dialling", "record an attempt", "mark done", "cancel")
    ],
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s.value}-{a}" for s, a in ILLEGAL])
def test_illegal_transitions_name_state_and_action(state: CallbackState, action: str) -> None:
    request = in_state(state)
    before = (request.state, request.agent_id, list(request.attempts), request.closed_at)
    actions: dict[str, Callable[[], object]] = {
        "assign": lambda: request.assign(AGENT, T0),
        "start dialling": lambda: request.start_dialling(AGENT, T0),
        "record an attempt": lambda: request.record_attempt("answered", AGENT, T0),
        "mark done": lambda: request.mark_done(AGENT, T0),
        "cancel": lambda: request.cancel("x", T0),
    }
    do = actions[action]
    with pytest.raises(IllegalCallbackTransition) as caught:
        do()
    assert isinstance(caught.value, DomainError)
    assert (caught.value.state, caught.value.action) == (state, action)
    assert state.value in str(caught.value) and action in str(caught.value)
    assert (request.state, request.agent_id, list(request.attempts), request.closed_at) == before


def test_unknown_outcome_is_rejected() -> None:
    request = in_state(CallbackState.DIALLING)
    with pytest.raises(ValidationFailed) as caught:
        request.record_attempt("hung_up", AGENT, T0)
    assert caught.value.errors[0].code == "invalid_choice"
    assert request.state is CallbackState.DIALLING and request.attempts == []


# -- attempts and retries ------------------------------------------------------------------------
@pytest.mark.parametrize("outcome", ["no_answer", "busy", "failed"])
def test_unsuccessful_attempt_reopens_with_retry_time(outcome: str) -> None:
    request = make(retry_after_s=600)
    request.start_dialling(AGENT, T0)
    (event,) = request.record_attempt(outcome, AGENT, T0, note="voicemail")
    retry = T0 + timedelta(minutes=10)
    assert event == CallbackAttempted(
        T0,
        "cb-1",
        1,
        agent_id=AGENT,
        attempt=1,
        outcome=outcome,
        state="open",
        next_try_at=retry,
        note="voicemail",
    )
    assert request.state is CallbackState.OPEN and request.agent_id is None
    assert request.next_try_at == retry and request.due_at == retry
    assert not request.is_due(retry - timedelta(seconds=1))
    assert request.is_due(retry)


def test_fails_after_max_attempts_with_default_policy() -> None:
    request = make()
    at = T0
    for number in (1, 2):
        assert request.start_dialling(AGENT, at).attempt == number
        (attempted,) = request.record_attempt("no_answer", AGENT, at)
        assert isinstance(attempted, CallbackAttempted) and attempted.attempt == number
        assert request.next_try_at == at + timedelta(minutes=15)
        at = request.next_try_at
    request.start_dialling(OTHER, at)
    attempted, failed = request.record_attempt("busy", OTHER, at)
    assert isinstance(attempted, CallbackAttempted) and attempted.state == "failed"
    assert attempted.next_try_at is None
    assert failed == CallbackFailed(at, "cb-1", 1, attempts=3)
    assert request.state is CallbackState.FAILED and request.closed_at == at and request.next_try_at is None
    assert [a.outcome for a in request.attempts] == ["no_answer", "no_answer", "busy"]
    assert [a.agent_id for a in request.attempts] == [AGENT, AGENT, OTHER]


def test_answered_on_last_attempt_is_done_not_failed() -> None:
    request = make(max_attempts=2)
    request.start_dialling(AGENT, T0)
    request.record_attempt("busy", AGENT, T0)
    request.start_dialling(AGENT, T0)
    _, final = request.record_attempt("answered", AGENT, T0)
    assert isinstance(final, CallbackCompleted) and request.state is CallbackState.DONE


def test_due_time_is_later_of_preferred_and_retry() -> None:
    preferred = T0 + timedelta(hours=2)
    request = make(preferred_at=preferred, retry_after_s=60)
    assert request.due_at == preferred and not request.is_due(T0) and request.is_due(preferred)
    request.start_dialling(AGENT, preferred)
    request.record_attempt("busy", AGENT, preferred)
    assert request.due_at == preferred + timedelta(minutes=1)


def test_events_round_trip_through_plain_data() -> None:
    request = make(preferred_at=T0 + timedelta(hours=1))
    events = [request.requested(), request.assign(AGENT, T0), request.start_dialling(AGENT, T0)]
    events += request.record_attempt("busy", AGENT, T0)
    events.append(request.cancel("no longer needed", T0))
    for event in events:
        assert event.name in CALLBACK_EVENT_TYPES
        plain = callback_event_to_plain(event)
        assert json.loads(json.dumps(plain)) == plain
        assert callback_event_from_plain(event.name, plain) == event
