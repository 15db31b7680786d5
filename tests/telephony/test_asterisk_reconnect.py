"""Faults between KC and Asterisk (issue 19): the ARI events socket cut by the network, Asterisk
restarting, KC restarting while calls are up at Asterisk. KC opens the socket again with backoff,
catches up with what happened meanwhile (``kc_adapters/asterisk/resync.py``) and never loses, nor
counts twice, a call that is up at Asterisk."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.cli.serve import start_engine, stop_telephony
from apps.container import Container
from apps.engine.health import judge
from kc_adapters.asterisk.ami import AmiClient
from kc_adapters.asterisk.ari import AriClient, AriError
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing import pbx_events as pbx
from tests.asterisk_harness import DIALLED, WAIT_S, AsteriskHarness
from tests.asterisk_peer import ANSWERING_CONTEXT, APP, IN_CONTEXT, AsteriskPeer, kc_settings
from tests.conftest import make_container
from tests.cut_proxy import CutProxy

pytestmark = pytest.mark.req("INT-04")


def wait_until(condition: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.05)


@pytest.fixture
def proxy(asterisk: AsteriskPeer) -> Iterator[CutProxy]:
    relay = CutProxy(asterisk.host, asterisk.http_port)
    yield relay
    relay.close()


@pytest.fixture
def harnesses(asterisk: AsteriskPeer, tmp_path: Path) -> Iterator[Callable[..., AsteriskHarness]]:
    made: list[AsteriskHarness] = []

    def make(peer: AsteriskPeer | None = None, **options: Any) -> AsteriskHarness:
        made.append(AsteriskHarness(peer or asterisk, tmp_path / f"kc-{len(made)}", **options))
        return made[-1]

    yield make
    for harness in reversed(made):
        harness.close()


def direct(peer: AsteriskPeer) -> AriClient:
    """ARI as the test sees it, not through the relay KC uses."""
    return AriClient(peer.host, peer.http_port, peer.username, peer.secret, app=APP)


def gone(ari: AriClient, path: str) -> bool:
    try:
        ari.request("GET", path)
    except AriError as exc:
        return exc.status == 404
    return False


def count(h: AsteriskHarness, kind: type[pbx.PbxEvent], call_id: str) -> int:
    return sum(isinstance(e, kind) and e.call_id == call_id for e in h.seen)


def test_a_cut_socket_is_opened_again_and_what_happened_meanwhile_is_caught_up(
    asterisk: AsteriskPeer, proxy: CutProxy, harnesses: Callable[..., AsteriskHarness]
):
    h = harnesses(ari_port=proxy.port)
    ari = direct(asterisk)
    talking = h.incoming()  # agent 7 talks with this caller
    h.pbx.ring_agent(talking, 7)
    h.picks_up(talking, 7)
    bridge, agent_leg = h.state(talking).bridge, h.state(talking).agent_leg
    ringing = h.incoming()  # agent 8's phone rings for this one
    h.pbx.ring_agent(ringing, 8)
    h.wait_for(pbx.PhoneRinging, ringing)
    greeted = h.incoming()  # this one hears the welcome
    h.pbx.answer(greeted)
    h.pbx.play(greeted, "file:vitejte")
    playback = h.state(greeted).playbacks[0]
    caller_half = h.channel_name(talking).removesuffix(";2") + ";1"

    proxy.cut(stay_down=True)  # the network between KC and Asterisk fails
    wait_until(lambda: not h.ari.connected, "KC to notice the lost socket")
    h.ami.action("Hangup", Channel=caller_half)  # meanwhile the talking caller hangs up
    wait_until(lambda: gone(ari, f"/playbacks/{playback}"), "the welcome to finish at Asterisk")
    wait_until(lambda: gone(ari, f"/channels/{talking}"), "the caller's channel to go")
    assert h.adapter.call(talking) is not None and not h.ended(talking)  # KC could not hear it yet
    h.ami.action("Originate", Channel=f"Local/{DIALLED}@{IN_CONTEXT}", CallerID="+420777000111",
                 Application="Wait", Data="60", Async="true")  # fmt: skip
    arriving = f"Local/{DIALLED}@{IN_CONTEXT}"  # a new caller cannot enter KC's inactive application:
    wait_until(lambda: any(c.startswith(arriving) for c in h.outside.waiting()), "the caller to try again")

    proxy.up()
    wait_until(lambda: h.ari.connected, "the socket to be opened again")
    assert h.ari.reconnects == 1
    assert h.wait_for(pbx.CallHungUpAtPbx, talking).cause == "normal"
    h.wait_for(pbx.PromptFinished, greeted)
    assert h.wait_for(pbx.CallReachedPbx).caller == "+420777000111"  # the new caller entered at last
    assert h.ended(talking)
    wait_until(lambda: gone(ari, f"/channels/{agent_leg}"), "the agent's leg to be hung up")
    wait_until(lambda: gone(ari, f"/bridges/{bridge}"), "the bridge to be destroyed")

    h.picks_up(ringing, 8)  # events flow again for the calls KC kept: the pick-up is heard
    h.caller_hangs_up(ringing)
    h.wait_for(pbx.CallHungUpAtPbx, ringing)
    for call_id in (talking, ringing):  # nothing reported twice
        assert count(h, pbx.CallHungUpAtPbx, call_id) == 1
    assert count(h, pbx.PromptFinished, greeted) == 1
    assert h.problems() == []


def test_a_phone_answering_while_the_socket_is_down_is_caught_up_once(
    asterisk: AsteriskPeer, proxy: CutProxy, harnesses: Callable[..., AsteriskHarness]
):
    """A leg answering while KC's application is inactive cannot enter it; Asterisk hangs it up.
    KC, back, finds the phone gone: the caller waits on, for the engine to ring again."""
    h = harnesses(ari_port=proxy.port)
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, 7)
    h.wait_for(pbx.PhoneRinging, call_id)
    proxy.cut(stay_down=True)
    wait_until(lambda: not h.ari.connected, "KC to notice the lost socket")
    agent_leg = h.state(call_id).agent_leg
    phone = h.state(call_id).agent_leg_name.removesuffix(";1") + ";2"
    h.ami.action("Redirect", Channel=phone, Context="kc-test-phones", Exten="answer", Priority="1")
    ari = direct(asterisk)
    wait_until(lambda: gone(ari, f"/channels/{agent_leg}"), "Asterisk to drop the leg it cannot hand to KC")
    proxy.up()
    wait_until(lambda: h.ari.connected, "the socket to be opened again")
    wait_until(lambda: h.state(call_id).agent_leg == "", "KC to find the phone gone")
    assert not h.ended(call_id) and h.ringing_at(call_id) is None  # the caller still waits
    h.pbx.ring_agent(call_id, 8)  # and can be offered again
    h.picks_up(call_id, 8)
    assert count(h, pbx.PhonePickedUp, call_id) == 1


def test_asterisk_restarting_shows_offline_then_kc_connects_again(
    own_asterisk: AsteriskPeer, harnesses: Callable[..., AsteriskHarness]
):
    h = harnesses(own_asterisk)
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, 7)
    h.picks_up(call_id, 7)
    own_asterisk.stop()
    wait_until(lambda: not h.ari.connected, "KC to notice Asterisk gone")
    own_asterisk.start()  # the same ports again
    wait_until(lambda: h.ari.connected, "KC to connect to the new Asterisk", timeout_s=30)
    h.wait_for(pbx.CallHungUpAtPbx, call_id)  # its calls died with it (heard as it stopped, or caught up)
    assert h.ended(call_id) and count(h, pbx.CallHungUpAtPbx, call_id) == 1
    h.reconnect_ami()
    follow_up = h.incoming()  # and new calls reach KC
    h.pbx.ring_agent(follow_up, 7)  # agent 7's phone is free again
    h.picks_up(follow_up, 7)
    assert h.problems() == []


def test_a_new_run_takes_over_what_the_earlier_one_left_at_asterisk(
    asterisk: AsteriskPeer, harnesses: Callable[..., AsteriskHarness]
):
    """KC stops (killed: nothing hung up) while agent 7 talks and a caller waits; the next run keeps
    the talking pair talking, hangs both up together, and offers the waiting caller again."""
    first = harnesses()
    talking = first.incoming()
    first.pbx.ring_agent(talking, 7)
    first.picks_up(talking, 7)
    bridge = first.state(talking).bridge
    waiting = first.incoming()
    first.pbx.answer(waiting)
    first.ari.request("POST", f"/channels/{waiting}/moh")  # on music, as in the queue
    first.adapter.close()  # the run dies: its calls stay up at Asterisk

    second = harnesses()
    offered = second.wait_for(pbx.CallReachedPbx)
    assert offered.call_id.startswith(f"{waiting}-again-")
    assert (offered.caller, offered.dialled) == (first.state(waiting).caller, first.state(waiting).dialled)
    second.pbx.ring_agent(offered.call_id, 7)  # agent 7's phone is busy with the call left talking
    assert any("busy" in problem for problem in second.problems()), second.problems()
    second.adapter.rejected.clear()
    second.pbx.ring_agent(offered.call_id, 8)
    second.picks_up(offered.call_id, 8)

    ari = direct(asterisk)
    assert not gone(ari, f"/bridges/{bridge}")  # still talking
    first.caller_hangs_up(talking)
    wait_until(lambda: gone(ari, f"/bridges/{bridge}"), "the left-over bridge to be destroyed")
    wait_until(
        lambda: not [c for c in ari.request("GET", "/channels") if "-agent7-" in c["id"]],
        "agent 7's leg to go",
    )
    second.pbx.ring_agent(second.incoming(), 7)  # and agent 7's phone is free again
    assert second.problems() == []


# -- kc engine ----------------------------------------------------------------------------------------
NUMBER, CALLER = "+420261100999", "+420602123456"


@pytest.fixture
def kc(
    asterisk: AsteriskPeer, proxy: CutProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    """KC administered with a queue and agent 7, whose stand-in phone answers at once; its ARI goes
    through the relay the test can cut."""
    monkeypatch.chdir(tmp_path)  # var/: the engine's write-ahead file and the speech cache
    settings = {**kc_settings(asterisk, tmp_path), "KC_ASTERISK_ARI_PORT": str(proxy.port)}
    container = make_container(f"sqlite:///{tmp_path / 'kc.sqlite3'}", **settings)
    admin = container.admin()
    queue = admin.create(
        SYSTEM, "queue", {"name": "Zkušební linka", "number": NUMBER, "hours": OpeningHours.always_open()}
    )
    values = {
        "username": "novakova",
        "full_name": "Marie Nováková",
        "roles": {Role.AGENT, Role.ADMIN},
        "agent_number": "2101",
        "endpoint": f"Local/agent7@{ANSWERING_CONTEXT}/n",
    }
    agent = admin.create(SYSTEM, "user", values, password="Dlouhe-heslo-2026!")
    admin.create(SYSTEM, "skill", {"user_id": agent.id, "queue_id": queue.id, "level": 5})
    yield container
    container.database().dispose()


class Engine:
    """``kc engine`` on Asterisk, run on a thread until the block ends; when it ends the engine stops
    as a crash would leave it: its calls stay up at Asterisk and open in the journal."""

    def __init__(self, container: Container) -> None:
        self.host = start_engine(container)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.host.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Engine:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        stop_telephony(self.host)  # the connection closed, nothing hung up

    def agent_ready(self) -> int:
        agent_id = next(iter(self.host.engine.agents))
        self.host.apply(lambda engine: (engine.log_in(agent_id), engine.ready(agent_id)))
        return agent_id

    def answered_call(self, ami: AmiClient) -> str:
        ami.action("Originate", Channel=f"Local/{NUMBER}@{IN_CONTEXT}", CallerID=CALLER,
                   Application="Wait", Data="60", Async="true")  # fmt: skip
        calls = self.host.engine.calls
        wait_until(lambda: any(c.stage.value == "answered" for c in list(calls.values())), "an answer")
        return next(c.call_id for c in list(calls.values()) if c.stage.value == "answered")


def caller_half(ami: AmiClient) -> str:
    channels = [e.headers.get("Channel", "") for e in ami.list_action("CoreShowChannels").events]
    return next(c for c in channels if c.startswith(f"Local/{NUMBER}@") and c.endswith(";1"))


@pytest.fixture
def ami(asterisk: AsteriskPeer) -> Iterator[AmiClient]:
    client = AmiClient(asterisk.host, asterisk.port, asterisk.username, asterisk.secret, timeout_s=5.0)
    client.connect()
    yield client
    client.action("Command", Command="channel request hangup all")
    client.close()


def test_kc_engine_shows_a_cut_connection_and_recovers_by_itself(
    kc: Container, proxy: CutProxy, ami: AmiClient
) -> None:
    with Engine(kc) as running:
        host = running.host
        running.agent_ready()
        call_id = running.answered_call(ami)
        assert "pbx" not in host.health.problems
        proxy.cut(stay_down=True)
        wait_until(lambda: "pbx" in host.health.problems, "the lost connection shown")
        state, reasons = judge(host.health.heartbeat(kc.clock().now()), 0.0)
        assert state == "down" and any("PBX" in r for r in reasons), reasons
        ami.action("Hangup", Channel=caller_half(ami))  # the caller hangs up meanwhile
        proxy.up()
        wait_until(lambda: "pbx" not in host.health.problems, "the connection back", timeout_s=20)
        call = host.engine.calls.get(call_id)
        wait_until(lambda: call is None or call.stage.value == "ended", "the call caught up as ended")
        ami.action("Originate", Channel=f"Local/{NUMBER}@{IN_CONTEXT}", CallerID=CALLER,
                   Application="Wait", Data="60", Async="true")  # fmt: skip
        calls = host.engine.calls  # and the next call reaches the engine as before (she is in wrap-up)
        wait_until(lambda: any(c != call_id for c in list(calls)), "the next call")
    journal = kc.journal()
    wait_until(lambda: journal.interaction(call_id) is not None, "the journal")
    names = [e.name for e in journal.events_for(call_id)]
    assert names.count("CallEnded") == 1, names


def test_kc_engine_restarting_closes_the_talking_call_in_the_journal_and_leaves_it_talking(
    kc: Container, ami: AmiClient
) -> None:
    first = Engine(kc)
    with first:
        first.agent_ready()
        call_id = first.answered_call(ami)
    # the first run is gone (stopped as a crash would leave it: nothing hung up at Asterisk)
    assert [
        e for e in ami.list_action("CoreShowChannels").events if f"@{ANSWERING_CONTEXT}" in e.get("Channel")
    ]
    with Engine(kc) as second:
        journal = kc.journal()
        row = journal.interaction(call_id)
        assert row is not None and row.end_stage == "interrupted", row  # closed in the journal, clearly
        assert "pbx" not in second.host.health.problems
        ami.action("Hangup", Channel=caller_half(ami))  # the two talked on; the caller hangs up
        wait_until(
            lambda: not ami.list_action("CoreShowChannels").events, "the agent's leg hung up with the caller"
        )
        assert call_id not in second.host.engine.calls  # and the new run never counted it again


@pytest.mark.req("AG-12")
def test_kc_engine_hears_the_lines_of_asterisk_change_state(kc: Container, ami: AmiClient) -> None:
    with Engine(kc) as running:
        devices = running.host.engine.devices
        ami.action("Command", Command="devstate change Custom:2410 INUSE")
        wait_until(lambda: devices.get("2410") == "busy", "line 2410 busy")
        ami.action("Command", Command="devstate change Custom:2410 NOT_INUSE")
        wait_until(lambda: devices.get("2410") == "free", "line 2410 free again")
        assert not {"pbx", "presence"} & running.host.health.problems.keys()
