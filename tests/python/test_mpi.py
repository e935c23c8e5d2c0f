# The Python module on 2 MPI ranks (CTest `python_mpi2`: mpiexec -n 2 python3 -m pytest
# test_mpi.py): each rank holds its rows, as in C++; results checked against NumPy on the
# gathered data and against theory. Also passes on 1 rank.
import os
import shutil
import tempfile

import numpy as np
import pytest
from mpi4py import MPI

import metarom
from conftest import low_rank
from test_models import heat_1d_discrete_solution
from test_plugin import record_and_reduce

comm = MPI.COMM_WORLD


@pytest.fixture
def shared_dir():
    """One directory for all ranks (each rank's tmp_path differs)."""
    path = comm.bcast(tempfile.mkdtemp(prefix="metarom_mpi_") if comm.rank == 0 else None, root=0)
    yield path
    comm.Barrier()
    if comm.rank == 0:
        shutil.rmtree(path, ignore_errors=True)


def gather_rows(X):
    return np.vstack(comm.allgather(np.asarray(X)))


def test_each_rank_holds_its_rows_of_a_simulated_run():
    s = metarom.simulate("heat", heat_dim=1, heat_nx=63, heat_steps=200, heat_snapshot_stride=10, comm=comm)
    begin, end = s.rows
    assert s.X.shape == (end - begin, s.count) and s.n == 63
    X = gather_rows(s.X)
    assert np.linalg.norm(X - heat_1d_discrete_solution(s)) / np.linalg.norm(X) < 1e-12


def test_distributed_set_round_trip_and_pod(shared_dir):
    rng = np.random.default_rng(7)  # the same matrix on every rank; each passes its block
    sigma = np.array([8.0, 4.0, 2.0, 1.0])
    X = low_rank(rng, 101, 20, sigma)
    bounds = np.linspace(0, 101, comm.size + 1).astype(int)
    mine = X[bounds[comm.rank]:bounds[comm.rank + 1]]
    s = metarom.SnapshotSet(mine, comm=comm)
    assert s.rows == (bounds[comm.rank], bounds[comm.rank + 1]) and s.n == 101
    path = os.path.join(shared_dir, "x.h5")
    metarom.write(path, s)
    back = metarom.read(path, comm=comm)  # rows split as PETSc splits them
    np.testing.assert_array_equal(gather_rows(back.X), X)
    pod = metarom.POD(r=2)
    pod.fit(back)
    np.testing.assert_allclose(pod.singular_values[:4], np.linalg.svd(X, compute_uv=False)[:4], rtol=1e-12)
    R = gather_rows(pod.decode(pod.encode(back.X)))
    assert np.linalg.norm(R - X) == pytest.approx(np.sqrt(sigma[2] ** 2 + sigma[3] ** 2), rel=1e-10)  # Eckart-Young


def test_rom_on_two_ranks(shared_dir):
    s = metarom.simulate("heat", heat_dim=1, heat_nx=63, heat_steps=200, heat_snapshot_stride=10, comm=comm)
    pod = metarom.POD(r=3)
    pod.fit(s)
    path = os.path.join(shared_dir, "pod.h5")
    pod.save(path)
    model = metarom.ReducedModel(path, comm=comm)
    run, full = model.run(), model.simulate()
    errors = metarom.rom_errors(run.decoded, full)
    assert errors["rel_error"] < 1e-11  # see test_rom.py: the invariant subspace
    assert comm.allgather(errors["rel_error"]) == [errors["rel_error"]] * comm.size  # one number on every rank


def test_plugin_on_two_ranks(shared_dir):
    assert record_and_reduce(shared_dir) < 1e-4  # see test_plugin.py
