"""The agent desktop in a real browser against the engine host and the simulated PBX (issue 5): the
agent's state and queues, a call rung by a simulated caller, the keyboard, the note that survives a
reload, the live transfer panel with favourites, a refused transfer, and the reconnect after the
WebSocket is cut; one contact at a time with nothing of the last one, outbound calls that read as
such and keep the agent's pause, her own missed calls, the categories offered and ICIS without a
link."""

from __future__ import annotations

import re
import time

import attrs
import pytest
from dependency_injector import providers
from playwright.sync_api import expect

from kc_domain.audit.service import SYSTEM
from kc_domain.routing import pbx_events as pbx
from tests.e2e.conftest import GENERAL_LINE, LIVE_MS, ring, screenshot, user_id
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e

FAMILY_PHONE = "+420603111222"  # two demo clients share it (apps/seed.py)


@pytest.fixture
def desk(page, host):  # type: ignore[no-untyped-def]
    """The browser's clock runs from the engine's time, so that the page's timers agree with it."""
    page.clock.install(time=host.clock.now())
    return page


def open_desktop(page, username: str = "novakova") -> None:  # type: ignore[no-untyped-def]
    sign_in(page, username)
    page.locator("#nav-desktop").click()
    expect(page.locator("#desktop")).to_have_attribute("data-ready", "true")
    expect(page.locator("#desktop")).to_have_attribute("data-connected", "true")


def state(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("agent-state")


@pytest.mark.req("AG-01", "AG-03", "AG-10", "AG-16", "IN-05", "AG-04")
def test_agent_logs_in_takes_a_call_by_keyboard_and_keeps_the_note_over_a_reload(desk, container, host):
    page = desk
    novakova = user_id(container, "novakova")
    open_desktop(page)
    expect(state(page)).to_have_attribute("data-state", "logged_out")
    page.get_by_test_id("btn-log-in").click()
    expect(state(page)).to_have_attribute("data-state", "paused")
    queues = {q["name"]: q["queue_id"] for q in host.engine.view_of(novakova)["queues"]}
    platby, obecna = queues["Platby a dlužné pojistné"], queues["Obecná linka"]
    toggle = page.get_by_test_id(f"queue-toggle-{platby}")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert platby not in host.engine.agents[novakova].signed_in

    # AG-10: a pause with a predefined code, and its timer
    page.get_by_test_id("pause-code").select_option("OBED")
    page.keyboard.press("Alt+KeyP")
    expect(page.get_by_test_id("pause-name")).to_have_text("Oběd")
    host.clock.advance(seconds=65)
    page.clock.run_for(65_000)
    expect(page.get_by_test_id("state-timer")).to_have_text(re.compile(r"^1:[01][0-9]$"))

    # AG-16: a caller waits while the agent pauses; the count of the queue shows it live
    ring(host, "c1", "+420603123456")
    expect(page.get_by_test_id(f"queue-waiting-{obecna}")).to_contain_text("1", timeout=LIVE_MS)
    page.keyboard.press("Alt+KeyR")
    expect(page.get_by_test_id("call-caller")).to_have_text("+420603123456", timeout=LIVE_MS)
    expect(page.get_by_test_id("call-queue")).to_have_text("Obecná linka")
    expect(page.get_by_test_id("call-dialled")).to_have_text(GENERAL_LINE)
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "ringing")
    screenshot(page, "desktop-ringing")

    page.keyboard.press("Alt+KeyA")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    assert host.engine.calls["c1"].stage.value == "answered"
    page.keyboard.press("Alt+KeyD")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "held")
    assert host.engine.calls["c1"].held
    page.keyboard.press("Alt+KeyD")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")

    page.keyboard.press("Alt+KeyN")
    expect(page.get_by_test_id("note")).to_be_focused()
    page.keyboard.type("Klient žádá potvrzení o bezdlužnosti.")
    page.reload()
    expect(page.locator("#desktop")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("note")).to_have_value("Klient žádá potvrzení o bezdlužnosti.")

    page.get_by_test_id("btn-hang-up").click()
    expect(state(page)).to_have_attribute("data-state", "wrap_up")
    wrapup = page.get_by_test_id("wrapup-timer")
    expect(wrapup).to_be_visible()
    expect(wrapup).to_contain_text("z 0:30")  # the queue's wrap-up time ("zbývá … z …")
    page.get_by_test_id("btn-extend").click()
    expect(wrapup).to_contain_text("z 1:30")
    expect(page.get_by_test_id("note")).to_have_value("Klient žádá potvrzení o bezdlužnosti.")
    assert obecna in host.engine.agents[novakova].signed_in
    screenshot(page, "desktop-wrap-up")


