"""End to end through the real Asterisk with ``kc engine`` (``KC_TELEPHONY=asterisk``, INT-04): the
contact centre administered through KC's services (two queues, an IVR tree on a number, two agents
and a supervisor with their stand-in phones), callers as Local channels into KC's context walking
the tree with their keys; then what KC kept: the journal, the recordings, the voicemail, the
callback. Every wait is on a condition with a timeout (TTS prompts take their seconds to play)."""

from __future__ import annotations

import io
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from apps.container import Container
from kc_domain.audit.service import SYSTEM
from kc_domain.callbacks.model import AttemptOutcome, CallbackRequest, CallbackState
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.recordings.model import Recording
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.voicemail import Voicemail, VoicemailState
from tests.asterisk_engine import PROMPT_S, KcOnAsterisk
from tests.asterisk_harness import supervisor_in_place, tone_level, wait_for
from tests.asterisk_peer import (
    ANSWERING_CONTEXT,
    CALLER_TONE_HZ,
    OUTSIDE_CONTEXT,
    SUPERVISORS_CONTEXT,
    tone_wav,
)

pytestmark = pytest.mark.req("INT-04")

LINE = "+420261100900"  # the IVR tree's number, sent into KC's context
CALLER = "+420602123456"


@attrs.frozen
class Centre:
    payments: int  # key 1: offers a callback (key 5) to waiting callers
    general: int  # key 2: announces the waiting caller's position
    agent: int  # Nováková, her stand-in phone answers at once
    colleague: int  # Horák, the same
    supervisor: int  # Svobodová, her stand-in phone answers and speaks (a tone)


def tree(payments: int, general: int) -> dict[str, Any]:
    return {
        "name": "linka",
        "version": 1,
        "start": "nabidka",
        "nodes": [
            {
                "type": "menu",
                "id": "nabidka",
                "timeout_s": 10,
                "retries": 1,
                "on_fail": "obecne",
                "prompt": {"text": "Platby, stiskněte jedna. Ostatní dotazy, dvě. Vzkaz, tři."},
                "choices": {"1": "platby", "2": "obecne", "3": "vzkaz"},
            },
            {"type": "route_to_queue", "id": "platby", "queue_ids": [payments]},
            {"type": "route_to_queue", "id": "obecne", "queue_ids": [general]},
            {"type": "voicemail", "id": "vzkaz", "box": "vzkazy"},
        ],
    }


def administer(container: Container) -> Centre:
    """The contact centre, administered as the administration pages do it (audited services)."""
    admin = container.admin()
    always = OpeningHours.always_open()
    payments = admin.create(SYSTEM, "queue", {"name": "Platby", "hours": always, "callback_key": "5"})
    general = admin.create(
        SYSTEM,
        "queue",
        {"name": "Ostatní dotazy", "hours": always, "announce_every_s": 15, "announce_wait": False},
    )

    def user(username: str, name: str, roles: set[Role], number: str, endpoint: str) -> int:
        values = {
            "username": username,
            "full_name": name,
            "roles": roles,
            "agent_number": number,
            "endpoint": endpoint,
        }
        return int(admin.create(SYSTEM, "user", values, password="Dlouhe-heslo-2026!").id)

    # the first account must be able to administer KC
    agent = user("novakova", "Marie Nováková", {Role.AGENT, Role.ADMIN}, "2101", phone("agent7"))
    colleague = user("horak", "Petr Horák", {Role.AGENT}, "2102", phone("agent8"))
    supervisor = user(
        "svobodova",
        "Jana Svobodová",
        {Role.SUPERVISOR},
        "2001",
        f"Local/supervisor90@{SUPERVISORS_CONTEXT}/n",
    )
    for user_id in (agent, colleague):
        for queue in (payments, general):
            admin.create(SYSTEM, "skill", {"user_id": user_id, "queue_id": queue.id, "level": 5})
    catalogue = container.ivr()
    stored = catalogue.save(SYSTEM, tree(payments.id, general.id))
    catalogue.activate(SYSTEM, stored.name, stored.version)
    catalogue.assign_number(SYSTEM, LINE, stored.name)
    return Centre(payments.id, general.id, agent, colleague, supervisor)


