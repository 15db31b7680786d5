"""Administration forms: valid input is saved and audited, bad input is explained and changes nothing."""

from __future__ import annotations

import pytest

from kc_domain.audit.service import AuditQuery

QUEUE_FORM = {
    "name": "Prevence a fond prevence",
    "number": "+420261105560",
    "group_id": "",
    "sl_target_percent": "80",
    "sl_threshold_s": "20",
    "wrap_up_s": "30",
    "priority": "5",
    "strategy": "skill_first",
    "rona_timeout_s": "20",
    "sticky_wait_s": "0",
    "max_wait_s": "0",
    "announce_every_s": "60",
    "announce_position": "on",
    "announce_wait": "on",
    "callback_key": "1",
    "voicemail_key": "2",
    "hours_mon": "08:00-12:00, 13:00-17:00",
    "hours_tue": "08:00-17:00",
    "hours_wed": "08:00-17:00",
    "hours_thu": "08:00-17:00",
    "hours_fri": "08:00-15:00",
    "hours_sat": "",
    "hours_sun": "",
    "closed_on_holidays": "on",
    "exceptions": "2026-12-24 08:00-12:00 Štědrý den\n2026-12-31 - zavřeno",
    "overflow_kind": "voicemail",
    "overflow_target": "prevence",
    "active": "on",
}


def _queues(container):  # type: ignore[no-untyped-def]
    return {q.name: q for q in container.admin().list("queue")}


@pytest.mark.req("ADM-05", "IN-18", "SEC-03", "IN-10")
def test_admin_creates_a_queue_with_opening_hours_and_it_is_audited(admin_client, container):
    response = admin_client.post("/admin/queue/new", QUEUE_FORM)
    assert response.status_code == 302
    queue = _queues(container)["Prevence a fond prevence"]
    assert [str(i) for i in queue.hours.weekly[0]] == ["08:00-12:00", "13:00-17:00"]
    assert queue.hours.exceptions[1].intervals == () and queue.hours.exceptions[1].note == "zavřeno"
    assert queue.overflow.kind.value == "voicemail"
    assert (queue.announce_every_s, queue.callback_key, queue.voicemail_key) == (60, "1", "2")
    record = container.audit().search(container.uow_factory(), AuditQuery(action="queue.create"), 1)[0]
    assert record.actor == "admin" and record.object_id == str(queue.id)
    assert record.params["after"]["name"] == "Prevence a fond prevence"
    page = admin_client.get("/admin/queue/").get_data(as_text=True)
    assert "Prevence a fond prevence" in page