@pytest.mark.req("AG-12")
def test_the_panel_shows_a_colleague_live_and_pins_a_favourite(desk, container, host):
    page = desk
    horak = user_id(container, "horak")
    open_desktop(page)
    row = page.get_by_test_id(f"panel-agent-{horak}")
    expect(row.get_by_test_id(f"state-agent-{horak}")).to_have_attribute("data-state", "logged_out")
    host.apply(lambda engine: (engine.log_in(horak), engine.ready(horak)))
    expect(row.get_by_test_id(f"state-agent-{horak}")).to_have_attribute(
        "data-state", "ready", timeout=LIVE_MS
    )
    host.apply(lambda engine: engine.pause(horak, "ADMIN"))
    expect(row.get_by_test_id(f"state-agent-{horak}")).to_have_attribute(
        "data-state", "paused", timeout=LIVE_MS
    )

    # the supervisor of this workplace: on his extension while not signed in at KC, then as an agent
    # with a live state once he is; never twice
    svoboda = user_id(container, "supervizor")
    expect(page.get_by_test_id("panel-supervisor-2001")).to_contain_text("Petr Svoboda")
    expect(page.get_by_test_id(f"panel-agent-{svoboda}")).to_have_count(0)
    host.apply(lambda engine: engine.log_in(svoboda))
    expect(page.get_by_test_id(f"panel-agent-{svoboda}")).to_contain_text("Petr Svoboda", timeout=LIVE_MS)
    expect(page.get_by_test_id("panel-supervisor-2001")).to_have_count(0)

    # a line of the panel pinned at the top, kept over a reload (localStorage)
    page.get_by_test_id("fav-line-2450").click()
    favourites = page.get_by_test_id("panel-group-favourites")
    expect(favourites.get_by_test_id("panel-line-2450")).to_be_visible()
    first_group = page.locator("#panel-list .panel-group").first
    expect(first_group).to_have_attribute("data-testid", "panel-group-favourites")
    page.reload()
    expect(page.locator("#desktop")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("panel-group-favourites").get_by_test_id("panel-line-2450")).to_be_visible()
    page.get_by_test_id("panel-q").fill("Horák")
    expect(page.locator("#panel-list .panel-item")).to_have_count(1)
    screenshot(page, "desktop-panel")


@pytest.mark.req("IN-16", "AG-01", "IN-28")
def test_a_transfer_to_an_invalid_number_is_refused_in_czech_and_the_call_stays(desk, container, host):
    page = desk
    novakova = user_id(container, "novakova")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    open_desktop(page)
    ring(host, "c2", "+420603123457")
    page.get_by_test_id("btn-answer").click()
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    page.get_by_test_id("target").fill("+42")
    with page.expect_response("**/api/v1/desktop/transfer") as refused:
        page.keyboard.press("Alt+KeyT")
    assert refused.value.status == 422
    message = refused.value.json()["errors"][0]["message"]  # Czech: the page's locale is cs
    status = page.get_by_test_id("desk-status")
    expect(status).to_have_attribute("data-kind", "error")
    expect(status).to_have_text(message)
    assert host.engine.calls["c2"].agent_id == novakova
    assert host.engine.calls["c2"].stage.value == "answered"
    expect(page.get_by_test_id("call-caller")).to_have_text("+420603123457")
    screenshot(page, "desktop-refused-transfer")

    # IN-28: the next calls ring on a mobile phone; not in the middle of a call
    page.get_by_test_id("device").fill("+420731222333")
    with page.expect_response("**/api/v1/desktop/device") as refused:
        page.get_by_test_id("device-save").click()
    assert refused.value.status == 422
    expect(status).to_have_text(refused.value.json()["errors"][0]["message"])
    page.keyboard.press("Alt+KeyH")
    expect(state(page)).to_have_attribute("data-state", "wrap_up")
    with page.expect_response("**/api/v1/desktop/device") as switched:
        page.get_by_test_id("device-save").click()
    assert switched.value.ok
    assert host.engine.agents[novakova].device == "+420731222333"
    expect(page.get_by_test_id("device")).to_have_value("+420731222333")


@pytest.mark.req("AG-01", "AG-16")
def test_the_page_reconnects_after_the_socket_is_cut_and_catches_up(desk, container, host):
    page = desk
    novakova = user_id(container, "novakova")
    host.apply(lambda engine: engine.log_in(novakova))
    cut = {"on": False}
    sockets = []

    def route(ws):  # type: ignore[no-untyped-def]
        if cut["on"]:
            ws.close()
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/desktop/ws", route)
    open_desktop(page)
    expect(page.get_by_test_id("agent-state")).to_have_attribute("data-state", "paused")
    banner = page.get_by_test_id("conn-banner")
    expect(banner).to_be_hidden()

    cut["on"] = True
    for ws in sockets:
        ws.close()
    expect(banner).to_be_visible()
    expect(page.locator("#desktop")).to_have_attribute("data-connected", "false")
    host.apply(lambda engine: engine.ready(novakova))  # happens while the page is cut off
    ring(host, "c3", "+420603123458")
    screenshot(page, "desktop-disconnected")
    cut["on"] = False
    expect(banner).to_be_hidden(timeout=15_000)
    expect(page.get_by_test_id("call-caller")).to_have_text("+420603123458")
    expect(page.get_by_test_id("agent-state")).to_have_attribute("data-state", "ringing")


