"""Signing in with a local account (SEC-02), audited either way (SEC-03), roles applied (GEN-01)."""

from __future__ import annotations

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import Argon2Hasher, FixedClock
from kc_domain.admin.service import AdminService
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditTrail
from kc_domain.errors import AuthenticationFailed, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.password import LockoutPolicy, PasswordPolicy
from kc_domain.identity.roles import Permission, Role
from kc_domain.identity.service import SignedIn, SignInService

from .support import ROOT, ROOT_PASSWORD, Store

pytestmark = pytest.mark.req("SEC-02")

PASSWORD = "Zelena-Louka-2026"
WRONG = "Zelena-Louka-2025"
FROM = "192.0.2.10"


@pytest.fixture
def agent(admin: AdminService, root: User) -> User:
    """Jan Novák, an agent in a group whose members also handle callbacks and supervise."""
    group = admin.create(ROOT, "group", {"name": "Vedoucí směn", "roles": {Role.SUPERVISOR, Role.CALLBACK}})
    values = {
        "username": "jnovak",
        "full_name": "Jan Novák",
        "roles": {Role.AGENT},
        "group_id": group.id,
        "language": "en",
    }
    user: User = admin.create(ROOT, "user", values, password=PASSWORD)
    return user


def refused(sign_in: SignInService, username: str, password: str) -> str:
    return refused_from(sign_in, username, password, FROM)


def refused_from(sign_in: SignInService, username: str, password: str, source: str) -> str:
    with pytest.raises(AuthenticationFailed) as failure:
        sign_in.sign_in(username, password, source)
    return failure.value.reason


# -- signing in ----------------------------------------------------------------------------------


@pytest.mark.req("SEC-02", "SEC-03", "GEN-01", "ADM-03")
def test_the_right_password_signs_in_with_own_and_group_permissions(
    sign_in: SignInService, agent: User, store: Store, clock: FixedClock
) -> None:
    signed_in = sign_in.sign_in("jnovak", PASSWORD, FROM)

    assert signed_in == SignedIn(
        user_id=agent.id,
        username="jnovak",
        full_name="Jan Novák",
        language="en",
        permissions=signed_in.permissions,
        password_expired=False,
    )
    assert {
        Permission.AGENT_DESKTOP,
        Permission.SUPERVISE,
        Permission.HANDLE_CALLBACKS,
    } <= signed_in.permissions
    assert Permission.MANAGE_USERS not in signed_in.permissions
    record = store.last()
    assert (record.action, record.outcome, record.actor, record.source) == (
        "auth.sign_in",
        Outcome.OK,
        "jnovak",
        FROM,
    )
    assert (record.object_type, record.object_id, record.at) == ("user", str(agent.id), clock.now())


@pytest.mark.req("SEC-02", "SEC-03")
def test_a_wrong_password_is_refused_counted_and_audited(
    sign_in: SignInService, agent: User, store: Store
) -> None:
    assert refused(sign_in, "jnovak", WRONG) == "bad_credentials"

    assert store.user(agent.id).failed_logins == 1
    record = store.last()
    assert (record.action, record.outcome, record.actor) == ("auth.sign_in", Outcome.FAILED, "jnovak")
    assert (record.object_id, record.params) == (str(agent.id), {"reason": "bad_credentials"})
    assert WRONG not in str(record.params)


@pytest.mark.req("SEC-02", "SEC-03")
def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password_and_is_audited(
    sign_in: SignInService, agent: User, store: Store
) -> None:
    assert refused(sign_in, "nikdo", PASSWORD) == "bad_credentials"

    record = store.last()
    assert (record.actor, record.outcome, record.object_type, record.object_id) == (
        "nikdo",
        Outcome.FAILED,
        "user",
        "",
    )
    assert record.params == {"reason": "bad_credentials"}


