"""Regression cases: questions that must keep going to their entry, kept in `knowledge/cases.yaml`.

Every question a librarian teaches from the staff page is written here under its entry, and librarians may add
their own. The file maps an entry id to the questions it must answer:

    loans-renew:
      - "kan jeg forlænge min bog"  # taught from ticket 12, 2026-11-24

Loading the knowledge base runs every case through the bot (`core.handle`, as `bibliobot ask` would) and reports
each one that now ends anywhere else as a problem with the case's line, like any other knowledge error. So
`bibliobot kb check` fails, a running service keeps its last good knowledge, and the staff page refuses the edit,
naming the case, instead of an answer breaking silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml

from bot.errors import Problem
from bot.knowledge import KnowledgeBase, _compose, _line

if TYPE_CHECKING:
    from bot.brain import Brain

log = logging.getLogger(__name__)

CASES_FILE = "cases.yaml"
# Cases ask FAQ questions, which do not depend on the moment; a fixed one keeps the check repeatable.
CASES_MOMENT = datetime(2026, 1, 6, 12, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


@dataclass(frozen=True)
class Case:
    question: str
    entry: str
    line: int


@dataclass(frozen=True)
class Outcome:
    """What the bot does with a case's question now."""

    case: Case
    intent: str
    action: str
    entry: str | None
    candidates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.action == "answer" and self.entry == self.case.entry

    def describe(self) -> str:
        want = f"case {self.case.question!r} should be answered by '{self.case.entry}'"
        if self.ok:
            return f"{want}: ok"
        if self.action == "answer" and self.entry:
            return f"{want} but is now answered by '{self.entry}'"
        if self.action == "answer":
            return f"{want} but now gets the {self.intent} answer"
        if self.action == "clarify":
            return f"{want} but now asks 'did you mean' ({', '.join(self.candidates)})"
        return f"{want} but is now handed off to a librarian"


@dataclass
class CaseReport:
    """kb.extras["cases"]: the cases, what became of them, and the Brain they ran against (reused by the service)."""

    cases: list[Case]
    outcomes: list[Outcome]
    brain: Brain | None = None

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def cases_path(root: Path) -> Path:
    return Path(root) / CASES_FILE


def read_cases(root: Path, problems: list[Problem], kb: KnowledgeBase | None = None) -> list[Case]:
    """The cases of a knowledge folder (none when it has no cases.yaml); format problems are added to `problems`."""
    root = Path(root)
    path = cases_path(root)
    if not path.exists():
        return []
    rel = str(path.relative_to(root.parent))
    node = _compose(path, rel, problems)
    if node is None:
        return []
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return []
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(rel, _line(node), "cases.yaml must map an entry id to a list of questions"))
        return []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        entry = str(key_node.value)
        if entry in seen:
            problems.append(
                Problem(rel, _line(key_node), f"entry given twice, first at line {seen[entry]}", entry)
            )
        seen[entry] = _line(key_node)
        if kb is not None and kb.entry(entry) is None:
            problems.append(
                Problem(
                    rel,
                    _line(key_node),
                    "no such entry: its cases would go elsewhere (remove them too)",
                    entry,
                )
            )
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            problems.append(Problem(rel, _line(value_node), "the questions must be a list", entry))
            continue
        for item in value_node.value:
            if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
                problems.append(Problem(rel, _line(item), "each question must be text", entry))
                continue
            cases.append(Case(str(item.value).strip(), entry, _line(item)))
    return cases


def run_cases(cases: list[Case], brain: Brain, config: Any = None) -> list[Outcome]:
    """Ask the bot every case's question, as `bibliobot ask` would (nothing stored, no conversation)."""
    from bot.config import Config
    from bot.context import Context
    from bot.conversation import NoConversations
    from bot.core import handle
    from bot.model import Channel, Message

    config = config or Config()
    outcomes = []
    for case in cases:
        ctx = Context(brain=brain, config=config, now=CASES_MOMENT, conversations=NoConversations())
        reply = handle(Message(case.question, "console:cases", Channel.CONSOLE, CASES_MOMENT), ctx)
        outcomes.append(Outcome(case, reply.intent, str(reply.action), reply.entry, list(reply.candidates)))
    return outcomes


def load_cases(root: Path, problems: list[Problem], kb: KnowledgeBase) -> CaseReport:
    """The knowledge folder's "cases" (bot.knowledge_folder), last: read cases.yaml and run it; every case that fails is a problem at its line."""
    cases = read_cases(root, problems, kb)
    if not cases or problems:
        # With other problems the knowledge base is refused anyway; running the cases would only add noise.
        return CaseReport(cases, [])
    from bot.brain import Brain

    brain = Brain.build(kb)
    outcomes = run_cases(cases, brain)
    rel = str(cases_path(root).relative_to(Path(root).parent))
    for outcome in outcomes:
        if not outcome.ok:
            problems.append(Problem(rel, outcome.case.line, outcome.describe(), outcome.case.entry))
    return CaseReport(cases, outcomes, brain)


def brain_for(kb: KnowledgeBase) -> Brain:
    """The Brain of a knowledge base: the one the cases ran against when there was one, else a new one."""
    from bot.brain import Brain

    report = kb.extras.get("cases")
    if isinstance(report, CaseReport) and report.brain is not None:
        return report.brain
    return Brain.build(kb)
