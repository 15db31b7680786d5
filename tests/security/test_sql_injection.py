"""SQL injection through every query parameter a GET view reads (issue 16, GEN-01, SEC-03).

The parameter names are read from the views' own code (``request.args`` and the helpers that read
it), so a parameter added later is fuzzed too. Each GET rule is sent, as the admin, each classic
payload in every one of those parameters at once: never a 5xx, nothing changed (the users, the
audit log apart from refusals), and no filtered JSON list longer than the unfiltered one.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from tests.security.probes import changes_since, client_for, newest_seq, probed_app, probes

SOURCES = [*Path("apps/web").rglob("*.py"), Path("src/kc_domain/reports/filters.py")]
READ = re.compile(r"""(?:args\.get(?:list)?|int_arg\(\w+(?:\.args)?,|\bone)\(?\s*"(\w+)\"""")
KEY_LISTS = re.compile(r"""^\w*KEYS = \(([^)]*)\)""", re.M)

PAYLOADS = [
    "' OR 1=1--",
    '" OR ""="',
    "1; DROP TABLE users",
    "1) UNION SELECT username, password_hash FROM users--",
    "%27",
    "1' AND sleep(5)--",
    "x" * 5000,
    "99999999999999999999999",
    "-1",
    "a\x00b",
]


ONE_BY_ONE = PAYLOADS[:1] + PAYLOADS[3:4]
"""Payloads also sent in each parameter alone (all at once, one bad value may stop the view before
it reaches the database)."""


def names_in(text: str) -> set[str]:
    names = set(READ.findall(text))
    for keys in KEY_LISTS.findall(text):
        names |= set(re.findall(r'"(\w+)"', keys))
    return names


def query_parameters() -> list[str]:
    """Every query-string name the web shell reads."""
    return sorted(set().union(*(names_in(source.read_text()) for source in SOURCES)))


def read_by(view: object) -> list[str]:
    """The query-string names the module of ``view`` reads (the report filters' for reports)."""
    module = inspect.getmodule(inspect.unwrap(view))  # type: ignore[arg-type]
    names = names_in(inspect.getsource(module)) if module else set()
    if module and module.__name__.startswith("apps.web.reports"):
        names |= names_in(SOURCES[-1].read_text())
    return sorted(names)


@pytest.fixture
def app(container):  # type: ignore[no-untyped-def]
    return probed_app(container)


def test_the_parameters_are_found_in_the_views():
    assert {"q", "since", "until", "queue", "agent", "phone", "limit", "offset", "page"} <= set(
        query_parameters()
    )


@pytest.mark.req("GEN-01", "SEC-03")
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p[:20])
def test_no_query_parameter_of_any_page_reaches_the_database_as_sql(app, container, payload):
    admin = client_for(app, "admin")
    names = query_parameters()
    before, users = newest_seq(container), len(container.admin().list("user"))
    seen_rules: set[str] = set()
    problems = []
    for probe in probes(app, container, ("GET",)):
        if probe.rule.rule in seen_rules or probe.endpoint == "auth.login":
            continue  # one probe per rule: the kinds and reports share a view; the sign-in has next=
        seen_rules.add(probe.rule.rule)
        alone = read_by(app.view_functions[probe.endpoint]) if payload in ONE_BY_ONE else []
        for query in [dict.fromkeys(names, payload)] + [{name: payload} for name in alone]:
            fuzzed = admin.get(probe.path, query_string=query)
            fuzzed.close()
            if fuzzed.status_code >= 500 and fuzzed.status_code != 503:  # 503: no engine in tests
                problems.append(f"{probe} {sorted(query)[:3]} -> {fuzzed.status_code}")
            elif (
                fuzzed.is_json
                and isinstance(fuzzed.json, dict)
                and isinstance(fuzzed.json.get("items"), list)
            ):
                plain = admin.get(probe.path).json
                if len(fuzzed.json["items"]) > len(plain.get("items", [])):
                    problems.append(f"{probe} {sorted(query)[:3]}: more rows filtered than not")

    assert problems == []
    assert changes_since(container, before) == []
    assert len(container.admin().list("user")) == users
