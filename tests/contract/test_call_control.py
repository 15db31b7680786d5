"""The CallControl contract: what the engine may expect of every PBX adapter.

Each adapter joins through ``make_adapter``, which returns a *harness*: the adapter plus the few
driver hooks a test needs to play the outside world (a call comes in, an agent lifts the phone)
and to observe the PBX's state: the simulated PBX (strict: unknown calls raise; lenient: they are
reported) and the Asterisk adapter on the real test Asterisk (tests/asterisk_harness.py), with the same
assertions for every command.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from kc_adapters.simulated_pbx import COMMANDS, LegState, SimulatedPbx
from kc_domain.routing import pbx_events as pbx
from kc_ports.telephony import CallControl
from tests.asterisk_harness import AsteriskHarness

pytestmark = pytest.mark.req("IN-01", "INT-04")  # INT-04: the same contract on the real Asterisk

AGENT, OTHER_AGENT, SUPERVISOR = 7, 8, 90


class Harness(Protocol):
    unknown_calls: str  # "raise" or "report"

    @property
    def pbx(self) -> CallControl: ...

    def incoming(self) -> str: ...
    def picks_up(self, call_id: str, agent_id: int) -> None: ...
    def problems(self) -> list[str]: ...
    def refusals(self, call_id: str) -> list[tuple[str, str]]: ...
    def held(self, call_id: str) -> bool: ...
    def recording(self, call_id: str) -> bool: ...
    def ended(self, call_id: str) -> bool: ...
    def ringing_at(self, call_id: str) -> int | None: ...
    def monitors(self, call_id: str) -> dict[int, str]: ...


class SimulatedHarness:
    def __init__(self, strict: bool) -> None:
        self.sim = SimulatedPbx(strict=strict)
        self.pbx: CallControl = self.sim  # mypy proves here that SimulatedPbx is a CallControl
        self.unknown_calls = "raise" if strict else "report"
        self._ids = itertools.count(1)
        self.seen: list[pbx.PbxEvent] = []
        self.sim.listen(self.seen.append)

    def incoming(self) -> str:
        call_id = f"sim-{next(self._ids)}"
        self.sim.incoming(call_id, "+420602123456", "800123456")
        return call_id

    def picks_up(self, call_id: str, agent_id: int) -> None:
        assert self.sim.pick_up(call_id, agent_id)

    def problems(self) -> list[str]:
        return [f"{command}{args}: {reason}" for command, args, reason in self.sim.rejected]

    def refusals(self, call_id: str) -> list[tuple[str, str]]:
        refused = [e for e in self.seen if isinstance(e, pbx.CommandRefusedAtPbx) and e.call_id == call_id]
        return [(e.command, e.reason) for e in refused]

    def held(self, call_id: str) -> bool:
        return self.sim.state(call_id).held

    def recording(self, call_id: str) -> bool:
        return self.sim.state(call_id).recording

    def ended(self, call_id: str) -> bool:
        return self.sim.state(call_id).state == LegState.ENDED

    def ringing_at(self, call_id: str) -> int | None:
        call = self.sim.state(call_id)
        return call.agent_id if call.state == LegState.RINGING else None

    def monitors(self, call_id: str) -> dict[int, str]:
        return dict(self.sim.state(call_id).monitors)


SIMULATED = ["simulated", "simulated-lenient"]
ADAPTERS = [*SIMULATED, "asterisk"]


@pytest.fixture
def make_adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], Harness]]:
    """Builds the harness of an adapter by name; the Asterisk one on the session's test Asterisk."""
    made: list[AsteriskHarness] = []

    def make(name: str) -> Harness:
        if name == "asterisk":
            made.append(AsteriskHarness(request.getfixturevalue("asterisk"), tmp_path / f"kc-{len(made)}"))
            return made[-1]
        return SimulatedHarness(strict=name == "simulated")

    yield make
    for harness in made:
        harness.close()


@pytest.fixture(params=ADAPTERS)
def harness(request: pytest.FixtureRequest, make_adapter: Callable[[str], Harness]) -> Harness:
    return make_adapter(str(request.param))


# -- states a command needs, and the command with its arguments ----------------------------------------
def _incoming(h: Harness) -> str:
    return h.incoming()


def _ringing(h: Harness) -> str:
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    return call_id


def _connected(h: Harness) -> str:
    call_id = _ringing(h)
    h.picks_up(call_id, AGENT)
    return call_id


