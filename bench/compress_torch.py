#!/usr/bin/env python3
"""PyTorch peer of bench/compress_bench.sh on the SAME trained MLP.

Loads the dense layers dumped by `compress_tool npy MODEL DIR` (weights
[out][in] and biases, float32) into torch.nn.Linear layers with ReLU between
them, and measures on the Fashion-MNIST test set (pixels / 255, as edgeopt's
default scaling of byte images):
  * float accuracy and batch-1 latency (median thread CPU time of single-sample
    forward passes, one thread, torch.no_grad, after a warm-up; --wall for
    wall-clock time);
  * dynamic int8 quantization (torch.ao.quantization.quantize_dynamic on the
    Linear layers): accuracy, latency, serialized size;
  * torch.nn.utils.prune at 90%: global L1 unstructured and per-layer L1
    unstructured, accuracy right after pruning and after EPOCHS epochs of Adam
    fine-tuning with the masks kept (prune's forward pre-hooks).
Prints one `key=value ...` line per measurement.

usage: compress_torch.py NPY_DIR [--epochs E] [--reps R] [--lr LR] [--seed S] [--wall]
"""
import argparse
import copy
import gzip
import io
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

FM = os.environ.get("EO_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def fmnist(kind):
    def find(stem):
        for ext in (".gz", ""):
            p = os.path.join(FM, stem + ext)
            if os.path.exists(p):
                return p
        raise SystemExit("Fashion-MNIST not found in " + FM)
    x = idx(find(kind + "-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = idx(find(kind + "-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def load_mlp(d):
    layers, k = [], 0
    while os.path.exists(os.path.join(d, "dense%d_w.npy" % k)):
        w = np.load(os.path.join(d, "dense%d_w.npy" % k))
        b = np.load(os.path.join(d, "dense%d_b.npy" % k))
        lin = nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        if layers:
            layers.append(nn.ReLU())
        layers.append(lin)
        k += 1
    return nn.Sequential(*layers)


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


CLOCK = time.thread_time  # thread CPU time, as compress-report (--wall: perf_counter)


def latency_us(model, x, reps):
    with torch.no_grad():
        for i in range(50):
            model(x[i:i + 1])
        t = []
        for i in range(reps):
            xi = x[i % len(x):i % len(x) + 1]
            t0 = CLOCK()
            model(xi)
            t.append(CLOCK() - t0)
    return 1e6 * float(np.median(t))


def size_bytes(model):
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return len(buf.getvalue())


def finetune(model, x, y, epochs, lr, seed):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    lossf = nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            b = perm[i:i + 32]
            opt.zero_grad()
            lossf(model(x[b]), y[b]).backward()
            opt.step()


def sparsity(model):
    z = n = 0
    for m in model:
        if isinstance(m, nn.Linear):
            z += int((m.weight == 0).sum())
            n += m.weight.numel()
    return z / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("npy")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--amount", type=float, default=0.9)
    ap.add_argument("--wall", action="store_true")
    a = ap.parse_args()
    global CLOCK
    if a.wall:
        CLOCK = time.perf_counter
    torch.set_num_threads(1)
    xt, yt = fmnist("t10k")
    model = load_mlp(a.npy).eval()
    fsize = size_bytes(model)
    print("torch=%s model=float accuracy=%.4f latency_us=%.1f bytes=%d" %
          (torch.__version__, accuracy(model, xt, yt), latency_us(model, xt, a.reps), fsize))
    q = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8)
    qsize = size_bytes(q)
    print("model=dynamic_int8 accuracy=%.4f latency_us=%.1f bytes=%d size_ratio=%.3f" %
          (accuracy(q, xt, yt), latency_us(q, xt, a.reps), qsize, qsize / fsize))
    if a.epochs >= 0:
        xtr, ytr = fmnist("train")
        for kind in ("global", "layer"):
            m = copy.deepcopy(model)
            lins = [(l, "weight") for l in m if isinstance(l, nn.Linear)]
            if kind == "global":
                prune.global_unstructured(lins, pruning_method=prune.L1Unstructured, amount=a.amount)
            else:
                for l, n in lins:
                    prune.l1_unstructured(l, n, amount=a.amount)
            acc0 = accuracy(m.eval(), xt, yt)
            t0 = time.perf_counter()
            finetune(m.train(), xtr, ytr, a.epochs, a.lr, a.seed)
            secs = time.perf_counter() - t0
            acc1 = accuracy(m.eval(), xt, yt)
            print("model=prune_%s amount=%.2f sparsity=%.4f accuracy_oneshot=%.4f accuracy_finetuned=%.4f "
                  "finetune_epochs=%d finetune_seconds=%.1f" % (kind, a.amount, sparsity(m), acc0, acc1, a.epochs, secs))


if __name__ == "__main__":
    main()
