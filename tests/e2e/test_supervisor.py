"""The supervisor's live view in a real browser against the engine host and the simulated PBX
(issue 6): an alert fires and is acknowledged; the supervisor whispers to an agent on a call, the
PBX gets the command and the agent's desktop shows the coaching; a forced pause waits for the call."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kc_domain.audit.service import SYSTEM
from tests.e2e.conftest import LIVE_MS, ring, screenshot, user_id
from tests.e2e.test_admin_journey import sign_in
from tests.e2e.test_desktop import open_desktop

pytestmark = pytest.mark.e2e


def open_supervisor(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "supervizor")
    page.locator("#nav-supervisor").click()
    expect(page.locator("#supervisor")).to_have_attribute("data-ready", "true")
    expect(page.locator("#supervisor")).to_have_attribute("data-connected", "true")


@pytest.mark.req("RT-06", "RT-04", "RT-05")
def test_an_alert_fires_is_highlighted_and_acknowledged(page, container, running_host):
    host = running_host
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    container.admin().create(
        SYSTEM,
        "alert_rule",
        {
            "name": "Čekání nad 30 s",
            "kind": "long_wait",
            "queue_id": general,
            "limit": 30,
            "severity": "critical",
        },
    )
    open_supervisor(page)
    ring(host, "c1", "+420603123456")  # nobody is ready: the caller waits
    expect(page.get_by_test_id(f"queue-{general}-waiting")).to_have_text("1", timeout=LIVE_MS)
    host.clock.advance(seconds=40)
    alert = page.locator("#alert-list li.critical")
    expect(alert).to_contain_text("Obecná linka", timeout=LIVE_MS)
    expect(page.get_by_test_id(f"queue-{general}")).to_have_class("flag-critical")
    screenshot(page, "supervisor-alert")
    alert.get_by_role("button").click()
    expect(alert).to_contain_text("Petr Svoboda", timeout=LIVE_MS)
    with container.uow_factory()() as uow:
        (stored,) = uow.alerts.list()
    assert stored.acknowledged_by == user_id(container, "supervizor") and stored.cleared_at is None


@pytest.mark.req("IN-17", "RT-07", "RT-01", "RT-03")
def test_the_supervisor_whispers_to_an_agent_who_sees_it_and_pauses_her_after_the_call(
    page, browser, server, container, running_host
):
    host = running_host
    novakova = user_id(container, "novakova")
    supervisor = user_id(container, "supervizor")
    agent_context = browser.new_context(
        base_url=server, viewport={"width": 1366, "height": 768}, locale="cs-CZ"
    )
    agent_page = agent_context.new_page()
    agent_page.set_default_timeout(10_000)
    try:
        open_desktop(agent_page)
        host.apply(lambda e: (e.log_in(novakova), e.ready(novakova)))
        open_supervisor(page)
        row = page.get_by_test_id(f"agent-{novakova}")
        expect(row.get_by_test_id(f"agent-{novakova}-state")).to_have_attribute("data-state", "ready")
        ring(host, "c2", "+420603123457")
        host.apply(lambda e: e.answer_call(novakova, "c2"))
        expect(row).to_contain_text("+420603123457", timeout=LIVE_MS)
        row.click()
        expect(page.get_by_test_id("d-name")).to_have_text("Marie Nováková")
        page.get_by_test_id("btn-whisper").click()
        expect(page.get_by_test_id("d-monitoring")).not_to_be_empty(timeout=LIVE_MS)
        assert ("monitor", ("c2", supervisor, "whisper")) in host.pbx.commands
        expect(agent_page.get_by_test_id("coach-banner")).to_be_visible(timeout=LIVE_MS)
        screenshot(page, "supervisor-whisper")

        page.get_by_test_id("d-pause-code").select_option("PORADA")
        page.get_by_test_id("btn-force-pause").click()
        expect(page.get_by_test_id("sup-status")).to_contain_text("po skončení hovoru", timeout=LIVE_MS)
        assert host.engine.agents[novakova].state.value == "busy"
        host.apply(lambda e: e.hang_up_call(novakova, "c2"))
        host.apply(lambda e: e.ready(novakova))
        expect(row.get_by_test_id(f"agent-{novakova}-state")).to_have_attribute(
            "data-state", "paused", timeout=LIVE_MS
        )
        expect(agent_page.get_by_test_id("agent-state")).to_have_attribute(
            "data-state", "paused", timeout=LIVE_MS
        )
    finally:
        agent_context.close()


@pytest.mark.req("RT-04", "GEN-04")
def test_the_service_level_is_written_in_the_pages_language(page, container, running_host):
    host = running_host
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    novakova = user_id(container, "novakova")
    open_supervisor(page)
    ring(host, "s1", "+420603000001")  # nobody is ready: both wait and hang up, lost
    ring(host, "s2", "+420603000002")
    host.clock.advance(seconds=10)
    host.apply(lambda e: (e.call_ended("s1", "caller_abandoned"), e.call_ended("s2", "caller_abandoned")))
    host.apply(lambda e: (e.log_in(novakova), e.ready(novakova)))
    ring(host, "s3", "+420603000003")
    host.apply(lambda e: e.answer_call(novakova, "s3"))  # answered at once: within the threshold
    row = page.get_by_test_id(f"queue-{general}")
    expect(page.get_by_test_id(f"queue-{general}-answered")).to_have_text("1", timeout=LIVE_MS)
    expect(row).to_contain_text("33,3\u00a0%")  # 1 of 3, not "33.3 %"
    shared = page.evaluate(
        """async () => {
          const m = await import("/static/live-common.js");
          return [m.numberText(1234.5, 1), m.percentText(2 / 3), m.percentText(0.8, 0)];
        }"""
    )
    assert shared == ["1\u00a0234,5", "66,7\u00a0%", "80\u00a0%"]  # as Babel writes them in Czech


@pytest.mark.req("RT-05", "AG-16", "IN-18")
def test_a_closed_queue_says_so_and_when_it_opens_to_the_supervisor_and_the_agent(
    page, browser, server, container, running_host
):
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    running_host.clock.advance(hours=9)  # Monday 19:00 in Prague: closed until Tuesday 8:00
    open_supervisor(page)
    closed = page.get_by_test_id(f"queue-{general}-closed")
    expect(closed).to_contain_text("Zavřeno, otevírá 24. 11. 2026", timeout=LIVE_MS)
    screenshot(page, "supervisor-closed-queue")
    agent_context = browser.new_context(
        base_url=server, viewport={"width": 1366, "height": 900}, locale="cs-CZ"
    )
    try:
        desk = agent_context.new_page()
        open_desktop(desk)
        expect(desk.get_by_test_id(f"queue-closed-{general}")).to_contain_text(
            "Zavřeno, otevírá 24. 11. 2026"
        )
        screenshot(desk, "desktop-closed-queue")
    finally:
        agent_context.close()


@pytest.mark.req("GEN-03", "RT-06")
def test_a_failing_part_of_the_engine_is_said_in_words_on_the_live_view_until_it_works_again(
    page, container, running_host
):
    open_supervisor(page)
    banner = page.get_by_test_id("sup-engine")
    expect(banner).to_be_hidden()
    running_host.health.failed("journal", ConnectionError("the database is away"))
    expect(banner).to_contain_text("KC pracuje s poruchou: ukládání do databáze", timeout=LIVE_MS)
    expect(banner).to_contain_text("Hovory se dál směrují")
    screenshot(page, "supervisor-engine-fault")
    running_host.health.ok("journal")
    expect(banner).to_be_hidden(timeout=LIVE_MS)


@pytest.mark.req("RT-03", "RT-05", "OUT-03")
def test_a_dialling_campaign_is_watched_on_the_live_view(page, container, running_host):
    from tests.web.test_campaign_pages import SUPERVISOR, campaign, contacts, queue_id

    host = running_host
    campaign_id = campaign(container, queue_id(container), mode="progressive", name="Připomínka nedoplatku")
    contacts(container, campaign_id, "603123456", "777000111")
    container.campaigns().start(SUPERVISOR, campaign_id)
    novakova = user_id(container, "novakova")
    host.apply(lambda e: (e.log_in(novakova), e.ready(novakova)))
    open_supervisor(page)
    host.dialler.feed(host.apply, campaigns=True)  # as the engine's own thread does every second
    row = page.get_by_test_id(f"campaign-{campaign_id}")
    expect(row).to_contain_text("Připomínka nedoplatku", timeout=LIVE_MS)
    expect(row).to_contain_text("Progresivní")
    expect(page.get_by_test_id(f"campaign-{campaign_id}-ringing")).to_have_text("1", timeout=LIVE_MS)
    expect(page.get_by_test_id(f"campaign-{campaign_id}-progress")).to_have_text("0 / 2")
    (call_id,) = [c.call_id for c in host.pbx.calls.values() if c.dialled_out]
    host.apply(lambda e: e.call_ended(call_id, "busy"))
    expect(page.get_by_test_id(f"campaign-{campaign_id}-ringing")).to_have_text(
        "1", timeout=LIVE_MS
    )  # the next
    screenshot(page, "supervisor-campaigns")
    host.apply(lambda e: e.log_out(novakova) if e.agents[novakova].state.value == "ready" else None)
