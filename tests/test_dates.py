"""Date words at fixed moments, both languages: one row per phrasing, the expected range of local dates.

Moments: a Saturday night, the last Sunday of October (DST ends) and of March (DST starts), 31 December and a
Monday morning. Each is given both in Copenhagen time and, where it matters, in UTC near midnight, so "i dag" is
the Copenhagen date and not the UTC one.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.understanding.dates import day_label, holiday_group, holiday_id, understand_when

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")

SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 30, tzinfo=CPH)
SATURDAY_NIGHT_UTC = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # 00:30 on Sunday in Copenhagen
OCTOBER_CHANGE = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, just after 03:00 CEST became 02:00
OCTOBER_LATE = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # 00:30 CET on Monday 26 October
MARCH_CHANGE = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET, before 02:00 CET became 03:00 CEST
MARCH_LATE = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # 00:30 CEST on Monday 30 March
NEW_YEARS_EVE = datetime(2026, 12, 31, 15, 0, tzinfo=CPH)
MONDAY_MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=CPH)

D = date
CASES = [
    # ---------------------------------------------------------------- a Saturday night (28/11/2026, 22:30)
    ("sat", SATURDAY_NIGHT, "hvad sker der i dag", D(2026, 11, 28), D(2026, 11, 28)),
    ("sat", SATURDAY_NIGHT, "anything on tonight", D(2026, 11, 28), D(2026, 11, 28)),
    ("sat", SATURDAY_NIGHT, "koncert i aften", D(2026, 11, 28), D(2026, 11, 28)),
    ("sat", SATURDAY_NIGHT, "i morgen", D(2026, 11, 29), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "tomorrow", D(2026, 11, 29), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "i overmorgen", D(2026, 11, 30), D(2026, 11, 30)),
    ("sat", SATURDAY_NIGHT, "the day after tomorrow", D(2026, 11, 30), D(2026, 11, 30)),
    ("sat", SATURDAY_NIGHT, "i weekenden", D(2026, 11, 28), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "this weekend", D(2026, 11, 28), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "på lørdag", D(2026, 11, 28), D(2026, 11, 28)),
    ("sat", SATURDAY_NIGHT, "on saturday", D(2026, 11, 28), D(2026, 11, 28)),
    ("sat", SATURDAY_NIGHT, "næste lørdag", D(2026, 12, 5), D(2026, 12, 5)),
    ("sat", SATURDAY_NIGHT, "next saturday", D(2026, 12, 5), D(2026, 12, 5)),
    ("sat", SATURDAY_NIGHT, "søndag", D(2026, 11, 29), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "denne uge", D(2026, 11, 28), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "this week", D(2026, 11, 28), D(2026, 11, 29)),
    ("sat", SATURDAY_NIGHT, "næste uge", D(2026, 11, 30), D(2026, 12, 6)),
    ("sat", SATURDAY_NIGHT, "next week", D(2026, 11, 30), D(2026, 12, 6)),
    ("sat", SATURDAY_NIGHT, "koncerter", D(2026, 11, 28), D(2026, 12, 11)),
    ("sat-utc", SATURDAY_NIGHT_UTC, "i dag", D(2026, 11, 29), D(2026, 11, 29)),
    ("sat-utc", SATURDAY_NIGHT_UTC, "weekend", D(2026, 11, 29), D(2026, 11, 29)),
    ("sat-utc", SATURDAY_NIGHT_UTC, "lørdag", D(2026, 12, 5), D(2026, 12, 5)),
    # ---------------------------------------------------------------- last Sunday of October (25/10/2026)
    ("oct", OCTOBER_CHANGE, "i dag", D(2026, 10, 25), D(2026, 10, 25)),
    ("oct", OCTOBER_CHANGE, "today", D(2026, 10, 25), D(2026, 10, 25)),
    ("oct", OCTOBER_CHANGE, "i morgen", D(2026, 10, 26), D(2026, 10, 26)),
    ("oct", OCTOBER_CHANGE, "weekend", D(2026, 10, 25), D(2026, 10, 25)),
    ("oct", OCTOBER_CHANGE, "næste weekend", D(2026, 10, 31), D(2026, 11, 1)),
    ("oct", OCTOBER_CHANGE, "søndag", D(2026, 10, 25), D(2026, 10, 25)),
    ("oct", OCTOBER_CHANGE, "next sunday", D(2026, 11, 1), D(2026, 11, 1)),
    ("oct", OCTOBER_CHANGE, "mandag", D(2026, 10, 26), D(2026, 10, 26)),
    ("oct", OCTOBER_CHANGE, "this week", D(2026, 10, 25), D(2026, 10, 25)),
    ("oct", OCTOBER_CHANGE, "i næste uge", D(2026, 10, 26), D(2026, 11, 1)),
    ("oct", OCTOBER_CHANGE, "24. december", D(2026, 12, 24), D(2026, 12, 24)),
    ("oct", OCTOBER_CHANGE, "1/10", D(2027, 10, 1), D(2027, 10, 1)),
    ("oct", OCTOBER_CHANGE, "October 24th", D(2027, 10, 24), D(2027, 10, 24)),
    ("oct-late", OCTOBER_LATE, "i dag", D(2026, 10, 26), D(2026, 10, 26)),
    ("oct-late", OCTOBER_LATE, "tomorrow", D(2026, 10, 27), D(2026, 10, 27)),
    # ---------------------------------------------------------------- last Sunday of March (29/3/2026)
    ("mar", MARCH_CHANGE, "i dag", D(2026, 3, 29), D(2026, 3, 29)),
    ("mar", MARCH_CHANGE, "tonight", D(2026, 3, 29), D(2026, 3, 29)),
    ("mar", MARCH_CHANGE, "i overmorgen", D(2026, 3, 31), D(2026, 3, 31)),
    ("mar", MARCH_CHANGE, "i weekenden", D(2026, 3, 29), D(2026, 3, 29)),
    ("mar", MARCH_CHANGE, "påske", D(2026, 4, 2), D(2026, 4, 6)),
    ("mar", MARCH_CHANGE, "easter monday", D(2026, 4, 6), D(2026, 4, 6)),
    ("mar", MARCH_CHANGE, "2. påskedag", D(2026, 4, 6), D(2026, 4, 6)),
    ("mar", MARCH_CHANGE, "Kristi himmelfart", D(2026, 5, 14), D(2026, 5, 14)),
    ("mar", MARCH_CHANGE, "pinse", D(2026, 5, 24), D(2026, 5, 25)),
    ("mar", MARCH_CHANGE, "grundlovsdag", D(2026, 6, 5), D(2026, 6, 5)),
    ("mar-late", MARCH_LATE, "i dag", D(2026, 3, 30), D(2026, 3, 30)),
    ("mar-late", MARCH_LATE, "denne uge", D(2026, 3, 30), D(2026, 4, 5)),
    # ---------------------------------------------------------------- 31 December 2026 (Thursday)
    ("dec31", NEW_YEARS_EVE, "i dag", D(2026, 12, 31), D(2026, 12, 31)),
    ("dec31", NEW_YEARS_EVE, "nytårsaften", D(2026, 12, 31), D(2026, 12, 31)),
    ("dec31", NEW_YEARS_EVE, "new year's eve", D(2026, 12, 31), D(2026, 12, 31)),
    ("dec31", NEW_YEARS_EVE, "i morgen", D(2027, 1, 1), D(2027, 1, 1)),
    ("dec31", NEW_YEARS_EVE, "nytårsdag", D(2027, 1, 1), D(2027, 1, 1)),
    ("dec31", NEW_YEARS_EVE, "1. januar", D(2027, 1, 1), D(2027, 1, 1)),
    ("dec31", NEW_YEARS_EVE, "31/12", D(2026, 12, 31), D(2026, 12, 31)),
    ("dec31", NEW_YEARS_EVE, "24/12", D(2027, 12, 24), D(2027, 12, 24)),
    ("dec31", NEW_YEARS_EVE, "jul", D(2027, 12, 24), D(2027, 12, 26)),
    ("dec31", NEW_YEARS_EVE, "christmas", D(2027, 12, 24), D(2027, 12, 26)),
    ("dec31", NEW_YEARS_EVE, "fredag", D(2027, 1, 1), D(2027, 1, 1)),
    ("dec31", NEW_YEARS_EVE, "torsdag", D(2026, 12, 31), D(2026, 12, 31)),
    ("dec31", NEW_YEARS_EVE, "næste torsdag", D(2027, 1, 7), D(2027, 1, 7)),
    ("dec31", NEW_YEARS_EVE, "weekend", D(2027, 1, 2), D(2027, 1, 3)),
    ("dec31", NEW_YEARS_EVE, "this week", D(2026, 12, 31), D(2027, 1, 3)),
    ("dec31", NEW_YEARS_EVE, "next week", D(2027, 1, 4), D(2027, 1, 10)),
    ("dec31", NEW_YEARS_EVE, "store bededag", D(2026, 12, 31), D(2027, 1, 13)),
    ("dec31", NEW_YEARS_EVE, "over nytår", D(2026, 12, 31), D(2027, 1, 1)),
    ("dec31", NEW_YEARS_EVE, "new year", D(2026, 12, 31), D(2027, 1, 1)),
    ("dec31", NEW_YEARS_EVE, "den 2.", D(2027, 1, 2), D(2027, 1, 2)),
    # ---------------------------------------------------------------- a Monday morning (30/11/2026, 08:00)
    ("mon", MONDAY_MORNING, "mandag", D(2026, 11, 30), D(2026, 11, 30)),
    ("mon", MONDAY_MORNING, "on monday", D(2026, 11, 30), D(2026, 11, 30)),
    ("mon", MONDAY_MORNING, "næste mandag", D(2026, 12, 7), D(2026, 12, 7)),
    ("mon", MONDAY_MORNING, "next monday", D(2026, 12, 7), D(2026, 12, 7)),
    ("mon", MONDAY_MORNING, "tirsdag i næste uge", D(2026, 12, 8), D(2026, 12, 8)),
    ("mon", MONDAY_MORNING, "i weekenden", D(2026, 12, 5), D(2026, 12, 6)),
    ("mon", MONDAY_MORNING, "i denne uge", D(2026, 11, 30), D(2026, 12, 6)),
    ("mon", MONDAY_MORNING, "next week", D(2026, 12, 7), D(2026, 12, 13)),
    ("mon", MONDAY_MORNING, "uge 50", D(2026, 12, 7), D(2026, 12, 13)),
    ("mon", MONDAY_MORNING, "i dag og i morgen", D(2026, 11, 30), D(2026, 12, 1)),
    ("mon", MONDAY_MORNING, "24/12", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "d. 24.12", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "24. december", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "december 24", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "Dec 24th", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "the 24th of December", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "24/12/2027", D(2027, 12, 24), D(2027, 12, 24)),
    ("mon", MONDAY_MORNING, "juleaften", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "Christmas Eve", D(2026, 12, 24), D(2026, 12, 24)),
    ("mon", MONDAY_MORNING, "1. juledag", D(2026, 12, 25), D(2026, 12, 25)),
    ("mon", MONDAY_MORNING, "boxing day", D(2026, 12, 26), D(2026, 12, 26)),
    ("mon", MONDAY_MORNING, "i juleferien", D(2026, 12, 24), D(2026, 12, 26)),
    ("mon", MONDAY_MORNING, "over christmas", D(2026, 12, 24), D(2026, 12, 26)),
    ("mon", MONDAY_MORNING, "i december", D(2026, 12, 1), D(2026, 12, 31)),
    ("mon", MONDAY_MORNING, "kl. 10.30 i dag", D(2026, 11, 30), D(2026, 11, 30)),
    ("mon", MONDAY_MORNING, "on the 5th", D(2026, 12, 5), D(2026, 12, 5)),
    ("mon", MONDAY_MORNING, "this sat", D(2026, 12, 5), D(2026, 12, 5)),
    ("mon", MONDAY_MORNING, "på fre", D(2026, 12, 4), D(2026, 12, 4)),
    ("mon", MONDAY_MORNING, "mon de har åbent", D(2026, 11, 30), D(2026, 12, 13)),
    ("mon", MONDAY_MORNING, "mellem jul og nytår", D(2026, 12, 27), D(2026, 12, 30)),
    ("mon", MONDAY_MORNING, "after christmas", D(2026, 12, 27), D(2026, 12, 30)),
    ("mon", MONDAY_MORNING, "efter nytår", D(2027, 1, 2), D(2027, 1, 15)),
    ("mon", MONDAY_MORNING, "den 30.", D(2026, 11, 30), D(2026, 11, 30)),
    ("mon", MONDAY_MORNING, "d. 1. kl 10", D(2026, 12, 1), D(2026, 12, 1)),
    ("mon", MONDAY_MORNING, "the 31st", D(2026, 12, 31), D(2026, 12, 31)),
    ("mon", MONDAY_MORNING, "foredrag", D(2026, 11, 30), D(2026, 12, 13)),
    ("mon", MONDAY_MORNING, "may i bring my dog", D(2026, 11, 30), D(2026, 12, 13)),
]


@pytest.mark.parametrize(
    "moment, text, start, end",
    [c[1:] for c in CASES],
    ids=[f"{c[0]}-{c[2]}" for c in CASES],
)
def test_date_words(moment: datetime, text: str, start: date, end: date) -> None:
    when = understand_when(text, moment)
    assert (when.start, when.end) == (start, end)


@pytest.mark.parametrize(
    "text, kind, evening, now",
    [
        ("i aften", "today", True, False),
        ("tonight", "today", True, False),
        ("lige nu", "today", False, True),
        ("right now", "today", False, True),
        ("i dag", "today", False, False),
        ("lørdag", "weekday", False, False),
        ("24/12", "date", False, False),
        ("jul", "christmas", False, False),
        ("påske", "holiday", False, False),
        ("noget for børn", "default", False, False),
    ],
)
def test_how_it_was_said(text: str, kind: str, evening: bool, now: bool) -> None:
    when = understand_when(text, MONDAY_MORNING)
    assert (when.kind, when.evening, when.now) == (kind, evening, now)


def test_store_bededag_only_before_2024() -> None:
    assert understand_when("store bededag", datetime(2023, 1, 10, tzinfo=CPH)).start == date(2023, 5, 5)
    assert not understand_when("store bededag", datetime(2024, 1, 10, tzinfo=CPH)).explicit


@pytest.mark.parametrize(
    "name, hid",
    [
        ("Juleaften", "juleaften"),
        ("2. påskedag", "2-paaskedag"),
        ("anden pinsedag", "2-pinsedag"),
        ("jul", None),
    ],
)
def test_holiday_names(name: str, hid: str | None) -> None:
    assert holiday_id(name) == hid


def test_holiday_groups() -> None:
    assert holiday_group("påske") == ("skaertorsdag", "langfredag", "paaskedag", "2-paaskedag")
    assert holiday_group("jul") == ("juleaften", "juledag", "2-juledag")


@pytest.mark.parametrize(
    "day, lang, label",
    [
        (D(2026, 11, 30), "da", "i dag"),
        (D(2026, 12, 1), "en", "tomorrow"),
        (D(2026, 12, 5), "da", "lørdag 5/12"),
        (D(2026, 12, 5), "en", "Saturday 5 Dec"),
        (D(2027, 11, 10), "da", "onsdag 10/11 2027"),
    ],
)
def test_day_labels(day: date, lang: str, label: str) -> None:
    assert day_label(day, D(2026, 11, 30), lang) == label


def test_every_documented_date_word_is_understood() -> None:
    """Each phrase in the "Date words" table of knowledge/README.md is read as a date (none falls through)."""
    readme = (Path(__file__).resolve().parent.parent / "knowledge" / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Date words", 1)[1].split("### ", 1)[0]
    phrases = [
        p
        for line in table.splitlines()
        if line.startswith("| `")
        for p in re.findall(r"`([^`]+)`", line.split("|")[1])
    ]
    assert len(phrases) > 40
    for phrase in phrases:
        assert understand_when(phrase, MONDAY_MORNING).explicit, phrase


# -- languages without a dates.yaml: CLDR's day words ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang, first, kind",
    [
        ("Kütüphane yarın saat kaçta açılıyor?", "tr", date(2026, 11, 25), "tomorrow"),
        ("Во сколько открывается библиотека в субботу?", "ru", date(2026, 11, 28), "weekday"),  # another case
        ("Czy biblioteka jest otwarta w sobotę?", "pl", date(2026, 11, 28), "weekday"),
        ("هل المكتبة مفتوحة يوم الأحد؟", "ar", date(2026, 11, 29), "weekday"),
        ("متى تفتح المكتبة غدا؟", "ar", date(2026, 11, 25), "tomorrow"),  # without the vowel mark CLDR writes
        (
            "کتابخانه یکشنبه باز است؟",
            "fa",
            date(2026, 11, 29),
            "weekday",
        ),  # Sunday, though it ends in Saturday
        ("کتابخانه سه شنبه باز است؟", "fa", date(2026, 11, 24), "weekday"),  # Tuesday: today
        (
            "¿Abre la biblioteca el sábado por la mañana?",
            "es",
            date(2026, 11, 28),
            "weekday",
        ),  # not "tomorrow"
        ("Wann hat die Bibliothek sonntags geöffnet?", "de", date(2026, 11, 29), "weekday"),
        ("maktabadu maanta ma furan tahay", "so", date(2026, 11, 24), "today"),
    ],
)
def test_a_day_named_in_a_language_without_its_own_date_words(
    text: str, lang: str, first: date, kind: str
) -> None:
    when = understand_when(text, datetime(2026, 11, 24, 10, 0, tzinfo=CPH), CPH, lang)  # a Tuesday
    assert (when.start, when.end, when.kind) == (first, first, kind)


def test_the_language_files_own_date_words_come_first_and_unknown_languages_change_nothing() -> None:
    moment = datetime(2026, 11, 24, 10, 0, tzinfo=CPH)
    assert understand_when("i morgen", moment, CPH, "da").kind == "tomorrow"
    assert understand_when("Kütüphane yarın açık mı?", moment, CPH, None).kind == "default"
    assert understand_when("Kütüphane yarın açık mı?", moment, CPH, "xx").kind == "default"


# -- the school holidays ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, today, first, last",
    [
        ("hvad sker der i vinterferien", date(2026, 12, 7), date(2027, 2, 13), date(2027, 2, 21)),  # week 7
        ("events in the winter break", date(2027, 2, 16), date(2027, 2, 16), date(2027, 2, 21)),  # from today
        ("aktiviteter i efterårsferien", date(2026, 9, 1), date(2026, 10, 10), date(2026, 10, 18)),  # week 42
        ("efteraarsferien", date(2026, 12, 7), date(2027, 10, 16), date(2027, 10, 24)),  # this year's is past
        ("koncerter i sommerferien", date(2027, 3, 1), date(2027, 6, 26), date(2027, 8, 8)),
    ],
)
def test_a_school_holiday_by_name(text: str, today: date, first: date, last: date) -> None:
    when = understand_when(text, datetime(today.year, today.month, today.day, 10, 0, tzinfo=CPH))
    assert (when.start, when.end, when.kind) == (first, last, "holiday")


def test_the_christmas_holiday_stays_christmas() -> None:
    when = understand_when("hvad sker der i juleferien", datetime(2026, 12, 7, 10, 0, tzinfo=CPH))
    assert (when.start, when.end, when.kind) == (date(2026, 12, 24), date(2026, 12, 26), "christmas")
