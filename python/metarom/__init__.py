"""metarom: reduced-order models from snapshot data, and latent ROMs that run them.

The C++ library's concepts under the same names (docs/python.md):

    import metarom
    heat = metarom.simulate("heat", heat_nx=64, heat_steps=200)   # a SnapshotSet
    pod = metarom.POD(r=5)                                          # or metarom.Reducer("pod", r=5)
    pod.fit(heat)
    pod.save("pod.h5")
    rom = metarom.ReducedModel("pod.h5")                            # the full model rebuilt
    run = rom.run()                                                 # a RomRun: t, latent, decoded, timings
    full = rom.simulate()
    print(metarom.rom_errors(run.decoded, full)["rel_error"])

Options are keywords named as on the command line without the leading '-' (pod_energy,
ae_hidden, meta_inner_steps, heat_steps, rom_ts_type, ...); docs/cli.md lists them with
their defaults. Errors raise metarom.Error (a RuntimeError) with the library's message,
TypeError or ValueError for arguments of the wrong kind or shape.
"""
import json as _json
import os as _os
import shutil as _shutil
import subprocess as _subprocess

# petsc4py initializes MPI and PETSc when it is imported and finalizes them at exit, after
# the objects are gone; the extension uses that PETSc (the same library).
from petsc4py import PETSc as _PETSc  # noqa: F401

from ._metarom import (  # noqa: F401
    Error,
    FieldLayout,
    ReducedModel,
    RomRun,
    Reducer,
    SnapshotSet,
    __version__,
    load_reducer,
    merge,
    plugin,
    read,
    reducer_types,
    rom_errors,
    rom_types,
    simulate,
    write,
)


def _reducer_class(type_name, class_name, summary):
    def __init__(self, r=None, progress=None, **options):
        Reducer.__init__(self, type_name, r, progress, **options)

    __init__.__doc__ = f"{summary}\n\nr: latent dimension; options: the command line's (see Reducer)."
    return type(class_name, (Reducer,), {"__init__": __init__, "__doc__": summary, "__module__": __name__})


POD = _reducer_class("pod", "POD", "Proper orthogonal decomposition (exact TSQR, randomized or incremental SVD)")
LinearAutoencoder = _reducer_class("linear-ae", "LinearAutoencoder", "The linear Bayes-risk autoencoder")
SparseAutoencoder = _reducer_class("sparse-ae", "SparseAutoencoder", "The sparse linear autoencoder")
Autoencoder = _reducer_class("ae", "Autoencoder", "The canonical autoencoder (MLP encoder and decoder)")
RightInvertibleAutoencoder = _reducer_class("ri-ae", "RightInvertibleAutoencoder", "The right-invertible autoencoder")
MetaAutoencoder = _reducer_class(
    "meta-ae", "MetaAutoencoder", "The meta-autoencoder: the encoder is the Gauss-Newton minimizer of the decoder's error"
)


def program():
    """The metarom command-line program that goes with this package.

    $METAROM_PROGRAM if set; else the program beside the package (build/metarom in the build
    tree, PREFIX/bin/metarom where installed); else `metarom` on PATH.
    """
    given = _os.environ.get("METAROM_PROGRAM")
    if given:
        return given
    here = _os.path.dirname(_os.path.abspath(__file__))
    for candidate in (
        _os.path.join(here, "..", "..", "metarom"),  # build/python/metarom -> build/metarom
        _os.path.join(here, "..", "..", "..", "..", "bin", "metarom"),  # PREFIX/lib/python3.X/dist-packages/metarom
    ):
        if _os.path.isfile(candidate) and _os.access(candidate, _os.X_OK):
            return _os.path.normpath(candidate)
    found = _shutil.which("metarom")
    if found:
        return found
    raise Error("metarom: the command-line program was not found (set METAROM_PROGRAM)")


def _option_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_option_text(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def compare(train, test=None, ranks=1, **options):
    """Runs `metarom compare` on snapshot files and returns its report as a dict (compare -json).

    train, test: snapshot files; options as on the command line without the leading '-'
    (r=[5, 10], reducers=["pod", "meta-ae"], o="out_dir", test_parameters="burgers_amplitude=1").
    The comparison runs as its own process (ranks > 1: under mpiexec), as `metarom compare` does.
    """
    command = [program(), "compare", "-i", str(train), "-json", "-quiet"]
    if test is not None:
        command += ["-test", str(test)]
    for name, value in options.items():
        if value is None:
            continue
        command += ["-" + name, _option_text(value)]
    if ranks > 1:
        command = ["mpiexec", "-n", str(ranks)] + command
    done = _subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise Error(f"metarom compare failed ({done.returncode}): {done.stderr.strip()}")
    return _json.loads(done.stdout.strip().splitlines()[-1])

Error.__module__ = __name__  # shown as metarom.Error in tracebacks
