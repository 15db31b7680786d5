"""The administration JSON API (/api/v1/<kind>): the same objects, rules and audit as the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from apps.web.admin.service import admin, resource_for, values_from_json
from apps.web.security import actor, requires
from kc_domain.identity.roles import Permission

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1")


@bp.route("/<kind>", methods=["GET"])
@requires(Permission.VIEW_ADMIN)
def listing(kind: str) -> dict[str, Any]:
    resource_for(kind)
    return {"items": [admin().plain(kind, e) for e in admin().list(kind)]}


@bp.route("/<kind>", methods=["POST"])
@requires(Permission.VIEW_ADMIN)
def create(kind: str) -> tuple[dict[str, Any], int]:
    values, password, unreadable = values_from_json(resource_for(kind), request.get_json(silent=True))
    entity = admin().create(actor(), kind, values, password=password or None, unreadable=unreadable)
    return admin().plain(kind, entity), 201


@bp.route("/<kind>/<int:entity_id>", methods=["GET"])
@requires(Permission.VIEW_ADMIN)
def detail(kind: str, entity_id: int) -> dict[str, Any]:
    resource_for(kind)
    return admin().plain(kind, admin().get(kind, entity_id))


@bp.route("/<kind>/<int:entity_id>", methods=["PATCH", "PUT"])
@requires(Permission.VIEW_ADMIN)
def update(kind: str, entity_id: int) -> dict[str, Any]:
    values, password, unreadable = values_from_json(resource_for(kind), request.get_json(silent=True))
    updated = admin().update(
        actor(), kind, entity_id, values, password=password or None, unreadable=unreadable
    )
    return admin().plain(kind, updated)


@bp.route("/<kind>/<int:entity_id>", methods=["DELETE"])
@requires(Permission.VIEW_ADMIN)
def delete(kind: str, entity_id: int) -> tuple[str, int]:
    resource_for(kind)
    admin().delete(actor(), kind, entity_id)
    return "", 204
