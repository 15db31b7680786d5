"""Preview and manual campaigns on the agent desktop (OUT-10, OUT-11, OUT-12, OUT-13): JSON for the
signed-in agent under /api/v1/desktop/campaign, always on her own behalf (the agent is never taken
from the request). The same ``CampaignService`` as everywhere, so the same checks and audit
(``campaign.preview``, ``campaign.skip``, ``campaign.agree``, ``campaign.outcome``); errors as the
other desktop endpoints: 422 naming each field (``not_yours``, ``required``, ``outside_calling_hours``,
``agent_has_appointment`` ...), 404. Times typed by the agent are Prague local time (the configured
zone), stored in UTC. The call itself is the desktop's ``dial`` command with the contact's
``entry_id`` (``apps.web.desktop``), so it goes through the engine and the PBX as any manual call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, url_for

from apps.web.campaign_api import iso_time
from apps.web.documents import json_object
from apps.web.messages import OUTCOME_BUTTONS
from apps.web.query_args import whole_number
from apps.web.security import actor, current_user, requires
from apps.web.services import services
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.campaigns import Campaign, ListEntry
from kc_domain.outbound.outcomes import BY_AGENT, Outcome
from kc_domain.outbound.script_plain import script_to_plain
from kc_domain.outbound.script_run import ScriptRun
from kc_domain.outbound.service import AUTOMATIC, SEEN_BY_AGENT

api = Blueprint("campaign_desk_api", __name__, url_prefix="/api/v1/desktop/campaign")

AGENT_OUTCOMES = BY_AGENT | SEEN_BY_AGENT
# the order of the desktop's outcome buttons: what a talk ends with, then what the line did
OUTCOME_ORDER = tuple(OUTCOME_BUTTONS)
REASON_MAX = 200

Reply = tuple[dict[str, Any], int]


def _me() -> int:
    user = current_user()
    assert user is not None  # @requires let the request in
    return user.user_id


def working(agent_id: int) -> list[Campaign]:
    """The running campaigns of the agent's queues, highest priority first: preview and manual ones
    give her contacts to dial, progressive and predictive ones put their callees through to her."""
    with services().uow_factory()() as uow:
        queues = {s.queue_id for s in uow.skills.list() if s.user_id == agent_id}
    return [c for c in services().campaigns().campaigns() if c.dials and c.queue_id in queues]


def plain_contact(campaign: Campaign, entry: ListEntry, call_id: str = "") -> dict[str, Any]:
    """The contact's card: what the agent reads before she dials; ``call_id``: the dialler's call
    that put the callee through to her (a progressive or predictive campaign), "" otherwise."""
    client = entry.client_id
    return {
        "call_id": call_id,
        "entry_id": entry.id,
        "campaign_id": campaign.id,
        "campaign": campaign.name,
        "mode": campaign.mode.value,
        "name": entry.name,
        "phone": entry.phone,
        "priority": entry.priority,
        "attempts": entry.attempts,
        "max_attempts": campaign.max_attempts,
        "last_outcome": None if entry.last_outcome is None else entry.last_outcome.value,
        "last_attempt_at": iso_time(entry.last_attempt_at),
        "agreed": entry.agreed_with is not None,
        "extra": entry.extra,
        "client_id": client,
        "client_url": None if client is None else url_for("clients.index", id=client),
    }


def local_time(body: Mapping[str, Any], field: str) -> datetime:
    """A date and time the agent typed (``2026-11-24T14:30``), Prague local time unless it says its
    offset, in UTC."""
    raw = body.get(field)
    if raw is None or raw == "":
        raise ValidationFailed.one(field, "required")
    try:
        at = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationFailed.one(field, "bad_datetime", value=str(raw)[:40]) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(services().settings().timezone))
    return at.astimezone(UTC)


def _entry_id(body: Mapping[str, Any]) -> int:
    return whole_number(body.get("entry_id"), "entry_id")


def _outcome(body: Mapping[str, Any]) -> Outcome:
    raw = body.get("outcome")
    if raw in (None, ""):
        raise ValidationFailed.one("outcome", "required")
    try:
        outcome = Outcome(raw)
    except ValueError:
        raise ValidationFailed.one("outcome", "invalid_choice", value=str(raw)[:40]) from None
    if outcome not in AGENT_OUTCOMES:
        raise ValidationFailed.one("outcome", "invalid_choice", value=outcome.value)
    return outcome


def _fields(body: Mapping[str, Any], *readers: Callable[[Mapping[str, Any]], Any]) -> list[Any]:
    """Each field read by its reader; every problem named at once, nothing done."""
    values, errors = [], list[FieldError]()
    for reader in readers:
        try:
            values.append(reader(body))
        except ValidationFailed as error:
            errors.extend(error.errors)
            values.append(None)
    if errors:
        raise ValidationFailed(errors)
    return values


def _reason(body: Mapping[str, Any]) -> str:
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed.one("reason", "required")
    if len(reason.strip()) > REASON_MAX:
        raise ValidationFailed.one("reason", "too_long", max=REASON_MAX)
    return reason.strip()


def _agreed(body: Mapping[str, Any]) -> datetime | None:
    return None if body.get("agreed_at") in (None, "") else local_time(body, "agreed_at")


# -- the routes --------------------------------------------------------------------------------------
@api.route("/next", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def api_next() -> dict[str, Any]:
    """The next contact to call, held for her (the same one again until she dials, skips or says how
    it ended); ``campaigns``: the campaigns she works now, so that the page knows to show the panel."""
    me = _me()
    campaigns = working(me)
    found = services().campaigns().next_for(actor(), me) if campaigns else None
    call_id = ""
    if found is not None and found[0].mode in AUTOMATIC:
        attempt = services().campaigns().open_attempt(me)
        call_id = "" if attempt is None else attempt.call_id
    return {
        "campaigns": [{"id": c.id, "name": c.name, "mode": c.mode.value} for c in campaigns],
        "contact": None if found is None else plain_contact(*found, call_id),
        "script": None if found is None else _script(me, found[0]),
        "outcomes": [o.value for o in OUTCOME_ORDER],
    }


def _script(agent_id: int, campaign: Campaign) -> dict[str, Any] | None:
    """The campaign's call script (its JSON form) and the answers of her open attempt so far."""
    service = services().campaigns()
    stored = service.script_of(campaign)
    if stored is None:
        return None
    attempt = service.open_attempt(agent_id)
    answers = {} if attempt is None else attempt.answers
    try:
        run = ScriptRun.restore(stored.script(), answers)
    except ValidationFailed:  # the script changed under answers given before: start it again
        run = ScriptRun.begin(stored.script())
    return {
        "definition": script_to_plain(stored.script()),
        "version": stored.version,
        "answers": answers,
        "run": plain_run(run),
    }


