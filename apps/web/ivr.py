"""IVR trees (IN-06, IN-24, ADM-11): stored versions, activation, dialled numbers, JSON import/export,
and the same as a JSON API under /api/v1/ivr."""

from __future__ import annotations

import json
from typing import Any

import attrs
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from apps.web.errors import validation_payload
from apps.web.security import actor, requires
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.ivr.diagram import layout
from kc_domain.ivr.model import GotoTree, IvrTree, Node, RouteToQueue, node_to_plain, references

bp = Blueprint("ivr", __name__, url_prefix="/ivr")
api = Blueprint("ivr_api", __name__, url_prefix="/api/v1/ivr")

Page = Response | str | tuple[str, int]


def catalogue() -> IvrCatalogue:
    found: IvrCatalogue = current_app.extensions["kc"].ivr()
    return found


@attrs.frozen
class OutlineRow:
    depth: int
    via: str
    node_id: str
    type: str
    detail: str
    repeated: bool


def outline(tree: IvrTree) -> list[OutlineRow]:
    """The tree as an indented outline from its start node; a node reached again is shown once more
    without its children."""
    rows: list[OutlineRow] = []
    seen: set[str] = set()

    def walk(node_id: str, via: str, depth: int) -> None:
        node = tree.node(node_id)
        if node is None:
            rows.append(OutlineRow(depth, via, node_id, "?", "", False))
            return
        repeated = node_id in seen
        rows.append(
            OutlineRow(depth, via, node_id, str(node_to_plain(node)["type"]), _detail(node), repeated)
        )
        if repeated:
            return
        seen.add(node_id)
        for field, target in references(node):
            walk(target, field, depth + 1)

    walk(tree.start, "", 0)
    return rows


def _detail(node: Node) -> str:
    if isinstance(node, RouteToQueue):
        return ", ".join(str(q) for q in node.queue_ids)
    if isinstance(node, GotoTree):
        return node.tree
    return ""


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
    text = upload.read().decode("utf-8", errors="replace") if upload and upload.filename else ""
    text = text or request.form.get("definition", "")
    back = request.form.get("tree", "")
    try:
        stored = catalogue().save(actor(), _parse(text))
    except ValidationFailed as error:
        errors = validation_payload(error)
        page = _tree(back, errors, text) if back and catalogue().versions(back) else _index(errors, text)
        return page, 422
    flash(_("Saved version %(version)s of %(name)s.", version=stored.version, name=stored.name), "success")
    return redirect(url_for("ivr.tree", name=stored.name))


@bp.route("/<name>/<int:version>/activate", methods=["POST"])
@requires(Permission.MANAGE_QUEUES)
def activate(name: str, version: int) -> Response:
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
def unassign_number() -> Response:
    number = request.form.get("number", "")
    catalogue().unassign_number(actor(), number)
    flash(_("The number %(number)s is no longer mapped.", number=number), "success")
    return redirect(url_for("ivr.index"))


def _parse(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValidationFailed.one("definition", "invalid_json", detail=str(error)) from error


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
