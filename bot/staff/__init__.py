"""The staff side of the service (`/staff`): hand-off inbox, replies, teaching the knowledge base, insight.

A Flask blueprint of its own (`views.bp`), behind a login on every route but the login form itself
(`views.PUBLIC`): it shares the storage, the knowledge and the outbox with the citizen-facing routes, never their
code paths. The optional staff Telegram group (`telegram_group.bp`, `[staff] telegram_chat_id`) is a hook in front
of the citizens' Telegram webhook.
"""
