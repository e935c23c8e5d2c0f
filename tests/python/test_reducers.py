# metarom.Reducer and its classes (python/src/reducers.cpp): POD against the Eckart-Young
# theorem, a reducer fitted from Python against the command-line one on the same file, the
# neural reducers' fit/encode/decode/jacobian, save and load.
import subprocess

import numpy as np
import pytest

import metarom
from conftest import low_rank


def test_pod_singular_values_and_error_are_eckart_young(rng):
    sigma = np.array([10.0, 4.0, 2.0, 1.0, 0.5, 0.25])
    X = low_rank(rng, 200, 30, sigma)
    pod = metarom.POD(r=3)
    pod.fit(metarom.SnapshotSet(X))
    np.testing.assert_allclose(pod.singular_values[:6], sigma, rtol=1e-12)  # exact SVD: round-off
    # The best rank-3 approximation's error is (sigma_4^2 + ... )^(1/2) (Eckart-Young).
    R = pod.decode(pod.encode(X))
    expected = np.sqrt(np.sum(sigma[3:] ** 2))
    assert np.linalg.norm(R - X) == pytest.approx(expected, rel=1e-10)
    B = pod.jacobian(np.zeros(3))  # the basis: orthonormal columns
    np.testing.assert_allclose(B.T @ B, np.eye(3), atol=1e-13)


def test_python_fit_agrees_with_the_command_line(tmp_path, rng):
    X = low_rank(rng, 120, 25, np.array([5.0, 3.0, 1.0, 0.3, 0.1]))
    path = tmp_path / "x.h5"
    metarom.write(str(path), metarom.SnapshotSet(X))
    pod = metarom.POD(r=4)
    pod.fit(metarom.read(str(path)))
    subprocess.run([metarom.program(), "fit", "pod", "-i", str(path), "-o", str(tmp_path / "cli.h5"), "-r", "4",
                    "-quiet"], check=True)
    cli = metarom.load_reducer(str(tmp_path / "cli.h5"))
    np.testing.assert_allclose(pod.singular_values, cli.singular_values, rtol=1e-14)
    # Same bases up to the signs of the columns: the projections agree to round-off.
    np.testing.assert_allclose(pod.decode(pod.encode(X)), cli.decode(cli.encode(X)), atol=1e-13)


def test_save_and_load_round_trip(tmp_path, rng):
    X = low_rank(rng, 50, 12, np.array([3.0, 2.0, 1.0]))
    pod = metarom.Reducer("pod", r=2)
    with pytest.raises(metarom.Error, match="not fitted"):
        pod.encode(X)
    pod.fit(metarom.SnapshotSet(X))
    pod.save(str(tmp_path / "pod.h5"))
    back = metarom.load_reducer(str(tmp_path / "pod.h5"))
    assert back.type == "pod" and back.latent_dim == 2
    np.testing.assert_array_equal(back.encode(X), pod.encode(X))


def test_autoencoder_jacobian_matches_finite_differences(rng):
    X = low_rank(rng, 30, 40, np.array([4.0, 2.0, 1.0]))
    ae = metarom.Autoencoder(r=2, ae_hidden=8, ae_epochs=20, ae_seed=1)
    ae.fit(metarom.SnapshotSet(X))
    u = ae.encode(X[:, :1])[:, 0]
    J = ae.jacobian(u)
    eps = 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = eps
        fd = (ae.decode((u + e)[:, None]) - ae.decode((u - e)[:, None]))[:, 0] / (2 * eps)
        # Central differences: O(eps^2) truncation, round-off ~1e-16/eps relative to the scale.
        np.testing.assert_allclose(J[:, k], fd, atol=1e-7 * max(1.0, np.abs(fd).max()))


def test_meta_autoencoder_fits_and_keywords_are_checked(rng):
    X = low_rank(rng, 30, 40, np.array([4.0, 2.0, 1.0]))
    meta = metarom.MetaAutoencoder(r=2, ae_hidden=8, ae_epochs=5, ae_seed=1)
    meta.fit(metarom.SnapshotSet(X))
    assert meta.encode(X).shape == (2, 40) and meta.decode(meta.encode(X)).shape == (30, 40)
    with pytest.raises(TypeError, match="unknown keyword ae_hiden"):
        metarom.Autoencoder(r=2, ae_hiden=8)
    with pytest.raises(metarom.Error, match="latent dimension r = 50 exceeds"):
        metarom.POD(r=50).fit(metarom.SnapshotSet(X))
    with pytest.raises(metarom.Error, match="unknown reducer type"):
        metarom.Reducer("pca")


def test_progress_lines_when_asked_and_none_by_default_off_a_terminal(rng, capfd):
    X = low_rank(rng, 30, 40, np.array([4.0, 2.0, 1.0]))
    metarom.Autoencoder(r=2, ae_hidden=8, ae_epochs=3, progress=True).fit(metarom.SnapshotSet(X))
    assert "ae: epoch 3/3" in capfd.readouterr().err
    metarom.Autoencoder(r=2, ae_hidden=8, ae_epochs=3).fit(metarom.SnapshotSet(X))  # stderr is not a terminal here
    assert "epoch" not in capfd.readouterr().err


def test_fit_on_an_array_equals_fit_on_a_set(rng):
    X = low_rank(rng, 150, 20, np.array([6.0, 2.0, 1.0, 0.5]))
    from_set = metarom.POD(r=3)
    from_set.fit(metarom.SnapshotSet(X))
    for data in (X, np.ascontiguousarray(X), X.astype(np.float32)):  # read in place; C order and float32 copied
        pod = metarom.POD(r=3)
        pod.fit(data)
        # float32: the data's own rounding (6e-8 relative) moves every singular value by up to
        # about 6e-8 sigma_1, the zero ones included. float64: the same fit up to round-off
        # (Eigen's reductions may sum in another order on memory of another alignment).
        tol = 6.0 * (1e-6 if data.dtype == np.float32 else 1e-13)
        np.testing.assert_allclose(pod.singular_values, from_set.singular_values, rtol=0, atol=tol)
    with pytest.raises(ValueError, match="latent_dynamics needs a SnapshotSet"):
        metarom.POD(r=3).fit(X, latent_dynamics="learned")
    with pytest.raises(ValueError, match="2-D"):
        metarom.POD(r=3).fit(X[:, 0])


# Run in a fresh interpreter: its peak resident memory (ru_maxrss) then measures this fit alone.
PEAK_SCRIPT = """
import resource, sys
import numpy as np
import metarom
n, N = 8192, 1024  # 64 MiB of float64
X = np.random.default_rng(1).standard_normal((N, n)).T  # Fortran-ordered as made: no temporary copy
how = sys.argv[1]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pod = metarom.POD(r=5, pod_svd="randomized", pod_center=False)
pod.fit(X if how == "array" else metarom.SnapshotSet(X))
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0)  # MiB
"""


def test_fit_on_a_fortran_array_does_not_copy_it():
    import os
    import sys
    peak = {}
    for how in ("array", "set"):
        out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, how], check=True, capture_output=True, text=True,
                             env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        peak[how] = float(out.stdout.split()[-1])
    # The matrix is 64 MiB. Built into a SnapshotSet it is copied once (the set owns its states):
    # the peak grows by at least that. Fitted as an array, uncentred randomized POD reads it in
    # place: what grows is the sketch (8192 x 15 doubles, 1 MiB) and the library's own work
    # space, far below one copy.
    assert peak["set"] >= 60, peak
    assert peak["array"] < 32, peak