@pytest.mark.req("SEC-02", "SEC-03")
def test_an_empty_user_name_is_refused_and_audited_with_a_placeholder_actor(
    sign_in: SignInService, agent: User, store: Store
) -> None:
    assert refused(sign_in, "", "") == "bad_credentials"

    assert store.last().actor == "-"


@pytest.mark.parametrize("typed", ["JNovak", "JNOVAK", "  jnovak  "])
def test_the_user_name_is_matched_case_insensitively(sign_in: SignInService, agent: User, typed: str) -> None:
    signed_in = sign_in.sign_in(typed, PASSWORD, FROM)

    assert (signed_in.user_id, signed_in.username) == (agent.id, "jnovak")


def test_the_password_is_case_sensitive(sign_in: SignInService, agent: User) -> None:
    assert refused(sign_in, "jnovak", PASSWORD.upper()) == "bad_credentials"


def test_an_administrator_signs_in_with_every_permission(sign_in: SignInService, root: User) -> None:
    assert sign_in.sign_in("spravce", ROOT_PASSWORD, FROM).permissions == frozenset(Permission)


def test_a_user_without_a_local_password_cannot_sign_in_with_any_password(
    sign_in: SignInService, uow_factory: MemoryUnitOfWorkFactory, root: User
) -> None:
    with uow_factory() as uow:
        uow.users.add(User("ldap.uzivatel", "Uživatel z adresáře", {Role.AGENT}))
        uow.commit()

    assert refused(sign_in, "ldap.uzivatel", "") == "bad_credentials"
    assert refused(sign_in, "ldap.uzivatel", "cokoli") == "bad_credentials"


# -- lock-out ------------------------------------------------------------------------------------


@pytest.mark.req("SEC-02", "SEC-03")
def test_given_max_failures_wrong_passwords_then_even_the_right_one_is_locked_out_until_the_lock_ends(
    sign_in: SignInService, agent: User, lockout: LockoutPolicy, clock: FixedClock, store: Store
) -> None:
    reasons = [refused(sign_in, "jnovak", WRONG) for _ in range(lockout.max_failures)]

    assert reasons == ["bad_credentials"] * lockout.max_failures
    assert refused(sign_in, "jnovak", PASSWORD) == "locked"
    assert store.last().params == {"reason": "locked"}

    clock.advance(minutes=lockout.lock_minutes, seconds=-1)
    assert refused(sign_in, "jnovak", PASSWORD) == "locked"

    clock.advance(seconds=1)
    assert sign_in.sign_in("jnovak", PASSWORD, FROM).user_id == agent.id
    saved = store.user(agent.id)
    assert (saved.failed_logins, saved.locked_until) == (0, None)


def test_wrong_passwords_during_the_lock_neither_count_nor_extend_it(
    sign_in: SignInService, agent: User, lockout: LockoutPolicy, clock: FixedClock, store: Store
) -> None:
    for _ in range(lockout.max_failures):
        refused(sign_in, "jnovak", WRONG)
    locked_until = store.user(agent.id).locked_until

    clock.advance(minutes=10)
    assert refused(sign_in, "jnovak", WRONG) == "locked"

    saved = store.user(agent.id)
    assert (saved.locked_until, saved.failed_logins) == (locked_until, 0)


def test_a_successful_sign_in_resets_the_failure_count(
    sign_in: SignInService, agent: User, lockout: LockoutPolicy
) -> None:
    for _ in range(lockout.max_failures - 1):
        refused(sign_in, "jnovak", WRONG)
    sign_in.sign_in("jnovak", PASSWORD, FROM)
    for _ in range(lockout.max_failures - 1):
        refused(sign_in, "jnovak", WRONG)

    assert sign_in.sign_in("jnovak", PASSWORD, FROM).username == "jnovak"


