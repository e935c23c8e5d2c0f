"""The Python module's overhead (scripts/bench.sh): the same calls timed from Python and by the
C++ program, in one run on one data set.

  fit   a POD fit (r = 10) of a 2-D heat run: Python's wall time around Reducer.fit — on the
        SnapshotSet read from the file, and on a Fortran-ordered float64 array of its states
        (read in place) — against `metarom fit pod`'s fit_seconds (its timer around Reducer::fit);
  run   a 1,000-step POD-Galerkin ROM: Python's wall time around ReducedModel.run against
        `metarom rom`'s projection_seconds + rom_seconds (the ROM's construction and its online
        phase), both from the run's first snapshot;
  copy  making a SnapshotSet from a Fortran-ordered float64 array (one copy into the set).

Each time is the best of `repeats`. Prints one JSON object.
usage: bench_python.py WORKDIR [--nx 128] [--repeats 5]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

import metarom


def best(repeats, call):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def cli_json(*args):
    out = subprocess.run([metarom.program(), *args, "-json", "-quiet"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--nx", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    a = parser.parse_args()
    data = os.path.join(a.workdir, "heat.h5")
    heat = metarom.simulate("heat", heat_nx=a.nx, heat_ny=a.nx, heat_steps=1000, heat_snapshot_stride=5)
    metarom.write(data, heat)

    cli_fit = min(cli_json("fit", "pod", "-i", data, "-o", os.path.join(a.workdir, "cli.h5"), "-r", "10")["fit_seconds"]
                  for _ in range(a.repeats))
    # A 1,000-step run takes milliseconds: four times the repeats, so the best of them is steady.
    rom = [cli_json("rom", "-m", os.path.join(a.workdir, "cli.h5")) for _ in range(4 * a.repeats)]
    cli_run = min(r["projection_seconds"] + r["rom_seconds"] for r in rom)

    s = metarom.read(data)
    pod = metarom.POD(r=10)
    py_fit = best(a.repeats, lambda: pod.fit(s))
    model_file = os.path.join(a.workdir, "py.h5")
    pod.save(model_file)
    model = metarom.ReducedModel(model_file)
    runs = []
    x0 = s.X[:, 0].copy()  # as `metarom rom`, from the run's first state (not the model's formula for it)
    py_run = best(4 * a.repeats, lambda: runs.append(model.run(x0=x0)))
    inner = min(r.offline_seconds + r.online_seconds for r in runs)
    X = np.asfortranarray(s.X)
    array_fit = best(a.repeats, lambda: metarom.POD(r=10).fit(X))
    copy = best(a.repeats, lambda: metarom.SnapshotSet(X))
    print(json.dumps({
        "n": s.n, "snapshots": s.count, "rom_steps": runs[0].steps, "rom": runs[0].rom,
        "python_fit_seconds": py_fit, "cli_fit_seconds": cli_fit, "fit_ratio": py_fit / cli_fit,
        "python_array_fit_seconds": array_fit, "array_fit_ratio": array_fit / cli_fit,
        "python_run_seconds": py_run, "cli_run_seconds": cli_run, "run_ratio": py_run / cli_run,
        "python_run_inner_seconds": inner,
        "copy_seconds": copy, "copy_over_fit": copy / py_fit,
    }))


if __name__ == "__main__":
    sys.exit(main())
