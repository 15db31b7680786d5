"""KC's AMI client against a real Asterisk 22: login, actions, list actions, events, refusals, drops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from kc_adapters.asterisk.ami import (
    AmiActionError,
    AmiAuthError,
    AmiClient,
    AmiConnectionError,
    AmiEvent,
)
from tests.asterisk_peer import AsteriskPeer


class Recorder:
    """Collects a client's events; waits until one matches."""

    def __init__(self) -> None:
        self.events: list[AmiEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: AmiEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[AmiEvent], bool], timeout_s: float = 5.0) -> AmiEvent:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = next((e for e in self.events if predicate(e)), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no matching event in {[e.name for e in self.events]}"
                self._changed.wait(remaining)


@pytest.mark.req("INT-04")
def test_login_and_ping(ami_factory: Callable[..., AmiClient]) -> None:
    client = ami_factory()
    login = client.connect()
    assert login.success and login.message == "Authentication accepted"
    assert client.banner.startswith("Asterisk Call Manager/")
    pong = client.action("Ping")
    assert pong.success and pong.get("Ping") == "Pong"
    assert pong.get("ActionID") == pong.action_id and pong.action_id.startswith("kc-")


@pytest.mark.req("INT-04")
def test_a_wrong_secret_is_refused_clearly(ami_factory: Callable[..., AmiClient]) -> None:
    client = ami_factory(secret="not-the-secret")
    with pytest.raises(AmiAuthError, match="Authentication failed") as refused:
        client.connect()
    assert refused.value.response.action == "Login" and not refused.value.response.success
    assert not client.connected


@pytest.mark.req("INT-04")
def test_an_originated_local_channel_is_listed_and_its_events_carry_our_channel_id(
    ami: AmiClient, asterisk: AsteriskPeer
) -> None:
    recorder = Recorder()
    ami.subscribe(recorder)
    channel_id = "kc-test-origin-1"
    queued = ami.action(
        "Originate",
        Channel=f"Local/100@{asterisk.context}",
        Application="Wait",
        Data="30",
        Async="true",
        ChannelId=channel_id,
        CallerID="KC <420100200300>",
    )
    assert queued.success
    recorder.wait_for(lambda e: e.name == "Newchannel" and e.get("Uniqueid") == channel_id)
    recorder.wait_for(lambda e: e.name == "OriginateResponse" and e.get("Response") == "Success")

    listed = ami.list_action("CoreShowChannels")
    ours = [e for e in listed.events if e.get("Linkedid") == channel_id]
    assert {e.name for e in listed.events} == {"CoreShowChannel"}
    assert {e.get("Uniqueid") for e in ours} == {channel_id, f"{channel_id};2"}
    assert {e.get("Channel").rsplit("-", 1)[0] for e in ours} == {f"Local/100@{asterisk.context}"}

    ami.action("Hangup", Channel=next(e.get("Channel") for e in ours if e.get("Uniqueid") == channel_id))
    hangup = recorder.wait_for(lambda e: e.name == "Hangup" and e.get("Uniqueid") == channel_id)
    assert hangup.get("Linkedid") == channel_id and hangup.get("Cause")
    after = ami.list_action("CoreShowChannels")
    assert not [e for e in after.events if e.get("Uniqueid") == channel_id]


@pytest.mark.req("INT-04")
def test_a_refused_action_is_a_typed_error_and_the_client_goes_on(ami: AmiClient) -> None:
    with pytest.raises(AmiActionError, match="No such channel") as refused:
        ami.action("Hangup", Channel="Local/999@nowhere-00000000;1")
    response = refused.value.response
    assert (response.action, response.success, response.message) == ("Hangup", False, "No such channel")
    with pytest.raises(AmiActionError, match="Invalid/unknown command"):
        ami.action("NoSuchAction")
    assert ami.action("Ping").get("Ping") == "Pong"


@pytest.mark.req("INT-04")
def test_twenty_concurrent_actions_each_get_their_own_response(ami: AmiClient) -> None:
    def round_trip(n: int) -> tuple[int, str]:
        ami.action("Setvar", Variable=f"KC_PARALLEL_{n}", Value=f"value-{n}")
        return n, ami.action("Getvar", Variable=f"KC_PARALLEL_{n}").get("Value")

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(round_trip, range(20)))
    assert answers == [(n, f"value-{n}") for n in range(20)]


@pytest.mark.req("INT-04")
def test_device_state_list_and_command_output(ami: AmiClient) -> None:
    ami.action("Setvar", Variable="DEVICE_STATE(Custom:kc-line-1)", Value="INUSE")
    states = ami.list_action("DeviceStateList")
    assert any(e.get("Device") == "Custom:kc-line-1" and e.get("State") == "INUSE" for e in states.events)
    output = ami.action("Command", Command="core show version").get("Output")
    assert output.startswith("Asterisk 22.")


def test_a_dropped_connection_is_reported_and_actions_fail_clearly(own_asterisk: AsteriskPeer) -> None:
    dropped = threading.Event()
    client = AmiClient(
        own_asterisk.host,
        own_asterisk.port,
        own_asterisk.username,
        own_asterisk.secret,
        timeout_s=5.0,
        on_disconnect=dropped.set,
    )
    try:
        client.connect()
        own_asterisk.stop()
        assert dropped.wait(10), "the drop was not reported"
        assert not client.connected
        with pytest.raises(AmiConnectionError):
            client.action("Ping")
    finally:
        client.close()
