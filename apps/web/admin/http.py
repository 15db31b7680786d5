"""Administration pages: a list, a form and a delete button per kind of object."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from apps.web.admin import criteria
from apps.web.admin.fields import Field, holidays_text
from apps.web.admin.resources import RESOURCES, Resource
from apps.web.admin.service import (
    admin,
    cells,
    defaults,
    error_summary,
    labels,
    name_of,
    readable,
    resource_for,
    used_by_text,
    values_from_form,
)
from apps.web.errors import validation_payload
from apps.web.security import actor, current_user, requires
from kc_domain.errors import Conflict, InUse, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.organisation.hours import WEEKDAYS

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = Response | str | tuple[str, int]


@bp.route("/")
@requires(Permission.VIEW_ADMIN)
def index() -> str:
    user = current_user()
    assert user is not None
    allowed = [r for r in RESOURCES.values() if r.permission in user.permissions]
    return render_template("admin/index.html", resources=allowed)


@bp.route("/<kind>/")
@requires(Permission.VIEW_ADMIN)
def listing(kind: str) -> str:
    resource = resource_for(kind)
    shown = labels(resource)
    rows = [(e.id, cells(resource, e, shown)) for e in admin().list(kind)]
    return render_template("admin/list.html", resource=resource, rows=rows)


@bp.route("/<kind>/new", methods=["GET", "POST"])
@requires(Permission.VIEW_ADMIN)
def create(kind: str) -> Page:
    resource = resource_for(kind)
    if request.method == "GET":
        return _form(resource, None, None, {})
    values, password, unreadable = values_from_form(resource, request.form)
    try:
        entity = admin().create(actor(), kind, values, password=password or None, unreadable=unreadable)
    except ValidationFailed as error:
        return _form(resource, None, request.form, _by_field(resource, error)), 422
    except Conflict:
        return _form(resource, None, request.form, {}, conflict=True), 409
    flash(_("Saved: %(name)s", name=name_of(resource, entity)), "success")
    return redirect(url_for("admin.listing", kind=kind))


@bp.route("/<kind>/<int:entity_id>", methods=["GET", "POST"])
@requires(Permission.VIEW_ADMIN)
def edit(kind: str, entity_id: int) -> Page:
    resource = resource_for(kind)
    entity = admin().get(kind, entity_id)
    if request.method == "GET":
        return _form(resource, entity, None, {})
    values, password, unreadable = values_from_form(resource, request.form)
    try:
        entity = admin().update(
            actor(), kind, entity_id, values, password=password or None, unreadable=unreadable
        )
    except ValidationFailed as error:
        return _form(resource, entity, request.form, _by_field(resource, error)), 422
    except Conflict:
        return _form(resource, entity, request.form, {}, conflict=True), 409
    flash(_("Saved: %(name)s", name=name_of(resource, entity)), "success")
    return redirect(url_for("admin.listing", kind=kind))


@bp.route("/<kind>/<int:entity_id>/delete", methods=["POST"])
@requires(Permission.VIEW_ADMIN)
def delete(kind: str, entity_id: int) -> Response:
    resource = resource_for(kind)
    name = name_of(resource, admin().get(kind, entity_id))
    try:
        admin().delete(actor(), kind, entity_id)
    except InUse as error:
        flash(
            _(
                "%(name)s cannot be deleted: it is still used by %(users)s.",
                name=name,
                users=used_by_text(error.used_by),
            ),
            "error",
        )
        return redirect(url_for("admin.edit", kind=kind, entity_id=entity_id))
    except ValidationFailed as error:
        flash("; ".join(str(e["message"]) for e in validation_payload(error)), "error")
        return redirect(url_for("admin.edit", kind=kind, entity_id=entity_id))
    flash(_("Deleted: %(name)s", name=name), "success")
    return redirect(url_for("admin.listing", kind=kind))


def _form(
    resource: Resource,
    entity: object | None,
    submitted: MultiDict[str, str] | None,
    errors: dict[str, list[str]],
    conflict: bool = False,
) -> str:
    """Render the form with the entity's values, or with what was submitted after an error: every
    problem next to its field and in a list at the top that names the fields."""
    shown: dict[str, object] = defaults(resource) if entity is None and submitted is None else {}
    for field in resource.fields:
        if field.kind == "password":
            continue
        if submitted is not None:
            shown.update(_submitted_value(field, submitted))
        elif entity is not None:
            value = field.form_value(entity)
            shown.update(value if isinstance(value, dict) else {field.name: value})
    return render_template(
        "admin/form.html",
        resource=resource,
        entity=entity,
        title=name_of(resource, entity) if entity is not None else "",
        values=shown,
        errors=errors,
        summary=error_summary(resource, errors),
        conflict=conflict,
        targets=_overflow_targets(resource),
        holidays=_holidays(resource),
    )


def _overflow_targets(resource: Resource) -> list[tuple[str, str]]:
    """Queue and agent ids with their names, offered while typing an overflow target."""
    if resource.kind != "queue":
        return []
    queues = [(str(q.id), _("Queue: %(name)s", name=q.name)) for q in admin().list("queue")]
    agents = [
        (str(u.id), _("Agent: %(name)s", name=u.full_name)) for u in admin().list("user") if u.agent_number
    ]
    return queues + agents


def _holidays(resource: Resource) -> str:
    """This year's Czech public holidays, shown beside the “closed on holidays” switch."""
    return holidays_text() if resource.kind == "queue" else ""


def _submitted_value(field: Field, form: MultiDict[str, str]) -> dict[str, object]:
    if field.kind in ("multi", "refs"):
        return {field.name: set(form.getlist(field.name))}
    if field.kind == "bool":
        return {field.name: field.name in form}
    if field.kind == "hours":
        keys = [f"hours_{d}" for d in WEEKDAYS] + ["exceptions"]
        return {**{k: form.get(k, "") for k in keys}, "closed_on_holidays": "closed_on_holidays" in form}
    if field.kind == "overflow":
        return {k: form.get(k, "") for k in ("overflow_kind", "overflow_target")}
    if field.kind == "criteria":
        return {field.name: criteria.rows_from_form(form)}
    return {field.name: form.get(field.name, "")}


def _by_field(resource: Resource, error: ValidationFailed) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in validation_payload(ValidationFailed(readable(resource, e) for e in error.errors)):
        found.setdefault(str(item["field"]), []).append(str(item["message"]))
    return found