def phone(name: str) -> str:
    return f"Local/{name}@{ANSWERING_CONTEXT}/n"  # "/n": Asterisk must not optimise it away


def journaled(container: Container, call_id: str) -> list[ev.Event]:
    """The call's events in the journal, once its interaction row is closed."""
    journal = container.journal()
    wait_for(
        lambda: (row := journal.interaction(call_id)) is not None and row.ended_at, f"{call_id} journaled"
    )
    return list(journal.events_for(call_id))


def in_order(names: list[str], expected: list[str]) -> bool:
    """Whether ``expected`` occurs in ``names`` in this order (other events may come between)."""
    rest = iter(names)
    return all(name in rest for name in expected)


def recordings_of(container: Container, call_id: str) -> list[Recording]:
    with container.uow_factory()() as uow:
        return sorted((r for r in uow.recordings.list() if r.call_id == call_id), key=lambda r: r.started_at)


def wav_seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        return wav.getnframes() / wav.getframerate()


def level(audio: bytes, directory: Path, hertz: float) -> float:
    path = directory / "measured.wav"
    path.write_bytes(audio)
    return tone_level(path, hertz)


@pytest.mark.req("IN-06", "IN-10", "IN-15", "IN-17", "RT-07", "REC-01", "REC-02", "IN-04")
def test_a_caller_walks_the_ivr_waits_hears_the_position_talks_is_coached_transferred_and_recorded(
    kc_on_asterisk: Container, kc_engine: Callable[[], KcOnAsterisk], tmp_path: Path
) -> None:
    centre = administer(kc_on_asterisk)
    kc = kc_engine()
    for agent in (centre.agent, centre.colleague):
        kc.command("log_in", agent_id=agent)  # signed in, paused: nobody free yet
    call_id = kc.dials(LINE, CALLER)
    call = kc.call(call_id)
    assert call.stage.value == "ivr"
    # the menu plays to its end (PlaybackFinished -> PromptFinished), then the caller chooses 2
    wait_for(lambda: kc.heard_of(pbx.PromptFinished, call_id), "the menu played", PROMPT_S)
    kc.presses(call_id, "2")
    wait_for(lambda: call.stage.value == "queued", "the caller waiting in the queue")
    assert call.queue_id == centre.general
    # the first position announcement plays through Asterisk to its end
    wait_for(lambda: len(kc.heard_of(pbx.PromptFinished, call_id)) == 2, "the position announced", PROMPT_S)
    kc.command("ready", agent_id=centre.agent)
    wait_for(lambda: call.stage.value == "answered", "Nováková's phone answering")
    assert call.agent_id == centre.agent
    kc.talks(call_id)  # the caller talks (a tone) from now on

    # the supervisor coaches Nováková: she hears it, the caller does not
    kc.command("monitor", supervisor_id=centre.supervisor, call_id=call_id, mode="whisper")
    supervisor_in_place(kc.ari, kc.adapter, call_id, centre.supervisor, "whisper")
    heard = kc.ears(call_id, tmp_path).listen(1.5, "whisper")
    print(heard)
    assert heard["agent"] > 200.0 and heard["caller"] < 20.0, heard  # measured: ~700 and 0
    kc.command("stop_monitor", supervisor_id=centre.supervisor, call_id=call_id)

    # Nováková consults Horák (ready meanwhile) and transfers the caller to him
    kc.command("ready", agent_id=centre.colleague)
    kc.command("consult", agent_id=centre.agent, call_id=call_id, target=f"agent:{centre.colleague}")
    leg = wait_for(lambda: kc.pbx_call(call_id).consult_leg, "Horák's phone dialled")
    kc.ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == leg)
    kc.command("complete_transfer", agent_id=centre.agent, call_id=call_id)
    wait_for(lambda: kc.heard_of(pbx.RecordingReady, call_id), "Nováková's stretch recorded")
    assert call.agent_id == centre.colleague
    threading.Event().wait(1.0)  # the caller talks with Horák for a second
    kc.hangs_up(call_id)
    wait_for(lambda: call.stage.value == "ended", "the call's end")

    events = journaled(kc_on_asterisk, call_id)
    names = [e.name for e in events]
    assert names[: names.index("CallEnded") + 1] == [
        "CallArrived",
        "CallEnteredIvr",
        "CallAnnounced",  # the menu
        "CallLeftIvr",
        "CallQueued",
        "CallAnnounced",  # the position
        "CallOffered",
        "CallAnswered",
        "CallMonitored",  # coaching
        "CallMonitored",  # and its end
        "CallConsulted",
        "CallConsultEnded",  # by the transfer
        "CallTransferred",
        "CallRecorded",  # Nováková's stretch
        "CallEnded",
    ], names
    kinds = [e.kind for e in events if isinstance(e, ev.CallAnnounced)]
    assert kinds[:2] == ["ivr", "position"], kinds
    position = next(e for e in events if isinstance(e, ev.CallAnnounced) and e.kind == "position")
    assert "Jste 1. v pořadí." in position.text
    left = next(e for e in events if isinstance(e, ev.CallLeftIvr))
    assert (left.outcome, left.detail) == ("route", str(centre.general))
    monitored = [e for e in events if isinstance(e, ev.CallMonitored)]
    assert [(m.supervisor_id, m.agent_id, m.mode) for m in monitored] == [
        (centre.supervisor, centre.agent, "whisper"),
        (centre.supervisor, centre.agent, ""),
    ]
    transferred = next(e for e in events if isinstance(e, ev.CallTransferred))
    assert transferred.target == str(centre.colleague)

    # a stretch per agent, each a WAV fetched from Asterisk and stored; together the talk time
    stretches = wait_for(
        lambda: found if len(found := recordings_of(kc_on_asterisk, call_id)) == 2 else None,
        "both stretches stored",
    )
    assert [r.agent_id for r in stretches] == [centre.agent, centre.colleague]
    audio = [kc_on_asterisk.recordings().audio(SYSTEM, r.id or 0, "listen")[1] for r in stretches]
    assert all(level(a, tmp_path, CALLER_TONE_HZ) > 200.0 for a in audio)  # the caller is heard in each
    seconds = [wav_seconds(a) for a in audio]
    row = kc_on_asterisk.journal().interaction(call_id)
    assert row is not None and row.talk_s is not None
    print(f"talk {row.talk_s:.3f} s, stretches {seconds}")
    assert abs(sum(seconds) - row.talk_s) < 0.5, (seconds, row.talk_s)
    assert kc.adapter.rejected == []


