"""Peer for bench/data_load_bench.c: the usual NumPy way to load Fashion-MNIST
(gzip.open(...).read() + np.frombuffer), median of REPS runs.
usage: data_load_numpy.py [REPS]"""
import gzip
import os
import sys
import time

import numpy as np

D = os.environ.get("EO_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"


def load(prefix):
    with gzip.open(os.path.join(D, prefix + "-images-idx3-ubyte.gz"), "rb") as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(D, prefix + "-labels-idx1-ubyte.gz"), "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return x, y


reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
for prefix, name in (("train", "fashion-mnist"), ("t10k", "fashion-mnist:test")):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        x, y = load(prefix)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    print("numpy load %-20s median %.3f s (%d runs, %d rows)" % (name, ts[len(ts) // 2], reps, x.shape[0]))