@pytest.mark.req("IN-11", "AG-19", "AG-18", "AG-04", "AG-05", "IN-12")
def test_identification_from_a_family_phone_the_card_and_the_note_versions(desk, container, host):
    page = desk
    novakova = user_id(container, "novakova")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    settings = attrs.evolve(container.settings(), icis_url_template="https://icis.example/klient/{icis_id}")
    container.settings.override(providers.Object(settings))
    family = container.clients().by_phone(FAMILY_PHONE)
    assert len(family) == 2
    jana = next(c for c in family if c.first_name == "Jana")
    open_desktop(page)
    ring(host, "c4", FAMILY_PHONE)
    rows = page.get_by_test_id("ident-list").locator("li")
    expect(rows).to_have_count(2, timeout=LIVE_MS)
    expect(page.get_by_test_id("btn-answer")).to_be_enabled()
    page.keyboard.press("Alt+KeyA")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")

    page.get_by_test_id(f"pick-client-{jana.id}").click()
    expect(page.get_by_test_id("client-name")).to_have_text(jana.name)
    icis = page.get_by_test_id("icis-link")  # AG-18, CHAT-05: she has an ICIS record
    expect(icis).to_have_attribute("href", f"https://icis.example/klient/{jana.icis_id}")
    page.locator("#cf-email").fill("jana.svobodova@example.cz")  # AG-19: edited during the call
    with page.expect_response(f"**/api/v1/clients/{jana.id}") as saved:
        page.get_by_test_id("client-save").click()
    assert saved.value.ok
    expect(page.locator("#cf-email")).to_have_value("jana.svobodova@example.cz")
    assert container.clients().get(jana.id).email == "jana.svobodova@example.cz"

    page.get_by_test_id("note").fill("Žádá potvrzení o bezdlužnosti.")
    category = next(c for c in container.admin().list("category") if c.name == "Potvrzení o bezdlužnosti")
    page.get_by_test_id("category").select_option(str(category.id))
    expect(page.get_by_test_id("desk-status")).not_to_have_attribute("data-kind", "error")
    page.get_by_test_id("btn-hang-up").click()
    expect(page.get_by_test_id("agent-state")).to_have_attribute("data-state", "wrap_up")
    page.get_by_test_id("note").blur()
    expect(page.get_by_test_id("note-status")).to_have_attribute("data-state", "saved")
    page.keyboard.press("Alt+KeyR")  # the wrap-up is over: the note becomes version 1
    expect(page.get_by_test_id("agent-state")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("note-versions").locator("li")).to_have_count(1)

    page.get_by_test_id("note").fill("Žádá potvrzení o bezdlužnosti. Posláno e-mailem.")
    page.get_by_test_id("btn-amend").click()
    versions = page.get_by_test_id("note-versions").locator("li")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Žádá potvrzení o bezdlužnosti.")
    expect(versions.nth(1)).to_contain_text("Posláno e-mailem.")
    record = container.contacts().record("c4")
    assert record.record.client_id == jana.id and record.record.category_id == category.id
    assert [n.text for n in record.notes if not n.draft][-1].endswith("Posláno e-mailem.")
    screenshot(page, "desktop-identified")


