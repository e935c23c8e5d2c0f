"""Structure-aware malformed metarom files (issue 35): from good files of every kind, one file
per structural fault — each data set at rank 0, 1 and 3, of integers, strings, 32-bit floats
or a compound type, missing, renamed, a soft, dangling or external link, huge declared dims
with no data, a filter this HDF5 library lacks, a NaN or Inf; groups missing, renamed,
replaced or linked; attributes missing or mistyped; sizes that disagree between objects; a
newer format version; extra objects and a hard-link cycle — plus good controls that every
reader must accept (the base files, an annotated file, a derived field, no layout).

usage: make_malformed_files.py DIR OUT
DIR holds the good files snap.h5, traj.h5, pod.h5 (with learned latent dynamics), ae.h5,
meta.h5, sparse.h5, linear.h5, inv.h5 and ckpt.h5 (a training checkpoint); OUT receives the
corpus and manifest.tsv: one line per file, `name kind expect must`, where expect is
`reject` or `accept` and `must` the text (an object path or attribute name) that a
rejection's message must hold.
"""
import os
import shutil
import sys

import h5py
import numpy as np

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
manifest = []
KIND = {"snap": "snapshots", "traj": "trajectory", "pod": "model", "ae": "model", "meta": "model",
        "sparse": "model", "linear": "model", "inv": "inverse_map", "ckpt": "checkpoint"}


def case(base, name, expect, must, edit):
    """OUT/base__name.h5: a copy of DIR/base.h5 changed by edit(h5py.File)."""
    fname = f"{base}__{name}.h5"
    path = os.path.join(out, fname)
    shutil.copyfile(os.path.join(src, base + ".h5"), path)
    with h5py.File(path, "r+") as f:
        edit(f)
    manifest.append((fname, KIND[base], expect, must))


def replace(f, path, data, **kw):
    del f[path]
    f.create_dataset(path, data=data, **kw)


def parent(path):
    return path.rsplit("/", 1)[0] or "/"


# --------------------------------------------------------------- data-set faults
def ds_faults(full):
    """The faults of one data set: all of them, or the common few."""
    def rank0(f, p):
        v = f[p][()]
        replace(f, p, np.float64(np.ravel(v)[0] if np.size(v) else 0.0))

    def rank1(f, p):
        replace(f, p, np.ravel(f[p][()]).astype("f8") if f[p].ndim != 1 else f[p][()][:1].reshape(1))

    def rank3(f, p):
        v = f[p][()]
        replace(f, p, v.reshape(v.shape + (1,) * (3 - v.ndim)) if v.ndim < 3 else v.reshape(v.shape[:2] + (-1,)))

    def ints(f, p):
        replace(f, p, np.ones(f[p].shape, dtype="i8"))

    def strings(f, p):
        replace(f, p, np.full(f[p].shape, b"x", dtype="S4"))

    def float32(f, p):
        replace(f, p, f[p][()].astype("f4"))

    def compound(f, p):
        replace(f, p, np.zeros(f[p].shape, dtype=[("re", "f8"), ("im", "f8")]))

    def missing(f, p):
        del f[p]

    def renamed(f, p):
        f.move(p, p + "_renamed")

    def soft(f, p):
        f.move(p, p + "_target")
        f[p] = h5py.SoftLink(p + "_target")

    def dangling(f, p):
        del f[p]
        f[p] = h5py.SoftLink("/nowhere")

    def external(f, p):
        del f[p]
        f[p] = h5py.ExternalLink("elsewhere.h5", p)

    def huge(f, p):
        shape = f[p].shape
        del f[p]
        big = (10**9,) + tuple(shape[1:]) if shape else (10**9,)
        f.create_dataset(p, shape=big, dtype="f8", chunks=(1,) + tuple(big[1:]))

    def lzf(f, p):  # h5py's own filter: the C library metarom links has no LZF
        v = f[p][()]
        del f[p]
        f.create_dataset(p, data=v, compression="lzf", chunks=v.shape if v.shape else None)

    def nan(f, p):
        v = f[p][()].copy()
        v.flat[-1] = np.nan
        replace(f, p, v)

    def inf(f, p):
        v = f[p][()].copy()
        v.flat[0] = -np.inf
        replace(f, p, v)

    common = [("rank0", rank0), ("missing", missing), ("int", ints), ("nan", nan)]
    rest = [("rank1", rank1), ("rank3", rank3), ("string", strings), ("float32", float32),
            ("compound", compound), ("renamed", renamed), ("soft_link", soft), ("dangling_link", dangling),
            ("external_link", external), ("huge_dims", huge), ("lzf_filter", lzf), ("inf", inf)]
    return common + (rest if full else [])


