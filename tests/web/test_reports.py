"""The reports in the web (REP-01, REP-04, REP-05, REP-06, ADM-06): the list, a report with its
figures and chart, drill-down to the calls, the exports, the API, bad filters and access rules."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import openpyxl
import pytest
from dependency_injector import providers

from kc_adapters.system import FixedClock
from kc_domain.audit.service import SYSTEM
from tests.contract.test_report_figures import DAY

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PERIOD = "since=2026-11-23&until=2026-11-24"


@pytest.fixture
def day(container):
    container.clock.override(providers.Object(FixedClock(NOW)))
    container.journal().record(DAY, [])
    return {q.id: q.name for q in container.admin().list("queue")}


@pytest.mark.req("REP-01", "REP-11", "REP-12", "REP-04")
def test_a_supervisor_lists_the_reports_and_reads_the_overview(client, day):
    client.login("supervizor")
    index = client.http.get("/reports/").get_data(as_text=True)
    assert 'id="report-calls_overview"' in index and 'id="report-agent_activity"' in index
    page = client.http.get(f"/reports/calls_overview?{PERIOD}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert day[1] in html and "<svg" in html and 'id="export-xlsx"' in html
    data = client.api("GET", f"/api/v1/reports/calls_overview?{PERIOD}").get_json()
    (table,) = data["tables"]
    by_queue = {row[0]: row for row in table["rows"]}
    answered = [c["key"] for c in table["columns"]].index("answered")
    assert by_queue[day[1]][answered] == 3 and table["totals"][answered] == 3


@pytest.mark.req("REP-05")
def test_every_report_exports_to_excel_csv_and_pdf(client, day):
    client.login("supervizor")
    xlsx = client.http.get(f"/reports/lost_calls/export/xlsx?{PERIOD}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert len(book.sheetnames) == 1
    text = client.http.get(f"/reports/hourly/export/csv-semicolon?{PERIOD}").data
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert any(row and row[0] == "09:00" for row in rows)
    pdf = client.http.get(f"/reports/wait_times/export/pdf?{PERIOD}")
    assert pdf.data.startswith(b"%PDF")
    assert client.http.get(f"/reports/hourly/export/doc?{PERIOD}").status_code == 404


@pytest.mark.req("REP-06", "REP-17")
def test_a_figure_drills_down_to_its_calls(client, day):
    client.login("supervizor")
    calls = client.http.get(f"/reports/calls?report=hourly&{PERIOD}&hour=10").get_data(as_text=True)
    assert 'id="call-c4"' in calls and 'id="call-c5"' in calls and 'id="call-c1"' not in calls
    tuesday = client.http.get("/reports/calls?since=2026-11-24&until=2026-11-24").get_data(as_text=True)
    assert 'id="call-c7"' in tuesday and 'id="call-c1"' not in tuesday


@pytest.mark.req("REP-06")
def test_bad_filters_are_explained_and_nothing_is_computed(client, day):
    client.login("supervizor")
    inverted = client.http.get("/reports/calls_overview?since=2026-11-24&until=2026-11-01")
    assert inverted.status_code == 422 and 'data-field="until"' in inverted.get_data(as_text=True)
    old = client.http.get("/reports/calls_overview?since=2020-01-01&until=2020-01-02")
    assert old.status_code == 422 and 'data-field="since"' in old.get_data(as_text=True)
    unknown = client.api("GET", "/api/v1/reports/calls_overview?queue=999")
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "queue"
    assert client.http.get("/reports/no_such_report").status_code == 404


@pytest.mark.req("ADM-06", "REP-04")
def test_access_per_report_queue_and_agent(client, container, day):
    admin = container.admin()
    kkc = next(f for f in admin.list("report_filter") if f.name.startswith("KKC"))
    supervisor = next(u for u in admin.list("user") if u.username == "supervizor")
    admin.update(SYSTEM, "user", supervisor.id, {"report_filter_ids": {kkc.id}})
    assistance = next(q.id for q in admin.list("queue") if q.name == "Asistenční služba")
    client.login("supervizor")
    assert client.http.get(f"/reports/calls_overview?{PERIOD}").status_code == 200
    assert client.http.get(f"/reports/calls_overview?{PERIOD}&queue={assistance}").status_code == 403

    horak = next(u.id for u in admin.list("user") if u.username == "horak")
    client.login("novakova")  # an agent: the agents' reports, own figures only
    index = client.http.get("/reports/").get_data(as_text=True)
    assert 'id="report-calls_overview"' in index and 'id="report-lost_calls"' not in index
    assert client.http.get(f"/reports/lost_calls?{PERIOD}").status_code == 403
    assert client.http.get(f"/reports/calls_overview?{PERIOD}&agent={horak}").status_code == 403
    mine = client.api("GET", f"/api/v1/reports/calls_overview?{PERIOD}").get_json()
    assert any(value == "Marie Nováková" for _label, value in mine["filters"])
    client.login("nastenka")  # a wallboard: no reports at all
    assert client.http.get("/reports/").status_code == 403


@pytest.mark.req("REP-16", "REP-08", "REP-07")
def test_agent_activity_from_the_state_changes(client, container, day):
    from datetime import timedelta

    from kc_domain.routing import events as ev

    horak = next(u.id for u in container.admin().list("user") if u.username == "horak")
    t0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 8:00 in Prague

    def change(minutes: float, state: str, previous: str, code: str = "") -> ev.Event:
        return ev.AgentStateChanged(t0 + timedelta(minutes=minutes), horak, state, previous, code)

    container.journal().record(
        [
            change(0, "ready", "logged_out"),
            change(60, "paused", "ready", "OBED"),
            change(90, "ready", "paused"),
            change(120, "logged_out", "ready"),
        ],
        [],
    )
    client.login("supervizor")
    data = client.api("GET", f"/api/v1/reports/agent_activity?{PERIOD}&agent={horak}").get_json()
    activity, pauses = data["tables"]
    keys = [c["key"] for c in activity["columns"]]
    (row,) = activity["rows"]
    assert row[0] == "Tomáš Horák"
    assert row[keys.index("logged_in")] == 7200.0 and row[keys.index("paused")] == 1800.0
    assert pauses["rows"] == [["Tomáš Horák", 1800.0]]
    page = client.http.get(f"/reports/agent_activity?{PERIOD}&agent={horak}").get_data(as_text=True)
    drill = re.search(r'href="(/reports/calls\?[^"]*)"', page)
    assert drill is not None and f"agent={horak}" in drill.group(1)  # the row leads to the agent's calls


@pytest.mark.req("REP-03")
def test_the_categories_report_lists_calls_without_a_category_too(client, day):
    client.login("supervizor")
    data = client.api("GET", f"/api/v1/reports/categories?{PERIOD}").get_json()
    (table,) = data["tables"]
    assert [row[0] for row in table["rows"]] == ["Bez kategorie"] and table["rows"][0][1] == 8


@pytest.mark.req("REP-03", "REP-07")
def test_a_category_row_leads_to_the_calls_of_that_category(client, container, day):
    import sqlalchemy as sa

    from kc_adapters.persistence.tables import contact_records

    category = next(c for c in container.admin().list("category") if c.kind.value == "call")
    with container.database().engine.begin() as connection:
        connection.execute(
            sa.insert(contact_records),
            [{"call_id": "c1", "category_id": category.id, "recording_opt_out": False, "version": 1}],
        )
    client.login("supervizor")
    page = client.http.get(f"/reports/categories?{PERIOD}").get_data(as_text=True)
    (drill,) = re.findall(r'href="(/reports/calls\?[^"]*category=[^"]*)"', page)
    calls = client.http.get(drill.replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="call-c1"' in calls and 'id="call-c3"' not in calls  # only the call of that category


@pytest.mark.req("REP-23", "ADM-06")
def test_every_registered_report_is_grantable_and_builds_on_an_empty_journal(client, container):
    from apps.web.admin.resources import REPORT_LABELS
    from apps.web.reports import REPORTS
    from kc_domain.organisation.model import REPORTS as GRANTABLE

    container.clock.override(providers.Object(FixedClock(NOW)))
    assert set(REPORTS) <= set(GRANTABLE) == set(REPORT_LABELS)
    client.login("admin")
    for key in REPORTS:
        response = client.api("GET", f"/api/v1/reports/{key}?preset=last_week")
        assert response.status_code == 200, key
        assert all(table["rows"] == [] for table in response.get_json()["tables"]), key


@pytest.mark.req("REP-07", "AG-14", "CDB-03")
def test_a_drilled_down_call_links_to_its_recording(client, container, day):
    import array

    from kc_adapters.speech.audio import telephony_wav

    wav = telephony_wav(array.array("h", [0]) * 8000)
    made = container.recordings().receive("c1", 7, datetime(2026, 11, 23, 8, 0, 8, tzinfo=UTC), 1.0, wav)
    client.login("supervizor")  # may listen to recordings
    page = client.http.get(f"/reports/calls?report=hourly&{PERIOD}&hour=9").get_data(as_text=True)
    assert f'href="/recordings/{made.id}"' in page and len(re.findall(r'href="/recordings/\d', page)) == 1
    played = client.http.get(f"/recordings/{made.id}").get_data(as_text=True)  # one click: play, download
    assert f"/recordings/{made.id}/audio" in played
    assert "Příchozí" in page and ">inbound<" not in page  # the direction in words
    assert 'href="/clients/?phone=%2B420' in page  # the number opens the client card (CDB-03)
    client.login("novakova")  # an agent without the right to listen: the calls, no links
    mine = client.http.get(f"/reports/calls?report=hourly&{PERIOD}")
    assert mine.status_code == 200 and "/recordings/" not in mine.get_data(as_text=True)


@pytest.mark.req("REP-09")
def test_the_ivr_report_lists_each_node_in_the_order_of_its_tree(client, container, day):
    from apps.seed import seed_ivr
    from kc_domain.routing import events as ev
    from tests.integration.test_call_flow import queue_ids

    seed_ivr(container.ivr(), queue_ids(container))
    walks = [
        ev.CallLeftIvr(NOW.replace(day=23, hour=8), f"w{n}", "hlavni", 1, "route", "", stats)
        for n, stats in enumerate(
            [
                {
                    "otevreno": {"entries": 1, "exits": 1},
                    "nabidka": {"entries": 1, "exits": 1, "choices": {"1": 1}},
                },
                {
                    "otevreno": {"entries": 1, "exits": 1},
                    "nabidka": {"entries": 2, "abandons": 1, "invalid": 1},
                },
                {"otevreno": {"entries": 1, "exits": 1}, "stary_uzel": {"entries": 1, "exits": 1}},
            ]
        )
    ]
    container.journal().record(walks, [])
    client.login("supervizor")
    data = client.api("GET", f"/api/v1/reports/ivr?{PERIOD}").get_json()
    (table,) = data["tables"]
    rows = {row[0].strip("· "): row for row in table["rows"]}
    assert table["rows"][0][:3] == ["otevreno", "Podmínka", 3]  # the tree's start first
    assert rows["nabidka"][2:9] == [2, 3, 1, 0, 1, 1, 0.5] and rows["nabidka"][9] == "1: 1"
    assert rows["obecna"][2] == 0  # a node nobody reached is listed too
    assert table["rows"][-1][0] == "stary_uzel"  # a node the tree no longer has: last
    page = client.http.get(f"/reports/ivr?{PERIOD}").get_data(as_text=True)
    assert "nabidka" in page and "Zavěsili" in page and page.count("<svg") == 1


@pytest.mark.req("REP-19")
def test_the_distribution_over_months_and_days_of_the_month(client, day):
    client.login("supervizor")
    data = client.api("GET", f"/api/v1/reports/distribution?{PERIOD}").get_json()
    by_month, by_month_day = data["tables"][2], data["tables"][3]
    assert [(row[0], row[1]) for row in by_month["rows"]] == [("11/2026", 8)]
    assert [(row[0], row[1]) for row in by_month_day["rows"]] == [("23.", 6), ("24.", 2)]
    page = client.http.get(f"/reports/distribution?{PERIOD}").get_data(as_text=True)
    links = re.findall(r'href="([^"]*/reports/calls[^"]*)"', page)
    assert any("since=2026-11-23" in link and "until=2026-11-24" in link for link in links)  # the month


@pytest.fixture
def busy_day(container, day):
    """The day's calls, an agent's day with twenty kinds of pause (a table of twenty-one columns),
    callers through the IVR and a campaign's attempts: every report has rows to print."""
    from datetime import timedelta

    from apps.seed import seed_ivr
    from kc_domain.routing import events as ev
    from tests.integration.test_call_flow import queue_ids
    from tests.web.test_campaign_report import seed_campaign

    horak = next(u.id for u in container.admin().list("user") if u.username == "horak")
    start = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    changes = [ev.AgentStateChanged(start, horak, "ready", "logged_out", "")]
    for n in range(20):
        at = start + timedelta(minutes=10 * n + 1)
        changes.append(ev.AgentStateChanged(at, horak, "paused", "ready", f"PRESTAVKA_{n:02d}"))
        changes.append(ev.AgentStateChanged(at + timedelta(minutes=5), horak, "ready", "paused", ""))
    changes.append(ev.AgentStateChanged(start + timedelta(hours=4), horak, "logged_out", "ready", ""))
    seed_ivr(container.ivr(), queue_ids(container))
    walk = {
        "otevreno": {"entries": 1, "exits": 1},
        "nabidka": {"entries": 1, "exits": 1, "choices": {"1": 1}},
    }
    ivr = [ev.CallLeftIvr(NOW.replace(day=23, hour=8), "w1", "hlavni", 1, "route", "", walk)]
    container.journal().record([*changes, *ivr], [])
    seed_campaign(container)
    return day


