"""The campaign form (OUT-03, OUT-04): what the supervisor types, read into the plain values that
``CampaignService.create`` and ``update`` take, every problem at once and named by its field; a
campaign shown as the form's values; the fields' labels and where their errors stand.

The abandon cap is typed in per cent (``3`` or ``2,5``), the retries' delays in minutes, calling
hours as the queues' opening hours are (``apps.web.admin.fields``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from apps.web.admin.fields import Field
from apps.web.admin.service import WEEKDAY_LABELS
from apps.web.errors import validation_payload
from apps.web.i18n import locale_code, percent
from apps.web.messages import ATTEMPT_OUTCOMES
from apps.web.query_args import int_problem
from kc_domain.clients.model import normalise_phone
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.organisation.hours import WEEKDAYS
from kc_domain.outbound.campaigns import MAX_ABANDON_CAP, Campaign
from kc_domain.outbound.outcomes import FINAL_OUTCOMES, Outcome
from kc_domain.outbound.service import apply_values

RETRYABLE = tuple(o for o in Outcome if o not in FINAL_OUTCOMES and o is not Outcome.CALLBACK)
"""The outcomes a retry rule may follow (a callback is called at the agreed time instead)."""
HOURS = Field("hours", _l("Calling hours"), "hours")
NUMBERS = ("queue_id", "priority", "max_attempts", "ring_s")
CHECKBOXES = ("officer_caller_id", "record", "closed_on_holidays")
TEXTS: tuple[str, ...] = (
    *("name", "mode", "caller_id", "intro_prompt", "script_id", "abandon_cap", *NUMBERS),
    *(f"hours_{d}" for d in WEEKDAYS),
    "exceptions",
    *(f"retry_{o.value}_{part}" for o in RETRYABLE for part in ("delay", "attempts")),
)

ORDER = (
    *("state", "name", "queue_id", "mode", "priority", "script_id", "caller_id", "officer_caller_id"),
    *("record", "intro_prompt", "ring_s", "max_attempts", "abandon_cap", "retry", "hours", "exceptions"),
)
"""The form's fields top to bottom (``retry``, ``hours``: each row or day of them)."""
LABELS = {
    "name": _l("Name"),
    "queue_id": _l("Queue"),
    "mode": _l("Dialling mode"),
    "priority": _l("Priority (1 lowest, 10 highest)"),
    "hours": _l("Calling hours"),
    "exceptions": _l("Calling hours"),
    "abandon_cap": _l("Abandoned calls at most (%)"),
    "max_attempts": _l("Attempts per contact at most"),
    "ring_s": _l("Ring time (seconds)"),
    "caller_id": _l("Number shown to the called person"),
    "officer_caller_id": _l("Show the calling officer's own number instead"),
    "record": _l("Record the calls"),
    "intro_prompt": _l("Intro announcement (name of a recording)"),
    "script_id": _l("Call script"),
    "state": _l("State"),
}


# -- reading -----------------------------------------------------------------------------------------
def read_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    """The plain values for the campaign service, and what could not be read (each by field)."""
    errors: list[FieldError] = []
    caller_id = form.get("caller_id", "").strip()
    values: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "mode": form.get("mode", ""),
        "caller_id": (normalise_phone(caller_id) or caller_id) if caller_id else "",
        "officer_caller_id": "officer_caller_id" in form,
        "record": "record" in form,
        "intro_prompt": form.get("intro_prompt", "").strip(),
        "hours": HOURS.from_form(form, errors).to_plain(),
    }
    for name in NUMBERS:
        values[name] = _whole(form.get(name, ""), name, errors)
    script = form.get("script_id", "").strip()
    values["script_id"] = _whole(script, "script_id", errors) if script else None
    values["abandon_cap"] = _share(form.get("abandon_cap", ""), errors)
    values["retries"] = _retries(form, errors)
    return {k: v for k, v in values.items() if k not in {e.field for e in errors}}, errors


def checked_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """``read_form``'s values, or ``ValidationFailed`` with what could not be read and what the
    campaign's own rules say of the rest (``Campaign.problems``): every problem at once."""
    values, errors = read_form(form)
    if not errors:
        return values
    preview = Campaign(name="", queue_id=0)
    try:
        apply_values(preview, values)
    except ValidationFailed as error:
        raise ValidationFailed([*errors, *error.errors]) from None
    unread = {e.field for e in errors}
    raise ValidationFailed([*errors, *(p for p in preview.problems() if p.field not in unread)])


def _whole(raw: str, field: str, errors: list[FieldError]) -> int | None:
    if not raw.strip():
        errors.append(FieldError(field, "required"))
        return None
    number, problem = int_problem(raw, field)
    if problem is not None:
        errors.append(problem)
    return number


