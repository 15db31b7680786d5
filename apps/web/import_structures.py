"""Import structures (OUT-06): how a campaign's contact list file is read, defined by the
administrator. Each structure is edited as its JSON form (docs/list-import.md, "The import
structure"); a structure with problems is not saved, and each problem is listed by the field it
concerns in words (``Column 3 › header``) with its sentence. Create, edit and delete are audited
(``import_structure.*``). The same read-only under /api/v1/campaigns/structures."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.call_scripts import _parse, _pretty
from apps.web.campaign_api import iso_time
from apps.web.documents import MAX_DOCUMENT_CHARS
from apps.web.errors import validation_payload
from apps.web.security import actor, requires
from apps.web.services import services
from kc_domain.errors import ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.import_catalogue import ImportCatalogue, StoredStructure

bp = Blueprint("import_structures", __name__, url_prefix="/campaigns/structures")
api = Blueprint("import_structures_api", __name__, url_prefix="/api/v1/campaigns/structures")

MANAGE = Permission.MANAGE_CAMPAIGNS
FIELDS = {
    "structure": _l("The structure"),
    "definition": _l("The structure"),
    "name": _l("Name"),
    "file_type": _l("File type"),
    "encoding": _l("Encoding"),
    "delimiter": _l("Delimiter"),
    "header_row": _l("Header row"),
    "sheet": _l("Sheet"),
    "date_formats": _l("Date formats"),
    "strict_columns": _l("Unknown columns refuse the file"),
    "columns": _l("Columns"),
    "field": _l("field"),
    "header": _l("header"),
    "index": _l("column"),
    "column": _l("column"),
    "key": _l("key"),
    "kind": _l("kind"),
}
EXAMPLE = {
    "name": "",
    "file_type": "csv",
    "encoding": "windows-1250",
    "delimiter": ";",
    "header_row": True,
    "sheet": "",
    "date_formats": ["%d.%m.%Y", "%Y-%m-%d"],
    "columns": [
        {"field": "phone", "header": "Telefon"},
        {"field": "full_name", "header": "Jméno"},
        {"field": "birth_number", "header": "Rodné číslo"},
    ],
}


def catalogue() -> ImportCatalogue:
    return services().import_structures()


def where(field: str) -> str:
    """A structure's field path in words: ``columns.3.header``: ``Column 3 › header``."""
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "columns" and parts[1].isdigit():
        words = [_("Column %(n)s", n=parts[1]), *(str(FIELDS.get(p, p)) for p in parts[2:])]
        return " › ".join(words)
    return " › ".join(str(FIELDS.get(p, p)) for p in parts)


@bp.route("/")
@requires(MANAGE)
def index() -> str:
    users = {u.username: u.full_name for u in services().admin().list("user")}
    return render_template("campaigns/structures.html", structures=catalogue().structures(), users=users)


@bp.route("/new", methods=["GET", "POST"])
@requires(MANAGE)
def create() -> ResponseReturnValue:
    if request.method == "GET":
        return _editor(None, _pretty(EXAMPLE))
    text = request.form.get("definition", "")
    try:
        stored = catalogue().create(actor(), _parse(text))
    except ValidationFailed as error:
        return _editor(None, text, error), 422
    flash(_("The import structure “%(name)s” is saved.", name=stored.name), "success")
    return redirect(url_for("import_structures.edit", structure_id=stored.id))


@bp.route("/<int:structure_id>", methods=["GET", "POST"])
@requires(MANAGE)
def edit(structure_id: int) -> ResponseReturnValue:
    stored = catalogue().get(structure_id)
    if request.method == "GET":
        return _editor(stored, _pretty(stored.definition))
    text = request.form.get("definition", "")
    try:
        stored = catalogue().update(actor(), structure_id, _parse(text))
    except ValidationFailed as error:
        return _editor(stored, text, error), 422
    flash(_("The import structure “%(name)s” is saved.", name=stored.name), "success")
    return redirect(url_for("import_structures.edit", structure_id=structure_id))


@bp.route("/<int:structure_id>/delete", methods=["POST"])
@requires(MANAGE)
def delete(structure_id: int) -> ResponseReturnValue:
    stored = catalogue().get(structure_id)
    catalogue().delete(actor(), structure_id)
    flash(_("The import structure “%(name)s” is deleted.", name=stored.name), "success")
    return redirect(url_for("import_structures.index"))


def _editor(stored: StoredStructure | None, text: str, error: ValidationFailed | None = None) -> str:
    if len(text) > MAX_DOCUMENT_CHARS:
        text = ""  # a refused text beyond the limit is not sent back whole
    problems = [] if error is None else [
        {"where": where(str(e["field"])), **e} for e in validation_payload(error)
    ]  # fmt: skip
    users = {u.username: u.full_name for u in services().admin().list("user")}
    return render_template(
        "campaigns/structure.html", stored=stored, text=text, problems=problems, users=users
    )


# -- JSON API --------------------------------------------------------------------------------------
def plain_structure(stored: StoredStructure) -> dict[str, Any]:
    return {
        "id": stored.id,
        "name": stored.name,
        "saved_at": iso_time(stored.saved_at),
        "saved_by": stored.saved_by,
        "structure": json.loads(json.dumps(stored.definition)),
    }


@api.route("", methods=["GET"])
@requires(MANAGE)
def api_structures() -> dict[str, Any]:
    return {"items": [plain_structure(s) for s in catalogue().structures()]}


@api.route("/<int:structure_id>", methods=["GET"])
@requires(MANAGE)
def api_structure(structure_id: int) -> dict[str, Any]:
    return plain_structure(catalogue().get(structure_id))
