"""Field rules of each configured entity, checked on the entity itself (ADM-02..ADM-10)."""

from __future__ import annotations

import pytest

from kc_domain.errors import FieldError
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours, TimeInterval
from kc_domain.organisation.model import (
    REPORTS,
    AgentGroup,
    AgentSkill,
    CallCategory,
    OverflowKind,
    OverflowTarget,
    PauseCode,
    Queue,
    ReportAccessFilter,
    TransferLine,
    TransferLineGroup,
)


def fields_and_codes(errors: list[FieldError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in errors]


# -- phone numbers -------------------------------------------------------------------------------


@pytest.mark.req("ADM-09")
@pytest.mark.parametrize(
    "number",
    ["12", "2250", "12345678", "+42022233", "+420222333444", "+420123456789012", "+12025550123"],
)
def test_internal_numbers_of_two_to_eight_digits_and_e164_numbers_are_accepted(number: str) -> None:
    assert TransferLine("Linka", number).problems() == []


@pytest.mark.req("ADM-09")
@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("1", "bad_internal_number"),
        ("123456789", "bad_internal_number"),
        ("22 50", "bad_internal_number"),
        ("22-50", "bad_internal_number"),
        ("420222333444", "bad_internal_number"),
        ("+4202223", "bad_external_number"),  # seven digits: too short
        ("+4201234567890123", "bad_external_number"),  # sixteen digits: too long
        ("+0420222333444", "bad_external_number"),
        ("+420 222 333 444", "bad_external_number"),
        ("++420222333444", "bad_external_number"),
    ],
)
def test_malformed_numbers_are_rejected(number: str, code: str) -> None:
    assert fields_and_codes(TransferLine("Linka", number).problems()) == [("number", code)]


@pytest.mark.req("ADM-05", "ADM-09")
@pytest.mark.parametrize("number", ["2250\n", "+420222333444\n"], ids=["internal", "external"])
def test_a_number_with_a_trailing_line_break_is_rejected(number: str) -> None:
    """A line break must never reach a dial string (the Asterisk manager protocol is line based).

    BUG: ``validation.E164`` and ``INTERNAL_NUMBER`` end with ``$``, which also matches just
    before a final newline; they should end with ``\\Z`` (or be used with ``fullmatch``).
    """
    assert [e.field for e in TransferLine("Linka", number).problems()] == ["number"]
    assert Queue("Reklamace", number=number).problems() != []
    assert OverflowTarget(OverflowKind.EXTERNAL, "+420800123456\n").problems() != []


@pytest.mark.req("ADM-02", "ADM-09")
@pytest.mark.parametrize(
    "number", ["٢٢٥٠", "２２５０", "+4２０222333444"], ids=["arabic-indic", "fullwidth", "mixed"]
)
def test_a_number_with_non_ascii_digits_is_rejected(number: str) -> None:
    """BUG: ``\\d`` in ``validation.py`` matches any Unicode decimal digit; it should be ``[0-9]``."""
    assert TransferLine("Linka", number).problems() != []
    assert User("jnovak", "Jan Novák", {Role.AGENT}, agent_number=number).problems() != []


# -- overflow ------------------------------------------------------------------------------------


@pytest.mark.req("ADM-05", "IN-18")
@pytest.mark.parametrize(
    "target",
    [
        OverflowTarget(),
        OverflowTarget(OverflowKind.QUEUE, "12"),
        OverflowTarget(OverflowKind.AGENT, "7"),
        OverflowTarget(OverflowKind.LINE, "2250"),
        OverflowTarget(OverflowKind.EXTERNAL, "+420800123456"),
        OverflowTarget(OverflowKind.MOBILE, "+420777123456"),
        OverflowTarget(OverflowKind.VOICEMAIL, ""),
        OverflowTarget(OverflowKind.VOICEMAIL, "reklamace"),
        OverflowTarget(OverflowKind.IVR, "hlavní menu"),
    ],
    ids=str,
)
def test_valid_overflow_targets_have_no_problems(target: OverflowTarget) -> None:
    assert target.problems() == []


@pytest.mark.req("ADM-05", "IN-18")
@pytest.mark.parametrize(
    ("target", "code"),
    [
        (OverflowTarget(OverflowKind.QUEUE, ""), "required"),
        (OverflowTarget(OverflowKind.QUEUE, "Reklamace"), "required"),
        (OverflowTarget(OverflowKind.AGENT, "-1"), "required"),
        (OverflowTarget(OverflowKind.LINE, "+420800123456"), "bad_internal_number"),
        (OverflowTarget(OverflowKind.EXTERNAL, "800123456"), "bad_external_number"),
        (OverflowTarget(OverflowKind.MOBILE, "777123456"), "bad_external_number"),
        (OverflowTarget(OverflowKind.IVR, ""), "required"),
        (OverflowTarget(OverflowKind.IVR, "x" * 81), "too_long"),
        (OverflowTarget(OverflowKind.VOICEMAIL, "x" * 81), "too_long"),
        (OverflowTarget(OverflowKind.HANGUP, "12"), "must_be_empty"),
    ],
    ids=str,
)
def test_invalid_overflow_targets_are_reported_on_overflow_target(target: OverflowTarget, code: str) -> None:
    assert fields_and_codes(target.problems()) == [("overflow_target", code)]


