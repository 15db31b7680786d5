"""Campaign attempts on the agent's side (OUT-14, OUT-15, OUT-18): each contact shown to her is an
attempt, ended by a skip (with the reason) or by the outcome, in the same unit of work as the
contact's change; the call script's answers are checked against the script, kept on her open attempt
and changeable until the outcome is set, refused after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.admin.service import AdminService
from kc_domain.audit.service import AuditTrail
from kc_domain.errors import ValidationFailed
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_catalogue import ScriptCatalogue
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.service import CampaignService

from ..support import ROOT, Store
from .test_campaign_service import agent, contacts, values

pytestmark = pytest.mark.req("OUT-14", "OUT-18")


@pytest.fixture
def desk(campaigns: CampaignService, admin: AdminService, uow_factory, clock, audit: AuditTrail, root):
    """A running preview campaign with the example script, two contacts, Nováková and Horák."""
    queue = admin.create(ROOT, "queue", {"name": "Prevence", "number": "+420261100901",
                                         "hours": OpeningHours.office()})  # fmt: skip
    novakova, horak = agent(admin, queue.id), agent(admin, queue.id, "horak")
    script = ScriptCatalogue(uow_factory, clock, audit).create(ROOT, example_script())
    campaign_id = campaigns.create(ROOT, values(queue.id, mode="preview", script_id=script.id)).id
    campaigns.add_entries(ROOT, campaign_id, contacts("603123456", "777000111"))
    campaigns.start(ROOT, campaign_id)
    return campaign_id, novakova, horak


def test_a_shown_contact_opens_an_attempt_and_the_outcome_closes_it(campaigns: CampaignService, desk, clock):
    campaign_id, novakova, _ = desk
    shown = campaigns.next_for(ROOT, novakova)
    assert shown is not None
    started = clock.now()
    opened = campaigns.open_attempt(novakova)
    assert opened is not None and opened.entry_id == shown[1].id and opened.started_at == started
    assert opened.script_version == 1
    campaigns.next_for(ROOT, novakova)  # a reload: the same attempt
    clock.advance(minutes=3)
    campaigns.finish(ROOT, novakova, shown[1].id, Outcome.SUCCESS, call_id="call-42")
    [attempt] = campaigns.attempts(campaign_id)
    assert (attempt.agent_id, attempt.call_id, attempt.outcome) == (novakova, "call-42", Outcome.SUCCESS)
    assert attempt.ended_at == started + timedelta(minutes=3) and campaigns.open_attempt(novakova) is None


def test_a_skip_closes_the_attempt_with_the_reason(campaigns: CampaignService, desk):
    campaign_id, novakova, _ = desk
    shown = campaigns.next_for(ROOT, novakova)
    assert shown is not None
    campaigns.skip(ROOT, novakova, shown[1].id, "klient je v nemocnici")
    [attempt] = campaigns.attempts(campaign_id)
    assert attempt.skipped and attempt.skip_reason == "klient je v nemocnici" and attempt.outcome is None


@pytest.mark.req("OUT-15")
def test_answers_are_kept_and_changeable_until_the_wrap_up_after_the_outcome_then_refused(
    campaigns: CampaignService, desk, store: Store, clock
):
    campaign_id, novakova, _ = desk
    shown = campaigns.next_for(ROOT, novakova)
    assert shown is not None
    entry_id = shown[1].id
    run = campaigns.save_answers(ROOT, novakova, entry_id, {"zajem": "ano", "vek": 62})
    assert run.current is not None and run.current.id == "termin" and run.outcome is None
    assert store.last().action == "campaign.answers"
    run = campaigns.save_answers(ROOT, novakova, entry_id, {"zajem": "ne", "vek": 62})  # changed her mind
    assert run.outcome == Outcome.REFUSED
    opened = campaigns.open_attempt(novakova)
    assert opened is not None and opened.answers == {"zajem": "ne"}  # "vek" is off the path now
    campaigns.finish(ROOT, novakova, entry_id, Outcome.REFUSED)
    clock.advance(seconds=20)  # in her wrap-up she corrects an answer
    campaigns.save_answers(ROOT, novakova, entry_id, {"zajem": "ne", "vek": 70})
    assert campaigns.attempts(campaign_id)[0].answers == {"zajem": "ne"}  # "vek" is off the path
    campaigns.save_answers(ROOT, novakova, entry_id, {"zajem": "ano", "vek": 70})
    (closed,) = campaigns.attempts(campaign_id)
    assert closed.answers == {"zajem": "ano", "vek": 70} and closed.outcome == Outcome.REFUSED
    clock.advance(minutes=5)  # the wrap-up is long over
    with pytest.raises(ValidationFailed) as refused:
        campaigns.save_answers(ROOT, novakova, entry_id, {"zajem": "ne"})
    assert refused.value.errors[0].code == "attempt_closed"
    assert campaigns.attempts(campaign_id)[0].answers == {"zajem": "ano", "vek": 70}


@pytest.mark.req("OUT-15")
def test_answers_that_do_not_fit_the_script_or_another_agents_contact_are_refused(
    campaigns: CampaignService, desk
):
    _, novakova, horak = desk
    shown = campaigns.next_for(ROOT, novakova)
    assert shown is not None
    with pytest.raises(ValidationFailed) as wrong:
        campaigns.save_answers(ROOT, novakova, shown[1].id, {"zajem": "mozna"})
    assert wrong.value.errors[0].field == "zajem"
    with pytest.raises(ValidationFailed) as unknown:
        campaigns.save_answers(ROOT, novakova, shown[1].id, {"barva": "modra"})
    assert unknown.value.errors[0].code == "unknown_question"
    with pytest.raises(ValidationFailed) as theirs:
        campaigns.save_answers(ROOT, horak, shown[1].id, {"zajem": "ano"})
    assert theirs.value.errors[0].code == "not_yours"
    opened = campaigns.open_attempt(novakova)
    assert opened is not None and opened.answers == {}
