"""The local password policy and the sign-in lock-out (SEC-02)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_domain.errors import FieldError
from kc_domain.identity.model import User
from kc_domain.identity.password import LockoutPolicy, PasswordPolicy
from kc_domain.identity.roles import Role

pytestmark = pytest.mark.req("SEC-02")

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
GOOD = "Modry-Kun-42-Praha"


def codes(problems: list[FieldError]) -> list[str]:
    return [p.code for p in problems]


# -- composition rules ----------------------------------------------------------------------------


def test_a_password_that_meets_every_default_rule_has_no_problems() -> None:
    assert PasswordPolicy().problems(GOOD, username="jnovak") == []


def test_czech_letters_count_as_upper_and_lower_case() -> None:
    assert PasswordPolicy().problems("Žluťoučký kůň 7x") == []


@pytest.mark.parametrize(
    ("policy", "password", "code", "params"),
    [
        (PasswordPolicy(), "Kratke-1", "password_too_short", {"min": 12}),
        (PasswordPolicy(min_length=20), "Modry-Kun-42-Praha", "password_too_short", {"min": 20}),
        (PasswordPolicy(), "Aa1" + "x" * 254, "too_long", {"max": 256}),
        (PasswordPolicy(), "Modry-Kun-Praha", "password_needs_digit", {}),
        (PasswordPolicy(), "modry-kun-42-praha", "password_needs_upper", {}),
        (PasswordPolicy(), "MODRY-KUN-42-PRAHA", "password_needs_lower", {}),
        (PasswordPolicy(require_special=True), "ModryKun42Praha", "password_needs_special", {}),
    ],
    ids=["length", "custom-length", "over-256", "digit", "upper", "lower", "special"],
)
def test_each_rule_reports_exactly_its_own_problem_on_the_password_field(
    policy: PasswordPolicy, password: str, code: str, params: dict[str, int]
) -> None:
    assert policy.problems(password) == [FieldError("password", code, params)]


def test_the_length_limits_are_inclusive() -> None:
    policy = PasswordPolicy(min_length=12)

    assert policy.problems("Abcdefghij12") == []  # exactly 12
    assert policy.problems("Aa1" + "x" * 253) == []  # exactly 256


@pytest.mark.parametrize("special", ["!", "#", "-", "_", ".", "@", " ", "~", "\\", '"'])
def test_any_ascii_punctuation_or_a_space_satisfies_the_special_character_rule(special: str) -> None:
    assert PasswordPolicy(require_special=True).problems(f"ModryKun42{special}Praha") == []


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("jnovak", "jnovak-Heslo-2026"),
        ("jnovak", "Heslo-JNovak-2026"),
        ("JNovak", "heslo-jnovak-2026X"),
        ("jan.novak@kc.cz", "Xx1-JAN.NOVAK@KC.CZ"),
    ],
)
def test_a_password_containing_the_user_name_in_any_case_is_refused(username: str, password: str) -> None:
    assert "password_contains_username" in codes(PasswordPolicy().problems(password, username=username))


def test_without_a_user_name_the_user_name_rule_is_not_applied() -> None:
    assert PasswordPolicy().problems(GOOD, username="") == []


def test_several_broken_rules_are_reported_at_once() -> None:
    policy = PasswordPolicy(require_special=True)

    assert codes(policy.problems("novak", username="novak")) == [
        "password_too_short",
        "password_needs_digit",
        "password_needs_upper",
        "password_needs_special",
        "password_contains_username",
    ]


def test_with_every_rule_switched_off_only_the_minimum_length_counts() -> None:
    policy = PasswordPolicy(min_length=1, require_digit=False, require_upper=False, require_lower=False)

    assert policy.problems("a") == []
    assert codes(policy.problems("")) == ["password_too_short"]


# -- expiry ---------------------------------------------------------------------------------------


def test_passwords_never_expire_when_max_age_is_zero() -> None:
    assert not PasswordPolicy(max_age_days=0).expired(NOW - timedelta(days=3650), NOW)


def test_a_password_without_a_change_date_never_expires() -> None:
    assert not PasswordPolicy(max_age_days=90).expired(None, NOW)


def test_a_password_expires_once_it_is_older_than_max_age_days() -> None:
    policy = PasswordPolicy(max_age_days=90)
    changed = NOW - timedelta(days=90)

    assert not policy.expired(changed, NOW)  # exactly 90 days old: still valid
    assert policy.expired(changed - timedelta(seconds=1), NOW)
    assert not policy.expired(NOW - timedelta(days=89), NOW)


# -- lock-out -------------------------------------------------------------------------------------


def user() -> User:
    return User("jnovak", "Jan Novák", {Role.AGENT}, id=7)


def test_given_fewer_failures_than_the_limit_then_the_account_is_not_locked() -> None:
    account, policy = user(), LockoutPolicy(max_failures=5, lock_minutes=15)

    for _ in range(4):
        account.record_failed_login(NOW, policy)

    assert account.failed_logins == 4
    assert not account.is_locked(NOW)


def test_given_max_failures_then_the_account_is_locked_for_lock_minutes() -> None:
    account, policy = user(), LockoutPolicy(max_failures=5, lock_minutes=15)

    for _ in range(5):
        account.record_failed_login(NOW, policy)

    assert account.locked_until == NOW + timedelta(minutes=15)
    assert account.failed_logins == 0  # a fresh count after the lock
    assert account.is_locked(NOW)
    assert account.is_locked(NOW + timedelta(minutes=14, seconds=59))
    assert not account.is_locked(NOW + timedelta(minutes=15))


@pytest.mark.parametrize(("max_failures", "lock_minutes"), [(1, 1), (3, 60), (10, 1440)])
def test_the_lockout_policy_is_configurable(max_failures: int, lock_minutes: int) -> None:
    account, policy = user(), LockoutPolicy(max_failures=max_failures, lock_minutes=lock_minutes)

    for _ in range(max_failures - 1):
        account.record_failed_login(NOW, policy)
    assert not account.is_locked(NOW)

    account.record_failed_login(NOW, policy)

    assert account.is_locked(NOW + timedelta(minutes=lock_minutes) - timedelta(seconds=1))
    assert not account.is_locked(NOW + timedelta(minutes=lock_minutes))


def test_a_successful_login_resets_failures_and_lock() -> None:
    account, policy = user(), LockoutPolicy(max_failures=3, lock_minutes=15)
    account.record_failed_login(NOW, policy)
    account.record_failed_login(NOW, policy)

    account.record_successful_login()
    account.record_failed_login(NOW, policy)
    account.record_failed_login(NOW, policy)

    assert not account.is_locked(NOW)
    assert account.failed_logins == 2

    account.record_failed_login(NOW, policy)
    account.record_successful_login()

    assert account.locked_until is None
    assert not account.is_locked(NOW)


def test_a_new_account_is_not_locked() -> None:
    assert not user().is_locked(NOW)
    assert user().failed_logins == 0