@pytest.mark.req("ADM-05", "IN-18")
@pytest.mark.parametrize("target", ["²", "１２", "١٢"], ids=["superscript", "fullwidth", "arabic-indic"])
def test_a_queue_or_agent_overflow_target_must_be_plain_ascii_digits(target: str) -> None:
    """BUG: ``OverflowTarget.problems`` accepts any ``str.isdigit()`` text as an id."""
    assert fields_and_codes(OverflowTarget(OverflowKind.QUEUE, target).problems()) == [
        ("overflow_target", "required")
    ]


@pytest.mark.req("ADM-05", "IN-18")
def test_overflow_targets_survive_plain_data() -> None:
    target = OverflowTarget(OverflowKind.MOBILE, "+420777123456")

    assert target.to_plain() == {"kind": "mobile", "target": "+420777123456"}
    assert OverflowTarget.from_plain(target.to_plain()) == target
    assert OverflowTarget.from_plain({}) == OverflowTarget(OverflowKind.HANGUP, "")


@pytest.mark.req("ADM-05", "IN-18")
def test_a_queue_overflowing_to_itself_is_reported() -> None:
    queue = Queue("Reklamace", overflow=OverflowTarget(OverflowKind.QUEUE, "4"), id=4)

    assert fields_and_codes(queue.problems()) == [("overflow_target", "overflow_to_itself")]
    assert Queue("Reklamace", overflow=OverflowTarget(OverflowKind.QUEUE, "5"), id=4).problems() == []


# -- queues --------------------------------------------------------------------------------------


@pytest.mark.req("ADM-05")
def test_a_new_queue_has_sensible_defaults() -> None:
    queue = Queue("Reklamace")

    assert queue.problems() == []
    assert (queue.sl_target_percent, queue.sl_threshold_s, queue.priority, queue.active) == (80, 20, 5, True)
    assert queue.hours == OpeningHours.office()
    assert queue.overflow == OverflowTarget(OverflowKind.HANGUP, "")


@pytest.mark.req("ADM-05", "IN-18")
def test_office_hours_are_monday_to_thursday_eight_to_five_and_friday_eight_to_three() -> None:
    office = OpeningHours.office()

    assert office.to_plain()["weekly"] == {
        "mon": ["08:00-17:00"],
        "tue": ["08:00-17:00"],
        "wed": ["08:00-17:00"],
        "thu": ["08:00-17:00"],
        "fri": ["08:00-15:00"],
        "sat": [],
        "sun": [],
    }
    assert office.closed_on_holidays
    assert office.problems() == []


@pytest.mark.req("ADM-05")
@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("sl_target_percent", 1, 100), ("sl_threshold_s", 1, 3600), ("wrap_up_s", 0, 3600), ("priority", 1, 10)],
)
def test_queue_numbers_are_accepted_exactly_within_their_range(field: str, low: int, high: int) -> None:
    for value in (low, high):
        assert Queue("Reklamace", **{field: value}).problems() == []
    for value in (low - 1, high + 1):
        assert Queue("Reklamace", **{field: value}).problems() == [
            FieldError(field, "out_of_range", {"min": low, "max": high})
        ]


@pytest.mark.req("ADM-05")
def test_a_missing_number_is_reported_as_required() -> None:
    assert fields_and_codes(Queue("Reklamace", priority=None).problems()) == [("priority", "required")]  # type: ignore[arg-type]


@pytest.mark.req("ADM-05", "IN-18")
def test_opening_hour_problems_are_part_of_the_queue_problems() -> None:
    hours = OpeningHours(weekly=((),) * 4 + ((TimeInterval(900, 600),),) + ((),) * 2)

    assert fields_and_codes(Queue("Reklamace", hours=hours).problems()) == [("hours_fri", "interval_empty")]


# -- the other entities --------------------------------------------------------------------------


@pytest.mark.req("ADM-10")
@pytest.mark.parametrize(("level", "priority"), [(1, 1), (10, 10), (5, 5)])
def test_skill_levels_and_priorities_run_from_one_to_ten(level: int, priority: int) -> None:
    assert AgentSkill(1, 2, level, priority).problems() == []


@pytest.mark.req("ADM-10")
def test_skill_level_and_priority_out_of_range_are_both_reported() -> None:
    assert fields_and_codes(AgentSkill(1, 2, level=11, priority=0).problems()) == [
        ("level", "out_of_range"),
        ("priority", "out_of_range"),
    ]


