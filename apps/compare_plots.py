#!/usr/bin/env python3
"""Figures for `metarom compare` (run by it; or by hand: compare_plots.py DIR).

Reads DIR/compare.json and the trajectories it names, and writes
  DIR/error_vs_time.png    relative error of every ROM against the full model over time, a row
                           of panels per reducer, a column per latent dimension (line style: kind of ROM),
  DIR/singular_values.png  POD singular values and captured energy (when POD was compared),
  DIR/fields_final.png     the full model's final state beside every ROM's (2-D grids; the
                           first field of several, e.g. u of Burgers' (u, v)),
  DIR/error_vs_r.png       ROM error over the run against r, one line per reducer (several r),
  DIR/energy_vs_time.png   kinetic energy E(t) of the full model, its perturbed twin and every ROM (flows that
                           define it, QG), panels as error_vs_time.png,
  DIR/mean_fields.png      the time-mean field of the full model beside every ROM's,
  DIR/prediction.png       with -test_parameters over one parameter: every ROM's largest error in time
                           against the parameter (training values and trained range marked).
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
from matplotlib.lines import Line2D  # noqa: E402


def save(fig, path, dpi):
    """Writes the figure under a temporary name and renames it into place: an interrupted
    run never leaves a partial image under the final name."""
    root, ext = os.path.splitext(path)
    temp = "%s.tmp%d%s" % (root, os.getpid(), ext)
    fig.savefig(temp, dpi=dpi, bbox_inches="tight")  # legends placed outside the axes included
    plt.close(fig)
    os.replace(temp, path)


KINDS = [("-", "the reducer's own ROM (Galerkin-type)"), ("--", "+learned: learned latent dynamics"),
         (":", "+closure: Galerkin ROM plus a learned closure"), ("-.", "manifold LSPG (-roms lspg)")]


def style(r):
    """Line style of a row: solid for Galerkin-type ROMs, dashed learned, dotted closures, dash-dot LSPG."""
    if r["rom"].startswith("lspg"):
        return "-."
    return "--" if r["rom"] == "learned" else ":" if r["rom"].endswith("+closure") else "-"


def label(r):
    """A row's name in legends: the reducer, and the ROM where it is not the reducer's own."""
    return r["reducer"] + (" (lspg)" if r["rom"].startswith("lspg") else "")


def family(r):
    """The reducer a row belongs to (pod, ae, meta-ae, or a model file's type), whatever its ROM."""
    return r["reducer"].split("+")[0]


def small_multiples(d, c, rows, name, ylabel, title, draw, references=None, extra=(), xlabel="t"):
    """Small multiples: a row of panels per reducer, a column per latent dimension, shared
    axes; in each panel the reducer's own ROM (solid), its learned dynamics (dashed) and its
    closure (dotted), over the references; one legend below the panels, outside the data."""
    dims = c["latent_dims"]
    families = list(dict.fromkeys(family(r) for r in c["results"]))
    colours = {f: plt.cm.tab10(i % 10) for i, f in enumerate(families)}
    fig, axes = plt.subplots(len(families), len(dims), sharex=True, sharey=True,
                             figsize=(3.2 * len(dims) + 0.8, 2.3 * len(families) + 0.9), squeeze=False)
    for i, fam in enumerate(families):
        for j, dim in enumerate(dims):
            ax = axes[i][j]
            if references:
                references(ax)
            for r in rows:
                if r["latent_dim"] == dim and family(r) == fam:
                    draw(ax, r, color=colours[fam], ls=style(r), lw=1.1)
            ax.grid(True, which="major", lw=0.3, alpha=0.5)
            if i == 0:
                ax.set_title(f"r = {dim}")
            if i == len(families) - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(f"{fam}\n{ylabel}", fontsize=8)
    handles = [Line2D([], [], color="0.3", ls=ls, lw=1.2) for ls, _ in KINDS] + [h for h, _ in extra]
    labels = [text for _, text in KINDS] + [text for _, text in extra]
    failed = [r for r in c["results"] if r.get("rom_status") is not None and r.get("rom_status") != "ok"]
    if failed:
        title += f' ({len(failed)} ROM run(s) failed or blew up: see compare.md)'
    fig.suptitle(title)
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(labels), 3),
               fontsize=8, frameon=False)
    save(fig, os.path.join(d, name), dpi=110)


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

    small_multiples(d, c, ok, "error_vs_time.png", "‖x_rom − x‖ / ‖x‖",
                    f'{c["model"]}: ROM error against the full model',
                    lambda ax, r, **kw: ax.semilogy(r["times"], np.maximum(r["rom_error_in_time"], 1e-16), **kw))

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
        for name in dict.fromkeys(label(r) for r in c["results"]):
            rows = [r for r in c["results"] if label(r) == name]
            good = [r for r in rows if r.get("rom_status") == "ok" and np.isfinite(r["rom_rel_error"])]
            line, = ax.semilogy([r["latent_dim"] for r in good], [r["rom_rel_error"] for r in good], "o-", label=name)
            failed = [r["latent_dim"] for r in rows if r not in good]
            if failed:  # failed or blown-up ROMs: marked at the top of the axes
                ax.plot(failed, [1.0] * len(failed), "x", color=line.get_color(), ms=9)
        ax.set_xlabel("r")
        ax.set_ylabel("‖X_rom − X‖_F / ‖X‖_F over the run")
        ax.set_title(f'{c["model"]}: ROM error against r (x: failed)')
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
        fig.tight_layout()
        save(fig, os.path.join(d, "error_vs_r.png"), dpi=110)

    if "full_energy_in_time" in c:
        fl = c.get("floor", {})

        def references(ax):
            ax.plot(c["full_times"], c["full_energy_in_time"], "k-", lw=2)
            if "energy_in_time" in fl:
                ax.plot(c["full_times"], fl["energy_in_time"], color="0.55", lw=1.5)
            ax.axvline(c["t_train"], color="k", lw=0.8, ls=":")

        extra = [(Line2D([], [], color="k", lw=2), "full model")]
        if "energy_in_time" in fl:
            extra.append((Line2D([], [], color="0.55", lw=1.5),
                          f'full model, start perturbed by {fl["perturbation"]:g} (floor)'))
        extra.append((Line2D([], [], color="k", lw=0.8, ls=":"), "end of the training window"))
        small_multiples(d, c, [r for r in ok if "energy_in_time" in r], "energy_vs_time.png", "E(t) = ½∫|∇ψ|²",
                        f'{c["model"]}: kinetic energy',
                        lambda ax, r, **kw: ax.plot(r["times"], r["energy_in_time"], **kw),
                        references=references, extra=extra)
    prediction_figure(d, c)
    print("figures written to", d)