@pytest.mark.req("IN-15", "AG-12", "AG-05")
def test_a_consultation_from_the_panel_ends_in_a_transfer_the_colleague_sees(
    desk, browser, server, container, host
):
    page = desk
    novakova, horak = user_id(container, "novakova"), user_id(container, "horak")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    host.apply(lambda engine: (engine.log_in(horak), engine.ready(horak)))
    host.apply(lambda engine: engine.pause(horak, "ADMIN"))  # the first call goes to Nováková
    colleague_context = browser.new_context(
        base_url=server, viewport={"width": 1920, "height": 1080}, locale="cs-CZ"
    )
    colleague = colleague_context.new_page()
    colleague.set_default_timeout(10_000)
    colleague.clock.install(time=host.clock.now())
    try:
        open_desktop(colleague, "horak")
        open_desktop(page)
        ring(host, "c5", "+420603123459")
        expect(page.get_by_test_id("btn-answer")).to_be_enabled(timeout=LIVE_MS)
        page.keyboard.press("Alt+KeyA")
        expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
        page.get_by_test_id("note").fill("Předávám kolegovi.")
        host.apply(lambda engine: engine.ready(horak))
        row = page.get_by_test_id(f"panel-agent-{horak}")
        expect(row.get_by_test_id(f"state-agent-{horak}")).to_have_attribute("data-state", "ready")
        row.get_by_role("button", name=re.compile("Horák")).nth(1).click()  # consult
        expect(page.get_by_test_id("btn-complete")).to_be_enabled()
        expect(page.get_by_test_id("call-state")).to_have_text("Konzultace: Tomáš Horák")  # not agent:<id>
        expect(colleague.get_by_test_id("call-caller")).to_have_text("+420603123459", timeout=LIVE_MS)
        expect(colleague.get_by_test_id("call-state")).to_have_text("Konzultace: Marie Nováková")
        page.get_by_test_id("btn-complete").click()
        expect(page.get_by_test_id("agent-state")).to_have_attribute("data-state", "wrap_up")
        assert host.engine.calls["c5"].agent_id == horak
        expect(colleague.get_by_test_id("call-caller")).to_have_text("+420603123459")
        expect(colleague.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
        screenshot(colleague, "desktop-1920-colleague")
    finally:
        colleague_context.close()


@pytest.mark.req("AG-04", "AG-01")
def test_a_note_over_the_limit_and_someone_elses_call_are_refused_in_the_browser(desk, container, host):
    page = desk
    horak = user_id(container, "horak")
    open_desktop(page)
    page.get_by_test_id("btn-log-in").click()
    expect(state(page)).to_have_attribute("data-state", "paused")
    page.keyboard.press("Alt+KeyR")
    expect(state(page)).to_have_attribute("data-state", "ready")
    mine = ring(host, "c1")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "ringing", timeout=LIVE_MS)
    page.keyboard.press("Alt+KeyA")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    note = page.get_by_test_id("note")
    note.fill("x" * 4001)
    assert len(note.input_value()) == 4000  # the field itself stops at the limit
    page.evaluate(  # a pasted text that got past it (an old browser, a script): the server refuses it
        """() => {
            const box = document.getElementById('note');
            box.value = 'y'.repeat(4001);
            box.dispatchEvent(new Event('input', {bubbles: true}));
            box.blur();
        }"""
    )
    expect(page.get_by_test_id("desk-status")).to_contain_text("4000", timeout=LIVE_MS)
    assert all(len(v.text) <= 4000 for v in container.contacts().record(mine).notes)

    host.apply(lambda engine: (engine.log_in(horak), engine.ready(horak)))
    theirs = ring(host, "c2", "+420603999888")
    host.apply(lambda engine: engine.call_answered(theirs, horak))
    status = page.evaluate(
        """async (callId) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch('/api/v1/desktop/hang_up', {
                method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                body: JSON.stringify({call_id: callId}),
            });
            return response.status;
        }""",
        theirs,
    )
    assert status == 403
    assert host.engine.calls[theirs].stage.value == "answered"
    screenshot(page, "desktop-refusals")


def feed_presence(host):  # type: ignore[no-untyped-def]
    """The PBX's presence reports (lines, supervisors' extensions) reach the engine, as in ``kc engine``."""
    pending: list = []
    host.pbx.listen(lambda e: pending.append(e) if isinstance(e, pbx.DeviceStateChanged) else None)

    def settle() -> None:
        events, pending[:] = list(pending), []
        host.apply(lambda engine: [engine.on_pbx(event) for event in events])

    return settle


