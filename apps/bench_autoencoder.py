#!/usr/bin/env python3
"""PyTorch baseline for metarom's autoencoder benchmark (run by metarom_bench_autoencoder).

Canonical autoencoder 784-100-5-100-784 (tanh hidden layers, identity outputs), float64,
one thread, Adam (lr 1e-3), mini-batches of 100, 8,000 random samples in [0, 1]; prints
one JSON line with the seconds per epoch (best of the timed epochs) and samples per second.
Needs Debian's python3-torch.
"""
import argparse
import json
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--samples", type=int, default=8000)
    p.add_argument("--n", type=int, default=784)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--latent", type=int, default=5)
    p.add_argument("--batch", type=int, default=100)
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    dt = torch.float64
    X = torch.rand(a.samples, a.n, dtype=dt)
    enc = torch.nn.Sequential(torch.nn.Linear(a.n, a.hidden), torch.nn.Tanh(), torch.nn.Linear(a.hidden, a.latent)).to(dt)
    dec = torch.nn.Sequential(torch.nn.Linear(a.latent, a.hidden), torch.nn.Tanh(), torch.nn.Linear(a.hidden, a.n)).to(dt)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
    times = []
    for epoch in range(a.epochs + 1):  # the first epoch warms up and is not counted
        perm = torch.randperm(a.samples)
        start = time.perf_counter()
        for i in range(0, a.samples, a.batch):
            xb = X[perm[i:i + a.batch]]
            opt.zero_grad()
            loss = torch.mean((dec(enc(xb)) - xb) ** 2)
            loss.backward()
            opt.step()
        if epoch > 0:
            times.append(time.perf_counter() - start)
    best = min(times)
    print(json.dumps({"seconds_per_epoch": best, "samples_per_second": a.samples / best,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