def prediction_figure(d, c):
    """Every ROM's largest error in time over the points of -test_parameters, against the one
    parameter they vary, as small multiples (a row per reducer, a column per r); the trained
    range shaded, points outside it are extrapolation."""
    rows = [r for r in c["results"] if "case" in r and r["case"].get("names")]
    if not rows or not c.get("cases") or len(rows[0]["case"]["names"]) != 1:
        return
    name = rows[0]["case"]["names"][0]
    span = [(rg["lo"], rg["hi"]) for rg in c.get("parameter_ranges", []) if rg["name"] == name]

    def points(r):
        first = dict(r["case"], **{k: r[k] for k in ("rom_status", "rom_max_rel_error") if k in r})
        return sorted((p["values"][0], p["rom_max_rel_error"]) for p in [first] + r.get("cases", [])
                      if p.get("rom_status") == "ok" and p.get("names") == [name])

    def draw(ax, r, **kw):
        good = points(r)
        if good:
            x, y = zip(*good)
            ax.semilogy(x, y, marker="o", ms=3, **kw)

    def references(ax):
        for lo, hi in span:
            ax.axvspan(lo, hi, color="0.92", zorder=0)

    small_multiples(d, c, [r for r in rows if points(r)], "prediction.png", "max_k relative error",
                    f'{c["model"]}: largest error in time at parameters never trained on', draw,
                    references=references, extra=[(plt.Rectangle((0, 0), 1, 1, color="0.92"), "trained range")],
                    xlabel=name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
