"""The supervisor's campaign use cases (OUT-02, OUT-03, OUT-04, OUT-07, OUT-09): audited, all or
nothing, a refusal naming what is wrong and changing nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kc_domain.admin.service import AdminService
from kc_domain.audit.model import Outcome as AuditOutcome
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.campaigns import (
    CampaignState,
    DialMode,
    IllegalCampaignTransition,
    ListEntry,
    Progress,
)
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.service import CampaignService

from ..support import ROOT, Store

pytestmark = pytest.mark.req("OUT-03")


@pytest.fixture
def service(campaigns: CampaignService) -> CampaignService:
    return campaigns


@pytest.fixture
def queue_id(admin: AdminService, root) -> int:
    values = {"name": "Pohledávky", "number": "+420261100900", "hours": OpeningHours.office()}
    return int(admin.create(ROOT, "queue", values).id)


def agent(admin: AdminService, queue_id: int, username: str = "novakova") -> int:
    values = {
        "username": username,
        "full_name": "Marie Nováková",
        "roles": {Role.AGENT},
        "agent_number": str(2100 + len(username)),
    }
    user = admin.create(ROOT, "user", values, password="Dlouhe-heslo-2026!")
    admin.create(ROOT, "skill", {"user_id": user.id, "queue_id": queue_id, "level": 5})
    return int(user.id)


def values(queue_id: int, **changes: object) -> dict[str, object]:
    return {"name": "Připomínka nedoplatku", "queue_id": queue_id, "mode": "progressive",
            "caller_id": "+420261100900", "priority": 7, **changes}  # fmt: skip


def contacts(*phones: str) -> list[ListEntry]:
    return [ListEntry(0, phone, name=f"Klient {n}") for n, phone in enumerate(phones, start=1)]


def test_a_campaign_is_created_audited_and_listed(service: CampaignService, queue_id: int, store: Store):
    created = service.create(ROOT, values(queue_id))
    assert (
        created.id is not None
        and created.mode == DialMode.PROGRESSIVE
        and created.state == CampaignState.DRAFT
    )
    assert store.last().action == "campaign.create" and store.last().params["after"]["priority"] == 7
    assert [c.name for c in service.campaigns()] == ["Připomínka nedoplatku"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"queue_id": 999}, "queue_id", "unknown_queue"),
        ({"mode": "turbo"}, "mode", "invalid"),
        ({"ring_s": 5}, "ring_s", "out_of_range"),
        ({"colour": "red"}, "colour", "unexpected_field"),
        ({"record": "yes"}, "record", "invalid"),
        ({"intro_prompt": "uvod-" * 13}, "intro_prompt", "too_long"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field_and_audited_as_refused(
    service: CampaignService, queue_id: int, store: Store, changes, field, code
):
    with pytest.raises(ValidationFailed) as refused:
        service.create(ROOT, {**values(queue_id), **changes})
    assert (field, code) in {(e.field, e.code) for e in refused.value.errors}
    assert service.campaigns() == []
    assert store.last().action == "campaign.create" and store.last().outcome == AuditOutcome.REJECTED


def test_two_campaigns_cannot_share_a_name(service: CampaignService, queue_id: int):
    service.create(ROOT, values(queue_id))
    with pytest.raises(ValidationFailed) as refused:
        service.create(ROOT, values(queue_id))
    assert ("name", "duplicate") in {(e.field, e.code) for e in refused.value.errors}


@pytest.mark.req("OUT-02")
def test_a_campaign_starts_only_with_agents_and_contacts(
    service: CampaignService, admin: AdminService, queue_id: int
):
    campaign_id = service.create(ROOT, values(queue_id)).id
    with pytest.raises(ValidationFailed) as refused:
        service.start(ROOT, campaign_id)
    assert {e.code for e in refused.value.errors} == {"no_agents", "empty_list"}
    novakova = agent(admin, queue_id)
    assert service.agents(campaign_id) == [novakova]  # agents skilled for its queue work it
    service.add_entries(ROOT, campaign_id, contacts("603 123 456", "+420 777 000 111"))
    assert service.start(ROOT, campaign_id).state == CampaignState.RUNNING
    assert service.pause(ROOT, campaign_id).state == CampaignState.PAUSED
    assert service.start(ROOT, campaign_id).state == CampaignState.RUNNING
    assert service.stop(ROOT, campaign_id).state == CampaignState.STOPPED
    with pytest.raises(IllegalCampaignTransition):
        service.start(ROOT, campaign_id)


@pytest.mark.req("OUT-06")
def test_contacts_are_added_all_or_none_each_problem_named_by_row(service: CampaignService, queue_id: int):
    campaign_id = service.create(ROOT, values(queue_id)).id
    assert service.add_entries(ROOT, campaign_id, contacts("603 123 456")) == 1
    with pytest.raises(ValidationFailed) as refused:
        service.add_entries(
            ROOT,
            campaign_id,
            [
                *contacts("777 000 111", "+420603123456", "nevím", "777000111"),
                ListEntry(0, "604000111", "Z" * 201),
            ],
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("rows[2].phone", "already_listed"),
        ("rows[3].phone", "bad_phone"),
        ("rows[4].phone", "duplicate"),
        ("rows[5].name", "too_long"),
    ]
    assert service.progress(campaign_id) == Progress(total=1)  # nothing of the refused batch


@pytest.mark.req("OUT-07")
def test_the_list_is_edited_while_the_campaign_runs(
    service: CampaignService, admin: AdminService, queue_id: int
):
    campaign_id = service.create(ROOT, values(queue_id)).id
    agent(admin, queue_id)
    service.add_entries(ROOT, campaign_id, contacts("603123456", "777000111", "604000222"))
    service.start(ROOT, campaign_id)
    first, second, third = service.entries(campaign_id)
    changed = service.change_entry(ROOT, campaign_id, first.id, phone="+420 603 999 888", priority=10)
    assert (changed.phone, changed.priority) == ("+420603999888", 10)
    service.change_entry(ROOT, campaign_id, third.id, remove=True)
    service.add_entries(ROOT, campaign_id, contacts("605000333"))
    assert service.progress(campaign_id) == Progress(total=3, removed=1)
    with pytest.raises(ValidationFailed) as taken:
        service.change_entry(ROOT, campaign_id, second.id, phone="603999888")
    assert [(e.field, e.code) for e in taken.value.errors] == [("phone", "already_listed")]
    with pytest.raises(ValidationFailed):
        service.change_entry(ROOT, campaign_id, second.id, priority=0)
    with pytest.raises(NotFound):
        service.change_entry(ROOT, campaign_id, 9999, priority=3)


@pytest.mark.req("OUT-09", "OUT-04")
def test_campaigns_run_side_by_side_listed_running_first_then_by_priority(
    service: CampaignService, admin: AdminService, queue_id: int
):
    agent(admin, queue_id)
    low = service.create(ROOT, values(queue_id, name="Průzkum spokojenosti", priority=2)).id
    high = service.create(ROOT, values(queue_id, name="Obnova průkazu", priority=9)).id
    draft = service.create(ROOT, values(queue_id, name="Očkování", priority=10)).id
    for campaign_id in (low, high):
        service.add_entries(ROOT, campaign_id, contacts("603123456"))
        service.start(ROOT, campaign_id)
    assert [c.id for c in service.campaigns()] == [high, low, draft]


@pytest.mark.req("OUT-01")
def test_the_do_not_call_list(service: CampaignService, store: Store):
    entry = service.forbid(ROOT, "603 111 222", "si nepřeje volat")
    assert entry.phone == "+420603111222" and entry.added_by == ROOT.name
    with pytest.raises(ValidationFailed):
        service.forbid(ROOT, "+420603111222", "podruhé")
    with pytest.raises(ValidationFailed):
        service.forbid(ROOT, "abc", "")
    with pytest.raises(ValidationFailed):
        service.forbid(ROOT, "603 111 333", "x" * 501)
    service.allow(ROOT, entry.id)
    assert service.do_not_call() == [] and store.last().action == "do_not_call.remove"


# -- the agent's side ---------------------------------------------------------------------------------
@pytest.fixture
def preview(service: CampaignService, admin: AdminService, queue_id: int) -> tuple[int, int, int]:
    """A running preview campaign of two contacts, worked by Nováková and Horák."""
    novakova, horak = agent(admin, queue_id), agent(admin, queue_id, "horak")
    campaign_id = service.create(ROOT, values(queue_id, mode="preview")).id
    service.add_entries(ROOT, campaign_id, contacts("603123456", "777000111"))
    service.start(ROOT, campaign_id)
    return campaign_id, novakova, horak


@pytest.mark.req("OUT-10")
def test_each_agent_is_shown_her_own_next_contact_and_keeps_it_until_she_is_done(
    service: CampaignService, preview: tuple[int, int, int]
):
    _, novakova, horak = preview
    first = service.next_for(ROOT, novakova)
    assert first is not None
    again = service.next_for(ROOT, novakova)  # a reload shows the same contact
    assert again is not None and again[1].id == first[1].id
    other = service.next_for(ROOT, horak)
    assert other is not None and other[1].id != first[1].id  # never the same contact to two agents
    assert service.next_for(ROOT, 999) is None  # not skilled for the campaign's queue


@pytest.mark.req("OUT-10")
def test_a_skipped_contact_needs_a_reason_and_comes_back_later(
    service: CampaignService, preview: tuple[int, int, int], clock
):
    _, novakova, _ = preview
    shown = service.next_for(ROOT, novakova)
    assert shown is not None
    with pytest.raises(ValidationFailed):
        service.skip(ROOT, novakova, shown[1].id, " ")
    service.skip(ROOT, novakova, shown[1].id, "klient je v nemocnici")
    after = service.next_for(ROOT, novakova)
    assert after is not None and after[1].id != shown[1].id
    service.skip(ROOT, novakova, after[1].id, "číslo patří firmě")
    assert service.next_for(ROOT, novakova) is None  # both skipped for now
    clock.advance(hours=1)
    assert service.next_for(ROOT, novakova) is not None


@pytest.mark.req("OUT-13", "OUT-12")
def test_the_agent_marks_the_outcome_only_of_her_own_contact(
    service: CampaignService, preview: tuple[int, int, int]
):
    campaign_id, novakova, horak = preview
    shown = service.next_for(ROOT, novakova)
    assert shown is not None
    with pytest.raises(ValidationFailed) as refused:
        service.finish(ROOT, horak, shown[1].id, Outcome.SUCCESS)  # not hers
    assert refused.value.errors[0].code == "not_yours"
    done = service.finish(ROOT, novakova, shown[1].id, Outcome.SUCCESS)
    assert done.done and done.reserved_by is None
    assert service.progress(campaign_id) == Progress(total=2, done=1, attempted=1, successful=1)
    busy = service.next_for(ROOT, novakova)
    assert busy is not None
    retried = service.finish(ROOT, novakova, busy[1].id, Outcome.BUSY)
    assert not retried.done and retried.next_try_at is not None


@pytest.mark.req("OUT-11")
def test_a_callback_is_agreed_for_a_time_the_agent_is_free(
    service: CampaignService, preview: tuple[int, int, int], clock
):
    _, novakova, _ = preview
    shown = service.next_for(ROOT, novakova)
    assert shown is not None
    tomorrow_10 = datetime(2026, 3, 3, 9, 0, tzinfo=clock.now().tzinfo)  # 10:00 in Prague
    with pytest.raises(ValidationFailed) as refused:
        service.finish(
            ROOT, novakova, shown[1].id, Outcome.CALLBACK, agreed_at=tomorrow_10 + timedelta(hours=10)
        )
    assert refused.value.errors[0].code == "outside_calling_hours"
    agreed = service.finish(ROOT, novakova, shown[1].id, Outcome.CALLBACK, agreed_at=tomorrow_10)
    assert (agreed.next_try_at, agreed.agreed_with, agreed.done) == (tomorrow_10, novakova, False)
    second = service.next_for(ROOT, novakova)
    assert second is not None
    with pytest.raises(ValidationFailed) as clash:
        service.agree_callback(ROOT, novakova, second[1].id, tomorrow_10 + timedelta(minutes=5))
    assert clash.value.errors[0].code == "agent_has_appointment"
