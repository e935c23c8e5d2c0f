#!/usr/bin/env python3
"""Long-run check of the QG model (a program, not a CI test).

Reads QG snapshot files written by `metarom simulate qg` (several files are joined in time),
computes the time-mean streamfunction, counts its gyres and draws it to a PNG.

Gyre count: along each north-south grid line the mean ψ is split into runs of one sign,
ignoring values below 5 % of max |ψ|; the count is the most common number of runs over the
grid lines of the interior x in [0.1, 0.9]. Re = 450 should give four gyres (San & Iliescu
2015): a subtropical and a subpolar gyre with a weaker gyre of opposite sign beyond each.

usage: qg_mean_gyres.py OUT.png FILE.h5 [FILE.h5 ...]
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib.
"""
import os
import sys
from collections import Counter

import h5py
import numpy as np


def load_mean(paths):
    total, count, dims, times = None, 0, None, []
    for path in paths:
        with h5py.File(path, "r") as f:
            if f.attrs["metarom_format"] not in (b"snapshots", "snapshots"):
                sys.exit(f"{path}: not a metarom snapshot file")
            states = f["states"]
            dims = tuple(int(d) for d in f["layout"].attrs["dims"])
            times.extend(f["time"][:])
            s = states[:].sum(axis=0)
            total = s if total is None else total + s
            count += states.shape[0]
    nx, ny = dims
    return (total / count).reshape(ny, nx), min(times), max(times), count


def gyre_count(mean):
    ny, nx = mean.shape
    threshold = 0.05 * np.abs(mean).max()
    counts = []
    for i in range(int(0.1 * nx), int(0.9 * nx) + 1):
        col = mean[:, i]
        signs = np.sign(col[np.abs(col) > threshold])
        runs = 1 + int(np.count_nonzero(signs[1:] != signs[:-1])) if signs.size else 0
        counts.append(runs)
    return Counter(counts).most_common(1)[0][0], Counter(counts)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, paths = sys.argv[1], sys.argv[2:]
    mean, t0, t1, count = load_mean(paths)
    gyres, histogram = gyre_count(mean)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ny, nx = mean.shape
    x = np.arange(1, nx + 1) / (nx + 1)
    y = 2 * np.arange(1, ny + 1) / (ny + 1)
    fig, ax = plt.subplots(figsize=(4, 7))
    lim = np.abs(mean).max()
    cs = ax.contourf(x, y, mean, levels=np.linspace(-lim, lim, 31), cmap="RdBu_r")
    ax.contour(x, y, mean, levels=[0], colors="k", linewidths=0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"time-mean ψ, t in [{t0:.2f}, {t1:.2f}]\n{count} snapshots, {gyres} gyres")
    fig.colorbar(cs, ax=ax, shrink=0.8)
    fig.tight_layout()
    root, ext = os.path.splitext(out)
    temp = "%s.tmp%d%s" % (root, os.getpid(), ext)  # renamed into place: never a partial image
    fig.savefig(temp, dpi=120)
    os.replace(temp, out)
    print(f"time-mean streamfunction over t in [{t0:.3f}, {t1:.3f}] ({count} snapshots, grid {nx} x {ny})")
    print(f"  min {mean.min():.4f}, max {mean.max():.4f}")
    print(f"  sign runs per north-south line: {dict(sorted(histogram.items()))}")
    print(f"  gyres: {gyres} ({'four-gyre pattern' if gyres == 4 else 'NOT the four-gyre pattern'})")
    print(f"  wrote {out}")
    return 0 if gyres == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
