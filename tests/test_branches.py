"""Finding the branch a citizen names: by name, alias, without æøå, or misspelled (bot/understanding/branches.py)."""

from __future__ import annotations

import pytest

from bot.knowledge_folder import load_knowledge
from bot.understanding.branches import BranchFinder, loose
from bot.understanding.text import normalise, other_script
from tests.conftest import FIXTURE_KNOWLEDGE, ROOT


@pytest.fixture(scope="module")
def fixture_finder() -> BranchFinder:
    return BranchFinder(load_knowledge(FIXTURE_KNOWLEDGE).branches)


@pytest.fixture(scope="module")
def city_finder() -> BranchFinder:
    """Every real branch of the project's sample knowledge (read only)."""
    return BranchFinder(load_knowledge(ROOT / "knowledge").branches)


# (text, branch, exact): exact is False when only a misspelling matched.
FIXTURE_ROWS = [
    ("hvornår åbner vesterbro bibliotek", "vesterbro", True),
    ("Vesterbro Bibliotek", "vesterbro", True),
    ("Hovedbiblioteket", "hovedbiblioteket", True),
    ("HB", "hovedbiblioteket", True),
    ("hovedbib i dag", "hovedbiblioteket", True),
    ("is the Main Library open", "hovedbiblioteket", True),
    ("Ørestad", "orestad", True),
    ("oerestad", "orestad", True),
    ("orestad bibliotek", "orestad", True),
    ("vesterbor", "vesterbro", False),
    ("vestrebro", "vesterbro", False),
    ("westerbro", "vesterbro", False),
    ("oerstad", "orestad", False),
    ("hovedbiblioteke", "hovedbiblioteket", False),
]


@pytest.mark.parametrize(
    "text, branch, exact",
    FIXTURE_ROWS,
    ids=[
        "name-in-sentence",
        "full-name",
        "name-one-word",
        "alias-upper",
        "alias-hovedbib",
        "alias-english",
        "oe-letter",
        "oe-ascii",
        "o-bare",
        "typo-swap-end",
        "typo-swap-middle",
        "typo-w-for-v",
        "typo-missing-letter",
        "typo-truncated",
    ],
)
def test_branch_by_name_alias_ascii_or_misspelling(
    fixture_finder: BranchFinder, text: str, branch: str, exact: bool
) -> None:
    found = fixture_finder.find(normalise(text))
    assert found is not None
    assert (found.branch, found.exact) == (branch, exact)


@pytest.mark.parametrize(
    "text, start, end",
    [("hvornår åbner vesterbro bibliotek", 2, 4), ("is the main library open", 2, 4), ("hb", 0, 1)],
    ids=["two-words-with-generic", "english-alias", "one-word"],
)
def test_the_match_gives_the_words_it_covers(
    fixture_finder: BranchFinder, text: str, start: int, end: int
) -> None:
    found = fixture_finder.find(normalise(text))
    assert found is not None
    assert (found.start, found.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    [
        "bibliotek",
        "library",
        "hvornår åbner biblioteket",
        "åbent i dag",
        "vest",
        "øresund",
        "hvad koster det",
    ],
    ids=["generic-da", "generic-en", "no-branch", "hours-only", "too-short", "other-place", "question"],
)
def test_no_branch_named(fixture_finder: BranchFinder, text: str) -> None:
    assert fixture_finder.find(normalise(text)) is None


def test_a_known_word_is_not_read_as_a_misspelled_branch(fixture_finder: BranchFinder) -> None:
    assert fixture_finder.find("vesterbor") is not None
    assert fixture_finder.find("vesterbor", vocabulary={"vesterbor"}) is None


def test_closest_names_for_did_you_mean(fixture_finder: BranchFinder) -> None:
    assert fixture_finder.closest("vestebro")[0] == "vesterbro"
    assert fixture_finder.closest("hoved")[0] == "hovedbiblioteket"
    assert len(fixture_finder.closest("x", limit=2)) == 2


