""" "Slet mine data" / "delete my data": ask once, and on "JA"/"YES" delete every row about the sender.

The question and the answer are two messages, so the pending question is conversation state. What is deleted is
whatever the storage holds about the sender in any table (see `bot.storage.Store.forget_sender`); the reply names
it, in the citizen's language, so they know what is gone.
"""

from __future__ import annotations

from bot.context import Context, Understanding
from bot.conversation import fresh
from bot.model import Action, Choice, Message, Reply
from bot.text import fold

PENDING = "delete"
YES_WORDS = {"ja", "j", "ja tak", "ja slet", "ja slet mine data", "yes", "y", "yes please", "yes delete"}
NO_WORDS = {"nej", "n", "nej tak", "no", "no thanks", "nope"}

TEXTS: dict[str, dict[str, str]] = {
    "ask": {
        "da": "Vil du have slettet alt, hvad vi har gemt om dig (dit nummer, dine beskeder og dine tilmeldinger)? "
        "Svar JA for at slette eller NEJ for at beholde det.",
        "en": "Do you want us to delete everything we hold about you (your number, your messages and your "
        "subscriptions)? Reply YES to delete or NO to keep it.",
    },
    "done": {
        "da": "Vi har slettet {what}. Skriver du igen, starter vi forfra.",
        "en": "We have deleted {what}. If you text us again, we start afresh.",
    },
    "nothing": {
        "da": "Vi havde ingen oplysninger gemt om dig, så der var intet at slette.",
        "en": "We held no information about you, so there was nothing to delete.",
    },
    "kept": {
        "da": "OK, vi har ikke slettet noget.",
        "en": "OK, we have not deleted anything.",
    },
    "yes": {"da": "JA", "en": "YES"},
    "no": {"da": "NEJ", "en": "NO"},
    "yes_label": {"da": "Ja, slet", "en": "Yes, delete"},
    "no_label": {"da": "Nej", "en": "No"},
    "and": {"da": "og", "en": "and"},
}

# What each table holds, as the citizen is told; tables added later without a label are named by their table.
WHAT: dict[str, dict[str, str]] = {
    "message_log": {"da": "{n} beskeder", "en": "{n} messages"},
    "contacts": {"da": "dit nummer og din afmelding", "en": "your number and opt-out setting"},
    "conversations": {"da": "en igangværende samtale", "en": "an open conversation"},
    "subscriptions": {"da": "{n} tilmeldinger", "en": "{n} subscriptions"},
    "tickets": {"da": "{n} spørgsmål til en bibliotekar", "en": "{n} questions to a librarian"},
    "notices": {"da": "{n} påmindelser", "en": "{n} reminders"},
    "outbox": {"da": "{n} ventende beskeder", "en": "{n} messages waiting to be sent"},
    "phone_links": {"da": "koblingen til dit lånerkort", "en": "the link to your library account"},
    "citizens": {"da": "hvornår du skrev første og seneste gang", "en": "when you first and last wrote"},
    "campaign_contacts": {"da": "{n} kampagnetilmeldinger", "en": "{n} campaign sign-ups"},
}
# Rows that belong to something already named: the provider ids of logged messages, the conversation of a
# question to a librarian, an unused code for linking a library account, the weeks a citizen wrote in.
NOT_MENTIONED = {"inbound", "ticket_messages", "link_codes", "citizen_weeks"}


def _t(key: str, lang: str, **values: str) -> str:
    return TEXTS[key].get(lang, TEXTS[key]["da"]).format(**values)


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


def describe(deleted: dict[str, int], lang: str) -> str:
    """'12 beskeder og dit nummer og din afmelding' from rows deleted per table."""
    parts: list[str] = []
    for table, n in deleted.items():
        if table in NOT_MENTIONED or n == 0:
            continue
        template = WHAT.get(table, {"da": f"{{n}} rækker i {table}", "en": f"{{n}} rows in {table}"})
        parts.append(template.get(lang, template["da"]).format(n=n))
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
    if said in NO_WORDS:
        ctx.conversations.put(message.sender, None)
        return Reply(text=_t("kept", lang), lang=lang, intent="delete", confidence=1.0)
    if said not in YES_WORDS:
        ctx.conversations.put(message.sender, None)
        return None
    deleted = ctx.store.forget_sender(message.sender) if ctx.store is not None else {}
    ctx.conversations.put(message.sender, None)
    what = describe(deleted, lang)
    reply_text = _t("done", lang, what=what) if what else _t("nothing", lang)
    return Reply(text=reply_text, lang=lang, intent="delete", confidence=1.0)
