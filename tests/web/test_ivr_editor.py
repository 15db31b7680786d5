"""The form-based IVR tree editor and YAML import/export (IN-06, ADM-11): a tree is built, changed and
saved as new versions through one HTML form that works without JavaScript; mistakes are explained per
field and nothing is saved."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml

from apps.web.messages import error_text
from kc_domain.errors import FieldError
from kc_domain.ivr.model import tree_from_plain

pytestmark = pytest.mark.req("IN-06", "ADM-11")


class FormReader(HTMLParser):
    """What a browser would submit from the editor form (``form_id``): every input, checked box,
    textarea and select value."""

    def __init__(self, form_id: str = "ivr-editor") -> None:
        super().__init__()
        self.form_id = form_id
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type") == "checkbox" and "checked" not in a:
            return
        if tag == "input":
            self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif (
            tag == "option"
            and self._select is not None
            and (self._select not in self.values or "selected" in a)
        ):
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea] += data


def form_values(html: str, form_id: str = "ivr-editor") -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.values


def submit(client: Any, path: str, html: str, action: str, **changes: str) -> Any:
    values = form_values(html)
    values.pop("csrf_token", None)
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return client.post(path, {**values, "action": action})


def fieldset(html: str, index: int) -> str:
    start = html.index(f'id="node-form-{index}"')
    return html[start : html.index("</fieldset>", start)]


def queue_id(container: Any) -> int:
    return int(container.admin().list("queue")[0].id)


def build_small_tree(client: Any, container: Any) -> str:
    """In the form: menu ``menu`` (1 → queue, 2 → hang-up), ``fronta`` and ``konec``; returns the page."""
    page = client.get("/ivr/new").get_data(as_text=True)
    response = submit(
        client,
        "/ivr/new",
        page,
        "add",
        name="platby",
        n0__id="menu",
        n0__prompt__text="Platby stiskněte 1, jinak 2.",
        n0__choices="1 = fronta\n2 = konec",
        new_type="route_to_queue",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    response = submit(
        client,
        "/ivr/new",
        page,
        "add",
        n1__id="fronta",
        n1__queue_ids=str(queue_id(container)),
        new_type="hang_up",
    )
    page = response.get_data(as_text=True)
    return submit(client, "/ivr/new", page, "add:play", n2__id="konec").get_data(as_text=True)


def test_a_new_tree_is_built_in_the_form_and_saved_as_inactive_version_1(admin_client, container):
    assert 'id="new-tree"' in admin_client.get("/ivr/").get_data(as_text=True)
    page = build_small_tree(admin_client, container)
    values = form_values(page)
    assert values["count"] == "4" and values["n3.type"] == "play" and values["n3.id"] == "uzel4"
    assert values["name"] == "platby" and values["n0.prompt.text"] == "Platby stiskněte 1, jinak 2."
    assert values["start"] == "menu"  # the start followed the renamed first node
    assert values["n1.queue_ids"] == str(queue_id(container)) and values["n2.type"] == "hang_up"
    assert 'name="n3.next"' in fieldset(page, 3) and 'name="n3.queue_ids"' not in fieldset(page, 3)

    page = submit(admin_client, "/ivr/new", page, "remove:3").get_data(as_text=True)
    assert form_values(page)["count"] == "3" and 'id="node-form-3"' not in page
    assert container.ivr().names() == []  # nothing is saved before "save"

    saved = submit(admin_client, "/ivr/new", page, "save")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/ivr/platby")
    versions = container.ivr().versions("platby")
    assert [(v.version, v.active) for v in versions] == [(1, False)]
    tree = versions[0].tree()
    assert tree.start == "menu" and [n.id for n in tree.nodes] == ["menu", "fronta", "konec"]
    assert dict(tree.nodes[0].choices) == {"1": "fronta", "2": "konec"}  # type: ignore[attr-defined]
    assert tree.nodes[1].queue_ids == (queue_id(container),)  # type: ignore[attr-defined]
    assert 'id="activate-1"' in admin_client.get("/ivr/platby").get_data(as_text=True)


def test_bad_input_is_kept_and_explained_next_to_its_field_and_nothing_is_saved(admin_client, container):
    page = build_small_tree(admin_client, container)
    response = submit(
        admin_client,
        "/ivr/new",
        page,
        "save",
        n0__timeout_s="pět",
        n0__choices="1 = fronta\n2 = nikde",
        n3__type="hang_up",  # the fourth node is not reachable from the start
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    values = form_values(page)
    assert values["n0.timeout_s"] == "pět" and values["n0.choices"] == "1 = fronta\n2 = nikde"
    menu = fieldset(page, 0)
    assert 'data-code="not_a_number"' in menu and "Musí být celé číslo." in menu
    assert 'data-code="unknown_node"' in menu and "2: Uzel „nikde“ v tomto stromu neexistuje." in menu
    assert 'data-code="unreachable"' in fieldset(page, 3) and "není ze začátku dosažitelný" in fieldset(
        page, 3
    )
    assert 'id="form-error"' in page

    response = submit(admin_client, "/ivr/new", page, "save", n0__timeout_s="5", n0__choices="1 fronta")
    assert response.status_code == 422
    menu = fieldset(response.get_data(as_text=True), 0)
    assert 'data-code="bad_choice_line"' in menu and "1 fronta" in menu
    response = submit(
        admin_client, "/ivr/new", page, "save", n0__timeout_s="5", n1__queue_ids="3, x", name=""
    )
    page = response.get_data(as_text=True)
    assert 'data-code="not_a_number"' in fieldset(page, 1)
    assert page.count('data-code="required"') >= 1 and "Toto pole je povinné." in page  # the empty name
    assert container.ivr().names() == []


def test_editing_saves_a_new_version_of_the_same_tree(admin_client, container):
    page = build_small_tree(admin_client, container)
    page = submit(admin_client, "/ivr/new", page, "remove:3").get_data(as_text=True)
    assert submit(admin_client, "/ivr/new", page, "save").status_code == 302
    tree_page = admin_client.get("/ivr/platby").get_data(as_text=True)
    assert 'href="/ivr/platby/edit"' in tree_page

    page = admin_client.get("/ivr/platby/edit").get_data(as_text=True)
    values = form_values(page)
    assert values["count"] == "3" and values["n0.choices"] == "1 = fronta\n2 = konec" and "name" not in values
    response = submit(
        admin_client,
        "/ivr/platby/edit",
        page,
        "save",
        name="jiny",
        n0__prompt__text="Nové hlášení",
        n2__id="zaver",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/ivr/platby")
    assert [v.version for v in container.ivr().versions("platby")] == [1, 2] and container.ivr().names() == [
        "platby"
    ]
    tree = container.ivr().get("platby", 2).tree()
    assert tree.nodes[0].prompt.text == "Nové hlášení"  # type: ignore[attr-defined]
    assert dict(tree.nodes[0].choices) == {"1": "fronta", "2": "zaver"}  # type: ignore[attr-defined]

    taken = submit(
        admin_client, "/ivr/new", admin_client.get("/ivr/new").get_data(as_text=True), "save", name="platby"
    )
    assert taken.status_code == 422 and 'data-code="tree_exists"' in taken.get_data(as_text=True)
    assert admin_client.get("/ivr/nic/edit").status_code == 404


def test_every_node_type_can_be_added_and_gets_its_own_fields(admin_client, container):
    page = admin_client.get("/ivr/new").get_data(as_text=True)
    types = ["play", "collect_digits", "condition", "lookup", "set_tag", "route_to_queue", "transfer"]
    types += ["voicemail", "callback", "goto_tree", "hang_up", "menu"]
    for node_type in types:
        page = submit(admin_client, "/ivr/new", page, f"add:{node_type}").get_data(as_text=True)
    values = form_values(page)
    assert [values[f"n{i}.type"] for i in range(1, 13)] == types
    assert values["n3.kind"] == "open" and values["n2.validator"] == "none"
    assert "insurance_number" in fieldset(page, 2) and "variable" in fieldset(page, 3)
    assert 'name="n9.queue_id"' in fieldset(page, 9) and 'name="n10.tree"' in fieldset(page, 10)
    assert len(set(values[f"n{i}.id"] for i in range(13))) == 13


@pytest.mark.req("SEC-03")
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/ivr/new"), ("POST", "/ivr/new"), ("GET", "/ivr/hlavni/edit"), ("POST", "/ivr/hlavni/edit")],
)
def test_an_agent_gets_403_on_the_editor(client, method, path):
    client.login("novakova")
    response = client.get(path) if method == "GET" else client.post(path, {"action": "save"})
    assert response.status_code == 403


def test_yaml_import_and_export_round_trip(admin_client, container, app):
    qid = queue_id(container)
    text = f"""