@pytest.mark.req("IN-06", "IN-08")
def test_a_caller_chooses_voicemail_in_the_ivr_and_the_message_is_listed_with_asterisks_audio(
    kc_on_asterisk: Container, kc_engine: Callable[[], KcOnAsterisk], tmp_path: Path
) -> None:
    administer(kc_on_asterisk)
    kc = kc_engine()
    call_id = kc.dials(LINE, CALLER)
    wait_for(lambda: kc.pbx_call(call_id).playbacks, "the menu playing")
    kc.presses(call_id, "3")  # while the menu plays: it stops, the voicemail's introduction plays
    kc.leaves_message(call_id, tone_wav(CALLER_TONE_HZ, 2.0))  # after the beep: 2 s, then #
    call = kc.call(call_id)
    wait_for(lambda: call.stage.value == "ended", "the call's end")

    def listed() -> list[Voicemail]:
        return kc_on_asterisk.voicemail().list()

    (message,) = wait_for(listed, "the message in the voicemail list")
    assert (message.caller, message.box, message.queue_id, message.state) == (
        CALLER,
        "vzkazy",
        None,
        VoicemailState.NEW,
    )
    events = journaled(kc_on_asterisk, call_id)
    left = next(e for e in events if isinstance(e, ev.CallVoicemailLeft))
    audio = kc_on_asterisk.voicemail().audio(SYSTEM, message.id or 0)
    assert audio == kc.adapter.recording(left.recording)  # Asterisk's file, through CallAudio
    print(f"message 2.0 s, WAV {wav_seconds(audio):.3f} s, reported {left.duration_s:.3f} s")
    assert wav_seconds(audio) == pytest.approx(2.0, abs=0.6)
    assert level(audio, tmp_path, CALLER_TONE_HZ) > 200.0  # the caller's voice, not silence
    assert in_order(
        [e.name for e in events], ["CallEnteredIvr", "CallLeftIvr", "CallVoicemailLeft", "CallEnded"]
    )
    assert kc_on_asterisk.journal().interaction(call_id).end_stage == "voicemail"  # type: ignore[union-attr]
    assert kc.adapter.rejected == []


