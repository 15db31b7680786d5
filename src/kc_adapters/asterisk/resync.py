"""Catching up with Asterisk after KC's events socket was down (``AsteriskPbx.resync``).

While ARI's events socket is closed (a network fault, Asterisk or KC restarting) Asterisk
deactivates KC's application: the events of KC's calls are lost, and a channel that would enter the
application then (a new call, an agent's phone answering) fails to and is hung up by Asterisk. So
when the socket is open again the adapter asks Asterisk what it has (``GET /channels``, ``GET
/bridges``) and turns every difference from its own state into what the events would have said:

- a leg of KC's that Asterisk no longer has hung up meanwhile: the caller's side ends the call
  (``CallHungUpAtPbx``), an agent's ringing phone gave up, a consulted party or supervisor left;
- a leg KC dialled that is up now answered meanwhile (the agent's phone, the called number, the
  consulted party, the supervisor's phone): it is handled as if it had entered the application;
- a prompt Asterisk no longer plays finished (``PromptFinished``, in order); a recording Asterisk
  no longer writes is complete (``RecordingReady`` or ``VoicemailRecorded``, its length read from
  the stored file);
- KC's channels and bridges are subscribed to the application again (Asterisk drops the
  subscriptions of a deactivated application).

Channels in KC's application that the adapter does not know (an earlier run of ``kc engine`` left
them, ``strangers``) are taken over: callers waiting alone are offered to the engine again as new
calls (their earlier call is closed in the journal by the engine's reconciliation); parties talking
in one of KC's bridges keep talking, watched: when one of them hangs up the others are hung up and
the bridge is destroyed, and an agent's phone among them counts as busy until then.
"""

from __future__ import annotations

import io
import logging
import re
import wave
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kc_adapters.asterisk.ari import AriError
from kc_adapters.simulated_pbx import LegState as Leg

if TYPE_CHECKING:
    from kc_adapters.asterisk.pbx import AriCall, AsteriskPbx

log = logging.getLogger(__name__)

Channels = Mapping[str, Mapping[str, Any]]
# the ids KC gives its own legs and bridges: <call>-agent<id>-<n>, <call>-out-<n>, <call>-bridge-<n>...
OWN_LEG = re.compile(r"(?P<call>.+)-(?:agent(?P<agent>\d+)|out|consult|supervisor\d+|snoop\d+)-\d+")
OWN_BRIDGE = re.compile(r"(?P<call>.+)-(?:bridge|monitor\d+)-\d+")


def snapshot(adapter: AsteriskPbx) -> tuple[Channels, Channels] | None:
    """Asterisk's channels and bridges by id; None when Asterisk does not answer (logged)."""
    try:
        channels = adapter.ari.request("GET", "/channels") or []
        bridges = adapter.ari.request("GET", "/bridges") or []
    except AriError as exc:
        log.warning("ARI: cannot catch up with Asterisk (%s); tried again at the next connection", exc)
        return None
    return (
        {str(c.get("id")): c for c in channels if isinstance(c, dict)},
        {str(b.get("id")): b for b in bridges if isinstance(b, dict)},
    )


def catch_up(adapter: AsteriskPbx, channels: Channels, bridges: Channels) -> None:
    """Everything that happened at Asterisk while the events socket was down (under the adapter's
    lock; the events it produces are flushed by the caller)."""
    for channel_id in [c for c in adapter._channels if c not in channels]:
        adapter._channel_gone({"type": "ChannelDestroyed", "channel": {"id": channel_id}})
    for call in list(adapter.calls.values()):
        if call.state != Leg.ENDED:
            _answered_meanwhile(adapter, call, channels)
    for playback_id in list(adapter._playbacks):
        if not _exists(adapter, f"/playbacks/{playback_id}"):
            adapter._playback_finished({"type": "PlaybackFinished", "playback": {"id": playback_id}})
    for name in list(adapter._recordings):
        if not _exists(adapter, f"/recordings/live/{name}"):
            adapter._recording_done(name, _stored_length(adapter, name))
    _watch_strangers(adapter, channels, bridges)
    _subscribe(adapter, channels, bridges)


