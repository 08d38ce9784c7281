#!/usr/bin/env python3
"""PyTorch peer of bench/model_layers_bench.c: forward + cross-entropy + backward
of the same three models on a random batch of 128 1x28x28 inputs.

Usage: model_layers_torch.py NAME [THREADS] [ITERS]; prints the same key=value line."""
import sys
import time

import torch
import torch.nn as nn


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 10))
    if name == "cnn_bn":
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(64, 64, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(64, 10))
    raise SystemExit("unknown model " + name)


name = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 10
torch.set_num_threads(threads)
torch.manual_seed(1)
m = model(name)
x = torch.rand(128, 1, 28, 28)
y = torch.arange(128) % 10
best_w = best_c = 1e30
for rep in range(5):
    w0, c0 = time.perf_counter(), time.process_time()
    for it in range(iters):
        m.zero_grad()
        nn.functional.cross_entropy(m(x), y).backward()
    best_w = min(best_w, (time.perf_counter() - w0) / iters)
    best_c = min(best_c, (time.process_time() - c0) / iters)
params = sum(p.numel() for p in m.parameters())
print("model=%s threads=%d params=%d ms_wall=%.3f ms_cpu=%.3f peer=torch-%s" % (name, threads, params, 1e3 * best_w,
                                                                          1e3 * best_c, torch.__version__))
