"""Sparse matrices as plain NumPy arrays (compressed sparse rows): what related.py needs of them.

Importing SciPy's sparse matrices takes 0.2-0.3 s (SciPy 1.17 loads numpy.f2py, numpy.ma and
numpy.testing through its array-API layer), up to a quarter of a one-paper rebuild of a small
site (measured: the sample site 1.03 s -> 0.87 s, 300 papers 0.985 s -> 0.74 s without it). So
the weights are plain arrays, and the one costly step, the product, is worked out by NumPy's
vectorised product unless it is large (SCIPY_FROM multiply-adds) or SciPy is loaded already:
NumPy's makes every partial product in memory and takes about 28 ns per multiply-add, SciPy's
compiled product about 13 ns (measured on the 3,724 real abstracts of the shared corpus, in
products of 1 to 2,000 rows), so SciPy's import pays for itself from some 20 million. A rebuild
after an edit scores a few rows (at 10,000 generated papers, under 250,000 multiply-adds) and
loads no SciPy.

Both products add each sum in float64, term by term in the order of the left row's entries,
then round it to float32: the product of two float32 values is exact in float64, so each sum
is the same to the bit whichever product made it, and with whichever rows it was computed
(SciPy's own float32 sums differ from these in the last bit in one entry in six). So a rebuild
that picks NumPy's product for a few rows gets the sums a first build got from SciPy's.
"""
from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

SCIPY_FROM = 20_000_000  # multiply-adds from which a product is SciPy's (see the module docstring)
BLOCK_CELLS = 1_000_000  # a NumPy product sums this many cells at once (8 MB): faster than larger blocks


class Csr(NamedTuple):
    """A sparse matrix: row i's entries are columns indices[indptr[i]:indptr[i + 1]], with data."""

    indptr: np.ndarray  # int64
    indices: np.ndarray  # int32
    data: np.ndarray
    shape: tuple[int, int]


def row_of_entries(matrix: Csr) -> np.ndarray:
    """The row of each entry."""
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))


