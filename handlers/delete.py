""" "Slet mine data" / "delete my data": ask once, and on "JA"/"YES" delete every row about the sender.

The question and the answer are two messages, so the pending question is conversation state. What is deleted is
whatever the storage holds about the sender in any table (see `bot.storage.privacy.forget_sender`); the reply names
it, in the citizen's language, so they know what is gone.
"""

from __future__ import annotations

from bot import storage
from bot.catalogues import SOURCE_LANGUAGE, Section, fragment, is_plural, message_keys, plural
from bot.context import Context, Understanding
from bot.conversation import fresh
from bot.model import Action, Choice, Message, Reply
from bot.understanding.replywords import DELETE_NO_WORDS, DELETE_YES_WORDS
from bot.understanding.text import fold
from handlers.texts import pick

PENDING = "delete"

TEXTS = Section("delete")
# What each table holds, as the citizen is told: messages of the context delete.what, by table name; a table added
# later without one is named by its table ("3 rækker i x").
WHAT = "delete.what"

# Rows that belong to something already named: the provider ids of logged messages, the conversation of a
# question to a librarian, an unused code for linking a library account.
NOT_MENTIONED = {"inbound", "ticket_messages", "link_codes", "citizen_weeks"}


SENTENCES = {"ask", "done", "nothing", "kept"}  # whole replies; the other messages are words inside one


def _t(key: str, lang: str, **values: str) -> str:
    if key in SENTENCES:
        return pick(TEXTS, key, lang, **values)
    return fragment("delete", key, lang).format(**values)


def request(message: Message, ctx: Context, u: Understanding) -> Reply:
    """The citizen asked to be forgotten: ask them to confirm."""
    ctx.conversations.put(message.sender, {"kind": PENDING, "lang": u.lang, "at": ctx.now.isoformat()})
    return Reply(
        text=_t("ask", u.lang),
        lang=u.lang,
        intent="delete",
        action=Action.CLARIFY,
        confidence=1.0,
        choices=[
            Choice(_t("yes", u.lang), _t("yes_label", u.lang)),
            Choice(_t("no", u.lang), _t("no_label", u.lang)),
        ],
    )


def _what(table: str, n: int, lang: str) -> str:
    """What one table held, as the citizen is told ("3 beskeder"); counted messages take the language's plural."""
    key = table if (WHAT, table) in message_keys(WHAT) else "other_table"
    if is_plural(WHAT, key):
        text = plural(WHAT, key, n, lang) or plural(WHAT, key, n, SOURCE_LANGUAGE) or ""
    else:
        text = fragment(WHAT, key, lang)
    return text.format(n=n, table=table)


def describe(deleted: dict[str, int], lang: str) -> str:
    """'12 beskeder og dit nummer og din afmelding' from rows deleted per table."""
    parts: list[str] = []
    for table, n in deleted.items():
        if table in NOT_MENTIONED or n == 0:
            continue
        parts.append(_what(table, n, lang))
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + f" {_t('and', lang)} " + parts[-1]
    return parts[0] if parts else ""


def confirm(message: Message, ctx: Context) -> Reply | None:
    """The answer to our "delete everything?" question, or None when this message is not one."""
    state = fresh(ctx.conversations.get(message.sender), ctx.now)
    if not state or state.get("kind") != PENDING:
        return None
    lang = state.get("lang", ctx.config.locale.default_language)
    said = fold(message.text)
    if said in DELETE_NO_WORDS:
        ctx.conversations.put(message.sender, None)
        return Reply(text=_t("kept", lang), lang=lang, intent="delete", confidence=1.0)
    if said not in DELETE_YES_WORDS:
        ctx.conversations.put(message.sender, None)
        return None
    deleted = storage.forget_sender(ctx.store, message.sender) if ctx.store is not None else {}
    ctx.conversations.put(message.sender, None)
    what = describe(deleted, lang)
    reply_text = _t("done", lang, what=what) if what else _t("nothing", lang)
    return Reply(text=reply_text, lang=lang, intent="delete", confidence=1.0)
