"""What the engine is asked to do: typed commands from pages, the API, the worker and the host.

Every command is a frozen attrs class with its wire ``name``; ``RoutingEngine.handle`` looks the
handler up by the command's type in one table (``kc_domain.routing.handlers``). A command read from
the bus or a page goes through ``from_wire``, which checks every field against the class's
annotation and refuses a message that does not fit, naming the field, before anything changes.
Queries (``DesktopView``, ``Panel``) travel the same way and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.ivr.model import Prompt
from kc_domain.routing.agent import Agent
from kc_domain.routing.config import IvrDirectory, QueueRouting
from kc_domain.routing.dialler import DiallerCampaign, HopperContact
from kc_domain.routing.rules import CallerRule
from kc_domain.wire import wire_fields

WIRE_VERSION = 1  # the ``v`` of a command on the bus; bumped when a field changes meaning
ENVELOPE = frozenset({"command", "v", "request_id", "reply_to"})  # around a command's own fields


@attrs.frozen
class Command:
    name: ClassVar[str] = ""


# -- the agent's work state (AG-01, AG-02) ------------------------------------------------------
@attrs.frozen
class LogIn(Command):
    name: ClassVar[str] = "log_in"
    agent_id: int


@attrs.frozen
class LogOut(Command):
    name: ClassVar[str] = "log_out"
    agent_id: int


@attrs.frozen
class Ready(Command):
    name: ClassVar[str] = "ready"
    agent_id: int


@attrs.frozen
class Pause(Command):
    name: ClassVar[str] = "pause"
    agent_id: int
    code: str


@attrs.frozen
class ExtendWrapUp(Command):
    name: ClassVar[str] = "extend_wrap_up"
    agent_id: int
    seconds: int


@attrs.frozen
class SignIn(Command):
    name: ClassVar[str] = "sign_in"
    agent_id: int
    queue_id: int


@attrs.frozen
class SignOut(Command):
    name: ClassVar[str] = "sign_out"
    agent_id: int
    queue_id: int


# -- the agent's calls at the desktop (IN-05, IN-15, IN-16, REC-01) ------------------------------
@attrs.frozen
class Answer(Command):
    name: ClassVar[str] = "answer"
    agent_id: int
    call_id: str


@attrs.frozen
class HangUp(Command):
    name: ClassVar[str] = "hang_up"
    agent_id: int
    call_id: str


@attrs.frozen
class Hold(Command):
    name: ClassVar[str] = "hold"
    agent_id: int
    call_id: str
    held: bool


@attrs.frozen
class Consult(Command):
    name: ClassVar[str] = "consult"
    agent_id: int
    call_id: str
    target: str


@attrs.frozen
class EndConsultation(Command):
    name: ClassVar[str] = "end_consultation"
    agent_id: int
    call_id: str


@attrs.frozen
class CompleteTransfer(Command):
    name: ClassVar[str] = "complete_transfer"
    agent_id: int
    call_id: str


@attrs.frozen
class Conference(Command):
    name: ClassVar[str] = "conference"
    agent_id: int
    call_id: str


@attrs.frozen
class BlindTransfer(Command):
    name: ClassVar[str] = "blind_transfer"
    agent_id: int
    call_id: str
    target: str


@attrs.frozen
class Transfer(Command):
    """A blind transfer by kind (``queue``, ``number``...) for the API; the desktop's is BlindTransfer."""

    name: ClassVar[str] = "transfer"
    call_id: str
    kind: str
    target: str


@attrs.frozen
class Dial(Command):
    """The agent dials a number; the reply is the new call's id. ``entry_id``: the campaign contact
    she calls (a preview or manual campaign, OUT-18), journaled with the call."""

    name: ClassVar[str] = "dial"
    agent_id: int
    number: str
    entry_id: int | None = None
    caller_id: str = ""  # the campaign's number shown to the callee (OUT-17); "": the line's own
    record: bool = True  # False: the campaign's calls are not recorded (OUT-17)


@attrs.frozen
class SetRecording(Command):
    name: ClassVar[str] = "recording"
    agent_id: int
    call_id: str
    record: bool


@attrs.frozen
class UseDevice(Command):
    name: ClassVar[str] = "device"
    agent_id: int
    device: str


# -- callbacks (IN-26, IN-27) -------------------------------------------------------------------
@attrs.frozen
class RequestCallback(Command):
    """A callback entered by hand; the reply is the request's id (its merged twin's, if any)."""

    name: ClassVar[str] = "callback_request"
    caller: str
    queue_id: int
    preferred_at: datetime | None = None
    note: str = ""
    agent_id: int | None = None  # who entered it by hand (the engine does not need it)


@attrs.frozen
class AssignCallback(Command):
    name: ClassVar[str] = "callback_assign"
    callback_id: str
    agent_id: int


@attrs.frozen
class DialCallback(Command):
    """The agent calls the customer back now; the reply is the outbound call's id."""

    name: ClassVar[str] = "callback_dial"
    callback_id: str
    agent_id: int


@attrs.frozen
class CallbackDone(Command):
    name: ClassVar[str] = "callback_done"
    callback_id: str
    agent_id: int
    note: str = ""


@attrs.frozen
class CancelCallback(Command):
    name: ClassVar[str] = "callback_cancel"
    callback_id: str
    agent_id: int
    reason: str = ""


