"""The wallboard's view of the live state and its kiosk token (WB-01), on a hand-made live view."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from kc_domain.metrics import service_level
from kc_domain.supervision.model import Wallboard, WallboardLayout
from kc_domain.supervision.wallboards import (
    by_token,
    matches,
    new_kiosk_token,
    sl_level,
    token_hash,
    wait_level,
    waiting_level,
    wallboard_view,
)

pytestmark = pytest.mark.req("WB-01")


def _queue(
    queue_id: int, name: str, waiting: int, longest: float, callbacks: int, target: float, **today: Any
) -> dict[str, Any]:
    offered, answered, in_sl = today.get("offered", 0), today.get("answered", 0), today.get("in_sl", 0)
    return {
        "queue_id": queue_id,
        "name": name,
        "waiting": waiting,
        "longest_wait_s": longest,
        "callbacks_waiting": callbacks,
        "sl_threshold_s": 20,
        "sl_target": target,
        "agents": {"ready": 1},
        "today": {
            "offered": offered,
            "answered": answered,
            "answered_in_sl": in_sl,
            "lost": today.get("lost", 0),
            "overflowed": today.get("overflowed", 0),
            "service_level": service_level(in_sl, answered + today.get("lost", 0)),
            "asa_s": today.get("asa_s"),
            "hours": today.get("hours", []),
        },
    }


def _agent(agent_id: int, state: str, queues: list[int]) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "name": f"Operátorka Nováková {agent_id}",
        "state": state,
        "pause_code": "OBED" if state == "paused" else "",
        "since": "2026-11-23T09:00:00+00:00",
        "call_id": "c9" if state == "busy" else "",
        "call": {"call_id": "c9", "caller": "+420603999888"} if state == "busy" else None,
        "queues": queues,
        "wrap_up_until": None,
        "today": {"handled": 3},
    }


def hour(h: int, offered: int, answered: int, lost: int) -> dict[str, int]:
    return {"hour": h, "offered": offered, "answered": answered, "lost": lost}


def live_view() -> dict[str, Any]:
    return {
        "at": "2026-11-23T09:30:00+00:00",
        "queues": [
            _queue(
                1,
                "Obecná linka",
                4,
                75.5,
                1,
                0.8,
                offered=10,
                answered=8,
                in_sl=7,
                lost=2,
                asa_s=12.0,
                hours=[hour(9, 4, 3, 1), hour(10, 6, 5, 1)],
            ),
            _queue(
                2,
                "Platby",
                1,
                20.0,
                2,
                0.9,
                offered=30,
                answered=29,
                in_sl=27,
                lost=1,
                overflowed=1,
                asa_s=6.0,
                hours=[hour(10, 30, 29, 1)],
            ),
            _queue(
                3,
                "Asistence",
                9,
                400.0,
                5,
                0.5,
                offered=100,
                answered=50,
                in_sl=10,
                lost=50,
                asa_s=100.0,
                hours=[hour(8, 100, 50, 50)],
            ),
        ],
        "total": {"waiting": 14},
        "agents": [
            _agent(1, "ready", [1]),
            _agent(2, "busy", [1, 2]),  # signed into two of the wallboard's queues: counted once
            _agent(3, "paused", [3]),  # not in the wallboard's queues
            _agent(4, "ringing", [2]),
            _agent(5, "logged_out", []),
            _agent(6, "wrap_up", [2, 3]),
        ],
    }


def board(**kwargs: Any) -> Wallboard:
    values: dict[str, Any] = {"name": "KKC", "queue_ids": {1, 2}, "id": 7}
    values.update(kwargs)
    return Wallboard(**values)


def test_the_view_keeps_the_wallboards_queues_and_sums_them() -> None:
    shown = wallboard_view(live_view(), board())
    assert [q["queue_id"] for q in shown["queues"]] == [1, 2]
    total = shown["total"]
    assert total["waiting"] == 5
    assert total["longest_wait_s"] == 75.5
    assert total["callbacks_waiting"] == 3
    assert total["agents"] == {"ready": 1, "ringing": 1, "busy": 1, "wrap_up": 1, "paused": 0}
    assert (total["free"], total["busy"]) == (1, 2)
    today = total["today"]
    assert (today["offered"], today["answered"], today["answered_in_sl"], today["lost"]) == (40, 37, 34, 3)
    assert today["overflowed"] == 1
    assert today["service_level"] == 0.85  # 34 / 40
    assert today["asa_s"] == 7.3  # (12 * 8 + 6 * 29) / 37
    assert total["sl_target"] == 0.875  # (0.8 * 10 + 0.9 * 30) / 40
    assert today["hours"] == [hour(9, 4, 3, 1), hour(10, 36, 34, 2)]
    assert total["levels"] == {"waiting": "warn", "longest": "warn", "sl": "alarm"}
    assert "chats_answered" not in today
    assert shown["at"] == "2026-11-23T09:30:00+00:00"


def test_no_queues_means_every_queue() -> None:
    total = wallboard_view(live_view(), board(queue_ids=frozenset()))["total"]
    assert total["waiting"] == 14
    assert total["longest_wait_s"] == 400.0
    assert total["callbacks_waiting"] == 8
    assert total["agents"] == {"ready": 1, "ringing": 1, "busy": 1, "wrap_up": 1, "paused": 1}
    assert total["today"]["offered"] == 140
    assert total["today"]["service_level"] == round(44 / 140, 4)
    assert total["sl_target"] == round((8 + 27 + 50) / 140, 4)
    assert total["levels"] == {"waiting": "alarm", "longest": "alarm", "sl": "alarm"}


def test_the_view_shows_counts_only_and_the_wallboards_settings() -> None:
    wallboard = board(
        layouts={WallboardLayout.AGENTS, WallboardLayout.OVERVIEW, WallboardLayout.TODAY}, rotate_s=15
    )
    shown = wallboard_view(live_view(), wallboard)
    text = json.dumps(shown, ensure_ascii=False)
    assert "Nováková" not in text and "+420603999888" not in text and "OBED" not in text
    assert "agents" not in shown
    assert shown["wallboard"] == {
        "id": 7,
        "name": "KKC",
        "layouts": ["overview", "today", "agents"],  # the enum's order
        "rotate_s": 15,
        "waiting_warn": 3,
        "waiting_alarm": 8,
        "wait_warn_s": 60,
        "wait_alarm_s": 180,
    }
    first = shown["queues"][0]
    assert first["name"] == "Obecná linka"
    assert first["levels"] == {"waiting": "warn", "longest": "warn", "sl": "alarm"}  # 0.7 under 0.8
    assert shown["queues"][1]["levels"] == {"waiting": "ok", "longest": "ok", "sl": "warn"}  # 0.9 at 0.9
    assert first["agents"]["ready"] == 1


def test_the_target_is_the_plain_mean_while_nothing_was_offered() -> None:
    view = live_view()
    for queue in view["queues"]:
        queue["today"] = {"offered": 0, "answered": 0, "answered_in_sl": 0, "lost": 0, "hours": []}
    total = wallboard_view(view, board())["total"]
    assert total["sl_target"] == 0.85
    assert total["today"]["service_level"] is None
    assert total["today"]["asa_s"] is None
    assert total["levels"]["sl"] == "ok"
    assert wallboard_view({"queues": [], "agents": []}, board())["total"]["sl_target"] is None


def test_chats_show_only_when_the_view_has_them() -> None:
    view = live_view()
    view["queues"][0]["today"]["chats_answered"] = 4
    total = wallboard_view(view, board())["total"]
    assert total["today"]["chats_answered"] == 4


def test_colour_levels() -> None:
    wallboard = board()
    assert [waiting_level(n, wallboard) for n in (0, 2, 3, 7, 8)] == ["ok", "ok", "warn", "warn", "alarm"]
    assert [wait_level(s, wallboard) for s in (59.9, 60, 179, 180)] == ["ok", "warn", "warn", "alarm"]
    assert [sl_level(v, 0.8) for v in (0.79, 0.8, 0.849, 0.85, 1.0)] == ["alarm", "warn", "warn", "ok", "ok"]
    assert sl_level(None, 0.8) == "ok"


def test_kiosk_tokens() -> None:
    token, digest = new_kiosk_token()
    assert len(token) >= 40 and token != digest
    assert digest == hashlib.sha256(token.encode()).hexdigest() == token_hash(token)
    assert new_kiosk_token()[0] != token
    wallboard = board(kiosk_token_hash=digest)
    assert matches(wallboard, token)
    assert not matches(wallboard, token + "x")
    assert not matches(wallboard, "")
    assert not matches(board(kiosk_token_hash=digest, active=False), token)
    assert not matches(board(), "")
    assert not matches(board(), token)
    other = board(id=8, kiosk_token_hash=token_hash("other"))
    assert by_token([other, wallboard], token) is wallboard
    assert by_token([other], token) is None
