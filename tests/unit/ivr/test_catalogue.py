"""Stored IVR trees: versions, validation before saving, atomic activation, numbers (IN-06, IN-24, ADM-11)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import FixedClock
from kc_domain.audit.service import Actor, AuditQuery, AuditTrail
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.organisation.model import Queue

ADMIN = Actor("admin", "test")


def plain(name: str = "main", queue_id: int = 1, goto: str = "") -> dict[str, Any]:
    choices = {"1": "q"} | ({"9": "dal"} if goto else {})
    nodes: list[dict[str, Any]] = [
        {"type": "menu", "id": "welcome", "prompt": {"text": "Stiskněte 1"}, "choices": choices},
        {"type": "route_to_queue", "id": "q", "queue_ids": [queue_id]},
    ]
    if goto:
        nodes.append({"type": "goto_tree", "id": "dal", "tree": goto})
    return {"name": name, "version": 1, "start": "welcome", "nodes": nodes}


@pytest.fixture
def store() -> MemoryUnitOfWorkFactory:
    factory = MemoryUnitOfWorkFactory()
    with factory() as uow:
        uow.queues.add(Queue(name="Klienti"))
        uow.queues.add(Queue(name="Plátci"))
        uow.commit()
    return factory


@pytest.fixture
def catalogue(store: MemoryUnitOfWorkFactory) -> IvrCatalogue:
    clock = FixedClock(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    return IvrCatalogue(store, clock, AuditTrail(clock))


def audit(store: MemoryUnitOfWorkFactory, action: str) -> list[Any]:
    return AuditTrail(FixedClock(datetime.now(UTC))).search(store, AuditQuery(action=action), 50)


@pytest.mark.req("IN-06", "SEC-03")
def test_saving_a_valid_tree_stores_versions_one_then_two_inactive_and_audited(catalogue, store):
    first = catalogue.save(ADMIN, plain())
    second = catalogue.save(ADMIN, plain(queue_id=2))
    assert (first.version, second.version) == (1, 2)
    assert [v.active for v in catalogue.versions("main")] == [False, False]
    assert catalogue.names() == ["main"] and catalogue.active("main") is None
    assert catalogue.export("main", 2)["nodes"][1]["queue_ids"] == [2]
    assert catalogue.export("main", 2)["version"] == 2
    records = audit(store, "ivr.save")
    assert [r.params["version"] for r in records] == [2, 1] and records[0].actor == "admin"


@pytest.mark.req("IN-06", "ADM-11", "SEC-03")
def test_an_invalid_tree_is_refused_with_paths_nothing_saved_and_the_rejection_audited(catalogue, store):
    broken = plain(queue_id=99)
    broken["nodes"][0]["choices"] = {"X": "nikam"}
    with pytest.raises(ValidationFailed) as caught:
        catalogue.save(ADMIN, broken)
    fields = {(e.field, e.code) for e in caught.value.errors}
    assert ("nodes[0].choices", "invalid_digit") in fields
    assert ("nodes[0].choices[X]", "unknown_node") in fields
    assert ("nodes[1].queue_ids", "unknown_queue") in fields
    with pytest.raises(ValidationFailed) as shape:
        catalogue.save(ADMIN, {"name": "main", "start": "a", "nodes": [{"type": "menu"}]})
    assert {e.field for e in shape.value.errors} >= {"version", "nodes[0].id"}
    assert catalogue.names() == []
    rejected = audit(store, "ivr.save")
    assert [r.outcome.value for r in rejected] == ["rejected", "rejected"]
    assert {"field": "nodes[1].queue_ids", "code": "unknown_queue", "queue": 99} in rejected[1].params[
        "errors"
    ]


@pytest.mark.req("IN-06")
def test_activation_switches_atomically_so_only_one_version_is_active(catalogue, store):
    catalogue.save(ADMIN, plain())
    catalogue.save(ADMIN, plain(queue_id=2))
    catalogue.activate(ADMIN, "main", 1)
    assert catalogue.active("main").version == 1  # type: ignore[union-attr]
    catalogue.activate(ADMIN, "main", 2)
    assert [v.active for v in catalogue.versions("main")] == [False, True]
    assert audit(store, "ivr.activate")[0].params == {"name": "main", "version": 2, "previous": 1}
    with pytest.raises(NotFound):
        catalogue.activate(ADMIN, "main", 7)
    assert [v.active for v in catalogue.versions("main")] == [False, True]


@pytest.mark.req("IN-06", "SEC-03")
def test_activation_is_refused_when_a_referenced_queue_was_deleted_meanwhile(catalogue, store):
    catalogue.save(ADMIN, plain(queue_id=2))
    with store() as uow:
        uow.queues.delete(uow.queues.get(2))
        uow.commit()
    with pytest.raises(ValidationFailed) as caught:
        catalogue.activate(ADMIN, "main", 1)
    assert [(e.field, e.code) for e in caught.value.errors] == [("nodes[1].queue_ids", "unknown_queue")]
    assert catalogue.active("main") is None
    assert audit(store, "ivr.activate")[0].outcome.value == "rejected"


@pytest.mark.req("IN-06", "IN-24")
def test_a_dialled_number_maps_to_one_tree_and_finds_its_active_version(catalogue, store):
    catalogue.save(ADMIN, plain("platci", queue_id=2))
    catalogue.save(ADMIN, plain("main", goto="platci"))
    catalogue.assign_number(ADMIN, "+420261105555", "main")
    assert catalogue.tree_for_number("+420261105555") is None  # nothing active yet
    catalogue.activate(ADMIN, "main", 1)
    tree = catalogue.tree_for_number("+420261105555")
    assert tree is not None and tree.name == "main" and tree.node("dal") is not None
    catalogue.assign_number(ADMIN, "+420261105555", "platci")
    assert [(n.number, n.tree_name) for n in catalogue.numbers()] == [("+420261105555", "platci")]
    assert catalogue.tree_for_number("+420261105555") is None
    catalogue.assign_number(ADMIN, "4400", "main")
    assert catalogue.tree_for_number("4400").name == "main"  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed) as caught:
        catalogue.assign_number(ADMIN, "777 123", "nikde")
    assert {e.code for e in caught.value.errors} == {"bad_internal_number", "unknown_tree"}
    catalogue.unassign_number(ADMIN, "4400")
    assert catalogue.tree_for_number("4400") is None
    with pytest.raises(NotFound):
        catalogue.unassign_number(ADMIN, "4400")
    assert [r.outcome.value for r in audit(store, "ivr.number")][:2] == ["rejected", "ok"]


@pytest.mark.req("IN-06")
def test_a_goto_tree_to_an_unknown_tree_or_a_bad_name_is_refused(catalogue):
    with pytest.raises(ValidationFailed) as caught:
        catalogue.save(ADMIN, plain(goto="neexistuje"))
    assert [(e.field, e.code) for e in caught.value.errors] == [("nodes[2].tree", "unknown_tree")]
    with pytest.raises(ValidationFailed) as named:
        catalogue.save(ADMIN, plain("Hlavní linka"))
    assert [(e.field, e.code) for e in named.value.errors] == [("name", "bad_tree_name")]


@pytest.mark.req("ADM-11", "IN-24")
def test_thirty_six_trees_are_stored_activated_and_mapped_to_numbers(catalogue):
    names = [f"linka{i:02d}" for i in range(36)]
    for i, name in enumerate(names):
        catalogue.save(ADMIN, plain(name, queue_id=1 + i % 2, goto=names[i - 1] if i else ""))
        catalogue.activate(ADMIN, name, 1)
        catalogue.assign_number(ADMIN, f"+4202611{i:05d}", name)
    assert catalogue.names() == names
    assert all(catalogue.tree_for_number(f"+4202611{i:05d}").name == n for i, n in enumerate(names))  # type: ignore[union-attr]
