"""Presence of phones and lines (AG-12) through AMI: ``DevicePresence`` against the real Asterisk
(custom device states set over AMI, a restart of Asterisk) and against a fake AMI server for the
frames a real one will not send on demand (malformed, unknown, duplicate, cut off, a Ping unanswered).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime

import pytest

from kc_adapters.asterisk.ami import AmiClient
from kc_adapters.asterisk.presence import AmiSettings, DevicePresence, kc_line
from kc_adapters.system import FixedClock
from kc_domain.routing import pbx_events as pbx
from tests.asterisk_peer import AsteriskPeer, free_port
from tests.fake_ami import FakeAmi, ReadAction, answer_until_gone
from tests.faults.harness import wait_until

pytestmark = pytest.mark.req("AG-12", "INT-04")

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LOGGER = "kc_adapters.asterisk.presence"


class Heard:
    """The listener: what it was told, in order; waits until it was told enough."""

    def __init__(self) -> None:
        self.events: list[pbx.PbxEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: pbx.PbxEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def told(self) -> list[tuple[str, str]]:
        with self._changed:
            return [(e.device, e.state) for e in self.events if isinstance(e, pbx.DeviceStateChanged)]

    def wait_for(self, *expected: tuple[str, str], timeout_s: float = 10.0) -> None:
        """Until ``expected`` has been told, in this order (other lines' reports may come between)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                told = iter(self.told())
                if all(item in told for item in expected):  # a subsequence, in order
                    return
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"not told {expected}, only {self.told()}"
                self._changed.wait(remaining)


@pytest.fixture
def watchers() -> Iterator[Callable[..., tuple[DevicePresence, Heard]]]:
    """Started watchers with a listener each, closed after the test."""
    made: list[DevicePresence] = []

    def make(ami: Callable[..., AmiClient], **options: object) -> tuple[DevicePresence, Heard]:
        heard = Heard()
        presence = DevicePresence(ami, heard, FixedClock(AT), **options)  # type: ignore[arg-type]
        made.append(presence)
        presence.start()
        return presence, heard

    yield make
    for presence in made:
        presence.close()


def settings(peer: AsteriskPeer) -> AmiSettings:
    return AmiSettings(peer.host, peer.port, peer.username, peer.secret, timeout_s=5.0)


def set_state(ami: AmiClient, device: str, state: str) -> None:
    ami.action("Setvar", Variable=f"DEVICE_STATE({device})", Value=state)


# -- against the real Asterisk ---------------------------------------------------------------------


def test_a_line_going_busy_and_free_is_reported_in_order_and_once_per_state(
    asterisk: AsteriskPeer, ami: AmiClient, watchers: Callable[..., tuple[DevicePresence, Heard]]
) -> None:
    presence, heard = watchers(settings(asterisk), devices={"2410"})
    wait_until(lambda: presence.connected, 10, "the watcher to connect")

    set_state(ami, "Custom:2410", "NOT_INUSE")
    ami.action("Command", Command="devstate change Custom:2410 RINGING")  # the CLI's way, as an admin would
    set_state(ami, "Custom:2410", "INUSE")
    set_state(ami, "Custom:2410", "ONHOLD")  # still busy for KC: not told again
    set_state(ami, "Custom:2410", "NOT_INUSE")
    heard.wait_for(("2410", "free"), ("2410", "ringing"), ("2410", "busy"), ("2410", "free"))

    assert heard.told() == [("2410", "free"), ("2410", "ringing"), ("2410", "busy"), ("2410", "free")]
    assert {(e.at, e.call_id) for e in heard.events} == {(AT, "")}
    assert presence.states() == {"2410": "free"}


def test_the_states_at_connect_are_reported_from_asterisks_list(
    asterisk: AsteriskPeer, ami: AmiClient, watchers: Callable[..., tuple[DevicePresence, Heard]]
) -> None:
    set_state(ami, "Custom:2420", "INUSE")
    set_state(ami, "Custom:2421", "UNAVAILABLE")
    set_state(ami, "Custom:2422", "NOT_INUSE")

    presence, heard = watchers(settings(asterisk), devices={"2420", "2421", "2422"})
    wait_until(lambda: presence.connected, 10, "the watcher to connect")

    # the list was taken before `connected` turned true: everything is told by then, and only once
    assert sorted(heard.told()) == [("2420", "busy"), ("2421", "offline"), ("2422", "free")]


def test_local_channels_and_lines_not_watched_are_not_reported(
    asterisk: AsteriskPeer, ami: AmiClient, watchers: Callable[..., tuple[DevicePresence, Heard]]
) -> None:
    everything, heard_all = watchers(settings(asterisk))
    some, heard_some = watchers(settings(asterisk), devices={"2425"})
    wait_until(lambda: everything.connected and some.connected, 10, "the watchers to connect")

    local_state = threading.Event()
    ami.subscribe(lambda e: e.get("Device").startswith("Local/100@") and local_state.set())
    ami.action("Originate", Channel=f"Local/100@{asterisk.context}", Application="Wait", Data="1",
               Async="true")  # fmt: skip
    assert local_state.wait(10), "Asterisk reported no state of the Local channel's device"
    set_state(ami, "Custom:2424", "INUSE")
    set_state(ami, "Custom:2425", "INUSE")
    heard_all.wait_for(("2424", "busy"), ("2425", "busy"))
    heard_some.wait_for(("2425", "busy"))

    assert not [line for line, _ in heard_all.told() if line.startswith("100")]  # Local/100@... is no phone
    assert heard_some.told() == [("2425", "busy")]


def test_a_restart_of_asterisk_is_seen_and_only_what_changed_meanwhile_is_reported(
    own_asterisk: AsteriskPeer, watchers: Callable[..., tuple[DevicePresence, Heard]]
) -> None:
    lines = {"2430", "2431", "2432"}
    presence, heard = watchers(settings(own_asterisk), devices=lines, retry_s=0.2, retry_max_s=1.0)
    with AmiClient(own_asterisk.host, own_asterisk.port, own_asterisk.username, own_asterisk.secret) as ami:
        set_state(ami, "Custom:2430", "INUSE")
        set_state(ami, "Custom:2431", "NOT_INUSE")
    heard.wait_for(("2430", "busy"), ("2431", "free"))
    assert presence.connected

    own_asterisk.stop()
    wait_until(lambda: not presence.connected, 10, "the watcher to see Asterisk gone")
    # While Asterisk is down its custom device states change in its database, which it restores when
    # it starts: 2431 became busy and 2432 rings; 2430 stays busy.
    with closing(sqlite3.connect(own_asterisk.directory / "db" / "astdb.sqlite3")) as db, db:
        db.executemany(
            "INSERT OR REPLACE INTO astdb (key, value) VALUES (?, ?)",
            [("/CustomDevstate/2431", "INUSE"), ("/CustomDevstate/2432", "RINGING")],
        )
    assert heard.told() == [("2430", "busy"), ("2431", "free")]  # nothing invented while it was down

    own_asterisk.start()  # the same ports
    wait_until(lambda: presence.connected, 30, "the watcher to reconnect")
    heard.wait_for(("2431", "busy"), ("2432", "ringing"))
    assert sorted(heard.told()[2:]) == [("2431", "busy"), ("2432", "ringing")]  # 2430 not told again

    with AmiClient(own_asterisk.host, own_asterisk.port, own_asterisk.username, own_asterisk.secret) as ami:
        set_state(ami, "Custom:2430", "NOT_INUSE")
    heard.wait_for(("2430", "free"))  # live events flow again after the reconnect
    assert presence.states() == {"2430": "free", "2431": "busy", "2432": "ringing"}


# -- against a fake AMI server ---------------------------------------------------------------------


def device_list(connection: socket.socket, read_action: ReadAction, *items: str) -> None:
    """Answer the watcher's DeviceStateList with ``items`` (each a frame's headers, no ActionID)."""
    action = read_action()
    assert action["Action"] == "DeviceStateList", action
    action_id = action["ActionID"]
    frames = [f"Response: Success\r\nActionID: {action_id}\r\nEventList: start\r\n"
              "Message: Device State Changes will follow\r\n\r\n"]  # fmt: skip
    frames += [f"Event: DeviceStateChange\r\nActionID: {action_id}\r\n{item}\r\n" for item in items]
    frames.append(f"Event: DeviceStateListComplete\r\nActionID: {action_id}\r\nEventList: Complete\r\n"
                  f"ListItems: {len(items)}\r\n\r\n")  # fmt: skip
    connection.sendall("".join(frames).encode())


def change(device: str, state: str) -> str:
    return f"Device: {device}\r\nState: {state}\r\n"


def event(headers: str) -> bytes:
    return f"Event: DeviceStateChange\r\nPrivilege: call,all\r\n{headers}\r\n".encode()


def fake(server: FakeAmi, timeout_s: float = 1.0) -> Callable[..., AmiClient]:
    def make(on_disconnect: Callable[[], None]) -> AmiClient:
        return AmiClient("127.0.0.1", server.port, "kc", "secret", timeout_s, on_disconnect)

    return make


def test_malformed_unknown_duplicate_and_cut_off_events_are_ignored_with_a_reason(
    fake_ami: Callable[..., FakeAmi],
    watchers: Callable[..., tuple[DevicePresence, Heard]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    cut = threading.Event()

    def first(connection: socket.socket, read_action: ReadAction) -> None:
        device_list(
            connection, read_action,
            change("Custom:2440", "NOT_INUSE"),
            "Device: Custom:2441\r\n",  # no state
            change("PJSIP/2442", "WEIRD"),  # no state of Asterisk's
            change("Local/2440@kc-test", "INUSE"),  # a dialplan path, nobody's phone
            change("Queue:support_avail", "NOT_INUSE"),  # no technology/name
            change("PJSIP/", "INUSE"),  # no name
            change("PJSIP/2442", "INUSE"),
        )  # fmt: skip
        connection.sendall(
            event(change("Custom:2440", "NOT_INUSE"))  # a duplicate
            + event(change("Custom:2440", "UNKNOWN"))  # Asterisk does not know: the line stays free
            + b"this line is no header at all\r\n\r\n"
            + event("Device: Custom:2440\r\n")  # cut short: no state
            + event(change("SIP/2440", "RINGING"))  # the line's second device rings: the line rings
            + event(change("SIP/2440", "NOT_INUSE"))
            + event(change("Custom:2449", "NOT_INUSE"))
        )
        cut.wait(10)
        connection.sendall(b"Event: DeviceStateChange\r\nDevice: Custom:2442\r\nSta")  # and the line dies

    def second(connection: socket.socket, read_action: ReadAction) -> None:
        device_list(
            connection, read_action,
            change("Custom:2440", "NOT_INUSE"),  # as it was: not told again
            change("PJSIP/2442", "UNAVAILABLE"),  # changed while the connection was down
        )  # fmt: skip
        answer_until_gone(connection, read_action)

    server = fake_ami(first, second)
    presence, heard = watchers(fake(server), retry_s=0.05, retry_max_s=0.05)
    heard.wait_for(("2449", "free"))
    assert heard.told() == [
        ("2440", "free"), ("2442", "busy"), ("2440", "ringing"), ("2440", "free"), ("2449", "free"),
    ]  # fmt: skip
    reasons = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    for reason in (
        "AMI DeviceStateChange ignored: no device or no state ('Custom:2441', '')",
        "AMI device PJSIP/2442 ignored: unknown state 'WEIRD'",
        "AMI device Local/2440@kc-test ignored: Local is not a phone",
        "AMI device Queue:support_avail ignored: not a phone or line (no technology)",
        "AMI device PJSIP/ ignored: no usable line name in 'PJSIP/'",
        "AMI device Custom:2440 ignored: Asterisk does not know its state (UNKNOWN)",
        "AMI DeviceStateChange ignored: no device or no state ('Custom:2440', '')",
    ):
        assert reason in reasons

    cut.set()
    wait_until(lambda: server.connections == 2 and presence.connected, 10, "the watcher to reconnect")
    heard.wait_for(("2442", "offline"))
    assert heard.told()[5:] == [("2442", "offline")]
    assert presence.states() == {"2440": "free", "2442": "offline", "2449": "free"}


def test_an_unanswered_ping_counts_as_a_lost_connection(
    fake_ami: Callable[..., FakeAmi],
    watchers: Callable[..., tuple[DevicePresence, Heard]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def silent(connection: socket.socket, read_action: ReadAction) -> None:
        device_list(connection, read_action, change("Custom:2450", "INUSE"))
        assert read_action()["Action"] == "Ping"  # never answered
        while read_action():  # until the client gives up on us
            pass

    server = fake_ami(silent)  # later connections are hung up on before the greeting
    presence, heard = watchers(fake(server, 0.5), ping_s=0.05, retry_s=0.05, retry_max_s=0.05)
    heard.wait_for(("2450", "busy"))
    wait_until(lambda: "did not answer a Ping" in caplog.text, 10, "the Ping to go unanswered")
    wait_until(lambda: not presence.connected, 10, "the watcher to give the connection up")
    assert heard.told() == [("2450", "busy")]  # the line keeps what it was last told


def test_close_ends_the_backoff_while_asterisk_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    nobody = AmiSettings("127.0.0.1", free_port(), "kc", "secret", timeout_s=1.0)
    presence = DevicePresence(nobody, Heard(), FixedClock(AT), retry_s=0.1, retry_max_s=0.4)
    presence.start()

    def attempts() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "no device states from" in r.getMessage()]

    wait_until(lambda: len(attempts()) >= 5, 10, "five attempts to connect")
    tried = attempts()[:5]
    waits = [r.getMessage().rsplit(" in ", 1)[1] for r in tried]
    assert waits == ["0.1 s", "0.2 s", "0.4 s", "0.4 s", "0.4 s"]  # doubling up to the cap
    assert [r.levelname for r in tried[:2]] == ["WARNING", "DEBUG"]  # only the first of a streak warns
    assert not presence.connected

    closer = threading.Thread(target=presence.close)
    closer.start()
    closer.join(timeout=10)
    assert not closer.is_alive()


def test_a_failing_listener_is_logged_and_the_watcher_goes_on(
    fake_ami: Callable[..., FakeAmi], caplog: pytest.LogCaptureFixture
) -> None:
    def script(connection: socket.socket, read_action: ReadAction) -> None:
        device_list(connection, read_action, change("Custom:2460", "INUSE"))
        connection.sendall(event(change("Custom:2460", "NOT_INUSE")))
        answer_until_gone(connection, read_action)

    heard = Heard()

    def listener(event: pbx.PbxEvent) -> None:
        heard(event)
        if len(heard.events) == 1:
            raise RuntimeError("the inbox is full")

    presence = DevicePresence(fake(fake_ami(script)), listener, FixedClock(AT))
    presence.start()
    try:
        heard.wait_for(("2460", "busy"), ("2460", "free"))
        assert "the listener failed on line 2460 (busy)" in caplog.text
        assert presence.connected
    finally:
        presence.close()


@pytest.mark.parametrize(
    ("device", "line"),
    [("PJSIP/2410", "2410"), ("SIP/2410", "2410"), ("IAX2/2410", "2410"), ("Custom:2410", "2410"),
     ("Custom:linka-1", "linka-1"), ("Local/2410@ctx", ""), ("Queue:q_avail", ""), ("DAHDI/1", ""),
     ("PJSIP/a b", ""), ("", "")],
)  # fmt: skip
def test_asterisk_device_names_as_kc_lines(device: str, line: str) -> None:
    assert kc_line(device)[0] == line
