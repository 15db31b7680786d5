"""Reading a request into values for the domain, shared by the pages and the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import attrs
from flask import abort, current_app
from werkzeug.datastructures import MultiDict

from apps.web.admin.resources import RESOURCES, Resource
from apps.web.security import audit_denied, current_user
from kc_domain.admin.kinds import KINDS
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


def values_from_form(resource: Resource, form: MultiDict[str, str]) -> tuple[dict[str, Any], str]:
    errors: list[FieldError] = []
    values = {f.name: f.from_form(form, errors) for f in resource.fields if f.kind != "password"}
    if errors:
        raise ValidationFailed(errors)
    return values, form.get("password", "")


def values_from_json(resource: Resource, body: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(body, Mapping):
        raise ValidationFailed.one("body", "not_json")
    errors: list[FieldError] = []
    values = {}
    for name, raw in body.items():
        field = resource.field(name)
        if field is None or field.kind == "password":
            if name != "password":
                errors.append(FieldError(name, "unknown_field"))
            continue
        values[name] = field.from_json(raw, errors)
    if errors:
        raise ValidationFailed(errors)
    password = body.get("password", "")
    return values, password if isinstance(password, str) else ""


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


def admin() -> Any:
    return current_app.extensions["kc"].admin()