@pytest.mark.req("IN-11", "IN-15", "IN-16", "AG-12", "AG-05", "AG-07")
def test_a_day_in_miniature_identify_consult_the_supervisor_and_transfer_to_a_queue(
    desk, browser, server, container, host
):
    """A caller from the family phone: Nováková picks Jana from the two clients, writes a note,
    consults the supervisor on his extension (busy in the panel while they talk), returns, and
    transfers the caller to the general queue; Horák gets the call with Jana's card and her
    earlier call with its note."""
    page = desk
    settle = feed_presence(host)
    novakova, horak = user_id(container, "novakova"), user_id(container, "horak")
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    jana = next(c for c in container.clients().by_phone(FAMILY_PHONE) if c.first_name == "Jana")
    supervisor = next(u for u in container.admin().list("user") if u.username == "supervizor")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    # an earlier call of Jana's, handled and noted last week
    host.clock.advance(days=-7)
    ring(host, "c0", FAMILY_PHONE)
    host.apply(lambda engine: engine.answer_call(novakova, "c0"))
    container.contacts().set_client(SYSTEM, novakova, "c0", jana.id)
    container.contacts().save_note(SYSTEM, novakova, "c0", "Dotaz na přeplatek, vyřízeno.", final=True)
    host.apply(lambda engine: engine.hang_up_call(novakova, "c0"))
    host.clock.advance(days=7)
    host.apply(lambda engine: engine.ready(novakova))
    host.pbx.line_state(supervisor.agent_number, "free")
    settle()

    colleague_context = browser.new_context(
        base_url=server, viewport={"width": 1366, "height": 768}, locale="cs-CZ"
    )
    colleague = colleague_context.new_page()
    colleague.set_default_timeout(10_000)
    colleague.clock.install(time=host.clock.now())
    try:
        open_desktop(colleague, "horak")
        colleague.get_by_test_id("btn-log-in").click()
        expect(state(colleague)).to_have_attribute("data-state", "paused")
        open_desktop(page)
        ring(host, "c6", FAMILY_PHONE)
        expect(page.get_by_test_id("ident-list").locator("li")).to_have_count(2, timeout=LIVE_MS)
        page.keyboard.press("Alt+KeyA")
        expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
        page.get_by_test_id(f"pick-client-{jana.id}").click()
        expect(page.get_by_test_id("client-name")).to_have_text(jana.name)
        expect(page.get_by_test_id("history-c0")).to_contain_text("Dotaz na přeplatek")
        page.get_by_test_id("note").fill("Ověřuje platbu za listopad, konzultace se supervizorem.")

        sup = page.get_by_test_id(f"panel-supervisor-{supervisor.agent_number}")
        expect(sup.get_by_test_id(f"state-supervisor-{supervisor.agent_number}")).to_have_attribute(
            "data-state", "free"
        )
        sup.get_by_role("button", name=re.compile(supervisor.full_name)).nth(1).click()  # consult
        expect(page.get_by_test_id("btn-end-consult")).to_be_enabled()
        expect(page.get_by_test_id("call-state")).to_have_text(f"Konzultace: {supervisor.full_name}")
        assert host.pbx.state("c6").consulting == supervisor.agent_number
        settle()
        expect(sup.get_by_test_id(f"state-supervisor-{supervisor.agent_number}")).to_have_attribute(
            "data-state", "busy", timeout=LIVE_MS
        )
        screenshot(page, "desktop-consulting-supervisor")
        page.get_by_test_id("btn-end-consult").click()
        expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
        settle()
        expect(sup.get_by_test_id(f"state-supervisor-{supervisor.agent_number}")).to_have_attribute(
            "data-state", "free", timeout=LIVE_MS
        )
        page.get_by_test_id("note").blur()
        expect(page.get_by_test_id("note-status")).to_have_attribute("data-state", "saved")

        colleague.get_by_test_id("btn-ready").click()
        expect(state(colleague)).to_have_attribute("data-state", "ready")
        page.get_by_test_id(f"panel-queue-{general}").get_by_role("button").nth(2).click()  # transfer
        expect(state(page)).to_have_attribute("data-state", "wrap_up")
        expect(colleague.get_by_test_id("call-caller")).to_have_text(FAMILY_PHONE, timeout=LIVE_MS)
        colleague.keyboard.press("Alt+KeyA")
        expect(colleague.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
        expect(colleague.get_by_test_id("client-name")).to_have_text(jana.name)
        expect(colleague.get_by_test_id("history-c0")).to_contain_text("Dotaz na přeplatek")
        assert host.engine.calls["c6"].agent_id == horak and host.engine.calls["c6"].queue_id == general
        screenshot(colleague, "desktop-1366-transferred-with-history")
    finally:
        colleague_context.close()


@pytest.mark.req("AG-17", "IN-26", "IN-09")
def test_callbacks_and_missed_calls_on_the_desktop_planned_settled_and_dialled(desk, container, host):
    page = desk
    horak = user_id(container, "horak")
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    ring(host, "m1", "+420601555111")  # nobody is signed in: the caller gives up in the queue
    host.clock.advance(seconds=40)
    host.apply(lambda engine: engine.call_ended("m1", "caller_abandoned"))
    asked = host.apply(lambda engine: engine.request_callback("+420601555222", general, None, "Prosí"))
    host.apply(lambda engine: engine.log_in(horak))  # paused: KC does not dial callbacks for him by itself
    open_desktop(page, "horak")
    expect(page.get_by_test_id("missed-m1")).to_contain_text("+420601555111")
    expect(page.get_by_test_id(f"callback-{asked}")).to_contain_text("+420601555222")
    screenshot(page, "desktop-callbacks-and-missed")

    page.get_by_test_id("missed-plan-m1").click()  # the missed call becomes a callback request
    expect(page.get_by_test_id("missed-m1")).to_have_count(0)
    expect(page.get_by_test_id("missed-list")).to_contain_text("Žádné zmeškané hovory")
    planned = next(r for r in host.engine.callbacks.open_list() if r.caller == "+420601555111")
    expect(page.get_by_test_id(f"callback-{planned.id}")).to_be_visible()
    page.get_by_test_id(f"callback-done-{planned.id}").click()
    expect(page.get_by_test_id(f"callback-{planned.id}")).to_have_count(0)
    with container.uow_factory()() as uow:
        assert uow.callbacks.get(planned.id).state.value == "done"

    page.get_by_test_id(f"callback-dial-{asked}").click()  # the customer is called from his phone
    expect(state(page)).to_have_attribute("data-state", "ringing", timeout=LIVE_MS)
    assert [args[2] for name, args in host.pbx.commands if name == "originate"] == ["+420601555222"]


# -- one contact at a time, and nothing of the last one ------------------------------------------
NO_CLIENT = "S tímto číslem není žádný klient."


@pytest.mark.req("IN-11", "CDB-03", "SEC-04")
def test_the_next_caller_gets_a_clean_client_panel_with_nothing_of_the_last_one(desk, container, host):
    """Nováková finds Ing. Jana Svobodová for a caller from an unknown number and notes the call;
    the next caller, from another unknown number, gets an empty panel: no card, no search, no note,
    no category, and no form the browser could fill in from memory."""
    page = desk
    novakova = user_id(container, "novakova")
    jana = next(c for c in container.clients().by_phone(FAMILY_PHONE) if c.first_name == "Jana")
    category = next(c for c in container.admin().list("category") if c.name == "Potvrzení o bezdlužnosti")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    open_desktop(page)
    ring(host, "c1", "+420777100200")
    expect(page.get_by_test_id("ident-list")).to_have_text(NO_CLIENT, timeout=LIVE_MS)
    page.keyboard.press("Alt+KeyA")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    page.get_by_test_id("client-q").fill("Svobodová")
    page.get_by_test_id("client-q").press("Enter")
    page.get_by_test_id(f"pick-client-{jana.id}").click()
    expect(page.get_by_test_id("client-name")).to_have_text(jana.name)
    page.get_by_test_id("note").fill("Žádá potvrzení o bezdlužnosti.")
    page.get_by_test_id("category").select_option(str(category.id))
    expect(page.get_by_test_id("desk-status")).to_have_text("Kategorie byla uložena.")
    page.get_by_test_id("btn-hang-up").click()
    expect(state(page)).to_have_attribute("data-state", "wrap_up")
    page.keyboard.press("Alt+KeyR")
    expect(state(page)).to_have_attribute("data-state", "ready")

    ring(host, "c2", "+420777300400")
    expect(page.get_by_test_id("call-caller")).to_have_text("+420777300400", timeout=LIVE_MS)
    expect(page.get_by_test_id("ident-list")).to_have_text(NO_CLIENT)
    ident = page.get_by_test_id("ident-panel")
    expect(page.get_by_test_id("client-card")).to_have_count(0)
    expect(page.get_by_test_id("search-results")).to_be_hidden()
    expect(page.get_by_test_id("client-q")).to_have_value("")
    expect(ident).not_to_contain_text("Svobodová")
    expect(page.get_by_test_id("note")).to_have_value("")
    expect(page.get_by_test_id("category")).to_have_value("")
    expect(page.get_by_test_id("note-versions").locator("li")).to_have_count(0)
    expect(page.get_by_test_id("note-for")).to_contain_text("+420777300400")
    page.get_by_test_id("btn-new-client").click()  # a new card for this caller: built empty
    expect(page.locator("#cf-surname")).to_have_value("")
    expect(page.locator("#cf-phones")).to_have_value("+420777300400")
    for remembered in ("client-q", "note", "category", "client-form"):
        expect(page.get_by_test_id(remembered)).to_have_attribute("autocomplete", "off")
    screenshot(page, "desktop-next-caller-clean")


class HeldJournal:
    """The journal as ``kc engine`` writes it, on a thread of its own: a moment after the desktops
    were told. While ``holding``, what the engine did waits; ``release`` writes it."""

    def __init__(self, journal) -> None:  # type: ignore[no-untyped-def]
        self._journal, self._held, self.holding = journal, [], False

    def record(self, events, decisions) -> None:  # type: ignore[no-untyped-def]
        if self.holding:
            self._held.append((list(events), list(decisions)))
        else:
            self._journal.record(events, decisions)

    def release(self) -> None:
        self.holding = False
        for events, decisions in self._held:
            self._journal.record(events, decisions)
        self._held = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._journal, name)


