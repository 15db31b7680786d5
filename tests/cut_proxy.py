"""A TCP relay between KC and a service that a test can cut: the network fault between them, without
touching the service. ``cut`` drops every open connection; while ``down`` new ones are refused
(accepted and closed at once, as a firewall or a dead link would end them); ``up`` lets them in."""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.asterisk_peer import free_port


class CutProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.host, self.port = "127.0.0.1", free_port()
        self._listener = socket.create_server((self.host, self.port))
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._down = False
        self._closing = False
        self.accepted = 0  # connections let through, over the proxy's life
        threading.Thread(target=self._accept, name="cut-proxy", daemon=True).start()

    def cut(self, *, stay_down: bool = False) -> None:
        """Every open connection is dropped; with ``stay_down`` new ones are refused until ``up``."""
        with self._lock:
            self._down = self._down or stay_down
            doomed, self._open = self._open, []
        for sock in doomed:
            _drop(sock)

    def up(self) -> None:
        with self._lock:
            self._down = False

    def close(self) -> None:
        self._closing = True
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                down = self._down
            if down:
                _drop(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _drop(client)
                continue
            with self._lock:
                self._open += [client, server]
                self.accepted += 1
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    _drop(sink)


def _drop(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