def datasets(path):
    found = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: found.append("/" + n) if isinstance(o, h5py.Dataset) else None)
    return found


KEY = {"snap": {"/states", "/time"}, "traj": {"/latent"}, "pod": {"/reducer/basis", "/latent_dynamics/A"},
       "ae": {"/reducer/decoder/W2", "/reducer/normalization_basis"}, "meta": {"/reducer/decoder/W1"},
       "sparse": {"/reducer/decoder_weight"}, "linear": set(), "inv": {"/map/decoder"}, "ckpt": {"/params"}}
for base in KIND:
    for p in datasets(os.path.join(src, base + ".h5")):
        for fault, edit in ds_faults(p in KEY[base]):
            if fault == "rank1" and base == "ckpt":
                continue  # the checkpoint's data sets are 1-D already
            # A trajectory's latent states are not read by the snapshot readers: their values
            # are the concern of the commands that use them (-check notes them).
            expect = "accept" if p == "/latent" and fault in ("nan", "inf") else "reject"
            case(base, p.strip("/").replace("/", ".") + "." + fault, expect, p, lambda f, p=p, e=edit: e(f, p))


# --------------------------------------------------------------- group faults
def group_faults(base, g):
    def missing(f):
        del f[g]

    def renamed(f):
        f.move(g, g + "_renamed")

    def dataset(f):
        del f[g]
        f[g] = np.zeros(3)

    def soft(f):
        f.move(g, g + "_target")
        f[g] = h5py.SoftLink(g + "_target")

    # A snapshot set without a layout is unstructured data (a note), a model without latent
    # dynamics an ordinary one: readers accept both.
    optional = (base in ("snap", "traj") and g == "/layout") or g == "/latent_dynamics"
    for name, edit in [("missing", missing), ("renamed", renamed), ("as_dataset", dataset), ("soft_link", soft)]:
        expect = "accept" if optional and name == "missing" else "reject"
        case(base, g.strip("/").replace("/", ".") + ".group_" + name, expect, g, edit)


for base, groups in {"snap": ["/layout"], "traj": ["/layout"],
                     "pod": ["/reducer", "/training", "/training/layout", "/latent_dynamics"],
                     "ae": ["/reducer/encoder", "/reducer/decoder"], "meta": ["/reducer/initial_encoder"],
                     "sparse": ["/reducer"], "inv": ["/map", "/training"]}.items():
    for g in groups:
        group_faults(base, g)


# --------------------------------------------------------------- attribute faults
def attr_set(obj, key, value):
    return lambda f: f[obj].attrs.__setitem__(key, value)


def attr_del(obj, key):
    return lambda f: f[obj].attrs.__delitem__(key)


