"""Short replies the handlers act on when they are the whole message: MERE, JA, LINK, ABONNER.

They live below the handlers, not in them, because campaign keywords are checked against them when the knowledge
is loaded (bot.services.campaigns.reserved_words): the knowledge must not import the handlers that answer from it.
Each set is compared with the folded message (bot.understanding.text.fold).
"""

from __future__ import annotations

from bot.understanding import keywords
from bot.understanding.text import fold

# More of a list of events or of a digest (handlers.events, handlers.subscriptions).
MORE_WORDS = {
    "mere",
    "more",
    "flere",
    "vis flere",
    "show more",
    "mere tak",
    "more please",
    "next",
    "videre",
    "m",
}
# "Abonner" alone: the bot asks which topics (handlers.subscriptions).
SUBSCRIBE_WORDS = {"abonner", "abonnere", "abonnement", "subscribe", "subscription"}
# The answer to "delete my data?" (handlers.delete).
DELETE_YES_WORDS = {
    "ja",
    "j",
    "ja tak",
    "ja slet",
    "ja slet mine data",
    "yes",
    "y",
    "yes please",
    "yes delete",
}
DELETE_NO_WORDS = {"nej", "n", "nej tak", "no", "no thanks", "nope"}
# Words that say yes to a campaign's offer (handlers.campaigns). The English offer asks for OK, not YES: YES is one
# of Twilio's default opt-in words, which Twilio answers itself (a YES still counts, see core.handle, but the
# citizen gets two replies).
CONSENT_WORDS = {"ja", "ja tak", "jatak", "jep", "yes", "yes please", "ok", "okay", "oki"}
# "LINK 20123456": link a Telegram chat to a phone number (handlers.reservations).
LINK_WORDS = ("link", "forbind", "tilknyt", "connect")


def asks_more(text: str) -> bool:
    """MERE / MORE, or the word for it in another language the catalogues give ("المزيد", "więcej"): the reply
    says MORE, but a citizen writes in their own words."""
    if fold(text) in MORE_WORDS:
        return True
    found = keywords.native(text)
    return found is not None and found[0] == "more"
