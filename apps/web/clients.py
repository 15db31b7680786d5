"""The customer database on the web (IN-11, CDB-02, CDB-03, CHAT-05, AG-18, AG-19): the JSON API the
agent desktop identifies callers with and edits the card through, and a page usable on its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from apps.web.contacts import history_context
from apps.web.contacts import service as contacts_service
from apps.web.errors import validation_payload
from apps.web.query_args import int_arg
from apps.web.security import actor, may, requires
from apps.web.services import services
from apps.web.sight import refuse
from kc_domain.clients.model import Client, ClientField, ClientKind, FieldType, icis_link, masked
from kc_domain.clients.service import TEXT_FIELDS, ClientService
from kc_domain.errors import Conflict, ValidationFailed
from kc_domain.identity.roles import Permission

bp = Blueprint("clients", __name__, url_prefix="/clients")
api = Blueprint("clients_api", __name__, url_prefix="/api/v1/clients")

CITY_KEYS = ("obec", "city")
"""Configurable field keys whose value is shown as the client's city in the identification list."""

KIND_LABELS = {
    ClientKind.INSURED: _l("Insured person"),
    ClientKind.EMPLOYER: _l("Employer"),
    ClientKind.SELF_EMPLOYED: _l("Self-employed person"),
    ClientKind.PROVIDER: _l("Healthcare provider"),
}

Page = Response | str | tuple[str, int]


def service() -> ClientService:
    found: ClientService = services().clients()
    return found


def _template() -> str:
    return str(services().settings().icis_url_template)


# -- JSON shapes --------------------------------------------------------------------------------
def summary(client: Client, fields: list[ClientField]) -> dict[str, Any]:
    """One line of the identification list: personal data kept to what the choice needs."""
    return {
        "id": client.id,
        "name": client.name,
        "kind": client.kind.value,
        "identifier": masked(client.identifier),
        "city": next((client.values[k] for k in CITY_KEYS if client.values.get(k)), ""),
        "icis_link": icis_link(_template(), client),
        "version": client.version,
        "list_fields": [
            {"key": f.key, "label": f.label, "type": f.type.value, "value": _value(client, f)}
            for f in fields
            if f.show_in_list
        ],
    }


def card(client: Client, fields: list[ClientField]) -> dict[str, Any]:
    """The whole card: the base fields, every active configurable field in order, the ICIS link."""
    return {
        "id": client.id,
        "version": client.version,
        "kind": client.kind.value,
        "name": client.name,
        **{name: getattr(client, name) for name in TEXT_FIELDS},
        "phones": sorted(client.phones),
        "icis_link": icis_link(_template(), client),
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type.value,
                "choices": list(f.choices),
                "required": f.required,
                "value": _value(client, f),
            }
            for f in fields
        ],
        "created_at": client.created_at.isoformat() if client.created_at else None,
        "updated_at": client.updated_at.isoformat() if client.updated_at else None,
    }


def _value(client: Client, field: ClientField) -> str:
    return client.values.get(field.key, "false" if field.type == FieldType.BOOL else "")