@pytest.mark.req("REP-05")
def test_every_reports_pdf_prints_every_column_with_a_header_and_page_numbers(client, busy_day):
    """Each registered report's PDF, read back page by page: every column label of every table is
    printed, nothing runs past the right margin (where the paper ends, text is cut), and every page
    has the title, the filters, the time made and its number."""
    from apps.web.reports import REPORTS
    from tests.pdf_pages import MM, pdf_pages

    client.login("supervizor")
    for key in REPORTS:
        document = client.api("GET", f"/api/v1/reports/{key}?{PERIOD}").get_json()
        assert any(table["rows"] for table in document["tables"]), key
        response = client.http.get(f"/reports/{key}/export/pdf?{PERIOD}")
        assert response.status_code == 200, key
        pages = pdf_pages(response.data)
        for page in pages:
            where = (key, page.number)
            assert page.right <= page.width - 12 * MM + 0.5, where  # within the right margin
            flat = " ".join(page.text.split())
            assert document["title"] in flat and "23. 11. 2026 – 24. 11. 2026" in flat, where
            assert "Vytvořeno: 26. 11. 2026 13:00" in flat, where
            assert f"{page.number} / {len(pages)}" in flat, where
        for table in document["tables"]:
            shown = [p for p in pages if any(line.startswith(table["title"]) for line in p.text.splitlines())]
            words = set().union(*(p.words for p in shown))
            for column in table["columns"]:
                assert set(column["label"].split()) <= words, (key, table["title"], column["label"])
    activity = client.http.get(f"/reports/agent_activity/export/pdf?{PERIOD}").data
    codes = {f"PRESTAVKA_{n:02d}" for n in range(20)}
    assert codes <= set().union(*(p.words for p in pdf_pages(activity)))  # 21 columns, in parts


