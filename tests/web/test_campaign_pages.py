"""The supervisor's campaign pages (OUT-02, OUT-03, OUT-04, OUT-07, OUT-09, OUT-15): the list with
progress, running first; the form with every problem named next to its field; Start, Pause and Stop
with refusals said in words; the list of contacts edited while the campaign runs; the do-not-call
list; call scripts with their diagram. Czech by default, English on request; agents are refused."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kc_domain.audit.model import Outcome as AuditOutcome
from kc_domain.audit.service import Actor, AuditQuery
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.campaigns import CampaignState, ListEntry
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_example import example_script
from tests.web.test_i18n import LEAKS, shown_text

pytestmark = pytest.mark.req("OUT-03")

SUPERVISOR = Actor("supervizor", "192.0.2.1")
SCRIPT = example_script()


def queue_id(container, name: str = "Platby a dlužné pojistné") -> int:
    return next(q.id for q in container.admin().list("queue") if q.name == name)


def empty_queue(container) -> int:
    """A queue nobody is skilled for."""
    values = {"name": "Průzkum", "number": "+420261105590", "hours": OpeningHours.office()}
    return int(container.admin().create(SUPERVISOR, "queue", values).id)


def campaign(container, queue: int, **changes: Any) -> int:
    values = {"name": "Připomínka nedoplatku", "queue_id": queue, "mode": "progressive",
              "caller_id": "+420261100900", "priority": 5, **changes}  # fmt: skip
    return int(container.campaigns().create(SUPERVISOR, values).id)


def contacts(container, campaign_id: int, *phones: str) -> None:
    rows = [ListEntry(0, p, name=f"Klient {n}") for n, p in enumerate(phones, start=1)]
    container.campaigns().add_entries(SUPERVISOR, campaign_id, rows)


def running(container, **changes: Any) -> int:
    campaign_id = campaign(container, queue_id(container), **changes)
    contacts(container, campaign_id, "603123456", "777000111")
    container.campaigns().start(SUPERVISOR, campaign_id)
    return campaign_id


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def supervisor(client):
    assert client.login("supervizor").status_code == 302
    return client


# -- the list ----------------------------------------------------------------------------------------
@pytest.mark.req("OUT-09", "OUT-04", "OUT-02")
def test_the_list_shows_running_campaigns_first_with_progress_and_agents(supervisor, container):
    draft = campaign(container, empty_queue(container), name="Očkování", priority=10)
    low = running(container, name="Průzkum spokojenosti", priority=2)
    high = running(container, name="Obnova průkazu", priority=9)

    html = page(supervisor, "/campaigns/")
    order = [int(i) for i in re.findall(r'<tr id="campaign-(\d+)"', html)]
    assert order == [high, low, draft]
    row = re.search(rf'<tr id="campaign-{high}".*?</tr>', html, re.S).group(0)
    cells = [c.strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[1:] == ["Běží", "Progresivní: hovor pro každého volného operátora", "9",
                         "Platby a dlužné pojistné", "2", "0", "2", "0", "1"]  # fmt: skip
    assert "Nespuštěná" in html and "Očkování" in html


def test_the_pages_are_czech_by_default_and_english_on_request(supervisor, container):
    campaign_id = running(container)
    assert "Pozastavit kampaň" in page(supervisor, f"/campaigns/{campaign_id}")
    supervisor.post("/language", {"language": "en", "next": "/"})
    html = page(supervisor, f"/campaigns/{campaign_id}")
    assert "Suspend the campaign" in html and "Running" in html and "List of contacts" in html
    assert "Do-not-call list" in page(supervisor, "/campaigns/")
    assert "Call scripts" in page(supervisor, "/campaigns/scripts/")


@pytest.mark.parametrize(
    "path", ["/campaigns/", "/campaigns/new", "/campaigns/do-not-call", "/campaigns/scripts/"]
)
def test_an_agent_is_refused_the_campaign_pages(client, container, path):
    client.login("novakova")
    assert client.get(path).status_code == 403
    denied = container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 1)[0]
    assert denied.actor == "novakova" and denied.params["path"] == path


def test_an_agent_cannot_create_a_campaign_by_posting_the_form(client, container):
    client.login("novakova")
    form = {"name": "Nelegální", "queue_id": str(queue_id(container))}
    assert client.post("/campaigns/new", form).status_code == 403
    assert container.campaigns().campaigns() == []


# -- the form ----------------------------------------------------------------------------------------
def form(container, **changes: str) -> dict[str, str]:
    values = {
        "name": "Připomínka nedoplatku", "queue_id": str(queue_id(container)), "mode": "predictive",
        "priority": "7", "caller_id": "+420 261 100 900", "record": "on", "intro_prompt": "uvod-dluh",
        "ring_s": "30", "max_attempts": "4", "abandon_cap": "2,5",
        "retry_no_answer_delay": "90", "retry_no_answer_attempts": "3",
        "retry_abandoned_delay": "4320", "retry_abandoned_attempts": "2",
        "hours_mon": "08:00-12:00, 13:00-18:00", "hours_tue": "08:00-18:00", "closed_on_holidays": "on",
    }  # fmt: skip
    return {**values, **changes}


@pytest.mark.req("OUT-04")
def test_a_campaign_is_created_from_the_form_and_its_values_come_back_in_it(supervisor, container):
    response = supervisor.post("/campaigns/new", form(container))
    assert response.status_code == 302
    created = container.campaigns().campaigns()[0]
    assert response.headers["Location"] == f"/campaigns/{created.id}"
    assert (created.priority, created.abandon_cap, created.caller_id, created.ring_s) == (
        7,
        0.025,
        "+420261100900",
        30,
    )
    assert {o.value: (int(r.delay.total_seconds()), r.max_attempts) for o, r in created.retries.items()} == {
        "no_answer": (5400, 3),
        "abandoned": (259200, 2),
    }
    assert len(created.hours.weekly[0]) == 2 and created.hours.weekly[2] == ()
    edit = page(supervisor, f"/campaigns/{created.id}/edit")
    assert 'value="2,5"' in edit and 'value="90"' in edit and 'value="08:00-12:00, 13:00-18:00"' in edit
    assert re.search(r'<option value="predictive" selected>', edit)
    audit = container.audit().search(container.uow_factory(), AuditQuery(action="campaign.create"), 1)[0]
    assert audit.actor == "supervizor" and audit.outcome == AuditOutcome.OK


def test_bad_input_names_each_field_keeps_what_was_typed_and_changes_nothing(supervisor, container):
    bad = form(
        container,
        name="",
        priority="vysoká",
        abandon_cap="20",
        retry_abandoned_delay="60",
        retry_busy_delay="15",
        hours_mon="8-25",
        caller_id="",
    )
    response = supervisor.post("/campaigns/new", bad)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True)).replace("\xa0", " ")
    summary = re.search(r'<ul id="form-error-list">(.*?)</ul>', html, re.S).group(1)
    anchors = re.findall(r'<a href="#f-([a-z_]+)">', summary)
    assert anchors == [
        "name",
        "priority",
        "caller_id",
        "abandon_cap",
        "retry_busy",
        "retry_abandoned",
        "hours_mon",
    ]
    expected = [
        ("f-name", "Toto pole je povinné."),
        ("f-priority", "Musí být celé číslo."),
        ("f-abandon_cap", "Musí být mezi 0,1 % a 10,0 %."),
        ("f-retry_abandoned", "Zmeškaný hovor lze opakovat nejdříve po 72 hodinách."),
        ("f-retry_busy", "Toto pole je povinné."),
        ("f-caller_id", "Toto pole je povinné."),
    ]
    for anchor, sentence in expected:
        assert re.search(rf'<a href="#{anchor}">[^<]+</a>: {re.escape(sentence)}', summary), (anchor, summary)
    assert 'href="#f-hours_mon"' in summary
    assert 'value="vysoká"' in html and 'value="20"' in html and 'value="8-25"' in html
    assert container.campaigns().campaigns() == []


def test_a_duplicate_name_or_an_unknown_queue_is_named_by_the_service(supervisor, container):
    campaign(container, queue_id(container))
    response = supervisor.post("/campaigns/new", form(container, queue_id="987654"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "„Připomínka nedoplatku“ už existuje." in html and "Fronta 987654 neexistuje." in html
    assert len(container.campaigns().campaigns()) == 1


# -- start, pause, stop ------------------------------------------------------------------------------
@pytest.mark.req("OUT-02")
def test_start_is_refused_without_agents_and_contacts_saying_why(supervisor, container):
    campaign_id = campaign(container, empty_queue(container))
    response = supervisor.post(f"/campaigns/{campaign_id}/start", follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert "Kampaň nelze spustit:" in html
    assert "Kampaň nemá žádné operátory: přidělte operátorům frontu kampaně." in html
    assert "Na seznamu kampaně nezbývá nikdo, komu volat." in html
    assert container.campaigns().get(campaign_id).state == CampaignState.DRAFT
    refused = container.audit().search(container.uow_factory(), AuditQuery(action="campaign.start"), 1)[0]
    assert refused.outcome == AuditOutcome.REJECTED
    assert "Nikdo: žádný operátor nemá dovednost pro frontu kampaně." in html


@pytest.mark.req("OUT-02")
def test_start_is_refused_with_an_empty_list_even_with_agents(supervisor, container):
    campaign_id = campaign(container, queue_id(container))
    html = unescape(
        supervisor.post(f"/campaigns/{campaign_id}/start", follow_redirects=True).get_data(as_text=True)
    )
    assert "Na seznamu kampaně nezbývá nikdo, komu volat." in html
    assert "Marie Nováková" in html  # the agent skilled for the queue works it
    assert container.campaigns().get(campaign_id).state == CampaignState.DRAFT


def test_start_suspend_resume_and_end(supervisor, container):
    campaign_id = campaign(container, queue_id(container))
    contacts(container, campaign_id, "603123456")
    for action, state, label in [
        ("start", CampaignState.RUNNING, "Běží"),
        ("pause", CampaignState.PAUSED, "Pozastavená"),
        ("start", CampaignState.RUNNING, "Běží"),
        ("stop", CampaignState.STOPPED, "Ukončená"),
    ]:
        html = unescape(
            supervisor.post(f"/campaigns/{campaign_id}/{action}", follow_redirects=True).get_data(
                as_text=True
            )
        )
        assert container.campaigns().get(campaign_id).state == state
        assert f'<strong id="campaign-state" class="state-{state.value}">{label}</strong>' in html
    again = unescape(
        supervisor.post(f"/campaigns/{campaign_id}/start", follow_redirects=True).get_data(as_text=True)
    )
    assert "Teď to nejde: kampaň je „Ukončená“. Nic se nezměnilo." in again
    assert 'id="add-entry"' not in again and 'id="stop"' not in again  # an ended campaign is read only


# -- its list ----------------------------------------------------------------------------------------
@pytest.mark.req("OUT-07")
def test_the_list_is_edited_while_the_campaign_runs(supervisor, container):
    campaign_id = running(container)
    first, second = container.campaigns().entries(campaign_id)

    added = supervisor.post(
        f"/campaigns/{campaign_id}/entries", {"name": "Jana Malá", "phone": "604 111 222", "priority": "9"}
    )
    assert added.status_code == 302
    assert (
        supervisor.post(
            f"/campaigns/{campaign_id}/entries/{first.id}", {"phone": "+420 603 999 888", "priority": "10"}
        ).status_code
        == 302
    )
    assert supervisor.post(f"/campaigns/{campaign_id}/entries/{second.id}/remove").status_code == 302

    entries = container.campaigns().entries(campaign_id)
    assert [(e.phone, e.priority, e.removed) for e in entries] == [
        ("+420603999888", 10, False),
        ("+420777000111", 5, True),
        ("+420604111222", 9, False),
    ]
    html = page(supervisor, f"/campaigns/{campaign_id}")
    assert "Jana Malá" in html and "Vyřazen ze seznamu" in html
    assert container.campaigns().get(campaign_id).state == CampaignState.RUNNING


@pytest.mark.req("OUT-07")
def test_a_bad_change_in_a_row_is_said_there_and_changes_nothing(supervisor, container):
    campaign_id = running(container)
    first, second = container.campaigns().entries(campaign_id)

    taken = supervisor.post(
        f"/campaigns/{campaign_id}/entries/{first.id}", {"phone": "777 000 111", "priority": "5"}
    )
    assert taken.status_code == 422
    row = re.search(
        rf'<tr id="entry-{first.id}".*?</tr>', unescape(taken.get_data(as_text=True)), re.S
    ).group(0)
    assert "„+420777000111“ už na seznamu je." in row and 'value="777 000 111"' in row

    bad = supervisor.post(f"/campaigns/{campaign_id}/entries/{first.id}", {"phone": "", "priority": "11"})
    assert "Musí být mezi 1 a 10." in unescape(bad.get_data(as_text=True))

    new = supervisor.post(
        f"/campaigns/{campaign_id}/entries", {"name": "Petr", "phone": "nevím", "priority": "5"}
    )
    html = unescape(new.get_data(as_text=True))
    assert new.status_code == 422 and "Toto není telefonní číslo" in html and 'value="nevím"' in html
    assert [(e.phone, e.priority) for e in container.campaigns().entries(campaign_id)] == [
        (first.phone, 5),
        (second.phone, 5),
    ]


def test_the_list_is_paged_and_times_are_shown_in_prague_time(supervisor, container):
    campaign_id = campaign(container, queue_id(container))
    contacts(container, campaign_id, *(f"603{n:06d}" for n in range(120)))
    due = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)
    with container.uow_factory()() as uow:
        entry = uow.campaign_lists.of_campaign(campaign_id, limit=1)[0]
        entry.attempts, entry.last_outcome, entry.next_try_at = 1, Outcome.BUSY, due
        uow.commit()

    first = page(supervisor, f"/campaigns/{campaign_id}")
    assert len(re.findall(r'<tr id="entry-', first)) == 50 and "Stránka 1 z 3" in first
    local = due.astimezone(ZoneInfo("Europe/Prague"))
    assert f"{local.hour}:{local.minute:02d}" in first and "Obsazeno" in first
    last = page(supervisor, f"/campaigns/{campaign_id}?page=3")
    assert len(re.findall(r'<tr id="entry-', last)) == 20 and "+420603000119" in last


# -- the do-not-call list ----------------------------------------------------------------------------
@pytest.mark.req("OUT-01")
def test_the_do_not_call_list_is_added_to_and_taken_from(supervisor, container):
    assert (
        supervisor.post(
            "/campaigns/do-not-call", {"phone": "603 111 222", "reason": "Nepřeje si volat"}
        ).status_code
        == 302
    )
    html = page(supervisor, "/campaigns/do-not-call")
    assert "+420603111222" in html and "Nepřeje si volat" in html and "Petr Svoboda" in html

    again = supervisor.post("/campaigns/do-not-call", {"phone": "+420603111222", "reason": "Podruhé"})
    assert again.status_code == 422 and "„+420603111222“ už na seznamu je." in unescape(
        again.get_data(as_text=True)
    )
    bad = supervisor.post("/campaigns/do-not-call", {"phone": "abc", "reason": ""})
    assert bad.status_code == 422 and 'value="abc"' in bad.get_data(as_text=True)

    entry = container.campaigns().do_not_call()[0]
    assert supervisor.post(f"/campaigns/do-not-call/{entry.id}/remove").status_code == 302
    assert container.campaigns().do_not_call() == []


# -- call scripts ------------------------------------------------------------------------------------
@pytest.mark.req("OUT-15")
def test_a_call_script_is_saved_drawn_and_chosen_for_a_campaign(supervisor, container):
    assert "zajem" in page(supervisor, "/campaigns/scripts/new/json")  # the example to start from
    response = supervisor.post(
        "/campaigns/scripts/new/json", {"definition": json.dumps(SCRIPT, ensure_ascii=False)}
    )
    assert response.status_code == 302
    stored = container.call_scripts().scripts()[0]
    html = page(supervisor, response.headers["Location"])
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="ivr-diagram"' in html
    assert 'class="ivr-node type-choice start"' in html and 'class="ivr-node type-end"' in html
    assert "≥ 50" in html and "Verze 1" in html

    campaign_id = campaign(container, queue_id(container))
    assert f'<option value="{stored.id}">Prevence 2026</option>' in page(
        supervisor, f"/campaigns/{campaign_id}/edit"
    )
    container.campaigns().update(SUPERVISOR, campaign_id, {"script_id": stored.id})
    assert "Prevence 2026" in page(supervisor, f"/campaigns/{campaign_id}")
    assert "Připomínka nedoplatku" in page(supervisor, "/campaigns/scripts/")


@pytest.mark.req("OUT-15")
def test_a_script_with_an_unreachable_question_or_an_endless_loop_is_refused_in_words(supervisor, container):
    broken = json.loads(json.dumps(SCRIPT))
    broken["questions"][1]["branches"] = [{"low": 50, "next": "vek"}]  # 50 and over: asked again and again
    broken["questions"][1]["next"] = "vek"
    broken["questions"].append({"id": "pozn", "text": "Poznámka", "type": "text", "next": "objednan"})
    response = supervisor.post(
        "/campaigns/scripts/new/json", {"definition": json.dumps(broken, ensure_ascii=False)}
    )
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    errors = re.search(r'<ul id="script-errors">(.*?)</ul>', html, re.S).group(1)
    assert (
        "Otázka 2 „vek“ (<code>questions[1]</code>): Otázka „vek“ je ve smyčce, která nikdy neskončí."
        in errors
    )
    assert "Otázka 4 „pozn“ (<code>questions[3]</code>): K otázce „pozn“ nevede žádná odpověď." in errors
    assert 'class="ivr-node type-number problem"' in html  # the diagram of what was typed marks it
    assert "Poznámka" in html  # what was typed is kept
    assert container.call_scripts().scripts() == []

    not_json = supervisor.post("/campaigns/scripts/new/json", {"definition": '{"name": "X",'})
    assert not_json.status_code == 422 and "řádek 1" in unescape(not_json.get_data(as_text=True))


@pytest.mark.req("OUT-15")
def test_a_script_saved_meanwhile_by_someone_else_is_not_overwritten(supervisor, container):
    stored = container.call_scripts().create(SUPERVISOR, SCRIPT)
    newer = {**SCRIPT, "name": "Prevence 2026 (nová)"}
    container.call_scripts().update(SUPERVISOR, stored.id, newer, version=1)
    mine = {**SCRIPT, "name": "Prevence – moje úprava"}
    response = supervisor.post(
        f"/campaigns/scripts/{stored.id}/json",
        {"definition": json.dumps(mine, ensure_ascii=False), "version": "1"},
    )
    assert response.status_code == 409
    html = unescape(response.get_data(as_text=True))
    assert "Někdo jiný mezitím skript uložil" in html and "Prevence – moje úprava" in html
    assert container.call_scripts().get(stored.id).name == "Prevence 2026 (nová)"


def test_no_campaign_page_shows_codes_ids_or_exception_texts(supervisor, container):
    """The campaign pages with a script, outcomes, agreed times and a do-not-call number, in Czech:
    no untranslated code (``answering_machine``), no ``#12``, no exception text."""
    script_id = container.call_scripts().create(SUPERVISOR, SCRIPT).id
    campaign_id = running(container, script_id=script_id, mode="predictive")
    with container.uow_factory()() as uow:
        for entry, outcome in zip(uow.campaign_lists.of_campaign(campaign_id), Outcome, strict=False):
            entry.attempts, entry.last_outcome = 1, outcome
        uow.commit()
    contacts(container, campaign_id, *(f"604{n:06d}" for n in range(len(Outcome))))
    with container.uow_factory()() as uow:
        for entry, outcome in zip(uow.campaign_lists.of_campaign(campaign_id)[2:], Outcome, strict=True):
            entry.attempts, entry.last_outcome = 1, outcome
        uow.commit()
    container.campaigns().forbid(SUPERVISOR, "603111222", "Nepřeje si volat")
    paths = [
        "/campaigns/", f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/edit", "/campaigns/new",
        "/campaigns/do-not-call", "/campaigns/scripts/", f"/campaigns/scripts/{script_id}",
        "/campaigns/scripts/new", f"/campaigns/scripts/{script_id}/json", "/campaigns/scripts/new/json",
    ]  # fmt: skip
    found = []
    for path in paths:
        text = shown_text(supervisor.get(path).get_data(as_text=True))
        found += [(path, what, m.group(0)) for what, pattern in LEAKS.items() for m in pattern.finditer(text)]
    assert found == []
