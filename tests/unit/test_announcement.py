"""The general-problem announcement (IN-20): where and when it plays, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_domain.organisation.model import Announcement

START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.mark.req("IN-20")
def test_an_active_announcement_plays_on_its_numbers_within_its_window_only():
    a = Announcement(
        "Výpadek",
        "Portál je mimo provoz.",
        numbers={"+420261105555"},
        valid_from=START,
        valid_until=START + timedelta(hours=9),
        active=True,
    )
    assert a.plays_for("+420261105555", START)
    assert not a.plays_for("+420261105555", START - timedelta(seconds=1))
    assert not a.plays_for("+420261105555", START + timedelta(hours=9))
    assert not a.plays_for("+420261105556", START)
    a.active = False
    assert not a.plays_for("+420261105555", START)


@pytest.mark.req("IN-20")
def test_without_numbers_or_window_an_active_announcement_plays_everywhere_always():
    assert Announcement("Vše", "Hlášení", active=True).plays_for("+420123456789", START)


@pytest.mark.req("IN-20")
def test_an_announcement_needs_content_a_sane_window_and_valid_numbers():
    codes = {
        (e.field, e.code)
        for e in Announcement(
            "Chybné", "", prompt="Velké Písmeno", numbers={"1"}, valid_from=START, valid_until=START
        ).problems()
    }
    assert codes == {
        ("prompt", "bad_prompt_name"),
        ("numbers", "bad_internal_number"),
        ("valid_until", "ends_before_start"),
    }
    assert ("text", "announcement_needs_content") in {
        (e.field, e.code) for e in Announcement("Prázdné").problems()
    }
