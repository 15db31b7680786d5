"""Importing a campaign's contacts from a CSV or Excel file (OUT-06, CDB-02): the supervisor
chooses an import structure and a file; the **preview** shows the rows as they will be stored
(the first ``PREVIEW_ROWS``), the counts and every problem by row and column in words; the
**confirm** imports them all, or without the rejected rows when the supervisor ticks it, through
``CampaignService.add_entries`` (all or none, audited). Contacts are linked to known clients by
their phone, birth or client number.

Between the preview and the confirm the upload is kept as a file named by its SHA-256 under
``KC_IMPORT_DIR`` (default ``var/imports``); the confirm reads it again and deletes it, and files
older than a day are deleted at the next upload. Uploads are limited to ``UPLOAD_MAX_BYTES``.
The same under /api/v1/campaigns/<id>/import (docs/api.md)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.settings import VAR
from apps.web.campaign_api import plain_progress
from apps.web.errors import validation_payload
from apps.web.messages import import_problem_text
from apps.web.query_args import int_problem
from apps.web.security import actor, requires
from apps.web.services import services
from kc_adapters.importing import preview_file
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.import_catalogue import StoredStructure
from kc_domain.outbound.importing import ImportPreview

bp = Blueprint("campaign_import", __name__, url_prefix="/campaigns")
api = Blueprint("campaign_import_api", __name__, url_prefix="/api/v1/campaigns")

MANAGE = Permission.MANAGE_CAMPAIGNS
UPLOAD_MAX_BYTES = 25_000_000
"""The largest file accepted (about 250,000 rows of CSV); the reader's own limit is higher."""
PREVIEW_ROWS = 50
PROBLEMS_SHOWN = 1_000
KEEP_SECONDS = 24 * 3600
DETAILS = {
    "phone2": _l("Second phone"),
    "first_name": _l("First name"),
    "surname": _l("Surname"),
    "client_number": _l("Insurance number"),
    "birth_number": _l("Birth number"),
    "email": _l("E-mail"),
    "note": _l("Note"),
}
"""A contact's other fields as the preview names them (the structure's extras by their keys)."""
_SHA = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 16


# -- the kept upload ---------------------------------------------------------------------------------
def upload_dir() -> Path:
    folder = Path(current_app.config.get("KC_IMPORT_DIR") or VAR / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clean(folder: Path, now: float) -> None:
    for old in folder.glob("*.upload"):
        try:
            if now - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()
        except FileNotFoundError:
            pass  # another request cleaned it


def keep_upload() -> str:
    """The request's ``file`` kept under its SHA-256 (the name returned); refused when missing or
    larger than ``UPLOAD_MAX_BYTES``."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.one("file", "required")
    folder = upload_dir()
    _clean(folder, time.time())
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > UPLOAD_MAX_BYTES:
                    raise ValidationFailed.one("file", "file_too_large", max=UPLOAD_MAX_BYTES, size=size)
                digest.update(chunk)
                out.write(chunk)
        name = digest.hexdigest()
        os.replace(temporary, folder / f"{name}.upload")
    finally:
        Path(temporary).unlink(missing_ok=True)
    return name


def kept(name: str) -> Path:
    path = upload_dir() / f"{name}.upload"
    if not _SHA.match(name) or not path.is_file():
        raise ValidationFailed.one("file", "required")
    return path


def forget(name: str) -> None:
    if _SHA.match(name):
        (upload_dir() / f"{name}.upload").unlink(missing_ok=True)


# -- reading -----------------------------------------------------------------------------------------
def chosen_structure(raw: str | None) -> StoredStructure:
    if not (raw or "").strip():
        raise ValidationFailed.one("structure_id", "required")
    number, problem = int_problem(raw, "structure_id")
    if problem is not None or number is None:
        raise ValidationFailed([problem or FieldError("structure_id", "not_a_number")])
    return services().import_structures().get(number)


def read(campaign_id: int, stored: StoredStructure, source: BinaryIO) -> ImportPreview:
    """The preview of ``source``, its contacts linked to known clients, the campaign's numbers
    refused as already listed."""
    services().campaigns().get(campaign_id)  # NotFound for an unknown campaign
    with services().uow_factory()() as uow:
        return preview_file(
            stored.structure(),
            source,
            uow.clients.ids_by_phones,
            uow.clients.ids_by_identifiers,
            listed=uow.campaign_lists.phones(campaign_id),
            max_bytes=UPLOAD_MAX_BYTES,
        )


def import_kept(campaign_id: int, stored: StoredStructure, name: str, skip_rejected: bool) -> int:
    """Read the kept file again and add its contacts, all or none; the file is deleted after."""
    with kept(name).open("rb") as source:
        preview = read(campaign_id, stored, source)
    added = store(campaign_id, preview, skip_rejected)
    forget(name)
    return added


def store(campaign_id: int, preview: ImportPreview, skip_rejected: bool) -> int:
    """The preview's contacts added to the list, all or none (refused: rejected rows not skipped)."""
    contacts = preview.accepted(skip_rejected=skip_rejected)
    entries = [c.as_entry(campaign_id) for c in contacts]
    return services().campaigns().add_entries(actor(), campaign_id, entries)


def summary(preview: ImportPreview) -> dict[str, int]:
    counts = preview.counts()
    return {
        "read": preview.rows_read,
        "accepted": len(preview.contacts),
        "rejected": len(preview.rejected_rows),
        "duplicates": counts.get("duplicate_in_list", 0),
        "already_listed": counts.get("already_listed", 0),
        "linked": sum(1 for c in preview.contacts if c.client_ids),
    }


def problem_lines(error: ValidationFailed) -> list[dict[str, Any]]:
    return [
        {**item, "text": import_problem_text(field_error)}
        for item, field_error in zip(validation_payload(error), error.errors, strict=True)
    ]


def _flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "on", "yes")


