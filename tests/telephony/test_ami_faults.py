"""Frames a real Asterisk will not send on demand, from a small fake AMI server: the client survives."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

from kc_adapters.asterisk.ami import AmiClient, AmiConnectionError, AmiEvent


def test_garbage_stray_responses_and_odd_headers_do_not_break_the_client(fake_ami) -> None:
    def script(connection: socket.socket, read_action: Callable[[], dict[str, str]]) -> None:
        ping = read_action()
        connection.sendall(
            b"this line is no header at all\r\n\r\n"  # a frame pyst2 takes for a response
            b"Response: Success\r\nActionID: somebody-else-7\r\n\r\n"  # a stray response
            b"Event: Weird\r\nChanVariable: A=1\r\nChanVariable: B=2\r\n\xff\xfeBinary: \xc3\r\n\r\n"
            b"Event: NoColonFollows\r\nbroken line\r\n\r\n"
            b"Event: Fine\r\nUniqueid: 1.1\r\n\r\n"
        )
        pong = f"Response: Success\r\nActionID: {ping['ActionID']}\r\nPing: Pong\r\n\r\n"
        connection.sendall(pong.encode())
        read_action()  # Logoff
        connection.sendall(b"Response: Goodbye\r\n\r\n")

    server = fake_ami(script)
    received: list[AmiEvent] = []
    fine = threading.Event()
    client = AmiClient("127.0.0.1", server.port, "kc", "secret", timeout_s=5.0)

    def subscriber(event: AmiEvent) -> None:
        received.append(event)
        if event.name == "Fine":
            fine.set()

    client.subscribe(lambda event: 1 / 0)  # a failing subscriber does not stop the others
    client.subscribe(subscriber)
    client.connect()
    assert client.action("Ping").get("Ping") == "Pong"
    assert fine.wait(5)
    weird = next(e for e in received if e.name == "Weird")
    assert weird.get("ChanVariable") == "A=1\nB=2"
    assert [e.name for e in received] == ["Weird", "NoColonFollows", "Fine"]
    client.close()


def test_a_frame_cut_off_by_a_closed_connection_is_reported_as_a_drop(fake_ami) -> None:
    def script(connection: socket.socket, read_action: Callable[[], dict[str, str]]) -> None:
        read_action()  # the Ping that is never answered
        connection.sendall(b"Response: Succ")
        connection.shutdown(socket.SHUT_RDWR)

    server = fake_ami(script)
    dropped = threading.Event()
    client = AmiClient("127.0.0.1", server.port, "kc", "secret", timeout_s=5.0, on_disconnect=dropped.set)
    client.connect()
    with pytest.raises(AmiConnectionError, match="lost"):
        client.action("Ping")
    assert dropped.wait(5) and not client.connected
    client.close()
