"""Call script pages (OUT-15): the scripts with the campaigns that run them, and two editors of one
script, each with its diagram drawn as the IVR trees' are: a form of questions, choices, ranges and
ends (``apps.web.script_form``, the default), and the script's JSON form (docs/call-scripts.md) in
a text area (``…/json``). Both save the same JSON form through the same catalogue. A script with
problems (a question no answer leads to, a loop that never ends...) is not saved: the form shows
each problem next to its field, the JSON editor lists them by where they are, in words
(``Otázka 2 „vek“ › větev 1 › kam vede``) and as the JSON path; the diagram of what was typed marks
the boxes concerned. The same under /api/v1/campaigns/scripts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.campaign_api import iso_time
from apps.web.documents import MAX_DOCUMENT_CHARS, check_size, json_object, load_json
from apps.web.errors import validation_payload
from apps.web.ivr_editor import merge_errors
from apps.web.messages import ATTEMPT_OUTCOMES
from apps.web.script_form import ScriptForm, dom_id, placed_errors
from apps.web.security import actor, requires
from apps.web.services import services
from kc_domain.diagram import Diagram
from kc_domain.errors import Conflict, FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.script_catalogue import ScriptCatalogue, StoredScript, checked_script
from kc_domain.outbound.script_diagram import script_diagram
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.script_plain import script_from_plain
from kc_domain.outbound.scripts import AnswerType

bp = Blueprint("call_scripts", __name__, url_prefix="/campaigns/scripts")
api = Blueprint("call_scripts_api", __name__, url_prefix="/api/v1/campaigns/scripts")


PLACES = {
    "questions": _l("Question %(n)s"),
    "ends": _l("End %(n)s"),
    "choices": _l("choice %(n)s"),
    "branches": _l("branch %(n)s"),
}
FIELDS = {
    "name": _l("name"),
    "start": _l("first question"),
    "id": _l("key"),
    "text": _l("question text"),
    "type": _l("answer type"),
    "required": _l("answer required"),
    "min": _l("lowest number"),
    "max": _l("highest number"),
    "integer": _l("whole numbers only"),
    "next": _l("where it leads"),
    "choice": _l("choice"),
    "low": _l("from"),
    "high": _l("to"),
    "key": _l("key"),
    "label": _l("label"),
    "outcome": _l("outcome"),
    "questions": _l("questions"),
    "ends": _l("ends"),
    "choices": _l("choices"),
    "branches": _l("branches"),
}
ANSWER_TYPES = {
    AnswerType.CHOICE.value: _l("Choice"),
    AnswerType.NUMBER.value: _l("Number"),
    AnswerType.TEXT.value: _l("Text"),
    AnswerType.DATE.value: _l("Date"),
}
_PART = re.compile(r"^(questions|ends|choices|branches)\[(\d+)\]$")


def catalogue() -> ScriptCatalogue:
    return services().call_scripts()


@bp.route("/")
@requires(Permission.MANAGE_CAMPAIGNS)
def index() -> str:
    stored = catalogue().scripts()
    used = {s.id: catalogue().used_by(s.id or 0) for s in stored}
    users = {u.username: u.full_name for u in services().admin().list("user")}
    return render_template("campaigns/scripts.html", scripts=stored, used=used, users=users)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def create() -> ResponseReturnValue:
    if request.method == "GET":
        return _form_editor(None, ScriptForm.from_plain(example_script(name="")))
    return _submit_form(None)


@bp.route("/<int:script_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def edit(script_id: int) -> ResponseReturnValue:
    stored = catalogue().get(script_id)
    if request.method == "GET":
        return _form_editor(stored, ScriptForm.from_plain(stored.definition), version=stored.version)
    return _submit_form(stored)


@bp.route("/new/json", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def create_json() -> ResponseReturnValue:
    if request.method == "GET":
        return _editor(None, _pretty(example_script(name="")))
    return _submit_json(None)


@bp.route("/<int:script_id>/json", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def edit_json(script_id: int) -> ResponseReturnValue:
    stored = catalogue().get(script_id)
    if request.method == "GET":
        return _editor(stored, _pretty(_compact(stored.definition)), version=stored.version)
    return _submit_json(stored)


def _based_on() -> int | None:
    typed = request.form.get("version", "")
    return int(typed) if typed.isdecimal() and len(typed) < 10 else None


def _save(stored: StoredScript | None, definition: object, version: int | None) -> StoredScript:
    """Creates the script or saves a new version of ``stored``; the catalogue refuses it whole."""
    if stored is None:
        return catalogue().create(actor(), definition)
    return catalogue().update(actor(), stored.id or 0, definition, version=version)


def _saved(stored: StoredScript, created: bool, view: str) -> ResponseReturnValue:
    if created:
        flash(_("The call script “%(name)s” is saved.", name=stored.name), "success")
    else:
        message = _(
            "The call script “%(name)s” is saved as version %(version)s.",
            name=stored.name,
            version=stored.version,
        )
        flash(message, "success")
    return redirect(url_for(view, script_id=stored.id))


def _submit_json(stored: StoredScript | None) -> ResponseReturnValue:
    text, based_on = request.form.get("definition", ""), _based_on()
    try:
        saved = _save(stored, _parse(text), based_on)
    except ValidationFailed as error:
        return _editor(stored, text, error, version=based_on), 422
    except Conflict:
        return _editor(stored, text, conflict=True, version=based_on), 409
    return _saved(saved, stored is None, "call_scripts.edit_json")


def _submit_form(stored: StoredScript | None) -> ResponseReturnValue:
    """Applies the pressed button: adds, removes or moves a row (showing what was typed) or saves."""
    script, based_on = ScriptForm.from_form(request.form), _based_on()
    action = request.form.get("action", "save")
    if action != "save":
        script.apply(action)
        return _form_editor(stored, script, version=based_on, focus=script.added(action))
    plain, form_errors, _rows = script.to_plain()
    try:
        if form_errors:
            checked_script(plain)  # what else is wrong, said at once; nothing is saved
            raise ValidationFailed(form_errors)
        saved = _save(stored, plain, based_on)
    except ValidationFailed as error:
        errors = merge_errors(form_errors, [e for e in error.errors if not _inside(e, form_errors)])
        return _form_editor(stored, script, errors, version=based_on), 422
    except Conflict:
        return _form_editor(stored, script, conflict=True, version=based_on), 409
    return _saved(saved, stored is None, "call_scripts.edit")


def _inside(error: FieldError, form_errors: list[FieldError]) -> bool:
    """A branch's error that follows from a bound the form could not read (``no_condition``)."""
    return "branches[" in error.field and any(f.field.startswith(f"{error.field}.") for f in form_errors)