CITY_ROWS = [
    ("hvornår åbner nørrebro", "norrebro", True),
    ("noerrebro", "norrebro", True),
    ("nørebro", "norrebro", True),
    ("østerbor", "osterbro", False),
    ("vanlöse", "vanlose", True),
    ("valby bib", "valby", True),
    ("brygge", "islands-brygge", True),
    ("islandsbrygge", "islands-brygge", True),
    ("kristianshavn", "christianshavn", True),
    ("christianhavn", "christianshavn", False),
    ("blågårds plads", "blagarden", True),
    ("blaagaarden", "blagarden", True),
    ("broenshoej", "bronshoj", True),
    ("bronsoj", "bronshoj", False),
    ("sundbye", "sundby", False),
    ("nordvest", "rentemestervej", True),
    ("krystalgade", "hovedbiblioteket", True),
    ("karens minde", "sydhavn", True),
    ("tingbjerg bibliotek og kulturhus", "tingbjerg", True),
]


@pytest.mark.parametrize("text, branch, exact", CITY_ROWS, ids=[f"{b}:{t}" for t, b, _ in CITY_ROWS])
def test_real_branches(city_finder: BranchFinder, text: str, branch: str, exact: bool) -> None:
    found = city_finder.find(normalise(text))
    assert found is not None
    assert (found.branch, found.exact) == (branch, exact)


def test_huset_is_not_husum(city_finder: BranchFinder) -> None:
    assert city_finder.find(normalise("huset")) is None


@pytest.mark.parametrize(
    "a, b",
    [("oerestad", "orestad"), ("blaagaarden", "blagarden"), ("noerrebro", "norebro")],
    ids=["oe", "aa", "double-r"],
)
def test_loose_spelling(a: str, b: str) -> None:
    assert loose(a) == loose(b)


@pytest.mark.parametrize(
    "text, branch",
    [
        ("До котрої години відкрита бібліотека на Вестербро?", "vesterbro"),  # Ukrainian: not Østerbro
        ("کتابخانه استربرو فردا باز است؟", "osterbro"),  # Persian: Østerbro, not Vesterbro
        ("متى تفتح مكتبة نوربرو اليوم؟", "norrebro"),  # Arabic leaves the vowels out
        ("هل مكتبة فيستربرو مفتوحة؟", "vesterbro"),  # and writes v as f: not Østerbro
        ("Библиотека Сундбю открыта в субботу?", "sundby"),
        ("متى تفتح المكتبة اليوم؟", None),  # "when does the library open today": no branch
        ("Чи можна повернути книжки, коли бібліотека зачинена?", None),
    ],
)
def test_a_branch_named_in_another_script_is_found_by_its_consonants(
    city_finder: BranchFinder, text: str, branch: str | None
) -> None:
    assert other_script(text)
    found = city_finder.find_in_other_script(text)
    assert (found.branch if found else None) == branch


def test_latin_letters_are_not_another_script() -> None:
    assert not other_script("Kiedy jest otwarta biblioteka w Sundby? Łódź, Ørestad, çocuk")


@pytest.mark.parametrize(
    "text, branch",
    [
        ("Kiedy otwierają bibliotekę główną?", None),  # Polish "the library": not "Biblioteks huset" misspelt
        ("¿La biblioteca abre el domingo?", None),
        ("is de bibliotheek open", None),
        ("Valbi bibliotek", None),  # a misspelt Valby is not Bibliotekshuset either
        ("bibliotekshset", "bibliotekshuset"),  # a typo of the name still finds it
        ("Biblioteka w Sundby", "sundby"),
    ],
)
def test_a_word_for_library_in_another_language_is_no_misspelt_branch(
    city_finder: BranchFinder, text: str, branch: str | None
) -> None:
    found = city_finder.find(normalise(text))
    assert (found.branch if found else None) == branch