@pytest.mark.parametrize(("max_failures", "lock_minutes"), [(1, 1), (3, 60)])
def test_the_lockout_follows_the_configured_policy(
    max_failures: int,
    lock_minutes: int,
    uow_factory: MemoryUnitOfWorkFactory,
    clock: FixedClock,
    hasher: Argon2Hasher,
    policy: PasswordPolicy,
    audit: AuditTrail,
    agent: User,
) -> None:
    service = SignInService(
        uow_factory, clock, hasher, policy, LockoutPolicy(max_failures, lock_minutes), audit
    )

    for _ in range(max_failures):
        refused(service, "jnovak", WRONG)

    assert refused(service, "jnovak", PASSWORD) == "locked"
    clock.advance(minutes=lock_minutes)
    assert service.sign_in("jnovak", PASSWORD, FROM).user_id == agent.id


def test_failures_of_one_user_do_not_lock_another(
    sign_in: SignInService, agent: User, root: User, lockout: LockoutPolicy
) -> None:
    for _ in range(lockout.max_failures):
        refused(sign_in, "jnovak", WRONG)

    assert sign_in.sign_in("spravce", ROOT_PASSWORD, FROM).username == "spravce"


@pytest.mark.req("SEC-02", "ADM-02")
def test_an_administrator_setting_a_new_password_unlocks_the_account(
    sign_in: SignInService, admin: AdminService, agent: User, lockout: LockoutPolicy
) -> None:
    for _ in range(lockout.max_failures):
        refused(sign_in, "jnovak", WRONG)

    admin.update(ROOT, "user", agent.id, {}, password="Nove-Heslo-2027")

    assert sign_in.sign_in("jnovak", "Nove-Heslo-2027", FROM).user_id == agent.id


# -- inactive and removed accounts ---------------------------------------------------------------


@pytest.mark.req("SEC-02", "ADM-02")
def test_an_inactive_user_with_the_right_password_is_told_the_account_is_inactive(
    sign_in: SignInService, admin: AdminService, agent: User, store: Store
) -> None:
    admin.update(ROOT, "user", agent.id, {"active": False})

    assert refused(sign_in, "jnovak", PASSWORD) == "inactive"
    assert store.last().params == {"reason": "inactive"}
    assert refused(sign_in, "jnovak", WRONG) == "bad_credentials"


@pytest.mark.req("ADM-02", "GEN-01")
def test_identity_follows_the_current_account(
    sign_in: SignInService, admin: AdminService, agent: User
) -> None:
    assert sign_in.identity(agent.id) == sign_in.sign_in("jnovak", PASSWORD, FROM)

    admin.update(ROOT, "user", agent.id, {"roles": {Role.WALLBOARD}, "group_id": None})

    current = sign_in.identity(agent.id)
    assert current is not None
    assert current.permissions == {Permission.VIEW_WALLBOARD}


@pytest.mark.req("ADM-02", "ADM-03")
def test_identity_reflects_a_change_of_the_groups_roles_at_once(
    sign_in: SignInService, admin: AdminService, agent: User
) -> None:
    assert agent.group_id is not None
    admin.update(ROOT, "group", agent.group_id, {"roles": set()})

    current = sign_in.identity(agent.id)
    assert current is not None
    assert current.permissions == {Permission.AGENT_DESKTOP}


@pytest.mark.req("ADM-02")
def test_identity_is_none_after_deactivation(
    sign_in: SignInService, admin: AdminService, agent: User
) -> None:
    admin.update(ROOT, "user", agent.id, {"active": False})

    assert sign_in.identity(agent.id) is None


@pytest.mark.req("ADM-02")
def test_identity_is_none_after_deletion(sign_in: SignInService, admin: AdminService, agent: User) -> None:
    admin.delete(ROOT, "user", agent.id)

    assert sign_in.identity(agent.id) is None
    assert refused(sign_in, "jnovak", PASSWORD) == "bad_credentials"


def test_identity_of_an_unknown_id_is_none(sign_in: SignInService, root: User) -> None:
    assert sign_in.identity(999) is None


@pytest.mark.req("SEC-03")
def test_signing_out_is_audited(sign_in: SignInService, agent: User, store: Store) -> None:
    assert agent.id is not None
    sign_in.sign_out(agent.id, FROM)

    record = store.last()
    assert (record.action, record.actor, record.source, record.outcome) == (
        "auth.sign_out",
        "jnovak",
        FROM,
        Outcome.OK,
    )


