# metarom.plugin (python/src/plugin.cpp): a PETSc solver driven from Python through petsc4py,
# recorded and then run on its reduced model, as the plugin does for a C program. Run on 1
# rank here and on 2 by test_mpi.py.
import os

import numpy as np
import pytest
from petsc4py import PETSc

import metarom

N = 63
H = 1.0 / (N + 1)


def heat_ts():
    """u' = A u, A the 1-D second difference (Dirichlet), Crank-Nicolson with fixed steps; the
    initial state is three sine modes (eigenvectors of A)."""
    A = PETSc.Mat().createAIJ([N, N], nnz=3, comm=PETSc.COMM_WORLD)
    begin, end = A.getOwnershipRange()
    for i in range(begin, end):
        A[i, i] = -2.0 / H**2
        if i > 0:
            A[i, i - 1] = 1.0 / H**2
        if i < N - 1:
            A[i, i + 1] = 1.0 / H**2
    A.assemble()
    ts = PETSc.TS().create(PETSc.COMM_WORLD)
    ts.setProblemType(PETSc.TS.ProblemType.LINEAR)
    ts.setRHSFunction(PETSc.TS.computeRHSFunctionLinear)
    ts.setRHSJacobian(PETSc.TS.computeRHSJacobianConstant, A, A)
    ts.setType("cn")
    ts.setTime(0.0)
    ts.setTimeStep(2.5e-4)
    ts.setMaxTime(0.05)
    ts.setExactFinalTime(PETSc.TS.ExactFinalTime.MATCHSTEP)
    u = A.createVecLeft()
    x = H * np.arange(begin + 1, end + 1)
    u.setArray(sum(np.sin(k * np.pi * x) / k**2 for k in (1, 2, 3)))
    return ts, u


def norm(v):
    return v.norm()


def record_and_reduce(directory):
    snaps, model = os.path.join(directory, "snaps.h5"), os.path.join(directory, "pod.h5")
    ts, u = heat_ts()
    metarom.plugin.record(ts, snaps, stride=10)
    ts.solve(u)
    full = u.copy()
    ts.destroy()  # the recording is complete (renamed from snaps.h5.partial) when the TS goes
    s = metarom.read(snaps)
    assert s.count == 21 and s.provenance["model"] == "petsc-ts"
    pod = metarom.POD(r=3)
    pod.fit(s)
    pod.save(model)
    ts, u = heat_ts()
    metarom.plugin.reduce(ts, model)
    assert ts.getType() == "rom"
    ts.solve(u)
    ts.destroy()
    u.axpy(-1.0, full)
    return norm(u) / norm(full)


def test_record_and_reduce_a_petsc4py_ts(tmp_path):
    # The basis spans the run's invariant subspace (three eigenvectors), so what is left is
    # the latent integrator's: the plugin's default adaptive RK with tolerances 1e-4.
    assert record_and_reduce(str(tmp_path)) < 1e-4


def test_plugin_refuses_what_is_not_a_ts():
    with pytest.raises(TypeError, match="expected a petsc4py.PETSc.TS"):
        metarom.plugin.record("ts", "x.h5")
    with pytest.raises(ValueError, match="not created"):
        metarom.plugin.reduce(PETSc.TS(), "pod.h5")
