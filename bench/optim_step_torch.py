#!/usr/bin/python3
"""Peer of bench/optim_step_bench.c: 10,000 torch.optim.Adam steps (lr 0.01)
on 2-D Rosenbrock from (-1.5, 2) in float64. Reports the median over runs of
  step_us: time inside opt.step() per step (the gradient is written by hand, as
           in the C program, and not timed);
  loop_us: a usual training-loop step (zero_grad, f, backward, step).
The final point of the step-only run must equal the C program's.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/optim_step_torch.py [runs] [steps]
"""
import statistics
import sys
import time

import torch

torch.set_num_threads(1)


def step_only(steps):
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    g = torch.zeros(2, dtype=torch.float64)
    spent = 0.0
    for _ in range(steps):
        a, b = p.detach().tolist()
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a)
        g[1] = 200.0 * (b - a * a)
        p.grad = g
        t0 = time.perf_counter()
        opt.step()
        spent += time.perf_counter() - t0
    return spent / steps, p.detach().tolist()


def full_loop(steps):
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        f = (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2
        f.backward()
        opt.step()
    return (time.perf_counter() - t0) / steps


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    step_t, loop_t, x = [], [], None
    for _ in range(runs):
        s, x = step_only(steps)
        step_t.append(s)
        loop_t.append(full_loop(steps))
    print("optim_step torch=%s steps=%d runs=%d step_us=%.2f loop_us=%.2f x=%.17g,%.17g"
          % (torch.__version__, steps, runs, 1e6 * statistics.median(step_t),
             1e6 * statistics.median(loop_t), x[0], x[1]))


if __name__ == "__main__":
    main()
