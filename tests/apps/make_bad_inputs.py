"""Writes damaged copies of good metarom files, one per way a file can be bad, for
bad_input_test.sh. usage: make_bad_inputs.py DIR (DIR holds heat.h5, pod.h5, ae.h5 and
app_pod.h5, a POD model of the plugin test program's state)."""
import os
import shutil
import sys

import h5py
import numpy as np

d = sys.argv[1]


def copy(src, dst, edit=None):
    path = os.path.join(d, dst)
    shutil.copyfile(os.path.join(d, src), path)
    if edit:
        with h5py.File(path, "r+") as f:
            edit(f)


def replace(f, name, data, **kw):
    del f[name]
    f.create_dataset(name, data=data, **kw)


def truncated(src, dst):
    data = open(os.path.join(d, src), "rb").read()
    open(os.path.join(d, dst), "wb").write(data[: len(data) // 2])


def scrambled(src, dst):
    """The HDF5 superblock kept, everything after its first 512 bytes random."""
    data = bytearray(open(os.path.join(d, src), "rb").read())
    rng = np.random.default_rng(7)
    data[512:] = rng.integers(0, 256, len(data) - 512, dtype=np.uint8).tobytes()
    open(os.path.join(d, dst), "wb").write(bytes(data))


rng = np.random.default_rng(1)
open(os.path.join(d, "random.h5"), "wb").write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())

# Snapshot files.
truncated("heat.h5", "snap_truncated.h5")
scrambled("heat.h5", "snap_scrambled.h5")
copy("heat.h5", "snap_int.h5", lambda f: replace(f, "states", f["states"][()].astype(np.int32)))
copy("heat.h5", "snap_rank3.h5", lambda f: replace(f, "states", f["states"][()].reshape(31, 20, 20)))
copy("heat.h5", "snap_no_states.h5", lambda f: f.__delitem__("states"))
copy("heat.h5", "snap_string_time.h5", lambda f: replace(f, "time", np.array([b"t"] * 31)))


def absurd_states(f):
    del f["states"]
    f.create_dataset("states", shape=(10**9, 400), dtype="f8", chunks=(1, 400))  # declared, never written
    del f["time"]
    f.create_dataset("time", shape=(10**9,), dtype="f8", chunks=(1024,))


copy("heat.h5", "snap_absurd_size.h5", absurd_states)
copy("heat.h5", "snap_absurd_layout.h5", lambda f: f["layout"].attrs.__setitem__("dims", np.array([10**10, 10**10])))
copy("heat.h5", "snap_version.h5", lambda f: f.attrs.__setitem__("metarom_version", 99))
copy("heat.h5", "snap_not_metarom.h5", lambda f: f.attrs.__delitem__("metarom_format"))


def nan_states(f):
    x = f["states"][()]
    x[3, 17] = np.nan
    replace(f, "states", x)


copy("heat.h5", "snap_nan.h5", nan_states)


def inf_time(f):
    t = f["time"][()]
    t[5] = np.inf
    replace(f, "time", t)


copy("heat.h5", "snap_inf_time.h5", inf_time)


def empty_set(f):
    replace(f, "states", np.zeros((0, 400)))
    replace(f, "time", np.zeros(0))


copy("heat.h5", "snap_empty.h5", empty_set)

# Model files.
truncated("pod.h5", "pod_truncated.h5")
scrambled("ae.h5", "ae_scrambled.h5")
copy("pod.h5", "pod_no_basis.h5", lambda f: f["reducer"].__delitem__("basis"))
copy("pod.h5", "pod_type.h5", lambda f: f["reducer"].attrs.__setitem__("type", b"nope"))
copy("pod.h5", "pod_absurd_r.h5", lambda f: f["reducer"].attrs.__setitem__("latent_dim", 10**12))
copy("pod.h5", "pod_negative_r.h5", lambda f: f["reducer"].attrs.__setitem__("latent_dim", -3))
copy("pod.h5", "pod_version.h5", lambda f: f.attrs.__setitem__("metarom_version", 99))
copy("pod.h5", "pod_missing_attr.h5", lambda f: f["reducer"].attrs.__delitem__("latent_dim"))
copy("pod.h5", "pod_string_attr.h5", lambda f: f["reducer"].attrs.__setitem__("latent_dim", b"three"))


def nan_weight(f):
    w = f["reducer/decoder/W2"][()]
    w[1, 2] = np.nan
    replace(f, "reducer/decoder/W2", w)


copy("ae.h5", "ae_nan_weight.h5", nan_weight)
copy("ae.h5", "ae_absurd_width.h5", lambda f: f["reducer/decoder"].attrs.__setitem__("widths", np.array([3, 10**12, 30])))
copy("ae.h5", "ae_wrong_layer.h5", lambda f: replace(f, "reducer/encoder/W2", np.zeros((8, 4))))
copy("ae.h5", "ae_no_decoder.h5", lambda f: f["reducer"].__delitem__("decoder"))
copy("pod.h5", "pod_no_training.h5", lambda f: f.__delitem__("training"))


# The plugin test program's model, damaged.
truncated("app_pod.h5", "app_pod_truncated.h5")
copy("app_pod.h5", "app_pod_absurd_r.h5", lambda f: f["reducer"].attrs.__setitem__("latent_dim", 10**12))


def nan_basis(f):
    b = f["reducer/basis"][()]
    b[0, 0] = np.nan
    replace(f, "reducer/basis", b)


copy("app_pod.h5", "app_pod_nan.h5", nan_basis)
