"""The staff side of the service (`/staff`): hand-off inbox, replies, teaching the knowledge base, insight.

A Flask blueprint of its own, behind a login on every route but the login form itself (`views.PUBLIC`): it shares
the storage, the knowledge and the outbox with the citizen-facing routes, never their code paths. The optional
staff Telegram group is wired in beside it (`telegram_group`).
"""

from __future__ import annotations

from flask import Flask

from bot.channels.inbound import Runtime


def init_app(app: Flask, rt: Runtime) -> None:
    """Register /staff and, when `[staff] telegram_chat_id` is set, the staff group's replies."""
    from bot.staff import telegram_group, views

    app.register_blueprint(views.blueprint(rt))
    telegram_group.install(app, rt)
