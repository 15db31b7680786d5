"""Campaigns, their lists, their call scripts and the do-not-call list (OUT-01..OUT-15), on memory,
SQLite and PostgreSQL alike: every field comes back as saved, a list of thousands is written at once
and read a page or a due batch at a time, changes to entries read in a unit are written at its
commit, progress counts, a script's JSON form comes back whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import Campaign, DialMode, DoNotCall, ListEntry, Progress, RetryRule
from kc_domain.outbound.import_catalogue import StoredStructure
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_catalogue import StoredScript
from kc_domain.outbound.script_example import example_script
from kc_ports.persistence import UnitOfWorkFactory
from tests.contract.samples import queue

pytestmark = pytest.mark.req("OUT-03", "OUT-07")

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def stored_campaign(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        campaign = Campaign(
            "Připomínka nedoplatku",
            queue_id=queue(uow).id,
            mode=DialMode.PREDICTIVE,
            hours=OpeningHours.office(),
            priority=7,
            abandon_cap=0.025,
            caller_id="+420261100900",
            record=False,
            intro_prompt="uvod-dluh",
            retries={Outcome.BUSY: RetryRule(timedelta(minutes=20), 4)},
        )
        uow.campaigns.add(campaign)
        uow.commit()
        assert campaign.id is not None
        return campaign.id


def entries(campaign_id: int, count: int) -> list[ListEntry]:
    return [
        ListEntry(
            campaign_id,
            f"+420603{n:06d}",
            name=f"Klient Číslo {n}",
            priority=1 + n % 10,
            extra={"dluh": str(100 + n), "splatnost": "31.12.2026"},
        )
        for n in range(count)
    ]


def test_a_campaign_comes_back_as_saved(uow_factory: UnitOfWorkFactory):
    campaign_id = stored_campaign(uow_factory)
    with uow_factory() as uow:
        found = uow.campaigns.get(campaign_id)
        assert found is not None
        assert (found.name, found.mode, found.priority, found.abandon_cap) == (
            "Připomínka nedoplatku",
            DialMode.PREDICTIVE,
            7,
            0.025,
        )
        assert found.retries == {Outcome.BUSY: RetryRule(timedelta(minutes=20), 4)}
        assert found.hours == OpeningHours.office() and not found.record
        found.retries = {**found.retries, Outcome.NO_ANSWER: RetryRule(timedelta(hours=3), 2)}
        uow.commit()
    with uow_factory() as uow:
        again = uow.campaigns.get(campaign_id)
        assert again is not None and again.retries[Outcome.NO_ANSWER] == RetryRule(timedelta(hours=3), 2)


def test_a_list_of_thousands_is_written_at_once_and_read_by_pages(uow_factory: UnitOfWorkFactory):
    campaign_id = stored_campaign(uow_factory)
    with uow_factory() as uow:
        assert uow.campaign_lists.add_many(entries(campaign_id, 12_000)) == 12_000
        uow.commit()
    with uow_factory() as uow:
        page = uow.campaign_lists.of_campaign(campaign_id, limit=50, offset=100)
        assert [e.phone for e in page[:2]] == ["+420603000100", "+420603000101"]
        assert (
            page[0].extra == {"dluh": "200", "splatnost": "31.12.2026"} and page[0].name == "Klient Číslo 100"
        )
        assert len(uow.campaign_lists.phones(campaign_id)) == 12_000
        assert uow.campaign_lists.progress(campaign_id) == Progress(total=12_000)


def test_changes_to_entries_are_written_at_commit_and_counted(uow_factory: UnitOfWorkFactory):
    campaign_id = stored_campaign(uow_factory)
    with uow_factory() as uow:
        uow.campaign_lists.add_many(entries(campaign_id, 30))
        uow.commit()
    with uow_factory() as uow:
        first, second, third = uow.campaign_lists.of_campaign(campaign_id, limit=3)
        first.attempts, first.last_outcome, first.done, first.last_attempt_at = 1, Outcome.SUCCESS, True, T0
        second.attempts, second.last_outcome, second.next_try_at = 1, Outcome.BUSY, T0 + timedelta(hours=1)
        second.agreed_with = 7  # a callback agreed with agent 7
        third.removed = True
        third.reserve(0, T0)  # held by the dialler
        uow.commit()
    with uow_factory() as uow:
        lists = uow.campaign_lists
        got = lists.get(first.id or 0)
        assert got is not None and (got.done, got.last_outcome, got.last_attempt_at) == (
            True,
            Outcome.SUCCESS,
            T0,
        )
        assert lists.progress(campaign_id) == Progress(total=29, done=1, attempted=2, successful=1, removed=1)
        assert len(lists.of_campaign(campaign_id, open_only=True)) == 28  # the busy one too, not yet due
        due = lists.due(campaign_id, T0, limit=100)
        assert second.id not in {e.id for e in due} and first.id not in {e.id for e in due}
        assert len(due) == 27 and due[0].priority == 10  # highest priority first
        assert [e.id for e in lists.agreed_with(7)] == [second.id] and lists.agreed_with(8) == []
        assert [e.id for e in lists.held_by(0)] == [third.id] and lists.held_by(7) == []
        assert [e.id for e in lists.many([third.id or 0, first.id or 0, 999_999])] == sorted(
            [first.id, third.id]
        )
        assert lists.many([]) == []
        later = lists.due(campaign_id, T0 + timedelta(hours=1), limit=100)
        assert second.id in {e.id for e in later}
        assert third.phone not in lists.phones(campaign_id)


def test_an_unsaved_change_is_forgotten(uow_factory: UnitOfWorkFactory):
    campaign_id = stored_campaign(uow_factory)
    with uow_factory() as uow:
        uow.campaign_lists.add_many(entries(campaign_id, 2))
        uow.commit()
    with uow_factory() as uow:
        uow.campaign_lists.of_campaign(campaign_id)[0].done = True  # no commit
    with uow_factory() as uow:
        assert uow.campaign_lists.progress(campaign_id).done == 0


@pytest.mark.req("OUT-01")
def test_the_do_not_call_list_keeps_one_row_per_number(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        uow.do_not_call.add(DoNotCall("+420603111222", "si nepřeje volat", T0, "novakova"))
        uow.commit()
    with uow_factory() as uow:
        listed = uow.do_not_call.list()
        assert [attrs.asdict(d) | {"id": 0} for d in listed] == [
            {
                "phone": "+420603111222",
                "reason": "si nepřeje volat",
                "added_at": T0,
                "added_by": "novakova",
                "id": 0,
            }
        ]


SCRIPT = example_script()


@pytest.mark.req("OUT-15")
def test_a_call_script_comes_back_whole_and_its_changes_are_kept(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        stored = uow.call_scripts.add(StoredScript("Prevence 2026", SCRIPT, 1, T0, "supervizor"))
        uow.commit()
        script_id = stored.id
    assert script_id is not None
    with uow_factory() as uow:
        found = uow.call_scripts.get(script_id)
        assert found is not None
        assert (found.name, found.version, found.saved_at, found.saved_by) == (
            "Prevence 2026",
            1,
            T0,
            "supervizor",
        )
        assert found.definition == SCRIPT and found.script().start == "zajem"
        found.definition = {**SCRIPT, "name": "Prevence 2027"}
        found.name, found.version = "Prevence 2027", 2
        uow.commit()
    with uow_factory() as uow:
        again = uow.call_scripts.get(script_id)
        assert again is not None and (again.name, again.version) == ("Prevence 2027", 2)
        assert again.definition["name"] == "Prevence 2027" and [s.id for s in uow.call_scripts.list()] == [
            script_id
        ]


@pytest.mark.req("OUT-14", "OUT-18")
def test_attempts_are_appended_read_by_campaign_entry_and_agent_and_changed_at_commit(
    uow_factory: UnitOfWorkFactory,
):
    campaign_id = stored_campaign(uow_factory)
    with uow_factory() as uow:
        uow.campaign_lists.add_many(entries(campaign_id, 2))
        uow.commit()
        first, second = (e.id for e in uow.campaign_lists.of_campaign(campaign_id))
    assert first is not None and second is not None
    answers = {"zajem": "ano", "vek": 62, "poznamka": None}
    with uow_factory() as uow:
        done = CampaignAttempt(campaign_id, first, 7, T0, call_id="c-1", script_version=2)
        done.answers = answers
        done.end(T0 + timedelta(minutes=4), Outcome.SUCCESS)
        uow.campaign_attempts.append(done)
        uow.campaign_attempts.append(CampaignAttempt(campaign_id, second, 7, T0 + timedelta(minutes=5)))
        uow.campaign_attempts.append(CampaignAttempt(campaign_id, first, 8, T0 + timedelta(minutes=6)))
        uow.commit()
    with uow_factory() as uow:
        found = uow.campaign_attempts.of_campaign(campaign_id)
        assert [(a.entry_id, a.agent_id) for a in found] == [(first, 7), (second, 7), (first, 8)]
        back = found[0]
        assert (back.call_id, back.started_at, back.ended_at, back.outcome, back.script_version) == (
            "c-1",
            T0,
            T0 + timedelta(minutes=4),
            Outcome.SUCCESS,
            2,
        )
        assert back.answers == answers and not back.open
        assert [a.agent_id for a in uow.campaign_attempts.of_entry(first)] == [7, 8]
        mine = uow.campaign_attempts.open_of(7)
        assert mine is not None and mine.entry_id == second and uow.campaign_attempts.open_of(9) is None
        mine.answers = {"zajem": "ne"}
        mine.end(T0 + timedelta(minutes=7), skip_reason="Klient v nemocnici")
        uow.commit()
    with uow_factory() as uow:
        assert uow.campaign_attempts.open_of(7) is None
        skipped = uow.campaign_attempts.of_entry(second)[0]
        assert skipped.skipped and skipped.answers == {"zajem": "ne"}
        assert skipped.skip_reason == "Klient v nemocnici"


@pytest.mark.req("OUT-14", "REP-10")
def test_attempts_are_read_by_campaigns_and_start_within_a_period(uow_factory: UnitOfWorkFactory):
    """A report's attempts: of the campaigns asked for, started in [since, until), oldest first; the
    dialler's without an agent among them."""
    campaign_id = stored_campaign(uow_factory)
    with uow_factory() as uow:
        stored = uow.campaigns.get(campaign_id)
        assert stored is not None
        other = Campaign("Prevence 2027", queue_id=stored.queue_id)
        uow.campaigns.add(other)
        uow.commit()
        other_id = other.id
    assert other_id is not None
    with uow_factory() as uow:
        uow.campaign_lists.add_many(entries(campaign_id, 1) + entries(other_id, 1))
        uow.commit()
        [entry] = [e.id for e in uow.campaign_lists.of_campaign(campaign_id)]
        [other_entry] = [e.id for e in uow.campaign_lists.of_campaign(other_id)]
    assert entry is not None and other_entry is not None
    starts = [T0 - timedelta(seconds=1), T0 + timedelta(hours=1), T0, T0 + timedelta(hours=2)]
    with uow_factory() as uow:
        for n, start in enumerate(starts):
            uow.campaign_attempts.append(CampaignAttempt(campaign_id, entry, n + 1, start))
        uow.campaign_attempts.append(CampaignAttempt(other_id, other_entry, 9, T0))
        dialled = CampaignAttempt(campaign_id, entry, None, T0 + timedelta(minutes=30), call_id="d-1")
        dialled.end(T0 + timedelta(minutes=31), Outcome.ABANDONED)
        uow.campaign_attempts.append(dialled)
        uow.commit()
    with uow_factory() as uow:
        found = uow.campaign_attempts.started_between({campaign_id}, T0, T0 + timedelta(hours=2))
        assert [(a.agent_id, a.started_at) for a in found] == [
            (3, T0),
            (None, T0 + timedelta(minutes=30)),
            (2, T0 + timedelta(hours=1)),
        ]
        assert found[1].outcome == Outcome.ABANDONED
        both = uow.campaign_attempts.started_between({campaign_id, other_id}, T0, T0 + timedelta(minutes=1))
        assert sorted(a.agent_id for a in both) == [3, 9]
        assert uow.campaign_attempts.started_between(set(), T0, T0 + timedelta(hours=3)) == []


