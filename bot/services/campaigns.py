"""Campaign keywords: librarians' `knowledge/campaigns.yaml`, its validation, and which campaign a message names.

A campaign is a keyword on a poster or in a letter ("ROSKILDE", "SKOLE7B", "LÆSELYST"), valid between two dates
(Europe/Copenhagen, both days included), with a welcome per language and, optionally, a subscription topic to
offer and a short series of follow-up messages. A citizen who texts the keyword inside the window gets the
welcome and is attributed to the campaign; outside it they are told it has ended (or not started yet).

The file is optional: a knowledge folder without it loads. Problems are reported with file and line like every
other knowledge problem, so a broken edit keeps the last good knowledge base in the running service.

What a keyword may not be is found from the words the rest of the bot already reacts to (STOP/START/HELP, the
intents of bot.understanding.router, MERE, JA, LINK in bot.understanding.replywords, the branches' names),
never from a list kept here, so a
word added there is refused here too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.errors import Problem
from bot.knowledge import (
    ID_PATTERN,
    KnowledgeBase,
    _check_keys,
    _compose,
    _line,
    _mapping,
    first_use,
)
from bot.understanding import replywords
from bot.understanding.text import fold

CAMPAIGNS_FILE = "campaigns.yaml"
CAMPAIGN_KEYS = {"id", "keyword", "from", "until", "welcome", "topic", "branch", "follow_ups"}
FOLLOW_UP_KEYS = {"after_days", "text"}
# Words that may follow the keyword ("ROSKILDE hej", "SKOLE7B Emma 7b"): more than this is a question to the FAQ
# that happens to start with the word, and the FAQ answers it as if there were no campaign.
MAX_EXTRA_WORDS = 3
# "A short series": a campaign that wants more is a subscription, not a campaign.
MAX_FOLLOW_UPS = 6
MAX_FOLLOW_UP_DAYS = 90
KEYWORD_PATTERN = re.compile(r"^[a-z0-9]{3,20}$")  # after folding: what a citizen can type on any phone
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2}$")  # ISO 639-1
DEFAULT_LANGUAGE = "da"


@dataclass(frozen=True)
class FollowUp:
    after_days: int
    text: dict[str, str]
    line: int = 0


@dataclass(frozen=True)
class Campaign:
    id: str
    keyword: str  # as the librarian wrote it ("LÆSELYST"), for the replies
    first_day: date
    last_day: date
    welcome: dict[str, str]
    topic: str | None = None  # a subscription topic key, "category:concert" or "audience:children"
    branch: str = ""
    follow_ups: tuple[FollowUp, ...] = ()
    source: str = ""
    line: int = 0

    @property
    def folded(self) -> str:
        return fold(self.keyword).replace(" ", "")

    def status(self, now: datetime, tz: ZoneInfo) -> str:
        """'upcoming', 'active' or 'ended' at `now`, by the calendar date in the libraries' time zone."""
        today = now.astimezone(tz).date()
        if today < self.first_day:
            return "upcoming"
        return "active" if today <= self.last_day else "ended"

    @property
    def offers(self) -> bool:
        """Whether the welcome asks for consent: there is something to send later."""
        return bool(self.follow_ups or self.topic)

    @property
    def weeks(self) -> int:
        """How many weeks the follow-ups span, for "3 tips over 3 weeks"."""
        days = max((f.after_days for f in self.follow_ups), default=0)
        return max(1, math.ceil(days / 7))

    def welcome_in(self, lang: str) -> tuple[str, str]:
        """(text, language): the citizen's language when the campaign has it, else Danish."""
        if lang in self.welcome:
            return self.welcome[lang], lang
        return self.welcome[DEFAULT_LANGUAGE], DEFAULT_LANGUAGE


@dataclass
class Campaigns:
    items: list[Campaign] = field(default_factory=list)

    def by_id(self, campaign_id: str) -> Campaign | None:
        return next((c for c in self.items if c.id == campaign_id), None)

    def named_by(self, text: str, now: datetime, tz: ZoneInfo) -> Campaign | None:
        """The campaign a message names with its keyword (alone or first, with a few words after it): the one
        running now, else the one that ended last, else the next to start. None for any other message."""
        keyword = keyword_in(text, {c.folded for c in self.items})
        if keyword is None:
            return None
        same = [c for c in self.items if c.folded == keyword]
        active = [c for c in same if c.status(now, tz) == "active"]
        if active:
            return active[0]
        ended = sorted((c for c in same if c.status(now, tz) == "ended"), key=lambda c: c.last_day)
        if ended:
            return ended[-1]
        return min(same, key=lambda c: c.first_day)