ATTRS = [  # base, object, attribute, value to set (None: delete it), case name
    ("snap", "/", "metarom_format", None, "no_format"),
    ("snap", "/", "metarom_version", None, "no_version"),
    ("snap", "/", "metarom_version", 99, "newer_version"),
    ("snap", "/", "metarom_version", "one", "version_string"),
    ("snap", "/", "complete", 7, "complete_7"),
    ("snap", "/layout", "dims", "eight", "dims_string"),
    ("snap", "/layout", "dims", np.array([8, 9]), "dims_mismatch"),
    ("snap", "/layout", "dims", np.array([0, 8]), "dims_zero"),
    ("snap", "/layout", "dims", np.array([10**10, 10**10]), "dims_absurd"),
    ("snap", "/layout", "fields", 3, "fields_int"),
    ("snap", "/layout", "fields", np.array([b"u", b"v"]), "fields_mismatch"),
    ("pod", "/", "metarom_version", 99, "newer_version"),
    ("pod", "/", "metarom_format", "modell", "format_unknown"),
    ("pod", "/reducer", "type", None, "no_type"),
    ("pod", "/reducer", "type", "nope", "type_unknown"),
    ("pod", "/reducer", "latent_dim", None, "no_latent_dim"),
    ("pod", "/reducer", "latent_dim", "three", "latent_dim_string"),
    ("pod", "/reducer", "latent_dim", 0, "latent_dim_zero"),
    ("pod", "/reducer", "latent_dim", 4, "latent_dim_mismatch"),
    ("pod", "/reducer", "latent_dim", 10**12, "latent_dim_absurd"),
    ("pod", "/reducer", "centered", None, "no_centered"),
    ("pod", "/reducer", "svd", "magic", "svd_unknown"),
    ("pod", "/training", "n", None, "no_n"),
    ("pod", "/training", "n", 65, "n_mismatch"),
    ("pod", "/training", "n", -4, "n_negative"),
    ("pod", "/training", "count", "many", "count_string"),
    ("pod", "/latent_dynamics", "latent_dim", 4, "dynamics_dim_mismatch"),
    ("pod", "/latent_dynamics", "form", "cubic", "form_unknown"),
    ("pod", "/latent_dynamics", "lambda_linear", None, "no_lambda"),
    ("ae", "/reducer", "hidden", None, "no_hidden"),
    ("ae", "/reducer", "normalization_scale", None, "no_scale"),
    ("ae", "/reducer", "normalization_pod_modes", 9, "pod_modes_mismatch"),
    ("ae", "/reducer/decoder", "widths", np.array([2, 4, 11]), "widths_mismatch"),
    ("ae", "/reducer/decoder", "widths", np.array([2]), "widths_short"),
    ("ae", "/reducer/encoder", "widths", np.array([10, -4, 2]), "widths_negative"),
    ("ae", "/reducer/encoder", "hidden_activation", "relu", "activation_unknown"),
    ("meta", "/reducer", "gn_iterations", None, "no_gn_iterations"),
    ("meta", "/reducer", "gradient", "magic", "gradient_unknown"),
    ("sparse", "/reducer", "encoder_activation", "relu", "activation_unknown"),
    ("sparse", "/reducer", "lambda", None, "no_lambda"),
    ("sparse", "/reducer", "latent_dim", 5, "latent_dim_mismatch"),
    ("linear", "/reducer", "route", "other", "route_unknown"),
    ("linear", "/reducer", "bayes_risk", None, "no_bayes_risk"),
    ("inv", "/map", "rank", None, "no_rank"),
    ("inv", "/map", "n", 65, "n_mismatch"),
    ("inv", "/map", "rank", 100, "rank_absurd"),
    ("ckpt", "/", "seed", None, "no_seed"),
    ("ckpt", "/", "best_loss", "low", "best_loss_string"),
    ("traj", "/", "metarom_version", 99, "newer_version"),
]
for base, obj, key, value, name in ATTRS:
    edit = attr_del(obj, key) if value is None else attr_set(obj, key, value)
    if name in ("dims_mismatch", "fields_mismatch", "pod_modes_mismatch") or name.endswith("latent_dim_mismatch"):
        must = obj  # the sizes disagree: the group holding the attribute is named
    elif name in ("newer_version",):
        must = "format version 99"
    elif name == "format_unknown":
        must = "modell"  # the kind named in the file
    else:
        must = key
    case(base, "attr." + name, "reject", must, edit)


