"""IVR trees (IN-06, IN-24, ADM-11): stored versions, activation, dialled numbers, JSON and YAML
import/export, the form-based editor (``apps.web.ivr_editor``), and a JSON API under /api/v1/ivr."""

from __future__ import annotations

import json
from typing import Any

import yaml
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from apps.web.documents import MAX_DOCUMENT_CHARS, check_size, load_json, load_yaml
from apps.web.errors import validation_payload
from apps.web.ivr_editor import TreeForm, editor_view, merge_errors
from apps.web.security import actor, requires
from apps.web.services import services
from kc_domain.errors import FieldError, NotFound, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.ivr.diagram import layout
from kc_domain.ivr.model import tree_from_plain
from kc_domain.ivr.outline import outline
from kc_domain.ivr.validation import problems

bp = Blueprint("ivr", __name__, url_prefix="/ivr")
api = Blueprint("ivr_api", __name__, url_prefix="/api/v1/ivr")

Page = BaseResponse | str | tuple[str, int]


def catalogue() -> IvrCatalogue:
    found: IvrCatalogue = services().ivr()
    return found


# -- pages ---------------------------------------------------------------------------------------------
@bp.route("/")
@requires(Permission.MANAGE_QUEUES)
def index() -> str:
    return _index()


def _index(errors: list[dict[str, object]] | None = None, submitted: str = "") -> str:
    ivr = catalogue()
    numbers = ivr.numbers()
    trees = []
    for name in ivr.names():
        versions = ivr.versions(name)
        active = next((v.version for v in versions if v.active), None)
        mapped = [n.number for n in numbers if n.tree_name == name]
        trees.append({"name": name, "active": active, "versions": len(versions), "numbers": mapped})
    return render_template(
        "ivr/index.html", trees=trees, numbers=numbers, errors=errors or [], submitted=submitted
    )


@bp.route("/<name>")
@requires(Permission.MANAGE_QUEUES)
def tree(name: str) -> str:
    return _tree(name)


def _tree(name: str, errors: list[dict[str, object]] | None = None, submitted: str = "") -> str:
    versions = catalogue().versions(name)
    if not versions:
        raise NotFound("ivr_tree", name)
    shown = next((v for v in versions if v.active), versions[-1])
    return render_template(
        "ivr/tree.html",
        name=name,
        versions=list(reversed(versions)),
        shown=shown,
        rows=outline(shown.tree()),
        diagram=layout(shown.tree()),
        errors=errors or [],
        submitted=submitted,
    )


