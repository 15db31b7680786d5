"""The call flow through the real engine host on the seeded organisation and the simulated PBX: the
demo IVR tree, the general announcement administered on the web, voicemail stored end to end, and
callback requests that survive an engine restart (IN-06, IN-08, IN-09, IN-20)."""

from __future__ import annotations

import array
from datetime import UTC, datetime
from typing import Any

import pytest
from dependency_injector import providers

from apps.cli.serve import start_engine
from apps.seed import MAIN_LINE, seed_ivr
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.speech.audio import telephony_wav
from kc_adapters.system import FixedClock
from kc_adapters.voicemail import FileVoicemailStore
from kc_domain.audit.service import SYSTEM, AuditQuery
from kc_domain.callbacks.model import CallbackState
from kc_domain.routing import events as ev
from kc_domain.voicemail import VoicemailState

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague: the office queues are open
MONDAY_NIGHT = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # 22:00 in Prague: closed
GENERAL_LINE = "+420261105555"  # "Obecná linka": announcements, callback key 1, voicemail key 2


def wav(seconds: float = 3.0) -> bytes:
    return telephony_wav(array.array("h", [4096]) * int(8000 * seconds))


class Line:
    """The engine host on a simulated PBX, fed the PBX's events as a real PBX adapter would."""

    def __init__(self, container: Any, at: datetime) -> None:
        self.clock = FixedClock(at)
        container.clock.override(providers.Object(self.clock))
        self.pbx = SimulatedPbx(strict=False, clock=self.clock)
        self.host = start_engine(container, self.pbx)
        self.pbx.listen(lambda event: self.host.apply(lambda engine: engine.on_pbx(event)))

    def call(self, call_id: str, dialled: str, caller: str = "+420603123456") -> str:
        self.pbx.incoming(call_id, caller, dialled)
        return call_id

    def prompts_done(self, call_id: str) -> None:
        while self.pbx.finish_prompt(call_id):
            pass

    def engine_call(self, call_id: str) -> Any:
        return self.host.engine.calls[call_id]


def queue_ids(container: Any) -> dict[str, int]:
    names = {"Obecná linka": "obecna", "Platby a dlužné pojistné": "platby"}
    names |= {"Zaměstnavatelé": "zamestnavatele", "Poskytovatelé zdravotních služeb": "poskytovatele"}
    return {names[q.name]: q.id for q in container.admin().list("queue") if q.name in names}


@pytest.fixture
def voicemail_dir(container, tmp_path):
    container.voicemail_store.override(providers.Object(FileVoicemailStore(tmp_path / "voicemail")))
    return tmp_path / "voicemail"


@pytest.mark.req("IN-06", "IN-19", "IN-25", "ADM-11")
def test_a_call_to_the_main_line_walks_the_demo_tree_to_the_payments_queue(container):
    ids = queue_ids(container)
    seed_ivr(container.ivr(), ids)
    line = Line(container, MONDAY_10)
    call = line.call("c1", MAIN_LINE)
    assert line.engine_call(call).stage == "ivr"
    assert line.pbx.state(call).answered_by_pbx
    assert line.pbx.state(call).prompts[0].startswith("tts:Dobrý den, dovolali jste se")
    line.prompts_done(call)
    line.pbx.press(call, "1")
    line.prompts_done(call)
    line.pbx.press(call, "7801011229#")  # a valid insurance number (divisible by 11)
    engine_call = line.engine_call(call)
    assert engine_call.queue_id == ids["platby"] and engine_call.tags["tema"] == "platby"
    journal = container.journal()
    names = [type(e).__name__ for e in journal.events_for(call)]
    assert "CallEnteredIvr" in names and "CallLeftIvr" in names and "CallTagged" in names
    left = next(e for e in journal.events_for(call) if isinstance(e, ev.CallLeftIvr))
    assert left.stats["nabidka"]["choices"] == {"1": 1}  # per-node statistics are journaled (REP-09)