def _page(template: str, stored: StoredScript | None, typed: object, **values: Any) -> str:
    """A script page: the stored script's facts and the diagram of what was typed, as far as it reads
    (else of the stored version)."""
    diagram: Diagram | None = None
    try:
        diagram = script_diagram(script_from_plain(typed))
    except ValidationFailed:
        diagram = script_diagram(stored.script()) if stored is not None else None
    return render_template(
        template,
        stored=stored,
        diagram=diagram,
        used_by=catalogue().used_by(stored.id or 0) if stored is not None else [],
        users={u.username: u.full_name for u in services().admin().list("user")},
        outcomes={o.value: label for o, label in ATTEMPT_OUTCOMES.items()},
        type_names={**ANSWER_TYPES, "end": _l("End")},
        **values,
    )


def _form_editor(
    stored: StoredScript | None,
    script: ScriptForm,
    errors: list[FieldError] | None = None,
    *,
    conflict: bool = False,
    version: int | None = None,
    focus: str = "",
) -> str:
    plain, _unread, rows = script.to_plain()
    placed, summary = placed_errors(errors or [], script, rows, lambda field: where(field, plain))
    return _page(
        "campaigns/script_form.html",
        stored,
        plain,
        form=script,
        placed=placed,
        summary=summary,
        conflict=conflict,
        version=version,
        targets=target_options(script),
        focus=dom_id(focus) if focus else "",
    )


def _editor(
    stored: StoredScript | None,
    text: str,
    error: ValidationFailed | None = None,
    *,
    conflict: bool = False,
    version: int | None = None,
) -> str:
    """The JSON editor with ``text``; after a refusal its problems in words."""
    if len(text) > MAX_DOCUMENT_CHARS:
        text = ""  # a refused text beyond the limit is not sent back whole
    typed = _readable(text)
    problems = [] if error is None else [
        {"where": where(str(e["field"]), typed), **e} for e in validation_payload(error)
    ]  # fmt: skip
    return _page(
        "campaigns/script.html",
        stored,
        typed,
        text=text,
        problems=problems,
        conflict=conflict,
        version=version,
    )


