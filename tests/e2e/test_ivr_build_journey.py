"""An administrator builds a small IVR tree in the form-based editor, saves it, activates it, gives it a
dialled number and sees its diagram (IN-06, ADM-11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.req("IN-06", "ADM-11")
def test_admin_builds_a_tree_in_the_editor_activates_it_and_sees_the_diagram(page, container):
    queue = next(q for q in container.admin().list("queue") if q.name == "Platby a dlužné pojistné")
    sign_in(page)
    page.goto("/ivr/")
    page.locator("#new-tree").click()
    page.locator("#f-name").fill("platby")
    page.locator("#f-n0-id").fill("menu")
    page.locator("#f-n0-prompt").fill("Platby stiskněte 1, potvrzení o bezdlužnosti 2.")
    page.locator("#f-n0-choices").fill("1 = fronta\n2 = fronta\n9 = konec")

    page.locator("#f-new_type").select_option("route_to_queue")
    page.locator("#add-node").click()
    expect(page.locator("#node-form-1")).to_be_visible()
    expect(page.locator("#f-n0-prompt")).to_have_value("Platby stiskněte 1, potvrzení o bezdlužnosti 2.")
    expect(page.locator("#f-start")).to_have_value("menu")
    page.locator("#f-n1-id").fill("fronta")
    page.locator("#f-n1-queue_ids").fill(str(queue.id))

    page.locator("#f-new_type").select_option("hang_up")
    page.locator("#add-node").click()
    page.locator("#f-n2-id").fill("konec")
    page.locator("#f-new_type").select_option("play")
    page.locator("#add-node").click()
    expect(page.locator("#node-form-3")).to_be_visible()
    page.locator("#remove-3").click()
    expect(page.locator("#node-form-3")).to_have_count(0)

    page.locator("#f-n1-queue_ids").fill("x")  # a mistake first: explained, kept, nothing saved
    page.locator("#save").click()
    expect(page.locator("#node-form-1 .field-error")).to_be_visible()
    expect(page.locator("#f-n1-queue_ids")).to_have_value("x")
    screenshot(page, "ivr-editor-error")
    assert container.ivr().names() == []

    page.locator("#f-n1-queue_ids").fill(str(queue.id))
    page.locator("#save").click()
    expect(page.locator("#versions")).to_be_visible()
    page.locator("#activate-1").click()
    expect(page.locator("#versions strong.active")).to_be_visible()
    expect(page.locator("#ivr-diagram #node-fronta")).to_be_visible()
    expect(page.locator("#ivr-diagram #node-konec")).to_be_visible()
    screenshot(page, "ivr-editor-tree")

    page.goto("/ivr/")
    page.locator("#f-number").fill("+420261105557")
    page.locator("#f-tree_name").select_option("platby")
    page.locator("#number-form button[type=submit]").click()
    expect(page.locator("#numbers")).to_contain_text("+420261105557")
    active = container.ivr().tree_for_number("+420261105557")
    assert active is not None and active.name == "platby" and active.version == 1
    assert [n.id for n in active.nodes] == ["menu", "fronta", "konec"]

    page.goto("/ivr/platby")
    page.locator("#edit-tree").click()
    expect(page.locator("#f-n0-choices")).to_have_value("1 = fronta\n2 = fronta\n9 = konec")