@pytest.mark.req("IN-20")
def test_a_general_announcement_switched_on_by_the_administrator_plays_before_the_queue(container):
    container.admin().create(
        SYSTEM,
        "announcement",
        {"name": "Výpadek portálu", "text": "Portál pojištěnce je dnes mimo provoz.", "active": True},
    )
    line = Line(container, MONDAY_10)
    call = line.call("c2", GENERAL_LINE)
    assert line.pbx.state(call).prompts == ["tts:Portál pojištěnce je dnes mimo provoz."]
    assert line.engine_call(call).stage == "arrived"  # queued once the announcement has played
    line.prompts_done(call)
    assert line.engine_call(call).stage == "queued"


@pytest.mark.req("IN-08", "IN-18")
def test_a_message_left_when_the_queue_is_closed_reaches_the_voicemail_list(container, voicemail_dir):
    line = Line(container, MONDAY_NIGHT)
    call = line.call("c3", GENERAL_LINE, caller="+420777888999")
    line.prompts_done(call)  # "leave a message after the tone"
    assert line.pbx.state(call).voicemail_box == "obecna"
    reference = line.pbx.leave_message(call, wav(3.0), 3.0)
    line.pbx.end(call)
    assert reference
    (message,) = container.voicemail().list()
    assert (message.caller, message.box, message.state) == ("+420777888999", "obecna", VoicemailState.NEW)
    assert message.queue_id == queue_ids(container)["obecna"] and round(message.duration_s) == 3
    assert container.voicemail_store().load(message.audio_name) == wav(3.0)
    assert container.journal().interaction(call).end_stage == "voicemail"
    record = container.audit().search(container.uow_factory(), AuditQuery(action="voicemail.receive"), 1)[0]
    assert record.object_id == "+420777888999"


@pytest.mark.req("IN-08")
def test_a_recording_that_is_not_audio_is_refused_and_the_engine_goes_on(container, voicemail_dir):
    line = Line(container, MONDAY_NIGHT)
    call = line.call("c4", GENERAL_LINE)
    line.prompts_done(call)
    line.pbx.leave_message(call, b"not a wav", 1.0)
    assert container.voicemail().list() == []
    refused = container.audit().search(container.uow_factory(), AuditQuery(action="voicemail.receive"), 1)[0]
    assert refused.outcome == "rejected"
    assert line.host.engine.calls[call].stage == "ended"


@pytest.mark.req("IN-09", "IN-26", "AG-17")
def test_a_callback_pressed_in_the_queue_is_stored_and_survives_an_engine_restart(container):
    line = Line(container, MONDAY_10)
    call = line.call("c5", GENERAL_LINE, caller="+420602000333")
    line.pbx.press(call, "1")  # nobody is signed in: waiting, the callback key is offered
    line.pbx.press(call, "#")
    with container.uow_factory()() as uow:
        (stored,) = uow.callbacks.active()
    assert (stored.caller, stored.state, stored.source.value) == (
        "+420602000333",
        CallbackState.OPEN,
        "queue_dtmf",
    )
    restarted = Line(container, MONDAY_10)
    assert [r.caller for r in restarted.host.engine.callbacks.open_list()] == ["+420602000333"]


@pytest.mark.req("IN-09", "AG-17")
def test_commands_with_reply_to_are_answered_on_the_bus(container):
    line = Line(container, MONDAY_10)
    replies: list[dict[str, Any]] = []
    line.host._bus.subscribe("kc.reply.test", replies.append)
    queue = queue_ids(container)["obecna"]
    message = {
        "command": "callback_request",
        "caller": "+420602000444",
        "queue_id": queue,
        "note": "",
        "reply_to": "kc.reply.test",
    }
    line.host.command(message | {"preferred_at": "2026-11-23T14:00:00+00:00"})
    line.host.command(message | {"preferred_at": "2026-11-23T14:00:00"})  # no offset: refused
    line.host.command(
        {"command": "callback_dial", "callback_id": "nope", "agent_id": 1, "reply_to": "kc.reply.test"}
    )
    assert replies[0]["ok"] and isinstance(replies[0]["result"], str)
    assert not replies[1]["ok"] and replies[1]["errors"][0]["field"] == "preferred_at"  # named
    assert not replies[2]["ok"]
    with container.uow_factory()() as uow:
        (stored,) = uow.callbacks.active()
    assert stored.preferred_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
