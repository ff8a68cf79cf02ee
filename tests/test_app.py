"""create_app and its module-level blueprints: one set of blueprints serves every app made in a process (the tests
make hundreds), each app answering from its own Runtime in app.extensions."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint

from bot.app import create_app, observability
from bot.channels import ils, sms, telegram
from bot.channels.inbound import EXTENSION, Runtime, runtime
from bot.config import Config, load_config
from bot.staff import telegram_group, views
from tests.browser.kit import add_librarian, login
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, ROOT, database_env

BLUEPRINTS = [observability, sms.bp, telegram.bp, views.bp, telegram_group.bp, ils.bp]


def test_every_blueprint_is_registered_from_its_module(config: Config) -> None:
    app = create_app(config)
    try:
        assert list(app.blueprints.values()) == BLUEPRINTS
        assert all(isinstance(bp, Blueprint) for bp in BLUEPRINTS)
        with app.app_context():
            assert runtime() is runtime(app) is app.extensions[EXTENSION]
        # Flask's guard that makes sharing safe: a route added after the first registration would reach only
        # some apps, so Flask refuses it; the modules add every route at import.
        with pytest.raises(AssertionError, match="can no longer be called"):
            sms.bp.add_url_rule("/sms/late", view_func=lambda: "")
    finally:
        app.extensions[EXTENSION].close()


@pytest.mark.storage
def test_two_apps_share_the_blueprints_and_each_answers_from_its_own_runtime(tmp_path: Path) -> None:
    sample = load_config(ROOT / "config.toml", database_env(tmp_path / "sample.sqlite3"))
    fixture = load_config(
        ROOT / "config.toml",
        {**database_env(tmp_path / "fixture.sqlite3"), "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE)},
    )
    one, two = create_app(sample, clock=lambda: MOMENT), create_app(fixture, clock=lambda: MOMENT)
    rt_one: Runtime = one.extensions[EXTENSION]
    rt_two: Runtime = two.extensions[EXTENSION]
    try:
        entries = [len(rt.knowledge.kb.entries) for rt in (rt_one, rt_two)]
        assert entries[0] != entries[1]
        assert [app.test_client().get("/healthz").get_json()["entries"] for app in (one, two)] == entries
        # Each app has its own staff logins, signed with its own key (generated into its own database).
        assert one.secret_key and two.secret_key and one.secret_key != two.secret_key
        assert one.extensions[views.AUTH_EXTENSION] is not two.extensions[views.AUTH_EXTENSION]
        add_librarian(rt_one.store, "anna@kff.kk.dk", MOMENT)
        first = one.test_client()
        assert login(first, "anna@kff.kk.dk").status_code == 302
        assert first.get("/staff/").status_code == 200
        second = two.test_client()
        assert login(second, "anna@kff.kk.dk").status_code == 401  # no such librarian in the second database
        # The first app's session cookie means nothing to the second.
        cookie = first.get_cookie("bibliobot_staff", path="/staff")
        assert cookie is not None
        second.set_cookie("bibliobot_staff", cookie.value, path="/staff")
        assert second.get("/staff/").status_code == 302
    finally:
        for rt in (rt_one, rt_two):
            rt.close()