@pytest.mark.req("IN-06", "IN-09", "REC-01")
def test_a_waiting_caller_asks_for_a_callback_which_kc_dials_through_asterisk_when_an_agent_is_free(
    kc_on_asterisk: Container, kc_engine: Callable[[], KcOnAsterisk]
) -> None:
    centre = administer(kc_on_asterisk)
    kc = kc_engine()
    kc.command("log_in", agent_id=centre.agent)  # signed in, paused
    call_id = kc.dials(LINE, CALLER)
    call = kc.call(call_id)
    wait_for(lambda: kc.pbx_call(call_id).playbacks, "the menu playing")
    kc.presses(call_id, "1")
    wait_for(lambda: call.stage.value == "queued", "the caller waiting in the payments queue")
    wait_for(lambda: kc.pbx_call(call_id).playbacks, "the callback offered")
    kc.presses(call_id, "5")  # a callback instead of waiting
    wait_for(lambda: call.stage.value == "callback", "the question when to call back")
    kc.presses(call_id, "#")  # as soon as possible
    wait_for(lambda: call.stage.value == "ended", "KC confirming and hanging up", PROMPT_S)

    def requested() -> list[CallbackRequest]:
        with kc_on_asterisk.uow_factory()() as uow:
            return list(uow.callbacks.active())

    (request,) = wait_for(requested, "the callback request stored")
    assert (request.caller, request.queue_id) == (CALLER, centre.payments)
    kc.command("ready", agent_id=centre.agent)  # free: KC dials the request from her phone
    dialled = wait_for(
        lambda: next((c for c in list(kc.host.engine.calls.values()) if c.call_id.startswith("cb-")), None),
        "the callback dialled",
    )
    wait_for(lambda: dialled.connected, "the caller answering KC's call")  # through KC_ASTERISK_OUTSIDE
    called: Any = kc.ari.request("GET", f"/channels/{kc.pbx_call(dialled.call_id).customer}")
    assert called["name"].startswith(f"Local/{CALLER}@{OUTSIDE_CONTEXT}-"), called["name"]
    kc.command("hang_up", agent_id=centre.agent, call_id=dialled.call_id)
    wait_for(lambda: dialled.stage.value == "ended", "the callback's end")

    names = [e.name for e in journaled(kc_on_asterisk, dialled.call_id)]
    assert in_order(names, ["CallDialled", "CallConnected", "CallEnded"]), names
    row = kc_on_asterisk.journal().interaction(dialled.call_id)
    assert row is not None and (row.direction, row.end_stage) == ("outbound", "completed")
    (recorded,) = wait_for(lambda: recordings_of(kc_on_asterisk, dialled.call_id), "the callback's recording")
    assert recorded.agent_id == centre.agent  # an outbound call is recorded too (REC-01)

    def done() -> CallbackRequest | None:
        with kc_on_asterisk.uow_factory()() as uow:
            stored = uow.callbacks.get(request.id)
        return stored if stored is not None and stored.state == CallbackState.DONE else None

    completed = wait_for(done, "the callback request done")
    assert [a.outcome for a in completed.attempts] == [AttemptOutcome.ANSWERED]
    assert kc.adapter.rejected == []