@pytest.mark.req("ADM-07")
def test_pause_code_rules() -> None:
    assert PauseCode("OBED", "Oběd").problems() == []
    assert PauseCode("X" * 20, "Y" * 60, max_duration_min=480).problems() == []
    assert fields_and_codes(PauseCode("X" * 21, "Y" * 61, max_duration_min=-1).problems()) == [
        ("code", "too_long"),
        ("name", "too_long"),
        ("max_duration_min", "out_of_range"),
    ]


@pytest.mark.req("ADM-08")
def test_a_category_cannot_be_its_own_parent() -> None:
    assert fields_and_codes(CallCategory("Reklamace", parent_id=3, id=3).problems()) == [
        ("parent_id", "category_cycle")
    ]
    assert CallCategory("Reklamace", parent_id=3).problems() == []


@pytest.mark.req("ADM-09")
def test_transfer_groups_and_lines_need_a_name_and_a_position_in_range() -> None:
    assert fields_and_codes(TransferLineGroup("", position=10000).problems()) == [
        ("name", "required"),
        ("position", "out_of_range"),
    ]
    assert fields_and_codes(TransferLine("", "", position=-1).problems()) == [
        ("name", "required"),
        ("number", "required"),
        ("position", "out_of_range"),
    ]


@pytest.mark.req("ADM-06")
def test_a_report_filter_accepts_every_known_report_and_names_unknown_ones() -> None:
    assert ReportAccessFilter("Vše", set(REPORTS)).problems() == []
    assert ReportAccessFilter("Nic", set()).problems() == []
    assert ReportAccessFilter("F", {"hourly", "zzz", "aaa"}).problems() == [
        FieldError("reports", "invalid_choice", {"value": "aaa, zzz"})
    ]


@pytest.mark.req("ADM-03")
def test_a_group_description_is_optional_but_limited() -> None:
    assert AgentGroup("KKC Praha").problems() == []
    assert fields_and_codes(AgentGroup("KKC Praha", "x" * 501).problems()) == [("description", "too_long")]


# -- users ---------------------------------------------------------------------------------------


@pytest.mark.req("ADM-02")
@pytest.mark.parametrize(
    "username", ["jnovak", "jan.novak", "jan_novak-2", "jan.novak@kc.cz", "dvořák", "a" * 64]
)
def test_acceptable_user_names(username: str) -> None:
    assert User(username, "Jan Novák", {Role.AGENT}).problems() == []


@pytest.mark.req("ADM-02")
@pytest.mark.parametrize(
    ("username", "code"),
    [("", "required"), ("jan novak", "bad_username"), ("jan/novak", "bad_username"), ("a" * 65, "too_long")],
)
def test_unacceptable_user_names(username: str, code: str) -> None:
    assert ("username", code) in fields_and_codes(User(username, "Jan Novák", {Role.AGENT}).problems())


@pytest.mark.req("ADM-02")
def test_user_fields_are_checked_together() -> None:
    user = User("jnovak", "", set(), email="jan novak@example.cz", agent_number="1", language="de")

    assert fields_and_codes(user.problems()) == [
        ("full_name", "required"),
        ("email", "bad_email"),
        ("agent_number", "bad_internal_number"),
        ("roles", "required"),
        ("language", "invalid_choice"),
    ]


@pytest.mark.req("ADM-02")
def test_email_and_agent_number_are_optional() -> None:
    assert User("jnovak", "Jan Novák", {Role.AGENT}, email="", agent_number="").problems() == []
    assert User("jnovak", "Jan Novák", {Role.AGENT}, language="en").problems() == []


@pytest.mark.req("INT-04")
@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [
        ("", True),
        ("PJSIP/1001", True),
        ("IAX2/desk-12", True),
        ("Local/2101@kc-phones", True),
        ("Local/agent7@kc-phones/n", True),
        ("SIP/2101", True),
        ("2101", True),  # a Mitel device number
        ("PJSIP/", False),
        ("PJSIP/1001/n", False),
        ("pjsip/1001", False),
        ("PJSIP/1001 & Dial(...)", False),
        ("Local/2101@kc-phones/n,Hangup", False),
        ("https://example.com", False),
    ],
)
def test_an_agents_endpoint_is_a_dial_string_or_a_device_number(endpoint: str, ok: bool) -> None:
    problems = fields_and_codes(User("jnovak", "Jan Novák", {Role.AGENT}, endpoint=endpoint).problems())
    assert problems == ([] if ok else [("endpoint", "bad_endpoint")])


@pytest.mark.req("OUT-17")
@pytest.mark.parametrize(
    ("number", "ok"), [("", True), ("+420261100777", True), ("261100777", False), ("2101", False)]
)
def test_an_officers_direct_number_is_in_e164(number: str, ok: bool) -> None:
    problems = fields_and_codes(User("jnovak", "Jan Novák", {Role.AGENT}, direct_number=number).problems())
    assert problems == ([] if ok else [("direct_number", "bad_phone")])