@pytest.fixture
def held_journal(container):  # type: ignore[no-untyped-def]
    """Asked for before ``host``: the engine host and the web share the held journal."""
    journal = HeldJournal(container.journal())
    container.journal.override(providers.Object(journal))
    return journal


@pytest.mark.req("AG-11", "CDB-02", "IN-11", "AG-13")
def test_an_outbound_call_reads_as_outbound_and_an_unanswered_ring_keeps_the_agents_pause(
    held_journal, desk, container, host
):
    """Nováková, paused for lunch, calls +420603111222 back: the desktop says whom she calls and
    from which phone, asks her to pick up her own phone, lists the clients of that number, and
    carries nothing of her previous call. She does not pick up: she stays on her lunch pause."""
    page = desk
    novakova = user_id(container, "novakova")
    category = next(c for c in container.admin().list("category") if c.name == "Potvrzení o bezdlužnosti")
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    open_desktop(page)
    page.get_by_test_id("btn-log-in").click()
    expect(page.get_by_test_id("pause-name")).to_have_text("Po přihlášení")  # LOGIN, in words
    page.keyboard.press("Alt+KeyR")
    ring(host, "c1", "+420777100200")
    expect(page.get_by_test_id("btn-answer")).to_be_enabled(timeout=LIVE_MS)
    page.get_by_test_id("btn-answer").click()  # shortcuts are tested above
    expect(state(page)).to_have_attribute("data-state", "busy", timeout=LIVE_MS)
    expect(page.get_by_test_id("call-direction")).to_have_text("Příchozí od +420777100200")
    page.get_by_test_id("note").fill("Předchozí hovor.")
    page.get_by_test_id("category").select_option(str(category.id))
    expect(page.get_by_test_id("desk-status")).to_have_text("Kategorie byla uložena.")
    page.get_by_test_id("btn-hang-up").click()
    expect(state(page)).to_have_attribute("data-state", "wrap_up")
    page.get_by_test_id("pause-code").select_option("OBED")
    page.keyboard.press("Alt+KeyP")
    expect(page.get_by_test_id("pause-name")).to_have_text("Oběd")

    held_journal.holding = True  # the journal lags the desktop, as it does under load
    page.get_by_test_id("dial-number").fill(FAMILY_PHONE)
    page.get_by_test_id("btn-dial").click()
    expect(page.get_by_test_id("call-direction")).to_have_text(f"Odchozí na {FAMILY_PHONE}", timeout=LIVE_MS)
    expect(page.get_by_test_id("pick-up")).to_be_visible()  # her own phone rings first
    expect(page.get_by_test_id("pick-up")).to_contain_text("Zvedněte svůj telefon")
    expect(page.get_by_test_id("call-from")).to_have_text("pevná linka 2101")
    expect(page.get_by_test_id("ident-list").locator("li")).to_have_count(2)  # the family phone
    expect(page.locator("#ident-title")).to_have_text("Klienti s volaným číslem")
    expect(page.get_by_test_id("dial-number")).to_have_value("")  # the pad is free for the next one
    expect(page.get_by_test_id("category")).to_have_value("")
    expect(page.get_by_test_id("note")).to_have_value("")
    expect(page.get_by_test_id("note-panel")).to_be_visible()
    screenshot(page, "desktop-outbound-ringing")
    assert failed == []  # the record of the call exists from the first moment

    host.apply(lambda engine: held_journal.release())
    host.clock.advance(seconds=60)  # she does not pick up: KC gives the call up
    host.apply(lambda engine: engine.tick())
    expect(page.get_by_test_id("call-empty")).to_be_visible(timeout=LIVE_MS)
    expect(state(page)).to_have_attribute("data-state", "paused")
    expect(page.get_by_test_id("pause-name")).to_have_text("Oběd")
    assert host.engine.agents[novakova].pause_code == "OBED"


