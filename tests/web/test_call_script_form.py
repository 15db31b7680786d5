"""The form-based call script editor (OUT-15): a supervisor builds and changes a script's questions,
answer types, choices, ranges, branches and ends in one HTML form that works without JavaScript;
a script the checks refuse (a question nothing leads to, a loop without an end, a choice leading
nowhere) is explained next to the field concerned, in Czech or English, and nothing is saved."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from apps.web.script_form import ScriptForm
from kc_domain.audit.service import Actor
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.script_plain import script_from_plain, script_to_plain
from tests.web.test_ivr_editor import form_values

pytestmark = pytest.mark.req("OUT-15")

SUPERVISOR = Actor("supervizor", "192.0.2.1")
NEW = "/campaigns/scripts/new"


@pytest.fixture
def supervisor(client):
    assert client.login("supervizor").status_code == 302
    return client


def press(client: Any, path: str, html: str, action: str, **changes: str) -> Any:
    """Submits the editor as a browser would, with ``changes`` typed first (``q0__text``: ``q0.text``)."""
    values = form_values(html, "script-form")
    values.pop("csrf_token", None)
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return client.post(path, {**values, "action": action})


def shown(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def part(html: str, dom_id: str, end: str) -> str:
    """The page from the element ``dom_id`` to the first ``end`` after it."""
    start = html.index(f'id="{dom_id}"')
    return html[start : html.index(end, start)]


def stored_plain(container: Any) -> list[dict[str, Any]]:
    return [s.definition for s in container.call_scripts().scripts()]


def test_a_choice_question_branching_to_two_ends_is_built_in_the_form(supervisor, container):
    html = shown(supervisor.get(NEW))  # the example, to start from
    for index in (2, 1, 0):
        html = shown(press(supervisor, NEW, html, f"remove_question:{index}"))
    html = shown(press(supervisor, NEW, html, "add_question"))  # a choice question with two choices
    assert 'name="q0.c1.label"' in html and 'value="otazka1"' in html
    assert '<textarea id="f-q0-text" name="q0.text" rows="2" autofocus>' in html  # where to type next
    response = press(
        supervisor, NEW, html, "save",
        name="Pojištění domácnosti", q0__id="zajem", q0__text="Máte zájem o nabídku?", q0__type="choice",
        q0__c0__key="ano", q0__c0__label="Ano", q0__c0__next="objednan",
        q0__c1__key="", q0__c1__label="Ne", q0__c1__next="odmitl",  # the key from the label
    )  # fmt: skip
    assert response.status_code == 302, shown(response)
    assert stored_plain(container) == [
        script_to_plain(
            script_from_plain({
                "name": "Pojištění domácnosti", "start": "zajem",
                "questions": [{"id": "zajem", "text": "Máte zájem o nabídku?", "type": "choice",
                               "choices": [{"key": "ano", "label": "Ano"}, {"key": "ne", "label": "Ne"}],
                               "branches": [{"choice": "ano", "next": "objednan"},
                                            {"choice": "ne", "next": "odmitl"}]}],
                "ends": [{"id": "objednan", "label": "Objednán", "outcome": "success"},
                         {"id": "odmitl", "label": "Nemá zájem", "outcome": "refused"}],
            })
        )
    ]  # fmt: skip
    page = shown(supervisor.get(response.headers["Location"]))
    assert 'data-from="zajem" data-to="objednan"' in page and 'data-from="zajem" data-to="odmitl"' in page
    assert form_values(page, "script-form")["q0.c1.next"] == "odmitl"  # the form shows what was saved


def test_an_existing_script_is_changed_in_the_form_and_what_leads_to_a_renamed_question_follows(
    supervisor, container
):
    stored = container.call_scripts().create(SUPERVISOR, example_script())
    path = f"/campaigns/scripts/{stored.id}"
    html = shown(supervisor.get(path))
    assert form_values(html, "script-form")["q1.r0.low"] == "50"
    unchanged = press(supervisor, path, html, "save")  # the form reads back what it shows
    assert unchanged.status_code == 302
    assert container.call_scripts().get(stored.id).definition == stored.definition

    html = shown(supervisor.get(path))
    html = shown(press(supervisor, path, html, "add_range:1"))
    assert re.search(r'id="f-q1-r1-low"[^>]*autofocus', html)
    html = shown(press(supervisor, path, html, "up:2"))  # the date before the age
    response = press(
        supervisor, path, html, "save",
        q2__id="roky", q2__text="Kolik vám je?", q2__r1__high="17,5", q2__r1__next="odmitl",
    )  # fmt: skip
    assert response.status_code == 302, shown(response)
    saved = container.call_scripts().get(stored.id)
    assert saved.version == 3
    questions = saved.definition["questions"]
    assert [q["id"] for q in questions] == ["zajem", "termin", "roky"]
    assert questions[0]["branches"][0] == {"next": "roky", "choice": "ano", "low": None, "high": None}
    assert questions[2]["text"] == "Kolik vám je?"
    assert questions[2]["branches"][1] == {"next": "odmitl", "choice": "", "low": None, "high": 17.5}
    page = shown(supervisor.get(path))
    assert 'id="node-roky"' in page and "≤ 17.5" in page  # the diagram of the saved version


@pytest.mark.parametrize(
    ("changes", "place", "end", "sentence"),
    [
        ({"q0__c0__next": "termin"}, "f-q1", "</div>", "K otázce „vek“ nevede žádná odpověď."),
        (
            {"q1__r0__next": "vek", "q1__next": "vek"},
            "f-q1",
            "</div>",
            "Otázka „vek“ je ve smyčce, která nikdy neskončí.",
        ),
        (
            {"q0__c1__next": "nikam"},
            "f-q0-c1-next",
            "</td>",
            "Nic se nejmenuje „nikam“: žádná otázka ani konec.",
        ),
        ({"q1__r0__low": "padesát"}, "f-q1-r0-low", "</td>", "„padesát“ není číslo."),
    ],
    ids=["unreachable", "loop", "nowhere", "not-a-number"],
)
def test_a_refused_script_is_explained_next_to_its_field_and_nothing_changes(
    supervisor, container, changes, place, end, sentence
):
    stored = container.call_scripts().create(SUPERVISOR, example_script())
    path = f"/campaigns/scripts/{stored.id}"
    response = press(supervisor, path, shown(supervisor.get(path)), "save", **changes)
    assert response.status_code == 422
    html = shown(response)
    assert f'<p class="field-error" role="alert">{sentence}</p>' in part(html, place, end)
    assert sentence in part(html, "form-error-list", "</ul>")  # and in the list above the form
    typed = form_values(html, "script-form")
    assert all(typed[k.replace("__", ".")] == v for k, v in changes.items())  # what was typed is kept
    saved = container.call_scripts().get(stored.id)
    assert (saved.version, saved.definition) == (1, stored.definition)


def test_a_new_script_refused_is_not_stored(supervisor, container):
    html = shown(supervisor.get(NEW))
    response = press(supervisor, NEW, html, "save", name="Nový", q2__next="vek")
    assert response.status_code == 422
    assert "Otázka „vek“ je ve smyčce, která nikdy neskončí." in shown(response)
    assert 'class="ivr-node type-number problem"' in shown(response)  # the diagram of what was typed
    assert stored_plain(container) == []


def test_the_form_speaks_english_on_request(supervisor, container):
    stored = container.call_scripts().create(SUPERVISOR, example_script())
    supervisor.post("/language", {"language": "en", "next": "/"})
    path = f"/campaigns/scripts/{stored.id}"
    html = shown(supervisor.get(path))
    for words in ("Add a question", "Answer type", "Choices and where each leads", "Outcome of the call",
                  "Advanced: edit as JSON", "Question 2 “vek”", "Not interested"):  # fmt: skip
        assert words in html
    response = press(supervisor, path, html, "save", q0__c0__next="termin")
    assert response.status_code == 422
    assert 'role="alert">No answer leads to question “vek”.</p>' in shown(response)


def test_the_json_editor_stays_as_the_advanced_view(supervisor, container):
    stored = container.call_scripts().create(SUPERVISOR, example_script())
    html = shown(supervisor.get(f"/campaigns/scripts/{stored.id}"))
    assert f'href="/campaigns/scripts/{stored.id}/json"' in html
    json_page = shown(supervisor.get(f"/campaigns/scripts/{stored.id}/json"))
    assert '<textarea id="definition"' in json_page and f'href="/campaigns/scripts/{stored.id}"' in json_page
    assert re.search(r'id="form-view"', json_page)


def test_a_form_saved_over_someone_elses_newer_version_is_refused_and_kept(supervisor, container):
    stored = container.call_scripts().create(SUPERVISOR, example_script())
    path = f"/campaigns/scripts/{stored.id}"
    html = shown(supervisor.get(path))
    container.call_scripts().update(SUPERVISOR, stored.id, example_script(name="Prevence (nová)"), version=1)
    response = press(supervisor, path, html, "save", name="Prevence – moje úprava")
    assert response.status_code == 409
    assert "Někdo jiný mezitím skript uložil" in shown(response)
    assert form_values(shown(response), "script-form")["name"] == "Prevence – moje úprava"
    assert container.call_scripts().get(stored.id).name == "Prevence (nová)"


def test_the_form_converts_to_the_json_form_it_was_filled_from():
    script = script_from_plain(example_script())
    plain, unread, _rows = ScriptForm.from_plain(script_to_plain(script)).to_plain()
    assert unread == [] and script_from_plain(plain) == script


def test_a_choice_without_a_key_gets_one_from_its_label():
    typed = {"questions": "1", "q0.choices": "3", "q0.c0.label": "Nemá zájem", "q0.c1.label": "Nemá zájem!"}
    typed |= {"q0.c2.label": "Už volal", "q0.c2.key": "jinak"}
    form = ScriptForm.from_form(typed)
    assert [c.key for c in form.questions[0].choices] == ["nema-zajem", "nema-zajem-1", "jinak"]
