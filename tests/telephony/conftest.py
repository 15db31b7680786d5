"""The telephony tier: KC against a real Asterisk 22 (built once per machine, see docs/asterisk.md).

Nothing here skips: when the build is missing or Asterisk does not start, the tests fail with the
reason. The session's Asterisk (``asterisk``) is in tests/conftest.py, for tests/contract too.
Tests that stop or break Asterisk start an instance of their own (``own_asterisk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from apps.container import Container
from kc_adapters.asterisk.ami import AmiClient
from tests.asterisk_engine import KcOnAsterisk
from tests.asterisk_harness import ObservedAri
from tests.asterisk_peer import AsteriskPeer, kc_settings
from tests.conftest import make_container, started_asterisk
from tests.fake_ami import FakeAmi, Script


@pytest.fixture
def own_asterisk(tmp_path: Path) -> Iterator[AsteriskPeer]:
    """An Asterisk of the test's own, for tests that stop or break it."""
    peer = started_asterisk(tmp_path / "asterisk")
    yield peer
    peer.stop()


@pytest.fixture
def ami_factory(asterisk: AsteriskPeer) -> Iterator[Callable[..., AmiClient]]:
    """Clients to the session Asterisk (not yet connected), all closed after the test."""
    made: list[AmiClient] = []

    def make(**overrides: object) -> AmiClient:
        settings: dict[str, object] = {
            "host": asterisk.host,
            "port": asterisk.port,
            "username": asterisk.username,
            "secret": asterisk.secret,
            "timeout_s": 5.0,
        }
        client = AmiClient(**{**settings, **overrides})  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def ami(ami_factory: Callable[..., AmiClient]) -> AmiClient:
    client = ami_factory()
    client.connect()
    return client


@pytest.fixture
def fake_ami() -> Iterator[Callable[..., FakeAmi]]:
    """Fake AMI servers (tests/fake_ami.py), one script per connection; closed after the test, which
    fails if a script failed."""
    made: list[FakeAmi] = []

    def make(*scripts: Script) -> FakeAmi:
        made.append(FakeAmi(*scripts))
        return made[-1]

    yield make
    for server in made:
        server.close()
        assert server.error is None, server.error


@pytest.fixture
def kc_on_asterisk(
    asterisk: AsteriskPeer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    """KC's services (a fresh database) with the settings of ``kc engine`` on the session Asterisk."""
    monkeypatch.chdir(tmp_path)  # var/: the engine's write-ahead file, the speech cache, voicemail
    container = make_container(f"sqlite:///{tmp_path / 'kc.sqlite3'}", **kc_settings(asterisk, tmp_path))
    yield container
    container.database().dispose()


@pytest.fixture
def kc_engine(
    kc_on_asterisk: Container, asterisk: AsteriskPeer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], KcOnAsterisk]]:
    """Starts ``kc engine`` on the session Asterisk (once the test administered what it needs: the
    engine reads the configuration as it starts), with the world around it; stopped after the test.
    Its ARI client is observed (``ObservedAri``), so the test can wait on what Asterisk reports."""
    monkeypatch.setattr("apps.engine.telephony.AriClient", ObservedAri)
    started: list[KcOnAsterisk] = []

    def start() -> KcOnAsterisk:
        started.append(KcOnAsterisk(kc_on_asterisk, asterisk, tmp_path / "world"))
        return started[-1]

    yield start
    for kc in started:
        kc.close()
