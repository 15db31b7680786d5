"""Stored call scripts (OUT-15): only a script without problems is stored, every save counts its
version up, a save based on an older version is refused, campaigns name existing scripts only."""

from __future__ import annotations

from typing import Any

import pytest

from kc_domain.admin.service import AdminService
from kc_domain.audit.model import Outcome as AuditOutcome
from kc_domain.audit.service import AuditTrail
from kc_domain.errors import Conflict, NotFound, ValidationFailed
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.script_catalogue import ScriptCatalogue
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.service import CampaignService

from ..support import ROOT, Store

pytestmark = pytest.mark.req("OUT-15")


def script(**changes: Any) -> dict[str, Any]:
    return example_script(**changes)


@pytest.fixture
def catalogue(uow_factory, clock, audit: AuditTrail) -> ScriptCatalogue:
    return ScriptCatalogue(uow_factory, clock, audit)


def codes(refused: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in refused.value.errors}


def test_a_script_is_stored_whole_audited_and_listed_by_name(catalogue: ScriptCatalogue, store: Store, clock):
    stored = catalogue.create(ROOT, script())
    assert (stored.name, stored.version, stored.saved_by, stored.saved_at) == (
        "Prevence 2026",
        1,
        ROOT.name,
        clock.now(),
    )
    assert stored.script().question("vek").integer and stored.definition["questions"][0]["required"] is True
    catalogue.create(ROOT, script(name="Anketa spokojenosti"))
    assert [s.name for s in catalogue.scripts()] == ["Anketa spokojenosti", "Prevence 2026"]
    assert store.last().action == "call_script.create" and store.last().params["questions"] == 3


def test_a_script_with_an_unreachable_question_or_an_endless_loop_is_refused(
    catalogue: ScriptCatalogue, store: Store
):
    looped = script()
    looped["questions"][1]["branches"] = []
    looped["questions"][1]["next"] = "vek"  # "vek" leads only to itself
    looped["questions"].append(
        {"id": "navic", "text": "Nikdo se sem nedostane", "type": "text", "next": "objednan"}
    )
    with pytest.raises(ValidationFailed) as refused:
        catalogue.create(ROOT, looped)
    assert {("questions[1]", "loop_without_end"), ("questions[3]", "question_unreachable")} <= codes(refused)
    assert catalogue.scripts() == []
    assert store.last().action == "call_script.create" and store.last().outcome == AuditOutcome.REJECTED


def test_a_script_of_a_wrong_shape_is_refused_naming_each_field(catalogue: ScriptCatalogue):
    bad = script()
    bad["questions"][0]["type"] = "multiple"
    del bad["ends"][0]["outcome"]
    with pytest.raises(ValidationFailed) as refused:
        catalogue.create(ROOT, bad)
    assert codes(refused) == {("questions[0].type", "invalid_choice"), ("ends[0].outcome", "required")}
    with pytest.raises(ValidationFailed) as not_an_object:
        catalogue.create(ROOT, ["not", "a", "script"])
    assert codes(not_an_object) == {("", "invalid_type")}


def test_a_save_counts_the_version_up_and_one_based_on_an_older_version_is_refused(
    catalogue: ScriptCatalogue, store: Store
):
    script_id = catalogue.create(ROOT, script()).id
    changed = script()
    changed["questions"][1]["text"] = "Kolik vám je let?"
    assert catalogue.update(ROOT, script_id, changed, version=1).version == 2
    with pytest.raises(Conflict):
        catalogue.update(ROOT, script_id, script(name="Přepsáno"), version=1)
    kept = catalogue.get(script_id)
    assert (kept.name, kept.version) == ("Prevence 2026", 2)
    assert kept.script().question("vek").text == "Kolik vám je let?"
    assert store.last().outcome == AuditOutcome.REJECTED
    with pytest.raises(NotFound):
        catalogue.update(ROOT, 999, script())


def test_two_scripts_cannot_share_a_name(catalogue: ScriptCatalogue):
    catalogue.create(ROOT, script())
    other = catalogue.create(ROOT, script(name="Anketa"))
    with pytest.raises(ValidationFailed) as refused:
        catalogue.update(ROOT, other.id, script())
    assert codes(refused) == {("name", "duplicate")}


def test_a_campaign_names_an_existing_script_and_the_script_knows_its_campaigns(
    catalogue: ScriptCatalogue, campaigns: CampaignService, admin: AdminService, root
):
    queue = admin.create(
        ROOT, "queue", {"name": "Prevence", "number": "+420261100901", "hours": OpeningHours.office()}
    )
    values = {"name": "Prevence 2026", "queue_id": queue.id, "caller_id": "+420261100900"}
    with pytest.raises(ValidationFailed) as refused:
        campaigns.create(ROOT, {**values, "script_id": 77})
    assert codes(refused) == {("script_id", "unknown_script")}
    script_id = catalogue.create(ROOT, script()).id
    assert campaigns.create(ROOT, {**values, "script_id": script_id}).script_id == script_id
    assert catalogue.used_by(script_id) == ["Prevence 2026"]
