"""Normalising text the way people type it on a phone.

Everything is folded to plain ASCII lower case with æ→ae, ø→oe, å→aa, because citizens write "laanekort" as often
as "lånekort"; the knowledge base gets the same folding, so both spellings meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Protocol

import snowballstemmer

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "œ": "oe", "ð": "d", "þ": "th"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
# "bibliotek.kk.dk" and "bibliotek.dk" are names, not the words bibliotek + dk: keep each one token.
_DOMAIN = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:dk|com|org|net|eu)\b")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})

# Common SMS spellings; keys and values are folded words. Multi-word values are fine.
ABBREVIATIONS: dict[str, str] = {
    "mdr": "maaneder",
    "yr": "year",
    "yrs": "years",
    "tho": "though",
    "mths": "months",
    "pls": "please",
    "plz": "please",
    "pleas": "please",
    "thx": "thanks",
    "ty": "thanks",
    "tks": "thanks",
    "u": "you",
    "ur": "your",
    "r": "are",
    "w": "with",
    "wt": "with",
    "b4": "before",
    "2day": "today",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomoz": "tomorrow",
    "2nite": "tonight",
    "tonite": "tonight",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "abt": "about",
    "ppl": "people",
    "im": "i am",
    "ive": "i have",
    "id": "i would",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "whats": "what is",
    "wheres": "where is",
    "hows": "how is",
    "theres": "there is",
    "its": "it is",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "have to",
    "info": "information",
    "msg": "message",
    "txt": "text",
    "no.": "number",
    "num": "number",
    "lib": "library",
    "libary": "library",
    "ka": "kan",
    "ik": "ikke",
    "ikk": "ikke",
    "ikek": "ikke",
    "d": "det",
    "dk": "danmark",
    "idag": "i dag",
    "imorgen": "i morgen",
    "iaften": "i aften",
    "iovermorgen": "i overmorgen",
    "kbh": "koebenhavn",
    "bib": "bibliotek",
    "bibl": "bibliotek",
    "biblo": "bibliotek",
    "bibliotket": "biblioteket",
    "mvh": "",
    "vh": "",
    "pt": "lige nu",
    "nr": "nummer",
    "tlf": "telefon",
    "evt": "eventuelt",
    "hvordn": "hvordan",
    "hvorn": "hvordan",
    "hvornar": "hvornaar",
    "hvonaar": "hvornaar",
    "hvorn\u00e5r": "hvornaar",
    "jg": "jeg",
    "mn": "min",
    "hva": "hvad",
    "hvd": "hvad",
    "sgu": "",
    "lige": "lige",
}

# Pure functions of the text, called by routing, matching and several handlers for the same message (fold ran nine
# times per SMS webhook): the last few thousand results are kept.
TEXT_CACHE_SIZE = 4096

# Greetings, thanks and filler that carry no question. Removed before intent and matching.
FILLER_PHRASES = [
    "quick question",
    "i have a question",
    "i got a question",
    "question",
    "good morning",
    "good afternoon",
    "good evening",
    "hello there",
    "hi there",
    "hey there",
    "thank you",
    "thanks in advance",
    "many thanks",
    "kind regards",
    "best regards",
    "jeg har et spoergsmaal",
    "et hurtigt spoergsmaal",
    "hurtigt spoergsmaal",
    "spoergsmaal",
    "god morgen",
    "goddag",
    "god dag",
    "godaften",
    "god aften",
    "mange tak",
    "tak paa forhaand",
    "venlig hilsen",
    "med venlig hilsen",
    "kaere bibliotek",
    "dear library",
    "undskyld",
    "i stedet for",
    "instead of",
    "foerste gang",
    "for foerste gang",
    "first time here",
    "first time",
    "new here",
    "first visit",
    "excuse me",
    "sorry",
]
FILLER_WORDS = {
    "ups",
    "oops",
    "hov",
    "hej",
    "hejsa",
    "hejhej",
    "hey",
    "hi",
    "hello",
    "hallo",
    "halloej",
    "yo",
    "tak",
    "thanks",
    "thank",
    "please",
    "ok",
    "okay",
    "okey",
    "ja",
    "nej",
    "hmm",
    "hm",
    "ehm",
    "oeh",
    "lol",
    "haha",
    "btw",
    "mvh",
    "dear",
    "kaere",
    "venligst",
    "gerne",
    "lige",
    "bare",
    "altsaa",
    "nu",
    "just",
    "so",
    "well",
    "um",
    "uh",
    "pls",
    "plz",
}

DA_STOPWORDS = set(
    [
        "af",
        "alle",
        "alt",
        "anden",
        "andet",
        "andre",
        "at",
        "bare",
        "blev",
        "blive",
        "bliver",
        "da",
        "de",
        "dem",
        "den",
        "denne",
        "der",
        "deres",
        "det",
        "dette",
        "dig",
        "din",
        "dine",
        "disse",
        "dit",
        "du",
        "efter",
        "eller",
        "en",
        "end",
        "er",
        "et",
        "for",
        "fordi",
        "fra",
        "ham",
        "han",
        "hans",
        "har",
        "have",
        "havde",
        "hende",
        "hendes",
        "her",
        "hos",
        "hun",
        "hvad",
        "hvem",
        "hvis",
        "hvor",
        "hvordan",
        "hvorfor",
        "hvilken",
        "hvilke",
        "hvornaar",
        "i",
        "ikke",
        "ind",
        "jeg",
        "jer",
        "jeres",
        "kan",
        "kunne",
        "man",
        "mange",
        "med",
        "meget",
        "men",
        "mig",
        "min",
        "mine",
        "mit",
        "mod",
        "ned",
        "noget",
        "nogen",
        "nogle",
        "nu",
        "naar",
        "og",
        "ogsaa",
        "om",
        "op",
        "os",
        "over",
        "paa",
        "saa",
        "selv",
        "sig",
        "sin",
        "sine",
        "sit",
        "skal",
        "skulle",
        "som",
        "til",
        "ud",
        "under",
        "ved",
        "vi",
        "vil",
        "ville",
        "vores",
        "vaere",
        "vaeret",
        "var",
        "jo",
        "nok",
        "lidt",
        "mere",
        "mest",
        "hen",
        "hele",
        "helt",
        "sker",
        "faa",
        "faar",
        "fik",
        "gaar",
        "gik",
        "goer",
        "gjorde",
        "kom",
        "komme",
        "kommer",
        "se",
        "ser",
        "sige",
        "siger",
        "tage",
        "tager",
        "egentlig",
        "hvilket",
        "endnu",
        "allerede",
        "betyder",
        "betyde",
        "behoever",
        "behoeve",
        "behoeves",
        "rundt",
        "tilbyder",
        "tilbyde",
        "derinde",
        "herinde",
        "derude",
        "herude",
        "derhenne",
        "virker",
        "virke",
        "fungerer",
        "ting",
        "tingene",
        "siden",
        "faerdig",
        "god",
        "gode",
        "kun",
        "eget",
        "egen",
        "kender",
        "goere",
        "fx",
        "par",
        "bedre",
        "via",
        "naeste",
        "sidste",
        "uge",
        "ugen",
        "morgen",
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "loerdag",
        "soendag",
        "gaar",
        "igaar",
        "idag",
        "lidt",
        "virkelig",
        "simpelthen",
        "mon",
        "vel",
        "ret",
        "sammen",
        "maa",
        "godt",
        "gaa",
        "saadan",
        "bliver",
        "blevet",
        "sig",
        "stadig",
        "enten",
        "hvert",
        "hver",
        "ens",
        "eneste",
        "jer",
    ]
)
EN_STOPWORDS = set(
    [
        "a",
        "about",
        "am",
        "an",
        "and",
        "any",
        "anything",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "get",
        "gets",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "myself",
        "no",
        "not",
        "now",
        "of",
        "off",
        "on",
        "or",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "she",
        "should",
        "so",
        "some",
        "something",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "one",
        "someone",
        "somewhere",
        "something",
        "once",
        "only",
        "take",
        "must",
        "less",
        "per",
        "until",
        "next",
        "made",
        "wants",
        "says",
        "thats",
        "few",
        "possible",
        "look",
        "stuff",
        "together",
        "best",
        "via",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "week",
        "today",
        "tomorrow",
        "yesterday",
        "ever",
        "else",
        "anyone",
        "anybody",
        "everything",
        "things",
        "thing",
        "yet",
        "already",
        "maybe",
        "perhaps",
        "even",
        "sure",
        "okay",
        "got",
        "getting",
        "let",
        "inside",
        "good",
        "nice",
        "before",
        "works",
        "couple",
        "loads",
        "offer",
        "offers",
        "anywhere",
        "somewhere",
        "everywhere",
        "1st",
        "2nd",
        "3rd",
        "4th",
        "5th",
        "6th",
        "7th",
        "8th",
        "9th",
        "mean",
        "means",
        "supposed",
        "yourself",
        "also",
        "there",
        "still",
        "much",
        "many",
        "more",
        "most",
        "way",
        "lot",
        "really",
        "actually",
        "like",
        "want",
        "wanna",
        "need",
    ]
)
STOPWORDS = DA_STOPWORDS | EN_STOPWORDS


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def fold(text: str) -> str:
    """Lower case, ASCII-folded Danish letters, no punctuation, no letters repeated three times or more."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_TYPOGRAPHIC).replace("'", "")
    text = _DOMAIN.sub(lambda m: m.group(0).replace(".", ""), text)
    text = text.translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return " ".join(text.split())