def keyword_in(text: str, keywords: set[str]) -> str | None:
    """The folded keyword a message starts with, if the rest is at most MAX_EXTRA_WORDS words. "skole 7b" names
    SKOLE7B too: the first one, two or three words are tried joined, as phones and people split words."""
    if not keywords:
        return None
    tokens = fold(text).split()
    for n in (1, 2, 3):
        if len(tokens) < n:
            break
        head = "".join(tokens[:n])
        if head in keywords and len(tokens) - n <= MAX_EXTRA_WORDS:
            return head
    return None


def of(kb: KnowledgeBase) -> Campaigns:
    found = kb.extras.get("campaigns")
    return found if isinstance(found, Campaigns) else Campaigns()


# ---------------------------------------------------------------------------------------------------------------
# Loading and validation


def _texts(node: yaml.Node, rel: str, what: str, cid: str | None, problems: list[Problem]) -> dict[str, str]:
    """A language -> text mapping that must have Danish."""
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(rel, _line(node), f"{what} must map a language (da, en, ...) to text", cid))
        return {}
    out: dict[str, str] = {}
    for k, v in node.value:
        lang = str(k.value)
        if not LANGUAGE_PATTERN.match(lang):
            problems.append(
                Problem(rel, _line(k), f"{what}: '{lang}' is not a two-letter language code", cid)
            )
        elif not isinstance(v, yaml.ScalarNode) or v.tag.endswith(":null") or not str(v.value).strip():
            problems.append(Problem(rel, _line(v), f"{what}.{lang} must be non-empty text", cid))
        else:
            out[lang] = " ".join(str(v.value).split())
    if out and DEFAULT_LANGUAGE not in out:
        problems.append(Problem(rel, _line(node), f"{what} has no Danish text ({what}.da)", cid))
    return out


def _date(node: yaml.Node, rel: str, key: str, cid: str | None, problems: list[Problem]) -> date | None:
    text = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(rel, _line(node), f"{key} must be a date like 2027-06-26, got {text!r}", cid))
        return None


def _follow_ups(node: yaml.Node, rel: str, cid: str | None, problems: list[Problem]) -> list[FollowUp] | None:
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(rel, _line(node), "follow_ups must be a list", cid))
        return None
    out: list[FollowUp] = []
    ok = True
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(rel, _line(item), "each follow-up must have after_days and text", cid))
            ok = False
            continue
        _check_keys(item, FOLLOW_UP_KEYS, rel, cid, problems, "a follow-up")
        m = _mapping(item)
        days: int | None = None
        if "after_days" not in m:
            problems.append(Problem(rel, _line(item), "follow-up has no after_days", cid))
        else:
            dnode = m["after_days"][1]
            raw = str(dnode.value) if isinstance(dnode, yaml.ScalarNode) else ""
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_FOLLOW_UP_DAYS:
                problems.append(
                    Problem(
                        rel,
                        _line(dnode),
                        f"after_days must be a whole number of days, 1 to {MAX_FOLLOW_UP_DAYS}, got {raw!r}",
                        cid,
                    )
                )
            else:
                days = int(raw)
                if out and days <= out[-1].after_days:
                    problems.append(
                        Problem(
                            rel,
                            _line(dnode),
                            f"after_days must grow from one follow-up to the next "
                            f"({days} after {out[-1].after_days})",
                            cid,
                        )
                    )
                    days = None
        text: dict[str, str] = {}
        if "text" not in m:
            problems.append(Problem(rel, _line(item), "follow-up has no text", cid))
        else:
            text = _texts(m["text"][1], rel, "text", cid, problems)
        if days is None or DEFAULT_LANGUAGE not in text:
            ok = False
            continue
        out.append(FollowUp(days, text, _line(item)))
    if len(node.value) > MAX_FOLLOW_UPS:
        problems.append(
            Problem(
                rel,
                _line(node),
                f"{len(node.value)} follow-ups; a campaign sends at most {MAX_FOLLOW_UPS} "
                "(offer a subscription topic for more)",
                cid,
            )
        )
        ok = False
    return out if ok else None


