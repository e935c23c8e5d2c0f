#!/usr/bin/env python3
"""Figures for `metarom compare` (run by it; or by hand: compare_plots.py DIR).

Reads DIR/compare.json and the trajectories it names, and writes
  DIR/error_vs_time.png    relative error of every ROM against the full model over time,
  DIR/singular_values.png  POD singular values and captured energy (when POD was compared),
  DIR/fields_final.png     the full model's final state beside every ROM's (2-D grids).
Needs Debian's python3-matplotlib, python3-h5py and python3-numpy.
"""
import json
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def grid_of(path):
    with h5py.File(path, "r") as f:
        dims = [int(d) for d in f["layout"].attrs["dims"]]
        last = f["states"][-1]
    if len(dims) == 2:
        return last.reshape(dims[1], dims[0])
    return None


def main(d):
    with open(os.path.join(d, "compare.json")) as f:
        c = json.load(f)
    ok = [r for r in c["results"] if r.get("rom_status") == "ok"]
    dims = ", ".join(str(k) for k in c["latent_dims"])

    fig, ax = plt.subplots(figsize=(9, 5))
    ax.set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))  # 20 distinct colours: many rows
    for r in ok:
        ax.semilogy(r["times"], np.maximum(r["rom_error_in_time"], 1e-16), "--" if r["rom"] == "learned" else "-",
                    label=f'{r["reducer"]}, r = {r["latent_dim"]} ({r["rom"]})')
    ax.set_xlabel("t")
    ax.set_ylabel("‖x_rom − x‖ / ‖x‖")
    ax.set_title(f'{c["model"]}: ROM error against the full model, r = {dims}')
    if ok:
        ax.legend(fontsize=6, ncol=2 if len(ok) > 8 else 1)
    fig.tight_layout()
    fig.savefig(os.path.join(d, "error_vs_time.png"), dpi=110)

    pod = [r for r in c["results"] if "singular_values" in r]
    if pod:
        s = np.array(pod[0]["singular_values"])
        s = s[s > 0]
        energy = np.cumsum(s ** 2) / np.sum(s ** 2)
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
        a1.semilogy(np.arange(1, s.size + 1), s / s[0], ".-")
        a1.set_xlabel("k")
        a1.set_ylabel("σ_k / σ_1")
        a1.set_title("POD singular values")
        a2.semilogy(np.arange(1, s.size + 1), np.maximum(1 - energy, 1e-17), ".-")
        for k in c["latent_dims"]:
            a2.axvline(k, color="k", lw=0.8)
        a2.set_xlabel("r")
        a2.set_ylabel("1 − captured energy")
        a2.set_title("energy Σσ² not captured")
        fig.tight_layout()
        fig.savefig(os.path.join(d, "singular_values.png"), dpi=110)

    full = grid_of(os.path.join(d, "full.h5"))
    if full is not None:
        panels = [("full model", full)] + [(f'{r["reducer"]}, r = {r["latent_dim"]}', grid_of(r["trajectory"])) for r in ok]
        lim = np.abs(full).max()
        cols = min(len(panels), 7)
        rows = (len(panels) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 3.0 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, (name, field) in zip(axes.flat, panels):
            ax.imshow(field, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="equal")
            ax.set_title(name, fontsize=7)
        fig.suptitle(f'{c["model"]}: final state, r = {dims}')
        fig.tight_layout()
        fig.savefig(os.path.join(d, "fields_final.png"), dpi=110)
    print("figures written to", d)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