@pytest.mark.req("REP-05", "GEN-04")
def test_the_csv_for_czech_excel_has_decimal_commas_and_a_name_of_its_own(client, day):
    client.login("supervizor")
    plain = client.http.get(f"/reports/calls_overview/export/csv?{PERIOD}")
    czech = client.http.get(f"/reports/calls_overview/export/csv-semicolon?{PERIOD}")
    name = re.compile(r'filename="([^"]+)"')
    plain_name = name.search(plain.headers["Content-Disposition"]).group(1)  # type: ignore[union-attr]
    czech_name = name.search(czech.headers["Content-Disposition"]).group(1)  # type: ignore[union-attr]
    assert plain_name.endswith(".csv") and czech_name.endswith(".csv") and plain_name != czech_name
    rows = {r[0]: r for r in csv.reader(io.StringIO(czech.data.decode("utf-8-sig")), delimiter=";") if r}
    general = day[1]
    assert rows[general][8:] == ["50,00%", "25,00%", "0:00:14", "0:01:10", "", "0:03:30"]
    assert rows["Vytvořeno"][1] == "26.11.2026 13:00:00"
    machine = {r[0]: r for r in csv.reader(io.StringIO(plain.data.decode("utf-8-sig"))) if r}
    assert machine[general][8:] == ["0.5000", "0.2500", "13.5", "70.0", "", "210.0"]


