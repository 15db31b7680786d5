"""Czech by default, English on request, every string translated (GEN-04 UI language part)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.req("GEN-04")
def test_ui_is_czech_by_default_and_english_on_request(admin_client):
    assert "Administrace" in admin_client.get("/").get_data(as_text=True)
    admin_client.post("/language", {"language": "en", "next": "/"})
    page = admin_client.get("/admin/queue/").get_data(as_text=True)
    assert "Queues" in page and "Fronty" not in page
    admin_client.post("/language", {"language": "cs", "next": "/"})
    assert "Fronty" in admin_client.get("/admin/queue/").get_data(as_text=True)


@pytest.mark.req("GEN-04")
def test_every_translatable_string_has_a_czech_translation():
    method_map = [("apps/**.py", "python"), ("apps/web/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    in_code = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, keywords=keywords)
    }
    with open(ROOT / "apps/web/translations/cs/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(in_code - translated) == []


@pytest.mark.req("GEN-04")
def test_times_are_shown_in_prague_time(admin_client, container):
    from kc_domain.audit.service import AuditQuery

    record = container.audit().search(container.uow_factory(), AuditQuery(), 1)[0]
    local = record.at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Prague"))
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert f"{local.hour}:{local.minute:02d}" in page


# -- no codes, ids or exception texts on any page (design/ui.md, "Words and numbers") ----------------
DEMO_USERS = ("admin", "supervizor", "fronty", "novakova", "horak", "nahravky", "nastenka")
NOT_PAGES = re.compile(
    r"/(?:static|api)/|/export/|/audio|/download|\.(?:csv|wav|mp3|pdf|xlsx|json|ico)\b|/ws\b"
)
PAGES_PER_USER = 150
LEAKS = {
    "an exception text": re.compile(
        r"\bnot found\b|Traceback|Exception|\b\w+Error\b|Expecting |while parsing|\bis used by\b"
        r"|\bcannot [a-z ]+ while\b|\bNone\b|\bTrue\b|\bFalse\b"
    ),
    "an id instead of a name": re.compile(r"(?<![\w&])#\d+"),
    "a reference code": re.compile(r"\b(?:agent|queue|user|skill|group|call):\s?'?\d+"),
    "an untranslated code": re.compile(r"\b[a-z]+_[a-z_]+\b"),
}
PAUSE_CODES = re.compile(r"\b(?:LOGIN|RONA|PRESTAVKA|OBED|SKOLENI|PORADA|ADMIN)\b")
"""KC's own pause codes and the demo's: pages name them."""
CODES_ADMINISTERED = {"/admin/pause_code/": "a pause code", "/admin/client_field/": "an untranslated code"}
"""The pages where the administrator types codes (a pause's code, a card field's key) show them."""
RAW = re.compile(r"<(script|style|code|textarea)\b.*?</\1>|<[^>]+>", re.S)
"""Left out: scripts, style sheets, what the user typed, and <code>: technical names shown as such
(the audit log's actions and details, which its filter searches by)."""


def shown_text(html: str) -> str:
    """What a reader sees: no tags, scripts, style sheets, raw audit details or typed text."""
    return " ".join(unescape(RAW.sub(" ", html)).split())


def shape(url: str) -> str:
    """Pages that differ only in ids or filter values count as one."""
    path, _, query = url.partition("?")
    keys = sorted({part.split("=")[0] for part in query.split("&") if part})
    return re.sub(r"\d+", "{n}", path) + "?" + "&".join(keys)


@pytest.fixture
def lived_in(container):  # type: ignore[no-untyped-def]
    """The demo with a little of a working day behind it: pauses of every kind, a call rung out at
    an agent, a skill and a missed call, so that the pages have codes they could leak."""
    from datetime import timedelta

    from kc_domain.routing import events as ev

    now = container.clock().now()
    users = {u.username: u.id for u in container.admin().list("user")}
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=7)
    if start > now:
        start = now - timedelta(hours=3)
    horak, novakova = users["horak"], users["novakova"]

    def at(minutes: float):  # type: ignore[no-untyped-def]
        return start + timedelta(minutes=minutes)

    container.journal().record(
        [
            ev.AgentStateChanged(at(0), horak, "paused", "logged_out", "LOGIN"),
            ev.AgentStateChanged(at(5), horak, "ready", "paused", ""),
            ev.CallArrived(at(10), "k1", "+420601000001", "+420261105555"),
            ev.CallQueued(at(10), "k1", general, 5),
            ev.CallOffered(at(10.1), "k1", general, novakova),
            ev.CallEnded(at(10.5), "k1", "abandoned_ringing", general, None, "caller"),
            ev.AgentStateChanged(at(20), horak, "paused", "ready", "RONA"),
            ev.AgentStateChanged(at(22), horak, "paused", "paused", "PRESTAVKA"),
            ev.AgentStateChanged(at(40), horak, "paused", "paused", "ADMIN"),
            ev.AgentStateChanged(at(60), horak, "logged_out", "paused", ""),
        ],
        [],
    )
    return container


@pytest.mark.req("GEN-04")
@pytest.mark.parametrize("username", DEMO_USERS)
def test_no_page_of_a_demo_user_shows_codes_ids_or_exception_texts(client, lived_in, username):
    """Every page a demo user reaches by following links from the start page, in Czech: none shows
    an exception text, an id where a name belongs (``#12``, ``agent:8``), an untranslated code
    (``abandoned_ringing``) or a pause code (``RONA``) outside the pause codes' own page."""
    client.login(username)
    queue, seen, shapes, found = ["/"], set(), set(), []
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.pop(0)
        if url in seen or shape(url) in shapes:
            continue
        seen.add(url)
        shapes.add(shape(url))
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            continue
        assert response.status_code == 200, url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        text = shown_text(html)
        leaks = {**LEAKS, "a pause code": PAUSE_CODES}
        for what, pattern in leaks.items():
            if not any(url.startswith(p) and what == w for p, w in CODES_ADMINISTERED.items()):
                found += [(url, what, m.group(0)) for m in pattern.finditer(text)]
        for link in re.findall(r'<a [^>]*href="(/[^"#]*)"', html):
            link = unescape(link)
            if not NOT_PAGES.search(link) and link not in seen:
                queue.append(link)
    assert len(seen) > 1
    assert found == [], "\n".join(map(str, found))


@pytest.mark.req("GEN-04")
def test_every_error_code_raised_in_the_code_has_a_sentence():
    """A code without a sentence would reach the page as a vague "not accepted"; each one the
    domain, the adapters or the web shell raises by name is worded in apps/web/messages.py."""
    from apps.web.messages import ERRORS

    raised = re.compile(
        r"(?:FieldError|ValidationFailed\.one)\(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*\"([a-z_]+)\""
    )
    # a contact list's problems (OUT-06): ImportProblem, ImportRefused.because, placed.problem...
    listed = re.compile(r"\b(?:because|ImportProblem|problem|BadValue|_Misread)\(\s*\"([a-z_]+)\"")
    codes = {
        code: str(path.relative_to(ROOT))
        for folder in ("src", "apps")
        for path in (ROOT / folder).rglob("*.py")
        for pattern in (raised, listed)
        if pattern is raised or "import" in str(path.relative_to(ROOT))
        for code in pattern.findall(path.read_text())
    }
    assert len(codes) > 50
    assert {code: where for code, where in codes.items() if code not in ERRORS} == {}
