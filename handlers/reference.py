"""Reference questions: answer from the FAQ, ask "did you mean", or hand off to a librarian."""

from __future__ import annotations

import re

from bot.context import Context, Understanding
from bot.conversation import fresh
from bot.model import Action, Choice, Message, Reply
from handlers.texts import in_language, text

CHOICE_RE = re.compile(r"^\s*([1-3])\s*[.)!]?\s*$")
# What ends a question, in the scripts of the questions: the "did you mean" adds its own mark after the options
# (Arabic, Urdu and Farsi write "؟", Chinese and Japanese "？").
QUESTION_END = "?.!؟？。 "
STATE = "clarify"  # the conversation state of a "did you mean": the candidates, for a bare "1"-"3"


def _entry_reply(ctx: Context, entry_id: str, lang: str, confidence: float, candidates: list[str]) -> Reply:
    entry = ctx.brain.kb.entry(entry_id)
    assert entry is not None
    return Reply(
        text=in_language(entry.answer, lang),
        lang=lang,
        intent="faq",
        action=Action.ANSWER,
        entry=entry.id,
        candidates=[],
        confidence=confidence,
        link=entry.link,
    )


def _label(ctx: Context, entry_id: str, lang: str) -> str:
    entry = ctx.brain.kb.entry(entry_id)
    assert entry is not None
    questions = entry.questions.get(lang) or next(iter(entry.questions.values()))
    return questions[0].rstrip(QUESTION_END)


def pick_choice(message: Message, ctx: Context) -> Reply | None:
    """A bare "1", "2" or "3" answering our last "did you mean"."""
    m = CHOICE_RE.match(message.text)
    if not m:
        return None
    state = fresh(ctx.conversations.get(message.sender), ctx.now)
    if not state or state.get("kind") != STATE:
        return None
    options: list[str] = state["candidates"]
    index = int(m.group(1)) - 1
    if index >= len(options) or ctx.brain.kb.entry(options[index]) is None:
        return None
    ctx.conversations.put(message.sender, None)
    return _entry_reply(ctx, options[index], state.get("lang", "da"), 1.0, [])


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    decision = ctx.brain.matcher.decide(
        message.text, u.lang, answer_min=ctx.config.matching.answer_min_confidence or None
    )
    if decision.action == "answer" and decision.entry:
        return _entry_reply(ctx, decision.entry, u.lang, decision.confidence, [])
    if decision.action == "clarify":
        ids = [c.entry for c in decision.candidates]
        labels = [_label(ctx, i, u.lang) for i in ids]

        def options(lang: str) -> str:
            return " ".join(f"{n}) {_label(ctx, i, lang)}" for n, i in enumerate(ids, 1))

        def numbers(lang: str) -> str:
            return ", ".join(str(n) for n in range(1, len(ids))) + f" {text('or', lang)} {len(ids)}"

        ctx.conversations.put(
            message.sender, {"kind": STATE, "candidates": ids, "lang": u.lang, "at": ctx.now.isoformat()}
        )
        return Reply(
            text=text("clarify", u.lang, options=options, numbers=numbers),
            lang=u.lang,
            intent="faq",
            action=Action.CLARIFY,
            candidates=ids,
            confidence=decision.confidence,
            choices=[Choice(str(n), label) for n, label in enumerate(labels, 1)],
        )
    return Reply(
        text=text("handoff", u.lang),
        lang=u.lang,
        intent="handoff",
        action=Action.HANDOFF,
        candidates=[],
        confidence=decision.confidence,
        branch=u.branch,
    )
