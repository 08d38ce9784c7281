#!/usr/bin/python3
"""Lasso benchmark problem and scikit-learn's side of bench/lasso_bench.c.

X is 5,000 x 1,000 standard Gaussian, the true w has 50 non-zeros (+-U[1,2)),
y = X w + N(0, 1); alpha = 0.1, tol = 1e-4 (scikit-learn's default). Writes
the problem and scikit-learn's coefficients to OUTDIR (raw little-endian
float64: X.f64 row-major, y.f64, coef.f64, intercept.f64) for lasso_bench, and
times sklearn.linear_model.Lasso.fit on C-ordered and on Fortran-ordered X.

    lasso_sklearn.py OUTDIR [REPS]

Prints: lasso solver=sklearn order=C|F ms=.. (median) iters=.. nonzero=..
"""
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import Lasso

N, P, K, ALPHA, TOL = 5000, 1000, 50, 0.1, 1e-4


def main():
    out = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(12345)
    X = rng.standard_normal((N, P))
    w = np.zeros(P)
    idx = rng.choice(P, K, replace=False)
    w[idx] = rng.choice([-1.0, 1.0], K) * rng.uniform(1.0, 2.0, K)
    y = X @ w + rng.standard_normal(N)
    X.astype("<f8").tofile(os.path.join(out, "X.f64"))
    y.astype("<f8").tofile(os.path.join(out, "y.f64"))
    with open(os.path.join(out, "meta.txt"), "w") as f:
        f.write("%d %d %.17g %.17g\n" % (N, P, ALPHA, TOL))
    XF = np.asfortranarray(X)
    for order, data in (("C", X), ("F", XF)):
        times = []
        for _ in range(reps):
            m = Lasso(alpha=ALPHA, tol=TOL)
            t0 = time.perf_counter()
            m.fit(data, y)
            times.append(time.perf_counter() - t0)
        print("lasso n=%d p=%d solver=sklearn order=%s ms=%.3f iters=%d nonzero=%d sklearn=%s"
              % (N, P, order, 1e3 * float(np.median(times)), m.n_iter_, int(np.sum(m.coef_ != 0)),
                 sklearn.__version__))
    m.coef_.astype("<f8").tofile(os.path.join(out, "coef.f64"))
    np.array([m.intercept_]).astype("<f8").tofile(os.path.join(out, "intercept.f64"))


if __name__ == "__main__":
    main()
