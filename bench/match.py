"""Benchmark: the whole understanding step per message on knowledge bases of ~1,000, 10,000 and 50,000 variants.

The project's sample knowledge (knowledge/faq) is grown in memory to each size: every synthetic entry takes a
real entry's questions, swaps one content word for a word of another entry's questions and names a fresh topic
(a made-up compound of knowledge-base words), so the vocabulary grows with the knowledge base as it would with
real librarians' entries. Fresh ids, no files. For each size it prints:

- index build time (the FAQ index, built as `bibliobot serve` builds it: in a child process that stores it in the
  cache, then loaded by this process; branches, hours and events are the sample's),
- time per message of `bot.core.handle` (compliance, routing, branch, matching, reply) over ~200 messages
  written for this benchmark, on the first pass (per-index caches cold) and steady (median of the next passes),
- time per message of `Matcher.decide` alone,
- time per message of a plain `rapidfuzz.process.extractOne(query, variants, scorer=fuzz.WRatio)` over the same
  variant strings in the same run, and the ratio bibliobot / rapidfuzz,
- what the bot did with the messages (answer / clarify / hand-off, other intents), and two peaks: this process's
  (the service answering from the index) and the build's (the child process, which exits when it is done).

Then how the cost grows against the knowledge base, and the cold start of `bibliobot ask "hvornår har I åbent"`
(a new process each time; median of 3). A benchmark, not a test: the figures depend on the machine and its load.

    .venv/bin/python bench/match.py [--sizes 1000,10000,50000] [--passes 5] [--no-cold-start] [--stand-in-vectors]

`--stand-in-vectors` measures memory and time at sizes whose embedding would take hours here: each text of the
knowledge base (and each held-out question the decision trains on) gets a unit vector drawn from a generator seeded
by the text instead of the model's. The messages are still embedded by the model, as the service does (only those
the lexical evidence does not decide), so the time per message includes the real embedding; which entries answer
is then meaningless, but the work per message and the peak RSS are the real figures.

The service keeps the embeddings of the last messages it saw (many citizens send the same few words); every timed
pass here starts without them, so each pass pays for the embedding of every message that needs one.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import brain as brain_module  # noqa: E402
from bot import cache  # noqa: E402
from bot.brain import Brain, prepared_matcher  # noqa: E402
from bot.config import Config, load_config  # noqa: E402
from bot.context import Context  # noqa: E402
from bot.conversation import NoConversations  # noqa: E402
from bot.core import handle, understand  # noqa: E402
from bot.knowledge import Entry, KnowledgeBase  # noqa: E402
from bot.knowledge_folder import load_knowledge  # noqa: E402
from bot.model import Channel, Message  # noqa: E402
from bot.understanding import semantic  # noqa: E402
from bot.understanding.matching import Matcher  # noqa: E402
from bot.understanding.text import STOPWORDS, fold  # noqa: E402

# The understanding issue's aims: the whole step, embedding included, and the peak with 50,000 variants (the
# issue's 400 MB, and the project brief's 300 MB for the service).
AIM_MS_AT_10K = 5
AIM_PEAK_RSS_MB_AT_50K = 400
BRIEF_PEAK_RSS_MB_AT_50K = 300
STAND_IN_ENV = "BIBLIOBOT_BENCH_STAND_IN_VECTORS"

MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
SEED = 2026

# ~200 messages as citizens text them, written for this benchmark: FAQ questions in both languages (some with
# typos, no æøå, filler), opening hours, events, keywords and other intents, and questions the libraries do not
# answer. Not taken from any evaluation file.
MESSAGES = [
    # FAQ, Danish
    "hvordan får jeg et lånekort",
    "kan jeg låne uden cpr nummer",
    "jeg har glemt min pinkode",
    "mit lånekort er væk",
    "mit barn vil gerne have et lånekort",
    "kan jeg bruge mit sundhedskort som lånekort",
    "jeg bor i gladsaxe kan jeg stadig låne hos jer",
    "hvordan logger jeg ind på min side",
    "hvordan skifter jeg min email",
    "jeg vil gerne melde mig ud af biblioteket",
    "hvor længe må jeg beholde en bog",
    "kan jeg forny mine bøger i appen",
    "hvor mange gange kan jeg forny",
    "hvorfor kan jeg ikke forny min bog",
    "hvor kan jeg aflevere bøger når biblioteket er lukket",
    "kan jeg aflevere på et andet bibliotek",
    "hvad koster det hvis jeg afleverer for sent",
    "jeg har mistet en bog jeg har lånt",
    "bogen er blevet våd hvad gør jeg",
    "hvor mange bøger må jeg låne ad gangen",
    "koster det noget at låne",
    "hvordan betaler jeg mit gebyr",
    "får jeg en påmindelse før fristen",
    "hvordan kan jeg se hvad jeg har lånt",
    "hvordan reserverer jeg en bog",
    "hvor længe ligger min reservering klar",
    "hvor mange står foran mig i køen",
    "hvordan sletter jeg en reservering",
    "kan jeg hente min reservering på et andet bibliotek",
    "kan jeg sætte mine reserveringer på pause når jeg er på ferie",
    "kan I skaffe en bog fra et andet bibliotek",
    "kan I købe en bog jeg gerne vil læse",
    "hvordan låner jeg e-bøger",
    "hvordan virker ereolen",
    "kan jeg se film derhjemme gratis",
    "kan jeg læse aviser online gennem biblioteket",
    "har I wifi",
    "hvad koster det at printe",
    "kan jeg scanne dokumenter hos jer",
    "kan jeg låne en computer",
    "er der studiepladser på hovedbiblioteket",
    "kan man booke et grupperum",
    "kan vi låne et mødelokale til vores forening",
    "hvor er toiletterne",
    "er der skabe til min taske",
    "jeg glemte min jakke i går",
    "er der lektiehjælp for børn",
    "hvornår er der sprogcafé",
    "kan I hjælpe mig med mitid",
    "kan jeg få hjælp til at skrive et cv",
    "er biblioteket tilgængeligt med kørestol",
    "har I bøger med stor skrift",
    "min mor kan ikke komme på biblioteket kan I bringe bøger ud",
    "har I bøger på arabisk",
    "hvad er et selvbetjent bibliotek",
    "må mit barn på 12 år komme alene i den selvbetjente tid",
    "hvordan kommer jeg ind uden for åbningstid",
    "hvordan kontakter jeg biblioteket",
    "jeg vil gerne klage over en medarbejder",
    "hvad gør I med mine personoplysninger",
    "kan jeg give mine gamle bøger til biblioteket",
    "kan I anbefale en god krimi",
    "kan min skoleklasse komme på besøg",
    "kan vuggestuen låne bøger",
    "er der noget for babyer",
    "må man spise madpakke på biblioteket",
    "hvad er nota",
    "kan jeg låne lydbøger",
    "hvordan bruger jeg udlånsautomaten",
    "min bog står ikke på hylden selvom den skulle være der",
    # FAQ, English
    "how do i get a library card",
    "can i borrow without a danish cpr number",
    "i forgot my pin",
    "my card was stolen",
    "can my kid get a card",
    "can i use my yellow health card",
    "i live outside copenhagen can i still borrow",
    "how do i log in",
    "how do i change my phone number",
    "how long can i keep a dvd",
    "how do i renew my books",
    "why cant i renew",
    "where can i drop off books after hours",
    "what happens if my books are late",
    "i lost a library book",
    "my dog chewed a book",
    "how many books can i borrow at once",
    "is borrowing free",
    "how do i pay a fine",
    "how can i see my loans",
    "how do i place a hold",
    "how long is my hold kept",
    "how do i cancel a reservation",
    "can i pick up my reservation at another branch",
    "can i pause my holds while im away",
    "can you get a book from another library",
    "can you buy a book i want",
    "how do i borrow ebooks",
    "what is ereolen",
    "can i stream films with my library card",
    "do you have newspapers online",
    "do you have wifi",
    "how much is printing",
    "can i use a computer",
    "is there a quiet place to study",
    "can i book a group room",
    "can we rent a meeting room",
    "where are the toilets",
    "do you have lockers",
    "i left my umbrella yesterday",
    "is there homework help",
    "where can i practise my danish",
    "can someone help me with mitid",
    "is the library wheelchair accessible",
    "do you have large print books",
    "do you have books in english",
    "what does self service library mean",
    "how do i get in when no staff are there",
    "how do i contact you",
    "can i donate books",
    "can you recommend a book",
    "can my class visit",
    "can i eat in the library",
    # typos, no æøå, filler
    "hvordn faar jeg et laanekort",
    "hej jeg har mistet mit laanekort hvad gor jeg",
    "kan jeg forny mine boger",
    "hvor lang er laanetiden",
    "hvor afleverer jeg boegerne",
    "jeg har glemt min pinkod",
    "hvordan resevere jeg en bog",
    "hvad koster det at printe pa biblioteket",
    "kan jeg laane e boeger",
    "har i wifi kode",
    "hej hej hvordan forlaenger jeg mine laan tak",
    "hello quick question how do i renw my books",
    "i lost my libary card",
    "how do i reserv a book",
    "wat is the loan period",
    "can i retrun books anywhere",
    "hi there do u have wifi thx",
    "pls help i forgot my pincode",
    "how much r the late fees",
    "cn i print here",
    "min bog er vaek",
    "kan man laane comptuer",
    "er der lektiehjaelp",
    "jeg kan ik logge ind",
    "mit kort virker ik",
    # opening hours
    "hvornår har I åbent",
    "hvornår åbner hovedbiblioteket i morgen",
    "aabningstider oesterbro",
    "hvornår lukker valby bibliotek i dag",
    "er vesterbro bibliotek åbent søndag",
    "har nørrebro bibliotek åbent i aften",
    "hvornår er der personale på sundby bibliotek",
    "when is the main library open",
    "what time does osterbro library close today",
    "is vanlose library open on saturday",
    "opening hours islands brygge",
    "are you open on christmas eve",
    "hvornar lukker ørestad",
    "hvornår åbner bibliotekshuset",
    "open late tonight",
    # events
    "hvad sker der på biblioteket i weekenden",
    "er der koncerter i denne uge",
    "arrangementer for børn på valby bibliotek",
    "er der foredrag på hovedbiblioteket i aften",
    "hvad sker der for unge",
    "hvornår er der højtlæsning for børn",
    "any events for kids this weekend",
    "whats on at the main library tonight",
    "are there any concerts this week",
    "book club in english",
    "film screenings this month",
    "udstillinger på nørrebro",
    # keywords and other intents
    "STOP",
    "start",
    "HJÆLP",
    "help",
    "kan jeg tale med en bibliotekar",
    "can i talk to a real person",
    "er min bog klar",
    "is my hold ready for pickup",
    "hvornår skal mine lån afleveres",
    "slet mine data",
    "delete my number",
    "abonner på koncerter",
    "send me alerts about events for kids",
    "afmeld arrangementer",
    "unsubscribe from events",
    "hej",
    # questions the libraries do not answer
    "hvem vandt fodboldkampen i går",
    "hvad bliver vejret i morgen",
    "kan du bestille en taxa til mig",
    "hvad koster en pizza",
    "what is the capital of australia",
    "can you fix my bike",
    "where can i buy cheap flights",
    "hvor er nærmeste apotek",
    "tell me a joke",
    "hvad er meningen med livet",
    "my neighbour is too loud",
    "kan jeg tage min hund med",
]


LEGEND = """\
handle ms: bot.core.handle per message (compliance gate, routing, branch, then the FAQ match or the intent's
  handler, and the reply). 1st: mean of the first pass, before the index's typo-correction cache holds these
  words. mean / median / p95: over the messages, of each message's median over the timed passes. best: mean of
  each message's fastest pass (what the code costs when other processes leave the CPU alone).
