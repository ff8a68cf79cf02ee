"""Which STOP/START/HELP messages Twilio has already acted on, so the bot agrees with it instead of answering twice.

Twilio sits in front of every long code with its own opt-out handling. When a citizen texts one of its keywords,
Twilio blocks (or unblocks) the number, sends its own reply, and then posts the message to our webhook. A second
reply from us would be a duplicate at best; after a STOP it cannot even be delivered (Twilio refuses it with error
21610). So for those messages the bot records what Twilio did and answers nothing. Two set-ups, chosen by
`[sms] twilio_opt_out`:

- `default`: Twilio's default handling. It acts on the single-word keywords below (English only, any case) and
  does not mark them, so we recognise them ourselves. Danish words Twilio does not know (STOPP, AFMELD, HJÆLP)
  are the bot's to answer, in Danish.
- `advanced`: a Messaging Service with Advanced Opt-Out, configured with Danish keywords and the bot's own texts
  (docs/twilio-opt-out.md says how). Twilio marks every keyword it acted on with `OptOutType` (STOP, START
  or HELP); anything unmarked is the bot's to answer. A number where Twilio handles no keywords at all (a
  standalone short code) behaves the same: nothing is marked, the bot answers everything.

In both set-ups an `OptOutType` that does arrive wins: Twilio has acted, whatever the words were.

Twilio's default keywords, from "Twilio support for opt-out keywords (SMS STOP filtering)" and the Advanced
Opt-Out tutorial (2026): opt-out STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT; opt-in START, YES,
UNSTOP; help HELP, INFO. Only a message that is the keyword alone triggers them ("stop please" does not).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

log = logging.getLogger(__name__)

OPT_OUT_MODES = ("default", "advanced")

TWILIO_DEFAULT_KEYWORDS: dict[str, frozenset[str]] = {
    "stop": frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}),
    "start": frozenset({"START", "YES", "UNSTOP"}),
    "help": frozenset({"HELP", "INFO"}),
}

# The values Twilio puts in the OptOutType webhook parameter, and the bot's intent for each.
OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}

# Error code of a send refused because the recipient opted out at Twilio ("Attempt to send to unsubscribed
# recipient"): the message can never be delivered until the citizen texts START.
UNSUBSCRIBED_RECIPIENT = 21610


def default_keyword(body: str) -> str | None:
    """The kind of Twilio default keyword the whole message is ("stop", "start", "help"), or None."""
    word = body.strip().upper()
    for kind, words in TWILIO_DEFAULT_KEYWORDS.items():
        if word in words:
            return kind
    return None


def acted_on(form: Mapping[str, str], body: str, mode: str) -> str | None:
    """The keyword Twilio has already acted on and answered for this inbound message, or None when the bot
    should answer it itself."""
    marked = (form.get("OptOutType") or "").strip().upper()
    if marked:
        kind = OPT_OUT_TYPES.get(marked)
        if kind is not None:
            return kind
        # A value Twilio may add later: the message is still handled, as an ordinary one.
        log.warning("unknown OptOutType %r on an inbound SMS; handled as an ordinary message", marked[:20])
    if mode == "default":
        return default_keyword(body)
    return None
