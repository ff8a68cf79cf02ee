"""Normalising text the way people type it on a phone.

Everything is folded to plain ASCII lower case with æ→ae, ø→oe, å→aa, because citizens write "laanekort" as often
as "lånekort"; the knowledge base gets the same folding, so both spellings meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "œ": "oe", "ð": "d", "þ": "th"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})

# Common SMS spellings; keys and values are folded words. Multi-word values are fine.
ABBREVIATIONS: dict[str, str] = {
    "pls": "please", "plz": "please", "pleas": "please", "thx": "thanks", "ty": "thanks", "tks": "thanks",
    "u": "you", "ur": "your", "r": "are", "w": "with", "wt": "with", "b4": "before", "2day": "today",
    "2morrow": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow", "tomoz": "tomorrow", "2nite": "tonight",
    "tonite": "tonight", "bc": "because", "cuz": "because", "coz": "because", "abt": "about", "ppl": "people",
    "im": "i am", "ive": "i have", "id": "i would", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "cant": "can not", "cannot": "can not", "wont": "will not", "isnt": "is not", "arent": "are not",
    "whats": "what is", "wheres": "where is", "hows": "how is", "theres": "there is", "its": "it is",
    "wanna": "want to", "gonna": "going to", "gotta": "have to", "info": "information", "msg": "message",
    "txt": "text", "no.": "number", "num": "number", "lib": "library", "libary": "library",
    "ka": "kan", "ik": "ikke", "ikk": "ikke", "ikek": "ikke", "d": "det", "dk": "danmark",
    "idag": "i dag", "imorgen": "i morgen", "iaften": "i aften", "iovermorgen": "i overmorgen",
    "kbh": "koebenhavn", "bib": "bibliotek", "bibl": "bibliotek", "biblo": "bibliotek", "bibliotket": "biblioteket",
    "mvh": "", "vh": "", "pt": "lige nu", "nr": "nummer", "tlf": "telefon", "evt": "eventuelt",
    "hvordn": "hvordan", "hvorn": "hvordan", "hvornar": "hvornaar", "hvonaar": "hvornaar", "hvorn\u00e5r": "hvornaar",
    "jg": "jeg", "mn": "min", "hva": "hvad", "hvd": "hvad", "sgu": "", "lige": "lige",
}

# Greetings, thanks and filler that carry no question. Removed before intent and matching.
FILLER_PHRASES = [
    "quick question", "i have a question", "i got a question", "question", "good morning", "good afternoon",
    "good evening", "hello there", "hi there", "hey there", "thank you", "thanks in advance", "many thanks",
    "kind regards", "best regards", "jeg har et spoergsmaal", "et hurtigt spoergsmaal", "hurtigt spoergsmaal",
    "spoergsmaal", "god morgen", "goddag", "god dag", "godaften", "god aften", "mange tak", "tak paa forhaand",
    "venlig hilsen", "med venlig hilsen", "kaere bibliotek", "dear library", "undskyld", "excuse me", "sorry",
]
FILLER_WORDS = {
    "hej", "hejsa", "hejhej", "hey", "hi", "hello", "hallo", "halloej", "yo", "tak", "thanks", "thank", "please",
    "ok", "okay", "okey", "ja", "nej", "hmm", "hm", "ehm", "oeh", "lol", "haha", "btw", "mvh", "dear", "kaere",
    "venligst", "gerne", "lige", "bare", "altsaa", "nu", "just", "so", "well", "um", "uh", "pls", "plz",
}

DA_STOPWORDS = set(
    """
    af alle alt anden andet andre at bare blev blive bliver da de dem den denne der deres det dette dig din dine
    disse dit du efter eller en end er et for fordi fra ham han hans har have havde hende hendes her hos hun hvad
    hvem hvis hvor hvordan hvorfor hvilken hvilke hvornaar i ikke ind jeg jer jeres kan kunne man mange med meget
    men mig min mine mit mod ned noget nogen nogle nu naar og ogsaa om op os over paa saa selv sig sin sine sit
    skal skulle som til ud under ved vi vil ville vores vaere vaeret var jo nok lidt mere mest hen hele helt
    sker faa faar fik gaar gik goer gjorde kom komme kommer se ser sige siger tage tager egentlig hvilket
    endnu allerede stadig enten hvert hver ens eneste jer

    """.split()
)
EN_STOPWORDS = set(
    """
    a about am an and any anything are as at be been being but by can could did do does doing for from get gets
    got had has have having he her here hers him his how i if in into is it its just me my myself no not now of
    off on or our ours out over own she should so some something than that the their them then there these they
    this those to too up us very was we were what when where which who whom why will with would you your yours
    yourself also there still much many more most way lot really actually like want wanna need
    """.split()
)
STOPWORDS = DA_STOPWORDS | EN_STOPWORDS

# Words that tell the languages apart in short texts; folded forms.
DA_MARKERS = DA_STOPWORDS | {
    "hej", "tak", "hvornaar", "aabent", "aabner", "lukker", "bibliotek", "biblioteket", "boeger", "bog", "laane",
    "laan", "ogsaa", "kan", "mine", "jeg", "godt", "aften", "morgen", "idag", "soendag", "loerdag", "mandag",
    "tirsdag", "onsdag", "torsdag", "fredag", "uge", "boern", "arrangementer", "sker", "noget", "ikke", "hjaelp",
    "afmeld", "slet", "stopp", "venligst", "lige", "aabningstider", "maa", "skal", "der", "paa", "er", "og",
}
EN_MARKERS = EN_STOPWORDS | {
    "hi", "hello", "thanks", "please", "library", "book", "books", "open", "opening", "hours", "when", "what",
    "borrow", "today", "tomorrow", "tonight", "weekend", "kids", "children", "events", "help", "stop", "quit",
    "unsubscribe", "unstop", "delete", "sunday", "saturday", "monday", "tuesday", "wednesday", "thursday",
    "friday", "week", "next", "anything", "library's", "lost", "card", "renew", "return", "whats", "pls",
}
# Ambiguous short words that appear in both languages' markers; they count for neither.
_AMBIGUOUS = {"i", "a", "er", "han", "dig", "hen", "hold", "in", "kan", "man", "not", "of", "so", "for", "to", "under", "over", "bare", "ende", "stop", "card", "open", "help", "start", "de", "den", "the", "me", "mine", "is", "din", "har", "sin"}
DA_MARKERS -= _AMBIGUOUS | (EN_MARKERS - {"for", "i"})
EN_MARKERS -= _AMBIGUOUS


def fold(text: str) -> str:
    """Lower case, ASCII-folded Danish letters, no punctuation, no letters repeated three times or more."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_TYPOGRAPHIC).replace("'", "")
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


_FILLER_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True)) + r")\b")


def normalise(text: str) -> str:
    """The folded text with SMS abbreviations expanded; keeps every content word. Idempotent."""
    return " ".join(expand_abbreviations(fold(text).split()))


def strip_filler(norm: str) -> str:
    """Remove greetings and filler from normalised text, keeping the question."""
    text = _FILLER_RE.sub(" ", norm)
    words = [w for w in text.split() if w not in FILLER_WORDS]
    return " ".join(words)


def detect_language(norm: str, default: str = "da") -> str:
    """'da' or 'en' from function words; ties go to the default (most texts here are Danish)."""
    words = norm.split()
    da = sum(1 for w in words if w in DA_MARKERS)
    en = sum(1 for w in words if w in EN_MARKERS)
    if da == en:
        return default
    return "da" if da > en else "en"


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("danish" if lang == "da" else "english")


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Snowball stem of a folded word. The Danish stemmer is fed æøå back, as it expects."""
    if lang == "da":
        unfolded = word.replace("ae", "æ").replace("oe", "ø").replace("aa", "å")
        return fold(_stemmer("da").stemWord(unfolded))
    return _stemmer("en").stemWord(word)