# -- the API ------------------------------------------------------------------------------------
@api.route("", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def api_list() -> dict[str, Any]:
    """``?phone=`` all clients with that number (IN-11); ``?q=`` a search; else a page by id."""
    clients = service()
    fields = clients.fields()
    phone, text = request.args.get("phone"), request.args.get("q")
    limit = int_arg(request.args, "limit", 20) or 20
    if phone is not None:
        found = clients.by_phone(phone)
    elif text is not None:
        found = clients.search(text, limit)
    elif not may(Permission.BROWSE_CLIENTS):  # SEC-04: agents find clients, they do not list them
        refuse()
    else:
        found = clients.list(min(max(limit, 1), 200), max(int_arg(request.args, "offset", 0) or 0, 0))
    return {"items": [summary(c, fields) for c in found]}


@api.route("/<int:client_id>", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def api_card(client_id: int) -> dict[str, Any]:
    return card(service().read(actor(), client_id), service().fields())  # the read is audited


@api.route("", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def api_create() -> tuple[dict[str, Any], int]:
    created = service().create(actor(), _body())
    return card(created, service().fields()), 201


@api.route("/<int:client_id>", methods=["PATCH"])
@requires(Permission.AGENT_DESKTOP)
def api_update(client_id: int) -> dict[str, Any]:
    body = _body()
    version = body.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationFailed.one("version", "required")
    return card(service().update(actor(), client_id, body, version), service().fields())


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, Mapping):
        raise ValidationFailed.one("body", "not_json")
    return dict(body)


# -- the page -----------------------------------------------------------------------------------
@bp.route("/")
@requires(Permission.AGENT_DESKTOP)
def index() -> str:
    clients = service()
    fields = clients.fields()
    text, phone = request.args.get("q", "").strip(), request.args.get("phone", "").strip()
    found = clients.by_phone(phone) if phone else clients.search(text, 50) if text else []
    selected = int_arg(request.args, "id")
    client = clients.read(actor(), selected) if selected else None  # the read is audited (SEC-03)
    return render_template(
        "clients/index.html",
        q=text,
        phone=phone,
        found=[summary(c, fields) for c in found],
        searched=bool(text or phone),
        **card_context(client, fields),
        **(contact_history(client) if client is not None else {}),
    )


HISTORY_LIMIT = 30


def contact_history(client: Client) -> dict[str, Any]:
    """The client's contact history for the card (CDB-03, AG-05): the calls recorded for the client
    and the calls of the phones only this client has (a family's shared number may be another's)."""
    assert client.id is not None
    own = [p for p in sorted(client.phones) if [c.id for c in service().by_phone(p)] == [client.id]]
    return history_context(contacts_service().history_of(own, client.id, HISTORY_LIMIT))


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.AGENT_DESKTOP)
def create() -> Page:
    fields = service().fields()
    if request.method == "GET":
        phone = request.args.get("phone", "").strip()
        return render_template("clients/new.html", **card_context(None, fields, {"phones": phone}))
    try:
        created = service().create(actor(), values_from_form(request.form, fields))
    except ValidationFailed as error:
        context = card_context(None, fields, request.form, _by_field(error))
        return render_template("clients/new.html", **context), 422
    flash(_("Saved: %(name)s", name=created.name), "success")
    return redirect(url_for("clients.index", id=created.id))


@bp.route("/<int:client_id>", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def update(client_id: int) -> Page:
    clients = service()
    fields = clients.fields()
    version = request.form.get("version", type=int)
    try:
        saved = clients.update(actor(), client_id, values_from_form(request.form, fields), version or 0)
    except ValidationFailed as error:
        client = clients.get(client_id)
        context = card_context(client, fields, request.form, _by_field(error))
        history = contact_history(client) if client is not None else {}
        page = render_template(
            "clients/index.html", q="", phone="", found=[], searched=False, **context, **history
        )
        return page, 422
    except Conflict:
        flash(
            _("Someone else changed this client meanwhile; nothing was saved. Here is the current card."),
            "error",
        )
        return redirect(url_for("clients.index", id=client_id))
    flash(_("Saved: %(name)s", name=saved.name), "success")
    return redirect(url_for("clients.index", id=client_id))


def values_from_form(form: MultiDict[str, str], fields: list[ClientField]) -> dict[str, Any]:
    """Every field of the card as the service takes it; an unticked box is an explicit “no”."""
    values: dict[str, Any] = {name: form.get(name, "") for name in TEXT_FIELDS if name in form}
    if "kind" in form:
        values["kind"] = form["kind"]
    if "phones" in form:
        values["phones"] = form["phones"].replace("\r", "").split("\n")
    values["values"] = {
        f.key: ("true" if f"values.{f.key}" in form else "false")
        if f.type == FieldType.BOOL
        else form.get(f"values.{f.key}", "")
        for f in fields
    }
    return values


def card_context(
    client: Client | None,
    fields: list[ClientField],
    submitted: Mapping[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """What ``clients/_card.html`` needs (the desktop includes it with this context too): the client
    (or None for a new one), the values shown in the form (the client's, or what was submitted after an
    error), the fields, labels and errors."""
    shown: dict[str, str] = {}
    if client is not None:
        shown = {name: getattr(client, name) for name in TEXT_FIELDS}
        shown["kind"] = client.kind.value
        shown["phones"] = "\n".join(sorted(client.phones))
        shown.update({f"values.{k}": v for k, v in client.values.items()})
    if submitted is not None:
        shown = {k: str(v) for k, v in submitted.items()}
    return {
        "client": client,
        "fields": fields,
        "shown": shown,
        "errors": errors or {},
        "kinds": KIND_LABELS,
        "icis_link": icis_link(_template(), client) if client else None,
    }


FORM_ORDER = (
    "version", "kind", "identifier", "icis_id", "title", "first_name", "surname", "company", "email"
)  # fmt: skip


def _by_field(error: ValidationFailed) -> dict[str, list[str]]:
    """The messages by field, in the order of the form (the configurable fields after the base ones)."""
    found: dict[str, list[str]] = {}
    for item in validation_payload(error):
        found.setdefault(str(item["field"]), []).append(str(item["message"]))
    rank = {name: n for n, name in enumerate(FORM_ORDER)}
    return dict(sorted(found.items(), key=lambda item: rank.get(item[0], len(rank))))
