"""SMS segment arithmetic and cutting replies to the segment budget."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.smsformat import (
    ELLIPSIS,
    GSM7_BASIC,
    GSM7_EXTENSION,
    encoding,
    fit,
    is_gsm7,
    segments,
    split,
    to_gsm7,
    units,
)

LINK = "https://bibliotek.kk.dk/forny"


@pytest.mark.parametrize(
    "text, alphabet, count, parts",
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("æøåÆØÅ" * 26 + "æøå", "GSM-7", 159, 1),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€", "GSM-7", 154, 1),
        ("a" * 152 + "€" + "a" * 7, "GSM-7", 161, 2),
        ("ж" * 70, "UCS-2", 70, 1),
        ("ж" * 71, "UCS-2", 71, 2),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        ("a" * 66 + "😀" + "a", "UCS-2", 69, 1),
        ("Hvornår åbner Ørestad? “Snart”", "UCS-2", 30, 1),
    ],
    ids=[
        "empty",
        "160 plain",
        "161 plain splits",
        "306 fills two parts",
        "307 needs three",
        "danish letters are gsm",
        "80 euro signs fill one",
        "81 euro signs split",
        "escape fits single",
        "escape pair not split",
        "cyrillic 70",
        "cyrillic 71 splits",
        "35 emoji fill one",
        "36 emoji split",
        "emoji is two units",
        "curly quotes force ucs2",
    ],
)
def test_segments(text: str, alphabet: str, count: int, parts: int) -> None:
    assert encoding(text) == alphabet
    assert units(text) == count
    assert segments(text) == parts


def test_a_gsm_part_never_splits_an_escape_pair() -> None:
    text = "a" * 152 + "€" + "b" * 10
    first, second = split(text)
    assert first == "a" * 152  # 153 septets would split ESC from the euro sign
    assert second.startswith("€")


def test_an_emoji_is_never_split_across_ucs2_parts() -> None:
    text = "ж" * 66 + "😀" + "ж" * 10
    first, _second = split(text)
    assert first == "ж" * 66


@pytest.mark.parametrize(
    "typographic, plain",
    [
        ("“Åbent” – i dag", '"Åbent" - i dag'),
        ("Det er ‘nu’…", "Det er 'nu'..."),
        ("kl.\u00a010—16", "kl. 10-16"),
        ("Valby\u200b Bibliotek", "Valby Bibliotek"),
    ],
    ids=["double quotes and en dash", "single quotes and ellipsis", "nbsp and em dash", "zero width space"],
)
def test_typographic_characters_get_gsm_equivalents(typographic: str, plain: str) -> None:
    assert to_gsm7(typographic) == plain
    assert is_gsm7(to_gsm7(typographic))


def test_a_short_reply_is_only_cleaned() -> None:
    assert fit("  Lånetiden er “normalt” 28 dage.  ", 3) == 'Lånetiden er "normalt" 28 dage.'


def test_a_long_reply_is_cut_after_the_last_sentence_that_fits_and_gets_the_link() -> None:
    sentence = "Du kan forny dine lån på bibliotek.kk.dk eller i appen Biblioteket hele døgnet. "
    reply = fit(sentence * 10, 2, LINK)
    assert segments(reply) <= 2
    assert reply.endswith(f"døgnet. {LINK}")
    assert ELLIPSIS not in reply


def test_a_reply_without_sentences_is_cut_at_a_word() -> None:
    words = "forny " * 200
    reply = fit(words, 1, LINK)
    assert segments(reply) == 1
    assert reply.endswith(f"forny{ELLIPSIS} {LINK}")


def test_a_link_already_in_the_reply_is_not_repeated() -> None:
    text = f"Se {LINK} for mere. " + "Lang forklaring her. " * 40
    assert fit(text, 1, LINK).count(LINK) == 1


def test_one_enormous_word_is_cut_inside() -> None:
    reply = fit("x" * 1000, 1)
    assert reply.endswith(ELLIPSIS) and segments(reply) == 1


texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)),
        st.sampled_from(list(" .!?“”–…😀жé\u00a0")),
        st.characters(),
    ),
    max_size=1200,
)


@settings(max_examples=300)
@given(text=texts)
def test_split_joins_back_and_counts_segments(text: str) -> None:
    parts = split(text)
    assert "".join(parts) == text
    assert len(parts) == segments(text)
    limit = 160 if is_gsm7(text) else 70
    assert all(units(p) <= limit for p in parts)


@settings(max_examples=300)
@given(text=texts, budget=st.integers(1, 5), link=st.sampled_from([None, LINK, "https://x.dk/" + "a" * 400]))
def test_fit_never_exceeds_the_budget(text: str, budget: int, link: str | None) -> None:
    reply = fit(text, budget, link)
    assert segments(reply) <= budget
    if segments(to_gsm7(text).strip()) <= budget:
        assert reply == to_gsm7(text).strip()


@pytest.mark.parametrize("length", [0, 1, 70, 71, 134, 135, 153, 159, 160, 161, 306, 307, 459, 460, 1000])
@pytest.mark.parametrize("char", ["a", "ø", "ж", "€"], ids=["gsm7", "gsm7-danish", "ucs2", "gsm7-extension"])
def test_segments_counted_without_splitting_agree_at_the_boundaries(length: int, char: str) -> None:
    text = char * length
    assert segments(text) == len(split(text))
