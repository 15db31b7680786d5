"""Which missed calls are still to return (AG-17, IN-26): one per caller, none for a caller with an
open callback request or reached after the missed call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_domain.routing.projection import Interaction, still_missed

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def row(call_id, caller, minutes, stage="abandoned_in_queue", answered=False, direction="inbound"):
    at = T0 + timedelta(minutes=minutes)
    return Interaction(
        call_id,
        caller,
        direction=direction,
        arrived_at=at,
        answered_at=at + timedelta(seconds=20) if answered else None,
        end_stage="completed" if answered else stage,
    )


@pytest.mark.req("AG-17", "IN-26")
def test_one_per_caller_newest_first_without_open_callbacks_or_callers_reached_since():
    calls = [
        row("a1", "+420601000001", 0),
        row("a2", "+420601000001", 10),  # the same caller again: one entry, the newest
        row("b1", "+420601000002", 5),
        row("c1", "+420601000003", 7),  # has an open callback request
        row("d1", "+420601000004", 8),  # called back and reached later
        row("e1", "+420601000005", 9),  # answered before the missed call: still missed
        row("x1", "", 3),  # no caller id: nothing to return
    ]
    later = {
        "+420601000004": [row("d2", "+420601000004", 30, answered=True, direction="outbound")],
        "+420601000005": [row("e0", "+420601000005", -60, answered=True)],
    }
    missed = [c for c in calls if c.end_stage != "completed"]

    def contacts_of(caller):
        return [c for c in calls if c.caller == caller] + later.get(caller, [])

    found = still_missed(missed, contacts_of, {"+420601000003"})
    assert [r.call_id for r in found] == ["a2", "e1", "b1"]


@pytest.mark.req("AG-17")
def test_a_later_unanswered_attempt_does_not_settle_it():
    missed = [row("a1", "+420601000001", 0)]
    tried = row("a2", "+420601000001", 20, stage="not_reached", direction="outbound")
    assert [r.call_id for r in still_missed(missed, lambda _c: [*missed, tried], set())] == ["a1"]
