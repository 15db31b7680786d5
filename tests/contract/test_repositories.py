"""The repository and unit-of-work contract, run on memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from typing import Any

import attrs
import pytest

from kc_domain.identity.roles import Role
from kc_domain.organisation.model import OverflowTarget, PauseCode, PauseKind, Queue
from kc_domain.plain import to_plain
from kc_ports.persistence import Repository, UnitOfWork, UnitOfWorkFactory
from tests.contract.samples import CHANGED_AT, HOURS, SAMPLES, Sample, pause_code, queue, user

KINDS = [pytest.param(s, id=s.name, marks=pytest.mark.req(s.req)) for s in SAMPLES]
ALL_ADMIN = pytest.mark.req("ADM-02", "ADM-03", "ADM-05", "ADM-06", "ADM-07", "ADM-08", "ADM-09", "ADM-10")


def repo(uow: UnitOfWork, sample: Sample) -> Repository[Any]:
    repository: Repository[Any] = getattr(uow, sample.repo)
    return repository


def add(uow_factory: UnitOfWorkFactory, sample: Sample, n: int = 0) -> tuple[int, dict[str, Any]]:
    """Add and commit the n-th sample; its id and its plain data as the domain sees it."""
    with uow_factory() as uow:
        entity = sample.make(uow, n)
        uow.commit()
    return entity.id, to_plain(entity)


@pytest.mark.parametrize("sample", KINDS)
def test_given_a_new_entity_when_added_then_it_has_an_id_and_a_later_unit_reads_it_back_unchanged(
    uow_factory: UnitOfWorkFactory, sample: Sample
) -> None:
    with uow_factory() as uow:
        entity = sample.make(uow, 0)
        assert isinstance(entity.id, int)  # at once, before commit
        uow.commit()

    with uow_factory() as uow:
        stored = repo(uow, sample).get(entity.id)

    assert type(stored) is type(entity)
    assert to_plain(stored) == to_plain(entity)


@pytest.mark.parametrize("sample", KINDS)
def test_list_holds_every_entity_of_the_kind_ordered_by_id_and_ids_are_unique(
    uow_factory: UnitOfWorkFactory, sample: Sample
) -> None:
    ids = [add(uow_factory, sample, n)[0] for n in (3, 1, 2)]

    with uow_factory() as uow:
        listed = repo(uow, sample).list()

    assert len(set(ids)) == 3
    assert ids == sorted(ids)
    assert set(ids) <= {e.id for e in listed}  # (a category sample adds its parent too)
    assert [e.id for e in listed] == sorted(e.id for e in listed)


@pytest.mark.parametrize("sample", KINDS)
def test_given_a_stored_entity_when_deleted_and_committed_then_it_is_gone(
    uow_factory: UnitOfWorkFactory, sample: Sample
) -> None:
    keep, _ = add(uow_factory, sample, 1)
    gone, _ = add(uow_factory, sample, 2)

    with uow_factory() as uow:
        repo(uow, sample).delete(repo(uow, sample).get(gone))
        assert repo(uow, sample).get(gone) is None  # at once, inside the unit
        uow.commit()

    with uow_factory() as uow:
        assert repo(uow, sample).get(gone) is None
        assert gone not in [e.id for e in repo(uow, sample).list()]
        assert repo(uow, sample).get(keep) is not None


@pytest.mark.parametrize("sample", KINDS)
def test_given_a_loaded_entity_when_its_attributes_change_then_commit_stores_them(
    uow_factory: UnitOfWorkFactory, sample: Sample
) -> None:
    entity_id, _ = add(uow_factory, sample)

    with uow_factory() as uow:
        entity = repo(uow, sample).get(entity_id)
        sample.change(entity)
        expected = to_plain(entity)
        uow.commit()

    with uow_factory() as uow:
        assert to_plain(repo(uow, sample).get(entity_id)) == expected


@pytest.mark.parametrize("sample", KINDS)
def test_given_a_block_left_without_commit_then_its_adds_changes_and_deletes_are_forgotten(
    uow_factory: UnitOfWorkFactory, sample: Sample
) -> None:
    existing, before = add(uow_factory, sample, 1)
    doomed, _ = add(uow_factory, sample, 2)

    with uow_factory() as uow:
        added = sample.make(uow, 3).id
        sample.change(repo(uow, sample).get(existing))
        repo(uow, sample).delete(repo(uow, sample).get(doomed))

    with uow_factory() as uow:
        assert repo(uow, sample).get(added) is None
        assert to_plain(repo(uow, sample).get(existing)) == before
        assert repo(uow, sample).get(doomed) is not None


@ALL_ADMIN
def test_given_an_exception_in_the_block_then_nothing_of_the_unit_is_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with pytest.raises(RuntimeError, match="telefonní ústředna"), uow_factory() as uow:
        added = user(uow).id
        uow.pause_codes.add(PauseCode("SKOL", "Školení"))
        raise RuntimeError("telefonní ústředna neodpovídá")

    with uow_factory() as uow:
        assert uow.users.get(added) is None
        assert uow.users.list() == uow.queues.list() == uow.pause_codes.list() == []


@ALL_ADMIN
def test_given_an_explicit_rollback_then_the_unit_forgets_and_can_go_on_to_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        forgotten = pause_code(uow, 1).id
        uow.rollback()
        assert uow.pause_codes.get(forgotten) is None
        kept = pause_code(uow, 2)
        uow.commit()

    with uow_factory() as uow:
        assert [p.name for p in uow.pause_codes.list()] == ["Oběd 2"]
    assert kept.name == "Oběd 2"


@ALL_ADMIN
def test_committed_entities_stay_usable_after_the_unit_is_closed(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        created = user(uow)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.users.get(created.id)
        listed = uow.queues.list()

    # Web views render entities after the unit closed: every attribute must still be readable.
    assert to_plain(loaded) == to_plain(created)
    assert loaded.permissions()
    assert listed[0].hours.intervals_on(listed[0].hours.exceptions[1].day, holidays=()) != ()


@ALL_ADMIN
def test_within_a_unit_get_returns_the_object_already_loaded(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        created = queue(uow)
        uow.commit()

    with uow_factory() as uow:
        first = uow.queues.get(created.id)
        first.priority = 1
        assert uow.queues.get(created.id).priority == 1
        assert [q.priority for q in uow.queues.list()] == [1]


@ALL_ADMIN
def test_get_of_an_unknown_id_is_none_and_deleting_twice_is_harmless(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        code = pause_code(uow)
        uow.commit()

    with uow_factory() as uow:
        assert uow.pause_codes.get(999_999) is None
        uow.pause_codes.delete(code)  # an object from an earlier unit, as the memory adapter allows
        uow.pause_codes.delete(code)
        uow.commit()

    with uow_factory() as uow:
        assert uow.pause_codes.list() == []


@ALL_ADMIN
def test_an_id_is_never_given_again_after_its_entity_was_deleted(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        first = pause_code(uow, 1).id
        uow.commit()
    with uow_factory() as uow:
        uow.pause_codes.delete(uow.pause_codes.get(first))
        uow.commit()

    with uow_factory() as uow:
        second = pause_code(uow, 2).id
        uow.commit()

    assert second > first  # the audit log names objects by id; an id must never mean another object


@ALL_ADMIN
def test_the_store_chooses_the_id_even_when_the_new_entity_carries_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        taken = pause_code(uow, 1).id
        copied = uow.pause_codes.add(PauseCode("SKOL", "Školení", id=taken))
        uow.commit()

    assert copied.id != taken


@ALL_ADMIN
def test_a_unit_never_sees_what_another_unit_has_not_committed(uow_factory: UnitOfWorkFactory) -> None:
    seen: list[list[str]] = []

    def other_unit() -> None:
        with uow_factory() as uow:
            seen.append([q.name for q in uow.queues.list()])

    with uow_factory() as uow:
        queue(uow)
        reader = threading.Thread(target=other_unit)
        reader.start()
        # Memory and SQLite make the reader wait for this unit; PostgreSQL lets it read at once.
        reader.join(timeout=0.3)
    reader.join(timeout=30)

    assert not reader.is_alive()
    assert seen == [[]]


@pytest.mark.req("ADM-02", "ADM-05", "ADM-07")
def test_values_come_back_as_the_domain_types_not_as_their_stored_form(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        agent, code = user(uow), pause_code(uow)
        uow.commit()

    with uow_factory() as uow:
        agent, code = uow.users.get(agent.id), uow.pause_codes.get(code.id)
        q = uow.queues.list()[0]

    assert isinstance(agent.roles, frozenset) and {type(r) for r in agent.roles} == {Role}
    assert isinstance(agent.report_filter_ids, frozenset)
    assert agent.password_changed_at == CHANGED_AT and agent.password_changed_at.tzinfo is not None
    assert type(code.kind) is PauseKind
    assert q.hours == HOURS and type(q.overflow) is OverflowTarget


@pytest.mark.req("ADM-05")
def test_replacing_a_queue_with_an_evolved_copy_field_by_field_is_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # AdminService.update validates an attrs.evolve() copy, then copies every field back.
    with uow_factory() as uow:
        created = queue(uow)
        uow.commit()

    with uow_factory() as uow:
        entity = uow.queues.get(created.id)
        candidate = attrs.evolve(entity, name="Pojistné události – hlášení", wrap_up_s=60)
        for field in attrs.fields(Queue):
            setattr(entity, field.name, getattr(candidate, field.name))
        uow.commit()

    with uow_factory() as uow:
        stored = uow.queues.get(created.id)
        assert (stored.name, stored.wrap_up_s) == ("Pojistné události – hlášení", 60)
        assert len(uow.queues.list()) == 1


def test_every_adapter_offers_every_repository_of_the_port():
    from kc_adapters.memory.persistence import OTHER_REPOSITORIES as MEMORY_OTHER
    from kc_adapters.memory.persistence import REPOSITORIES as MEMORY
    from kc_adapters.persistence.uow import OTHER_REPOSITORIES as SQL_OTHER
    from kc_adapters.persistence.uow import REPOSITORIES as SQL
    from kc_ports.persistence import UnitOfWork
    from tests.contract.ports import protocol_members, returns

    members = protocol_members(UnitOfWork) - {"audit"}
    declared = {n for n in members if "Repository" in returns(UnitOfWork, n)}
    assert declared == set(MEMORY) | set(MEMORY_OTHER) == set(SQL) | set(SQL_OTHER)