# -- the supervisor (IN-17, RT-01, RT-07) --------------------------------------------------------
@attrs.frozen
class Monitor(Command):
    name: ClassVar[str] = "monitor"
    supervisor_id: int
    call_id: str
    mode: str


@attrs.frozen
class StopMonitor(Command):
    name: ClassVar[str] = "stop_monitor"
    supervisor_id: int
    call_id: str


@attrs.frozen
class ForcePause(Command):
    """The reply is whether the pause began now (False: it waits for the agent's call to end)."""

    name: ClassVar[str] = "force_pause"
    supervisor_id: int
    agent_id: int
    code: str


@attrs.frozen
class ForceLogOut(Command):
    name: ClassVar[str] = "force_log_out"
    supervisor_id: int
    agent_id: int


@attrs.frozen
class SupervisorSignIn(Command):
    name: ClassVar[str] = "supervisor_sign_in"
    supervisor_id: int
    agent_id: int
    queue_id: int


@attrs.frozen
class SupervisorSignOut(Command):
    name: ClassVar[str] = "supervisor_sign_out"
    supervisor_id: int
    agent_id: int
    queue_id: int


# -- queries: answered from the engine's state, changing nothing ---------------------------------
@attrs.frozen
class DesktopView(Command):
    name: ClassVar[str] = "desktop_view"
    agent_id: int


@attrs.frozen
class Panel(Command):
    name: ClassVar[str] = "panel"


# -- from the host: the clock and the administration --------------------------------------------
@attrs.frozen
class Tick(Command):
    """Act on every timer due now (the host sends it when ``next_due`` has come)."""

    name: ClassVar[str] = "tick"


@attrs.frozen
class Reconfigure(Command):
    """The administered configuration read again (ADM-02): never from the wire, built by the host."""

    name: ClassVar[str] = "reconfigure"
    queues: tuple[QueueRouting, ...]
    agents: tuple[Agent, ...]
    rules: tuple[CallerRule, ...]
    ivr: IvrDirectory | None = None  # None: the trees stay as they are
    general_prompts: Callable[[str, datetime], list[Prompt]] | None = None  # None: as they are


@attrs.frozen
class UseCampaigns(Command):
    """The campaigns the dialler dials (``dialler.DiallerCampaign``): built by the host, never
    from the wire."""

    name: ClassVar[str] = "use_campaigns"
    campaigns: tuple[DiallerCampaign, ...]


@attrs.frozen
class FillHopper(Command):
    """Contacts the database reserved for a campaign's dialler (``dialler.HopperContact``)."""

    name: ClassVar[str] = "fill_hopper"
    campaign_id: int
    contacts: tuple[HopperContact, ...]


@attrs.frozen
class HopperContents(Command):
    """The contacts each campaign's hopper holds (a query of the host's)."""

    name: ClassVar[str] = "hopper_contents"


@attrs.frozen
class DropFromHopper(Command):
    """Contacts the list no longer allows to call as they are (built by the host)."""

    name: ClassVar[str] = "drop_from_hopper"
    campaign_id: int
    entry_ids: tuple[int, ...]
    reason: str


@attrs.frozen
class HopperNeeds(Command):
    """How many contacts each dialling campaign wants now (a query of the host's)."""

    name: ClassVar[str] = "hopper_needs"


WIRE_COMMANDS: dict[str, type[Command]] = {
    c.name: c
    for c in (
        LogIn, LogOut, Ready, Pause, ExtendWrapUp, SignIn, SignOut,
        Answer, HangUp, Hold, Consult, EndConsultation, CompleteTransfer, Conference,
        BlindTransfer, Transfer, Dial, SetRecording, UseDevice,
        RequestCallback, AssignCallback, DialCallback, CallbackDone, CancelCallback,
        Monitor, StopMonitor, ForcePause, ForceLogOut, SupervisorSignIn, SupervisorSignOut,
        DesktopView, Panel,
    )
}  # fmt: skip
QUERIES = (DesktopView, Panel)
# built by the engine's host and never read from or sent over the wire
HOST_ONLY = (Tick, Reconfigure, UseCampaigns, FillHopper, HopperNeeds, HopperContents, DropFromHopper)


def from_wire(message: Mapping[str, Any], kinds: Mapping[str, type[Command]] = WIRE_COMMANDS) -> Command:
    """The typed command a bus or page message carries (``{"command": name, "v": 1, ...fields}``),
    one of ``kinds``; refused, naming the field, when the name is unknown, a field is missing, of the
    wrong type, or not one of the command's."""
    name = message.get("command")
    kind = kinds.get(name) if isinstance(name, str) else None
    if kind is None or not isinstance(name, str):
        raise ValidationFailed([FieldError("command", "unknown_command", {"value": str(name)[:64]})])
    version = message.get("v", WIRE_VERSION)
    if version != WIRE_VERSION:
        raise ValidationFailed([FieldError("v", "unsupported_version", {"value": str(version)[:16]})])
    return kind(**wire_fields(kind, message, {"command": name}, ENVELOPE))


def to_wire(command: Command) -> dict[str, Any]:
    """The bus form of a command: plain JSON values (datetimes in ISO 8601)."""
    if isinstance(command, HOST_ONLY[1:]):
        raise TypeError(
            f"{type(command).__name__} is built by the engine's host and never sent over the wire"
        )
    plain = attrs.asdict(command, recurse=False)
    fields = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in plain.items()}
    return {"command": command.name, "v": WIRE_VERSION, **fields}
