"""An administrator builds a small IVR tree in the browser, sees a mistake explained, activates the
tree and gives it a dialled number (IN-06, ADM-11)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e


def tree(queue_id: int, choices: dict[str, str]) -> str:
    return json.dumps(
        {
            "name": "platby",
            "version": 1,
            "start": "menu",
            "nodes": [
                {
                    "type": "menu",
                    "id": "menu",
                    "prompt": {"text": "Platby stiskněte 1, potvrzení o bezdlužnosti 2."},
                    "choices": choices,
                },
                {"type": "set_tag", "id": "tag", "key": "problem", "value": "bezdluznost", "next": "fronta"},
                {"type": "route_to_queue", "id": "fronta", "queue_ids": [queue_id]},
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


@pytest.mark.req("IN-06", "ADM-11")
def test_admin_imports_a_tree_fixes_a_mistake_activates_it_and_maps_a_number(page, container):
    queue = next(q for q in container.admin().list("queue") if q.name == "Platby a dlužné pojistné")
    sign_in(page)
    page.goto("/ivr/")
    page.locator("#f-definition").fill(tree(queue.id, {"1": "fronta", "2": "neexistuje"}))
    page.get_by_role("button", name="Uložit jako novou verzi").click()
    expect(page.locator("#ivr-errors")).to_contain_text("neexistuje")
    screenshot(page, "ivr-import-error")

    page.locator("#f-definition").fill(tree(queue.id, {"1": "fronta", "2": "tag"}))
    page.get_by_role("button", name="Uložit jako novou verzi").click()
    expect(page.locator("#versions")).to_be_visible()
    page.locator("#activate-1").click()
    expect(page.locator("#outline")).to_contain_text("route_to_queue")
    screenshot(page, "ivr-tree")

    page.goto("/ivr/")
    page.locator("#f-number").fill("+420261105556")
    page.locator("#f-tree_name").select_option("platby")
    page.get_by_role("button", name="Přiřadit číslo").click()
    expect(page.locator("#numbers")).to_contain_text("+420261105556")
    active = container.ivr().tree_for_number("+420261105556")
    assert active is not None and active.name == "platby"
