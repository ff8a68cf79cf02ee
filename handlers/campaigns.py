"""A campaign keyword ("ROSKILDE", "SKOLE7B"): the welcome, the offer of follow-ups, and the citizen's yes.

    keyword, inside the window ─► welcome (+ "svar JA for 3 tips over 3 uger" when there is something to send)
        └► attributed to the campaign (first-time sender or not)      ─► JA ─► consent stored (words + time),
    keyword, outside the window ─► "the campaign has ended" / "starts on ..."   topic subscribed, follow-ups
                                                                                queued in the outbox

The follow-ups are ordinary outbox rows (kind `campaign`): the drain applies quiet hours, the daily flood guard,
the rate limits and the opt-out check to them, and STOP cancels the ones still pending. With no storage
(`bibliobot ask`) the replies are the same and nothing is stored or queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import catalogues, smsformat, storage
from bot.catalogues import Section
from bot.context import Context, Understanding
from bot.errors import Problem
from bot.model import Channel, Choice, Message, Reply
from bot.services import campaigns as campaign_files
from bot.services import outbox
from bot.services import subscriptions as subs
from bot.services.campaigns import Campaign, Campaigns
from bot.services.subscriptions import Topic
from bot.storage import OutboxItem, Store
from bot.understanding.dates import short_date
from bot.understanding.replywords import CONSENT_WORDS
from bot.understanding.text import fold
from handlers.subscriptions import topic_label
from handlers.texts import pick

INTENT = "campaign"
CONSENT_STATE = "campaign-consent"
# The yes may come a while after the poster: a class answers after the lesson, a festival guest the next morning.
CONSENT_TTL = timedelta(days=2)
# A follow-up that could not go out within this long after it was due (flood guard, outage) is dropped as stale.
FOLLOW_UP_GRACE = timedelta(days=3)
OUTBOX_KIND = "campaign"

TEXTS = Section("campaigns")


def t(key: str, lang: str, **values: str) -> str:
    return pick(TEXTS, key, lang, **values)


def named(message: Message, ctx: Context) -> Campaign | None:
    """The campaign this message's keyword names, if any (the router asks before the FAQ)."""
    return campaign_files.of(ctx.brain.kb).named_by(message.text, ctx.now, ctx.config.tz)


def _channel(message: Message) -> str | None:
    """The outbox channel of the citizen; None for the console, which nothing is sent to later."""
    return {Channel.SMS: "sms", Channel.TELEGRAM: "telegram"}.get(message.channel)


def offer_what(campaign: Campaign, lang: str) -> str:
    """What the citizen is offered, in words: "3 tips over de næste 3 uger og besked om koncerter"."""
    parts: list[str] = []
    n = len(campaign.follow_ups)
    if n == 1:
        parts.append(t("tip", lang, days=str(campaign.follow_ups[0].after_days)))
    elif n > 1:
        last = campaign.follow_ups[-1].after_days
        if last >= 14:
            parts.append(t("tips", lang, n=str(n), weeks=str(campaign.weeks)))
        else:
            parts.append(t("tips_days", lang, n=str(n), days=str(last)))
    if campaign.topic:
        parts.append(t("topic", lang, what=topic_label(Topic.of(campaign.topic), lang)))
    return f" {t('and', lang)} ".join(parts)


def offer_languages() -> list[str]:
    """The languages whose message catalogue has the campaign messages (the offer and the thanks)."""
    return [lang for lang in catalogues.languages() if catalogues.message("campaigns", "offer", lang)]


def reply_language(campaign: Campaign, lang: str) -> str:
    """The language of the bot's own lines (the offer, the thanks): the citizen's when the message catalogues
    have the campaign messages in it, even if the campaign's welcome is only in Danish; else the welcome's."""
    if catalogues.message("campaigns", "offer", lang) is not None:
        return lang
    return campaign.welcome_in(lang)[1]


def welcome_text(campaign: Campaign, lang: str) -> tuple[str, str]:
    """The welcome (from the campaign, in the citizen's language or Danish) and, when there is something to send
    later, the question asking for consent (from the catalogues): (text, the reply's language)."""
    text = campaign.welcome_in(lang)[0]
    lang = reply_language(campaign, lang)
    if campaign.offers:
        text = f"{text} {t('offer', lang, what=offer_what(campaign, lang))}"
    return text, lang


