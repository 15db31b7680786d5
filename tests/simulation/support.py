"""Scenario builders for the simulation tests: plain dicts, as a TOML file would give them."""

from __future__ import annotations

import copy
from typing import Any

from apps.simulator.scenario import Scenario, scenario_from

HANDLING_S = 180.0


def single_queue(
    agents: int,
    calls_per_hour: float,
    hours: float,
    *,
    seed: int = 1,
    warmup_hours: float = 0.0,
    patience_s: float | None = None,
    wrap_up_s: int = 0,
    handling_s: float = HANDLING_S,
) -> Scenario:
    """An M/M/c queue (M/M/c+M with ``patience_s``): Poisson arrivals, exponential handling, robots
    that answer at once and never let a call ring out."""
    queue: dict[str, Any] = {
        "id": 1,
        "name": "Obecná linka",
        "strategy": "longest_idle",
        "wrap_up_s": wrap_up_s,
        "sl_threshold_s": 20,
        "arrivals_per_hour": calls_per_hour,
        "handling": {"distribution": "exponential", "mean_s": handling_s},
        "patience": "none" if patience_s is None else {"distribution": "exponential", "mean_s": patience_s},
    }
    return scenario_from(
        {
            "name": f"M/M/{agents}",
            "seed": seed,
            "start_date": "2025-03-03",
            "duration_hours": hours,
            "warmup_hours": warmup_hours,
            "queues": [queue],
            "agents": [{"name": "Operátor", "count": agents, "skills": [{"queue": 1}]}],
        }
    )


BUSY_DAY: dict[str, Any] = {
    "name": "Rušné dopoledne",
    "seed": 11,
    "start_date": "2025-03-04",
    "duration_hours": 6,
    "repeat_callers": 0.3,
    "robots": {
        "ring_time": {"distribution": "exponential", "mean_s": 4},
        "rona_probability": 0.05,
        "rona_pause_s": 45,
    },
    "queues": [
        {
            "id": 1,
            "name": "Obecná linka",
            "wrap_up_s": 10,
            "rona_timeout_s": 8,
            "sticky_wait_s": 15,
            "arrivals_per_hour": [150, 260, 300, 200, 100, 50] + [0] * 18,
            "handling": {"distribution": "lognormal", "mean_s": 200, "sd_s": 150},
            "patience": {"distribution": "exponential", "mean_s": 90},
        },
        {
            "id": 2,
            "name": "Platby a dlužné pojistné",
            "strategy": "round_robin",
            "wrap_up_s": 20,
            "rona_timeout_s": 10,
            "max_wait_s": 120,
            "arrivals_per_hour": [60, 120, 140, 100, 60, 20] + [0] * 18,
            "handling": {"distribution": "exponential", "mean_s": 240},
            "patience": {"distribution": "exponential", "mean_s": 300},
        },
        {
            "id": 3,
            "name": "Asistenční služba",
            "strategy": "least_occupied",
            "wrap_up_s": 0,
            "arrivals_per_hour": 20,
            "handling": {"distribution": "fixed", "seconds": 150},
        },
    ],
    "agents": [
        {
            "name": "Ranní",
            "count": 9,
            "shift": [0, 4.5],
            "skills": [{"queue": 1, "level": 8, "priority": 1}, {"queue": 2, "level": 4, "priority": 2}],
        },
        {
            "name": "Pozdní",
            "count": 8,
            "shift": [2, 6],
            "skills": [{"queue": 1, "level": 6, "priority": 2}, {"queue": 2, "level": 8, "priority": 1}],
        },
        {
            "name": "Asistence",
            "names": ["Jana Nováková", "Petr Svoboda"],
            "skills": [{"queue": 3, "level": 9, "priority": 1}, {"queue": 1, "level": 3, "priority": 9}],
        },
    ],
}


def busy_day(**changes: Any) -> dict[str, Any]:
    """A copy of BUSY_DAY (a six-hour morning from 00:00 of a Tuesday) with top-level changes."""
    return {**copy.deepcopy(BUSY_DAY), **changes}


SMALL_TREE: dict[str, Any] = {
    "name": "maly",
    "version": 1,
    "start": "vitejte",
    "nodes": [
        {
            "type": "menu",
            "id": "vitejte",
            "prompt": {"text": "Platby 1, průkaz 2, otevírací doba 3, rodné číslo 4."},
            "choices": {"1": "q1", "2": "q2", "3": "info", "4": "rc"},
            "timeout_s": 5,
            "retries": 1,
        },
        {"type": "route_to_queue", "id": "q1", "queue_ids": [1]},
        {"type": "route_to_queue", "id": "q2", "queue_ids": [2]},
        {"type": "play", "id": "info", "prompt": {"text": "Otevřeno od osmi do čtyř."}, "next": "konec"},
        {
            "type": "collect_digits",
            "id": "rc",
            "prompt": {"text": "Zadejte rodné číslo."},
            "min_len": 9,
            "max_len": 10,
            "validator": "insurance_number",
            "into": "rc",
            "next": "q1",
        },
        {"type": "hang_up", "id": "konec"},
    ],
}
SMALL_CHOICES = {"1": 0.4, "2": 0.3, "3": 0.1, "4": 0.1, "hangup": 0.1}

IVR_DAY: dict[str, Any] = {
    "name": "Malé IVR",
    "seed": 5,
    "start_date": "2025-03-04",
    "duration_hours": 3,
    "robots": {"ring_time": {"distribution": "exponential", "mean_s": 3}},
    "callers": {
        "callback_acceptance": 0.1,
        "callback_preferred": 0.5,
        "voicemail_acceptance": 0.1,
        "callback_answer_rate": 0.7,
        "prompt_chars_per_s": 15,
    },
    "ivr": [
        {
            "number": "+420261105555",
            "tree": SMALL_TREE,
            "arrivals_per_hour": 600,
            "choices": {"vitejte": SMALL_CHOICES, "rc": {"digits": "7856120008"}},
        }
    ],
    "queues": [
        {
            "id": q,
            "name": name,
            "wrap_up_s": 10,
            "arrivals_per_hour": 0,
            "handling": {"distribution": "exponential", "mean_s": 200},
            "patience": {"distribution": "exponential", "mean_s": 300},
            "announce_every_s": 30,
            "callback_key": "1",
            "voicemail_key": "2",
        }
        for q, name in ((1, "Obecná linka"), (2, "Průkazy"))
    ],
    "agents": [
        {"name": "Obecná", "count": 14, "skills": [{"queue": 1}]},
        {"name": "Průkazy", "count": 7, "skills": [{"queue": 2}, {"queue": 1, "priority": 9}]},
    ],
}


def ivr_day(**changes: Any) -> dict[str, Any]:
    """A copy of IVR_DAY (three hours of calls through a small IVR to two short-staffed queues)."""
    return {**copy.deepcopy(IVR_DAY), **changes}
