"""How common a word is in Danish or English at large (wordfreq's Zipf scale: 6 = "the", 3 = rare, 0 = unseen).

The matcher asks this of words the knowledge base does not use. Importing wordfreq and reading its lists costs
about half a second, so the words that matter (Zipf >= MIN_ZIPF) are kept in a compact table in the cache; a word
not in the table is rarer than that, which is all the matcher needs to know.
"""

from __future__ import annotations

import importlib.metadata
import math
from functools import lru_cache

from bot import cache
from bot.text import unfold_danish

LANGUAGES = ("da", "en")
MIN_ZIPF = 2.0
TABLE_VERSION = "1"


def _build() -> dict[str, dict[str, float]]:
    from wordfreq import get_frequency_dict

    table: dict[str, dict[str, float]] = {}
    for lang in LANGUAGES:
        # Zipf is log10 of the frequency per billion words.
        table[lang] = {
            w: round(z, 2)
            for w, f in get_frequency_dict(lang).items()
            if (z := math.log10(f) + 9) >= MIN_ZIPF
        }
    return table


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, float]]:
    version = importlib.metadata.version("wordfreq")
    return cache.cached("zipf", cache.digest(TABLE_VERSION, version, str(MIN_ZIPF)), _build)


def zipf(word: str, lang: str) -> float:
    """Zipf frequency of a word, 0.0 when it is rarer than MIN_ZIPF or unknown."""
    return _table().get(lang, {}).get(word, 0.0)


def folded_zipf(word: str, lang: str) -> float:
    """Zipf frequency of a folded word ("boeger"), with æøå put back for Danish where that spelling is commoner."""
    return max(zipf(word, lang), zipf(unfold_danish(word), lang)) if lang == "da" else zipf(word, lang)
