"""The entries as classes, learned discriminatively: a softmax regression over the embedding, from the knowledge
base's own variants and noisy copies of them.

The discriminant (bot.understanding.discriminant) compares a message with each entry's whitened mean: every entry
gets the same shape, and a variant that lies among another entry's questions pulls its own mean towards them. A
softmax regression instead places each boundary where the variants of two entries meet, and with a noisy copy of
every variant beside it (SMS noise and a sentence of story, bot.understanding.noise) it learns which directions a
citizen's way of writing moves a question along, and leaves them out of the boundaries.

Measured 2026-12-07 with the semantic signal alone (right entry first, evaluation knowledge base): the discriminant
/ this on dev 0.848 / 0.914, on the paraphrase sets 0.890 / 0.894, on the used blind sets 0.759 / 0.811, and on the
knowledge base's own variants held out in five folds 0.626 / 0.629 (REGULARISATION 100; 10 gave 0.861 / 0.877 /
0.783, 300 and 1,000 0.88-0.89 / 0.81). It learns from the variants alone: another library's knowledge base gets
its own classes when it loads.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence

import numpy as np

from bot.understanding import noise

# Inverse regularisation: the vectors are unit length in 384 dimensions, so each coordinate is small and the
# weights must be large to separate ~100 classes (C 1 gave 0.57 right entry first on the blind sets, 100 gave 0.81).
REGULARISATION = 100.0

# The fit grows with rows x classes (x dimensions) per iteration. Measured 2026-12-07 on 2 loaded cores, seven
# variants an entry and two copies each: 100 entries (2,100 rows x 101 classes, 0.2 M) 2.5 s, 300 entries (1.9 M)
# 7.4 s, 600 entries (7.6 M) 17 s a fit. A knowledge base whose fit would be larger than this goes without (the
# discriminant still separates its entries), whether it has many entries or many variants each, so a national
# knowledge base's build and a taught question's reload stay bounded. Training fits three per fold
# (bot.understanding.training) on smaller indexes, and none when the index it learns for has none.
MAX_FIT_CELLS = 8_000_000


def too_large(rows: int, entries: int) -> bool:
    """Whether a fit over this many rows (variants, their copies, other services' questions) and entries would cost
    more than a build may spend on it."""
    return rows * (entries + 1) > MAX_FIT_CELLS


MAX_ITERATIONS = 500


COPIES = 2  # noisy copies per Danish or English question (noisy_copies): how large a fit will be, before it is made


def noisy_copies(texts: Sequence[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """Per (entry, language, question): one copy as typed on a phone and one after a sentence of story. Seeded by
    the question itself, so every index that holds it (the service's, each training fold's) makes the same copies
    and the embedding cache has them."""
    out: list[tuple[int, str, str]] = []
    for entry, lang, text in texts:
        if lang not in noise.GREETINGS:
            continue
        rng = random.Random(zlib.crc32(f"{lang}\t{text}".encode()))
        out.append((entry, lang, noise.sms(text, lang, rng)))
        out.append((entry, lang, noise.story(text, lang, rng)))
    return out


class EntryClassifier:
    """Weights per entry (rows of zeros for entries without variants) and for "no entry", applied as one matrix
    product."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Per entry: the probability that the message is that entry's question (0 where it has no variant); what
        the entries leave of 1 is the probability that no entry answers it."""
        z = self.weights @ query + self.bias
        z = z - z.max()
        e = np.exp(z)
        p: np.ndarray = e[:-1] / e.sum()
        return p


def fit(
    vectors: np.ndarray,
    entry_of: np.ndarray,
    n_entries: int,
    extra: np.ndarray,
    extra_of: np.ndarray,
    outside: np.ndarray | None = None,
) -> EntryClassifier | None:
    """A softmax regression over the variants' vectors and their noisy copies' (`extra`), with questions no entry
    answers (`outside`) as one class more; None when there are fewer than two classes, or the fit would be
    too_large."""
    from sklearn.linear_model import LogisticRegression

    outside = np.zeros((0, vectors.shape[1]), vectors.dtype) if outside is None else outside
    entries = len(np.unique(entry_of))
    x = np.vstack([vectors, extra, outside])
    if entries + (len(outside) > 0) < 2 or too_large(len(x), entries):
        return None
    y = np.concatenate([entry_of, extra_of, np.full(len(outside), n_entries)]).astype(np.int64)
    model = LogisticRegression(C=REGULARISATION, max_iter=MAX_ITERATIONS)
    # In the vectors' own float32: half the memory and 1.5-2x faster than float64 (the sample's index 2.56 ->
    # 1.33 s a fit), right entry first the same on dev and the paraphrase sets (0.901 / 0.890 -> 0.907 / 0.890).
    model.fit(x.astype(np.float32), y)
    coef, intercept = model.coef_, model.intercept_
    # sklearn keeps one row for two classes (the second's log-odds over the first): as two rows, it is a softmax.
    if len(model.classes_) == 2:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    # One row per entry and a last one for "no entry"; an entry without questions can never be the answer.
    weights = np.zeros((n_entries + 1, x.shape[1]), dtype=np.float32)
    bias = np.full(n_entries + 1, -np.inf, dtype=np.float32)
    weights[model.classes_] = coef
    bias[model.classes_] = intercept
    return EntryClassifier(weights, bias)
