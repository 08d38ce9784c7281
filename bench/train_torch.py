#!/usr/bin/env python3
"""PyTorch peer of bench/train_bench.sh: the same Fashion-MNIST recipes as
`edgeopt train`, one process per run.

  train_torch.py --model mlp|cnn [--threads N] [--seed S] [--epochs E]
                 [--batch B] [--lr LR] [--limit N] [--no-eval]

Data: the idx.gz files of /usr/share/datasets/fashion-mnist scaled to [0, 1]
(edgeopt's --scale auto for byte images). Recipe: Adam(lr) with PyTorch's
defaults (betas 0.9/0.999, eps 1e-8), mini-batches of B rows reshuffled each
epoch, softmax cross-entropy, default PyTorch initialization.
  mlp: 784-256-128-10 with ReLU (nn.Linear).
  cnn: conv 16 3x3 pad 1 -> relu -> maxpool 2 -> conv 32 3x3 pad 1 -> relu
       -> maxpool 2 -> dense 10 (bench/cnn_fmnist.txt, 20,490 parameters).
Threads: torch.set_num_threads(N), torch.set_num_interop_threads(1).
Prints one line of key=value words: epoch_s (median wall seconds per epoch,
the data loading excluded), epoch_cpu_s (median process CPU seconds per
epoch), epoch_times, test_acc (after the last epoch),
max_rss_kb (peak resident set of this process), params.
Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (bench/run.sh does)."""
import argparse
import gzip
import resource
import statistics
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def load(kind):
    with gzip.open(f"{DATA}/{kind}-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{DATA}/{kind}-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return x, y.astype(np.int64)


def build(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "cnn"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=0, help="first N training rows (0 = all)")
    ap.add_argument("--no-eval", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    if a.limit:
        xtr, ytr = xtr[:a.limit], ytr[:a.limit]
    Xtr = torch.from_numpy(xtr.astype(np.float32) / 255.0)
    Ytr = torch.from_numpy(ytr)
    Xte = torch.from_numpy(xte.astype(np.float32) / 255.0)
    Yte = torch.from_numpy(yte)
    model = build(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    lossf = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(a.seed)
    n = Xtr.shape[0]
    times, cpus = [], []
    for _ in range(a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, a.batch):
            idx = perm[s:s + a.batch]
            xb, yb = Xtr[idx], Ytr[idx]
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    acc = float("nan")
    if not a.no_eval:
        model.eval()
        with torch.no_grad():
            correct = 0
            for s in range(0, Xte.shape[0], 1000):
                correct += (model(Xte[s:s + 1000]).argmax(1) == Yte[s:s + 1000]).sum().item()
        acc = correct / Xte.shape[0]
    params = sum(p.numel() for p in model.parameters())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peer=torch model={a.model} threads={a.threads} seed={a.seed} epochs={a.epochs} rows={n} "
          f"epoch_s={statistics.median(times):.4f} epoch_cpu_s={statistics.median(cpus):.4f} epoch_times={','.join(f'{t:.3f}' for t in times)} "
          f"test_acc={acc:.4f} max_rss_kb={rss} params={params}", flush=True)


if __name__ == "__main__":
    main()
