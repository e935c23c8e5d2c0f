#!/usr/bin/env python3
"""numpy/LAPACK baseline for metarom's POD benchmark (scripts/bench.sh runs it on the file
metarom_bench_pod writes with -bench_keep_file 1).

Reads /states of a metarom snapshot file (N x n as stored: one snapshot per row) and times
numpy.linalg.svd(full_matrices=False) — LAPACK's dgesdd through whichever BLAS/LAPACK numpy
runs on (printed: the library file its calls reach) — on it, the read not timed. Prints one JSON line: seconds, the leading
singular values, numpy's version and its BLAS. Needs Debian's python3-numpy and python3-h5py.
"""
import argparse
import json
import os
import time

import h5py
import numpy as np


def blas_name():
    """The BLAS numpy runs on: the shared object its calls reach (Debian's numpy links the
    generic libblas.so.3, which the alternatives point at OpenBLAS or the reference BLAS, so
    numpy's own build record says "blas" either way), with OpenBLAS's threads."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path):
                libs.add(os.path.realpath(path))
    name = ", ".join(sorted(libs)) or "unknown"
    if any("openblas" in lib for lib in libs):
        name = "OpenBLAS (%s), %s thread(s)" % (name, os.environ.get("OPENBLAS_NUM_THREADS", "default"))
    return name


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--r", type=int, default=20)
    a = p.parse_args()
    with h5py.File(a.file, "r") as f:
        A = np.array(f["states"], dtype=np.float64)
    start = time.perf_counter()
    s = np.linalg.svd(A, full_matrices=False, compute_uv=True)[1]
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "sigma": s[: a.r].tolist(), "shape": list(A.shape),
                      "numpy": np.__version__, "blas": blas_name()}))


if __name__ == "__main__":
    main()