def _allow_upload() -> None:
    request.max_content_length = UPLOAD_MAX_BYTES + CHUNK  # the file and the form's other fields


# -- pages -------------------------------------------------------------------------------------------
@bp.route("/<int:campaign_id>/import", methods=["GET", "POST"])
@requires(MANAGE)
def upload(campaign_id: int) -> ResponseReturnValue:
    if request.method == "GET":
        return _form(campaign_id, {})
    _allow_upload()
    structure_id = request.form.get("structure_id", "")
    try:
        stored, name, preview = _read_upload(campaign_id)
    except ValidationFailed as error:
        return _form(campaign_id, {"structure_id": structure_id}, error), 422
    return _preview(campaign_id, stored, name, preview)


@bp.route("/<int:campaign_id>/import/confirm", methods=["POST"])
@requires(MANAGE)
def confirm(campaign_id: int) -> ResponseReturnValue:
    name = request.form.get("upload", "")
    skip = _flag(request.form.get("skip_rejected"))
    stored = chosen_structure(request.form.get("structure_id"))
    try:
        added = import_kept(campaign_id, stored, name, skip)
    except ValidationFailed as error:
        return _form(campaign_id, {"structure_id": str(stored.id)}, error), 422
    flash(_("%(count)s contacts were added to the list.", count=added), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


def _form(campaign_id: int, values: dict[str, str], error: ValidationFailed | None = None) -> str:
    return render_template(
        "campaigns/import.html",
        campaign=services().campaigns().get(campaign_id),
        structures=services().import_structures().structures(),
        values=values,
        problems=[] if error is None else problem_lines(error),
        limit=UPLOAD_MAX_BYTES,
    )


def _preview(campaign_id: int, stored: StoredStructure, name: str, preview: ImportPreview) -> str:
    problems = [
        {"severity": p.severity.value, "text": import_problem_text(p.as_field_error())}
        for p in preview.problems[:PROBLEMS_SHOWN]
    ]
    return render_template(
        "campaigns/import_preview.html",
        campaign=services().campaigns().get(campaign_id),
        structure=stored,
        upload=name,
        counts=summary(preview),
        contacts=preview.contacts[:PREVIEW_ROWS],
        shown=PREVIEW_ROWS,
        problems=problems,
        more=max(len(preview.problems) - PROBLEMS_SHOWN, 0),
        details=DETAILS,
    )


# -- JSON API ----------------------------------------------------------------------------------------
def plain_contact(contact: Any) -> dict[str, Any]:
    entry = contact.as_entry(0)
    return {
        "row": contact.row,
        "phone": entry.phone,
        "name": entry.name,
        "client_id": entry.client_id,
        "client_ids": list(contact.client_ids),
        "priority": entry.priority,
        "extra": entry.extra,
    }


def _read_upload(campaign_id: int) -> tuple[StoredStructure, str, ImportPreview]:
    """The chosen structure, the kept upload's name and its preview; a refused file is not kept."""
    _allow_upload()
    stored = chosen_structure(request.form.get("structure_id"))
    name = keep_upload()
    try:
        with kept(name).open("rb") as source:
            return stored, name, read(campaign_id, stored, source)
    except ValidationFailed:
        forget(name)
        raise


@api.route("/<int:campaign_id>/import/preview", methods=["POST"])
@requires(MANAGE)
def api_preview(campaign_id: int) -> dict[str, Any]:
    _stored, name, preview = _read_upload(campaign_id)
    forget(name)
    return {
        "counts": summary(preview),
        "headers": list(preview.headers),
        "contacts": [plain_contact(c) for c in preview.contacts[:PREVIEW_ROWS]],
        "problems": [
            {"severity": p.severity.value, **item}
            for p, item in zip(
                preview.problems,
                validation_payload(ValidationFailed(p.as_field_error() for p in preview.problems)),
                strict=True,
            )
        ],
    }


@api.route("/<int:campaign_id>/import", methods=["POST"])
@requires(MANAGE)
def api_import(campaign_id: int) -> tuple[dict[str, Any], int]:
    _stored, name, preview = _read_upload(campaign_id)
    forget(name)  # read once: the request holds the file
    added = store(campaign_id, preview, _flag(request.form.get("skip_rejected")))
    return {"added": added, "progress": plain_progress(services().campaigns().progress(campaign_id))}, 201
