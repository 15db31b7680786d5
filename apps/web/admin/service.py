"""Reading a request into values for the domain, shared by the pages and the JSON API."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any

import attrs
from flask import abort
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from apps.web.admin.fields import Field
from apps.web.admin.resources import RESOURCES, Resource
from apps.web.security import audit_denied, current_user
from apps.web.services import services
from kc_domain.admin.kinds import KINDS
from kc_domain.admin.service import AdminService
from kc_domain.errors import FieldError, ValidationFailed


def resource_for(kind: str) -> Resource:
    """The resource, if it exists (404) and the current user may manage it (403)."""
    resource = RESOURCES.get(kind)
    if resource is None:
        abort(404)
    user = current_user()
    assert user is not None
    if resource.permission not in user.permissions:
        audit_denied(user)
        abort(403)
    return resource


Read = tuple[dict[str, Any], str, list[FieldError]]
"""The values read, the password, and what could not be read (left out of the values), which the
admin service reports together with every other problem."""


def values_from_form(resource: Resource, form: MultiDict[str, str]) -> Read:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for field in resource.fields:
        if field.kind != "password":
            before = len(errors)
            _keep(values, field, field.from_form(form, errors), errors[before:])
    return values, form.get("password", ""), errors


def values_from_json(resource: Resource, body: Any) -> Read:
    if not isinstance(body, Mapping):
        raise ValidationFailed.one("body", "not_json")
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for name, raw in body.items():
        field = resource.field(name)
        if field is None or field.kind == "password":
            if name != "password":
                errors.append(FieldError(name, "unknown_field"))
            continue
        before = len(errors)
        _keep(values, field, field.from_json(raw, errors), errors[before:])
    password = body.get("password", "")
    return values, password if isinstance(password, str) else "", errors


PARTLY_READABLE = frozenset({"hours", "criteria"})
"""Field kinds whose value is still whole when a part of it could not be read (a day of the opening
hours, a row of criteria): the rest of it is checked too."""


def _keep(values: dict[str, Any], field: Field, value: Any, problems: list[FieldError]) -> None:
    """Keep a field's value unless it could not be read (``problems``): left out, the object keeps its
    default or old value while every other field is checked."""
    if not problems or (value is not None and field.kind in PARTLY_READABLE):
        values[field.name] = value


def labels(resource: Resource) -> dict[str, dict[str, str]]:
    """For each reference or choice field, value -> label, to show lists readably."""
    shown: dict[str, dict[str, str]] = {}
    for field in resource.fields:
        if field.choices is not None:
            shown[field.name] = dict(field.choices())
    return shown


def cells(resource: Resource, entity: Any, shown: dict[str, dict[str, str]]) -> list[str]:
    """The list columns of one entity as text: labels instead of ids and enum values."""
    out = []
    for field in resource.list_fields():
        value = getattr(entity, field.name)
        names = shown.get(field.name, {})
        if field.kind == "bool":
            out.append("✓" if value else "–")
        elif field.kind in ("multi", "refs"):
            out.append(", ".join(sorted(names.get(str(getattr(v, "value", v)), str(v)) for v in value)))
        elif field.kind == "list":
            out.append(", ".join(sorted(value)))
        elif field.kind == "lines":
            out.append(", ".join(value))
        elif field.kind == "datetime":
            out.append(str(field.form_value(entity)).replace("T", " "))
        elif field.kind in ("ref", "choice"):
            out.append("" if value is None else names.get(str(getattr(value, "value", value)), str(value)))
        else:
            out.append("" if value is None else str(value))
    return out


def defaults(resource: Resource) -> dict[str, object]:
    """What a new object's form starts with: the domain's own defaults (SL 80 %, 20 s...)."""
    blank = SimpleNamespace()
    for attribute in attrs.fields(KINDS[resource.kind].cls):
        default = attribute.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        setattr(blank, attribute.name, None if default is attrs.NOTHING else default)
    shown: dict[str, object] = {}
    for field in resource.fields:
        if field.kind != "password":
            value = field.form_value(blank)
            shown.update(value if isinstance(value, dict) else {field.name: value})
    return shown


def admin() -> AdminService:
    return services().admin()


def name_of(resource: Resource, entity: Any) -> str:
    """How a page names a saved object: its user name, name, label or code, else (an agent's skill)
    the names of the objects it joins, never its id."""
    for attr in ("username", "name", "label", "code", "key"):
        value = getattr(entity, attr, None)
        if isinstance(value, str) and value:
            return value
    shown = labels(resource)
    parts = [
        shown.get(field.name, {}).get(str(getattr(entity, field.name)), "")
        for field in resource.fields
        if field.kind == "ref"
    ]
    return " – ".join(p for p in parts if p) or str(resource.singular)


def readable(resource: Resource, error: FieldError) -> FieldError:
    """A domain error with the values it quotes as the form shows them (a queue's name, not its id)
    and, for a key of several fields taken by another object, the whole key named field by field."""
    if error.code != "duplicate":
        return error
    params = dict(error.params)
    field = resource.field(error.field)
    if field is not None:
        params["value"] = _shown(field, params.get("value"))
    key = params.get("key")
    if isinstance(key, Mapping):
        parts = []
        for name, value in key.items():
            part = resource.field(name)
            if part is not None:
                parts.append(gettext("%(field)s “%(value)s”", field=part.label, value=_shown(part, value)))
        params["combination"] = ", ".join(parts)
    return attrs.evolve(error, params=params)


def _shown(field: Field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field.choices is not None:
        return dict(field.choices()).get(str(value), str(value))
    return str(value)


WEEKDAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}


def error_summary(resource: Resource, errors: Mapping[str, list[str]]) -> list[tuple[str, str, str]]:
    """Every problem of a form as (the id of its control, the field's label, the message), in the
    form's order, for the list at the top of the form: it names the field even where the message
    next to the field does not, and shows problems of fields the form has no place for."""
    order = {f.name: n for n, f in enumerate(resource.fields)}
    found = []
    for name, messages in errors.items():
        anchor, label, owner = _control(resource, name)
        for message in messages:
            found.append((order.get(owner, len(order)), anchor, label, message))
    found.sort(key=lambda item: item[0])
    return [(anchor, label, message) for _n, anchor, label, message in found]


def _control(resource: Resource, name: str) -> tuple[str, str, str]:
    """The id of the control of an error's field, its label, and the resource field it belongs to."""
    field = resource.field(name)
    if field is not None:
        return f"f-{name}", str(field.label), name
    if name.startswith("hours_") or name in ("exceptions", "hours"):
        hours = next((f for f in resource.fields if f.kind == "hours"), None)
        day = WEEKDAY_LABELS.get(name.removeprefix("hours_"))
        label = str(hours.label) if hours else ""
        if day is not None:
            label = f"{label} – {day}"
        elif name == "exceptions":
            label = f"{label} – {gettext('Exceptions (one date per line)')}"
        return f"f-{name}", label, hours.name if hours else name
    if name in ("overflow_kind", "overflow_target"):
        overflow = next((f for f in resource.fields if f.kind == "overflow"), None)
        return f"f-{name}", str(overflow.label) if overflow else "", overflow.name if overflow else name
    if name.startswith("criteria."):
        criteria = resource.field("criteria")
        number = name.split(".")[1]
        label = f"{criteria.label} {number}" if criteria is not None else number
        return f"criterion-{number}", label, "criteria"
    return "entity-form", "", name


def used_by_text(used_by: Iterable[str]) -> str:
    """What keeps an object from being deleted (``kind:label`` from the domain), in words: each
    object by the name of its kind and its own name (an agent's skill by agent and queue)."""
    found = []
    for item in used_by:
        kind, _, label = item.partition(":")
        resource = RESOURCES.get(kind)
        if resource is None:
            found.append(label or item)
            continue
        skill = re.fullmatch(rf"{re.escape(kind)} (\d+)", label)  # a kind without a name of its own
        if skill is not None:
            label = name_of(resource, admin().get(kind, int(skill.group(1))))
        found.append(f"{resource.singular} {label}")
    return ", ".join(found)