# --------------------------------------------------------------- sizes that disagree
def shorter(p):
    return lambda f: replace(f, p, f[p][()][:-1])


case("snap", "size.time_short", "reject", "/time", shorter("/time"))
case("snap", "size.parameters_rows", "reject", "/parameters",
     lambda f: f.create_dataset("parameters", data=np.zeros((f["states"].shape[0] + 1, 2))))
case("snap", "size.derived_shape", "reject", "/vorticity",
     lambda f: f.create_dataset("vorticity", data=np.zeros((f["states"].shape[0], 5))))
case("traj", "size.latent_rows", "reject", "/latent", shorter("/latent"))
case("pod", "size.basis_cols", "reject", "/reducer/basis", lambda f: replace(f, "reducer/basis", f["reducer/basis"][()][:, :-1]))
case("pod", "size.dynamics_H", "reject", "/latent_dynamics/H", shorter("/latent_dynamics/H"))
case("ae", "size.W1_cols", "reject", "/reducer/encoder/W1", lambda f: replace(f, "reducer/encoder/W1", f["reducer/encoder/W1"][()][:, :-1]))
case("ae", "size.mean", "reject", "/reducer/normalization_mean", shorter("/reducer/normalization_mean"))
case("sparse", "size.encoder_bias", "reject", "/reducer/encoder_bias", shorter("/reducer/encoder_bias"))
case("inv", "size.encoder_t", "reject", "/map/encoder_t", lambda f: replace(f, "map/encoder_t", f["map/encoder_t"][()][:-1]))
case("ckpt", "size.best", "reject", "/best", shorter("/best"))

# --------------------------------------------------------------- extra objects and cycles
case("snap", "extra.group", "reject", "/extra", lambda f: f.create_group("extra"))
case("pod", "extra.dataset", "reject", "/reducer/junk", lambda f: f.create_dataset("reducer/junk", data=np.zeros(3)))
case("pod", "extra.group", "reject", "/extra", lambda f: f.create_group("extra"))
case("pod", "extra.hard_cycle", "reject", "/reducer/loop", lambda f: f["reducer"].__setitem__("loop", f["/"]))
case("ae", "extra.soft_cycle", "reject", "/reducer/decoder/self",
     lambda f: f["reducer/decoder"].__setitem__("self", h5py.SoftLink("/reducer/decoder/self")))
case("ckpt", "extra.dataset", "reject", "/junk", lambda f: f.create_dataset("junk", data=np.zeros(3)))

# --------------------------------------------------------------- good controls: accepted
for base in KIND:
    case(base, "good", "accept", "", lambda f: None)
case("snap", "good.annotated", "accept", "", lambda f: f.attrs.__setitem__("author", "a user, with h5py"))
case("pod", "good.annotated", "accept", "", lambda f: f["reducer"].attrs.__setitem__("note", "kept for the paper"))
case("snap", "good.parameters", "accept", "",
     lambda f: f.create_dataset("parameters", data=np.ones((f["states"].shape[0], 2))))
case("snap", "good.derived", "accept", "", lambda f: f.create_dataset("vorticity", data=f["states"][()] * 2))
# fit never reads a derived field: its values are the business of the commands that do.
case("snap", "good.derived_nan", "accept", "",
     lambda f: f.create_dataset("rhs", data=np.full(f["states"].shape, np.nan)))
case("snap", "good.big_endian", "accept", "", lambda f: replace(f, "time", f["time"][()].astype(">f8")))

with open(os.path.join(out, "manifest.tsv"), "w") as m:
    for row in manifest:
        m.write("\t".join(row) + "\n")
print(f"make_malformed_files: {len(manifest)} files "
      f"({sum(r[2] == 'reject' for r in manifest)} malformed, {sum(r[2] == 'accept' for r in manifest)} good)")