def segments(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of every entry of `rows` (in that order), and the row of each."""
    lengths = indptr[rows + 1] - indptr[rows]
    starts = np.repeat(indptr[rows] - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(len(starts), dtype=np.int64) + starts, np.repeat(rows, lengths)


def summed(bounds: np.ndarray, columns: np.ndarray, values: np.ndarray, width: int) -> Csr:
    """The matrix whose row i holds (columns, values)[bounds[i]:bounds[i + 1]], a column given
    twice in a row holding the sum; columns ascending within each row."""
    height = len(bounds) - 1
    keys = np.repeat(np.arange(height, dtype=np.int64) * width, np.diff(bounds)) + columns
    order = np.argsort(keys, kind="stable")  # (rows come in order: the stable sort takes the runs as they are)
    keys = keys[order]
    first = np.concatenate([np.ones(min(1, len(keys)), dtype=bool), keys[1:] != keys[:-1]])  # each (row, column)'s first entry
    data = np.bincount(np.cumsum(first) - 1, weights=values[order])
    keys = keys[first]
    rows = keys // width
    return Csr(np.searchsorted(rows, np.arange(height + 1)).astype(np.int64), (keys - rows * width).astype(np.int32), data, (height, width))


def kept(matrix: Csr, keep: np.ndarray) -> Csr:
    """`matrix` with only the entries `keep` marks."""
    before = np.concatenate([[0], np.cumsum(keep)])  # entries kept before each position
    return Csr(before[matrix.indptr].astype(np.int64), matrix.indices[keep], matrix.data[keep], matrix.shape)


def take_rows(matrix: Csr, rows: np.ndarray) -> Csr:
    """The rows `rows` of `matrix`, in that order."""
    positions, _ = segments(matrix.indptr, rows)
    lengths = matrix.indptr[rows + 1] - matrix.indptr[rows]
    return Csr(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), matrix.indices[positions], matrix.data[positions],
               (len(rows), matrix.shape[1]))


def transposed(matrix: Csr) -> Csr:
    """The transpose, rows ascending within each of its rows."""
    order = np.argsort(matrix.indices, kind="stable")
    counts = np.bincount(matrix.indices, minlength=matrix.shape[1])
    return Csr(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), row_of_entries(matrix)[order].astype(np.int32),
               matrix.data[order], (matrix.shape[1], matrix.shape[0]))


def multiply_adds(left: Csr, right_transposed: Csr) -> int:
    """The work of left @ right: every entry of left meets each entry of its term's row of
    right_transposed."""
    return int(np.diff(right_transposed.indptr)[left.indices].sum())


def wants_scipy(work: int) -> bool:
    """Whether a product of `work` multiply-adds is SciPy's (see the module docstring)."""
    return work >= SCIPY_FROM or "scipy.sparse" in sys.modules


def product(left: Csr, right_transposed: Csr, floor: float, scipy_kernel: bool | None = None) -> Csr:
    """left @ right, given the transpose of right, as float32; of the entries below `floor` (> 0),
    some may be left out (NumPy's product keeps none). `scipy_kernel` picks the product (by
    default, wants_scipy): both give the same sums to the bit (see the module docstring)."""
    if scipy_kernel is None:
        scipy_kernel = wants_scipy(multiply_adds(left, right_transposed))
    if scipy_kernel:
        sparse = scipy_sparse()
        found = sparse.csr_matrix(_scipy(left) @ _scipy(right_transposed))
        return Csr(found.indptr.astype(np.int64), found.indices, found.data.astype(np.float32), found.shape)
    height, width = left.shape[0], right_transposed.shape[1]
    step = max(1, BLOCK_CELLS // max(1, width))
    parts = [_numpy_product(left, right_transposed, start, min(height, start + step), np.float32(floor)) for start in range(0, height, step)]
    counts = np.concatenate([part[0] for part in parts]) if parts else np.zeros(0, dtype=np.int64)
    indices = np.concatenate([part[1] for part in parts]) if parts else np.zeros(0, dtype=np.int32)
    data = np.concatenate([part[2] for part in parts]) if parts else np.zeros(0, dtype=np.float32)
    return Csr(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), indices, data, (height, width))


def scipy_sparse() -> ModuleType:
    """scipy.sparse, loaded the first time a product needs it (see the module docstring): call
    it before forking processes that will, so that they inherit it instead of each loading it."""
    import scipy.sparse

    return scipy.sparse


def _scipy(matrix: Csr) -> Any:
    """As SciPy's matrix, in float64 (its product sums in the type it is given)."""
    return scipy_sparse().csr_matrix((matrix.data.astype(np.float64), matrix.indices, matrix.indptr), shape=matrix.shape)


def _numpy_product(left: Csr, right_transposed: Csr, start: int, stop: int, floor: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows start..stop of the product: each entry (row, term, weight) of left meets every entry
    of the term's row of right_transposed, and np.bincount adds the products into a dense block
    of rows; the entries at or above `floor` are kept (entry counts per row, columns, values)."""
    width = right_transposed.shape[1]
    lo, hi = left.indptr[start], left.indptr[stop]
    terms = left.indices[lo:hi]
    cell = np.repeat(np.arange(stop - start, dtype=np.int64) * width, np.diff(left.indptr[start:stop + 1]))
    term_starts, term_ends = right_transposed.indptr[terms], right_transposed.indptr[terms + 1]
    meets = term_ends - term_starts
    ends = np.cumsum(meets)
    positions = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    positions += np.repeat(term_starts - (ends - meets), meets)
    keys = np.repeat(cell, meets)
    keys += right_transposed.indices[positions]
    values = np.repeat(left.data[lo:hi].astype(np.float64), meets)
    values *= right_transposed.data[positions]
    sums = np.bincount(keys, weights=values, minlength=(stop - start) * width).astype(np.float32)
    found = np.flatnonzero(sums >= floor)
    rows = found // width
    return np.bincount(rows, minlength=stop - start), (found - rows * width).astype(np.int32), sums[found]
