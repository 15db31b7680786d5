"""Wallboards (WB-01): large screens with the contact centre's live figures.

- ``GET /wallboard/`` the active wallboards (VIEW_WALLBOARD); managers (MANAGE_WALLBOARDS) also
  issue and revoke kiosk tokens there.
- ``GET /wallboard/<id>`` the screen; ``GET /wallboard/<id>/ws`` its WebSocket (VIEW_WALLBOARD,
  checked at the handshake and every few seconds), which pushes a ``LiveFrame`` carrying the
  ``WallboardView`` (docs/messages.md) on every live view.
- ``POST /wallboard/<id>/kiosk-token`` issues a token (shown once, only its SHA-256 is stored);
  ``POST /wallboard/<id>/kiosk-token/revoke`` revokes it. Both audited.
- ``GET /wallboard/kiosk/<token>`` and ``.../ws``: the screen for a kiosk without a sign-in. An
  unknown or revoked token gets a 404 and an audited denial (without the token); an opened kiosk
  page is audited once per page load (not per socket reconnect). The token never reaches the log.

A signed-in user sees on a wallboard only its queues within her sight (SEC-04, ADM-06): the
wallboard's figures are figures of queues, and a supervisor limited by a report-access filter must not
read on a wall screen what the reports refuse her. The agent side of the sight does not apply: a
wallboard shows no agent, only counts per queue. A kiosk has no user: it shows what the wallboard is
configured to show, as the manager who issued its token decided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import attrs
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from simple_websocket import Server
from werkzeug.wrappers import Response as BaseResponse

from apps.web.live import GONE, Ending, accept, before_upgrade, route, serve
from apps.web.security import actor, current_user, public, requires
from apps.web.services import services
from apps.web.sight import SocketSight
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor
from kc_domain.identity.roles import Permission
from kc_domain.messages import LiveFrame, LiveView, WallboardView
from kc_domain.supervision.model import Wallboard
from kc_domain.supervision.wallboards import by_token, layouts, new_kiosk_token, wallboard_view

bp = Blueprint("wallboard", __name__, url_prefix="/wallboard")

KIOSK_PATH = "/wallboard/kiosk/"


def _load(wallboard_id: int | None) -> Wallboard | None:
    if wallboard_id is None:
        return None
    with services().uow_factory()() as uow:
        found: Wallboard | None = uow.wallboards.get(wallboard_id)
        return found


def _active(wallboard_id: int) -> Wallboard:
    found = _load(wallboard_id)
    if found is None or not found.active:
        abort(404)
    return found


def _by_token(token: str) -> Wallboard | None:
    with services().uow_factory()() as uow:
        return by_token(uow.wallboards.list(), token)


def _can_manage() -> bool:
    user = current_user()
    return user is not None and Permission.MANAGE_WALLBOARDS in user.permissions


@bp.after_request
def _hide_token(response: Response) -> Response:
    """Kiosk URLs carry the token: the request log sees a masked path, caches see nothing."""
    if request.path.startswith(KIOSK_PATH):
        request.path = KIOSK_PATH + "***" + ("/ws" if request.path.endswith("/ws") else "")
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
@requires(Permission.VIEW_WALLBOARD)
def index() -> str:
    with services().uow_factory()() as uow:
        boards = sorted((w for w in uow.wallboards.list() if w.active), key=lambda w: (w.name, w.id))
    return render_template("wallboard/index.html", wallboards=boards, manage=_can_manage())


@bp.route("/<int:wallboard_id>")
@requires(Permission.VIEW_WALLBOARD)
def screen(wallboard_id: int) -> str:
    wallboard = _active(wallboard_id)
    return _screen(wallboard, url_for("wallboard.live", wallboard_id=wallboard_id))


@route(bp, "/<int:wallboard_id>/ws", requires(Permission.VIEW_WALLBOARD), before_upgrade(_active))
def live(ws: Server, wallboard_id: int) -> None:
    _serve(ws, lambda: _load(wallboard_id), lambda w: w.active, SocketSight())


@bp.route("/<int:wallboard_id>/kiosk-token", methods=["POST"])
@requires(Permission.MANAGE_WALLBOARDS)
def issue_token(wallboard_id: int) -> str:
    _active(wallboard_id)
    kc = services()
    token, digest = new_kiosk_token()

    def change(uow: Any) -> tuple[Wallboard, dict[str, Any]]:
        wallboard = uow.wallboards.get(wallboard_id)
        if wallboard is None:
            abort(404)
        replaced = bool(wallboard.kiosk_token_hash)
        wallboard.kiosk_token_hash = digest
        wallboard.kiosk_token_issued_at = kc.clock().now()
        return wallboard, {"name": wallboard.name, "replaced": replaced}  # never the token

    wallboard = kc.audit().run(
        kc.uow_factory(), actor(), "wallboard.kiosk_token_issued", "wallboard", wallboard_id, change
    )
    kiosk_url = url_for("wallboard.kiosk", token=token, _external=True)
    return render_template("wallboard/token.html", wallboard=wallboard, kiosk_url=kiosk_url)


@bp.route("/<int:wallboard_id>/kiosk-token/revoke", methods=["POST"])
@requires(Permission.MANAGE_WALLBOARDS)
def revoke_token(wallboard_id: int) -> BaseResponse:
    if _load(wallboard_id) is None:
        abort(404)
    kc = services()

    def change(uow: Any) -> tuple[Wallboard, dict[str, Any]]:
        wallboard = uow.wallboards.get(wallboard_id)
        if wallboard is None:
            abort(404)
        had = bool(wallboard.kiosk_token_hash)
        wallboard.kiosk_token_hash = ""
        wallboard.kiosk_token_issued_at = None
        return wallboard, {"name": wallboard.name, "had_token": had}

    kc.audit().run(
        kc.uow_factory(), actor(), "wallboard.kiosk_token_revoked", "wallboard", wallboard_id, change
    )
    flash(_("The kiosk token was revoked; screens using it stop showing the wallboard."), "success")
    return redirect(url_for("wallboard.index"))


@bp.route("/kiosk/<token>")
@public
def kiosk(token: str) -> str:
    wallboard = _kiosk_wallboard(token)
    kc = services()
    kc.audit().record_alone(
        kc.uow_factory(),
        _kiosk_actor(),
        "wallboard.kiosk_opened",
        object_type="wallboard",
        object_id=wallboard.id,
        params={"name": wallboard.name},
    )
    return _screen(wallboard, url_for("wallboard.kiosk_live", token=token))


def _kiosk_actor() -> Actor:
    return Actor("kiosk", request.remote_addr or "")


def _kiosk_wallboard(token: str) -> Wallboard:
    """The wallboard the token opens; else an audited denial (without the token; repeats from one
    address as a count per minute) and a 404."""
    wallboard = _by_token(token) if len(token) <= 128 else None
    if wallboard is None:
        kc = services()
        kc.audit().record_denial_alone(
            kc.uow_factory(),
            _kiosk_actor(),
            "wallboard.kiosk_denied",
            object_type="wallboard",
            params={"websocket": request.path.endswith("/ws")},
            outcome=Outcome.DENIED,
            kind="websocket" if request.path.endswith("/ws") else "page",
        )
        abort(404)
    return wallboard


@route(bp, "/kiosk/<token>/ws", public, before_upgrade(_kiosk_wallboard))
def kiosk_live(ws: Server, token: str) -> None:
    found = _by_token(token)  # None: revoked since the handshake's check (then closed at once, GONE)
    wallboard_id, digest = (found.id, found.kiosk_token_hash) if found is not None else (None, "")
    _serve(ws, lambda: _load(wallboard_id), lambda w: bool(digest) and w.kiosk_token_hash == digest)


def _screen(wallboard: Wallboard, socket_url: str) -> str:
    """The screen; the socket's address is given as a path (the page picks ws: or wss: as it was
    loaded, behind a TLS proxy too)."""
    split = urlsplit(socket_url)
    return render_template(
        "wallboard/screen.html",
        wallboard=wallboard,
        layouts=layouts(wallboard),
        socket_url=split.path + (f"?{split.query}" if split.query else ""),
    )


def _serve(
    ws: Server,
    load: Callable[[], Wallboard | None],
    still_valid: Callable[[Wallboard], bool],
    seen: SocketSight | None = None,
) -> None:
    """Push the wallboard's view (``WallboardView``) of every live view, of the queues within
    ``seen`` (a signed-in user's sight; a kiosk has none). With the checks of every live socket
    (``apps.web.live``), every few seconds the wallboard is read again (``load``: its settings apply),
    the sight too, and the socket closes (``GONE``) when the wallboard is no longer valid (inactive,
    deleted, token revoked)."""
    state: dict[str, Wallboard | None] = {"wallboard": None}

    def recheck() -> Ending | None:
        fresh = load()
        if fresh is None or not fresh.active or not still_valid(fresh):
            return GONE
        state["wallboard"] = fresh
        return None

    def shape(view: LiveView) -> LiveFrame:
        if seen is not None:
            view = attrs.evolve(view, queues=[q for q in view.queues if seen.now.sees_queue(q["queue_id"])])
        wallboard = state["wallboard"]
        assert wallboard is not None  # the socket is closed (recheck) before a view is shaped
        return LiveFrame(WallboardView.from_wire(wallboard_view(view.to_wire(), wallboard)).fields())

    checks = [recheck] if seen is None else [recheck, seen.refresh]
    socket = accept(ws, *checks)
    if recheck() is not None:  # gone between the handshake's check and now
        socket.end(GONE)
        return
    serve(socket, shape)