decide: Matcher.decide alone, mean ms over the {faq} messages the router sends to the FAQ.
WRatio: rapidfuzz.process.extractOne(text, variants, scorer=fuzz.WRatio), mean ms per message (median of up to
  2 passes) over the same variant strings in the same run. ratio: handle mean / WRatio.
service RSS: this process's high-water mark (ru_maxrss) after that size: a web process of `bibliobot serve`
  answering from the index. build RSS: the highest high-water mark of the child processes that built the indexes
  so far (RUSAGE_CHILDREN), the size's own when the sizes grow."""


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+", text) if len(w) >= 4 and fold(w) not in STOPWORDS]


def _fresh_topic(rng: random.Random, pool: list[str], used: set[str]) -> str:
    """A made-up compound of two knowledge-base words ("automat" + "kortet" -> "automatortet"): a new term."""
    while True:
        a, b = rng.choice(pool), rng.choice(pool)
        word = (a[: rng.randint(3, max(3, len(a) - 1))] + b[-rng.randint(3, max(3, len(b) - 1)) :]).lower()
        if word not in used and len(word) >= 6:
            used.add(word)
            return word


def grow(base: KnowledgeBase, variants: int, seed: int = SEED) -> KnowledgeBase:
    """The base knowledge plus synthetic entries until it holds at least `variants` question variants."""
    rng = random.Random(seed)
    words = {
        lang: sorted({w for e in base.entries for q in e.questions.get(lang, []) for w in _content_words(q)})
        for lang in ("da", "en")
    }
    entries = list(base.entries)
    total = sum(len(qs) for e in entries for qs in e.questions.values())
    used: set[str] = set()
    links = {"da": ("til", "med", "på", "om"), "en": ("for", "with", "at", "about")}
    n = 0
    while total < variants:
        model = base.entries[n % len(base.entries)]
        topic = {lang: _fresh_topic(rng, words[lang], used) for lang in ("da", "en")}
        questions: dict[str, list[str]] = {}
        for lang, qs in model.questions.items():
            if (
                lang not in words
            ):  # the sample's translations (ar, tr, pl, uk) are not grown: a few hundred only
                continue
            out = []
            for q in qs:
                text = q.rstrip("?.! ")
                own = _content_words(text)
                if own:
                    text = text.replace(rng.choice(own), rng.choice(words[lang]), 1)
                out.append(f"{text} {rng.choice(links[lang])} {topic[lang]}?")
            questions[lang] = out
            total += len(out)
        answer = {
            lang: f"{text} ({topic.get(lang, topic['da'])})"
            for lang, text in model.answer.items()
            if lang in questions or lang in ("da", "en")
        }
        entries.append(
            Entry(f"syn-{n}-{model.id}", questions, answer, tags=[topic["da"], topic["en"]], link=model.link)
        )
        n += 1
    return KnowledgeBase(entries, base.branches, base.root)


