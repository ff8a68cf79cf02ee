"""Which language codes the knowledge and the configuration accept.

Below both bot.knowledge and bot.config, so that checking `[locale] languages` at start-up does not load the
knowledge modules.
"""

from __future__ import annotations

from babel import localedata

# A language is any ISO 639-1 code (two letters) that the Unicode CLDR, through Babel, knows: "ar", "tr", "so".
LANGUAGES: frozenset[str] = frozenset(
    code for code in localedata.locale_identifiers() if len(code) == 2 and code.isalpha() and code.islower()
)
# The languages every entry is written in first: a question in one of them needs its answer in the same language.
# In any other language a question may come without an answer (the citizen gets Danish and English with a line in
# their language) and an answer without questions (the multilingual matcher meets their question anyway).
BASE_LANGUAGES = ("da", "en")
