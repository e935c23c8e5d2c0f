# Shared by the Python tests (tests/python, run by CTest as `python` and `python_mpi2`): the
# package comes from the build tree (PYTHONPATH=build/python), the command-line program from
# METAROM_PROGRAM (both set by CTest).
import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20261207)


def low_rank(rng, n, N, sigma):
    """X = A diag(sigma) B^T with orthonormal A (n x k) and B (N x k): singular values known exactly."""
    k = len(sigma)
    A, _ = np.linalg.qr(rng.standard_normal((n, k)))
    B, _ = np.linalg.qr(rng.standard_normal((N, k)))
    return np.asfortranarray(A @ np.diag(sigma) @ B.T)