@pytest.mark.req("ADM-05")
def test_overlapping_opening_hours_are_refused_with_a_czech_reason(admin_client, container):
    before = len(_queues(container))
    response = admin_client.post("/admin/queue/new", {**QUEUE_FORM, "hours_mon": "08:00-12:00, 11:00-17:00"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "08:00-12:00 a 11:00-17:00 se překrývají." in page
    assert 'value="08:00-12:00, 11:00-17:00"' in page  # what was typed is kept
    assert len(_queues(container)) == before


@pytest.mark.req("ADM-05")
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Toto pole je povinné."),
        ("name", "x" * 61, "Nejvýše 60 znaků."),
        ("name", "obecná LINKA", "„obecná LINKA“ už existuje."),
        ("sl_threshold_s", "dvacet", "Musí být celé číslo."),
        ("priority", "11", "Musí být mezi 1 a 10."),
        ("hours_tue", "8-17", "„8-17“ není časový úsek ve tvaru 08:00-17:00."),
        ("hours_wed", "17:00-08:00", "17:00-08:00 končí dříve, než začíná."),
        ("exceptions", "24.12.2026 zavřeno", "„24.12.2026“ není datum ve tvaru 2026-12-24."),
        ("overflow_target", "", "Toto pole je povinné."),
        ("announce_every_s", "5", "Musí být mezi 15 a 900."),
        ("callback_key", "12", "Jedna klávesa telefonu: číslice, * nebo #."),
        ("voicemail_key", "1", "Klávesy pro zpětné volání a pro vzkaz se musí lišit."),
    ],
)
def test_bad_queue_input_is_explained_and_nothing_is_saved(admin_client, container, field, value, message):
    before = {q.id: q.name for q in container.admin().list("queue")}
    form = {**QUEUE_FORM, field: value}
    if field == "overflow_target":
        form["overflow_kind"] = "queue"
    response = admin_client.post("/admin/queue/new", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert {q.id: q.name for q in container.admin().list("queue")} == before


@pytest.mark.req("ADM-10", "AG-03", "SEC-03")
def test_admin_gives_an_agent_a_skill_in_a_queue(admin_client, container):
    users = {u.username: u for u in container.admin().list("user")}
    queue = _queues(container)["Zaměstnavatelé"]
    response = admin_client.post(
        "/admin/skill/new",
        {
            "user_id": users["cerna"].id,
            "queue_id": queue.id,
            "level": "7",
            "priority": "2",
            "sign_in_locked": "on",
        },
    )
    assert response.status_code == 302
    skill = next(
        s
        for s in container.admin().list("skill")
        if s.user_id == users["cerna"].id and s.queue_id == queue.id
    )
    assert (skill.level, skill.priority, skill.sign_in_locked) == (7, 2, True)
    duplicate = admin_client.post(
        "/admin/skill/new",
        {"user_id": users["cerna"].id, "queue_id": queue.id, "level": "3", "priority": "2"},
    )
    assert duplicate.status_code == 422


@pytest.mark.req("ADM-02", "ADM-04")
def test_admin_adds_edits_deactivates_and_deletes_a_user(admin_client, container):
    form = {
        "username": "svobodova",
        "full_name": "Klára Svobodová",
        "agent_number": "2104",
        "email": "",
        "group_id": "",
        "roles": ["agent", "callback"],
        "language": "cs",
        "password": "Bezpecne-Heslo-1",
        "active": "on",
    }
    assert admin_client.post("/admin/user/new", form).status_code == 302
    user = next(u for u in container.admin().list("user") if u.username == "svobodova")
    assert {r.value for r in user.roles} == {"agent", "callback"}
    assert user.password_hash.startswith("$argon2")
    edited = {**form, "full_name": "Klára Nová", "password": ""}
    del edited["active"]
    assert admin_client.post(f"/admin/user/{user.id}", edited).status_code == 302
    user = container.admin().get("user", user.id)
    assert user.full_name == "Klára Nová" and not user.active
    assert admin_client.post(f"/admin/user/{user.id}/delete").status_code == 302
    assert all(u.username != "svobodova" for u in container.admin().list("user"))


@pytest.mark.req("ADM-02", "SEC-02")
def test_new_user_password_must_satisfy_the_policy(admin_client, container):
    form = {
        "username": "slaby",
        "full_name": "Slabé Heslo",
        "roles": ["agent"],
        "language": "cs",
        "password": "heslo",
        "active": "on",
    }
    response = admin_client.post("/admin/user/new", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Heslo musí mít alespoň 12 znaků." in page and "Heslo musí obsahovat číslici." in page


@pytest.mark.req("ADM-10")
def test_deleting_a_queue_that_agents_have_skills_in_is_refused(admin_client, container):
    queue = _queues(container)["Obecná linka"]
    response = admin_client.post(f"/admin/queue/{queue.id}/delete", follow_redirects=True)
    assert "nelze smazat" in response.get_data(as_text=True)
    assert queue.id in {q.id for q in container.admin().list("queue")}


@pytest.mark.req("ADM-07", "ADM-08", "ADM-09", "ADM-06", "ADM-03")
@pytest.mark.parametrize(
    ("kind", "form", "shown"),
    [
        (
            "pause_code",
            {"code": "LEKAR", "name": "Lékař", "kind": "private", "max_duration_min": "90", "active": "on"},
            "Lékař",
        ),
        (
            "category",
            {"name": "Změna adresy", "parent_id": "", "kind": "call", "active": "on"},
            "Změna adresy",
        ),
        ("transfer_group", {"name": "Externí partneři", "position": "3"}, "Externí partneři"),
        (
            "transfer_line",
            {"name": "Revizní lékař Brno", "number": "2461", "group_id": "", "position": "0"},
            "Revizní lékař Brno",
        ),
        (
            "report_filter",
            {"name": "AS – jen AS", "reports": ["calls_overview", "lost_calls"]},
            "AS – jen AS",
        ),
        (
            "group",
            {"name": "Expertní pracoviště", "description": "Platby, právní", "roles": ["agent"]},
            "Expertní pracoviště",
        ),
    ],
)
def test_every_kind_of_configuration_can_be_created_from_its_form(admin_client, kind, form, shown):
    assert admin_client.get(f"/admin/{kind}/new").status_code == 200
    assert admin_client.post(f"/admin/{kind}/new", form).status_code == 302
    assert shown in admin_client.get(f"/admin/{kind}/").get_data(as_text=True)


@pytest.mark.req("ADM-08")
def test_category_cannot_be_moved_under_its_own_subcategory(admin_client, container):
    categories = {c.name: c for c in container.admin().list("category")}
    parent, child = categories["Platby"], categories["Dlužné pojistné"]
    response = admin_client.post(
        f"/admin/category/{parent.id}",
        {"name": "Platby", "parent_id": child.id, "kind": "call", "active": "on"},
    )
    assert response.status_code == 422
    assert "pod její podkategorii" in response.get_data(as_text=True)


def test_edit_form_shows_the_saved_values(admin_client, container):
    queue = _queues(container)["Obecná linka"]
    page = admin_client.get(f"/admin/queue/{queue.id}").get_data(as_text=True)
    assert 'value="08:00-17:00"' in page and 'value="08:00-15:00"' in page
    assert "2026-12-24 08:00-12:00 Štědrý den" in page


@pytest.mark.req("IN-18")
def test_queue_form_lists_this_years_czech_holidays(admin_client, container):
    page = admin_client.get("/admin/queue/new").get_data(as_text=True)
    year = container.clock().now().year
    easter_monday = next(d for d, name in container.holidays().holidays_in(year).items() if "Easter" in name)
    assert f"{easter_monday.day}. {easter_monday.month}." in page and "Státní svátky letos" in page


@pytest.mark.req("ADM-05")
def test_queue_form_suggests_queues_and_agents_as_overflow_targets(admin_client, container):
    page = admin_client.get("/admin/queue/new").get_data(as_text=True)
    assert 'label="Fronta: Obecná linka"' in page and 'label="Operátor: Marie Nováková"' in page


@pytest.mark.req("IN-02")
def test_admin_defines_a_caller_rule_and_bad_rules_are_explained(admin_client, container):
    queue = _queues(container)["Platby a dlužné pojistné"]
    form = {
        "name": "Slovenští volající",
        "numbers": "",
        "prefixes": "+421",
        "statuses": "",
        "priority": "2",
        "queue_id": queue.id,
        "position": "5",
        "active": "on",
    }
    assert admin_client.post("/admin/caller_rule/new", form).status_code == 302
    rule = next(r for r in container.admin().list("caller_rule") if r.name == "Slovenští volající")
    assert rule.prefixes == {"+421"} and rule.queue_id == queue.id
    bad = admin_client.post(
        "/admin/caller_rule/new",
        {**form, "name": "Špatné", "prefixes": "00421x", "priority": "0", "queue_id": ""},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "„00421x“ není předvolba" in page and "Zadejte, co pravidlo dělá" in page


@pytest.mark.req("IN-20", "SEC-03")
def test_admin_activates_a_general_announcement_for_a_window_in_prague_time(admin_client, container):
    form = {
        "name": "Výpadek portálu",
        "text": "Klientský portál je dnes mimo provoz.",
        "prompt": "",
        "numbers": "+420261105555",
        "valid_from": "2026-12-01T08:00",
        "valid_until": "2026-12-01T17:00",
        "active": "on",
    }
    assert admin_client.post("/admin/announcement/new", form).status_code == 302
    item = next(a for a in container.admin().list("announcement") if a.name == "Výpadek portálu")
    assert item.valid_from.isoformat() == "2026-12-01T07:00:00+00:00"  # 08:00 in Prague (CET)
    assert item.plays_for("+420261105555", item.valid_from) and not item.plays_for(
        "+420261105556", item.valid_from
    )
    record = container.audit().search(container.uow_factory(), AuditQuery(action="announcement.create"), 1)[0]
    assert record.params["after"]["active"] is True
    page = admin_client.get(f"/admin/announcement/{item.id}").get_data(as_text=True)
    assert 'value="2026-12-01T08:00"' in page
    bad = admin_client.post(
        "/admin/announcement/new",
        {**form, "name": "Chybné", "text": "", "valid_until": "2026-12-01T07:00", "valid_from": "zítra"},
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "„zítra“ není datum a čas" in text
