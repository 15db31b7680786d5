"""The call script on the desktop's campaign panel and the campaign's report (OUT-14, OUT-15, REP-10):
``/next`` gives the campaign's script with the answers so far, ``/answers`` keeps them on the agent's
open attempt (refused naming the question when one does not fit, ``attempt_closed`` after the
outcome); the supervisor's report (the reports' campaign report) and its CSV count the attempts."""

from __future__ import annotations

import pytest
from dependency_injector import providers

from kc_adapters.system import FixedClock
from kc_domain.outbound.campaigns import ListEntry
from tests.web.test_campaign_desktop_api import MONDAY_10, NEXT, codes, post
from tests.web.test_campaign_pages import SCRIPT, SUPERVISOR, campaign, queue_id

pytestmark = pytest.mark.req("OUT-15", "OUT-14")


@pytest.fixture
def scripted(container) -> int:
    container.clock.override(providers.Object(FixedClock(MONDAY_10)))
    script = container.call_scripts().create(SUPERVISOR, SCRIPT)
    campaign_id = campaign(
        container, queue_id(container), mode="preview", name="Prevence", script_id=script.id
    )
    rows = [ListEntry(0, "603123456", name="Jana Dvořáková"), ListEntry(0, "777000111", name="Petr Malý")]
    container.campaigns().add_entries(SUPERVISOR, campaign_id, rows)
    container.campaigns().start(SUPERVISOR, campaign_id)
    return campaign_id


def test_the_agent_answers_the_script_until_her_wrap_up_after_the_outcome_ends(client, scripted, container):
    assert client.login("novakova").status_code == 302
    body = client.api("GET", NEXT).get_json()
    assert body["script"]["definition"]["start"] == "zajem" and body["script"]["answers"] == {}
    entry_id = body["contact"]["entry_id"]
    saved = post(client, "answers", entry_id=entry_id, answers={"zajem": "ano"})
    assert saved.status_code == 200 and saved.get_json()["current"] == "vek"
    assert client.api("GET", NEXT).get_json()["script"]["answers"] == {"zajem": "ano"}  # a reload keeps them
    wrong = post(client, "answers", entry_id=entry_id, answers={"zajem": "ano", "vek": 7})
    assert wrong.status_code == 422 and {f for f, _ in codes(wrong)} == {"vek"}
    ended = post(client, "answers", entry_id=entry_id, answers={"zajem": "ne"})
    assert (ended.get_json()["end"], ended.get_json()["outcome"]) == ("odmitl", "refused")
    assert post(client, "outcome", entry_id=entry_id, outcome="refused", call_id="c-7").status_code == 200
    container.clock().advance(minutes=30)  # her wrap-up is over
    late = post(client, "answers", entry_id=entry_id, answers={"zajem": "ano"})
    assert late.status_code == 422 and codes(late) == {("answers", "attempt_closed")}
    [attempt] = container.campaigns().attempts(scripted)
    assert (attempt.answers, attempt.call_id, attempt.script_version) == ({"zajem": "ne"}, "c-7", 1)
    assert codes(post(client, "answers", entry_id=entry_id, answers="ano")) == {("answers", "required")}


@pytest.mark.req("REP-10")
def test_the_supervisor_sees_the_report_and_exports_it(client, scripted, container):
    assert client.login("novakova").status_code == 302
    entry_id = client.api("GET", NEXT).get_json()["contact"]["entry_id"]
    post(client, "answers", entry_id=entry_id, answers={"zajem": "ne"})
    post(client, "outcome", entry_id=entry_id, outcome="refused")
    second = client.api("GET", NEXT).get_json()["contact"]["entry_id"]
    post(client, "outcome", entry_id=second, outcome="busy")
    assert client.login("supervizor").status_code == 302
    page = client.get(f"/campaigns/{scripted}/report")
    assert page.status_code == 302  # the reports' campaign report, narrowed to the campaign
    html = client.get(page.headers["Location"]).get_data(as_text=True)
    assert 'id="table-1"' in html and "Nemá zájem" in html
    exported = client.get(f"/campaigns/{scripted}/report.csv")
    assert exported.status_code == 302
    csv_file = client.get(exported.headers["Location"])
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    lines = csv_file.get_data(as_text=True).lstrip("\ufeff").splitlines()
    total = next(line for line in lines if line.split(";")[0] == "Prevence")
    assert total.split(";")[1:6] == ["2", "0", "1", "0", "0"]  # 2 attempts, 1 answered by a person
    assert total.split(";")[6:8] == ["50,00%", "0,00%"]
    assert client.get("/campaigns/999/report").status_code == 404


def test_a_question_is_answered_as_typed_the_czech_way(client, scripted, container):
    assert client.login("novakova").status_code == 302
    body = client.api("GET", NEXT).get_json()
    assert body["script"]["run"]["current"] == "zajem"
    entry_id = body["contact"]["entry_id"]
    post(client, "answers", entry_id=entry_id, question="zajem", typed="ano")
    post(client, "answers", entry_id=entry_id, question="vek", typed="62")
    done = post(client, "answers", entry_id=entry_id, question="termin", typed="7. 12. 2026").get_json()
    assert (
        done["answers"] == {"zajem": "ano", "vek": 62, "termin": "2026-12-07"}
        and done["outcome"] == "success"
    )
    wrong = post(client, "answers", entry_id=entry_id, question="vek", typed="šedesát")
    assert wrong.status_code == 422 and {f for f, _ in codes(wrong)} == {"vek"}
    run = client.api("GET", NEXT).get_json()["script"]["run"]
    assert (run["end"], run["path"]) == ("objednan", ["zajem", "vek", "termin"])