def budget_problems(campaigns: Campaigns, max_segments: int) -> list[Problem]:
    """Welcomes and follow-ups longer than the SMS budget (`[sms] max_segments`): texts that would be cut short.
    Checked by `kb check`, which knows the configuration (loading the knowledge does not). Here, beside
    `welcome_text`, because the welcome is measured as this module sends it."""
    out: list[Problem] = []
    for c in campaigns.items:
        # The welcome as it is sent: with the question asking for consent after it, which comes from the message
        # catalogues in the citizen's language even when the welcome falls back to Danish (a Danish welcome and
        # an Arabic question go as UCS-2: 67 characters a part).
        welcome = {lang: welcome_text(c, lang)[0] for lang in c.welcome}
        if c.offers:
            for lang in offer_languages():
                if lang not in c.welcome:
                    welcome[f"{c.welcome_in(lang)[1]} with the consent question in {lang}"] = welcome_text(
                        c, lang
                    )[0]
        texts = [("welcome", c.line, welcome)] + [
            (f"follow-up {n}", f.line, f.text) for n, f in enumerate(c.follow_ups, 1)
        ]
        for what, line, variants in texts:
            for lang, text in variants.items():
                n = smsformat.segments(smsformat.to_gsm7(text))
                if n > max_segments:
                    out.append(
                        Problem(
                            c.source,
                            line,
                            f"{what} ({lang}) takes {n} SMS segments; the budget is "
                            f"{max_segments} ([sms] max_segments)",
                            c.id,
                        )
                    )
    return out


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    """The keyword: welcome and attribute inside the window; say it has ended (or not begun) outside it."""
    campaign = named(message, ctx)
    if campaign is None:  # the knowledge changed between routing and now
        return Reply(text="", lang=u.lang, intent=INTENT, confidence=1.0)
    status = campaign.status(ctx.now, ctx.config.tz)
    if status != "active":
        day = campaign.last_day if status == "ended" else campaign.first_day
        key = "ended" if status == "ended" else "upcoming"
        text = t(key, u.lang, keyword=campaign.keyword.upper(), day=short_date(day, u.lang))
        return Reply(text=text, lang=u.lang, intent=INTENT, confidence=1.0)
    text, lang = welcome_text(campaign, u.lang)
    channel = _channel(message)
    contact = None
    if ctx.store is not None and channel is not None:
        first_time = not storage.known_citizen(ctx.store, message.sender)
        storage.attribute_campaign(ctx.store, message.sender, campaign.id, channel, lang, first_time, ctx.now)
        contact = storage.campaign_contact(ctx.store, message.sender, campaign.id)
    reply = Reply(text=text, lang=lang, intent=INTENT, confidence=1.0)
    if not campaign.offers:
        return reply
    if contact is not None and contact["consent_at"]:
        if contact["stopped_at"]:  # STOP ended their series for good: the welcome, and no offer again
            reply.text = campaign.welcome_in(lang)[0]
        else:
            reply.text = f"{campaign.welcome_in(lang)[0]} {t('already', lang)}"
        return reply
    if contact is not None and ctx.store is not None:
        storage.set_campaign_offer(ctx.store, message.sender, campaign.id, text)
    ctx.conversations.put(
        message.sender,
        {"kind": CONSENT_STATE, "campaign": campaign.id, "lang": lang, "at": ctx.now.isoformat()},
    )
    reply.choices = [Choice(t("yes", lang), t("yes_label", lang))]
    return reply


def consent(message: Message, ctx: Context) -> Reply | None:
    """JA after a campaign's offer: store the consent and queue the follow-ups; None for any other message."""
    state = ctx.conversations.get(message.sender)
    if not state or state.get("kind") != CONSENT_STATE:
        return None
    if ctx.now - datetime.fromisoformat(state["at"]) > CONSENT_TTL:
        ctx.conversations.put(message.sender, None)
        return None
    if fold(message.text) not in CONSENT_WORDS:
        return None  # the offer stays open while they ask something else
    ctx.conversations.put(message.sender, None)
    lang = str(state.get("lang") or "da")
    campaign = campaign_files.of(ctx.brain.kb).by_id(str(state.get("campaign")))
    if campaign is None:  # taken out of the file since the offer: nothing left to send
        return None
    what = offer_what(campaign, lang)
    text = t("consented", lang, what=what)
    channel = _channel(message)
    if ctx.store is not None and channel is not None:
        if not storage.consent_campaign(ctx.store, message.sender, campaign.id, message.text, ctx.now):
            return Reply(text=t("already", lang), lang=lang, intent=INTENT, confidence=1.0)
        start_series(ctx, ctx.store, campaign, message.sender, channel, lang, message.text)
        if storage.is_opted_out(ctx.store, message.sender):
            text += t("opted_out", lang)
    return Reply(text=text, lang=lang, intent=INTENT, confidence=1.0)


def start_series(
    ctx: Context, store: Store, campaign: Campaign, sender: str, channel: str, lang: str, words: str
) -> int:
    """Subscribe the campaign's topic and queue its follow-ups, each `after_days` after the consent (the drain
    holds one due in quiet hours until morning). Returns the follow-ups queued."""
    if campaign.topic:
        subs.subscribe(
            store, sender, channel, [Topic.of(campaign.topic)], campaign.branch, lang, words, ctx.now
        )
    who = subs.subscriber_id(sender)
    queued = 0
    for n, follow_up in enumerate(campaign.follow_ups, 1):
        due = ctx.now + timedelta(days=follow_up.after_days)
        body = follow_up.text.get(lang) or follow_up.text["da"]
        queued += outbox.enqueue_item(
            store,
            OutboxItem(
                dedupe_key=f"campaign:{campaign.id}:{who}:{n}",
                channel=channel,
                sender=sender,
                body=body,
                kind=OUTBOX_KIND,
                due_at=due,
                lang=lang,
                expires_at=due + FOLLOW_UP_GRACE,
            ),
            ctx.now,
        )
    return queued


def on_stop(ctx: Context, sender: str) -> None:
    """STOP ends every campaign series of the citizen (their pending follow-ups are cancelled)."""
    if ctx.store is not None:
        storage.stop_campaigns(ctx.store, sender, ctx.now)