def variant_strings(kb: KnowledgeBase) -> list[str]:
    return [q for e in kb.entries for qs in e.questions.values() for q in qs]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def build_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _forget(kb: KnowledgeBase) -> None:
    """Remove a grown knowledge base's index from the cache once it is loaded: the benchmark leaves nothing behind."""
    key = brain_module.matcher_key(kb)
    for suffix in (".pickle", ".lock"):
        (cache.CACHE_DIR / f"matcher-{key}{suffix}").unlink(missing_ok=True)


def time_handle(brain: Brain, config: Config, messages: list[str]) -> tuple[list[float], Counter[str]]:
    """Seconds for core.handle on each message, and what it did."""
    outcomes: Counter[str] = Counter()
    times = []
    semantic._embed_message.cache_clear()  # no message's embedding from a pass before (see the docstring)
    for text in messages:
        start = time.perf_counter()
        ctx = Context(brain=brain, config=config, now=MOMENT, conversations=NoConversations())
        reply = handle(Message(text, "bench", Channel.CONSOLE, MOMENT), ctx)
        times.append(time.perf_counter() - start)
        outcomes[f"{reply.intent}/{reply.action}" if reply.intent == "faq" else reply.intent] += 1
    # How many texts the model embedded in this pass (messages the lexical evidence left open, and the sentences
    # of long ones): the embedding is most of the time of those messages.
    outcomes["(texts embedded)"] = semantic._embed_message.cache_info().misses
    return times, outcomes