def target_options(script: ScriptForm) -> list[tuple[str, str]]:
    """Where an answer may lead, as the form offers it: every question and end by its number and key."""
    places = [("questions", n, q.id) for n, q in enumerate(script.questions, start=1)]
    places += [("ends", n, e.id) for n, e in enumerate(script.ends, start=1)]
    return [
        (key, _("%(place)s “%(key)s”", place=str(PLACES[kind]) % {"n": n}, key=key))
        for kind, n, key in places
        if key
    ]


def where(field: str, data: object) -> str:
    """A script's field path (``questions[1].branches[0].next``) in words, with the question's or
    end's key when the typed script has one: ``Question 2 “vek” › branch 1 › where it leads``."""
    if field in ("", "definition"):
        return str(_("The script"))
    words, node = [], data
    for part in field.split("."):
        place = _PART.match(part)
        if place is None:
            words.append(str(FIELDS.get(part, part)))
            node = node.get(part) if isinstance(node, dict) else None
            continue
        kind, index = place[1], int(place[2])
        items = node.get(kind) if isinstance(node, dict) else None
        node = items[index] if isinstance(items, list) and index < len(items) else None
        key = node.get("id") if isinstance(node, dict) and kind in ("questions", "ends") else None
        word = str(PLACES[kind]) % {"n": index + 1}
        words.append(_("%(place)s “%(key)s”", place=word, key=key) if isinstance(key, str) and key else word)
    return " › ".join(words)


def _readable(text: str) -> object:
    """What was typed as data, or None when it is not JSON."""
    try:
        return load_json(text, "definition")
    except (json.JSONDecodeError, ValidationFailed):
        return None


def _parse(text: str) -> object:
    check_size(text, "definition")
    try:
        return load_json(text, "definition")
    except json.JSONDecodeError as error:
        where = {"line": error.lineno, "column": error.colno}
        raise ValidationFailed.one("definition", "invalid_json", problem=error.msg, **where) from error


def _pretty(definition: object) -> str:
    return json.dumps(definition, ensure_ascii=False, indent=2)


DEFAULTS = {"choices": [], "required": True, "min": None, "max": None, "integer": False, "branches": []}
DEFAULTS |= {"next": "", "choice": "", "low": None, "high": None}
"""The optional fields of questions and branches with the value ``script_from_plain`` gives them."""


def _compact(definition: dict[str, Any]) -> dict[str, Any]:
    """The stored JSON form without the optional fields that hold their default: what one types."""

    def short(item: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in item.items() if k not in DEFAULTS or v != DEFAULTS[k]}
        if kept.get("branches"):
            kept["branches"] = [short(b) for b in kept["branches"]]
        return kept

    return {**definition, "questions": [short(q) for q in definition.get("questions", [])]}


# -- JSON API --------------------------------------------------------------------------------------
@api.route("", methods=["GET"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_scripts() -> dict[str, Any]:
    return {"items": [plain_script(s, whole=False) for s in catalogue().scripts()]}


@api.route("", methods=["POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_create_script() -> tuple[dict[str, Any], int]:
    body = json_object()
    _only(body, ("script",))
    return plain_script(catalogue().create(actor(), body.get("script"))), 201


@api.route("/<int:script_id>", methods=["GET"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_script(script_id: int) -> dict[str, Any]:
    return plain_script(catalogue().get(script_id))


@api.route("/<int:script_id>", methods=["PUT"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_save_script(script_id: int) -> dict[str, Any]:
    body = json_object()
    _only(body, ("script", "version"))
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationFailed.one("version", "not_a_number")
    stored = catalogue().update(actor(), script_id, body.get("script"), version=version)
    return plain_script(stored)


def _only(body: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    errors = [FieldError(k, "unexpected_field") for k in body if k not in fields]
    if "script" not in body:
        errors.append(FieldError("script", "required"))
    if errors:
        raise ValidationFailed(errors)


def plain_script(stored: StoredScript, *, whole: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": stored.id,
        "name": stored.name,
        "version": stored.version,
        "saved_at": iso_time(stored.saved_at),
        "saved_by": stored.saved_by,
    }
    return {**found, "script": stored.definition} if whole else found
