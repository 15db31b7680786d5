"""What the security suite (issue 16) probes with: every route of the URL map made concrete with
demo ids, the demo identities and what each one is granted, and snapshots of the audit log.

The expectations come from the application's own declarations — each view's ``kc_access``, each
admin kind's permission, the roles' permissions — never from a hand-written table, so a new route
or kind is probed as soon as it exists.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dependency_injector import providers
from flask import Flask
from werkzeug.routing import Rule

from apps.container import Container
from apps.engine.client import EngineClient
from apps.seed import USERS
from apps.web.admin.resources import RESOURCES
from apps.web.callbacks import ACTIONS as CALLBACK_ACTIONS
from apps.web.desktop import COMMANDS as DESKTOP_COMMANDS
from apps.web.reports import REPORTS
from apps.web.reports.views import EXPORTS
from apps.web.supervisor import COMMANDS as SUPERVISOR_COMMANDS
from kc_adapters.system import FixedClock
from kc_domain.audit.service import AuditQuery
from kc_domain.identity.roles import Permission
from kc_domain.identity.service import SignedIn
from tests.conftest import Client

WEBSOCKET_ENDPOINTS = {
    # Live sockets (rules with websocket=True) are upgraded, not answered: the handshake's origin,
    # session and permission checks, and their re-checks every RECHECK_S, are covered by the socket
    # tests in tests/web (desktop, supervisor and wallboard pages) and tests/integration.
    "desktop.live",
    "supervisor.socket",
    "wallboard.live",
    "wallboard.kiosk_live",
}
SKIPPED_ENDPOINTS = {"static"}  # files of the package, the same for everyone (no kc_access)

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
MISSING_ID = 987654  # state-changing probes name objects that do not exist: nothing is changed

ANONYMOUS = "-"
IDENTITIES = [ANONYMOUS] + [username for username, *_ in USERS]
ADDRESSES = {name: f"192.0.2.{n + 10}" for n, name in enumerate(IDENTITIES)}
"""One address per identity, so that each one's refusals are aggregated on their own (the denial
digest keys on the source address, the action and the route)."""


@dataclass(frozen=True)
class Probe:
    """One concrete request: a rule of the URL map with its parameters filled in."""

    rule: Rule
    method: str
    path: str
    needs: frozenset[Permission] | None  # None: public; empty: any signed-in user

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def kind(self) -> str:
        """The denial digest's key for this route (``apps.web.security.audit_denied``)."""
        return f"{self.method} {self.rule.rule}"

    @property
    def params(self) -> dict[str, str]:
        """The parameters of the audited refusal of this request (``access.denied``)."""
        return {"path": self.path, "method": self.method}

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def demo_ids(container: Container) -> dict[str, Any]:
    """The first object of each kind in the demo data, by path parameter."""
    admin = container.admin()
    first = {kind: (admin.list(kind) or [None])[0] for kind in RESOURCES}
    names = container.ivr().names()
    return {
        "entities": {kind: entity.id if entity else 1 for kind, entity in first.items()},
        "wallboard_id": first["wallboard"].id if first.get("wallboard") else 1,
        "ivr_name": sorted(names)[0] if names else "hlavni",
    }


def _values(name: str, endpoint: str, writes: bool, ids: dict[str, Any], formats: bool) -> list[Any]:
    """The values a path parameter is probed with (``writes``: ids that do not exist)."""
    if name == "kind":
        return sorted(RESOURCES)
    if name == "key":
        return sorted(REPORTS)
    if name == "fmt":
        return sorted(EXPORTS) if formats else ["csv"]
    if name == "command":
        commands = SUPERVISOR_COMMANDS if endpoint.startswith("supervisor") else DESKTOP_COMMANDS
        return [next(iter(commands))]
    if name == "action":
        return [next(iter(CALLBACK_ACTIONS))]
    if name == "name":
        return [ids["ivr_name"]]
    if name == "token":
        return ["no-such-kiosk-token"]
    if name == "wallboard_id":
        return [MISSING_ID if writes else ids["wallboard_id"]]
    if name in ("entity_id",):
        return ["<entity>"]  # filled per kind below
    return [MISSING_ID if writes or name.endswith("_id") else 1]


