"""Sparse matrices as plain NumPy arrays (csr.py): each operation against the same one on dense
arrays, and both products (NumPy's, SciPy's) against the dense product."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from sitegen import csr


def dense(matrix: csr.Csr) -> np.ndarray:
    found = np.zeros(matrix.shape)
    found[csr.row_of_entries(matrix), matrix.indices] = matrix.data
    return found


def random_matrix(seed: int, height: int, width: int, per_row: int) -> csr.Csr:
    """Rows of up to `per_row` entries (some rows empty), with repeated columns, summed."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, per_row + 1, size=height)
    lengths[::7] = 0
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    columns = rng.integers(0, width, size=bounds[-1])
    values = rng.integers(1, 4, size=bounds[-1]).astype(np.float64)
    matrix = csr.summed(bounds, columns, values, width)
    return matrix._replace(data=(matrix.data / 3).astype(np.float32))


def test_summed_adds_a_column_given_twice_in_a_row_and_sorts_each_rows_columns() -> None:
    bounds = np.array([0, 4, 4, 7])  # row 1 is empty
    columns = np.array([5, 1, 5, 0, 2, 2, 2])
    values = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 1.0, 1.0])
    matrix = csr.summed(bounds, columns, values, 6)
    assert matrix.indptr.tolist() == [0, 3, 3, 4]
    assert matrix.indices.tolist() == [0, 1, 5, 2]
    assert matrix.data.tolist() == [4.0, 2.0, 4.0, 3.0]
    assert matrix.shape == (3, 6)
    empty = csr.summed(np.array([0, 0, 0]), np.zeros(0, dtype=np.int64), np.zeros(0), 4)
    assert empty.indptr.tolist() == [0, 0, 0] and len(empty.indices) == 0


def test_rows_kept_entries_and_the_transpose_are_those_of_the_dense_matrix() -> None:
    matrix = random_matrix(1, 40, 30, 8)
    full = dense(matrix)
    rows = np.array([39, 0, 7, 7, 12])
    assert np.array_equal(dense(csr.take_rows(matrix, rows)), full[rows])
    keep = matrix.data > 0.5
    assert np.array_equal(dense(csr.kept(matrix, keep)), np.where(full > 0.5, full, 0))
    flipped = csr.transposed(matrix)
    assert np.array_equal(dense(flipped), full.T)
    for row in range(flipped.shape[0]):  # rows ascending within each of its rows
        part = flipped.indices[flipped.indptr[row]:flipped.indptr[row + 1]]
        assert part.tolist() == sorted(part.tolist())


@pytest.mark.parametrize("scipy_kernel", [False, True], ids=["numpy", "scipy"])
def test_the_product_is_the_dense_product_at_and_above_the_floor(scipy_kernel: bool, monkeypatch) -> None:
    monkeypatch.setattr(csr, "BLOCK_CELLS", 200)  # NumPy's product in many blocks of rows
    left, right = random_matrix(2, 50, 25, 6), random_matrix(3, 60, 25, 6)
    floor = 0.3
    found = csr.product(left, csr.transposed(right), floor, scipy_kernel)
    assert found.shape == (50, 60) and found.data.dtype == np.float32
    expected = (dense(left) @ dense(right).T).astype(np.float32)
    got = dense(found)
    high = expected >= np.float32(floor)
    assert np.allclose(got[high], expected[high], rtol=1e-6)
    assert not np.any(got[~high] >= floor)  # what is below the floor may be left out, never made up
    if not scipy_kernel:
        assert np.count_nonzero(got) == np.count_nonzero(high)


def test_both_products_give_the_same_sums_whatever_rows_they_are_given_with() -> None:
    """A row's sums follow its own entries' order only: a rebuild scoring some rows again gets
    the sums a first build got for them, with either product."""
    matrix = random_matrix(4, 80, 20, 10)
    terms = csr.transposed(matrix)
    for scipy_kernel in (False, True):
        whole = dense(csr.product(matrix, terms, 0.01, scipy_kernel))
        rows = np.array([5, 60, 61, 2])
        part = dense(csr.product(csr.take_rows(matrix, rows), terms, 0.01, scipy_kernel))
        assert np.array_equal(part, whole[rows])


def test_both_products_give_the_same_sums_to_the_bit() -> None:
    """Long sums of inexact float32 weights: SciPy's own float32 sums would differ from NumPy's
    in the last bit here and there; both summed in float64 and rounded, they are equal, so a
    rebuild may pick either product (csr.wants_scipy)."""
    rng = np.random.default_rng(9)
    height, width = 60, 30
    lengths = rng.integers(20, 31, size=height)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    matrix = csr.summed(bounds, rng.integers(0, width, size=bounds[-1]), rng.random(bounds[-1]), width)
    matrix = matrix._replace(data=matrix.data.astype(np.float32))
    terms = csr.transposed(matrix)
    floor = 0.5
    by_numpy = dense(csr.product(matrix, terms, floor, scipy_kernel=False))
    by_scipy = dense(csr.product(matrix, terms, floor, scipy_kernel=True))
    kept = by_numpy != 0
    assert kept.sum() > 1000
    assert np.array_equal(by_scipy[kept], by_numpy[kept])
    assert not np.any(by_scipy[~kept] >= np.float32(floor))


def test_the_work_of_a_product_decides_whose_it_is(monkeypatch) -> None:
    left, right = random_matrix(5, 30, 12, 6), random_matrix(6, 40, 12, 6)
    terms = csr.transposed(right)
    expected = sum(int(np.count_nonzero(dense(right)[:, column])) for column in left.indices)
    assert csr.multiply_adds(left, terms) == expected
    monkeypatch.delitem(sys.modules, "scipy.sparse", raising=False)
    assert not csr.wants_scipy(csr.SCIPY_FROM - 1)
    assert csr.wants_scipy(csr.SCIPY_FROM)
    monkeypatch.setitem(sys.modules, "scipy.sparse", sys)  # loaded already: SciPy's is faster at any size worth timing
    assert csr.wants_scipy(0)
