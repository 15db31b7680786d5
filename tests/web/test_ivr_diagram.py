"""The IVR tree page draws the tree as an inline SVG diagram, CSP-clean, outline kept below (IN-06)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kc_domain.audit.service import SYSTEM


def looping_definition(container: Any) -> dict[str, Any]:
    queue_id = container.admin().list("queue")[0].id
    return {
        "name": "smycka",
        "version": 1,
        "start": "uvod",
        "nodes": [
            {
                "type": "menu",
                "id": "uvod",
                "prompt": {"text": "Pro klienty stiskněte 1, pro opakování 9 <a&b>"},
                "choices": {"1": "je-otevreno", "9": "uvod"},
            },
            {
                "type": "condition",
                "id": "je-otevreno",
                "kind": "open",
                "value": str(queue_id),
                "then": "fronta",
                "otherwise": "konec",
            },
            {"type": "route_to_queue", "id": "fronta", "queue_ids": [queue_id], "otherwise": "uvod"},
            {"type": "hang_up", "id": "konec"},
        ],
    }


@pytest.mark.req("IN-06")
def test_the_tree_page_draws_every_node_in_an_svg_diagram(admin_client, container):
    plain = looping_definition(container)
    container.ivr().save(SYSTEM, plain)
    response = admin_client.get("/ivr/smycka")
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    svg = page[page.index("<svg xmlns") : page.rindex("</svg>")]
    for node in plain["nodes"]:
        assert f'id="node-{node["id"]}"' in svg
    assert svg.count('class="ivr-node ') == len(plain["nodes"])
    assert 'class="ivr-node type-menu start"' in svg and "type-route_to_queue" in svg
    # the full prompt in the box's title, escaped; loops drawn as back edges with an arrowhead
    assert "<title>uvod: Pro klienty stiskněte 1, pro opakování 9 &lt;a&amp;b&gt;</title>" in svg
    assert svg.count('class="ivr-edge back"') == 2  # uvod -> uvod and fronta -> uvod
    assert 'marker-end="url(#ivr-arrow-back)"' in svg and '<marker id="ivr-arrow"' in svg
    assert re.search(r'<text class="edge-label"[^>]*>9</text>', svg)

    # CSP-clean: no inline style or script, no event handler attributes
    assert "style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\son[a-z]+=", svg)
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]

    # the text outline stays below the diagram, collapsed
    assert page.rindex("</svg>") < page.index('<details id="outline-details"') < page.index('id="outline"')
    assert "uvod (menu)" in page


@pytest.mark.req("IN-06")
def test_the_diagram_names_node_types_in_the_chosen_language(admin_client, container):
    container.ivr().save(SYSTEM, looping_definition(container))
    admin_client.post("/language", {"language": "en", "next": "/"})
    page = admin_client.get("/ivr/smycka").get_data(as_text=True)
    assert ">Menu</text>" in page and ">Route to queue</text>" in page and ">Hang up</text>" in page
    assert ">otherwise</text>" in page