def _consulting(h: Harness) -> str:
    call_id = _connected(h)
    h.pbx.consult(call_id, "2201")
    return call_id


def _recording(h: Harness) -> str:
    call_id = _connected(h)
    h.pbx.start_recording(call_id)
    return call_id


def _monitored(h: Harness) -> str:
    call_id = _connected(h)
    h.pbx.monitor(call_id, SUPERVISOR, "whisper")
    return call_id


SETUP: dict[str, tuple[Callable[[Harness], str], tuple[Any, ...]]] = {
    "answer": (_incoming, ()),
    "play": (_incoming, ("vitejte.wav",)),
    "record_voicemail": (_incoming, ("reklamace",)),
    "ring_agent": (_incoming, (AGENT,)),
    "answer_at_phone": (_ringing, (AGENT,)),
    "route_agent": (lambda h: AGENT, ("+420731000111",)),  # not about a call: the agent's device
    "cancel_ring": (_ringing, (AGENT,)),
    "hold": (_connected, ()),
    "retrieve": (_connected, ()),
    "transfer": (_connected, ("+420800111222",)),
    "consult": (_connected, ("2201",)),
    "complete_transfer": (_consulting, ()),
    "conference": (_consulting, ()),
    "hang_up": (_connected, ("normal",)),
    "originate": (lambda h: "out-1", (AGENT, "+420603987654")),
    "dial_out": (lambda h: "dial-1", ("+420603987655", "+420261100900", 20)),  # a campaign's number
    "start_recording": (_connected, ()),
    "stop_recording": (_recording, ()),
    "monitor": (_connected, (SUPERVISOR, "listen")),
    "stop_monitor": (_monitored, (SUPERVISOR,)),
}


def test_the_contract_covers_every_command_of_the_port():
    declared = {name for name in vars(CallControl) if not name.startswith("_")}
    assert declared == set(COMMANDS) == set(SETUP)


@pytest.mark.parametrize(
    ("adapter", "command"),
    [(a, c) for a in ADAPTERS for c in sorted(SETUP)],
)
def test_every_command_is_accepted_for_a_known_call(
    make_adapter: Callable[[str], Harness], adapter: str, command: str
):
    harness = make_adapter(adapter)
    prepare, args = SETUP[command]
    call_id = prepare(harness)
    getattr(harness.pbx, command)(call_id, *args)
    assert harness.problems() == []


@pytest.mark.parametrize("command", sorted(set(SETUP) - {"originate", "dial_out", "route_agent"}))
def test_a_command_for_an_unknown_call_raises_a_clear_error_or_is_reported(harness: Harness, command: str):
    _prepare, args = SETUP[command]
    if harness.unknown_calls == "raise":
        with pytest.raises(LookupError, match=f"{command}.*'no-such-call'"):
            getattr(harness.pbx, command)("no-such-call", *args)
    else:
        getattr(harness.pbx, command)("no-such-call", *args)
        assert any("no-such-call" in p and "unknown call" in p for p in harness.problems())


def test_hold_and_retrieve_are_reflected_in_the_call_state(harness: Harness):
    call_id = _connected(harness)
    assert not harness.held(call_id)
    harness.pbx.hold(call_id)
    assert harness.held(call_id)
    harness.pbx.retrieve(call_id)
    assert not harness.held(call_id)
    assert harness.problems() == []


def test_recording_toggles_are_reflected_in_the_call_state(harness: Harness):
    call_id = _connected(harness)
    harness.pbx.start_recording(call_id)
    assert harness.recording(call_id)
    harness.pbx.stop_recording(call_id)
    assert not harness.recording(call_id)
    harness.pbx.start_recording(call_id)
    assert harness.recording(call_id)


def test_a_consultation_holds_the_caller_and_a_conference_takes_them_off_hold(harness: Harness):
    call_id = _consulting(harness)
    assert harness.held(call_id)
    harness.pbx.conference(call_id)
    assert not harness.held(call_id)
    assert harness.problems() == []


def test_ringing_moves_from_agent_to_agent_after_a_cancel(harness: Harness):
    call_id = _ringing(harness)
    assert harness.ringing_at(call_id) == AGENT
    harness.pbx.cancel_ring(call_id, AGENT)
    assert harness.ringing_at(call_id) is None
    harness.pbx.ring_agent(call_id, OTHER_AGENT)
    assert harness.ringing_at(call_id) == OTHER_AGENT
    assert harness.problems() == []