@pytest.mark.req("REP-05", "GEN-04")
def test_chart_values_are_written_in_the_pages_language():
    from gettext import NullTranslations

    from kc_adapters.exports.wording import BabelWording
    from kc_domain.reports.chart import bars

    czech = bars(
        "Hovory", ["Po", "Út"], [("Přijaté", [1250.5, 4000])], BabelWording(NullTranslations(), "cs").number
    )
    english = bars(
        "Calls", ["Mon", "Tue"], [("Answered", [1250.5, 4000])], BabelWording(NullTranslations(), "en").number
    )
    assert ">4\u00a0000<" in czech and ": 1\u00a0250,5<" in czech  # axis 0..4 000, a bar's value
    assert ">4,000<" in english and ": 1,250.5<" in english


@pytest.mark.req("REP-05", "GEN-04")
def test_the_chart_and_the_figures_are_written_in_the_pages_language(client, day):
    client.login("supervizor")
    czech = client.http.get(f"/reports/calls_overview?{PERIOD}").get_data(as_text=True)
    ticks = re.findall(r'text-anchor="end">([^<]*)<', czech)
    assert ticks and all(t.replace("\u00a0", "").isdecimal() for t in ticks), ticks  # whole steps
    assert "50,0\u00a0%" in czech and "23. 11. 2026 – 24. 11. 2026" in czech
    client.post("/language", {"language": "en", "next": "/"})
    english = client.http.get(f"/reports/calls_overview?{PERIOD}").get_data(as_text=True)
    assert "50.0%" in english and "11/23/2026 – 11/24/2026" in english
