"""The semantic index's vectors in one byte a coordinate (bot.understanding.quantized)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from bot.understanding import discriminant
from bot.understanding.discriminant import grouped_sums
from bot.understanding.quantized import CHUNK, LEVELS, Int8Rows


def unit_rows(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def test_each_coordinate_is_within_half_a_step_of_the_original() -> None:
    rows = unit_rows(50)
    coded = Int8Rows(rows)
    step = np.abs(rows).max(axis=1) / LEVELS
    assert np.all(np.abs(coded.floats() - rows) <= step[:, None] / 2 + 1e-7)
    assert coded.codes.dtype == np.int8 and coded.nbytes < rows.nbytes / 3


def test_a_product_over_chunks_is_the_decoded_matrix_times_the_vector() -> None:
    rows = unit_rows(2 * CHUNK + 7, seed=1)  # the last chunk is a short one
    query = unit_rows(1, seed=2)[0]
    coded = Int8Rows(rows)
    assert np.allclose(coded @ query, coded.floats() @ query, atol=1e-6)
    # and the cosines the decision reads move by far less than the gaps between entries
    assert np.abs(coded @ query - rows @ query).max() < 0.005


def test_a_product_with_several_vectors_is_each_vectors_product() -> None:
    rows = unit_rows(CHUNK + 5, seed=4)
    queries = unit_rows(3, seed=5)
    coded = Int8Rows(rows)
    together = coded @ queries.T
    assert together.shape == (len(rows), 3)
    for k, query in enumerate(queries):
        assert np.allclose(together[:, k], coded @ query, atol=1e-6)


def test_rows_read_back_by_number_slice_mask_and_list() -> None:
    rows = unit_rows(10, dim=8, seed=3)
    coded = Int8Rows(rows)
    whole = coded.floats()
    mask = np.arange(10) % 3 == 0
    assert np.array_equal(coded[4], whole[4])
    assert np.array_equal(coded[2:5], whole[2:5])
    assert np.array_equal(coded[mask], whole[mask])
    assert np.array_equal(coded[np.array([7, 1])], whole[[7, 1]])
    assert coded.shape == (10, 8) and len(coded) == 10


def test_a_zero_row_and_an_empty_matrix_stay_what_they_are() -> None:
    rows = np.zeros((3, 4), np.float32)
    rows[1] = [0.5, -0.5, 0.0, 0.25]
    coded = Int8Rows(rows)
    assert np.array_equal(coded[0], np.zeros(4)) and np.allclose(coded[1], rows[1], atol=0.002)
    empty = Int8Rows(np.zeros((0, 384), np.float32))
    assert len(empty) == 0 and (empty @ np.ones(384, np.float32)).shape == (0,)


def test_not_a_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="matrix"):
        Int8Rows(np.ones(5, np.float32))


def test_it_survives_the_index_cache() -> None:
    coded = Int8Rows(unit_rows(20, seed=4))
    again = pickle.loads(pickle.dumps(coded))
    assert np.array_equal(again.floats(), coded.floats())


def test_grouped_sums_read_the_coded_rows_chunk_by_chunk() -> None:
    rows = unit_rows(2 * discriminant.CHUNK + 100, dim=16, seed=5)  # more than one chunk of groups
    coded = Int8Rows(rows)
    starts = np.r_[0, np.sort(np.random.default_rng(6).choice(np.arange(1, len(rows)), 40, replace=False))]
    keep = np.random.default_rng(7).random(len(rows)) < 0.7
    whole = coded.floats()
    assert np.allclose(grouped_sums(coded, starts), np.add.reduceat(whole, starts, axis=0), atol=1e-5)
    masked = np.add.reduceat(whole * keep[:, None], starts, axis=0)
    assert np.allclose(grouped_sums(coded, starts, keep), masked, atol=1e-5)