def plain_run(run: ScriptRun) -> dict[str, Any]:
    """Where the script run is after the answers: the current question, or the end and its outcome."""
    current, end = run.current, run.end
    return {
        "answers": run.to_plain(),
        "path": list(run.path),
        "current": None if current is None else current.id,
        "end": None if end is None else end.id,
        "outcome": None if end is None else end.outcome.value,
    }


@api.route("/skip", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def api_skip() -> Reply:
    body = json_object()
    entry_id, reason = _fields(body, _entry_id, _reason)
    services().campaigns().skip(actor(), _me(), entry_id, reason)
    return {"ok": True}, 200


@api.route("/agree", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def api_agree() -> Reply:
    """During the call: the callee agrees to be called again at ``at`` (local time), by her."""
    body = json_object()
    entry_id, at = _fields(body, _entry_id, lambda b: local_time(b, "at"))
    entry = services().campaigns().agree_callback(actor(), _me(), entry_id, at)
    return {"ok": True, "next_try_at": iso_time(entry.next_try_at)}, 200


@api.route("/outcome", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def api_outcome() -> Reply:
    """How the attempt ended; ``callback`` with ``agreed_at`` (local time) unless agreed already."""
    body = json_object()
    entry_id, outcome, agreed_at = _fields(body, _entry_id, _outcome, _agreed)
    call_id = body.get("call_id")
    call_id = call_id if isinstance(call_id, str) else ""
    entry = services().campaigns().finish(actor(), _me(), entry_id, outcome, agreed_at, call_id)
    return {"ok": True, "done": entry.done, "next_try_at": iso_time(entry.next_try_at)}, 200


def _typed(entry_id: int, question: str, typed: object) -> dict[str, Any]:
    """The answers so far with ``question`` answered by what the agent typed, read the Czech way
    (``1 234,5``; ``7. 12. 2026``; a choice's key; empty skips an optional question)."""
    service = services().campaigns()
    attempt = service.open_attempt(_me())
    if attempt is None or attempt.entry_id != entry_id:
        return {question: typed}  # save_answers refuses it with the reason (not_yours, attempt_closed)
    stored = service.script_of(service.get(attempt.campaign_id))
    if stored is None:
        raise ValidationFailed.one("answers", "no_script")
    run = ScriptRun.restore(stored.script(), attempt.answers)
    return run.answer(question, "" if typed is None else str(typed)).run.to_plain()


@api.route("/answers", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def api_answers() -> Reply:
    """The call script's answers so far (``{question id: answer}``, the stored form: a choice's key,
    a JSON number, an ISO day, a text, null for a skipped question), or one ``question`` answered by
    what she ``typed`` (read the Czech way), kept on her open attempt; 422
    naming the question when an answer does not fit it, ``attempt_closed`` once the outcome is set."""
    body = json_object()
    entry_id = _fields(body, _entry_id)[0]
    question = body.get("question")
    answers = _typed(entry_id, str(question), body.get("typed")) if question else body.get("answers")
    if not isinstance(answers, dict):
        raise ValidationFailed.one("answers", "required")
    run = services().campaigns().save_answers(actor(), _me(), entry_id, answers)
    return {"ok": True, **plain_run(run)}, 200
