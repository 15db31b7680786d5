"""Every state-changing route refuses a request without its CSRF token or with a wrong one (issue 16,
GEN-01, SEC-03).

Pages and the JSON API alike are used with the browser's session (the API reads the token from
the ``X-CSRFToken`` header), so every POST, PUT, PATCH and DELETE rule is sent by the admin, who
holds every permission, once without a token and once with a wrong one: 400, and nothing changed
but refusals in the audit log.
"""

from __future__ import annotations

import pytest

from tests.security.probes import (
    STATE_CHANGING,
    changes_since,
    client_for,
    newest_seq,
    probed_app,
    probes,
    send,
)


@pytest.fixture
def app(container):  # type: ignore[no-untyped-def]
    return probed_app(container)


@pytest.mark.req("GEN-01", "SEC-03")
@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["without-token", "wrong-token"])
def test_no_state_changing_route_accepts_a_request_without_its_csrf_token(app, container, token):
    admin = client_for(app, "admin")
    before, users = newest_seq(container), len(container.admin().list("user"))
    sent = probes(app, container, STATE_CHANGING, real_ids=True)
    assert len(sent) > 100  # every state-changing rule, one per admin kind

    accepted = []
    for probe in sent:
        response = send(admin, probe, token=token, data={"name": "CSRF"}, json={"name": "CSRF"})
        if response.status_code != 400:
            accepted.append(f"{probe} -> {response.status_code}")

    assert accepted == []
    assert changes_since(container, before) == []
    assert len(container.admin().list("user")) == users
    assert admin.get("/admin/").status_code == 200  # still signed in: not even the sign-out went through
