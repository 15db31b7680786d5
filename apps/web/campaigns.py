"""The supervisor's campaign pages (OUT-02, OUT-03, OUT-04, OUT-07, OUT-09): every campaign with its
progress, running ones first; a campaign's settings in a form; its page with Start, Pause and Stop,
its agents (those skilled for its queue) and its list of contacts, paged, each editable in its row
while the campaign runs; contacts added one at a time. The do-not-call list is in
``apps.web.do_not_call``, the call scripts in ``apps.web.call_scripts``, the JSON API in
``apps.web.campaign_api``.

Every change goes through ``CampaignService`` (checked, audited, all or nothing); a refusal is shown
with its sentence next to the field, what was typed kept, and nothing changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from apps.web import campaign_form as cf
from apps.web.admin.fields import holidays_text
from apps.web.errors import validation_payload
from apps.web.messages import ATTEMPT_OUTCOMES, CAMPAIGN_STATES, DIAL_MODES, campaign_refusal
from apps.web.query_args import int_arg, int_problem
from apps.web.security import actor, may, requires
from apps.web.services import services
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.campaigns import Campaign, IllegalCampaignTransition, ListEntry
from kc_domain.outbound.service import CampaignService

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

PAGE_SIZE = 50
MANAGE = Permission.MANAGE_CAMPAIGNS


def campaigns() -> CampaignService:
    return services().campaigns()


def _names() -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Queues, users and call scripts by id, by name."""
    admin = services().admin()
    queues = {q.id: q.name for q in admin.list("queue") if q.id is not None}
    users = {u.id: u.full_name for u in admin.list("user") if u.id is not None}
    scripts = {s.id: s.name for s in services().call_scripts().scripts() if s.id is not None}
    return queues, users, scripts


# -- the list ----------------------------------------------------------------------------------------
@bp.route("/")
@requires(MANAGE)
def index() -> str:
    service = campaigns()
    rows = [(c, service.progress(c.id or 0), len(service.agents(c.id or 0))) for c in service.campaigns()]
    queues, _users, _scripts = _names()
    return render_template(
        "campaigns/index.html", rows=rows, queues=queues, states=CAMPAIGN_STATES, modes=DIAL_MODES
    )


