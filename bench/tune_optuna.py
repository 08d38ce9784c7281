#!/usr/bin/python3
"""Peer of bench/tune_bench.sh: Optuna's TPE (Debian python3-optuna) driving a
PyTorch MLP on the same Fashion-MNIST rows, space and epoch budget as
`edgeopt tune --strategy tpe`.

  tune_optuna.py SEED TRIALS EPOCHS LIMIT VAL_SPLIT [THREADS]

Space: lr ~ log-uniform(1e-4, 1e-1), batch in {32, 64, 128, 256}, hidden ~
int(32, 512), dropout ~ uniform(0, 0.5); model 784 -> hidden -> ReLU ->
dropout -> 10 (edgeopt's mlp:{hidden}:dropout={dropout}), Adam, pixels / 255,
softmax cross-entropy. The first LIMIT training rows are split stratified into
train / validation (sklearn, VAL_SPLIT of them for validation); a trial trains
EPOCHS epochs and scores the validation accuracy after the last one. Optuna's
defaults otherwise (TPESampler(seed), 10 random start-up trials, no pruner).
Prints one line: best_val_acc=... seconds=... trials=... epochs=..."""
import gzip
import os
import sys
import time

import numpy as np
import optuna
import torch
from sklearn.model_selection import train_test_split

DIR = os.environ.get("EO_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(name):
    for path in (os.path.join(DIR, name + ".gz"), os.path.join(DIR, name)):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            ndim = data[3]
            dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit("Fashion-MNIST not found in %s (apt-get install dataset-fashion-mnist)" % DIR)


def main():
    seed, trials, epochs, limit = (int(a) for a in sys.argv[1:5])
    val_split = float(sys.argv[5])
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    torch.set_num_threads(threads)
    x = read_idx("train-images-idx3-ubyte")[:limit].reshape(limit, -1).astype(np.float32) / 255.0
    y = read_idx("train-labels-idx1-ubyte")[:limit].astype(np.int64)
    xtr, xva, ytr, yva = train_test_split(x, y, test_size=val_split, stratify=y, random_state=seed)
    xtr, ytr, xva, yva = (torch.from_numpy(a) for a in (xtr, ytr, xva, yva))
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        batch = trial.suggest_categorical("batch", [32, 64, 128, 256])
        hidden = trial.suggest_int("hidden", 32, 512)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        torch.manual_seed(seed * 100003 + trial.number)
        model = torch.nn.Sequential(torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout),
                                    torch.nn.Linear(hidden, 10))
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        n = xtr.shape[0]
        acc = 0.0
        for _ in range(epochs):
            model.train()
            perm = torch.randperm(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                opt.zero_grad()
                loss = loss_fn(model(xtr[idx]), ytr[idx])
                loss.backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                acc = (model(xva).argmax(1) == yva).float().mean().item()
        return acc

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - t0
    print("best_val_acc=%.4f seconds=%.1f trials=%d epochs=%d params=%s" %
          (study.best_value, seconds, trials, trials * epochs, study.best_params))


if __name__ == "__main__":
    main()