def test_an_agent_whose_phone_is_busy_is_not_rung_and_that_is_reported(harness: Harness):
    _connected(harness)
    second = harness.incoming()
    harness.pbx.ring_agent(second, AGENT)
    assert harness.ringing_at(second) is None
    assert any(second in p and "busy" in p for p in harness.problems())


def test_commands_that_need_a_connected_call_are_reported_when_it_only_rings(harness: Harness):
    call_id = _ringing(harness)
    harness.pbx.hold(call_id)
    assert not harness.held(call_id)
    assert any(p.startswith("hold") and "not connected" in p for p in harness.problems())


def test_a_refused_command_is_reported_to_the_listeners_before_it_returns(harness: Harness):
    """INT-04: the engine hears of every refusal (``CommandRefusedAtPbx``), not only the log."""
    call_id = _ringing(harness)
    harness.pbx.hold(call_id)
    harness.pbx.ring_agent(call_id, OTHER_AGENT)
    [(hold, why_not_held), (ring, why_not_rung)] = harness.refusals(call_id)
    assert (hold, ring) == ("hold", "ring_agent")
    assert "not connected" in why_not_held and "ringing" in why_not_rung
    assert len(harness.problems()) == 2  # and kept where they were kept before


def test_hang_up_ends_the_call_and_frees_the_agent(harness: Harness):
    call_id = _connected(harness)
    harness.pbx.hang_up(call_id, "normal")
    assert harness.ended(call_id)
    follow_up = harness.incoming()
    harness.pbx.ring_agent(follow_up, AGENT)
    assert harness.ringing_at(follow_up) == AGENT
    assert harness.problems() == []


def test_races_with_a_caller_who_hung_up_are_harmless(harness: Harness):
    """The engine learns of the caller's hang-up after the PBX: its cancel and hang-up cross it."""
    call_id = _ringing(harness)
    harness.pbx.hang_up(call_id, "caller_abandoned")
    harness.pbx.cancel_ring(call_id, AGENT)
    harness.pbx.hang_up(call_id, "normal")
    assert harness.ended(call_id)
    assert harness.problems() == []


def test_monitor_modes(harness: Harness):
    call_id = _connected(harness)
    for mode in ("listen", "whisper", "barge"):
        harness.pbx.monitor(call_id, SUPERVISOR, mode)
        assert harness.monitors(call_id) == {SUPERVISOR: mode}
    harness.pbx.monitor(call_id, SUPERVISOR, "shout")
    assert harness.monitors(call_id) == {SUPERVISOR: "barge"}
    assert any("shout" in p for p in harness.problems())
    harness.pbx.stop_monitor(call_id, SUPERVISOR)
    assert harness.monitors(call_id) == {}


# -- the simulated PBX's own driver side ------------------------------------------------------------
def test_simulated_pbx_records_commands_and_calls_the_driver_back():
    pbx = SimulatedPbx()
    rung: list[tuple[str, int]] = []
    pbx.on("ring_agent", lambda call_id, agent_id: rung.append((call_id, agent_id)))
    pbx.incoming("c1", "+420602000001", "800")
    pbx.incoming("c2", "+420602000002", "800")
    pbx.ring_agent("c1", AGENT)
    pbx.ring_agent("c2", AGENT)  # the phone is busy: rejected, no callback
    pbx.hang_up("c2", "overflow")
    assert pbx.commands == [
        ("ring_agent", ("c1", AGENT)),
        ("ring_agent", ("c2", AGENT)),
        ("hang_up", ("c2", "overflow")),
    ]
    assert rung == [("c1", AGENT)]
    assert [r[0] for r in pbx.rejected] == ["ring_agent"]


def test_simulated_pbx_refuses_unknown_callback_names_and_duplicate_calls():
    pbx = SimulatedPbx()
    with pytest.raises(ValueError, match="ring"):
        pbx.on("ring", print)
    pbx.incoming("c1")
    with pytest.raises(Exception, match="exists already"):
        pbx.incoming("c1")


def test_simulated_pbx_pick_up_after_the_ring_was_cancelled_is_too_late():
    pbx = SimulatedPbx()
    pbx.incoming("c1")
    pbx.ring_agent("c1", AGENT)
    pbx.cancel_ring("c1", AGENT)
    assert not pbx.pick_up("c1", AGENT)
    assert pbx.end("c1", "caller_abandoned")
    assert not pbx.end("c1")
    assert pbx.active() == []
