"""Notebook-style tour of metarom from Python: simulate the heat equation, fit POD and a
meta-autoencoder, run both latent ROMs against the full model, and draw their errors in time
(the figure `metarom compare` draws, made by hand with matplotlib).

    PYTHONPATH=build/python python3 examples/python/heat_pod_meta.py [--epochs 300] [--out DIR]

Each `# %%` block is a notebook cell (VS Code, Jupyter's jupytext, Spyder run them one by one).
"""
# %% Set-up
import argparse
import os

import matplotlib

matplotlib.use("Agg")  # files, no display needed
import matplotlib.pyplot as plt
import numpy as np

import metarom

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=300, help="meta-autoencoder training epochs")
parser.add_argument("--out", default="heat_python", help="directory for the model files and the figure")
args, _ = parser.parse_known_args()  # a notebook passes its own arguments
os.makedirs(args.out, exist_ok=True)

# %% Simulate: the 2-D heat equation on a 32 x 32 grid, 51 snapshots (a SnapshotSet; X is n x N)
heat = metarom.simulate("heat", heat_nx=32, heat_ny=32, heat_steps=100, heat_snapshot_stride=2)
print(heat, "states", heat.X.shape, "times", heat.t[0], "..", heat.t[-1])

# %% Fit POD and a meta-autoencoder with the same latent dimension; options as on the command line
r = 5
pod = metarom.POD(r=r)
pod.fit(heat)
pod.save(os.path.join(args.out, "pod.h5"))
print(pod)

meta = metarom.MetaAutoencoder(r=r, ae_hidden=32, ae_epochs=args.epochs, ae_batch_size=10, ae_seed=1)
meta.fit(heat)
meta.save(os.path.join(args.out, "meta.h5"))
print(meta.settings)
for name, reducer in (("POD", pod), ("meta-AE", meta)):
    R = reducer.decode(reducer.encode(heat.X))
    print(f"{name:8s} reconstruction error {np.linalg.norm(R - heat.X) / np.linalg.norm(heat.X):.3e}")

# %% Run both ROMs: the full model is rebuilt from the model file, the ROM advanced in latent space
runs = {}
for name in ("pod", "meta"):
    model = metarom.ReducedModel(os.path.join(args.out, f"{name}.h5"))
    run = model.run()
    full = model.simulate()
    errors = metarom.rom_errors(run.decoded, full)
    runs[name] = (run, errors)
    print(f"{name:5s} {run.rom:18s} relative error over the run {errors['rel_error']:.3e}, "
          f"online {run.online_seconds * 1e3:.2f} ms against the full model's {model.fom_seconds * 1e3:.1f} ms")

# %% The figure: relative error in time of each ROM (log scale)
fig, ax = plt.subplots(figsize=(6, 4))
for name, label in (("pod", "POD-Galerkin"), ("meta", "meta-AE, manifold Galerkin")):
    run, errors = runs[name]
    ax.semilogy(run.t, np.maximum(errors["in_time"], 1e-16), label=f"{label}, r = {r}")
ax.set_xlabel("t")
ax.set_ylabel(r"$\|x_{rom}(t) - x(t)\| / \|x(t)\|$")
ax.set_title("Heat equation, 32 x 32: ROM errors")
ax.legend()
fig.tight_layout()
figure = os.path.join(args.out, "errors.png")
fig.savefig(figure, dpi=120)
print("figure written:", figure)
