"""Teaching the bot: YAML edits that keep everything else, validation on a copy, regression cases that refuse a
change naming the case. Every test works on a copy of a knowledge folder in tmp_path."""

from __future__ import annotations

import difflib
import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot import cases, storage
from bot.channels.inbound import runtime
from bot.cli import main
from bot.config import Config
from bot.knowledge_folder import KnowledgeHolder, load_knowledge
from bot.services import teach
from bot.storage import Store
from tests.browser.kit import add_librarian, csrf_of, knowledge_copy, login
from tests.conftest import FIXTURE_KNOWLEDGE, KAREN, MOMENT, ROOT, Say

REPO_KNOWLEDGE = ROOT / "knowledge"
EXTRA_WEEK = "må jeg godt beholde min lånte bog en uge ekstra"
PERIOD_CASE = "hvor lang tid må jeg låne en bog"


def ask(knowledge: Path, text: str) -> dict:
    result = CliRunner().invoke(main, ["ask", "--json", "--knowledge", str(knowledge), text])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def added_lines(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if it removes or changes any."""
    ops = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False).get_opcodes()
    assert all(tag in ("equal", "insert") for tag, *_ in ops), "a line was changed or removed"
    new = after.splitlines()
    return [line for tag, _, _, j1, j2 in ops if tag == "insert" for line in new[j1:j2]]


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    return knowledge_copy(tmp_path, REPO_KNOWLEDGE)


@pytest.mark.parametrize(
    "path",
    sorted(
        [
            *REPO_KNOWLEDGE.glob("faq/*.yaml"),
            *FIXTURE_KNOWLEDGE.glob("faq/*.yaml"),
            REPO_KNOWLEDGE / "cases.yaml",
        ]
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_ruamel_writes_every_knowledge_file_back_byte_for_byte(path: Path) -> None:
    doc = teach._load(path, path.name)
    assert doc.data is None or doc.dump() == path.read_text(encoding="utf-8")


def test_a_taught_question_is_one_added_line_and_the_bot_then_answers_it(repo_copy: Path) -> None:
    loans = repo_copy / "faq" / "loans.yaml"
    before = loans.read_text(encoding="utf-8")
    taught = teach.add_question(
        repo_copy, "loans-renew", "da", EXTRA_WEEK, note="ticket 7, 2026-11-24", kb=load_knowledge(repo_copy)
    )
    assert taught.files == ["knowledge/faq/loans.yaml", "knowledge/cases.yaml"]
    assert added_lines(before, loans.read_text(encoding="utf-8")) == [f'      - "{EXTRA_WEEK}"']
    assert ask(repo_copy, EXTRA_WEEK)["entry"] == "loans-renew"
    cases_text = (repo_copy / "cases.yaml").read_text(encoding="utf-8")
    assert cases_text.startswith("# Regression cases")  # the comments stay
    assert f'loans-renew:\n  - "{EXTRA_WEEK}"  # ticket 7, 2026-11-24\n' in cases_text
    result = CliRunner().invoke(main, ["kb", "check", str(repo_copy)])
    assert result.exit_code == 0 and "1 regression case(s)" in result.output


def test_a_question_in_flow_style_lists_stays_in_flow_style(tmp_path: Path) -> None:
    root = knowledge_copy(tmp_path)
    card = root / "faq" / "card.yaml"
    before = card.read_text(encoding="utf-8")
    teach.add_question(root, "wifi", "en", "is the internet free here", kb=load_knowledge(root))
    after = card.read_text(encoding="utf-8")
    assert (
        '    en: ["Do you have free wifi?", "What is the wifi password?", "is the internet free here"]'
        in after
    )
    assert len(after.splitlines()) == len(before.splitlines())
    assert load_knowledge(root).entry("wifi").questions["en"][-1] == "is the internet free here"  # type: ignore[union-attr]


def test_a_question_that_is_already_an_entrys_is_refused_by_name(repo_copy: Path) -> None:
    before = snapshot(repo_copy)
    kb = load_knowledge(repo_copy)
    with pytest.raises(teach.TeachError, match="already one of entry 'loans-renew'"):
        teach.add_question(repo_copy, "loans-period", "da", "Hvordan fornyer jeg mine lån?", kb=kb)
    with pytest.raises(teach.TeachError, match="has this question already"):
        teach.add_question(repo_copy, "loans-renew", "da", "hvordan fornyer jeg mine lån", kb=kb)
    assert snapshot(repo_copy) == before


def test_a_language_without_an_answer_is_refused(tmp_path: Path) -> None:
    root = knowledge_copy(tmp_path)
    (root / "faq" / "extra.yaml").write_text(
        '- id: only-danish\n  questions:\n    da: ["kun dansk"]\n  answer:\n    da: "Ja."\n', encoding="utf-8"
    )
    with pytest.raises(teach.TeachError, match="no answer in en"):
        teach.add_question(root, "only-danish", "en", "only danish?")


def test_a_new_entry_is_appended_and_answered(repo_copy: Path) -> None:
    facilities = repo_copy / "faq" / "facilities.yaml"
    before = facilities.read_text(encoding="utf-8")
    teach.add_entry(
        repo_copy,
        "faq/facilities.yaml",
        "fac-3d-printer",
        {"da": ["har I en 3d printer"], "en": ["do you have a 3D printer"]},
        {"da": "Ja, i makerspacet på Hovedbiblioteket.", "en": "Yes, in the makerspace at the Main Library."},
        link="https://bibliotek.kk.dk/makerspace",
    )
    after = facilities.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :] == (
        '\n- id: fac-3d-printer\n  questions:\n    da:\n      - "har I en 3d printer"\n    en:\n'
        '      - "do you have a 3D printer"\n  answer:\n    da: "Ja, i makerspacet på Hovedbiblioteket."\n'
        '    en: "Yes, in the makerspace at the Main Library."\n  link: https://bibliotek.kk.dk/makerspace\n'
    )
    assert ask(repo_copy, "har I en 3d printer")["entry"] == "fac-3d-printer"
    assert ask(repo_copy, "do you have a 3D printer")["entry"] == "fac-3d-printer"


@pytest.mark.parametrize(
    "entry_id, file, message",
    [
        ("Bad Id", "faq/facilities.yaml", "lowercase words"),
        ("fac-wifi", "faq/facilities.yaml", "already"),
        ("new-one", "branches.yaml", "FAQ files"),
        ("new-one", "../outside.yaml", "FAQ files"),
    ],
    ids=["bad-id", "taken-id", "not-faq", "outside"],
)
def test_a_bad_new_entry_is_refused(repo_copy: Path, entry_id: str, file: str, message: str) -> None:
    before = snapshot(repo_copy)
    with pytest.raises(teach.TeachError, match=message):
        teach.add_entry(repo_copy, file, entry_id, {"da": ["et spørgsmål"]}, {"da": "Et svar."})
    assert snapshot(repo_copy) == before


# -- regression cases ---------------------------------------------------------------------------------------------


def with_period_case(root: Path) -> None:
    assert ask(root, PERIOD_CASE)["entry"] == "loans-period"
    teach.add_case(root, "loans-period", PERIOD_CASE, note="librarian's own")


def test_a_teach_that_sends_a_case_elsewhere_is_refused_naming_the_case(repo_copy: Path) -> None:
    with_period_case(repo_copy)
    before = snapshot(repo_copy)
    with pytest.raises(teach.TeachError) as refused:
        teach.add_question(repo_copy, "loans-renew", "da", PERIOD_CASE, kb=load_knowledge(repo_copy))
    problems = "\n".join(refused.value.problems)
    assert (
        f"knowledge/cases.yaml:14: entry 'loans-period': case '{PERIOD_CASE}' should be answered by "
        "'loans-period' but is now answered by 'loans-renew'" in problems
    )
    assert snapshot(repo_copy) == before


def test_kb_check_runs_the_cases_and_names_one_broken_by_hand(repo_copy: Path) -> None:
    with_period_case(repo_copy)
    assert CliRunner().invoke(main, ["kb", "check", str(repo_copy)]).exit_code == 0
    loans = repo_copy / "faq" / "loans.yaml"
    text = loans.read_text(encoding="utf-8")
    anchor = '      - "hvordan forlænger man lånetiden"\n'
    assert anchor in text
    loans.write_text(text.replace(anchor, anchor + f'      - "{PERIOD_CASE}"\n'), encoding="utf-8")
    result = CliRunner().invoke(main, ["kb", "check", str(repo_copy)])
    assert result.exit_code == 1
    assert (
        f"case '{PERIOD_CASE}' should be answered by 'loans-period' but is now answered by 'loans-renew'"
        in (result.output)
    )


def test_the_service_keeps_its_last_good_knowledge_when_an_edit_breaks_a_case(repo_copy: Path) -> None:
    with_period_case(repo_copy)
    holder = KnowledgeHolder(repo_copy, on_load=cases.brain_for)
    loans = repo_copy / "faq" / "loans.yaml"
    anchor = '      - "hvordan forlænger man lånetiden"\n'
    loans.write_text(loans.read_text(encoding="utf-8").replace(anchor, anchor + f'      - "{PERIOD_CASE}"\n'))
    assert holder.reload(force=True) is False
    assert any(PERIOD_CASE in str(p) for p in holder.last_problems)
    assert holder.kb.extras["cases"].failures == []


def test_cases_for_an_entry_that_does_not_exist_are_a_problem(tmp_path: Path) -> None:
    root = knowledge_copy(tmp_path)
    (root / "cases.yaml").write_text('# cases\nno-such-entry:\n  - "hvad?"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 1
    assert "knowledge/cases.yaml:2: entry 'no-such-entry': no such entry" in result.output


def test_the_brain_the_cases_ran_on_is_the_one_the_service_uses(repo_copy: Path) -> None:
    with_period_case(repo_copy)
    kb = load_knowledge(repo_copy)
    assert cases.brain_for(kb) is kb.extras["cases"].brain
    assert kb.extras["cases"].brain.hours is kb.extras["hours"]


# -- from the staff page, with the service running --------------------------------------------------------------


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    """The service these tests teach works on a copy of the fixture knowledge."""
    return {"BIBLIOBOT_KNOWLEDGE__DIR": str(knowledge_copy(tmp_path))}


@pytest.fixture
def anna(client: FlaskClient, store: Store) -> FlaskClient:
    """The staff pages, logged in as a librarian."""
    add_librarian(store, "anna@kk.dk", MOMENT)
    assert login(client, "anna@kk.dk").status_code == 302
    return client


def handed_off(say: Say, store: Store, question: str) -> int:
    """The ticket a citizen's question the bot is not sure of opens."""
    say(question)
    return int(storage.open_ticket_for(store, KAREN)["id"])  # type: ignore[index]


def new_entry(client: FlaskClient, ticket: int, entry_id: str, question: str, answer: str) -> TestResponse:
    token = csrf_of(client.get(f"/staff/tickets/{ticket}").text)
    return client.post(
        f"/staff/tickets/{ticket}/new-entry",
        data={
            "csrf_token": token,
            "file": "faq/loans.yaml",
            "entry_id": entry_id,
            "question_da": question,
            "answer_da": answer,
            "question_en": "",
            "answer_en": "",
        },
    )


def teach_question(client: FlaskClient, ticket: int, entry: str, question: str) -> TestResponse:
    token = csrf_of(client.get(f"/staff/tickets/{ticket}").text)
    return client.post(
        f"/staff/tickets/{ticket}/teach",
        data={"csrf_token": token, "entry": entry, "lang": "da", "question": question},
    )


def settled(app: Flask) -> None:
    """Wait until the teaches queued so far are checked, written and loaded: the reloader has one thread, so
    nothing queued after them runs before they are done."""
    done = runtime(app).in_reloader(lambda: None)
    assert done is not None
    done.result(timeout=300)


def test_teaching_from_a_ticket_is_answered_without_a_restart(
    app: Flask, anna: FlaskClient, say: Say, store: Store, config: Config
) -> None:
    question = "kan I anbefale en god krimi"
    ticket = handed_off(say, store, question)
    answer = "Spørg os om vores krimilister, eller se bibliotek.kk.dk/krimi."
    assert new_entry(anna, ticket, "crime-tips", question, answer).status_code == 302
    settled(app)
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert "the bot now answers it with &#39;crime-tips&#39;" in page
    assert say(question, sender="+4540123456").entry == "crime-tips"
    assert ask(config.knowledge_dir, question)["entry"] == "crime-tips"
    actions = [a["action"] for a in storage.audit_entries(store, ticket_id=ticket)]
    assert actions[0] == "teach"


def test_a_new_entry_that_reads_hard_is_saved_with_plain_language_warnings(
    app: Flask, anna: FlaskClient, say: Say, store: Store
) -> None:
    question = "hvad koster en erstatning for en bog"
    ticket = handed_off(say, store, question)
    # The form says what plain means before anything is saved.
    assert "LIX 45 or less" in anna.get(f"/staff/tickets/{ticket}").text
    long_answer = " ".join(["Erstatningen"] + ["fastsættes"] * 29) + "."
    assert new_entry(anna, ticket, "replacement-cost", question, long_answer).status_code == 302
    settled(app)
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert "replacement-cost" in page and "Saved to" in page
    assert '<li class="note warning">Plain language, answer in da: a sentence of 30 words' in page
    assert "LIX" in page.split("note warning")[-1]


def test_the_teach_post_answers_at_once_and_the_ticket_page_follows_the_change(
    app: Flask, anna: FlaskClient, say: Say, store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full check (the cases against a newly trained index) is held up here until the page has been seen."""
    question = "kan I anbefale en god krimi"
    ticket = handed_off(say, store, question)
    checking, release = threading.Event(), threading.Event()
    full_check = teach._apply

    def held(root: Path, changes: dict[Path, str]) -> object:
        checking.set()
        release.wait(20)  # before the POST answered at once, it waited here itself: 20 s, then a failure
        return full_check(root, changes)

    monkeypatch.setattr(teach, "_apply", held)
    before = snapshot(config.knowledge_dir)
    started = time.monotonic()
    assert teach_question(anna, ticket, "card-new", question).status_code == 302
    assert time.monotonic() - started < 5
    assert checking.wait(10)
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert "the bot will know the question shortly" in page and "data-pending" in page
    assert anna.get(f"/staff/api/tickets/{ticket}/teach").get_json()["pending"] is True
    assert snapshot(config.knowledge_dir) == before  # nothing written before the full check passes
    assert say(question, sender="+4540123456").entry != "card-new"
    release.set()
    settled(app)
    status = anna.get(f"/staff/api/tickets/{ticket}/teach").get_json()
    assert status["pending"] is False
    assert "the bot now answers it with &#39;card-new&#39;" in status["html"]
    assert "the bot now answers it with &#39;card-new&#39;" in anna.get(f"/staff/tickets/{ticket}").text
    assert say(question, sender="+4540123456").entry == "card-new"
    assert [a["action"] for a in storage.audit_entries(store, ticket_id=ticket)][0] == "teach"


def test_a_teach_the_cases_refuse_is_shown_on_the_ticket_with_why_and_nothing_is_written(
    app: Flask, anna: FlaskClient, say: Say, store: Store, config: Config
) -> None:
    root = config.knowledge_dir
    assert ask(root, PERIOD_CASE)["entry"] == "loan-period"
    teach.add_case(root, "loan-period", PERIOD_CASE, note="librarian's own")
    ticket = handed_off(say, store, "kan I anbefale en god krimi")
    before = snapshot(root)
    assert teach_question(anna, ticket, "renew", PERIOD_CASE).status_code == 302
    settled(app)
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert '<li class="note error">The change was refused; the knowledge base is as it was.</li>' in page
    assert "should be answered by &#39;loan-period&#39; but is now answered by &#39;renew&#39;" in page
    assert snapshot(root) == before
    assert [a["action"] for a in storage.audit_entries(store, ticket_id=ticket)][0] == "teach-refused"


def test_a_knowledge_folder_that_fails_validation_refuses_the_teach_at_once(
    anna: FlaskClient, say: Say, store: Store, config: Config
) -> None:
    """As before the teach moved out of the request: a file that is wrong (here another FAQ file than the one
    taught) is named on the page the POST leads to, without waiting for any index."""
    card = config.knowledge_dir / "faq" / "card.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("- id: wifi", "- id: card-lost", 1), "utf-8")
    ticket = handed_off(say, store, "kan I anbefale en god krimi")
    before = snapshot(config.knowledge_dir)
    response = teach_question(anna, ticket, "renew", "kan jeg forlænge min bog")
    assert response.status_code == 302
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert '<li class="note error">The change was refused; the knowledge base is as it was.</li>' in page
    assert "duplicate id" in page and "faq/card.yaml" in page
    assert storage.latest_teach(store, ticket) is None  # nothing queued
    assert snapshot(config.knowledge_dir) == before


def test_a_teach_that_cannot_be_checked_says_so_and_one_never_finished_is_not_left_pending(
    app: Flask, anna: FlaskClient, say: Say, store: Store, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build_timed_out(root: Path, changes: dict[Path, str]) -> object:
        raise RuntimeError("the index build was killed after the timeout")

    monkeypatch.setattr(teach, "_apply", build_timed_out)
    ticket = handed_off(say, store, "kan I anbefale en god krimi")
    before = snapshot(config.knowledge_dir)
    assert teach_question(anna, ticket, "renew", "kan jeg forlænge min bog").status_code == 302
    settled(app)
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert "The change could not be checked, so nothing was changed" in page
    assert snapshot(config.knowledge_dir) == before
    # A teach queued by a worker process that stopped before it finished is not shown as under way for ever.
    old = MOMENT - timedelta(seconds=config.knowledge.build_timeout_seconds + 3600)
    storage.queue_teach(store, ticket, "anna@kk.dk", "question", old)
    page = anna.get(f"/staff/tickets/{ticket}").text
    assert "was never finished" in page and "data-pending" not in page


def test_what_was_taught_from_a_ticket_goes_with_the_citizens_data(store: Store) -> None:
    """A refusal's problems may quote the taught question, a citizen's words: "delete my data" deletes them."""
    ticket, _ = storage.insert_ticket(
        store,
        sender=KAREN,
        channel="sms",
        lang="da",
        reason="unsure",
        question="hvad med min bog",
        candidates=[],
        confidence=0.1,
        now=MOMENT,
    )
    job = storage.queue_teach(store, ticket, "anna@kk.dk", "question", MOMENT)
    storage.finish_teach(
        store, job, "refused", "The change was refused.", ["case 'hvad med min bog'"], MOMENT
    )
    assert storage.latest_teach(store, ticket)["problems"] == ["case 'hvad med min bog'"]  # type: ignore[index]
    storage.forget_sender(store, KAREN)
    assert storage.latest_teach(store, ticket) is None