def probes(
    app: Flask,
    container: Container,
    methods: tuple[str, ...] | None = None,
    formats: bool = False,
    real_ids: bool = False,
) -> list[Probe]:
    """Every HTTP rule (WebSocket and static ones aside), for each of its methods, with its
    parameters filled: one probe per admin kind and report (and export format: ``formats``; else
    the CSV export stands for them all, the same view behind one check). State-changing probes name
    objects that do not exist unless ``real_ids``."""
    ids = demo_ids(container)
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS | WEBSOCKET_ENDPOINTS or rule.websocket:
            continue
        access = app.view_functions[rule.endpoint].kc_access
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if methods is not None and method not in methods:
                continue
            names = sorted(rule.arguments)
            writes = method != "GET" and not real_ids
            for combination in itertools.product(
                *(_values(n, rule.endpoint, writes, ids, formats) for n in names)
            ):
                values = dict(zip(names, combination, strict=True))
                needs = None if access == "public" else frozenset(access)
                if "kind" in values:
                    needs = frozenset(needs or ()) | {RESOURCES[values["kind"]].permission}
                    if values.get("entity_id") == "<entity>":
                        values["entity_id"] = MISSING_ID if writes else ids["entities"][values["kind"]]
                path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
                found.append(Probe(rule, method, path, needs))
    # sign-out last: it ends the session the other probes use
    return sorted(found, key=lambda p: (p.endpoint == "auth.logout", p.path, p.method))


def probed_app(container: Container) -> Flask:
    """KC as ``tests/conftest.py``'s ``app``, with its clock stopped (every refusal of a test falls in
    one denial window, however long the test runs) and no wait for a routing engine that is not
    running (its commands answer 503 at once)."""
    from apps.web import create_app

    container.clock.override(providers.Object(FixedClock(container.clock().now())))
    container.engine_client.override(providers.Object(EngineClient(container.bus(), timeout_s=0.01)))
    app = create_app(container)
    app.config["TESTING"] = True
    return app


def identity(container: Container, username: str) -> SignedIn | None:
    """Who ``username`` is to KC: the permissions of the account's roles and its group's roles."""
    if username == ANONYMOUS:
        return None
    user = next(u for u in container.admin().list("user") if u.username == username)
    found = container.sign_in().identity(user.id)
    assert found is not None, username
    return found


def client_for(app: Flask, identity: str) -> Client:
    """A browser of ``identity`` (signed in unless anonymous), from the identity's own address."""
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = ADDRESSES[identity]
    client = Client(http)
    if identity != ANONYMOUS:
        assert client.login(identity).status_code == 302, identity
    return client


def send(client: Client, probe: Probe, *, token: str | None = "valid", **kwargs: Any) -> Any:
    """``probe`` as the browser sends it: forms for pages, JSON for /api; ``token`` valid, missing
    (None) or a given wrong value."""
    headers = dict(kwargs.pop("headers", {}))
    data = dict(kwargs.pop("data", {}))
    body = kwargs.pop("json", {})
    secret = client.token() if token == "valid" else token
    if probe.method == "GET":
        return client.http.open(probe.path, method="GET", headers=headers, **kwargs)
    if probe.path.startswith("/api/"):
        if secret is not None:
            headers["X-CSRFToken"] = secret
        return client.http.open(probe.path, method=probe.method, json=body, headers=headers)
    if secret is not None:
        data["csrf_token"] = secret
    return client.http.open(probe.path, method=probe.method, data=data, headers=headers, **kwargs)


def newest_seq(container: Container) -> int:
    newest = container.audit().search(container.uow_factory(), AuditQuery(), 1)
    return newest[0].seq if newest else 0


def records_since(container: Container, seq: int, limit: int = 50) -> list[Any]:
    """The audit records written after ``seq`` (of the newest ``limit``), oldest first."""
    records = container.audit().search(container.uow_factory(), AuditQuery(), limit)
    return sorted((r for r in records if r.seq > seq), key=lambda r: r.seq)


REFUSALS = {"denied", "rejected", "failed"}


def changes_since(container: Container, seq: int) -> list[str]:
    """The audit records after ``seq`` that are not refusals: what a refused request must not leave."""
    return [
        f"{r.seq} {r.action} {r.outcome.value} {r.params}"
        for r in records_since(container, seq)
        if r.outcome.value not in REFUSALS
    ]


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def html_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
