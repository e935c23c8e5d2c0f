#!/usr/bin/python3
"""Small multiples of `metarom rom -rom_diagnostics -json` runs: one row per latent dimension,
one column per diagnostic (reach, cond(J), the Galerkin vector field's defect at the encoded
run), one curve per reducer.

usage: plot_rom_diagnostics.py OUT.png LABEL=FILE.json ...   (LABEL: "ae r=5", ...)
A label's last word "r=N" puts the run in the row of N."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    out = sys.argv[1]
    rows = {}
    for arg in sys.argv[2:]:
        label, path = arg.rsplit("=", 1)
        name, r = label.rsplit(" r", 1)
        with open(path) as f:
            j = json.load(f)
        rows.setdefault(r.lstrip("="), []).append((name, j))
    columns = [("reach", "reach (distance from the encoded run / ρ)"),
               ("cond", "cond J(u) along the ROM"),
               ("rom_velocity_defect", "‖g(E(x)) − u̇‖ / rms‖u̇‖")]
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(4.2 * len(columns), 2.6 * len(rows)),
                             sharex=True, squeeze=False)
    for i, r in enumerate(sorted(rows, key=int)):
        for k, (key, title) in enumerate(columns):
            ax = axes[i][k]
            for name, j in rows[r]:
                d = j["diagnostics"]
                if key in d:
                    # The vector field's defect is over the whole full run, the path's up to a failure.
                    t = d["velocity_t"] if key == "rom_velocity_defect" else d["t"]
                    ax.semilogy(t, d[key], label=name + (" (failed)" if "error" in j else ""))
            if key == "reach":
                ax.axhline(1.0, color="grey", lw=0.8, ls=":")
                ax.set_ylim(bottom=1e-3)  # the first state is encoded exactly (reach 0)
            if i == 0:
                ax.set_title(title, fontsize=9)
            if k == 0:
                ax.set_ylabel(f"r = {r}")
            if i == len(rows) - 1:
                ax.set_xlabel("t")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
