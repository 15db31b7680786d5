"""A preferred callback time keyed in by DTMF, checked against the queue's opening hours (IN-09)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc_domain.callbacks.preferred import next_open_slot, parse_preferred
from kc_domain.errors import ValidationFailed
from kc_domain.organisation.hours import OpeningHours, TimeInterval

pytestmark = pytest.mark.req("IN-09")

PRAGUE = ZoneInfo("Europe/Prague")
NO_HOLIDAYS: frozenset[date] = frozenset()
CHRISTMAS = frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)})
OFFICE = OpeningHours.office()  # Mon-Thu 08-17, Fri 08-15
ALWAYS = OpeningHours.always_open()
SUNDAY_MORNING = OpeningHours(weekly=((),) * 6 + ((TimeInterval(120, 720),),), closed_on_holidays=True)
WED_10 = datetime(2026, 11, 25, 10, 0, tzinfo=PRAGUE)  # a Wednesday


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PRAGUE).astimezone(UTC)


def parse(text: str, now: datetime = WED_10, hours: OpeningHours = OFFICE, **kw: object) -> datetime:
    return parse_preferred(text, now, hours, PRAGUE, CHRISTMAS, **kw)  # type: ignore[arg-type]


def code_of(text: str, now: datetime = WED_10, hours: OpeningHours = OFFICE, **kw: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse(text, now, hours, **kw)
    (error,) = caught.value.errors
    assert error.field == "preferred_at"
    return error.code


# -- HHMM ----------------------------------------------------------------------------------------
def test_hhmm_later_today_is_today_in_utc() -> None:
    at = parse("1400")
    assert at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC) and at.tzinfo is UTC


def test_hhmm_already_past_is_tomorrow() -> None:
    assert parse("0900") == local(2026, 11, 26, 9, 0)
    assert parse("1000") == local(2026, 11, 26, 10, 0)  # this very minute counts as past


def test_hhmm_tomorrow_may_be_closed() -> None:
    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=PRAGUE)
    assert code_of("0900", friday_4pm) == "closed_at_that_time"  # Saturday


def test_hhmm_across_midnight() -> None:
    late = datetime(2026, 11, 25, 23, 50, tzinfo=PRAGUE)
    assert parse("0815", late) == local(2026, 11, 26, 8, 15)
    assert code_of("2355", late) == "closed_at_that_time"
    assert parse("2355", late, ALWAYS) == local(2026, 11, 25, 23, 55)


# -- DDMMHHMM ------------------------------------------------------------------------------------
def test_ddmmhhmm_this_year() -> None:
    assert parse("01121030") == local(2026, 12, 1, 10, 30)


def test_ddmmhhmm_day_passed_means_next_year() -> None:
    new_year_eve = datetime(2026, 12, 30, 10, 0, tzinfo=PRAGUE)
    assert parse("04011000", new_year_eve) == local(2027, 1, 4, 10, 0)
    assert code_of("01011000", new_year_eve) == "closed_at_that_time"  # New Year's Day
    assert code_of("24111000") == "too_far"  # yesterday: next year


def test_ddmmhhmm_today_earlier_is_in_the_past() -> None:
    assert code_of("25110900") == "in_the_past"
    assert code_of("25111000") == "in_the_past"


def test_leap_day_that_does_not_exist_is_bad_format() -> None:
    assert code_of("29021000") == "bad_format"  # neither 2026 nor 2027 is a leap year
    before_leap = datetime(2028, 2, 20, 10, 0, tzinfo=PRAGUE)
    assert parse("29021000", before_leap) == local(2028, 2, 29, 10, 0)  # a Tuesday


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "123",
        "12345",
        "123456789",
        "2400",
        "1260",
        "12a0",
        "+1200",
        "32121000",
        "31041000",
        "00131000",
    ],
)
def test_bad_format(text: str) -> None:
    assert code_of(text) == "bad_format"


def test_midnight_rollover_values() -> None:
    assert code_of("0013") == "closed_at_that_time"  # valid: tomorrow 00:13, but closed


def test_hash_terminator_is_ignored() -> None:
    assert parse("1400#") == parse("1400")


# -- limits --------------------------------------------------------------------------------------
def test_too_far_is_past_max_days() -> None:
    assert parse("09121000") == local(2026, 12, 9, 10, 0)  # exactly 14 days
    assert code_of("09121001") == "too_far"
    assert code_of("10121000") == "too_far"
    assert parse("10121000", max_days=30) == local(2026, 12, 10, 10, 0)


def test_holidays_are_closed() -> None:
    mid_december = datetime(2026, 12, 20, 10, 0, tzinfo=PRAGUE)
    for day in ("24", "25", "26"):
        assert code_of(f"{day}121000", mid_december) == "closed_at_that_time"
    assert parse("23121000", mid_december) == local(2026, 12, 23, 10, 0)
    assert parse("28121000", mid_december) == local(2026, 12, 28, 10, 0)


def test_outside_hours_and_weekend() -> None:
    assert code_of("0730") == "closed_at_that_time"
    assert code_of("1700") == "closed_at_that_time"  # the interval's end is closed
    assert parse("1659") == local(2026, 11, 25, 16, 59)
    assert code_of("28111000") == "closed_at_that_time"  # Saturday


def test_just_before_closing() -> None:
    assert parse("1650", min_before_close_min=10) == local(2026, 11, 25, 16, 50)
    with pytest.raises(ValidationFailed) as caught:
        parse("1651", min_before_close_min=10)
    (error,) = caught.value.errors
    assert error.code == "closed_at_that_time"
    assert error.params["reason"] == "closing_soon" and error.params["closes_at"] == "17:00"


def test_closed_reports_reason() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse("0700")
    assert caught.value.errors[0].params["reason"] == "closed"


# -- daylight saving time ------------------------------------------------------------------------
SAT_BEFORE_SPRING = datetime(2026, 3, 28, 12, 0, tzinfo=PRAGUE)
SAT_BEFORE_AUTUMN = datetime(2026, 10, 24, 12, 0, tzinfo=PRAGUE)


def test_spring_forward_day() -> None:
    assert parse("29030900", SAT_BEFORE_SPRING, SUNDAY_MORNING) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert parse("29030159", SAT_BEFORE_SPRING, ALWAYS) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    assert code_of("29030230", SAT_BEFORE_SPRING, ALWAYS) == "no_such_time"
    assert parse("29030300", SAT_BEFORE_SPRING, ALWAYS) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_fall_back_day() -> None:
    assert parse("25100900", SAT_BEFORE_AUTUMN, SUNDAY_MORNING) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    # 02:30 happens twice; the first (summer time) is meant
    assert parse("25100230", SAT_BEFORE_AUTUMN, ALWAYS) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_hhmm_on_dst_day_uses_that_days_offset() -> None:
    early = datetime(2026, 3, 29, 1, 0, tzinfo=PRAGUE)  # still winter time
    assert parse("0900", early, SUNDAY_MORNING) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert code_of("0200", early, SUNDAY_MORNING) == "no_such_time"


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 400))
def test_accepted_times_are_open_future_and_round_trip(hour: int, minute: int, offset_h: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=offset_h * 13)
    try:
        at = parse(f"{hour:02d}{minute:02d}", now)
    except ValidationFailed as caught:
        assert caught.errors[0].code in {"closed_at_that_time", "no_such_time"}
        return
    assert now < at <= now + timedelta(days=1)
    assert OFFICE.is_open(at, PRAGUE, CHRISTMAS)
    wall = at.astimezone(PRAGUE)
    assert (wall.hour, wall.minute) == (hour, minute)


# -- next open slot ------------------------------------------------------------------------------
def test_next_open_slot_when_open_is_now() -> None:
    assert next_open_slot(WED_10, OFFICE, PRAGUE, CHRISTMAS) == WED_10.astimezone(UTC)


def test_next_open_slot_over_the_weekend() -> None:
    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=PRAGUE)
    assert next_open_slot(friday_4pm, OFFICE, PRAGUE, CHRISTMAS) == local(2026, 11, 30, 8, 0)


def test_next_open_slot_before_opening_the_same_day() -> None:
    early = datetime(2026, 11, 25, 6, 0, tzinfo=PRAGUE)
    assert next_open_slot(early, OFFICE, PRAGUE, CHRISTMAS) == local(2026, 11, 25, 8, 0)


def test_next_open_slot_skips_holidays() -> None:
    evening = datetime(2026, 12, 23, 18, 0, tzinfo=PRAGUE)
    assert next_open_slot(evening, OFFICE, PRAGUE, CHRISTMAS) == local(2026, 12, 28, 8, 0)
    assert next_open_slot(evening, OFFICE, PRAGUE, NO_HOLIDAYS) == local(2026, 12, 24, 8, 0)


def test_next_open_slot_across_dst() -> None:
    saturday = datetime(2026, 3, 28, 20, 0, tzinfo=PRAGUE)
    assert next_open_slot(saturday, OFFICE, PRAGUE, CHRISTMAS) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    # opening at 02:00, which does not exist that night: open when the clock jumps to 03:00
    assert next_open_slot(saturday, SUNDAY_MORNING, PRAGUE, CHRISTMAS) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_next_open_slot_never_open() -> None:
    assert next_open_slot(WED_10, OpeningHours(), PRAGUE, CHRISTMAS, horizon_days=30) is None


@given(st.integers(0, 24 * 60))
def test_next_open_slot_is_open_and_nothing_earlier(offset_min: int) -> None:
    after = datetime(2026, 3, 26, tzinfo=UTC) + timedelta(minutes=offset_min * 7)
    slot = next_open_slot(after, OFFICE, PRAGUE, CHRISTMAS)
    assert slot is not None and slot >= after
    assert OFFICE.is_open(slot, PRAGUE, CHRISTMAS)
    probe = after
    while probe < slot:
        assert not OFFICE.is_open(probe, PRAGUE, CHRISTMAS)
        probe += timedelta(minutes=30)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_preferred("1400", datetime(2026, 11, 25, 10, 0), OFFICE, PRAGUE, CHRISTMAS)