def _parse(node: yaml.Node, rel: str, problems: list[Problem]) -> Campaign | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(
                rel, _line(node), "each campaign must be a mapping with id, keyword, from, until, welcome"
            )
        )
        return None
    m = _mapping(node)
    cid: str | None = None
    if "id" not in m:
        problems.append(Problem(rel, _line(node), "campaign has no id"))
    else:
        raw = m["id"][1]
        cid = str(raw.value) if isinstance(raw, yaml.ScalarNode) else None
        if not cid or not ID_PATTERN.match(cid):
            problems.append(
                Problem(rel, _line(raw), f"id must be lowercase words joined by '-', got {cid!r}")
            )
            cid = None
    _check_keys(node, CAMPAIGN_KEYS, rel, cid, problems, "a campaign")
    before = len(problems)
    keyword = ""
    if "keyword" not in m:
        problems.append(Problem(rel, _line(node), "campaign has no keyword", cid))
    else:
        knode = m["keyword"][1]
        keyword = str(knode.value).strip() if isinstance(knode, yaml.ScalarNode) else ""
        if not KEYWORD_PATTERN.match(fold(keyword)):
            problems.append(
                Problem(
                    rel,
                    _line(knode),
                    f"keyword must be one word of 3 to 20 letters and digits, got {keyword!r}",
                    cid,
                )
            )
    days: dict[str, date | None] = {}
    for key in ("from", "until"):
        if key not in m:
            problems.append(Problem(rel, _line(node), f"campaign has no '{key}' date", cid))
            days[key] = None
        else:
            days[key] = _date(m[key][1], rel, key, cid, problems)
    first, last = days["from"], days["until"]
    if first and last and last < first:
        problems.append(Problem(rel, _line(m["until"][1]), f"until ({last}) is before from ({first})", cid))
    welcome: dict[str, str] = {}
    if "welcome" not in m:
        problems.append(Problem(rel, _line(node), "campaign has no welcome", cid))
    else:
        welcome = _texts(m["welcome"][1], rel, "welcome", cid, problems)
        if isinstance(m["welcome"][1], yaml.MappingNode) and not m["welcome"][1].value:
            problems.append(Problem(rel, _line(m["welcome"][1]), "welcome has no text", cid))
    topic = None
    if "topic" in m:
        tnode = m["topic"][1]
        topic = _topic(str(tnode.value).strip() if isinstance(tnode, yaml.ScalarNode) else "")
        if topic is None:
            problems.append(
                Problem(rel, _line(tnode), f"unknown topic {tnode.value!r} (known: {_topic_names()})", cid)
            )
    branch = ""
    if "branch" in m:
        bnode = m["branch"][1]
        branch = str(bnode.value).strip() if isinstance(bnode, yaml.ScalarNode) else ""
        if "topic" not in m:
            problems.append(
                Problem(rel, _line(bnode), "branch is only for a topic's subscription; add a topic", cid)
            )
    follow_ups: list[FollowUp] | None = []
    if "follow_ups" in m:
        follow_ups = _follow_ups(m["follow_ups"][1], rel, cid, problems)
    if len(problems) > before or cid is None or first is None or last is None or follow_ups is None:
        return None
    return Campaign(cid, keyword, first, last, welcome, topic, branch, tuple(follow_ups), rel, _line(node))


def _topic(text: str) -> str | None:
    """A topic key from "audience:children", "children" or "concert"; None if it is not a subscription topic."""
    from bot.understanding.router import AUDIENCE_WORDS, CATEGORY_WORDS

    kind, _, value = text.partition(":")
    if not value:
        kind, value = ("category" if text in CATEGORY_WORDS else "audience"), text
    known = CATEGORY_WORDS if kind == "category" else AUDIENCE_WORDS if kind == "audience" else {}
    return f"{kind}:{value}" if value in known else None


def _topic_names() -> str:
    from bot.understanding.router import AUDIENCE_WORDS, CATEGORY_WORDS

    return ", ".join([*CATEGORY_WORDS, *AUDIENCE_WORDS])


