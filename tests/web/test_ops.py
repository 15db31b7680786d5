"""Health and readiness endpoints, and the ``kc`` command (operations basics)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import attrs
import pytest
from click.testing import CliRunner
from dependency_injector import providers

from apps.cli import main
from apps.engine.health import HEALTH_CHANNEL, EngineHealth, judge
from apps.settings import Settings, SettingsError
from kc_adapters.redis_bus import RedisBus
from tests.databases import REDIS_URL


def test_healthz_answers_without_sign_in(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


READY = {"database": "ok", "bus": "ok", "engine": "ok", "recordings": "ok"}


def heartbeat(container, *problems: str) -> None:
    """What a working engine host publishes every second, with ``problems`` failing."""
    health = EngineHealth()
    health.stepped()
    for part in problems:
        health.failed(part, ConnectionError(f"{part} away"))
    container.bus().publish(HEALTH_CHANNEL, health.plain(datetime.now(UTC)))


@pytest.mark.req("GEN-03")
def test_readyz_checks_database_bus_and_the_engines_heartbeat(client, container):
    response = client.get("/readyz")
    assert response.status_code == 503  # no engine has been heard of
    assert response.get_json()["checks"] == {**READY, "engine": "down"}
    assert response.get_json()["engine"]["reasons"] == ["no heartbeat from the engine"]
    heartbeat(container)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == READY
    heartbeat(container, "journal")  # calls still routed, the journal waits: ready, and said so
    body = client.get("/readyz").get_json()
    assert body["checks"]["engine"] == "degraded" and body["status"] == "ok"
    assert body["engine"]["reasons"] == ["the journal (database): ConnectionError: journal away"]
    heartbeat(container, "engine")  # the engine's own step fails
    assert client.get("/readyz").status_code == 503

    class DownBus:
        def ping(self) -> None:
            raise ConnectionError("redis down")

    container.bus.override(providers.Object(DownBus()))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["bus"] == "unavailable"


@pytest.mark.req("GEN-03")
def test_an_old_heartbeat_or_a_stalled_step_means_the_engine_is_down():
    health = EngineHealth()
    health.stepped()
    beat = health.heartbeat(datetime.now(UTC))
    assert judge(beat, 0.5) == ("ok", [])
    assert judge(beat, 11.0) == ("down", ["the engine's last heartbeat is 11 s old"])
    stalled = attrs.evolve(beat, step_age_s=12.0)
    assert judge(stalled, 0.5)[0] == "down"  # the loop hangs, the heartbeat goes on


def test_wrong_settings_name_the_variable_and_the_allowed_values():
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"KC_TELEPHONY": "skype", "KC_PASSWORD_MIN_LENGTH": "3", "KC_DATABSE_URL": "x"})
    message = str(error.value)
    assert "KC_TELEPHONY='skype' is not valid; allowed: simulated, asterisk, csta" in message
    assert "KC_PASSWORD_MIN_LENGTH='3' is not valid; allowed: 8..128" in message
    assert "KC_DATABSE_URL is not a KC setting" in message


def test_kc_check_config_stops_on_a_wrong_setting(monkeypatch):
    monkeypatch.setenv("KC_BUS_URL", "kafka://nowhere")
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 2
    assert (
        "KC_BUS_URL='kafka://nowhere' is not valid; allowed: memory:// or redis://HOST:PORT/N"
        in result.output
    )


def test_kc_check_config_reports_a_healthy_setup(monkeypatch, tmp_path):
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    result = CliRunner().invoke(main, ["check-config", "--engine-wait", "0.2"])
    assert result.exit_code == 0, result.output  # no engine yet is no wrong setting
    assert "database: reachable" in result.output and "KC_SECRET_KEY                ***" in result.output
    assert "engine: down" in result.output and "no heartbeat from the engine" in result.output
    assert "the bus is in-process (memory://)" in result.output


@pytest.mark.req("GEN-03")
def test_kc_check_config_says_how_the_engine_is_doing_from_its_heartbeat(monkeypatch, tmp_path):
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KC_BUS_URL", REDIS_URL)
    bus, beating = RedisBus(REDIS_URL), threading.Event()
    health = EngineHealth()
    health.failed("bus", ConnectionError("a moment ago"))
    health.ok("bus")
    health.failed("recordings", OSError(28, "No space left on device"))

    def beat() -> None:
        while not beating.wait(0.05):
            health.stepped()
            bus.publish(HEALTH_CHANNEL, health.plain(datetime.now(UTC)))

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        result = CliRunner().invoke(main, ["check-config", "--engine-wait", "5"])
    finally:
        beating.set()
        thread.join()
        bus.close()
    assert result.exit_code == 0, result.output
    assert "engine: degraded" in result.output
    assert "storing call recordings: OSError: [Errno 28] No space left on device" in result.output


@pytest.mark.req("SEC-03", "ADM-02")
def test_kc_db_upgrade_user_add_and_audit_verify(monkeypatch, tmp_path):
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "user",
            "add",
            "spravce",
            "--name",
            "Správce Systému",
            "--role",
            "admin",
            "--password",
            "Silne-Heslo-2026",
        ],
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(
        main, ["user", "add", "slaby", "--name", "Slabý", "--role", "agent", "--password", "x"]
    )
    assert weak.exit_code == 1 and "password: password_too_short" in weak.output
    assert "spravce" in runner.invoke(main, ["user", "list"]).output
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit log intact" in verified.output
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0


def test_kc_engine_refuses_a_pbx_adapter_that_does_not_exist_yet(monkeypatch, tmp_path):
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_TELEPHONY", "csta")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["engine"])
    assert result.exit_code == 2 and "KC_TELEPHONY=csta" in result.output


def test_every_setting_is_documented_in_readme_and_configuration_docs():
    from pathlib import Path

    from apps.settings import OPTIONS

    root = Path(__file__).resolve().parents[2]
    for document in ("README.md", "docs/configuration.md"):
        text = (root / document).read_text(encoding="utf-8")
        missing = [o.name for o in OPTIONS if f"`{o.name}` | `{o.default or '(empty)'}`" not in text]
        assert missing == [], f"{document} lacks {missing}"


# -- the log cannot be forged through what a client sends (issue 16) ---------------------------------


@pytest.fixture
def log_lines():  # type: ignore[no-untyped-def]
    """The stderr log as `kc web` writes it (format and filter), read back line by line."""
    import io
    import logging

    from apps.web.logs import configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO")
    written = io.StringIO()
    root.handlers[0].setStream(written)  # type: ignore[attr-defined]
    yield lambda: [line for line in written.getvalue().splitlines() if " kc.web " in line]
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.req("SEC-03")
@pytest.mark.parametrize(
    "forged",
    [
        "x user=admin POST /admin/user/1/delete 302 - forged",
        "abc\x1b[2K",
        "a" * 65,
        "ok\tuser=admin",
        "ďábel",
    ],
    ids=["fields", "terminal-escape", "too-long", "tab", "non-ascii"],
)
def test_a_request_id_that_is_not_a_short_safe_token_is_replaced(client, log_lines, forged):
    import re

    response = client.get("/login", headers={"X-Request-Id": forged.encode("utf-8").decode("latin-1")})

    given = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", given)
    (line,) = log_lines()
    assert f"req={given} user=- GET /login 200" in line
    assert "forged" not in line and "\x1b" not in line


def test_a_safe_request_id_is_kept(client, log_lines):
    response = client.get("/login", headers={"X-Request-Id": "lb-7f3a.42_x"})

    assert response.headers["X-Request-Id"] == "lb-7f3a.42_x"
    assert "req=lb-7f3a.42_x user=- GET /login 200" in log_lines()[0]


@pytest.mark.req("SEC-03")
def test_a_path_cannot_break_the_log_line_or_pose_as_fields(client, log_lines):
    client.get("/nothing%0a2026-01-01 00:00:00,000 INFO kc.web req=x user=admin POST /admin/ 302")

    (line,) = log_lines()
    assert "GET /nothing%0A2026-01-01%2000:00:00,000%20INFO%20kc.web%20req=x%20user=admin" in line
    assert line.endswith(" 404")


@pytest.mark.req("REC-02", "GEN-03")
def test_readyz_says_when_recordings_wait_to_be_stored_or_their_disk_is_filling(client, container):
    class Filling:
        def storage(self) -> dict:
            return {"space": "low", "free_bytes": 10, "total_bytes": 100, "threshold_bytes": 50,
                    "waiting": 2, "in_memory": 0}  # fmt: skip

    heartbeat(container)
    container.recordings.override(providers.Object(Filling()))
    body = client.get("/readyz").get_json()
    assert body["checks"]["recordings"] == "degraded" and body["status"] == "ok"  # calls go on
    assert body["recordings"]["waiting"] == 2 and body["recordings"]["space"] == "low"