def expand_abbreviations(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        rep = ABBREVIATIONS.get(w)
        if rep is None:
            out.append(w)
        elif rep:
            out.extend(rep.split())
    return out


_FILLER_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True)) + r")\b"
)


# "for 2 uger siden", "a few days ago": when something happened, not what the question is about ("uger" would
# otherwise read as a loan period).
_AGO_RE = re.compile(
    r"\b(?:for )?(?:\d+|en|et|to|tre|fire|fem|et par|nogle|a|one|two|three|four|five|a few|a couple of|some)"
    r" (?:dag|dage|uge|uger|maaned|maaneder|aar|day|days|week|weeks|month|months|year|years)"
    r" (?:siden|ago)\b"
)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def normalise(text: str) -> str:
    """The folded text with SMS abbreviations expanded; keeps every content word. Idempotent."""
    return " ".join(expand_abbreviations(fold(text).split()))


def _single_letters(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


_FILLER_SINGLE = {_single_letters(w) for w in FILLER_WORDS}


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def strip_filler(norm: str) -> str:
    """Remove greetings and filler from normalised text, keeping the question."""
    text = _AGO_RE.sub(" ", _FILLER_RE.sub(" ", norm))
    words = [w for w in text.split() if w not in FILLER_WORDS and _single_letters(w) not in _FILLER_SINGLE]
    return " ".join(words)


class Stemmer(Protocol):
    """What stem() uses of a snowballstemmer stemmer (the package ships no type hints)."""

    def stemWord(self, word: str) -> str: ...


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer:
    stemmer: Stemmer = snowballstemmer.stemmer("danish" if lang == "da" else "english")
    return stemmer


def unfold_danish(word: str) -> str:
    """A folded word with æ, ø, å put back ("boeger" -> "bøger"), the spelling Danish stemmers and word lists know."""
    return word.replace("ae", "æ").replace("oe", "ø").replace("aa", "å")


# Where Snowball's Danish stemmer merges words apart in meaning: "kasserede" (discarded) is not "kasse" (a box), and
# "billet" (ticket) and "billigt" (cheap) are not "bil" (car), "ryge" (smoke) is not "ryg" (a book's spine), and
# "unger" (kids) are not "unge" (teenagers).
DA_STEM_EXCEPTIONS = {
    "kassere": "kasser",
    "kasserer": "kasser",
    "kasserede": "kasser",
    "kasseret": "kasser",
    "billet": "billet",
    "billetten": "billet",
    "billetter": "billet",
    "billetterne": "billet",
    "billig": "billig",
    "billigt": "billig",
    "billige": "billig",
    "billigere": "billig",
    "billigste": "billig",
    "ryge": "ryge",
    "ryger": "ryge",
    "rygere": "ryge",
    "unger": "unger",
    "ungerne": "unger",
    "ungen": "unger",
}


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Snowball stem of a folded word. The Danish stemmer is fed æøå back, as it expects."""
    if lang == "da":
        if word in DA_STEM_EXCEPTIONS:
            return DA_STEM_EXCEPTIONS[word]
        return fold(_stemmer("da").stemWord(unfold_danish(word)))
    return _stemmer("en").stemWord(word)


# A sentence ends at . ! ? or a line break followed by more text; "kl. 10" and "bibliotek.kk.dk" do not end one,
# since no space follows their dot or what follows is a digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\d\s])|\n+")
SENTENCE_MIN_WORDS = 3  # shorter pieces ("Hej.", "Tak!") say nothing on their own
MAX_SENTENCES = 4


def sentences(text: str) -> list[str]:
    """The sentences of a long message that could each be the question ("Jeg var forbi i går. Hvordan fornyer
    jeg?"); empty when the message is one sentence, so a short message costs nothing more."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= SENTENCE_MIN_WORDS]
    return parts[-MAX_SENTENCES:] if len(parts) >= 2 else []