def reserved_words() -> dict[str, str]:
    """Folded words the bot already acts on, each with what it does: a campaign keyword may be none of them."""
    from bot.understanding import router

    words: dict[str, str] = {}
    for name, group in (
        ("STOP", router.STOP_WORDS),
        ("START", router.START_WORDS),
        ("HELP", router.HELP_WORDS),
        ("the request for a librarian", router._ASK_FOR_PERSON),
        ("subscribing", replywords.SUBSCRIBE_WORDS),
        ("MERE (more of a list)", replywords.MORE_WORDS),
        ("the yes to deleting data", replywords.DELETE_YES_WORDS),
        ("the yes to a campaign's offer", replywords.CONSENT_WORDS),
        ("LINK (Telegram to phone)", replywords.LINK_WORDS),
    ):
        for word in group:
            words.setdefault(fold(word).replace(" ", ""), name)
    return words


def collision(keyword: str, kb: KnowledgeBase) -> str | None:
    """What a keyword would take over, worded for the librarian; None when it is free."""
    from bot.understanding import router

    folded = fold(keyword).replace(" ", "")
    reserved = reserved_words()
    if folded in reserved:
        return f"keyword '{keyword}' is the bot's own word for {reserved[folded]}"
    kind = router.compliance(keyword)
    if kind:
        return f"keyword '{keyword}' is a {kind.upper()} word"
    intent = router.route(keyword).intent
    if intent not in ("faq", "greeting"):
        return f"keyword '{keyword}' already means '{intent}' to the bot"
    from bot.understanding import timeintent
    from bot.understanding.text import normalise, strip_filler

    norm = strip_filler(normalise(keyword))
    if timeintent.is_hours_question(norm, timeintent.explained_words(norm, None)):
        return f"keyword '{keyword}' already asks the bot for opening hours"
    if timeintent.is_events_question(norm):
        return f"keyword '{keyword}' already asks the bot for events"
    for branch in kb.branches:
        for name in (branch.id, branch.name, *branch.aliases):
            if fold(name).replace(" ", "") == folded:
                return f"keyword '{keyword}' is the name of branch '{branch.id}'"
    return None


def load_campaigns(root: Path, problems: list[Problem], kb: KnowledgeBase) -> Campaigns:
    """The knowledge folder's "campaigns" (bot.knowledge_folder): `campaigns.yaml` if there is one, every campaign validated."""
    path = Path(root) / CAMPAIGNS_FILE
    if not path.exists():
        return Campaigns()
    rel = str(path.relative_to(Path(root).parent)) if path.is_relative_to(Path(root).parent) else str(path)
    node = _compose(path, rel, problems)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
        return Campaigns()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(
            Problem(rel, _line(node), "the file must be a YAML list (each campaign starts with '- ')")
        )
        return Campaigns()
    seen: dict[str, str] = {}
    items: list[Campaign] = []
    for item in node.value:
        campaign = _parse(item, rel, problems)
        if first_use(item, rel, seen, "duplicate campaign id", problems) and campaign is not None:
            items.append(campaign)
    for i, c in enumerate(items):
        taken = collision(c.keyword, kb)
        if taken:
            problems.append(Problem(rel, c.line, taken, c.id))
        for other in items[:i]:
            if other.folded == c.folded and c.first_day <= other.last_day and other.first_day <= c.last_day:
                problems.append(
                    Problem(
                        rel,
                        c.line,
                        f"keyword '{c.keyword}' is also campaign '{other.id}''s ({other.source}:"
                        f"{other.line}) and the dates overlap ({other.first_day} to {other.last_day})",
                        c.id,
                    )
                )
        if c.branch and kb.branch(c.branch) is None:
            problems.append(Problem(rel, c.line, f"unknown branch '{c.branch}'", c.id))
    return Campaigns(items)


def texts_of(campaigns: Campaigns) -> list[tuple[Campaign, int, str, str]]:
    """(campaign, line, language, text) of every welcome and follow-up, for the plain-language check."""
    out: list[tuple[Campaign, int, str, str]] = []
    for c in campaigns.items:
        out += [(c, c.line, lang, text) for lang, text in c.welcome.items()]
        out += [(c, f.line, lang, text) for f in c.follow_ups for lang, text in f.text.items()]
    return out