@pytest.mark.req("AG-17", "IN-26")
def test_an_agent_without_the_callback_role_sees_the_call_she_missed_and_calls_back(desk, container, host):
    page = desk
    novakova = user_id(container, "novakova")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    open_desktop(page)
    ring(host, "m1", "+420601555111")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "ringing", timeout=LIVE_MS)
    host.clock.advance(seconds=5)
    host.apply(lambda engine: engine.call_ended("m1", "caller_abandoned"))  # lost while ringing her
    missed = page.get_by_test_id("missed-m1")
    expect(missed).to_contain_text("+420601555111", timeout=2 * LIVE_MS)
    expect(page.get_by_test_id("missed-plan-m1")).to_have_count(0)  # planning callbacks is a role

    ring(host, "m2", "+420601555222")  # rings out at her: KC pauses her and says why
    expect(page.get_by_test_id("call-caller")).to_have_text("+420601555222", timeout=LIVE_MS)
    host.clock.advance(seconds=60)
    host.apply(lambda engine: engine.tick())
    expect(page.get_by_test_id("pause-name")).to_have_text("Nepřijatý hovor", timeout=LIVE_MS)
    expect(page.get_by_test_id("pause-why")).to_contain_text("Připraven")
    host.apply(lambda engine: engine.call_ended("m2", "caller_abandoned"))  # gives up in the queue
    page.clock.run_for(31_000)  # the list looks again every 30 s
    expect(page.get_by_test_id("missed-m2")).to_contain_text("+420601555222", timeout=LIVE_MS)
    today = next(a for a in host.live_view()["agents"] if a["agent_id"] == novakova)["today"]
    assert today.get("missed") == 2  # the supervisor's count: the same calls
    page.get_by_test_id("missed-dial-m1").click()
    expect(state(page)).to_have_attribute("data-state", "ringing", timeout=LIVE_MS)
    assert [args[2] for name, args in host.pbx.commands if name == "originate"] == ["+420601555111"]


