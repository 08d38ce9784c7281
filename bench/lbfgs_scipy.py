#!/usr/bin/python3
"""SciPy's L-BFGS-B on the extended Rosenbrock function, the peer of
bench/lbfgs_bench.c: n = 1,000 and 10,000, start (-1.2, 1, ...), default
options (m = 10, pgtol 1e-5, factr 1e7), NumPy-vectorised objective.

    lbfgs_scipy.py [REPS] [N1,N2,...]

One line per n: lbfgs n=.. solver=scipy evals=.. iters=.. f=.. ms=.. (median).
"""
import sys
import time

import numpy as np
import scipy
from scipy.optimize import minimize


def ext_rosen(x):
    a, b = x[0::2], x[1::2]
    t = b - a * a
    f = np.sum(100.0 * t * t + (1.0 - a) ** 2)
    g = np.empty_like(x)
    g[0::2] = -400.0 * a * t - 2.0 * (1.0 - a)
    g[1::2] = 200.0 * t
    return f, g


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    dims = [int(v) for v in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1000, 10000]
    for n in dims:
        times = []
        for _ in range(reps):
            x0 = np.tile([-1.2, 1.0], n // 2)
            t0 = time.perf_counter()
            r = minimize(ext_rosen, x0, jac=True, method="L-BFGS-B")
            times.append(time.perf_counter() - t0)
        print("lbfgs n=%d solver=scipy evals=%d iters=%d f=%.17g ms=%.4f scipy=%s"
              % (n, r.nfev, r.nit, r.fun, 1e3 * float(np.median(times)), scipy.__version__))


if __name__ == "__main__":
    main()
