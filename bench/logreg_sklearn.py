#!/usr/bin/env python3
"""scikit-learn peer of the softmax-regression benchmark (bench/train_bench.sh).

  logreg_sklearn.py [REPS] [THREADS]

Fashion-MNIST (60,000 x 784 training rows, /usr/share/datasets/fashion-mnist)
standardized with StandardScaler fitted on the training rows (edgeopt's
--scale standard), then LogisticRegression(solver="lbfgs", max_iter=100)
(multinomial, C = 1, scikit-learn's defaults otherwise). The timed part is
fit() alone, REPS times (default 3); prints one line of key=value words:
fit_s (median), fit_times, test_acc, n_iter.
THREADS (default 1) caps the BLAS threads through threadpoolctl when it is
installed, else through OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set here
before NumPy loads."""
import gzip
import os
import statistics
import sys
import time
import warnings

THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(THREADS)

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def load(kind):
    with gzip.open(f"{DATA}/{kind}-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{DATA}/{kind}-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return x.astype(np.float64) / 255.0, y.astype(np.int64)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    sc = StandardScaler().fit(xtr)
    xtr, xte = sc.transform(xtr), sc.transform(xte)
    times, acc, nit = [], float("nan"), 0
    for _ in range(reps):
        clf = LogisticRegression(solver="lbfgs", max_iter=100)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(xtr, ytr)
        times.append(time.perf_counter() - t0)
        acc = float((clf.predict(xte) == yte).mean())
        nit = int(np.max(clf.n_iter_))
    print(f"peer=sklearn model=logreg threads={THREADS} fit_s={statistics.median(times):.3f} "
          f"fit_times={','.join(f'{t:.3f}' for t in times)} test_acc={acc:.4f} n_iter={nit}", flush=True)


if __name__ == "__main__":
    main()