name: zdrava
version: 1
start: uvod
nodes:
  - type: menu
    id: uvod
    prompt: {{text: "Stiskněte 1"}}
    choices:
      1: fronta
      "#": konec
  - {{type: route_to_queue, id: fronta, queue_ids: [{qid}]}}
  - {{type: hang_up, id: konec}}
"""
    response = admin_client.post("/ivr/import", {"definition": text})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ivr/zdrava")
    assert 'id="export-yaml-1"' in admin_client.get("/ivr/zdrava").get_data(as_text=True)
    exported = admin_client.get("/ivr/zdrava/1/export.yaml")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="ivr-zdrava-v1.yaml"'
    body = exported.get_data(as_text=True)
    assert "Stiskněte 1" in body  # readable Czech, not escapes
    data = yaml.safe_load(body)
    assert data["nodes"][0]["choices"] == {"1": "fronta", "#": "konec"}
    upload = {"definition": "", "file": (io.BytesIO(body.encode()), "zdrava.yaml")}
    assert admin_client.post("/ivr/import", upload, content_type="multipart/form-data").status_code == 302
    first, second = (container.ivr().get("zdrava", v).tree() for v in (1, 2))
    assert second.nodes == first.nodes and second.start == first.start
    assert tree_from_plain(container.ivr().export("zdrava", 2)) == second


def test_yaml_that_is_broken_or_not_a_mapping_is_explained(admin_client, container, app):
    with app.test_request_context():
        not_mapping = error_text(FieldError("definition", "not_a_mapping"))
    response = admin_client.post("/ivr/import", {"definition": "- jen\n- seznam\n"})
    assert response.status_code == 422 and not_mapping in response.get_data(as_text=True)
    assert not_mapping.replace("“", "").strip()  # a sentence, not a code

    broken = admin_client.post("/ivr/import", {"definition": "name: x\nnodes: [a, b\n"})
    page = broken.get_data(as_text=True)
    assert broken.status_code == 422 and "definition" in page and re.search(r"YAML", page)
    assert "- jen" in admin_client.post("/ivr/import", {"definition": "- jen\n"}).get_data(as_text=True)
    assert container.ivr().names() == []
