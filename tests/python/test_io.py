# metarom.SnapshotSet, read, write (python/src/io.cpp): NumPy <-> file <-> C++ round trips,
# files shared with h5py both ways (data/FORMAT.md), bad input refused with clear exceptions.
import h5py
import numpy as np
import pytest

import metarom


def test_numpy_file_round_trip_is_exact(tmp_path, rng):
    X = rng.standard_normal((40, 7))
    t = np.linspace(0.0, 0.6, 7)
    s = metarom.SnapshotSet(X, t=t, layout=metarom.FieldLayout(dims=[8, 5], fields=["u"]), provenance={"source": "test"})
    assert (s.n, s.count, len(s)) == (40, 7, 7)
    np.testing.assert_array_equal(s.X, X)  # the set's copy holds the same bits
    path = tmp_path / "s.h5"
    metarom.write(str(path), s)
    back = metarom.read(str(path))
    np.testing.assert_array_equal(back.X, X)
    np.testing.assert_array_equal(back.t, t)
    assert back.layout.dims == [8, 5] and back.layout.fields == ["u"]
    assert back.provenance["source"] == "test"


def test_views_write_into_the_set(tmp_path):
    s = metarom.SnapshotSet(np.zeros((6, 3)))
    s.X[2, 1] = 5.0  # X is a view of the C++ set's memory
    s.t[:] = [0.0, 0.5, 1.0]
    path = tmp_path / "v.h5"
    metarom.write(str(path), s)
    back = metarom.read(str(path))
    assert back.X[2, 1] == 5.0 and back.t[2] == 1.0


def test_h5py_reads_what_metarom_writes(tmp_path, rng):
    X = rng.standard_normal((12, 4))
    path = tmp_path / "w.h5"
    metarom.write(str(path), metarom.SnapshotSet(X))
    with h5py.File(path, "r") as f:
        assert f.attrs["metarom_format"] == b"snapshots"
        np.testing.assert_array_equal(f["states"][...], X.T)  # [N, n]: snapshot j is row j


def test_metarom_reads_what_h5py_writes(tmp_path, rng):
    # A snapshot file made from FORMAT.md alone, with h5py.
    X = rng.standard_normal((10, 3))
    path = tmp_path / "h.h5"
    with h5py.File(path, "w") as f:
        f.attrs["metarom_format"] = np.bytes_("snapshots")
        f.attrs["metarom_version"] = np.int64(2)
        f.attrs["metarom_software_version"] = np.bytes_("h5py")
        f["states"] = X.T
        f["time"] = np.arange(3.0)
        layout = f.create_group("layout")
        layout.attrs["dims"] = np.array([10], dtype=np.int64)
        layout.attrs["fields"] = [np.bytes_("u")]
        layout.attrs["ordering"] = np.bytes_("natural")
        f.create_group("provenance")
    s = metarom.read(str(path))
    np.testing.assert_array_equal(s.X, X)
    np.testing.assert_array_equal(s.t, [0.0, 1.0, 2.0])


def test_other_layouts_and_dtypes_are_converted(rng):
    X = rng.standard_normal((9, 5))
    reference = metarom.SnapshotSet(np.asfortranarray(X)).X.copy()
    np.testing.assert_array_equal(metarom.SnapshotSet(np.ascontiguousarray(X)).X, reference)  # C order
    strided = np.zeros((18, 5))
    strided[::2] = X
    np.testing.assert_array_equal(metarom.SnapshotSet(strided[::2]).X, reference)  # not contiguous
    np.testing.assert_array_equal(metarom.SnapshotSet(X.astype(np.float32)).X, X.astype(np.float32))
    np.testing.assert_array_equal(metarom.SnapshotSet(np.ones((3, 2), dtype=np.int32)).X, np.ones((3, 2)))


def test_bad_input_raises_clear_exceptions(tmp_path):
    with pytest.raises(TypeError, match="expected real numbers"):
        metarom.SnapshotSet(np.zeros((3, 2), dtype=complex))
    with pytest.raises(TypeError, match="expected a NumPy array"):
        metarom.SnapshotSet("states")
    with pytest.raises(ValueError, match="expected a 2-D array, got 1 dimension"):
        metarom.SnapshotSet(np.zeros(5))
    with pytest.raises(ValueError, match="t: expected 2 values, got 3"):
        metarom.SnapshotSet(np.zeros((3, 2)), t=np.zeros(3))
    with pytest.raises(metarom.Error, match="no such file"):
        metarom.read(str(tmp_path / "missing.h5"))
    bad = tmp_path / "not_hdf5.h5"
    bad.write_text("not a snapshot file")
    with pytest.raises(metarom.Error):
        metarom.read(str(bad))
    assert issubclass(metarom.Error, RuntimeError)


def test_parametric_sweep_and_trajectories():
    s = metarom.simulate("heat", heat_dim=1, heat_nx=31, heat_steps=20, sweep={"heat_kappa": [0.5, 1.0, 2.0]})
    assert s.trajectory_count == 3 and s.parameter_names == ["heat_kappa"]
    np.testing.assert_array_equal([s.trajectory_parameters(j)[0] for j in range(3)], [0.5, 1.0, 2.0])
    second = s.trajectory(1)
    assert second.count == s.count // 3 and second.trajectory_count == 1
    np.testing.assert_array_equal(second.X, s.X[:, s.starts[1]:s.starts[2]])
