"""Vectors kept in one byte a coordinate: the semantic index's rows as int8 codes with one scale per row.

The embeddings are unit vectors of 384 float32 coordinates, 1.5 kB a question variant: at 50,000 variants the
variants' and answers' vectors were 92 of the service's 374 MB. Stored as int8 codes times a per-row scale (the
row's largest coordinate maps to 127), they take a quarter of that; a cosine moves by at most about 0.002 (a
rounding of half a step in every coordinate), far below the gaps between entries the decision reads. Everything
that reads the vectors, when the index is built and when a message is scored, reads these same rounded values,
so the decision is learned on exactly what it is later given.

Scoring converts CHUNK rows at a time to float32 for one matrix product each (numpy multiplies int8 by float32
only through a float64 copy of the whole matrix): measured 2026-12-07 at 50,000 rows, 1.6 ms for the float32
matrix, 5.4 ms for the codes in chunks of 1,024 (7.6 ms in chunks of 4,096; float16 in chunks: 31 ms).
"""

from __future__ import annotations

import numpy as np

CHUNK = 1024  # rows converted at a time: small enough to stay in the CPU's cache (1,024 x 384 x 4 = 1.5 MB)
LEVELS = 127  # the int8 range used on each side of zero


class Int8Rows:
    """A matrix of float rows kept as int8 codes and a float32 scale per row; read back as float32."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2:
            raise ValueError(f"expected a matrix of rows, got shape {rows.shape}")
        peak = np.abs(rows).max(axis=1) if rows.shape[1] else np.zeros(len(rows), np.float32)
        self.scale = (np.where(peak > 0, peak, 1.0) / LEVELS).astype(np.float32)
        self.codes: np.ndarray = np.empty(rows.shape, dtype=np.int8)
        for at in range(0, len(rows), CHUNK):  # no float copy of the whole matrix while it is coded
            part = rows[at : at + CHUNK] / self.scale[at : at + CHUNK, None]
            self.codes[at : at + CHUNK] = np.rint(part)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.codes.shape[0]), int(self.codes.shape[1]))

    @property
    def ndim(self) -> int:
        return 2

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.scale.nbytes)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, key: int | slice | np.ndarray) -> np.ndarray:
        """Rows as float32: one row for an int, a matrix for a slice, a boolean mask or an array of row numbers."""
        decoded: np.ndarray = self.codes[key].astype(np.float32) * (
            self.scale[key] if isinstance(key, (int, np.integer)) else self.scale[key][:, None]
        )
        return decoded

    def floats(self) -> np.ndarray:
        """Every row as float32 (a full copy: for fitting at build time, not for scoring a message)."""
        return self[:]

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        """Each row's dot product with one vector, or with each column of a matrix (several messages' vectors
        as columns: the rows are decoded once for all of them), as `rows @ other` on the float matrix gives it."""
        other = np.asarray(other, dtype=np.float32)
        out = np.empty((len(self.codes), *other.shape[1:]), dtype=np.float32)
        # One float buffer for every chunk, and the product written in place: a fresh array per chunk was 13 %
        # of the product's time at 10,000 rows (1.53 -> 1.33 ms, the same floats).
        buf = np.empty((min(CHUNK, len(self.codes)), self.codes.shape[1]), dtype=np.float32)
        for at in range(0, len(self.codes), CHUNK):
            part = self.codes[at : at + CHUNK]
            floats = buf[: len(part)]
            np.copyto(floats, part, casting="unsafe")
            np.matmul(floats, other, out=out[at : at + CHUNK])
        out *= self.scale if other.ndim == 1 else self.scale[:, None]
        return out
