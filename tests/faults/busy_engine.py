"""``kc engine --traffic`` with busier simulated traffic, for the fault tests and the outage bench.

    python -m tests.faults.busy_engine        (the environment as for ``kc engine``)

The demo's traffic profile (``apps.simulator.live_traffic.demo_profile``: 40 calls an hour per
queue, 90 s calls) leaves too few calls open for a kill or an outage of a few seconds to catch any,
and ``kc engine`` has no option to change it. This runs the same command, the same code path,
with the profile changed by ``FAULTS_TRAFFIC`` (a JSON object of ``TrafficProfile`` fields, plus
``calls_per_hour``: the rate of every queue). Not ``KC_*``: the settings refuse unknown names.
"""

from __future__ import annotations

import json
import os
from typing import Any

import attrs

from apps.simulator import live_traffic

TRAFFIC = {"calls_per_hour": 1800.0, "handling_mean_s": 4.0, "ring_s": 1.0, "patience_mean_s": 120.0}


def busier(profile: live_traffic.TrafficProfile, knobs: dict[str, Any]) -> live_traffic.TrafficProfile:
    rate = knobs.pop("calls_per_hour", None)
    if rate is not None:
        knobs["calls_per_hour"] = dict.fromkeys(profile.calls_per_hour, float(rate))
    return attrs.evolve(profile, **knobs)


def main() -> None:
    knobs = {**TRAFFIC, **json.loads(os.environ.get("FAULTS_TRAFFIC", "{}"))}
    demo_profile = live_traffic.demo_profile
    live_traffic.demo_profile = lambda *args, **kwargs: busier(demo_profile(*args, **kwargs), dict(knobs))  # type: ignore[assignment]

    from apps.cli import main as kc

    kc(["engine", "--traffic"], prog_name="kc")


if __name__ == "__main__":
    main()