@bp.route("/import", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def import_tree() -> Page:
    upload = request.files.get("file")
    # at most one character more than allowed is read: enough to refuse it as too large
    limit = MAX_DOCUMENT_CHARS + 1
    text = upload.read(limit).decode("utf-8", errors="replace") if upload and upload.filename else ""
    text = text or request.form.get("definition", "")
    back = request.form.get("tree", "")
    try:
        check_size(text, "definition")
        stored = catalogue().save(actor(), _parse(text))
    except ValidationFailed as error:
        errors = validation_payload(error)
        shown = text if len(text) <= MAX_DOCUMENT_CHARS else ""  # the refused text is not sent back whole
        page = _tree(back, errors, shown) if back and catalogue().versions(back) else _index(errors, shown)
        return page, 422
    flash(_("Saved version %(version)s of %(name)s.", version=stored.version, name=stored.name), "success")
    return redirect(url_for("ivr.tree", name=stored.name))


@bp.route("/<name>/<int:version>/activate", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def activate(name: str, version: int) -> BaseResponse:
    try:
        catalogue().activate(actor(), name, version)
    except ValidationFailed as error:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in validation_payload(error))
        flash(
            _("Version %(version)s cannot be activated: %(details)s", version=version, details=details),
            "error",
        )
    else:
        flash(_("Version %(version)s of %(name)s is active.", version=version, name=name), "success")
    return redirect(url_for("ivr.tree", name=name))


@bp.route("/<name>/<int:version>/export.json")
@requires(Permission.MANAGE_QUEUES)
def export(name: str, version: int) -> Response:
    body = json.dumps(catalogue().export(name, version), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="ivr-{name}-v{version}.json"'},
    )


@bp.route("/<name>/<int:version>/export.yaml")
@requires(Permission.MANAGE_QUEUES)
def export_yaml(name: str, version: int) -> Response:
    body = yaml.safe_dump(catalogue().export(name, version), allow_unicode=True, sort_keys=False)
    return Response(
        body,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="ivr-{name}-v{version}.yaml"'},
    )


# -- the form-based editor -----------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_QUEUES)
def new_tree() -> Page:
    if request.method == "GET":
        return _editor(TreeForm.new(), None)
    return _submit(None)


@bp.route("/<name>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_QUEUES)
def edit_tree(name: str) -> Page:
    versions = catalogue().versions(name)
    if not versions:
        raise NotFound("ivr_tree", name)
    if request.method == "GET":
        newest = versions[-1].version
        return _editor(TreeForm.from_plain(catalogue().export(name, newest)), name, based_on=newest)
    return _submit(name)


def _submit(fixed_name: str | None) -> Page:
    """Applies the pressed button: add or remove a node (re-rendering what was typed) or save."""
    tree = TreeForm.from_form(request.form)
    if fixed_name is not None:
        tree.name = fixed_name
    action = request.form.get("action", "save")
    if action == "add":
        action = f"add:{request.form.get('new_type', '')}"
    if action != "save":
        before = len(tree.nodes)
        tree.apply(action)
        added = len(tree.nodes) - 1 if len(tree.nodes) > before else None
        return _editor(tree, fixed_name, focus=added)
    plain, errors = tree.to_plain()
    if fixed_name is None and not tree.name:
        errors.insert(0, FieldError("name", "required"))
    elif fixed_name is None and tree.name in catalogue().names():
        errors.insert(0, FieldError("name", "tree_exists", {"tree": tree.name}))
    if errors:
        return _editor(tree, fixed_name, _preview(plain, errors)), 422
    try:
        stored = catalogue().save(actor(), plain)
    except ValidationFailed as error:
        return _editor(tree, fixed_name, list(error.errors)), 422
    flash(_("Saved version %(version)s of %(name)s.", version=stored.version, name=stored.name), "success")
    return redirect(url_for("ivr.tree", name=stored.name))


def _preview(plain: dict[str, Any], form_errors: list[FieldError]) -> list[FieldError]:
    """The form's errors and what the tree's validation says about the rest, without saving."""
    try:
        tree = tree_from_plain(plain)
    except ValidationFailed as error:
        return merge_errors(form_errors, list(error.errors))
    known_trees = set(catalogue().names()) | {tree.name}
    return merge_errors(form_errors, problems(tree, known_trees, set(_queues())))


def _queues() -> dict[int, str]:
    return {q.id: q.name for q in services().admin().list("queue") if q.id is not None}


def _editor(
    tree: TreeForm,
    fixed_name: str | None,
    errors: list[FieldError] | None = None,
    focus: int | None = None,
    based_on: int | None = None,
) -> str:
    return render_template(
        "ivr/edit.html",
        fixed_name=fixed_name,
        based_on=based_on,
        form=editor_view(tree, errors or [], _queues(), focus),
    )


@bp.route("/numbers", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def assign_number() -> Page:
    number, tree_name = request.form.get("number", "").strip(), request.form.get("tree_name", "")
    try:
        catalogue().assign_number(actor(), number, tree_name)
    except ValidationFailed as error:
        return _index(validation_payload(error)), 422
    flash(_("The number %(number)s now starts %(name)s.", number=number, name=tree_name), "success")
    return redirect(url_for("ivr.index"))


@bp.route("/numbers/delete", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def unassign_number() -> BaseResponse:
    number = request.form.get("number", "")
    catalogue().unassign_number(actor(), number)
    flash(_("The number %(number)s is no longer mapped.", number=number), "success")
    return redirect(url_for("ivr.index"))


def _parse(text: str) -> object:
    """JSON, or else YAML (what ``yaml.safe_load`` reads, without anchors and aliases), both with the
    depth limit of ``apps.web.documents``; text that starts like JSON is reported as JSON."""
    try:
        return load_json(text, "definition")
    except json.JSONDecodeError as error:
        if text.lstrip().startswith(("{", "[")):
            where = {"line": error.lineno, "column": error.colno}
            raise ValidationFailed.one("definition", "invalid_json", problem=error.msg, **where) from error
    try:
        data = load_yaml(text, "definition")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        where = {"line": line, "column": column}
        raise ValidationFailed.one("definition", "invalid_yaml", **where) from error
    if not isinstance(data, dict):
        raise ValidationFailed.one("definition", "not_a_mapping")
    return _keys_as_text(data)


def _keys_as_text(data: dict[str, Any]) -> dict[str, Any]:
    """YAML reads a menu choice ``1: queue`` with a number as its key; choices are keyed by text."""
    nodes = data.get("nodes")
    if isinstance(nodes, list):
        for node in nodes:
            choices = node.get("choices") if isinstance(node, dict) else None
            if isinstance(choices, dict):
                node["choices"] = {
                    str(k) if isinstance(k, int) and not isinstance(k, bool) else k: v
                    for k, v in choices.items()
                }
    return data


# -- JSON API ------------------------------------------------------------------------------------------
@api.route("/<name>", methods=["GET"])
@requires(Permission.MANAGE_QUEUES)
def api_export(name: str) -> dict[str, Any]:
    active = catalogue().active(name)
    if active is None:
        raise NotFound("ivr_tree", name)
    return catalogue().export(name, active.version)


@api.route("/<name>", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def api_import(name: str) -> tuple[dict[str, Any], int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed.one("body", "not_json")
    stored = catalogue().save(actor(), {**body, "name": name})
    return catalogue().export(stored.name, stored.version), 201


@api.route("/<name>/<int:version>/activate", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def api_activate(name: str, version: int) -> dict[str, Any]:
    stored = catalogue().activate(actor(), name, version)
    return {"name": stored.name, "version": stored.version, "active": stored.active}