@pytest.mark.req("AG-13")
def test_the_category_list_offers_only_what_can_be_chosen_and_a_refusal_shows_at_the_field(
    desk, container, host
):
    page = desk
    novakova = user_id(container, "novakova")
    spa = next(c for c in container.admin().list("category") if c.name == "Lázeňská péče")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    open_desktop(page)
    options = page.get_by_test_id("category").locator("option")
    expect(options.filter(has_text="Lázeňská péče")).to_have_count(1)
    for product in ("Fond prevence", "Cestovní pojištění"):  # products, not reasons for a call
        expect(options.filter(has_text=product)).to_have_count(0)
    ring(host, "c1", "+420777100200")
    expect(page.get_by_test_id("btn-answer")).to_be_enabled(timeout=LIVE_MS)
    page.keyboard.press("Alt+KeyA")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    container.admin().update(SYSTEM, "category", spa.id, {"active": False})  # while the page is open
    page.get_by_test_id("category").select_option(str(spa.id))
    error = page.get_by_test_id("category-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Tato kategorie hovoru se již nepoužívá.")
    expect(page.get_by_test_id("category")).to_have_value("")  # what is saved, and the field says why
    expect(page.get_by_test_id("category")).to_have_attribute("aria-describedby", "category-error")
    assert container.contacts().record("c1").record.category_id is None


@pytest.mark.req("AG-18", "CDB-03")
def test_a_client_in_icis_says_so_with_the_id_when_no_link_is_configured(desk, container, host):
    page = desk
    assert container.settings().icis_url_template == ""
    family = {c.first_name: c for c in container.clients().search("Svobodová")}
    open_desktop(page)
    page.get_by_test_id("client-q").fill("Svobodová")
    page.get_by_test_id("client-q").press("Enter")
    page.get_by_test_id(f"pick-client-{family['Jana'].id}").click()
    expect(page.get_by_test_id("client-name")).to_have_text(family["Jana"].name)
    expect(page.get_by_test_id("in-icis")).to_have_text("V ICIS: K-1004321")
    expect(page.get_by_test_id("icis-link")).to_have_count(0)
    expect(page.get_by_test_id("no-icis")).to_have_count(0)
    page.get_by_test_id(f"pick-client-{family['Jitka'].id}").click()
    expect(page.get_by_test_id("client-name")).to_have_text(family["Jitka"].name)
    expect(page.get_by_test_id("no-icis")).to_have_text("Není v ICIS")


def feed_refusals(host):  # type: ignore[no-untyped-def]
    """The PBX's refusals reach the engine once heard, as ``PbxInbox`` hands them on in ``kc engine``."""
    heard: list = []
    host.pbx.listen(lambda e: heard.append(e) if isinstance(e, pbx.CommandRefusedAtPbx) else None)

    def settle() -> None:
        deadline = time.monotonic() + LIVE_MS / 1000
        while not heard:
            assert time.monotonic() < deadline, "the PBX refused nothing"
            time.sleep(0.02)
        events, heard[:] = list(heard), []
        host.apply(lambda engine: [engine.on_pbx(event) for event in events])

    return settle


@pytest.mark.req("AG-01", "INT-04")
def test_what_the_telephone_exchange_refuses_is_said_in_czech_and_english_and_the_call_goes_on(
    desk, container, host
):
    """Nováková's phone cannot be rung: the desktop says so and why she is paused. Back at work, she
    takes the caller, who waited, and puts them on hold, which the exchange refuses: the desktop
    says so, in Czech and, after a switch, in English, and the call is not shown on hold."""
    page = desk
    novakova = user_id(container, "novakova")
    settle = feed_refusals(host)
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    open_desktop(page)
    status = page.get_by_test_id("desk-status")

    host.pbx.refuse("ring_agent", "Allocation failed")
    ring(host, "c1", "+420603123459")
    settle()
    expect(status).to_have_text(
        "Ústředna odmítla vyzvánět na vašem telefonu: Allocation failed", timeout=LIVE_MS
    )
    expect(status).to_have_attribute("data-kind", "error")
    expect(state(page)).to_have_attribute("data-state", "paused")
    expect(page.get_by_test_id("pause-why")).to_contain_text("Ústředna nemohla zazvonit na váš telefon")
    assert host.engine.calls["c1"].stage.value == "queued"  # the caller waits at the head of the queue

    page.get_by_test_id("btn-ready").click()  # her phone works again: the waiting caller rings there
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "ringing", timeout=LIVE_MS)
    page.get_by_test_id("btn-answer").click()
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    host.pbx.refuse("hold", "Channel not found")
    page.get_by_test_id("btn-hold").click()
    settle()
    expect(status).to_have_text("Ústředna odmítla přidržet hovor: Channel not found", timeout=LIVE_MS)
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
    assert not host.engine.calls["c1"].held and not host.pbx.state("c1").held
    screenshot(page, "desktop-exchange-refused")

    page.get_by_role("button", name="EN", exact=True).click()  # the page again, in English
    expect(page.locator("#desktop")).to_have_attribute("data-ready", "true")
    expect(status).to_have_text("The telephone exchange refused to hold the call: Channel not found")
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-stage", "answered")