def _answered_meanwhile(adapter: AsteriskPbx, call: AriCall, channels: Channels) -> None:
    waiting = [call.agent_leg] if call.state == Leg.RINGING else []
    if call.outbound and call.state == Leg.DIALLING:
        waiting.append(call.customer)
    waiting.append(call.joining)
    waiting += [m.leg for m in call.monitors.values() if not m.answered]
    waiting += [m.snoop for m in call.monitors.values() if m.snoop]
    for leg in waiting:
        channel = channels.get(leg) if leg else None
        if channel is not None and channel.get("state") == "Up" and leg in adapter._channels:
            log.info("ARI: leg %s of call %s answered while the events socket was down", leg, call.call_id)
            adapter._stasis_start({"type": "StasisStart", "channel": channel})
            adapter._resynced.add(leg)  # its own StasisStart, if it comes late, is not a second answer


def _exists(adapter: AsteriskPbx, path: str) -> bool:
    try:
        adapter.ari.request("GET", path)
    except AriError as exc:
        if exc.status == 404:
            return False
        log.info("ARI: %s unclear while catching up (%s); taken as still there", path, exc)
    return True


def _stored_length(adapter: AsteriskPbx, name: str) -> float | None:
    """How long a finished recording is, from its stored WAV; None when it cannot be read."""
    try:
        audio = adapter.ari.fetch(f"/recordings/stored/{name}/file")
        with wave.open(io.BytesIO(audio), "rb") as wav:
            frames: int = wav.getnframes()
            rate: int = wav.getframerate()
        return round(frames / rate, 2)
    except (AriError, wave.Error, EOFError) as exc:
        log.warning("ARI: the length of recording %s is unknown (%s)", name, exc)
        return None


def _in_application(adapter: AsteriskPbx, channel: Mapping[str, Any]) -> bool:
    dialplan = channel.get("dialplan") or {}
    application = str(dialplan.get("app_data", "")).split(",")[0]
    return bool(dialplan.get("app_name") == "Stasis" and application == adapter.ari.app)


def _watch_strangers(adapter: AsteriskPbx, channels: Channels, bridges: Channels) -> None:
    """Channels in KC's application the adapter does not know (an earlier run left them)."""
    bridged: dict[str, str] = {}
    known = adapter._bridges_known()  # once: KC's own bridges do not change while this runs
    for bridge_id, bridge in bridges.items():
        if OWN_BRIDGE.fullmatch(bridge_id) and bridge_id not in known:
            members = [str(c) for c in bridge.get("channels") or [] if str(c) in channels]
            if len(members) < 2:  # nobody left to talk to: the rest is hung up
                for channel_id in members:
                    adapter._hang_up_channel("resync", (bridge_id,), channel_id, "normal")
                adapter._rest_quietly("DELETE", f"/bridges/{bridge_id}")
                continue
            adapter._strays[bridge_id] = set(members)
            for channel_id in members:
                bridged[channel_id] = bridge_id
                adapter._channels[channel_id] = (bridge_id, "stray")
                own = OWN_LEG.fullmatch(channel_id)
                if own and own.group("agent"):
                    adapter.endpoints[int(own.group("agent"))] = bridge_id
            log.warning(
                "ARI: %s, left by an earlier run, keeps talking (%s); hung up when one side does",
                bridge_id,
                ", ".join(members),
            )
    for channel_id, channel in channels.items():
        if channel_id in adapter._channels or channel_id in bridged or not _in_application(adapter, channel):
            continue
        if OWN_LEG.fullmatch(channel_id):  # a leg of a call an earlier run had: nobody waits for it
            adapter._hang_up_channel("resync", (channel_id,), channel_id, "normal")
            continue
        log.warning("ARI: caller %s, left waiting by an earlier run, is offered again", channel_id)
        adapter._rest_quietly("DELETE", f"/channels/{channel_id}/moh")
        adapter._adopt_caller(channel)


def _subscribe(adapter: AsteriskPbx, channels: Channels, bridges: Channels) -> None:
    sources = [f"channel:{c}" for c in adapter._channels if c in channels]
    known = adapter._bridges_known() | adapter._strays.keys()
    sources += [f"bridge:{b}" for b in bridges if b in known]
    if not sources:
        return
    try:
        adapter.ari.request(
            "POST", f"/applications/{adapter.ari.app}/subscription", eventSource=",".join(sources)
        )
    except AriError as exc:
        log.warning("ARI: subscribing KC's application to its channels again failed: %s", exc)
