"""Every route × every demo identity and a signed-out visitor (issue 16, GEN-01, ADM-04, SEC-03).

For each rule of the URL map (its parameters filled with demo ids, one probe per admin kind and
report) and each identity: whoever lacks what the route declares (``kc_access``, and the admin
kind's permission) gets 403 and the refusal is audited; a signed-out visitor is sent to the sign-in
(401 from /api); whoever holds it never gets 403, and nobody ever a 500. State-changing methods
are sent with a valid CSRF token and name objects that do not exist, so nothing is changed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from apps.web.reports.views import scope_of
from kc_domain.audit.service import AuditQuery
from kc_domain.identity.roles import Permission
from kc_domain.identity.service import SignedIn
from tests.security.probes import (
    ANONYMOUS,
    IDENTITIES,
    Probe,
    client_for,
    identity,
    newest_seq,
    probed_app,
    probes,
    records_since,
    send,
)

REPORT_ENDPOINTS = {"reports.show", "reports.export", "reports.calls", "reports_api.api_report"}
READER_ENDPOINTS = {"reports.index", "report_schedules.index", "report_schedules.create"}


@pytest.fixture
def app(container):  # type: ignore[no-untyped-def]
    return probed_app(container)


def allowed_inside(probe: Probe, who: SignedIn, container: Any) -> bool:
    """What a view checks beyond its ``kc_access``, asked of the same rules the view asks."""
    reader = scope_of(container.admin(), who.user_id, who.permissions)  # ADM-06: report scope
    if probe.endpoint in READER_ENDPOINTS:
        return reader is not None
    if probe.endpoint in REPORT_ENDPOINTS:
        key = probe.path.split("/")[-1 if probe.endpoint == "reports_api.api_report" else 2]
        key = "calls_overview" if probe.endpoint == "reports.calls" else key
        return reader is not None and reader.allows(key)
    if probe.endpoint == "clients_api.api_list":  # SEC-04: listing without a search
        return Permission.BROWSE_CLIENTS in who.permissions
    return True


def newest_denial(container: Any, username: str) -> Any:
    query = AuditQuery(action="access.denied", actor=username, outcome="denied")
    found = container.audit().search(container.uow_factory(), query, 1)
    return found[0] if found else None


def problems_of(app: Any, container: Any, username: str) -> tuple[list[str], Counter[str]]:
    """Each probe as ``username``: what went wrong, and how many refusals of each route kind."""
    who = identity(container, username)
    client = client_for(app, username)
    refused: Counter[str] = Counter()
    problems = []
    seen = 0
    for probe in probes(app, container):
        response = send(client, probe)
        response.close()  # a file sent (favicon, audio) is closed
        status = response.status_code
        where = f"{username}: {probe} -> {status}"
        if status >= 500 and status != 503:  # 503: no engine in tests (/readyz says so too)
            problems.append(f"{where} (server error)")
        elif probe.needs is None:
            continue  # public
        elif who is None:
            expected = 401 if probe.path.startswith("/api/") else 302
            location = response.headers.get("Location", "")
            if status != expected or (expected == 302 and not location.startswith("/login")):
                problems.append(f"{where} (expected {expected} to the sign-in)")
        elif probe.needs <= who.permissions and allowed_inside(probe, who, container):
            signed_out = probe.endpoint == "auth.logout"  # it sends to the sign-in, rightly
            if status in (401, 403) or ("/login" in response.headers.get("Location", "") and not signed_out):
                problems.append(f"{where} (holds {sorted(probe.needs)}, refused)")
        elif status != 403:
            problems.append(f"{where} (lacks {sorted(probe.needs - who.permissions)}, not refused)")
        else:
            newest = newest_denial(container, username)
            first = refused[probe.kind] == 0  # repeats of a route within the minute: counted
            refused[probe.kind] += 1
            if first and (newest is None or newest.seq == seen or newest.params != probe.params):
                problems.append(f"{where} not audited (newest refusal: {newest})")
            if not first and newest is not None and newest.seq != seen:
                problems.append(f"{where} audited again within the minute, not counted")
            seen = newest.seq if newest else 0
    return problems, refused


@pytest.mark.req("GEN-01", "ADM-04", "SEC-03")
@pytest.mark.parametrize("username", IDENTITIES)
def test_each_identity_gets_every_route_its_permissions_grant_and_no_other(app, container, username):
    problems, refused = problems_of(app, container, username)

    assert problems == []
    if username == ANONYMOUS:
        return
    # the repeats of a refused route within the minute were counted, not lost: one record each
    seq = newest_seq(container)
    container.audit().flush_denials(container.uow_factory(), everything=True)
    counted = {
        r.params["reason"]: r.params["repeated"]
        for r in records_since(container, seq)
        if r.action == "access.denied"
    }
    assert counted == {kind: n - 1 for kind, n in refused.items() if n > 1}
    assert all(r.params["actors"] == [username] for r in records_since(container, seq))
    assert container.audit().verify(container.uow_factory()) == []
