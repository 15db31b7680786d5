"""The agent desktop's server side (issue 5): the page, its live WebSocket and its commands.

- ``GET /desktop/`` the page; ``GET /desktop/ws`` a WebSocket that sends the agent's live state
  (``{"agent": ...}``), the transfer panel (``{"panel": [...]}``) at once and on every change, and
  answers ``"sync"`` with both again (a page re-syncs after reconnecting).
- ``GET /api/v1/desktop/state`` the same state once, with what the page needs to offer: pause codes,
  call categories, transfer-panel lines and groups.
- ``POST /api/v1/desktop/<command>`` an action of the signed-in agent, always on their own behalf
  (the agent id is never taken from the request); the engine checks that the call is theirs.
  Every action is audited (``desk.<command>``); refusals are explained like any bad input. The
  command goes the one way of every page's command (``apps.web.commands``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Mapping
from typing import Any, TypeVar

from flask import Blueprint, current_app, render_template, url_for
from simple_websocket import Server

from apps.engine.desktops import DESKTOP_CHANNEL, PANEL_CHANNEL
from apps.web import live as live_sockets
from apps.web.callbacks import plain_missed
from apps.web.commands import carry_out, json_body
from apps.web.messages import ATTEMPT_OUTCOMES, OUTCOME_BUTTONS, pause_names
from apps.web.security import current_user, requires
from apps.web.services import services
from kc_domain.commanding.replies import Accepted, Reply
from kc_domain.contacts.model import category_refusal
from kc_domain.errors import DomainError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.identity.staff import Staff
from kc_domain.messages import AgentView, DesktopState, ErrorFrame, PanelUpdate
from kc_domain.routing import commands as c

log = logging.getLogger(__name__)
bp = Blueprint("desktop", __name__, url_prefix="/desktop")
api = Blueprint("desktop_api", __name__, url_prefix="/api/v1/desktop")

MISSED_HOURS = 24  # how far back the desktop's list of missed calls to return looks
PUSH_WAIT_S = 1.0  # how long the socket loop waits for news before it looks at the client's side
PANEL_EVERY_S = 0.25  # the transfer panel's changes go out at most this often to each desktop


# the command in the URL -> the engine's command; the agent is always the signed-in user (agent_id)
COMMANDS: dict[str, type[c.Command]] = {
    "log_in": c.LogIn,
    "log_out": c.LogOut,
    "ready": c.Ready,
    "pause": c.Pause,
    "extend_wrap_up": c.ExtendWrapUp,
    "sign_in": c.SignIn,
    "sign_out": c.SignOut,
    "answer": c.Answer,
    "hang_up": c.HangUp,
    "hold": c.Hold,
    "consult": c.Consult,
    "end_consultation": c.EndConsultation,
    "complete_transfer": c.CompleteTransfer,
    "conference": c.Conference,
    "transfer": c.BlindTransfer,
    "dial": c.Dial,
    "recording": c.SetRecording,
    "device": c.UseDevice,
}


class DesktopHub:
    """One per web process: a single subscription to the agents' views and one to the panel, handed
    to the sockets open in this process (an agent may have several tabs), so that 300 desktops
    cost two bus subscriptions, not 600. A message that does not fit is logged and dropped."""

    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self._lock = threading.Lock()
        self._sockets: dict[int, set[queue.Queue[AgentView | PanelUpdate]]] = {}
        self._subscriptions: list[Any] = []

    def open(self, agent_id: int) -> queue.Queue[AgentView | PanelUpdate]:
        news: queue.Queue[AgentView | PanelUpdate] = queue.Queue()
        with self._lock:
            if not self._subscriptions:
                self._subscriptions = [
                    self._bus.subscribe(DESKTOP_CHANNEL, self._agent),
                    self._bus.subscribe(PANEL_CHANNEL, self._panel),
                ]
            self._sockets.setdefault(agent_id, set()).add(news)
        return news

    def close(self, agent_id: int, news: queue.Queue[AgentView | PanelUpdate]) -> None:
        with self._lock:
            self._sockets.get(agent_id, set()).discard(news)

    def _agent(self, message: Any) -> None:
        view = _read(AgentView, message)
        if view is None or view.agent_id is None:
            return
        with self._lock:
            targets = list(self._sockets.get(view.agent_id, ()))
        for news in targets:
            news.put(view)

    def _panel(self, message: Any) -> None:
        update = _read(PanelUpdate, message)
        if update is None:
            return
        with self._lock:
            targets = [news for sockets in self._sockets.values() for news in sockets]
        for news in targets:
            news.put(update)


M = TypeVar("M", AgentView, PanelUpdate)


def _read(kind: type[M], message: Any) -> M | None:
    try:
        return kind.from_wire(message)
    except ValidationFailed as error:
        log.warning("a %s that does not fit was dropped: %s", kind.name, error)
        return None


_HUB_LOCK = threading.Lock()


def hub() -> DesktopHub:
    extensions = current_app.extensions
    with _HUB_LOCK:
        if "kc.desktop_hub" not in extensions:
            extensions["kc.desktop_hub"] = DesktopHub(services().bus())
        found: DesktopHub = extensions["kc.desktop_hub"]
    return found


def _me() -> int:
    user = current_user()
    assert user is not None  # @requires let the request in
    return user.user_id


def send(command: c.Command) -> Any:
    """A query or command to the engine; its result, or the refusal raised as the domain error."""
    reply: Reply = services().engine_client().send(command)
    return reply.result_or_raise()


def state() -> DesktopState:
    """The agent's live view and the transfer panel, straight from the engine, with the server's
    time, by which the page runs its timers (the agent's PC clock may be off)."""
    agent = send(c.DesktopView(_me()))
    panel = services().engine_client().send(c.Panel())
    panel_entries = (panel.result if isinstance(panel, Accepted) else None) or []
    return DesktopState(agent=agent, panel=panel_entries, server_time=services().clock().now())


@bp.route("/")
@requires(Permission.AGENT_DESKTOP)
def index() -> str | tuple[str, int]:
    user = current_user()
    assert user is not None
    callbacks = Permission.HANDLE_CALLBACKS in user.permissions
    with services().uow_factory()() as uow:
        me = uow.users.get(user.user_id)
        staff = Staff.of(
            [me] if me else [], uow.groups.list(), [s for s in uow.skills.list() if s.user_id == user.user_id]
        )
    if me is None or not staff.takes_calls(me):
        # the routing engine does not know the user (an administrator may open every page):
        # a page that says so, not the engine's error
        return render_template("not_an_agent.html"), 200
    return render_template(
        "desktop/index.html",
        agent_id=_me(),
        extension=me.agent_number if me is not None else "",
        callbacks_url=_url_if("callbacks.index") if callbacks else None,
        callbacks_api=_url_if("callbacks_api.api_list") if callbacks else None,
        missed_url=_url_if("calls.missed") if callbacks else None,
        history_url=next((r.rule for r in current_app.url_map.iter_rules() if r.rule == "/me/history"), None),
        outcome_words={
            **{f"last.{o.value}": str(name) for o, name in ATTEMPT_OUTCOMES.items()},
            **{f"outcome.{o.value}": str(name) for o, name in OUTCOME_BUTTONS.items()},
        },
    )


def _url_if(endpoint: str) -> str | None:
    """The page's link to another part of KC, when that part is installed."""
    return url_for(endpoint) if endpoint in current_app.view_functions else None


@live_sockets.route(bp, "/ws", requires(Permission.AGENT_DESKTOP))
def live(ws: Server) -> None:
    """Pushes the agent's live state and the panel; the permission is checked at the handshake and
    again every few seconds, with the limits of every live socket (``apps.web.live``)."""
    agent_id, desktops = _me(), hub()
    socket = live_sockets.accept(ws)
    news = desktops.open(agent_id)
    try:
        _push_state(socket)
        _relay(socket, news)
    except live_sockets.SOCKET_GONE:
        pass
    finally:
        desktops.close(agent_id, news)
        socket.finish()


def _relay(socket: live_sockets.LiveSocket, news: queue.Queue[AgentView | PanelUpdate]) -> None:
    """Send what arrives: the agent's own view at once (only the newest of a burst), the panel's
    changes merged and at most every PANEL_EVERY_S, so that 300 agents changing state do not cost
    300 messages to each of 300 desktops."""
    panel: dict[int | str, dict[str, Any]] = {}
    panel_due = 0.0
    while socket.connected:
        wait = PUSH_WAIT_S if not panel else max(0.0, panel_due - time.monotonic())
        try:
            message: AgentView | PanelUpdate | None = news.get(timeout=wait)
        except queue.Empty:
            message = None
        newest = None
        while message is not None:
            if isinstance(message, PanelUpdate):
                for entry in message.panel_update:  # an agent by id, a line by its number
                    panel[entry.get("agent_id") or entry["device"]] = entry
            else:
                newest = message
            message = news.get_nowait() if not news.empty() else None
        if newest is not None:
            socket.send(newest)
        if panel and time.monotonic() >= panel_due:
            socket.send(PanelUpdate(list(panel.values())))
            panel, panel_due = {}, time.monotonic() + PANEL_EVERY_S
        if socket.asked_to_sync():
            _push_state(socket)


def _push_state(socket: live_sockets.LiveSocket) -> None:
    try:
        socket.send(state())
    except DomainError as error:  # the engine is away: the page shows it and asks again later
        socket.send(ErrorFrame(str(error)))


@api.route("/state")
@requires(Permission.AGENT_DESKTOP)
def api_state() -> dict[str, Any]:
    kc = services()
    admin = kc.admin()
    pause_codes = admin.list("pause_code")
    return {
        **state().fields(),
        "pause_codes": [
            {"code": p.code, "name": p.name, "kind": p.kind.value} for p in pause_codes if p.active
        ],
        # by name, KC's own and retired codes too: an agent may be in any of them
        "pause_names": pause_names(pause_codes),
        "categories": [  # only what the server accepts for a call (one rule: category_refusal)
            {"id": c.id, "name": c.name, "parent_id": c.parent_id}
            for c in admin.list("category")
            if category_refusal(c) is None
        ],
        "lines": [
            {"id": line.id, "name": line.name, "number": line.number, "group_id": line.group_id}
            for line in admin.list("transfer_line")
        ],
        "line_groups": [{"id": g.id, "name": g.name} for g in admin.list("transfer_group")],
        "supervisors": _supervisors(admin),
    }


@api.route("/missed")
@requires(Permission.AGENT_DESKTOP)
def api_missed() -> dict[str, Any]:
    """The calls the signed-in agent should return (AG-17, IN-26): those she missed and the missed
    calls of her queues, still to return; no callback role needed to see and call them back."""
    me = _me()
    with services().uow_factory()() as uow:
        queue_ids = [s.queue_id for s in uow.skills.list() if s.user_id == me]
    missed = services().contacts().missed_to_return(me, queue_ids, MISSED_HOURS)
    return {"items": [plain_missed(m.call, m.history) for m in missed]}


def _supervisors(admin: Any) -> list[dict[str, Any]]:
    """Supervisors to consult or transfer to by their extension (IN-15, AG-12); those who also
    take calls in the queues are in the panel with their live state already."""
    staff = Staff.of(admin.list("user"), admin.list("group"), ())
    return [
        {"user_id": u.id, "name": u.full_name, "number": u.agent_number} for u in staff.supervisors_on_lines()
    ]


@api.route("/<command>", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def api_command(command: str) -> tuple[dict[str, Any], int]:
    """An action of the signed-in agent, audited as ``desk.<command>`` (``apps.web.commands``)."""
    implied: dict[str, Any] = {"agent_id": _me()}
    if command == "dial":
        implied |= _dial_settings(json_body())
    return carry_out(COMMANDS, command, implied, "desk", "call")


def _dial_settings(body: Mapping[str, Any]) -> dict[str, Any]:
    """What a dial shows the called party and whether it is recorded, never the page's to say: a
    campaign contact's dial shows the campaign's number unless it calls with the officer's own,
    and is recorded as the campaign says (OUT-17); any other dial the line's own number, recorded."""
    entry_id = body.get("entry_id")
    if not isinstance(entry_id, int) or isinstance(entry_id, bool):
        return {"caller_id": "", "record": True}
    campaign = services().campaigns().campaign_of_entry(entry_id)
    caller_id = campaign.caller_id
    if campaign.officer_caller_id:  # her own direct number; without one, the line's default
        user = current_user()
        caller_id = "" if user is None else _direct_number(user.user_id)
    return {"caller_id": caller_id, "record": campaign.record}


def _direct_number(user_id: int) -> str:
    user = services().admin().get("user", user_id)
    return str(user.direct_number)
