"""``kc asterisk config``: what to add to an existing Asterisk for KC (docs/asterisk.md)."""

from __future__ import annotations

import secrets

import click

from apps.cli import _container, main
from kc_adapters.asterisk.config import KcAtAsterisk, snippets


@main.group()
def asterisk() -> None:
    """Asterisk as KC's PBX (KC_TELEPHONY=asterisk)."""


@asterisk.command("config")
def config() -> None:
    """Print the http.conf, ari.conf, manager.conf, extensions.conf and modules.conf lines KC needs, from the
    KC_ASTERISK_* settings; with no KC_ASTERISK_SECRET yet, a new random one to set on both sides."""
    settings = _container().settings()
    secret = settings.asterisk_secret
    if not secret:
        secret = secrets.token_urlsafe(24)
        click.echo(f"; KC_ASTERISK_SECRET is not set: set it to {secret} for KC and in ari.conf below")
    kc = KcAtAsterisk(
        settings.asterisk_host,
        settings.asterisk_ari_port,
        settings.asterisk_ami_port,
        settings.asterisk_user,
        secret,
        settings.asterisk_app,
        settings.asterisk_context,
    )
    click.echo(snippets(kc), nl=False)