# -- own password --------------------------------------------------------------------------------


@pytest.mark.req("SEC-02", "SEC-03")
def test_changing_the_own_password_replaces_it_and_is_audited(
    sign_in: SignInService, agent: User, store: Store, clock: FixedClock
) -> None:
    clock.advance(days=3)

    sign_in.change_own_password(agent.id, PASSWORD, "Nove-Heslo-2027", FROM)

    assert sign_in.sign_in("jnovak", "Nove-Heslo-2027", FROM).user_id == agent.id
    assert refused(sign_in, "jnovak", PASSWORD) == "bad_credentials"
    assert store.user(agent.id).password_changed_at == clock.now()
    change = next(r for r in store.records() if r.action == "auth.change_password")
    assert (change.actor, change.object_id, change.outcome, change.params) == (
        "jnovak",
        str(agent.id),
        Outcome.OK,
        {},
    )


@pytest.mark.req("SEC-02", "SEC-03")
def test_changing_the_own_password_requires_the_current_one_and_a_wrong_one_is_counted_and_audited(
    sign_in: SignInService, agent: User, store: Store
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        sign_in.change_own_password(agent.id, WRONG, "Nove-Heslo-2027", FROM)

    assert [(e.field, e.code) for e in failure.value.errors] == [("current_password", "wrong_password")]
    assert store.user(agent.id).failed_logins == 1  # counts towards the lock-out like a sign-in
    refusal = next(r for r in store.records() if r.action == "auth.change_password")
    assert (refusal.actor, refusal.source, refusal.object_id, refusal.outcome, refusal.params) == (
        "jnovak",
        FROM,
        str(agent.id),
        Outcome.FAILED,
        {"reason": "wrong_password"},
    )
    assert WRONG not in str(refusal.params)


def test_changing_the_password_of_an_unknown_user_is_refused(sign_in: SignInService, root: User) -> None:
    with pytest.raises(ValidationFailed) as failure:
        sign_in.change_own_password(999, PASSWORD, "Nove-Heslo-2027", FROM)

    assert [(e.field, e.code) for e in failure.value.errors] == [("current_password", "wrong_password")]


@pytest.mark.parametrize(
    ("new", "codes"),
    [
        ("kratke", ["password_too_short", "password_needs_digit", "password_needs_upper"]),
        ("Heslo-JNovak-2027", ["password_contains_username"]),
        (PASSWORD, ["password_reused"]),
    ],
    ids=["policy", "username", "reuse"],
)
def test_a_new_own_password_must_satisfy_the_policy_and_differ_from_the_old_one(
    new: str, codes: list[str], sign_in: SignInService, agent: User, store: Store
) -> None:
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        sign_in.change_own_password(agent.id, PASSWORD, new, FROM)

    assert [e.code for e in failure.value.errors] == codes
    assert {e.field for e in failure.value.errors} == {"password"}
    assert store.snapshot() == before
    assert sign_in.sign_in("jnovak", PASSWORD, FROM).user_id == agent.id


# -- expiry --------------------------------------------------------------------------------------


@pytest.fixture
def expiring(
    uow_factory: MemoryUnitOfWorkFactory,
    clock: FixedClock,
    hasher: Argon2Hasher,
    lockout: LockoutPolicy,
    audit: AuditTrail,
) -> SignInService:
    return SignInService(uow_factory, clock, hasher, PasswordPolicy(max_age_days=90), lockout, audit)


def test_a_password_older_than_max_age_days_is_flagged_expired_but_still_signs_in(
    expiring: SignInService, agent: User, clock: FixedClock
) -> None:
    clock.advance(days=90)
    assert not expiring.sign_in("jnovak", PASSWORD, FROM).password_expired

    clock.advance(seconds=1)
    assert expiring.sign_in("jnovak", PASSWORD, FROM).password_expired
    current = expiring.identity(agent.id)
    assert current is not None
    assert current.password_expired


def test_changing_an_expired_password_clears_the_flag(
    expiring: SignInService, agent: User, clock: FixedClock
) -> None:
    clock.advance(days=120)

    expiring.change_own_password(agent.id, PASSWORD, "Nove-Heslo-2027", FROM)

    assert not expiring.sign_in("jnovak", "Nove-Heslo-2027", FROM).password_expired


def test_without_max_age_passwords_never_expire(
    sign_in: SignInService, agent: User, clock: FixedClock
) -> None:
    clock.advance(days=3650)

    assert not sign_in.sign_in("jnovak", PASSWORD, FROM).password_expired


# -- no password oracle, no enumeration, no mass lock-out (issue 16) -----------------------------


class CountingHasher:
    """The real hasher, counting the password checks: the work an attempt costs."""

    def __init__(self, real: Argon2Hasher) -> None:
        self.real, self.checks = real, 0

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.checks += 1
        return self.real.verify(password_hash, password)


@pytest.fixture
def counting(hasher: Argon2Hasher) -> CountingHasher:
    return CountingHasher(hasher)


@pytest.fixture
def guarded(
    uow_factory: MemoryUnitOfWorkFactory,
    clock: FixedClock,
    counting: CountingHasher,
    policy: PasswordPolicy,
    audit: AuditTrail,
    agent: User,
) -> SignInService:
    """Sign-in with a lock-out after 3 failures of an account and 8 of a source, for 15 minutes."""
    return SignInService(uow_factory, clock, counting, policy, LockoutPolicy(3, 15, 8), audit)


@pytest.mark.req("SEC-02", "SEC-03")
def test_wrong_current_passwords_count_towards_the_same_lock_out_as_sign_ins(
    guarded: SignInService, agent: User, store: Store
) -> None:
    assert agent.id is not None
    refused(guarded, "jnovak", WRONG)
    codes = []
    for _ in range(2):
        with pytest.raises(ValidationFailed) as failure:
            guarded.change_own_password(agent.id, WRONG, "Nove-Heslo-2027", FROM)
        codes.append(failure.value.errors[0].code)

    assert codes == ["wrong_password", "account_locked"]  # the third failure in all locks
    assert refused(guarded, "jnovak", PASSWORD) == "locked"
    with pytest.raises(ValidationFailed) as failure:  # while locked, not even the right one is checked
        guarded.change_own_password(agent.id, PASSWORD, "Nove-Heslo-2027", FROM)
    assert failure.value.errors[0].code == "account_locked"
    refusals = [r for r in store.records() if r.action == "auth.change_password"]
    assert [(r.outcome, r.params["reason"]) for r in refusals] == [
        (Outcome.FAILED, "wrong_password"),
        (Outcome.FAILED, "locked"),
    ]  # the second wrong one is counted into the first one's record (AuditTrail.record_denial)


@pytest.mark.req("SEC-02")
def test_a_user_name_without_an_account_locks_like_an_account_so_the_answers_do_not_tell_them_apart(
    guarded: SignInService, agent: User
) -> None:
    existing = [refused(guarded, "jnovak", WRONG) for _ in range(5)]
    unknown = [refused_from(guarded, "nikdo", WRONG, "198.51.100.7") for _ in range(5)]

    assert existing == unknown == ["bad_credentials"] * 3 + ["locked"] * 2


@pytest.mark.req("SEC-02")
@pytest.mark.parametrize("username", ["jnovak", "nikdo"])
def test_every_refusal_costs_exactly_one_password_check(
    guarded: SignInService, counting: CountingHasher, agent: User, username: str
) -> None:
    refused(guarded, "nikdo-jiny", WRONG)  # the decoy hash is made once, before the counting starts
    checks = []
    for _ in range(5):  # wrong, wrong, wrong (locks), locked, locked
        before = counting.checks
        refused(guarded, username, WRONG)
        checks.append(counting.checks - before)

    assert checks == [1] * 5


@pytest.mark.req("SEC-02")
@pytest.mark.req("SEC-02")
def test_spacing_out_guesses_does_not_tell_an_unknown_name_from_an_account(
    sign_in: SignInService, agent: User, clock: FixedClock
) -> None:
    answers: dict[str, list[str]] = {"jnovak": [], "nikdo": []}
    for _attempt in range(6):
        for name, seen in answers.items():
            seen.append(refused_from(sign_in, name, WRONG, f"192.0.2.{10 + _attempt}"))
        clock.advance(minutes=16)  # longer than the lock: an account's failures are kept all the same
    assert answers["jnovak"] == answers["nikdo"]


def test_one_source_cannot_lock_out_every_account(
    guarded: SignInService, counting: CountingHasher, agent: User, root: User, clock: FixedClock
) -> None:
    # 8 failures from one address, spread over user names so that no account locks
    for name in ["a", "b", "c", "d", "e", "f", "g"]:
        refused(guarded, name, WRONG)
    assert refused(guarded, "jnovak", WRONG) == "bad_credentials"  # the 8th

    before = counting.checks
    assert refused(guarded, "jnovak", PASSWORD) == "throttled"  # being guessed: not even the right one
    assert counting.checks == before + 1
    # a colleague behind the same address whose account nobody guessed still signs in (an office
    # behind one address is not locked out by one person); a wrong password counts against the
    # account, so each account gives the blocked source one guess
    assert guarded.sign_in("spravce", ROOT_PASSWORD, FROM).username == "spravce"
    assert refused(guarded, "spravce", WRONG) == "throttled"
    assert refused(guarded, "spravce", ROOT_PASSWORD) == "throttled"
    assert counting.checks == before + 4  # one check each, right or wrong
    assert guarded.sign_in("spravce", ROOT_PASSWORD, "198.51.100.7").username == "spravce"
    assert guarded.sign_in("jnovak", PASSWORD, "198.51.100.7").username == "jnovak"

    clock.advance(minutes=15)
    assert guarded.sign_in("jnovak", PASSWORD, FROM).user_id == agent.id


def test_an_ipv6_source_is_throttled_by_its_64_bit_network(guarded: SignInService, agent: User) -> None:
    for host in range(8):
        refused_from(guarded, f"user{host}", WRONG, f"2001:db8:1:2::{host + 1:x}")

    assert refused_from(guarded, "user9", WRONG, "2001:db8:1:2:ffff::1") == "throttled"  # the same /64
    assert refused_from(guarded, "user9", WRONG, "2001:db8:1:3::1") == "bad_credentials"  # another one
    assert guarded.sign_in("jnovak", PASSWORD, "2001:db8:1:3::1").user_id == agent.id


@pytest.mark.req("SEC-02")
def test_signing_out_and_a_new_password_end_the_sessions_begun_before(
    sign_in: SignInService, admin: AdminService, agent: User
) -> None:
    assert agent.id is not None
    first = sign_in.sign_in("jnovak", PASSWORD, FROM)
    second = sign_in.sign_in("jnovak", PASSWORD, "198.51.100.7")
    assert sign_in.identity(agent.id, first.session_epoch) is not None

    sign_in.sign_out(agent.id, FROM)

    assert sign_in.identity(agent.id, first.session_epoch) is None
    assert sign_in.identity(agent.id, second.session_epoch) is None
    third = sign_in.sign_in("jnovak", PASSWORD, FROM)
    changed = sign_in.change_own_password(agent.id, PASSWORD, "Nove-Heslo-2027", FROM)
    assert sign_in.identity(agent.id, third.session_epoch) is None
    assert sign_in.identity(agent.id, changed.session_epoch) is not None  # the session that changed it
    admin.update(ROOT, "user", agent.id, {}, password="Jina-Heslo-2028")
    assert sign_in.identity(agent.id, changed.session_epoch) is None
