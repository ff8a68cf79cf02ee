"""Plain language: LIX, long sentences and the SMS budget as warnings in kb check and after teaching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import plainlang
from bot.cli import main
from bot.knowledge_folder import load_knowledge
from tests.conftest import FIXTURE_KNOWLEDGE


def test_lix_by_hand() -> None:
    # 12 words in 2 sentences; over six letters: "Biblioteket", "klokken", "eftermiddagen" ("Lørdag" has six).
    r = plainlang.readability("Biblioteket åbner klokken ti. Lørdag har vi åbent til fire om eftermiddagen.")
    assert (r.words, r.sentences, r.long_words, r.longest_sentence) == (12, 2, 3, 8)
    assert r.lix == pytest.approx(12 / 2 + 100 * 3 / 12)


@pytest.mark.parametrize(
    "text, words, sentences",
    [
        ("Se bibliotek.kk.dk/arrangementer for mere.", 4, 1),
        ("Ring fx. til os kl. 10 på tlf. 33 66 30 00.", 12, 1),
        ("Ja! Det kan du. Hvorfor? Fordi vi siger det", 9, 4),
        ("Første linje\nAnden linje", 4, 2),
        ("Read it at https://example.org/a-long-path today.", 5, 1),
    ],
    ids=["a link is one word", "abbreviations end no sentence", "! and ? end sentences", "a line ends one",
         "a URL is one word"],
)  # fmt: skip
def test_words_and_sentences(text: str, words: int, sentences: int) -> None:
    r = plainlang.readability(text)
    assert (r.words, r.sentences) == (words, sentences)


def test_a_plain_answer_has_no_warnings() -> None:
    assert (
        plainlang.warnings("Du kan låne bøger i 30 dage. Du kan forny dem to gange på bibliotek.kk.dk.", 3)
        == []
    )


def test_each_warning() -> None:
    long_sentence = " ".join(["ord"] * 30) + "."
    assert plainlang.warnings(long_sentence, 3) == ["a sentence of 30 words (keep them to 25 or fewer)"]
    hard = (
        "Materialeerstatningsbeløbet fastsættes administrativt efter gældende takstregulativ. "
        "Klageadgangen administreres særskilt gennem kommunalbestyrelsens sekretariatsfunktion."
    ) * 2
    [lix] = plainlang.warnings(hard, 3)
    assert lix.startswith("LIX ") and "hard to read (aim for 45 or less" in lix
    over = "Kort sætning her. " * 40
    assert plainlang.warnings(over, 3) == [
        "5 SMS segments, over the budget of 3 ([sms] max_segments): the SMS is cut short"
    ]


def test_lix_is_for_danish_and_english_only() -> None:
    hard = " ".join(["Administrationsbidrag"] * 24) + "."
    assert any(w.startswith("LIX") for w in plainlang.warnings(hard, 3, "en"))
    assert not any(w.startswith("LIX") for w in plainlang.warnings(hard, 3, "uk"))


def test_a_short_text_gets_no_lix() -> None:
    assert plainlang.readability("Administrationsbidrag opkræves.").lix > plainlang.LIX_MAX
    assert plainlang.warnings("Administrationsbidrag opkræves.", 3) == []


def test_the_sample_knowledge_passes() -> None:
    assert plainlang.check(load_knowledge("knowledge"), 3) == []


def test_kb_check_warns_but_passes(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, root)
    faq = next(iter(sorted((root / "faq").glob("*.yaml"))))
    faq.write_text(
        faq.read_text(encoding="utf-8")
        + '\n- id: hard-answer\n  questions:\n    da: ["hvad koster erstatning"]\n  answer:\n    da: "'
        + " ".join(["ord"] * 30)
        + '."\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 0, result.output
    assert (
        f"warning: knowledge/faq/{faq.name}:" in result.output
        and "entry 'hard-answer': answer.da: a sentence of 30 words" in result.output
    )
    assert "1 plain-language warning(s)" in result.output
