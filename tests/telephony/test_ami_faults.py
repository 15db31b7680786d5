"""Frames a real Asterisk will not send on demand, from a small fake AMI server: the client survives."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from kc_adapters.asterisk.ami import AmiClient, AmiConnectionError, AmiEvent


class FakeAmi:
    """Accepts one client, answers its Login, then runs ``script(connection, read_action)``."""

    def __init__(self, script: Callable[[socket.socket, Callable[[], dict[str, str]]], None]) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._script = script
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
            with connection:
                reader = connection.makefile("rb")

                def read_action() -> dict[str, str]:
                    headers: dict[str, str] = {}
                    for line in reader:
                        text = line.decode().rstrip("\r\n")
                        if not text:
                            return headers
                        key, _, value = text.partition(":")
                        headers[key] = value.strip()
                    return headers

                connection.sendall(b"Asterisk Call Manager/11.0.0\r\n")
                login = read_action()
                connection.sendall(f"Response: Success\r\nActionID: {login['ActionID']}\r\n"
                                   "Message: Authentication accepted\r\n\r\n".encode())
                self._script(connection, read_action)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def close(self) -> None:
        self._listener.close()
        self._thread.join(timeout=5)


@pytest.fixture
def fake_ami() -> Iterator[Callable[..., FakeAmi]]:
    made: list[FakeAmi] = []

    def make(script: Callable[[socket.socket, Callable[[], dict[str, str]]], None]) -> FakeAmi:
        made.append(FakeAmi(script))
        return made[-1]

    yield make
    for server in made:
        server.close()
        assert server.error is None, server.error


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