def faq_messages(brain: Brain, config: Config, messages: list[str]) -> list[tuple[str, str]]:
    """(text, lang) of the messages the router hands to the FAQ matcher."""
    out = []
    for text in messages:
        ctx = Context(brain=brain, config=config, now=MOMENT, conversations=NoConversations())
        u = understand(Message(text, "bench", Channel.CONSOLE, MOMENT), ctx)
        if u.intent == "faq":
            out.append((text, u.lang))
    return out


def time_decide(matcher: Matcher, questions: list[tuple[str, str]]) -> float:
    semantic._embed_message.cache_clear()
    start = time.perf_counter()
    for text, lang in questions:
        matcher.decide(text, lang)
    return (time.perf_counter() - start) / len(questions)


def time_rapidfuzz(strings: list[str], messages: list[str]) -> float:
    start = time.perf_counter()
    for text in messages:
        process.extractOne(text, strings, scorer=fuzz.WRatio)
    return (time.perf_counter() - start) / len(messages)


def cold_start(runs: int = 3) -> None:
    script = Path(sys.executable).with_name("bibliobot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    command += ["ask", "hvornår har I åbent"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIBLIOBOT_")}

    def once(extra: dict[str, str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env={**env, **extra}, capture_output=True, check=True)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as empty:
        first = once({"BIBLIOBOT_CACHE_DIR": empty})
    once({})  # leave the project's own index cache (if the code keeps one) as a running install has it
    times = [once({}) for _ in range(runs)]
    print()
    print('cold start: bibliobot ask "hvornår har I åbent" (a new process each run, the sample knowledge)')
    print(
        f"  median of {runs}: {statistics.median(times):.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"  with an empty index cache (the first run after a knowledge edit): {first:.2f} s")


def _stand_in(text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    vec = np.random.default_rng(seed).standard_normal(semantic.DIM).astype(np.float32)
    return vec / np.linalg.norm(vec)


def use_stand_in_vectors() -> None:
    """Replace the model's vectors by seeded random ones for this process (--stand-in-vectors)."""

    def embed(texts: list[str], *, passage: bool = False) -> np.ndarray:
        out = np.empty((len(texts), semantic.DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = _stand_in(("passage: " if passage else "") + t)
        return out

    semantic.embed = embed  # type: ignore[assignment]
    # A matcher built from these vectors is cached under a key of its own: under the real key, the next
    # `bibliobot ask` or test run in this checkout would load the sample's index with random vectors.
    real_key = brain_module.matcher_key

    def matcher_key(kb: KnowledgeBase) -> str:
        return cache.digest(real_key(kb), "stand-in vectors")

    brain_module.matcher_key = matcher_key  # type: ignore[assignment]
    # The index is built in a child process, a fresh interpreter that imports this file as its main module
    # (multiprocessing's "spawn"): the variable tells it to use the same stand-ins.
    os.environ[STAND_IN_ENV] = "1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="question variants per knowledge base")
    parser.add_argument(
        "--passes", type=int, default=5, help="timed passes over the messages after the first"
    )
    parser.add_argument(
        "--no-cold-start", action="store_true", help="skip the `bibliobot ask` start-up timing"
    )
    parser.add_argument(
        "--stand-in-vectors",
        action="store_true",
        help="seeded random unit vectors instead of embeddings: memory at sizes too slow to embed (see above)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.stand_in_vectors:
        use_stand_in_vectors()
    # As `bibliobot serve` does: every index (the sample's too) is built in a child process, so this process's
    # peak is the service's, not the build's.
    brain_module.build_apart()

    config = load_config(ROOT / "config.toml", {})
    base = load_knowledge(ROOT / "knowledge")
    base_brain = Brain.build(base)
    messages = MESSAGES
    questions = faq_messages(base_brain, config, messages)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, load average {load}"
    )
    print(
        f"sample knowledge: {len(base.entries)} entries, {len(variant_strings(base))} variants; "
        f"{len(messages)} messages ({len(questions)} routed to the FAQ); {args.passes} timed passes after a first"
    )
    print()
    print(
        f"{'variants':>9} {'entries':>7} {'build s':>7} | {'handle ms: 1st':>14} {'mean':>6} {'median':>6} "
        f"{'p95':>6} {'best':>6} | {'decide':>6} | {'WRatio':>6} {'ratio':>6} | {'service RSS':>11} {'build RSS':>9}"
    )
    rows = []
    peak_at: dict[int, float] = {}
    for size in sizes:
        kb = grow(base, size)
        strings = variant_strings(kb)
        gc.collect()
        start = time.perf_counter()
        matcher = prepared_matcher(kb)
        build = time.perf_counter() - start
        _forget(kb)
        brain = dataclasses.replace(base_brain, kb=kb, matcher=matcher)
        first, outcomes = time_handle(brain, config, messages)
        passes = [time_handle(brain, config, messages)[0] for _ in range(args.passes)]
        per_message = [statistics.median(ts) for ts in zip(*passes, strict=True)]
        best = statistics.fmean(min(ts) for ts in zip(*passes, strict=True))
        mean = statistics.fmean(per_message)
        median = statistics.median(per_message)
        p95 = statistics.quantiles(per_message, n=20)[-1]
        decide = statistics.median(time_decide(matcher, questions) for _ in range(args.passes))
        plain = statistics.median(time_rapidfuzz(strings, messages) for _ in range(min(2, args.passes)))
        rows.append((len(strings), mean, plain))
        peak_at[len(strings)] = peak_rss_mb()
        print(
            f"{len(strings):>9,} {len(kb.entries):>7,} {build:>7.2f} | {statistics.fmean(first) * 1000:>14.2f} "
            f"{mean * 1000:>6.2f} {median * 1000:>6.2f} {p95 * 1000:>6.2f} {best * 1000:>6.2f} | {decide * 1000:>6.2f} | "
            f"{plain * 1000:>6.2f} {mean / plain:>6.2f} | {peak_rss_mb():>8.0f} MB {build_rss_mb():>6.0f} MB"
        )
        print(f"{'':>9} what the bot did: {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}")
        del brain, matcher, kb, strings
    print()
    print(LEGEND.format(faq=len(questions)))
    if len(rows) > 1:
        print()
        print("growth against the smallest knowledge base:")
        v0, h0, p0 = rows[0]
        for v, h, p in rows[1:]:
            print(
                f"  {v / v0:5.1f}x the variants: bibliobot {h / h0:5.2f}x the time (handle mean), WRatio {p / p0:5.2f}x"
            )
    at_10k = [h for v, h, _ in rows if 9_000 <= v <= 11_000]
    if at_10k:
        verdict = "meets" if at_10k[0] < AIM_MS_AT_10K / 1000 else "misses"
        print(
            f"aim: < {AIM_MS_AT_10K} ms per message at 10,000 variants, embedding included: "
            f"handle mean {at_10k[0] * 1000:.2f} ms ({verdict} it)"
        )
    at_50k = [p for v, p in peak_at.items() if 45_000 <= v <= 55_000]
    if at_50k:
        verdicts = [
            f"{'meets' if at_50k[0] < aim else 'misses'} {aim} MB"
            for aim in (AIM_PEAK_RSS_MB_AT_50K, BRIEF_PEAK_RSS_MB_AT_50K)
        ]
        print(
            f"aim: peak RSS at 50,000 variants: {at_50k[0]:.0f} MB in the service ({', '.join(verdicts)}); "
            f"the build's child process peaked at {build_rss_mb():.0f} MB"
        )
    if not args.no_cold_start:
        cold_start()


if os.environ.get(STAND_IN_ENV) == "1" and __name__ != "__main__":
    use_stand_in_vectors()  # in the child process that builds an index (see use_stand_in_vectors)

if __name__ == "__main__":
    main()
