"""``kc asterisk config``: what an administrator adds to an existing Asterisk for KC (INT-04)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from apps.cli import main

pytestmark = pytest.mark.req("INT-04")


def test_the_config_names_kcs_ari_user_context_and_modules_from_the_settings(monkeypatch):
    monkeypatch.setenv("KC_ASTERISK_HOST", "10.20.0.5")
    monkeypatch.setenv("KC_ASTERISK_ARI_PORT", "8089")
    monkeypatch.setenv("KC_ASTERISK_USER", "kc-ozp")
    monkeypatch.setenv("KC_ASTERISK_SECRET", "Tajne-heslo-pro-ARI")
    monkeypatch.setenv("KC_ASTERISK_CONTEXT", "ozp-kc")
    monkeypatch.setenv("KC_ASTERISK_APP", "ozp")
    result = CliRunner().invoke(main, ["asterisk", "config"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "bindaddr = 10.20.0.5\nbindport = 8089" in text
    assert "[kc-ozp]\ntype = user\nread_only = no\npassword = Tajne-heslo-pro-ARI" in text
    assert "[ozp-kc]\nexten => _[+0-9].,1,Set(KC_TRIES=0)\n same => n(enter),Stasis(ozp)" in text
    manager = "port = 5038\nbindaddr = 10.20.0.5\n\n[kc-ozp]\nsecret = Tajne-heslo-pro-ARI\nread = call"
    assert manager in text
    assert "load => res_ari.so" in text and "load => app_stasis.so" in text
    assert "not set" not in text


def test_without_a_secret_it_proposes_a_new_one_for_both_sides(monkeypatch):
    monkeypatch.delenv("KC_ASTERISK_SECRET", raising=False)
    first = CliRunner().invoke(main, ["asterisk", "config"]).output
    second = CliRunner().invoke(main, ["asterisk", "config"]).output
    proposed = first.split("set it to ", 1)[1].split(" ", 1)[0]
    assert len(proposed) >= 24 and f"password = {proposed}" in first
    assert proposed not in second  # a new one each time, never a fixed default


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KC_ASTERISK_OUTSIDE", "PJSIP/trunk"),  # no {number}
        ("KC_ASTERISK_CONTEXT", "kc in"),
        ("KC_ASTERISK_ARI_PORT", "80800"),
        ("KC_ASTERISK_HOST", "kc;rm -rf"),
    ],
)
def test_a_bad_asterisk_setting_is_refused_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["asterisk", "config"])
    assert result.exit_code == 2 and f"{name}={value!r} is not valid" in result.output
