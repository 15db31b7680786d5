"""Opening hours of a queue (ADM-05, IN-18): parsing, validation, is_open in Prague time, holidays."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc_adapters.system import CzechHolidays
from kc_domain.errors import FieldError
from kc_domain.organisation.hours import (
    WEEKDAYS,
    BadInterval,
    DateException,
    OpeningHours,
    TimeInterval,
    format_intervals,
    interval_problems,
    parse_intervals,
)

pytestmark = pytest.mark.req("ADM-05", "IN-18")

PRAGUE = ZoneInfo("Europe/Prague")
NO_HOLIDAYS: frozenset[date] = frozenset()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def prague(*args: int) -> datetime:
    """An instant given as Prague wall-clock time (unambiguous dates only)."""
    return datetime(*args, tzinfo=PRAGUE)


def hours(
    *days: str, exceptions: tuple[DateException, ...] = (), closed_on_holidays: bool = True
) -> OpeningHours:
    """Opening hours from seven interval texts, Monday first."""
    assert len(days) == 7
    return OpeningHours(
        weekly=tuple(parse_intervals(d) for d in days),
        exceptions=exceptions,
        closed_on_holidays=closed_on_holidays,
    )


OFFICE = hours(*["08:00-16:00"] * 5, "", "")
LUNCH_BREAK = hours(*["08:00-12:00, 12:30-16:00"] * 5, "", "")
EVERY_DAY = hours(*["08:00-20:00"] * 7)


# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("08:00-12:00", 480, 720),
        ("8:00-12:00", 480, 720),
        ("  08:00 - 12:00  ", 480, 720),
        ("13:30-17:45", 810, 1065),
        ("00:00-24:00", 0, 1440),
        ("22:00-24:00", 1320, 1440),
        ("23:59-24:00", 1439, 1440),
        ("0:00-0:01", 0, 1),
    ],
)
def test_a_well_formed_interval_is_parsed_to_minutes_after_midnight(text: str, start: int, end: int) -> None:
    assert TimeInterval.parse(text) == TimeInterval(start, end)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "08:00",
        "8-12",
        "08:00-12",
        "08-12:00",
        "08.00-12.00",
        "08:00/12:00",
        "ab:cd-ef:gh",
        "08:0-12:00",
        "108:00-12:00",
        "08:00-12:00-13:00",
        "08:00-12:00, 13:00-14:00",
        "24:00-24:00",
        "25:00-26:00",
        "08:60-09:00",
        "08:00-09:60",
        "08:00-24:01",
        "08:00-24:30",
        "08:00-25:00",
        "-08:00-12:00",
    ],
)
def test_a_malformed_interval_raises_bad_interval(text: str) -> None:
    with pytest.raises(BadInterval):
        TimeInterval.parse(text)


def test_bad_interval_is_a_value_error_so_callers_can_catch_either() -> None:
    with pytest.raises(ValueError, match="9:00 - noon"):
        TimeInterval.parse("9:00 - noon")


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (TimeInterval(480, 720), "08:00-12:00"),
        (TimeInterval(0, 1440), "00:00-24:00"),
        (TimeInterval(545, 1005), "09:05-16:45"),
    ],
)
def test_an_interval_prints_as_zero_padded_hh_mm(interval: TimeInterval, text: str) -> None:
    assert str(interval) == text


def test_the_end_of_an_interval_is_exclusive() -> None:
    morning = TimeInterval.parse("08:00-12:00")

    assert not morning.contains(479)
    assert morning.contains(480)
    assert morning.contains(719)
    assert not morning.contains(720)


def test_parse_intervals_accepts_commas_and_semicolons_and_sorts_the_result() -> None:
    assert parse_intervals("13:00-17:00; 08:00-12:00, 18:00-20:00") == (
        TimeInterval(480, 720),
        TimeInterval(780, 1020),
        TimeInterval(1080, 1200),
    )


@pytest.mark.parametrize("text", ["", "  ", ",", " ; , "])
def test_parse_intervals_of_empty_text_means_closed(text: str) -> None:
    assert parse_intervals(text) == ()


def test_parse_intervals_ignores_empty_parts_between_separators() -> None:
    assert parse_intervals("08:00-12:00,, 13:00-17:00,") == (TimeInterval(480, 720), TimeInterval(780, 1020))


def test_parse_intervals_raises_bad_interval_when_any_part_is_malformed() -> None:
    with pytest.raises(BadInterval):
        parse_intervals("08:00-12:00, 13:00-17")


def test_format_intervals_is_the_inverse_of_parse_intervals() -> None:
    text = "08:00-12:00, 12:30-16:00"

    assert format_intervals(parse_intervals(text)) == text
    assert format_intervals(()) == ""


@settings(database=None)
@given(start=st.integers(0, 1439), length=st.integers(1, 1440))
def test_every_valid_interval_survives_printing_and_parsing(start: int, length: int) -> None:
    interval = TimeInterval(start, min(start + length, 1440))

    assert TimeInterval.parse(str(interval)) == interval


# -- validation -----------------------------------------------------------------------------------


def test_touching_intervals_are_neither_empty_nor_overlapping() -> None:
    assert interval_problems("hours_mon", parse_intervals("08:00-12:00, 12:00-16:00")) == []


@pytest.mark.parametrize("text", ["12:00-12:00", "16:00-08:00"])
def test_an_interval_that_ends_before_it_starts_is_empty(text: str) -> None:
    problems = interval_problems("hours_tue", parse_intervals(text))

    assert problems == [FieldError("hours_tue", "interval_empty", {"interval": text})]


def test_overlapping_intervals_are_reported_with_both_intervals() -> None:
    problems = interval_problems("hours_wed", parse_intervals("11:00-13:00, 08:00-12:00"))

    assert problems == [
        FieldError("hours_wed", "interval_overlap", {"first": "08:00-12:00", "second": "11:00-13:00"})
    ]


def test_an_interval_inside_another_one_is_an_overlap() -> None:
    problems = interval_problems("hours_thu", parse_intervals("08:00-17:00, 10:00-11:00"))

    assert [p.code for p in problems] == ["interval_overlap"]


def test_weekly_problems_name_the_weekday_they_belong_to() -> None:
    problems = hours("08:00-12:00, 11:00-13:00", "", "", "", "", "", "10:00-10:00").problems()

    assert [(p.field, p.code) for p in problems] == [
        ("hours_mon", "interval_overlap"),
        ("hours_sun", "interval_empty"),
    ]


def test_valid_opening_hours_have_no_problems() -> None:
    christmas = DateException(date(2026, 12, 24), parse_intervals("08:00-12:00"), "Štědrý den")

    assert (
        hours(*["08:00-12:00, 12:30-16:00"] * 5, "09:00-12:00", "", exceptions=(christmas,)).problems() == []
    )
    assert OpeningHours().problems() == []
    assert OpeningHours.always_open().problems() == []


def test_two_exceptions_for_the_same_date_are_a_duplicate() -> None:
    day = date(2026, 12, 31)
    opening = OpeningHours(
        exceptions=(DateException(day, (), "Silvestr"), DateException(day, parse_intervals("08:00-12:00")))
    )

    assert opening.problems() == [FieldError("exceptions", "duplicate_date", {"date": "2026-12-31"})]


def test_overlapping_and_empty_intervals_of_an_exception_are_reported() -> None:
    opening = OpeningHours(
        exceptions=(
            DateException(date(2026, 12, 31), parse_intervals("08:00-12:00, 10:00-11:00, 14:00-13:00")),
        )
    )

    assert {(p.field, p.code) for p in opening.problems()} == {
        ("exceptions", "interval_overlap"),
        ("exceptions", "interval_empty"),
    }


def test_a_week_without_seven_days_is_invalid() -> None:
    opening = OpeningHours(weekly=((),) * 6)

    assert FieldError("hours", "invalid_choice") in opening.problems()


# -- is_open in Prague time -----------------------------------------------------------------------


def test_by_default_a_queue_is_closed_all_week() -> None:
    opening = OpeningHours()

    assert not any(
        opening.is_open(utc(2026, 3, 2, 0, 0) + timedelta(hours=h), PRAGUE, NO_HOLIDAYS) for h in range(168)
    )


def test_always_open_is_open_every_minute_even_on_holidays(holidays: CzechHolidays) -> None:
    opening = OpeningHours.always_open()

    for instant in (utc(2026, 12, 24, 23, 59), utc(2026, 12, 25, 0, 0), utc(2026, 4, 6, 12, 0)):
        assert opening.is_open(instant, PRAGUE, holidays)


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        # Friday 27 March 2026, still CET (UTC+1)
        (utc(2026, 3, 27, 6, 59), False),  # 07:59 local
        (utc(2026, 3, 27, 7, 0), True),  # 08:00 local
        (utc(2026, 3, 27, 14, 59), True),  # 15:59 local
        (utc(2026, 3, 27, 15, 0), False),  # 16:00 local
        # Monday 30 March 2026, CEST (UTC+2) since Sunday 01:00 UTC
        (utc(2026, 3, 30, 5, 59), False),  # 07:59 local
        (utc(2026, 3, 30, 6, 0), True),  # 08:00 local
        (utc(2026, 3, 30, 13, 59), True),  # 15:59 local
        (utc(2026, 3, 30, 14, 0), False),  # 16:00 local
        # Friday 23 October 2026, still CEST
        (utc(2026, 10, 23, 5, 59), False),
        (utc(2026, 10, 23, 6, 0), True),
        (utc(2026, 10, 23, 14, 0), False),
        # Monday 26 October 2026, CET again since Sunday 01:00 UTC
        (utc(2026, 10, 26, 6, 0), False),  # 07:00 local
        (utc(2026, 10, 26, 7, 0), True),  # 08:00 local
        (utc(2026, 10, 26, 14, 59), True),  # 15:59 local
        (utc(2026, 10, 26, 15, 0), False),  # 16:00 local
    ],
)
def test_given_office_hours_when_daylight_saving_time_changes_then_they_follow_prague_wall_clock(
    instant: datetime, is_open: bool
) -> None:
    assert OFFICE.is_open(instant, PRAGUE, NO_HOLIDAYS) is is_open


def open_minutes(opening: OpeningHours, day_start_utc: datetime, minutes: int) -> list[datetime]:
    return [
        day_start_utc + timedelta(minutes=m)
        for m in range(minutes)
        if opening.is_open(day_start_utc + timedelta(minutes=m), PRAGUE, NO_HOLIDAYS)
    ]


def test_given_night_hours_when_clocks_go_forward_then_the_skipped_hour_is_lost() -> None:
    night = hours(*["01:00-04:00"] * 7)

    # Sunday 29 March 2026: local 02:00-03:00 does not exist, so 01:00-04:00 lasts two hours
    opened = open_minutes(night, utc(2026, 3, 28, 22, 0), 8 * 60)

    assert len(opened) == 120
    assert opened[0] == utc(2026, 3, 29, 0, 0)  # 01:00 CET
    assert opened[-1] == utc(2026, 3, 29, 1, 59)  # 03:59 CEST


def test_given_night_hours_when_clocks_go_back_then_the_repeated_hour_is_open_twice() -> None:
    night = hours(*["01:00-04:00"] * 7)

    # Sunday 25 October 2026: local 02:00-03:00 happens twice, so 01:00-04:00 lasts four hours
    opened = open_minutes(night, utc(2026, 10, 24, 21, 0), 8 * 60)

    assert len(opened) == 240
    assert opened[0] == utc(2026, 10, 24, 23, 0)  # 01:00 CEST
    assert opened[-1] == utc(2026, 10, 25, 2, 59)  # 03:59 CET


def test_an_instant_in_another_zone_is_judged_by_prague_time() -> None:
    new_york_morning = datetime(2026, 3, 2, 2, 30, tzinfo=ZoneInfo("America/New_York"))  # 08:30 in Prague

    assert OFFICE.is_open(new_york_morning, PRAGUE, NO_HOLIDAYS)


@pytest.mark.parametrize(
    ("local", "is_open"),
    [
        (prague(2026, 1, 12, 7, 59), False),
        (prague(2026, 1, 12, 8, 0), True),
        (prague(2026, 1, 12, 11, 59), True),
        (prague(2026, 1, 12, 12, 0), False),  # lunch break
        (prague(2026, 1, 12, 12, 29), False),
        (prague(2026, 1, 12, 12, 30), True),
        (prague(2026, 1, 12, 15, 59), True),
        (prague(2026, 1, 12, 16, 0), False),
        (prague(2026, 1, 17, 10, 0), False),  # Saturday
        (prague(2026, 1, 18, 10, 0), False),  # Sunday
    ],
)
def test_given_a_lunch_break_when_calls_arrive_then_the_queue_is_closed_between_the_intervals(
    local: datetime, is_open: bool
) -> None:
    assert LUNCH_BREAK.is_open(local.astimezone(UTC), PRAGUE, NO_HOLIDAYS) is is_open


def test_given_a_lunch_break_in_summer_time_then_it_is_closed_at_local_noon() -> None:
    assert LUNCH_BREAK.is_open(utc(2026, 7, 15, 9, 59), PRAGUE, NO_HOLIDAYS)  # 11:59 CEST
    assert not LUNCH_BREAK.is_open(utc(2026, 7, 15, 10, 0), PRAGUE, NO_HOLIDAYS)  # 12:00 CEST
    assert LUNCH_BREAK.is_open(utc(2026, 7, 15, 10, 30), PRAGUE, NO_HOLIDAYS)  # 12:30 CEST


HOLIDAYS_2026_2027 = [
    date(2026, 1, 1),
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 1),
    date(2026, 5, 8),
    date(2026, 7, 5),
    date(2026, 7, 6),
    date(2026, 9, 28),
    date(2026, 10, 28),
    date(2026, 11, 17),
    date(2026, 12, 24),
    date(2026, 12, 25),
    date(2026, 12, 26),
    date(2027, 3, 26),  # Good Friday: Easter moves
    date(2027, 3, 29),  # Easter Monday
]


@pytest.mark.parametrize("day", HOLIDAYS_2026_2027, ids=str)
def test_given_closed_on_holidays_when_it_is_a_czech_public_holiday_then_the_queue_is_closed(
    day: date, holidays: CzechHolidays
) -> None:
    ten_o_clock = prague(day.year, day.month, day.day, 10, 0).astimezone(UTC)

    assert day in holidays
    assert not EVERY_DAY.is_open(ten_o_clock, PRAGUE, holidays)
    assert EVERY_DAY.intervals_on(day, holidays) == ()


@pytest.mark.parametrize("day", HOLIDAYS_2026_2027, ids=str)
def test_given_open_on_holidays_when_it_is_a_public_holiday_then_weekly_hours_apply(
    day: date, holidays: CzechHolidays
) -> None:
    open_anyway = hours(*["08:00-20:00"] * 7, closed_on_holidays=False)

    assert open_anyway.is_open(prague(day.year, day.month, day.day, 10, 0).astimezone(UTC), PRAGUE, holidays)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 2),  # Maundy Thursday
        date(2026, 4, 7),  # the Tuesday after Easter
        date(2026, 3, 27),  # Friday: Good Friday only in 2027
        date(2027, 4, 2),  # Friday: Good Friday only in 2026
        date(2027, 4, 5),  # Monday: Easter Monday only in 2026
        date(2027, 3, 30),
        date(2026, 12, 23),
        date(2026, 12, 31),
    ],
    ids=str,
)
def test_given_closed_on_holidays_when_it_is_an_ordinary_working_day_then_the_queue_is_open(
    day: date, holidays: CzechHolidays
) -> None:
    assert day not in holidays
    assert EVERY_DAY.is_open(prague(day.year, day.month, day.day, 10, 0).astimezone(UTC), PRAGUE, holidays)


def test_the_holiday_is_the_prague_date_not_the_utc_date(holidays: CzechHolidays) -> None:
    night = OpeningHours(weekly=((TimeInterval(0, 1440),),) * 7, closed_on_holidays=True)

    assert night.is_open(utc(2026, 12, 23, 22, 59), PRAGUE, holidays)  # 23:59 on 23 December
    assert not night.is_open(utc(2026, 12, 23, 23, 0), PRAGUE, holidays)  # 00:00 on Christmas Eve
    assert night.is_open(utc(2026, 4, 30, 21, 59), PRAGUE, holidays)  # 23:59 on 30 April (CEST)
    assert not night.is_open(utc(2026, 4, 30, 22, 0), PRAGUE, holidays)  # 00:00 on 1 May
    assert not night.is_open(utc(2026, 12, 26, 22, 59), PRAGUE, holidays)  # 23:59 on 26 December
    assert night.is_open(utc(2026, 12, 26, 23, 0), PRAGUE, holidays)  # 00:00 on 27 December


def test_given_a_date_exception_then_it_overrides_the_holiday(holidays: CzechHolidays) -> None:
    christmas_eve = DateException(date(2026, 12, 24), parse_intervals("08:00-12:00"), "Štědrý den dopoledne")
    opening = hours(*["08:00-16:00"] * 5, "", "", exceptions=(christmas_eve,))

    assert opening.is_open(prague(2026, 12, 24, 9, 0).astimezone(UTC), PRAGUE, holidays)
    assert not opening.is_open(prague(2026, 12, 24, 13, 0).astimezone(UTC), PRAGUE, holidays)
    assert not opening.is_open(prague(2026, 12, 25, 9, 0).astimezone(UTC), PRAGUE, holidays)


def test_given_an_empty_date_exception_then_an_ordinary_weekday_is_closed_all_day(
    holidays: CzechHolidays,
) -> None:
    inventory = DateException(date(2026, 6, 10), (), "Inventura")
    opening = hours(*["08:00-16:00"] * 5, "", "", exceptions=(inventory,))

    assert opening.intervals_on(date(2026, 6, 10), holidays) == ()
    assert not opening.is_open(prague(2026, 6, 10, 10, 0).astimezone(UTC), PRAGUE, holidays)
    assert opening.is_open(prague(2026, 6, 11, 10, 0).astimezone(UTC), PRAGUE, holidays)


def test_given_a_date_exception_on_a_weekend_then_the_queue_opens_that_day(holidays: CzechHolidays) -> None:
    saturday = DateException(date(2026, 9, 12), parse_intervals("09:00-13:00"), "Den otevřených dveří")
    opening = hours(*["08:00-16:00"] * 5, "", "", exceptions=(saturday,))

    assert opening.is_open(prague(2026, 9, 12, 10, 0).astimezone(UTC), PRAGUE, holidays)
    assert not opening.is_open(prague(2026, 9, 19, 10, 0).astimezone(UTC), PRAGUE, holidays)


def test_a_date_exception_applies_even_when_the_queue_ignores_holidays(holidays: CzechHolidays) -> None:
    closed = DateException(date(2026, 12, 24), ())
    opening = hours(*["08:00-20:00"] * 7, exceptions=(closed,), closed_on_holidays=False)

    assert not opening.is_open(prague(2026, 12, 24, 10, 0).astimezone(UTC), PRAGUE, holidays)
    assert opening.is_open(prague(2026, 12, 25, 10, 0).astimezone(UTC), PRAGUE, holidays)


# -- plain data -----------------------------------------------------------------------------------


def test_to_plain_writes_weekdays_by_name_and_intervals_as_text() -> None:
    christmas = DateException(date(2026, 12, 24), parse_intervals("08:00-12:00"), "Štědrý den")
    opening = hours(*["08:00-12:00, 12:30-16:00"] * 5, "09:00-12:00", "", exceptions=(christmas,))

    assert opening.to_plain() == {
        "weekly": {
            "mon": ["08:00-12:00", "12:30-16:00"],
            "tue": ["08:00-12:00", "12:30-16:00"],
            "wed": ["08:00-12:00", "12:30-16:00"],
            "thu": ["08:00-12:00", "12:30-16:00"],
            "fri": ["08:00-12:00", "12:30-16:00"],
            "sat": ["09:00-12:00"],
            "sun": [],
        },
        "exceptions": [{"day": "2026-12-24", "intervals": ["08:00-12:00"], "note": "Štědrý den"}],
        "closed_on_holidays": True,
    }


def test_from_plain_reads_what_to_plain_wrote_through_json() -> None:
    opening = OpeningHours.always_open()

    assert OpeningHours.from_plain(json.loads(json.dumps(opening.to_plain()))) == opening


def test_from_plain_defaults_to_closed_and_closed_on_holidays() -> None:
    assert OpeningHours.from_plain({}) == OpeningHours()


def test_from_plain_sorts_intervals_written_out_of_order() -> None:
    opening = OpeningHours.from_plain({"weekly": {"fri": ["13:00-17:00", "08:00-12:00"]}})

    assert opening.weekly[WEEKDAYS.index("fri")] == parse_intervals("08:00-12:00, 13:00-17:00")


@pytest.mark.parametrize(
    "data",
    [
        {"weekly": {"mon": ["08:00-25:00"]}},
        {"exceptions": [{"day": "2026-12-24", "intervals": ["8-12"]}]},
        {"exceptions": [{"day": "24. 12. 2026", "intervals": []}]},
    ],
)
def test_from_plain_raises_value_error_on_malformed_data(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        OpeningHours.from_plain(data)


intervals = st.integers(0, 1439).flatmap(
    lambda start: st.integers(start + 1, 1440).map(lambda end: TimeInterval(start, end))
)
interval_sets = st.lists(intervals, max_size=4).map(lambda found: tuple(sorted(found)))
exceptions = st.builds(
    DateException,
    st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    interval_sets,
    st.text(max_size=30),
)
opening_hours = st.builds(
    OpeningHours,
    weekly=st.tuples(*[interval_sets] * 7),
    exceptions=st.lists(exceptions, max_size=4).map(tuple),
    closed_on_holidays=st.booleans(),
)


@settings(database=None, max_examples=150)
@given(opening_hours)
def test_any_opening_hours_survive_to_plain_json_and_from_plain(opening: OpeningHours) -> None:
    assert OpeningHours.from_plain(json.loads(json.dumps(opening.to_plain()))) == opening


def test_a_closed_queue_says_when_it_opens_next_in_prague_time() -> None:
    hours = OpeningHours.office()  # Mon-Thu 8-17, Fri 8-15
    holidays = frozenset({date(2026, 12, 24), date(2026, 12, 25)})
    night = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # Tuesday 4:00 in Prague
    assert hours.next_opening(night, PRAGUE, NO_HOLIDAYS) == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    friday_evening = datetime(2026, 12, 11, 16, 0, tzinfo=UTC)  # 17:00, closed since 15:00
    assert hours.next_opening(friday_evening, PRAGUE, NO_HOLIDAYS) == datetime(2026, 12, 14, 7, 0, tzinfo=UTC)
    christmas_eve = datetime(2026, 12, 23, 17, 0, tzinfo=UTC)  # Wednesday 18:00; Thu and Fri holidays
    assert hours.next_opening(christmas_eve, PRAGUE, holidays) == datetime(2026, 12, 28, 7, 0, tzinfo=UTC)
    assert hours.next_opening(datetime(2026, 12, 8, 9, 0, tzinfo=UTC), PRAGUE, NO_HOLIDAYS) is None  # open
    assert OpeningHours().next_opening(night, PRAGUE, NO_HOLIDAYS) is None  # never opens