STRUCTURE = {
    "name": "Prevence – Excel",
    "file_type": "csv",
    "encoding": "windows-1250",
    "delimiter": ";",
    "header_row": True,
    "sheet": "",
    "date_formats": ["%d.%m.%Y"],
    "strict_columns": False,
    "columns": [
        {"field": "phone", "header": "Telefon"},
        {"field": "extra", "index": 3, "key": "splatnost", "kind": "date"},
    ],
}


@pytest.mark.req("OUT-06")
def test_an_import_structure_comes_back_whole_and_can_be_changed_and_deleted(uow_factory: UnitOfWorkFactory):
    with uow_factory() as uow:
        stored = uow.import_structures.add(StoredStructure(STRUCTURE["name"], STRUCTURE, T0, "admin"))
        uow.commit()
        structure_id = stored.id
    assert structure_id is not None
    with uow_factory() as uow:
        found = uow.import_structures.get(structure_id)
        assert found is not None
        assert (found.name, found.definition, found.saved_at, found.saved_by) == (
            STRUCTURE["name"],
            STRUCTURE,
            T0,
            "admin",
        )
        structure = found.structure()
        assert structure.id == structure_id and structure.encoding == "windows-1250"
        assert [c.name for c in structure.columns] == ["phone", "extra.splatnost"]
        found.definition = {**STRUCTURE, "name": "Jiná"}
        found.name = "Jiná"
        uow.commit()
    with uow_factory() as uow:
        again = uow.import_structures.get(structure_id)
        assert again is not None and again.definition["name"] == again.name == "Jiná"
        uow.import_structures.delete(again)
        uow.commit()
    with uow_factory() as uow:
        assert uow.import_structures.list() == []
