#!/usr/bin/env python3
"""Figures for `metarom compare` (run by it; or by hand: compare_plots.py DIR).

Reads DIR/compare.json and the trajectories it names, and writes
  DIR/error_vs_time.png    relative error of every ROM against the full model over time,
  DIR/singular_values.png  POD singular values and captured energy (when POD was compared),
  DIR/fields_final.png     the full model's final state beside every ROM's (2-D grids; the
                           first field of several, e.g. u of Burgers' (u, v)),
  DIR/error_vs_r.png       ROM error over the run against r, one line per reducer (several r),
  DIR/energy_vs_time.png   kinetic energy E(t) of the full model, its perturbed twin and every ROM (flows that
                           define it, QG),
  DIR/mean_fields.png      the time-mean field of the full model beside every ROM's.
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


def save(fig, path, dpi):
    """Writes the figure under a temporary name and renames it into place: an interrupted
    run never leaves a partial image under the final name."""
    root, ext = os.path.splitext(path)
    temp = "%s.tmp%d%s" % (root, os.getpid(), ext)
    fig.savefig(temp, dpi=dpi)
    os.replace(temp, path)


def style(r):
    """Line style of a row: solid for Galerkin-type ROMs, dashed learned, dotted closures."""
    return "--" if r["rom"] == "learned" else ":" if r["rom"].endswith("+closure") else "-"


def grid_of(path, mean=False):
    """The last (or time-mean) state as a 2-D array of its first field; None off 2-D grids."""
    with h5py.File(path, "r") as f:
        a = f["layout"].attrs
        dims = [int(d) for d in a["dims"]]
        fields = len(a["fields"]) if "fields" in a else 1
        state = f["states"][:].mean(axis=0) if mean else f["states"][-1]
    if len(dims) == 2:
        return state.reshape(dims[1], dims[0], fields)[:, :, 0]
    return None


def field_panels(d, c, ok, mean, name, title):
    full = grid_of(os.path.join(d, "full.h5"), mean)
    if full is None:
        return
    panels = [("full model", full)] + [(f'{r["reducer"]}, r = {r["latent_dim"]}', grid_of(r["trajectory"], mean))
                                       for r in ok]
    lim = np.abs(full).max()
    cols = min(len(panels), 7)
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, field) in zip(axes.flat, panels):
        ax.imshow(field, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="equal")
        ax.set_title(label, fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    save(fig, os.path.join(d, name), dpi=110)


def main(d):
    with open(os.path.join(d, "compare.json")) as f:
        c = json.load(f)
    ok = [r for r in c["results"] if r.get("rom_status") == "ok"]
    dims = ", ".join(str(k) for k in c["latent_dims"])

    fig, ax = plt.subplots(figsize=(9, 5))
    ax.set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))  # 20 distinct colours: many rows
    for r in ok:
        ax.semilogy(r["times"], np.maximum(r["rom_error_in_time"], 1e-16), style(r),
                    label=f'{r["reducer"]}, r = {r["latent_dim"]} ({r["rom"]})')
    ax.set_xlabel("t")
    ax.set_ylabel("‖x_rom − x‖ / ‖x‖")
    ax.set_title(f'{c["model"]}: ROM error against the full model, r = {dims}')
    if ok:
        ax.legend(fontsize=6, ncol=2 if len(ok) > 8 else 1)
    fig.tight_layout()
    save(fig, os.path.join(d, "error_vs_time.png"), dpi=110)

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
        save(fig, os.path.join(d, "singular_values.png"), dpi=110)

    field_panels(d, c, ok, False, "fields_final.png", f'{c["model"]}: final state, r = {dims}')
    field_panels(d, c, ok, True, "mean_fields.png", f'{c["model"]}: time-mean state over the run, r = {dims}')

    if len(c["latent_dims"]) > 1:
        fig, ax = plt.subplots(figsize=(6, 4))
        for name in dict.fromkeys(r["reducer"] for r in c["results"]):
            rows = [r for r in c["results"] if r["reducer"] == name]
            good = [r for r in rows if r.get("rom_status") == "ok" and np.isfinite(r["rom_rel_error"])]
            line, = ax.semilogy([r["latent_dim"] for r in good], [r["rom_rel_error"] for r in good], "o-", label=name)
            failed = [r["latent_dim"] for r in rows if r not in good]
            if failed:  # failed or blown-up ROMs: marked at the top of the axes
                ax.plot(failed, [1.0] * len(failed), "x", color=line.get_color(), ms=9)
        ax.set_xlabel("r")
        ax.set_ylabel("‖X_rom − X‖_F / ‖X‖_F over the run")
        ax.set_title(f'{c["model"]}: ROM error against r (x: failed)')
        ax.legend(fontsize=7)
        fig.tight_layout()
        save(fig, os.path.join(d, "error_vs_r.png"), dpi=110)

    if "full_energy_in_time" in c:
        fig, ax = plt.subplots(figsize=(9, 5))
        ax.set_prop_cycle(color=plt.cm.tab20(np.linspace(0, 1, 20)))
        ax.plot(c["full_times"], c["full_energy_in_time"], "k-", lw=2, label="full model")
        fl = c.get("floor", {})
        if "energy_in_time" in fl:
            ax.plot(c["full_times"], fl["energy_in_time"], color="0.55", lw=1.5,
                    label=f'full model, start perturbed by {fl["perturbation"]:g} (floor)')
        for r in ok:
            if "energy_in_time" in r:
                ax.plot(r["times"], r["energy_in_time"], style(r), lw=0.9,
                        label=f'{r["reducer"]}, r = {r["latent_dim"]} ({r["rom"]})')
        ax.axvline(c["t_train"], color="k", lw=0.8, ls=":")
        ax.set_xlabel("t (dotted: end of the training window)")
        ax.set_ylabel("E(t) = ½∫|∇ψ|²")
        ax.set_title(f'{c["model"]}: kinetic energy, r = {dims}')
        ax.legend(fontsize=6, ncol=2 if len(ok) > 8 else 1)
        fig.tight_layout()
        save(fig, os.path.join(d, "energy_vs_time.png"), dpi=110)
    print("figures written to", d)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
