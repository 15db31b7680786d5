"""A small fake AMI server for frames a real Asterisk will not send on demand (garbage, cut frames,
unanswered actions). Each connection runs a script of the test's; the socket is real."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

ReadAction = Callable[[], dict[str, str]]
Script = Callable[[socket.socket, ReadAction], None]


class FakeAmi:
    """Accepts clients one after another: answers each one's Login, then runs the next script on it.
    Once the scripts are used up, a client is hung up on before the greeting."""

    def __init__(self, *scripts: Script) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._scripts = list(scripts)
        self.connections = 0
        self.error: BaseException | None = None
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.settimeout(None)
            try:
                with connection:
                    if self._scripts:
                        self._run(connection, self._scripts.pop(0))
            except BaseException as exc:  # reported by the test
                self.error = exc
                return

    def _run(self, connection: socket.socket, script: Script) -> None:
        reader = connection.makefile("rb")

        def read_action() -> dict[str, str]:
            """The next action's headers; {} when the client has gone."""
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
        connection.sendall(
            f"Response: Success\r\nActionID: {login['ActionID']}\r\n"
            "Message: Authentication accepted\r\n\r\n".encode()
        )
        script(connection, read_action)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self._listener.close()


def answer_until_gone(connection: socket.socket, read_action: ReadAction) -> None:
    """Answer every action with success (Ping with Pong, Logoff with Goodbye) until the client goes."""
    while action := read_action():
        name, action_id = action.get("Action", ""), action.get("ActionID", "")
        if name == "Logoff":
            connection.sendall(f"Response: Goodbye\r\nActionID: {action_id}\r\n\r\n".encode())
            return
        extra = "Ping: Pong\r\n" if name == "Ping" else ""
        connection.sendall(f"Response: Success\r\nActionID: {action_id}\r\n{extra}\r\n".encode())
