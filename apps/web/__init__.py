"""The Flask web shell: create_app() assembles blueprints around a wired container."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from apps.container import Container, build_container
from apps.keys import kept_secret
from apps.settings import Settings
from apps.web import errors, live, logs, navigation, security
from apps.web.documents import LimitedJSONProvider
from apps.web.i18n import init_app as init_i18n
from apps.web.query_args import IdConverter


def secret_key(settings: Settings) -> str:
    """KC_SECRET_KEY, or a random key created once and kept in var/ so sessions survive restarts."""
    return kept_secret(settings.secret_key, "secret_key")


def create_app(container: Container | None = None) -> Flask:
    container = container or build_container()
    settings: Settings = container.settings()
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter  # an id beyond the database's range: 404, never a 500
    app.json = LimitedJSONProvider(app)  # a too deeply nested JSON body: 422, never a 500
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="kc_session",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        KC_SESSION_IDLE_SECONDS=settings.session_idle_minutes * 60,
        KC_SESSION_MAX_SECONDS=settings.session_max_hours * 3600,
        KC_TIMEZONE=settings.timezone,
        KC_DEFAULT_LANGUAGE=settings.default_language,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if settings.trusted_proxies:  # the client's address from X-Forwarded-For, set by our own proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # Czech text stays readable
    app.extensions["kc"] = container
    logs.init_app(app)  # first, so that every later hook and error has a request id
    CSRFProtect(app)
    init_i18n(app)
    security.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    live.init_app(app)  # WebSocket handshakes from other origins are refused

    from apps.web import (
        audit_http,
        auth,
        call_scripts,
        callbacks,
        calls,
        campaign_api,
        campaign_desk,
        campaign_import,
        campaign_report,
        campaigns,
        clients,
        contacts,
        desktop,
        do_not_call,
        evaluations,
        home,
        import_structures,
        ivr,
        ops,
        recordings,
        supervisor,
        voicemail,
        wallboard,
    )
    from apps.web.admin import api as admin_api
    from apps.web.admin import http as admin_http
    from apps.web.reports import schedules as report_schedules
    from apps.web.reports import views as reports_views

    for blueprint in (
        auth.bp,
        home.bp,
        ops.bp,
        calls.bp,
        admin_http.bp,
        admin_api.bp,
        audit_http.bp,
        ivr.bp,
        ivr.api,
        voicemail.bp,
        callbacks.bp,
        callbacks.api,
        contacts.bp,
        contacts.api,
        clients.bp,
        clients.api,
        desktop.bp,
        desktop.api,
        supervisor.bp,
        supervisor.api,
        report_schedules.bp,
        reports_views.bp,
        reports_views.api,
        wallboard.bp,
        recordings.bp,
        evaluations.bp,
        evaluations.api,
        campaigns.bp,
        do_not_call.bp,
        do_not_call.api,
        call_scripts.bp,
        call_scripts.api,
        import_structures.bp,
        import_structures.api,
        campaign_import.bp,
        campaign_import.api,
        campaign_api.api,
        campaign_desk.api,
        campaign_report.bp,
    ):
        app.register_blueprint(blueprint)
    return app
