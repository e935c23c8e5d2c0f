# metarom.simulate (python/src/models.cpp) against the discrete solution known in closed form.
import numpy as np
import pytest

import metarom


def heat_1d_discrete_solution(s):
    """The 1-D heat run of `s` in closed form: its initial state is a sum of sines, which are
    eigenvectors of the second-difference matrix (h = 1/(nx+1), eigenvalue -4 kappa/h^2
    sin^2(k pi h / 2)), so Crank-Nicolson multiplies mode k by g_k = (1 + dt l/2)/(1 - dt l/2)
    each step."""
    p = s.provenance
    nx, kappa, modes, decay = p["heat_nx"], p["heat_kappa"], p["heat_modes"], p["heat_ic_decay"]
    h = 1.0 / (nx + 1)
    x = h * np.arange(1, nx + 1)
    dt = (p["heat_t_final"] - p["heat_t0"]) / p["heat_steps"]
    steps = np.rint((s.t - p["heat_t0"]) / dt)
    X = np.zeros((nx, s.count))
    for k in range(1, modes + 1):
        lam = -4.0 * kappa / h**2 * np.sin(k * np.pi * h / 2) ** 2
        g = (1 + dt * lam / 2) / (1 - dt * lam / 2)
        X += np.outer(np.sin(k * np.pi * x) * k ** (-decay), g**steps)
    return X


def test_heat_run_is_the_discrete_solution():
    s = metarom.simulate("heat", heat_dim=1, heat_nx=63, heat_steps=200, heat_snapshot_stride=10)
    assert s.count == 21 and s.t[-1] == pytest.approx(0.05)
    X = heat_1d_discrete_solution(s)
    # Each CG solve converges in as many iterations as the state has modes (three): round-off.
    assert np.linalg.norm(s.X - X) / np.linalg.norm(X) < 1e-12


def test_options_reach_the_model_and_unknown_ones_are_refused():
    s = metarom.simulate("heat", heat_dim=1, heat_nx=15, heat_kappa=0.25, heat_steps=10)
    assert s.n == 15 and s.provenance["heat_kappa"] == 0.25
    with pytest.raises(TypeError, match="unknown keyword heat_nxx"):
        metarom.simulate("heat", heat_nxx=15)
    with pytest.raises(ValueError, match="unknown model 'wave'"):
        metarom.simulate("wave")
    with pytest.raises(metarom.Error, match="at least 3 interior points"):
        metarom.simulate("heat", heat_nx=-3)


def test_reaction_model_from_python():
    # lambda = 0: u0 = a sin(pi x) sin(pi y) is an eigenvector of the 5-point Laplacian, so
    # Crank-Nicolson multiplies it by g = (1 - dt mu/2) / (1 + dt mu/2) a step (numpy below).
    nx, ny, steps = 9, 7, 20
    s = metarom.simulate("reaction", reaction_nx=nx, reaction_ny=ny, reaction_lambda=0.0, reaction_amplitude=0.8,
                         reaction_steps=steps, reaction_t_final=0.02, reaction_snapshot_stride=5)
    assert s.n == nx * ny and s.provenance["reaction_lambda"] == 0.0 and s.layout.dims == [nx, ny]
    hx, hy = 1.0 / (nx + 1), 1.0 / (ny + 1)
    x, y = np.meshgrid(hx * np.arange(1, nx + 1), hy * np.arange(1, ny + 1))  # rows: y, columns: x
    u0 = (0.8 * np.sin(np.pi * x) * np.sin(np.pi * y)).ravel()  # natural order: i + nx j
    mu = 4 / hx**2 * np.sin(np.pi * hx / 2) ** 2 + 4 / hy**2 * np.sin(np.pi * hy / 2) ** 2
    dt = 0.02 / steps
    g = (1 - dt * mu / 2) / (1 + dt * mu / 2)
    expected = np.outer(u0, g ** (5 * np.arange(s.count)))
    # Newton and CG to 1e-12 relative: the states agree to that size.
    assert np.linalg.norm(s.X - expected) / np.linalg.norm(expected) < 1e-10