def _share(raw: str, errors: list[FieldError]) -> float | None:
    """Per cent as typed (``2,5``) as a share (0.025)."""
    text = raw.strip().removesuffix("%").strip().replace(",", ".")
    if not text:
        errors.append(FieldError("abandon_cap", "required"))
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors.append(FieldError("abandon_cap", "bad_number", {"value": raw.strip()}))
        return None
    if not number.is_finite():
        errors.append(FieldError("abandon_cap", "bad_number", {"value": raw.strip()}))
        return None
    return float(number / 100)


def _retries(form: MultiDict[str, str], errors: list[FieldError]) -> dict[str, dict[str, int]]:
    """A rule per outcome whose delay (minutes) and attempts are given; neither: no retry."""
    rules: dict[str, dict[str, int]] = {}
    for outcome in RETRYABLE:
        field = f"retries.{outcome.value}"
        delay = form.get(f"retry_{outcome.value}_delay", "").strip()
        attempts = form.get(f"retry_{outcome.value}_attempts", "").strip()
        if not delay and not attempts:
            continue
        found = [_whole(delay, field, errors), _whole(attempts, field, errors)]
        if None not in found:
            minutes, count = found
            assert minutes is not None and count is not None
            rules[outcome.value] = {"delay_s": minutes * 60, "max_attempts": count}
    return rules


# -- showing -----------------------------------------------------------------------------------------
def form_values(campaign: Campaign) -> dict[str, Any]:
    """What the form shows for ``campaign`` (a new one: ``Campaign``'s defaults)."""
    hours = HOURS.form_value(campaign)
    shown: dict[str, Any] = {
        "name": campaign.name,
        "queue_id": str(campaign.queue_id) if campaign.queue_id else "",
        "mode": campaign.mode.value,
        "priority": str(campaign.priority),
        "abandon_cap": format_decimal(round(campaign.abandon_cap * 100, 3), locale=locale_code()),
        "max_attempts": str(campaign.max_attempts),
        "ring_s": str(campaign.ring_s),
        "caller_id": campaign.caller_id,
        "officer_caller_id": campaign.officer_caller_id,
        "record": campaign.record,
        "intro_prompt": campaign.intro_prompt,
        "script_id": "" if campaign.script_id is None else str(campaign.script_id),
        **(hours if isinstance(hours, dict) else {}),
    }
    for outcome in RETRYABLE:
        rule = campaign.retries.get(outcome)
        minutes = "" if rule is None else str(int(rule.delay.total_seconds() // 60))
        shown[f"retry_{outcome.value}_delay"] = minutes
        shown[f"retry_{outcome.value}_attempts"] = "" if rule is None else str(rule.max_attempts)
    return shown


def submitted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What was typed, shown again after a refusal."""
    return {**{k: form.get(k, "") for k in TEXTS}, **{k: k in form for k in CHECKBOXES}}


def field_errors(error: ValidationFailed) -> dict[str, list[str]]:
    """The sentences of a refusal by the form field they stand next to."""
    found: dict[str, list[str]] = {}
    for item in validation_payload(ValidationFailed(_shown(e) for e in error.errors)):
        found.setdefault(anchor(str(item["field"])), []).append(str(item["message"]))
    return found


def anchor(field: str) -> str:
    """The form field an error of the domain's ``field`` stands next to."""
    return field.replace("retries.", "retry_") if field.startswith("retries.") else field


def summary(errors: Mapping[str, Iterable[str]]) -> list[tuple[str, str, str]]:
    """Every problem as (the id of its control, the field's label, the sentence), for the list at
    the top of the form; a problem of no field of the form (the state) without a link."""
    found = []
    for name, messages in errors.items():
        for message in messages:
            found.append((_place(name), f"f-{name}", label(name), message))
    return [item[1:] for item in sorted(found, key=lambda item: item[0])]


def _place(name: str) -> int:
    """Where the field stands in the form, top to bottom."""
    for position, prefix in enumerate(ORDER):
        if name == prefix or name.startswith(f"{prefix}_"):
            return position
    return len(ORDER)


def label(name: str) -> str:
    if name.startswith("hours_"):
        return f"{LABELS['hours']} – {WEEKDAY_LABELS.get(name.removeprefix('hours_'), '')}"
    if name.startswith("retry_"):
        return str(gettext("Retry after “%(outcome)s”", outcome=_outcome_label(name.removeprefix("retry_"))))
    return str(LABELS.get(name, ""))


def _outcome_label(value: str) -> str:
    return str(ATTEMPT_OUTCOMES[Outcome(value)]) if value in set(Outcome) else value


def _shown(error: FieldError) -> FieldError:
    """The abandon cap's limits in per cent, as the form asks for it."""
    if error.field == "abandon_cap" and error.code == "out_of_range":
        return FieldError(error.field, error.code, {"min": percent(0.001), "max": percent(MAX_ABANDON_CAP)})
    return error