# -- the form ----------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
@requires(MANAGE)
def create() -> ResponseReturnValue:
    if request.method == "GET":
        return _form(None, cf.form_values(Campaign(name="", queue_id=0)), {})
    try:
        created = campaigns().create(actor(), cf.checked_values(request.form))
    except ValidationFailed as error:
        return _form(None, cf.submitted_values(request.form), cf.field_errors(error)), 422
    flash(_("The campaign “%(name)s” is saved.", name=created.name), "success")
    return redirect(url_for("campaigns.show", campaign_id=created.id))


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@requires(MANAGE)
def edit(campaign_id: int) -> ResponseReturnValue:
    campaign = campaigns().get(campaign_id)
    if request.method == "GET":
        return _form(campaign, cf.form_values(campaign), {})
    try:
        campaigns().update(actor(), campaign_id, cf.checked_values(request.form))
    except ValidationFailed as error:
        return _form(campaign, cf.submitted_values(request.form), cf.field_errors(error)), 422
    flash(_("The campaign “%(name)s” is saved.", name=request.form.get("name", "")), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


def _form(campaign: Campaign | None, values: Mapping[str, Any], errors: dict[str, list[str]]) -> str:
    queues = {q.id: q.name for q in services().admin().list("queue") if q.active and q.id is not None}
    scripts = {s.id: s.name for s in services().call_scripts().scripts()}
    return render_template(
        "campaigns/form.html",
        campaign=campaign,
        values=values,
        errors=errors,
        summary=cf.summary(errors),
        labels=cf.LABELS,
        queues=queues,
        scripts=scripts,
        modes=DIAL_MODES,
        retryable=[(o.value, ATTEMPT_OUTCOMES[o]) for o in cf.RETRYABLE],
        holidays=holidays_text(),
    )


# -- a campaign --------------------------------------------------------------------------------------
@bp.route("/<int:campaign_id>")
@requires(MANAGE)
def show(campaign_id: int) -> ResponseReturnValue:
    return _page(campaign_id)


def _page(
    campaign_id: int,
    *,
    status: int = 200,
    new: Mapping[str, str] | None = None,
    new_errors: dict[str, list[str]] | None = None,
    row: tuple[int, Mapping[str, str], list[str]] | None = None,
) -> ResponseReturnValue:
    """The campaign's page; after a refusal, ``new`` and ``new_errors`` (the contact being added) or
    ``row`` (an entry's id, what was typed in its row and the sentences) show it where it was typed."""
    service = campaigns()
    campaign = service.get(campaign_id)
    progress = service.progress(campaign_id)
    rows = progress.total + progress.removed
    pages = max(1, -(-rows // PAGE_SIZE))
    page = min(int_arg(request.args, "page", 1) or 1, pages)
    entries = service.entries(campaign_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    queues, users, scripts = _names()
    html = render_template(
        "campaigns/show.html",
        campaign=campaign,
        progress=progress,
        agents=[users.get(a, "") for a in service.agents(campaign_id)],
        entries=entries,
        page=page,
        pages=pages,
        queue=queues.get(campaign.queue_id, ""),
        script=scripts.get(campaign.script_id or 0),
        states=CAMPAIGN_STATES,
        modes=DIAL_MODES,
        outcomes=ATTEMPT_OUTCOMES,
        new=new or {},
        new_errors=new_errors or {},
        row=row,
        may_assign=may(Permission.MANAGE_SKILLS),
    )
    return html, status


def _action(
    name: str, move: Callable[[CampaignService, int], Campaign]
) -> Callable[[int], ResponseReturnValue]:
    done = {
        "start": _("The campaign is running."),
        "pause": _("The campaign is suspended; nobody is called until it is started again."),
        "stop": _("The campaign has ended; nobody on its list will be called."),
    }

    def view(campaign_id: int) -> ResponseReturnValue:
        try:
            move(campaigns(), campaign_id)
        except ValidationFailed as error:
            flash(_("The campaign cannot be started: %(reasons)s", reasons=_reasons(error)), "error")
        except IllegalCampaignTransition as error:
            flash(campaign_refusal(error.state), "error")
        else:
            flash(done[name], "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))

    view.__name__ = name
    return view


def _reasons(error: ValidationFailed) -> str:
    """Why a start was refused: each sentence, after the setting it concerns where there is one."""
    found = []
    for item in validation_payload(error):
        label = cf.label(cf.anchor(str(item["field"])))
        found.append(f"{label}: {item['message']}" if label else str(item["message"]))
    return " ".join(found)


ACTIONS: dict[str, Callable[[CampaignService, int], Campaign]] = {
    "start": lambda service, campaign_id: service.start(actor(), campaign_id),
    "pause": lambda service, campaign_id: service.pause(actor(), campaign_id),
    "stop": lambda service, campaign_id: service.stop(actor(), campaign_id),
}
for _name, _move in ACTIONS.items():
    bp.add_url_rule(
        f"/<int:campaign_id>/{_name}",
        endpoint=_name,
        view_func=requires(MANAGE)(_action(_name, _move)),
        methods=["POST"],
    )


# -- its list ----------------------------------------------------------------------------------------
def _priority(raw: str, field: str, errors: list[FieldError]) -> int | None:
    if not raw.strip():
        return None
    number, problem = int_problem(raw, field)
    if problem is not None:
        errors.append(problem)
    return number


def _by_field(error: ValidationFailed) -> dict[str, list[str]]:
    """The sentences of a refusal by field, a row's number left out (``rows[1].phone``: ``phone``)."""
    found: dict[str, list[str]] = {}
    for item in validation_payload(error):
        found.setdefault(str(item["field"]).split(".")[-1], []).append(str(item["message"]))
    return found


@bp.route("/<int:campaign_id>/entries", methods=["POST"])
@requires(MANAGE)
def add_entry(campaign_id: int) -> ResponseReturnValue:
    form: MultiDict[str, str] = request.form
    errors: list[FieldError] = []
    priority = _priority(form.get("priority", ""), "priority", errors)
    phone = form.get("phone", "").strip()
    if not phone:
        errors.append(FieldError("phone", "required"))
    try:
        if errors:
            raise ValidationFailed(errors)
        entry = ListEntry(campaign_id, phone, name=form.get("name", "").strip(), priority=priority or 5)
        campaigns().add_entries(actor(), campaign_id, [entry])
    except ValidationFailed as error:
        return _page(campaign_id, status=422, new=form, new_errors=_by_field(error))
    flash(_("%(phone)s is on the list.", phone=entry.phone), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id, page=request.args.get("page")))


@bp.route("/<int:campaign_id>/entries/<int:entry_id>", methods=["POST"])
@requires(MANAGE)
def change_entry(campaign_id: int, entry_id: int) -> ResponseReturnValue:
    form: MultiDict[str, str] = request.form
    errors: list[FieldError] = []
    priority = _priority(form.get("priority", ""), "priority", errors)
    phone = form.get("phone", "").strip() or None
    try:
        if errors:
            raise ValidationFailed(errors)
        changed = campaigns().change_entry(actor(), campaign_id, entry_id, phone=phone, priority=priority)
    except ValidationFailed as error:
        messages = [m for found in _by_field(error).values() for m in found]
        return _page(campaign_id, status=422, row=(entry_id, form, messages))
    flash(_("The contact %(phone)s is changed.", phone=changed.phone), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id, page=request.args.get("page")))


@bp.route("/<int:campaign_id>/entries/<int:entry_id>/remove", methods=["POST"])
@requires(MANAGE)
def remove_entry(campaign_id: int, entry_id: int) -> ResponseReturnValue:
    try:
        removed = campaigns().change_entry(actor(), campaign_id, entry_id, remove=True)
    except ValidationFailed as error:
        flash(" ".join(str(e["message"]) for e in validation_payload(error)), "error")
    else:
        flash(_("%(phone)s is taken off the list; nobody will call it.", phone=removed.phone), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id, page=request.args.get("page")))
