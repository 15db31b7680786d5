"""Campaigns as JSON under /api/v1/campaigns (OUT-02, OUT-03, OUT-04, OUT-07, OUT-09): the campaigns
with their progress and agents, and their lists of contacts; the do-not-call list is in
``apps.web.do_not_call``, the call scripts in ``apps.web.call_scripts``; docs/api.md describes each
route. The same service as the pages, so the same checks and audit; errors as everywhere in /api:
422 naming each field, 404, 409, 403."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, request

from apps.web.campaigns import ACTIONS
from apps.web.documents import json_body, json_object
from apps.web.query_args import int_arg, int_problem
from apps.web.security import actor, requires
from apps.web.services import services
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.campaigns import Campaign, ListEntry, Progress
from kc_domain.outbound.service import CampaignService, plain

api = Blueprint("campaigns_api", __name__, url_prefix="/api/v1/campaigns")

MANAGE = Permission.MANAGE_CAMPAIGNS
WHOLE_NUMBERS = ("queue_id", "priority", "max_attempts", "ring_s", "script_id")
ENTRY_FIELDS = ("phone", "name", "priority")
PAGE_MAX = 500

Reply = tuple[dict[str, Any], int]


def campaigns() -> CampaignService:
    return services().campaigns()


# -- shapes ------------------------------------------------------------------------------------------
def plain_progress(progress: Progress) -> dict[str, int]:
    return {
        "total": progress.total,
        "done": progress.done,
        "left": progress.left,
        "attempted": progress.attempted,
        "successful": progress.successful,
        "removed": progress.removed,
    }


def plain_campaign(campaign: Campaign) -> dict[str, Any]:
    """A campaign's settings and state with its progress and its agents' ids."""
    service, campaign_id = campaigns(), campaign.id or 0
    return {
        **plain(campaign),
        "progress": plain_progress(service.progress(campaign_id)),
        "agents": service.agents(campaign_id),
    }


def iso_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def plain_entry(entry: ListEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "phone": entry.phone,
        "name": entry.name,
        "client_id": entry.client_id,
        "priority": entry.priority,
        "extra": entry.extra,
        "attempts": entry.attempts,
        "last_outcome": None if entry.last_outcome is None else entry.last_outcome.value,
        "last_attempt_at": iso_time(entry.last_attempt_at),
        "next_try_at": iso_time(entry.next_try_at),
        "done": entry.done,
        "removed": entry.removed,
    }


# -- reading the body --------------------------------------------------------------------------------
def _campaign_values() -> dict[str, Any]:
    """The body, its whole numbers checked against what the database holds first."""
    values = json_object()
    problems = []
    for name in WHOLE_NUMBERS:
        raw = values.get(name)
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            problem = int_problem(raw, name, signed=True)[1]
            if problem is not None and problem.code == "out_of_range":  # the rest: the service's words
                problems.append(problem)
    if problems:
        raise ValidationFailed(problems)
    return values


def _entries(body: Any) -> list[ListEntry]:
    """``[{"phone", "name", "priority"}, ...]`` (or ``{"entries": [...]}``), each row's shape
    checked, every problem named by its row (counted from 1) as the service names them."""
    rows = body.get("entries") if isinstance(body, dict) else body
    if not isinstance(rows, list):
        raise ValidationFailed.one("entries", "invalid_type", expected="array")
    errors: list[FieldError] = []
    found = []
    for number, row in enumerate(rows, start=1):
        at = f"rows[{number}]"
        if not isinstance(row, dict):
            errors.append(FieldError(at, "invalid_type", {"expected": "object"}))
            continue
        errors += [FieldError(f"{at}.{k}", "unexpected_field") for k in row if k not in ENTRY_FIELDS]
        phone, name, priority = row.get("phone"), row.get("name", ""), row.get("priority", 5)
        if not isinstance(phone, str) or not phone.strip():
            errors.append(FieldError(f"{at}.phone", "required"))
        if not isinstance(name, str):
            errors.append(FieldError(f"{at}.name", "invalid_type", {"expected": "string"}))
        if isinstance(priority, bool) or not isinstance(priority, int):
            errors.append(FieldError(f"{at}.priority", "not_a_number"))
        elif (problem := int_problem(priority, f"{at}.priority")[1]) is not None:
            errors.append(problem)
        found.append(ListEntry(0, str(phone or ""), name=str(name).strip(), priority=_small(priority)))
    if errors:
        raise ValidationFailed(errors)
    return found


def _small(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31 else 0


def _entry_change(body: Mapping[str, Any]) -> dict[str, Any]:
    errors = [FieldError(k, "unexpected_field") for k in body if k not in ("phone", "priority", "removed")]
    phone, priority, removed = body.get("phone"), body.get("priority"), body.get("removed", False)
    if phone is not None and not isinstance(phone, str):
        errors.append(FieldError("phone", "invalid_type", {"expected": "string"}))
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        errors.append(FieldError("priority", "not_a_number"))
    elif priority is not None and (problem := int_problem(priority, "priority")[1]) is not None:
        errors.append(problem)
    if not isinstance(removed, bool):
        errors.append(FieldError("removed", "invalid_type", {"expected": "boolean"}))
    if errors:
        raise ValidationFailed(errors)
    return {"phone": phone, "priority": priority, "remove": removed}


# -- campaigns ---------------------------------------------------------------------------------------
@api.route("", methods=["GET"])
@requires(MANAGE)
def api_list() -> dict[str, Any]:
    return {"items": [plain_campaign(c) for c in campaigns().campaigns()]}


@api.route("", methods=["POST"])
@requires(MANAGE)
def api_create() -> Reply:
    return plain_campaign(campaigns().create(actor(), _campaign_values())), 201


@api.route("/<int:campaign_id>", methods=["GET"])
@requires(MANAGE)
def api_get(campaign_id: int) -> dict[str, Any]:
    return plain_campaign(campaigns().get(campaign_id))


@api.route("/<int:campaign_id>", methods=["PATCH"])
@requires(MANAGE)
def api_update(campaign_id: int) -> dict[str, Any]:
    return plain_campaign(campaigns().update(actor(), campaign_id, _campaign_values()))


def _moved(name: str) -> Any:
    def view(campaign_id: int) -> dict[str, Any]:
        return plain_campaign(ACTIONS[name](campaigns(), campaign_id))

    view.__name__ = f"api_{name}"
    return view


for _name in ACTIONS:  # start, pause, stop: as the pages do
    api.add_url_rule(
        f"/<int:campaign_id>/{_name}", view_func=requires(MANAGE)(_moved(_name)), methods=["POST"]
    )


@api.route("/<int:campaign_id>/progress", methods=["GET"])
@requires(MANAGE)
def api_progress(campaign_id: int) -> dict[str, Any]:
    return plain_progress(campaigns().progress(campaign_id))


# -- its list ----------------------------------------------------------------------------------------
@api.route("/<int:campaign_id>/entries", methods=["GET"])
@requires(MANAGE)
def api_entries(campaign_id: int) -> dict[str, Any]:
    limit = int_arg(request.args, "limit", 100) or 0
    offset = int_arg(request.args, "offset", 0) or 0
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationFailed.one("limit", "out_of_range", min=1, max=PAGE_MAX)
    progress = campaigns().progress(campaign_id)
    entries = campaigns().entries(campaign_id, limit=limit, offset=offset)
    return {
        "items": [plain_entry(e) for e in entries],
        "total": progress.total + progress.removed,
        "limit": limit,
        "offset": offset,
    }


@api.route("/<int:campaign_id>/entries", methods=["POST"])
@requires(MANAGE)
def api_add_entries(campaign_id: int) -> Reply:
    added = campaigns().add_entries(actor(), campaign_id, _entries(json_body()))
    return {"added": added, "progress": plain_progress(campaigns().progress(campaign_id))}, 201


@api.route("/<int:campaign_id>/entries/<int:entry_id>", methods=["PATCH"])
@requires(MANAGE)
def api_change_entry(campaign_id: int, entry_id: int) -> dict[str, Any]:
    change = _entry_change(json_object())
    return plain_entry(campaigns().change_entry(actor(), campaign_id, entry_id, **change))
